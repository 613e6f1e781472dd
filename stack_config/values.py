"""Reading one value of the stack config: typed accessors that fail with the key path, the value
and what is allowed, and never show a secret."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from components.shared.arns import ACCOUNT_RE
from components.shared.errors import InvalidValue


class ConfigError(InvalidValue):
    """A stack configuration value the program refuses (a ``pulumi.RunError``: no traceback)."""


MAX_TAGS = 50  # per AWS resource, after the program's own tags are merged in
# Tags the program adds to every resource (a stack's tags may override their values).
PROGRAM_TAGS = ("ManagedBy", "PulumiProject", "PulumiStack", "Environment")
# Keys whose values (and everything below them) are never shown in an error.
SENSITIVE_KEYS = ("credentials", "access_token", "username", "password", "token", "secret")
NOT_SHOWN = "(not shown)"
_SECRET_WORDS = ("token", "secret", "password", "passwd", "credential", "username")


def looks_secret(key: str) -> bool:
    """A key that holds (or is a misspelling of a key that holds) a credential."""
    lowered = key.lower()
    return any(word in lowered for word in _SECRET_WORDS) or bool(
        difflib.get_close_matches(lowered, SENSITIVE_KEYS, n=1, cutoff=0.75))


class Value:
    def __init__(self, value: Any, path: str, sensitive: bool = False) -> None:
        self.value = value
        self.path = path
        self.sensitive = sensitive

    def fail(self, reason: str, value: Any = None) -> ConfigError:
        shown = NOT_SHOWN if self.sensitive else (self.value if value is None else value)
        return ConfigError(self.path, shown, reason)

    def child(self, key: str | int, value: Any) -> Value:
        sub = f"{self.path}[{key}]" if isinstance(key, int) else (f"{self.path}.{key}" if self.path else key)
        sensitive = self.sensitive or (isinstance(key, str) and key.lower() in SENSITIVE_KEYS)
        return Value(value, sub, sensitive)

    def object(self, allowed: Iterable[str]) -> dict[str, Value]:
        allowed = tuple(allowed)
        if not isinstance(self.value, dict):
            raise self.fail(f"is not an object with keys {', '.join(allowed)}")
        for key in self.value:
            if key not in allowed:
                near = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean {near[0]}? " if near else ""
                where = self.child(str(key), None)
                # A misspelled credential key holds a credential: report it by key alone.
                hidden = where.sensitive or looks_secret(str(key)) or bool(near and looks_secret(near[0]))
                raise ConfigError(where.path, NOT_SHOWN if hidden else self.value[key],
                                  f"is set on an unknown key; {hint}allowed keys: {', '.join(allowed)}")
        return {key: self.child(key, val) for key, val in self.value.items()}

    def list(self) -> list[Value]:
        if not isinstance(self.value, list):
            raise self.fail("is not a list")
        return [self.child(i, item) for i, item in enumerate(self.value)]

    def string(self, allow_empty: bool = False) -> str:
        if not isinstance(self.value, str) or (not allow_empty and not self.value):
            raise self.fail("is not a non-empty string")
        return self.value

    def strings(self) -> tuple[str, ...]:
        return tuple(item.string() for item in self.list())

    def enum(self, choices: Iterable[str]) -> str:
        choices = tuple(choices)
        if self.value not in choices:
            raise self.fail(f"is not one of {', '.join(choices)}")
        return self.value

    def boolean(self) -> bool:
        if isinstance(self.value, bool):
            return self.value
        # As the Pulumi SDK's get_bool reads a value: "true"/"True" and "false"/"False".
        if self.value in ("true", "false", "True", "False"):
            return self.value.lower() == "true"
        raise self.fail("is not a boolean (true or false)")

    def positive_int(self) -> int:
        value = self.value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise self.fail("is not a positive integer")
        return value

    def account(self) -> str:
        """A 12-digit account ID; a number (what ``config set --path`` stores) is accepted."""
        value = self.value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            if 0 <= value < 10 ** 12 and len(str(value)) < 12:
                raise self.fail(f"is a number of {len(str(value))} digits, not a 12-digit AWS account ID; "
                                "an ID that starts with 0 loses its leading zeros as a number: quote it "
                                f'("{value:012d}") in the stack file, or set it with '
                                "pulumi config set --path --type string")
            value = str(value)
        if not isinstance(value, str) or not ACCOUNT_RE.match(value):
            raise self.fail("is not a 12-digit AWS account ID")
        return value

    def number(self) -> float:
        """A non-negative number (an int or a decimal; ``"1.5"`` as the CLI may pass it)."""
        value = self.value
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise self.fail("is not a number (0 or more)") from None
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0 or value != value:
            raise self.fail("is not a number (0 or more)")
        return float(value)

    def fraction(self) -> float:
        value = self.number()
        if value > 1:
            raise self.fail("is not a fraction (0 to 1)")
        return value

    def non_negative_int(self) -> int:
        value = self.value
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail("is not a whole number (0 or more)")
        return value

    def tags(self) -> dict[str, str]:
        if not isinstance(self.value, dict):
            raise self.fail("is not a map of tag names to values")
        out = {}
        for key, val in self.value.items():
            where = self.child(key, val)
            if not (1 <= len(key) <= 128) or key.lower().startswith("aws:"):
                raise ConfigError(where.path, key, "is not a tag name (1-128 characters, not aws:...)")
            out[key] = where.tag_value()
        return out

    def tag_value(self) -> str:
        """A tag value; numbers and booleans (``config set --path`` stores them so) as their text."""
        value = self.value
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e21):
            value = str(int(value))
        elif isinstance(value, float):
            value = repr(value)
        if not isinstance(value, str) or len(value) > 256:
            raise self.fail("is not a tag value (a string of at most 256 characters)")
        return value


def opt(fields: Mapping[str, Value], key: str, read: Callable[[Value], Any], default: Any = None) -> Any:
    """Read an optional key; an explicit null (``key: ~`` in YAML) counts as not set."""
    if key not in fields or fields[key].value is None:
        return default
    return read(fields[key])


def domain(check: Callable[[], None], prefix: str) -> None:
    """Run a component's own validation, reporting its errors under ``prefix``."""
    try:
        check()
    except InvalidValue as err:
        moved = err.under(prefix)
        raise ConfigError(moved.path, moved.value, moved.reason) from None




def given(fields: Mapping[str, Value], readers: Mapping[str, Callable[[Value], Any]]) -> dict[str, Any]:
    """The keys a stack sets (not null), each read by its reader: a spec built from these keeps its
    own dataclass defaults for the rest, so every default is written once, on the spec."""
    return {key: read(fields[key]) for key, read in readers.items() if key in fields and fields[key].value is not None}


def required(fields: Mapping[str, Value], node: Value, key: str, hint: str = "") -> Value:
    """The value of a required key, or an error naming it."""
    if key not in fields or fields[key].value is None:
        raise ConfigError(f"{node.path}.{key}" if node.path else key, None, f"is required{hint}")
    return fields[key]
