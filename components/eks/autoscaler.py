"""``ClusterAutoscaler``: the Kubernetes Cluster Autoscaler on the cluster's managed node groups, with
its own AWS identity through EKS Pod Identity.

Why this autoscaler: the front door's target group is attached to each serving node group's Auto
Scaling group (``ServiceFrontDoor``), and an Auto Scaling group registers every instance it launches
with the target groups attached to it. The Cluster Autoscaler scales those same groups (it sets their
desired capacity), so every node it adds is behind the load balancer with no other change. Karpenter
and EKS Auto Mode launch instances outside any Auto Scaling group: their nodes would never be
targets (``../shared/reference/next-capabilities-facts.md`` §3).

What it is: the upstream autodiscovery deployment (kubernetes/autoscaler,
``cluster-autoscaler/cloudprovider/aws/examples/cluster-autoscaler-autodiscover.yaml``) as the
program's own objects — a service account, its RBAC, a Deployment in ``kube-system`` — at an image
pinned by digest, whose minor version is the cluster's (the project's support policy: one
autoscaler minor per Kubernetes minor). It finds the groups by the tags EKS puts on every managed
node group's Auto Scaling group (``k8s.io/cluster-autoscaler/enabled`` and
``k8s.io/cluster-autoscaler/CLUSTER``; EKS user guide, managed node groups), so a new group is
scaled with no change here. The pod meets the ``restricted`` Pod Security Standard.

Its AWS role trusts only EKS Pod Identity (``pods.eks.amazonaws.com``), for this cluster's
``kube-system/cluster-autoscaler`` service account (the session tags Pod Identity sets,
https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html), and may change only the Auto
Scaling groups tagged as this cluster's (the AWS README's policy,
https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/README.md#iam-policy).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from .. import token
from ..shared.errors import InvalidValue
from ..shared.iam import Statement, document, service_trust
from ..shared.placement import Placement
from .cluster import EksCluster, coredns_tolerations
from .node_group import KUBERNETES_EFFECTS, EksNodeGroup

NAMESPACE, SERVICE_ACCOUNT = "kube-system", "cluster-autoscaler"
UPSTREAM = "registry.k8s.io/autoscaling/cluster-autoscaler"
# Kubernetes minor → the Cluster Autoscaler release of that minor and the digest of its
# multi-architecture image index (amd64 and arm64 nodes resolve the same digest). Each digest is the
# one two unrelated public repositories pin for that tag (2026 code search); neither was read from
# registry.k8s.io here (no network). Check one with
# `crane digest registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0` (or `docker buildx
# imagetools inspect`). A version not listed needs `cluster.autoscaler.image`.
IMAGES: dict[str, tuple[str, str]] = {
    "1.35": ("v1.35.0", "sha256:2fc9433dd3b47baef0e68d6b1110b770a3c93db10c7bead4c5bc6cb21c72b875"),
    "1.36": ("v1.36.0", "sha256:dc5d62770338c2902f31b01f95c9fc8c456fd88baa5364ca154d6e47069ec885"),
}
_IMAGE_RE = re.compile(r"^registry\.k8s\.io/autoscaling/cluster-autoscaler:v(?P<major>[0-9]+)\.(?P<minor>[0-9]+)"
                       r"\.[0-9]+@sha256:[0-9a-f]{64}\Z")
# The tags EKS sets on a managed node group's Auto Scaling group, which the autoscaler discovers
# groups by and its role's writes are conditioned on.
ENABLED_TAG = "k8s.io/cluster-autoscaler/enabled"
SCAN_INTERVAL_SECONDS = 10
"""How often the autoscaler looks for unschedulable pods (its default)."""
SCALE_DOWN_UNNEEDED_MINUTES = 10
"""How long a node must be unneeded before it is removed (the autoscaler's default)."""
SCALE_DOWN_DELAY_AFTER_ADD_MINUTES = 10
"""No scale-down for this long after a scale-up (the autoscaler's default)."""


def owner_tag(cluster_name: str) -> str:
    return f"k8s.io/cluster-autoscaler/{cluster_name}"


@dataclass(frozen=True)
class ClusterAutoscalerSpec:
    """What a stack says about node autoscaling."""

    placement: Placement
    """The stack's region (the autoscaler's AWS region), partition and tags."""
    cluster_name: str
    """The EKS cluster whose groups it scales (their ``k8s.io/cluster-autoscaler/NAME`` tag)."""
    kubernetes_version: str
    """The cluster's Kubernetes version: the autoscaler's minor must be the same."""
    image: str | None = None
    """``registry.k8s.io/autoscaling/cluster-autoscaler:vX.Y.Z@sha256:…`` of the cluster's minor;
    None: the release the program pins for that minor (``IMAGES``)."""

    @property
    def upstream_image(self) -> str:
        """The image's upstream reference, tag and digest."""
        if self.image is not None:
            return self.image
        tag, digest = IMAGES[self.kubernetes_version]
        return f"{UPSTREAM}:{tag}@{digest}"


@dataclass(frozen=True)
class ClusterAutoscalerArgs:
    """The spec and the cluster it runs in."""

    spec: ClusterAutoscalerSpec
    """What to run."""
    cluster: EksCluster
    """The cluster (its name output, security group and Pod Identity add-on)."""
    provider: k8s.Provider
    """The cluster's Kubernetes provider."""
    node_groups: Sequence[EksNodeGroup]
    """The groups it scales: their taints are tolerated when every group has one."""
    image: pulumi.Input[str]
    """The reference the pod pulls: ``spec.upstream_image``, or its copy through the registry's
    pull-through cache for registry.k8s.io (the same digest)."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What must exist before its pod starts: the Pod Identity agent."""


def check_autoscaler_spec(spec: ClusterAutoscalerSpec) -> None:
    """Raise ``InvalidValue`` (paths relative to ``cluster.autoscaler``)."""
    if spec.image is None:
        if spec.kubernetes_version not in IMAGES:
            raise InvalidValue("image", None,
                               f"is needed for Kubernetes {spec.kubernetes_version}: the program pins the Cluster "
                               f"Autoscaler for {', '.join(IMAGES)} only; give the release of your cluster's minor, "
                               f"by digest ({UPSTREAM}:v{spec.kubernetes_version}.N@sha256:…)")
        return
    match = _IMAGE_RE.match(str(spec.image))
    if match is None:
        raise InvalidValue("image", spec.image,
                           f"is not {UPSTREAM}:vX.Y.Z@sha256:DIGEST (the upstream image, tag and digest: the pod "
                           "runs exactly that image, through the registry's cache when it has one for registry.k8s.io)")
    if f"{match['major']}.{match['minor']}" != spec.kubernetes_version:
        raise InvalidValue("image", spec.image,
                           f"is the Cluster Autoscaler for Kubernetes {match['major']}.{match['minor']}, and the cluster "
                           f"runs {spec.kubernetes_version}; its minor must be the cluster's (the autoscaler's "
                           "scheduler simulation is the Kubernetes release it was built with)")


def autoscaler_policy(cluster_name: str) -> str:
    """What the autoscaler may do in AWS: read groups, instance types, launch templates and node
    groups anywhere; change the desired capacity of, and terminate instances in, only the groups
    tagged as this cluster's (the AWS README's IAM policy, its tag-restricted form)."""
    return document([
        Statement("ReadGroupsAndTypes", actions=[
            "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
            "autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities",
            "autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes",
            "ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements",
            "eks:DescribeNodegroup"]),
        Statement("ScaleThisClustersGroups", actions=[
            "autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            conditions={"StringEquals": {f"aws:ResourceTag/{ENABLED_TAG}": "true",
                                         f"aws:ResourceTag/{owner_tag(cluster_name)}": "owned"}}),
    ])


