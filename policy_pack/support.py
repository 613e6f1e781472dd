"""What every policy of the pack shares: the type tokens, reading the engine's property map
without tripping on values unknown during preview, and the two ways to declare a policy.

``resource_policy(types=...)`` is a resource validation policy that runs only for those types
and skips a resource whose judged value is unknown; ``stack_policy`` runs once over the stack,
and ``per_resource`` applies a check to each resource of some types, skipping the one whose value
is unknown. Neither repeats the type filter or the unknown handling in the policy itself.

Declaring a policy registers it (``REGISTRY``): the pack serves every registered policy, and
``python -m tools.config_docs`` writes the table in docs/policies.md from the same entries, so
adding a policy is one edit in its family module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from pulumi_policy import (
    EnforcementLevel,
    Policy,
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

# Type tokens, by family.
REPOSITORY = "aws:ecr/repository:Repository"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
ROLE = "aws:iam/role:Role"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_POLICY = "aws:iam/policy:Policy"
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
USER_POLICY_ATTACHMENT = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
GROUP_POLICY_ATTACHMENT = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"
ROLE_POLICY_ATTACHMENTS = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
USER_POLICY_ATTACHMENTS = "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive"
GROUP_POLICY_ATTACHMENTS = "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
MANAGED_NODE_GROUP = "eks:index:ManagedNodeGroup"
EKS_CLUSTER = "eks:index:Cluster"
AWS_CLUSTER = "aws:eks/cluster:Cluster"
AWS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
POD = "kubernetes:core/v1:Pod"
WORKLOADS = ("kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet",
             "kubernetes:apps/v1:DaemonSet")
# Everything that makes pods, from a template or itself.
POD_WORKLOADS = (*WORKLOADS, POD, "kubernetes:apps/v1:ReplicaSet", "kubernetes:batch/v1:Job",
                 "kubernetes:batch/v1:CronJob", "kubernetes:core/v1:ReplicationController")
VALIDATING_ADMISSION_POLICY = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy"
VALIDATING_ADMISSION_POLICY_BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding"
# The scan gate: a Python dynamic resource (components/supply_chain/scan_gate.py).
SCAN_GATE = "pulumi-python:dynamic:ScanFindingsGate"

UNKNOWNS = frozenset({UNKNOWN_STRING_VALUE, UNKNOWN_BOOLEAN_VALUE, UNKNOWN_NUMBER_VALUE,
                      UNKNOWN_ARRAY_VALUE, UNKNOWN_OBJECT_VALUE})

class Report(Protocol):
    """``report_violation``: a message, and for a stack policy the URN of the resource at fault."""

    def __call__(self, message: str, urn: str | None = None) -> None: ...


ResourceCheck = Callable[[ResourceValidationArgs, Report], None]
StackCheck = Callable[[StackValidationArgs, Report], None]


@dataclass(frozen=True)
class Registered:
    """A policy as the pack serves it, with what the documentation says of it."""

    policy: ResourceValidationPolicy | StackValidationPolicy
    check: Callable[..., None]
    """The undecorated check (tests call it on fixtures)."""
    family: str
    """The module that declares it (``ecr_policies``, ...)."""
    checks: str
    """What it checks, for docs/policies.md."""
    why: str
    """Why, for docs/policies.md."""
    types: frozenset[str] = frozenset()
    """The resource types a resource policy judges (empty for a stack policy)."""

    @property
    def kind(self) -> str:
        """``resource`` (judged before each resource is created) or ``stack`` (once, after)."""
        return "resource" if isinstance(self.policy, ResourceValidationPolicy) else "stack"


REGISTRY: dict[str, Registered] = {}
"""Every declared policy by name, in declaration order: declaring a policy registers it."""


def _register(entry: Registered) -> None:
    name = entry.policy.name
    if name in REGISTRY:
        raise ValueError(f"policy {name} is declared twice ({REGISTRY[name].family}, {entry.family})")
    REGISTRY[name] = entry


def policies(families: Sequence[str]) -> list[Policy]:
    """The registered policies of ``families`` (module names), by family, each in declaration order."""
    return [entry.policy for family in families for entry in REGISTRY.values() if entry.family == family]


def covers_internet(cidrs: Iterable[str]) -> bool:
    """Whether the union of ``cidrs`` is all of IPv4 or all of IPv6 (unparsable entries ignored)."""
    import ipaddress

    networks: dict[int, list[Any]] = {4: [], 6: []}
    for cidr in cidrs:
        try:
            network = ipaddress.ip_network(cidr, strict=False)
        except (TypeError, ValueError):
            continue
        networks[network.version].append(network)
    return any(net.prefixlen == 0 for nets in networks.values() for net in ipaddress.collapse_addresses(nets))


def known(value: Any) -> bool:
    return not (isinstance(value, str) and value in UNKNOWNS)


def get(props: Any, *path: str | int) -> Any:
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


def label(resource_type: str, props: Any, name: str) -> str:
    """How a message names a resource: its AWS name (or prefix) when known, else its Pulumi name."""
    try:
        aws_name = get(props, "name") or get(props, "prefix") or get(props, "repository")
    except UnknownValueError:
        aws_name = None
    kind = resource_type.split(":")[-1]
    return f'{kind} "{aws_name}"' if isinstance(aws_name, str) else f'{kind} {name}'


def resource_policy(*, name: str, description: str, level: EnforcementLevel, types: Iterable[str],
                    checks: str, why: str, config_schema: PolicyConfigSchema | None = None,
                    ) -> Callable[[ResourceCheck], ResourceValidationPolicy]:
    """Declare (and register) a resource policy for ``types``; the check never sees another type,
    and a value unknown during preview ends the check for that resource without a violation."""
    wanted = frozenset(types)

    def declare(check: ResourceCheck) -> ResourceValidationPolicy:
        def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
            if args.resource_type not in wanted:
                return
            try:
                # The SDK's callable takes the URN as optional at run time; its annotation does not say so.
                check(args, cast(Report, report_violation))
            except UnknownValueError:
                return

        policy = ResourceValidationPolicy(name=name, description=description, enforcement_level=level,
                                          validate=validate, config_schema=config_schema)
        _register(Registered(policy, check, check.__module__, checks, why, wanted))
        return policy

    return declare


def stack_policy(*, name: str, description: str, level: EnforcementLevel, checks: str, why: str,
                 config_schema: PolicyConfigSchema | None = None,
                 ) -> Callable[[StackCheck], StackValidationPolicy]:
    """Declare (and register) a stack policy: for what needs several resources at once (it
    detects rather than prevents during ``pulumi up``)."""

    def declare(check: StackCheck) -> StackValidationPolicy:
        def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
            check(args, cast(Report, report_violation))

        policy = StackValidationPolicy(name=name, description=description, enforcement_level=level,
                                       validate=validate, config_schema=config_schema)
        _register(Registered(policy, check, check.__module__, checks, why))
        return policy

    return declare


def per_resource(args: StackValidationArgs, types: Iterable[str],
                 check: Callable[[PolicyResource], None]) -> None:
    """Run ``check`` on each resource of ``types``; a resource with an unknown value is skipped."""
    wanted = frozenset(types)
    for res in args.resources:
        if res.resource_type in wanted:
            try:
                check(res)
            except UnknownValueError:
                continue


def of_type(args: StackValidationArgs, *types: str) -> list[PolicyResource]:
    return [r for r in args.resources if r.resource_type in types]


def linked(res: PolicyResource, prop: str, *types: str) -> list[PolicyResource]:
    """The resources of ``types`` that ``res``'s property ``prop`` comes from (the engine's property
    dependencies: known during preview even when the value itself is not)."""
    return [d for d in (res.property_dependencies or {}).get(prop, []) if d.resource_type in types]
