"""ECR policies: scan on push, immutable tags, no public principal (mandatory); KMS encryption and
lifecycle policies (advisory)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import UnknownValueError

from support import (
    LIFECYCLE,
    REGISTRY_POLICY,
    REPOSITORY,
    REPOSITORY_POLICY,
    SCANNING,
    TEMPLATE,
    Report,
    get,
    label,
    of_type,
    per_resource,
    resource_policy,
    stack_policy,
)

# Templates whose repositories hold images a team pushes or replicates: the repository rules
# apply to them. PULL_THROUGH_CACHE-only templates are exempt from tag immutability: AWS
# documents that immutable tags stop ECR from updating a cached image when its upstream tag moves.
HARDENED_TEMPLATE_USES = ("REPLICATION", "CREATE_ON_PUSH")
ON_PUSH = ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")  # frequencies that scan a pushed image
_EXCLUSION_PATTERN = "^[0-9a-zA-Z._*-]{1,128}$"


def template_uses(props: Any) -> list[str]:
    uses = get(props, "appliedFors") or []
    return [u for u in uses if isinstance(u, str)]


def is_hardened_template(props: Any) -> bool:
    return any(use in HARDENED_TEMPLATE_USES for use in template_uses(props))


def registry_of(resource: PolicyResource | ResourceValidationArgs) -> tuple[str, str | None]:
    """Which registry a resource is in: its provider (an account) and its region (its own
    ``region`` input, else its provider's; None when neither says)."""
    provider = resource.provider
    provider_urn = provider.urn if provider is not None else ""
    try:
        region = get(resource.props, "region")
        if not region and provider is not None:
            region = get(provider.props, "region")
    except UnknownValueError:
        region = None
    return provider_urn, region or None


# --------------------------------------------------------------------------------------------
# ecr-scan-on-push (resource) and ecr-template-scan-on-push (stack).


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$")


_SAMPLE_NAMES = ("a", "zz9", "a/b.c-d_e")


def _filter_covers(pattern: str, prefix: str) -> bool:
    """Whether a WILDCARD repository filter matches every repository a template prefix creates.

    AWS appends "/" to a template prefix (``docker-hub`` → ``docker-hub/...``); ``ROOT`` stands
    for any repository name.
    """
    regex = _wildcard(pattern)
    base = "" if prefix == "ROOT" else prefix.rstrip("/") + "/"
    return all(regex.match(base + sample) for sample in _SAMPLE_NAMES)


def _scanned_on_push_filters(rules: Any) -> list[str]:
    """The repository filters of a scanning configuration's scan-on-push and continuous rules."""
    filters: list[str] = []
    for rule in rules or []:
        if get(rule, "scanFrequency") not in ON_PUSH:
            continue
        for repo_filter in get(rule, "repositoryFilters") or []:
            value = get(repo_filter, "filter")
            if isinstance(value, str):
                filters.append(value)
    return filters


def _scan_on_push_filters(scanning: Iterable[PolicyResource], registry: tuple[str, str | None]) -> list[str]:
    filters: list[str] = []
    for config in scanning:
        if registry_of(config) == registry:
            filters += _scanned_on_push_filters(get(config.props, "rules"))
    return filters


@resource_policy(
    name="ecr-scan-on-push",
    description="ECR repositories are scanned on push, and registry scanning configurations scan every "
                "repository on push.",
    level=EnforcementLevel.MANDATORY,
    types=(REPOSITORY, SCANNING),
    config_schema=PolicyConfigSchema(properties={
        "allowedRegistryFilters": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[a-z0-9*][._/a-z0-9*-]{0,254}$"},
            "default": [],
            "description": "WILDCARD filters a registry scanning configuration may scan on push instead "
                           "of * (e.g. [\"prod-*\"]). Default: none, only * covers the registry.",
        },
    }),
    checks="Every `aws.ecr.Repository` has `imageScanningConfiguration.scanOnPush: true` (a missing or empty configuration is a violation: AWS's default is off). Every `RegistryScanningConfiguration` scans every repository on push: a `SCAN_ON_PUSH` or `CONTINUOUS_SCAN` rule with the filter `*` (or one the pack config's `allowedRegistryFilters` accepts) — its rules override each repository's own setting.",
    why="Scan results are the chapter's first line of defence: find CRITICAL findings before deploying.",
)
def ecr_scan_on_push(args: ResourceValidationArgs, report_violation: Report) -> None:
    """A repository is scanned on push; a registry scanning configuration scans every repository
    on push. Judged per resource, so the engine refuses the resource before creating it."""
    what = label(args.resource_type, args.props, args.name)
    if args.resource_type == REPOSITORY:
        config = get(args.props, "imageScanningConfiguration")
        if config is None:
            report_violation(
                f"{what} has no imageScanningConfiguration; AWS's default is no scan on "
                "push. Set image_scanning_configuration={'scan_on_push': True} "
                "(stack config: scan_on_push: true).")
        elif get(config, "scanOnPush") is not True:
            report_violation(
                f"{what} has scanOnPush {json.dumps(get(config, 'scanOnPush'))}; images "
                "pushed to it are not scanned for vulnerabilities. Set scan_on_push: true.")
        return
    allowed = ["*", *((args.get_config() or {}).get("allowedRegistryFilters", []))]
    filters = _scanned_on_push_filters(get(args.props, "rules"))
    if not any(f in allowed for f in filters):
        shown = ", ".join(filters) if filters else "none"
        report_violation(
            f"Registry scanning configuration {args.name} scans on push only repositories matching: "
            f"{shown}. Its rules override every repository's own scanOnPush, so the others are not "
            "scanned; add a SCAN_ON_PUSH (or CONTINUOUS_SCAN) rule with the filter * "
            f"(this pack accepts: {', '.join(allowed)}; pack config "
            "ecr-scan-on-push.allowedRegistryFilters).")


