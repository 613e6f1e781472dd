"""ECR lifecycle policies from typed rules, checked against AWS's rules before anything is sent.

AWS refuses (at ``PutLifecyclePolicy``) a policy whose priorities repeat, whose ``tagStatus: any``
rule is not the last to be evaluated, whose tagged rule names neither or both of
``tagPrefixList``/``tagPatternList``, whose untagged rule names either, or whose counts are not
positive. Checking here turns a failed ``pulumi up`` half-way through into an error at preview.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..shared.errors import InvalidValue

TAG_STATUSES = ("tagged", "untagged", "any")
# A tag pattern: the characters of an image tag plus the wildcard; AWS allows up to 4 wildcards.
_PATTERN_RE = re.compile(r"^[A-Za-z0-9_.*-]{1,128}\Z")
_PREFIX_RE = re.compile(r"^[A-Za-z0-9_.-]{1,128}\Z")
MAX_WILDCARDS = 4
MAX_POLICY_CHARS = 30720  # LifecyclePolicyText max length in the ECR API model


@dataclass(frozen=True)
class LifecycleRule:
    """One rule of an ECR lifecycle policy.

    Exactly one of ``keep_last`` (expire all but the newest N matching images) and
    ``expire_after_days`` (expire matching images pushed more than N days ago) is set.
    """

    priority: int
    tag_status: str
    description: str = ""
    tag_patterns: Sequence[str] = field(default_factory=tuple)
    tag_prefixes: Sequence[str] = field(default_factory=tuple)
    keep_last: int | None = None
    expire_after_days: int | None = None

    def to_aws(self) -> dict:
        """The rule as the ECR lifecycle policy JSON names it."""
        selection: dict = {"tagStatus": self.tag_status}
        if self.tag_patterns:
            selection["tagPatternList"] = list(self.tag_patterns)
        if self.tag_prefixes:
            selection["tagPrefixList"] = list(self.tag_prefixes)
        if self.keep_last is not None:
            selection["countType"] = "imageCountMoreThan"
            selection["countNumber"] = self.keep_last
        else:
            selection["countType"] = "sinceImagePushed"
            selection["countUnit"] = "days"
            selection["countNumber"] = self.expire_after_days
        rule: dict = {"rulePriority": self.priority}
        if self.description:
            rule["description"] = self.description
        rule["selection"] = selection
        rule["action"] = {"type": "expire"}
        return rule


def _is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def check_rule(rule: LifecycleRule) -> None:
    """Raise ``InvalidValue`` (path relative to the rule) if AWS would refuse this rule."""
    if not _is_positive_int(rule.priority):
        raise InvalidValue("priority", rule.priority, "is not a positive integer")
    if rule.tag_status not in TAG_STATUSES:
        raise InvalidValue("tag_status", rule.tag_status, f"is not one of {', '.join(TAG_STATUSES)}")
    if (rule.keep_last is None) == (rule.expire_after_days is None):
        raise InvalidValue(
            "", {"keep_last": rule.keep_last, "expire_after_days": rule.expire_after_days},
            "needs exactly one of keep_last and expire_after_days",
        )
    for key in ("keep_last", "expire_after_days"):
        count = getattr(rule, key)
        if count is not None and not _is_positive_int(count):
            raise InvalidValue(key, count, "is not a positive integer")
    if rule.tag_status == "tagged":
        if bool(rule.tag_patterns) == bool(rule.tag_prefixes):
            raise InvalidValue(
                "", {"tag_patterns": list(rule.tag_patterns), "tag_prefixes": list(rule.tag_prefixes)},
                "a tagged rule needs exactly one non-empty list of tag_patterns or tag_prefixes",
            )
    elif rule.tag_patterns or rule.tag_prefixes:
        key = "tag_patterns" if rule.tag_patterns else "tag_prefixes"
        raise InvalidValue(
            key, list(rule.tag_patterns or rule.tag_prefixes),
            f"is not allowed on a rule with tag_status {rule.tag_status} (only on tagged rules)",
        )
    for i, pattern in enumerate(rule.tag_patterns):
        if not isinstance(pattern, str) or not _PATTERN_RE.match(pattern):
            raise InvalidValue(f"tag_patterns[{i}]", pattern,
                               "is not a tag pattern (1-128 of A-Z a-z 0-9 _ . - and *)")
        if pattern.count("*") > MAX_WILDCARDS:
            raise InvalidValue(f"tag_patterns[{i}]", pattern,
                               f"has more than {MAX_WILDCARDS} wildcards (*), the most AWS allows")
    for i, prefix in enumerate(rule.tag_prefixes):
        if not isinstance(prefix, str) or not _PREFIX_RE.match(prefix):
            raise InvalidValue(f"tag_prefixes[{i}]", prefix,
                               "is not a tag prefix (1-128 of A-Z a-z 0-9 _ . -; no wildcards)")


def check_rules(rules: Sequence[LifecycleRule]) -> None:
    """Raise ``InvalidValue`` (path ``[i]...`` into ``rules``) if AWS would refuse the policy."""
    seen: dict[int, int] = {}
    for i, rule in enumerate(rules):
        try:
            check_rule(rule)
        except InvalidValue as err:
            raise err.under(f"[{i}]") from None
        if rule.priority in seen:
            raise InvalidValue(f"[{i}].priority", rule.priority,
                               f"is already the priority of rule [{seen[rule.priority]}]; "
                               "priorities must be unique")
        seen[rule.priority] = i
    highest = max((r.priority for r in rules), default=0)
    for i, rule in enumerate(rules):
        if rule.tag_status == "any" and rule.priority != highest:
            raise InvalidValue(f"[{i}].priority", rule.priority,
                               "is not the highest priority; a rule with tag_status any must be "
                               f"evaluated last (give it a priority above {highest})")
    text = render_policy(rules)
    if len(text) > MAX_POLICY_CHARS:
        raise InvalidValue("", f"{len(text)} characters",
                           f"is longer than the {MAX_POLICY_CHARS} characters AWS accepts")


def render_policy(rules: Sequence[LifecycleRule]) -> str:
    """The lifecycle policy JSON text, rules ordered by priority."""
    ordered = sorted(rules, key=lambda r: r.priority)
    return json.dumps({"rules": [r.to_aws() for r in ordered]}, sort_keys=False)


def shorthand_rules(
    *,
    untagged_expire_days: int | None,
    keep_last: int | None,
    tag_patterns: Sequence[str] = (),
    tag_prefixes: Sequence[str] = (),
) -> list[LifecycleRule]:
    """Rules for the common case: expire untagged images, keep the newest N (matching) images.

    With no tag list, ``keep_last`` applies to every image (``tagStatus: any``) and is placed
    last, as AWS requires.
    """
    rules: list[LifecycleRule] = []
    if untagged_expire_days is not None:
        rules.append(LifecycleRule(
            priority=1, tag_status="untagged",
            description=f"Expire untagged images {untagged_expire_days} days after push",
            expire_after_days=untagged_expire_days,
        ))
    if keep_last is not None:
        matched = tag_patterns or tag_prefixes
        rules.append(LifecycleRule(
            priority=len(rules) + 1,
            tag_status="tagged" if matched else "any",
            description=(f"Keep the newest {keep_last} images tagged {', '.join(matched)}"
                         if matched else f"Keep the newest {keep_last} images"),
            tag_patterns=tuple(tag_patterns), tag_prefixes=tuple(tag_prefixes),
            keep_last=keep_last,
        ))
    return rules


def keeping_tags(rules: Sequence[LifecycleRule], tags: Sequence[str]) -> list[LifecycleRule]:
    """``rules`` behind one rule per tag in ``tags`` that keeps the image carrying it: priorities
    1..n, each selecting exactly that tag (a pattern without wildcard) and keeping 1 image. "An
    image that matches the tagging requirements of a rule cannot be expired by a rule with a lower
    priority" (Amazon ECR User Guide, LifecyclePolicies.html, "Lifecycle policy evaluation rules"),
    so no rule of ``rules`` can expire it. ``rules`` keep their order, each priority n higher."""
    kept = [LifecycleRule(priority=i + 1, tag_status="tagged", tag_patterns=(tag,), keep_last=1,
                          description=f"Keep the image the stack runs ({tag})")
            for i, tag in enumerate(tags)]
    return kept + [replace(rule, priority=rule.priority + len(kept)) for rule in rules]


def _tag_pattern_matches(pattern: str, tag: str) -> bool:
    """ECR's tagPatternList wildcard: ``*`` matches any run of characters (nothing else is special)."""
    regex = "^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$"
    return re.match(regex, tag) is not None


