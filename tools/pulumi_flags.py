"""The Pulumi CLI's commands and flags, read from a pulumi/pulumi checkout's cobra definitions
(``pkg/cmd/pulumi/**.go``), written to ``tests/program/pulumi_cli_flags.json`` with the file and
line of each flag, so that the tests can check every ``pulumi …`` command the docs give without
the CLI (``tests/program/test_doc_commands.py``).

    python -m tools.pulumi_flags --repo PULUMI_CHECKOUT [--commit SHA] [--version TAG] [--check]

A command's path comes from its file: ``stack/stack_select.go`` is ``pulumi stack select``,
``operations/up.go`` is ``pulumi up`` (the file's cobra ``Use:``). Its flags are those its file
declares (``Flags()`` and ``PersistentFlags()``), those its parent commands' files declare as
persistent, and the root command's persistent flags (``pulumi.go``).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tools.harness import ROOT

DATA = ROOT / "tests" / "program" / "pulumi_cli_flags.json"
_FLAG = re.compile(r"\.(?P<kind>PersistentFlags|Flags)\(\)\.\w+\(\s*(?:&[\w.\[\]]+,\s*)?\"(?P<name>[a-z0-9-]+)\"", re.S)
_USE = re.compile(r"\bUse:\s*\"(?P<use>[a-z][a-z0-9-]*)")
_ALIASES = re.compile(r"\bAliases:\s*\[\]string\{(?P<names>[^}]*)\}")


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


_TOP = {"operations", "cancel", "install", "login", "logout", "whoami", "about", "console", "convert", "new",
        "version", "watch", "env", "gen_completion", "markdown", "trace", "project", "auth", "newcmd"}
"""Folders whose commands hang off the root (``operations/up.go`` is ``pulumi up``)."""


def command_of(path: Path, use: str) -> str:
    """``pulumi stack select`` for a ``Use: "select"`` in ``stack/…``; ``pulumi up`` in ``operations/``."""
    folder = path.parent.name
    if folder in _TOP or folder == use or path.parent.as_posix() == "pkg/cmd/pulumi":
        return use
    return f"{folder} {use}"


def _rank(path: Path, use: str) -> int:
    """How surely a file defines ``use`` of its folder: ``stack/stack_new.go`` over a ``new`` of a
    nested group in the same folder (``stack/stack_webhook_new.go``)."""
    folder = path.parent.name
    return 0 if path.stem in {f"{folder}_{use}", use, folder} else 1


def read(repo: Path, rev: str) -> dict:
    files = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only", rev, "pkg/cmd/pulumi"],
                           check=True, capture_output=True, text=True).stdout.split()
    found: dict[str, tuple[int, dict[str, str], dict[str, str]]] = {}
    for name in files:
        if not name.endswith(".go") or name.endswith("_test.go"):
            continue
        text = subprocess.run(["git", "-C", str(repo), "show", f"{rev}:{name}"], check=True,
                              capture_output=True, text=True).stdout
        # One cobra command per function: its Use and the flags the same function declares.
        starts = [0] + [m.start() for m in re.finditer(r"\nfunc ", text)] + [len(text)]
        for begin, end in zip(starts, starts[1:], strict=False):
            block = text[begin:end]
            use = _USE.search(block)
            if use is None:
                continue
            path = Path(name)
            flags: dict[str, str] = {}
            persistent: dict[str, str] = {}
            for match in _FLAG.finditer(block):
                where = f"{name}:{_line(text, begin + match.start('name'))}"
                flags[f"--{match['name']}"] = where
                if match["kind"] == "PersistentFlags":
                    persistent[f"--{match['name']}"] = where
            aliases = _ALIASES.search(block)
            names = [use["use"], *re.findall(r'"([a-z][a-z0-9-]*)"', aliases["names"] if aliases else "")]
            for word in names:  # `pulumi config rm` is `config remove`
                command = "" if name == "pkg/cmd/pulumi/pulumi.go" and word == "pulumi" else command_of(path, word)
                rank = _rank(path, use["use"])
                if command not in found or rank < found[command][0]:
                    found[command] = (rank, flags, persistent)
    return {"commands": {c: found[c][1] for c in sorted(found)},
            "persistent": {c: found[c][2] for c in sorted(found) if found[c][2]}}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.pulumi_flags", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repo", type=Path, required=True, help="a pulumi/pulumi git directory")
    parser.add_argument("--rev", default="HEAD", help="the revision to read (default: HEAD)")
    parser.add_argument("--check", action="store_true", help="only check that the data file matches")
    args = parser.parse_args(argv)
    rev = subprocess.run(["git", "-C", str(args.repo), "rev-parse", args.rev], check=True, capture_output=True,
                         text=True).stdout.strip()
    described = subprocess.run(["git", "-C", str(args.repo), "describe", "--tags", rev], capture_output=True,
                               text=True).stdout.strip()
    found = read(args.repo, rev)
    data = {"about": (f"Flags of the Pulumi CLI from pulumi/pulumi {described or rev} ({rev}), "
                      "pkg/cmd/pulumi: written by python -m tools.pulumi_flags. CI pins the CLI 3.272.0 "
                      "(.github/actions/stack-setup/action.yml); a flag found here is taken to exist there too "
                      "(flags are deprecated before they are removed)."),
            "commit": rev, **found}
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    if args.check:
        return 0 if DATA.exists() and DATA.read_text(encoding="utf-8") == text else 1
    DATA.write_text(text, encoding="utf-8")
    print(f"{DATA.relative_to(ROOT)}: {len(found['commands'])} commands")
    return 0


if __name__ == "__main__":
    sys.exit(main())
