"""Every command the docs give runs, or is checked against what would run it:

- ``pulumi …``: the subcommand and every ``--flag`` against the Pulumi CLI's own cobra definitions
  (``tests/program/pulumi_cli_flags.json``, written by ``tools/pulumi_flags.py`` from a
  pulumi/pulumi checkout, with the file and line of each flag); the CLI is not installed here.
- ``venv/bin/python -m tools.NAME …``: the module exists and its ``--help`` lists every flag used;
  a bare ``python -m tools.…`` is refused (outside the venv it cannot import the SDK).
- ``aws SERVICE OPERATION --flag …``: the operation and each flag against botocore's model of the
  service (the AWS CLI derives both from it: kebab-case operation and member names).
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from functools import cache

import botocore.session
import pytest

from tools.harness import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "app" / "README.md",
        *sorted(ROOT.glob("Pulumi*.yaml")), *sorted((ROOT / "examples").glob("Pulumi.*.yaml"))]
CLI = json.loads((ROOT / "tests" / "program" / "pulumi_cli_flags.json").read_text(encoding="utf-8"))
# Where a command starts: a line (code block or YAML comment), an inline code span, `$(`, or after a
# shell separator; it ends at the next one.
_START = r"(?:^|`|\$\(|&&|;|\|\s|\(\s*|#\s+)\s*"
_END = re.compile(r"\s(?:\||&&|;|#)\s|[`)]|\s&$|\s&\s")


def _commands(text: str, program: str) -> list[str]:
    # An inline code span wrapped onto the next line is one command (fences are left alone).
    text = re.sub(r"(?<!`)`(?!`)[^`\n]+\n[^`\n]*(?<!`)`(?!`)", lambda m: m.group(0).replace("\n", " "), text)
    found = []
    for match in re.finditer(_START + re.escape(program) + r"(?=\s)", text, re.M):
        rest = re.sub(r"\$\([^()]*\)", "X", text[match.end():].split("\n", 1)[0])  # $(…) is checked on its own
        cut = _END.search(rest)
        found.append(program + (rest[:cut.start()] if cut else rest))
    return found


def _words(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:  # an unbalanced quote in a shortened example
        return command.split()


def _all(program: str) -> list[tuple[str, str]]:
    return [(doc.relative_to(ROOT).as_posix(), c) for doc in DOCS for c in _commands(doc.read_text(), program)]


# ------------------------------------------------------------------------------ pulumi

def pulumi_problems(command: str) -> list[str]:
    """What the CLI would refuse in ``command`` (a ``pulumi …`` line): an unknown subcommand or flag."""
    words = [w for w in _words(command)[1:] if w not in {"…", "..."}]
    path: list[str] = []
    for word in words:
        if word.startswith("-") or " ".join([*path, word]) not in CLI["commands"]:
            break
        path.append(word)
    if not path:
        return [f"`pulumi {words[0] if words else ''}` is not a Pulumi CLI command"]
    allowed = set(CLI["commands"][" ".join(path)])
    for depth in range(len(path) + 1):  # persistent flags of the command's ancestors and the root
        allowed |= set(CLI["persistent"].get(" ".join(path[:depth]), {}))
    flags = {w.split("=", 1)[0] for w in words if w.startswith("--")}
    return [f"`pulumi {' '.join(path)}` has no flag {f}" for f in sorted(flags - allowed)]


PULUMI = _all("pulumi")


def test_the_docs_give_pulumi_commands_to_check():
    assert len(PULUMI) > 50 and {c.split()[1] for _, c in PULUMI} >= {"up", "preview", "destroy", "stack", "config"}


@pytest.mark.parametrize("doc, command", PULUMI, ids=[f"{d}: {c}" for d, c in PULUMI])
def test_every_pulumi_command_is_the_clis(doc, command):
    assert pulumi_problems(command) == [], doc


def test_the_pulumi_check_can_fail():
    assert pulumi_problems("pulumi up --policy-pack policy_pack --skip-preview") == []
    assert pulumi_problems("pulumi stack output cluster --json") == []
    assert pulumi_problems("pulumi up --no-such-flag") == ["`pulumi up` has no flag --no-such-flag"]
    assert pulumi_problems("pulumi deploy") == ["`pulumi deploy` is not a Pulumi CLI command"]
    assert pulumi_problems("pulumi destroy --expect-no-changes") == ["`pulumi destroy` has no flag --expect-no-changes"]


def test_each_flag_says_where_the_cli_defines_it():
    for command, flags in CLI["commands"].items():
        for flag, where in flags.items():
            assert re.fullmatch(r"pkg/cmd/pulumi/[\w/.-]+\.go:\d+", where), (command, flag, where)
    assert CLI["commands"]["preview"]["--save-plan"].startswith("pkg/cmd/pulumi/operations/preview.go:")


# ------------------------------------------------------------------------------ tools

TOOLS = _all("venv/bin/python -m")


def test_no_doc_runs_a_tool_outside_the_venv():
    bare = [(doc, c) for doc, c in _all("python -m") + _all("python3 -m") if re.match(r"python3? -m tools\.", c)]
    assert bare == [], "use venv/bin/python: outside the venv the tools cannot import the SDK"


@cache
def _help(module: str) -> str:
    done = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, f"python -m {module} --help: {done.stderr}"
    return done.stdout


@pytest.mark.parametrize("doc, command", [(d, c) for d, c in TOOLS if " tools." in c],
                         ids=[f"{d}: {c}" for d, c in TOOLS if " tools." in c])
def test_every_tool_command_runs_with_the_flags_it_names(doc, command):
    words = _words(command)
    module = words[2]
    text = _help(module)
    unknown = [w.split("=", 1)[0] for w in words[3:] if w.startswith("--") and w.split("=", 1)[0] not in text]
    assert unknown == [], f"{doc}: python -m {module} has no {unknown}"


# ------------------------------------------------------------------------------ aws

@cache
def _service(name: str):
    return botocore.session.get_session().get_service_model(name)


def _kebab(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name).lower()


# Flags every AWS CLI command takes (global options), and the s3api/ecr conveniences botocore does
# not model.
# Commands the AWS CLI adds to botocore's (awscli/customizations: eks/get_token.py,
# eks/update_kubeconfig.py, ecr.py, waiters.py).
AWS_CUSTOM = {("eks", "get-token"), ("eks", "update-kubeconfig"), ("ecr", "get-login-password"), ("ecr", "wait")}
AWS_SERVICES = {"s3api": "s3"}
AWS_GLOBAL = {"--region", "--profile", "--query", "--output", "--endpoint-url", "--no-paginate", "--max-items",
              "--page-size", "--starting-token", "--cli-input-json", "--debug", "--no-cli-pager"}


def aws_problems(command: str) -> list[str]:
    words = [w for w in _words(command) if w not in {"…", "..."}]
    if len(words) < 3 or words[1] in {"s3", "configure"}:  # the high-level s3 commands are not botocore's
        return []
    if (words[1], words[2]) in AWS_CUSTOM:
        return []
    service, operation = AWS_SERVICES.get(words[1], words[1]), words[2]
    names = botocore.session.get_session().get_available_services()
    if service not in names:
        return [f"aws {service}: no such service"]
    model = _service(service)
    operations = {_kebab(o): o for o in model.operation_names}
    if operation not in operations:
        return [f"aws {service} {operation}: no such operation"]
    shape = model.operation_model(operations[operation]).input_shape
    members = {f"--{_kebab(m)}" for m in (shape.members if shape else {})}
    members |= {f"--no-{m[2:]}" for m in members}
    flags = {w.split("=", 1)[0] for w in words[3:] if w.startswith("--")}
    return [f"aws {service} {operation} has no {f}" for f in sorted(flags - members - AWS_GLOBAL)]


AWS = _all("aws")


@pytest.mark.parametrize("doc, command", AWS, ids=[f"{d}: {c}" for d, c in AWS])
def test_every_aws_command_is_botocores(doc, command):
    assert aws_problems(command) == [], doc


def test_the_aws_check_can_fail():
    assert aws_problems("aws kms schedule-key-deletion --key-id K") == []
    assert aws_problems("aws eks delete-access-entry --cluster-name c --principal-arn p") == []
    assert aws_problems("aws kms schedule-key-delete --key-id K") == ["aws kms schedule-key-delete: no such operation"]
    assert aws_problems("aws s3api delete-bucket --bucket-name B") == ["aws s3 delete-bucket has no --bucket-name"]
