"""The offline plan as a Terraform plan JSON, for the IaC scanners people already run.

Checkov, Trivy and KICS read ``terraform show -json`` output, not Pulumi programs. pulumi-aws is
bridged from the Terraform AWS provider, so its resources map to Terraform types and fields almost
one to one: the type token ``aws:ecr/repository:Repository`` is ``aws_ecr_repository``, camelCase
inputs are snake_case attributes, nested objects are blocks (lists of one object in the JSON),
and the list fields Pulumi pluralises keep Terraform's singular block names
(``encryptionConfigurations`` → ``encryption_configuration``).

Only types in :data:`TF_TYPES` are written; every other resource (components, providers,
remote components, Kubernetes objects, the scan gate's dynamic resource) is listed in ``unmapped``
with its reason — never silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from components.shared import catalog
from tools import tokens as t
from tools.harness import Plan, PlannedResource

# Every AWS resource type the program creates, and its Terraform type: the catalog's.
TF_TYPES: dict[str, str] = {token: t.tf for token, t in catalog.load().items() if t.kind == "resource" and t.tf}
# pulumi-eks's components are remote: their children (the aws.eks.Cluster and aws.eks.NodeGroup
# that scanners check) are created by the eks plugin and never planned offline. The export projects
# each component's inputs onto the Terraform resource pulumi-eks creates from them, so the EKS
# checks still run; the plan marks these as projections.
PROJECTED = {t.CLUSTER: "aws_eks_cluster", t.NODE_GROUP: "aws_eks_node_group"}
# Pulumi's plural names of Terraform's repeated blocks and list attributes.
RENAMES: dict[str, str] = {
    "encryptionConfigurations": "encryption_configuration",
    "imageTagMutabilityExclusionFilters": "image_tag_mutability_exclusion_filter",
    "appliedFors": "applied_for",
    "rules": "rule",
    "repositoryFilters": "repository_filter",
    "destinations": "destination",
    "filterGroups": "filter_group",
    "filters": "filter",
    "defaultActions": "default_action",
    "aliases": "alias",
}
# Object-valued inputs that are Terraform maps, not blocks.
MAPS = frozenset({"tags", "tagsAll", "resourceTags"})
PROVIDER = "registry.terraform.io/hashicorp/aws"
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake(name: str) -> str:
    return RENAMES.get(name) or _CAMEL.sub("_", name).lower()


def _values(inputs: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in inputs.items():
        if key.startswith("__"):
            continue
        out[snake(key)] = _value(key, value)
    return out


def _value(key: str, value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the engine carries numbers as doubles; Terraform writes a port as 80, not 80.0
    if isinstance(value, dict):
        if key in MAPS:
            return dict(value)
        return [_values(value)]  # a nested block: a list of one object
    if isinstance(value, list):
        return [_values(v) if isinstance(v, dict) else _value(key, v) for v in value]
    return value


def _project_cluster(inputs: dict, child: dict) -> dict:
    values: dict[str, Any] = {
        "name": inputs.get("name"), "version": inputs.get("version"),
        "enabled_cluster_log_types": inputs.get("enabledClusterLogTypes") or [],
        "vpc_config": [{
            "endpoint_private_access": inputs.get("endpointPrivateAccess", False),
            # pulumi-eks's (and EKS's) default is a public endpoint open to 0.0.0.0/0.
            "endpoint_public_access": inputs.get("endpointPublicAccess", True),
            "public_access_cidrs": inputs.get("publicAccessCidrs") or ["0.0.0.0/0"],
            "subnet_ids": inputs.get("privateSubnetIds") or inputs.get("subnetIds") or [],
        }],
        "access_config": [{"authentication_mode": inputs.get("authenticationMode", "CONFIG_MAP")}],
        "tags": inputs.get("tags") or {},
    }
    if inputs.get("encryptionConfigKeyArn"):
        values["encryption_config"] = [{"provider": [{"key_arn": inputs["encryptionConfigKeyArn"]}],
                                        "resources": ["secrets"]}]
    if inputs.get("upgradePolicy"):
        values["upgrade_policy"] = [{"support_type": inputs["upgradePolicy"].get("supportType")}]
    # What the component's transforms set on its aws.eks.Cluster (the harness's record of the child).
    if "deletionProtection" in child:
        values["deletion_protection"] = child["deletionProtection"]
    if child.get("zonalShiftConfig"):
        values["zonal_shift_config"] = [{"enabled": child["zonalShiftConfig"].get("enabled")}]
    return values


def _project_node_group(inputs: dict, child: dict) -> dict:
    scaling = inputs.get("scalingConfig") or {}
    extra: dict[str, Any] = {key: child[name] for key, name in (("version", "version"),
                                                                 ("release_version", "releaseVersion"))
                             if child.get(name)}
    if child.get("nodeRepairConfig"):
        extra["node_repair_config"] = [{"enabled": child["nodeRepairConfig"].get("enabled")}]
    if child.get("updateConfig"):
        extra["update_config"] = [{"max_unavailable": _value("max_unavailable",
                                                             child["updateConfig"].get("maxUnavailable"))}]
    return extra | {
        "ami_type": inputs.get("amiType"), "capacity_type": inputs.get("capacityType", "ON_DEMAND"),
        "instance_types": inputs.get("instanceTypes") or [], "subnet_ids": inputs.get("subnetIds") or [],
        "scaling_config": [{"min_size": scaling.get("minSize"), "desired_size": scaling.get("desiredSize"),
                            "max_size": scaling.get("maxSize")}],
        "labels": inputs.get("labels") or {}, "tags": inputs.get("tags") or {},
        "launch_template": [{"id": lt.get("id"), "version": lt.get("version")}] if (lt := inputs.get("launchTemplate"))
        else [],
        # No remote_access block: pulumi-eks opens no SSH to managed nodes unless asked.
    }


_PROJECTORS = {t.CLUSTER: _project_cluster, t.NODE_GROUP: _project_node_group}


def _rule(kind: str, description: str, protocol: str, ports: tuple[int, int], group: str, *,
          cidrs: list[str] | None = None, source: str | None = None, self_: bool = False) -> tuple[str, dict, dict]:
    values: dict[str, Any] = {"type": kind, "description": description, "protocol": protocol,
                              "from_port": ports[0], "to_port": ports[1], "self": self_}
    refs = {"security_group_id": group}
    if cidrs is not None:
        values["cidr_blocks"] = cidrs
    if source is not None:
        refs["source_security_group_id"] = source
    return "aws_security_group_rule", values, refs


def _cluster_children(name: str, inputs: dict) -> list[tuple[str, str, dict, dict]]:
    """The security groups and rules pulumi-eks's Cluster creates in its plugin unless
    ``skipDefaultSecurityGroups`` (pulumi/pulumi-eks nodejs/eks/cluster/cluster.ts createCore, and
    nodes/securitygroup.ts createNodeGroupSecurityGroup): (type, name, values, references by name)."""
    if inputs.get("skipDefaultSecurityGroups") or inputs.get("clusterSecurityGroup"):
        return []
    tags = inputs.get("tags") or {}
    cluster_sg, node_sg = f"{name}-eksClusterSecurityGroup", f"{name}-nodeSecurityGroup"
    # pulumi-aws's default description, as the provider fills it in.
    group = {"vpc_id": inputs.get("vpcId"), "revoke_rules_on_delete": True, "description": "Managed by Pulumi"}
    rules = {
        f"{name}-eksClusterInternetEgressRule": _rule("egress", "Allow internet access.", "-1", (0, 0), cluster_sg,
                                                      cidrs=["0.0.0.0/0"]),
        f"{name}-eksNodeIngressRule": _rule("ingress", "Allow nodes to communicate with each other", "-1", (0, 0),
                                            node_sg, self_=True),
        f"{name}-eksNodeClusterIngressRule": _rule(
            "ingress", "Allow worker Kubelets and pods to receive communication from the cluster control plane",
            "tcp", (1025, 65535), node_sg, source=cluster_sg),
        f"{name}-eksExtApiServerClusterIngressRule": _rule(
            "ingress", "Allow pods running extension API servers on port 443 to receive communication from cluster "
            "control plane", "tcp", (443, 443), node_sg, source=cluster_sg),
        f"{name}-eksNodeInternetEgressRule": _rule("egress", "Allow internet access.", "-1", (0, 0), node_sg,
                                                   cidrs=["0.0.0.0/0"]),
        f"{name}-eksClusterIngressRule": _rule("ingress", "Allow pods to communicate with the cluster API Server",
                                               "tcp", (443, 443), cluster_sg, source=node_sg),
    }
    return [("aws_security_group", cluster_sg, {**group, "tags": {"Name": cluster_sg, **tags}}, {}),
            ("aws_security_group", node_sg, {**group, "tags": {"Name": node_sg, **tags}}, {}),
            *((typ, rule_name, values, refs) for rule_name, (typ, values, refs) in rules.items())]


def _name(res: PlannedResource) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", res.name)


def _unmapped_reason(res: PlannedResource) -> str:
    if not res.custom:
        return "component"
    if res.type.startswith(t.DYNAMIC_PREFIX):
        # The scan gate: its provider runs in the program's dynamic provider during `pulumi up`
        # and holds no cloud resource, so there is nothing for a scanner to check.
        return "dynamic resource: a step of `pulumi up`, no cloud resource"
    return "no Terraform counterpart"


def to_tfplan(plan: Plan) -> tuple[dict, list[dict]]:
    """(Terraform plan JSON, the resources that have no Terraform counterpart)."""
    resources: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    unmapped: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    projected: list[dict[str, str]] = []
    child_expressions: dict[str, dict[str, Any]] = {}  # pulumi-eks's own children, projected
    addresses: dict[str, str] = {}  # URN -> Terraform address, for references between resources
    for res in plan.resources:
        tf_type = TF_TYPES.get(res.type) or PROJECTED.get(res.type)
        if tf_type is not None:
            addresses[res.urn] = f"{tf_type}.{_name(res)}"
    for res in plan.resources:
        tf_type = TF_TYPES.get(res.type) or PROJECTED.get(res.type)
        if tf_type is None:
            unmapped.append({"urn": res.urn, "type": res.type, "reason": _unmapped_reason(res)})
            continue
        name = _name(res)
        address = f"{tf_type}.{name}"
        if address in seen:
            seen[address] += 1
            name = f"{name}_{seen[address]}"
            address = f"{tf_type}.{name}"
        else:
            seen[address] = 0
        if res.type in PROJECTED:
            child = res.children.get(t.AWS_CLUSTER if res.type == t.CLUSTER else t.AWS_NODE_GROUP, {})
            values = _PROJECTORS[res.type](res.inputs, child)
            projected.append({"urn": res.urn, "address": address})
            if res.type == t.CLUSTER:
                for child_type, child_name, child_values, child_refs in _cluster_children(res.name, res.inputs):
                    child_name = re.sub(r"[^A-Za-z0-9_-]", "_", child_name)
                    child_address = f"{child_type}.{child_name}"
                    resources.append({"address": child_address, "mode": "managed", "type": child_type,
                                      "name": child_name, "provider_name": PROVIDER, "schema_version": 0,
                                      "values": child_values, "sensitive_values": {}})
                    changes.append({"address": child_address, "mode": "managed", "type": child_type,
                                    "name": child_name, "provider_name": PROVIDER,
                                    "change": {"actions": ["create"], "before": None, "after": child_values,
                                               "after_unknown": {}, "before_sensitive": False,
                                               "after_sensitive": {}},
                                    "pulumi_urn": res.urn})
                    child_expressions[child_address] = {
                        key: {"references": [f"aws_security_group.{target}.id", f"aws_security_group.{target}"]}
                        for key, target in child_refs.items()}
                    projected.append({"urn": res.urn, "address": child_address})
        else:
            values = _values(res.inputs)
        resources.append({"address": address, "mode": "managed", "type": tf_type, "name": name,
                          "provider_name": PROVIDER, "schema_version": 0, "values": values,
                          "sensitive_values": {}})
        changes.append({"address": address, "mode": "managed", "type": tf_type, "name": name,
                        "provider_name": PROVIDER,
                        "change": {"actions": ["create"], "before": None, "after": values,
                                   "after_unknown": {}, "before_sensitive": False, "after_sensitive": {}},
                        "pulumi_urn": res.urn})
    expressions: dict[str, dict[str, Any]] = {}
    for res in plan.resources:
        if res.urn not in addresses:
            continue
        refs: dict[str, Any] = {}
        for key, urns in res.property_dependencies.items():
            targets = [addresses[u] for u in urns if u in addresses]
            if targets:
                # As `terraform show -json` writes a reference: the attribute, then the resource.
                attribute = "arn" if key.endswith(("Arn", "Arns")) else "id"
                refs[snake(key)] = {"references": [r for t in targets for r in (f"{t}.{attribute}", t)]}
        expressions[addresses[res.urn]] = refs
    expressions.update(child_expressions)
    document: dict[str, Any] = {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": changes,
        "configuration": {"provider_config": {"aws": {"name": "aws", "full_name": PROVIDER}},
                          "root_module": {"resources": [
                              {"address": r["address"], "mode": "managed", "type": r["type"], "name": r["name"],
                               "provider_config_key": "aws", "expressions": expressions.get(r["address"], {}),
                               "schema_version": 0}
                              for r in resources]}},
        "pulumi": {"project": plan.project, "stack": plan.stack, "unmapped": unmapped,
                   "projected_from_remote_components": projected},
    }
    return document, unmapped
