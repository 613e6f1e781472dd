"""The typed results of the config reader that other sections and the tools read: the cluster's
side of a stack (:class:`KubernetesConfig`, with the workload's :class:`WorkloadConfig`) and the cost
estimate's assumptions (:class:`CostAssumptions`).

They live apart from the readers so that ``schema`` (which maps keys to these fields) and every
section can import them without importing one another: the readers import this module and
``schema``; neither imports a reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from components.eks.autoscaler import ClusterAutoscalerSpec
from components.eks.cluster import EksClusterSpec
from components.eks.network import EksNetworkSpec
from components.eks.node_group import NodeGroupSpec
from components.eks.observability import ClusterObservabilitySpec
from components.supply_chain.scan_gate import ScanGateSpec
from components.workload.front_door import FrontDoorSpec
from components.workload.image import ImageSpec
from components.workload.service import WorkloadSpec


@dataclass(frozen=True)
class WorkloadConfig:
    """The service: its repository, the image built for its node group, and its objects."""

    repository: str
    """The repository (of ``repositories``) the image is pushed to."""
    node_group: str
    """The node group the service runs on (its taints are tolerated, its architecture built for)."""
    image: ImageSpec
    """The build."""
    service: WorkloadSpec
    """The Kubernetes objects."""
    scan_gate: ScanGateSpec = ScanGateSpec()
    """What ``pulumi up`` waits for, and judges, before the Deployment runs a new image."""


@dataclass(frozen=True)
class KubernetesConfig:
    """The network, the cluster, its node groups and (optionally) the workload on them."""

    network: EksNetworkSpec
    """The VPC the cluster and nodes run in."""
    cluster: EksClusterSpec
    """The control plane."""
    node_groups: tuple[NodeGroupSpec, ...]
    """At least one group; the first keeps the name ``nodes`` (and its URNs) by default."""
    workload: WorkloadConfig | None = None
    """The service built from ``app/`` and run on one of the groups."""
    front_door: FrontDoorSpec | None = None
    """The load balancer in front of the service (``front_door``)."""
    autoscaler: ClusterAutoscalerSpec | None = None
    """The Cluster Autoscaler on the node groups (``cluster.autoscaler``); None: turned off."""
    observability: ClusterObservabilitySpec | None = None
    """Metrics and logs in CloudWatch (``cluster.observability``); None: turned off."""

    @property
    def bootstrap(self) -> bool:
        """A bootstrap run: nothing is applied through the cluster's endpoint."""
        return self.cluster.bootstrap

    @property
    def private_only(self) -> bool:
        """The API endpoint is private: only machines in (or routed into) the VPC reach it."""
        return not self.cluster.public_access_cidrs

    def group(self, name: str) -> NodeGroupSpec:
        return next(g for g in self.node_groups if g.name == name)


@dataclass(frozen=True)
class CostAssumptions:
    image_size_mb: float = 150.0
    pushes_per_day: float = 5.0
    untagged_fraction: float = 0.2
    days_without_lifecycle: float = 365.0
    cached_gb: float = 2.0
    nat_gb_per_month: float = 100.0
    endpoint_gb_per_month: float = 50.0
    control_plane_log_gb_per_month: float = 5.0
    flow_log_gb_per_month: float = 5.0
    spot_discount: float = 0.6
    rescans_per_image_month: float = 4.0
    key_age_days: float = 730.0
    lb_lcus: float = 1.0
    requests_millions_per_month: float = 10.0
    access_log_gb_per_month: float = 5.0
    workload_pushes_per_day: float = 2.0
    runner_minutes_per_month: float = 1500.0
    container_insights_observations_per_node_month: float = 20_000_000.0
    container_log_gb_per_month: float = 5.0
    tag_mix: Mapping[str, float] = field(default_factory=lambda: {"v1.2.3": 1.0})

    def to_json(self) -> dict:
        return {f.name: (dict(getattr(self, f.name)) if f.name == "tag_mix" else getattr(self, f.name))
                for f in fields(self)}
