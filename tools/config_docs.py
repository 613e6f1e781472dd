"""Write the generated parts of docs/: the stack-configuration tables of docs/configuration.md
(from ``stack_config/schema.py``), the policy table of docs/policies.md (from the policies the
pack registers, ``policy_pack/support.py``) and the catalog's table and sources in
docs/permissions.md (from ``components/shared/catalog.json``).

    python -m tools.config_docs          # rewrite the generated parts
    python -m tools.config_docs --check  # exit 1 if any is out of date (the tests do this)

Each configuration table stands between ``<!-- config-table: SECTION -->`` and
``<!-- /config-table -->``, the policy table between ``<!-- policy-table -->`` and
``<!-- /policy-table -->``, the catalog's between ``<!-- catalog-table -->`` (and
``<!-- catalog-sources -->``) and their closing comments; the prose around them is written by hand.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

from stack_config import schema
from tools.harness import ROOT

README = ROOT / "docs" / "configuration.md"
POLICIES = ROOT / "docs" / "policies.md"
PERMISSIONS = ROOT / "docs" / "permissions.md"
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


def _block(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- {name} -->\n)(?:.*\n)*?(<!-- /{name} -->)")


def _actions(actions: tuple[str, ...]) -> str:
    return ", ".join(f"`{a}`" for a in actions) or "—"


def catalog_table() -> str:
    """One row per catalog type: who applies it, and the actions each operation calls."""
    from components.shared import catalog

    lines = ["| type | Terraform | applied by | read / invoke (preview and deploy) | create | update | delete |",
             "|---|---|---|---|---|---|---|"]
    for t in catalog.load().values():
        if t.kind == "component":
            children = ", ".join(f"`{c}`" for c in t.children)
            lines.append(f"| `{t.token}` | (pulumi-eks) | deploy | its children: {children} | | | |")
            continue
        who = "administrator" if t.admin else "deploy"
        reads = _actions(tuple(a for a in t.actions("read", "invoke") if a not in catalog.data_reads()))
        data = [a for a in t.actions("read", "invoke") if a in catalog.data_reads()]
        if data:
            reads += f"; data, deploy only: {_actions(tuple(data))}"
        if t.kind == "invoke" and not t.operations:
            reads = "none (answered by the provider without a call)"
        lines.append(f"| `{t.token}` | {f'`{t.tf}`' if t.tf else '—'} | {who} | {reads} | "
                     f"{_actions(t.actions('create'))} | {_actions(t.actions('update'))} | "
                     f"{_actions(t.actions('delete'))} |")
    return "\n".join(lines)


def catalog_sources() -> str:
    """Where the catalog's data came from, as the generator recorded it."""
    from components.shared import catalog

    g = catalog.generated()
    tf = cast(list[dict[str, str]], g["terraform_provider_aws"])
    eks = cast(dict[str, str], g["pulumi_eks"])
    iam = cast(dict[str, str], g["iam_data"])
    files = cast(dict[str, str], g["files"])
    types = catalog.load().values()
    actions = {a for t in types for ops in t.operations.values() for a in ops}
    pairs = sum(len(ops) for t in types for ops in t.operations.values())
    forks = sorted({f.split(":", 1)[0] for f in files if ":" in f})
    from_index = sum(1 for c in files.values() if c.startswith("index-id-"))
    lines = [
        f"- generated on {g['on']} in {g['seconds']} s: {len(catalog.load())} types, {pairs} (operation, action) "
        f"pairs of {len(actions)} actions, "
        f"{len(catalog.gaps())} gaps",
        *(f"- `{s['repository']}` at `{s['commit']}`" for s in tf),
        f"- `{eks['repository']}` at `{eks['commit']}`",
        f"- AWS's IAM data: `{iam['package']}` {iam['version']}",
        f"- {len(files)} provider files read, each with the commit it came from; {from_index} without a "
        f"recorded commit (`index-id-N`), {sum(1 for f in files if ':' in f)} from forks ({', '.join(forks)})",
    ]
    return "\n".join(lines)


def _replacement(generated: str) -> Callable[[re.Match[str]], str]:
    return lambda m: m.group(1) + generated + "\n" + m.group(2)


def render_permissions(text: str) -> str:
    for name, body in (("catalog-table", catalog_table), ("catalog-sources", catalog_sources)):
        pattern = _block(name)
        if not pattern.search(text):
            raise KeyError(f"docs/permissions.md has no <!-- {name} --> block")
        text = pattern.sub(_replacement(body()), text)
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.config_docs", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if a generated part is out of date")
    args = parser.parse_args(argv)
    stale: list[Path] = []
    for path, rewrite in ((README, render), (POLICIES, render_policies), (PERMISSIONS, render_permissions)):
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