def pod_identity_trust(cluster_name: str, namespace: str, service_account: str) -> str:
    """A role EKS Pod Identity may assume for one service account of one cluster only: the
    session tags it sets (``kubernetes-namespace``, ``kubernetes-service-account``,
    ``eks-cluster-name``) must be these (EKS user guide, pod-id-role.html)."""
    return service_trust("pods.eks.amazonaws.com", actions=("sts:AssumeRole", "sts:TagSession"),
                         sid="PodIdentityForOneServiceAccount", conditions={"StringEquals": {
                             "aws:RequestTag/eks-cluster-name": cluster_name,
                             "aws:RequestTag/kubernetes-namespace": namespace,
                             "aws:RequestTag/kubernetes-service-account": service_account}})


def autoscaler_args(cluster_name: str) -> list[str]:
    """The autoscaler's command line."""
    return [
        "./cluster-autoscaler",
        "--cloud-provider=aws",
        f"--namespace={NAMESPACE}",
        f"--node-group-auto-discovery=asg:tag={ENABLED_TAG},{owner_tag(cluster_name)}",
        # Groups of the same instance types and labels grow together (zones stay balanced).
        "--balance-similar-node-groups",
        # The group that leaves the least CPU and memory unused.
        "--expander=least-waste",
        # Nodes running kube-system pods (CoreDNS, metrics-server, this one) can be emptied too;
        # their own PodDisruptionBudgets still hold. With the default (true) every node that ran one
        # would be kept for ever.
        "--skip-nodes-with-system-pods=false",
        f"--scan-interval={SCAN_INTERVAL_SECONDS}s",
        f"--scale-down-unneeded-time={SCALE_DOWN_UNNEEDED_MINUTES}m",
        f"--scale-down-delay-after-add={SCALE_DOWN_DELAY_AFTER_ADD_MINUTES}m",
        "--v=2",
    ]


