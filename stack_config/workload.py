"""The ``workload`` section: the service's image and its objects on the cluster, on one of the
cluster's node groups."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from components.ecr.repository import EcrRepositorySpec
from components.eks.node_group import NodeGroupSpec
from components.shared.errors import InvalidValue
from components.supply_chain.findings import Allowance
from components.supply_chain.scan_gate import ScanGateSpec, check_scan_gate_spec
from components.workload.image import (
    ImageSpec,
    check_image_spec,
    dockerfile_port,
    dockerfile_user,
    server_timing,
)
from components.workload.service import WorkloadSpec, check_workload_spec

from . import schema
from .model import WorkloadConfig
from .values import ConfigError, Value, domain, given, required


def _allowance(node: Value) -> Allowance:
    fields = node.object(schema.keys_of("workload.scan_gate.allow[]"))
    return Allowance(id=required(fields, node, "id", " (the vulnerability ID: CVE-2024-1234)").string(),
                     expires=required(fields, node, "expires", ' (the last day it counts: "2027-01-31")').value,
                     reason=required(fields, node, "reason", " (why the finding is acceptable until then)").value)


def scan_gate_section(node: Value) -> ScanGateSpec:
    fields = node.object(schema.keys_of("workload.scan_gate"))
    spec = ScanGateSpec(**given(fields, {
        "max_severity": lambda v: v.enum(schema.choices("workload.scan_gate.max_severity")),
        "timeout_minutes": Value.positive_int,
        "allow": lambda v: tuple(_allowance(item) for item in v.list())}))
    domain(lambda: check_scan_gate_spec(spec), node.path)
    return spec


def workload_section(node: Value, repositories: Sequence[EcrRepositorySpec], groups: Sequence[NodeGroupSpec],
                     root: Path) -> WorkloadConfig:
    if isinstance(node.value, dict) and "client_cidrs" in node.value:  # the retired NodePort key
        raise ConfigError(f"{node.path}.client_cidrs", node.value["client_cidrs"],
                          "was replaced by front_door.client_cidrs: the nodes have private addresses only, so "
                          "clients reach the service through the front door's load balancer (front_door), "
                          "which admits these ranges; move the list there")
    if isinstance(node.value, dict) and "replicas" in node.value:  # the retired fixed count
        raise ConfigError(f"{node.path}.replicas", node.value["replicas"],
                          "was replaced by workload.min_replicas and workload.max_replicas: a "
                          "HorizontalPodAutoscaler now sets the count between them from the pods' CPU use; move "
                          "the value to min_replicas (the service never runs fewer)")
    fields = node.object(schema.keys_of("workload"))
    scan_gate = given(fields, {"scan_gate": scan_gate_section}).get("scan_gate", ScanGateSpec())
    repository = required(fields, node, "repository", " (a repository of `repositories`)").string()
    names = [r.name for r in repositories]
    if repository not in names:
        raise fields["repository"].fail(f"is not a repository of this stack; its repositories: {', '.join(names)}")
    group_names = [g.name for g in groups]
    pinned = given(fields, {"node_group": Value.string}).get("node_group")
    if pinned is not None and pinned not in group_names:
        raise fields["node_group"].fail(f"is not a node group of cluster.node_groups; its groups: "
                                        f"{', '.join(group_names)}")
    group = next(g for g in groups if g.name == (pinned or group_names[0]))
    where = f"cluster.node_groups[{list(groups).index(group)}].ami_type"
    nodes = f"linux/{group.architecture}"
    image_keys = given(fields, {"context": Value.string, "dockerfile": Value.string,
                                "platform": lambda v: v.enum(schema.choices("workload.platform")),
                                "build_args": Value.tags, "target": Value.string})
    if image_keys.get("platform", nodes) != nodes:
        raise fields["platform"].fail(f"does not match the nodes of group {group.name} ({group.ami_type} runs "
                                      f"{nodes}); build for {nodes}, or change {where}")
    image = ImageSpec(**{**image_keys, "platform": nodes})
    domain(lambda: check_image_spec(image, root), "workload")
    dockerfile = root / image.dockerfile_path
    uid = dockerfile_user(dockerfile)
    if uid is None or uid == 0:
        raise ConfigError(f"{node.path}.dockerfile", image.dockerfile_path,
                          "must end with a numeric non-root USER (USER 10001:10001): the pods run as that "
                          "UID under the restricted Pod Security Standard")
    exposed, command_port = dockerfile_port(dockerfile)
    if exposed is not None and command_port is not None and exposed != command_port:
        raise ConfigError(f"{node.path}.dockerfile", image.dockerfile_path,
                          f"EXPOSEs {exposed} but its command listens on --port {command_port}; make them agree")
    service_keys = given(fields, {
        "namespace": Value.string, "min_replicas": Value.positive_int, "max_replicas": Value.positive_int,
        "cpu_target": Value.positive_int, "min_available": Value.non_negative_int, "container_port": Value.positive_int,
        "service_port": Value.positive_int, "readiness_path": Value.string, "liveness_path": Value.string,
        "cpu_request": Value.tag_value, "memory_request": Value.string, "memory_limit": Value.string,
        "node_port": Value.positive_int, "prestop_seconds": Value.positive_int,
        "termination_grace_seconds": Value.positive_int})
    image_port = command_port or exposed
    if image_port is not None:
        stated = service_keys.setdefault("container_port", image_port)
        if stated != image_port:
            raise fields["container_port"].fail(
                f"is not the port the image listens on ({image_port}, from {image.dockerfile_path}); the image "
                "states its port: leave container_port out, or change the Dockerfile's EXPOSE and command")
    name = given(fields, {"name": Value.string}).get("name", repository.rsplit("/", 1)[-1])
    keep_alive, drain = server_timing(dockerfile)
    service = WorkloadSpec(name=name, run_as_user=uid, server_keep_alive_seconds=keep_alive, server_drain_seconds=drain,
                           # A selector only when there is a choice: one group needs none.
                           node_group=group.name if pinned is not None or len(groups) > 1 else None,
                           **service_keys)
    try:
        check_workload_spec(service)
    except InvalidValue as err:
        if err.path == "name" and "name" not in fields:  # the repository's name, as the default
            raise ConfigError(f"{node.path}.repository", repository,
                              f"ends in {name!r}, which the workload's objects would be named, and {err.reason}; "
                              "set workload.name") from None
        if err.path == "namespace" and "namespace" not in fields:  # the workload's name, as the default
            raise ConfigError(f"{node.path}.namespace", err.value,
                              f"(the default: the workload's name) {err.reason}") from None
    domain(lambda: check_workload_spec(service), "workload")
    return WorkloadConfig(repository=repository, node_group=group.name, image=image, service=service,
                          scan_gate=scan_gate)
