"""The planned ECR payloads, replayed into moto's ECR (botocore validates each request against
the ECR API model; moto validates lifecycle policy documents as ECR does)."""

from __future__ import annotations

import json

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from components.ecr.lifecycle import LifecycleRule, check_rules, render_policy, shorthand_rules
from tools.harness import stack_names


def create_repository_params(inputs: dict) -> dict:
    """The CreateRepository request the AWS provider makes from the planned inputs."""
    params = {
        "repositoryName": inputs["name"],
        "imageTagMutability": inputs["imageTagMutability"],
        "imageScanningConfiguration": inputs["imageScanningConfiguration"],
        "encryptionConfiguration": inputs["encryptionConfigurations"][0],
        "tags": [{"Key": k, "Value": v} for k, v in sorted(inputs.get("tags", {}).items())],
    }
    if inputs.get("imageTagMutabilityExclusionFilters"):
        params["imageTagMutabilityExclusionFilters"] = inputs["imageTagMutabilityExclusionFilters"]
    return params


@pytest.fixture
def ecr():
    with mock_aws():
        yield boto3.client("ecr", region_name="eu-central-1")


@pytest.mark.parametrize("stack", stack_names())
def test_every_planned_ecr_request_is_accepted(plans, ecr, stack):
    plan = plans(stack)
    repos = plan.by_type("aws:ecr/repository:Repository")
    assert repos
    for repo in repos:
        made = ecr.create_repository(**create_repository_params(repo.inputs))["repository"]
        assert made["imageTagMutability"] == "IMMUTABLE"
        assert made["imageScanningConfiguration"] == {"scanOnPush": True}
    for lifecycle in plan.by_type("aws:ecr/lifecyclePolicy:LifecyclePolicy"):
        ecr.put_lifecycle_policy(repositoryName=lifecycle.inputs["repository"],
                                 lifecyclePolicyText=lifecycle.inputs["policy"])
        stored = ecr.get_lifecycle_policy(repositoryName=lifecycle.inputs["repository"])
        assert json.loads(stored["lifecyclePolicyText"]) == json.loads(lifecycle.inputs["policy"])
    for policy in plan.by_type("aws:ecr/repositoryPolicy:RepositoryPolicy"):
        ecr.set_repository_policy(repositoryName=policy.inputs["repository"], policyText=policy.inputs["policy"])


def test_moto_refuses_a_malformed_lifecycle_policy(ecr):
    """The check above can fail: a misspelt selection key is refused."""
    ecr.create_repository(repositoryName="ab")
    bad = json.dumps({"rules": [{"rulePriority": 1, "selection": {
        "tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "dayz", "countNumber": 3},
        "action": {"type": "expire"}}]})
    with pytest.raises(ecr.exceptions.InvalidParameterException):
        ecr.put_lifecycle_policy(repositoryName="ab", lifecyclePolicyText=bad)


tags = st.lists(st.from_regex(r"[a-z0-9][a-z0-9._-]{0,8}", fullmatch=True), min_size=1, max_size=3)


@settings(max_examples=25, deadline=None)
@given(untagged=st.one_of(st.none(), st.integers(1, 3650)),
       keep=st.one_of(st.none(), st.integers(1, 10000)),
       patterns=st.one_of(st.just(()), tags.map(lambda ts: tuple(t + "*" for t in ts))),
       prefixes=st.one_of(st.just(()), tags.map(tuple)))
def test_every_shorthand_policy_is_valid_for_aws(untagged, keep, patterns, prefixes):
    if keep is None:
        patterns = prefixes = ()
    if patterns:
        prefixes = ()
    rules = shorthand_rules(untagged_expire_days=untagged, keep_last=keep,
                            tag_patterns=patterns, tag_prefixes=prefixes)
    check_rules(rules)
    if not rules:
        return
    with mock_aws():
        client = boto3.client("ecr", region_name="us-east-1")
        client.create_repository(repositoryName="prop")
        client.put_lifecycle_policy(repositoryName="prop", lifecyclePolicyText=render_policy(rules))


def test_rendered_rules_are_ordered_by_priority():
    rules = [LifecycleRule(priority=5, tag_status="any", keep_last=3),
             LifecycleRule(priority=2, tag_status="untagged", expire_after_days=1)]
    assert [r["rulePriority"] for r in json.loads(render_policy(rules))["rules"]] == [2, 5]


# ------------------------------------------------------------------------------------------------
# Replication, registry policy and scanning through moto; creation templates and pull-through
# cache rules (which moto does not implement) against the ECR API model itself.

import re  # noqa: E402

import botocore.session  # noqa: E402
from botocore.validate import ParamValidator  # noqa: E402

ECR_MODEL = botocore.session.get_session().get_service_model("ecr")
REGISTRY_POLICY_ACTIONS = {"ecr:ReplicateImage", "ecr:BatchImportUpstreamImage", "ecr:CreateRepository"}


def model_errors(operation: str, params: dict) -> list[str]:
    """What the ECR API model refuses in a request: botocore's own checks (required members,
    types, lengths, ranges) plus each string's pattern and enum, which botocore leaves to AWS."""
    shape = ECR_MODEL.operation_model(operation).input_shape
    report = ParamValidator().validate(params, shape)
    errors = [report.generate_report()] if report.has_errors() else []

    def walk(value, shape, path):
        if shape.type_name == "structure" and isinstance(value, dict):
            for key, item in value.items():
                if key in shape.members:
                    walk(item, shape.members[key], f"{path}.{key}")
        elif shape.type_name == "list" and isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, shape.member, f"{path}[{i}]")
        elif shape.type_name == "map" and isinstance(value, dict):
            for item in value.values():
                walk(item, shape.value, path)
        elif shape.type_name == "string" and isinstance(value, str):
            if getattr(shape, "enum", None) and value not in shape.enum:
                errors.append(f"{path}: {value!r} not in {shape.enum}")
            pattern = shape.metadata.get("pattern")
            if pattern and not re.search(pattern, value):
                errors.append(f"{path}: {value!r} does not match {pattern}")

    walk(params, shape, operation)
    return errors