class ClusterAutoscaler(pulumi.ComponentResource):
    """The Cluster Autoscaler: its role and Pod Identity association, RBAC and Deployment."""

    role: aws.iam.Role
    association: aws.eks.PodIdentityAssociation
    deployment: k8s.apps.v1.Deployment

    def __init__(self, name: str, args: ClusterAutoscalerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("ClusterAutoscaler"), name, None, opts)
        spec, cluster = args.spec, args.cluster
        check_autoscaler_spec(spec)
        tags = dict(spec.placement.tags) or None
        self.role = aws.iam.Role(
            f"{name}-role", description=f"Cluster Autoscaler ({NAMESPACE}/{SERVICE_ACCOUNT}) of {spec.cluster_name}, "
                                        "through EKS Pod Identity",
            assume_role_policy=pod_identity_trust(spec.cluster_name, NAMESPACE, SERVICE_ACCOUNT),
            tags=tags, opts=pulumi.ResourceOptions(parent=self))
        policy = aws.iam.RolePolicy(
            f"{name}-role-policy", role=self.role.id, policy=autoscaler_policy(spec.cluster_name),
            opts=pulumi.ResourceOptions(parent=self.role))
        self.association = aws.eks.PodIdentityAssociation(
            f"{name}-pod-identity", cluster_name=cluster.cluster_name, namespace=NAMESPACE,
            service_account=SERVICE_ACCOUNT, role_arn=self.role.arn, tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]))

        k8s_opts = pulumi.ResourceOptions(parent=self, provider=args.provider)
        labels = {"app.kubernetes.io/name": "cluster-autoscaler", "app.kubernetes.io/managed-by": "pulumi"}
        meta = k8s.meta.v1.ObjectMetaArgs(name=SERVICE_ACCOUNT, namespace=NAMESPACE, labels=labels)
        account = k8s.core.v1.ServiceAccount(f"{name}-service-account", metadata=meta, opts=k8s_opts)
        cluster_role = k8s.rbac.v1.ClusterRole(
            f"{name}-cluster-role", metadata=k8s.meta.v1.ObjectMetaArgs(name=SERVICE_ACCOUNT, labels=labels),
            rules=[k8s.rbac.v1.PolicyRuleArgs(api_groups=groups, resources=resources, verbs=verbs,
                                              resource_names=names or None)
                   for groups, resources, verbs, names in CLUSTER_RULES], opts=k8s_opts)
        binding = k8s.rbac.v1.ClusterRoleBinding(
            f"{name}-cluster-role-binding", metadata=k8s.meta.v1.ObjectMetaArgs(name=SERVICE_ACCOUNT, labels=labels),
            role_ref=k8s.rbac.v1.RoleRefArgs(api_group="rbac.authorization.k8s.io", kind="ClusterRole",
                                             name=SERVICE_ACCOUNT),
            subjects=[k8s.rbac.v1.SubjectArgs(kind="ServiceAccount", name=SERVICE_ACCOUNT, namespace=NAMESPACE)],
            opts=pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(depends_on=[cluster_role, account])))
        role = k8s.rbac.v1.Role(
            f"{name}-role-k8s", metadata=meta,
            rules=[k8s.rbac.v1.PolicyRuleArgs(api_groups=groups, resources=resources, verbs=verbs,
                                              resource_names=names or None)
                   for groups, resources, verbs, names in NAMESPACE_RULES], opts=k8s_opts)
        role_binding = k8s.rbac.v1.RoleBinding(
            f"{name}-role-binding", metadata=meta,
            role_ref=k8s.rbac.v1.RoleRefArgs(api_group="rbac.authorization.k8s.io", kind="Role", name=SERVICE_ACCOUNT),
            subjects=[k8s.rbac.v1.SubjectArgs(kind="ServiceAccount", name=SERVICE_ACCOUNT, namespace=NAMESPACE)],
            opts=pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(depends_on=[role, account])))

        tolerations = coredns_tolerations([[(t.key, t.value, KUBERNETES_EFFECTS[t.effect]) for t in group.spec.taints]
                                           for group in args.node_groups])
        nobody = 65534  # the image is distroless/static:nonroot
        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=meta,
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=1,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"app.kubernetes.io/name": "cluster-autoscaler"}),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=k8s.core.v1.PodSpecArgs(
                        service_account_name=SERVICE_ACCOUNT,
                        priority_class_name="system-cluster-critical",
                        node_selector={"kubernetes.io/os": "linux"},
                        tolerations=[k8s.core.v1.TolerationArgs(key=t["key"], operator=t.get("operator"), value=t.get("value"),
                                                             effect=t.get("effect")) for t in tolerations]
                        if tolerations else None,
                        security_context=k8s.core.v1.PodSecurityContextArgs(
                            run_as_non_root=True, run_as_user=nobody, run_as_group=nobody, fs_group=nobody,
                            seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault")),
                        containers=[k8s.core.v1.ContainerArgs(
                            name="cluster-autoscaler",
                            image=args.image,
                            command=autoscaler_args(spec.cluster_name),
                            env=[k8s.core.v1.EnvVarArgs(name="AWS_REGION", value=spec.placement.region)],
                            resources=k8s.core.v1.ResourceRequirementsArgs(
                                requests={"cpu": "100m", "memory": "600Mi"}, limits={"memory": "600Mi"}),
                            security_context=k8s.core.v1.SecurityContextArgs(
                                allow_privilege_escalation=False, read_only_root_filesystem=True,
                                run_as_non_root=True, capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"])),
                        )],
                    ),
                ),
            ),
            # Pod Identity's webhook gives a pod its role's credentials only if the association and
            # the agent exist when the pod is created.
            opts=pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(
                depends_on=[binding, role_binding, self.association, *args.depends_on])))
        self.register_outputs({"role_arn": self.role.arn})