def rules_selecting(policy: str | dict, tag: str | None) -> list[int]:
    """The priorities of the rules of a lifecycle policy (JSON text or parsed) that select an image
    with ``tag`` (None: an untagged image), in priority order — ECR applies the lowest first, and
    an image is expired by at most one rule. An image no rule selects is kept for ever. With several
    prefixes or patterns a rule selects only images that match all of them ("If you specify
    multiple tags, only the images with all specified tags are selected": Amazon ECR User Guide,
    lifecycle_policy_parameters.html, tagPatternList); one tag can match several only by itself."""
    document = json.loads(policy) if isinstance(policy, str) else policy
    out = []
    for rule in sorted(document.get("rules", []), key=lambda r: r["rulePriority"]):
        selection = rule["selection"]
        status = selection["tagStatus"]
        if status == "any":
            out.append(rule["rulePriority"])
        elif status == "untagged" and tag is None:
            out.append(rule["rulePriority"])
        elif status == "tagged" and tag is not None:
            prefixes = selection.get("tagPrefixList") or []
            patterns = selection.get("tagPatternList") or []
            if ((prefixes or patterns) and all(tag.startswith(p) for p in prefixes)
                    and all(_tag_pattern_matches(p, tag) for p in patterns)):
                out.append(rule["rulePriority"])
    return out
