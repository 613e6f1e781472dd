"""The recording monitor and the runner: the real program under mocks, each registration kept as
the engine would receive it (type, name, parent, provider, options, inputs, dependencies)."""

from __future__ import annotations

import asyncio
import gc
import os
import runpy
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.proto import callback_pb2, callback_pb2_grpc, engine_pb2, resource_pb2
from pulumi.runtime.stack import run_in_stack

from tools import tokens as t

from .mocks import CHILD_REF, PlatformMocks
from .stack_files import ROOT, SECRET_SHOWN, StackSettings, load_stack

# Special values of Pulumi's wire format (sdk/python/lib/pulumi/runtime/rpc.py).
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

# The recording monitor.


def _plain(value: Any) -> Any:
    """Engine wire values → plain JSON: secrets shown as [secret], resource refs as URNs."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return SECRET_SHOWN
        if sig == RESOURCE_SIG:
            return value.get("urn")
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _revealed(value: Any) -> Any:
    """Wire values → plain JSON with secrets' values shown."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return _revealed(value.get("value"))
        if sig == RESOURCE_SIG:
            return value.get("urn")
        return {k: _revealed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_revealed(v) for v in value]
    return value


def _engine_transform(callbacks: list) -> Callable[[str, str, dict], dict]:
    """What the engine does with a component's ``transforms`` when its plugin registers a child:
    call each, in order, on the SDK's callback server (``Callbacks.Invoke`` with a TransformRequest)
    and register the child with what they return."""

    def apply(typ: str, name: str, inputs: dict) -> dict:
        for callback in callbacks:
            properties = struct_pb2.Struct()
            properties.update(inputs)
            request = resource_pb2.TransformRequest(type=typ, name=name, custom=True, properties=properties)
            with grpc.insecure_channel(callback.target) as channel:
                answer = callback_pb2_grpc.CallbacksStub(channel).Invoke(callback_pb2.CallbackInvokeRequest(
                    token=callback.token, request=request.SerializeToString()))
            response = resource_pb2.TransformResponse.FromString(answer.response)
            inputs = _plain(json_format.MessageToDict(response.properties))
        return inputs

    return apply


def _refs_to_urns(struct: struct_pb2.Struct) -> None:
    """Rewrite resource references in ``struct`` to their URN strings, in place.

    The stock MockMonitor turns references back into Resource objects on its worker thread,
    which intermittently fails with "attached to a different loop" or hangs.
    """

    def fix(value: struct_pb2.Value) -> None:
        kind = value.WhichOneof("kind")
        if kind == "struct_value":
            fields = value.struct_value.fields
            if SIG_KEY in fields and fields[SIG_KEY].string_value == RESOURCE_SIG:
                value.string_value = fields["urn"].string_value
                return
            for v in fields.values():
                fix(v)
        elif kind == "list_value":
            for v in value.list_value.values:
                fix(v)

    for v in struct.fields.values():
        fix(v)


@dataclass
class PlannedResource:
    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    provider: str | None
    protect: bool
    inputs: dict
    retain_on_delete: bool = False
    delete_before_replace: bool = False
    remote: bool = False
    """A multi-language component (pulumi-eks): its children are created by its plugin in a real
    run and are not in the offline plan."""
    dependencies: list[str] = field(default_factory=list)
    """Every URN the engine would wait for before this registration (explicit ``depends_on``
    and the resources its inputs come from; a component stands for its children)."""
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    """Per input: the resources its value comes from."""
    ignore_changes: list[str] = field(default_factory=list)
    """The ``ignore_changes`` option, as the engine receives it."""
    resource_id: str = ""
    """The ID the mock answered with (what another resource's input sees as ``.id``)."""
    transforms: int = 0
    """How many ``transforms`` the registration carries (the engine applies them to its children)."""
    children: dict[str, dict] = field(default_factory=dict)
    """A remote component's children, by type: the inputs its plugin would register them with, after
    the component's transforms (the resources themselves are not in the plan)."""
    children_ignore_changes: dict[str, list[str]] = field(default_factory=dict)
    """A remote component's children, by type: the ``ignore_changes`` its plugin registers them with
    (pulumi-eks's ``ignoreScalingChanges``)."""
    _outputs: Any = None  # the mock's answer, converted on first use (most plans never read it)
    _wire_inputs: Any = None  # the inputs as sent, secrets in their wire form (see ``revealed``)

    @property
    def outputs(self) -> dict:
        if self._outputs is None:
            return {}
        if not isinstance(self._outputs, dict):
            self._outputs = _plain(json_format.MessageToDict(self._outputs))
        return self._outputs

    def revealed(self, key: str) -> Any:
        """An input as the program sent it, a secret's value included: what a test of a secret input
        (the Kubernetes provider's kubeconfig) must read. Never used in the plan a user sees."""
        return _revealed((self._wire_inputs or {}).get(key))

    def to_json(self) -> dict:
        return {"urn": self.urn, "type": self.type, "name": self.name, "parent": self.parent,
                "custom": self.custom, "remote": self.remote, "provider": self.provider,
                "protect": self.protect, "dependencies": self.dependencies,
                "options": {"deleteBeforeReplace": self.delete_before_replace,
                            "retainOnDelete": self.retain_on_delete},
                "inputs": self.inputs}


