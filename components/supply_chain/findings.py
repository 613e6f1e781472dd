"""The scan gate's logic, without Pulumi: wait for the registry's scan of one image digest, read its
findings, and judge them against a severity threshold and an allowlist.

It runs in the dynamic provider's process during ``pulumi up`` (``scan_gate.py``) with boto3
clients; the tests drive it with botocore's Stubber and an injected clock and sleep.

Where the states come from (botocore's service models, the API the clients are checked against):

* **BASIC** — ECR ``DescribeImageScanFindings``: ``imageScanStatus.status`` is one of the ECR
  model's ``ScanStatus`` values (IN_PROGRESS, COMPLETE, FAILED, UNSUPPORTED_IMAGE, ACTIVE, PENDING,
  SCAN_ELIGIBILITY_EXPIRED, FINDINGS_UNAVAILABLE, LIMIT_EXCEEDED, IMAGE_ARCHIVED,
  IMAGE_SIZE_EXCEEDED); the call fails with ``ScanNotFoundException`` until ECR has started the scan
  on push. A finding's ``name`` is its CVE, with ``severity`` and the ``package_name`` and
  ``package_version`` attributes.
* **ENHANCED** (Amazon Inspector) — ECR reports ``ACTIVE`` for a continuously scanned image, so
  ``aws ecr wait image-scan-complete`` (success only on COMPLETE) never returns (aws/aws-sdk#288),
  and COMPLETE can come before the findings exist (aws/aws-sdk#289). The gate asks Inspector:
  ``inspector2 ListCoverage`` for the image (``scanStatus.statusCode`` ACTIVE|INACTIVE and its
  ``reason``, the inspector2 model's ``ScanStatusReason``), and once it is scanned,
  ``ListFindings`` for its digest. Findings reach ListFindings a little after the coverage says
  the scan succeeded (aws/aws-for-fluent-bit#1105), so the gate reads them only once the scan is
  ``SETTLE_SECONDS`` old.

Everything the gate does not recognise stops the rollout (it fails closed).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

SEVERITIES = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")
"""Both scanners' ranked severities, lowest first (ECR's FindingSeverity, Inspector's Severity)."""
THRESHOLDS = ("none", "LOW", "MEDIUM", "HIGH", "CRITICAL")
"""``workload.scan_gate.max_severity``: findings at or above it stop the rollout; ``none``: none does."""
UNRATED = ("UNDEFINED", "UNTRIAGED")
"""ECR's and Inspector's "no severity assigned yet": counted as at every threshold (fail closed)."""
SCAN_TYPES = ("BASIC", "ENHANCED")
MAX_TIMEOUT_MINUTES = 15
POLL_SECONDS = 10.0
SETTLE_SECONDS = 60.0
_ECR_PAGE = 1000  # DescribeImageScanFindings maxResults (1-1000)
_COVERAGE_PAGE = 200  # ListCoverage maxResults (1-200)
_FINDINGS_PAGE = 100  # ListFindings maxResults (1-100)
IMAGE_RE = re.compile(
    r"^(?P<registry>[0-9]{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repository>[a-z0-9][a-z0-9._/-]*)@(?P<digest>sha256:[a-f0-9]{64})\Z")
"""An image in a private ECR registry by digest: what the gate judges (``REPOSITORY@sha256:...``)."""

