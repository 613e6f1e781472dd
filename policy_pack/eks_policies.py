"""EKS policies: each node group's role can pull from ECR (advisory; a stack policy, since the
role and its policy attachments are other resources)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, ReportViolation, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from support import AWS_NODE_GROUP, MANAGED_NODE_GROUP, ROLE, ROLE_POLICY_ATTACHMENT, get, known, stack_policy

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
)
def eks_node_role_can_pull(args: StackValidationArgs, report_violation: ReportViolation) -> None:
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
    for role in roles:
        try:
            for arn in get(role.props, "managedPolicyArns") or []:
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
            role_ref = _reference(get(group.props, "nodeRole"))
            role_arn = get(group.props, "nodeRoleArn")
        except UnknownValueError:
            continue
        key = role_ref
        if key is None and isinstance(role_arn, str) and known(role_arn):
            key = role_arn.rsplit("/", 1)[-1]
        if key is None:
            continue
        if not policies_of(key) & set(PULL_POLICIES):
            report_violation(
                f"Node group {group.name}: its role ({key.split('::')[-1]}) has neither "
                f"{' nor '.join(PULL_POLICIES)} attached, so its nodes cannot pull from ECR "
                "(ImagePullBackOff).", group.urn)


POLICIES = [eks_node_role_can_pull]
