"""What `pulumi up` would do that a plain mock run hides: the order in which the engine runs the
policy pack and creates resources, the dependencies and options each registration carries."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_config
from tools.harness import ROOT
from tools.policy_gate import PackProcess, simulate_up

REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
KEY = "aws:kms/key:Key"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
CACHE_RULE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"


def up(config: dict, policy_config: dict | None = None):
    plan = run_config(config)
    with PackProcess(ROOT / "policy_pack", plan.project, plan.stack) as pack:
        return plan, simulate_up(plan, pack, policy_config or {}, "eu-central-1")


@pytest.mark.parametrize("repo, policy", [
    ({"name": "myapp", "scan_on_push": False, "lifecycle": {"keep_last": 5}}, "ecr-scan-on-push"),
    ({"name": "myapp", "tag_mutability": "MUTABLE", "lifecycle": {"keep_last": 5}}, "ecr-immutable-tags"),
])
def test_a_non_compliant_repository_is_refused_before_it_is_created(repo, policy):
    plan, run = up({"repositories": [{"name": "other", "lifecycle": {"keep_last": 5}}, repo]})
    repository = plan.one("aws:ecr/repository:Repository", "registry-myapp-repo")
    assert run.stopped_at == "Analyze"
    assert repository.urn not in run.created  # the engine never calls Create for it
    (violation,) = run.report.mandatory
    assert (violation.policy, violation.urn) == (policy, repository.urn)


def test_a_compliant_stack_is_created_whole():
    plan, run = up({"repositories": [{"name": "myapp", "lifecycle": {"keep_last": 5}}]})
    assert run.stopped_at is None and not run.report.mandatory
    assert run.created == [r.urn for r in plan.resources]


def test_a_stack_policy_only_detects_after_the_changes_were_applied():
    """ecr-template-scan-on-push needs the template and the scanning configuration together:
    in `up` it runs after both exist, so it fails the update but cannot prevent the template."""
    config = {"repositories": [{"name": "myapp", "lifecycle": {"keep_last": 5}}],
              "scanning": {"rules": [{"frequency": "SCAN_ON_PUSH", "filters": ["team/*"]}], "allow_partial": True},
              "replication": {"rules": [{"destinations": [{"region": "eu-west-1"}]}]}}
    plan, run = up(config, {"ecr-scan-on-push": {"allowedRegistryFilters": ["team/*"]}})
    template = plan.one(TEMPLATE, "replication-self-eu-west-1-template")
    assert run.stopped_at == "AnalyzeStack"
    assert template.urn in run.created
    assert {(v.policy, v.urn) for v in run.report.mandatory} == {("ecr-template-scan-on-push", template.urn)}


# ----------------------------------------------------------------------------- dependencies


def test_replication_waits_for_everything_that_makes_replicas_compliant(plans):
    plan = plans("prod")
    (config,) = plan.by_type(REPLICATION)
    needed = [r for r in plan.resources if r.type in (TEMPLATE, ROLE_POLICY, KEY, REGISTRY_POLICY)
              and r.name.startswith("replication-")]
    needed += [r for r in plan.by_type(SCANNING)]
    assert {r.type for r in needed} == {TEMPLATE, ROLE_POLICY, KEY, REGISTRY_POLICY, SCANNING}
    missing = [r.name for r in needed if r.urn not in config.dependencies]
    assert not missing, missing


def test_a_cache_rule_waits_for_its_template_and_is_replaced_delete_first():
    arn = "arn:aws:secretsmanager:eu-central-1:111122223333:secret:ecr-pullthroughcache/hub-Ab12Cd"
    plan = run_config({"repositories": [{"name": "ab"}], "pull_through_cache": {"rules": [
        {"upstream": "docker-hub", "credentials": {"secret_arn": arn}}, {"upstream": "quay"}]}})
    hub = plan.one(CACHE_RULE, "cache-docker-hub")
    assert plan.one(TEMPLATE, "cache-docker-hub-template").urn in hub.dependencies
    for rule in plan.by_type(CACHE_RULE):
        assert rule.delete_before_replace, rule.name


def test_registry_wide_settings_are_retained_on_delete(plans):
    plan = plans("prod")
    for res in plan.by_type(SCANNING) + plan.by_type(REGISTRY_POLICY):
        assert res.retain_on_delete, res.name
    document = json.loads(json.dumps([r.to_json() for r in plan.by_type(SCANNING)]))
    assert all(r["options"]["retainOnDelete"] for r in document)
