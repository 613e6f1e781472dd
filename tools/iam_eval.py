"""A small IAM policy evaluator: is an action on a resource, in a request context, allowed by an
identity policy within a permissions boundary? For the tests of the roles the program creates —
an offline stand-in for IAM Access Analyzer's policy checks, which need AWS.

It implements what the program's policies use, as IAM documents it: an explicit Deny wins; an
action needs an Allow in the identity policy *and* in the boundary (when there is one); ``*`` and
``?`` wildcards in actions (case-insensitive) and resources; ``NotAction``; the condition operators
StringEquals, StringNotEquals, StringLike, StringNotLike, ArnEquals, ArnLike, ArnNotEquals,
ArnNotLike and Null, each key's values ORed and keys ANDed; a missing key fails a positive
operator and satisfies a negated one. Anything else raises, so a test cannot pass by accident.
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
    return re.match(regex, value, 0 if case else re.IGNORECASE) is not None


def _condition(operator: str, key: str, wanted: Any, context: Context) -> bool:
    present = key in context
    values = [str(v) for v in _as_list(context.get(key, []))]
    wanted_list = [str(w) for w in _as_list(wanted)]
    if operator == "Null":
        return (not present) == (wanted_list[0].lower() == "true")
    negated = "Not" in operator
    base = operator.replace("Not", "")
    if not present:
        return negated
    if base == "StringEquals":
        hit = any(v == w for v in values for w in wanted_list)
    elif base in ("StringLike", "ArnLike", "ArnEquals"):
        hit = any(_wild(w, v) for v in values for w in wanted_list)
    else:
        raise ValueError(f"condition operator {operator} is not implemented by the evaluator")
    return not hit if negated else hit


def _matches(statement: Mapping[str, Any], action: str, resource: str, context: Context) -> bool:
    if "NotAction" in statement:
        if any(_wild(a, action, case=False) for a in _as_list(statement["NotAction"])):
            return False
    elif not any(_wild(a, action, case=False) for a in _as_list(statement["Action"])):
        return False
    if "NotResource" in statement:
        raise ValueError("NotResource is not implemented by the evaluator")
    if not any(_wild(r, resource) for r in _as_list(statement.get("Resource", "*"))):
        return False
    for operator, keys in (statement.get("Condition") or {}).items():
        for key, wanted in keys.items():
            if not _condition(operator, key, wanted, context):
                return False
    return True


def _decide(policy: Mapping[str, Any], action: str, resource: str, context: Context) -> str:
    """``deny``, ``allow`` or ``none`` (implicit deny) for one policy document."""
    decision = "none"
    for statement in _as_list(policy["Statement"]):
        if _matches(statement, action, resource, context):
            if statement["Effect"] == "Deny":
                return "deny"
            decision = "allow"
    return decision


def allowed(action: str, resource: str = "*", context: Context | None = None, *,
            identity: Sequence[str | Mapping[str, Any]], boundary: str | Mapping[str, Any] | None = None) -> bool:
    """Whether IAM allows ``action`` on ``resource`` for a principal with these identity policies
    (JSON text or parsed) and this permissions boundary."""
    context = context or {}
    policies = [json.loads(p) if isinstance(p, str) else p for p in identity]
    decisions = [_decide(p, action, resource, context) for p in policies]
    if "deny" in decisions or "allow" not in decisions:
        return False
    if boundary is not None:
        bound = json.loads(boundary) if isinstance(boundary, str) else boundary
        return _decide(bound, action, resource, context) == "allow"
    return True


__all__ = ["allowed"]
