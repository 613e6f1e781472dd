"""EKS policies: no public API endpoint open to the internet (mandatory); secrets encryption and
control-plane logging (advisory); each node group's role can pull from ECR (advisory; a stack
policy, since the role and its policy attachments are other resources).

The cluster policies read both shapes of a cluster: the ``eks:index:Cluster`` component's inputs
(what the offline gate sees: pulumi-eks is a remote component, whose children are not planned
offline) and the ``aws:eks/cluster:Cluster`` child's properties (what the engine sends for the
resource pulumi-eks creates in a real run)."""

from __future__ import annotations

import re
from collections.abc import Mapping
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
    AWS_CLUSTER,
    AWS_NODE_GROUP,
    EKS_CLUSTER,
    MANAGED_NODE_GROUP,
    ROLE,
    ROLE_POLICY_ATTACHMENT,
    Report,
    covers_internet,
    get,
    known,
    resource_policy,
    stack_policy,
)

REQUIRED_LOG_TYPES = ("api", "audit", "authenticator")
PULL_POLICIES = ("AmazonEC2ContainerRegistryReadOnly", "AmazonEC2ContainerRegistryPullOnly")
_MANAGED_POLICY_RE = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::aws:policy/(?P<name>[\w+=,.@-]+)$")


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
    name = get(role.props, "name")
    if isinstance(name, str):
        keys.add(name)
    return keys


@stack_policy(
    name="eks-node-role-can-pull",
    description="Each EKS node group's role can pull images from ECR.",
    level=EnforcementLevel.ADVISORY,
    checks="Each EKS node group's role (`eks.ManagedNodeGroup` or `aws.eks.NodeGroup`) has `AmazonEC2ContainerRegistryReadOnly` or `AmazonEC2ContainerRegistryPullOnly` attached.",
    why='Otherwise pods fail with `ImagePullBackOff`.',
)
def eks_node_role_can_pull(args: StackValidationArgs, report_violation: Report) -> None:
    roles = [r for r in args.resources if r.resource_type == ROLE]
    attached: dict[str, set[str]] = {}  # role key -> attached managed policy names
    for att in args.resources:
        if att.resource_type != ROLE_POLICY_ATTACHMENT:
            continue
        try:
            role = _reference(get(att.props, "role"))
            match = _MANAGED_POLICY_RE.match(str(get(att.props, "policyArn")))
        except UnknownValueError:
            continue
        if role and match:
            attached.setdefault(role, set()).add(match["name"])
    for role_res in roles:
        try:
            for arn in get(role_res.props, "managedPolicyArns") or []:
                match = _MANAGED_POLICY_RE.match(str(arn))
                if match:
                    for role_key in _role_keys(role_res):
                        attached.setdefault(role_key, set()).add(match["name"])
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
            role_ref = _reference(get(group.props, "nodeRole"))
            role_arn = get(group.props, "nodeRoleArn")
        except UnknownValueError:
            continue
        key: str | None = role_ref
        if key is None and isinstance(role_arn, str) and known(role_arn):
            key = role_arn.rsplit("/", 1)[-1]
        if key is None:
            continue
        if not policies_of(key) & set(PULL_POLICIES):
            report_violation(
                f"Node group {group.name}: its role ({key.split('::')[-1]}) has neither "
                f"{' nor '.join(PULL_POLICIES)} attached, so its nodes cannot pull from ECR "
                "(ImagePullBackOff).", group.urn)


# --------------------------------------------------------------------------------------------
# The cluster, in either shape.


def _cluster_settings(args: ResourceValidationArgs) -> dict[str, Any]:
    """The public endpoint, its CIDRs, the secrets key and the log types, whichever shape."""
    props = args.props
    if args.resource_type == EKS_CLUSTER:
        return {"public": get(props, "endpointPublicAccess"), "cidrs": get(props, "publicAccessCidrs"),
                "key": get(props, "encryptionConfigKeyArn"), "logs": get(props, "enabledClusterLogTypes"),
                "encrypts_secrets": True}
    config = get(props, "encryptionConfig")
    resources = get(config, "resources") or [] if config is not None else []
    return {"public": get(props, "vpcConfig", "endpointPublicAccess"),
            "cidrs": get(props, "vpcConfig", "publicAccessCidrs"),
            "key": get(config, "provider", "keyArn") if config is not None else None,
            "logs": get(props, "enabledClusterLogTypes"), "encrypts_secrets": "secrets" in resources}