@stack_policy(
    name="ecr-template-scan-on-push",
    description="The repositories creation templates make (replicas, cached images) are scanned on push "
                "by a registry scanning configuration in the template's registry.",
    level=EnforcementLevel.MANDATORY,
    checks="Every repository creation template's prefix is covered by a `SCAN_ON_PUSH`/`CONTINUOUS_SCAN` rule of a `RegistryScanningConfiguration` in the template's registry (provider and region): templates cannot set scanning themselves, so this needs two resources at once.",
    why='Replicas and cached images are scanned like the repositories they come from.',
)
def ecr_template_scan_on_push(args: StackValidationArgs, report_violation: Report) -> None:
    """A template's repositories are scanned only through the registry scanning configuration of
    the template's registry: two resources at once, so a stack policy."""
    scanning = of_type(args, SCANNING)

    def check(res: PolicyResource) -> None:
        prefix = get(res.props, "prefix")
        if not template_uses(res.props) or not isinstance(prefix, str):
            return
        registry = registry_of(res)
        if any(_filter_covers(f, prefix) for f in _scan_on_push_filters(scanning, registry)):
            return
        region = registry[1]
        where = f"region {region}" if region else "the stack's default region"
        if res.provider is not None and res.provider.name != "default":
            where += f" of provider {res.provider.name}"
        report_violation(
            f'{label(res.resource_type, res.props, res.name)} '
            f"({', '.join(template_uses(res.props))}) creates repositories that are "
            f"not scanned on push: no RegistryScanningConfiguration in {where} has a "
            f"SCAN_ON_PUSH or CONTINUOUS_SCAN rule whose filter matches "
            f"{'every repository' if prefix == 'ROOT' else repr(prefix + '/*')}. "
            "Creation templates cannot set scan on push themselves.", res.urn)

    per_resource(args, (TEMPLATE,), check)


# --------------------------------------------------------------------------------------------
# ecr-immutable-tags


