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

# The availability-zone letters an account usually has in a region, as AWS's "Regions and Zones"
# documentation lists them (compiled 2026-11; zone letters map to physical zones per account, and
# an older account may have one more or one fewer). A region not listed here accepts a-f.
ZONES_AS_OF = "2026-11"
ZONE_LETTERS: dict[str, str] = {
    "us-east-1": "abcdef", "us-east-2": "abc", "us-west-1": "abc", "us-west-2": "abcd",
    "ca-central-1": "abd", "sa-east-1": "abc",
    "eu-central-1": "abc", "eu-central-2": "abc", "eu-west-1": "abc", "eu-west-2": "abc", "eu-west-3": "abc",
    "eu-north-1": "abc", "eu-south-1": "abc", "eu-south-2": "abc",
    "ap-northeast-1": "acd", "ap-northeast-2": "abcd", "ap-northeast-3": "abc", "ap-south-1": "abc",
    "ap-southeast-1": "abc", "ap-southeast-2": "abc", "ap-east-1": "abc", "af-south-1": "abc", "me-south-1": "abc",
}


def partition_of(region: str) -> str:
    """The ARN partition (``aws``, ``aws-cn``, ``aws-us-gov``) a known region belongs to."""
    for partition, regions in REGIONS.items():
        if region in regions:
            return partition
    raise KeyError(region)


def dns_suffix(region: str) -> str:
    """The DNS suffix of ECR endpoints in ``region`` (``amazonaws.com.cn`` in China)."""
    return "amazonaws.com.cn" if partition_of(region) == "aws-cn" else "amazonaws.com"
