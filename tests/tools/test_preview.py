"""``python -m tools.preview``: exit codes, the text plan, the JSON plan, errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tools.harness import ROOT, stack_names
from tools.preview import main


def preview(*argv: str) -> subprocess.CompletedProcess:
    """Run the preview as a user does, in its own process."""
    return subprocess.run([sys.executable, "-m", "tools.preview", *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("stack", stack_names())
def test_every_stack_previews_and_writes_the_json_plan(stack, tmp_path, capsys):
    out_file = tmp_path / "plan.json"
    assert main([stack, "--json", str(out_file)]) == 0
    text = capsys.readouterr().out
    plan = json.loads(out_file.read_text())
    assert set(plan) == {"project", "stack", "resources", "outputs", "warnings", "policy", "cost"}
    assert set(plan["policy"]) == {"pack", "violations"}
    assert (plan["project"], plan["stack"]) == ("container-platform", stack)
    urns = {r["urn"] for r in plan["resources"]}
    for res in plan["resources"]:
        assert set(res) == {"urn", "type", "name", "parent", "custom", "remote", "provider", "protect",
                            "dependencies", "options", "inputs"}
        assert set(res["options"]) == {"deleteBeforeReplace", "retainOnDelete"}
        assert res["parent"] is None or res["parent"] in urns
        assert all(isinstance(dep, str) and dep.startswith("urn:pulumi:") for dep in res["dependencies"])
        assert f"+ {res['type']}  {res['name']}" in text
    repos = [r for r in plan["resources"] if r["type"] == "aws:ecr/repository:Repository"]
    assert repos and all(r["inputs"]["imageTagMutability"] == "IMMUTABLE" for r in repos)
    assert all(r["custom"] for r in repos)
    assert "Outputs:" in text and "registry_id:" in text


def test_json_plan_without_the_gate_has_exactly_the_plan_keys(tmp_path):
    out_file = tmp_path / "plan.json"
    assert main(["dev", "--no-policy", "--json", str(out_file)]) == 0
    assert set(json.loads(out_file.read_text())) == {"project", "stack", "resources", "outputs", "warnings", "cost"}


def test_text_plan_shows_protection_and_counts(capsys):
    assert main(["prod"]) == 0
    text = capsys.readouterr().out
    assert "+ aws:ecr/repository:Repository  registry-myapp-repo  [protected, retained on delete]" in text
    assert "imageScanningConfiguration.scanOnPush: true" in text
    assert "nothing was sent to AWS" in text
    # two repositories, the registry key and two replica keys; the cluster, its key and log group;
    # the flow logs' key; the front door's access-log bucket, its five settings and its policy
    assert "16 protected." in text


def test_config_file_option_and_bad_value_exit_2_without_traceback(stack_file):
    path = stack_file("""
        config:
          aws:region: eu-central-1
          container-platform:repositories:
            - name: ok-repo
            - name: other
              lifecycle:
                keep_last: -3
    """)
    result = preview("custom", "--config-file", str(path))
    assert result.returncode == 2
    assert result.stderr == ("error: stack custom: repositories[1].lifecycle.keep_last: -3 "
                             "is not a positive integer\n")
    assert "Traceback" not in result.stdout + result.stderr


def test_unknown_key_is_an_error(stack_file):
    path = stack_file("""
        config:
          aws:region: eu-central-1
          container-platform:repositories:
            - name: myapp
              scan_on_psh: false
    """)
    result = preview("custom", "--config-file", str(path))
    assert result.returncode == 2
    assert "repositories[0].scan_on_psh: false is set on an unknown key; did you mean scan_on_push?" in result.stderr


def test_secret_values_are_shown_as_secret(stack_file, tmp_path, capsys):
    path = stack_file("""
        config:
          aws:region: eu-central-1
          container-platform:repositories:
            - name: myapp
          container-platform:tags:
            Owner:
              secure: v1:abcdefghijklmnop
    """)
    out_file = tmp_path / "p.json"
    assert main(["custom", "--config-file", str(path), "--json", str(out_file)]) == 0
    plan = json.loads(out_file.read_text())
    (repo,) = [r for r in plan["resources"] if r["type"] == "aws:ecr/repository:Repository"]
    assert repo["inputs"]["tags"]["Owner"] == "[secret]"
    assert "v1:abcdefghijklmnop" not in capsys.readouterr().out + out_file.read_text()


@pytest.mark.parametrize("argv, message", [
    (["nosuchstack"], "Pulumi.nosuchstack.yaml: no such stack file"),
    (["dev", "--config-file", "/nonexistent/Pulumi.x.yaml"], "/nonexistent/Pulumi.x.yaml: no such stack file"),
])
def test_missing_stack_file_exit_2(argv, message):
    result = preview(*argv)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_stack_file_that_is_not_yaml(stack_file, tmp_path):
    path = tmp_path / "Pulumi.broken.yaml"
    path.write_text("config: [unclosed\n")
    result = preview("broken", "--config-file", str(path))
    assert result.returncode == 2
    assert "not valid YAML" in result.stderr and "Traceback" not in result.stderr


def test_bad_arguments_exit_2_naming_the_option():
    result = preview("dev", "--jsn", "x.json")
    assert result.returncode == 2
    assert "unrecognized arguments: --jsn" in result.stderr
    result = preview()
    assert result.returncode == 2 and "the following arguments are required: stack" in result.stderr


def test_json_file_that_cannot_be_written_exit_2(tmp_path):
    result = preview("dev", "--json", str(tmp_path / "missing-dir" / "plan.json"))
    assert result.returncode == 2
    assert "error: --json" in result.stderr and "No such file or directory" in result.stderr


def test_a_cache_token_in_a_stack_file_is_refused_without_showing_it(stack_file):
    path = stack_file("""
        config:
          aws:region: eu-central-1
          container-platform:repositories:
            - name: myapp
              lifecycle: {keep_last: 5}
          container-platform:pull_through_cache:
            rules:
              - upstream: docker-hub
                credentials:
                  access_token:
                    secure: v1:c2VjcmV0LXRva2Vu
    """)
    result = preview("custom", "--config-file", str(path))
    assert result.returncode == 2
    assert result.stderr.startswith('error: stack custom: pull_through_cache.rules[0].credentials.access_token: '
                                    '"(not shown)" is no longer accepted')
    assert "c2VjcmV0LXRva2Vu" not in result.stdout + result.stderr and "Traceback" not in result.stderr


DIGEST = "sha256:" + "ab" * 32


def test_a_rollback_preview_builds_nothing_and_runs_the_digest_ecr_holds(plans):
    """`--ecr-image` makes the offline ECR hold a tag: the plan of a rollback to it."""
    tag = plans("dev").outputs["service"]["tag"]
    result = preview("dev", "--no-cost", "--ecr-image", f"myapp:{tag}={DIGEST}",
                     "--ecr-image", f"myapp:sha-0000000000000000=sha256:{'cd' * 32}")
    assert result.returncode == 0, result.stderr
    assert f"ECR holds (--ecr-image): myapp:{tag}={DIGEST}, myapp:sha-0000000000000000=" in result.stdout
    assert "docker:index/image:Image" not in result.stdout
    assert "Image builds: none (the tag is in ECR: the Deployment runs its digest)" in result.stdout
    assert (f"spec.template.spec.containers[0].image: 111122223333.dkr.ecr.eu-central-1.amazonaws.com/myapp@{DIGEST}"
            in result.stdout)


def test_without_the_tag_in_ecr_the_preview_shows_the_build(plans, capsys):
    tag = plans("dev").outputs["service"]["tag"]
    assert main(["dev", "--no-cost", "--no-policy", "--ecr-image", f"myapp:sha-0000000000000000={DIGEST}"]) == 0
    text = capsys.readouterr().out
    assert "+ docker:index/image:Image  image-image" in text
    assert (f"Image builds: 111122223333.dkr.ecr.eu-central-1.amazonaws.com/myapp:{tag} (built and pushed by "
            "`pulumi up`)") in text


@pytest.mark.parametrize("value, message", [
    ("myapp", "'myapp' is not REPOSITORY:TAG=sha256:DIGEST (e.g. myapp:sha-0f37d15b3dfe60c3=sha256:<64 hex digits>)"),
    (f"myapp={DIGEST}", f"'myapp={DIGEST}' is not REPOSITORY:TAG=sha256:DIGEST"),
    (f"MyApp:v1={DIGEST}", f"'MyApp:v1={DIGEST}': 'MyApp' is not an ECR repository name (2-256 lowercase letters, "
                           "digits and . _ -, optionally in /-separated namespaces)"),
    (f"myapp:-v1={DIGEST}", f"'myapp:-v1={DIGEST}': '-v1' is not an image tag (1-128 letters, digits, _ . -; not "
                            "starting with . or -)"),
    ("myapp:v1=sha256:12", "'myapp:v1=sha256:12': 'sha256:12' is not an image digest (sha256: and 64 lowercase hex "
                           "digits)"),
])
def test_a_bad_ecr_image_exits_2_naming_the_value(value, message):
    result = preview("dev", "--ecr-image", value)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"error: argument --ecr-image: {message}" in result.stderr