@resource_policy(
    name="ecr-immutable-tags",
    description="ECR repositories, and replication or create-on-push templates, keep tags immutable.",
    level=EnforcementLevel.MANDATORY,
    types=(REPOSITORY, TEMPLATE),
    config_schema=PolicyConfigSchema(properties={
        "allowedExclusionFilters": {
            "type": "array",
            "items": {"type": "string", "pattern": _EXCLUSION_PATTERN},
            "default": [],
            "description": "WILDCARD tag filters a repository may exempt from immutability "
                           "(IMMUTABLE_WITH_EXCLUSION), e.g. [\"latest\"]. Default: none.",
        },
    }),
    checks="Every repository, and every creation template applied for `REPLICATION` or `CREATE_ON_PUSH`, has `imageTagMutability: IMMUTABLE` (missing is a violation: AWS's default is MUTABLE). `IMMUTABLE_WITH_EXCLUSION` passes only when every filter is in `allowedExclusionFilters` (default: none).",
    why='A tag that can be overwritten makes `myapp:1.2.3` mean different images on different nodes.',
)
def ecr_immutable_tags(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type == TEMPLATE and not is_hardened_template(args.props):
        return
    what = label(args.resource_type, args.props, args.name)
    mutability = get(args.props, "imageTagMutability")
    allowed = list((args.get_config() or {}).get("allowedExclusionFilters", []))
    if mutability is None:
        report_violation(f"{what} does not set imageTagMutability; AWS's default is MUTABLE, "
                         "so tags can be overwritten. Set it to IMMUTABLE.")
    elif mutability == "IMMUTABLE_WITH_EXCLUSION":
        filters = [get(f, "filter") for f in get(args.props, "imageTagMutabilityExclusionFilters") or []]
        refused = [f for f in filters if f not in allowed]
        if refused:
            allowed_text = ", ".join(allowed) if allowed else "none"
            report_violation(
                f"{what} exempts tags {', '.join(map(str, refused))} from immutability; this "
                f"pack allows the exclusion filters: {allowed_text} "
                "(pack config ecr-immutable-tags.allowedExclusionFilters).")
    elif mutability != "IMMUTABLE":
        report_violation(f"{what} has imageTagMutability {mutability}; pushed tags can be "
                         "overwritten. Set it to IMMUTABLE.")


# --------------------------------------------------------------------------------------------
# ecr-no-public-principal


def _principal_is_public(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        values = principal.get("AWS")
        values = values if isinstance(values, list) else [values]
        return "*" in values
    return False


# Condition keys that name who the caller is (an organization or an account), and the positive
# operators that narrow a wildcard principal to exact values of them.
NARROWING_KEYS = ("aws:principalorgid", "aws:principalaccount", "aws:sourceaccount", "aws:sourceorgid")
NARROWING_OPERATORS = ("stringequals", "forallvalues:stringequals", "foranyvalue:stringequals", "arnequals")


def _exact(values: Any) -> bool:
    values = values if isinstance(values, list) else [values]
    return bool(values) and all(isinstance(v, str) and v and not any(c in v for c in "*?$") for v in values)


def _restricted_to_org(condition: Any) -> bool:
    """A condition narrows a wildcard principal only with a positive operator on an organization or
    account key, naming exact values: StringNotEquals (everyone outside), Null or StringLike with
    ``*`` (anyone) narrow nothing."""
    if not isinstance(condition, Mapping):
        return False
    for operator, keys in condition.items():
        if not isinstance(keys, Mapping) or operator.lower() not in NARROWING_OPERATORS:
            continue
        if any(key.lower() in NARROWING_KEYS and _exact(value) for key, value in keys.items()):
            return True
    return False


def public_statements(document: Any) -> list[str]:
    """The Sids (or positions) of Allow statements that grant any principal."""
    statements = document.get("Statement", []) if isinstance(document, Mapping) else []
    if isinstance(statements, Mapping):
        statements = [statements]
    found = []
    for i, statement in enumerate(statements):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        broad = _principal_is_public(statement.get("Principal")) or "NotPrincipal" in statement
        if broad and not _restricted_to_org(statement.get("Condition")):
            found.append(statement.get("Sid") or f"Statement[{i}]")
    return found


@resource_policy(
    name="ecr-no-public-principal",
    description="ECR repository and registry policies grant no wildcard principal.",
    level=EnforcementLevel.MANDATORY,
    types=(REPOSITORY_POLICY, REGISTRY_POLICY, TEMPLATE),
    checks="Repository policies, the registry policy and templates' repository policies have no `Allow` statement for `*` (or `NotPrincipal`) unless a condition really narrows it: a positive operator (`StringEquals`, `ArnEquals`, `ForAnyValue:`/`ForAllValues:StringEquals`) on `aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:SourceAccount` or `aws:SourceOrgID` naming exact values. Negated operators, `Null` and wildcard values are violations.",
    why='Least privilege: name the accounts and roles.',
)
def ecr_no_public_principal(args: ResourceValidationArgs, report_violation: Report) -> None:
    key = "repositoryPolicy" if args.resource_type == TEMPLATE else "policy"
    text = get(args.props, key)
    if not isinstance(text, str) or not text:
        return
    what = label(args.resource_type, args.props, args.name)
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        report_violation(f"{what}: the {key} is not valid JSON, so its principals cannot be checked.")
        return
    found = public_statements(document)
    if found:
        report_violation(
            f"{what} allows any principal (\"*\" or NotPrincipal) in {', '.join(found)}; name the "
            "accounts or roles, or restrict the statement with a StringEquals condition on aws:PrincipalOrgID "
            "(or aws:PrincipalAccount) naming exact values.")


# --------------------------------------------------------------------------------------------
# ecr-kms-encryption (advisory)


@resource_policy(
    name="ecr-kms-encryption",
    description="ECR repositories and creation templates encrypt images with KMS.",
    level=EnforcementLevel.ADVISORY,
    types=(REPOSITORY, TEMPLATE),
    config_schema=PolicyConfigSchema(properties={
        "requireCustomerManagedKey": {
            "type": "boolean",
            "default": False,
            "description": "Also require a customer-managed KMS key (not aws/ecr).",
        },
    }),
    checks='Repositories and templates encrypt with KMS; with `requireCustomerManagedKey`, with a customer-managed key.',
    why="AES256 is AWS's default; KMS gives key policies and CloudTrail records of use.",
)
def ecr_kms_encryption(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type == TEMPLATE and not template_uses(args.props):
        return
    what = label(args.resource_type, args.props, args.name)
    config = get(args.props, "encryptionConfigurations", 0)
    encryption = get(config, "encryptionType") if config is not None else None
    require_cmk = bool((args.get_config() or {}).get("requireCustomerManagedKey", False))
    if encryption != "KMS":
        shown = encryption or "not set (AWS's default AES256)"
        report_violation(f"{what} encryption is {shown}; use KMS (encryption.type: KMS).")
    elif require_cmk and not get(config, "kmsKey"):
        report_violation(f"{what} uses the AWS-managed key aws/ecr; this pack requires a "
                         "customer-managed key (encryption.create_key or kms_key_arn).")


# --------------------------------------------------------------------------------------------
# ecr-lifecycle-policy (advisory, stack: a repository's lifecycle policy is another resource)


@stack_policy(
    name="ecr-lifecycle-policy",
    description="Every ECR repository (and creation template) has a lifecycle policy.",
    level=EnforcementLevel.ADVISORY,
    checks='Every repository has an `aws.ecr.LifecyclePolicy`; every template carries a lifecycle policy.',
    why="Without one every image is kept and billed for ever (the chapter's cost advice).",
)
def ecr_lifecycle_policy(args: StackValidationArgs, report_violation: Report) -> None:
    covered: set[str] = set()
    for res in of_type(args, LIFECYCLE):
        try:
            name = get(res.props, "repository")
        except UnknownValueError:
            return  # a policy for an unknown repository could be for any of them
        if isinstance(name, str):
            covered.add(name)

    def check(res: PolicyResource) -> None:
        if res.resource_type == REPOSITORY:
            name = get(res.props, "name")
            if isinstance(name, str) and name not in covered:
                report_violation(
                    f'Repository "{name}" has no lifecycle policy: every image is kept (and '
                    "billed) for ever. Add lifecycle rules (stack config: lifecycle).", res.urn)
        elif template_uses(res.props) and not get(res.props, "lifecyclePolicy"):
            report_violation(f"{label(res.resource_type, res.props, res.name)} gives the "
                             "repositories it creates no lifecycle policy.", res.urn)

    per_resource(args, (REPOSITORY, TEMPLATE), check)

