"""The stack configuration, read once into typed objects and validated before any resource.

This is the only module that reads Pulumi config. Every value is checked here (and again,
for direct users of the components, by the components' own ``check_*`` functions); a bad
value raises :class:`ConfigError` naming the key path, the value and what is allowed, e.g.::

    repositories[1].lifecycle.keep_last: -3 is not a positive integer

Values arrive as the Pulumi CLI passes them: top-level values as the text in the stack file,
structured values as JSON. ``pulumi config set --path`` stores digit-only values as numbers and
``true``/``false`` as booleans, so where a key takes a string that may be all digits (an account
ID, a tag value) a number is accepted too; ``"10"`` and ``10`` are both read as 10.

No error shows a secret: values under ``credentials`` (and any value of a key the CLI marks
secret that is reported as unknown) are reported by key only.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from .access import ACCESS_LEVELS, Grant
from .arns import ACCOUNT_RE
from .errors import InvalidValue
from .lifecycle import TAG_STATUSES, LifecycleRule, check_rules, render_policy, shorthand_rules
from .pull_through_cache import CacheRule, Credentials, PullThroughCacheArgs, check_cache_args
from .regions import ALL_REGIONS, partition_of
from .registry import EcrRegistryArgs, RegistryEncryption, check_registry_args
from .replication import (
    EcrReplicationArgs,
    ReplicationDestination,
    ReplicationRule,
    check_replication_args,
    destinations,
    replicated,
)
from .repository import ENCRYPTION_TYPES, TAG_MUTABILITIES, EcrRepositoryArgs, check_repository_args
from .scanning import SCAN_TYPES, RegistryScanningArgs, ScanRule, check_scanning_args


class ConfigError(InvalidValue):
    """A stack configuration value the program refuses (a ``pulumi.RunError``: no traceback)."""


# The keys of each structured value, in the order the README documents them.
TOP_LEVEL_KEYS = ("environment", "protect", "tags", "encryption", "repositories", "scanning",
                  "replication", "pull_through_cache")
ENCRYPTION_KEYS = ("type", "kms_key_arn", "create_key")
REPOSITORY_KEYS = ("name", "tag_mutability", "tag_mutability_exclusions", "scan_on_push",
                   "force_delete", "protect", "lifecycle", "grants", "tags")
LIFECYCLE_KEYS = ("untagged_expire_days", "keep_last", "tag_patterns", "tag_prefixes", "rules")
RULE_KEYS = ("priority", "description", "tag_status", "tag_patterns", "tag_prefixes",
             "keep_last", "expire_after_days")
GRANT_KEYS = ("principal", "access")
SCANNING_KEYS = ("type", "rules", "allow_partial")
SCAN_RULE_KEYS = ("frequency", "filters")
REPLICATION_KEYS = ("rules", "replica_lifecycle")
REPLICATION_RULE_KEYS = ("destinations", "filters")
DESTINATION_KEYS = ("region", "account", "assume_role_arn", "kms_key_arn")
CACHE_KEYS = ("rules", "lifecycle")
CACHE_RULE_KEYS = ("upstream", "prefix", "registry_url", "credentials")
CREDENTIAL_KEYS = ("secret_arn", "username", "access_token")
# Keys whose values are structured (JSON in the CLI's config map).
STRUCTURED_KEYS = ("tags", "encryption", "repositories", "scanning", "replication", "pull_through_cache")
# Cached images can be pulled again from upstream; moving upstream tags leave untagged images.
DEFAULT_CACHE_LIFECYCLE = {"untagged_expire_days": 14, "keep_last": 100}

MAX_TAGS = 50  # per AWS resource, after the program's own tags are merged in
# Tags the program adds to every resource (a stack's tags may override their values).
PROGRAM_TAGS = ("ManagedBy", "PulumiProject", "PulumiStack", "Environment")
# Keys whose values (and everything below them) are never shown in an error.
SENSITIVE_KEYS = ("credentials", "access_token", "username", "password", "token", "secret")
NOT_SHOWN = "(not shown)"
_SECRET_WORDS = ("token", "secret", "password", "passwd", "credential", "username")


def _looks_secret(key: str) -> bool:
    """A key that holds (or is a misspelling of a key that holds) a credential."""
    lowered = key.lower()
    return any(word in lowered for word in _SECRET_WORDS) or bool(
        difflib.get_close_matches(lowered, SENSITIVE_KEYS, n=1, cutoff=0.75))
# Config namespaces the program knows are not its own (providers read them).
OTHER_NAMESPACES = ("aws", "pulumi", "kubernetes", "eks", "docker")


@dataclass(frozen=True)
class PlatformConfig:
    """Everything a stack asks of the platform."""

    project: str
    stack: str
    region: str
    partition: str
    environment: str
    tags: Mapping[str, str]
    registry: EcrRegistryArgs
    scanning: RegistryScanningArgs = field(default_factory=RegistryScanningArgs)
    replication: EcrReplicationArgs | None = None
    cache: PullThroughCacheArgs | None = None
    secret_keys: frozenset[str] = field(default_factory=frozenset)


# --------------------------------------------------------------------------------------------
# A value at a key path, with typed accessors that fail with the path in the message.


class _Value:
    def __init__(self, value: Any, path: str, sensitive: bool = False) -> None:
        self.value = value
        self.path = path
        self.sensitive = sensitive

    def fail(self, reason: str, value: Any = None) -> ConfigError:
        shown = NOT_SHOWN if self.sensitive else (self.value if value is None else value)
        return ConfigError(self.path, shown, reason)

    def child(self, key: str | int, value: Any) -> _Value:
        sub = f"{self.path}[{key}]" if isinstance(key, int) else (f"{self.path}.{key}" if self.path else key)
        sensitive = self.sensitive or (isinstance(key, str) and key.lower() in SENSITIVE_KEYS)
        return _Value(value, sub, sensitive)

    def object(self, allowed: Iterable[str]) -> dict[str, _Value]:
        allowed = tuple(allowed)
        if not isinstance(self.value, dict):
            raise self.fail(f"is not an object with keys {', '.join(allowed)}")
        for key in self.value:
            if key not in allowed:
                near = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean {near[0]}? " if near else ""
                where = self.child(str(key), None)
                # A misspelled credential key holds a credential: report it by key alone.
                hidden = where.sensitive or _looks_secret(str(key)) or bool(near and _looks_secret(near[0]))
                raise ConfigError(where.path, NOT_SHOWN if hidden else self.value[key],
                                  f"is set on an unknown key; {hint}allowed keys: {', '.join(allowed)}")
        return {key: self.child(key, val) for key, val in self.value.items()}

    def list(self) -> list[_Value]:
        if not isinstance(self.value, list):
            raise self.fail("is not a list")
        return [self.child(i, item) for i, item in enumerate(self.value)]

    def string(self, allow_empty: bool = False) -> str:
        if not isinstance(self.value, str) or (not allow_empty and not self.value):
            raise self.fail("is not a non-empty string")
        return self.value

    def strings(self) -> tuple[str, ...]:
        return tuple(item.string() for item in self.list())

    def enum(self, choices: Iterable[str]) -> str:
        choices = tuple(choices)
        if self.value not in choices:
            raise self.fail(f"is not one of {', '.join(choices)}")
        return self.value

    def boolean(self) -> bool:
        if isinstance(self.value, bool):
            return self.value
        if self.value in ("true", "false"):
            return self.value == "true"
        raise self.fail("is not a boolean (true or false)")

    def positive_int(self) -> int:
        value = self.value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise self.fail("is not a positive integer")
        return value

    def account(self) -> str:
        """A 12-digit account ID; a number (what ``config set --path`` stores) is accepted."""
        value = self.value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            if 0 <= value < 10 ** 12 and len(str(value)) < 12:
                raise self.fail(f"is a number of {len(str(value))} digits, not a 12-digit AWS account ID; "
                                "an ID that starts with 0 loses its leading zeros as a number: quote it "
                                f'("{value:012d}") in the stack file, or set it with '
                                "pulumi config set --path --type string")
            value = str(value)
        if not isinstance(value, str) or not ACCOUNT_RE.match(value):
            raise self.fail("is not a 12-digit AWS account ID")
        return value

    def tags(self) -> dict[str, str]:
        if not isinstance(self.value, dict):
            raise self.fail("is not a map of tag names to values")
        out = {}
        for key, val in self.value.items():
            where = self.child(key, val)
            if not (1 <= len(key) <= 128) or key.lower().startswith("aws:"):
                raise ConfigError(where.path, key, "is not a tag name (1-128 characters, not aws:...)")
            out[key] = where.tag_value()
        return out

    def tag_value(self) -> str:
        """A tag value; numbers and booleans (``config set --path`` stores them so) as their text."""
        value = self.value
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e21):
            value = str(int(value))
        elif isinstance(value, float):
            value = repr(value)
        if not isinstance(value, str) or len(value) > 256:
            raise self.fail("is not a tag value (a string of at most 256 characters)")
        return value


def _opt(fields: Mapping[str, _Value], key: str, read: Callable[[_Value], Any], default: Any = None) -> Any:
    """Read an optional key; an explicit null (``key: ~`` in YAML) counts as not set."""
    if key not in fields or fields[key].value is None:
        return default
    return read(fields[key])


def _domain(check: Callable[[], None], prefix: str) -> None:
    """Run a component's own validation, reporting its errors under ``prefix``."""
    try:
        check()
    except InvalidValue as err:
        moved = err.under(prefix)
        raise ConfigError(moved.path, moved.value, moved.reason) from None


