"""What the delivery workflows ask of the stack files.

    python tools/stacks.py matrix                  # ["dev", "prod"]: a stack per Pulumi.STACK.yaml
    python -m tools.stacks region STACK            # the stack's aws:region, as the CLI reads it
    python -m tools.stacks runners JOB RUN_ID ATTEMPT
        # {"dev": ["codebuild-platform-dev-gha-runner-RUN_ID-ATTEMPT", "JOB"], ...}: each stack's
        # runs-on labels for one job of one workflow run, from the stack's delivery.runners

``matrix`` needs nothing beyond the standard library (it runs before anything is installed); the
others read the stack file with the program's own config reader, so the labels are the program's.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_JOB_RE = re.compile(r"^[a-z][a-z0-9-]{0,40}\Z")
USAGE = ("usage: python tools/stacks.py matrix | python -m tools.stacks region STACK | "
         "python -m tools.stacks runners JOB RUN_ID ATTEMPT")


def stacks(root: Path = ROOT) -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in root.glob("Pulumi.*.yaml"))


def runners(job: str, run_id: str, attempt: str, root: Path = ROOT) -> dict[str, list[str]]:
    """Each stack's ``runs-on`` labels for ``job`` (GitHub-hosted for a stack without delivery)."""
    import stack_config
    from components.delivery.runners import runs_on
    from tools.harness import load_stack

    out = {}
    for stack in stacks(root):
        settings = load_stack(stack, root=root)
        parsed = stack_config.parse(settings.config, project=settings.project, stack=stack,
                                    secret_keys=settings.secret_keys)
        out[stack] = (runs_on(parsed.runners, job, run_id, attempt) if parsed.runners is not None
                      else ["ubuntu-latest"])
    return out


def main(argv: list[str]) -> int:
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
    if argv[:1] == ["runners"] and len(argv) == 4:
        job, run_id, attempt = argv[1:]
        if not _JOB_RE.match(job):
            print(f"error: runners: JOB {job!r} is not a job name (lowercase letters, digits and -)", file=sys.stderr)
            return 2
        for name, value in (("RUN_ID", run_id), ("ATTEMPT", attempt)):
            if not value.isdigit():
                print(f"error: runners: {name} {value!r} is not a number (github.run_id, github.run_attempt)",
                      file=sys.stderr)
                return 2
        from components.shared.errors import InvalidValue

        try:
            print(json.dumps(runners(job, run_id, attempt)))
        except InvalidValue as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
