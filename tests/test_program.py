"""The whole program, run under mocks for every stack file in the repository."""

from __future__ import annotations

import json

import pytest

from tools.harness import load_stack, stack_names

REPO = "aws:ecr/repository:Repository"
STACKS = stack_names()


def test_every_shipped_stack_is_tested():
    assert {"dev", "prod"} <= set(STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_every_repository_is_hardened(plans, stack):
    plan = plans(stack)
    repos = plan.by_type(REPO)
    settings = load_stack(stack)
    configured = json.loads(settings.config["container-platform:repositories"])
    assert sorted(r.inputs["name"] for r in repos) == sorted(c["name"] for c in configured)
    for repo in repos:
        assert repo.inputs["imageScanningConfiguration"] == {"scanOnPush": True}, repo.urn
        assert repo.inputs["imageTagMutability"] == "IMMUTABLE", repo.urn
        assert repo.inputs["encryptionConfigurations"][0]["encryptionType"] == "KMS", repo.urn
        assert repo.parent.endswith("containerplatform:index:EcrRepository::" + repo.name[: -len("-repo")])


@pytest.mark.parametrize("stack", STACKS)
def test_outputs_name_every_repository_with_the_stack_account_and_region(plans, stack):
    plan = plans(stack)
    settings = load_stack(stack)
    account, region = settings.account, settings.region
    assert plan.outputs["registry_id"] == account
    for repo in plan.by_type(REPO):
        name = repo.inputs["name"]
        out = plan.outputs["repositories"][name]
        assert out == {
            "name": name,
            "url": f"{account}.dkr.ecr.{region}.amazonaws.com/{name}",
            "arn": f"arn:aws:ecr:{region}:{account}:repository/{name}",
        }


@pytest.mark.parametrize("stack", STACKS)
def test_every_lifecycle_policy_belongs_to_a_declared_repository(plans, stack):
    plan = plans(stack)
    names = {r.inputs["name"] for r in plan.by_type(REPO)}
    for policy in plan.by_type("aws:ecr/lifecyclePolicy:LifecyclePolicy"):
        assert policy.inputs["repository"] in names
        assert json.loads(policy.inputs["policy"])["rules"], policy.urn


def test_dev_allows_force_delete_and_protects_nothing(plans):
    plan = plans("dev")
    for repo in plan.by_type(REPO):
        assert repo.inputs["forceDelete"] is True
        assert repo.protect is False and repo.retain_on_delete is False
    # AWS-managed key: no key resource, no kmsKey on the repository.
    assert not plan.by_type("aws:kms/key:Key")
    assert all("kmsKey" not in r.inputs["encryptionConfigurations"][0] for r in plan.by_type(REPO))


def test_prod_protects_repositories_and_key_and_uses_its_own_key(plans):
    plan = plans("prod")
    key = plan.one("aws:kms/key:Key", "registry-key")
    assert key.protect and key.retain_on_delete
    assert key.inputs["enableKeyRotation"] is True
    assert plan.outputs["kms_key_arn"].startswith("arn:aws:kms:eu-central-1:444455556666:key/")
    for repo in plan.by_type(REPO):
        assert repo.protect and repo.retain_on_delete, repo.urn
        assert repo.inputs["forceDelete"] is False
        assert repo.inputs["encryptionConfigurations"] == [
            {"encryptionType": "KMS", "kmsKey": plan.outputs["kms_key_arn"]}
        ]


def test_prod_grants_cross_account_pull(plans):
    plan = plans("prod")
    policies = {p.inputs["repository"]: json.loads(p.inputs["policy"])
                for p in plan.by_type("aws:ecr/repositoryPolicy:RepositoryPolicy")}
    assert set(policies) == {"myapp", "myapp-migrations"}
    pull = policies["myapp"]["Statement"][0]
    assert pull["Sid"] == "AllowPull"
    assert pull["Principal"] == {"AWS": ["arn:aws:iam::777788889999:root"]}
    push = policies["myapp"]["Statement"][1]
    assert push["Principal"] == {"AWS": ["arn:aws:iam::444455556666:role/ci-image-publisher"]}
    assert "ecr:PutImage" in push["Action"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_plan_is_the_same_on_every_run(stack):
    """The harness must not be flaky: ten runs, one plan."""
    from tools.harness import run_stack

    first = json.dumps(run_stack(stack).to_json(), sort_keys=True)
    for _ in range(9):
        assert json.dumps(run_stack(stack).to_json(), sort_keys=True) == first
