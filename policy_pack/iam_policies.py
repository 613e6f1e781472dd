"""IAM: no statement allowing every action on every resource, no AdministratorAccess attachment
(mandatory), and no iam:PassRole to any role for any service (advisory)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, ResourceValidationArgs

from support import IAM_POLICY, ROLE, ROLE_POLICY, ROLE_POLICY_ATTACHMENT, Report, get, label, resource_policy

ADMIN_POLICIES = ("AdministratorAccess",)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(text: Any) -> Iterable[Mapping[str, Any]]:
    """The statements of a policy document given as JSON text (a malformed one has none)."""
    if not isinstance(text, str):
        return []
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return []
    statements = document.get("Statement", []) if isinstance(document, Mapping) else []
    return [s for s in _list(statements) if isinstance(s, Mapping)]


def _documents(args: ResourceValidationArgs) -> list[tuple[str, Any]]:
    if args.resource_type == ROLE:
        inline = get(args.props, "inlinePolicies") or []
        return [(f"inline policy {get(p, 'name')}", get(p, "policy")) for p in inline]
    return [("policy", get(args.props, "policy"))]


@resource_policy(
    name="iam-no-full-admin",
    description="No IAM policy allows every action on every resource.",
    level=EnforcementLevel.MANDATORY,
    types=(ROLE_POLICY, IAM_POLICY, ROLE),
    checks="Role policies, managed policies and roles' inline policies have no `Allow` statement whose `Action` is `*` (or `NotAction`) on `Resource` `*` with no condition.",
    why="Full administrator is the one grant no boundary review can scope; name the services.",
)
def iam_no_full_admin(args: ResourceValidationArgs, report_violation: Report) -> None:
    what = label(args.resource_type, args.props, args.name)
    for where, text in _documents(args):
        for statement in _statements(text):
            if statement.get("Effect") != "Allow" or statement.get("Condition"):
                continue
            every_action = "*" in _list(statement.get("Action")) or "NotAction" in statement
            if every_action and "*" in _list(statement.get("Resource", "*")):
                report_violation(f"{what}: its {where} allows every action on every resource "
                                 f"({statement.get('Sid') or 'a statement'}); list the services and actions.")


@resource_policy(
    name="iam-no-administrator-access",
    description="No role gets the AdministratorAccess managed policy.",
    level=EnforcementLevel.MANDATORY,
    types=(ROLE_POLICY_ATTACHMENT, ROLE),
    checks="No `aws.iam.RolePolicyAttachment` (and no role's `managedPolicyArns`) attaches `AdministratorAccess`.",
    why="The platform's roles are scoped by resource type and bounded (docs/delivery.md); an administrator role undoes both.",
)
def iam_no_administrator_access(args: ResourceValidationArgs, report_violation: Report) -> None:
    arns = [get(args.props, "policyArn")] if args.resource_type == ROLE_POLICY_ATTACHMENT else \
        list(get(args.props, "managedPolicyArns") or [])
    for arn in arns:
        if isinstance(arn, str) and arn.rsplit("/", 1)[-1] in ADMIN_POLICIES and ":iam::aws:policy/" in arn:
            report_violation(f"{label(args.resource_type, args.props, args.name)} attaches {arn}; give the role "
                             "a policy scoped to what it manages.")


@resource_policy(
    name="iam-passrole-scoped",
    description="iam:PassRole names its roles or the services it passes them to.",
    level=EnforcementLevel.ADVISORY,
    types=(ROLE_POLICY, IAM_POLICY, ROLE),
    checks="An `Allow` of `iam:PassRole` (or `iam:*`, `*`) on `Resource` `*` carries an `iam:PassedToService` condition, or the document denies passing roles to other services (a permissions boundary's shape).",
    why="PassRole on every role lets its holder hand any role, an administrator's too, to a service it controls.",
)
def iam_passrole_scoped(args: ResourceValidationArgs, report_violation: Report) -> None:
    what = label(args.resource_type, args.props, args.name)
    for where, text in _documents(args):
        statements = list(_statements(text))
        # A Deny of PassRole to services outside a list scopes every Allow of the document (a
        # permissions boundary's shape).
        if any(s.get("Effect") == "Deny" and "iam:passedtoservice" in json.dumps(s.get("Condition") or {}).lower()
               and any(a.lower() in ("iam:passrole", "iam:*", "*") for a in _list(s.get("Action")) if isinstance(a, str))
               for s in statements):
            continue
        for statement in statements:
            if statement.get("Effect") != "Allow":
                continue
            actions = [a.lower() for a in _list(statement.get("Action")) if isinstance(a, str)]
            passes = any(a in ("iam:passrole", "iam:*", "*") for a in actions)
            conditions = json.dumps(statement.get("Condition") or {}).lower()
            if passes and "*" in _list(statement.get("Resource", "*")) and "iam:passedtoservice" not in conditions:
                report_violation(f"{what}: its {where} allows iam:PassRole on every role for every service; "
                                 "name the roles, or add an iam:PassedToService condition.")
