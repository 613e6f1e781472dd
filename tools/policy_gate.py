"""The offline policy gate: runs the policy pack *as a pack* over a plan, as the Pulumi engine does.

The pack's ``__main__.py`` is started as its own process (it prints the port of its analyzer
gRPC server), and this module speaks the analyzer protocol to it: ``GetAnalyzerInfo``, the
engine's config reconciliation (schema defaults, the pack's initial config, then the user's
config file, validated against each policy's JSON schema), ``Configure``, ``ConfigureStack``,
``Analyze`` per resource and ``AnalyzeStack``. Enforcement levels, config handling and pack
construction are the pack's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import jsonschema
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from tools.harness import ROOT, Plan, PlannedResource

DEFAULT_PACK = ROOT / "policy_pack"
LEVELS = ("advisory", "mandatory", "remediate", "disabled")
START_TIMEOUT_S = 60


class PolicyConfigError(Exception):
    """A policy config file the engine would refuse (or that names no policy of the pack)."""


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str
    urn: str
    message: str

    def to_json(self) -> dict:
        return {"policy": self.policy, "level": self.level, "urn": self.urn, "message": self.message}


@dataclass
class PolicyReport:
    pack: str
    violations: list[Violation] = field(default_factory=list)

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == "mandatory"]

    def to_json(self) -> dict:
        return {"pack": self.pack, "violations": [v.to_json() for v in self.violations]}


# --------------------------------------------------------------------------------------------
# Config: the engine's reconciliation (pkg/resource/analyzer/config.go), stricter on names.


def load_config_file(path: Path) -> dict[str, Any]:
    """Read a ``--policy-pack-config`` JSON file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise PolicyConfigError(f"{path}: {err.strerror}") from None
    if not text.strip():
        return {}
    try:
        config = json.loads(text)
    except json.JSONDecodeError as err:
        raise PolicyConfigError(f"{path}: not valid JSON: {err}") from None
    if not isinstance(config, dict):
        raise PolicyConfigError(f"{path}: expected a JSON object of policy names, got {json.dumps(config)}")
    return config


def _split(name: str, value: Any) -> tuple[str | None, dict]:
    """(enforcement level, properties) of one config entry, as the CLI parses it."""
    if isinstance(value, str):
        level, props = value, {}
    elif isinstance(value, dict):
        props = dict(value)
        level = props.pop("enforcementLevel", None)
    else:
        raise PolicyConfigError(f"{name}: {json.dumps(value)} is not a valid value; must be an "
                                f"enforcement level ({', '.join(LEVELS)}) or an object")
    if level is not None and level not in LEVELS:
        raise PolicyConfigError(f"{name}.enforcementLevel: {json.dumps(level)} is not a valid "
                                f"enforcement level; allowed: {', '.join(LEVELS)}")
    return level, props


def reconcile(info: analyzer_pb2.AnalyzerInfo, user: dict[str, Any]) -> dict[str, tuple[str, dict]]:
    """Each policy's (level, properties): schema defaults, initial config, then ``user``."""
    policies = {p.name: p for p in info.policies}
    unknown = [name for name in user if name != "all" and name not in policies]
    if unknown:
        raise PolicyConfigError(f"{unknown[0]}: the pack has no such policy; its policies are: "
                                f"{', '.join(sorted(policies))} (or \"all\" for every level)")
    result: dict[str, tuple[str, dict]] = {}
    for name, policy in policies.items():
        schema = json_format.MessageToDict(policy.configSchema.properties)
        props = {key: spec["default"] for key, spec in schema.items() if "default" in spec}
        level = analyzer_pb2.EnforcementLevel.Name(policy.enforcementLevel).lower()
        result[name] = (level, props)

    def apply(config: dict[str, tuple[str | None, dict]]) -> None:
        if "all" in config and config["all"][0]:
            for name, (_, props) in result.items():
                result[name] = (config["all"][0], props)
        for name, (level, props) in config.items():
            if name == "all":
                continue
            old_level, old_props = result[name]
            result[name] = (level or old_level, {**old_props, **props})

    initial = {name: (analyzer_pb2.EnforcementLevel.Name(cfg.enforcementLevel).lower()
                      if cfg.HasField("enforcementLevel") else None,
                      json_format.MessageToDict(cfg.properties))
               for name, cfg in info.initialConfig.items()}
    apply(initial)
    apply({name: _split(name, value) for name, value in user.items()})

    for name, policy in policies.items():
        schema = json_format.MessageToDict(policy.configSchema.properties)
        properties = result[name][1]
        extra = sorted(set(properties) - set(schema))
        if extra:
            allowed = ", ".join(sorted(schema)) or "none"
            raise PolicyConfigError(f"{name}.{extra[0]}: {json.dumps(properties[extra[0]])} is not an "
                                    f"option of this policy; its options: {allowed}")
        full = {"type": "object", "properties": schema}
        if policy.configSchema.required:
            full["required"] = list(policy.configSchema.required)
        for error in jsonschema.Draft7Validator(full).iter_errors(properties):
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
            raise PolicyConfigError(f"{name}{where}: "
                                    f"{json.dumps(error.instance)} {_reason(error)}")
    return result


