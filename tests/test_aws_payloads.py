"""The planned ECR payloads, replayed into moto's ECR (botocore validates each request against
the ECR API model; moto validates lifecycle policy documents as ECR does)."""

from __future__ import annotations

import json

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from components.lifecycle import LifecycleRule, check_rules, render_policy, shorthand_rules
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


@settings(max_examples=60, deadline=None)
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
