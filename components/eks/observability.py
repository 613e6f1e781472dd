"""``ClusterObservability``: the cluster's metrics and logs in CloudWatch, through the
``amazon-cloudwatch-observability`` EKS add-on, with its own AWS identity through EKS Pod Identity.

The add-on (AWS's; its chart is aws-observability/helm-charts ``charts/amazon-cloudwatch-observability``)
runs the CloudWatch agent and Fluent Bit on every Linux node: Container Insights with enhanced
observability (node, pod and container metrics, sent as performance log events) and the containers'
stdout and stderr, the service's structured logs among them. Its defaults also turn Application
Signals on in the agent, which then receives a service's OpenTelemetry traces and metrics
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/install-CloudWatch-Observability-EKS-addon.html).

Its log groups are the program's, created before the add-on with a retention and the cluster's key
(Fluent Bit and the agent would otherwise create them with no expiry): ``/aws/containerinsights/
CLUSTER/{application,dataplane,host,performance}`` (the chart's ``log_group_name`` values; on AL2023
nodes the dataplane and host groups stay empty by default, the add-on's documentation says). They
are the stack's own for the permissions boundary (``shared/scope.py``).

The agent's role trusts only EKS Pod Identity for the add-on's ``amazon-cloudwatch/cloudwatch-agent``
service account (Fluent Bit runs as the same one: the chart's ``fluent-bit-daemonset.yaml``), with
the AWS managed policies the EKS user guide names for the add-on: ``CloudWatchAgentServerPolicy``
and ``AWSXrayWriteOnlyAccess`` (https://docs.aws.amazon.com/eks/latest/userguide/amazon-cloudwatch-observability.html;
Pod Identity from add-on v3.1.0, Container-Insights-setup-EKS-addon.html). The stack's boundary
keeps it to the stack's log groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .. import token
from ..shared.errors import InvalidValue
from ..shared.placement import Placement
from ..shared.scope import container_insights_log_groups
from .autoscaler import pod_identity_trust
from .cluster import EksCluster
from .network import LOG_RETENTION_DAYS

ADDON = "amazon-cloudwatch-observability"
NAMESPACE, SERVICE_ACCOUNT = "amazon-cloudwatch", "cloudwatch-agent"
POLICIES = ("CloudWatchAgentServerPolicy", "AWSXrayWriteOnlyAccess")


@dataclass(frozen=True)
class ClusterObservabilitySpec:
    """What a stack says about the cluster's metrics and logs in CloudWatch."""

    placement: Placement
    """The stack's partition and tags."""
    cluster_name: str
    """The EKS cluster (its log groups are named after it)."""
    log_retention_days: int = 30
    """How long CloudWatch keeps the containers' logs and the performance events."""


@dataclass(frozen=True)
class ClusterObservabilityArgs:
    """The spec and the cluster."""

    spec: ClusterObservabilitySpec
    """What to keep, and for how long."""
    cluster: EksCluster
    """The cluster: its name output, key (the log groups' encryption) and add-on versions."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What must exist before the add-on: the node groups (its pods need nodes to become ACTIVE)
    and the Pod Identity agent (the agent's pods get their credentials from it)."""


def check_observability_spec(spec: ClusterObservabilitySpec) -> None:
    """Raise ``InvalidValue`` (paths relative to ``cluster.observability``)."""
    if spec.log_retention_days not in LOG_RETENTION_DAYS:
        raise InvalidValue("log_retention_days", spec.log_retention_days,
                           f"is not a CloudWatch Logs retention ({', '.join(map(str, LOG_RETENTION_DAYS))})")


class ClusterObservability(pulumi.ComponentResource):
    """The add-on, its log groups, role and Pod Identity association."""

    role: aws.iam.Role
    association: aws.eks.PodIdentityAssociation
    addon: aws.eks.Addon
    log_groups: dict[str, aws.cloudwatch.LogGroup]

    def __init__(self, name: str, args: ClusterObservabilityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("ClusterObservability"), name, None, opts)
        spec, cluster = args.spec, args.cluster
        check_observability_spec(spec)
        tags = dict(spec.placement.tags) or None
        self.log_groups = {
            group.rsplit("/", 1)[1]: aws.cloudwatch.LogGroup(
                f"{name}-{group.rsplit('/', 1)[1]}-logs", name=group, retention_in_days=spec.log_retention_days,
                kms_key_id=cluster.key_arn, tags=tags, opts=pulumi.ResourceOptions(parent=self))
            for group in container_insights_log_groups(spec.cluster_name)}
        self.role = aws.iam.Role(
            f"{name}-role", description=f"CloudWatch agent and Fluent Bit ({NAMESPACE}/{SERVICE_ACCOUNT}) of "
                                        f"{spec.cluster_name}, through EKS Pod Identity",
            assume_role_policy=pod_identity_trust(spec.cluster_name, NAMESPACE, SERVICE_ACCOUNT),
            tags=tags, opts=pulumi.ResourceOptions(parent=self))
        attached = [aws.iam.RolePolicyAttachment(
            f"{name}-{policy}", role=self.role.name,
            policy_arn=f"arn:{spec.placement.partition}:iam::aws:policy/{policy}",
            opts=pulumi.ResourceOptions(parent=self.role)) for policy in POLICIES]
        self.association = aws.eks.PodIdentityAssociation(
            f"{name}-pod-identity", cluster_name=cluster.cluster_name, namespace=NAMESPACE,
            service_account=SERVICE_ACCOUNT, role_arn=self.role.arn, tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=attached))
        # The add-on's defaults: Container Insights with enhanced observability, Fluent Bit's
        # container logs and Application Signals in the agent. Its pods start with the role's
        # credentials (the association exists first) and write to the groups above.
        self.addon = aws.eks.Addon(
            f"{name}-addon", cluster_name=cluster.cluster_name, addon_name=ADDON,
            addon_version=cluster.addon_version(ADDON), resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE", tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[
                self.association, *self.log_groups.values(), *args.depends_on]))
        self.register_outputs({"role_arn": self.role.arn})