def _reason(error: jsonschema.ValidationError) -> str:
    if error.validator == "type":
        return f"is not of type {error.validator_value}"
    if error.validator == "pattern":
        return f"does not match the pattern {error.validator_value}"
    return error.message


# --------------------------------------------------------------------------------------------
# The pack process and the protocol.


class PackProcess:
    """The policy pack's ``__main__.py`` running as its own process, as the CLI starts it."""

    def __init__(self, pack_dir: Path, project: str, stack: str) -> None:
        self.pack_dir = pack_dir
        if not (pack_dir / "__main__.py").is_file():
            raise PolicyConfigError(f"{pack_dir}: no policy pack here (no __main__.py)")
        env = {**os.environ, "PULUMI_PROJECT": project, "PULUMI_STACK": stack,
               "PULUMI_DRY_RUN": "true", "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-u", "__main__.py"], cwd=pack_dir, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self._channel: grpc.Channel | None = None

    def stub(self) -> analyzer_pb2_grpc.AnalyzerStub:
        if self._channel is None:
            assert self.process.stdout is not None and self.process.stderr is not None  # both PIPE
            line = self.process.stdout.readline().strip()
            if not line.isdigit():
                self.process.kill()
                err = self.process.stderr.read()
                raise RuntimeError(f"policy pack {self.pack_dir} did not start: {line}{err}")
            self._channel = grpc.insecure_channel(f"127.0.0.1:{line}")
            grpc.channel_ready_future(self._channel).result(timeout=START_TIMEOUT_S)
        return analyzer_pb2_grpc.AnalyzerStub(self._channel)

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
        self.process.kill()
        self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> PackProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _struct(value: dict) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(value)
    return out


def _options(res: PlannedResource) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(protect=res.protect, parent=res.parent or "")


def _provider(plan: Plan, res: PlannedResource, region: str | None) -> analyzer_pb2.AnalyzerProviderResource | None:
    """The provider the engine sends with each resource: an explicit provider's own registration
    from the plan, or, for AWS resources on the default provider (which mocks never register),
    the default provider as the engine describes it (with the stack's region)."""
    if res.provider is not None:
        found = next((p for p in plan.resources if p.urn == res.provider), None)
        if found is None:
            return None
        return analyzer_pb2.AnalyzerProviderResource(type=found.type, name=found.name, urn=found.urn,
                                                     properties=_struct(found.inputs))
    if not res.type.startswith("aws:") or region is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type="pulumi:providers:aws", name="default",
        urn=f"urn:pulumi:{plan.stack}::{plan.project}::pulumi:providers:aws::default",
        properties=_struct({"region": region}),
    )


def _configure(stub: analyzer_pb2_grpc.AnalyzerStub, plan: Plan, user_config: dict[str, Any],
               dry_run: bool) -> analyzer_pb2.AnalyzerInfo:
    """GetAnalyzerInfo, the engine's config reconciliation, Configure and ConfigureStack."""
    info = stub.GetAnalyzerInfo(empty_pb2.Empty())
    config = reconcile(info, user_config)
    stub.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig={
        name: analyzer_pb2.PolicyConfig(
            enforcementLevel=analyzer_pb2.EnforcementLevel.Value(level.upper()),
            properties=_struct(props))
        for name, (level, props) in config.items()
    }))
    stub.ConfigureStack(analyzer_pb2.AnalyzerStackConfigureRequest(
        stack=plan.stack, project=plan.project, organization="organization", dry_run=dry_run))
    return info


def _analyze_one(stub: analyzer_pb2_grpc.AnalyzerStub, plan: Plan, res: PlannedResource,
                 region: str | None) -> list[analyzer_pb2.AnalyzeDiagnostic]:
    """``Analyze``: one resource's inputs, as the engine sends them before creating it."""
    request = analyzer_pb2.AnalyzeRequest(type=res.type, properties=_struct(res.inputs), urn=res.urn,
                                          name=res.name, options=_options(res))
    provider = _provider(plan, res, region)
    if provider is not None:
        request.provider.CopyFrom(provider)
    diagnostics = list(stub.Analyze(request).diagnostics)
    for diag in diagnostics:
        if not diag.urn:
            diag.urn = res.urn  # the engine attributes a resource policy's report to the resource
    return diagnostics


