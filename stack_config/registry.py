"""The registry sections of the stack config: ``encryption`` and ``repositories`` (with their
lifecycle rules and grants)."""

from __future__ import annotations

from collections.abc import Mapping

from components.ecr.access import Grant
from components.ecr.lifecycle import LifecycleRule, check_rules, shorthand_rules
from components.ecr.registry import RegistryEncryption
from components.ecr.repository import EcrRepositorySpec, check_repository_spec
from components.shared.errors import InvalidValue

from . import schema
from .values import MAX_TAGS, PROGRAM_TAGS, ConfigError, Value, domain, opt


def lifecycle(node: Value) -> list[LifecycleRule]:
    fields = node.object(schema.keys_of("repositories[].lifecycle"))
    shorthand = [k for k in fields if k != "rules"]
    if "rules" in fields:
        if shorthand:
            raise ConfigError(f"{node.path}.{shorthand[0]}", fields[shorthand[0]].value,
                              "cannot be combined with lifecycle.rules; use either the rules list "
                              "or the shorthand keys (untagged_expire_days, keep_last, tag_patterns, "
                              "tag_prefixes)")
        rules = [_rule(item) for item in fields["rules"].list()]
        domain(lambda: check_rules(rules), f"{node.path}.rules")
        return rules
    untagged = opt(fields, "untagged_expire_days", Value.positive_int)
    keep_last = opt(fields, "keep_last", Value.positive_int)
    patterns = opt(fields, "tag_patterns", Value.strings, ())
    prefixes = opt(fields, "tag_prefixes", Value.strings, ())
    if (patterns or prefixes) and keep_last is None:
        key = "tag_patterns" if patterns else "tag_prefixes"
        raise fields[key].fail("needs keep_last (how many matching images to keep)")
    if patterns and prefixes:
        raise fields["tag_prefixes"].fail("cannot be combined with tag_patterns; use one of them")
    rules = shorthand_rules(untagged_expire_days=untagged, keep_last=keep_last,
                            tag_patterns=patterns, tag_prefixes=prefixes)
    try:
        check_rules(rules)
    except InvalidValue as err:
        # Report against the shorthand key the user wrote, not the generated rule.
        sub = err.path.split("].", 1)[-1] if err.path.startswith("[") else err.path
        sub = {"expire_after_days": "untagged_expire_days"}.get(sub, sub)
        raise ConfigError(f"{node.path}.{sub}", err.value, err.reason) from None
    return rules


def _rule(node: Value) -> LifecycleRule:
    fields = node.object(schema.keys_of("repositories[].lifecycle.rules[]"))
    for required in ("priority", "tag_status"):
        if required not in fields:
            raise ConfigError(f"{node.path}.{required}", None, "is required")
    return LifecycleRule(
        priority=fields["priority"].positive_int(),
        tag_status=fields["tag_status"].enum(schema.choices("repositories[].lifecycle.rules[].tag_status")),
        description=opt(fields, "description", lambda v: v.string(allow_empty=True), ""),
        tag_patterns=opt(fields, "tag_patterns", Value.strings, ()),
        tag_prefixes=opt(fields, "tag_prefixes", Value.strings, ()),
        keep_last=opt(fields, "keep_last", Value.positive_int),
        expire_after_days=opt(fields, "expire_after_days", Value.positive_int),
    )


def _grant(node: Value) -> Grant:
    fields = node.object(schema.keys_of("repositories[].grants[]"))
    if "principal" not in fields:
        raise ConfigError(f"{node.path}.principal", None, "is required")
    principal = fields["principal"].value
    if isinstance(principal, (int, float)) and not isinstance(principal, bool):
        # An account ID that `config set --path` stored as a number.
        principal = fields["principal"].account()
    grant = Grant(principal=principal, access=opt(fields, "access", lambda v: v.enum(schema.choices("repositories[].grants[].access")), "pull"))
    return grant


def repository(node: Value, default_protect: bool, stack_tags: Mapping[str, str]) -> EcrRepositorySpec:
    fields = node.object(schema.keys_of("repositories[]"))
    if "name" not in fields:
        raise ConfigError(f"{node.path}.name", None, "is required")
    args = EcrRepositorySpec(
        name=fields["name"].string(),
        tag_mutability=opt(fields, "tag_mutability", lambda v: v.enum(schema.choices("repositories[].tag_mutability")), "IMMUTABLE"),
        tag_mutability_exclusions=opt(fields, "tag_mutability_exclusions", Value.strings, ()),
        scan_on_push=opt(fields, "scan_on_push", Value.boolean, True),
        force_delete=opt(fields, "force_delete", Value.boolean, False),
        protect=opt(fields, "protect", Value.boolean, default_protect),
        lifecycle_rules=opt(fields, "lifecycle", lifecycle, ()),
        grants=tuple(_grant(g) for g in fields["grants"].list()) if "grants" in fields else (),
        tags=opt(fields, "tags", Value.tags, {}),
    )
    merged = {**stack_tags, **args.tags}
    if len(merged) > MAX_TAGS:
        raise ConfigError(f"{node.path}.tags", f"{len(merged)} tags",
                          f"is what repository {args.name} would get with the stack's tags and the "
                          f"program's own ({', '.join(PROGRAM_TAGS)}); AWS allows {MAX_TAGS} per resource")
    if args.protect and args.force_delete and "protect" not in fields:
        raise ConfigError(f"{node.path}.force_delete", True,
                          "is not allowed while the stack protects its repositories (protect: true); "
                          "set protect: false on this repository to allow it")
    domain(lambda: check_repository_spec(args), node.path)
    return args


def encryption(node: Value) -> RegistryEncryption:
    fields = node.object(schema.keys_of("encryption"))
    enc = RegistryEncryption(
        type=opt(fields, "type", lambda v: v.enum(schema.choices("encryption.type")), "KMS"),
        kms_key_arn=opt(fields, "kms_key_arn", Value.string),
        create_key=opt(fields, "create_key", Value.boolean, False),
    )
    return enc