# ECR DescribeImageScanFindings: imageScanStatus.status.
BASIC_WAITING = {
    "IN_PROGRESS": "the scan is running",
    "PENDING": "the scan is queued",
}
BASIC_REFUSED = {
    "FAILED": "the scan failed",
    "UNSUPPORTED_IMAGE": "ECR cannot scan this image (its media type, operating system or package manager is not "
                         "supported)",
    "SCAN_ELIGIBILITY_EXPIRED": "the image is no longer eligible for scanning",
    "FINDINGS_UNAVAILABLE": "ECR has no findings for the image",
    "LIMIT_EXCEEDED": "the image's scan quota is exceeded",
    "IMAGE_ARCHIVED": "the image is archived",
    "IMAGE_SIZE_EXCEEDED": "the image is too large to scan",
    "ACTIVE": "ACTIVE is enhanced scanning's status (Amazon Inspector), but the stack says scanning.type BASIC: "
              "the registry is not scanned the way the stack declares",
}
# inspector2 ListCoverage: scanStatus.reason of an ECR image.
ENHANCED_WAITING = {
    "PENDING_INITIAL_SCAN": "Inspector has queued the image's first scan",
    "SCAN_IN_PROGRESS": "Inspector is scanning the image",
    "PENDING_REVIVAL_SCAN": "Inspector is scanning the image again",
    "INTERNAL_ERROR": "Inspector reports an internal error, which it resolves itself",
}
ENHANCED_SCANNED = ("SUCCESSFUL", "SCAN_FREQUENCY_SCAN_ON_PUSH")
"""Reasons of an image whose scan has run (with ``lastScannedAt``): its findings can be read.
SCAN_FREQUENCY_SCAN_ON_PUSH is a repository scanned once on push, not continuously."""


ACTIONS = {"BASIC": ("ecr:DescribeImageScanFindings",), "ENHANCED": ("inspector2:ListCoverage", "inspector2:ListFindings")}
"""The IAM actions each mode's calls need (the ECR and inspector2 API references' actions)."""


class ScanGateError(Exception):
    """The rollout must not happen: the message says why and what to do."""


@dataclass(frozen=True)
class Finding:
    """One finding of a scan, as the gate reports it."""

    id: str
    """The vulnerability's ID (``CVE-2024-1234``, ``GHSA-...``): what an allowance names."""
    severity: str
    """One of ``SEVERITIES`` or ``UNRATED``."""
    package: str
    """The affected package and version, when the scanner says."""


@dataclass(frozen=True)
class Allowance:
    """A finding a team accepts for a while: ``workload.scan_gate.allow[]``."""

    id: str
    """The vulnerability ID it allows."""
    expires: str
    """The last day it counts (``YYYY-MM-DD``, UTC)."""
    reason: str
    """Why the finding is acceptable until then."""

    def expired_on(self, today: dt.date) -> bool:
        return dt.date.fromisoformat(self.expires) < today


@dataclass(frozen=True)
class Target:
    """The image to judge and where its scan is."""

    image: str
    """``ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY@sha256:...``"""
    registry_id: str
    repository: str
    region: str
    scan_type: str
    """The registry's scanning type, BASIC or ENHANCED (``scanning.type``)."""

    @property
    def digest(self) -> str:
        return self.image.rsplit("@", 1)[1]


def target_problems(target: Target) -> list[tuple[str, str]]:
    """(property, reason) for each way ``target`` is not something the gate can judge."""
    problems = []
    match = IMAGE_RE.match(target.image) if isinstance(target.image, str) else None
    if match is None:
        problems.append(("image", f"{target.image!r} is not an ECR image by digest "
                                  "(ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY@sha256:<64 hex>)"))
    else:
        for key, part, value in (("registryId", "registry", target.registry_id), ("region", "region", target.region),
                                 ("repositoryName", "repository", target.repository)):
            if match[part] != value:
                problems.append((key, f"{value!r} is not the image's {part} ({match[part]})"))
    if target.scan_type not in SCAN_TYPES:
        problems.append(("scanType", f"{target.scan_type!r} is not one of {', '.join(SCAN_TYPES)}"))
    return problems


def at_or_above(severity: str, threshold: str) -> bool:
    """Whether a finding of ``severity`` stops a rollout at ``threshold``; an unrated (or unknown)
    severity does at every threshold but ``none``."""
    if threshold == "none":
        return False
    if severity not in SEVERITIES:
        return True
    return SEVERITIES.index(severity) >= SEVERITIES.index(threshold)


# --------------------------------------------------------------------------------------------
# Polling the scanners.


