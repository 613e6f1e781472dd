"""Where a component's resources live, and what every one of them carries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import InvalidValue
from .regions import ALL_REGIONS, dns_suffix, partition_of


@dataclass(frozen=True)
class Placement:
    """The registry a component belongs to: its region (and so its partition and DNS suffix), its
    account when known before deployment, and the tags every resource gets.

    One object shared by the registry, replication and cache Args instead of the same four
    fields copied into each.
    """

    region: str
    """The registry's region: the provider's (the stack's ``aws:region``)."""
    account: str | None = None
    """The registry's account, when the stack pins one (``aws:allowedAccountIds``); checks that
    keys and secrets given by ARN are in it. None: not checked before deployment."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags added to every resource."""

    def __post_init__(self) -> None:
        if self.region not in ALL_REGIONS:
            raise InvalidValue("region", self.region, "is not an AWS region where ECR is offered")

    @property
    def partition(self) -> str:
        return partition_of(self.region)

    @property
    def dns_suffix(self) -> str:
        return dns_suffix(self.region)