@resource_policy(
    name="eks-no-open-public-endpoint",
    description="An EKS cluster's public API endpoint is off, or open only to listed CIDRs (never 0.0.0.0/0).",
    level=EnforcementLevel.MANDATORY,
    types=(EKS_CLUSTER, AWS_CLUSTER),
    checks="An EKS cluster's public API endpoint is off, or limited to listed CIDRs: none listed (EKS's default is `0.0.0.0/0`), or ranges whose union covers `0.0.0.0/0` or `::/0` (two halves, four quarters), is a violation. Reads both the `eks:index:Cluster` component's inputs (the offline gate) and the `aws:eks/cluster:Cluster` it creates (a real run).",
    why="The Kubernetes API is the cluster's front door.",
)
def eks_no_open_public_endpoint(args: ResourceValidationArgs, report_violation: Report) -> None:
    settings = _cluster_settings(args)
    if settings["public"] is False:
        return
    cidrs = [c for c in settings["cidrs"] or [] if isinstance(c, str)]
    # Both pulumi-eks and EKS default to a public endpoint open to 0.0.0.0/0; ranges that together
    # cover the internet (two halves, four quarters) are as open.
    if not cidrs or covers_internet(cidrs):
        shown = ", ".join(cidrs) if cidrs else "no CIDRs (EKS's default: 0.0.0.0/0)"
        report_violation(
            f"EKS cluster {args.name} has a public API endpoint open to {shown}. List the ranges that "
            "need it (stack config cluster.public_access_cidrs), or turn the public endpoint off and "
            "reach the private one from inside the VPC.")


@resource_policy(
    name="eks-secrets-encryption",
    description="An EKS cluster encrypts Kubernetes secrets with a KMS key.",
    level=EnforcementLevel.ADVISORY,
    types=(EKS_CLUSTER, AWS_CLUSTER),
    checks='The cluster encrypts Kubernetes secrets with a KMS key (both shapes).',
    why='Secrets in etcd are otherwise protected by EBS encryption alone.',
)
def eks_secrets_encryption(args: ResourceValidationArgs, report_violation: Report) -> None:
    settings = _cluster_settings(args)
    if not settings["key"] or not settings["encrypts_secrets"]:
        report_violation(f"EKS cluster {args.name} does not encrypt Kubernetes secrets with a KMS key "
                         "(envelope encryption); set encryption_config_key_arn.")


@resource_policy(
    name="eks-control-plane-logging",
    description="An EKS cluster sends at least its api, audit and authenticator logs to CloudWatch.",
    level=EnforcementLevel.ADVISORY,
    types=(EKS_CLUSTER, AWS_CLUSTER),
    config_schema=PolicyConfigSchema(properties={
        "requiredLogTypes": {
            "type": "array",
            "items": {"type": "string",
                      "enum": ["api", "audit", "authenticator", "controllerManager", "scheduler"]},
            "default": list(REQUIRED_LOG_TYPES),
            "description": "Control-plane log types every cluster must enable.",
        },
    }),
    checks='The cluster logs at least `api`, `audit`, `authenticator` (`requiredLogTypes`) to CloudWatch (both shapes).',
    why='Without the audit log nobody can tell who changed what.',
)
def eks_control_plane_logging(args: ResourceValidationArgs, report_violation: Report) -> None:
    required = list((args.get_config() or {}).get("requiredLogTypes", REQUIRED_LOG_TYPES))
    enabled = [t for t in _cluster_settings(args)["logs"] or [] if isinstance(t, str)]
    missing = [t for t in required if t not in enabled]
    if missing:
        report_violation(f"EKS cluster {args.name} does not log {', '.join(missing)} to CloudWatch: who "
                         "did what to the cluster is not recorded. Enable them (cluster.log_types).")



@resource_policy(
    name="eks-deletion-protection",
    description="A protected EKS cluster has EKS deletion protection on.",
    level=EnforcementLevel.MANDATORY,
    types=(EKS_CLUSTER, AWS_CLUSTER),
    checks="An EKS cluster registered with Pulumi's `protect` (a stack with `protect: true`) sets `deletionProtection: true`. Reads both shapes: the `eks:index:Cluster` component's input (the offline gate) and the `aws:eks/cluster:Cluster` pulumi-eks creates, which inherits the component's `protect` (a real run).",
    why="`protect` stops only Pulumi; EKS deletion protection also refuses a `DeleteCluster` from the console, the CLI or another tool, and the cluster holds the workloads' state.",
)
def eks_deletion_protection(args: ResourceValidationArgs, report_violation: Report) -> None:
    if not args.opts.protect:
        return
    if get(args.props, "deletionProtection") is not True:
        report_violation(
            f"EKS cluster {args.name} is protected (protect) but has no EKS deletion protection: anyone with "
            "eks:DeleteCluster can still delete it outside Pulumi. Set cluster.deletion_protection: true (the "
            "default with protect).")
