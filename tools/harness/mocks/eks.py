"""Mocks of pulumi-eks's remote components, and the plugin's own input rules.

pulumi-eks's components run in the eks plugin: under mocks only the component registers, so the
harness answers with the outputs a program reads (children as resource references) and repeats
the plugin's own input checks, which would otherwise be skipped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from tools import tokens as t

from .registry import CHILD_REF, Where, answers


class EngineError(Exception):
    """What a provider plugin would refuse during ``pulumi preview``/``up`` (the harness repeats
    the checks the mocks would otherwise skip, e.g. pulumi-eks's own input rules)."""


def _truthy(value: Any) -> bool:
    return value not in (None, False, [], {}, "")


def check_eks_cluster(inputs: Mapping[str, Any]) -> None:
    """pulumi-eks's own checks on a Cluster's inputs (nodejs/eks/cluster.ts), as EngineError."""
    mode = inputs.get("authenticationMode") or "CONFIG_MAP"
    if mode == "API":
        for key in ("instanceRoles", "roleMappings", "userMappings"):
            if _truthy(inputs.get(key)):
                raise EngineError(f"eks:index:Cluster: {key} cannot be used with authenticationMode API; "
                                  "use accessEntries (EKS adds managed node group roles itself)")
    if _truthy(inputs.get("accessEntries")) and mode not in ("API", "API_AND_CONFIG_MAP"):
        raise EngineError("eks:index:Cluster: accessEntries need authenticationMode API or API_AND_CONFIG_MAP")
    if _truthy(inputs.get("publicAccessCidrs")) and inputs.get("endpointPublicAccess") is False:
        raise EngineError("eks:index:Cluster: publicAccessCidrs need endpointPublicAccess")


def check_eks_node_group(inputs: Mapping[str, Any]) -> None:
    """pulumi-eks's own checks on a ManagedNodeGroup's inputs (nodejs/eks/nodes/nodegroup.ts)."""
    if _truthy(inputs.get("nodeRole")) == _truthy(inputs.get("nodeRoleArn")):
        raise EngineError("eks:index:ManagedNodeGroup: provide exactly one of nodeRole or nodeRoleArn")
    if not _truthy(inputs.get("cluster")):
        raise EngineError("eks:index:ManagedNodeGroup: cluster is required")
    scaling = inputs.get("scalingConfig") or {}
    if scaling and not scaling.get("minSize", 0) <= scaling.get("desiredSize", 0) <= scaling.get("maxSize", 0):
        raise EngineError("eks:index:ManagedNodeGroup: scalingConfig needs minSize <= desiredSize <= maxSize")


def _group_uuid(w: Where, name: str) -> str:
    h = hashlib.sha1(f"{w.account}/{w.region}/{name}".encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


@answers(t.NODE_GROUP)
def managed_node_group(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    check_eks_node_group(inputs)
    return "", {"nodeGroup": {CHILD_REF: {"type": t.AWS_NODE_GROUP, "name": f"{name}-nodeGroup",
                                          "state": {"nodeGroupName": f"{name}", "status": "ACTIVE",
                                                    # EKS's one Auto Scaling group per managed node group.
                                                    "resources": [{"autoscalingGroups": [
                                                        {"name": f"eks-{name}-{_group_uuid(w, name)}"}]}]}}}}


@answers(t.CLUSTER)
def cluster(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    check_eks_cluster(inputs)
    cluster_name = inputs.get("name") or name
    region, dns, partition, acct = w.region, w.dns, w.partition, w.account
    endpoint = f"https://{hashlib.sha1(cluster_name.encode()).hexdigest()[:32].upper()}.gr7.{region}.eks.{dns}"
    issuer = f"https://oidc.eks.{region}.{dns}/id/{hashlib.sha1(name.encode()).hexdigest()[:32].upper()}"
    sg = f"sg-{hashlib.sha1(f'{cluster_name}/cluster'.encode()).hexdigest()[:17]}"
    own_sg = f"sg-{hashlib.sha1(f'{name}/eksClusterSecurityGroup'.encode()).hexdigest()[:17]}"
    kubeconfig = {
        "apiVersion": "v1", "kind": "Config", "current-context": "aws",
        "clusters": [{"name": "kubernetes", "cluster": {"server": endpoint, "certificate-authority-data": "LS0t"}}],
        "contexts": [{"name": "aws", "context": {"cluster": "kubernetes", "user": "aws"}}],
        "users": [{"name": "aws", "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", cluster_name, "--output", "json"]}}}],
    }
    return "", {
        "kubeconfig": kubeconfig, "kubeconfigJson": json.dumps(kubeconfig),
        "oidcIssuer": issuer.removeprefix("https://"),
        "oidcProviderArn": f"arn:{partition}:iam::{acct}:oidc-provider/{issuer.removeprefix('https://')}",
        # The component's clusterSecurityGroupId is pulumi-eks's own group (pulumi-eks cluster.ts),
        # or, with skipDefaultSecurityGroups, the one EKS creates — which managed nodes and the API's
        # interfaces carry, the eksCluster child's vpcConfig.clusterSecurityGroupId.
        "oidcProviderUrl": issuer,
        "clusterSecurityGroupId": sg if inputs.get("skipDefaultSecurityGroups") else own_sg,
        "nodeSecurityGroupId": sg if inputs.get("skipDefaultSecurityGroups") else sg.replace("sg-", "sg-0"),
        "eksCluster": {CHILD_REF: {"type": t.AWS_CLUSTER, "name": f"{name}-eksCluster", "state": {
            "name": cluster_name, "arn": f"arn:{partition}:eks:{region}:{acct}:cluster/{cluster_name}",
            "endpoint": endpoint, "version": inputs.get("version"), "status": "ACTIVE",
            "vpcConfig": {"clusterSecurityGroupId": sg, "endpointPrivateAccess": inputs.get("endpointPrivateAccess"),
                          "endpointPublicAccess": inputs.get("endpointPublicAccess"),
                          "publicAccessCidrs": inputs.get("publicAccessCidrs") or [],
                          "subnetIds": inputs.get("privateSubnetIds") or [], "vpcId": inputs.get("vpcId")},
        }}},
    }
