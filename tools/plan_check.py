"""Stop a production ``up`` whose changes are not the ones its approvers saw.

    python -m tools.plan_check APPROVED.json CURRENT.json

Both files are ``pulumi preview --json`` output: the preview the deploy workflow showed before the
``prod`` environment's reviewers approved, and a preview taken right before ``up``. Their changes
(each step's operation and URN, steps that change nothing left out) must be the same; otherwise
the exit status is 1 and the differences are listed, and the workflow stops before ``up``.

Why not ``pulumi up --plan``: update plans are still experimental in the Pulumi CLI and refuse
outputs that are unknown at preview (an image digest, a role ARN), which every first deploy has.
Comparing the changes is what an approver actually approved; the values inside a change are shown
in the approved preview and judged again by the policy pack in ``up``'s own preview.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

UNCHANGED = frozenset({"same", "read", "refresh"})


class PlanFileError(Exception):
    """A file that is not ``pulumi preview --json`` output."""


def changes(path: Path) -> Counter[tuple[str, str]]:
    """The (operation, URN) of every step that changes something."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise PlanFileError(f"{path}: cannot be read: {err}") from None
    except json.JSONDecodeError as err:
        raise PlanFileError(f"{path}: not JSON ({err}); give `pulumi preview --json` output") from None
    steps = document.get("steps") if isinstance(document, dict) else None
    if not isinstance(steps, list):
        raise PlanFileError(f"{path}: has no steps list; give `pulumi preview --json` output")
    out: Counter[tuple[str, str]] = Counter()
    for i, step in enumerate(steps):
        if not isinstance(step, dict) or not isinstance(step.get("op"), str) or not isinstance(step.get("urn"), str):
            raise PlanFileError(f"{path}: steps[{i}] has no op and urn")
        if step["op"] not in UNCHANGED:
            out[(step["op"], step["urn"])] += 1
    return out


def compare(approved: Counter[tuple[str, str]], current: Counter[tuple[str, str]]) -> list[str]:
    """What ``current`` would do that was not approved, and what was approved but is gone."""
    lines = [f"+ not approved: {op} {urn}" for op, urn in sorted((current - approved).elements())]
    lines += [f"- approved, no longer planned: {op} {urn}" for op, urn in sorted((approved - current).elements())]
    return lines


def main(argv: Sequence[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m tools.plan_check APPROVED.json CURRENT.json", file=sys.stderr)
        return 2
    try:
        approved, current = changes(Path(argv[0])), changes(Path(argv[1]))
    except PlanFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    differences = compare(approved, current)
    if differences:
        print("The changes differ from the approved preview; nothing was applied. Re-run the workflow "
              "to preview and approve again:", file=sys.stderr)
        print("\n".join(differences), file=sys.stderr)
        return 1
    print(f"The changes are the approved ones ({sum(current.values())} steps).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
