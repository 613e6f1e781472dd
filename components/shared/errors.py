"""The one error type for bad input, shared by the config reader and the components."""

from __future__ import annotations

import json
from typing import Any

import pulumi


def show(value: Any) -> str:
    """Render a bad value the way the user wrote it (JSON, so strings are quoted)."""
    try:
        return json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)


class InvalidValue(pulumi.RunError):
    """A value that AWS or this program would refuse.

    ``path`` is the key path relative to whatever the caller validated (a config reader
    prefixes it with the path of the enclosing key). Subclassing ``pulumi.RunError`` makes the
    Pulumi language host print the message without a Python traceback.
    """

    def __init__(self, path: str, value: Any, reason: str) -> None:
        self.path = path
        self.value = value
        self.reason = reason
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{where}{show(self.value)} {self.reason}"

    def under(self, prefix: str) -> InvalidValue:
        """The same error with its path placed under ``prefix``."""
        if not self.path:
            path = prefix
        elif self.path.startswith("["):
            path = f"{prefix}{self.path}"
        else:
            path = f"{prefix}.{self.path}" if prefix else self.path
        return InvalidValue(path, self.value, self.reason)

    def __str__(self) -> str:
        return self.message
