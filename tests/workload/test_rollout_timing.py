"""Zero-downtime rollouts: the five values that decide whether a pod's termination drops requests
are each set explicitly in the plan (and the image's command) and fit together — the load
balancer's idle timeout below the server's keep-alive, the grace period above the preStop pause
plus the server's drain, the deregistration delay at least that pause plus drain. The server's
flags are checked against granian's own CLI (``app/.venv/bin/granian --help``), the pause against
the cluster's Kubernetes version. ``app/bench/rollout.py`` measures what the values achieve."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import config_error
from tools.harness import ROOT

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
GRANIAN = ROOT / "app" / ".venv" / "bin" / "granian"
ZONES = ["eu-central-1a", "eu-central-1b"]


def granian_help() -> str:
    """The installed granian's own description of its flags (the image installs the same lock)."""
    return subprocess.run([str(GRANIAN), "--help"], capture_output=True, text=True, check=True,
                          env={"COLUMNS": "200", "PATH": str(GRANIAN.parent)}).stdout


def image_command() -> list[str]:
    line = re.search(r"^CMD (\[.*\])$", (ROOT / "app" / "Dockerfile").read_text(encoding="utf-8"), re.M)
    assert line, "app/Dockerfile's CMD is in exec form"
    return json.loads(line[1])


def flag(command: list[str], name: str) -> str:
    assert name in command, f"app/Dockerfile's CMD sets {name} explicitly"
    return command[command.index(name) + 1]


def timing(plan) -> dict[str, float]:
    pod = plan.one(DEPLOYMENT, "service-deployment").inputs["spec"]["template"]["spec"]
    lb = plan.one("aws:lb/loadBalancer:LoadBalancer", "front-door-lb").inputs
    tg = plan.one("aws:lb/targetGroup:TargetGroup", "front-door-tg").inputs
    command = image_command()
    return {"prestop": pod["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"],
            "grace": pod["terminationGracePeriodSeconds"],
            "deregistration": tg["deregistrationDelay"],
            "idle": lb["idleTimeout"],
            "keep_alive": int(flag(command, "--http1-header-read-timeout")) / 1000,
            "drain": float(flag(command, "--workers-kill-timeout"))}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_plans_timing_values_are_set_and_fit_together(plans, stack):
    t = timing(plans(stack))
    assert t["idle"] < t["keep_alive"], "the load balancer closes an idle connection before the server does"
    assert t["grace"] > t["prestop"] + t["drain"], "the server finishes what is in flight before SIGKILL"
    assert t["deregistration"] >= t["prestop"] + t["drain"], "the load balancer never cuts a request sooner"
    assert t["prestop"] >= 10, "long enough for the endpoint removal to reach every node (seconds, W41)"
    assert t == {"prestop": 15, "grace": 30, "deregistration": 30, "idle": 50, "keep_alive": 60, "drain": 10}


def test_the_servers_flags_are_granians_and_within_its_ranges():
    """The keep-alive limit is the header-read timeout (ms, at most 60000; granian closes an idle
    keep-alive connection when it runs out: 30.0 s measured with the default, audit W42), the drain
    limit is the workers' kill timeout (DURATION, 1-1800)."""
    text = " ".join(granian_help().split())
    assert re.search(r"--http1-header-read-timeout INTEGER RANGE .*?default: 30000; 1<=x<=60000\]", text)
    assert re.search(r"--workers-kill-timeout DURATION .*?1<=x<=1800\]", text)
    command = image_command()
    assert 1 <= int(flag(command, "--http1-header-read-timeout")) <= 60000
    assert 1 <= int(flag(command, "--workers-kill-timeout")) <= 1800


def test_the_native_sleep_handler_exists_at_every_supported_cluster_version(plans):
    """lifecycle.preStop.sleep: beta and on by default since Kubernetes 1.30, GA in 1.34
    (KEP-3960); the image needs no sleep binary for it (its root filesystem is read-only)."""
    from components.eks.versions import VERSIONS

    assert all(tuple(map(int, v.split("."))) >= (1, 30) for v in VERSIONS)
    for stack in ("dev", "prod"):
        version = plans(stack).one("eks:index:Cluster", "cluster-eks").inputs["version"]
        assert tuple(map(int, version.split("."))) >= (1, 30)


def test_the_benchmark_runs_the_plans_settings(plans):
    """app/bench/rollout.py measures the platform's settings, not a copy that drifted."""
    spec = importlib.util.spec_from_file_location("rollout", ROOT / "app" / "bench" / "rollout.py")
    assert spec is not None and spec.loader is not None
    rollout = importlib.util.module_from_spec(spec)
    sys.modules["rollout"] = rollout  # its dataclasses look their module up
    try:
        spec.loader.exec_module(rollout)
    finally:
        del sys.modules["rollout"]
    t = timing(plans("dev"))
    assert (rollout.PLATFORM.prestop, rollout.PLATFORM.grace, rollout.PLATFORM.deregistration_delay,
            rollout.PLATFORM.idle_timeout) == (t["prestop"], t["grace"], t["deregistration"], t["idle"])
    assert rollout.PLATFORM.command == image_command()
    # --today: the settings before the change (no pause, the image's command without the two flags).
    assert rollout.TODAY.prestop == 0 and rollout.TODAY.idle_timeout == 60
    assert "--workers-kill-timeout" not in rollout.TODAY.command
    assert "--http1-header-read-timeout" not in rollout.TODAY.command