def template_params(inputs: dict) -> dict:
    params = {
        "prefix": inputs["prefix"],
        "appliedFor": inputs["appliedFors"],
        "imageTagMutability": inputs["imageTagMutability"],
        "encryptionConfiguration": inputs["encryptionConfigurations"][0],
        "lifecyclePolicy": inputs.get("lifecyclePolicy", ""),
        "customRoleArn": inputs["customRoleArn"],
        "resourceTags": [{"Key": k, "Value": v} for k, v in sorted(inputs.get("resourceTags", {}).items())],
    }
    if inputs.get("description"):
        params["description"] = inputs["description"]
    return params


def test_the_model_check_can_fail():
    assert model_errors("CreatePullThroughCacheRule", {"ecrRepositoryPrefix": "X",
                                                      "upstreamRegistryUrl": "quay.io"})
    assert model_errors("CreateRepositoryCreationTemplate", {"prefix": "ROOT", "appliedFor": ["MIRROR"]})


@pytest.mark.parametrize("stack", stack_names())
def test_templates_and_cache_rules_satisfy_the_ecr_api_model(plans, stack):
    plan = plans(stack)
    templates = plan.by_type("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate")
    rules = plan.by_type("aws:ecr/pullThroughCacheRule:PullThroughCacheRule")
    assert templates and rules
    for template in templates:
        assert model_errors("CreateRepositoryCreationTemplate", template_params(template.inputs)) == [], template.urn
        if template.inputs["lifecyclePolicy"]:
            check_rules_text(template.inputs["lifecyclePolicy"])
    for rule in rules:
        params = {k: rule.inputs[k] for k in ("ecrRepositoryPrefix", "upstreamRegistryUrl", "credentialArn")
                  if k in rule.inputs}
        assert model_errors("CreatePullThroughCacheRule", params) == [], rule.urn


def check_rules_text(text: str) -> None:
    """A template's lifecycle policy is the same document a repository's is: moto validates it."""
    with mock_aws():
        client = boto3.client("ecr", region_name="us-east-1")
        client.create_repository(repositoryName="template-check")
        client.put_lifecycle_policy(repositoryName="template-check", lifecyclePolicyText=text)


@pytest.mark.parametrize("stack", stack_names())
def test_replication_registry_policy_and_scanning_are_accepted(plans, ecr, stack):
    plan = plans(stack)
    (replication,) = plan.by_type("aws:ecr/replicationConfiguration:ReplicationConfiguration")
    rules = replication.inputs["replicationConfiguration"]["rules"]
    ecr.put_replication_configuration(replicationConfiguration={"rules": rules})
    assert ecr.describe_registry()["replicationConfiguration"]["rules"] == rules
    for scanning in plan.by_type("aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"):
        ecr.put_registry_scanning_configuration(scanType=scanning.inputs["scanType"], rules=scanning.inputs["rules"])
        got = ecr.get_registry_scanning_configuration()["scanningConfiguration"]
        assert got["scanType"] == scanning.inputs["scanType"]
    for policy in plan.by_type("aws:ecr/registryPolicy:RegistryPolicy"):
        document = json.loads(policy.inputs["policy"])
        actions = {a for s in document["Statement"] for a in s["Action"]}
        assert actions <= REGISTRY_POLICY_ACTIONS  # AWS refuses any other action in a registry policy
        ecr.put_registry_policy(policyText=policy.inputs["policy"])
