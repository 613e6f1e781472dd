"""The identifiers stack config names: account IDs, IAM role ARNs, KMS key ARNs.

Every pattern is ASCII-only and anchored with ``\\Z`` (``$`` would accept a trailing newline,
and ``\\d`` any Unicode digit).
"""

from __future__ import annotations

import re

from .errors import InvalidValue

ACCOUNT_RE = re.compile(r"^[0-9]{12}\Z")
ROLE_ARN_RE = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):role/[A-Za-z0-9_+=,.@/-]{1,512}\Z")
KMS_KEY_ARN_RE = re.compile(
    r"^arn:(?P<partition>aws|aws-cn|aws-us-gov):kms:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):"
    r"key/(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})\Z"
)
KMS_ALIAS_ARN_RE = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):kms:[a-z0-9-]+:[0-9]{12}:alias/[A-Za-z0-9/_-]+\Z")


def check_kms_key_arn(path: str, value: object, *, region: str | None = None,
                      account: str | None = None) -> None:
    """Raise ``InvalidValue`` at ``path`` unless ``value`` is a KMS *key* ARN (in ``region`` and
    ``account`` when given).

    Alias ARNs are refused: a repository creation template's ``kmsKey`` pattern rejects them (the
    ``up`` fails), and a repository created with one reads the key ARN back, so every later
    ``up`` would plan to replace the repository.
    """
    if isinstance(value, str) and KMS_ALIAS_ARN_RE.match(value):
        raise InvalidValue(path, value,
                           "is a KMS alias ARN; give the key ARN it points to (aws kms describe-key "
                           "--key-id ALIAS_ARN --query KeyMetadata.Arn): ECR templates refuse aliases, and "
                           "a repository reads the key ARN back, so every later up would replace it")
    match = KMS_KEY_ARN_RE.match(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidValue(path, value, "is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY_ID)")
    if region is not None and match["region"] != region:
        raise InvalidValue(path, value, f"is a key in {match['region']}; it must be in {region} "
                                        "(KMS keys are regional)")
    if account is not None and match["account"] != account:
        raise InvalidValue(path, value, f"is a key of account {match['account']}; it must be a key of "
                                        f"this registry's account {account}")