@dataclass(frozen=True)
class PlannedInvoke:
    """A provider function the program calls (``aws.ecr.get_images``...): it runs in preview and
    in up alike, with the credentials of whoever runs them."""

    token: str
    args: dict
    provider: str | None


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that keeps each registration as the engine would receive it."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.planned: dict[str, PlannedResource] = {}
        self.invokes: list[PlannedInvoke] = []
        self.stack_outputs: dict = {}
        self.worker_loops: list[asyncio.AbstractEventLoop] = []
        self._lock = threading.Lock()

    def _thread_loop(self) -> None:
        """Give this worker thread an event loop the harness closes after the run.

        The stock monitor makes one per worker thread and never closes it; left to the garbage
        collector, those loops fail noisily in ``__del__``.
        """
        try:
            asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            with self._lock:
                self.worker_loops.append(loop)

    def close_worker_loops(self) -> None:
        with self._lock:
            loops, self.worker_loops = self.worker_loops, []
        for loop in loops:
            loop.close()

    def Invoke(self, request):  # noqa: N802
        self._thread_loop()
        provider = request.provider.rsplit("::", 1)[0] if request.provider else None
        with self._lock:
            self.invokes.append(PlannedInvoke(request.tok, _plain(json_format.MessageToDict(request.args)), provider))
        return super().Invoke(request)

    def RegisterResource(self, request):  # noqa: N802 (the gRPC method name)
        """Record the registration, ask the mocks, answer with a plain protobuf Struct.

        Unlike the stock monitor this never turns wire values back into Python objects (no
        Resource objects built on a worker thread, no event loop needed there): references are
        rewritten to URN strings, secrets stay in their wire form so outputs stay secret.
        """
        _refs_to_urns(request.object)
        urn = self.make_urn(request.parent, request.type, request.name)
        wire_inputs = json_format.MessageToDict(request.object)
        provider = request.provider.rsplit("::", 1)[0] if request.provider else None
        planned = PlannedResource(
            urn=urn, type=request.type, name=request.name, parent=request.parent or None,
            custom=bool(request.custom), provider=provider, protect=bool(request.protect),
            inputs=_plain(wire_inputs), retain_on_delete=bool(request.retainOnDelete),
            delete_before_replace=bool(request.deleteBeforeReplace), remote=bool(request.remote),
            ignore_changes=list(request.ignoreChanges),
            dependencies=sorted(set(request.dependencies)),
            property_dependencies={key: sorted(set(deps.urns))
                                   for key, deps in request.propertyDependencies.items() if deps.urns},
            transforms=len(request.transforms),
        )
        planned._wire_inputs = wire_inputs
        with self._lock:
            self.planned[urn] = planned
        if request.type == t.STACK:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        args = pulumi.runtime.MockResourceArgs(
            typ=request.type, name=request.name, inputs=wire_inputs, provider=request.provider,
            resource_id=request.importId, custom=bool(request.custom),
        )
        if request.transforms:
            args.transform_child = _engine_transform(list(request.transforms))  # type: ignore[attr-defined]
        # What the engine also acts on, for the mocks that model it (tools/harness/mocks/docker.py).
        args.urn = urn  # type: ignore[attr-defined]
        args.ignore_changes = list(request.ignoreChanges)  # type: ignore[attr-defined]
        args.replacement_trigger = (  # type: ignore[attr-defined]
            _plain(json_format.MessageToDict(request.replacement_trigger))
            if request.HasField("replacement_trigger") else None)
        id_, state = self.mocks.new_resource(args)
        planned.children = {value[CHILD_REF]["type"]: value[CHILD_REF].get("inputs", {})
                            for value in state.values() if isinstance(value, dict) and CHILD_REF in value}
        planned.children_ignore_changes = {
            value[CHILD_REF]["type"]: list(value[CHILD_REF].get("ignoreChanges", []))
            for value in state.values() if isinstance(value, dict) and CHILD_REF in value}
        state = self._children(urn, state)
        outputs = struct_pb2.Struct()
        outputs.update(state)
        planned._outputs = outputs
        planned.resource_id = id_ or ""
        with self._lock:
            self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, id_ or "", state)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_ or "", object=outputs)

    def _children(self, parent: str, state: dict) -> dict:
        """Turn a remote component's child markers into resource references the SDK resolves with
        ``pulumi:pulumi:getResource`` (answered from ``self.resources``)."""
        out = {}
        for key, value in state.items():
            if isinstance(value, dict) and CHILD_REF in value:
                child = value[CHILD_REF]
                parent_type = parent.split("::")[2]
                urn = f"{parent.rsplit('::', 2)[0]}::{parent_type}${child['type']}::{child['name']}"
                child_id = f"{child['name']}-id"
                with self._lock:
                    self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, child_id, child["state"])
                value = {SIG_KEY: RESOURCE_SIG, "urn": urn, "id": child_id, "packageVersion": ""}
            out[key] = value
        return out

    def RegisterResourceOutputs(self, request):  # noqa: N802
        if request.urn.split("::")[2] == t.STACK:
            self.stack_outputs = _plain(json_format.MessageToDict(request.outputs))
        return super().RegisterResourceOutputs(request)