# --------------------------------------------------------------------------------------------
# Structured values.


def _lifecycle(node: _Value) -> list[LifecycleRule]:
    fields = node.object(LIFECYCLE_KEYS)
    shorthand = [k for k in fields if k != "rules"]
    if "rules" in fields:
        if shorthand:
            raise ConfigError(f"{node.path}.{shorthand[0]}", fields[shorthand[0]].value,
                              "cannot be combined with lifecycle.rules; use either the rules list "
                              "or the shorthand keys (untagged_expire_days, keep_last, tag_patterns, "
                              "tag_prefixes)")
        rules = [_rule(item) for item in fields["rules"].list()]
        _domain(lambda: check_rules(rules), f"{node.path}.rules")
        return rules
    untagged = _opt(fields, "untagged_expire_days", _Value.positive_int)
    keep_last = _opt(fields, "keep_last", _Value.positive_int)
    patterns = _opt(fields, "tag_patterns", _Value.strings, ())
    prefixes = _opt(fields, "tag_prefixes", _Value.strings, ())
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


def _rule(node: _Value) -> LifecycleRule:
    fields = node.object(RULE_KEYS)
    for required in ("priority", "tag_status"):
        if required not in fields:
            raise ConfigError(f"{node.path}.{required}", None, "is required")
    return LifecycleRule(
        priority=fields["priority"].positive_int(),
        tag_status=fields["tag_status"].enum(TAG_STATUSES),
        description=_opt(fields, "description", lambda v: v.string(allow_empty=True), ""),
        tag_patterns=_opt(fields, "tag_patterns", _Value.strings, ()),
        tag_prefixes=_opt(fields, "tag_prefixes", _Value.strings, ()),
        keep_last=_opt(fields, "keep_last", _Value.positive_int),
        expire_after_days=_opt(fields, "expire_after_days", _Value.positive_int),
    )


