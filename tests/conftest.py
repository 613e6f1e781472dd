"""Shared fixtures: every test runs through the one harness (``tools/harness``). The tests mirror
the families: ecr, eks, workload, delivery, policies, config, tools, program."""

from __future__ import annotations

import datetime
import json
import textwrap
from pathlib import Path

import pytest
import yaml

from components.eks import cluster as _cluster
from tools.harness import ROOT, StackSettings, load_stack, run_program, run_stack, stack_names

TODAY = datetime.date(2026, 11, 29)
# The suite reads the EKS support calendar on a fixed day, so what it expects does not change with
# the day it runs on; tests of the calendar itself set their own day.
_cluster.today = lambda: TODAY

PROJECT = "container-platform"


@pytest.fixture(scope="session")
def plans():
    """The plan of every shipped stack file, computed once per session."""
    cache: dict[str, object] = {}

    def get(stack: str):
        if stack not in cache:
            cache[stack] = run_stack(stack)
        return cache[stack]

    return get


@pytest.fixture(scope="session")
def pack_info():
    """The real pack's AnalyzerInfo (its policies and their config schemas), from one pack process
    started once per session."""
    from google.protobuf import empty_pb2

    from tools.policy_gate import DEFAULT_PACK, PackProcess

    with PackProcess(DEFAULT_PACK, PROJECT, "test") as pack:
        return pack.stub().GetAnalyzerInfo(empty_pb2.Empty())


def settings_for(config: dict, stack: str = "test", secret_keys=()) -> StackSettings:
    """Stack settings from a ``config:`` mapping as it would stand in a stack file."""
    full = {}
    for key, value in config.items():
        key = key if ":" in key else f"{PROJECT}:{key}"
        full[key] = value if isinstance(value, str) else json.dumps(value)
    full.setdefault("aws:region", "eu-central-1")
    return StackSettings(project=PROJECT, stack=stack, config=full, secret_keys=list(secret_keys))


def run_config(config: dict, stack: str = "test", secret_keys=()):
    """Run the real program for a config mapping (keys without namespace are the project's)."""
    return run_program(settings_for(config, stack, secret_keys))


def config_error(config: dict) -> str:
    """The message the stack-config reader gives for ``config`` (which must be refused)."""
    from stack_config import ConfigError, parse

    with pytest.raises(ConfigError) as caught:
        parse(raw_config(config), project=PROJECT, stack="t")
    return str(caught.value)


def raw_config(config: dict) -> dict:
    """The CLI's config map for ``config`` (what ``stack_config.parse`` receives)."""
    return settings_for(config).config


@pytest.fixture
def stack_file(tmp_path: Path):
    """Write a stack file from YAML text; returns its path."""

    def write(text: str, name: str = "Pulumi.custom.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        yaml.safe_load(path.read_text())  # the test's own YAML must be valid
        return path

    return write


__all__ = ["ROOT", "load_stack", "run_config", "raw_config", "settings_for", "stack_names"]

