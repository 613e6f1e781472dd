"""Specs hold every default once: the configuration reference shows the spec's own default, and
the reader builds specs from the keys a stack sets (node groups as a list, the workload on one)."""

from __future__ import annotations

import dataclasses
import json

import pytest
import yaml

from stack_config import parse, schema
from tests.conftest import PROJECT, raw_config
from tests.conftest import config_error as error

ZONES = ["eu-central-1a", "eu-central-1b"]
ADMIN = "arn:aws:iam::111122223333:role/platform-admin"


def _literal(shown: str):
    """The value a reference cell like `` `[t3.large]` `` stands for, or None when it is prose."""
    if not (shown.startswith("`") and shown.endswith("`") and shown.count("`") == 2):
        return None
    return yaml.safe_load(shown[1:-1])


def _plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _default(spec: type, name: str):
    fld = next(f for f in dataclasses.fields(spec) if f.name == name)
    if fld.default is not dataclasses.MISSING:
        return fld.default
    if fld.default_factory is not dataclasses.MISSING:
        return fld.default_factory()
    return dataclasses.MISSING


@pytest.mark.parametrize("key", [k for k in schema.KEYS if k.own_namespace and schema.spec_field(k.path)],
                         ids=lambda k: k.path)
def test_every_literal_schema_default_is_the_specs_default(key):
    spec, name = schema.spec_field(key.path)
    assert name in {f.name for f in dataclasses.fields(spec)}, f"{key.path}: {spec.__name__} has no field {name}"
    shown = _literal(key.default)
    if shown is None:
        return  # required, derived (the stack name, the image's port) or described in prose
    default = _default(spec, name)
    assert default is not dataclasses.MISSING, f"{key.path}: the reference shows {key.default}, the spec requires it"
    assert _plain(default) == _plain(shown), f"{key.path}: reference {key.default}, {spec.__name__}.{name} {default!r}"


def test_every_spec_and_args_field_has_a_description():
    """Every ``*Spec`` and ``*Args`` class of ``components/`` says what it is, and each field has a
    one-line docstring under it (what a direct user of a component reads)."""
    import ast

    from tools.harness import ROOT

    missing = []
    for path in sorted((ROOT / "components").rglob("*.py")):
        for cls in ast.parse(path.read_text()).body:
            if not (isinstance(cls, ast.ClassDef) and cls.name.endswith(("Spec", "Args"))):
                continue
            if not (isinstance(cls.body[0], ast.Expr) and isinstance(cls.body[0].value, ast.Constant)):
                missing.append(f"{cls.name} (class)")
            for i, node in enumerate(cls.body):
                if isinstance(node, ast.AnnAssign):
                    doc = cls.body[i + 1] if i + 1 < len(cls.body) else None
                    if not (isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant)):
                        missing.append(f"{cls.name}.{ast.unparse(node.target)}")
    assert not missing, f"without a description: {missing}"


def stack(cluster=None, workload=None):
    config = {"repositories": [{"name": "myapp"}], "network": {"availability_zones": ZONES},
              "cluster": {"admins": [{"role_arn": ADMIN}], **(cluster or {})}}
    if workload is not None:
        config["workload"] = workload
    return config


def test_the_retired_single_node_group_key_names_its_successor():
    assert error(stack(cluster={"node_group": {"min_size": 1}})) == (
        'cluster.node_group: {"min_size": 1} was replaced by cluster.node_groups, a list: move the object into it '
        "as its first entry (cluster.node_groups[0]); it keeps the name nodes and its resources")


