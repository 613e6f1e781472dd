"""``EksCluster``: an EKS control plane (pulumi-eks ``eks.Cluster``) for private nodes.

API authentication with access entries for the cluster admins the stack names (EKS adds the node
role's entry itself), the private endpoint always on and a public one only for listed CIDRs,
Kubernetes secrets encrypted with KMS, control-plane logs in a log group the component creates
first (so it has a retention and a key; EKS would create one that never expires), no default node
group, standard support unless the stack asks for extended, deletion protection and zonal shift when
the stack asks (a protected stack does by default). A Kubernetes provider signs in with the stack's
own AWS profile and role. A version change is checked against the live cluster at preview: EKS
upgrades one minor version at a time, once every managed node group runs the cluster's version.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pulumi_kubernetes as k8s

from .. import token
from ..shared.arns import ROLE_ARN_RE, check_kms_key_arn
from ..shared.cidrs import client_cidr, client_cidrs
from ..shared.errors import InvalidValue
from ..shared.iam import service_trust, web_identity_trust
from ..shared.kms import ecr_key, eks_key_policy
from ..shared.placement import Placement
from ..shared.scope import cluster_log_group
from .network import LOG_RETENTION_DAYS, EksNetwork
from .versions import DEFAULT_VERSION, EXTENDED, STANDARD, VERSIONS, support_warning, upgrade_problem

if TYPE_CHECKING:
    from .node_group import EksNodeGroup

LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
REQUIRED_LOG_TYPES = ("api", "audit", "authenticator")
# EKS access policies (arn:PARTITION:eks::aws:cluster-access-policy/NAME).
ACCESS_POLICIES = {"cluster-admin": "AmazonEKSClusterAdminPolicy", "admin": "AmazonEKSAdminPolicy",
                   "edit": "AmazonEKSEditPolicy", "view": "AmazonEKSViewPolicy"}
_NAME_RE = re.compile(r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}\Z")  # EKS CreateCluster name
# Ranges that never reach a public endpoint (RFC 1918, shared address space, loopback, link-local).
_NOT_PUBLIC = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                      "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16"))
_CREATOR_RE = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:(role|user)/[A-Za-z0-9+=,.@_/-]{1,512}\Z")
# Keys of the access entries the program grants its own CI roles.
RESERVED_KEYS = ("ci-deploy", "ci-preview")
_NAMESPACE_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")


Access = Literal["cluster-admin", "admin", "edit", "view"]


@dataclass(frozen=True)
class ClusterAdmin:
    """An IAM role that administers the cluster through an EKS access entry."""

    role_arn: str
    """The IAM role (``arn:aws:iam::ACCOUNT:role/NAME``)."""
    access: Access = "cluster-admin"
    """``cluster-admin`` (whole cluster), or ``admin``/``edit``/``view`` in ``namespaces``."""
    namespaces: Sequence[str] = ()
    """The namespaces of admin, edit or view access (none for cluster-admin)."""


UpgradePolicy = Literal["STANDARD", "EXTENDED"]
UPGRADE_POLICIES: tuple[str, ...] = get_args(UpgradePolicy)
# The add-ons every cluster runs as EKS add-ons (CoreDNS: ``EksCluster.core_dns``, once nodes exist).
CORE_ADDONS = ("vpc-cni", "kube-proxy", "coredns")
# The add-ons scaling and Pod Identity need, once nodes exist (``EksCluster.node_addons``): the EKS
# Pod Identity agent (AWS's add-on; a DaemonSet handing pods their associated role's credentials)
# and metrics-server (an EKS community add-on: the resource metrics the HorizontalPodAutoscaler reads).
POD_IDENTITY_AGENT, METRICS_SERVER = "eks-pod-identity-agent", "metrics-server"
# The EKS build of metrics-server listens on 10251, not the upstream 10250 (EKS user guide,
# https://docs.aws.amazon.com/eks/latest/userguide/metrics-server.html; terraform-aws-eks v21.7.0
# added the same node security-group rule): the API server's aggregation layer calls it there.
METRICS_SERVER_PORT = 10251


@dataclass(frozen=True)
class EksClusterSpec:
    """What a stack says about its EKS control plane; every default is the secure one."""

    placement: Placement
    """The stack's region, account and tags."""
    name: str
    """The EKS cluster name (explicit: two stacks never collide, and the log group is named by it)."""
    version: str = DEFAULT_VERSION
    """A Kubernetes version EKS supports (``components/eks/versions.py``)."""
    upgrade_policy: UpgradePolicy = "STANDARD"
    """STANDARD, or EXTENDED to stay on a version past standard support (billed higher per hour)."""
    admins: Sequence[ClusterAdmin] = ()
    """IAM roles given access entries with an EKS access policy, keyed by role name."""
    creator_arn: str | None = None
    """The identity that creates the cluster (runs its first ``up``): EKS gives it an implicit
    cluster-admin entry, so it may not also be an admin here (a second entry fails with 409)."""
    aws_profile: str | None = None
    """The stack's ``aws:profile``: the kubeconfig's ``aws eks get-token`` uses it, so the Kubernetes
    provider signs in with the same credentials as the AWS provider."""
    bootstrap: bool = False
    """This run creates only what AWS's own APIs reach: no Kubernetes provider is made, so nothing
    is applied through the cluster's endpoint."""
    public_access_cidrs: Sequence[str] = ()
    """A public API endpoint for these CIDRs only; none: private endpoint only."""
    operator_cidrs: Sequence[str] = ()
    """Networks routed into the VPC (a VPN's client range, an office over Direct Connect, a bastion's
    subnet) admitted to the private API endpoint: TCP 443 on the cluster security group."""
    secrets_key_arn: str | None = None
    """A KMS key for Kubernetes secrets and the log group; None: the component creates one."""
    log_types: Sequence[str] = REQUIRED_LOG_TYPES
    """Control-plane log types; at least api, audit and authenticator."""
    log_retention_days: int = 90
    """Retention of the control-plane log group the component creates."""
    deletion_protection: bool = False
    """EKS deletion protection: EKS refuses DeleteCluster until it is turned off."""
    zonal_shift: bool = False
    """Register the cluster with Amazon Application Recovery Controller zonal shift, so traffic can be
    moved away from an impaired availability zone (EKS ``zonalShiftConfig``)."""
    assume_role_arn: str | None = None
    """The role the stack's AWS provider assumes (``aws:assumeRoles``): the kubeconfig's
    ``aws eks get-token`` assumes it too, so the Kubernetes provider signs in as the same identity."""
    protect: bool = False
    """Protect the cluster, its key and log group (``protect`` and ``retain_on_delete``)."""


