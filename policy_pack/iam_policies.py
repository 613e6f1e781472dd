"""IAM: no administrator-equivalent grant, however written (mandatory): no statement allowing every
action (``*``, ``NotAction``) or every IAM action (``iam:*``) on every resource; no
AdministratorAccess or IAMFullAccess attached by any of the ways IAM attaches a managed policy; no
role any AWS principal may assume without a condition that narrows who. And no iam:PassRole to any
role for any service (advisory)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, ResourceValidationArgs

from support import (
    GROUP_POLICY,
    GROUP_POLICY_ATTACHMENT,
    GROUP_POLICY_ATTACHMENTS,
    IAM_POLICY,
    POLICY_ATTACHMENT,
    ROLE,
    ROLE_POLICY,
    ROLE_POLICY_ATTACHMENT,
    ROLE_POLICY_ATTACHMENTS,
    USER_POLICY,
    USER_POLICY_ATTACHMENT,
    USER_POLICY_ATTACHMENTS,
    Report,
    get,
    label,
    resource_policy,
)

# AWS managed policies that make their holder an administrator (IAMFullAccess: one policy edit away).
ADMIN_POLICIES = ("AdministratorAccess", "IAMFullAccess")
DOCUMENT_TYPES = (ROLE_POLICY, IAM_POLICY, ROLE, USER_POLICY, GROUP_POLICY)
ATTACHMENT_TYPES = (ROLE_POLICY_ATTACHMENT, POLICY_ATTACHMENT, USER_POLICY_ATTACHMENT, GROUP_POLICY_ATTACHMENT,
                    ROLE_POLICY_ATTACHMENTS, USER_POLICY_ATTACHMENTS, GROUP_POLICY_ATTACHMENTS, ROLE)
# Condition operators that narrow who a statement is about (a negated one, or a missing key, does not).
NARROWING = ("stringequals", "stringlike", "arnequals", "arnlike", "forallvalues:stringequals",
             "forallvalues:stringlike", "foranyvalue:stringequals", "foranyvalue:stringlike")


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


def _every_resource(statement: Mapping[str, Any]) -> bool:
    if "NotResource" in statement:
        return True
    return any(r == "*" or (isinstance(r, str) and r.endswith(":*") and r.count(":") <= 5 and "/" not in r)
               for r in _list(statement.get("Resource", "*")))


def _admin_actions(statement: Mapping[str, Any]) -> str | None:
    """What makes the statement's actions an administrator's: every action, or every IAM action."""
    if "NotAction" in statement:
        return "every action but a few (NotAction)"
    actions = [a.lower() for a in _list(statement.get("Action")) if isinstance(a, str)]
    if "*" in actions:
        return "every action"
    if "iam:*" in actions:
        return "every IAM action (which grants any other)"
    return None


@resource_policy(
    name="iam-no-full-admin",
    description="No IAM policy allows every action, or every IAM action, on every resource.",
    level=EnforcementLevel.MANDATORY,
    types=DOCUMENT_TYPES,
    checks="Role, user, group and managed policies and roles' inline policies have no `Allow` statement whose `Action` is `*` or `iam:*` (or any `NotAction`) on `Resource` `*` (or `NotResource`), whatever its condition.",
    why="Full administrator, or IAM in full (which grants the rest), is the one grant no boundary review can scope; a condition on region or tag does not make it less than admin. Name the services and actions.",
)
def iam_no_full_admin(args: ResourceValidationArgs, report_violation: Report) -> None:
    what = label(args.resource_type, args.props, args.name)
    for where, text in _documents(args):
        for statement in _statements(text):
            if statement.get("Effect") != "Allow":
                continue
            admin = _admin_actions(statement)
            if admin and _every_resource(statement):
                report_violation(f"{what}: its {where} allows {admin} on every resource "
                                 f"({statement.get('Sid') or 'a statement'}); list the services and actions.")


def _attached(args: ResourceValidationArgs) -> list[Any]:
    props = args.props
    if args.resource_type == ROLE:
        return list(get(props, "managedPolicyArns") or [])
    if args.resource_type in (ROLE_POLICY_ATTACHMENTS, USER_POLICY_ATTACHMENTS, GROUP_POLICY_ATTACHMENTS):
        return list(get(props, "policyArns") or [])
    return [get(props, "policyArn")]


@resource_policy(
    name="iam-no-administrator-access",
    description="No role, user or group gets AdministratorAccess or IAMFullAccess.",
    level=EnforcementLevel.MANDATORY,
    types=ATTACHMENT_TYPES,
    checks="No policy attachment of any kind (`RolePolicyAttachment`, `PolicyAttachment`, user and group attachments, the `…PolicyAttachmentsExclusive` types, a role's `managedPolicyArns`) attaches `AdministratorAccess` or `IAMFullAccess`, in any partition.",
    why="The platform's roles are scoped by resource type and bounded (docs/delivery.md); an administrator policy undoes both, and IAMFullAccess can grant itself the rest.",
)
def iam_no_administrator_access(args: ResourceValidationArgs, report_violation: Report) -> None:
    for arn in _attached(args):
        if isinstance(arn, str) and ":iam::aws:policy/" in arn and arn.rsplit("/", 1)[-1] in ADMIN_POLICIES:
            report_violation(f"{label(args.resource_type, args.props, args.name)} attaches {arn}; give the "
                             "principal a policy scoped to what it manages.")


def _anyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    for value in _list(principal.get("AWS", [])):
        if isinstance(value, str) and (value == "*" or ":iam::*:" in value):
            return True
    return False


@resource_policy(
    name="iam-trust-narrowed",
    description="No role trusts every AWS principal without a condition that narrows who.",
    level=EnforcementLevel.MANDATORY,
    types=(ROLE,),
    checks="A role's `assumeRolePolicy` has no `Allow` statement whose `Principal` is `*`, `{\"AWS\": \"*\"}` or an `arn:aws:iam::*:…` wildcard account, unless it carries a positive condition (`StringEquals`/`StringLike`/`ArnEquals`/`ArnLike`, with or without `ForAllValues`/`ForAnyValue`) naming who, such as `aws:PrincipalOrgID` or `aws:PrincipalArn`.",
    why="Such a trust lets any AWS account in the world assume the role: whatever the role may do, everyone may.",
)
def iam_trust_narrowed(args: ResourceValidationArgs, report_violation: Report) -> None:
    for statement in _statements(get(args.props, "assumeRolePolicy")):
        if statement.get("Effect") != "Allow" or not _anyone(statement.get("Principal")):
            continue
        operators = [op.lower() for op in (statement.get("Condition") or {})]
        if not any(op in NARROWING for op in operators):
            report_violation(f"{label(args.resource_type, args.props, args.name)}: its trust lets any AWS principal "
                             f"assume it ({statement.get('Sid') or 'a statement'}); name the principals, or add "
                             "a condition such as aws:PrincipalOrgID.")


@resource_policy(
    name="iam-passrole-scoped",
    description="iam:PassRole names its roles or the services it passes them to.",
    level=EnforcementLevel.ADVISORY,
    types=DOCUMENT_TYPES,
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
