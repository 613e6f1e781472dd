"""The ``pull_through_cache`` section: upstreams, credentials and the cached repositories' lifecycle."""

from __future__ import annotations

from components.ecr.lifecycle import LifecycleRule
from components.ecr.pull_through_cache import CacheRule, Credentials

from . import schema
from .registry import lifecycle
from .values import ConfigError, Value, opt

# Cached images can be pulled again from upstream; moving upstream tags leave untagged images.
DEFAULT_CACHE_LIFECYCLE = {"untagged_expire_days": 14, "keep_last": 100}

def _credentials(node: Value, secret: bool) -> Credentials:
    fields = node.object(schema.keys_of("pull_through_cache.rules[].credentials"))
    if "access_token" in fields and not secret:
        raise ConfigError(f"{node.path}.access_token", "(not shown)",
                          "must be set as a secret: pulumi config set --secret --path "
                          f"'PROJECT:{node.path}.access_token' TOKEN")
    # The component stores them only inside a secret Output (the secret's value).
    return Credentials(secret_arn=opt(fields, "secret_arn", Value.string),
                       username=opt(fields, "username", Value.string),
                       access_token=opt(fields, "access_token", Value.string))


def cache_section(node: Value, secret: bool) -> tuple[list[CacheRule], list[LifecycleRule]]:
    fields = node.object(schema.keys_of("pull_through_cache"))
    if "rules" not in fields:
        raise ConfigError(f"{node.path}.rules", None, "is required (a list of upstreams to cache)")
    rules = []
    for item in fields["rules"].list():
        rule = item.object(schema.keys_of("pull_through_cache.rules[]"))
        if "upstream" not in rule:
            raise ConfigError(f"{item.path}.upstream", None, "is required")
        rules.append(CacheRule(
            upstream=rule["upstream"].string(),
            prefix=opt(rule, "prefix", Value.string),
            registry_url=opt(rule, "registry_url", Value.string),
            credentials=opt(rule, "credentials", lambda v: _credentials(v, secret)),
        ))
    lifecycle_node = fields.get("lifecycle") or Value(DEFAULT_CACHE_LIFECYCLE, f"{node.path}.lifecycle")
    return rules, lifecycle(lifecycle_node)