def _analyze_stack(stub: analyzer_pb2_grpc.AnalyzerStub, plan: Plan, resources: list[PlannedResource],
                   region: str | None, outputs: bool) -> list[analyzer_pb2.AnalyzeDiagnostic]:
    """``AnalyzeStack``: every resource at once (their outputs after an update, else inputs)."""
    stack_resources = []
    for res in resources:
        props = (res.outputs or res.inputs) if outputs else res.inputs
        # As the engine sends them: each resource's dependencies and, per property, the resources
        # its value comes from (how a stack policy ties a listener to its load balancer in preview).
        item = analyzer_pb2.AnalyzerResource(
            type=res.type, properties=_struct(props), urn=res.urn, name=res.name, options=_options(res),
            parent=res.parent or "", dependencies=res.dependencies,
            propertyDependencies={key: analyzer_pb2.AnalyzerPropertyDependencies(urns=urns)
                                  for key, urns in res.property_dependencies.items()})
        provider = _provider(plan, res, region)
        if provider is not None:
            item.provider.CopyFrom(provider)
        stack_resources.append(item)
    return list(stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=stack_resources)).diagnostics)


def _report(name: str, diagnostics: list[analyzer_pb2.AnalyzeDiagnostic]) -> PolicyReport:
    report = PolicyReport(pack=name)
    for diag in diagnostics:
        message = diag.message
        if diag.description and message.startswith(diag.description + "\n"):
            message = message[len(diag.description) + 1:]
        report.violations.append(Violation(
            policy=diag.policyName,
            level=analyzer_pb2.EnforcementLevel.Name(diag.enforcementLevel).lower(),
            urn=diag.urn, message=message,
        ))
    report.violations.sort(key=lambda v: (v.level != "mandatory", v.policy, v.urn))
    return report


def analyze(plan: Plan, pack: PackProcess, user_config: dict[str, Any],
            region: str | None = None) -> PolicyReport:
    """Run the pack over ``plan`` as the engine does during ``pulumi preview``: ``Analyze`` for
    every resource, then ``AnalyzeStack`` over all of them."""
    stub = pack.stub()
    info = _configure(stub, plan, user_config, dry_run=True)
    diagnostics: list[analyzer_pb2.AnalyzeDiagnostic] = []
    for res in plan.resources:
        diagnostics += _analyze_one(stub, plan, res, region)
    diagnostics += _analyze_stack(stub, plan, plan.resources, region, outputs=False)
    return _report(info.name, diagnostics)


@dataclass
class UpRun:
    """What ``pulumi up --policy-pack`` would do with a plan, step by step."""

    created: list[str]
    """URNs the engine would create (in registration order) before it stopped."""
    stopped_at: str | None
    """``"Analyze"`` when a mandatory resource policy refused a resource before its creation,
    ``"AnalyzeStack"`` when a mandatory stack policy failed the update after every change was
    applied, None when the update succeeds."""
    report: PolicyReport


def simulate_up(plan: Plan, pack: PackProcess, user_config: dict[str, Any],
                region: str | None = None) -> UpRun:
    """Drive the pack as the engine does during ``pulumi up`` (``--skip-preview``: no preview
    first): ``Analyze`` each resource just before creating it, stopping at the first mandatory
    violation; ``AnalyzeStack`` once at the end, on the created resources' outputs."""
    stub = pack.stub()
    info = _configure(stub, plan, user_config, dry_run=False)
    created: list[str] = []
    diagnostics: list[analyzer_pb2.AnalyzeDiagnostic] = []
    mandatory = analyzer_pb2.EnforcementLevel.Value("MANDATORY")
    for res in plan.resources:
        found = _analyze_one(stub, plan, res, region)
        diagnostics += found
        if any(d.enforcementLevel == mandatory for d in found):
            return UpRun(created=created, stopped_at="Analyze", report=_report(info.name, diagnostics))
        created.append(res.urn)
    found = _analyze_stack(stub, plan, plan.resources, region, outputs=True)
    diagnostics += found
    stopped = "AnalyzeStack" if any(d.enforcementLevel == mandatory for d in found) else None
    return UpRun(created=created, stopped_at=stopped, report=_report(info.name, diagnostics))


def pack_name(pack_dir: Path = DEFAULT_PACK) -> str:
    """The name the pack reports (for documentation and tests)."""
    with PackProcess(pack_dir, "p", "s") as pack:
        return pack.stub().GetAnalyzerInfo(empty_pb2.Empty()).name


