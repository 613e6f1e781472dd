"""What the delivery workflows ask of the stack files.

    python tools/stacks.py matrix                  # ["dev", "prod"]: a stack per Pulumi.STACK.yaml
    python -m tools.stacks region STACK            # the stack's aws:region, as the CLI reads it
    python -m tools.stacks jobs WORKFLOW RUN_ID ATTEMPT JOB [JOB ...] [--require STACK,...]
        # which stacks WORKFLOW (pull-request, deploy, drift) runs cloud jobs for, and each JOB's
        # runs-on labels on each stack's runner; the stacks it cannot run are skipped with a notice

``matrix`` needs nothing beyond the standard library (it runs before anything is installed); the
others read the stack file with the program's own config reader, so the labels are the program's.

``jobs`` writes ``stacks`` (a JSON list), ``runners`` (``{JOB: {STACK: labels}}``) and ``skipped``
(``{STACK: why}``) to ``$GITHUB_OUTPUT`` (or prints them), and a ``::notice`` per skipped stack — a
job is never queued for a runner that does not exist (GitHub keeps a self-hosted job queued up to 24
hours). A stack is skipped when:

* it has no ``delivery`` section (no CI role to run as);
* its CodeBuild runner does not exist yet: the stack file names no ``delivery.runners.connection_arn``
  (the first ``up`` creates the connection, and the runner waits for it to be approved and named);
* the workflow is ``pull-request`` and the stack serves no pull request
  (``delivery.runners.pull_requests: false``);
* the repository variable ``PULUMI_TOKEN_TYPE`` is ``organization`` and the workflow is
  ``pull-request``: an organization token reaches every stack the organization's default role does,
  so a pull request's code never gets one.

``--require`` makes a skipped stack an error (the deploy workflow: a merge that cannot deploy must
fail, not pass). Every stack's ``delivery.github_repository`` is also checked against
``$GITHUB_REPOSITORY``, GitHub's own spelling of the repository: the roles trust it in the OIDC
subject, which IAM compares case-sensitively, so a difference would only show as AccessDenied.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_JOB_RE = re.compile(r"^[a-z][a-z0-9-]{0,40}\Z")
WORKFLOWS = ("pull-request", "deploy", "drift")
TOKEN_TYPES = ("team", "organization")
USAGE = ("usage: python tools/stacks.py matrix | python -m tools.stacks region STACK | "
         "python -m tools.stacks jobs WORKFLOW RUN_ID ATTEMPT JOB [JOB ...] [--require STACK,...]")


def stacks(root: Path = ROOT) -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in root.glob("Pulumi.*.yaml"))


@dataclass
class Jobs:
    """What one workflow run does per stack."""

    stacks: list[str] = field(default_factory=list)
    runners: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def plan_jobs(workflow: str, run_id: str, attempt: str, jobs: Sequence[str], *, token_type: str = "team",
              repository: str | None = None, root: Path = ROOT) -> Jobs:
    """The stacks ``workflow`` runs, each ``job``'s labels on their runners, and why others are skipped."""
    import stack_config
    from components.delivery.runners import runs_on
    from tools.harness import load_stack

    out = Jobs(runners={job: {} for job in jobs})
    for stack in stacks(root):
        settings = load_stack(stack, root=root)
        parsed = stack_config.parse(settings.config, project=settings.project, stack=stack,
                                    secret_keys=settings.secret_keys)
        delivery, runners = parsed.delivery, parsed.runners
        if delivery is None or runners is None:
            out.skipped[stack] = (f"Pulumi.{stack}.yaml has no delivery section, so no CI role can run a cloud job "
                                  "for it; only the offline preview checks it")
            continue
        if repository is not None and delivery.repository != repository:
            same = delivery.repository.lower() == repository.lower()
            out.errors.append(
                f"Pulumi.{stack}.yaml: delivery.github_repository is {delivery.repository!r}, but GitHub names this "
                f"repository {repository!r}" + (
                    " (only the case differs: IAM compares the OIDC subject case-sensitively, so no job would get "
                    "the roles)" if same else " (the roles trust the other repository only)")
                + f"; set it to {repository}")
            continue
        if runners.mode == "codebuild" and runners.connection_arn is None:
            out.skipped[stack] = (
                f"{stack} has no runner yet: its CodeBuild project and webhook wait for the GitHub connection its "
                f"first `up` created to be approved and named in delivery.runners.connection_arn "
                f"(docs/delivery.md#the-first-up-and-the-github-connection)")
            continue
        if workflow == "pull-request" and not runners.pull_requests:
            out.skipped[stack] = (
                f"pull requests get no cloud preview of {stack} (delivery.runners.pull_requests: false: its runner "
                f"serves the default branch only); the offline preview and policy gate ran, and {stack}'s own "
                f"preview is the one its reviewers approve in the deploy workflow")
            continue
        if workflow == "pull-request" and token_type == "organization":
            out.skipped[stack] = (
                f"no cloud preview of {stack} with PULUMI_TOKEN_TYPE=organization: an organization token reaches "
                f"every stack of the organization, so a pull request's code never gets one (team tokens, Pulumi "
                f"Enterprise, can be limited to one stack: docs/delivery.md#what-each-plan-allows)")
            continue
        out.stacks.append(stack)
        for job in jobs:
            out.runners[job][stack] = runs_on(runners, job, run_id, attempt)
    return out


