"""``EksNodeGroup``: a managed node group (pulumi-eks ``eks.ManagedNodeGroup``) whose nodes pull
from this registry and its caches.

The node role is the component's own: EC2 trust; ``AmazonEKSWorkerNodePolicy``,
``AmazonEKS_CNI_Policy`` and the chapter's ``AmazonEC2ContainerRegistryReadOnly`` (or
``AmazonEC2ContainerRegistryPullOnly``); and, when the registry has pull-through caches, the cache
component's puller statement (a first pull through a cache needs ``ecr:BatchImportUpstreamImage``
and ``ecr:CreateRepository``, which neither managed policy has). Nodes run in the private subnets
only, with IMDSv2 required. The AMI type must match the instance types' architecture.

Day 2: the group runs the cluster's Kubernetes version (or its own, one minor behind at most), so a
``cluster.version`` bump moves its nodes in the same ``up``, after the control plane; it runs an
explicit AMI release (the stack's, or the latest recommended one read at preview), so patching is a
change the plan shows; and EKS node auto repair and an update config say how nodes are replaced.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks

from .. import token
from ..shared.errors import InvalidValue
from ..shared.iam import service_trust
from .cluster import EksCluster
from .versions import VERSIONS, minor

AmiType = Literal["AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "BOTTLEROCKET_x86_64",
                  "BOTTLEROCKET_ARM_64"]
AMI_TYPES: dict[str, str] = {  # AMI type -> architecture
    "AL2023_x86_64_STANDARD": "amd64", "AL2023_ARM_64_STANDARD": "arm64",
    "BOTTLEROCKET_x86_64": "amd64", "BOTTLEROCKET_ARM_64": "arm64",
}
assert tuple(AMI_TYPES) == get_args(AmiType)
CapacityType = Literal["ON_DEMAND", "SPOT"]
CAPACITY_TYPES: tuple[str, ...] = get_args(CapacityType)
EcrPolicy = Literal["AmazonEC2ContainerRegistryReadOnly", "AmazonEC2ContainerRegistryPullOnly"]
ECR_POLICIES: tuple[str, ...] = get_args(EcrPolicy)
TaintEffect = Literal["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"]
TAINT_EFFECTS: tuple[str, ...] = get_args(TaintEffect)
# The Kubernetes spelling of each effect (a toleration names it so).
KUBERNETES_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}
# The VPC CNI's policy is not here: aws-node has its own role through IRSA (EksCluster.vpc_cni).
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy",)
# The size of the EKS-optimized AMI's own volume (AL2023's root, Bottlerocket's data volume): a
# launch template may not make it smaller (EKS user guide, AMI specifications).
MIN_DISK_GIB = {"AL2023": 20, "BOTTLEROCKET": 20}
# The volume the disk size is for: AL2023's root, Bottlerocket's data volume.
ROOT_DEVICES = {"AL2023": "/dev/xvda", "BOTTLEROCKET": "/dev/xvdb"}
# family, generation, processor, extra capabilities, size: m7g.large, c6gn.xlarge, t3.medium
_INSTANCE_RE = re.compile(r"^(?P<family>[a-z]+)(?P<generation>[0-9]+)(?P<processor>[a-z])?(?P<extra>[a-z-]*)"
                          r"\.(?P<size>[a-z0-9-]+)\Z")
_LABEL_KEY_RE = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                           r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?\Z")
# EKS's own limits on a node group's labels and taints (botocore's EKS model, CreateNodegroup:
# labelKey 1-63, labelValue 1-63, taintKey 1-63, taintValue 0-63): the whole key, prefix included.
EKS_KEY_MAX = 63
# Label prefixes Kubernetes and EKS keep for themselves (a domain or any subdomain of it).
RESERVED_LABEL_DOMAINS = ("kubernetes.io", "k8s.io", "eks.amazonaws.com")
# An AMI release: AL2023's "KUBERNETES.PATCH-YYYYMMDD", Bottlerocket's "OSVERSION-COMMIT".
_AL2023_RELEASE_RE = re.compile(r"^(?P<kubernetes>1\.[0-9]+)\.[0-9]+-[0-9]{8}\Z")
_BOTTLEROCKET_RELEASE_RE = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+-[0-9a-f]{8}\Z")
MAX_UNAVAILABLE = 100  # EKS NodegroupUpdateConfig.maxUnavailable: 1-100
_LABEL_VALUE_RE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?\Z")
_GROUP_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")
_ROLE_NAME_RE = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,64}\Z")


@dataclass(frozen=True)
class Taint:
    """A Kubernetes taint on every node of a group."""

    key: str
    """The taint key (a Kubernetes label key)."""
    effect: TaintEffect
    """NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE (EKS's spelling)."""
    value: str = ""
    """The taint value (may be empty)."""


@dataclass(frozen=True)
class NodeGroupSpec:
    """What a stack says about one managed node group; every default is the secure one."""

    name: str = "nodes"
    """The group's Pulumi name and node-role suffix (``CLUSTER-NAME``); the first group keeps ``nodes``."""
    instance_types: Sequence[str] = ("t3.large",)
    """EC2 instance types of one architecture (Graviton families such as m7g, t4g are arm64)."""
    ami_type: AmiType = "AL2023_x86_64_STANDARD"
    """The EKS AMI type; its architecture must match the instance types'."""
    capacity_type: CapacityType = "ON_DEMAND"
    """ON_DEMAND or SPOT."""
    min_size: int = 2
    """The fewest nodes (the Cluster Autoscaler never goes below it)."""
    desired_size: int = 2
    """Nodes to start with (min ≤ desired ≤ max); after creation the Cluster Autoscaler sets it."""
    max_size: int = 3
    """The most nodes the Cluster Autoscaler adds up to (at most 450)."""
    disk_size: int = 20
    """Root volume GiB (the data volume on Bottlerocket)."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Kubernetes labels on every node."""
    taints: Sequence[Taint] = ()
    """Taints on every node; a workload on this group tolerates them."""
    ecr_policy: EcrPolicy = "AmazonEC2ContainerRegistryReadOnly"
    """The managed policy that lets the nodes pull."""
    version: str | None = None
    """The group's Kubernetes version; none: the cluster's, which the group follows on every
    upgrade. At most the cluster's, and at most one minor behind it (EKS upgrades a control plane
    only once every managed node group runs its version)."""
    release_version: str | None = None
    """The EKS-optimised AMI release the nodes run (``1.35.4-20261205``; Bottlerocket
    ``1.50.0-0b1c2d3e``); none: the latest recommended one for the group's Kubernetes version, read
    from the AMI's public SSM parameter at preview. A new release rolls the nodes."""
    max_unavailable: int = 1
    """Nodes EKS replaces at a time when it updates or patches the group (1-100)."""
    node_repair: bool = True
    """EKS node auto repair: EKS replaces nodes that report unhealthy."""

    @property
    def architecture(self) -> str:
        """``amd64`` or ``arm64``: the platform images for this group are built for."""
        return AMI_TYPES[self.ami_type]


@dataclass(frozen=True)
class EksNodeGroupArgs:
    """The spec and the cluster the group joins."""

    spec: NodeGroupSpec
    """Everything the stack says about the group."""
    cluster: EksCluster
    """The cluster (its pulumi-eks component, private subnets, name and placement)."""
    pull_through_cache_policy: pulumi.Input[str] | None = None
    """The cache component's puller policy JSON (``PullThroughCache.puller_policy``), when the
    registry has caches: the node role gets it as an inline policy."""


def role_name(cluster_name: str, group: str) -> str:
    """The node role's IAM name. Explicit, so the role's policy attachments name it in every plan
    (an auto-generated name is unknown until the role exists)."""
    return f"{cluster_name}-{group}"


def architecture(instance_type: str) -> str:
    """``arm64`` for Graviton families (a ``g`` after the generation: m7g, c6gn, t4g, im4gn; and the
    first Graviton, a1), else ``amd64``."""
    match = _INSTANCE_RE.match(instance_type)
    if match is None:
        raise ValueError(instance_type)
    if match["family"] == "a" and match["generation"] == "1":
        return "arm64"
    return "arm64" if match["processor"] == "g" else "amd64"


def release_parameter(ami_type: str, kubernetes: str) -> str:
    """The public SSM parameter naming the latest recommended AMI release for ``ami_type`` and a
    Kubernetes version (EKS user guide, "Retrieve recommended Amazon Linux AMI IDs": the
    ``recommended`` parameter's ``release_version``; Bottlerocket's ``latest/image_version``, the
    release a managed node group takes — as terraform-aws-modules/terraform-aws-eks
    modules/eks-managed-node-group/main.tf maps them for ``use_latest_ami_release_version``)."""
    return {
        "AL2023_x86_64_STANDARD":
            f"/aws/service/eks/optimized-ami/{kubernetes}/amazon-linux-2023/x86_64/standard/recommended/release_version",
        "AL2023_ARM_64_STANDARD":
            f"/aws/service/eks/optimized-ami/{kubernetes}/amazon-linux-2023/arm64/standard/recommended/release_version",
        "BOTTLEROCKET_x86_64": f"/aws/service/bottlerocket/aws-k8s-{kubernetes}/x86_64/latest/image_version",
        "BOTTLEROCKET_ARM_64": f"/aws/service/bottlerocket/aws-k8s-{kubernetes}/arm64/latest/image_version",
    }[ami_type]


def _check_label_key(path: str, key: object, what: str) -> None:
    """A Kubernetes label or taint key that EKS takes: Kubernetes' syntax (an optional DNS-subdomain
    prefix and ``/``, then a name of at most 63 characters) and EKS's 63 characters for the whole."""
    if not isinstance(key, str) or not key:
        raise InvalidValue(path, key, f"is not a Kubernetes {what} key")
    name = key.rsplit("/", 1)[-1]
    if len(name) > 63:
        raise InvalidValue(path, key, f"has a name part of {len(name)} characters; Kubernetes allows 63")
    if len(key) > EKS_KEY_MAX:
        raise InvalidValue(path, key, f"is {len(key)} characters; EKS allows {EKS_KEY_MAX} for a node group "
                                      f"{what} key, prefix included")
    if not _LABEL_KEY_RE.match(key):
        raise InvalidValue(path, key, f"is not a Kubernetes {what} key (an optional DNS prefix and /, then letters, "
                                      "digits, -, _ and ., starting and ending with a letter or digit)")


def check_node_group_spec(args: NodeGroupSpec, cluster_name: str | None = None,
                          cluster_version: str | None = None) -> None:
    """Raise ``InvalidValue`` (path relative to the group's entry of ``cluster.node_groups``)."""
    if not isinstance(args.name, str) or not _GROUP_NAME_RE.match(args.name):
        raise InvalidValue("name", args.name, "is not a node group name (lowercase letters, digits and -, at most 63)")
    if cluster_name is not None and not _ROLE_NAME_RE.match(role_name(cluster_name, args.name)):
        raise InvalidValue("name", args.name, f"makes the node role name {role_name(cluster_name, args.name)} "
                                              "longer than IAM's 64 characters; shorten it or the cluster name")
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
    if args.min_size > args.max_size:
        raise InvalidValue("min_size", args.min_size,
                           f"is above max_size ({args.max_size}); the Cluster Autoscaler keeps the group between them")
    if not args.min_size <= args.desired_size <= args.max_size:
        raise InvalidValue("desired_size", args.desired_size,
                           f"must be between min_size ({args.min_size}) and max_size ({args.max_size})")
    if args.max_size > 450:
        raise InvalidValue("max_size", args.max_size, "is more than the 450 nodes EKS allows in a node group")
    if not 8 <= args.disk_size <= 16384:
        raise InvalidValue("disk_size", args.disk_size, "is not a volume size in GiB (8-16384)")
    family = args.ami_type.split("_", 1)[0]
    if args.disk_size < MIN_DISK_GIB[family]:
        raise InvalidValue("disk_size", args.disk_size,
                           f"is smaller than the {MIN_DISK_GIB[family]} GiB volume the {family} EKS AMI itself has; the "
                           f"node group would fail to launch (use {MIN_DISK_GIB[family]} or more)")
    for key, value in args.labels.items():
        _check_label_key(f"labels.{key}", key, "label")
        prefix = key.rsplit("/", 1)[0] if "/" in key else ""
        reserved = [d for d in RESERVED_LABEL_DOMAINS if prefix == d or prefix.endswith(f".{d}")]
        if reserved:
            raise InvalidValue(f"labels.{key}", key,
                               f"has the reserved prefix {prefix}/ ({reserved[0]} is Kubernetes' and EKS's own: "
                               "they set those labels, EKS refuses them on a node group); use a prefix of "
                               "yours (example.com/role) or none")
        if value == "":
            raise InvalidValue(f"labels.{key}", value, "is empty; EKS takes node group label values of 1-63 "
                                                       "characters")
        if not isinstance(value, str) or not _LABEL_VALUE_RE.match(value):
            raise InvalidValue(f"labels.{key}", value, "is not a Kubernetes label value (63 characters at most)")
    for i, taint in enumerate(args.taints):
        _check_label_key(f"taints[{i}].key", taint.key, "taint")
        if not _LABEL_VALUE_RE.match(taint.value):
            raise InvalidValue(f"taints[{i}].value", taint.value, "is not a Kubernetes taint value")
        if taint.effect not in TAINT_EFFECTS:
            raise InvalidValue(f"taints[{i}].effect", taint.effect, f"is not one of {', '.join(TAINT_EFFECTS)}")
    if isinstance(args.max_unavailable, bool) or not isinstance(args.max_unavailable, int) or not (
            1 <= args.max_unavailable <= MAX_UNAVAILABLE):
        raise InvalidValue("max_unavailable", args.max_unavailable,
                           f"is not a number of nodes EKS replaces at a time (1-{MAX_UNAVAILABLE})")
    if args.version is not None:
        if args.version not in VERSIONS:
            raise InvalidValue("version", args.version,
                               f"is not a Kubernetes version EKS supports ({', '.join(VERSIONS)}; "
                               "components/eks/versions.py)")
        if cluster_version is not None and cluster_version in VERSIONS:
            lag = minor(cluster_version) - minor(args.version)
            if lag < 0:
                raise InvalidValue("version", args.version,
                                   f"is above the cluster's {cluster_version}; a node group runs the cluster's "
                                   "version or an older one")
            if lag > 1:
                raise InvalidValue("version", args.version,
                                   f"is {lag} minor versions behind the cluster's {cluster_version}; EKS upgrades the "
                                   "control plane only when every managed node group runs its version, so a group "
                                   "is at most one behind: remove version (the group follows the cluster)")
    kubernetes = args.version or cluster_version
    if args.release_version is not None:
        if family == "AL2023":
            match = _AL2023_RELEASE_RE.match(str(args.release_version))
            if match is None:
                raise InvalidValue("release_version", args.release_version,
                                   "is not an EKS-optimised AL2023 AMI release (KUBERNETES.PATCH-YYYYMMDD, "
                                   "1.35.4-20261205: the recommended parameter's release_version)")
            if kubernetes is not None and match["kubernetes"] != kubernetes:
                raise InvalidValue("release_version", args.release_version,
                                   f"is a release for Kubernetes {match['kubernetes']}, and the group runs {kubernetes}; "
                                   "give a release of its version (or none: the latest recommended)")
        elif not _BOTTLEROCKET_RELEASE_RE.match(str(args.release_version)):
            raise InvalidValue("release_version", args.release_version,
                               "is not a Bottlerocket release (VERSION-COMMIT, 1.50.0-0b1c2d3e: the AMI parameter's "
                               "image_version)")


def node_group_transform(node_repair: bool, max_unavailable: int) -> pulumi.ResourceTransform:
    """Sets what pulumi-eks 4.4's ``ManagedNodeGroup`` has no argument for on the ``aws.eks.NodeGroup``
    it creates (its args are spread into it: nodegroup.ts createManagedNodeGroup): EKS node auto
    repair (``nodeRepairConfig.enabled``) and the update config (``updateConfig.maxUnavailable``),
    pulumi-aws 7.51.1 ``NodeGroupNodeRepairConfigArgs`` and ``NodeGroupUpdateConfigArgs``. The engine
    applies a component's transforms to the children its plugin registers (Pulumi docs, resource
    option ``transforms``)."""

    def transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if args.type_ != "aws:eks/nodeGroup:NodeGroup":
            return None
        return pulumi.ResourceTransformResult(
            props={**args.props, "nodeRepairConfig": {"enabled": node_repair},
                   "updateConfig": {"maxUnavailable": max_unavailable}},
            opts=args.opts)

    return transform


class EksNodeGroup(pulumi.ComponentResource):
    """A managed node group in the cluster's private subnets, with a role that can pull."""

    role: aws.iam.Role
    launch_template: aws.ec2.LaunchTemplate
    """The group's launch template (IMDSv2 hop limit 1, encrypted gp3 volume)."""
    node_group: eks.ManagedNodeGroup
    architecture: str
    """``amd64`` or ``arm64``: the platform images must be built for."""
    kubernetes_version: str
    """The Kubernetes version the group runs after this ``up`` (its own, or the cluster's)."""
    release_version: pulumi.Output[str]
    """The AMI release the nodes run after this ``up``."""
    node_group_name: pulumi.Output[str]
    """The EKS node group's name (nodes carry it as the ``eks.amazonaws.com/nodegroup`` label)."""
    spec: NodeGroupSpec

    def __init__(self, name: str, args: EksNodeGroupArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("EksNodeGroup"), name, None, opts)
        spec, cluster = args.spec, args.cluster
        check_node_group_spec(spec, cluster.spec.name, cluster.spec.version)
        self.spec = spec
        self.architecture = spec.architecture
        placement = cluster.spec.placement
        partition, tags = placement.partition, dict(placement.tags)
        explicit_name = role_name(cluster.spec.name, spec.name)
        self.role = aws.iam.Role(
            f"{name}-role",
            name=explicit_name,
            description=f"EKS managed nodes {name}: join the cluster, run the VPC CNI, pull from ECR",
            assume_role_policy=service_trust("ec2.amazonaws.com"),
            tags=tags,
            # An explicit name must be free before a replacement can take it.
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True))
        # Nodes join only once aws-node has its own role (the node role no longer has the CNI's).
        ready: list[pulumi.Resource] = [cluster.vpc_cni]
        for policy in (*NODE_POLICIES, spec.ecr_policy):
            ready.append(aws.iam.RolePolicyAttachment(
                f"{name}-{policy}", role=self.role.name, policy_arn=f"arn:{partition}:iam::aws:policy/{policy}",
                opts=pulumi.ResourceOptions(parent=self.role)))
        if args.pull_through_cache_policy is not None:
            # The first pull through a cache rule imports the image and creates its repository.
            ready.append(aws.iam.RolePolicy(
                f"{name}-pull-through-cache", role=self.role.id, policy=args.pull_through_cache_policy,
                opts=pulumi.ResourceOptions(parent=self.role)))
        # The group's own launch template: IMDSv2 only with a hop limit of 1, so pods (other than the
        # host-network agents) cannot reach the node role's credentials (pulumi-eks's enable_imd_sv2
        # hard-codes a limit of 2); the root volume (Bottlerocket: the data volume) gp3 and
        # encrypted, at the stack's size. No security group here: EKS then adds its cluster group.
        self.launch_template = aws.ec2.LaunchTemplate(
            f"{name}-launch-template",
            description=f"EKS managed node group {name}: IMDSv2 hop limit 1, encrypted gp3 volume",
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1,
                instance_metadata_tags="disabled"),
            block_device_mappings=[aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name=ROOT_DEVICES[spec.ami_type.split("_", 1)[0]],
                ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    volume_size=spec.disk_size, volume_type="gp3", encrypted="true",
                    delete_on_termination="true"))],
            tag_specifications=[aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=tags)
                                for kind in ("instance", "volume")] if tags else None,
            update_default_version=True,
            tags=tags, opts=pulumi.ResourceOptions(parent=self))
        # The group's Kubernetes version. pulumi-eks sets a managed group's version to the cluster's
        # only without a launch template (nodejs/eks/nodes/nodegroup.ts createManagedNodeGroup: "If
        # they do, they're responsible for deciding the k8s version"), and the provider keeps an
        # unset version as it is (Optional and Computed): so it is always given. Following the cluster, it is the control
        # plane's own output: the group moves after the control plane's update, in the same up.
        self.kubernetes_version = spec.version or cluster.spec.version
        version: pulumi.Input[str] = (spec.version if spec.version is not None
                                      else cluster.eks.eks_cluster.version)
        # The AMI release: the stack's, or the latest recommended for that version, read at preview
        # (EKS's public parameter; the plan shows it, so a new release is a change like any other).
        self.release_version: pulumi.Output[str] = pulumi.Output.from_input(
            spec.release_version if spec.release_version is not None else aws.ssm.get_parameter_output(
                name=release_parameter(spec.ami_type, self.kubernetes_version),
                opts=pulumi.InvokeOutputOptions(parent=self)).insecure_value)
        self.node_group = eks.ManagedNodeGroup(
            f"{name}-nodes",
            cluster=cluster.eks,
            version=version,
            release_version=self.release_version,
            node_role=self.role,
            subnet_ids=cluster.private_subnet_ids,
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=spec.min_size, desired_size=spec.desired_size, max_size=spec.max_size),
            # The desired size is the Cluster Autoscaler's once the group exists: pulumi-eks registers
            # the aws.eks.NodeGroup with ignoreChanges ["scalingConfig.desiredSize"]
            # (nodejs/eks/nodes/nodegroup.ts createManagedNodeGroup), so an up never resets it.
            ignore_scaling_changes=True,
            instance_types=list(spec.instance_types),
            ami_type=spec.ami_type,
            capacity_type=spec.capacity_type,
            labels=dict(spec.labels) or None,
            taints=[aws.eks.NodeGroupTaintArgs(key=t.key, value=t.value or None, effect=t.effect)
                    for t in spec.taints] or None,
            # A new template version rolls the group's nodes (EKS's rolling update).
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                id=self.launch_template.id, version=self.launch_template.latest_version.apply(str)),
            tags=tags,
            # A node group whose role cannot pull yet never becomes ready. Node repair and the update
            # config are the engine's transform on the aws.eks.NodeGroup pulumi-eks creates.
            opts=pulumi.ResourceOptions(parent=self, depends_on=ready,
                                        transforms=[node_group_transform(spec.node_repair, spec.max_unavailable)]),
        )
        self.node_group_name = self.node_group.node_group.apply(lambda group: group.node_group_name)
        # The Auto Scaling group EKS made for the group (one per managed node group; a replaced group
        # gets a new one): where a load balancer's target group is attached.
        resources: pulumi.Output[Sequence[aws.eks.outputs.NodeGroupResource]] = self.node_group.node_group.apply(
            lambda group: group.resources)
        self.autoscaling_group_name: pulumi.Output[str] = resources.apply(
            lambda found: (found[0].autoscaling_groups or [])[0].name or "")
        self.register_outputs({"role_arn": self.role.arn, "architecture": self.architecture})