def _grant(node: _Value) -> Grant:
    fields = node.object(GRANT_KEYS)
    if "principal" not in fields:
        raise ConfigError(f"{node.path}.principal", None, "is required")
    principal = fields["principal"].value
    if isinstance(principal, (int, float)) and not isinstance(principal, bool):
        # An account ID that `config set --path` stored as a number.
        principal = fields["principal"].account()
    grant = Grant(principal=principal, access=_opt(fields, "access", lambda v: v.enum(ACCESS_LEVELS), "pull"))
    return grant


def _repository(node: _Value, default_protect: bool, stack_tags: Mapping[str, str]) -> EcrRepositoryArgs:
    fields = node.object(REPOSITORY_KEYS)
    if "name" not in fields:
        raise ConfigError(f"{node.path}.name", None, "is required")
    args = EcrRepositoryArgs(
        name=fields["name"].string(),
        tag_mutability=_opt(fields, "tag_mutability", lambda v: v.enum(TAG_MUTABILITIES), "IMMUTABLE"),
        tag_mutability_exclusions=_opt(fields, "tag_mutability_exclusions", _Value.strings, ()),
        scan_on_push=_opt(fields, "scan_on_push", _Value.boolean, True),
        force_delete=_opt(fields, "force_delete", _Value.boolean, False),
        protect=_opt(fields, "protect", _Value.boolean, default_protect),
        lifecycle_rules=_opt(fields, "lifecycle", _lifecycle, ()),
        grants=tuple(_grant(g) for g in fields["grants"].list()) if "grants" in fields else (),
        tags=_opt(fields, "tags", _Value.tags, {}),
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
    _domain(lambda: check_repository_args(args), node.path)
    return args


def _encryption(node: _Value) -> RegistryEncryption:
    fields = node.object(ENCRYPTION_KEYS)
    enc = RegistryEncryption(
        type=_opt(fields, "type", lambda v: v.enum(ENCRYPTION_TYPES), "KMS"),
        kms_key_arn=_opt(fields, "kms_key_arn", _Value.string),
        create_key=_opt(fields, "create_key", _Value.boolean, False),
    )
    return enc


def _scanning(node: _Value) -> RegistryScanningArgs:
    fields = node.object(SCANNING_KEYS)
    rules = (ScanRule(),)
    if "rules" in fields:
        rules = tuple(_scan_rule(item) for item in fields["rules"].list())
    return RegistryScanningArgs(scan_type=_opt(fields, "type", lambda v: v.enum(SCAN_TYPES), "BASIC"),
                                rules=rules, allow_partial=_opt(fields, "allow_partial", _Value.boolean, False))


def _scan_rule(node: _Value) -> ScanRule:
    fields = node.object(SCAN_RULE_KEYS)
    if "frequency" not in fields:
        raise ConfigError(f"{node.path}.frequency", None, "is required")
    return ScanRule(frequency=fields["frequency"].string(),
                    filters=_opt(fields, "filters", _Value.strings, ("*",)))


def _destination(node: _Value, home_account: str | None) -> ReplicationDestination:
    fields = node.object(DESTINATION_KEYS)
    if "region" not in fields:
        raise ConfigError(f"{node.path}.region", None, "is required")
    account = _opt(fields, "account", _Value.account)
    if account is not None and account == home_account:
        account = None  # this stack's own account (aws:allowedAccountIds)
    return ReplicationDestination(
        region=fields["region"].string(), account=account,
        assume_role_arn=_opt(fields, "assume_role_arn", _Value.string),
        kms_key_arn=_opt(fields, "kms_key_arn", _Value.string),
    )


def _replication(node: _Value, home_account: str | None, repositories: list[EcrRepositoryArgs],
                 region: str, partition: str) -> tuple[list[ReplicationRule], dict[str, str | None]]:
    """The rules, and the replicas' lifecycle policy per destination key (``"*"``: every one)."""
    fields = node.object(REPLICATION_KEYS)
    if "rules" not in fields:
        raise ConfigError(f"{node.path}.rules", None, "is required (a list of rules with destinations)")
    rules = []
    for item in fields["rules"].list():
        rule = item.object(REPLICATION_RULE_KEYS)
        if "destinations" not in rule:
            raise ConfigError(f"{item.path}.destinations", None, "is required")
        rules.append(ReplicationRule(
            destinations=tuple(_destination(d, home_account) for d in rule["destinations"].list()),
            filters=_opt(rule, "filters", _Value.strings, ()),
        ))
    # The rules themselves first: the lifecycle below is derived from what they match.
    _domain(lambda: check_replication_args(EcrReplicationArgs(
        rules=rules, source_region=region, partition=partition, source_account=home_account)), node.path)
    if "replica_lifecycle" in fields:
        lifecycle = _lifecycle(fields["replica_lifecycle"])
        return rules, {"*": render_policy(lifecycle) if lifecycle else None}
    # Replicas get their sources' lifecycle: one ROOT template per destination carries one policy,
    # so each destination must receive repositories that agree on it.
    names = [r.name for r in repositories]
    by_name = {r.name: (render_policy(r.lifecycle_rules) if r.lifecycle_rules else None) for r in repositories}
    per_destination: dict[str, str | None] = {}
    for dest_key, matched in replicated(rules, names).items():
        if not matched:
            raise ConfigError(f"{node.path}.replica_lifecycle", None,
                              f"is required: no repository of this stack replicates to {dest_key}, so the "
                              "replicas' lifecycle cannot be taken from a source; set the lifecycle the "
                              "replicas get")
        policies = {by_name[n] for n in matched}
        if len(policies) > 1:
            raise ConfigError(f"{node.path}.replica_lifecycle", None,
                              f"is required: {', '.join(matched)} replicate to {dest_key} with different "
                              "lifecycle policies, and the replicas' creation template carries one; set "
                              "the lifecycle the replicas get")
        per_destination[dest_key] = policies.pop()
    return rules, per_destination


def _credentials(node: _Value, secret: bool) -> Credentials:
    fields = node.object(CREDENTIAL_KEYS)
    if "access_token" in fields and not secret:
        raise ConfigError(f"{node.path}.access_token", "(not shown)",
                          "must be set as a secret: pulumi config set --secret --path "
                          f"'PROJECT:{node.path}.access_token' TOKEN")
    # The component stores them only inside a secret Output (the secret's value).
    return Credentials(secret_arn=_opt(fields, "secret_arn", _Value.string),
                       username=_opt(fields, "username", _Value.string),
                       access_token=_opt(fields, "access_token", _Value.string))


def _cache(node: _Value, secret: bool) -> tuple[list[CacheRule], list[LifecycleRule]]:
    fields = node.object(CACHE_KEYS)
    if "rules" not in fields:
        raise ConfigError(f"{node.path}.rules", None, "is required (a list of upstreams to cache)")
    rules = []
    for item in fields["rules"].list():
        rule = item.object(CACHE_RULE_KEYS)
        if "upstream" not in rule:
            raise ConfigError(f"{item.path}.upstream", None, "is required")
        rules.append(CacheRule(
            upstream=rule["upstream"].string(),
            prefix=_opt(rule, "prefix", _Value.string),
            registry_url=_opt(rule, "registry_url", _Value.string),
            credentials=_opt(rule, "credentials", lambda v: _credentials(v, secret)),
        ))
    lifecycle_node = fields.get("lifecycle") or _Value(DEFAULT_CACHE_LIFECYCLE, f"{node.path}.lifecycle")
    return rules, _lifecycle(lifecycle_node)


def _home_account(raw: Mapping[str, Any]) -> str | None:
    """The account the stack is pinned to by aws:allowedAccountIds, when it names exactly one."""
    try:
        ids = json.loads(raw.get("aws:allowedAccountIds") or "[]")
    except (TypeError, json.JSONDecodeError):
        return None
    if not (isinstance(ids, list) and len(ids) == 1):
        return None
    account = str(ids[0])
    return account if ACCOUNT_RE.match(account) else None


def _check_namespaces(raw: Mapping[str, Any], project: str, secret_keys: set[str]) -> None:
    """A key in a namespace that is a near miss of the project's (``container-platfrom:protect``)
    would be ignored by the program and by every provider: refuse it."""
    for full_key in raw:
        namespace, sep, key = full_key.partition(":")
        if not sep or namespace == project or namespace in OTHER_NAMESPACES:
            continue
        if difflib.get_close_matches(namespace, [project], n=1, cutoff=0.75):
            value = NOT_SHOWN if full_key in secret_keys else raw[full_key]
            raise ConfigError(full_key, value, f"is in the namespace {namespace}, which nothing reads; "
                                               f"did you mean {project}:{key}?")


# --------------------------------------------------------------------------------------------
# The whole stack.


def parse(raw: Mapping[str, Any], *, project: str, stack: str,
          secret_keys: Iterable[str] = ()) -> PlatformConfig:
    """Validate the stack's config map (keys ``namespace:key``, values as the CLI passes them)."""
    region_value = raw.get("aws:region")
    if region_value is None:
        raise ConfigError("aws:region", None,
                          "is not set; run `pulumi config set aws:region eu-central-1` (or your region)")
    if region_value not in ALL_REGIONS:
        raise ConfigError("aws:region", region_value,
                          "is not an AWS region where ECR is offered (e.g. eu-central-1, us-east-1)")
    secret_set = set(secret_keys)
    _check_namespaces(raw, project, secret_set)
    home_account = _home_account(raw)
    prefix = f"{project}:"
    values: dict[str, Any] = {}
    secret_values: set[str] = set()
    for full_key, value in raw.items():
        if not full_key.startswith(prefix):
            continue
        key = full_key[len(prefix):]
        if key in STRUCTURED_KEYS and isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass  # a plain string (`pulumi config set tags x`): the type check names it
        values[key] = value
        if full_key in secret_set:
            secret_values.add(key)
    unknown = [k for k in values if k not in TOP_LEVEL_KEYS and k in secret_values]
    if unknown:  # a secret set on a misspelled key: name the key, never the value
        near = difflib.get_close_matches(unknown[0], TOP_LEVEL_KEYS, n=1)
        hint = f"did you mean {near[0]}? " if near else ""
        raise ConfigError(unknown[0], NOT_SHOWN,
                          f"is set on an unknown key; {hint}allowed keys: {', '.join(TOP_LEVEL_KEYS)}")
    fields = _Value(values, "").object(TOP_LEVEL_KEYS)

    protect = _opt(fields, "protect", _Value.boolean, False)
    environment = _opt(fields, "environment", lambda v: v.string(allow_empty=True), "") or stack
    tags = {"ManagedBy": "pulumi", "PulumiProject": project, "PulumiStack": stack,
            "Environment": environment, **_opt(fields, "tags", _Value.tags, {})}
    if len(tags) > MAX_TAGS:
        raise ConfigError("tags", f"{len(tags)} tags",
                          f"is what every resource would get with the program's own ({', '.join(PROGRAM_TAGS)}); "
                          f"AWS allows {MAX_TAGS} per resource, so give at most {MAX_TAGS - len(PROGRAM_TAGS)}")
    if "repositories" not in fields:
        raise ConfigError("repositories", None,
                          "is not set; list at least one repository "
                          f"(pulumi config set --path '{project}:repositories[0].name' myapp)")
    repo_nodes = fields["repositories"].list()
    if not repo_nodes:
        raise fields["repositories"].fail("is empty; list at least one repository")
    repositories = [_repository(node, protect, tags) for node in repo_nodes]
    registry = EcrRegistryArgs(
        repositories=repositories,
        encryption=_opt(fields, "encryption", _encryption, RegistryEncryption()),
        tags=tags,
        protect_key=protect,
        partition=partition_of(region_value),
        region=region_value,
        account=home_account,
    )
    _domain(lambda: check_registry_args(registry), "")

    replication = None
    if "replication" in fields:
        rules, replica_lifecycles = _replication(fields["replication"], home_account, repositories,
                                                 region_value, registry.partition)
        profile = raw.get("aws:profile")
        replication = EcrReplicationArgs(
            rules=rules, source_region=region_value, partition=registry.partition,
            replica_lifecycle_policy=replica_lifecycles.pop("*", None),
            replica_lifecycle_policies=replica_lifecycles,
            encryption_type=registry.encryption.type, create_keys=registry.encryption.create_key,
            tags=tags, protect_keys=protect, source_account=home_account,
            provider_profile=profile if isinstance(profile, str) and profile else None,
        )
        _domain(lambda: check_replication_args(replication), "replication")

    scanning = _opt(fields, "scanning", _scanning, RegistryScanningArgs())
    same_account_regions = sorted({d.region for d in destinations(replication.rules) if d.account is None}
                                  if replication else set())
    scanning.regions = [None, *same_account_regions]
    _domain(lambda: check_scanning_args(scanning), "scanning")
    if replication is not None:
        replication.scanning = scanning

    cache = None
    if "pull_through_cache" in fields:
        secret = f"{project}:pull_through_cache" in set(secret_keys)
        cache_rules, cache_lifecycle = _cache(fields["pull_through_cache"], secret)
        cache = PullThroughCacheArgs(
            rules=cache_rules, region=region_value, partition=registry.partition,
            lifecycle_policy=render_policy(cache_lifecycle) if cache_lifecycle else None,
            encryption_type=registry.encryption.type, kms_key=registry.encryption.kms_key_arn,
            tags=tags, account=home_account,
        )
        _domain(lambda: check_cache_args(cache), "pull_through_cache")

    return PlatformConfig(
        project=project, stack=stack, region=region_value, partition=registry.partition,
        environment=environment, tags=tags, registry=registry, scanning=scanning,
        replication=replication, cache=cache, secret_keys=frozenset(secret_keys),
    )


def current_config_map() -> tuple[dict[str, Any], list[str]]:
    """The config map and secret keys the Pulumi language host gave this process."""
    from pulumi.runtime import config as runtime_config

    raw: dict[str, Any] = dict(runtime_config.get_config_env())
    raw.update(runtime_config.CONFIG.get())
    secret_keys = set(runtime_config.get_config_secret_keys_env())
    secret_keys.update(k for k in raw if runtime_config.is_config_secret(k))
    return raw, sorted(secret_keys)


def load() -> PlatformConfig:
    """Read and validate the running stack's configuration."""
    raw, secret_keys = current_config_map()
    return parse(raw, project=pulumi.get_project(), stack=pulumi.get_stack(), secret_keys=secret_keys)
