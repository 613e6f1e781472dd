"""``PlatformScope``: the stack's own AWS resources, by name, path and tag — what the permissions
boundary lets a role of this stack change, and nothing else.

The program names what it creates after the stack, so the scope can be written before anything
exists: IAM roles under the path ``/PROJECT/STACK/``; log groups, the runner project and the
access-log bucket by their names (the functions below are the one place those names are made);
the repositories, cluster and DNS names from the stack's config; KMS keys and CodeConnections
connections, whose ARNs hold random IDs, by the ``PulumiProject``/``PulumiStack`` tags every
resource of the stack carries.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .regions import dns_suffix

# The tags every resource of a stack carries (stack_config refuses user tags with these keys).
PROJECT_TAG, STACK_TAG = "PulumiProject", "PulumiStack"
BUCKET_PREFIX_MAX = 37  # aws_s3_bucket: bucket_prefix is at most 37 characters


def role_path(project: str, stack: str) -> str:
    """The IAM path of every role the stack creates in its account (delivery roles excepted)."""
    return f"/{project}/{stack}/"


def cluster_log_group(cluster: str) -> str:
    """EKS writes a cluster's control-plane logs here (the name is EKS's, not ours)."""
    return f"/aws/eks/{cluster}/cluster"


def container_insights_prefix(cluster: str) -> str:
    """Where the CloudWatch observability add-on's log groups of a cluster are (the name is the add-on's)."""
    return f"/aws/containerinsights/{cluster}/"


def container_insights_log_groups(cluster: str) -> tuple[str, ...]:
    """The log groups the CloudWatch observability add-on writes a cluster's container logs and
    performance events to (its chart's ``log_group_name`` values)."""
    return tuple(f"{container_insights_prefix(cluster)}{kind}" for kind in ("application", "dataplane", "host",
                                                                             "performance"))


def flow_log_group(project: str, stack: str) -> str:
    return f"/{project}/{stack}/vpc-flow-logs"


def runner_log_group(project_name: str) -> str:
    """CodeBuild's default log group name for a project (the program creates it first)."""
    return f"/aws/codebuild/{project_name}"


def access_log_bucket_prefix(project: str, stack: str) -> str:
    """The prefix of the front door's access-log bucket (S3 adds a unique suffix)."""
    prefix = re.sub(r"[^a-z0-9-]", "-", f"{project}-{stack}".lower())[:BUCKET_PREFIX_MAX - len("-lb-logs-")]
    return f"{prefix.strip('-')}-lb-logs-"


@dataclass(frozen=True)
class PlatformScope:
    """The stack's own resources, for the policies that confine its roles to them."""

    project: str
    stack: str
    partition: str
    regions: Sequence[str]
    """The regions the stack manages resources in (its own first)."""
    repositories: Sequence[str] = ()
    cluster: str | None = None
    runner_project: str | None = None
    log_groups: Sequence[str] = ()
    """Log group names, or prefixes ending in ``/`` (every group below it: the add-on's)."""
    bucket_prefix: str | None = None
    """The access-log bucket's name prefix, when the stack has a front door with logs."""
    record_names: Sequence[str] = ()
    """DNS names the stack writes in Route 53 (the front door's hostname; its certificate's
    validation records sit below it as ``_….hostname``)."""
    service_linked: Sequence[str] = ()
    """Services whose service-linked roles the stack's operations may create."""
    passed_to: Sequence[str] = ()
    """Services the stack's roles are passed to."""
    assume_roles: Sequence[str] = ()
    """Roles in other accounts the deploy role assumes (replication destinations' admin roles)."""
    preview_assume_roles: Sequence[str] = ()
    """Read-only roles in those accounts, for the preview role."""
    boundary_name: str = ""
    delivery_roles: Sequence[str] = ()
    """The CI roles' names: their trust is the deploy gate, administrators' to change."""
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return role_path(self.project, self.stack)

    @property
    def tags(self) -> dict[str, str]:
        return {PROJECT_TAG: self.project, STACK_TAG: self.stack}

    def boundary_arn(self, account: str) -> str:
        return f"arn:{self.partition}:iam::{account}:policy/{self.boundary_name}"

    def role_arns(self, account: str) -> list[str]:
        return [f"arn:{self.partition}:iam::{account}:role{self.path}*"]

    def oidc_provider_arns(self, account: str) -> list[str]:
        """The cluster's issuer form only: ``oidc.eks.REGION.amazonaws.com/id/*``."""
        return [f"arn:{self.partition}:iam::{account}:oidc-provider/oidc.eks.{r}.{dns_suffix(r)}/id/*"
                for r in self.regions]

    def repository_arns(self, account: str) -> list[str]:
        return [f"arn:{self.partition}:ecr:{r}:{account}:repository/{name}"
                for r in self.regions for name in self.repositories]

    def cluster_arns(self, account: str) -> list[str]:
        """The cluster and what EKS keeps under it (node groups, add-ons, access entries, pod
        identity associations: ``TYPE/CLUSTER/...``)."""
        if self.cluster is None:
            return []
        region, c = self.regions[0], self.cluster
        base = f"arn:{self.partition}:eks:{region}:{account}"
        return [f"{base}:cluster/{c}", f"{base}:nodegroup/{c}/*", f"{base}:addon/{c}/*",
                f"{base}:access-entry/{c}/*", f"{base}:podidentityassociation/{c}/*"]

    def log_group_arns(self, account: str, compact: bool = False) -> list[str]:
        """The stack's log groups, as IAM names them (``log-group:NAME`` and, for their streams and
        some actions, ``log-group:NAME:*``); ``compact``: one ``NAME*`` pattern each."""
        region = self.regions[0]
        base = f"arn:{self.partition}:logs:{region}:{account}:log-group"
        if compact:
            return [f"{base}:{name}*" for name in self.log_groups]
        return [arn for name in self.log_groups
                for arn in ((f"{base}:{name}*",) if name.endswith("/") else (f"{base}:{name}", f"{base}:{name}:*"))]

    def project_arns(self, account: str) -> list[str]:
        if self.runner_project is None:
            return []
        return [f"arn:{self.partition}:codebuild:{self.regions[0]}:{account}:project/{self.runner_project}"]

    def bucket_arns(self) -> list[str]:
        return [] if self.bucket_prefix is None else [f"arn:{self.partition}:s3:::{self.bucket_prefix}*"]

    def record_patterns(self) -> list[str]:
        """Route 53's normalised record names (lower case, no trailing dot) the stack may change."""
        return sorted({p for name in self.record_names for p in (name.lower().rstrip("."),
                                                                   f"_*.{name.lower().rstrip('.')}")})
