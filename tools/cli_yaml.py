"""Read a stack file the way the Pulumi CLI does, not the way PyYAML does.

The CLI parses ``Pulumi.<stack>.yaml`` with Go's ``gopkg.in/yaml.v3`` and hands the program:

* each **top-level** value as the text written in the file (``protect: yes`` reaches the program
  as ``"yes"``, ``Created: 2024-01-01`` as ``"2024-01-01"``, ``1e3`` as ``"1e3"``);
* each **structured** value (map or list) as JSON, after yaml.v3 resolved the plain scalars in
  it: only ``true``/``false`` (any case variant yaml.v3 knows) are booleans, ``yes``/``no``/
  ``on``/``off`` stay strings, timestamps stay strings (yaml.v3 keeps them as text when decoding
  into ``interface{}``), integers are read with Go's base prefixes (``0x1F``, ``0o17``, and the
  YAML 1.1 octal ``017``), ``1e3`` is a number, and a float with no fraction is written by Go's
  JSON encoder without one (``1000``, not ``1000.0``).

PyYAML's ``safe_load`` follows YAML 1.1 instead (``no`` → False, ``2024-01-01`` → a date,
``1e3`` → a string, ``1:30`` → 90), so a reader built on it gives the program a config that
``pulumi up`` never would, or crashes on a date. This module composes the YAML nodes with PyYAML
and resolves every plain scalar with yaml.v3's rules instead.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml

_PLAIN = "!plain"  # the tag this loader gives every unquoted, untagged scalar
_NULLS = ("", "~", "null", "Null", "NULL")
_TRUE = ("true", "True", "TRUE")
_FALSE = ("false", "False", "FALSE")
_INFS = {".inf": math.inf, ".Inf": math.inf, ".INF": math.inf, "+.inf": math.inf, "+.Inf": math.inf,
         "+.INF": math.inf, "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf}
_NANS = (".nan", ".NaN", ".NAN")
# yaml.v3's yamlStyleFloat.
_FLOAT_RE = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_INT64 = (-(2 ** 63), 2 ** 63 - 1)
_UINT64_MAX = 2 ** 64 - 1
_BASES = {"0x": 16, "0X": 16, "0o": 8, "0O": 8, "0b": 2, "0B": 2}
_DIGITS = {2: "01", 8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}


class CliYamlError(Exception):
    """A stack file the Pulumi CLI would refuse (or that this reader cannot mirror)."""


class _Loader(yaml.SafeLoader):
    """Composes nodes; every plain scalar gets the tag ``!plain`` for yaml.v3 resolution."""

    def resolve(self, kind, value, implicit):  # noqa: D401 (PyYAML's hook)
        if kind is yaml.ScalarNode and implicit[0]:
            return _PLAIN
        return super().resolve(kind, value, implicit)


def _go_parse_int(text: str) -> int | None:
    """Go's ``strconv.ParseInt(text, 0, 64)``-style parse (sign, base prefix, leading-0 octal)."""
    sign, body = 1, text
    if body[:1] in "+-":
        sign, body = (-1 if body[0] == "-" else 1), body[1:]
    if not body:
        return None
    base = 10
    if body[:2] in _BASES:
        base, body = _BASES[body[:2]], body[2:]
    elif len(body) > 1 and body[0] == "0":
        base, body = 8, body[1:]
    if not body or any(c not in _DIGITS[base] for c in body):
        return None
    return sign * int(body, base)


def resolve_plain(text: str) -> Any:
    """The value yaml.v3 gives an unquoted scalar when decoding into ``interface{}``."""
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text in _INFS:
        return _INFS[text]
    if text in _NANS:
        return math.nan
    if text[:1] and text[0] in "+-.0123456789":
        plain = text.replace("_", "")
        number = _go_parse_int(plain)
        if number is not None and (_INT64[0] <= number <= _INT64[1] or 0 <= number <= _UINT64_MAX):
            return number
        if _FLOAT_RE.match(plain):
            return float(plain)
    return text


def _where(node: yaml.Node) -> str:
    return f"line {node.start_mark.line + 1}"


