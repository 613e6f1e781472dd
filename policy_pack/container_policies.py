"""The policies of the container platform's pack, importable and testable on their own.

Policies see the engine's camelCase property map. A value that is unknown during preview is
never a violation on its own: the resource (or the one property) is skipped.

Mandatory resource policies (the engine refuses the resource before creating it, in ``preview``
and ``up``): ``ecr-scan-on-push``, ``ecr-immutable-tags``, ``ecr-no-public-principal``.
Mandatory stack policy (runs once after every resource is registered; in ``up`` that is after
the changes were applied, so it detects rather than prevents): ``ecr-template-scan-on-push``.
Advisory (each level configurable): ``ecr-kms-encryption``, ``ecr-lifecycle-policy``,
``k8s-no-latest-tag``, ``k8s-image-from-ecr``, ``eks-node-role-can-pull``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import (
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

PACK_NAME = "container-platform-policies"

REPOSITORY = "aws:ecr/repository:Repository"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
ROLE = "aws:iam/role:Role"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
MANAGED_NODE_GROUP = "eks:index:ManagedNodeGroup"
AWS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
WORKLOADS = ("kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet",
             "kubernetes:apps/v1:DaemonSet")

# Templates whose repositories hold images a team pushes or replicates: the repository rules
# apply to them. PULL_THROUGH_CACHE-only templates are exempt from tag immutability: AWS
# documents that immutable tags stop ECR from updating a cached image when its upstream tag moves.
HARDENED_TEMPLATE_USES = ("REPLICATION", "CREATE_ON_PUSH")
ON_PUSH = ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")  # frequencies that scan a pushed image
UNKNOWNS = frozenset({UNKNOWN_STRING_VALUE, UNKNOWN_BOOLEAN_VALUE, UNKNOWN_NUMBER_VALUE,
                      UNKNOWN_ARRAY_VALUE, UNKNOWN_OBJECT_VALUE})
PULL_POLICIES = ("AmazonEC2ContainerRegistryReadOnly", "AmazonEC2ContainerRegistryPullOnly")
_MANAGED_POLICY_RE = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::aws:policy/(?P<name>[\w+=,.@-]+)$")
_ECR_IMAGE_RE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/(?P<repo>[^@:]+)"
    r"(?::(?P<tag>[\w.-]+))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)
_EXCLUSION_PATTERN = "^[0-9a-zA-Z._*-]{1,128}$"


# --------------------------------------------------------------------------------------------
# Helpers that never raise on unknown values.


def _known(value: Any) -> bool:
    return not (isinstance(value, str) and value in UNKNOWNS)


def _get(props: Any, *path: str | int) -> Any:
    """A nested property, or None when absent; raises UnknownValueError when unknown."""
    value = props
    for key in path:
        if value is None:
            return None
        if isinstance(key, int):
            is_list = isinstance(value, Sequence) and not isinstance(value, str)
            value = value[key] if is_list and len(value) > key else None
        else:
            value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _label(resource_type: str, props: Any, name: str) -> str:
    """How a message names a resource: its AWS name (or prefix) when known, else its Pulumi name."""
    try:
        aws_name = _get(props, "name") or _get(props, "prefix") or _get(props, "repository")
    except UnknownValueError:
        aws_name = None
    kind = resource_type.split(":")[-1]
    return f'{kind} "{aws_name}"' if isinstance(aws_name, str) else f'{kind} {name}'


def _template_uses(props: Any) -> list[str]:
    uses = _get(props, "appliedFors") or []
    return [u for u in uses if isinstance(u, str)]


def _is_hardened_template(props: Any) -> bool:
    return any(use in HARDENED_TEMPLATE_USES for use in _template_uses(props))


def _registry_of(resource: PolicyResource | ResourceValidationArgs) -> tuple[str, str | None]:
    """Which registry a resource is in: its provider (an account) and its region (its own
    ``region`` input, else its provider's; None when neither says)."""
    provider = resource.provider
    provider_urn = provider.urn if provider is not None else ""
    try:
        region = _get(resource.props, "region")
        if not region and provider is not None:
            region = _get(provider.props, "region")
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


def _scan_on_push_filters(scanning: Iterable[PolicyResource], registry: tuple[str, str | None]) -> list[str]:
    filters: list[str] = []
    for config in scanning:
        if _registry_of(config) == registry:
            filters += _scanned_on_push_filters(_get(config.props, "rules"))
    return filters


def _scanned_on_push_filters(rules: Any) -> list[str]:
    """The repository filters of a scanning configuration's scan-on-push and continuous rules."""
    filters: list[str] = []
    for rule in rules or []:
        if _get(rule, "scanFrequency") not in ON_PUSH:
            continue
        for repo_filter in _get(rule, "repositoryFilters") or []:
            value = _get(repo_filter, "filter")
            if isinstance(value, str):
                filters.append(value)
    return filters


def check_scan_on_push(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A repository is scanned on push; a registry scanning configuration scans every repository
    on push. Judged per resource, so the engine refuses the resource before creating it."""
    if args.resource_type not in (REPOSITORY, SCANNING):
        return
    try:
        label = _label(args.resource_type, args.props, args.name)
        if args.resource_type == REPOSITORY:
            config = _get(args.props, "imageScanningConfiguration")
            if config is None:
                report_violation(
                    f"{label} has no imageScanningConfiguration; AWS's default is no scan on "
                    "push. Set image_scanning_configuration={'scan_on_push': True} "
                    "(stack config: scan_on_push: true).")
            elif _get(config, "scanOnPush") is not True:
                report_violation(
                    f"{label} has scanOnPush {json.dumps(_get(config, 'scanOnPush'))}; images "
                    "pushed to it are not scanned for vulnerabilities. Set scan_on_push: true.")
            return
        allowed = ["*", *((args.get_config() or {}).get("allowedRegistryFilters", []))]
        filters = _scanned_on_push_filters(_get(args.props, "rules"))
        if not any(f in allowed for f in filters):
            shown = ", ".join(filters) if filters else "none"
            report_violation(
                f"Registry scanning configuration {args.name} scans on push only repositories matching: "
                f"{shown}. Its rules override every repository's own scanOnPush, so the others are not "
                "scanned; add a SCAN_ON_PUSH (or CONTINUOUS_SCAN) rule with the filter * "
                f"(this pack accepts: {', '.join(allowed)}; pack config "
                "ecr-scan-on-push.allowedRegistryFilters).")
    except UnknownValueError:
        return


ecr_scan_on_push = ResourceValidationPolicy(
    name="ecr-scan-on-push",
    description="ECR repositories are scanned on push, and registry scanning configurations scan every "
                "repository on push.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=check_scan_on_push,
    config_schema=PolicyConfigSchema(properties={
        "allowedRegistryFilters": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[a-z0-9*][._/a-z0-9*-]{0,254}$"},
            "default": [],
            "description": "WILDCARD filters a registry scanning configuration may scan on push instead "
                           "of * (e.g. [\"prod-*\"]). Default: none, only * covers the registry.",
        },
    }),
)


# --------------------------------------------------------------------------------------------
# ecr-template-scan-on-push (stack: a template's repositories are scanned only through the
# registry scanning configuration of the template's region, another resource).


def check_template_scan_on_push(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    scanning = [r for r in args.resources if r.resource_type == SCANNING]
    for res in args.resources:
        try:
            if res.resource_type != TEMPLATE or not _template_uses(res.props):
                continue
            prefix = _get(res.props, "prefix")
            if not isinstance(prefix, str):
                continue
            registry = _registry_of(res)
            filters = _scan_on_push_filters(scanning, registry)
            if not any(_filter_covers(f, prefix) for f in filters):
                region = registry[1]
                where = f"region {region}" if region else "the stack's default region"
                if res.provider is not None and res.provider.name != "default":
                    where += f" of provider {res.provider.name}"
                report_violation(
                    f'{_label(res.resource_type, res.props, res.name)} '
                    f"({', '.join(_template_uses(res.props))}) creates repositories that are "
                    f"not scanned on push: no RegistryScanningConfiguration in {where} has a "
                    f"SCAN_ON_PUSH or CONTINUOUS_SCAN rule whose filter matches "
                    f"{'every repository' if prefix == 'ROOT' else repr(prefix + '/*')}. "
                    "Creation templates cannot set scan on push themselves.", res.urn)
        except UnknownValueError:
            continue


ecr_template_scan_on_push = StackValidationPolicy(
    name="ecr-template-scan-on-push",
    description="The repositories creation templates make (replicas, cached images) are scanned on push "
                "by a registry scanning configuration in the template's registry.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=check_template_scan_on_push,
)


# --------------------------------------------------------------------------------------------
# ecr-immutable-tags


def check_immutable_tags(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type not in (REPOSITORY, TEMPLATE):
        return
    try:
        if args.resource_type == TEMPLATE and not _is_hardened_template(args.props):
            return
        label = _label(args.resource_type, args.props, args.name)
        mutability = _get(args.props, "imageTagMutability")
        allowed = list((args.get_config() or {}).get("allowedExclusionFilters", []))
        if mutability is None:
            report_violation(f"{label} does not set imageTagMutability; AWS's default is MUTABLE, "
                             "so tags can be overwritten. Set it to IMMUTABLE.")
        elif mutability == "IMMUTABLE_WITH_EXCLUSION":
            filters = [_get(f, "filter") for f in _get(args.props, "imageTagMutabilityExclusionFilters") or []]
            refused = [f for f in filters if f not in allowed]
            if refused:
                allowed_text = ", ".join(allowed) if allowed else "none"
                report_violation(
                    f"{label} exempts tags {', '.join(map(str, refused))} from immutability; this "
                    f"pack allows the exclusion filters: {allowed_text} "
                    "(pack config ecr-immutable-tags.allowedExclusionFilters).")
        elif mutability != "IMMUTABLE":
            report_violation(f"{label} has imageTagMutability {mutability}; pushed tags can be "
                             "overwritten. Set it to IMMUTABLE.")
    except UnknownValueError:
        return


ecr_immutable_tags = ResourceValidationPolicy(
    name="ecr-immutable-tags",
    description="ECR repositories, and replication or create-on-push templates, keep tags immutable.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=check_immutable_tags,
    config_schema=PolicyConfigSchema(properties={
        "allowedExclusionFilters": {
            "type": "array",
            "items": {"type": "string", "pattern": _EXCLUSION_PATTERN},
            "default": [],
            "description": "WILDCARD tag filters a repository may exempt from immutability "
                           "(IMMUTABLE_WITH_EXCLUSION), e.g. [\"latest\"]. Default: none.",
        },
    }),
)


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


def _restricted_to_org(condition: Any) -> bool:
    if not isinstance(condition, Mapping):
        return False
    for operator_values in condition.values():
        if isinstance(operator_values, Mapping) and any(
                key.lower() == "aws:principalorgid" for key in operator_values):
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


def check_no_public_principal(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type in (REPOSITORY_POLICY, REGISTRY_POLICY):
        key = "policy"
    elif args.resource_type == TEMPLATE:
        key = "repositoryPolicy"
    else:
        return
    try:
        text = _get(args.props, key)
    except UnknownValueError:
        return
    if not isinstance(text, str) or not text:
        return
    label = _label(args.resource_type, args.props, args.name)
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        report_violation(f"{label}: the {key} is not valid JSON, so its principals cannot be checked.")
        return
    found = public_statements(document)
    if found:
        report_violation(
            f"{label} allows any principal (\"*\" or NotPrincipal) in {', '.join(found)}; name the "
            "accounts or roles, or restrict the statement with an aws:PrincipalOrgID condition.")


ecr_no_public_principal = ResourceValidationPolicy(
    name="ecr-no-public-principal",
    description="ECR repository and registry policies grant no wildcard principal.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=check_no_public_principal,
)


# --------------------------------------------------------------------------------------------
# ecr-kms-encryption (advisory)


def check_kms_encryption(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type not in (REPOSITORY, TEMPLATE):
        return
    try:
        if args.resource_type == TEMPLATE and not _template_uses(args.props):
            return
        label = _label(args.resource_type, args.props, args.name)
        config = _get(args.props, "encryptionConfigurations", 0)
        encryption = _get(config, "encryptionType") if config is not None else None
        require_cmk = bool((args.get_config() or {}).get("requireCustomerManagedKey", False))
        if encryption != "KMS":
            shown = encryption or "not set (AWS's default AES256)"
            report_violation(f"{label} encryption is {shown}; use KMS (encryption.type: KMS).")
        elif require_cmk and not _get(config, "kmsKey"):
            report_violation(f"{label} uses the AWS-managed key aws/ecr; this pack requires a "
                             "customer-managed key (encryption.create_key or kms_key_arn).")
    except UnknownValueError:
        return


ecr_kms_encryption = ResourceValidationPolicy(
    name="ecr-kms-encryption",
    description="ECR repositories and creation templates encrypt images with KMS.",
    enforcement_level=EnforcementLevel.ADVISORY,
    validate=check_kms_encryption,
    config_schema=PolicyConfigSchema(properties={
        "requireCustomerManagedKey": {
            "type": "boolean",
            "default": False,
            "description": "Also require a customer-managed KMS key (not aws/ecr).",
        },
    }),
)


# --------------------------------------------------------------------------------------------
# ecr-lifecycle-policy (advisory, stack)


def check_lifecycle_policy(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    covered: set[str] = set()
    for res in args.resources:
        if res.resource_type == LIFECYCLE:
            try:
                name = _get(res.props, "repository")
            except UnknownValueError:
                return  # a policy for an unknown repository could be for any of them
            if isinstance(name, str):
                covered.add(name)
    for res in args.resources:
        try:
            if res.resource_type == REPOSITORY:
                name = _get(res.props, "name")
                if isinstance(name, str) and name not in covered:
                    report_violation(
                        f'Repository "{name}" has no lifecycle policy: every image is kept (and '
                        "billed) for ever. Add lifecycle rules (stack config: lifecycle).", res.urn)
            elif res.resource_type == TEMPLATE and _template_uses(res.props):
                if not _get(res.props, "lifecyclePolicy"):
                    report_violation(f"{_label(res.resource_type, res.props, res.name)} gives the "
                                     "repositories it creates no lifecycle policy.", res.urn)
        except UnknownValueError:
            continue


ecr_lifecycle_policy = StackValidationPolicy(
    name="ecr-lifecycle-policy",
    description="Every ECR repository (and creation template) has a lifecycle policy.",
    enforcement_level=EnforcementLevel.ADVISORY,
    validate=check_lifecycle_policy,
)


# --------------------------------------------------------------------------------------------
# Kubernetes workloads (advisory)


def _containers(props: Any) -> Iterator[tuple[str, Any]]:
    """(kind/name, image) of every container and init container of a workload's pod template."""
    spec = _get(props, "spec", "template", "spec")
    for kind in ("initContainers", "containers"):
        for container in _get(spec, kind) or []:
            yield f"{kind[:-1]} {_get(container, 'name')}", _get(container, "image")


def _image_tag(image: str) -> tuple[str | None, str | None]:
    """(tag, digest) of an image reference; the tag is None when absent."""
    digest = None
    if "@" in image:
        image, digest = image.split("@", 1)
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else None
    return tag, digest


def check_no_latest_tag(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type not in WORKLOADS:
        return
    try:
        for where, image in _containers(args.props):
            if not isinstance(image, str) or not _known(image):
                continue
            tag, digest = _image_tag(image)
            if digest:
                continue
            if tag is None or tag == "latest":
                report_violation(f"{args.name}: {where} runs {image}, which resolves to whatever "
                                 "'latest' points at when the node pulls; pin a version tag or digest.")
    except UnknownValueError:
        return


k8s_no_latest_tag = ResourceValidationPolicy(
    name="k8s-no-latest-tag",
    description="Kubernetes workloads do not run images by the 'latest' tag (or no tag).",
    enforcement_level=EnforcementLevel.ADVISORY,
    validate=check_no_latest_tag,
)


def check_image_from_ecr(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type not in WORKLOADS:
        return
    config = args.get_config() or {}
    accounts = list(config.get("accountIds", []))
    require_digest = bool(config.get("requireDigest", True))
    try:
        for where, image in _containers(args.props):
            if not isinstance(image, str) or not _known(image):
                continue
            match = _ECR_IMAGE_RE.match(image)
            if match is None:
                report_violation(f"{args.name}: {where} runs {image}, which is not in a private ECR "
                                 "registry (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO); push it to ECR "
                                 "or pull it through the ECR pull-through cache.")
            elif accounts and match["account"] not in accounts:
                report_violation(f"{args.name}: {where} pulls from account {match['account']}'s ECR; "
                                 f"this pack allows {', '.join(accounts)}.")
            elif require_digest and not match["digest"]:
                report_violation(f"{args.name}: {where} runs {image} by tag; pin it by digest "
                                 "(REPO@sha256:...) so every node runs the image that was scanned.")
    except UnknownValueError:
        return


k8s_image_from_ecr = ResourceValidationPolicy(
    name="k8s-image-from-ecr",
    description="Kubernetes workloads run images from this platform's ECR, pinned by digest.",
    enforcement_level=EnforcementLevel.ADVISORY,
    validate=check_image_from_ecr,
    config_schema=PolicyConfigSchema(properties={
        "accountIds": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[0-9]{12}$"},
            "default": [],
            "description": "Accounts whose ECR registries workloads may pull from; empty means "
                           "any private ECR registry.",
        },
        "requireDigest": {
            "type": "boolean",
            "default": True,
            "description": "Require images pinned by digest (@sha256:...).",
        },
    }),
)


# --------------------------------------------------------------------------------------------
# eks-node-role-can-pull (advisory, stack)


def _reference(value: Any) -> str | None:
    """A resource reference as a URN (the engine sends references; plans carry URN strings)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        urn = value.get("urn")
        return urn if isinstance(urn, str) else None
    urn = getattr(value, "urn", None)
    return urn if isinstance(urn, str) else None


def _role_keys(role: PolicyResource) -> set[str]:
    """Every way another resource may name this role: URN, name, ARN-ish suffix."""
    keys = {role.urn, role.name}
    name = _get(role.props, "name")
    if isinstance(name, str):
        keys.add(name)
    return keys


def check_node_role_can_pull(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    roles = [r for r in args.resources if r.resource_type == ROLE]
    attached: dict[str, set[str]] = {}  # role key -> attached managed policy names
    for att in args.resources:
        if att.resource_type != ROLE_POLICY_ATTACHMENT:
            continue
        try:
            role = _reference(_get(att.props, "role"))
            match = _MANAGED_POLICY_RE.match(str(_get(att.props, "policyArn")))
        except UnknownValueError:
            continue
        if role and match:
            attached.setdefault(role, set()).add(match["name"])
    for role in roles:
        try:
            for arn in _get(role.props, "managedPolicyArns") or []:
                match = _MANAGED_POLICY_RE.match(str(arn))
                if match:
                    for key in _role_keys(role):
                        attached.setdefault(key, set()).add(match["name"])
        except UnknownValueError:
            continue

    def policies_of(key: str) -> set[str]:
        for role in roles:
            if key in _role_keys(role):
                return set().union(*(attached.get(k, set()) for k in _role_keys(role)))
        return attached.get(key, set())

    for group in args.resources:
        if group.resource_type not in (MANAGED_NODE_GROUP, AWS_NODE_GROUP):
            continue
        try:
            role_ref = _reference(_get(group.props, "nodeRole"))
            role_arn = _get(group.props, "nodeRoleArn")
        except UnknownValueError:
            continue
        key = role_ref
        if key is None and isinstance(role_arn, str) and _known(role_arn):
            key = role_arn.rsplit("/", 1)[-1]
        if key is None:
            continue
        if not policies_of(key) & set(PULL_POLICIES):
            report_violation(
                f"Node group {group.name}: its role ({key.split('::')[-1]}) has neither "
                f"{' nor '.join(PULL_POLICIES)} attached, so its nodes cannot pull from ECR "
                "(ImagePullBackOff).", group.urn)


eks_node_role_can_pull = StackValidationPolicy(
    name="eks-node-role-can-pull",
    description="Each EKS node group's role can pull images from ECR.",
    enforcement_level=EnforcementLevel.ADVISORY,
    validate=check_node_role_can_pull,
)


POLICIES = [
    ecr_scan_on_push,
    ecr_template_scan_on_push,
    ecr_immutable_tags,
    ecr_no_public_principal,
    ecr_kms_encryption,
    ecr_lifecycle_policy,
    k8s_no_latest_tag,
    k8s_image_from_ecr,
    eks_node_role_can_pull,
]
