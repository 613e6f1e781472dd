"""Mocks of pulumi-eks's remote components, the plugin's own input rules, and EKS's version rules.

pulumi-eks's components run in the eks plugin: under mocks only the component registers, so the
harness answers with the outputs a program reads (children as resource references) and repeats
the plugin's own input checks, which would otherwise be skipped.

The children a real run registers beneath them (the ``aws.eks.Cluster``, the ``aws.eks.NodeGroup``)
are described here with the inputs pulumi-eks gives them (``nodejs/eks/cluster/cluster.ts``
createCore, ``nodejs/eks/nodes/nodegroup.ts`` createManagedNodeGroup), then passed through the
component's ``transforms`` as the engine would (the monitor calls them over the SDK's callback
server), and EKS's own rules are judged on the result against the live clusters a test declares
(:class:`LiveCluster`): a version more than one minor up, a control plane upgrade while a managed
node group lags, a node group created or updated to a version other than the cluster's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tools import tokens as t

from .registry import CHILD_REF, Where, answers

Transform = Callable[[str, str, dict], dict]
"""(child type, child name, inputs) → the inputs after the component's transforms."""


class EngineError(Exception):
    """What a provider plugin would refuse during ``pulumi preview``/``up`` (the harness repeats
    the checks the mocks would otherwise skip, e.g. pulumi-eks's own input rules)."""


@dataclass(frozen=True)
class LiveCluster:
    """An EKS cluster that exists before the run (a later ``up``), and its managed node groups."""

    version: str
    """Its Kubernetes version now."""
    node_groups: Mapping[str, str] = field(default_factory=dict)
    """EKS node group name → its Kubernetes version now. The mock names each program's node group
    after its Pulumi name (``nodes-nodes``)."""


@dataclass
class EksWorld:
    """The EKS clusters a run sees: those that exist already (by EKS name) and those the program
    declares (by Pulumi component name, with the version they have after the run)."""

    live: Mapping[str, LiveCluster] = field(default_factory=dict)
    declared: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    """Component name → (EKS name, Kubernetes version after this run)."""


def _truthy(value: Any) -> bool:
    return value not in (None, False, [], {}, "")


def _minor(version: str) -> int:
    return int(str(version).split(".")[1])


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


def check_cluster_update(cluster_name: str, live: LiveCluster, version: str | None) -> None:
    """EKS's UpdateClusterVersion on a live cluster: one minor version up at a time, and only once
    every managed node group runs the cluster's version ("If your cluster has managed node groups
    attached to it, all of your node groups' Kubernetes versions must match the cluster's Kubernetes
    version in order to update the cluster to a new Kubernetes version", EKS API reference). The
    messages are the provider's ("updating EKS Cluster (NAME) version: …")."""
    if version is None or version == live.version:
        return
    prefix = f"updating EKS Cluster ({cluster_name}) version"
    if _minor(version) != _minor(live.version) + 1:
        raise EngineError(f"{prefix}: InvalidParameterException: Unsupported Kubernetes minor version update "
                          f"from {live.version} to {version}")
    behind = sorted(f"{group} ({found})" for group, found in live.node_groups.items() if found != live.version)
    if behind:
        raise EngineError(f"{prefix}: InvalidRequestException: all of your node groups' Kubernetes versions must "
                          f"match the cluster's Kubernetes version ({live.version}) in order to update the cluster "
                          f"to a new Kubernetes version: {', '.join(behind)}")


