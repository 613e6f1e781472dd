"""Write the generated parts of docs/: the stack-configuration tables of docs/configuration.md
(from ``stack_config/schema.py``) and the policy table of docs/policies.md (from the policies the
pack registers, ``policy_pack/support.py``).

    python -m tools.config_docs          # rewrite the generated parts
    python -m tools.config_docs --check  # exit 1 if any is out of date (the tests do this)

Each configuration table stands between ``<!-- config-table: SECTION -->`` and
``<!-- /config-table -->``, the policy table between ``<!-- policy-table -->`` and
``<!-- /policy-table -->``; the prose around them is written by hand.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from stack_config import schema
from tools.harness import ROOT

README = ROOT / "docs" / "configuration.md"
POLICIES = ROOT / "docs" / "policies.md"
_BLOCK = re.compile(r"(<!-- config-table: (?P<section>[^>]+?) -->\n)(?P<body>(?:\|.*\n)*)(<!-- /config-table -->)")
_POLICY_BLOCK = re.compile(r"(<!-- policy-table -->\n)(?:\|.*\n)*(<!-- /policy-table -->)")
_KIND = {("resource", "mandatory"): "resource: **prevents**", ("resource", "advisory"): "resource: warns before",
         ("stack", "mandatory"): "stack: **detects**", ("stack", "advisory"): "stack: warns after"}


def render(text: str) -> str:
    """``text`` with every generated table rewritten; raises ``KeyError`` for an unknown section."""
    seen: list[str] = []

    def table(match: re.Match[str]) -> str:
        section = match["section"]
        if section not in schema.SECTIONS:
            raise KeyError(f"docs/configuration.md names a config section the schema does not have: {section}")
        seen.append(section)
        return match.group(1) + schema.render_table(section) + "\n" + match.group(4)

    out = _BLOCK.sub(table, text)
    missing = [s for s in schema.SECTIONS if s not in seen]
    if missing:
        raise KeyError(f"docs/configuration.md has no generated table for: {', '.join(missing)}")
    return out


def policy_table() -> str:
    """The policy table, one row per registered policy, in the order the pack serves them."""
    pack = str(ROOT / "policy_pack")
    if pack not in sys.path:
        sys.path.insert(0, pack)  # the pack's modules import as its own process imports them
    import container_policies
    from support import REGISTRY

    lines = ["| policy | kind: during `pulumi up` it | what it checks | default level | why |", "|---|---|---|---|---|"]
    for policy in container_policies.POLICIES:
        entry = REGISTRY[policy.name]
        level = policy.enforcement_level.value if policy.enforcement_level is not None else "advisory"
        lines.append(f"| `{policy.name}` | {_KIND[(entry.kind, level)]} | {entry.checks} | {level} | {entry.why} |")
    return "\n".join(lines)


def render_policies(text: str) -> str:
    if not _POLICY_BLOCK.search(text):
        raise KeyError("docs/policies.md has no <!-- policy-table --> block")
    return _POLICY_BLOCK.sub(lambda m: m.group(1) + policy_table() + "\n" + m.group(2), text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.config_docs", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if a generated part is out of date")
    args = parser.parse_args(argv)
    stale: list[Path] = []
    for path, rewrite in ((README, render), (POLICIES, render_policies)):
        text = path.read_text(encoding="utf-8")
        try:
            new = rewrite(text)
        except KeyError as err:
            print(f"error: {err.args[0]}", file=sys.stderr)
            return 2
        if new == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(new, encoding="utf-8")
            print(f"{path.relative_to(ROOT)}: generated parts rewritten")
    if stale and args.check:
        names = ", ".join(str(p.relative_to(ROOT)) for p in stale)
        print(f"{names} out of date: run python -m tools.config_docs", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
