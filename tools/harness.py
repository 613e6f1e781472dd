"""The one mock harness: runs the real ``__main__.py`` under Pulumi mocks and records the plan.

Used by ``python -m tools.preview`` and by the tests. It runs the program the way the Python
language host does (``run_in_stack`` on a fresh event loop), with a mock monitor that records
each registration as the engine would receive it (type, name, parent, provider, ``protect``,
inputs) and mocks that answer with plausible provider outputs for the stack's account and region.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import runpy
import sys
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.proto import engine_pb2, resource_pb2
from pulumi.runtime.stack import run_in_stack

from components.shared.regions import ALL_REGIONS, dns_suffix, partition_of
from tools.cli_yaml import CliYamlError, config_values

ROOT = Path(__file__).resolve().parent.parent

# Special values of Pulumi's wire format (sdk/python/lib/pulumi/runtime/rpc.py).
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET_SHOWN = "[secret]"
DEFAULT_ACCOUNT = "123456789012"


class StackFileError(Exception):
    """A stack file that cannot be read (missing, not YAML, wrong shape)."""


class EngineError(Exception):
    """What a provider plugin would refuse during ``pulumi preview``/``up`` (the harness repeats
    the checks the mocks would otherwise skip, e.g. pulumi-eks's own input rules)."""


# --------------------------------------------------------------------------------------------
# Stack files → the config map the CLI would pass.


@dataclass
class StackSettings:
    """A stack's name and its config as the Pulumi CLI passes it to the program."""

    project: str
    stack: str
    config: dict[str, str]
    secret_keys: list[str]

    @property
    def region(self) -> str:
        return self.config.get("aws:region", "us-east-1")

    @property
    def account(self) -> str:
        """The account the stack is pinned to (``aws:allowedAccountIds``), for mock ARNs."""
        try:
            ids = json.loads(self.config.get("aws:allowedAccountIds", "[]"))
        except json.JSONDecodeError:
            ids = []
        return str(ids[0]) if ids else DEFAULT_ACCOUNT


def read_project(root: Path = ROOT) -> dict:
    with open(root / "Pulumi.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def _to_cli_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value)


def load_stack(stack: str, config_file: Path | None = None, root: Path = ROOT) -> StackSettings:
    """Read ``Pulumi.<stack>.yaml`` (or ``config_file``) and apply the project's defaults."""
    project = read_project(root)
    name = project["name"]
    path = config_file or root / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise StackFileError(f"{path}: no such stack file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise StackFileError(f"{path}: cannot be read: {err}") from None
    try:
        # Read as the Pulumi CLI reads it (yaml.v3), not as PyYAML would (tools/cli_yaml.py).
        stack_config, secret_keys = config_values(text, str(path), SECRET_SHOWN)
    except CliYamlError as err:
        message = str(err)
        raise StackFileError(message if message.startswith(str(path)) else f"{path}: {message}") from None
    config: dict[str, str] = {}
    for key, declared in (project.get("config") or {}).items():
        full = key if ":" in key else f"{name}:{key}"
        if isinstance(declared, dict) and "default" in declared:
            config[full] = _to_cli_string(declared["default"])
        elif isinstance(declared, dict) and "value" in declared:
            config[full] = _to_cli_string(declared["value"])
    for key, value in stack_config.items():
        full = key if ":" in key else f"{name}:{key}"
        config[full] = value
    secret_keys = {key if ":" in key else f"{name}:{key}" for key in secret_keys}
    return StackSettings(project=name, stack=stack, config=config, secret_keys=sorted(secret_keys))


# --------------------------------------------------------------------------------------------
# Mocks: plausible provider answers.


_EC2_ID_PREFIXES = {
    "aws:ec2/vpc:Vpc": "vpc", "aws:ec2/subnet:Subnet": "subnet", "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/routeTable:RouteTable": "rtb", "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/natGateway:NatGateway": "nat", "aws:ec2/eip:Eip": "eipalloc", "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
    "aws:ec2/flowLog:FlowLog": "fl", "aws:ec2/route:Route": "r", "aws:ec2/routeTableAssociation:RouteTableAssociation":
    "rtbassoc", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
}
# pulumi-eks's components run in the eks plugin: under mocks only the component registers, so the
# harness answers with the outputs a program reads and repeats the plugin's own input checks.
REMOTE_COMPONENTS = ("eks:index:Cluster", "eks:index:ManagedNodeGroup")
CHILD_REF = "__harness_child__"  # marks an output the monitor turns into a resource reference


def _truthy(value: Any) -> bool:
    return value not in (None, False, [], {}, "")


def check_eks_cluster(inputs: Mapping[str, Any]) -> None:
    """pulumi-eks's own checks on a Cluster's inputs (nodejs/eks/cluster.ts), as EngineError."""
    mode = inputs.get("authenticationMode") or "CONFIG_MAP"
    if mode == "API":
        for key in ("instanceRoles", "roleMappings", "userMappings"):
            if _truthy(inputs.get(key)):
                raise EngineError(f"eks:index:Cluster: {key} cannot be used with authenticationMode API; "
                                  "use accessEntries (EKS adds managed node group roles itself)")
    if _truthy(inputs.get("accessEntries")) and mode not in ("API", "API_AND_CONFIG_MAP"):
        raise EngineError("eks:index:Cluster: accessEntries need authenticationMode API or API_AND_CONFIG_MAP")
    if _truthy(inputs.get("publicAccessCidrs")) and inputs.get("endpointPublicAccess") is False:
        raise EngineError("eks:index:Cluster: publicAccessCidrs need endpointPublicAccess")


def check_eks_node_group(inputs: Mapping[str, Any]) -> None:
    """pulumi-eks's own checks on a ManagedNodeGroup's inputs (nodejs/eks/nodes/nodegroup.ts)."""
    if _truthy(inputs.get("nodeRole")) == _truthy(inputs.get("nodeRoleArn")):
        raise EngineError("eks:index:ManagedNodeGroup: provide exactly one of nodeRole or nodeRoleArn")
    if not _truthy(inputs.get("cluster")):
        raise EngineError("eks:index:ManagedNodeGroup: cluster is required")
    scaling = inputs.get("scalingConfig") or {}
    if scaling and not scaling.get("minSize", 0) <= scaling.get("desiredSize", 0) <= scaling.get("maxSize", 0):
        raise EngineError("eks:index:ManagedNodeGroup: scalingConfig needs minSize <= desiredSize <= maxSize")


def remote_outputs(typ: str, name: str, inputs: Mapping[str, Any], acct: str, region: str, partition: str,
                   dns: str) -> dict:
    """The outputs a pulumi-eks component would have (children as resource references)."""
    if typ == "eks:index:ManagedNodeGroup":
        check_eks_node_group(inputs)
        return {"nodeGroup": {CHILD_REF: {"type": "aws:eks/nodeGroup:NodeGroup", "name": f"{name}-nodeGroup",
                                          "state": {"nodeGroupName": f"{name}", "status": "ACTIVE"}}}}
    check_eks_cluster(inputs)
    cluster = inputs.get("name") or name
    endpoint = f"https://{hashlib.sha1(cluster.encode()).hexdigest()[:32].upper()}.gr7.{region}.eks.{dns}"
    issuer = f"https://oidc.eks.{region}.{dns}/id/{hashlib.sha1(name.encode()).hexdigest()[:32].upper()}"
    sg = f"sg-{hashlib.sha1(f'{cluster}/cluster'.encode()).hexdigest()[:17]}"
    kubeconfig = {
        "apiVersion": "v1", "kind": "Config", "current-context": "aws",
        "clusters": [{"name": "kubernetes", "cluster": {"server": endpoint, "certificate-authority-data": "LS0t"}}],
        "contexts": [{"name": "aws", "context": {"cluster": "kubernetes", "user": "aws"}}],
        "users": [{"name": "aws", "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", cluster, "--output", "json"]}}}],
    }
    return {
        "kubeconfig": kubeconfig, "kubeconfigJson": json.dumps(kubeconfig),
        "oidcIssuer": issuer.removeprefix("https://"),
        "oidcProviderArn": f"arn:{partition}:iam::{acct}:oidc-provider/{issuer.removeprefix('https://')}",
        "oidcProviderUrl": issuer, "clusterSecurityGroupId": sg, "nodeSecurityGroupId": sg.replace("sg-", "sg-0"),
        "eksCluster": {CHILD_REF: {"type": "aws:eks/cluster:Cluster", "name": f"{name}-eksCluster", "state": {
            "name": cluster, "arn": f"arn:{partition}:eks:{region}:{acct}:cluster/{cluster}",
            "endpoint": endpoint, "version": inputs.get("version"), "status": "ACTIVE",
            "vpcConfig": {"clusterSecurityGroupId": sg, "endpointPrivateAccess": inputs.get("endpointPrivateAccess"),
                          "endpointPublicAccess": inputs.get("endpointPublicAccess"),
                          "publicAccessCidrs": inputs.get("publicAccessCidrs") or [],
                          "subnetIds": inputs.get("privateSubnetIds") or [], "vpcId": inputs.get("vpcId")},
        }}},
    }


