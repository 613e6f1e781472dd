"""``PreviewClusterReader``: what the preview role may read in the cluster beyond EKS's View policy.

The preview role's access entry carries ``AmazonEKSViewPolicy``, which follows Kubernetes' ``view``
role: it reads workloads, services, namespaces and autoscalers, but not RBAC objects and not the
admission policies (``admissionregistration.k8s.io``). The program manages both kinds (the Cluster
Autoscaler's roles and bindings, the image admission policy and its binding), and a refresh reads
every object a stack manages — so the drift check, which refreshes as the preview role, would be
refused on them. This ClusterRole adds ``get``, ``list`` and ``watch`` on exactly those kinds, bound
to a Kubernetes group the preview role's access entry names (EKS: "create Kubernetes RBAC objects
and specify group names for your access entries"). Still no Secrets, and no write.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from .. import token

READ = ("get", "list", "watch")
# What the program manages that Kubernetes' view role does not read (the tests hold every planned
# Kubernetes object against view's rules and these).
BEYOND_VIEW: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("admissionregistration.k8s.io", ("validatingadmissionpolicies", "validatingadmissionpolicybindings")),
    ("rbac.authorization.k8s.io", ("clusterroles", "clusterrolebindings", "roles", "rolebindings")),
)


def reader_group(project: str) -> str:
    """The Kubernetes group the preview role's access entry names (EKS refuses ``system:`` ones)."""
    return f"{project}:preview-readers"


@dataclass(frozen=True)
class PreviewClusterReaderArgs:
    """The cluster's Kubernetes provider and the group to bind."""

    provider: k8s.Provider
    """The cluster's Kubernetes provider (``EksCluster.provider``)."""
    group: str
    """The Kubernetes group the preview role's access entry names (``reader_group``)."""


class PreviewClusterReader(pulumi.ComponentResource):
    """A ClusterRole reading what View does not, bound to the preview role's Kubernetes group."""

    def __init__(self, name: str, args: PreviewClusterReaderArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("PreviewClusterReader"), name, None, opts)
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=args.provider)
        role_name = args.group.replace(":", "-")
        role = k8s.rbac.v1.ClusterRole(
            f"{name}-role", metadata=k8s.meta.v1.ObjectMetaArgs(name=role_name),
            rules=[k8s.rbac.v1.PolicyRuleArgs(api_groups=[group], resources=list(resources), verbs=list(READ))
                   for group, resources in BEYOND_VIEW],
            opts=k8s_opts)
        k8s.rbac.v1.ClusterRoleBinding(
            f"{name}-binding", metadata=k8s.meta.v1.ObjectMetaArgs(name=role_name),
            role_ref=k8s.rbac.v1.RoleRefArgs(api_group="rbac.authorization.k8s.io", kind="ClusterRole",
                                             name=role_name),
            subjects=[k8s.rbac.v1.SubjectArgs(api_group="rbac.authorization.k8s.io", kind="Group", name=args.group)],
            opts=pulumi.ResourceOptions(parent=role, provider=args.provider))
        self.register_outputs({})
