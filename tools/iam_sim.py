"""Evaluate IAM requests as AWS does, with a maintained evaluator: ``@cloud-copilot/iam-simulate``
(installed by ``tools/test.sh`` into ``tools/iam/node_modules``; AGPL-3.0, used by the tests only,
in a separate node process, never shipped with the program).

It models what a home-grown evaluator gets wrong (``docs/offline-verification.md``): condition keys
are case-insensitive, ``Arn*`` operators match an ARN component by component, resource-based
policies and permissions boundaries combine as AWS documents (a same-account resource policy that
names a role session grants beyond the session's boundary), principals are checked, and every
condition operator is implemented. It also refuses a request AWS would never make: an action it does
not know, a resource ARN of the wrong type, a context key the action does not take.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NODE_DIR = Path(__file__).resolve().parent / "iam"
SCRIPT = NODE_DIR / "simulate.mjs"


class SimulatorError(RuntimeError):
    """The simulator refused the input (a bad policy or request): a test must not pass on it."""


@dataclass(frozen=True)
class Request:
    """One API request, as IAM authorises it."""

    action: str
    resource: str = "*"
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    principal: str = "arn:aws:iam::111122223333:role/caller"
    resource_account: str | None = None
    """The account the resource is in (default: the principal's)."""

    def account(self) -> str:
        if self.resource_account:
            return self.resource_account
        parts = self.principal.split(":")
        return parts[4] if len(parts) > 4 and parts[4] else "111122223333"


@dataclass(frozen=True)
class Principal:
    """Who asks: the role (session) ARN and its policies."""

    arn: str
    identity: Sequence[Mapping[str, Any]]
    boundary: Mapping[str, Any] | None = None


def _as_policy(doc: str | Mapping[str, Any]) -> Mapping[str, Any]:
    return json.loads(doc) if isinstance(doc, str) else doc


def decide(principal: Principal, requests: Sequence[Request],
           resource_policies: Mapping[str, str | Mapping[str, Any]] | None = None) -> list[str]:
    """``Allowed``, ``ImplicitlyDenied`` or ``ExplicitlyDenied`` for each request (in order).
    ``resource_policies``: resource ARN -> its resource-based policy."""
    payload = []
    for r in requests:
        entry: dict[str, Any] = {
            "principal": principal.arn, "action": r.action, "resource": r.resource,
            "resourceAccount": r.account() if r.resource_account else principal.arn.split(":")[4],
            "context": {k: (v if isinstance(v, str) else list(v)) for k, v in r.context.items()},
            "identity": [_as_policy(p) for p in principal.identity],
        }
        if principal.boundary is not None:
            entry["boundary"] = _as_policy(principal.boundary)
        if resource_policies and r.resource in resource_policies:
            entry["resourcePolicy"] = _as_policy(resource_policies[r.resource])
        payload.append(entry)
    if not payload:
        return []
    if not (NODE_DIR / "node_modules").is_dir():
        raise SimulatorError(f"the IAM simulator is not installed: run `npm ci` in {NODE_DIR} (tools/test.sh does)")
    done = subprocess.run(["node", str(SCRIPT)], input=json.dumps(payload), capture_output=True, text=True,
                          cwd=NODE_DIR, check=False)
    if done.returncode != 0:
        raise SimulatorError(f"the IAM simulator failed: {done.stderr.strip()[-2000:]}")
    results = json.loads(done.stdout)
    out = []
    for request, result in zip(requests, results, strict=True):
        if "error" in result:
            raise SimulatorError(f"{request.action} on {request.resource}: {result['error']} "
                                 f"{json.dumps(result.get('details'))[:1500]}")
        out.append(result["decision"])
    return out


def allowed(principal: Principal, requests: Sequence[Request], **kwargs: Any) -> list[bool]:
    return [d == "Allowed" for d in decide(principal, requests, **kwargs)]
