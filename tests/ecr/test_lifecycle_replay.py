"""The image a stack runs survives its repository's lifecycle policy: ECR's rule evaluation
(``tools/ecr_lifecycle.py``, checked against the AWS guide's worked example) replayed over a push
history in which the running image is the oldest. Without the rule that keeps it, the stack's own
rules expire it (audit W39): the next new node would get ImagePullBackOff."""

from __future__ import annotations

import json

import pytest

from components.ecr.lifecycle import render_policy, rules_selecting
from stack_config import parse
from tools.ecr_lifecycle import Repository, StoredImage, expired, selects
from tools.harness import PlatformMocks, load_stack, run_program

LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
RUNNING = "sha256:" + "aa" * 32


def test_the_evaluation_reproduces_the_guides_example_a():
    """lifecycle_policy_examples.html, "Filtering on multiple rules", Example A: image B is kept
    although rule 2 would count it out, because it matches rule 1's tags; only A expires."""
    images = [StoredImage("A", ("beta-1", "prod-1"), 0), StoredImage("B", ("beta-2", "prod-2"), 1),
              StoredImage("C", ("beta-3",), 2)]
    policy = {"rules": [
        {"rulePriority": 1, "selection": {"tagStatus": "tagged", "tagPatternList": ["prod*"],
                                          "countType": "imageCountMoreThan", "countNumber": 1}},
        {"rulePriority": 2, "selection": {"tagStatus": "tagged", "tagPatternList": ["beta*"],
                                          "countType": "imageCountMoreThan", "countNumber": 1}}]}
    assert expired(policy, images, now=10) == {"A"}


def test_a_rule_with_several_patterns_selects_images_that_match_all_of_them():
    selection = {"tagStatus": "tagged", "tagPatternList": ["prod*", "v*"]}
    assert selects(selection, ("prod-1", "v2")) and not selects(selection, ("prod-1",))
    assert rules_selecting({"rules": [{"rulePriority": 1, "selection": selection}]}, "prod-1") == []
    assert not selects({"tagStatus": "tagged", "tagPrefixList": ["sha-"]}, ())
    assert selects({"tagStatus": "untagged"}, ()) and selects({"tagStatus": "any"}, ("x",))


def _stack_rules_only(stack: str) -> str:
    """myapp's policy as the stack file writes it, without the rule that keeps the running image."""
    settings = load_stack(stack)
    parsed = parse(settings.config, project=settings.project, stack=settings.stack, secret_keys=settings.secret_keys)
    spec = next(r for r in parsed.registry.repositories if r.name == "myapp")
    return render_policy(spec.lifecycle_rules)


def _replay(policy: str, running_tag: str) -> Repository:
    """The running image is pushed first; then, for 60 days, what else reaches the repository:
    a new content tag a day (other branches, retries of a failed rollout), an untagged image, a
    release and a CI build every other day."""
    repository = Repository(policy)
    repository.push(RUNNING, [running_tag], day=0)
    for day in range(1, 61):
        repository.push(f"sha256:sha{day:061x}", [f"sha-{day:016x}"], day)
        repository.push(f"sha256:unt{day:061x}", [], day + 0.1)
        if day % 2 == 0:
            repository.push(f"sha256:rel{day:061x}", [f"v1.{day}.0"], day + 0.2)
            repository.push(f"sha256:bld{day:061x}", [f"build-{day}"], day + 0.3)
    return repository


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_running_image_survives_a_history_in_which_it_is_the_oldest(plans, stack):
    plan = plans(stack)
    tag = plan.outputs["service"]["tag"]
    policy = plan.one(LIFECYCLE, "registry-myapp-lifecycle").inputs["policy"]
    kept = _replay(policy, tag)
    assert RUNNING in kept.images
    assert len(kept.expired) > 60  # the rules still expire everything else they select
    # The stack's own rules alone expire it: the replay can fail.
    assert RUNNING in _replay(_stack_rules_only(stack), tag).expired


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_policy_keeps_the_running_tag_first_and_moves_only_after_the_rollout(plans, stack):
    plan = plans(stack)
    policy = plan.one(LIFECYCLE, "registry-myapp-lifecycle")
    rules = json.loads(policy.inputs["policy"])["rules"]
    assert rules[0]["selection"] == {"tagStatus": "tagged", "tagPatternList": [plan.outputs["service"]["tag"]],
                                     "countType": "imageCountMoreThan", "countNumber": 1}
    # The stack's own rules follow in their order.
    assert [r["selection"] for r in rules[1:]] == [r["selection"] for r in
                                                  json.loads(_stack_rules_only(stack))["rules"]]
    # A failed rollout fails the `up` before the policy changes: the old image stays kept.
    assert plan.one(DEPLOYMENT, "service-deployment").urn in policy.dependencies


def test_a_rollback_keeps_the_tag_it_rolls_back_to(plans):
    tag = plans("dev").outputs["service"]["tag"]
    settings = load_stack("dev")
    plan = run_program(settings, mocks=PlatformMocks(settings.account, settings.region,
                                                     images={"myapp": {tag: RUNNING}}))
    rules = json.loads(plan.one(LIFECYCLE, "registry-myapp-lifecycle").inputs["policy"])["rules"]
    assert rules[0]["selection"]["tagPatternList"] == [tag]
    assert plan.outputs["service"]["image"].endswith(f"@{RUNNING}")


def test_a_bootstrap_run_keeps_the_tag_of_the_code(plans):
    settings = load_stack("prod")
    settings.config["container-platform:bootstrap"] = "true"
    plan = run_program(settings)
    rules = json.loads(plan.one(LIFECYCLE, "registry-myapp-lifecycle").inputs["policy"])["rules"]
    assert rules[0]["selection"]["tagPatternList"] == [plans("prod").outputs["service"]["tag"]]


def test_a_repository_without_a_workload_keeps_its_rules_as_written(plans):
    plan = plans("prod")
    rules = json.loads(plan.one(LIFECYCLE, "registry-myapp-migrations-lifecycle").inputs["policy"])["rules"]
    assert [r["rulePriority"] for r in rules] == [1, 2]
    assert not any("stack runs" in r.get("description", "") for r in rules)
