"""``EcrRepository``: one hardened ECR repository with its lifecycle and repository policies."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .. import token
from ..shared.arns import check_kms_key_arn
from ..shared.errors import InvalidValue
from .access import Grant, check_grants, repository_policy
from .lifecycle import LifecycleRule, check_rules, keeping_tags, render_policy

TAG_MUTABILITIES = ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE", "MUTABLE_WITH_EXCLUSION")
ENCRYPTION_TYPES = ("KMS", "AES256")
# RepositoryName in the ECR API model (2-256 characters).
_NAME_RE = re.compile(r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\Z")
# ImageTagMutabilityExclusionFilter.filter in the ECR API model; 1-5 filters, type WILDCARD.
_EXCLUSION_RE = re.compile(r"^[0-9a-zA-Z._*-]{1,128}\Z")
MAX_EXCLUSIONS = 5
MAX_EXCLUSION_WILDCARDS = 2  # the provider refuses more at preview


@dataclass(frozen=True)
class Encryption:
    """How images are encrypted at rest.

    ``KMS`` without ``kms_key`` uses the AWS-managed key ``aws/ecr`` (no key to manage);
    with ``kms_key`` (an ARN, or the ``arn`` output of a key) a customer-managed key.
    ``AES256`` is Amazon S3-managed encryption.
    """

    type: str = "KMS"
    kms_key: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class EcrRepositorySpec:
    """Settings of one repository; every default is the secure one."""

    name: str
    """Repository name, e.g. ``myapp`` or ``team/myapp``."""
    tag_mutability: str = "IMMUTABLE"
    """IMMUTABLE (default), IMMUTABLE_WITH_EXCLUSION, MUTABLE or MUTABLE_WITH_EXCLUSION."""
    tag_mutability_exclusions: Sequence[str] = ()
    """Wildcard filters of tags exempt from the mutability setting (``*_WITH_EXCLUSION`` only)."""
    scan_on_push: bool = True
    """Scan every pushed image for vulnerabilities (AWS's own default is off)."""
    encryption: Encryption = field(default_factory=Encryption)
    """Encryption at rest; KMS with the AWS-managed key by default."""
    force_delete: bool = False
    """Let ``pulumi destroy`` delete the repository while it still holds images."""
    protect: bool = False
    """Register with ``protect`` and ``retain_on_delete``: Pulumi refuses to delete it."""
    lifecycle_rules: Sequence[LifecycleRule] = ()
    """Lifecycle rules; none means every image is kept."""
    grants: Sequence[Grant] = ()
    """Principals (other accounts or roles) allowed to pull and/or push."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """AWS tags of the repository."""


def check_repository_spec(spec: EcrRepositorySpec) -> None:
    """Raise ``InvalidValue`` (path relative to the repository, in stack-config key names)."""
    if not isinstance(spec.name, str) or not (2 <= len(spec.name) <= 256 and _NAME_RE.match(spec.name)):
        raise InvalidValue(
            "name", spec.name,
            "is not an ECR repository name (2-256 lowercase letters, digits, . _ - separated "
            "parts, optionally in /-separated namespaces, e.g. team/myapp)",
        )
    if spec.tag_mutability not in TAG_MUTABILITIES:
        raise InvalidValue("tag_mutability", spec.tag_mutability,
                           f"is not one of {', '.join(TAG_MUTABILITIES)}")
    excluding = spec.tag_mutability.endswith("_WITH_EXCLUSION")
    if excluding and not spec.tag_mutability_exclusions:
        raise InvalidValue("tag_mutability_exclusions", list(spec.tag_mutability_exclusions),
                           f"must list 1-{MAX_EXCLUSIONS} wildcard filters when tag_mutability "
                           f"is {spec.tag_mutability}")
    if not excluding and spec.tag_mutability_exclusions:
        raise InvalidValue("tag_mutability_exclusions", list(spec.tag_mutability_exclusions),
                           "is only allowed with tag_mutability IMMUTABLE_WITH_EXCLUSION or "
                           "MUTABLE_WITH_EXCLUSION")
    if len(spec.tag_mutability_exclusions) > MAX_EXCLUSIONS:
        raise InvalidValue("tag_mutability_exclusions", list(spec.tag_mutability_exclusions),
                           f"has more than the {MAX_EXCLUSIONS} filters AWS allows")
    for i, pattern in enumerate(spec.tag_mutability_exclusions):
        if not isinstance(pattern, str) or not _EXCLUSION_RE.match(pattern):
            raise InvalidValue(f"tag_mutability_exclusions[{i}]", pattern,
                               "is not a WILDCARD filter (1-128 of 0-9 a-z A-Z . _ * -)")
        if pattern.count("*") > MAX_EXCLUSION_WILDCARDS:
            raise InvalidValue(f"tag_mutability_exclusions[{i}]", pattern,
                               f"has more than {MAX_EXCLUSION_WILDCARDS} wildcards (*), the most AWS allows "
                               "in a tag mutability exclusion filter")
    if spec.encryption.type not in ENCRYPTION_TYPES:
        raise InvalidValue("encryption.type", spec.encryption.type,
                           f"is not one of {', '.join(ENCRYPTION_TYPES)}")
    if spec.encryption.type == "AES256" and spec.encryption.kms_key is not None:
        raise InvalidValue("encryption.kms_key_arn", spec.encryption.kms_key,
                           "is only allowed with encryption type KMS")
    if isinstance(spec.encryption.kms_key, str):
        check_kms_key_arn("encryption.kms_key_arn", spec.encryption.kms_key)
    if spec.protect and spec.force_delete:
        raise InvalidValue("force_delete", True,
                           "is not allowed on a protected repository (protect: true); "
                           "a protected repository keeps its images")
    try:
        check_rules(spec.lifecycle_rules)
    except InvalidValue as err:
        raise err.under("lifecycle.rules") from None
    try:
        check_grants(spec.grants)
    except InvalidValue as err:
        raise err.under("grants") from None


class EcrRepository(pulumi.ComponentResource):
    """A private ECR repository: scan on push, immutable tags and KMS encryption by default,
    with its lifecycle policy and a repository policy for the named grants."""

    repository_url: pulumi.Output[str]
    arn: pulumi.Output[str]
    repository_name: pulumi.Output[str]
    registry_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        spec: EcrRepositorySpec,
        partition: str = "aws",
        opts: pulumi.ResourceOptions | None = None,
        *,
        runs_workload: bool = False,
    ) -> None:
        """``runs_workload``: the stack runs an image of this repository; its lifecycle policy is
        declared later, by :meth:`lifecycle`, once the tag the stack runs is known."""
        super().__init__(token("EcrRepository"), name, None, opts)
        check_repository_spec(spec)
        self._name, self._spec = name, spec

        # protect stops `pulumi destroy`/a replacement from deleting it; retain_on_delete keeps
        # the images in AWS even if someone unprotects and removes it from the program.
        repo_opts = pulumi.ResourceOptions(
            parent=self, protect=spec.protect, retain_on_delete=spec.protect or None,
        )
        encryption: aws.ecr.RepositoryEncryptionConfigurationArgsDict = {"encryption_type": spec.encryption.type}
        if spec.encryption.kms_key is not None:
            encryption["kms_key"] = spec.encryption.kms_key
        exclusions: list[aws.ecr.RepositoryImageTagMutabilityExclusionFilterArgsDict] = [
            {"filter": pattern, "filter_type": "WILDCARD"} for pattern in spec.tag_mutability_exclusions
        ]
        self.repository = aws.ecr.Repository(
            f"{name}-repo",
            name=spec.name,
            image_tag_mutability=spec.tag_mutability,
            image_tag_mutability_exclusion_filters=exclusions or None,
            image_scanning_configuration={"scan_on_push": spec.scan_on_push},
            # Encryption settings cannot change after creation (AWS replaces the repository);
            # they are set explicitly so the choice is visible in every plan.
            encryption_configurations=[encryption],
            force_delete=spec.force_delete,
            tags=dict(spec.tags) or None,
            opts=repo_opts,
        )
        child_opts = pulumi.ResourceOptions(parent=self)
        self.lifecycle_policy: aws.ecr.LifecyclePolicy | None = None
        if not runs_workload:
            self.lifecycle()
        self.repository_policy = None
        policy = repository_policy(spec.grants, partition)
        if policy is not None:
            self.repository_policy = aws.ecr.RepositoryPolicy(
                f"{name}-policy",
                repository=self.repository.name,
                policy=policy,
                opts=child_opts,
            )

        self.repository_url = self.repository.repository_url
        self.arn = self.repository.arn
        self.repository_name = self.repository.name
        self.registry_id = self.repository.registry_id
        self.register_outputs({
            "repository_url": self.repository_url,
            "arn": self.arn,
            "repository_name": self.repository_name,
            "registry_id": self.registry_id,
        })

    def lifecycle(self, keep_tags: Sequence[str] = (),
                  depends_on: Sequence[pulumi.Resource] = ()) -> aws.ecr.LifecyclePolicy | None:
        """Declare the lifecycle policy (none without rules: every image is kept). ``keep_tags``:
        the tags of the images the stack runs, kept by rules ahead of the spec's, so no rule can
        expire them; ``depends_on``: what the policy waits for — the Deployment, so that the tag it
        protects moves only once the rollout has succeeded (a failed one keeps the old protected)."""
        if self.lifecycle_policy is not None:
            raise ValueError(f"{self._name}: the lifecycle policy is declared already")
        if not self._spec.lifecycle_rules:
            return None
        rules = keeping_tags(self._spec.lifecycle_rules, keep_tags)
        check_rules(rules)
        self.lifecycle_policy = aws.ecr.LifecyclePolicy(
            f"{self._name}-lifecycle",
            repository=self.repository.name,
            policy=render_policy(rules),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
        )
        return self.lifecycle_policy
