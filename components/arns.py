"""The identifiers stack config names: account IDs, IAM role ARNs, KMS key ARNs."""

from __future__ import annotations

import re

from .errors import InvalidValue

ACCOUNT_RE = re.compile(r"^\d{12}$")
ROLE_ARN_RE = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")
KMS_ARN_RE = re.compile(
    r"^arn:(aws|aws-cn|aws-us-gov):kms:[a-z0-9-]+:\d{12}:(key/[0-9a-f-]{36}|key/mrk-[0-9a-f]{32}|alias/[\w/_-]+)$"
)


def check_kms_key_arn(path: str, value: object) -> None:
    """Raise ``InvalidValue`` at ``path`` unless ``value`` is a KMS key or alias ARN."""
    if not isinstance(value, str) or not KMS_ARN_RE.match(value):
        raise InvalidValue(path, value, "is not a KMS key or alias ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)")
