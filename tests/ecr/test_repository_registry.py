"""The components used directly (not through stack config), each property AWS will receive."""

from __future__ import annotations

import json

import pulumi
import pytest

from components.ecr.access import Grant
from components.ecr.lifecycle import LifecycleRule
from components.ecr.registry import EcrRegistry, EcrRegistrySpec, RegistryEncryption
from components.ecr.repository import EcrRepository, EcrRepositorySpec, Encryption
from components.shared.errors import InvalidValue
from components.shared.placement import Placement
from tests.conftest import settings_for
from tools.harness import run_function

REPO = "aws:ecr/repository:Repository"


def run(declare):
    return run_function(settings_for({}), declare)


def repo_inputs(plan, name="r-repo"):
    return plan.one(REPO, name).inputs


def test_defaults_are_the_secure_ones():
    plan = run(lambda: EcrRepository("r", EcrRepositorySpec(name="myapp")))
    assert repo_inputs(plan) == {
        "name": "myapp",
        "imageTagMutability": "IMMUTABLE",
        "imageScanningConfiguration": {"scanOnPush": True},
        "encryptionConfigurations": [{"encryptionType": "KMS"}],
        "forceDelete": False,
    }
    res = plan.one(REPO, "r-repo")
    assert not res.protect and not res.retain_on_delete
    assert res.parent.endswith("containerplatform:index:EcrRepository::r")
    # Nothing to grant, no rules: no policies are declared.
    assert not plan.by_type("aws:ecr/lifecyclePolicy:LifecyclePolicy")
    assert not plan.by_type("aws:ecr/repositoryPolicy:RepositoryPolicy")


def test_exclusions_mutable_aes_and_scan_off_only_when_asked():
    plan = run(lambda: [
        EcrRepository("x", EcrRepositorySpec(name="x1", tag_mutability="IMMUTABLE_WITH_EXCLUSION",
                                             tag_mutability_exclusions=["latest", "dev-*"])),
        EcrRepository("m", EcrRepositorySpec(name="m1", tag_mutability="MUTABLE", scan_on_push=False,
                                             encryption=Encryption(type="AES256"))),
    ])
    x = repo_inputs(plan, "x-repo")
    assert x["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert x["imageTagMutabilityExclusionFilters"] == [
        {"filter": "latest", "filterType": "WILDCARD"}, {"filter": "dev-*", "filterType": "WILDCARD"}]
    m = repo_inputs(plan, "m-repo")
    assert m["imageTagMutability"] == "MUTABLE"
    assert m["imageScanningConfiguration"] == {"scanOnPush": False}
    assert m["encryptionConfigurations"] == [{"encryptionType": "AES256"}]


def test_protected_repository_is_protected_and_retained():
    plan = run(lambda: EcrRepository("p", EcrRepositorySpec(name="prod-app", protect=True)))
    res = plan.one(REPO, "p-repo")
    assert res.protect and res.retain_on_delete


def test_key_from_another_resource_reaches_the_repository():
    def declare():
        import pulumi_aws as aws

        key = aws.kms.Key("k", enable_key_rotation=True)
        EcrRepository("r", EcrRepositorySpec(name="ab", encryption=Encryption(kms_key=key.arn)))

    plan = run(declare)
    key_arn = plan.one("aws:kms/key:Key", "k").outputs["arn"]
    assert repo_inputs(plan)["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": key_arn}]


def test_lifecycle_and_policy_are_children_of_the_component():
    rules = [LifecycleRule(priority=1, tag_status="untagged", expire_after_days=7)]
    grants = [Grant("210987654321", "pull_push")]
    plan = run(lambda: EcrRepository("r", EcrRepositorySpec(name="ab", lifecycle_rules=rules, grants=grants)))
    lifecycle = plan.one("aws:ecr/lifecyclePolicy:LifecyclePolicy", "r-lifecycle")
    assert lifecycle.inputs["repository"] == "ab"
    assert json.loads(lifecycle.inputs["policy"]) == {"rules": [{
        "rulePriority": 1,
        "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                      "countNumber": 7},
        "action": {"type": "expire"}}]}
    policy = json.loads(plan.one("aws:ecr/repositoryPolicy:RepositoryPolicy", "r-policy").inputs["policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["AllowPull", "AllowPush"]
    for statement in policy["Statement"]:
        assert statement["Principal"] == {"AWS": ["arn:aws:iam::210987654321:root"]}
    assert lifecycle.parent.endswith("EcrRepository::r")


def test_registry_creates_a_rotating_key_and_shares_it():
    args = EcrRegistrySpec(
        repositories=[EcrRepositorySpec(name="one"), EcrRepositorySpec(name="two", tags={"Team": "b"})],
        encryption=RegistryEncryption(create_key=True), placement=Placement("eu-central-1", tags={"Env": "t"}),
        protect_key=True)
    plan = run(lambda: EcrRegistry("reg", args))
    key = plan.one("aws:kms/key:Key", "reg-key")
    assert key.inputs["enableKeyRotation"] is True and key.inputs["deletionWindowInDays"] == 30
    assert key.protect
    for name, tags in (("one", {"Env": "t"}), ("two", {"Env": "t", "Team": "b"})):
        inputs = repo_inputs(plan, f"reg-{name}-repo")
        assert inputs["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": key.outputs["arn"]}]
        assert inputs["tags"] == tags


def test_registry_uses_a_given_key_arn():
    arn = "arn:aws:kms:eu-central-1:123456789012:key/0b1f4a8e-1111-2222-3333-444455556666"
    args = EcrRegistrySpec(repositories=[EcrRepositorySpec(name="one")], placement=Placement("eu-central-1"),
                           encryption=RegistryEncryption(kms_key_arn=arn))
    plan = run(lambda: EcrRegistry("reg", args))
    assert not plan.by_type("aws:kms/key:Key")
    assert repo_inputs(plan, "reg-one-repo")["encryptionConfigurations"] == [
        {"encryptionType": "KMS", "kmsKey": arn}]


@pytest.mark.parametrize("args, message", [
    (EcrRepositorySpec(name="ab", tag_mutability="MUTABLE_WITH_EXCLUSION"),
     "tag_mutability_exclusions: [] must list 1-5 wildcard filters when tag_mutability is MUTABLE_WITH_EXCLUSION"),
    (EcrRepositorySpec(name="ab", encryption=Encryption(type="AES256", kms_key="arn:aws:kms:x")),
     'encryption.kms_key_arn: "arn:aws:kms:x" is only allowed with encryption type KMS'),
    (EcrRepositorySpec(name="ab", grants=[Grant("*")]),
     'grants[0].principal: "*" is not a 12-digit AWS account ID or an IAM role ARN '
     "(arn:aws:iam::123456789012:role/NAME); wildcards and other principals are refused"),
    (EcrRepositorySpec(name="ab", lifecycle_rules=[LifecycleRule(priority=1, tag_status="any", keep_last=0)]),
     "lifecycle.rules[0].keep_last: 0 is not a positive integer"),
])
def test_components_refuse_bad_args_when_used_directly(args, message):
    with pytest.raises(InvalidValue) as caught:
        run(lambda: EcrRepository("bad", args))
    assert str(caught.value) == message
    assert isinstance(caught.value, pulumi.RunError)
