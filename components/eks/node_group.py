"""``EksNodeGroup``: a managed node group (pulumi-eks ``eks.ManagedNodeGroup``) whose nodes pull
from this registry and its caches.

The node role is the component's own: EC2 trust; ``AmazonEKSWorkerNodePolicy``,
``AmazonEKS_CNI_Policy`` and the chapter's ``AmazonEC2ContainerRegistryReadOnly`` (or
``AmazonEC2ContainerRegistryPullOnly``); and, when the registry has pull-through caches, the cache
component's puller statement (a first pull through a cache needs ``ecr:BatchImportUpstreamImage``
and ``ecr:CreateRepository``, which neither managed policy has). Nodes run in the private subnets
only, with IMDSv2 required. The AMI type must match the instance types' architecture.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks

from .. import token
from ..shared.errors import InvalidValue
from ..shared.placement import Placement
from .cluster import EksCluster

AMI_TYPES = {  # AMI type -> architecture
    "AL2023_x86_64_STANDARD": "amd64", "AL2023_ARM_64_STANDARD": "arm64",
    "BOTTLEROCKET_x86_64": "amd64", "BOTTLEROCKET_ARM_64": "arm64",
}
CAPACITY_TYPES = ("ON_DEMAND", "SPOT")
ECR_POLICIES = ("AmazonEC2ContainerRegistryReadOnly", "AmazonEC2ContainerRegistryPullOnly")
TAINT_EFFECTS = ("NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE")
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy")
# family, generation, processor, extra capabilities, size: m7g.large, c6gn.xlarge, t3.medium
_INSTANCE_RE = re.compile(r"^(?P<family>[a-z]+)(?P<generation>[0-9]+)(?P<processor>[a-z])?(?P<extra>[a-z-]*)"
                          r"\.(?P<size>[a-z0-9-]+)\Z")
_LABEL_KEY_RE = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                           r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?\Z")
_LABEL_VALUE_RE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?\Z")


@dataclass(frozen=True)
class Taint:
    key: str
    effect: str
    value: str = ""


@dataclass
class EksNodeGroupArgs:
    cluster: EksCluster
    placement: Placement
    instance_types: Sequence[str] = ("t3.large",)
    ami_type: str = "AL2023_x86_64_STANDARD"
    capacity_type: str = "ON_DEMAND"
    min_size: int = 2
    desired_size: int = 2
    max_size: int = 3
    disk_size: int = 20
    """Root volume GiB (the data volume on Bottlerocket)."""
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: Sequence[Taint] = ()
    ecr_policy: str = "AmazonEC2ContainerRegistryReadOnly"
    role_name: str | None = None
    """The node role's IAM name. Explicit, so the role's policy attachments name it in every plan
    (an auto-generated name is unknown until the role exists); 1-64 characters."""
    pull_through_cache_policy: pulumi.Input[str] | None = None
    """The cache component's puller policy JSON (``PullThroughCache.puller_policy``), when the
    registry has caches: the node role gets it as an inline policy."""


def architecture(instance_type: str) -> str:
    """``arm64`` for Graviton families (a ``g`` after the generation: m7g, c6gn, t4g), else ``amd64``."""
    match = _INSTANCE_RE.match(instance_type)
    if match is None:
        raise ValueError(instance_type)
    return "arm64" if match["processor"] == "g" else "amd64"


def check_node_group_args(args: EksNodeGroupArgs) -> None:
    """Raise ``InvalidValue`` (path relative to ``cluster.node_group``)."""
    if not args.instance_types:
        raise InvalidValue("instance_types", [], "must list at least one instance type")
    arches = set()
    for i, instance_type in enumerate(args.instance_types):
        if not isinstance(instance_type, str) or not _INSTANCE_RE.match(instance_type):
            raise InvalidValue(f"instance_types[{i}]", instance_type, "is not an EC2 instance type (t3.large)")
        arches.add(architecture(instance_type))
    if len(arches) > 1:
        raise InvalidValue("instance_types", list(args.instance_types),
                           "mixes Graviton (arm64) and x86 (amd64) types; a node group runs one architecture")
    if args.ami_type not in AMI_TYPES:
        raise InvalidValue("ami_type", args.ami_type, f"is not one of {', '.join(AMI_TYPES)}")
    arch = arches.pop()
    if AMI_TYPES[args.ami_type] != arch:
        wanted = [t for t, a in AMI_TYPES.items() if a == arch]
        raise InvalidValue("ami_type", args.ami_type,
                           f"is a {AMI_TYPES[args.ami_type]} AMI, but the instance types are {arch}: the nodes "
                           f"would never become ready; use {' or '.join(wanted)}")
    if args.capacity_type not in CAPACITY_TYPES:
        raise InvalidValue("capacity_type", args.capacity_type, f"is not one of {', '.join(CAPACITY_TYPES)}")
    if args.ecr_policy not in ECR_POLICIES:
        raise InvalidValue("ecr_policy", args.ecr_policy, f"is not one of {', '.join(ECR_POLICIES)}")
    for key in ("min_size", "desired_size", "max_size", "disk_size"):
        value = getattr(args, key)
        if not isinstance(value, int) or isinstance(value, bool) or value < (0 if key == "min_size" else 1):
            raise InvalidValue(key, value, "is not a positive integer" if key != "min_size" else
                               "is not a whole number of nodes (0 or more)")
    if not args.min_size <= args.desired_size <= args.max_size:
        raise InvalidValue("desired_size", args.desired_size,
                           f"must be between min_size ({args.min_size}) and max_size ({args.max_size})")
    if args.role_name is not None and not re.match(r"^[A-Za-z0-9+=,.@_-]{1,64}\Z", args.role_name):
        raise InvalidValue("role_name", args.role_name, "is not an IAM role name (1-64 of A-Z a-z 0-9 + = , . @ _ -)")
    if args.max_size > 450:
        raise InvalidValue("max_size", args.max_size, "is more than the 450 nodes EKS allows in a node group")
    if not 8 <= args.disk_size <= 16384:
        raise InvalidValue("disk_size", args.disk_size, "is not a volume size in GiB (8-16384)")
    for key, value in args.labels.items():
        if not _LABEL_KEY_RE.match(key):
            raise InvalidValue(f"labels.{key}", key, "is not a Kubernetes label key")
        if not isinstance(value, str) or not _LABEL_VALUE_RE.match(value):
            raise InvalidValue(f"labels.{key}", value, "is not a Kubernetes label value (63 characters at most)")
    for i, taint in enumerate(args.taints):
        if not _LABEL_KEY_RE.match(taint.key):
            raise InvalidValue(f"taints[{i}].key", taint.key, "is not a Kubernetes taint key")
        if not _LABEL_VALUE_RE.match(taint.value):
            raise InvalidValue(f"taints[{i}].value", taint.value, "is not a Kubernetes taint value")
        if taint.effect not in TAINT_EFFECTS:
            raise InvalidValue(f"taints[{i}].effect", taint.effect, f"is not one of {', '.join(TAINT_EFFECTS)}")


class EksNodeGroup(pulumi.ComponentResource):
    """A managed node group in the cluster's private subnets, with a role that can pull."""

    role: aws.iam.Role
    node_group: eks.ManagedNodeGroup
    architecture: str
    """``amd64`` or ``arm64``: the platform images must be built for."""

    def __init__(self, name: str, args: EksNodeGroupArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("EksNodeGroup"), name, None, opts)
        check_node_group_args(args)
        self.architecture = AMI_TYPES[args.ami_type]
        partition, tags = args.placement.partition, dict(args.placement.tags)
        self.role = aws.iam.Role(
            f"{name}-role",
            name=args.role_name,
            description=f"EKS managed nodes {name}: join the cluster, run the VPC CNI, pull from ECR",
            assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
            tags=tags,
            # An explicit name must be free before a replacement can take it.
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=args.role_name is not None))
        ready: list[pulumi.Resource] = []
        for policy in (*NODE_POLICIES, args.ecr_policy):
            ready.append(aws.iam.RolePolicyAttachment(
                f"{name}-{policy}", role=self.role.name, policy_arn=f"arn:{partition}:iam::aws:policy/{policy}",
                opts=pulumi.ResourceOptions(parent=self.role)))
        if args.pull_through_cache_policy is not None:
            # The first pull through a cache rule imports the image and creates its repository.
            ready.append(aws.iam.RolePolicy(
                f"{name}-pull-through-cache", role=self.role.id, policy=args.pull_through_cache_policy,
                opts=pulumi.ResourceOptions(parent=self.role)))
        self.node_group = eks.ManagedNodeGroup(
            f"{name}-nodes",
            cluster=args.cluster.eks,
            node_role=self.role,
            subnet_ids=args.cluster.private_subnet_ids,
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=args.min_size, desired_size=args.desired_size, max_size=args.max_size),
            instance_types=list(args.instance_types),
            ami_type=args.ami_type,
            capacity_type=args.capacity_type,
            disk_size=args.disk_size,
            labels=dict(args.labels) or None,
            taints=[aws.eks.NodeGroupTaintArgs(key=t.key, value=t.value or None, effect=t.effect)
                    for t in args.taints] or None,
            # IMDSv2 only (pulumi-eks then makes a launch template carrying it and the disk size).
            enable_imd_sv2=True,
            tags=tags,
            # A node group whose role cannot pull yet never becomes ready.
            opts=pulumi.ResourceOptions(parent=self, depends_on=ready),
        )
        self.register_outputs({"role_arn": self.role.arn, "architecture": self.architecture})
