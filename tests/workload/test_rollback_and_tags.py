"""What a real `pulumi up` does with the image that plain mocks hide: a rollback runs the digest
already in ECR and never pushes its immutable tag again; the content tag covers everything that
makes pulumi-docker rebuild; the first push waits for replication."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from components.workload.image import content_tag
from stack_config import ConfigError, parse
from tests.conftest import PROJECT, raw_config
from tools.harness import ROOT, ImageState, PlatformMocks, load_stack, run_program

IMAGE = "docker:index/image:Image"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
DIGEST = "sha256:" + "ab" * 32


def _run(stack: str, images: dict[str, dict[str, str]]):
    settings = load_stack(stack)
    return run_program(settings, mocks=PlatformMocks(settings.account, settings.region, images=images))


def test_a_new_tag_is_built_and_pushed(plans):
    image = plans("dev").one(IMAGE, "image-image")
    assert image.inputs["skipPush"] is False and image.inputs["buildOnPreview"] is False
    assert image.ignore_changes == []


def test_with_the_tag_in_ecr_the_plan_declares_no_image_and_runs_its_digest(plans):
    tag = plans("dev").outputs["service"]["tag"]
    plan = _run("dev", {"myapp": {tag: DIGEST, "sha-0000000000000000": "sha256:" + "cd" * 32}})
    # The tag is in ECR already (content A -> B -> A): nothing may build or push it again.
    assert plan.by_type(IMAGE) == []
    pod = plan.one(DEPLOYMENT, "service-deployment").inputs["spec"]["template"]["spec"]
    assert pod["containers"][0]["image"] == f"111122223333.dkr.ecr.eu-central-1.amazonaws.com/myapp@{DIGEST}"
    assert plan.outputs["service"]["image"].endswith(f"@{DIGEST}")
    assert plan.outputs["service"]["image_resource"] is None  # nothing for the deploy workflow to drop


class Releases:
    """`pulumi up` of the dev stack, release after release, from a copy of the project whose
    service code a test edits: ECR's contents and the docker.Image state carry from one `up` to the
    next, and each `up` replays the engine's and pulumi-docker's steps (tools/harness/mocks/docker.py)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ecr: dict[str, dict[str, str]] = {}
        self.state: dict[str, ImageState] = {}
        self.mocks: PlatformMocks | None = None

    def code(self, version: str) -> None:
        """The service's source at ``version`` (a different main.py is a different build context)."""
        main = self.root / "app" / "main.py"
        text = (ROOT / "app" / "main.py").read_text(encoding="utf-8")
        main.write_text(text + (f"\n# release {version}\n" if version != "A" else ""), encoding="utf-8")

    def up(self):
        settings = load_stack("dev", root=self.root)
        self.mocks = PlatformMocks(settings.account, settings.region, images=self.ecr, state=self.state)
        plan = run_program(settings, self.root / "__main__.py", mocks=self.mocks)
        self.ecr, self.state = self.mocks.images, self.mocks.docker.state()
        return plan


@pytest.fixture
def releases(tmp_path: Path) -> Releases:
    root = tmp_path / "project"
    root.mkdir()
    for name in ("__main__.py", "Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy2(ROOT / name, root / name)
    skip = shutil.ignore_patterns(".venv", "__pycache__", ".pytest_cache", "bench", "tests")
    for name in ("components", "stack_config", "app"):
        shutil.copytree(ROOT / name, root / name, ignore=skip)
    return Releases(root)


def _running(plan) -> str:
    return plan.one(DEPLOYMENT, "service-deployment").inputs["spec"]["template"]["spec"]["containers"][0]["image"]


def test_a_rollback_builds_and_pushes_nothing_and_runs_the_digest_ecr_has(releases):
    """Content A, then B, then A again (a revert): the third `up` must not push. Under
    `ignore_changes`, the engine restores B's imageName, build and skipPush before pulumi-docker's
    Check, Check recomputes the context digest from A's tree, Diff sees it and Update pushes A under
    B's immutable tag — ECR refuses, and every later `up` fails the same way (audit W2)."""
    releases.code("A")
    first = releases.up()
    tag_a = first.outputs["service"]["tag"]
    assert releases.mocks.docker.pushes == [f"111122223333.dkr.ecr.eu-central-1.amazonaws.com/myapp:{tag_a}"]
    digest_a = releases.ecr["myapp"][tag_a]
    assert _running(first) == f"111122223333.dkr.ecr.eu-central-1.amazonaws.com/myapp@{digest_a}"

    releases.code("B")
    second = releases.up()
    tag_b = second.outputs["service"]["tag"]
    assert tag_b != tag_a and releases.mocks.docker.pushes[-1].endswith(f":{tag_b}")

    releases.code("A")
    back = releases.up()
    assert back.outputs["service"]["tag"] == tag_a
    assert back.by_type(IMAGE) == [] and releases.mocks.docker.pushes == []  # nothing built, nothing pushed
    assert _running(back) == f"111122223333.dkr.ecr.eu-central-1.amazonaws.com/myapp@{digest_a}"
    # B's Image leaves the state (pulumi-docker's Delete does nothing: B stays in ECR).
    assert releases.mocks.docker.deleted == [second.one(IMAGE, "image-image").urn]
    assert releases.ecr["myapp"] == {tag_a: digest_a, tag_b: releases.ecr["myapp"][tag_b]}
    # And the next `up` of the same code changes nothing.
    again = releases.up()
    assert again.by_type(IMAGE) == [] and releases.mocks.docker.pushes == [] and _running(again) == _running(back)


def test_a_tag_gone_from_ecr_is_pushed_again_even_when_the_state_holds_its_image(releases):
    """The running tag deleted (by hand, or expired) right after its push: the state still holds
    an Image with exactly these inputs, so pulumi-docker's Diff finds nothing — the Image's
    replacement trigger makes the engine replace it, i.e. build and push the tag again, and the
    Deployment runs the new push, not a digest ECR no longer has."""
    releases.code("A")
    first = releases.up()
    tag = first.outputs["service"]["tag"]
    del releases.ecr["myapp"][tag]
    again = releases.up()
    urn = again.one(IMAGE, "image-image").urn
    assert releases.mocks.docker.steps == {urn: "replace"}
    assert releases.mocks.docker.pushes == [f"111122223333.dkr.ecr.eu-central-1.amazonaws.com/myapp:{tag}"]
    assert _running(again) == f"111122223333.dkr.ecr.eu-central-1.amazonaws.com/myapp@{releases.ecr['myapp'][tag]}"


def test_a_tag_gone_from_ecr_after_its_image_left_the_state_is_pushed_again(releases):
    releases.code("A")
    tag = releases.up().outputs["service"]["tag"]
    releases.up()  # the tag is in ECR: the Image leaves the state
    assert releases.state == {}
    del releases.ecr["myapp"][tag]
    plan = releases.up()
    assert releases.mocks.docker.steps == {plan.one(IMAGE, "image-image").urn: "create"}
    assert releases.mocks.docker.pushes == [f"111122223333.dkr.ecr.eu-central-1.amazonaws.com/myapp:{tag}"]


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
    tag = "sha-" + "1" * 16  # any content tag but the running one (which a rule of its own keeps)
    assert tag != plan.outputs["service"]["tag"]
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