@dataclass(frozen=True)
class Poll:
    """What one look at the scanner found."""

    state: str
    """``done`` (findings read), ``waiting`` or ``refused``."""
    status: str
    """What the scanner said (a status, or Inspector's code/reason), for messages."""
    detail: str = ""
    """What that status means."""
    findings: tuple[Finding, ...] = ()


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _pages(call: Callable[..., Mapping[str, Any]], key: str, request: Mapping[str, Any]) -> Iterator[Any]:
    """Every item under ``key`` of every page (``nextToken``)."""
    token = None
    while True:
        page = call(**request, **({"nextToken": token} if token else {}))
        yield from page.get(key) or []
        token = page.get("nextToken")
        if not token:
            return


def _basic_finding(raw: Mapping[str, Any]) -> Finding:
    attributes = {a.get("key"): a.get("value") for a in raw.get("attributes") or []}
    package = " ".join(str(attributes[k]) for k in ("package_name", "package_version") if attributes.get(k))
    return Finding(id=str(raw.get("name") or "(no ID)"), severity=str(raw.get("severity") or "UNDEFINED"),
                   package=package or "(package not named)")


def basic_poll(ecr: Any, target: Target) -> Poll:
    """ECR's basic scan of the image: its status, and its findings once COMPLETE."""
    request = {"registryId": target.registry_id, "repositoryName": target.repository,
               "imageId": {"imageDigest": target.digest}, "maxResults": _ECR_PAGE}
    try:
        first = ecr.describe_image_scan_findings(**request)
    except ClientError as err:
        code = _code(err)
        if code == "ScanNotFoundException":
            return Poll("waiting", code, "ECR has not started the scan yet (it starts on push when a scanning "
                                         "rule covers the repository)")
        if code == "ImageNotFoundException":
            return Poll("refused", code, "the digest is not in the repository")
        raise
    status = str((first.get("imageScanStatus") or {}).get("status"))
    said = (first.get("imageScanStatus") or {}).get("description")
    if status in BASIC_WAITING:
        return Poll("waiting", status, BASIC_WAITING[status])
    if status != "COMPLETE":
        detail = BASIC_REFUSED.get(status, "a status the gate does not know")
        return Poll("refused", status, f"{detail} ({said})" if said else detail)
    raw = list((first.get("imageScanFindings") or {}).get("findings") or [])
    if first.get("nextToken"):
        raw += _basic_pages(ecr, request, first["nextToken"])
    return Poll("done", status, "the scan is complete", tuple(_basic_finding(f) for f in raw))


def _basic_pages(ecr: Any, request: Mapping[str, Any], token: str) -> Iterator[Mapping[str, Any]]:
    """The findings of the pages after the first."""
    while token:
        page = ecr.describe_image_scan_findings(**request, nextToken=token)
        yield from (page.get("imageScanFindings") or {}).get("findings") or []
        token = page.get("nextToken")


def _equals(value: str) -> list[dict[str, str]]:
    return [{"comparison": "EQUALS", "value": value}]


def _coverage(inspector: Any, target: Target) -> Mapping[str, Any] | None:
    """Inspector's coverage entry of the image (its resource ID ends with the digest), or None."""
    request = {"maxResults": _COVERAGE_PAGE, "filterCriteria": {
        "resourceType": _equals("AWS_ECR_CONTAINER_IMAGE"), "accountId": _equals(target.registry_id),
        "ecrRepositoryName": _equals(target.repository)}}
    for resource in _pages(inspector.list_coverage, "coveredResources", request):
        if str(resource.get("resourceId", "")).endswith(target.digest):
            return resource
    return None


def _inspector_finding(raw: Mapping[str, Any]) -> Finding:
    details = raw.get("packageVulnerabilityDetails") or {}
    packages = [" ".join(str(p[k]) for k in ("name", "version") if p.get(k))
                for p in details.get("vulnerablePackages") or []]
    return Finding(id=str(details.get("vulnerabilityId") or raw.get("title") or raw.get("findingArn")),
                   severity=str(raw.get("severity") or "UNTRIAGED"),
                   package=", ".join(p for p in packages if p) or "(package not named)")


