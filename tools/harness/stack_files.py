"""Stack files → the config map the Pulumi CLI would pass to the program."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tools.cli_yaml import CliYamlError, config_values

ROOT = Path(__file__).resolve().parent.parent.parent
SECRET_SHOWN = "[secret]"
DEFAULT_ACCOUNT = "123456789012"


class StackFileError(Exception):
    """A stack file that cannot be read (missing, not YAML, wrong shape)."""


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
        # A scalar is the program's to refuse (with the key named); the mocks only need an account.
        return str(ids[0]) if isinstance(ids, list) and ids else DEFAULT_ACCOUNT


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



def stack_names(root: Path = ROOT) -> list[str]:
    """The stacks that have a ``Pulumi.<stack>.yaml`` in ``root``."""
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in root.glob("Pulumi.*.yaml"))
