"""The stack configuration, read once into typed objects and validated before any resource.

This package is the program's only reader of Pulumi config; the reusable components under
``components/`` never read it. It is split by config section (``registry``: encryption and
repositories; ``scanning``; ``replication``; ``cache``), and every key it accepts is declared once
in ``schema.py``. A bad value raises :class:`ConfigError` naming the key path, the value and what
is allowed, e.g.::

    repositories[1].lifecycle.keep_last: -3 is not a positive integer

Values arrive as the Pulumi CLI passes them: top-level values as the text in the stack file,
structured values as JSON. ``pulumi config set --path`` stores digit-only values as numbers and
``true``/``false`` as booleans, so where a key takes a string that may be all digits (an account
ID, a tag value) a number is accepted too; ``"10"`` and ``10`` are both read as 10.

No error shows a secret: values under ``credentials`` (and any value of a key the CLI marks
secret that is reported as unknown) are reported by key only.

Wiring components to each other (the registry's key to the cache, the scanning component to
replication) is ``__main__.py``'s: this package returns the Args a stack asks for and nothing else.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from components.delivery.github import GithubActionsRolesSpec
from components.delivery.permissions import deploy_policy_split
from components.delivery.runners import RunnerSpec
from components.ecr.lifecycle import render_policy
from components.ecr.pull_through_cache import PullThroughCacheSpec, check_cache_spec
from components.ecr.registry import EcrRegistrySpec, RegistryEncryption, check_registry_spec
from components.ecr.replication import EcrReplicationSpec, check_replication_spec, destinations
from components.ecr.scanning import ON_PUSH, RegistryScanningSpec, check_scanning_spec
from components.shared.boundary import BoundarySpec
from components.shared.placement import Placement
from components.shared.regions import ALL_REGIONS
from components.shared.scope import PlatformScope
from components.supply_chain.admission import ImageAdmissionSpec, check_admission_spec

from . import schema
from .cache import cache_section
from .cost import cost_section
from .delivery import delivery_section, runners_section
from .eks import kubernetes_section
from .model import CostAssumptions, KubernetesConfig
from .registry import encryption, repository
from .replication import replication_section
from .scanning import scanning_section
from .scope import platform_scope
from .values import MAX_TAGS, NOT_SHOWN, PROGRAM_TAGS, ConfigError, Value, domain, opt

__all__ = ["ConfigError", "PlatformConfig", "load", "parse", "schema"]

# Keys whose values are structured (JSON in the CLI's config map).
STRUCTURED_KEYS = tuple(k.name for k in schema.KEYS
                        if k.own_namespace and not k.parent and k.type.startswith(("object", "list", "map")))
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
    registry: EcrRegistrySpec
    placement: Placement
    """The stack's region, account and tags, which every spec carries."""
    boundary: BoundarySpec
    """The permissions boundary every role of the stack carries."""
    scanning: RegistryScanningSpec = field(default_factory=RegistryScanningSpec)
    replication: EcrReplicationSpec | None = None
    cache: PullThroughCacheSpec | None = None
    kubernetes: KubernetesConfig | None = None
    """The network, cluster, node groups and workload: all of them or none."""
    delivery: GithubActionsRolesSpec | None = None
    runners: RunnerSpec | None = None
    """Where the cluster-facing CI jobs run (with ``delivery``)."""
    cost: CostAssumptions = field(default_factory=CostAssumptions)
    admission: ImageAdmissionSpec | None = None
    """With a workload: the images pods in its namespace may run (the admission policy)."""
    secret_keys: frozenset[str] = field(default_factory=frozenset)
    warnings: tuple[str, ...] = ()
    """What the stack will discover too late otherwise; ``load()`` logs each at preview."""