# --------------------------------------------------------------------------------------------
# Running the program.


class RecordingEngine(pulumi_mocks.MockEngine):
    """Keeps the warnings the program logs (``pulumi.log.warn``), as the CLI shows them, and its
    errors (``pulumi.log.error``), which fail the run as they fail ``pulumi preview``/``up``."""

    def __init__(self) -> None:
        super().__init__(None)
        self.warnings: list[str] = []
        self.errors: list[str] = []
        self.infos: list[str] = []

    def Log(self, request):  # noqa: N802
        if request.severity >= engine_pb2.ERROR:
            self.errors.append(request.message)
        elif request.severity >= engine_pb2.WARNING:
            self.warnings.append(request.message)
        else:
            if request.severity == engine_pb2.INFO:
                self.infos.append(request.message)
            super().Log(request)


class ProgramError(Exception):
    """The program logged errors (``pulumi.log.error``): the engine fails the run with them."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Plan:
    project: str
    stack: str
    resources: list[PlannedResource]
    outputs: dict
    warnings: list[str] = field(default_factory=list)
    invokes: list[PlannedInvoke] = field(default_factory=list)
    """Every provider function the program called, in call order."""
    infos: list[str] = field(default_factory=list)
    """What the program logged at info level (the CLI shows it under Diagnostics); not in the JSON."""

    def by_type(self, typ: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == typ]

    def one(self, typ: str, name: str) -> PlannedResource:
        found = [r for r in self.resources if r.type == typ and r.name == name]
        if len(found) != 1:
            names = sorted(r.name for r in self.by_type(typ))
            raise KeyError(f"{len(found)} resources {typ} named {name}; have {names}")
        return found[0]

    def to_json(self) -> dict:
        return {"project": self.project, "stack": self.stack,
                "resources": [r.to_json() for r in self.resources], "outputs": self.outputs,
                "warnings": self.warnings}


def _ordered(planned: Mapping[str, PlannedResource]) -> list[PlannedResource]:
    """Parents before children, siblings by URN: the same order on every run."""
    children: dict[str | None, list[PlannedResource]] = {}
    for res in planned.values():
        parent = res.parent if res.parent in planned else None
        children.setdefault(parent, []).append(res)
    out: list[PlannedResource] = []

    def walk(parent: str | None) -> None:
        for res in sorted(children.get(parent, []), key=lambda r: r.urn):
            out.append(res)
            walk(res.urn)

    walk(None)
    return out


_RUN_LOCK = threading.Lock()


def _retrieve_failures() -> None:
    """Mark the exceptions a failed run left in its futures as retrieved.

    A failed registration fails every output waiting on it, and nobody retrieves those
    exceptions: each future's finalizer then logs "exception was never retrieved" with a
    traceback, which Python 3.11 formats with ``ast.parse``. Run by a garbage collection that
    happens inside an unrelated ``ast.parse`` (pytest importing a module), that nested parse fails
    the outer one ("SystemError: AST constructor recursion depth mismatch"). The run's error
    itself is raised to the caller as before.
    """
    for obj in gc.get_objects():
        if isinstance(obj, asyncio.Future) and obj.done() and not obj.cancelled():
            obj.exception()


def run_function(settings: StackSettings, program: Callable[[], Any],
                 mocks: pulumi.runtime.Mocks | None = None, dry_run: bool = False) -> Plan:
    """Run ``program`` (a callable that declares resources) under mocks with ``settings``' config;
    ``dry_run`` as ``pulumi preview`` runs it (``pulumi.runtime.is_dry_run()``), else as ``up``.

    Errors the program raises (a bad config value, say) propagate unchanged.
    """
    mocks = mocks or PlatformMocks(settings.account, settings.region)
    monitor = RecordingMonitor(mocks)
    engine = RecordingEngine()
    failed = False
    with _RUN_LOCK:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            pulumi_settings.configure(pulumi_mocks.MockSettings(
                monitor=monitor,
                monitor_features=set(monitor.GetDeploymentInfo(None).supportedFeatures),
                engine=engine,
                project=settings.project,
                stack=settings.stack,
                dry_run=dry_run,
                organization="organization",
                callbacks=None,
            ))
            pulumi_settings.ROOT.set(None)
            set_all_config(dict(settings.config), list(settings.secret_keys))
            loop.run_until_complete(run_in_stack(program))
        except BaseException:
            failed = True
            raise
        finally:
            pulumi_settings.ROOT.set(None)
            loop.run_until_complete(loop.shutdown_default_executor())
            monitor.close_worker_loops()
            loop.close()
            asyncio.set_event_loop(None)
            if failed:
                _retrieve_failures()
    if engine.errors:
        raise ProgramError(sorted(set(engine.errors)))
    return Plan(project=settings.project, stack=settings.stack,
                resources=_ordered(monitor.planned), outputs=monitor.stack_outputs,
                warnings=sorted(set(engine.warnings)), invokes=list(monitor.invokes),
                infos=list(dict.fromkeys(engine.infos)))


def run_program(settings: StackSettings, program: Path = ROOT / "__main__.py",
                mocks: pulumi.runtime.Mocks | None = None, dry_run: bool = False) -> Plan:
    """Run a Pulumi program file (the real ``__main__.py`` by default) as the language host does."""
    program_dir = str(program.parent)

    def run() -> None:
        # The language host runs the program in the project directory: relative paths (the image's
        # build context) mean the same offline.
        added = program_dir not in sys.path
        if added:
            sys.path.insert(0, program_dir)
        cwd = os.getcwd()
        os.chdir(program_dir)
        try:
            runpy.run_path(str(program), run_name="__main__")
        finally:
            os.chdir(cwd)
            if added:
                sys.path.remove(program_dir)

    mocks = mocks or PlatformMocks(settings.account, settings.region)
    if isinstance(mocks, PlatformMocks):
        mocks.docker.root = program.parent
    return run_function(settings, run, mocks, dry_run)




def run_stack(stack: str, config_file: Path | None = None, root: Path = ROOT) -> Plan:
    """Load a stack file and run the program of ``root`` for it."""
    return run_program(load_stack(stack, config_file, root), root / "__main__.py")