def _notice(text: str, title: str) -> str:
    # Workflow commands end at a newline; their data escapes %, CR and LF (GitHub's toolkit:
    # actions/toolkit packages/core/src/command.ts escapeData).
    data = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::notice title={title}::{data}"


def main(argv: list[str], env: Mapping[str, str] = os.environ) -> int:
    if argv[:1] == ["matrix"] and len(argv) == 1:
        print(json.dumps(stacks()))
        return 0
    if argv[:1] == ["region"] and len(argv) == 2:
        if argv[1] not in stacks():
            print(f"error: {argv[1]}: no Pulumi.{argv[1]}.yaml; stacks: {', '.join(stacks())}", file=sys.stderr)
            return 2
        from tools.harness import load_stack

        region = load_stack(argv[1]).config.get("aws:region")
        if not region:
            print(f"error: Pulumi.{argv[1]}.yaml sets no aws:region", file=sys.stderr)
            return 2
        print(region)
        return 0
    if argv[:1] == ["jobs"] and len(argv) >= 5:
        args, required = list(argv[1:]), []
        if "--require" in args:
            i = args.index("--require")
            if i + 1 >= len(args):
                print(USAGE, file=sys.stderr)
                return 2
            required = [s for s in args[i + 1].split(",") if s]
            del args[i:i + 2]
        workflow, run_id, attempt, *jobs = args
        if workflow not in WORKFLOWS:
            print(f"error: jobs: WORKFLOW {workflow!r} is not one of {', '.join(WORKFLOWS)}", file=sys.stderr)
            return 2
        for name, value in (("RUN_ID", run_id), ("ATTEMPT", attempt)):
            if not value.isdigit():
                print(f"error: jobs: {name} {value!r} is not a number (github.run_id, github.run_attempt)",
                      file=sys.stderr)
                return 2
        for job in jobs:
            if not _JOB_RE.match(job):
                print(f"error: jobs: JOB {job!r} is not a job name (lowercase letters, digits and -)", file=sys.stderr)
                return 2
        if not jobs:
            print(USAGE, file=sys.stderr)
            return 2
        token_type = env.get("PULUMI_TOKEN_TYPE") or "team"
        if token_type not in TOKEN_TYPES:
            print(f"error: the repository variable PULUMI_TOKEN_TYPE is {token_type!r}; use team (Pulumi Enterprise "
                  f"or Business Critical) or organization (Team edition)", file=sys.stderr)
            return 2
        unknown = [s for s in required if s not in stacks()]
        if unknown:
            print(f"error: jobs: --require names no stack file: {', '.join(unknown)}", file=sys.stderr)
            return 2
        from components.shared.errors import InvalidValue
        from stack_config import ConfigError

        try:
            found = plan_jobs(workflow, run_id, attempt, jobs, token_type=token_type,
                              repository=env.get("GITHUB_REPOSITORY") or None)
        except (InvalidValue, ConfigError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        for stack, why in found.skipped.items():
            print(_notice(why, f"No cloud job for {stack}"))
        for stack in required:
            if stack in found.skipped:
                found.errors.append(f"the {workflow} workflow needs {stack}'s runner: {found.skipped[stack]}")
        for error in found.errors:
            print(f"::error::{error}")
        if found.errors:
            return 1
        lines = [f"stacks={json.dumps(found.stacks)}", f"runners={json.dumps(found.runners)}",
                 f"skipped={json.dumps(found.skipped)}"]
        if env.get("GITHUB_OUTPUT"):
            with open(env["GITHUB_OUTPUT"], "a", encoding="utf-8") as output:
                output.write("\n".join(lines) + "\n")
        else:
            print("\n".join(lines))
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
