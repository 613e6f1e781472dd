"""``ImageScanGate``: during ``pulumi up``, before the Deployment runs a new digest, wait for the
registry's scan of that digest and stop the update when a finding is at or above the stack's
threshold and not allowed (``findings.py`` holds the logic).

The step is a Pulumi dynamic resource (``ScanFindingsGate``, type
``pulumi-python:dynamic:ScanFindingsGate``) whose output ``image`` is the Deployment's image: the
engine cannot change the Deployment before the gate's create or update has returned, and a gate
that raises leaves the Deployment as it was. Its ``create``/``update`` run the wait with boto3 in
the dynamic provider's process (``python -m pulumi.dynamic``, started by the engine in the project
directory, from the project's virtualenv); at preview the engine calls only ``check`` and
``diff``, so nothing waits — the program logs that the gate will run. The diff changes the gate
only when what it judges changes (the image, the threshold, the allowlist, where the scan is), so
an ``up`` that does not touch the image does not wait.

Why not a resource hook (``ResourceHookBinding(before_create=..., before_update=...)`` on the
Deployment, which pulumi 3.272 has): a hook is not a resource, so neither the plan, nor the
policy pack (the analyzer protocol carries no hooks), nor the offline harness can see that the
Deployment is gated — the pack could not require the gate. A hook would also run on every update
of the Deployment (a replica count), not only on a new digest.

The provider is pickled (by reference to this module's class, with no state of its own): region,
registry, repository, scanning type and the ``aws:profile`` travel in the resource's inputs; the
credentials are the ones ``pulumi up`` runs with (the environment, or that profile).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic

from .. import token
from ..shared.errors import InvalidValue
from .findings import (
    MAX_TIMEOUT_MINUTES,
    SCAN_TYPES,
    THRESHOLDS,
    Allowance,
    ScanGateError,
    Target,
    run_gate,
    target_problems,
)

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{1,127}\Z")
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
GATED = ("image", "registryId", "repositoryName", "region", "scanType", "maxSeverity", "allow")
"""The inputs whose change makes the gate judge again (the wait's timeout and the profile do not)."""


@dataclass(frozen=True)
class ScanGateSpec:
    """What a stack says about the scan gate (``workload.scan_gate``)."""

    max_severity: str = "HIGH"
    """Findings at or above it stop the rollout (``none``: none does, the gate still waits)."""
    timeout_minutes: int = 10
    """How long ``pulumi up`` waits for the scan (1-15)."""
    allow: tuple[Allowance, ...] = ()
    """Findings accepted until a date, each with a reason."""


def check_scan_gate_spec(spec: ScanGateSpec) -> None:
    """Raise ``InvalidValue`` (paths relative to ``workload.scan_gate``)."""
    if spec.max_severity not in THRESHOLDS:
        raise InvalidValue("max_severity", spec.max_severity, f"is not one of {', '.join(THRESHOLDS)}")
    minutes = spec.timeout_minutes
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_TIMEOUT_MINUTES:
        raise InvalidValue("timeout_minutes", minutes,
                           f"is not a number of minutes from 1 to {MAX_TIMEOUT_MINUTES} (the gate holds `pulumi up`, "
                           "and a deploy job, that long at most)")
    seen: dict[str, int] = {}
    for i, entry in enumerate(spec.allow):
        where = f"allow[{i}]"
        if not isinstance(entry.id, str) or not _ID_RE.match(entry.id):
            raise InvalidValue(f"{where}.id", entry.id,
                               "is not a vulnerability ID as the scanners name them (CVE-2024-1234, GHSA-xxxx-xxxx-xxxx)")
        if entry.id.upper() in seen:
            raise InvalidValue(f"{where}.id", entry.id, f"is already allowed by allow[{seen[entry.id.upper()]}]")
        seen[entry.id.upper()] = i
        if not isinstance(entry.expires, str) or not _DATE_RE.match(entry.expires) or not _is_date(entry.expires):
            raise InvalidValue(f"{where}.expires", entry.expires,
                               'is not a date (YYYY-MM-DD, quoted: "2027-01-31"); every allowance ends')
        if not isinstance(entry.reason, str) or not entry.reason.strip():
            raise InvalidValue(f"{where}.reason", entry.reason,
                               "is not a reason; say why the finding is acceptable until it expires (a ticket, the "
                               "fix awaited)")


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def expired_allowances(spec: ScanGateSpec, today: dt.date) -> list[str]:
    """A sentence per allowance that has expired by ``today`` (it no longer counts)."""
    return [f"workload.scan_gate.allow[{i}]: {entry.id} was allowed until {entry.expires}, which has passed: "
            "the gate no longer counts it; remove it, or renew it with a new date and reason"
            for i, entry in enumerate(spec.allow) if entry.expired_on(today)]


def preview_note(spec: ScanGateSpec, scan_type: str) -> str:
    """What the gate will do at ``pulumi up`` (logged at preview, where it does nothing)."""
    allowed = f", {len(spec.allow)} finding{'s' if len(spec.allow) != 1 else ''} allowed" if spec.allow else ""
    stops = ("no finding stops it" if spec.max_severity == "none"
             else f"any finding at {spec.max_severity} or above stops it{allowed}")
    return (f"scan gate: when the image changes, `pulumi up` waits up to {spec.timeout_minutes} minutes for its "
            f"{scan_type} scan before the Deployment changes; {stops}. Nothing waits at preview.")


# --------------------------------------------------------------------------------------------
# The dynamic provider.


def _allowances(raw: Any) -> list[Allowance]:
    return [Allowance(id=str(e.get("id")), expires=str(e.get("expires")), reason=str(e.get("reason")))
            for e in raw or []]


def _target(props: Mapping[str, Any]) -> Target:
    def text(key: str) -> str:
        value = props.get(key)
        return "" if value is None else str(value)

    return Target(image=text("image"), registry_id=text("registryId"), repository=text("repositoryName"),
                  region=text("region"), scan_type=text("scanType"))


def _unknown(value: Any) -> bool:
    from pulumi.runtime import rpc

    return isinstance(value, str) and value == rpc.UNKNOWN


class ScanGateProvider(pulumi.dynamic.ResourceProvider):
    """Create and update wait for the scan and judge it; delete and read do nothing (the gate
    holds no cloud resource). ``clients``, ``clock``, ``sleep`` and ``today`` are for tests; the
    program passes none, so nothing but the class is pickled."""

    serialize_as_secret_always = False  # nothing secret: the class, by reference

    def __init__(self, clients: Callable[[Mapping[str, Any]], tuple[Any, Any]] | None = None,
                 clock: Callable[[], float] | None = None, sleep: Callable[[float], None] | None = None,
                 today: dt.date | None = None) -> None:
        super().__init__()
        self.clients = clients
        self.clock = clock
        self.sleep = sleep
        self.today = today

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        failures = []
        target = _target(news)
        if not any(_unknown(getattr(target, f)) for f in ("image", "registry_id", "repository", "region")):
            failures += [pulumi.dynamic.CheckFailure(key, reason) for key, reason in target_problems(target)]
        if news.get("maxSeverity") not in THRESHOLDS:
            failures.append(pulumi.dynamic.CheckFailure("maxSeverity", f"is not one of {', '.join(THRESHOLDS)}"))
        minutes = news.get("timeoutMinutes")
        if not isinstance(minutes, (int, float)) or not 1 <= minutes <= MAX_TIMEOUT_MINUTES:
            failures.append(pulumi.dynamic.CheckFailure("timeoutMinutes", f"is not 1-{MAX_TIMEOUT_MINUTES}"))
        for i, entry in enumerate(news.get("allow") or []):
            if not (isinstance(entry, Mapping) and entry.get("id") and entry.get("expires") and entry.get("reason")):
                failures.append(pulumi.dynamic.CheckFailure(f"allow[{i}]", "needs an id, an expiry date and a reason"))
        return pulumi.dynamic.CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        changed = [key for key in GATED if olds.get(key) != news.get(key)]
        return pulumi.dynamic.DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        outs = self._judge(props)
        return pulumi.dynamic.CreateResult(f"{props['repositoryName']}@{_target(props).digest}", outs)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        return pulumi.dynamic.UpdateResult(self._judge(news))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None  # nothing in the cloud to remove

    def _judge(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Wait and judge; ``ScanGateError`` (its message is the error ``pulumi up`` shows) stops the update."""
        ecr, inspector = (self.clients or _boto3_clients)(props)
        verdict = run_gate(_target(props), threshold=str(props.get("maxSeverity")), allow=_allowances(props.get("allow")),
                           timeout_seconds=float(props.get("timeoutMinutes") or 1) * 60, ecr=ecr, inspector=inspector,
                           clock=self.clock or time.time, sleep=self.sleep or time.sleep, today=self.today)
        outs = {k: v for k, v in props.items() if k != pulumi.dynamic.dynamic.PROVIDER_KEY}
        outs.update({"verdict": verdict.summary(), "findingCounts": verdict.counts()})
        return outs


def _boto3_clients(props: Mapping[str, Any]) -> tuple[Any, Any]:
    """ECR and Inspector clients in the stack's region, with its ``aws:profile`` when it sets one,
    retrying throttled calls (the standard retry mode)."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(profile_name=props.get("profile") or None, region_name=str(props["region"]))
    config = Config(retries={"mode": "standard", "max_attempts": 10})
    return session.client("ecr", config=config), session.client("inspector2", config=config)


class ScanFindingsGate(pulumi.dynamic.Resource, name="ScanFindingsGate"):
    """The gate as the engine sees it: ``pulumi-python:dynamic:ScanFindingsGate``."""

    image: pulumi.Output[str]
    """The image the gate passed: what the Deployment runs."""
    verdict: pulumi.Output[str]
    """One line: the scan's status, its findings by severity, passed or stopped."""

    def __init__(self, name: str, props: Mapping[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(ScanGateProvider(), name, {**props, "verdict": None, "findingCounts": None}, opts)


# --------------------------------------------------------------------------------------------
# The component.


@dataclass(frozen=True)
class ImageScanGateArgs:
    """The spec, the image to judge and where its scan is."""

    spec: ScanGateSpec
    """Everything the stack says about the gate."""
    image: pulumi.Input[str]
    """The image by digest (``ServiceImage.repo_digest``)."""
    registry_id: pulumi.Input[str]
    """The registry (account) the image is in."""
    repository_name: str
    """Its repository."""
    region: str
    """The registry's region (the stack's ``aws:region``)."""
    scan_type: str
    """The registry's scanning type, ``BASIC`` or ``ENHANCED`` (``scanning.type``)."""
    aws_profile: str | None = None
    """The stack's ``aws:profile``: the gate's calls use the credentials ``pulumi up`` uses."""


class ImageScanGate(pulumi.ComponentResource):
    """The scan gate: ``image`` is the input image, once its scan has passed."""

    image: pulumi.Output[str]

    def __init__(self, name: str, args: ImageScanGateArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("ImageScanGate"), name, None, opts)
        spec = args.spec
        check_scan_gate_spec(spec)
        if args.scan_type not in SCAN_TYPES:
            raise InvalidValue("scan_type", args.scan_type, f"is not one of {', '.join(SCAN_TYPES)}")
        props: dict[str, Any] = {
            "image": args.image, "registryId": args.registry_id, "repositoryName": args.repository_name,
            "region": args.region, "scanType": args.scan_type, "maxSeverity": spec.max_severity,
            "timeoutMinutes": spec.timeout_minutes,
            "allow": [{"id": a.id, "expires": a.expires, "reason": a.reason} for a in spec.allow],
        }
        if args.aws_profile:
            props["profile"] = args.aws_profile
        self.gate = ScanFindingsGate(f"{name}-findings", props, opts=pulumi.ResourceOptions(parent=self))
        self.image = self.gate.image
        if pulumi.runtime.is_dry_run():
            pulumi.log.info(preview_note(spec, args.scan_type), resource=self)
        for sentence in expired_allowances(spec, today()):
            pulumi.log.warn(sentence, resource=self)
        self.register_outputs({"image": self.image})


def today() -> dt.date:
    """The UTC date the preview judges allowances by (tests replace it)."""
    return dt.datetime.now(dt.UTC).date()


__all__: Sequence[str] = ("ScanGateError", "ImageScanGate", "ImageScanGateArgs", "ScanFindingsGate", "ScanGateProvider",
                          "ScanGateSpec", "check_scan_gate_spec", "preview_note")
