"""Which images an ECR lifecycle policy expires, as Amazon ECR evaluates it: the offline stand-in
for ``aws ecr start-lifecycle-policy-preview``, to replay a repository's push history.

The rules, from the Amazon ECR User Guide
(https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html, "Lifecycle policy
evaluation rules", and lifecycle_policy_parameters.html):

- rules are applied in ``rulePriority`` order, lowest first; an image is expired by one rule or none;
- "An image that matches the tagging requirements of a rule cannot be expired by a rule with a lower
  priority", and rules "can still identify" images a higher rule marked, as if they were not
  expired (so they count towards ``imageCountMoreThan``);
- ``tagged`` with ``tagPatternList``/``tagPrefixList``: "If you specify multiple tags, only the
  images with all specified tags are selected" (each pattern or prefix matched by one of the
  image's tags); a pattern's ``*`` matches any characters; ``untagged``: images with no tag;
  ``any``: every image;
- ``imageCountMoreThan``: images sorted newest first by push time, all beyond the count expire;
  ``sinceImagePushed`` (days): images pushed more than that many days ago expire.

``tests/ecr/test_lifecycle_replay.py`` checks this against the guide's worked example
(lifecycle_policy_examples.html, "Filtering on multiple rules", Example A).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StoredImage:
    """An image in a repository: its digest, its tags and when it was pushed (in days)."""

    digest: str
    tags: tuple[str, ...]
    pushed_at: float


def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + r"\Z")


def selects(selection: Mapping[str, Any], tags: Sequence[str]) -> bool:
    """Whether a rule's selection matches an image with ``tags`` (its tagging requirements)."""
    status = selection.get("tagStatus")
    if status == "any":
        return True
    if status == "untagged":
        return not tags
    if status != "tagged" or not tags:
        return False
    prefixes = selection.get("tagPrefixList") or []
    patterns = selection.get("tagPatternList") or []
    return (all(any(tag.startswith(p) for tag in tags) for p in prefixes)
            and all(any(_pattern(p).match(tag) for tag in tags) for p in patterns))


def expired(policy: str | Mapping[str, Any], images: Iterable[StoredImage], now: float) -> set[str]:
    """The digests ``policy`` (JSON text or parsed) expires among ``images`` on day ``now``."""
    document = json.loads(policy) if isinstance(policy, str) else policy
    images = list(images)
    claimed: set[str] = set()  # matched the tagging requirements of a higher-priority rule
    out: set[str] = set()
    for rule in sorted(document.get("rules", []), key=lambda r: r["rulePriority"]):
        selection = rule["selection"]
        matched = [image for image in images if selects(selection, image.tags)]
        count_type, number = selection.get("countType"), selection.get("countNumber", 0)
        if count_type == "imageCountMoreThan":
            candidates = sorted(matched, key=lambda image: image.pushed_at, reverse=True)[number:]
        elif count_type == "sinceImagePushed":
            candidates = [image for image in matched if now - image.pushed_at > number]
        else:
            raise ValueError(f"countType {count_type!r} is not modelled here")
        out |= {image.digest for image in candidates if image.digest not in claimed}
        claimed |= {image.digest for image in matched}
    return out


class Repository:
    """A repository replayed push by push, its lifecycle policy applied after each push (ECR applies
    it within 24 hours of an image meeting the criteria: here, at once, the strictest case)."""

    def __init__(self, policy: str | Mapping[str, Any]) -> None:
        self.policy = policy
        self.images: dict[str, StoredImage] = {}
        self.expired: list[str] = []

    def push(self, digest: str, tags: Sequence[str], day: float) -> None:
        self.images[digest] = StoredImage(digest, tuple(tags), day)
        gone = expired(self.policy, self.images.values(), day)
        for digest_gone in sorted(gone):
            self.expired.append(digest_gone)
            del self.images[digest_gone]
