"""The catalog of AWS types: one record per resource type, provider function (invoke) and remote
component the program uses — the one place type knowledge lives.

Each record says which Terraform type bridges it, whether AWS bills for it, its IAM resource type,
and the IAM actions each operation needs (``create``, ``read``, ``update``, ``delete``, and
``invoke`` for provider functions), each with its source: the terraform-provider-aws function
that makes the call (``path@commit:function``) or the AWS page that requires it. The data is
generated from the providers' source (``tools/catalog``; ``docs/permissions.md#the-catalog`` says how
to regenerate it) into ``catalog.json`` beside this module; the CI roles' policies
(``components/delivery/permissions.py``), the boundary, the offline tools' tokens and the
Terraform-plan export all read it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

PATH = Path(__file__).with_name("catalog.json")
OPERATIONS = ("create", "read", "update", "delete", "invoke")


@dataclass(frozen=True)
class AwsType:
    """One record of the catalog."""

    token: str
    tf: str | None
    kind: str  # resource | invoke | component
    billed: bool
    admin: bool
    """Applied by an administrator, never by the deploy role."""
    default_answer: bool
    """The offline harness answers it with its inputs and a stable ID (tools/harness/mocks)."""
    never: Mapping[str, str]
    """Actions the provider can call that the program never makes it call (and why): denied."""
    priced_with: str | None
    iam_resource: str | None
    passed_to: tuple[str, ...]
    service_linked: tuple[str, ...]
    operations: Mapping[str, Mapping[str, str]]
    """operation -> {action: source}."""
    children: Mapping[str, str]
    """A remote component's children: token -> the function of its plugin that creates it."""

    def actions(self, *operations: str) -> tuple[str, ...]:
        """What these operations call, but what the program never makes the provider call."""
        return tuple(sorted({a for op in operations for a in self.operations.get(op, {}) if a not in self.never}))

    @property
    def service(self) -> str | None:
        """The IAM namespace of its resource type (``ecr``), if it has one."""
        return self.iam_resource.split(":", 1)[0] if self.iam_resource else None


@cache
def load() -> Mapping[str, AwsType]:
    raw = json.loads(PATH.read_text())
    return MappingProxyType({token: AwsType(
        token=token, tf=rec["tf"], kind=rec["kind"], billed=rec["billed"], admin=rec["admin"],
        never=MappingProxyType(dict(rec.get("never", {}))), default_answer=rec.get("default_answer", False), priced_with=rec["priced_with"],
        iam_resource=rec["iam_resource"], passed_to=tuple(rec["passed_to"]),
        service_linked=tuple(rec["service_linked"]),
        operations=MappingProxyType({op: MappingProxyType(dict(a)) for op, a in rec["operations"].items()}),
        children=MappingProxyType(dict(rec.get("children", {}))))
        for token, rec in raw["types"].items()})


@cache
def _raw() -> Mapping[str, object]:
    data: Mapping[str, object] = json.loads(PATH.read_text())
    return data


def access_level(action: str) -> str:
    """AWS's access level of an action the catalog names (``Read``, ``List``, ``Write``, ...)."""
    levels: Mapping[str, str] = _raw()["access_levels"]  # type: ignore[assignment]
    if action not in levels:
        raise KeyError(f"{action} is not in the catalog: regenerate it (docs/permissions.md#the-catalog)")
    return levels[action]


def resource_types(action: str) -> tuple[str, ...]:
    """The IAM resource types ``action`` is authorised against (AWS's Service Authorization Reference)."""
    found: Mapping[str, list[str]] = _raw()["resource_types"]  # type: ignore[assignment]
    return tuple(found.get(action, ()))


def is_read(action: str) -> bool:
    return any(level in ("Read", "List") for level in access_level(action).split(", "))


def data_reads() -> tuple[str, ...]:
    """Reads of data rather than metadata (never granted on every resource)."""
    return tuple(_raw()["data_reads"])  # type: ignore[arg-type]


def public_parameters(partition: str, regions: Iterable[str]) -> list[str]:
    """AWS's public SSM parameters in these regions (the EKS-optimised AMIs' releases): reading them
    reads nothing of the account's."""
    template = str(_raw()["public_parameters"])
    return [template.format(partition=partition, region=r) for r in regions]


def metadata_wildcards() -> tuple[str, ...]:
    """``service:Describe*``-style wildcards every action of which AWS's IAM data lists as a metadata read."""
    return tuple(_raw()["metadata_wildcards"])  # type: ignore[arg-type]


def scoped_writes(key: str) -> tuple[str, ...]:
    """Every write on a resource type the boundary confines (``ecr:repository``...), as wildcards."""
    found: Mapping[str, list[str]] = _raw()["scoped_writes"]  # type: ignore[assignment]
    return tuple(found[key])


def generated() -> Mapping[str, object]:
    """Where the data came from: the provider commits, when, and how long generation took."""
    data: Mapping[str, object] = json.loads(PATH.read_text())["generated"]
    return data


def gaps() -> list[str]:
    """What the generator could not find (a catalog with gaps is refused by the tests)."""
    data: list[str] = json.loads(PATH.read_text())["gaps"]
    return data


def of_kind(kind: str) -> dict[str, AwsType]:
    return {token: t for token, t in load().items() if t.kind == kind}


def expand(tokens: Iterable[str]) -> list[AwsType]:
    """The catalog records of these tokens and of the children of the remote components among them
    (unknown tokens are skipped: the tests name them)."""
    catalog = load()
    out: dict[str, AwsType] = {}
    for token in tokens:
        record = catalog.get(token)
        if record is None:
            continue
        out[token] = record
        for child in record.children:
            if child in catalog:
                out[child] = catalog[child]
    return list(out.values())


def services() -> tuple[str, ...]:
    """Every IAM namespace any action of the catalog is in."""
    return tuple(sorted({a.split(":", 1)[0] for t in load().values() for ops in t.operations.values() for a in ops}))
