"""AWS regions where ECR is offered, by partition.

Kept as data (not looked up at run time) so a typo in a stack file fails before anything is
sent. ``tests/test_regions.py`` checks this list against botocore's endpoint data.
"""

from __future__ import annotations

REGIONS: dict[str, tuple[str, ...]] = {
    "aws": (
        "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2",
        "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
        "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6",
        "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
        "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
        "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1",
        "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    ),
    "aws-cn": ("cn-north-1", "cn-northwest-1"),
    "aws-us-gov": ("us-gov-east-1", "us-gov-west-1"),
}

ALL_REGIONS: frozenset[str] = frozenset(r for regions in REGIONS.values() for r in regions)


def partition_of(region: str) -> str:
    """The ARN partition (``aws``, ``aws-cn``, ``aws-us-gov``) a known region belongs to."""
    for partition, regions in REGIONS.items():
        if region in regions:
            return partition
    raise KeyError(region)


def dns_suffix(region: str) -> str:
    """The DNS suffix of ECR endpoints in ``region`` (``amazonaws.com.cn`` in China)."""
    return "amazonaws.com.cn" if partition_of(region) == "aws-cn" else "amazonaws.com"
