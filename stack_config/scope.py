"""The stack's own resources (``PlatformScope``), from its already-read specs: what the
permissions boundary confines every role of the stack to."""

from __future__ import annotations

from collections.abc import Sequence

from components.delivery.github import GithubActionsRolesSpec, role_name
from components.delivery.runners import RunnerSpec
from components.ecr.replication import ReplicationDestination
from components.ecr.repository import EcrRepositorySpec
from components.shared import catalog
from components.shared.placement import Placement
from components.shared.scope import (
    PlatformScope,
    access_log_bucket_prefix,
    cluster_log_group,
    container_insights_prefix,
    flow_log_group,
    runner_log_group,
)

from .model import KubernetesConfig


def platform_scope(*, project: str, stack: str, placement: Placement, regions: Sequence[str],
                   repositories: Sequence[EcrRepositorySpec], destinations: Sequence[ReplicationDestination],
                   kubernetes: KubernetesConfig | None, delivery: GithubActionsRolesSpec | None,
                   runners: RunnerSpec | None) -> PlatformScope:
    log_groups: list[str] = []
    cluster = bucket_prefix = None
    record_names: list[str] = []
    if kubernetes is not None:
        cluster = kubernetes.cluster.name
        log_groups.append(cluster_log_group(cluster))
        if kubernetes.observability is not None:
            log_groups.append(container_insights_prefix(cluster))
        if kubernetes.network.creates_vpc:
            log_groups.append(flow_log_group(project, stack))
        door = kubernetes.front_door
        if door is not None:
            if door.access_logs:
                bucket_prefix = access_log_bucket_prefix(project, stack)
            if door.hostname is not None and door.zone is not None:
                record_names.append(door.hostname)
    runner_project = None
    if runners is not None and runners.mode == "codebuild":
        runner_project = runners.project_name
        log_groups.append(runner_log_group(runner_project))
    types = catalog.load().values()
    return PlatformScope(
        project=project, stack=stack, partition=placement.partition, regions=tuple(regions),
        repositories=tuple(r.name for r in repositories), cluster=cluster, runner_project=runner_project,
        log_groups=tuple(log_groups), bucket_prefix=bucket_prefix, record_names=tuple(record_names),
        service_linked=tuple(sorted({s for t in types for s in t.service_linked})),
        passed_to=tuple(sorted({s for t in types for s in t.passed_to})),
        assume_roles=tuple(sorted({d.assume_role_arn for d in destinations if d.assume_role_arn})),
        preview_assume_roles=tuple(sorted({d.preview_role_arn for d in destinations if d.preview_role_arn})),
        boundary_name=f"{project}-{stack}-boundary",
        delivery_roles=(role_name(delivery, "preview"), role_name(delivery, "deploy")) if delivery else (),
    )