def _home_account(raw: Mapping[str, Any]) -> str | None:
    """The account the stack is pinned to by aws:allowedAccountIds, when it names exactly one.
    The AWS provider reads a list of 12-digit IDs: anything else is refused here, by key."""
    text = raw.get("aws:allowedAccountIds")
    if text is None or text == "":
        return None
    try:
        ids = json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError:
        ids = text
    if not isinstance(ids, list):
        raise ConfigError("aws:allowedAccountIds", text, 'is not a list of account IDs; write it as a YAML list: '
                                                         '["111122223333"]')
    for i, value in enumerate(ids):
        Value(value, f"aws:allowedAccountIds[{i}]").account()
    return str(ids[0]).zfill(12) if len(ids) == 1 else None


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
    top_level = schema.keys_of("")
    unknown = [k for k in values if k not in top_level and k in secret_values]
    if unknown:  # a secret set on a misspelled key: name the key, never the value
        near = difflib.get_close_matches(unknown[0], top_level, n=1)
        hint = f"did you mean {near[0]}? " if near else ""
        raise ConfigError(unknown[0], NOT_SHOWN,
                          f"is set on an unknown key; {hint}allowed keys: {', '.join(top_level)}")
    fields = Value(values, "").object(top_level)

    protect = opt(fields, "protect", Value.boolean, False)
    bootstrap = opt(fields, "bootstrap", Value.boolean, False)
    environment = opt(fields, "environment", lambda v: v.string(allow_empty=True), "") or stack
    user_tags = opt(fields, "tags", Value.tags, {})
    for key in user_tags:
        if key in PROGRAM_TAGS:
            raise ConfigError(f"tags.{key}", user_tags[key],
                              f"is one of the program's own tags ({', '.join(PROGRAM_TAGS)}), which it sets on "
                              "every resource: PulumiProject and PulumiStack are what the permissions boundary "
                              "tells the stack's own keys and connections by; choose another tag name")
    tags = {"ManagedBy": "pulumi", "PulumiProject": project, "PulumiStack": stack,
            "Environment": environment, **user_tags}
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
    repositories = [repository(node, protect, tags) for node in repo_nodes]
    placement = Placement(region=region_value, account=home_account, tags=tags)
    registry = EcrRegistrySpec(
        repositories=repositories,
        encryption=opt(fields, "encryption", encryption, RegistryEncryption()),
        placement=placement,
        protect_key=protect,
    )
    domain(lambda: check_registry_spec(registry), "")

    # Replication rules first: the scanning configuration covers their same-account regions.
    replication_rules: list[Any] = []
    replica_lifecycles: dict[str, str | None] = {}
    if "replication" in fields:
        replication_rules, replica_lifecycles = replication_section(
            fields["replication"], placement, repositories)
    same_account_regions = sorted({d.region for d in destinations(replication_rules) if d.account is None})
    scanning = opt(fields, "scanning", lambda v: scanning_section(v, [None, *same_account_regions]),
                   RegistryScanningSpec(regions=[None, *same_account_regions]))
    domain(lambda: check_scanning_spec(scanning), "scanning")

    replication = None
    if "replication" in fields:
        profile = raw.get("aws:profile")
        replication = EcrReplicationSpec(
            rules=replication_rules, placement=placement,
            replica_lifecycle_policy=replica_lifecycles.pop("*", None),
            replica_lifecycle_policies=replica_lifecycles,
            encryption_type=registry.encryption.type, create_keys=registry.encryption.create_key,
            scanning=scanning, protect_keys=protect,
            provider_profile=profile if isinstance(profile, str) and profile else None,
            preview_role_name=f"{project}-{stack}-gha-preview" if "delivery" in fields else None,
        )
        domain(lambda: check_replication_spec(replication), "replication")

    cache = None
    if "pull_through_cache" in fields:
        cache_rules, cache_lifecycle = cache_section(fields["pull_through_cache"])
        # The cached repositories' key is the registry's: __main__.py passes the registry's key
        # output (a created key exists only once the registry declares it).
        cache = PullThroughCacheSpec(
            rules=cache_rules, placement=placement,
            lifecycle_policy=render_policy(cache_lifecycle) if cache_lifecycle else None,
            encryption_type=registry.encryption.type,
        )
        domain(lambda: check_cache_spec(cache), "pull_through_cache")

    kubernetes = kubernetes_section(fields, placement, project=project, stack=stack, protect=protect,
                                    repositories=repositories, root=Path.cwd(), bootstrap=bootstrap,
                                    aws_profile=raw.get("aws:profile") if isinstance(raw.get("aws:profile"), str) else None,
                                    aws_assume_roles=raw.get("aws:assumeRoles"))
    if bootstrap and kubernetes is None:
        raise ConfigError("bootstrap", True, "is for a stack with a cluster (network and cluster); this stack "
                                             "has none, so every run reaches all it creates: leave bootstrap out")

    admission = None
    if kubernetes is not None and (workload := kubernetes.workload) is not None:
        _check_scanned_on_push(workload.repository, scanning, fields)
        admission = ImageAdmissionSpec(
            placement=placement, namespaces=(workload.service.namespace_name,),
            repositories=tuple(r.name for r in repositories),
            cache_prefixes=tuple(rule.repository_prefix for rule in cache.rules) if cache is not None else ())
        domain(lambda: check_admission_spec(admission), "workload")

    delivery = runners = None
    if "delivery" in fields:
        assumed = [d.assume_role_arn for d in destinations(replication_rules) if d.assume_role_arn is not None]
        delivery = delivery_section(fields["delivery"], placement, stack, project=project,
                                    regions=[region_value, *same_account_regions], cross_account_role_arns=assumed)
        runners_node = fields["delivery"].child("runners", (fields["delivery"].value or {}).get("runners"))
        runners = runners_section(runners_node, delivery, kubernetes)
    cost = opt(fields, "cost", cost_section, CostAssumptions())
    scope = platform_scope(project=project, stack=stack, placement=placement,
                           regions=[region_value, *same_account_regions], repositories=repositories,
                           destinations=destinations(replication_rules), kubernetes=kubernetes,
                           delivery=delivery, runners=runners)
    if delivery is not None:
        _check_managed_policy_count(delivery, scope)

    warnings = []
    network = kubernetes.network if kubernetes is not None else None
    if kubernetes is not None and kubernetes.bootstrap:
        skipped = " and the workload (its image and objects)" if kubernetes.workload is not None else ""
        warnings.append(
            f"bootstrap: this run creates no Kubernetes provider{skipped}; it applies nothing through the "
            "cluster's endpoint. Once it is done (and the runners' GitHub connection is approved), set "
            "bootstrap: false and run `pulumi up` from inside the VPC — the deploy workflow's runner "
            "(docs/deploying.md).")
    if kubernetes is not None and network is not None and network.creates_vpc and network.nat == "none":
        # Without NAT, what the cluster's own AWS clients call must have an endpoint: Pod Identity
        # (eks-auth) for the autoscaler's and the agent's credentials, Auto Scaling and EKS for the
        # autoscaler (EC2 is always there), CloudWatch Logs for the agent and Fluent Bit.
        needed = {"eks-auth": "EKS Pod Identity"} if (kubernetes.autoscaler or kubernetes.observability) else {}
        if kubernetes.autoscaler is not None:
            needed.update({"autoscaling": "the Cluster Autoscaler", "eks": "the Cluster Autoscaler"})
        if kubernetes.observability is not None:
            needed["logs"] = "the CloudWatch agent and Fluent Bit"
        missing = [f"{service} ({why})" for service, why in needed.items() if service not in network.extra_endpoints]
        if missing:
            warnings.append(
                "network.nat: none — the nodes reach AWS only through VPC endpoints, and these have none: "
                f"{', '.join(missing)}; add them to network.extra_endpoints (or set cluster.autoscaler.enabled / "
                "cluster.observability.enabled to false), or their calls time out (docs/scaling.md).")
    if cache is not None and network is not None and network.creates_vpc and network.nat == "none":
        warnings.append(
            "pull_through_cache with network.nat: none — the FIRST pull of each image through a cache rule "
            "needs a NAT route from the nodes' subnets (ECR imports it from upstream; AWS documents that "
            "interface endpoints alone are not enough). Pods using cached images will fail that first pull "
            "until you set network.nat (single or per_az) or pull each image once from outside the VPC.")

    return PlatformConfig(
        project=project, stack=stack, region=region_value, partition=placement.partition,
        environment=environment, tags=tags, registry=registry, scanning=scanning,
        replication=replication, cache=cache, kubernetes=kubernetes, delivery=delivery, runners=runners,
        admission=admission,
        boundary=BoundarySpec(placement=placement, scope=scope),
        cost=cost,
        placement=placement,
        secret_keys=frozenset(secret_keys), warnings=tuple(warnings),
    )