def _value(node: yaml.Node, path: str, seen: set[int] | None = None) -> Any:
    """A node as yaml.v3 decodes it into ``interface{}``."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _PLAIN:
            return resolve_plain(node.value)
        if node.tag == "tag:yaml.org,2002:str":
            return node.value
        if node.tag == "tag:yaml.org,2002:null":
            return None
        if node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"):
            resolved = resolve_plain(node.value)
            if isinstance(resolved, str) or resolved is None:
                raise CliYamlError(f"{path}: {node.value!r} cannot be read as {node.tag.rsplit(':', 1)[-1]} "
                                   f"({_where(node)})")
            return resolved
        raise CliYamlError(f"{path}: the tag {node.tag} is not supported ({_where(node)}); remove it")
    seen = seen or set()
    if id(node) in seen:
        raise CliYamlError(f"{path}: a YAML alias refers to itself ({_where(node)})")
    seen = seen | {id(node)}
    if isinstance(node, yaml.SequenceNode):
        return [_value(item, f"{path}[{i}]", seen) for i, item in enumerate(node.value)]
    out: dict[str, Any] = {}
    merged: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge" or (key_node.tag == _PLAIN and key_node.value == "<<"):
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    raise CliYamlError(f"{path}: a merge key (<<) needs a mapping ({_where(source)})")
                for k, v in _value(source, path, seen).items():
                    merged.setdefault(k, v)
            continue
        key = _value(key_node, path, seen)
        if not isinstance(key, str):
            raise CliYamlError(f"{path}: the key {key_node.value!r} is not a string ({_where(key_node)}); "
                               "quote it")
        if key in out:
            raise CliYamlError(f"{path}.{key}: the key is already defined ({_where(key_node)}); "
                               "the Pulumi CLI refuses duplicate keys")
        out[key] = _value(value_node, f"{path}.{key}", seen)
    return {**merged, **out}


def compose(text: str, source: str = "<stack file>") -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as err:
        # One line: what is wrong, and where (PyYAML's own message quotes the text over several).
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        context = getattr(err, "context", None)
        raise CliYamlError(f"{source}: not valid YAML: {problem}{where}" + (f", {context}" if context else "")) \
            from None


def to_json(value: Any) -> str:
    """JSON as Go's ``encoding/json`` writes it (integral floats without a fraction)."""

    def go(v: Any) -> Any:
        if isinstance(v, float):
            if math.isnan(v) or math.isinf(v):
                raise CliYamlError(f"{v} cannot be written as JSON; the Pulumi CLI refuses it")
            if v.is_integer() and abs(v) < 1e21:
                return int(v)
            return v
        if isinstance(v, dict):
            return {k: go(x) for k, x in v.items()}
        if isinstance(v, list):
            return [go(x) for x in v]
        return v

    return json.dumps(go(value), sort_keys=True)


def _is_secure(node: yaml.Node) -> bool:
    return (isinstance(node, yaml.MappingNode) and len(node.value) == 1
            and isinstance(node.value[0][0], yaml.ScalarNode) and node.value[0][0].value == "secure")


def _replace_secure(node: yaml.Node, value: Any, shown: str) -> tuple[Any, bool]:
    """(value with ``secure:`` leaves replaced by ``shown``, whether any was found)."""
    if _is_secure(node):
        return shown, True
    if isinstance(node, yaml.MappingNode) and isinstance(value, dict):
        found = False
        out = dict(value)
        for key_node, value_node in node.value:
            key = key_node.value
            if key in out:
                out[key], sub = _replace_secure(value_node, out[key], shown)
                found = found or sub
        return out, found
    if isinstance(node, yaml.SequenceNode) and isinstance(value, list):
        found = False
        out_list = []
        for item_node, item in zip(node.value, value, strict=True):
            new, sub = _replace_secure(item_node, item, shown)
            out_list.append(new)
            found = found or sub
        return out_list, found
    return value, False


def config_values(text: str, source: str, shown_secret: str) -> tuple[dict[str, str], set[str]]:
    """The ``config:`` map of a stack file as the CLI passes it: full key → text (top-level
    scalars) or JSON (structured values); and the keys that hold a secret.

    Secure values cannot be decrypted here; each becomes ``shown_secret``.
    """
    document = compose(text, source)
    if document is None:
        return {}, set()
    if not isinstance(document, yaml.MappingNode):
        raise CliYamlError(f"{source}: expected a mapping with a 'config' mapping")
    config_node = None
    for key_node, value_node in document.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == "config":
            config_node = value_node
    others = [k.value for k, _ in document.value if isinstance(k, yaml.ScalarNode) and k.value != "config"]
    if config_node is None and any(":" in key for key in others):
        raise CliYamlError(f"{source}: has no 'config:' line: its keys ({', '.join(others[:3])}…) must be indented "
                           "under config:, or the Pulumi CLI ignores them")
    if config_node is None or (isinstance(config_node, yaml.ScalarNode) and config_node.tag == _PLAIN
                               and config_node.value in _NULLS):
        return {}, set()
    if not isinstance(config_node, yaml.MappingNode):
        raise CliYamlError(f"{source}: expected a mapping with a 'config' mapping")
    config: dict[str, str] = {}
    secret: set[str] = set()
    for key_node, value_node in config_node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise CliYamlError(f"{source}: config: a key is not a string ({_where(key_node)})")
        key = key_node.value
        if key in config:
            raise CliYamlError(f"{source}: config.{key}: the key is already defined ({_where(key_node)}); "
                               "the Pulumi CLI refuses duplicate keys")
        if _is_secure(value_node):
            config[key] = shown_secret
            secret.add(key)
        elif isinstance(value_node, yaml.ScalarNode):
            # The CLI unmarshals a top-level value into a string: the text as written (null → "").
            is_null = value_node.tag == _PLAIN and value_node.value in _NULLS
            config[key] = "" if is_null else value_node.value
        else:
            value = _value(value_node, f"config.{key}")
            value, found = _replace_secure(value_node, value, shown_secret)
            if found:
                secret.add(key)
            try:
                config[key] = to_json(value)
            except CliYamlError as err:
                raise CliYamlError(f"{source}: config.{key}: {err}") from None
    return config, secret