def _stable_uuid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


class PlatformMocks(pulumi.runtime.Mocks):
    """Answers as AWS would for the stack's account and region."""

    def __init__(self, account: str, region: str) -> None:
        self.account = account
        self.region = region if region in ALL_REGIONS else "us-east-1"
        # Explicit providers by ID (a reference is "URN::ID"): (account, region) they manage.
        self._providers: dict[str, tuple[str, str]] = {}

    def _where(self, inputs: Mapping[str, Any], provider: str | None = None) -> tuple[str, str, str, str]:
        """(account, region, partition, DNS suffix) a resource lives in."""
        account, region = self._providers.get((provider or "").rsplit("::", 1)[-1], (self.account, self.region))
        region = inputs.get("region") or region
        if region not in ALL_REGIONS:
            region = self.region
        return account, region, partition_of(region), dns_suffix(region)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        inputs = dict(args.inputs)
        acct, region, partition, dns = self._where(inputs, args.provider)
        typ = args.typ
        suffix = hashlib.sha1(f"{acct}/{region}/{args.name}".encode()).hexdigest()[:8]
        if typ == "pulumi:providers:aws":
            ids = inputs.get("allowedAccountIds")
            if isinstance(ids, str):  # provider inputs travel as JSON strings
                ids = json.loads(ids)
            provider_id = f"{args.name}-{suffix}"
            self._providers[provider_id] = (str(ids[0]) if ids else acct, inputs.get("region") or region)
            return provider_id, inputs
        if typ == "aws:ecr/repository:Repository":
            repo = inputs.get("name") or args.name
            return repo, {
                **inputs,
                "name": repo,
                "arn": f"arn:{partition}:ecr:{region}:{acct}:repository/{repo}",
                "registryId": acct,
                "repositoryUrl": f"{acct}.dkr.ecr.{region}.{dns}/{repo}",
                "region": region,
            }
        if typ == "aws:kms/key:Key":
            key_id = _stable_uuid(acct, region, args.name)
            return key_id, {**inputs, "keyId": key_id,
                            "arn": f"arn:{partition}:kms:{region}:{acct}:key/{key_id}", "region": region}
        if typ == "aws:iam/role:Role":
            name = inputs.get("name") or f"{args.name}-{suffix}"
            return name, {**inputs, "name": name, "arn": f"arn:{partition}:iam::{acct}:role/{name}",
                          "uniqueId": f"AROA{suffix.upper()}"}
        if typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            host = str(inputs.get("url", "")).removeprefix("https://")
            arn = f"arn:{partition}:iam::{acct}:oidc-provider/{host}"
            return arn, {**inputs, "arn": arn}
        if typ == "aws:secretsmanager/secret:Secret":
            name = inputs.get("name") or f"{inputs.get('namePrefix', args.name)}{suffix}"
            arn = f"arn:{partition}:secretsmanager:{region}:{acct}:secret:{name}-{suffix[:6]}"
            return arn, {**inputs, "name": name, "arn": arn, "region": region}
        if typ.startswith("aws:ecr/"):
            return f"{args.name}-{suffix}", {**inputs, "registryId": acct, "region": region}
        if typ in _EC2_ID_PREFIXES:
            hexid = hashlib.sha1(f"{acct}/{region}/{typ}/{args.name}".encode()).hexdigest()[:17]
            id_ = f"{_EC2_ID_PREFIXES[typ]}-{hexid}"
            extra = {"arn": f"arn:{partition}:ec2:{region}:{acct}:{_EC2_ID_PREFIXES[typ]}/{id_}"}
            if typ == "aws:ec2/vpc:Vpc":
                extra["defaultSecurityGroupId"] = f"sg-{hexid}"
            return id_, {**inputs, **extra, "region": region}
        if typ == "aws:cloudwatch/logGroup:LogGroup":
            name = inputs.get("name") or f"{args.name}-{suffix}"
            return name, {**inputs, "name": name, "arn": f"arn:{partition}:logs:{region}:{acct}:log-group:{name}"}
        if typ == "pulumi:providers:kubernetes":
            return f"{args.name}-{suffix}", inputs
        if typ == "docker:index/image:Image":
            name = inputs.get("imageName", "")
            digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
            repo = name.rsplit(":", 1)[0]
            return f"{repo}@sha256:{digest}", {**inputs, "repoDigest": f"{repo}@sha256:{digest}",
                                               "baseImageName": name, "registryServer": repo.split("/", 1)[0]}
        if typ.startswith("kubernetes:"):
            meta = inputs.get("metadata") or {}
            return f"{meta.get('namespace', '')}/{meta.get('name', args.name)}".lstrip("/"), inputs
        if typ in REMOTE_COMPONENTS:
            return "", remote_outputs(typ, args.name, inputs, acct, region, partition, dns)
        return f"{args.name}-{suffix}", inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list]:
        acct, region, partition, dns = self._where(args.args, args.provider)
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": acct, "arn": f"arn:{partition}:iam::{acct}:user/preview",
                    "userId": "AIDAPREVIEW", "id": acct}, []
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": region, "region": region, "id": region,
                    "endpoint": f"ec2.{region}.{dns}", "description": region}, []
        if args.token == "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            registry = args.args.get("registryId") or acct
            return {"id": region, "userName": "AWS", "password": "offline-preview-token",
                    "authorizationToken": "QVdTOm9mZmxpbmUtcHJldmlldy10b2tlbg==",
                    "proxyEndpoint": f"https://{registry}.dkr.ecr.{region}.{dns}",
                    "expiresAt": "2026-01-01T12:00:00Z", "registryId": registry}, []
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": partition, "dnsSuffix": dns, "id": partition,
                    "reverseDnsPrefix": ".".join(reversed(dns.split(".")))}, []
        raise NotImplementedError(f"the offline preview has no mock answer for {args.token}")


