"""What a real `pulumi up` does with the image that plain mocks hide: a rollback runs the digest
already in ECR and never pushes its immutable tag again; the content tag covers everything that
makes pulumi-docker rebuild; the first push waits for replication."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from components.workload.image import content_tag
from stack_config import ConfigError, parse
from tests.conftest import PROJECT, raw_config
from tools.harness import PlatformMocks, load_stack, run_program

IMAGE = "docker:index/image:Image"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
DIGEST = "sha256:" + "ab" * 32


def _run(stack: str, images: dict[str, dict[str, str]]):
    settings = load_stack(stack)
    return run_program(settings, mocks=PlatformMocks(settings.account, settings.region, images=images))


def test_a_new_tag_is_built_and_pushed(plans):
    image = plans("dev").one(IMAGE, "image-image")
    assert image.inputs["skipPush"] is False and image.ignore_changes == []


def test_a_rollback_runs_the_existing_digest_and_never_pushes_its_tag_again(plans):
    tag = plans("dev").outputs["service"]["tag"]
    plan = _run("dev", {"myapp": {tag: DIGEST, "sha-0000000000000000": "sha256:" + "cd" * 32}})
    image = plan.one(IMAGE, "image-image")
    # The tag is in ECR already (content A -> B -> A): pushing it again would be refused.
    assert image.inputs["skipPush"] is True
    # ...and an Image in the state (B's) is not updated to A's name or build: no push at all.
    assert image.ignore_changes == ["imageName", "build", "skipPush"]
    pod = plan.one(DEPLOYMENT, "service-deployment").inputs["spec"]["template"]["spec"]
    assert pod["containers"][0]["image"] == f"111122223333.dkr.ecr.eu-central-1.amazonaws.com/myapp@{DIGEST}"
    assert plan.outputs["service"]["image"].endswith(f"@{DIGEST}")


@pytest.fixture
def context(tmp_path: Path) -> Path:
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.py").write_text("print('hi')\n")
    (app / "run.sh").write_text("#!/bin/sh\n")
    (app / "Dockerfile").write_text("FROM scratch\nCOPY . /app\n")
    return app


def _tag(app: Path, paths=("app", "app/Dockerfile")) -> str:
    return content_tag(app, app / "Dockerfile", {}, "linux/amd64", None, paths=paths)


def test_a_file_mode_change_changes_the_tag(context):
    before = _tag(context)
    os.chmod(context / "run.sh", 0o755)
    assert _tag(context) != before  # pulumi-docker rebuilds on a mode change: so the tag moves with it


def test_the_dockerfiles_own_ignore_file_decides_the_context_and_the_tag(context):
    before = _tag(context)
    (context / "Dockerfile.dockerignore").write_text("run.sh\n")
    after = _tag(context)
    assert after != before
    (context / "run.sh").write_text("changed, but ignored by Dockerfile.dockerignore\n")
    assert _tag(context) == after  # an ignored file is not in the build: no new tag, no rebuild


def test_the_paths_as_written_are_part_of_the_tag(context):
    assert _tag(context, ("app", "app/Dockerfile")) != _tag(context, ("./app", "app/Dockerfile"))


def test_the_first_push_waits_for_the_replication_configuration(plans):
    plan = plans("prod")
    image = plan.one(IMAGE, "image-image")
    config = plan.one("aws:ecr/replicationConfiguration:ReplicationConfiguration", "replication-configuration")
    assert config.urn in image.dependencies


def test_a_repository_whose_name_is_no_service_name_needs_workload_name():
    config = {"repositories": [{"name": "1app"}], "network": {"availability_zones": ["eu-central-1a", "eu-central-1b"]},
              "cluster": {}, "workload": {"repository": "1app"}}
    with pytest.raises(ConfigError) as caught:
        parse(raw_config(config), project=PROJECT, stack="t")
    assert str(caught.value) == (
        'workload.repository: "1app" ends in \'1app\', which the workload\'s objects would be named, and is not a '
        "Kubernetes Service name (an RFC 1035 label: a lowercase letter, then lowercase letters, digits and -, at "
        "most 63; the API server refuses anything else); set workload.name")
    config["workload"]["name"] = "app-one"
    assert parse(raw_config(config), project=PROJECT, stack="t").kubernetes.workload.service.name == "app-one"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_workloads_own_tags_expire_in_every_registry_that_holds_them(plans, stack):
    """Each stack's lifecycle rules select the content tags `pulumi up` pushes (sha-…), in the
    source repository and in every replica template, so old images do not pile up."""
    from components.ecr.lifecycle import rules_selecting

    plan = plans(stack)
    tag = plan.outputs["service"]["tag"]
    policies = {r.inputs["repository"]: r.inputs["policy"]
                for r in plan.by_type("aws:ecr/lifecyclePolicy:LifecyclePolicy")}
    assert rules_selecting(policies["myapp"], tag), f"{stack}: no rule of myapp's lifecycle selects {tag}"
    replicas = [t for t in plan.by_type("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate")
                if "REPLICATION" in t.inputs["appliedFors"]]
    for template in replicas:
        assert rules_selecting(template.inputs["lifecyclePolicy"], tag), template.name


def test_rule_selection_follows_ecrs_semantics():
    from components.ecr.lifecycle import rules_selecting

    policy = {"rules": [
        {"rulePriority": 1, "selection": {"tagStatus": "untagged"}},
        {"rulePriority": 2, "selection": {"tagStatus": "tagged", "tagPatternList": ["v*.*.*"]}},
        {"rulePriority": 3, "selection": {"tagStatus": "tagged", "tagPrefixList": ["build-"]}},
    ]}
    assert rules_selecting(policy, None) == [1]
    assert rules_selecting(policy, "v1.2.3") == [2] and rules_selecting(policy, "v1.2") == []
    assert rules_selecting(policy, "build-7") == [3] and rules_selecting(policy, "sha-0123") == []
    assert rules_selecting({"rules": [{"rulePriority": 1, "selection": {"tagStatus": "any"}}]}, "x") == [1]