@pytest.mark.parametrize("groups, message", [
    ([{}, {}], 'cluster.node_groups[1].name: "nodes" is already the name of node_groups[0]; give each group its own'),
    ([], "cluster.node_groups: [] is empty; list at least one node group (or leave it out for the default)"),
    ({"name": "x"}, 'cluster.node_groups: {"name": "x"} is not a list'),
    ([{"name": "GPU"}], 'cluster.node_groups[0].name: "GPU" is not a node group name (lowercase letters, digits '
                        "and -, at most 63)"),
    ([{"name": "g" * 63}], f'cluster.node_groups[0].name: "{"g" * 63}" makes the node role name t-{"g" * 63} '
                           "longer than IAM's 64 characters; shorten it or the cluster name"),
    ([{"ami_type": "AL2_x86_64"}], 'cluster.node_groups[0].ami_type: "AL2_x86_64" is not one of '
                                   "AL2023_x86_64_STANDARD, AL2023_ARM_64_STANDARD, BOTTLEROCKET_x86_64, "
                                   "BOTTLEROCKET_ARM_64"),
])
def test_node_group_list_errors(groups, message):
    config = stack(cluster={"node_groups": groups})
    config["cluster"]["name"] = "t"
    assert error(config) == message


def test_two_groups_build_specs_and_the_workload_runs_on_the_named_one():
    config = stack(cluster={"node_groups": [{}, {"name": "arm", "instance_types": ["m7g.large"],
                                                 "ami_type": "AL2023_ARM_64_STANDARD"}]},
                   workload={"repository": "myapp", "node_group": "arm"})
    parsed = parse(raw_config(config), project=PROJECT, stack="t")
    k = parsed.kubernetes
    assert k is not None and [g.name for g in k.node_groups] == ["nodes", "arm"]
    assert k.node_groups[0] == type(k.node_groups[0])()  # every default from the spec itself
    assert k.workload is not None and k.workload.node_group == "arm"
    assert k.workload.image.platform == "linux/arm64" and k.workload.service.node_group == "arm"


def test_one_group_needs_no_node_selector():
    parsed = parse(raw_config(stack(workload={"repository": "myapp"})), project=PROJECT, stack="t")
    assert parsed.kubernetes.workload.service.node_group is None


@pytest.mark.parametrize("workload, message", [
    ({"repository": "myapp", "node_group": "gpu"}, 'workload.node_group: "gpu" is not a node group of '
                                                   "cluster.node_groups; its groups: nodes"),
    ({"repository": "myapp", "container_port": 9000},
     "workload.container_port: 9000 is not the port the image listens on (8080, from app/Dockerfile); the image "
     "states its port: leave container_port out, or change the Dockerfile's EXPOSE and command"),
    ({"repository": "myapp", "readiness_path": "readyz"}, 'workload.readiness_path: "readyz" is not an HTTP path '
                                                          "(/readyz)"),
    ({"repository": "myapp", "service_port": 70000}, "workload.service_port: 70000 is not a port (1-65535)"),
])
def test_workload_spec_errors(workload, message):
    assert error(stack(workload=workload)) == message


def test_a_dockerfile_whose_command_and_expose_disagree_is_refused(tmp_path, monkeypatch):
    app = tmp_path / "app"
    app.mkdir()
    (app / "Dockerfile").write_text('FROM scratch\nUSER 10001\nEXPOSE 8080\nCMD ["server", "--port", "9090"]\n')
    monkeypatch.chdir(tmp_path)
    assert error(stack(workload={"repository": "myapp"})) == (
        'workload.dockerfile: "app/Dockerfile" EXPOSEs 8080 but its command listens on --port 9090; make them agree')


def test_the_workload_keys_reach_the_deployment(tmp_path):
    from tests.conftest import run_config

    plan = run_config(stack(workload={"repository": "myapp", "service_port": 8081, "readiness_path": "/ready",
                                      "liveness_path": "/live"}))
    pod = plan.one("kubernetes:apps/v1:Deployment", "service-deployment").inputs["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/live"
    assert container["ports"][0]["containerPort"] == 8080
    service = plan.one("kubernetes:core/v1:Service", "service-service").inputs["spec"]["ports"][0]
    assert service["port"] == 8081 and json.dumps(plan.outputs["service"]["port_forward"]).count("8080:8081") == 1
