"""Read ``pulumi preview --json`` output for the delivery workflows: what prod's reviewers read, whether
prod's ``up`` still does only what they approved, and whether a drift check found drift.

    python -m tools.plan_check summary PREVIEW.json          # Markdown of every change, for the run's summary
    python -m tools.plan_check compare APPROVED.json CURRENT.json
    python -m tools.plan_check drift PREVIEW.json

**How prod's approval is bound to what runs** (``.github/workflows/deploy.yml``):

1. ``preview prod`` (the read-only preview role) writes ``pulumi preview --json`` to
   ``approved.json``; the run's summary shows ``summary approved.json`` — the reviewers read the very
   file the ``up`` is held to, not a second preview.
2. After the ``prod`` environment's reviewers approve, ``up prod`` (the deploy role) runs
   ``pulumi preview --json --save-plan plan.json`` and ``compare approved.json current.json``: every
   change it would make must be an approved one, with the same operation, the same new inputs, the
   same changed properties and the same replacement reasons. Approved changes it no longer makes
   are fine (a re-run after a partly applied ``up``); anything else stops the job before ``up``.
3. ``pulumi up --plan plan.json`` then applies that checked preview and nothing else: Pulumi's update
   plans make the engine refuse any step the saved preview did not plan ("resource … violates plan").

Why not ``pulumi up --plan`` with the approved preview's own plan: the plan must be saved by the role
that runs ``up``. A cross-account replication destination's provider assumes a read-only role
(``preview_role_arn``) when the preview role runs the program and the writer when the deploy role
does (``components/ecr/replication.py`` ``_destination_role``), and Pulumi holds an ``up`` to every
input the plan recorded: ``checkDiff`` in pulumi/pulumi ``pkg/resource/deploy/plan.go`` fails a
property planned as an update whose new value differs ("properties changed"). So the approval
(by the preview role, before any deploy credential exists) is compared here, and the plan comes from
the deploy role's own preview. ``compare`` ignores exactly that one difference: the ``assumeRoles``
of a ``pulumi:providers:aws``.

Pulumi's plans do accept values unknown at preview ("unknown values in the plan accept any value
(including no value) as valid", ``plan.go``), which an earlier version of this docstring denied;
their known limit is in the same file: an input recorded as an unknown *output value* compares
unequal to the value that arrives (``DeepEqualsIncludeUnknowns`` matches only ``Computed``), which is
what a resource whose provider's configuration is unknown at preview records (the engine then skips
the provider's ``Check``, ``pkg/resource/plugin/provider_plugin.go``): pulumi/pulumi#13765, open,
"violates plan" on pulumi-eks's cluster. Here that is a Kubernetes object while the cluster it goes
to is created or replaced; such an ``up`` stops before that object, and "Re-run all jobs" previews
again with the cluster known.

**Drift** (``.github/workflows/drift.yml``, the preview role, ``--refresh``): any change fails, except
an update of a ``pulumi:providers:aws`` whose only changed input is ``assumeRoles`` — the destination
provider the preview role runs with the read-only role, which ``--expect-no-changes`` would report
as drift every day.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

UNCHANGED = frozenset({"same", "read", "refresh"})
AWS_PROVIDER = "pulumi:providers:aws"
ROLE_DEPENDENT = "assumeRoles"
"""The one input of an AWS provider that depends on which CI role runs the program."""
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""How ``pulumi preview --json`` writes a value unknown at preview (pulumi/pulumi
``pkg/resource/stack/deployment.go`` ``computedValuePlaceholder``)."""
MAX_VALUE = 200


class PlanFileError(Exception):
    """A file that is not ``pulumi preview --json`` output."""


def load(path: Path) -> list[dict]:
    """The preview's steps."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise PlanFileError(f"{path}: cannot be read: {err}") from None
    except json.JSONDecodeError as err:
        raise PlanFileError(f"{path}: not JSON ({err}); give `pulumi preview --json` output") from None
    steps = document.get("steps", []) if isinstance(document, dict) else None
    if not isinstance(steps, list) or not isinstance(document.get("changeSummary", {}), dict):
        raise PlanFileError(f"{path}: has no steps list; give `pulumi preview --json` output")
    for i, step in enumerate(steps):
        if not isinstance(step, dict) or not isinstance(step.get("op"), str) or not isinstance(step.get("urn"), str):
            raise PlanFileError(f"{path}: steps[{i}] has no op and urn")
    return steps


def type_of(urn: str) -> str:
    """A URN's resource type (the last type of its ``PARENT$TYPE`` chain)."""
    return urn.split("::")[2].rsplit("$", 1)[-1] if urn.count("::") >= 3 else ""


def changes(steps: Sequence[dict]) -> dict[str, list[dict]]:
    """The steps that change something, by URN (a replacement is several steps on one URN)."""
    out: dict[str, list[dict]] = {}
    for step in steps:
        if step["op"] not in UNCHANGED:
            out.setdefault(step["urn"], []).append(step)
    return out


def _inputs(step: Mapping[str, Any], ignore: frozenset[str] = frozenset()) -> dict:
    inputs = dict((step.get("newState") or {}).get("inputs") or {})
    return {k: v for k, v in inputs.items() if k not in ignore}


def _fingerprint(step: Mapping[str, Any], ignore: frozenset[str]) -> dict:
    """What an approver approved of one step: the operation, the new inputs, which properties change
    and how, why it replaces, and the resource options that make it what it is."""
    new = step.get("newState") or {}
    detailed = {k: v.get("kind") if isinstance(v, dict) else v for k, v in (step.get("detailedDiff") or {}).items()
                if k.split(".", 1)[0].split("[", 1)[0] not in ignore}
    return {"op": step["op"], "inputs": _inputs(step, ignore), "detailedDiff": detailed,
            "diffReasons": sorted(k for k in step.get("diffReasons") or [] if k not in ignore),
            "replaceReasons": sorted(step.get("replaceReasons") or []),
            "protect": bool(new.get("protect")), "retainOnDelete": bool(new.get("retainOnDelete")),
            "parent": new.get("parent"), "provider": str(new.get("provider") or "").rsplit("::", 1)[0]}


