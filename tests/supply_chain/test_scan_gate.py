"""The scan gate as the engine runs it: a dynamic resource in front of the Deployment, its config
(every rule with its message), its provider's check/diff/create/update, the harness answering it
as the engine does, and the SDK's own provider server unpickling the plan's provider in a fresh
process (``python -m pulumi.dynamic``, as the engine starts it)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator

import boto3
import grpc
import pulumi
import pytest
from botocore.stub import Stubber
from google.protobuf import struct_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from components.supply_chain import scan_gate as sg
from components.supply_chain.findings import Allowance, ScanGateError
from tests.conftest import config_error as error
from tests.conftest import run_config, settings_for
from tools import tokens as t
from tools.harness import ROOT, EngineError, load_stack, run_function, run_program

ZONES = ["eu-central-1a", "eu-central-1b"]
ACCOUNT = "111122223333"
DIGEST = "sha256:" + "ab" * 32
IMAGE = f"{ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com/myapp@{DIGEST}"
GATE_URN = ("urn:pulumi:{stack}::container-platform::containerplatform:index:ImageScanGate$"
            "pulumi-python:dynamic:ScanFindingsGate::scan-gate-findings")


def stack(scan_gate=None, **extra):
    workload = {"repository": "myapp", **({"scan_gate": scan_gate} if scan_gate is not None else {})}
    return {"aws:allowedAccountIds": [ACCOUNT], "repositories": [{"name": "myapp", "lifecycle": {"keep_last": 5}}],
            "network": {"availability_zones": ZONES}, "cluster": {"node_groups": [{}]}, "workload": workload, **extra}


def props(**overrides) -> dict:
    base = {"image": IMAGE, "registryId": ACCOUNT, "repositoryName": "myapp", "region": "eu-central-1",
            "scanType": "BASIC", "maxSeverity": "HIGH", "timeoutMinutes": 10, "allow": []}
    return {**base, **overrides}


# ------------------------------------------------------------------------------ in the plan


@pytest.mark.parametrize("stack_name, scan_type", [("dev", "BASIC"), ("prod", "ENHANCED")])
def test_the_deployment_runs_the_image_the_gate_passed(plans, stack_name, scan_type):
    plan = plans(stack_name)
    gate = plan.one(t.SCAN_GATE, "scan-gate-findings")
    image = plan.one(t.IMAGE, "image-image")
    deployment = plan.one(t.DEPLOYMENT, "service-deployment")
    assert gate.urn == GATE_URN.format(stack=stack_name)
    assert gate.inputs["image"] == image.outputs["repoDigest"]
    assert {k: gate.inputs[k] for k in ("registryId", "repositoryName", "region", "scanType", "maxSeverity",
                                        "timeoutMinutes", "allow")} == {
        "registryId": plan.one("aws:ecr/repository:Repository", "registry-myapp-repo").outputs["registryId"],
        "repositoryName": "myapp", "region": "eu-central-1", "scanType": scan_type, "maxSeverity": "HIGH",
        "timeoutMinutes": 10.0, "allow": []}
    assert "profile" not in gate.inputs
    # The engine cannot change the Deployment before the gate's create or update returned: its
    # pod template's image is the gate's output.
    assert gate.urn in deployment.property_dependencies["spec"]
    assert image.urn in gate.property_dependencies["image"]
    (container,) = deployment.inputs["spec"]["template"]["spec"]["containers"]
    assert container["image"] == gate.inputs["image"]


def test_the_gate_uses_the_stacks_profile():
    plan = run_config(stack(**{"aws:profile": "platform-dev"}))
    assert plan.one(t.SCAN_GATE, "scan-gate-findings").inputs["profile"] == "platform-dev"


def test_a_bootstrap_run_has_no_gate_and_no_admission_policy():
    settings = load_stack("prod")
    settings.config["container-platform:bootstrap"] = "true"
    plan = run_program(settings)
    assert not plan.by_type(t.SCAN_GATE) and not plan.by_type(t.DEPLOYMENT)
    assert not plan.by_type(t.VALIDATING_ADMISSION_POLICY)


def test_at_preview_it_only_says_it_will_run():
    settings = settings_for(stack({"max_severity": "CRITICAL", "timeout_minutes": 5, "allow": [
        {"id": "CVE-2024-1", "expires": "2027-01-31", "reason": "r"}]}))
    preview = run_program(settings, dry_run=True)
    assert ("scan gate: when the image changes, `pulumi up` waits up to 5 minutes for its BASIC scan before the "
            "Deployment changes; any finding at CRITICAL or above stops it, 1 finding allowed. Nothing waits at "
            "preview.") in preview.infos
    assert not run_program(settings).infos  # at up the gate's provider does the work


def test_an_expired_allowance_is_named_at_every_preview(monkeypatch):
    monkeypatch.setattr(sg, "today", lambda: dt.date(2027, 2, 1))
    plan = run_config(stack({"allow": [{"id": "CVE-2024-1", "expires": "2027-01-31", "reason": "r"},
                                       {"id": "CVE-2024-2", "expires": "2027-02-01", "reason": "r"}]}))
    assert [w for w in plan.warnings if "scan_gate" in w] == [
        "workload.scan_gate.allow[0]: CVE-2024-1 was allowed until 2027-01-31, which has passed: the gate no longer "
        "counts it; remove it, or renew it with a new date and reason"]


# ------------------------------------------------------------------------------ config


def test_the_defaults_and_every_key():
    spec = run_config_spec(stack())
    assert spec == sg.ScanGateSpec(max_severity="HIGH", timeout_minutes=10, allow=())
    spec = run_config_spec(stack({"max_severity": "none", "timeout_minutes": "15", "allow": [
        {"id": "GHSA-abcd-efgh-ijkl", "expires": "2027-01-31", "reason": "no fix upstream (SEC-7)"}]}))
    assert spec == sg.ScanGateSpec("none", 15, (Allowance("GHSA-abcd-efgh-ijkl", "2027-01-31",
                                                          "no fix upstream (SEC-7)"),))


def run_config_spec(config: dict) -> sg.ScanGateSpec:
    from stack_config import parse
    from tests.conftest import PROJECT, raw_config

    parsed = parse(raw_config(config), project=PROJECT, stack="t")
    assert parsed.kubernetes is not None and parsed.kubernetes.workload is not None
    return parsed.kubernetes.workload.scan_gate


@pytest.mark.parametrize("gate, message", [
    ({"max_severity": "SEVERE"}, 'workload.scan_gate.max_severity: "SEVERE" is not one of none, LOW, MEDIUM, HIGH, '
                                 "CRITICAL"),
    ({"max_severity": "high"}, 'workload.scan_gate.max_severity: "high" is not one of none, LOW, MEDIUM, HIGH, '
                               "CRITICAL"),
    ({"timeout_minutes": 20}, "workload.scan_gate.timeout_minutes: 20 is not a number of minutes from 1 to 15 (the "
                              "gate holds `pulumi up`, and a deploy job, that long at most)"),
    ({"timeout_minutes": 0}, "workload.scan_gate.timeout_minutes: 0 is not a positive integer"),
    ({"wait": 5}, 'workload.scan_gate.wait: 5 is set on an unknown key; allowed keys: max_severity, timeout_minutes, '
                  "allow"),
    ({"allow": [{"id": "CVE-2024-1", "reason": "r"}]},
     'workload.scan_gate.allow[0].expires: null is required (the last day it counts: "2027-01-31")'),
    ({"allow": [{"id": "CVE-2024-1", "expires": "2027-01-31"}]},
     "workload.scan_gate.allow[0].reason: null is required (why the finding is acceptable until then)"),
    ({"allow": [{"id": "CVE-2024-1", "expires": "2027-01-31", "reason": "  "}]},
     'workload.scan_gate.allow[0].reason: "  " is not a reason; say why the finding is acceptable until it expires '
     "(a ticket, the fix awaited)"),
    ({"allow": [{"id": "CVE-2024-1", "expires": "2027-02-30", "reason": "r"}]},
     'workload.scan_gate.allow[0].expires: "2027-02-30" is not a date (YYYY-MM-DD, quoted: "2027-01-31"); every '
     "allowance ends"),
    ({"allow": [{"id": "CVE-2024-1", "expires": "next year", "reason": "r"}]},
     'workload.scan_gate.allow[0].expires: "next year" is not a date (YYYY-MM-DD, quoted: "2027-01-31"); every '
     "allowance ends"),
    ({"allow": [{"id": "CVE 2024", "expires": "2027-01-31", "reason": "r"}]},
     'workload.scan_gate.allow[0].id: "CVE 2024" is not a vulnerability ID as the scanners name them '
     "(CVE-2024-1234, GHSA-xxxx-xxxx-xxxx)"),
    ({"allow": [{"id": "CVE-2024-1", "expires": "2027-01-31", "reason": "r"},
                {"id": "cve-2024-1", "expires": "2027-03-31", "reason": "r"}]},
     'workload.scan_gate.allow[1].id: "cve-2024-1" is already allowed by allow[0]'),
    ({"allow": [{"id": "CVE-2024-1", "expires": "2027-01-31", "reason": "r", "until": "x"}]},
     'workload.scan_gate.allow[0].until: "x" is set on an unknown key; allowed keys: id, expires, reason'),
])
def test_bad_gate_config_names_the_key(gate, message):
    assert error(stack(gate)) == message


def test_a_repository_no_scan_rule_covers_is_refused():
    config = stack(scanning={"rules": [{"frequency": "SCAN_ON_PUSH", "filters": ["team-*"]}], "allow_partial": True})
    assert error(config) == (
        'workload.repository: "myapp" is not scanned on push: no SCAN_ON_PUSH or CONTINUOUS_SCAN rule of '
        "scanning.rules matches it, and the scan gate waits for the scan of each new image; add a rule whose "
        "filters match it")
    covered = stack(scanning={"rules": [{"frequency": "SCAN_ON_PUSH", "filters": ["my*"]}], "allow_partial": True})
    assert run_config(covered).by_type(t.SCAN_GATE)


def test_an_unquoted_date_reaches_the_program_as_the_cli_passes_it(stack_file):
    from tools.harness import load_stack as load

    path = stack_file(f"""
        config:
          aws:region: eu-central-1
          aws:allowedAccountIds: ["{ACCOUNT}"]
          container-platform:repositories:
            - name: myapp
              lifecycle: {{keep_last: 5}}
          container-platform:network:
            availability_zones: [eu-central-1a, eu-central-1b]
          container-platform:cluster:
            node_groups: [{{}}]
          container-platform:workload:
            repository: myapp
            scan_gate:
              allow:
                - id: CVE-2024-1
                  expires: 2027-01-31
                  reason: no fix yet
        """)
    plan = run_program(load("custom", path))
    assert plan.one(t.SCAN_GATE, "scan-gate-findings").inputs["allow"] == [
        {"id": "CVE-2024-1", "expires": "2027-01-31", "reason": "no fix yet"}]


# ------------------------------------------------------------------------------ the provider


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 7, tzinfo=dt.UTC).timestamp()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def stubbed() -> Iterator[tuple[sg.ScanGateProvider, Stubber]]:
    ecr = boto3.client("ecr", region_name="eu-central-1", aws_access_key_id="t", aws_secret_access_key="t")
    inspector = boto3.client("inspector2", region_name="eu-central-1", aws_access_key_id="t",
                             aws_secret_access_key="t")
    asked: list[dict] = []

    def clients(p):
        asked.append(dict(p))
        return ecr, inspector

    clock = Clock()
    provider = sg.ScanGateProvider(clients=clients, clock=clock, sleep=clock.sleep, today=dt.date(2026, 12, 7))
    with Stubber(ecr) as stub:
        yield provider, stub
        stub.assert_no_pending_responses()
    assert all(p["region"] == "eu-central-1" for p in asked)


def scan(findings=()):
    return {"imageScanStatus": {"status": "COMPLETE"}, "imageScanFindings": {"findings": [
        {"name": name, "severity": severity, "attributes": [{"key": "package_name", "value": "openssl"}]}
        for name, severity in findings]}}


def test_create_and_update_wait_and_pass(stubbed):
    provider, stub = stubbed
    stub.add_response("describe_image_scan_findings", {"imageScanStatus": {"status": "IN_PROGRESS"}})
    stub.add_response("describe_image_scan_findings", scan([("CVE-2024-1", "MEDIUM")]))
    created = provider.create(props(__provider="serialized"))
    assert created.id == f"myapp@{DIGEST}"
    assert created.outs == {**props(), "verdict": "BASIC scan COMPLETE: 1 MEDIUM; threshold HIGH: passed",
                            "findingCounts": {"MEDIUM": 1}}
    stub.add_response("describe_image_scan_findings", scan([("CVE-2024-1", "CRITICAL")]))
    allowed = [{"id": "CVE-2024-1", "expires": "2027-01-01", "reason": "accepted (SEC-9)"}]
    updated = provider.update(created.id, props(), props(allow=allowed))
    assert updated.outs["verdict"] == "BASIC scan COMPLETE: 1 CRITICAL; threshold HIGH: passed; allowed: CVE-2024-1"


def test_create_stops_on_a_finding(stubbed):
    provider, stub = stubbed
    stub.add_response("describe_image_scan_findings", scan([("CVE-2024-1", "HIGH")]))
    with pytest.raises(ScanGateError, match=r"1 finding at or above HIGH .*\n  CVE-2024-1  HIGH           openssl"):
        provider.create(props())


def test_only_what_the_gate_judges_makes_it_run_again():
    provider = sg.ScanGateProvider()
    assert provider.diff("id", props(), props(timeoutMinutes=15, profile="p")).changes is False
    for change in ({"image": IMAGE.replace("ab", "cd")}, {"maxSeverity": "CRITICAL"}, {"scanType": "ENHANCED"},
                   {"allow": [{"id": "CVE-1", "expires": "2027-01-01", "reason": "r"}]}):
        result = provider.diff("id", props(), props(**change))
        assert result.changes is True and result.replaces == [], change


def test_check_refuses_what_the_gate_could_not_judge_and_skips_unknowns():
    from pulumi.runtime import rpc

    provider = sg.ScanGateProvider()
    assert provider.check({}, props()).failures == []
    assert provider.check({}, props(image=rpc.UNKNOWN)).failures == []  # a preview of a new build
    failures = provider.check({}, props(registryId="999999999999", maxSeverity="SEVERE", timeoutMinutes=30,
                                        allow=[{"id": "CVE-1"}])).failures
    assert [(f.property, f.reason) for f in failures] == [
        ("registryId", "'999999999999' is not the image's registry (111122223333)"),
        ("maxSeverity", "is not one of none, LOW, MEDIUM, HIGH, CRITICAL"),
        ("timeoutMinutes", "is not 1-15"),
        ("allow[0]", "needs an id, an expiry date and a reason")]


def test_the_harness_runs_check_as_the_engine_does():
    def declare() -> None:
        sg.ScanFindingsGate("gate", props(registryId="999999999999"))

    with pytest.raises(EngineError, match=r"pulumi-python:dynamic:ScanFindingsGate gate: check failed: registryId: "
                                          r"'999999999999' is not the image's registry \(111122223333\)"):
        run_function(settings_for({}), declare)


def test_the_harness_refuses_a_dynamic_resource_whose_provider_is_not_one():
    class NotAProvider:
        pass

    class Odd(pulumi.dynamic.Resource):
        pass

    def declare() -> None:
        Odd(NotAProvider(), "odd", {})  # type: ignore[arg-type]

    with pytest.raises(EngineError, match="pulumi-python:dynamic:Resource odd: __provider holds a NotAProvider, not "
                                          "a ResourceProvider"):
        run_function(settings_for({}), declare)


# ------------------------------------------------------------------------------ the real provider server


@pytest.fixture
def provider_server() -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    """The SDK's dynamic provider server, started as the engine starts it: ``python -m
    pulumi.dynamic`` in the project directory, from the project's virtualenv, without the test's
    import path."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    process = subprocess.Popen([sys.executable, "-u", "-m", "pulumi.dynamic"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().decode().strip())
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=30)
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        stub.Configure(provider_pb2.ConfigureRequest(args=struct_pb2.Struct()))
        yield stub
        channel.close()
    finally:
        process.kill()
        process.wait(timeout=30)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _struct(value: dict) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(json.loads(json.dumps(value)))
    return out