def stack(workload=None, front_door=None):
    return {"aws:allowedAccountIds": ["111122223333"],
            "repositories": [{"name": "myapp", "lifecycle": {"keep_last": 5}}],
            "network": {"availability_zones": ZONES, "nat": "single"}, "cluster": {},
            "workload": {"repository": "myapp", **(workload or {})},
            "front_door": {"scheme": "internal", "certificate": "none", "client_cidrs": ["10.0.0.0/16"],
                           **(front_door or {})}}


@pytest.mark.parametrize("workload, front_door, message", [
    ({"termination_grace_seconds": 25}, {},
     "workload.termination_grace_seconds: 25 is not above the preStop pause (15 s) plus the server's drain (10 s): "
     "the kubelet would SIGKILL requests still in flight"),
    ({"prestop_seconds": 40}, {},
     "workload.termination_grace_seconds: 30 is not above the preStop pause (40 s) plus the server's drain (10 s): "
     "the kubelet would SIGKILL requests still in flight"),
    ({"prestop_seconds": 0}, {}, "workload.prestop_seconds: 0 is not a positive integer"),
    ({"prestop_seconds": 301, "termination_grace_seconds": 400}, {},
     "workload.prestop_seconds: 301 is not 1-300 seconds (the pause lets the pod's endpoint removal reach every node "
     "before the server stops accepting)"),
    ({}, {"idle_timeout": 60},
     "front_door.idle_timeout: 60 is not below the 60 s the service's server keeps an idle connection "
     "(app/Dockerfile's command): the load balancer would send requests on connections the server is closing, and "
     "answer 502; lower it, or raise the server's --http1-header-read-timeout"),
    ({}, {"idle_timeout": 4001}, "front_door.idle_timeout: 4001 is not 1-4000 seconds (the load balancer's range)"),
    ({}, {"deregistration_delay": 20},
     "front_door.deregistration_delay: 20 is below a pod's preStop pause plus its server's drain (25 s): a node "
     "leaving the target group would have its requests cut sooner than a terminating pod ends them"),
    ({"prestop_seconds": 25, "termination_grace_seconds": 60}, {},
     "front_door.deregistration_delay: 30 is below a pod's preStop pause plus its server's drain (35 s): a node "
     "leaving the target group would have its requests cut sooner than a terminating pod ends them"),
])
def test_timing_values_that_do_not_fit_are_refused_by_key(workload, front_door, message):
    assert config_error(stack(workload, front_door)) == message


def _with_command(tmp_path: Path, monkeypatch, cmd: list[str]) -> None:
    app = tmp_path / "app"
    shutil.copytree(ROOT / "app", app, ignore=shutil.ignore_patterns(".venv", "__pycache__", ".pytest_cache"))
    text = (app / "Dockerfile").read_text(encoding="utf-8")
    (app / "Dockerfile").write_text(re.sub(r"^CMD .*$", "CMD " + json.dumps(cmd), text, flags=re.M), encoding="utf-8")
    monkeypatch.chdir(tmp_path)


def test_a_server_without_a_drain_limit_is_refused(tmp_path, monkeypatch):
    cmd = [a for a in image_command()]
    i = cmd.index("--workers-kill-timeout")
    del cmd[i:i + 2]
    _with_command(tmp_path, monkeypatch, cmd)
    assert config_error(stack()) == (
        "workload.termination_grace_seconds: 30 cannot bound the server's drain: its command sets no limit (granian: "
        "add --workers-kill-timeout SECONDS to the Dockerfile's CMD), so the kubelet's SIGKILL would end requests in "
        "flight instead of the server")


def test_granians_default_keep_alive_is_below_the_default_idle_timeout(tmp_path, monkeypatch):
    """Without --http1-header-read-timeout granian closes idle connections after 30 s: the shipped
    idle timeout (50 s) is refused, a lower one accepted."""
    cmd = [a for a in image_command()]
    i = cmd.index("--http1-header-read-timeout")
    del cmd[i:i + 2]
    _with_command(tmp_path, monkeypatch, cmd)
    assert config_error(stack()).startswith("front_door.idle_timeout: 50 is not below the 30 s the service's server")
    from stack_config import parse
    from tests.conftest import PROJECT, raw_config

    parsed = parse(raw_config(stack(front_door={"idle_timeout": 25})), project=PROJECT, stack="t")
    assert parsed.kubernetes is not None and parsed.kubernetes.front_door is not None
    assert parsed.kubernetes.front_door.idle_timeout == 25