# --------------------------------------------------------------------------------------------
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
    _outputs: Any = None  # the mock's answer, converted on first use (most plans never read it)

    @property
    def outputs(self) -> dict:
        if self._outputs is None:
            return {}
        if not isinstance(self._outputs, dict):
            self._outputs = _plain(json_format.MessageToDict(self._outputs))
        return self._outputs

    def to_json(self) -> dict:
        return {"urn": self.urn, "type": self.type, "name": self.name, "parent": self.parent,
                "custom": self.custom, "remote": self.remote, "provider": self.provider,
                "protect": self.protect, "dependencies": self.dependencies,
                "options": {"deleteBeforeReplace": self.delete_before_replace,
                            "retainOnDelete": self.retain_on_delete},
                "inputs": self.inputs}


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that keeps each registration as the engine would receive it."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.planned: dict[str, PlannedResource] = {}
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
            dependencies=sorted(set(request.dependencies)),
            property_dependencies={key: sorted(set(deps.urns))
                                   for key, deps in request.propertyDependencies.items() if deps.urns},
        )
        with self._lock:
            self.planned[urn] = planned
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        id_, state = self.mocks.new_resource(pulumi.runtime.MockResourceArgs(
            typ=request.type, name=request.name, inputs=wire_inputs, provider=request.provider,
            resource_id=request.importId, custom=bool(request.custom),
        ))
        state = self._children(urn, state)
        outputs = struct_pb2.Struct()
        outputs.update(state)
        planned._outputs = outputs
        with self._lock:
            self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, id_, state)
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
        if request.urn.split("::")[2] == "pulumi:pulumi:Stack":
            self.stack_outputs = _plain(json_format.MessageToDict(request.outputs))
        return super().RegisterResourceOutputs(request)