def test_the_sdk_provider_server_unpickles_the_plans_provider_in_a_fresh_process(plans, provider_server):
    gate = plans("dev").one(t.SCAN_GATE, "scan-gate-findings")
    news = dict(gate.inputs)
    checked = provider_server.Check(provider_pb2.CheckRequest(urn=gate.urn, olds=_struct({}), news=_struct(news)))
    assert list(checked.failures) == []
    moved = {**news, "registryId": "999999999999"}
    failed = provider_server.Check(provider_pb2.CheckRequest(urn=gate.urn, olds=_struct({}), news=_struct(moved)))
    assert [(f.property, f.reason) for f in failed.failures] == [
        ("registryId", "'999999999999' is not the image's registry (111122223333)")]
    same = provider_server.Diff(provider_pb2.DiffRequest(id="x", urn=gate.urn, olds=_struct(news), news=_struct(news)))
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE
    newer = {**news, "image": news["image"][:-6] + "000000"}
    changed = provider_server.Diff(provider_pb2.DiffRequest(id="x", urn=gate.urn, olds=_struct(news),
                                                            news=_struct(newer)))
    assert changed.changes == provider_pb2.DiffResponse.DIFF_SOME
    # A create that the gate refuses fails with the gate's message (before any AWS call here).
    with pytest.raises(grpc.RpcError) as caught:
        provider_server.Create(provider_pb2.CreateRequest(urn=gate.urn, properties=_struct(moved)))
    assert "ScanGateError: the scan gate cannot judge this image: registryId: '999999999999' is not the image's " \
           "registry (111122223333)" in caught.value.details()