def enhanced_poll(inspector: Any, target: Target, now: float) -> Poll:
    """Inspector's scan of the image: its coverage, and its active findings once scanned and settled."""
    resource = _coverage(inspector, target)
    if resource is None:
        return Poll("waiting", "not covered yet", "Inspector does not list the image yet (ListCoverage)")
    scan = resource.get("scanStatus") or {}
    code, reason = str(scan.get("statusCode")), str(scan.get("reason"))
    status = f"{code}/{reason}"
    if reason in ENHANCED_WAITING:
        return Poll("waiting", status, ENHANCED_WAITING[reason])
    if reason not in ENHANCED_SCANNED:
        return Poll("refused", status, "Inspector does not scan the image (see the reason in the inspector2 "
                                       "API reference, ScanStatus)")
    scanned_at = resource.get("lastScannedAt")
    if not isinstance(scanned_at, dt.datetime):
        return Poll("waiting", status, "Inspector has not finished a scan of the image yet")
    age = now - scanned_at.timestamp()
    if age < SETTLE_SECONDS:
        return Poll("waiting", status, f"scanned {max(age, 0):.0f} s ago; its findings are read once the scan is "
                                       f"{SETTLE_SECONDS:.0f} s old")
    request = {"maxResults": _FINDINGS_PAGE, "filterCriteria": {
        "awsAccountId": _equals(target.registry_id), "ecrImageRepositoryName": _equals(target.repository),
        "ecrImageHash": _equals(target.digest), "findingStatus": _equals("ACTIVE")}}
    found = tuple(_inspector_finding(f) for f in _pages(inspector.list_findings, "findings", request))
    return Poll("done", status, f"scanned at {scanned_at.isoformat()}", found)


def wait_for_scan(target: Target, *, ecr: Any, inspector: Any, timeout_seconds: float,
                  clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep,
                  poll_seconds: float = POLL_SECONDS) -> Poll:
    """Poll the stack's scanner until the image's scan is done; raise ``ScanGateError`` when the
    scanner says it will not be, or when ``timeout_seconds`` pass first."""
    deadline = clock() + timeout_seconds
    while True:
        try:
            poll = basic_poll(ecr, target) if target.scan_type == "BASIC" else enhanced_poll(inspector, target, clock())
        except ClientError as err:  # throttling is retried by the client (standard mode); this is not
            said = err.response.get("Error", {}).get("Message") or "no message"
            poll = Poll("refused", _code(err), f"{said} (the identity that runs `pulumi up` needs "
                                               f"{' and '.join(ACTIONS[target.scan_type])})")
        if poll.state == "done":
            return poll
        if poll.state == "refused":
            raise ScanGateError(
                f"the scan gate stopped the rollout of {target.image}: its {target.scan_type} scan says {poll.status}: "
                f"{poll.detail}. The Deployment was not changed: the gate passes only an image whose scan finished "
                "and whose findings were read.")
        remaining = deadline - clock()
        if remaining <= 0:
            minutes = timeout_seconds / 60
            raise ScanGateError(
                f"the scan gate stopped the rollout of {target.image}: its {target.scan_type} scan did not finish "
                f"within {minutes:g} minutes (last: {poll.status}, {poll.detail}). The Deployment was not changed. "
                "Run `pulumi up` again to wait again, or raise workload.scan_gate.timeout_minutes (at most "
                f"{MAX_TIMEOUT_MINUTES}).")
        sleep(min(poll_seconds, remaining))


# --------------------------------------------------------------------------------------------
# Judging the findings.