# --------------------------------------------------------------------------------------------
# Running the program.


class RecordingEngine(pulumi_mocks.MockEngine):
    """Keeps the warnings the program logs (``pulumi.log.warn``), as the CLI shows them."""

    def __init__(self) -> None:
        super().__init__(None)
        self.warnings: list[str] = []

    def Log(self, request):  # noqa: N802
        if request.severity >= engine_pb2.WARNING:
            self.warnings.append(request.message)
        else:
            super().Log(request)


@dataclass
class Plan:
    project: str
    stack: str
    resources: list[PlannedResource]
    outputs: dict
    warnings: list[str] = field(default_factory=list)

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


def run_function(settings: StackSettings, program: Callable[[], Any],
                 mocks: pulumi.runtime.Mocks | None = None) -> Plan:
    """Run ``program`` (a callable that declares resources) under mocks with ``settings``' config.

    Errors the program raises (a bad config value, say) propagate unchanged.
    """
    mocks = mocks or PlatformMocks(settings.account, settings.region)
    monitor = RecordingMonitor(mocks)
    engine = RecordingEngine()
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
                dry_run=False,
                organization="organization",
                callbacks=None,
            ))
            pulumi_settings.ROOT.set(None)
            set_all_config(dict(settings.config), list(settings.secret_keys))
            loop.run_until_complete(run_in_stack(program))
        finally:
            pulumi_settings.ROOT.set(None)
            loop.run_until_complete(loop.shutdown_default_executor())
            monitor.close_worker_loops()
            loop.close()
            asyncio.set_event_loop(None)
    return Plan(project=settings.project, stack=settings.stack,
                resources=_ordered(monitor.planned), outputs=monitor.stack_outputs,
                warnings=sorted(set(engine.warnings)))


def run_program(settings: StackSettings, program: Path = ROOT / "__main__.py",
                mocks: pulumi.runtime.Mocks | None = None) -> Plan:
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

    return run_function(settings, run, mocks)


def run_stack(stack: str, config_file: Path | None = None, root: Path = ROOT) -> Plan:
    """Load a stack file and run the program of ``root`` for it."""
    return run_program(load_stack(stack, config_file, root), root / "__main__.py")


def stack_names(root: Path = ROOT) -> list[str]:
    """The stacks that have a ``Pulumi.<stack>.yaml`` in ``root``."""
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in root.glob("Pulumi.*.yaml"))
