"""The scan gate's logic against ECR's and Inspector's real API models: botocore's Stubber checks
every request the gate makes and every response these tests give against the service model, and
the clock is injected (nothing waits). Only a finished scan with nothing at or above the threshold
passes."""

from __future__ import annotations

import datetime as dt

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber

from components.supply_chain import findings as f
from components.supply_chain.findings import Allowance, ScanGateError, Target

ACCOUNT, REGION, REPO = "111122223333", "eu-central-1", "myapp"
DIGEST = "sha256:" + "ab" * 32
OTHER = "sha256:" + "cd" * 32
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{REPO}@{DIGEST}"
TODAY = dt.date(2026, 12, 7)
NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC).timestamp()
ECR_REQUEST = {"registryId": ACCOUNT, "repositoryName": REPO, "imageId": {"imageDigest": DIGEST}, "maxResults": 1000}


class Clock:
    """An injected wall clock; ``sleep`` advances it and records each wait."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def client(service: str):
    return boto3.client(service, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test")


@pytest.fixture
def ecr():
    c = client("ecr")
    with Stubber(c) as stub:
        yield c, stub
        stub.assert_no_pending_responses()


@pytest.fixture
def inspector():
    c = client("inspector2")
    with Stubber(c) as stub:
        yield c, stub
        stub.assert_no_pending_responses()


def target(scan_type: str = "BASIC") -> Target:
    return Target(image=IMAGE, registry_id=ACCOUNT, repository=REPO, region=REGION, scan_type=scan_type)


def run(scan_type="BASIC", *, ecr=None, inspector=None, threshold="HIGH", allow=(), timeout=600, clock=None):
    clock = clock or Clock()
    return f.run_gate(target(scan_type), threshold=threshold, allow=list(allow), timeout_seconds=timeout,
                      ecr=ecr[0] if ecr else None, inspector=inspector[0] if inspector else None,
                      clock=clock, sleep=clock.sleep, today=TODAY)


def refused(**kwargs) -> str:
    with pytest.raises(ScanGateError) as caught:
        run(**kwargs)
    return str(caught.value)


# ---------------------------------------------------------------------------------------- BASIC


def status(value: str, description: str | None = None) -> dict:
    return {"status": value, **({"description": description} if description else {})}


def basic(status_value: str, findings=(), token: str | None = None, description: str | None = None) -> dict:
    response = {"registryId": ACCOUNT, "repositoryName": REPO, "imageId": {"imageDigest": DIGEST},
                "imageScanStatus": status(status_value, description)}
    if status_value == "COMPLETE":
        response["imageScanFindings"] = {"findings": list(findings),
                                         "imageScanCompletedAt": dt.datetime(2026, 12, 7, tzinfo=dt.UTC)}
    if token:
        response["nextToken"] = token
    return response


def cve(name: str, severity: str, package: str = "openssl", version: str = "3.0.2") -> dict:
    return {"name": name, "severity": severity, "uri": f"https://security-tracker.debian.org/tracker/{name}",
            "attributes": [{"key": "package_name", "value": package}, {"key": "package_version", "value": version}]}


def test_the_ecr_model_has_exactly_the_statuses_the_gate_handles():
    """A status AWS adds must be decided here (waited for or refused), not fall through."""
    model = botocore.session.get_session().get_service_model("ecr")
    statuses = set(model.shape_for("ScanStatus").enum)
    assert statuses == {"COMPLETE", *f.BASIC_WAITING, *f.BASIC_REFUSED}
    assert set(model.shape_for("FindingSeverity").enum) == {*f.SEVERITIES, "UNDEFINED"}


def test_a_finished_scan_under_the_threshold_passes_after_waiting(ecr):
    clock = Clock()
    ecr[1].add_client_error("describe_image_scan_findings", "ScanNotFoundException", expected_params=ECR_REQUEST)
    ecr[1].add_response("describe_image_scan_findings", basic("PENDING"), ECR_REQUEST)
    ecr[1].add_response("describe_image_scan_findings", basic("IN_PROGRESS"), ECR_REQUEST)
    ecr[1].add_response("describe_image_scan_findings", basic("COMPLETE", [cve("CVE-2024-0001", "MEDIUM"),
                                                                           cve("CVE-2024-0002", "LOW")]), ECR_REQUEST)
    verdict = run(ecr=ecr, clock=clock)
    assert verdict.passed and clock.slept == [10, 10, 10]
    assert verdict.summary() == "BASIC scan COMPLETE: 1 LOW, 1 MEDIUM; threshold HIGH: passed"


def test_a_finding_at_the_threshold_stops_the_rollout_naming_digest_finding_and_how_to_allow_it(ecr):
    ecr[1].add_response("describe_image_scan_findings", basic("COMPLETE", [
        cve("CVE-2024-0002", "HIGH", "zlib", "1.2.11"), cve("CVE-2024-0001", "CRITICAL"),
        cve("CVE-2024-0003", "MEDIUM")]), ECR_REQUEST)
    assert refused(ecr=ecr) == (
        f"the scan gate stopped the rollout of {IMAGE}: 2 findings at or above HIGH (its BASIC scan, COMPLETE):\n"
        "  CVE-2024-0001  CRITICAL       openssl 3.0.2\n"
        "  CVE-2024-0002  HIGH           zlib 1.2.11\n"
        "The Deployment was not changed. Rebuild the image on fixed packages (a newer base image), or allow a "
        "finding for a while in the stack file, with the date it stops counting and why:\n"
        "  workload:\n"
        "    scan_gate:\n"
        "      allow:\n"
        "        - id: CVE-2024-0001\n"
        '          expires: "2027-01-06"\n'
        "          reason: why this finding is acceptable until then (a ticket)")


def test_an_allowed_finding_passes_and_an_expired_allowance_does_not_count(ecr):
    scan = basic("COMPLETE", [cve("CVE-2024-0001", "CRITICAL"), cve("CVE-2024-0002", "HIGH", "zlib", "1.2.11")])
    ecr[1].add_response("describe_image_scan_findings", scan, ECR_REQUEST)
    ecr[1].add_response("describe_image_scan_findings", scan, ECR_REQUEST)
    allowed = [Allowance("cve-2024-0001", "2026-12-07", "no fix yet (SEC-1)"),  # the last day counts; any case
               Allowance("CVE-2024-0002", "2027-03-01", "not reachable (SEC-2)")]
    verdict = run(ecr=ecr, allow=allowed)
    assert verdict.passed and [a.id for _, a in verdict.allowed] == ["cve-2024-0001", "CVE-2024-0002"]
    assert verdict.summary().endswith("passed; allowed: CVE-2024-0001, CVE-2024-0002")
    expired = [Allowance("CVE-2024-0001", "2026-12-06", "no fix yet (SEC-1)"), allowed[1]]
    message = refused(ecr=ecr, allow=expired)
    assert ("  CVE-2024-0001  CRITICAL       openssl 3.0.2  (allowed until 2026-12-06, which has passed: an expired "
            "allowance no longer counts)\n") in message
    assert "1 finding at or above HIGH" in message and "CVE-2024-0002" not in message


@pytest.mark.parametrize("threshold, severities, passes", [
    ("none", ["CRITICAL", "UNDEFINED"], True),
    ("CRITICAL", ["HIGH", "HIGH"], True),
    ("CRITICAL", ["CRITICAL"], False),
    ("CRITICAL", ["UNDEFINED"], False),  # not rated yet: counts at every threshold but none
    ("LOW", ["INFORMATIONAL"], True),
    ("LOW", ["LOW"], False),
    ("MEDIUM", ["LOW", "INFORMATIONAL"], True),
    ("MEDIUM", ["MEDIUM"], False),
])
def test_the_threshold_decides(ecr, threshold, severities, passes):
    ecr[1].add_response("describe_image_scan_findings", basic(
        "COMPLETE", [cve(f"CVE-2024-{i:04d}", s) for i, s in enumerate(severities)]), ECR_REQUEST)
    if passes:
        assert run(ecr=ecr, threshold=threshold).passed
    else:
        assert f"at or above {threshold}" in refused(ecr=ecr, threshold=threshold)


def test_findings_on_a_later_page_count(ecr):
    ecr[1].add_response("describe_image_scan_findings", basic("COMPLETE", [cve("CVE-2024-0001", "LOW")], token="p2"),
                        ECR_REQUEST)
    ecr[1].add_response("describe_image_scan_findings", basic("COMPLETE", [cve("CVE-2024-0009", "CRITICAL")]),
                        {**ECR_REQUEST, "nextToken": "p2"})
    assert "CVE-2024-0009  CRITICAL" in refused(ecr=ecr)


@pytest.mark.parametrize("value", sorted(f.BASIC_REFUSED))
def test_a_scan_that_will_not_finish_stops_the_rollout_with_its_status(ecr, value):
    ecr[1].add_response("describe_image_scan_findings", basic(value, description="as ECR says it"), ECR_REQUEST)
    assert refused(ecr=ecr) == (
        f"the scan gate stopped the rollout of {IMAGE}: its BASIC scan says {value}: {f.BASIC_REFUSED[value]} "
        "(as ECR says it). The Deployment was not changed: the gate passes only an image whose scan finished "
        "and whose findings were read.")


def test_a_digest_not_in_the_repository_and_a_missing_permission_stop_it(ecr):
    ecr[1].add_client_error("describe_image_scan_findings", "ImageNotFoundException", expected_params=ECR_REQUEST)
    assert "says ImageNotFoundException: the digest is not in the repository." in refused(ecr=ecr)
    ecr[1].add_client_error("describe_image_scan_findings", "AccessDeniedException", "not authorized",
                            expected_params=ECR_REQUEST)
    assert ("says AccessDeniedException: not authorized (the identity that runs `pulumi up` needs "
            "ecr:DescribeImageScanFindings)") in refused(ecr=ecr)


def test_a_scan_that_does_not_finish_in_time_stops_the_rollout_without_waiting_for_real(ecr):
    clock = Clock()
    for _ in range(13):  # a poll at 0, 10, ..., 120 s: the last one at the deadline
        ecr[1].add_response("describe_image_scan_findings", basic("IN_PROGRESS"), ECR_REQUEST)
    message = refused(ecr=ecr, timeout=120, clock=clock)
    assert message == (
        f"the scan gate stopped the rollout of {IMAGE}: its BASIC scan did not finish within 2 minutes (last: "
        "IN_PROGRESS, the scan is running). The Deployment was not changed. Run `pulumi up` again to wait again, or "
        "raise workload.scan_gate.timeout_minutes (at most 15).")
    assert sum(clock.slept) == 120 and clock.now == NOW + 120


def test_an_image_the_gate_cannot_judge_is_refused_before_any_call():
    wrong = Target(image=IMAGE.replace("@sha256:", ":"), registry_id=ACCOUNT, repository=REPO, region=REGION,
                   scan_type="BASIC")
    with pytest.raises(ScanGateError, match="is not an ECR image by digest"):
        f.run_gate(wrong, threshold="HIGH", allow=[], timeout_seconds=60, ecr=None, inspector=None)
    assert f.target_problems(Target(IMAGE, "999999999999", "other", "eu-west-1", "FULL")) == [
        ("registryId", "'999999999999' is not the image's registry (111122223333)"),
        ("region", "'eu-west-1' is not the image's region (eu-central-1)"),
        ("repositoryName", "'other' is not the image's repository (myapp)"),
        ("scanType", "'FULL' is not one of BASIC, ENHANCED")]


# ------------------------------------------------------------------------------------- ENHANCED

COVERAGE_REQUEST = {"maxResults": 200, "filterCriteria": {
    "resourceType": [{"comparison": "EQUALS", "value": "AWS_ECR_CONTAINER_IMAGE"}],
    "accountId": [{"comparison": "EQUALS", "value": ACCOUNT}],
    "ecrRepositoryName": [{"comparison": "EQUALS", "value": REPO}]}}
FINDINGS_REQUEST = {"maxResults": 100, "filterCriteria": {
    "awsAccountId": [{"comparison": "EQUALS", "value": ACCOUNT}],
    "ecrImageRepositoryName": [{"comparison": "EQUALS", "value": REPO}],
    "ecrImageHash": [{"comparison": "EQUALS", "value": DIGEST}],
    "findingStatus": [{"comparison": "EQUALS", "value": "ACTIVE"}]}}


def covered(digest: str, code: str, reason: str, scanned_at: float | None = None) -> dict:
    resource = {"resourceType": "AWS_ECR_CONTAINER_IMAGE", "accountId": ACCOUNT, "scanType": "PACKAGE",
                "resourceId": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{REPO}/{digest}",
                "scanStatus": {"statusCode": code, "reason": reason},
                "resourceMetadata": {"ecrRepository": {"name": REPO, "scanFrequency": "CONTINUOUS_SCAN"},
                                     "ecrImage": {"tags": ["sha-0123456789abcdef"]}}}
    if scanned_at is not None:
        resource["lastScannedAt"] = dt.datetime.fromtimestamp(scanned_at, dt.UTC)
    return resource


def coverage(*resources, token: str | None = None) -> dict:
    return {"coveredResources": list(resources), **({"nextToken": token} if token else {})}


def inspector_finding(vulnerability: str, severity: str, package: str = "openssl", version: str = "3.0.2") -> dict:
    return {
        "findingArn": f"arn:aws:inspector2:{REGION}:{ACCOUNT}:finding/{vulnerability.lower()}",
        "awsAccountId": ACCOUNT, "type": "PACKAGE_VULNERABILITY", "description": "d", "severity": severity,
        "firstObservedAt": dt.datetime(2026, 12, 7, tzinfo=dt.UTC), "lastObservedAt": dt.datetime(2026, 12, 7, tzinfo=dt.UTC),
        "status": "ACTIVE", "remediation": {}, "title": f"{vulnerability} - {package}",
        "resources": [{"type": "AWS_ECR_CONTAINER_IMAGE", "id": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{REPO}/{DIGEST}",
                       "details": {"awsEcrContainerImage": {"imageHash": DIGEST, "registry": ACCOUNT,
                                                            "repositoryName": REPO}}}],
        "packageVulnerabilityDetails": {"vulnerabilityId": vulnerability, "source": "NVD",
                                        "vulnerablePackages": [{"name": package, "version": version}]}}


def test_the_inspector_model_has_the_reasons_the_gate_decides_on():
    model = botocore.session.get_session().get_service_model("inspector2")
    reasons = set(model.shape_for("ScanStatusReason").enum)
    assert {*f.ENHANCED_WAITING, *f.ENHANCED_SCANNED} <= reasons
    assert set(model.shape_for("Severity").enum) == {*f.SEVERITIES, "UNTRIAGED"}


def test_enhanced_waits_for_coverage_then_the_settled_scan_then_reads_the_findings(inspector):
    clock = Clock()
    stub = inspector[1]
    stub.add_response("list_coverage", coverage(), COVERAGE_REQUEST)  # not registered yet
    stub.add_response("list_coverage", coverage(covered(DIGEST, "ACTIVE", "PENDING_INITIAL_SCAN")), COVERAGE_REQUEST)
    # Another image of the repository on the first page, this one on the next.
    stub.add_response("list_coverage", coverage(covered(OTHER, "ACTIVE", "SUCCESSFUL", NOW - 3600), token="c2"),
                      COVERAGE_REQUEST)
    stub.add_response("list_coverage", coverage(covered(DIGEST, "ACTIVE", "SUCCESSFUL", NOW + 15)),
                      {**COVERAGE_REQUEST, "nextToken": "c2"})
    # Scanned 15 s after the first poll: its findings are read once the scan is 60 s old.
    for _ in range(6):
        stub.add_response("list_coverage", coverage(covered(DIGEST, "ACTIVE", "SUCCESSFUL", NOW + 15)),
                          COVERAGE_REQUEST)
    stub.add_response("list_findings", {"findings": [inspector_finding("CVE-2024-0005", "MEDIUM")], "nextToken": "f2"},
                      FINDINGS_REQUEST)
    stub.add_response("list_findings", {"findings": [inspector_finding("GHSA-aaaa-bbbb-cccc", "LOW", "requests",
                                                                       "2.31.0")]},
                      {**FINDINGS_REQUEST, "nextToken": "f2"})
    verdict = run("ENHANCED", inspector=inspector, clock=clock)
    assert verdict.passed and verdict.counts() == {"LOW": 1, "MEDIUM": 1}
    assert clock.now - (NOW + 15) >= f.SETTLE_SECONDS and len(clock.slept) == 8


def test_enhanced_stops_on_a_finding_at_the_threshold_naming_it(inspector):
    inspector[1].add_response("list_coverage", coverage(covered(DIGEST, "ACTIVE", "SUCCESSFUL", NOW - 600)),
                              COVERAGE_REQUEST)
    inspector[1].add_response("list_findings", {"findings": [
        inspector_finding("CVE-2024-0007", "HIGH", "libxml2", "2.9.14"),
        inspector_finding("CVE-2024-0008", "UNTRIAGED", "curl", "7.88.1")]}, FINDINGS_REQUEST)
    message = refused(scan_type="ENHANCED", inspector=inspector)
    assert message.startswith(f"the scan gate stopped the rollout of {IMAGE}: 2 findings at or above HIGH (its "
                              "ENHANCED scan, ACTIVE/SUCCESSFUL):\n"
                              "  CVE-2024-0007  HIGH           libxml2 2.9.14\n"
                              "  CVE-2024-0008  UNTRIAGED      curl 7.88.1\n")


def test_enhanced_reads_a_scan_on_push_image_once_scanned(inspector):
    inspector[1].add_response("list_coverage", coverage(covered(DIGEST, "INACTIVE", "SCAN_FREQUENCY_SCAN_ON_PUSH")),
                              COVERAGE_REQUEST)
    inspector[1].add_response("list_coverage", coverage(
        covered(DIGEST, "INACTIVE", "SCAN_FREQUENCY_SCAN_ON_PUSH", NOW - 120)), COVERAGE_REQUEST)
    inspector[1].add_response("list_findings", {"findings": []}, FINDINGS_REQUEST)
    assert run("ENHANCED", inspector=inspector).passed


@pytest.mark.parametrize("reason", ["SCAN_IN_PROGRESS", "PENDING_REVIVAL_SCAN", "INTERNAL_ERROR"])
def test_enhanced_waits_through_a_scan_inspector_is_still_running(inspector, reason):
    inspector[1].add_response("list_coverage", coverage(covered(DIGEST, "ACTIVE", reason)), COVERAGE_REQUEST)
    inspector[1].add_response("list_coverage", coverage(covered(DIGEST, "ACTIVE", "SUCCESSFUL", NOW - 600)),
                              COVERAGE_REQUEST)
    inspector[1].add_response("list_findings", {"findings": []}, FINDINGS_REQUEST)
    assert run("ENHANCED", inspector=inspector).passed


def _refused_reasons() -> list[str]:
    model = botocore.session.get_session().get_service_model("inspector2")
    return sorted(set(model.shape_for("ScanStatusReason").enum) - {*f.ENHANCED_WAITING, *f.ENHANCED_SCANNED})


@pytest.mark.parametrize("reason", _refused_reasons())
def test_enhanced_stops_when_inspector_does_not_scan_the_image(inspector, reason):
    inspector[1].add_response("list_coverage", coverage(covered(DIGEST, "INACTIVE", reason, NOW - 600)),
                              COVERAGE_REQUEST)
    assert refused(scan_type="ENHANCED", inspector=inspector).startswith(
        f"the scan gate stopped the rollout of {IMAGE}: its ENHANCED scan says INACTIVE/{reason}: Inspector does "
        "not scan the image")


def test_enhanced_times_out_on_an_image_inspector_never_lists(inspector):
    clock = Clock()
    for _ in range(7):
        inspector[1].add_response("list_coverage", coverage(covered(OTHER, "ACTIVE", "SUCCESSFUL", NOW)),
                                  COVERAGE_REQUEST)
    message = refused(scan_type="ENHANCED", inspector=inspector, timeout=60, clock=clock)
    assert "its ENHANCED scan did not finish within 1 minutes (last: not covered yet, Inspector does not list the " \
           "image yet (ListCoverage))" in message


def test_enhanced_needs_the_inspector_permissions(inspector):
    inspector[1].add_client_error("list_coverage", "AccessDeniedException", "denied", expected_params=COVERAGE_REQUEST)
    assert ("says AccessDeniedException: denied (the identity that runs `pulumi up` needs inspector2:ListCoverage "
            "and inspector2:ListFindings)") in refused(scan_type="ENHANCED", inspector=inspector)
