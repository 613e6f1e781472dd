"""Write the figures README.md states — resource counts, protected resources, Kubernetes versions,
node counts, log retention, monthly costs, and each example's cost — from the offline preview,
so that they cannot drift from the program.

    python -m tools.doc_figures          # rewrite the generated parts of README.md
    python -m tools.doc_figures --check  # exit 1 if any is out of date (the tests do this)

Each part stands between ``<!-- figures: NAME -->`` and ``<!-- /figures -->``; the prose around
them is written by hand. Every figure comes from the plan and the cost estimate that
``python -m tools.preview STACK --on DAY --json FILE`` writes (examples with
``--config-file examples/Pulumi.NAME.yaml``), run here exactly so, on the fixed day ``ON`` (the
EKS support calendar and the month priced are read on it, as the tests do).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.harness import ROOT

README = ROOT / "README.md"
ON = "2026-11-29"
"""The day the figures are computed on (the tests' day: ``tests/conftest.py`` ``TODAY``)."""
STACKS = ("dev", "prod")
EXAMPLES: dict[str, str] = {
    "minimal": "one repository, every secure default",
    "cache-credentials": "Docker Hub and GitHub caches, their tokens in an administrator's secrets",
    "cross-account": "a build account replicating into two workload accounts through roles it assumes",
    "private-cluster": "a cluster whose nodes have no internet route: VPC endpoints carry every pull",
    "two-node-groups": "an x86 group and a tainted Graviton group the service is pinned to",
    "front-door-certificate": "the service behind a load balancer with a certificate you already have (by ARN)",
}
"""Each example's purpose, in the README's examples table; every ``examples/Pulumi.*.yaml`` needs one."""

_BLOCK = re.compile(r"(<!-- figures: (?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- /figures -->)", re.S)
_RESCAN = re.compile(r"^Inspector rescans \S+ in (?P<region>\S+) \((?P<account>\d{12}),")


@dataclass(frozen=True)
class StackFigures:
    """What one stack's offline preview says, as the README states it."""

    plan: dict[str, Any]
    """The ``--json`` document: resources, outputs and the ``cost`` estimate."""

    @property
    def resources(self) -> list[dict[str, Any]]:
        return list(self.plan["resources"])

    def of_type(self, typ: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["type"] == typ]

    @property
    def cloud_resources(self) -> int:
        return sum(1 for r in self.resources if r["custom"])

    @property
    def protected(self) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["protect"]]

    @property
    def monthly(self) -> float:
        return float(self.plan["cost"]["monthly"])

    @property
    def monthly_at_max(self) -> float:
        """Every node group at its ``max_size``."""
        return float(self.plan["cost"]["monthly_at_max"])

    def cost_of(self, test: Any) -> float:
        return round(sum(i["monthly"] for i in self.plan["cost"]["items"] if test(i)), 2)

    @property
    def inspector(self) -> float:
        return self.cost_of(lambda i: i["item"].startswith("Inspector "))

    @property
    def front_door(self) -> float:
        return self.cost_of(lambda i: ":ServiceFrontDoor$" in (i["urn"] or ""))

    def rescans_elsewhere(self, region: str, account: str) -> float:
        """Inspector rescans of images held outside the stack's own registry (replicas that ECR
        created in other regions or accounts): what keeps billing after ``pulumi destroy``."""
        total = 0.0
        for item in self.plan["cost"]["items"]:
            if item["item"].startswith("Inspector rescans"):
                match = _RESCAN.match(item["item"])
                if match is None:
                    raise ValueError(f"tools/cost.py's rescan item has a new form: {item['item']!r}")
                if (match["region"], match["account"]) != (region, account):
                    total += item["monthly"]
        return round(total, 2)

    def log_days(self, contains: str) -> str:
        days = [int(r["inputs"]["retentionInDays"]) for r in self.of_type("aws:cloudwatch/logGroup:LogGroup")
                if contains in str(r["inputs"].get("name", ""))]
        return "/".join(str(d) for d in days) if days else "—"

    @property
    def kubernetes(self) -> str:
        return ", ".join(sorted({str(r["inputs"]["version"]) for r in self.of_type("eks:index:Cluster")})) or "—"

    @property
    def nodes(self) -> str:
        groups = []
        for group in self.of_type("eks:index:ManagedNodeGroup"):
            inputs = group["inputs"]
            scaling = inputs["scalingConfig"]
            groups.append(f"{int(scaling['minSize'])}-{int(scaling['maxSize'])} "
                          f"{inputs.get('capacityType', 'ON_DEMAND')} {'/'.join(inputs['instanceTypes'])}")
        return "; ".join(groups) or "—"