# (API groups, resources, verbs, resource names) of the upstream autodiscovery example's ClusterRole
# (cluster-autoscaler/cloudprovider/aws/examples/cluster-autoscaler-autodiscover.yaml).
CLUSTER_RULES: tuple[tuple[list[str], list[str], list[str], list[str]], ...] = (
    ([""], ["events", "endpoints"], ["create", "patch"], []),
    ([""], ["pods/eviction"], ["create"], []),
    ([""], ["pods/status"], ["update"], []),
    ([""], ["endpoints"], ["get", "update"], ["cluster-autoscaler"]),
    ([""], ["nodes"], ["watch", "list", "get", "update"], []),
    ([""], ["namespaces", "pods", "services", "replicationcontrollers", "persistentvolumeclaims",
            "persistentvolumes"], ["watch", "list", "get"], []),
    (["extensions"], ["replicasets", "daemonsets"], ["watch", "list", "get"], []),
    (["policy"], ["poddisruptionbudgets"], ["watch", "list"], []),
    (["apps"], ["statefulsets", "replicasets", "daemonsets"], ["watch", "list", "get"], []),
    (["storage.k8s.io"], ["storageclasses", "csinodes", "csidrivers", "csistoragecapacities", "volumeattachments"],
     ["watch", "list", "get"], []),
    (["batch", "extensions"], ["jobs"], ["get", "list", "watch", "patch"], []),
    (["coordination.k8s.io"], ["leases"], ["create"], []),
    (["coordination.k8s.io"], ["leases"], ["get", "update"], ["cluster-autoscaler"]),
)
# Its Role in kube-system: the status and priority-expander config maps.
NAMESPACE_RULES: tuple[tuple[list[str], list[str], list[str], list[str]], ...] = (
    ([""], ["configmaps"], ["create", "list", "watch"], []),
    ([""], ["configmaps"], ["delete", "get", "update", "watch"],
     ["cluster-autoscaler-status", "cluster-autoscaler-priority-expander"]),
)