@dataclass(frozen=True)
class AccessGrant:
    """An access entry for a principal the program creates (a CI role): its ARN is an output."""

    principal_arn: pulumi.Input[str]
    """The IAM role."""
    access: Access = "view"
    """The EKS access policy (as for ``ClusterAdmin``)."""
    namespaces: Sequence[str] = ()
    """The namespaces of admin, edit or view access; none: cluster-wide."""
    kubernetes_groups: Sequence[str] = ()
    """Kubernetes groups the principal is in, for RBAC objects that grant what the access policy
    does not (EKS refuses ``system:`` groups)."""


@dataclass(frozen=True)
class EksClusterArgs:
    """The spec, the network the cluster runs in, and access for the program's own roles."""

    spec: EksClusterSpec
    """Everything the stack says about the cluster."""
    network: EksNetwork
    """Where the control plane's network interfaces and the nodes go (its private subnets)."""
    grants: Mapping[str, AccessGrant] = field(default_factory=dict)
    """Access entries for roles the program creates, by a stable key (``ci-deploy``)."""


def check_cluster_spec(args: EksClusterSpec) -> None:
    """Raise ``InvalidValue`` (path relative to ``cluster``)."""
    if not isinstance(args.name, str) or not _NAME_RE.match(args.name):
        raise InvalidValue("name", args.name, "is not an EKS cluster name (1-100 letters, digits, - and _, "
                                              "starting with a letter or digit)")
    if args.version not in VERSIONS:
        raise InvalidValue("version", args.version,
                           f"is not a Kubernetes version EKS supports ({', '.join(VERSIONS)}; "
                           "components/eks/versions.py)")
    if args.upgrade_policy not in UPGRADE_POLICIES:
        raise InvalidValue("upgrade_policy", args.upgrade_policy, f"is not one of {', '.join(UPGRADE_POLICIES)}")
    if args.version in EXTENDED and args.upgrade_policy != "EXTENDED":
        raise InvalidValue("version", args.version,
                           f"is in extended support only; set upgrade_policy: EXTENDED (billed higher) or "
                           f"use a version in standard support ({', '.join(STANDARD)})")
    seen: dict[str, int] = {}
    for i, admin in enumerate(args.admins):
        where = f"admins[{i}]"
        if not isinstance(admin.role_arn, str) or not ROLE_ARN_RE.match(admin.role_arn):
            raise InvalidValue(f"{where}.role_arn", admin.role_arn,
                               "is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
        if admin.role_arn in seen:
            raise InvalidValue(f"{where}.role_arn", admin.role_arn, f"is already admins[{seen[admin.role_arn]}]")
        seen[admin.role_arn] = i
        if admin.access not in ACCESS_POLICIES:
            raise InvalidValue(f"{where}.access", admin.access, f"is not one of {', '.join(ACCESS_POLICIES)}")
        if admin.access == "cluster-admin" and admin.namespaces:
            raise InvalidValue(f"{where}.namespaces", list(admin.namespaces),
                               "is only for admin, edit or view access; cluster-admin is cluster-wide")
        if admin.access != "cluster-admin" and not admin.namespaces:
            raise InvalidValue(f"{where}.namespaces", [], f"must list the namespaces {admin.access} access is for")
        for j, namespace in enumerate(admin.namespaces):
            if not isinstance(namespace, str) or not _NAMESPACE_RE.match(namespace):
                raise InvalidValue(f"{where}.namespaces[{j}]", namespace, "is not a Kubernetes namespace name")
        if args.creator_arn is not None and admin.role_arn == args.creator_arn:
            raise InvalidValue(f"{where}.role_arn", admin.role_arn,
                               "is cluster.creator_arn, which EKS already made cluster admin when it created the "
                               "cluster; a principal has one access entry, so a second fails with 409 "
                               "(ResourceInUseException). Leave it out (see docs/deploying.md: removing the "
                               "creator's implicit admin)")
    keys: dict[str, int] = {}
    for i, admin in enumerate(args.admins):
        key = principal_key(admin.role_arn)
        if key in keys or key in RESERVED_KEYS:
            other = f"admins[{keys[key]}]" if key in keys else "the CI role of the same key"
            raise InvalidValue(f"admins[{i}].role_arn", admin.role_arn,
                               f"has the role name of {other}; access entries are keyed by role name, so give "
                               "each admin role its own name")
        keys[key] = i
    if args.creator_arn is not None and not _CREATOR_RE.match(args.creator_arn):
        raise InvalidValue("creator_arn", args.creator_arn,
                           "is not an IAM role or user ARN (arn:aws:iam::ACCOUNT:role/NAME); for an assumed-role "
                           "session give the role's ARN")
    for i, cidr in enumerate(args.public_access_cidrs):
        if isinstance(cidr, str) and "/" not in cidr and _is_address(cidr):
            raise InvalidValue(f"public_access_cidrs[{i}]", cidr,
                               f"is an address, not a CIDR block; EKS takes CIDR blocks: write {cidr}/32")
        network = client_cidr(f"public_access_cidrs[{i}]", cidr,
                              "opens the Kubernetes API to the whole internet; list your office or VPN "
                              "ranges, or leave public_access_cidrs empty and reach the private endpoint "
                              "through the VPC (VPN, bastion, CI runner inside it)")
        if not isinstance(network, ipaddress.IPv4Network):
            # EKS user guide, "Cluster API server endpoint": "You can't add IPv6 CIDR blocks to IPv4
            # clusters" (this program's clusters are IPv4: no ip_family option).
            raise InvalidValue(f"public_access_cidrs[{i}]", cidr,
                               "is an IPv6 range; the cluster is IPv4 and EKS takes IPv4 CIDR blocks only for "
                               "its public endpoint (list your IPv4 office or VPN ranges)")
        if any(network.subnet_of(r) for r in _NOT_PUBLIC if isinstance(r, ipaddress.IPv4Network)):
            raise InvalidValue(f"public_access_cidrs[{i}]", cidr,
                               "is a private range; the public endpoint sees public addresses only (the "
                               "private endpoint already serves the VPC)")
    if args.public_access_cidrs:
        client_cidrs("public_access_cidrs", list(args.public_access_cidrs),
                     "opens the Kubernetes API to the whole internet; list your office or VPN ranges, or leave "
                     "public_access_cidrs empty and reach the private endpoint through the VPC")
    _check_operator_cidrs(args.operator_cidrs)
    if args.assume_role_arn is not None and not ROLE_ARN_RE.match(args.assume_role_arn):
        raise InvalidValue("assume_role_arn", args.assume_role_arn,
                           "is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
    if args.secrets_key_arn is not None:
        check_kms_key_arn("secrets_key_arn", args.secrets_key_arn, region=args.placement.region,
                          account=args.placement.account)
    for i, log_type in enumerate(args.log_types):
        if log_type not in LOG_TYPES:
            raise InvalidValue(f"log_types[{i}]", log_type, f"is not one of {', '.join(LOG_TYPES)}")
    missing = [t for t in REQUIRED_LOG_TYPES if t not in args.log_types]
    if missing:
        raise InvalidValue("log_types", list(args.log_types),
                           f"must include {', '.join(REQUIRED_LOG_TYPES)} (missing {', '.join(missing)})")
    if args.log_retention_days not in LOG_RETENTION_DAYS:
        raise InvalidValue("log_retention_days", args.log_retention_days,
                           f"is not a CloudWatch Logs retention ({', '.join(map(str, LOG_RETENTION_DAYS))})")


def _check_operator_cidrs(cidrs: Sequence[str]) -> None:
    """IPv4 ranges, each once, never together the internet: the private endpoint's ingress rules."""
    seen: dict[ipaddress.IPv4Network | ipaddress.IPv6Network, int] = {}
    for i, cidr in enumerate(cidrs):
        where = f"operator_cidrs[{i}]"
        if isinstance(cidr, str) and "/" not in cidr and _is_address(cidr):
            raise InvalidValue(where, cidr, f"is an address, not a CIDR block: write {cidr}/32")
        network = client_cidr(where, cidr, OPERATOR_INTERNET)
        if not isinstance(network, ipaddress.IPv4Network):
            # The cluster is IPv4 (no ip_family option): its private endpoint has IPv4 addresses only.
            raise InvalidValue(where, cidr, "is an IPv6 range; the cluster's private endpoint has IPv4 addresses "
                                            "only (list the IPv4 range your VPN or office reaches the VPC from)")
        if network in seen:
            # EC2 refuses a second identical rule (InvalidPermission.Duplicate).
            raise InvalidValue(where, cidr, f"is already operator_cidrs[{seen[network]}]")
        seen[network] = i
    if cidrs:
        client_cidrs("operator_cidrs", list(cidrs), OPERATOR_INTERNET)


OPERATOR_INTERNET = ("would admit the whole internet to the Kubernetes API; list the ranges your VPN, office "
                     "link or bastion reaches the VPC from (docs/deploying.md: reaching a private endpoint)")


def operator_rule_name(cidr: str) -> str:
    """The Pulumi name suffix of the rule for ``cidr``: keyed by the range, so reordering the list
    or removing one range touches only that range's rule."""
    network = ipaddress.ip_network(cidr)
    return f"{network.network_address}-{network.prefixlen}"


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def today() -> datetime.date:
    """The day the support calendar is read on (a function, so tests can fix it)."""
    return datetime.date.today()


def principal_key(role_arn: str) -> str:
    """A stable resource-name key for a role: its name, lowercased (``role/team/Admin`` → ``admin``)."""
    return re.sub(r"[^a-z0-9-]+", "-", role_arn.rsplit("/", 1)[-1].lower()).strip("-")


def access_policy_arn(partition: str, access: str) -> str:
    return f"arn:{partition}:eks::aws:cluster-access-policy/{ACCESS_POLICIES[access]}"


def provider_kubeconfig(*, cluster_name: str, endpoint: str, certificate_data: str, region: str,
                        profile: str | None, role_arn: str | None) -> dict[str, Any]:
    """The kubeconfig the program's Kubernetes provider uses: pulumi-eks's own layout
    (nodejs/eks/cluster/cluster.ts generateKubeconfig), with ``--profile`` and ``--role-arn`` always
    there when the stack sets them. pulumi-eks's ``kubeconfigJson`` output is the form it builds with
    ``includeProfile=false`` (cluster.ts createCore: ``kubeconfigWithoutProfile``), so a provider
    built from it would sign in with whatever credentials the environment has, not the stack's."""
    args = ["--region", region, "eks", "get-token", "--cluster-name", cluster_name, "--output", "json"]
    if role_arn:
        args += ["--role-arn", role_arn]
    if profile:
        # --profile rather than AWS_PROFILE, which ambient credentials override (as cluster.ts says).
        args += ["--profile", profile]
    return {
        "apiVersion": "v1", "kind": "Config", "current-context": "aws",
        "clusters": [{"name": "kubernetes",
                      "cluster": {"server": endpoint, "certificate-authority-data": certificate_data}}],
        "contexts": [{"name": "aws", "context": {"cluster": "kubernetes", "user": "aws"}}],
        "users": [{"name": "aws", "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws", "args": args,
            "env": [{"name": "KUBERNETES_EXEC_INFO",
                     "value": '{"apiVersion": "client.authentication.k8s.io/v1beta1"}'}]}}}],
    }


