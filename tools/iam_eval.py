"""A small IAM policy evaluator, kept for one job the maintained evaluator cannot do: GitHub's
OIDC claims. ``@cloud-copilot/iam-simulate`` (``tools/iam_sim.py``, what every other IAM test uses)
validates context keys against AWS's IAM data, which lists GitHub's ``…:repository``, ``…:ref`` and
others but not ``…:sub`` and ``…:aud`` — so it drops exactly the claims the roles' trust policies
test. This evaluator answers for trust policies: does a token from this provider, with these
claims, match a statement (``Principal.Federated`` must be the provider the token came from)?

It implements what the program's policies use, as IAM documents it, and is held to
iam-simulate on a fixed corpus (``tests/tools/test_iam_eval.py``): an explicit Deny wins; an
action needs an Allow in the identity policy *and* in the boundary (when there is one); ``*`` and
``?`` wildcards in actions (case-insensitive) and resources; ``NotAction``/``NotResource``;
condition keys matched case-insensitively (IAM: "Condition key names are not case-sensitive");
``ArnEquals``/``ArnLike`` compared component by component (a ``*`` never spans a ``:``); the
operators StringEquals, StringNotEquals, StringLike, StringNotLike, ArnEquals, ArnLike,
ArnNotEquals, ArnNotLike, Null and Bool, each key's values ORed and keys ANDed; a missing key fails
a positive operator and satisfies a negated one. A statement with a ``Principal`` matches only the
principal given. Anything else (``…IfExists``, ``ForAnyValue:``, resource policies) raises, so a test
cannot pass by accident.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

Context = Mapping[str, str | Sequence[str]]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _wild(pattern: str, value: str, case: bool = True) -> bool:
    regex = "^" + "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + "$"
    return re.match(regex, value, re.S if case else re.S | re.IGNORECASE) is not None


def _arn_like(pattern: str, value: str) -> bool:
    """AWS compares an ARN's six colon-separated components one by one."""
    want, have = pattern.split(":", 5), value.split(":", 5)
    if len(want) != 6 or len(have) != 6:
        return False
    return all(_wild(w, h) for w, h in zip(want, have, strict=True))


def _condition(operator: str, key: str, wanted: Any, context: Context) -> bool:
    lowered = {k.lower(): v for k, v in context.items()}
    present = key.lower() in lowered
    values = [str(v) for v in _as_list(lowered.get(key.lower(), []))]
    wanted_list = [str(w) for w in _as_list(wanted)]
    if operator == "Null":
        return (not present) == (wanted_list[0].lower() == "true")
    if operator == "Bool":
        return present and any(v.lower() == w.lower() for v in values for w in wanted_list)
    negated = "Not" in operator
    base = operator.replace("Not", "")
    if not present:
        return negated
    if base == "StringEquals":
        hit = any(v == w for v in values for w in wanted_list)
    elif base == "StringLike":
        hit = any(_wild(w, v) for v in values for w in wanted_list)
    elif base in ("ArnLike", "ArnEquals"):
        hit = any(_arn_like(w, v) for v in values for w in wanted_list)
    else:
        raise ValueError(f"condition operator {operator} is not implemented by the evaluator")
    return not hit if negated else hit


def _principal_matches(statement: Mapping[str, Any], principal: Mapping[str, str] | None) -> bool:
    if "NotPrincipal" in statement:
        raise ValueError("NotPrincipal is not implemented by the evaluator")
    if "Principal" not in statement:
        return True
    if principal is None:
        raise ValueError("a statement with a Principal needs the requesting principal")
    named = statement["Principal"]
    if named == "*":
        return True
    for kind, value in principal.items():
        names = _as_list(named.get(kind, []))
        if value in names or "*" in names:
            return True
    return False


def _matches(statement: Mapping[str, Any], action: str, resource: str, context: Context,
             principal: Mapping[str, str] | None) -> bool:
    if not _principal_matches(statement, principal):
        return False
    if "NotAction" in statement:
        if any(_wild(a, action, case=False) for a in _as_list(statement["NotAction"])):
            return False
    elif not any(_wild(a, action, case=False) for a in _as_list(statement["Action"])):
        return False
    if "NotResource" in statement:
        if any(_wild(r, resource) for r in _as_list(statement["NotResource"])):
            return False
    elif not any(_wild(r, resource) for r in _as_list(statement.get("Resource", "*"))):
        return False
    for operator, keys in (statement.get("Condition") or {}).items():
        for key, wanted in keys.items():
            if not _condition(operator, key, wanted, context):
                return False
    return True


def _decide(policy: Mapping[str, Any], action: str, resource: str, context: Context,
            principal: Mapping[str, str] | None) -> str:
    """``deny``, ``allow`` or ``none`` (implicit deny) for one policy document."""
    decision = "none"
    for statement in _as_list(policy["Statement"]):
        if _matches(statement, action, resource, context, principal):
            if statement["Effect"] == "Deny":
                return "deny"
            decision = "allow"
    return decision


def allowed(action: str, resource: str = "*", context: Context | None = None, *,
            identity: Sequence[str | Mapping[str, Any]], boundary: str | Mapping[str, Any] | None = None,
            principal: Mapping[str, str] | None = None) -> bool:
    """Whether IAM allows ``action`` on ``resource`` under these policies (JSON text or parsed) and
    this permissions boundary. ``principal`` (``{"Federated": ARN}`` ...) is who asks, checked
    against statements that name one (trust policies)."""
    context = context or {}
    policies = [json.loads(p) if isinstance(p, str) else p for p in identity]
    decisions = [_decide(p, action, resource, context, principal) for p in policies]
    if "deny" in decisions or "allow" not in decisions:
        return False
    if boundary is not None:
        bound = json.loads(boundary) if isinstance(boundary, str) else boundary
        return _decide(bound, action, resource, context, principal) == "allow"
    return True


__all__ = ["allowed"]