# IAM's default quota of managed policies attached to one role (adjustable up to 20 through Service
# Quotas: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
MANAGED_POLICIES_PER_ROLE = 10


def _check_managed_policy_count(delivery: GithubActionsRolesSpec, scope: PlatformScope) -> None:
    generated = len(deploy_policy_split(scope))
    extra = len(delivery.deploy_policy_arns)
    if generated + extra > MANAGED_POLICIES_PER_ROLE:
        raise ConfigError("delivery.deploy_policy_arns", list(delivery.deploy_policy_arns),
                          f"lists {extra} policies; with the {generated} the deploy role's own permissions take, "
                          f"that is over IAM's {MANAGED_POLICIES_PER_ROLE} managed policies per role: list at most "
                          f"{MANAGED_POLICIES_PER_ROLE - generated}")


def _check_scanned_on_push(repository: str, scanning: RegistryScanningSpec, fields: Mapping[str, Value]) -> None:
    """The scan gate waits for the scan of the workload's image: a repository no scan-on-push (or
    continuous) rule covers is never scanned, and every ``up`` would wait for nothing."""
    if any(rule.frequency in ON_PUSH and any(fnmatch.fnmatchcase(repository, f) for f in rule.filters)
           for rule in scanning.rules):
        return
    where = fields["workload"].child("repository", repository)
    raise where.fail("is not scanned on push: no SCAN_ON_PUSH or CONTINUOUS_SCAN rule of scanning.rules matches "
                     "it, and the scan gate waits for the scan of each new image; add a rule whose filters match it")


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
    settings = parse(raw, project=pulumi.get_project(), stack=pulumi.get_stack(), secret_keys=secret_keys)
    for warning in settings.warnings:
        pulumi.log.warn(warning)
    return settings