def cluster_transform(zonal_shift: bool) -> pulumi.ResourceTransform:
    """Sets what pulumi-eks 4.4's ``Cluster`` has no argument for on the ``aws.eks.Cluster`` it
    creates: ``zonalShiftConfig`` (pulumi-aws 7.51.1 ``ClusterZonalShiftConfigArgs.enabled``). A
    transform is the engine's: it reaches the children a packaged component registers in its own
    plugin, which the SDK's in-process transformations cannot (Pulumi docs, resource option
    ``transforms``). Stated both ways, so turning it off is a change too."""

    def transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if args.type_ != "aws:eks/cluster:Cluster":
            return None
        return pulumi.ResourceTransformResult(props={**args.props, "zonalShiftConfig": {"enabled": zonal_shift}},
                                              opts=args.opts)

    return transform


# The tolerations of EKS's own CoreDNS Deployment (its add-on's defaults): configuration values
# replace the list, so they are kept. aws/containers-roadmap#1389: CoreDNS tolerates nothing else,
# and on tainted-only nodes the add-on stays DEGRADED.
COREDNS_DEFAULT_TOLERATIONS = ({"key": "CriticalAddonsOnly", "operator": "Exists"},
                               {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"})


def coredns_tolerations(groups: Sequence[Sequence[tuple[str, str, str]]]) -> list[dict[str, str]] | None:
    """CoreDNS's tolerations when no node group would take its pods, else None (EKS's defaults).

    ``groups`` holds each group's taints as (key, value, Kubernetes effect). A group whose taints are
    all ``PreferNoSchedule`` still takes pods; when every group has a ``NoSchedule`` or ``NoExecute``
    taint, CoreDNS never becomes ACTIVE (the provider waits 20 minutes, then fails ``up``). It then
    tolerates exactly those taints: cluster DNS is what every pod on those nodes needs, and the
    Deployment is two small replicas. Only the stack's own taints, so it never lands on a node the
    stack did not mean for it."""
    hard = ("NoSchedule", "NoExecute")
    if not groups or any(not any(effect in hard for _, _, effect in taints) for taints in groups):
        return None
    wanted: list[dict[str, str]] = list(COREDNS_DEFAULT_TOLERATIONS)
    for taints in groups:
        for key, value, effect in taints:
            toleration = {"key": key, "operator": "Equal", "value": value, "effect": effect}
            if effect in hard and toleration not in wanted:
                wanted.append(toleration)
    return wanted


class EksCluster(pulumi.ComponentResource):
    """An EKS cluster for private nodes, and a Kubernetes provider for it."""

    eks: eks.Cluster
    provider: k8s.Provider | None
    """The Kubernetes provider for this cluster (None in a bootstrap run)."""
    vpc_cni: aws.eks.Addon
    """The VPC CNI add-on (its own IRSA role); node groups wait for it."""
    addon_versions: dict[str, pulumi.Output[str]]
    """Each add-on's (vpc-cni, kube-proxy, coredns, and those ``addon_version`` reads) EKS default
    version for the cluster's Kubernetes version."""
    key_arn: pulumi.Output[str]
    """The key of Kubernetes secrets and the control-plane logs (other log groups may use it)."""
    creator_arn: str | None
    """The identity EKS made cluster admin at creation, when the stack names it."""
    cluster_name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    oidc_issuer: pulumi.Output[str]
    cluster_security_group_id: pulumi.Output[str]
    """The security group EKS gives the control plane and managed nodes."""
    kubeconfig: pulumi.Output[str]
    """The kubeconfig JSON, as a secret (it names the cluster's endpoint and certificate)."""
    private_subnet_ids: pulumi.Output[list[str]]
    """The network's private subnets, where managed node groups go."""
    update_kubeconfig: pulumi.Output[str]
    """The command that writes this cluster's kubeconfig entry."""
    spec: EksClusterSpec

    def __init__(self, name: str, args: EksClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("EksCluster"), name, None, opts)
        spec, network = args.spec, args.network
        check_cluster_spec(spec)
        self.spec = spec
        notice = support_warning(spec.version, spec.upgrade_policy, today())
        if notice is not None:
            pulumi.log.warn(notice, resource=self)
        placement, tags = spec.placement, dict(spec.placement.tags)
        kept = pulumi.ResourceOptions(parent=self, protect=spec.protect, retain_on_delete=spec.protect or None)
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id

        key_arn: pulumi.Input[str]
        if spec.secrets_key_arn is not None:
            key_arn = spec.secrets_key_arn
        else:
            key_arn = ecr_key(f"{name}-key", description=f"Secrets and control-plane logs of EKS cluster {spec.name}",
                              account=account, partition=placement.partition, region=placement.region,
                              declare_region=None, tags=tags, protect=spec.protect,
                              # Kept when it leaves the program (a switch to secrets_key_arn, a
                              # destroy): EKS encrypts the cluster's secrets with it for good.
                              opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
                              policy=eks_key_policy).arn
        # EKS writes to /aws/eks/NAME/cluster and creates it, without retention or key, if missing.
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=cluster_log_group(spec.name), retention_in_days=spec.log_retention_days,
            kms_key_id=key_arn, tags=tags, opts=kept)

        # The cluster's own IAM role, declared here rather than left to pulumi-eks (whose children
        # are out of the program's reach): so it carries the stack's permissions boundary.
        service_role = aws.iam.Role(
            f"{name}-service-role",
            description=f"EKS control plane of {spec.name}",
            assume_role_policy=service_trust("eks.amazonaws.com", actions=("sts:AssumeRole", "sts:TagSession")),
            tags=tags, opts=pulumi.ResourceOptions(parent=self))
        service_policy = aws.iam.RolePolicyAttachment(
            f"{name}-service-role-policy", role=service_role.name,
            policy_arn=f"arn:{placement.partition}:iam::aws:policy/AmazonEKSClusterPolicy",
            opts=pulumi.ResourceOptions(parent=service_role))
        # The core add-ons at the version EKS gives this Kubernetes version by default, rather than
        # pulumi-eks's "most recent" (which floats: every new build would roll the node DaemonSets on
        # an unrelated up, and the drift check would flag it). A version upgrade upgrades them too.
        self.addon_versions = {addon: aws.eks.get_addon_version_output(
            addon_name=addon, kubernetes_version=spec.version, most_recent=False,
            opts=pulumi.InvokeOutputOptions(parent=self)).version for addon in CORE_ADDONS}
        self._check_upgrade(spec)
        self.eks = eks.Cluster(
            f"{name}-eks",
            service_role=service_role,
            # The VPC CNI is the component's own add-on (below), with its own IAM role: not pulumi-eks's.
            use_default_vpc_cni=True,
            kube_proxy_addon_options=eks.KubeProxyAddonOptionsArgs(version=self.addon_versions["kube-proxy"]),
            # pulumi-eks's own Kubernetes provider and its kubeconfig outputs (the one with the
            # profile is internal; kubeconfigJson, exported for people, has the role but no profile).
            provider_credential_opts=eks.KubeconfigOptionsArgs(profile_name=spec.aws_profile,
                                                               role_arn=spec.assume_role_arn)
            if spec.aws_profile or spec.assume_role_arn else None,
            # The name comes through the log group's output, so pulumi-eks's aws.eks.Cluster (a child
            # of a remote component, which depends_on does not reach) cannot start before it exists.
            name=log_group.name.apply(lambda _: spec.name),
            version=spec.version,
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type=spec.upgrade_policy),
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_subnet_ids,
            endpoint_private_access=True,
            endpoint_public_access=bool(spec.public_access_cidrs),
            public_access_cidrs=list(spec.public_access_cidrs) or None,
            # Access entries (the component's own resources below); EKS adds the managed node
            # group role's own entry. Never instance_roles.
            authentication_mode=eks.AuthenticationMode.API,
            encryption_config_key_arn=key_arn,
            enabled_cluster_log_types=list(spec.log_types),
            skip_default_node_group=True,
            # No pulumi-eks security groups: managed nodes carry the cluster security group EKS creates
            # (their launch template names none), so pulumi-eks's cluster and node groups would only
            # add unused groups with egress to 0.0.0.0/0 (pulumi-eks cluster.ts, nodes/securitygroup.ts).
            # EKS changes a cluster's security groups in place (since November 2023).
            skip_default_security_groups=True,
            create_oidc_provider=True,
            deletion_protection=spec.deletion_protection,
            tags=tags,
            # EKS cannot change a cluster's secrets key, and pulumi-eks ignores a new one: ignoring it
            # here too keeps every later preview from showing a change that never happens
            # (docs/deploying.md: what a key change really takes).
            opts=pulumi.ResourceOptions(parent=self, protect=spec.protect, depends_on=[log_group, service_policy],
                                        ignore_changes=["encryptionConfigKeyArn"],
                                        transforms=[cluster_transform(spec.zonal_shift)]),
        )
        # Any: mypy cannot infer Output.secret's type variable from an Output (pulumi's Input union).
        kubeconfig_json: Any = self.eks.kubeconfig_json
        self._access_entries(name, spec, args.grants)
        # No provider in a bootstrap run: nothing may be applied through an endpoint the machine
        # running it may not reach.
        # pulumi-eks's kubeconfigJson has no --profile (see provider_kubeconfig): the provider gets
        # its own, built from the cluster the same way, that signs in as the stack says.
        cluster_ca: pulumi.Output[str] = self.eks.eks_cluster.certificate_authority.apply(lambda ca: ca.data or "")
        signed_in: Any = pulumi.Output.all(self.eks.eks_cluster.name, self.eks.eks_cluster.endpoint, cluster_ca).apply(
            lambda v: json.dumps(provider_kubeconfig(
                cluster_name=v[0], endpoint=v[1], certificate_data=v[2], region=spec.placement.region,
                profile=spec.aws_profile, role_arn=spec.assume_role_arn)))
        self.provider = None if spec.bootstrap else k8s.Provider(
            f"{name}-k8s", kubeconfig=pulumi.Output.secret(signed_in), opts=pulumi.ResourceOptions(parent=self))
        self.cluster_name = self.eks.eks_cluster.name
        self.endpoint = self.eks.eks_cluster.endpoint
        self.oidc_issuer = self.eks.oidc_issuer
        self.cluster_security_group_id = self.eks.eks_cluster.vpc_config.cluster_security_group_id
        # The private endpoint's network interfaces carry the cluster security group, which admits
        # only itself (nodes) and the runners' group: operators' networks get 443 here, nothing else.
        self.operator_rules = [aws.vpc.SecurityGroupIngressRule(
            f"{name}-operators-{operator_rule_name(cidr)}", security_group_id=self.cluster_security_group_id,
            cidr_ipv4=cidr, ip_protocol="tcp", from_port=443, to_port=443,
            description=f"Kubernetes API from an operators' network ({cidr})", tags=tags,
            opts=pulumi.ResourceOptions(parent=self)) for cidr in spec.operator_cidrs]
        self.kubeconfig = pulumi.Output.secret(kubeconfig_json)
        self.private_subnet_ids = network.private_subnet_ids
        self.key_arn = pulumi.Output.from_input(key_arn)
        self.creator_arn = spec.creator_arn
        self.update_kubeconfig = self.cluster_name.apply(
            lambda cluster: f"aws eks update-kubeconfig --region {spec.placement.region} --name {cluster}")
        self.vpc_cni = self._vpc_cni(name, spec)
        self.register_outputs({"cluster_name": self.cluster_name, "endpoint": self.endpoint,
                               "oidc_issuer": self.oidc_issuer, "kubeconfig": self.kubeconfig})

    def _vpc_cni(self, name: str, spec: EksClusterSpec) -> aws.eks.Addon:
        """The VPC CNI as an EKS add-on at the pinned version, with its IAM through IRSA: a role only
        the aws-node service account may assume, instead of the node role (which pods could reach).
        Node groups wait for it, so aws-node has its own role before the first node joins."""
        issuer = self.eks.oidc_issuer
        role = aws.iam.Role(
            f"{name}-vpc-cni-role",
            description=f"VPC CNI (kube-system/aws-node) of EKS cluster {spec.name}, through IRSA",
            assume_role_policy=pulumi.Output.all(self.eks.oidc_provider_arn, issuer).apply(
                lambda v: web_identity_trust(v[0], {"StringEquals": {
                    f"{v[1]}:sub": "system:serviceaccount:kube-system:aws-node", f"{v[1]}:aud": "sts.amazonaws.com"}})),
            tags=dict(spec.placement.tags) or None, opts=pulumi.ResourceOptions(parent=self))
        policy = aws.iam.RolePolicyAttachment(
            f"{name}-vpc-cni-role-policy", role=role.name,
            policy_arn=f"arn:{spec.placement.partition}:iam::aws:policy/AmazonEKS_CNI_Policy",
            opts=pulumi.ResourceOptions(parent=role))
        return aws.eks.Addon(
            f"{name}-vpc-cni", cluster_name=self.cluster_name, addon_name="vpc-cni",
            addon_version=self.addon_versions["vpc-cni"], service_account_role_arn=role.arn,
            # Takes over the aws-node EKS installs at creation.
            resolve_conflicts_on_create="OVERWRITE", resolve_conflicts_on_update="OVERWRITE",
            tags=dict(spec.placement.tags) or None, opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]))

    def core_dns(self, name: str, node_groups: Sequence[EksNodeGroup]) -> aws.eks.Addon:
        """CoreDNS as an EKS add-on at the pinned version, taking over EKS's self-managed bootstrap copy
        (pulumi-eks makes the add-on only with a default node group). After the node groups: its
        pods need nodes to become ACTIVE (so on an upgrade it moves last, once the nodes run the new
        version). When every group is tainted it tolerates their taints (``coredns_tolerations``),
        through the add-on's configuration values (its schema's ``tolerations``)."""
        from .node_group import KUBERNETES_EFFECTS

        tolerations = coredns_tolerations([[(t.key, t.value, KUBERNETES_EFFECTS[t.effect]) for t in group.spec.taints]
                                           for group in node_groups])
        return aws.eks.Addon(
            f"{name}-coredns", cluster_name=self.cluster_name, addon_name="coredns",
            addon_version=self.addon_versions["coredns"], resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE", tags=dict(self.spec.placement.tags) or None,
            configuration_values=json.dumps({"tolerations": tolerations}) if tolerations else None,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(node_groups)))

    def addon_version(self, addon: str) -> pulumi.Output[str]:
        """EKS's default version of ``addon`` for the cluster's Kubernetes version (read at preview,
        like the core add-ons'): fixed per version, so it moves with ``cluster.version`` only."""
        if addon not in self.addon_versions:
            self.addon_versions[addon] = aws.eks.get_addon_version_output(
                addon_name=addon, kubernetes_version=self.spec.version, most_recent=False,
                opts=pulumi.InvokeOutputOptions(parent=self)).version
        return self.addon_versions[addon]

    def node_addons(self, name: str, node_groups: Sequence[EksNodeGroup]) -> tuple[aws.eks.Addon, aws.eks.Addon]:
        """The EKS Pod Identity agent and metrics-server as EKS add-ons at their default versions,
        after the node groups (their pods need nodes to become ACTIVE), and the node security
        group's rule that lets the control plane reach metrics-server on its port.

        Managed nodes carry the cluster security group EKS creates, whose own rule admits all traffic
        from itself (the control plane's interfaces carry it too), so the port is reachable today;
        the rule states the requirement, and keeps it if the nodes ever get a group of their own.
        With every group tainted, metrics-server tolerates those taints (``coredns_tolerations``;
        the agent is a DaemonSet that tolerates every taint)."""
        from .node_group import KUBERNETES_EFFECTS

        tags = dict(self.spec.placement.tags) or None
        after = pulumi.ResourceOptions(parent=self, depends_on=list(node_groups))
        agent = aws.eks.Addon(
            f"{name}-pod-identity-agent", cluster_name=self.cluster_name, addon_name=POD_IDENTITY_AGENT,
            addon_version=self.addon_version(POD_IDENTITY_AGENT), resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE", tags=tags, opts=after)
        self.metrics_server_rule = aws.vpc.SecurityGroupIngressRule(
            f"{name}-metrics-server-from-control-plane", security_group_id=self.cluster_security_group_id,
            referenced_security_group_id=self.cluster_security_group_id, ip_protocol="tcp",
            from_port=METRICS_SERVER_PORT, to_port=METRICS_SERVER_PORT,
            description="metrics-server (EKS add-on) from the control plane", tags=tags,
            opts=pulumi.ResourceOptions(parent=self))
        tolerations = coredns_tolerations([[(t.key, t.value, KUBERNETES_EFFECTS[t.effect]) for t in group.spec.taints]
                                           for group in node_groups])
        metrics = aws.eks.Addon(
            f"{name}-metrics-server", cluster_name=self.cluster_name, addon_name=METRICS_SERVER,
            addon_version=self.addon_version(METRICS_SERVER), resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE", tags=tags,
            configuration_values=json.dumps({"tolerations": tolerations}) if tolerations else None,
            opts=pulumi.ResourceOptions.merge(after, pulumi.ResourceOptions(depends_on=[self.metrics_server_rule])))
        return agent, metrics

    def _check_upgrade(self, spec: EksClusterSpec) -> None:
        """Refuse, at preview, a ``cluster.version`` EKS would refuse for the live cluster: more than one
        minor above it, below it, or above it while a managed node group lags (``upgrade_problem``).

        A failed invoke fails the whole run, even when caught, so the cluster is read only once
        ListClusters names it (a first deploy has none): ListClusters, then DescribeCluster, and
        ListNodegroups/DescribeNodegroup only when the version changes."""
        options = pulumi.InvokeOptions(parent=self)
        if spec.name not in (aws.eks.get_clusters(opts=options).names or []):
            return
        live = aws.eks.get_cluster(name=spec.name, opts=options).version
        behind: dict[str, str] = {}
        if spec.version != live:
            for group in aws.eks.get_node_groups(cluster_name=spec.name, opts=options).names or []:
                found = aws.eks.get_node_group(cluster_name=spec.name, node_group_name=group, opts=options).version
                if found != live:
                    behind[group] = found
        problem = upgrade_problem(live, spec.version, behind)
        if problem is not None:
            raise InvalidValue("cluster.version", spec.version, problem)

    def _access_entries(self, name: str, spec: EksClusterSpec, grants: Mapping[str, AccessGrant]) -> None:
        """One access entry and one policy association per principal, keyed by the principal (a
        role's name, or a grant's key): reordering or removing an admin touches only that entry.
        They are not protected with the cluster: changing a scope replaces an association, which
        must never stop at ``protect``."""
        partition = spec.placement.partition
        entries: dict[str, AccessGrant] = {principal_key(a.role_arn): AccessGrant(a.role_arn, a.access, a.namespaces)
                                           for a in spec.admins}
        entries.update(grants)
        cluster_name = self.eks.eks_cluster.name
        for key, grant in entries.items():
            entry = aws.eks.AccessEntry(
                f"{name}-access-{key}", cluster_name=cluster_name, principal_arn=grant.principal_arn,
                type="STANDARD", tags=dict(spec.placement.tags) or None,
                kubernetes_groups=list(grant.kubernetes_groups) or None,
                # A principal has one entry: a replacement must delete the old one first (409 otherwise).
                opts=pulumi.ResourceOptions(parent=self, protect=False, delete_before_replace=True))
            aws.eks.AccessPolicyAssociation(
                f"{name}-access-{key}-{grant.access}", cluster_name=cluster_name,
                principal_arn=entry.principal_arn, policy_arn=access_policy_arn(partition, grant.access),
                access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(
                    type="namespace" if grant.namespaces else "cluster",
                    namespaces=list(grant.namespaces) or None),
                opts=pulumi.ResourceOptions(parent=entry, protect=False, delete_before_replace=True))
