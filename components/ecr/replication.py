"""``EcrReplication``: cross-region and cross-account replication whose replicas are as hardened
as their sources.

Only images pushed after the replication configuration exists are replicated. A replicated
repository is created by ECR with the settings of the matching creation template, else with
AWS's defaults (mutable tags, no scan on push, no lifecycle): so for every destination this
component declares a ``ROOT`` template applied for REPLICATION (scan on push comes from the
destination region's registry scanning configuration, which it declares too). Replicas keep the
source's names; a template prefix only matches names below ``PREFIX/``, so ``ROOT`` is the one
prefix that covers a repository called ``myapp``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import cast

import pulumi
import pulumi_aws as aws

from .. import token
from ..shared.arns import ACCOUNT_RE, ROLE_ARN_RE, check_kms_key_arn
from ..shared.errors import InvalidValue
from ..shared.iam import Principal, Statement, document
from ..shared.kms import ecr_key
from ..shared.placement import Placement
from ..shared.regions import ALL_REGIONS, partition_of
from .scanning import RegistryScanning, RegistryScanningSpec
from .templates import TemplateEncryption, creation_template, template_role

MAX_RULES = 10  # AWS: rules per replication configuration
MAX_DESTINATIONS = 25  # AWS: unique destinations across all rules
MAX_FILTERS = 100  # RepositoryFilterList in the ECR API model
# RepositoryFilterValue in the ECR API model (2-256 characters).
_FILTER_RE = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*\Z")
REPLICATION_ACTIONS = ("ecr:CreateRepository", "ecr:ReplicateImage")


@dataclass(frozen=True)
class ReplicationDestination:
    """A registry images are copied to: a region, and an account (None: this account)."""

    region: str
    account: str | None = None
    assume_role_arn: str | None = None
    """Cross-account: a role in the destination account to declare its side (registry policy,
    creation template, scanning) through. Without it, that side is the destination's step."""
    preview_role_arn: str | None = None
    """Cross-account, with ``assume_role_arn``: a read-only role in the destination account that
    runs by the stack's preview role (pull-request previews, the drift check) assume instead — a
    preview never holds the destination's write access."""
    kms_key_arn: str | None = None
    """A KMS key in the destination region for the replicas (keys are regional)."""
    existing_template: bool = False
    """The destination registry already has its ``ROOT`` creation template (a registry holds one per
    prefix: another stack's, or its owner's). None is declared here; the existing one is read at
    preview and must give replicas what a declared one would."""

    @property
    def key(self) -> str:
        return f"{self.account or 'self'}-{self.region}"


@dataclass(frozen=True)
class ReplicationRule:
    destinations: Sequence[ReplicationDestination]
    filters: Sequence[str] = ()
    """PREFIX_MATCH filters on repository names; none replicates every repository."""


@dataclass(frozen=True)
class EcrReplicationSpec:
    """What a stack says about replication: the rules, where the source is, and what replicas get."""

    rules: Sequence[ReplicationRule]
    """The replication rules (at most 10, 25 unique destinations)."""
    placement: Placement
    """The source registry: its region (a destination may not be this region in this account),
    partition, account (checks destination keys) and tags."""
    replica_lifecycle_policy: str | None = None
    """Lifecycle policy JSON the replicas get (the source's), in destinations not named in
    ``replica_lifecycle_policies``."""
    replica_lifecycle_policies: Mapping[str, str | None] = field(default_factory=dict)
    """Per destination key (``ReplicationDestination.key``): the replicas' lifecycle policy JSON."""
    encryption_type: str = "KMS"
    """The registry's encryption type, which destination templates repeat."""
    create_keys: bool = False
    """Create a KMS key (rotation on) in each destination region for the replicas."""
    scanning: RegistryScanningSpec = field(default_factory=RegistryScanningSpec)
    """Scanning to declare in cross-account destinations (same-account regions are the
    registry scanning component's)."""
    protect_keys: bool = False
    """Protect created keys (deleting one makes its replicas unreadable)."""
    provider_profile: str | None = None
    """The shared-config profile the stack's own AWS provider uses (``aws:profile``). An explicit
    provider inherits no ``aws:*`` setting, so cross-account providers get it from here to find the
    credentials they assume the destination role with."""
    preview_role_name: str | None = None
    """The stack's CI preview role (``delivery``): a run by it assumes destinations'
    ``preview_role_arn`` (read-only) instead of ``assume_role_arn``."""