def _group_uuid(w: Where, name: str) -> str:
    h = hashlib.sha1(f"{w.account}/{w.region}/{name}".encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def recommended_release(kubernetes: str) -> str:
    """A stand-in for the latest recommended AL2023 release of a Kubernetes version (its form:
    KUBERNETES.PATCH-YYYYMMDD; the figures are invented)."""
    return f"{kubernetes}.4-20261205"


def _same(typ: str, name: str, inputs: dict) -> dict:
    return inputs


@answers(t.NODE_GROUP)
def managed_node_group(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    """A ManagedNodeGroup with no live cluster and no transforms."""
    return remote_node_group(name, inputs, w, EksWorld(), None)


def remote_node_group(name: str, inputs: dict, w: Where, world: EksWorld,
                      transform: Transform | None) -> tuple[str, dict]:
    check_eks_node_group(inputs)
    cluster_name, cluster_version = world.declared.get(str(inputs.get("cluster", "")).rsplit("::", 1)[-1],
                                                       (None, None))
    # pulumi-eks (nodegroup.ts createManagedNodeGroup): the cluster's version only when neither a
    # version nor a launch template is given; the other args are spread into the aws.eks.NodeGroup.
    version = inputs.get("version")
    if not version and not inputs.get("launchTemplate"):
        version = cluster_version
    child = {k: v for k, v in inputs.items() if k not in ("cluster", "nodeRole", "ignoreScalingChanges")}
    child.update(clusterName=cluster_name or "", version=version)
    child = (transform or _same)(t.AWS_NODE_GROUP, name, child)
    version, release = child.get("version") or None, child.get("releaseVersion") or None
    live = world.live.get(cluster_name or "")
    before = live.node_groups.get(name) if live is not None else None
    if before is not None:
        # An existing group: the provider keeps an unset version as it is (version is Optional and
        # Computed); a new one calls UpdateNodegroupVersion, which EKS takes for the cluster's only.
        if version is not None and version != before and version != cluster_version:
            raise EngineError(f"updating EKS Node Group ({cluster_name}:{name}) version: InvalidParameterException: "
                              f"Requested Nodegroup version {version} is invalid; the cluster runs {cluster_version}")
        version = version or before
    else:
        # CreateNodegroup: "By default, the Kubernetes version of the cluster is used, and this is the
        # only accepted specified value" (EKS API reference).
        if version is not None and version != cluster_version:
            raise EngineError(f"creating EKS Node Group ({cluster_name}:{name}): InvalidParameterException: Requested "
                              f"Nodegroup version {version} is invalid; the cluster runs {cluster_version}")
        version = version or cluster_version
    if release is not None and str(inputs.get("amiType", "AL2023")).startswith("AL2023") and version is not None \
            and not str(release).startswith(f"{version}."):
        raise EngineError(f"EKS Node Group ({cluster_name}:{name}): InvalidParameterException: Requested release "
                          f"version {release} is not valid for kubernetes version {version}")
    state = {**child, "nodeGroupName": name, "status": "ACTIVE", "version": version,
             "releaseVersion": release or (recommended_release(version) if version else None),
             # EKS's one Auto Scaling group per managed node group.
             "resources": [{"autoscalingGroups": [{"name": f"eks-{name}-{_group_uuid(w, name)}"}]}]}
    # The plugin's own options on the child: with ignoreScalingChanges the desired size is left to
    # whoever scales the group (nodegroup.ts createManagedNodeGroup: ignoreChanges
    # ["scalingConfig.desiredSize"]); without it every up sets it back.
    ignore = ["scalingConfig.desiredSize"] if inputs.get("ignoreScalingChanges") else []
    return "", {"nodeGroup": {CHILD_REF: {"type": t.AWS_NODE_GROUP, "name": f"{name}-nodeGroup", "state": state,
                                          "inputs": child, "ignoreChanges": ignore}}}


def _kubeconfig(cluster_name: str, endpoint: str, region: str, certificate: str, role_arn: str | None) -> dict:
    """pulumi-eks's ``kubeconfigJson``: ``generateKubeconfig`` with ``includeProfile=false``
    (nodejs/eks/cluster/cluster.ts: ``kubeconfigWithoutProfile``): the region and a role, never the
    profile."""
    args = ["--region", region, "eks", "get-token", "--cluster-name", cluster_name, "--output", "json"]
    if role_arn:
        args += ["--role", role_arn]
    return {
        "apiVersion": "v1", "kind": "Config", "current-context": "aws",
        "clusters": [{"name": "kubernetes", "cluster": {"server": endpoint, "certificate-authority-data": certificate}}],
        "contexts": [{"name": "aws", "context": {"cluster": "kubernetes", "user": "aws"}}],
        "users": [{"name": "aws", "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws", "args": args,
            "env": [{"name": "KUBERNETES_EXEC_INFO", "value": '{"apiVersion": "client.authentication.k8s.io/v1beta1"}'}],
        }}}],
    }