def preview(stack: str, config_file: Path | None = None) -> StackFigures:
    """The offline preview's ``--json`` document for ``stack`` (no policy pack: its verdicts are
    not figures), computed on ``ON``."""
    from tools import preview as tool

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.json"
        argv = [stack, "--on", ON, "--no-policy", "--json", str(path)]
        if config_file is not None:
            argv += ["--config-file", str(config_file)]
        out, err = io.StringIO(), io.StringIO()
        if tool.main(argv, out=out, err=err) != 0:
            raise RuntimeError(f"python -m tools.preview {' '.join(argv)} failed: {err.getvalue()}")
        return StackFigures(json.loads(path.read_text(encoding="utf-8")))


def _money(value: float) -> str:
    return f"${value:,.2f}"


def stacks_table(figures: dict[str, StackFigures]) -> str:
    rows = [("cloud resources planned (protected)", lambda f: f"{f.cloud_resources} ({len(f.protected)})"),
            ("Kubernetes version", lambda f: f.kubernetes),
            ("nodes (min-max, capacity, types)", lambda f: f.nodes),
            ("logs kept, days: VPC flow logs / control plane / CI runners",
             lambda f: f"{f.log_days('vpc-flow-logs')} / {f.log_days('/aws/eks/')} / {f.log_days('/aws/codebuild/')}"),
            ("monthly estimate (node groups at min_size)", lambda f: f"**{_money(f.monthly)}**"),
            ("… at max_size", lambda f: _money(f.monthly_at_max)),
            ("… of which Amazon Inspector (ENHANCED scanning)", lambda f: _money(f.inspector)),
            ("… of which the front door", lambda f: _money(f.front_door))]
    lines = ["| offline preview | " + " | ".join(f"`{s}`" for s in figures) + " |",
             "|---|" + "---|" * len(figures)]
    lines += [f"| {label} | " + " | ".join(cell(f) for f in figures.values()) + " |" for label, cell in rows]
    return "\n".join(lines)


def protected_list(figures: StackFigures) -> str:
    names = [f"`{r['name']}`" for r in figures.protected]
    return f"{len(names)} in prod: " + ", ".join(names) + "."


def teardown_inspector(figures: StackFigures) -> str:
    home = _home(figures)
    return (f"prod: about {_money(figures.inspector)} a month while images are pushed, and about "
            f"{_money(figures.rescans_elsewhere(*home))} after `pulumi destroy`, in rescans of the replicas "
            "ECR keeps in other regions and accounts")


def _home(figures: StackFigures) -> tuple[str, str]:
    """The stack's own region and account, from its registry's repository URLs."""
    url = next(iter(figures.plan["outputs"]["repositories"].values()))["url"]
    account, _, _, region = url.split("/")[0].split(".")[:4]
    return region, account


def examples_table(figures: dict[str, StackFigures]) -> str:
    lines = ["| example | what it shows | cloud resources | monthly estimate |", "|---|---|---|---|"]
    for name, f in figures.items():
        lines.append(f"| [`{name}`](examples/Pulumi.{name}.yaml) | {EXAMPLES[name]} | {f.cloud_resources} "
                     f"| {_money(f.monthly)} |")
    return "\n".join(lines)


def example_names() -> list[str]:
    names = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in (ROOT / "examples").glob("Pulumi.*.yaml"))
    missing = [n for n in names if n not in EXAMPLES]
    if missing:
        raise KeyError(f"tools/doc_figures.py EXAMPLES has no purpose for: {', '.join(missing)}")
    return [n for n in EXAMPLES if n in names]


def blocks() -> dict[str, str]:
    stacks = {s: preview(s) for s in STACKS}
    examples = {n: preview(n, ROOT / "examples" / f"Pulumi.{n}.yaml") for n in example_names()}
    return {"stacks": stacks_table(stacks), "protected": protected_list(stacks["prod"]),
            "inspector": teardown_inspector(stacks["prod"]), "examples": examples_table(examples)}


def render(text: str, generated: dict[str, str]) -> str:
    seen: list[str] = []

    def block(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in generated:
            raise KeyError(f"README.md has a figures block this tool does not write: {name}")
        seen.append(name)
        return match.group(1) + generated[name] + "\n" + match.group(4)

    out = _BLOCK.sub(block, text)
    missing = [n for n in generated if n not in seen]
    if missing:
        raise KeyError(f"README.md has no figures block for: {', '.join(missing)}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.doc_figures", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if a figure is out of date")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    try:
        new = render(text, blocks())
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 1
    if new == text:
        return 0
    if args.check:
        print("README.md: figures out of date; run `venv/bin/python -m tools.doc_figures`", file=sys.stderr)
        return 1
    README.write_text(new, encoding="utf-8")
    print("README.md: figures rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
