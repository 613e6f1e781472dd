"""The ``front_door`` section: the load balancer in front of the service's NodePort."""

from __future__ import annotations

from components.shared.placement import Placement
from components.workload.front_door import FrontDoorSpec, check_front_door_spec, check_front_door_timing

from . import schema
from .model import KubernetesConfig
from .values import ConfigError, Value, domain, given, required


def front_door_section(node: Value, placement: Placement, kubernetes: KubernetesConfig | None,
                       protect: bool) -> FrontDoorSpec:
    if kubernetes is None or kubernetes.workload is None:
        raise ConfigError("front_door", node.value, "needs workload (and its cluster): the load balancer sends to "
                                                    "the service's NodePort")
    fields = node.object(schema.keys_of("front_door"))
    scheme = required(fields, node, "scheme", f" ({' or '.join(schema.choices('front_door.scheme'))})").enum(
        schema.choices("front_door.scheme"))
    certificate = required(
        fields, node, "certificate",
        " (create, an ACM certificate ARN, or none for HTTP only: a stack says which)").string()
    spec = FrontDoorSpec(placement=placement, scheme=scheme, certificate=certificate, protect=protect,  # type: ignore[arg-type]
                         # Prod's protections follow the stack's protect unless the stack says otherwise.
                         **{"deletion_protection": protect, "access_logs": protect, "waf": protect, **given(fields, {
                             "client_cidrs": Value.strings, "public": Value.boolean, "hostname": Value.string,
                             "zone": Value.string, "private_zone": Value.boolean,
                             "tls_policy": lambda v: v.enum(schema.choices("front_door.tls_policy")),
                             "deletion_protection": Value.boolean, "access_logs": Value.boolean,
                             "access_log_retention_days": Value.positive_int, "waf": Value.boolean,
                             "deregistration_delay": Value.non_negative_int, "idle_timeout": Value.positive_int})})
    domain(lambda: check_front_door_spec(spec), "front_door")
    workload = kubernetes.workload
    domain(lambda: check_front_door_timing(spec, workload.service, workload.image.dockerfile_path), "front_door")
    network = kubernetes.network
    if scheme == "internet-facing":
        if network.creates_vpc and network.nat == "none":
            raise ConfigError("front_door.scheme", scheme,
                              "needs public subnets, which this VPC has only with network.nat (single or per_az: "
                              "an internet gateway and a public subnet per zone); set it, or use scheme internal")
        if not network.creates_vpc and not network.public_subnet_ids:
            raise ConfigError("front_door.scheme", scheme,
                              "needs the existing VPC's public subnets: list them in network.public_subnet_ids")
    return spec