@dataclass(frozen=True)
class Verdict:
    """The findings of a finished scan against the threshold and the allowlist."""

    target: Target
    threshold: str
    scan: Poll
    blocking: tuple[Finding, ...]
    """At or above the threshold and not allowed: any one stops the rollout."""
    allowed: tuple[tuple[Finding, Allowance], ...]
    """At or above the threshold, allowed by an entry that has not expired."""
    expired: tuple[tuple[Finding, Allowance], ...]
    """At or above the threshold, named by an entry that has expired (so among ``blocking``)."""

    @property
    def passed(self) -> bool:
        return not self.blocking

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for finding in self.scan.findings:
            out[finding.severity] = out.get(finding.severity, 0) + 1
        return dict(sorted(out.items()))

    def summary(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in self.counts().items()) or "no findings"
        allowed = f"; allowed: {', '.join(sorted({f.id for f, _ in self.allowed}))}" if self.allowed else ""
        return (f"{self.target.scan_type} scan {self.scan.status}: {counts}; threshold {self.threshold}: "
                f"{'passed' if self.passed else 'stopped'}{allowed}")


def _rank(finding: Finding) -> tuple[int, str, str]:
    """Most severe first; unrated findings after the rated ones."""
    order = SEVERITIES.index(finding.severity) if finding.severity in SEVERITIES else -1
    return (-order, finding.id, finding.package)


def judge(target: Target, scan: Poll, threshold: str, allow: Iterable[Allowance], today: dt.date) -> Verdict:
    """Sort the findings of a finished scan into blocking, allowed and expired-allowance ones."""
    entries: dict[str, Allowance] = {}
    for entry in allow:
        entries.setdefault(entry.id.upper(), entry)
    blocking, allowed, expired = [], [], []
    for finding in sorted(scan.findings, key=_rank):
        if not at_or_above(finding.severity, threshold):
            continue
        named = entries.get(finding.id.upper())
        if named is not None and not named.expired_on(today):
            allowed.append((finding, named))
            continue
        if named is not None:
            expired.append((finding, named))
        blocking.append(finding)
    return Verdict(target, threshold, scan, tuple(blocking), tuple(allowed), tuple(expired))


def refusal(verdict: Verdict, today: dt.date) -> str:
    """What a stopped rollout tells the user: the digest, each blocking finding, how to allow one."""
    expired = {id(f): entry for f, entry in verdict.expired}
    width = max(len(f.id) for f in verdict.blocking)
    lines = [f"the scan gate stopped the rollout of {verdict.target.image}: {len(verdict.blocking)} "
             f"finding{'s' if len(verdict.blocking) != 1 else ''} at or above {verdict.threshold} "
             f"(its {verdict.target.scan_type} scan, {verdict.scan.status}):"]
    for finding in verdict.blocking:
        line = f"  {finding.id:<{width}}  {finding.severity:<13}  {finding.package}"
        entry = expired.get(id(finding))
        if entry is not None:
            line += (f"  (allowed until {entry.expires}, which has passed: an expired allowance no longer "
                     "counts)")
        lines.append(line)
    first = verdict.blocking[0].id
    until = (today + dt.timedelta(days=30)).isoformat()
    lines += [
        "The Deployment was not changed. Rebuild the image on fixed packages (a newer base image), or allow a "
        "finding for a while in the stack file, with the date it stops counting and why:",
        "  workload:",
        "    scan_gate:",
        "      allow:",
        f"        - id: {first}",
        f'          expires: "{until}"',
        "          reason: why this finding is acceptable until then (a ticket)",
    ]
    return "\n".join(lines)


def run_gate(target: Target, *, threshold: str, allow: Sequence[Allowance], timeout_seconds: float, ecr: Any,
             inspector: Any, clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep,
             today: dt.date | None = None) -> Verdict:
    """Wait for the image's scan and judge it; raise ``ScanGateError`` unless the rollout may go on."""
    problems = target_problems(target)
    if problems:
        raise ScanGateError("the scan gate cannot judge this image: " + "; ".join(f"{k}: {r}" for k, r in problems))
    scan = wait_for_scan(target, ecr=ecr, inspector=inspector, timeout_seconds=timeout_seconds, clock=clock,
                         sleep=sleep)
    day = today or dt.datetime.fromtimestamp(clock(), dt.UTC).date()
    verdict = judge(target, scan, threshold, allow, day)
    if not verdict.passed:
        raise ScanGateError(refusal(verdict, day))
    return verdict
