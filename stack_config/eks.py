"""The ``network`` and ``cluster`` sections: the VPC, the EKS cluster and its node group."""

from __future__ import annotations

from dataclasses import dataclass

from components.eks.cluster import ClusterAdmin, EksClusterArgs, check_cluster_args
from components.eks.network import EksNetworkArgs, check_network_args
from components.eks.node_group import EksNodeGroupArgs, Taint, check_node_group_args
from components.eks.versions import DEFAULT_VERSION
from components.shared.placement import Placement

from . import schema
from .values import ConfigError, Value, domain, opt


@dataclass
class ClusterSettings:
    """What the stack asks of the cluster and its node group. The Args themselves are built in
    ``__main__.py``, which has the network and cluster components they take."""

    name: str
    version: str
    upgrade_policy: str
    admins: tuple[ClusterAdmin, ...]
    public_access_cidrs: tuple[str, ...]
    secrets_key_arn: str | None
    log_types: tuple[str, ...]
    log_retention_days: int
    deletion_protection: bool
    protect: bool
    node_group: dict


def network_section(node: Value, placement: Placement, protect: bool) -> EksNetworkArgs:
    fields = node.object(schema.keys_of("network"))
    args = EksNetworkArgs(
        placement=placement,
        availability_zones=opt(fields, "availability_zones", Value.strings, ()),
        cidr=opt(fields, "cidr", Value.string, "10.0.0.0/16"),
        nat=opt(fields, "nat", Value.string, "none"),
        endpoints=opt(fields, "endpoints", Value.boolean),
        extra_endpoints=opt(fields, "extra_endpoints", Value.strings, ()),
        flow_log_retention_days=opt(fields, "flow_log_retention_days", Value.positive_int, 365),
        vpc_id=opt(fields, "vpc_id", Value.string),
        private_subnet_ids=opt(fields, "private_subnet_ids", Value.strings, ()),
        protect=protect,
    )
    domain(lambda: check_network_args(args), "network")
    return args


def _admin(node: Value) -> ClusterAdmin:
    fields = node.object(schema.keys_of("cluster.admins[]"))
    if "role_arn" not in fields:
        raise ConfigError(f"{node.path}.role_arn", None, "is required")
    return ClusterAdmin(role_arn=fields["role_arn"].value,
                        access=opt(fields, "access", Value.string, "cluster-admin"),
                        namespaces=opt(fields, "namespaces", Value.strings, ()))


def _taint(node: Value) -> Taint:
    fields = node.object(schema.keys_of("cluster.node_group.taints[]"))
    for required in ("key", "effect"):
        if required not in fields:
            raise ConfigError(f"{node.path}.{required}", None, "is required")
    return Taint(key=fields["key"].string(), effect=fields["effect"].string(),
                 value=opt(fields, "value", lambda v: v.tag_value(), ""))


def _node_group(node: Value) -> dict:
    fields = node.object(schema.keys_of("cluster.node_group"))
    count = Value.non_negative_int
    settings = {
        "instance_types": opt(fields, "instance_types", Value.strings, ("t3.large",)),
        "ami_type": opt(fields, "ami_type", Value.string, "AL2023_x86_64_STANDARD"),
        "capacity_type": opt(fields, "capacity_type", Value.string, "ON_DEMAND"),
        "min_size": opt(fields, "min_size", count, 2),
        "desired_size": opt(fields, "desired_size", count, 2),
        "max_size": opt(fields, "max_size", Value.positive_int, 3),
        "disk_size": opt(fields, "disk_size", Value.positive_int, 20),
        "labels": opt(fields, "labels", Value.tags, {}),
        "taints": tuple(_taint(t) for t in fields["taints"].list()) if "taints" in fields else (),
        "ecr_policy": opt(fields, "ecr_policy", Value.string, "AmazonEC2ContainerRegistryReadOnly"),
    }
    return settings


def cluster_section(node: Value, placement: Placement, *, project: str, stack: str,
                    protect: bool) -> ClusterSettings:
    fields = node.object(schema.keys_of("cluster"))
    settings = ClusterSettings(
        name=opt(fields, "name", Value.string, f"{project}-{stack}"),
        version=opt(fields, "version", Value.string, DEFAULT_VERSION),
        upgrade_policy=opt(fields, "upgrade_policy", Value.string, "STANDARD"),
        admins=tuple(_admin(a) for a in fields["admins"].list()) if "admins" in fields else (),
        public_access_cidrs=opt(fields, "public_access_cidrs", Value.strings, ()),
        secrets_key_arn=opt(fields, "secrets_key_arn", Value.string),
        log_types=opt(fields, "log_types", Value.strings, ("api", "audit", "authenticator")),
        log_retention_days=opt(fields, "log_retention_days", Value.positive_int, 90),
        deletion_protection=opt(fields, "deletion_protection", Value.boolean, protect),
        protect=protect,
        node_group=_node_group(fields["node_group"]) if "node_group" in fields else _node_group(
            Value({}, f"{node.path}.node_group")),
    )
    # The components' own checks, before the components they take exist (None stands in for them).
    cluster_args = EksClusterArgs(placement=placement, network=None, name=settings.name,  # type: ignore[arg-type]
                                  version=settings.version, upgrade_policy=settings.upgrade_policy,
                                  admins=settings.admins, public_access_cidrs=settings.public_access_cidrs,
                                  secrets_key_arn=settings.secrets_key_arn, log_types=settings.log_types,
                                  log_retention_days=settings.log_retention_days)
    domain(lambda: check_cluster_args(cluster_args), "cluster")
    domain(lambda: check_node_group_args(EksNodeGroupArgs(cluster=None, placement=placement,  # type: ignore[arg-type]
                                                          **settings.node_group)), "cluster.node_group")
    return settings
