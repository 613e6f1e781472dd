"""The ``pull_through_cache`` section: upstreams, their credentials' secret and the cached repositories' lifecycle."""

from __future__ import annotations

from components.ecr.lifecycle import LifecycleRule
from components.ecr.pull_through_cache import CacheRule, Credentials

from . import schema
from .registry import lifecycle
from .values import NOT_SHOWN, ConfigError, Value, opt

# Cached images can be pulled again from upstream; moving upstream tags leave untagged images.
DEFAULT_CACHE_LIFECYCLE = {"untagged_expire_days": 14, "keep_last": 100}

# The secret an administrator creates for a credentialed upstream (docs/deploying.md).
_CREATE_SECRET = ("aws secretsmanager create-secret --name ecr-pullthroughcache/NAME "
                  "--secret-string '{\"username\":\"USER\",\"accessToken\":\"TOKEN\"}'")


def _credentials(node: Value) -> Credentials:
    if isinstance(node.value, dict):
        for key in ("username", "access_token"):
            if key in node.value:
                # The stack would keep the token in its state and read it back on every refresh
                # (secretsmanager:GetSecretValue, which the preview role must never have).
                raise ConfigError(f"{node.path}.{key}", NOT_SHOWN,
                                  "is no longer accepted: the stack does not keep upstream tokens. Create "
                                  f"the secret once as an administrator ({_CREATE_SECRET}) and set "
                                  f"{node.path}.secret_arn to its ARN")
    fields = node.object(schema.keys_of("pull_through_cache.rules[].credentials"))
    if "secret_arn" not in fields:
        raise ConfigError(f"{node.path}.secret_arn", None,
                          "is required: the ARN of a Secrets Manager secret named ecr-pullthroughcache/...")
    return Credentials(secret_arn=fields["secret_arn"].string())


def cache_section(node: Value) -> tuple[list[CacheRule], list[LifecycleRule]]:
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
            credentials=opt(rule, "credentials", _credentials),
        ))
    lifecycle_node = fields.get("lifecycle") or Value(DEFAULT_CACHE_LIFECYCLE, f"{node.path}.lifecycle")
    return rules, lifecycle(lifecycle_node)