@answers(t.CLUSTER)
def cluster(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    """A Cluster with no live clusters and no transforms."""
    return remote_cluster(name, inputs, w, EksWorld(), None)


def remote_cluster(name: str, inputs: dict, w: Where, world: EksWorld,
                   transform: Transform | None) -> tuple[str, dict]:
    check_eks_cluster(inputs)
    cluster_name = inputs.get("name") or name
    region, dns, partition, acct = w.region, w.dns, w.partition, w.account
    endpoint = f"https://{hashlib.sha1(cluster_name.encode()).hexdigest()[:32].upper()}.gr7.{region}.eks.{dns}"
    issuer = f"https://oidc.eks.{region}.{dns}/id/{hashlib.sha1(name.encode()).hexdigest()[:32].upper()}"
    sg = f"sg-{hashlib.sha1(f'{cluster_name}/cluster'.encode()).hexdigest()[:17]}"
    own_sg = f"sg-{hashlib.sha1(f'{name}/eksClusterSecurityGroup'.encode()).hexdigest()[:17]}"
    certificate = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"
    # What pulumi-eks gives its aws.eks.Cluster (cluster.ts createCore), before the transforms.
    key = inputs.get("encryptionConfigKeyArn")
    child: dict[str, Any] = {
        "name": cluster_name, "version": inputs.get("version"),
        "vpcConfig": {"subnetIds": inputs.get("privateSubnetIds") or [],
                      "endpointPrivateAccess": inputs.get("endpointPrivateAccess"),
                      "endpointPublicAccess": inputs.get("endpointPublicAccess"),
                      **({"publicAccessCidrs": inputs["publicAccessCidrs"]} if inputs.get("publicAccessCidrs") else {})},
        "enabledClusterLogTypes": inputs.get("enabledClusterLogTypes") or [],
        **({"encryptionConfig": {"provider": {"keyArn": key}, "resources": ["secrets"]}} if key else {}),
        **({"accessConfig": {"authenticationMode": inputs["authenticationMode"],
                             "bootstrapClusterCreatorAdminPermissions": True}}
           if inputs.get("authenticationMode") else {}),
        **({"upgradePolicy": inputs["upgradePolicy"]} if inputs.get("upgradePolicy") else {}),
        **({"deletionProtection": inputs["deletionProtection"]} if "deletionProtection" in inputs else {}),
        "bootstrapSelfManagedAddons": True,
    }
    child = (transform or _same)(t.AWS_CLUSTER, f"{name}-eksCluster", child)
    live = world.live.get(cluster_name)
    if live is not None:
        check_cluster_update(cluster_name, live, child.get("version"))
    version = child.get("version") or (live.version if live is not None else None)
    world.declared[name] = (cluster_name, version)
    role = (inputs.get("providerCredentialOpts") or {}).get("roleArn")
    kubeconfig = _kubeconfig(cluster_name, endpoint, region, certificate, role)
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
        "eksCluster": {CHILD_REF: {"type": t.AWS_CLUSTER, "name": f"{name}-eksCluster", "inputs": child, "state": {
            **child, "arn": f"arn:{partition}:eks:{region}:{acct}:cluster/{cluster_name}",
            "endpoint": endpoint, "version": version, "status": "ACTIVE",
            "certificateAuthority": {"data": certificate},
            "vpcConfig": {**child["vpcConfig"], "clusterSecurityGroupId": sg,
                          "publicAccessCidrs": inputs.get("publicAccessCidrs") or [], "vpcId": inputs.get("vpcId")},
        }}},
    }


# Reads of what exists (the program's preview check of an upgrade, and the AMI release parameter).
def live_clusters(world: EksWorld, args: Mapping[str, Any], w: Where, token: str) -> dict:
    """ListClusters, DescribeCluster, ListNodegroups and DescribeNodegroup as the provider's data
    sources answer: a cluster or group that does not exist fails the read (and so the run)."""
    if token == t.GET_CLUSTERS:
        return {"id": w.region, "region": w.region, "names": sorted(world.live)}
    name = str(args.get("name") or args.get("clusterName"))
    live = world.live.get(name)
    if live is None:
        raise Exception(f"reading EKS Cluster ({name}): couldn't find resource")
    if token == t.GET_CLUSTER:
        return {"id": name, "name": name, "version": live.version, "status": "ACTIVE", "region": w.region,
                "arn": f"arn:{w.partition}:eks:{w.region}:{w.account}:cluster/{name}"}
    if token == t.GET_NODE_GROUPS:
        return {"id": name, "clusterName": name, "names": sorted(live.node_groups), "region": w.region}
    group = str(args.get("nodeGroupName"))
    if group not in live.node_groups:
        raise Exception(f"reading EKS Node Group ({name}:{group}): couldn't find resource")
    version = live.node_groups[group]
    return {"id": f"{name}:{group}", "clusterName": name, "nodeGroupName": group, "version": version,
            "releaseVersion": recommended_release(version), "status": "ACTIVE", "region": w.region}


# The public parameters of the EKS-optimised AMIs (AWS publishes one per version, type and
# architecture; a name it does not publish fails GetParameter with ParameterNotFound).
_AL2023_PARAMETER = "/aws/service/eks/optimized-ami/{k}/amazon-linux-2023/{arch}/standard/recommended/release_version"
_BOTTLEROCKET_PARAMETER = "/aws/service/bottlerocket/aws-k8s-{k}/{arch}/latest/image_version"


def public_parameter(args: Mapping[str, Any], w: Where, parameters: Mapping[str, str]) -> dict:
    from components.eks.versions import VERSIONS

    name = str(args.get("name"))
    value = parameters.get(name)
    if value is None:
        for k in VERSIONS:
            for arch in ("x86_64", "arm64"):
                if name == _AL2023_PARAMETER.format(k=k, arch=arch):
                    value = recommended_release(k)
                elif name == _BOTTLEROCKET_PARAMETER.format(k=k, arch=arch):
                    value = "1.50.0-0b1c2d3e"
    if value is None:
        raise Exception(f"reading SSM Parameter ({name}): ParameterNotFound")
    arn = f"arn:{w.partition}:ssm:{w.region}::parameter{name}"
    return {"id": name, "name": name, "arn": arn, "type": "String", "value": value, "insecureValue": value,
            "version": 1, "withDecryption": bool(args.get("withDecryption", True)), "region": w.region}