@dataclass(frozen=True)
class EcrReplicationArgs:
    """The spec and what the replication configuration waits for."""

    spec: EcrReplicationSpec
    """Everything the stack says about replication."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What else the replication configuration waits for (e.g. the ``RegistryScanning`` of the
    replica regions): an image replicated before it exists gets a repository without it."""

def destinations(rules: Sequence[ReplicationRule]) -> list[ReplicationDestination]:
    """The unique destinations of all rules, in order of first appearance."""
    seen: dict[tuple[str, str | None], ReplicationDestination] = {}
    for rule in rules:
        for dest in rule.destinations:
            seen.setdefault((dest.region, dest.account), dest)
    return list(seen.values())


def check_replication_spec(args: EcrReplicationSpec) -> None:
    """Raise ``InvalidValue`` (path relative to ``replication``) for what AWS would refuse."""
    if not args.rules:
        raise InvalidValue("rules", [], "is empty; list at least one rule (or leave replication unset)")
    if len(args.rules) > MAX_RULES:
        raise InvalidValue("rules", f"{len(args.rules)} rules", f"is more than the {MAX_RULES} AWS allows")
    for i, rule in enumerate(args.rules):
        if not rule.destinations:
            raise InvalidValue(f"rules[{i}].destinations", [], "is empty; name at least one region")
        for j, dest in enumerate(rule.destinations):
            where = f"rules[{i}].destinations[{j}]"
            if dest.region not in ALL_REGIONS:
                raise InvalidValue(f"{where}.region", dest.region,
                                   "is not an AWS region where ECR is offered (e.g. eu-west-1)")
            if partition_of(dest.region) != args.placement.partition:
                raise InvalidValue(f"{where}.region", dest.region,
                                   f"is in the {partition_of(dest.region)} partition; ECR replicates only "
                                   f"within the source's partition ({args.placement.partition})")
            if dest.account is not None and not ACCOUNT_RE.match(dest.account):
                raise InvalidValue(f"{where}.account", dest.account, "is not a 12-digit AWS account ID")
            if dest.account is None and dest.region == args.placement.region:
                raise InvalidValue(f"{where}.region", dest.region,
                                   "is the source region in the source account; a registry cannot "
                                   "replicate to itself")
            if dest.assume_role_arn is not None:
                if dest.account is None:
                    raise InvalidValue(f"{where}.assume_role_arn", dest.assume_role_arn,
                                       "is only for a destination in another account (set account)")
                if not ROLE_ARN_RE.match(dest.assume_role_arn):
                    raise InvalidValue(f"{where}.assume_role_arn", dest.assume_role_arn,
                                       "is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
                if dest.assume_role_arn.split(":")[4] != dest.account:
                    raise InvalidValue(f"{where}.assume_role_arn", dest.assume_role_arn,
                                       f"is not a role of the destination account {dest.account}")
            if dest.preview_role_arn is not None:
                if dest.assume_role_arn is None:
                    raise InvalidValue(f"{where}.preview_role_arn", dest.preview_role_arn,
                                       "is the read-only twin of assume_role_arn: set assume_role_arn too")
                if not ROLE_ARN_RE.match(dest.preview_role_arn) or dest.preview_role_arn.split(":")[4] != dest.account:
                    raise InvalidValue(f"{where}.preview_role_arn", dest.preview_role_arn,
                                       f"is not an IAM role ARN of the destination account {dest.account}")
                if dest.preview_role_arn == dest.assume_role_arn:
                    raise InvalidValue(f"{where}.preview_role_arn", dest.preview_role_arn,
                                       "is assume_role_arn itself: give a separate read-only role, so that a "
                                       "pull request's preview never holds the destination's write access")
            elif dest.assume_role_arn is not None and args.preview_role_name is not None:
                raise InvalidValue(f"{where}.preview_role_arn", None,
                                   "is required with assume_role_arn when the stack has delivery roles: the "
                                   "preview role (pull requests, drift) assumes a read-only role there, never "
                                   "the writer (docs/delivery.md#cross-account-replication-in-prods-preview)")
            if dest.existing_template and dest.account is not None and dest.assume_role_arn is None:
                raise InvalidValue(f"{where}.existing_template", True,
                                   "is for a destination whose side this stack declares (this account, or "
                                   "assume_role_arn); without assume_role_arn the destination's template is "
                                   "its owner's step already")
            if dest.existing_template and dest.kms_key_arn is not None:
                raise InvalidValue(f"{where}.kms_key_arn", dest.kms_key_arn,
                                   "is for the template this stack would declare; with existing_template the "
                                   "existing template's key applies")
            if dest.kms_key_arn is not None:
                check_kms_key_arn(f"{where}.kms_key_arn", dest.kms_key_arn, region=dest.region,
                                  account=dest.account or args.placement.account)
        if len(rule.filters) > MAX_FILTERS:
            raise InvalidValue(f"rules[{i}].filters", f"{len(rule.filters)} filters",
                               f"is more than the {MAX_FILTERS} AWS allows")
        for j, prefix in enumerate(rule.filters):
            if not isinstance(prefix, str) or not (2 <= len(prefix) <= 256 and _FILTER_RE.match(prefix)):
                raise InvalidValue(f"rules[{i}].filters[{j}]", prefix,
                                   "is not a repository name prefix (2-256 lowercase letters, digits, "
                                   ". _ - and /)")
    unique = destinations(args.rules)
    if len(unique) > MAX_DESTINATIONS:
        raise InvalidValue("rules", f"{len(unique)} destinations",
                           f"is more than the {MAX_DESTINATIONS} unique destinations AWS allows")


def existing_template_problems(*, applied_for: Sequence[str], tag_mutability: str, encryption_type: str,
                               lifecycle_policy: str | None, expected_encryption: str) -> list[str]:
    """What an existing ROOT template lacks, for replicas as hardened as their sources."""
    problems = []
    if "REPLICATION" not in applied_for:
        problems.append(f"is applied for {', '.join(applied_for) or 'nothing'}, not REPLICATION")
    if tag_mutability != "IMMUTABLE":
        problems.append(f"makes {tag_mutability} repositories (tags must be IMMUTABLE)")
    if expected_encryption == "KMS" and encryption_type != "KMS":
        problems.append(f"encrypts with {encryption_type} (the registry uses KMS)")
    if not lifecycle_policy:
        problems.append("has no lifecycle policy (replicas would be kept for ever)")
    return problems


def replicated(rules: Sequence[ReplicationRule], names: Sequence[str]) -> dict[str, list[str]]:
    """For each destination key, the repository names (of ``names``) replicated to it."""
    out: dict[str, list[str]] = {}
    for rule in rules:
        matched = [n for n in names if not rule.filters or any(n.startswith(f) for f in rule.filters)]
        for dest in rule.destinations:
            bucket = out.setdefault(dest.key, [])
            bucket.extend(n for n in matched if n not in bucket)
    return out


def registry_policy_document(source_account: str, dest: ReplicationDestination, partition: str) -> str:
    """The destination registry's policy letting the source account replicate into it."""
    return document([Statement(
        f"ReplicateFrom{source_account}", actions=list(REPLICATION_ACTIONS),
        principal=Principal(aws=f"arn:{partition}:iam::{source_account}:root"),
        resources=f"arn:{partition}:ecr:{dest.region}:{dest.account}:repository/*")])


class EcrReplication(pulumi.ComponentResource):
    """The registry's replication configuration, and hardened replicas in every destination."""

    destination_steps: dict[str, pulumi.Output[str]]
    """Registry policies a destination account must apply itself (no ``assume_role_arn``)."""

    def __init__(self, name: str, args: EcrReplicationArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("EcrReplication"), name, None, opts)
        spec = args.spec
        check_replication_spec(spec)
        child = pulumi.ResourceOptions(parent=self)
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        # Everything that makes a replica compliant exists before replication starts: ECR creates a
        # replica's repository from whatever template matches *at that moment*, and a template
        # created later never fixes a repository created with AWS's defaults.
        ready: list[pulumi.Resource] = list(args.depends_on)

        # The role ECR assumes to create tagged (and CMK-encrypted) replicas in this account.
        same_account = [d for d in destinations(spec.rules) if d.account is None]
        for dest in same_account:
            if dest.existing_template:
                self._check_existing(dest, spec, pulumi.InvokeOutputOptions(parent=self))
        declared = [d for d in same_account if not d.existing_template]
        keys: dict[str, pulumi.Input[str] | None] = {}
        for dest in declared:
            keys[dest.key] = self._key(f"{name}-{dest.key}-key", dest, spec, account, child, ready)
        if declared:
            role = template_role(f"{name}", account, spec.placement.partition,
                                 [k for k in keys.values() if k is not None], spec.placement.tags, child)
            ready += [role.role, role.policy]
            for dest in declared:
                ready.append(self._template(f"{name}-{dest.key}-template", dest, spec, keys[dest.key],
                                            role.arn, child))

        self.destination_steps = {}
        for dest in destinations(spec.rules):
            if dest.account is None:
                continue
            policy = account.apply(partial(registry_policy_document, dest=dest, partition=spec.placement.partition))
            if dest.assume_role_arn is None:
                pulumi.log.warn(
                    f"replication to account {dest.account} ({dest.region}): that registry must allow "
                    f"this account {', '.join(REPLICATION_ACTIONS)}; apply the exported registry policy "
                    "there (and a REPLICATION creation template), or set assume_role_arn to declare it "
                    "from this stack.", self)
                self.destination_steps[dest.key] = policy
                continue
            ready += self._cross_account(name, dest, spec, policy, child)

        self.configuration = aws.ecr.ReplicationConfiguration(
            f"{name}-configuration",
            replication_configuration={"rules": [self._rule(rule, account) for rule in spec.rules]},
            # The registry's one replication configuration: the provider's delete empties every rule
            # of the registry, other stacks' too. Kept on destroy like the other registry-wide settings.
            opts=pulumi.ResourceOptions(parent=self, depends_on=ready, retain_on_delete=True),
        )
        self.register_outputs({"destination_steps": self.destination_steps})

    @staticmethod
    def _rule(rule: ReplicationRule, account: pulumi.Output[str],
              ) -> aws.ecr.ReplicationConfigurationReplicationConfigurationRuleArgsDict:
        out: aws.ecr.ReplicationConfigurationReplicationConfigurationRuleArgsDict = {"destinations": [{"region": d.region, "registry_id": d.account or account}
                                      for d in rule.destinations]}
        if rule.filters:  # no filters: every repository
            out["repository_filters"] = [{"filter": f, "filter_type": "PREFIX_MATCH"} for f in rule.filters]
        return out

    @staticmethod
    def _key(name: str, dest: ReplicationDestination, args: EcrReplicationSpec, account: pulumi.Input[str],
             opts: pulumi.ResourceOptions, ready: list[pulumi.Resource]) -> pulumi.Input[str] | None:
        if dest.kms_key_arn is not None:
            return dest.kms_key_arn
        if args.encryption_type == "KMS" and args.create_keys:
            key = ecr_key(
                name,
                description=f"ECR replicas in {dest.region} for {pulumi.get_project()}/{pulumi.get_stack()}",
                account=dest.account or account, partition=args.placement.partition, region=dest.region,
                declare_region=dest.region, tags=args.placement.tags, protect=args.protect_keys, opts=opts,
            )
            ready.append(key)
            return key.arn
        return None

    def _check_existing(self, dest: ReplicationDestination, args: EcrReplicationSpec,
                        opts: pulumi.InvokeOutputOptions) -> None:
        """Read the destination's existing ROOT template at preview; what it lacks is an error naming
        the destination (``pulumi.log.error`` fails the run, without a traceback)."""
        found = aws.ecr.get_repository_creation_template_output(prefix="ROOT", region=dest.region, opts=opts)

        def judge(template: aws.ecr.GetRepositoryCreationTemplateResult) -> None:
            problems = existing_template_problems(
                applied_for=list(template.applied_fors), tag_mutability=template.image_tag_mutability,
                encryption_type=(template.encryption_configurations[0].encryption_type
                                 if template.encryption_configurations else "AES256"),
                lifecycle_policy=template.lifecycle_policy, expected_encryption=args.encryption_type)
            if problems:
                pulumi.log.error(
                    f"replication to {dest.account or 'this account'} ({dest.region}): existing_template is set, "
                    f"but that registry's ROOT creation template {'; '.join(problems)}. Replicas would be created "
                    "from it: fix the template there (aws ecr update-repository-creation-template --prefix ROOT), "
                    "or remove it and unset existing_template so this stack declares a hardened one.", self)

        found.apply(judge)

    @staticmethod
    def _template(name: str, dest: ReplicationDestination, args: EcrReplicationSpec,
                  key: pulumi.Input[str] | None, role_arn: pulumi.Input[str],
                  opts: pulumi.ResourceOptions) -> aws.ecr.RepositoryCreationTemplate:
        encryption = TemplateEncryption(type="KMS" if key is not None else args.encryption_type, kms_key=key)
        return creation_template(
            name,
            prefix="ROOT",
            applied_for=["REPLICATION"],
            description="Replicas are as hardened as their sources: immutable tags, KMS, lifecycle",
            tag_mutability="IMMUTABLE",
            encryption=encryption,
            lifecycle_policy=args.replica_lifecycle_policies.get(dest.key, args.replica_lifecycle_policy),
            tags=args.placement.tags,
            role_arn=role_arn,
            region=dest.region,
            opts=opts,
        )

    def _destination_role(self, dest: ReplicationDestination, args: EcrReplicationSpec) -> pulumi.Input[str]:
        """The destination role to assume: the read-only one when the stack's preview role runs the
        program (whose own policy may assume nothing else), the writer otherwise."""
        writer = cast(str, dest.assume_role_arn)
        reader = dest.preview_role_arn
        if reader is None or args.preview_role_name is None:
            return writer
        preview = f":assumed-role/{args.preview_role_name}/"
        caller = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        return caller.arn.apply(lambda arn: reader if preview in arn else writer)

    def _cross_account(self, name: str, dest: ReplicationDestination, args: EcrReplicationSpec,
                       policy: pulumi.Output[str], child: pulumi.ResourceOptions) -> list[pulumi.Resource]:
        """Declare the destination account's side through a provider that assumes its role; returns
        what replication into it waits for."""
        prefix = f"{name}-{dest.key}"
        account_id = dest.account
        assert account_id is not None  # only cross-account destinations come here
        provider = aws.Provider(
            f"{prefix}-provider",
            region=dest.region,
            # An explicit provider inherits no aws:* stack setting: pass the profile the stack's
            # credentials come from, so the role is assumed with them.
            profile=args.provider_profile,
            # Typed args: a provider's nested inputs travel as JSON, and only the typed class
            # gives them the provider's camelCase names (a plain dict would send role_arn).
            assume_roles=[aws.ProviderAssumeRoleArgs(
                role_arn=self._destination_role(dest, args),
                session_name=f"{pulumi.get_project()}-{pulumi.get_stack()}-replication")],
            allowed_account_ids=[account_id],
            opts=child,
        )
        in_dest = pulumi.ResourceOptions(parent=self, provider=provider)
        ready: list[pulumi.Resource] = [aws.ecr.RegistryPolicy(
            f"{prefix}-registry-policy", policy=policy,
            # The registry policy is the whole registry's: deleting it on destroy would cut every
            # other replication and cache into that registry.
            opts=pulumi.ResourceOptions.merge(in_dest, pulumi.ResourceOptions(retain_on_delete=True)))]
        if dest.existing_template:
            self._check_existing(dest, args, pulumi.InvokeOutputOptions(parent=self, provider=provider))
        else:
            key = self._key(f"{prefix}-key", dest, args, account_id, in_dest, ready)
            role = template_role(prefix, account_id, args.placement.partition, [key] if key is not None else [],
                                 args.placement.tags, in_dest)
            ready += [role.role, role.policy,
                      self._template(f"{prefix}-template", dest, args, key, role.arn, in_dest)]
        ready.append(RegistryScanning(f"{prefix}-scanning", RegistryScanningSpec(
            scan_type=args.scanning.scan_type, rules=args.scanning.rules, regions=[None],
            allow_partial=args.scanning.allow_partial),
            opts=pulumi.ResourceOptions(parent=self, providers={"aws": provider})))
        return ready
