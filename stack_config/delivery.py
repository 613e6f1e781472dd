"""The ``delivery`` section: the roles the GitHub Actions workflows assume, and where the jobs
that talk to the cluster run (``delivery.runners``)."""

from __future__ import annotations

from collections.abc import Sequence

from components.delivery.github import GithubActionsRolesSpec, check_roles_spec
from components.delivery.runners import RunnerSpec, check_runner_spec
from components.shared.placement import Placement

from . import schema
from .model import KubernetesConfig
from .values import ConfigError, Value, domain, given, opt, required


def delivery_section(node: Value, placement: Placement, stack: str, *, project: str,
                     regions: Sequence[str] = (), cross_account_role_arns: Sequence[str] = ()) -> GithubActionsRolesSpec:
    fields = node.object(schema.keys_of("delivery"))
    args = GithubActionsRolesSpec(
        placement=placement,
        repository=required(fields, node, "github_repository", " (OWNER/REPO)").string(),
        environment=opt(fields, "environment", Value.string, stack),
        default_branch=opt(fields, "default_branch", Value.string, "main"),
        existing_provider_arn=opt(fields, "oidc_provider_arn", Value.string),
        deploy_policy_arns=opt(fields, "deploy_policy_arns", Value.strings, ()),
        cross_account_role_arns=tuple(cross_account_role_arns),
        name_prefix=f"{project}-{stack}", regions=tuple(regions),
        **given(fields, {"owner_id": Value.positive_int, "repository_id": Value.positive_int}),
    )
    domain(lambda: check_roles_spec(args), "delivery")
    return args


def runners_section(node: Value, roles: GithubActionsRolesSpec, kubernetes: KubernetesConfig | None) -> RunnerSpec:
    """Where this stack's cluster-facing jobs run: CodeBuild runners in the VPC by default when the
    stack has a cluster, GitHub-hosted runners otherwise."""
    fields = node.object(schema.keys_of("delivery.runners")) if node.value is not None else {}
    keys = given(fields, {
        "mode": lambda v: v.enum(schema.choices("delivery.runners.mode")),
        "architecture": lambda v: v.enum(schema.choices("delivery.runners.architecture")),
        "compute_type": lambda v: v.enum(schema.choices("delivery.runners.compute_type")),
        "connection_arn": Value.string, "labels": Value.strings,
        "log_retention_days": Value.positive_int, "build_timeout_minutes": Value.positive_int,
        "pull_requests": Value.boolean,
        "actor_ids": lambda v: tuple(item.positive_int() for item in v.list())})
    mode = keys.setdefault("mode", "codebuild" if kubernetes is not None else "github-hosted")
    where = "delivery.runners"
    project = f"{kubernetes.cluster.name}-gha-runner" if kubernetes is not None else f"{roles.environment}-gha-runner"
    if mode == "codebuild":
        if kubernetes is None:
            raise ConfigError(f"{where}.mode", mode, "needs a cluster (network and cluster): CodeBuild runners "
                                                    "go in its VPC; a stack without one uses github-hosted")
        network = kubernetes.network
        if network.creates_vpc and network.nat == "none":
            raise ConfigError(f"{where}.mode", mode,
                              "needs network.nat (single or per_az): CodeBuild runners in private subnets reach "
                              "GitHub only through NAT (CodeBuild gives them no public address); set network.nat, "
                              "or use mode self-hosted with runners that reach the endpoint")
        group = kubernetes.group(kubernetes.workload.node_group) if kubernetes.workload else kubernetes.node_groups[0]
        architecture = keys.setdefault("architecture", group.architecture)
        if architecture != group.architecture:
            raise fields["architecture"].fail(
                f"does not match node group {group.name} ({group.architecture}): images are built on the "
                f"runner for the nodes, natively only on their architecture; use {group.architecture}")
    elif mode == "github-hosted" and kubernetes is not None:
        raise ConfigError(f"{where}.mode", mode,
                          "cannot reach the cluster's API: GitHub-hosted runners are outside the VPC (prod's "
                          "endpoint is private, dev's open to listed ranges only); use codebuild or self-hosted")
    spec = RunnerSpec(placement=roles.placement, repository=roles.repository, project_name=project, **keys)
    domain(lambda: check_runner_spec(spec), where)
    return spec
