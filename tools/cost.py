"""What a stack costs: a monthly estimate of the offline plan, in USD, at AWS list prices.

Every line item is priced in the resource's own region from ``tools/prices.json`` (one data file,
with the date its figures were checked and a source per figure); usage the plan cannot know
(image size, pushes a day, GB through NAT and endpoints, log volume, the Spot discount) comes from
the stack's ``cost`` config section (``stack_config/cost.py``), with documented defaults. A month
is 730 hours. What has no price for its region is listed in ``missing`` and warned about — never
priced at zero.

Dated: the EKS control plane is priced by the support calendar (``components/eks/versions.py``) on
the day the estimate is made (``on``, injectable), for the 730 hours from that day — a version that
leaves standard support within them is billed at the extended rate for the rest when its upgrade
policy is EXTENDED. KMS keys are priced with the rotations they have had by ``cost.key_age_days``.
Enhanced scanning (Amazon Inspector) is priced per image pushed into, and per rescan of an image
held in, each registry whose scanning configuration covers the repository. ECR storage follows the
lifecycle rules' tag filters: each kind of push (untagged, ``cost.tag_mix``'s sample tags, the
workload's content tags) goes to the first rule that selects it; what no rule selects is never
expired. The front door: load balancer hours and LCUs, public addresses, WAF, access-log storage.
The scan gate: its ECR and Inspector reads during ``pulumi up``, which are not billed (an item at $0
with its source, so the estimate says what the gate adds). Scale: the estimate's total is at the
minimum scale (every node group at its ``min_size``, where the Cluster Autoscaler leaves an idle
stack), and ``monthly_at_max`` at the maximum (every group at its ``max_size``); what grows with the
nodes (instances, their volumes, Container Insights' observations) carries both quantities. The
CloudWatch observability add-on: observations, container logs and Application Signals.

Not included: data transfer to the internet, cross-AZ traffic, requests (KMS, Secrets Manager,
ECR, S3 API), ACM, Route 53, Inspector scans of pull-through cache repositories, taxes, free tiers,
Savings Plans, Reserved Instances and negotiated discounts.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from components.eks.versions import VERSIONS, standard_support_end
from components.supply_chain.findings import MAX_TIMEOUT_MINUTES, POLL_SECONDS
from stack_config.model import CostAssumptions
from tools import tokens as t
from tools.harness import Plan, PlannedResource

PRICES_FILE = Path(__file__).with_name("prices.json")
HOURS = 730
DAYS = HOURS / 24
MB_PER_GB = 1024



def load_prices(path: Path = PRICES_FILE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass
class LineItem:
    urn: str | None
    item: str
    quantity: float
    """At the minimum scale: every node group at its ``min_size`` (what the stack costs at rest)."""
    unit: str
    unit_price: float
    region: str
    quantity_at_max: float | None = None
    """At the maximum scale (every node group at its ``max_size``), for what scales with the nodes;
    None: the same at every scale."""

    @property
    def monthly(self) -> float:
        return round(self.quantity * self.unit_price, 2)

    @property
    def monthly_at_max(self) -> float:
        return round((self.quantity if self.quantity_at_max is None else self.quantity_at_max) * self.unit_price, 2)

    def to_json(self) -> dict:
        return {"urn": self.urn, "item": self.item, "quantity": round(self.quantity, 4), "unit": self.unit,
                "unit_price": self.unit_price, "monthly": self.monthly,
                "quantity_at_max": None if self.quantity_at_max is None else round(self.quantity_at_max, 4),
                "monthly_at_max": self.monthly_at_max}


@dataclass
class CostReport:
    prices_checked: str
    priced_on: str = ""
    items: list[LineItem] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    assumed_prices: list[str] = field(default_factory=list)
    assumptions: dict = field(default_factory=dict)

    @property
    def monthly(self) -> float:
        """At the minimum scale."""
        return round(sum(i.monthly for i in self.items), 2)

    @property
    def monthly_at_max(self) -> float:
        """At the maximum scale: every node group at its ``max_size``."""
        return round(sum(i.monthly_at_max for i in self.items), 2)

    def to_json(self) -> dict:
        return {"currency": "USD", "monthly": self.monthly, "monthly_at_max": self.monthly_at_max,
                "prices_checked": self.prices_checked,
                "priced_on": self.priced_on, "items": [i.to_json() for i in self.items], "missing": self.missing,
                "assumed_prices": self.assumed_prices, "assumptions": self.assumptions}


# --------------------------------------------------------------------------------------------
# ECR: how much a repository holds, from its lifecycle rules.


Stream = tuple[str | None, float]
"""A kind of push into a repository: a sample tag (None: untagged) and pushes a day."""


def push_streams(a: CostAssumptions, workload_tag: str | None = None) -> list[Stream]:
    """What a repository receives: untagged pushes, tagged pushes split by ``cost.tag_mix``, and,
    in the workload's repository, the platform's own content tags (``sha-…``, from ``pulumi up``)."""
    tagged = a.pushes_per_day * (1 - a.untagged_fraction)
    streams: list[Stream] = [(None, a.pushes_per_day * a.untagged_fraction)]
    streams += [(tag, tagged * share) for tag, share in a.tag_mix.items()]
    if workload_tag is not None:
        streams.append((workload_tag, a.workload_pushes_per_day))
    return streams


def _pattern(pattern: str) -> re.Pattern[str]:
    """An ECR tagPatternList entry: ``*`` matches any characters, everything else itself."""
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + r"\Z")


def rule_matches(selection: Mapping[str, Any], tag: str | None) -> bool:
    """Whether a lifecycle rule's selection takes an image with this one tag (None: untagged).
    With several prefixes or patterns, ECR selects images whose tags match all of them."""
    status = selection.get("tagStatus")
    if status == "any":
        return True
    if status == "untagged":
        return tag is None
    if tag is None:
        return False
    prefixes, patterns = selection.get("tagPrefixList") or [], selection.get("tagPatternList") or []
    return (all(tag.startswith(p) for p in prefixes)
            and all(_pattern(p).match(tag) for p in patterns))


@dataclass(frozen=True)
class Retention:
    """What a repository holds at steady state under its lifecycle rules."""

    images: float
    never_expire: tuple[str, ...] = ()
    """Sample tags no rule selects: their images are never expired (counted for
    ``days_without_lifecycle``); ``untagged`` when no rule takes untagged images."""


def retention(policy_text: str | None, a: CostAssumptions, streams: list[Stream] | None = None) -> Retention:
    """Each kind of push goes to the first rule (lowest ``rulePriority``) whose selection takes it, as
    ECR evaluates rules; a rule keeps ``countNumber`` images of those it takes, or their pushes of the
    last ``countNumber`` days. Pushes no rule takes are never expired."""
    streams = push_streams(a) if streams is None else streams
    rules = sorted(json.loads(policy_text)["rules"] if policy_text else [], key=lambda r: r.get("rulePriority", 0))
    taken: dict[int, float] = {}
    unmatched: list[Stream] = []
    for tag, daily in streams:
        index = next((i for i, rule in enumerate(rules) if rule_matches(rule.get("selection", {}), tag)), None)
        if index is None:
            unmatched.append((tag, daily))
        else:
            taken[index] = taken.get(index, 0.0) + daily
    images = 0.0
    for index, daily in taken.items():
        selection = rules[index].get("selection", {})
        number = selection.get("countNumber", 0)
        images += (min(number, daily * a.days_without_lifecycle) if selection.get("countType") == "imageCountMoreThan"
                   else daily * number)
    images += sum(daily * a.days_without_lifecycle for _, daily in unmatched)
    return Retention(images, tuple("untagged" if tag is None else tag for tag, daily in unmatched if daily > 0))


def images_kept(policy_text: str | None, a: CostAssumptions) -> float:
    """Images a repository holds at steady state under ``policy_text`` (a lifecycle policy JSON)."""
    return retention(policy_text, a).images


def _kept_text(kept: Retention) -> str:
    never = f"; never expired: {', '.join(kept.never_expire)}" if kept.never_expire else ""
    return f"{kept.images:.0f} images kept{never}"


def _gb(images: float, a: CostAssumptions) -> float:
    return images * a.image_size_mb / MB_PER_GB


# --------------------------------------------------------------------------------------------
# The estimate.


class _Pricer:
    def __init__(self, prices: Mapping[str, Any], report: CostReport) -> None:
        self.prices = prices
        self.report = report

    def regional(self, region: str, key: str, what: str) -> float | None:
        figures = self.prices["regions"].get(region)
        if figures is None or key not in figures:
            self.report.missing.append(f"{what}: no {key} price for {region}")
            return None
        if key in figures.get("assumed", ()):
            self.report.assumed_prices.append(f"{key} in {region}: {self.prices['assumed'][key]}")
        return figures[key]

    def ec2(self, region: str, instance_type: str, what: str) -> float | None:
        figures = self.prices["regions"].get(region, {}).get("ec2", {})
        if instance_type not in figures:
            self.report.missing.append(f"{what}: no {instance_type} price for {region}")
            return None
        return figures[instance_type]

    def add(self, urn: str | None, item: str, quantity: float, unit: str, unit_price: float | None,
            region: str, at_max: float | None = None) -> None:
        if unit_price is not None and (quantity > 0 or (at_max or 0) > 0):
            self.report.items.append(LineItem(urn, item, quantity, unit, unit_price, region, at_max))

    def assumed(self, key: str) -> float:
        """A global price the book marks assumed (no stored copy of its source was checked)."""
        if key in self.prices["assumed"]:
            self.report.assumed_prices.append(f"{key}: {self.prices['assumed'][key]}")
        value: float = self.prices["global"][key]
        return value


def _region_of(res: PlannedResource, plan: Plan, default: str) -> str:
    if isinstance(res.inputs.get("region"), str):
        return res.inputs["region"]
    if res.provider:
        provider = next((p for p in plan.resources if p.urn == res.provider), None)
        if provider is not None and isinstance(provider.inputs.get("region"), str):
            return provider.inputs["region"]
    return default


def _account_of(res: PlannedResource, plan: Plan, default: str) -> str:
    if res.provider:
        provider = next((p for p in plan.resources if p.urn == res.provider), None)
        ids = provider.inputs.get("allowedAccountIds") if provider is not None else None
        if isinstance(ids, str):
            ids = json.loads(ids)
        if ids:
            return str(ids[0])
    return default


@dataclass
class _Context:
    """What every pricer sees: the plan, the stack's default region and account, the usage
    assumptions and the price book."""

    plan: Plan
    region: str
    account: str
    a: CostAssumptions
    price: _Pricer
    on: date
    pushes: dict[str, float] = field(default_factory=dict)
    """Repository name → images pushed a day (every kind of push, the workload's included)."""
    holdings: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    """(region, account) → repository name → images it holds: each registry's contents, source
    repositories and replicas, for the scanning that registry does."""

    @property
    def g(self) -> Mapping[str, Any]:
        return self.price.prices["global"]

    def where(self, res: PlannedResource) -> str:
        return _region_of(res, self.plan, self.region)


Pricer = Callable[[list[PlannedResource], _Context], None]
"""Prices every planned resource of one type (the list may be empty only for plan-wide items)."""


def control_plane_hours(version: str, upgrade_policy: str, on: date) -> tuple[float, float]:
    """(standard, extended) cluster-hours of the 730 from ``on``: extended once the version has left
    standard support, when the upgrade policy keeps it there (STANDARD upgrades it instead)."""
    if version not in VERSIONS or upgrade_policy != "EXTENDED":
        return float(HOURS), 0.0
    standard = min(max((standard_support_end(version) - on) / timedelta(hours=1), 0.0), float(HOURS))
    return standard, HOURS - standard


def _cluster(resources: list[PlannedResource], c: _Context) -> None:
    for res in resources:
        where = c.where(res)
        version = str(res.inputs.get("version"))
        policy = str((res.inputs.get("upgradePolicy") or {}).get("supportType") or "EXTENDED")
        standard, extended = control_plane_hours(version, policy, c.on)
        label = f"EKS control plane {res.inputs.get('name', res.name)}"
        c.price.add(res.urn, f"{label} (standard support, {version})", standard, "cluster-hour",
                    c.g["eks_standard_hour"], where)
        c.price.add(res.urn, f"{label} (extended support, {version}, from "
                             f"{standard_support_end(version).isoformat() if version in VERSIONS else '?'})",
                    extended, "cluster-hour", c.g["eks_extended_hour"], where)
        if res.inputs.get("enabledClusterLogTypes"):
            c.price.add(res.urn, "EKS control-plane log ingestion", c.a.control_plane_log_gb_per_month, "GB",
                        c.price.regional(where, "logs_ingest_gb", "control-plane logs"), where)


def node_range(res: PlannedResource) -> tuple[float, float]:
    """(fewest, most) nodes of a managed node group: its min and max size. The desired size is the
    Cluster Autoscaler's after creation (ignored by the plan), so the estimate prices both ends."""
    scaling = res.inputs.get("scalingConfig") or {}
    return float(scaling.get("minSize") or 0), float(scaling.get("maxSize") or scaling.get("desiredSize") or 0)


def _node_group(resources: list[PlannedResource], c: _Context) -> None:
    for res in resources:
        where = c.where(res)
        fewest, most = node_range(res)
        types = res.inputs.get("instanceTypes") or []
        spot = res.inputs.get("capacityType") == "SPOT"
        scale = f"{fewest:g}-{most:g} nodes"
        if types:
            hourly = c.price.ec2(where, types[0], f"node group {res.name}")
            if hourly is not None and spot:
                hourly = round(hourly * (1 - c.a.spot_discount), 6)
            kind = (f"SPOT (assumed {format(c.a.spot_discount, '.0%')} below on-demand)" if spot
                    else "on-demand")
            c.price.add(res.urn, f"EKS nodes {res.name}: {types[0]} {kind}, {scale}", fewest * HOURS, "instance-hour",
                        hourly, where, at_max=most * HOURS)
        disk, volume_type = _node_volume(res, c.plan)
        c.price.add(res.urn, f"EKS node volumes {res.name} ({volume_type}), {scale}", fewest * disk, "GB-month",
                    c.price.regional(where, f"ebs_{volume_type}_gb_month", f"node group {res.name}"), where,
                    at_max=most * disk)


def _node_volume(res: PlannedResource, plan: Plan) -> tuple[float, str]:
    """(GiB, EBS type) of each node's volume: from the group's launch template when it has one
    (the program's always does), else the group's diskSize on the AMI's default type (gp2)."""
    for urn in res.property_dependencies.get("launchTemplate", []):
        template = next((r for r in plan.resources if r.urn == urn and r.type == t.LAUNCH_TEMPLATE), None)
        if template is not None:
            (mapping, *_) = template.inputs.get("blockDeviceMappings") or [{}]
            ebs = mapping.get("ebs") or {}
            return float(ebs.get("volumeSize") or 20), str(ebs.get("volumeType") or "gp2")
    return float(res.inputs.get("diskSize") or 20), "gp2"


def _nat(resources: list[PlannedResource], c: _Context) -> None:
    for res in resources:
        where = c.where(res)
        c.price.add(res.urn, f"NAT gateway {res.name}", HOURS, "hour",
                    c.price.regional(where, "nat_hour", "NAT gateway"), where)
    if resources:
        where = c.where(resources[0])
        c.price.add(None, "NAT gateway data processed", c.a.nat_gb_per_month, "GB",
                    c.price.regional(where, "nat_gb", "NAT gateway data"), where)


def _eip(resources: list[PlannedResource], c: _Context) -> None:
    for res in resources:
        where = c.where(res)
        c.price.add(res.urn, f"public IPv4 address {res.name}", HOURS, "hour",
                    c.price.regional(where, "public_ipv4_hour", "public IPv4"), where)


def _endpoint(resources: list[PlannedResource], c: _Context) -> None:
    interface = [r for r in resources if r.inputs.get("vpcEndpointType") == "Interface"]
    for res in interface:  # gateway endpoints (S3) are free
        where = c.where(res)
        azs = len(res.inputs.get("subnetIds") or []) or 1
        service = str(res.inputs.get("serviceName", res.name)).split(f"{where}.", 1)[-1]
        c.price.add(res.urn, f"interface endpoint {service} ({azs} AZs)", azs * HOURS, "AZ-hour",
                    c.price.regional(where, "endpoint_az_hour", "interface endpoint"), where)
    if interface:
        where = c.where(interface[0])
        c.price.add(None, "interface endpoint data processed", c.a.endpoint_gb_per_month, "GB",
                    c.price.regional(where, "endpoint_gb", "interface endpoint data"), where)


def key_rotations(age_days: float, enabled: bool, period_days: float | None) -> int:
    """Rotations a key has had at ``age_days``; KMS bills $1 a month more for each of the first two."""
    return min(int(age_days // (period_days or 365)), 2) if enabled else 0


def _key(resources: list[PlannedResource], c: _Context) -> None:
    for res in resources:
        rotations = key_rotations(c.a.key_age_days, bool(res.inputs.get("enableKeyRotation")),
                                  res.inputs.get("rotationPeriodInDays"))
        price = c.g["kms_key_month"] + rotations * c.g["kms_rotation_month"]
        c.price.add(res.urn, f"KMS key {res.name} ({rotations} rotations at {c.a.key_age_days:g} days)", 1,
                    "key-month", price, c.where(res))


def _flow_log(resources: list[PlannedResource], c: _Context) -> None:
    for res in resources:
        where = c.where(res)
        c.price.add(res.urn, "VPC flow log ingestion", c.a.flow_log_gb_per_month, "GB",
                    c.price.regional(where, "vended_logs_gb", "flow logs"), where)


def _flow_log_groups(plan: Plan) -> set[str]:
    """The log groups a flow log writes to: those its destination input comes from."""
    return {urn for res in plan.by_type(t.FLOW_LOG)
            for key in ("logDestination", "logGroupName") for urn in res.property_dependencies.get(key, [])}


CONTAINER_INSIGHTS = "/aws/containerinsights/"


def _log_group(resources: list[PlannedResource], c: _Context) -> None:
    flow = _flow_log_groups(c.plan)
    for res in resources:
        where = c.where(res)
        name = str(res.inputs.get("name", ""))
        if name.startswith(CONTAINER_INSIGHTS):
            # The containers' logs are priced with the add-on (_observability); the performance events'
            # storage is within Container Insights' observations, and on AL2023 nodes the dataplane and
            # host groups stay empty by default.
            if not name.endswith("/application"):
                continue
            monthly_gb = c.a.container_log_gb_per_month
        else:
            monthly_gb = c.a.flow_log_gb_per_month if res.urn in flow else c.a.control_plane_log_gb_per_month
        retention = float(res.inputs.get("retentionInDays") or 0)
        months = min(retention or 3653, 3653) / DAYS
        c.price.add(res.urn, f"log storage {res.inputs.get('name', res.name)} (retention {int(retention)} days)",
                    monthly_gb * months, "GB-month", c.price.regional(where, "logs_storage_gb_month", "log storage"),
                    where)


def _repositories(resources: list[PlannedResource], c: _Context) -> None:
    _ecr(c)


def _covered(name: str, rules: list[dict]) -> str | None:
    """The scan frequency a registry's rules give repository ``name`` (continuous wins over on push)."""
    frequencies = {str(rule.get("scanFrequency")) for rule in rules
                   if any(fnmatch.fnmatchcase(name, str(f.get("filter"))) for f in rule.get("repositoryFilters") or [])}
    return "CONTINUOUS_SCAN" if "CONTINUOUS_SCAN" in frequencies else next(iter(frequencies), None)


def _scanning(resources: list[PlannedResource], c: _Context) -> None:
    """Enhanced scanning, billed by Amazon Inspector: each image pushed (or replicated) into a
    covered repository is scanned once; under CONTINUOUS_SCAN each image held is rescanned as CVEs
    are published (``cost.rescans_per_image_month``). Basic scanning is free."""
    for res in resources:
        if res.inputs.get("scanType") != "ENHANCED":
            continue
        where, account = c.where(res), _account_of(res, c.plan, c.account)
        rules = res.inputs.get("rules") or []
        for name, kept in sorted(c.holdings.get((where, account), {}).items()):
            frequency = _covered(name, rules)
            if frequency is None:
                continue
            c.price.add(res.urn, f"Inspector scans {name} in {where} ({account}, on push)",
                        c.pushes.get(name, c.a.pushes_per_day) * DAYS, "image", c.g["inspector_image_scan"], where)
            if frequency == "CONTINUOUS_SCAN":
                c.price.add(res.urn, f"Inspector rescans {name} in {where} ({account}, {kept:.0f} images held)",
                            kept * c.a.rescans_per_image_month, "rescan", c.g["inspector_rescan"], where)


def _cache_rule(resources: list[PlannedResource], c: _Context) -> None:
    for res in resources:
        where = c.where(res)
        c.price.add(res.urn, f"pull-through cache {res.inputs.get('ecrRepositoryPrefix')} storage (assumed)",
                    c.a.cached_gb, "GB-month", c.price.regional(where, "ecr_storage_gb_month", "ECR storage"), where)


def _load_balancer(resources: list[PlannedResource], c: _Context) -> None:
    for res in resources:
        where = c.where(res)
        c.price.add(res.urn, f"load balancer {res.name}", HOURS, "hour",
                    c.price.regional(where, "alb_hour", "load balancer"), where)
        c.price.add(res.urn, f"load balancer capacity {res.name} ({c.a.lb_lcus:g} LCU assumed)",
                    c.a.lb_lcus * HOURS, "LCU-hour", c.price.regional(where, "alb_lcu_hour", "load balancer LCU"),
                    where)
        if res.inputs.get("internal") is not True:
            # An internet-facing load balancer has a public IPv4 address in each of its zones.
            zones = len(res.inputs.get("subnets") or []) or 2
            c.price.add(res.urn, f"public IPv4 addresses {res.name} ({zones} zones)", zones * HOURS, "hour",
                        c.price.regional(where, "public_ipv4_hour", "public IPv4"), where)
        logs = res.inputs.get("accessLogs") or {}
        if logs.get("enabled"):
            days = _log_bucket_days(c.plan, str(logs.get("bucket")))
            stored = c.a.access_log_gb_per_month * min(days, DAYS * 12) / DAYS
            c.price.add(res.urn, f"access-log storage {res.name} (kept {days:g} days)", stored, "GB-month",
                        c.price.regional(where, "s3_standard_gb_month", "S3 storage"), where)


def _log_bucket_days(plan: Plan, bucket: str) -> float:
    """How long a bucket's lifecycle keeps objects (a year when no rule expires them)."""
    for res in plan.by_type(t.BUCKET_LIFECYCLE):
        if res.inputs.get("bucket") == bucket:
            days = [r.get("expiration", {}).get("days") for r in res.inputs.get("rules") or []]
            return float(min((d for d in days if d), default=365))
    return 365.0


def _web_acl(resources: list[PlannedResource], c: _Context) -> None:
    for res in resources:
        where = c.where(res)
        rules = len(res.inputs.get("rules") or [])
        c.price.add(res.urn, f"WAF web ACL {res.name}", 1, "ACL-month", c.g["waf_acl_month"], where)
        c.price.add(res.urn, f"WAF rules {res.name} ({rules} managed rule groups)", rules, "rule-month",
                    c.g["waf_rule_month"], where)
        c.price.add(res.urn, f"WAF requests {res.name} (assumed)", c.a.requests_millions_per_month,
                    "million requests", c.g["waf_million_requests"], where)


def _runners(resources: list[PlannedResource], c: _Context) -> None:
    """CodeBuild runners bill per build-minute, by environment and compute type."""
    prices = c.g["codebuild_minute"]
    for res in resources:
        env = res.inputs.get("environment") or {}
        kind, compute = str(env.get("type")), str(env.get("computeType"))
        price = (prices.get(kind) or {}).get(compute)
        if price is None:
            c.price.report.missing.append(f"CodeBuild runner {res.name}: no {kind} {compute} price")
            continue
        c.price.report.assumed_prices.append(f"codebuild_minute: {c.price.prices['assumed']['codebuild_minute']}")
        c.price.add(res.urn, f"CodeBuild runner {res.name} ({compute}, {kind}; assumed "
                             f"{c.a.runner_minutes_per_month:g} build-minutes)", c.a.runner_minutes_per_month,
                    "build-minute", price, c.where(res))
def _scan_gate(resources: list[PlannedResource], c: _Context) -> None:
    """The scan gate's reads during ``pulumi up``: one run per new image of the workload
    (``cost.workload_pushes_per_day``), each polling every ``POLL_SECONDS`` for at most its timeout
    (one DescribeImageScanFindings per poll for BASIC; one ListCoverage per poll and a
    ListFindings page for ENHANCED). ECR and Inspector charge nothing for these calls (the price
    book's ``scan_gate`` source): the item shows the most it can call, at $0. The wait itself runs
    inside the deploy job (the runner's build minutes, which the estimate does not price)."""
    for res in resources:
        where = c.where(res)
        polls = float(res.inputs.get("timeoutMinutes") or MAX_TIMEOUT_MINUTES) * 60 / POLL_SECONDS + 1
        scan_type = str(res.inputs.get("scanType"))
        per_run = polls + (1 if scan_type == "ENHANCED" else 0)
        runs = c.a.workload_pushes_per_day * DAYS
        c.price.add(res.urn, f"scan gate {res.name}: {scan_type} scan reads during `pulumi up` (at most "
                             f"{per_run:.0f} calls for each of {runs:.0f} new images; not billed)",
                    runs * per_run, "API call", c.g["scan_gate_api_call"], where)


def _observability(resources: list[PlannedResource], c: _Context) -> None:
    """What the ``amazon-cloudwatch-observability`` add-on brings: Container Insights with enhanced
    observability, billed per observation (each metric data point the agent sends; its count grows
    with the nodes and their pods: ``cost.container_insights_observations_per_node_month``), the
    containers' logs ingested (``cost.container_log_gb_per_month``), and Application Signals, billed
    per signal (each inbound and outbound request of an instrumented service): none while the
    service is not instrumented (docs/scaling.md)."""
    groups = [r for r in c.plan.by_type(t.NODE_GROUP)]
    fewest = sum(node_range(g)[0] for g in groups)
    most = sum(node_range(g)[1] for g in groups)
    for res in resources:
        if res.inputs.get("addonName") != "amazon-cloudwatch-observability":
            continue
        where = c.where(res)
        per_node = c.a.container_insights_observations_per_node_month / 1e6
        c.price.add(res.urn, f"Container Insights observations ({per_node:g} million per node-month assumed, "
                             f"{fewest:g}-{most:g} nodes)", fewest * per_node, "million observations",
                    c.price.assumed("container_insights_observation_million"), where, at_max=most * per_node)
        c.price.add(res.urn, "container log ingestion (Fluent Bit, assumed volume)", c.a.container_log_gb_per_month,
                    "GB", c.price.regional(where, "logs_ingest_gb", "container logs"), where)
        instrumented = any(_instrumented(d) for d in c.plan.by_type(t.DEPLOYMENT))
        signals = 2 * c.a.requests_millions_per_month if instrumented else 0.0
        c.price.report.items.append(LineItem(
            res.urn, "Application Signals (" + ("an inbound and an outbound signal per request assumed)" if instrumented
                                                else "no instrumented service: no signals)"),
            signals, "million signals", c.price.assumed("application_signals_million"), where))


def _instrumented(deployment: PlannedResource) -> bool:
    """Whether a Deployment's pods get Application Signals' instrumentation (the add-on's annotation)."""
    annotations = ((((deployment.inputs.get("spec") or {}).get("template") or {}).get("metadata") or {})
                   .get("annotations") or {})
    return any(k.startswith("instrumentation.opentelemetry.io/inject-") and v == "true" for k, v in annotations.items())


PRICERS: dict[str, Pricer] = {
    t.CLUSTER: _cluster,
    t.NODE_GROUP: _node_group,
    t.NAT: _nat,
    t.EIP: _eip,
    t.ENDPOINT: _endpoint,
    t.KEY: _key,
    t.FLOW_LOG: _flow_log,
    t.LOG_GROUP: _log_group,
    t.REPOSITORY: _repositories,  # with their lifecycle policies and replicas
    t.SCANNING: _scanning,  # after the repositories: it prices what each registry holds
    t.CACHE_RULE: _cache_rule,
    t.LOAD_BALANCER: _load_balancer,
    t.WEB_ACL: _web_acl,
    t.CODEBUILD_PROJECT: _runners,
    t.SCAN_GATE: _scan_gate,
    t.ADDON: _observability,
}
"""Resource type → its pricer, in the order the estimate lists them. Every other type is free or
outside the estimate (see the module docstring)."""


def estimate(plan: Plan, region: str, account: str, assumptions: CostAssumptions,
             prices: Mapping[str, Any] | None = None, on: date | None = None) -> CostReport:
    """The monthly estimate of ``plan`` (whose default provider is in ``region`` and ``account``)
    for the 730 hours from ``on`` (today unless given)."""
    prices = prices or load_prices()
    on = on or date.today()
    report = CostReport(prices_checked=prices["checked"], priced_on=on.isoformat(),
                        assumptions=assumptions.to_json())
    context = _Context(plan, region, account, assumptions, _Pricer(prices, report), on)
    for typ, pricer in PRICERS.items():
        pricer(plan.by_type(typ), context)
    report.missing = sorted(set(report.missing))
    report.assumed_prices = sorted(set(report.assumed_prices))
    return report


def _ecr(c: _Context) -> None:
    plan, region, account, a, price = c.plan, c.region, c.account, c.a, c.price
    policies = {r.inputs.get("repository"): r.inputs.get("policy") for r in plan.by_type(t.LIFECYCLE)}
    repositories = {str(r.inputs.get("name")): r for r in plan.by_type(t.REPOSITORY)}
    streams = {name: push_streams(a, _workload_tag(plan, res)) for name, res in repositories.items()}
    c.pushes.update({name: sum(daily for _, daily in found) for name, found in streams.items()})
    for name, res in repositories.items():
        where = _region_of(res, plan, region)
        kept = retention(policies.get(name), a, streams[name])
        c.holdings.setdefault((where, _account_of(res, plan, account)), {})[name] = kept.images
        price.add(res.urn, f"ECR storage {name} ({_kept_text(kept)})", _gb(kept.images, a), "GB-month",
                  price.regional(where, "ecr_storage_gb_month", "ECR storage"), where)
    templates: dict[tuple[str, str], PlannedResource] = {}
    for tpl in plan.by_type(t.TEMPLATE):
        if "REPLICATION" in (tpl.inputs.get("appliedFors") or []):
            templates[(_region_of(tpl, plan, region), _account_of(tpl, plan, account))] = tpl
    for config in plan.by_type(t.REPLICATION):
        for rule in (config.inputs.get("replicationConfiguration") or {}).get("rules", []):
            filters = [str(f.get("filter")) for f in rule.get("repositoryFilters") or []]
            matched = [n for n in repositories if not filters or any(n.startswith(f) for f in filters)]
            for dest in rule.get("destinations", []):
                dest_region, dest_account = dest.get("region"), str(dest.get("registryId") or account)
                template = templates.get((dest_region, dest_account))
                policy = template.inputs.get("lifecyclePolicy") if template is not None else None
                for name in matched:
                    kept = retention(policy, a, streams[name])
                    c.holdings.setdefault((dest_region, dest_account), {})[name] = kept.images
                    price.add(config.urn, f"ECR replica storage {name} in {dest_region} ({dest_account}, "
                                          f"{_kept_text(kept)})", _gb(kept.images, a), "GB-month",
                              price.regional(dest_region, "ecr_storage_gb_month", "ECR replica storage"),
                              dest_region)
                    src = _region_of(repositories[name], plan, region)
                    if dest_region != src:
                        price.add(config.urn, f"ECR replication transfer {name} → {dest_region}",
                                  _gb(c.pushes[name] * DAYS, a), "GB",
                                  price.regional(src, "inter_region_gb", "inter-region transfer"), src)


def _workload_tag(plan: Plan, repository: PlannedResource) -> str | None:
    """A tag like those ``pulumi up`` pushes to this repository (the service's content tags), if it
    is the service's. Not the tag the stack runs: the lifecycle keeps that one image by a rule of
    its own, and each later push has a tag of its own (the same form, another hash)."""
    url = repository.outputs.get("repositoryUrl")
    found = plan.outputs.get("service")
    service: dict = found if isinstance(found, dict) else {}
    tag = service.get("tag") if str(service.get("image", "")).startswith(f"{url}@") else None
    for image in plan.by_type(t.IMAGE):
        name = str(image.inputs.get("imageName", ""))
        if url and name.startswith(f"{url}:"):
            tag = name.rsplit(":", 1)[1]
    if not url or not isinstance(tag, str):
        return None
    match = re.fullmatch(r"(.*?)([0-9a-f]+)", tag)
    if match is None:
        return tag
    later = match[1] + "f" * len(match[2])
    return later if later != tag else match[1] + "0" * len(match[2])


def render(report: CostReport) -> str:
    width = max([len(i.item) for i in report.items] + [20])
    lines = [f"\nEstimated monthly cost (USD, AWS list prices checked {report.prices_checked}; the {HOURS} hours "
             f"from {report.priced_on}):"]
    for item in sorted(report.items, key=lambda i: -i.monthly):
        lines.append(f"    {item.item:<{width}}  {item.quantity:>10.2f} {item.unit:<14} × ${item.unit_price:<8g}"
                     f" = ${item.monthly:>9.2f}")
    lines.append(f"    {'total, at the minimum scale (every node group at its min_size)':<{width}}  {'':>10} {'':<14}   "
                 f"{'':<8}  = ${report.monthly:>9.2f}")
    lines.append(f"    {'total, at the maximum scale (every node group at its max_size)':<{width}}  {'':>10} {'':<14}   "
                 f"{'':<8}  = ${report.monthly_at_max:>9.2f}")
    for item in report.items:
        if item.quantity_at_max is not None:
            lines.append(f"      at the maximum: {item.item}: {item.quantity_at_max:.2f} {item.unit} = "
                         f"${item.monthly_at_max:.2f}")
    assumptions = ", ".join(f"{k}={v:g}" if not isinstance(v, dict) else f"{k}={json.dumps(v)}"
                            for k, v in report.assumptions.items())
    lines.append(f"    assumptions (stack config `cost`): {assumptions}")
    for assumed in report.assumed_prices:
        lines.append(f"    assumed price: {assumed}")
    lines.append("    not included: data transfer to the internet, cross-AZ traffic, API and S3 requests, ACM "
                 "(public certificates are free), Route 53 hosted zones and queries, Inspector scans of cache "
                 "repositories, taxes, free tiers, Savings Plans and discounts")
    return "\n".join(lines)