def _ignored(urn: str) -> frozenset[str]:
    return frozenset({ROLE_DEPENDENT}) if type_of(urn) == AWS_PROVIDER else frozenset()


def _differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two JSON values differ, as property paths (at most a few, for the message)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            out += _differences(a.get(key), b.get(key), f"{path}.{key}" if path else str(key))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [path or "(the step)"]


def compare(approved: Sequence[dict], current: Sequence[dict]) -> tuple[list[str], list[str]]:
    """(What ``current`` would do that was not approved, approved changes it no longer makes)."""
    wanted, planned = changes(approved), changes(current)
    refused: list[str] = []
    for urn, steps in sorted(planned.items()):
        ignore = _ignored(urn)
        if urn not in wanted:
            refused += [f"not approved: {s['op']} {urn}" for s in steps]
            continue
        mine = [_fingerprint(s, ignore) for s in steps]
        theirs = [_fingerprint(s, ignore) for s in wanted[urn]]
        if mine == theirs:
            continue
        ops, approved_ops = [s["op"] for s in steps], [s["op"] for s in wanted[urn]]
        if ops != approved_ops:
            refused.append(f"not approved: {'+'.join(ops)} {urn} (approved: {'+'.join(approved_ops)})")
            continue
        where = sorted({d for m, t in zip(mine, theirs, strict=True) for d in _differences(t, m)})
        refused.append(f"not approved: {'+'.join(ops)} {urn} differs in {', '.join(where[:6])}")
    gone = [f"approved, no longer planned: {s['op']} {urn}" for urn, steps in sorted(wanted.items())
            if urn not in planned for s in steps if not _role_dependent_only(s)]
    return refused, gone


def _role_dependent_only(step: Mapping[str, Any]) -> bool:
    """An update of an AWS provider whose only changed input is ``assumeRoles``."""
    if step["op"] != "update" or type_of(step["urn"]) != AWS_PROVIDER:
        return False
    keys = set(step.get("diffReasons") or []) | {k.split(".", 1)[0].split("[", 1)[0]
                                                   for k in step.get("detailedDiff") or {}}
    return keys == {ROLE_DEPENDENT}


def drift(steps: Sequence[dict]) -> list[str]:
    """Every change a refreshed preview found, but the role-dependent provider input."""
    return [f"{s['op']} {urn}" + (f" ({', '.join(sorted(s.get('diffReasons') or []))})" if s.get("diffReasons") else "")
            for urn, group in sorted(changes(steps).items()) for s in group if not _role_dependent_only(s)]


def _show(value: Any) -> str:
    text = "(unknown until applied)" if value == UNKNOWN else json.dumps(value, sort_keys=True)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE] + "…"


def _lookup(inputs: Any, path: str) -> Any:
    node = inputs
    for part in path.replace("]", "").replace("[", ".").split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def summary(steps: Sequence[dict]) -> str:
    """The changes as Markdown: each step's operation and resource, and each changed property's old
    and new value (secrets are ``[secret]`` in the preview's JSON already)."""
    found = changes(steps)
    if not found:
        return "No changes.\n"
    lines = [f"{sum(len(v) for v in found.values())} changes:", ""]
    for urn, group in sorted(found.items()):
        for step in group:
            name = urn.rsplit("::", 1)[-1]
            lines.append(f"- **{step['op']}** `{type_of(urn)}` `{name}`"
                         + (f" — replaces because of {', '.join(step['replaceReasons'])}"
                            if step.get("replaceReasons") else ""))
            old = (step.get("oldState") or {}).get("inputs") or {}
            new = (step.get("newState") or {}).get("inputs") or {}
            for path, diff in sorted((step.get("detailedDiff") or {}).items()):
                kind = diff.get("kind") if isinstance(diff, dict) else diff
                lines.append(f"  - `{path}` ({kind}): {_show(_lookup(old, path))} → {_show(_lookup(new, path))}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str]) -> int:
    usage = ("usage: python -m tools.plan_check summary PREVIEW.json | compare APPROVED.json CURRENT.json | "
             "drift PREVIEW.json")
    command, files = (argv[0], list(argv[1:])) if argv else ("", [])
    if (command, len(files)) not in {("summary", 1), ("compare", 2), ("drift", 1)}:
        print(usage, file=sys.stderr)
        return 2
    try:
        loaded = [load(Path(f)) for f in files]
    except PlanFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if command == "summary":
        print(summary(loaded[0]), end="")
        return 0
    if command == "drift":
        found = drift(loaded[0])
        if found:
            print(f"Drift: the stack differs from the code in {len(found)} place(s):", file=sys.stderr)
            print("\n".join(f"  {line}" for line in found), file=sys.stderr)
            return 1
        print("No drift (an AWS provider's assumeRoles, which depends on the CI role, is not drift).")
        return 0
    refused, gone = compare(loaded[0], loaded[1])
    if refused:
        print("The changes differ from the approved preview; nothing was applied. Re-run all jobs (not only the "
              "failed one) to preview again and ask the reviewers to approve the new changes:", file=sys.stderr)
        print("\n".join(f"+ {line}" for line in refused), file=sys.stderr)
        return 1
    for line in gone:
        print(f"- {line} (already applied, or no longer needed)")
    print(f"The changes are approved ones ({sum(len(v) for v in changes(loaded[1]).values())} steps).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
