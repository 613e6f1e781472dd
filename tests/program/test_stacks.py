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
    # AWS-managed key: no registry key resource, no kmsKey on the repository (the cluster's secrets
    # and the flow logs have keys of their own).
    assert {k.name for k in plan.by_type("aws:kms/key:Key")} == {"cluster-key", "network-flow-logs-key"}
    assert not [k for k in plan.by_type("aws:kms/key:Key") if k.protect]
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
    """The harness must not be flaky: three runs, one plan (the harness shares no state between
    runs, so more runs add time, not evidence)."""
    from tools.harness import run_stack

    first = json.dumps(run_stack(stack).to_json(), sort_keys=True)
    for _ in range(2):
        assert json.dumps(run_stack(stack).to_json(), sort_keys=True) == first


TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"


def test_dev_replicates_myapp_to_eu_west_1_and_caches_ecr_public_quay_and_k8s(plans):
    plan = plans("dev")
    (replication,) = plan.by_type("aws:ecr/replicationConfiguration:ReplicationConfiguration")
    assert replication.inputs["replicationConfiguration"]["rules"] == [{
        "destinations": [{"region": "eu-west-1", "registryId": "111122223333"}],
        "repositoryFilters": [{"filter": "myapp", "filterType": "PREFIX_MATCH"}]}]
    templates = {t.inputs["prefix"]: t for t in plan.by_type(TEMPLATE)}
    assert set(templates) == {"ROOT", "ecr-public", "quay", "k8s"}  # k8s: the Cluster Autoscaler's image
    assert templates["ROOT"].inputs["region"] == "eu-west-1"
    assert templates["ROOT"].inputs["imageTagMutability"] == "IMMUTABLE"
    assert json.loads(templates["ROOT"].inputs["lifecyclePolicy"])["rules"][1]["selection"]["countNumber"] == 20
    assert {templates[p].inputs["imageTagMutability"] for p in ("ecr-public", "quay", "k8s")} == {"MUTABLE"}
    assert sorted(s.inputs.get("region", "home") for s in plan.by_type(SCANNING)) == ["eu-west-1", "home"]
    assert plan.outputs["pull_through_cache"] == {
        "ecr-public": "111122223333.dkr.ecr.eu-central-1.amazonaws.com/ecr-public",
        "quay": "111122223333.dkr.ecr.eu-central-1.amazonaws.com/quay",
        "k8s": "111122223333.dkr.ecr.eu-central-1.amazonaws.com/k8s"}
    assert "ecr:BatchImportUpstreamImage" in plan.outputs["pull_through_cache_puller_policy"]


def test_prod_replicates_across_accounts_with_keys_in_each_region(plans):
    plan = plans("prod")
    (provider,) = plan.by_type("pulumi:providers:aws")
    assert json.loads(provider.inputs["assumeRoles"])[0]["roleArn"] == (
        "arn:aws:iam::777788889999:role/ecr-replication-admin")
    keys = {k.name: k for k in plan.by_type("aws:kms/key:Key") if not k.name.startswith(("cluster-", "network-"))}
    assert set(keys) == {"registry-key", "replication-self-eu-west-1-key", "replication-777788889999-eu-central-1-key"}
    assert all(k.protect and k.inputs["enableKeyRotation"] for k in keys.values())
    assert keys["replication-777788889999-eu-central-1-key"].provider == provider.urn
    cross = plan.one(TEMPLATE, "replication-777788889999-eu-central-1-template")
    assert cross.provider == provider.urn
    assert cross.inputs["encryptionConfigurations"][0]["kmsKey"].startswith("arn:aws:kms:eu-central-1:777788889999:")
    assert {s.inputs["scanType"] for s in plan.by_type(SCANNING)} == {"ENHANCED"}
    assert len(plan.by_type(SCANNING)) == 3  # home, eu-west-1, and the workload account's registry
    registry_key = keys["registry-key"].outputs["arn"]
    for template in plan.by_type(TEMPLATE):
        if template.inputs["appliedFors"] == ["PULL_THROUGH_CACHE"]:
            assert template.inputs["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": registry_key}]
    hub = plan.one("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "cache-docker-hub")
    assert hub.inputs["credentialArn"].startswith("arn:aws:secretsmanager:eu-central-1:444455556666:secret:"
                                                  "ecr-pullthroughcache/")
    assert "replication_destination_registry_policies" not in plan.outputs
