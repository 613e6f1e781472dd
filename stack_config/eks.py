"""The ``network``, ``cluster`` (with ``cluster.node_groups``) and ``workload`` sections, read into
one typed :class:`KubernetesConfig`: a stack has all of it or none of it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, cast

from components.ecr.repository import EcrRepositorySpec
from components.eks.autoscaler import ClusterAutoscalerSpec, check_autoscaler_spec
from components.eks.cluster import ClusterAdmin, EksClusterSpec, check_cluster_spec
from components.eks.network import EksNetworkSpec, check_network_spec
from components.eks.node_group import NodeGroupSpec, Taint, TaintEffect, check_node_group_spec
from components.eks.observability import ClusterObservabilitySpec, check_observability_spec
from components.shared.arns import ROLE_ARN_RE
from components.shared.placement import Placement

from . import schema
from .front_door import front_door_section
from .model import KubernetesConfig
from .values import ConfigError, Value, domain, given, opt, required
from .workload import workload_section

if TYPE_CHECKING:
    pass


def network_section(node: Value, placement: Placement, protect: bool) -> EksNetworkSpec:
    fields = node.object(schema.keys_of("network"))
    spec = EksNetworkSpec(placement=placement, protect=protect, **given(fields, {
        "availability_zones": Value.strings, "cidr": Value.string,
        "nat": lambda v: v.enum(schema.choices("network.nat")), "endpoints": Value.boolean,
        "extra_endpoints": Value.strings, "flow_log_retention_days": Value.positive_int,
        "vpc_id": Value.string, "private_subnet_ids": Value.strings, "public_subnet_ids": Value.strings}))
    domain(lambda: check_network_spec(spec), "network")
    return spec


def _admin(node: Value) -> ClusterAdmin:
    fields = node.object(schema.keys_of("cluster.admins[]"))
    return ClusterAdmin(role_arn=required(fields, node, "role_arn").value, **given(fields, {
        "access": lambda v: v.enum(schema.choices("cluster.admins[].access")), "namespaces": Value.strings}))


def _taint(node: Value) -> Taint:
    fields = node.object(schema.keys_of("cluster.node_groups[].taints[]"))
    return Taint(key=required(fields, node, "key").string(),
                 effect=cast(TaintEffect, required(fields, node, "effect").enum(
                     schema.choices("cluster.node_groups[].taints[].effect"))),
                 **given(fields, {"value": Value.tag_value}))


def _node_group(node: Value, cluster_name: str, cluster_version: str) -> NodeGroupSpec:
    fields = node.object(schema.keys_of("cluster.node_groups[]"))
    count = Value.non_negative_int
    spec = NodeGroupSpec(**given(fields, {
        "name": Value.string, "instance_types": Value.strings,
        "ami_type": lambda v: v.enum(schema.choices("cluster.node_groups[].ami_type")),
        "capacity_type": lambda v: v.enum(schema.choices("cluster.node_groups[].capacity_type")),
        "min_size": count, "desired_size": count, "max_size": Value.positive_int, "disk_size": Value.positive_int,
        "labels": Value.tags, "taints": lambda v: tuple(_taint(t) for t in v.list()),
        "ecr_policy": lambda v: v.enum(schema.choices("cluster.node_groups[].ecr_policy")),
        "version": Value.string, "release_version": Value.string, "max_unavailable": Value.positive_int,
        "node_repair": Value.boolean}))
    domain(lambda: check_node_group_spec(spec, cluster_name, cluster_version), node.path)
    return spec


def _node_groups(fields: dict[str, Value], node: Value, cluster_name: str,
                 cluster_version: str) -> tuple[NodeGroupSpec, ...]:
    if "node_groups" not in fields or fields["node_groups"].value is None:
        groups: tuple[NodeGroupSpec, ...] = (NodeGroupSpec(),)
        domain(lambda: check_node_group_spec(groups[0], cluster_name, cluster_version), f"{node.path}.node_groups[0]")
        return groups
    entries = fields["node_groups"].list()
    if not entries:
        raise fields["node_groups"].fail("is empty; list at least one node group (or leave it out for the default)")
    groups = tuple(_node_group(entry, cluster_name, cluster_version) for entry in entries)
    seen: dict[str, int] = {}
    for i, group in enumerate(groups):
        if group.name in seen:
            raise ConfigError(f"{node.path}.node_groups[{i}].name", group.name,
                              f"is already the name of node_groups[{seen[group.name]}]; give each group its own")
        seen[group.name] = i
    return groups


def autoscaler_section(fields: dict[str, Value], node: Value, cluster: EksClusterSpec) -> ClusterAutoscalerSpec | None:
    section = fields["autoscaler"] if opt(fields, "autoscaler", lambda v: v) else node.child("autoscaler", {})
    keys = section.object(schema.keys_of("cluster.autoscaler"))
    if not opt(keys, "enabled", Value.boolean, True):
        return None
    spec = ClusterAutoscalerSpec(placement=cluster.placement, cluster_name=cluster.name,
                                 kubernetes_version=cluster.version, **given(keys, {"image": Value.string}))
    domain(lambda: check_autoscaler_spec(spec), section.path)
    return spec


def observability_section(fields: dict[str, Value], node: Value,
                          cluster: EksClusterSpec) -> ClusterObservabilitySpec | None:
    section = fields["observability"] if opt(fields, "observability", lambda v: v) else node.child("observability", {})
    keys = section.object(schema.keys_of("cluster.observability"))
    if not opt(keys, "enabled", Value.boolean, True):
        return None
    spec = ClusterObservabilitySpec(placement=cluster.placement, cluster_name=cluster.name,
                                    **given(keys, {"log_retention_days": Value.positive_int}))
    domain(lambda: check_observability_spec(spec), section.path)
    return spec


def assume_role_arn(value: object) -> str | None:
    """The role of the stack's ``aws:assumeRoles`` (the AWS provider's list of roles it assumes, in
    order), which the kubeconfig's ``aws eks get-token --role-arn`` must assume too; None without one.
    ``get-token`` assumes a single role, so a chain of several is refused."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ConfigError("aws:assumeRoles", value, "is not a list of roles ([{roleArn: ARN}])") from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise ConfigError("aws:assumeRoles", value, "is not a list of roles ([{roleArn: ARN}])")
    if not value:
        return None
    if len(value) > 1:
        raise ConfigError("aws:assumeRoles", value,
                          f"chains {len(value)} roles; the Kubernetes provider signs in with aws eks get-token, which "
                          "assumes one (--role-arn): give the AWS provider one role (a profile can hold the chain)")
    role = value[0].get("roleArn")
    if not isinstance(role, str) or not ROLE_ARN_RE.match(role):
        raise ConfigError("aws:assumeRoles[0].roleArn", role, "is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
    return role


def cluster_section(node: Value, placement: Placement, *, project: str, stack: str, protect: bool,
                    bootstrap: bool = False, aws_profile: str | None = None, assumed_role: str | None = None,
                    ) -> tuple[EksClusterSpec, tuple[NodeGroupSpec, ...], ClusterAutoscalerSpec | None,
                               ClusterObservabilitySpec | None]:
    if isinstance(node.value, dict) and "node_group" in node.value:  # the retired single-group key
        raise ConfigError(f"{node.path}.node_group", node.value["node_group"],
                          "was replaced by cluster.node_groups, a list: move the object into it as its first "
                          "entry (cluster.node_groups[0]); it keeps the name nodes and its resources")
    fields = node.object(schema.keys_of("cluster"))
    spec = EksClusterSpec(placement=placement, protect=protect, bootstrap=bootstrap, aws_profile=aws_profile,
                          assume_role_arn=assumed_role, **{
        "name": f"{project}-{stack}", "deletion_protection": protect, "zonal_shift": protect, **given(fields, {
            "name": Value.string, "version": Value.string,
            "upgrade_policy": lambda v: v.enum(schema.choices("cluster.upgrade_policy")),
            "admins": lambda v: tuple(_admin(a) for a in v.list()),
            "public_access_cidrs": Value.strings, "operator_cidrs": Value.strings, "secrets_key_arn": Value.string, "log_types": Value.strings,
            "log_retention_days": Value.positive_int, "deletion_protection": Value.boolean,
            "zonal_shift": Value.boolean, "creator_arn": Value.string})})
    domain(lambda: check_cluster_spec(spec), "cluster")
    return (spec, _node_groups(fields, node, spec.name, spec.version), autoscaler_section(fields, node, spec),
            observability_section(fields, node, spec))


def kubernetes_section(fields: dict[str, Value], placement: Placement, *, project: str, stack: str,
                       protect: bool, repositories: Sequence[EcrRepositorySpec], root: Path,
                       bootstrap: bool = False, aws_profile: str | None = None,
                       aws_assume_roles: object = None) -> KubernetesConfig | None:
    """The network, cluster and workload keys, or None for a registry-only stack."""
    if ("cluster" in fields) != ("network" in fields):
        have, missing = ("cluster", "network") if "cluster" in fields else ("network", "cluster")
        raise ConfigError(missing, None, f"is required with {have}: the cluster's nodes run in the network "
                                         "(set both, or neither for a registry-only stack)")
    if "cluster" not in fields:
        for key in ("workload", "front_door"):
            if key in fields:
                raise ConfigError(key, fields[key].value,
                                  "needs cluster (and network): the service runs on the stack's cluster")
        return None
    network = network_section(fields["network"], placement, protect)
    cluster, groups, autoscaler, observability = cluster_section(fields["cluster"], placement, project=project, stack=stack, protect=protect,
                                      bootstrap=bootstrap, aws_profile=aws_profile,
                                      assumed_role=assume_role_arn(aws_assume_roles))
    workload = (workload_section(fields["workload"], repositories, groups, root)
                if "workload" in fields else None)
    config = KubernetesConfig(network=network, cluster=cluster, node_groups=groups, workload=workload,
                              autoscaler=autoscaler, observability=observability)
    if "front_door" in fields:
        config = replace(config, front_door=front_door_section(fields["front_door"], placement, config, protect))
    return config
