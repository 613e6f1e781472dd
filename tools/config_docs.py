"""Write the stack-configuration tables of docs/configuration.md from the schema (``stack_config/schema.py``).

    python -m tools.config_docs          # rewrite README.md's generated tables
    python -m tools.config_docs --check  # exit 1 if docs/configuration.md is out of date (the tests do this)

Each table stands between ``<!-- config-table: SECTION -->`` and ``<!-- /config-table -->``;
the prose around the tables is written by hand.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

from stack_config import schema
from tools.harness import ROOT

README = ROOT / "docs" / "configuration.md"
_BLOCK = re.compile(r"(<!-- config-table: (?P<section>[^>]+?) -->\n)(?P<body>(?:\|.*\n)*)(<!-- /config-table -->)")


def render(text: str) -> str:
    """``text`` with every generated table rewritten; raises ``KeyError`` for an unknown section."""
    seen: list[str] = []

    def table(match: re.Match[str]) -> str:
        section = match["section"]
        if section not in schema.SECTIONS:
            raise KeyError(f"README names a config section the schema does not have: {section}")
        seen.append(section)
        return match.group(1) + schema.render_table(section) + "\n" + match.group(4)

    out = _BLOCK.sub(table, text)
    missing = [s for s in schema.SECTIONS if s not in seen]
    if missing:
        raise KeyError(f"README has no generated table for: {', '.join(missing)}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.config_docs", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if docs/configuration.md is out of date")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    try:
        new = render(text)
    except KeyError as err:
        print(f"error: {err.args[0]}", file=sys.stderr)
        return 2
    if new == text:
        return 0
    if args.check:
        print("docs/configuration.md is out of date: run python -m tools.config_docs", file=sys.stderr)
        return 1
    README.write_text(new, encoding="utf-8")
    print("docs/configuration.md: configuration tables rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
