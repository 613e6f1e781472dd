"""Offline preview: run the program for a stack under mocks, print what it would declare, and
evaluate the policy pack over it.

    python -m tools.preview STACK [--config-file PATH] [--json FILE]
                                  [--no-policy] [--policy-pack DIR] [--policy-config FILE]
                                  [--ecr-image REPOSITORY:TAG=sha256:DIGEST ...]

Nothing is sent to AWS: the real ``__main__.py`` runs under Pulumi mocks (``tools/harness.py``)
with the config of ``Pulumi.STACK.yaml`` (and, with ``--ecr-image``, a registry that already holds
those images: the preview of a rollback); the policy pack runs as its own process, spoken to
over the analyzer protocol (``tools/policy_gate.py``). Exit status: 0 on success, 1 when a
mandatory policy is violated (or anything unexpected fails), 2 for a bad stack file, config
value, policy config or argument (the message names the key).
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import io
import json
import re
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from components.shared.errors import InvalidValue
from tools import tokens as t
from tools.harness import (
           ROOT,
           Plan,
           PlannedResource,
           PlatformMocks,
           ProgramError,
           StackFileError,
           load_stack,
           run_program,
)

if TYPE_CHECKING:
    from tools.policy_gate import PolicyReport

DEFAULT_PACK = ROOT / "policy_pack"

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict) and not value and not prefix:
        return []
    if isinstance(value, dict) and value:
        items: list[tuple[str, Any]] = []
        for key in sorted(value):
            items += _flatten(value[key], f"{prefix}.{key}" if prefix else key)
        return items
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        items = []
        for i, item in enumerate(value):
            items += _flatten(item, f"{prefix}[{i}]")
        return items
    return [(prefix, value)]


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # the engine carries every number as a double
    return json.dumps(value)


def _json_document(value: Any) -> Any:
    """A JSON policy document held in a string input, parsed (else None)."""
    if isinstance(value, str) and value.startswith("{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return None
    return None


def render_text(plan: Plan, out: TextIO) -> None:
    """The readable plan: a tree of resources with their inputs, then the stack outputs."""
    buffer = io.StringIO()
    _render(plan, buffer)
    out.write(buffer.getvalue())


def _render(plan: Plan, out: TextIO) -> None:
    depth: dict[str, int] = {}
    print(f"Offline plan of {plan.project}/{plan.stack} (run under Pulumi mocks; "
          "nothing was sent to AWS)\n", file=out)
    for res in plan.resources:
        level = depth.get(res.parent, -1) + 1 if res.parent else 0
        depth[res.urn] = level
        pad = "    " * level
        marks = [m for m, on in (("protected", res.protect), ("retained on delete", res.retain_on_delete),
                                 ("remote component: its children are planned by its plugin", res.remote),
                                 ("component", not res.custom and not res.remote)) if on]
        if res.provider:
            marks.append(f"provider {res.provider.split('::')[-1]}")
        suffix = f"  [{', '.join(marks)}]" if marks else ""
        print(f"{pad}+ {res.type}  {res.name}{suffix}", file=out)
        _render_inputs(res, pad + "      ", out)
    _render_images(plan, out)
    if plan.warnings:
        print("\nWarnings:", file=out)
        for warning in plan.warnings:
            print(f"    warning: {warning}", file=out)
    print("\nOutputs:", file=out)
    for key, value in _flatten(plan.outputs):
        print(f"    {key}: {_show(value)}", file=out)
    custom = sum(1 for r in plan.resources if r.custom)
    protected = sum(1 for r in plan.resources if r.protect)
    print(f"\n{len(plan.resources)} resources: {custom} cloud resources, "
          f"{len(plan.resources) - custom} components; {protected} protected.", file=out)


def _render_images(plan: Plan, out: TextIO) -> None:
    """What ``pulumi up`` builds and pushes: each docker.Image, or none when every tag the stack runs
    is in ECR already (a rollback, or any run after the push)."""
    services = [r for r in plan.resources if r.type.endswith(":ServiceImage") and not r.custom]
    if not services:
        return
    builds = [str(r.inputs.get("imageName")) for r in plan.by_type(t.IMAGE)]
    if builds:
        print("\nImage builds: " + ", ".join(f"{name} (built and pushed by `pulumi up`)" for name in builds),
              file=out)
    else:
        print("\nImage builds: none (the tag is in ECR: the Deployment runs its digest)", file=out)


def _render_inputs(res: PlannedResource, pad: str, out: TextIO) -> None:
    for key, value in _flatten(res.inputs):
        document = _json_document(value)
        if document is not None:
            print(f"{pad}{key}:", file=out)
            for line in json.dumps(document, indent=2).splitlines():
                print(f"{pad}    {line}", file=out)
        else:
            print(f"{pad}{key}: {_show(value)}", file=out)


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD, e.g. 2026-12-02") from None


# ECR's own patterns (API reference: repositoryName, imageTag; an image digest is sha256 and 64 hex).
_REPOSITORY_RE = re.compile(r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*")
_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_DIGEST_RE = re.compile(r"sha256:[0-9a-f]{64}")


def _ecr_image(text: str) -> tuple[str, str, str]:
    """``REPOSITORY:TAG=sha256:DIGEST`` → (repository, tag, digest)."""
    shape = "is not REPOSITORY:TAG=sha256:DIGEST (e.g. myapp:sha-0f37d15b3dfe60c3=sha256:<64 hex digits>)"
    image, equals, digest = text.partition("=")
    repository, colon, tag = image.rpartition(":")
    if not equals or not colon:
        raise argparse.ArgumentTypeError(f"{text!r} {shape}")
    if not (2 <= len(repository) <= 256 and _REPOSITORY_RE.fullmatch(repository)):
        raise argparse.ArgumentTypeError(
            f"{text!r}: {repository!r} is not an ECR repository name (2-256 lowercase letters, digits and . _ -, "
            "optionally in /-separated namespaces)")
    if not _TAG_RE.fullmatch(tag):
        raise argparse.ArgumentTypeError(
            f"{text!r}: {tag!r} is not an image tag (1-128 letters, digits, _ . -; not starting with . or -)")
    if not _DIGEST_RE.fullmatch(digest):
        raise argparse.ArgumentTypeError(f"{text!r}: {digest!r} is not an image digest (sha256: and 64 lowercase "
                                         "hex digits)")
    return repository, tag, digest


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.preview",
        description="Run the Pulumi program for STACK under mocks (no AWS, no Pulumi CLI) "
                    "and print the resources it would declare.",
    )
    parser.add_argument("stack", help="stack name: reads Pulumi.STACK.yaml (e.g. dev, prod)")
    parser.add_argument("--config-file", type=Path, metavar="PATH",
                        help="read the stack's config from PATH instead of Pulumi.STACK.yaml")
    parser.add_argument("--json", type=Path, metavar="FILE", dest="json_file",
                        help="also write the plan as JSON to FILE")
    parser.add_argument("--tfplan", type=Path, metavar="FILE",
                        help="also write the plan as a Terraform plan JSON to FILE, for Checkov, Trivy, KICS")
    parser.add_argument("--on", type=_day, metavar="YYYY-MM-DD",
                        help="read the EKS support calendar and price the month from this day (default: today)")
    parser.add_argument("--ecr-image", type=_ecr_image, action="append", default=[],
                        metavar="REPOSITORY:TAG=sha256:DIGEST",
                        help="ECR already holds this image (repeatable): preview a rollback to a tag that was "
                             "pushed before (no build, the Deployment on that digest)")
    parser.add_argument("--no-cost", action="store_true",
                        help="do not estimate the monthly cost")
    parser.add_argument("--no-policy", action="store_true",
                        help="do not evaluate the policy pack")
    parser.add_argument("--policy-pack", type=Path, metavar="DIR", default=DEFAULT_PACK,
                        help="the policy pack to evaluate (default: policy_pack)")
    parser.add_argument("--policy-config", type=Path, metavar="FILE",
                        help="policy pack config, as for `pulumi preview --policy-pack-config FILE`")
    return parser


def render_policy(report: PolicyReport, out: TextIO) -> None:
    """The violations, mandatory first, each with its level, resource and message."""
    if not report.violations:
        print(f"\nPolicies ({report.pack}): no violations.", file=out)
        return
    print(f"\nPolicy violations ({report.pack}):", file=out)
    for v in report.violations:
        resource = v.urn.split("::")[-1] if v.urn else "(stack)"
        print(f"    [{v.level}] {v.policy}  {resource}", file=out)
        for line in v.message.splitlines():
            print(f"        {line}", file=out)
    mandatory = len(report.mandatory)
    print(f"{len(report.violations)} violations, {mandatory} mandatory.", file=out)


def _run_on(settings: Any, day: datetime.date | None, images: dict[str, dict[str, str]] | None = None) -> Plan:
    """The program's run, with the cluster's support calendar read on ``day`` when one is given, and
    ECR holding ``images`` (repository -> {tag: digest})."""
    mocks = PlatformMocks(settings.account, settings.region, images=images or {})
    if day is None:
        return run_program(settings, mocks=mocks)
    from components.eks import cluster

    real = cluster.today
    cluster.today = lambda: day
    try:
        return run_program(settings, mocks=mocks)
    finally:
        cluster.today = real


def _held(given: list[tuple[str, str, str]]) -> dict[str, dict[str, str]]:
    """``--ecr-image`` values as the harness's ECR: repository -> {tag: digest}."""
    held: dict[str, dict[str, str]] = {}
    for repository, tag, digest in given:
        held.setdefault(repository, {})[tag] = digest
    return held


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    if args.no_policy and args.policy_config is not None:
        print("error: --policy-config: not allowed with --no-policy", file=err)
        return EXIT_BAD_INPUT
    gate: types.ModuleType | None = None
    if not args.no_policy:
        # Imported only when it runs (gRPC, JSON schema): the plan alone stays lean.
        gate = importlib.import_module("tools.policy_gate")
    policy_errors: tuple[type[Exception], ...] = (gate.PolicyConfigError,) if gate else ()
    pack = None
    try:
        settings = load_stack(args.stack, args.config_file)
        user_config: dict[str, Any] = gate.load_config_file(args.policy_config) if gate and args.policy_config else {}
        # The pack starts while the program runs: its start-up is hidden behind the plan.
        if gate:
            pack = gate.PackProcess(args.policy_pack, settings.project, settings.stack)
    except StackFileError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_BAD_INPUT
    except policy_errors as exc:
        print(f"error: policy config: {exc}", file=err)
        return EXIT_BAD_INPUT
    report = None
    try:
        plan = _run_on(settings, args.on, _held(args.ecr_image))
        if pack is not None and gate is not None:
            report = gate.analyze(plan, pack, user_config, settings.config.get("aws:region"))
    except InvalidValue as exc:
        print(f"error: stack {args.stack}: {exc.message}", file=err)
        return EXIT_BAD_INPUT
    except ProgramError as exc:  # what the program logged as errors: `pulumi preview` fails with them too
        for message in exc.errors:
            print(f"error: {message}", file=err)
        return EXIT_FAILED
    except policy_errors as exc:
        print(f"error: policy config: {exc}", file=err)
        return EXIT_BAD_INPUT
    finally:
        if pack is not None:
            pack.close()
    if args.ecr_image:
        print("ECR holds (--ecr-image): " + ", ".join(f"{r}:{t}={d}" for r, t, d in args.ecr_image) + "\n", file=out)
    render_text(plan, out)
    document = plan.to_json()
    if report is not None:
        render_policy(report, out)
        document["policy"] = report.to_json()
    if not args.no_cost:
        from stack_config import parse
        from tools.cost import estimate
        from tools.cost import render as render_cost

        parsed = parse(settings.config, project=settings.project, stack=settings.stack,
                       secret_keys=settings.secret_keys)
        cost = estimate(plan, settings.region, settings.account, parsed.cost, on=args.on)
        print(render_cost(cost), file=out)
        for missing in cost.missing:
            print(f"warning: cost: {missing} (left out of the total; add it to tools/prices.json)", file=err)
        document["cost"] = cost.to_json()
    if args.json_file:
        try:
            args.json_file.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            print(f"error: --json {args.json_file}: {exc.strerror}", file=err)
            return EXIT_BAD_INPUT
    if args.tfplan:
        from tools.tfplan import to_tfplan

        tfplan, unmapped = to_tfplan(plan)
        try:
            args.tfplan.write_text(json.dumps(tfplan, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            print(f"error: --tfplan {args.tfplan}: {exc.strerror}", file=err)
            return EXIT_BAD_INPUT
        cloud = [u for u in unmapped if u["reason"] != "component"]
        print(f"\nTerraform plan: {len(tfplan['planned_values']['root_module']['resources'])} resources "
              f"written to {args.tfplan}; {len(unmapped)} without a Terraform counterpart "
              f"({len(unmapped) - len(cloud)} components" + (f", {len(cloud)} others:" if cloud else ")"), file=out)
        for item in cloud:
            why = "" if item["reason"] == "no Terraform counterpart" else f"  ({item['reason']})"
            print(f"    {item['type']}  {item['urn'].split('::')[-1]}{why}", file=out)
    if report is not None and report.mandatory:
        print(f"error: {len(report.mandatory)} mandatory policy violations", file=err)
        return EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
