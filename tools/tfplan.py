"""The offline plan as a Terraform plan JSON, for the IaC scanners people already run.

Checkov, Trivy and KICS read ``terraform show -json`` output, not Pulumi programs. pulumi-aws is
bridged from the Terraform AWS provider, so its resources map to Terraform types and fields almost
one to one: the type token ``aws:ecr/repository:Repository`` is ``aws_ecr_repository``, camelCase
inputs are snake_case attributes, nested objects are blocks (lists of one object in the JSON),
and the list fields Pulumi pluralises keep Terraform's singular block names
(``encryptionConfigurations`` → ``encryption_configuration``).

Only types in :data:`TF_TYPES` are written; every other resource (components, providers,
remote components) is listed in ``unmapped`` — never silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tools.harness import Plan, PlannedResource

TF_TYPES: dict[str, str] = {
    "aws:ecr/repository:Repository": "aws_ecr_repository",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": "aws_ecr_lifecycle_policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "aws_ecr_repository_policy",
    "aws:ecr/registryPolicy:RegistryPolicy": "aws_ecr_registry_policy",
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": "aws_ecr_registry_scanning_configuration",
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": "aws_ecr_replication_configuration",
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": "aws_ecr_pull_through_cache_rule",
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": "aws_ecr_repository_creation_template",
    "aws:kms/key:Key": "aws_kms_key",
    "aws:iam/role:Role": "aws_iam_role",
    "aws:iam/rolePolicy:RolePolicy": "aws_iam_role_policy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "aws_iam_role_policy_attachment",
    "aws:secretsmanager/secret:Secret": "aws_secretsmanager_secret",
    "aws:secretsmanager/secretVersion:SecretVersion": "aws_secretsmanager_secret_version",
}
# Pulumi's plural names of Terraform's repeated blocks and list attributes.
RENAMES: dict[str, str] = {
    "encryptionConfigurations": "encryption_configuration",
    "imageTagMutabilityExclusionFilters": "image_tag_mutability_exclusion_filter",
    "appliedFors": "applied_for",
    "rules": "rule",
    "repositoryFilters": "repository_filter",
    "destinations": "destination",
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
    if isinstance(value, dict):
        if key in MAPS:
            return dict(value)
        return [_values(value)]  # a nested block: a list of one object
    if isinstance(value, list):
        return [_values(v) if isinstance(v, dict) else v for v in value]
    return value


def _name(res: PlannedResource) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", res.name)


def to_tfplan(plan: Plan) -> tuple[dict, list[dict]]:
    """(Terraform plan JSON, the resources that have no Terraform counterpart)."""
    resources, changes, unmapped = [], [], []
    seen: dict[str, int] = {}
    for res in plan.resources:
        tf_type = TF_TYPES.get(res.type)
        if tf_type is None:
            unmapped.append({"urn": res.urn, "type": res.type,
                             "reason": "component" if not res.custom else "no Terraform counterpart"})
            continue
        name = _name(res)
        address = f"{tf_type}.{name}"
        if address in seen:
            seen[address] += 1
            name = f"{name}_{seen[address]}"
            address = f"{tf_type}.{name}"
        else:
            seen[address] = 0
        values = _values(res.inputs)
        resources.append({"address": address, "mode": "managed", "type": tf_type, "name": name,
                          "provider_name": PROVIDER, "schema_version": 0, "values": values,
                          "sensitive_values": {}})
        changes.append({"address": address, "mode": "managed", "type": tf_type, "name": name,
                        "provider_name": PROVIDER,
                        "change": {"actions": ["create"], "before": None, "after": values,
                                   "after_unknown": {}, "before_sensitive": False, "after_sensitive": {}},
                        "pulumi_urn": res.urn})
    document = {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": changes,
        "configuration": {"provider_config": {"aws": {"name": "aws", "full_name": PROVIDER}},
                          "root_module": {"resources": [
                              {"address": r["address"], "mode": "managed", "type": r["type"], "name": r["name"],
                               "provider_config_key": "aws", "expressions": {}, "schema_version": 0}
                              for r in resources]}},
        "pulumi": {"project": plan.project, "stack": plan.stack, "unmapped": unmapped},
    }
    return document, unmapped
