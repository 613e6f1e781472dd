"""IAM policy documents built from typed statements, instead of JSON written by hand in each
component: one place that refuses what IAM refuses (or what this platform never wants), and
that every document of the program goes through.

* ``Statement``: Effect, Action or NotAction, Resource or NotResource, an optional Principal (for
  resource and trust policies) and Condition. Actions must be ``service:Action`` (wildcards
  allowed); a principal ``*`` needs a positive condition that narrows it; ``NotPrincipal`` does not
  exist here (AWS advises against it).
* ``document(...)``: the JSON, with IAM's policy language version.
* ``service_trust(...)`` and ``web_identity_trust(...)``: the two trust shapes the program uses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

VERSION = "2012-10-17"
_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*?]+$")
# Positive operators: a condition with one of them narrows a principal `*` (negated ones do not,
# and a missing key satisfies them).
_POSITIVE = ("StringEquals", "StringLike", "ArnEquals", "ArnLike", "ForAnyValue:StringEquals",
             "ForAnyValue:StringLike", "ForAllValues:StringEquals", "ForAllValues:StringLike")

Conditions = Mapping[str, Mapping[str, str | Sequence[str]]]


@dataclass(frozen=True)
class Principal:
    """Who a resource or trust policy statement is about: IAM ARNs, a service, a federated provider."""

    aws: str | Sequence[str] = ()
    service: str | Sequence[str] = ()
    federated: str | None = None
    everyone: bool = False
    """``"Principal": "*"``: every principal, signed or not (a bucket's deny-insecure-transport)."""

    def to_json(self) -> dict | str:
        if self.everyone:
            return "*"
        out: dict = {}
        for key, values in (("AWS", self.aws), ("Service", self.service)):
            if values:
                out[key] = _one_or_list(values)
        if self.federated:
            out["Federated"] = self.federated
        if not out:
            raise ValueError("a principal names at least one IAM ARN, service or provider")
        return out

    @property
    def anyone(self) -> bool:
        return self.everyone or "*" in _as_tuple(self.aws)


@dataclass(frozen=True)
class Statement:
    """One statement of an IAM policy."""

    sid: str
    effect: Literal["Allow", "Deny"] = "Allow"
    actions: str | Sequence[str] = ()
    not_actions: str | Sequence[str] = ()
    resources: str | Sequence[str] = "*"
    not_resources: str | Sequence[str] = ()
    principal: Principal | None = None
    conditions: Conditions = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9]+", self.sid):
            raise ValueError(f"statement id {self.sid!r}: letters and digits only")
        if self.effect not in ("Allow", "Deny"):
            raise ValueError(f"{self.sid}: effect {self.effect!r} is not Allow or Deny")
        if bool(self.actions) == bool(self.not_actions):
            raise ValueError(f"{self.sid}: give actions or not_actions, exactly one")
        for action in (*_as_tuple(self.actions), *_as_tuple(self.not_actions)):
            if action != "*" and not _ACTION.match(action):
                raise ValueError(f"{self.sid}: {action!r} is not an IAM action (service:Action)")
        if self.not_resources and _as_tuple(self.resources) not in (("*",), ()):
            raise ValueError(f"{self.sid}: give resources or not_resources, not both")
        if not self.resources and not self.not_resources and self.principal is None:
            raise ValueError(f"{self.sid}: an identity policy's statement names its resources")
        if self.principal is not None and self.principal.anyone and self.effect == "Allow" and not any(
                op in _POSITIVE for op in self.conditions):
            raise ValueError(f"{self.sid}: a principal * is allowed only under a positive condition")

    def to_json(self) -> dict:
        out: dict = {"Sid": self.sid, "Effect": self.effect}
        if self.principal is not None:
            out["Principal"] = self.principal.to_json()
        if self.actions:
            out["Action"] = _one_or_list(self.actions)
        else:
            out["NotAction"] = _one_or_list(self.not_actions)
        if self.not_resources:
            out["NotResource"] = _one_or_list(self.not_resources)
        elif self.resources:  # a repository policy names no resource: the repository is it
            out["Resource"] = _one_or_list(self.resources)
        if self.conditions:
            out["Condition"] = {op: {k: (v if isinstance(v, str) else list(v)) for k, v in keys.items()}
                                for op, keys in self.conditions.items()}
        return out


def _as_tuple(values: str | Sequence[str]) -> tuple[str, ...]:
    return (values,) if isinstance(values, str) else tuple(values)


def _one_or_list(values: str | Sequence[str]) -> str | list[str]:
    """As given: a string stays one, a list stays a list (IAM reads both alike; readers of the
    documents, and their tests, see what the program wrote)."""
    return values if isinstance(values, str) else list(values)


def policy(statements: Sequence[Statement], policy_id: str | None = None) -> dict:
    """The policy as a dict (``document`` for the JSON text)."""
    sids = [s.sid for s in statements]
    duplicates = sorted({s for s in sids if sids.count(s) > 1})
    if duplicates:
        raise ValueError(f"duplicate statement ids: {', '.join(duplicates)}")
    out: dict = {"Version": VERSION}
    if policy_id:
        out["Id"] = policy_id
    out["Statement"] = [s.to_json() for s in statements]
    return out


def document(statements: Sequence[Statement], policy_id: str | None = None) -> str:
    return json.dumps(policy(statements, policy_id))


def service_trust(*services: str, actions: Sequence[str] = ("sts:AssumeRole",),
                  conditions: Conditions | None = None, sid: str = "TheServiceAssumesIt") -> str:
    """A role's trust policy: these AWS services may assume it."""
    for service in services:
        if "*" in service or not re.fullmatch(r"[a-z0-9.-]+\.amazonaws\.com(\.cn)?", service):
            raise ValueError(f"{service!r} is not an AWS service principal")
    return document([Statement(sid, actions=actions[0] if len(actions) == 1 else actions,
                               principal=Principal(service=services[0] if len(services) == 1 else services), resources=(),
                               conditions=conditions or {})])


def web_identity_trust(provider_arn: str, conditions: Conditions, sid: str = "TheProvidersTokens") -> str:
    """A role's trust policy: tokens of one OIDC provider, under ``conditions`` (which must narrow
    them: a provider's every token would otherwise do)."""
    if not any(op in _POSITIVE for op in conditions):
        raise ValueError("a web-identity trust needs a positive condition on the token's claims")
    return document([Statement(sid, actions="sts:AssumeRoleWithWebIdentity",
                               principal=Principal(federated=provider_arn), resources=(), conditions=conditions)])
