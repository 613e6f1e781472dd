"""The README stays a ten-minute read, and what it and docs/ name exists: every relative link and
repository path, and every stack key (``container-platform:KEY`` or a key path in backticks)."""

from __future__ import annotations

import re

import pytest

from stack_config import schema
from tools import config_docs
from tools.harness import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "app" / "README.md"]
# A repository path in backticks: a top-level directory of this repo, then a path.
TOP = ("components", "stack_config", "policy_pack", "tools", "tests", "app", "docs", "examples", ".github", ".ci")
_PATH = re.compile(r"`((?:" + "|".join(re.escape(t) for t in TOP) + r")/[A-Za-z0-9_./-]*[A-Za-z0-9_/-])`")
_LINK = re.compile(r"\]\(((?!https?://|#|mailto:)[^)#\s]+)(?:#[^)]*)?\)")
_KEY = re.compile(r"container-platform:([a-z_]+(?:\.[a-z_\[\]0-9]+)*)")
_KEYS = {k.path for k in schema.KEYS if k.own_namespace}
# Keys the program refuses with a pointer to their successor; the docs name them to say so.
RETIRED = {"cluster.node_group"}
_PARENTS = {k.parent for k in schema.KEYS if k.own_namespace and k.parent}


_ANCHOR_LINK = re.compile(r"\]\(((?!https?://)[^)#\s]*)#([^)\s]+)\)")


def _anchors(text: str) -> set[str]:
    """The anchors GitHub gives a Markdown file's headings (outside code blocks)."""
    out, in_code = set(), False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            out.add(re.sub(r"[^a-z0-9 _-]", "", title).replace(" ", "-"))
    return out


def _key_path(text: str) -> str:
    return re.sub(r"\[[0-9]+\]", "[]", text)


def test_the_readme_is_short():
    lines = (ROOT / "README.md").read_text().count("\n")
    assert lines <= 250, f"README.md has {lines} lines; move detail to docs/"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_named_path_exists(doc):
    text = doc.read_text()
    missing = [link for link in _LINK.findall(text) if not (doc.parent / link).exists()]
    missing += [path for path in _PATH.findall(text)
                if "*" not in path and "STACK" not in path and not (ROOT / path.rstrip("/")).exists()]
    assert not missing, f"{doc.relative_to(ROOT)} names what does not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_anchor_link_lands_on_a_heading(doc):
    broken = []
    for target, anchor in _ANCHOR_LINK.findall(doc.read_text()):
        path = (doc.parent / target) if target else doc
        if not path.is_file() or anchor not in _anchors(path.read_text()):
            broken.append(f"{target}#{anchor}")
    assert not broken, f"{doc.relative_to(ROOT)} links to headings that do not exist: {broken}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_named_stack_key_exists(doc, plans):
    text = doc.read_text()
    # Stack outputs are named the same way (`pulumi stack output delivery` → delivery.deploy_role_arn).
    outputs = {f"{name}.{key}" for stack in ("dev", "prod") for name, value in plans(stack).outputs.items()
               if isinstance(value, dict) for key in value}
    named = {_key_path(k) for k in _KEY.findall(text)}
    # Key paths written in backticks under a known section (`cluster.public_access_cidrs`).
    sections = {k.split(".")[0].split("[")[0] for k in _KEYS if "." in k}
    named |= {_key_path(k) for k in re.findall(r"`((?:" + "|".join(sorted(sections)) + r")(?:\[[0-9]*\])?\.[a-z_.\[\]0-9]+)`", text)}
    unknown = sorted(k for k in (n.rstrip("[") for n in named) if k not in _KEYS | _PARENTS | outputs | RETIRED)
    assert not unknown, f"{doc.relative_to(ROOT)} names stack keys the schema does not have: {unknown}"


def test_the_check_can_fail(tmp_path):
    assert "key-policies" in _anchors("## Key policies\n```\n# not a heading\n```")
    assert "not-a-heading" not in _anchors("```\n# not a heading\n```")
    doc = tmp_path / "README.md"
    doc.write_text("see `components/nope.py` and `cluster.node_group.min_size`")
    assert _PATH.findall(doc.read_text()) == ["components/nope.py"]
    assert _key_path("cluster.node_groups[0].min_size") in _KEYS and "cluster.node_group.min_size" not in _KEYS


def test_the_generated_reference_is_current():
    assert config_docs.main(["--check"]) == 0


def test_every_docs_anchor_the_code_names_lands_on_a_heading():
    """Error messages and descriptions point users to docs/PAGE.md#ANCHOR: each must exist."""
    broken = []
    for top in ("components", "stack_config", "tools", "policy_pack"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if "node_modules" in path.parts or ".venv" in path.parts:
                continue
            for page, anchor in re.findall(r"docs/([a-z-]+\.md)#([a-z0-9_-]+)", path.read_text()):
                target = ROOT / "docs" / page
                if not target.is_file() or anchor not in _anchors(target.read_text()):
                    broken.append(f"{path.relative_to(ROOT)}: docs/{page}#{anchor}")
    assert not broken, broken
