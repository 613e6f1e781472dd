"""Repository policies from typed grants: named accounts or roles may pull and/or push.

Never a ``*`` principal: every grant names a 12-digit account (its root, i.e. whoever that
account's IAM lets act) or one IAM role.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..shared.arns import ACCOUNT_RE, ROLE_ARN_RE
from ..shared.errors import InvalidValue
from ..shared.iam import Principal, Statement, document

PULL_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
)
# The chapter's five push actions ("Repository Policies").
PUSH_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
)
ACCESS_LEVELS = ("pull", "push", "pull_push")



@dataclass(frozen=True)
class Grant:
    """Access for one principal: a 12-digit account ID or an IAM role ARN."""

    principal: str
    access: str = "pull"

    @property
    def pull(self) -> bool:
        return self.access in ("pull", "pull_push")

    @property
    def push(self) -> bool:
        return self.access in ("push", "pull_push")


def check_principal(principal: object) -> None:
    """Raise ``InvalidValue`` unless ``principal`` is a 12-digit account ID or a role ARN."""
    if not isinstance(principal, str) or not (
        ACCOUNT_RE.match(principal) or ROLE_ARN_RE.match(principal)
    ):
        raise InvalidValue(
            "principal", principal,
            "is not a 12-digit AWS account ID or an IAM role ARN "
            "(arn:aws:iam::123456789012:role/NAME); wildcards and other principals are refused",
        )


def check_grants(grants: Sequence[Grant]) -> None:
    """Raise ``InvalidValue`` (path ``[i].key``) for a bad or repeated grant."""
    seen: dict[str, int] = {}
    for i, grant in enumerate(grants):
        try:
            check_principal(grant.principal)
        except InvalidValue as err:
            raise err.under(f"[{i}]") from None
        if grant.access not in ACCESS_LEVELS:
            raise InvalidValue(f"[{i}].access", grant.access,
                               f"is not one of {', '.join(ACCESS_LEVELS)}")
        if grant.principal in seen:
            raise InvalidValue(f"[{i}].principal", grant.principal,
                               f"is already granted by [{seen[grant.principal]}]; "
                               "give each principal one grant")
        seen[grant.principal] = i


def principal_arn(principal: str, partition: str) -> str:
    """The IAM principal ARN of a grant (an account ID becomes that account's root)."""
    if ACCOUNT_RE.match(principal):
        return f"arn:{partition}:iam::{principal}:root"
    return principal


def repository_policy(grants: Sequence[Grant], partition: str = "aws") -> str | None:
    """The repository policy JSON for ``grants``, or None when nothing is granted."""
    statements = []
    for sid, wanted, actions in (
        ("AllowPull", lambda g: g.pull, PULL_ACTIONS),
        ("AllowPush", lambda g: g.push, PUSH_ACTIONS),
    ):
        principals = sorted(principal_arn(g.principal, partition) for g in grants if wanted(g))
        if principals:
            statements.append(Statement(sid, actions=sorted(actions), principal=Principal(aws=principals),
                                        resources=()))
    if not statements:
        return None
    return document(statements)
