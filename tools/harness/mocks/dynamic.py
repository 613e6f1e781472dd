"""Mocks of Python dynamic resources (``pulumi-python:dynamic:*``, the scan gate's type among them).

The engine serves every type of the ``pulumi-python`` package with the SDK's dynamic provider
(``python -m pulumi.dynamic``, ``pulumi/dynamic/__main__.py``): it unpickles the provider from the
resource's ``__provider`` input and calls its ``check`` first, at preview and at ``up`` alike.
The harness does the same, so a provider that does not unpickle, is not a ``ResourceProvider``,
or whose ``check`` fails makes the run fail as the engine would. It never calls ``create`` or
``update`` (the scan gate would wait for AWS): the outputs are the checked inputs, which is what
the gate's create returns besides its verdict. ``tests/supply_chain/`` also starts the SDK's real
provider server in a fresh process on a plan's ``__provider``.
"""

from __future__ import annotations

import base64
from typing import Any

import dill
from pulumi.dynamic import ResourceProvider

from tools import tokens as t

from .eks import EngineError
from .registry import Where, answers_prefix

PROVIDER_KEY = "__provider"
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


def provider_of(typ: str, name: str, inputs: dict[str, Any]) -> ResourceProvider:
    """The provider a dynamic resource carries, unpickled as the SDK's provider server does."""
    wire = inputs.get(PROVIDER_KEY)
    serialized = wire.get("value") if isinstance(wire, dict) and wire.get(_SIG_KEY) == _SECRET_SIG else wire
    if not isinstance(serialized, str):
        raise EngineError(f"{typ} {name}: no serialized provider in {PROVIDER_KEY}")
    try:
        provider = dill.loads(base64.b64decode(serialized))
    except Exception as err:  # what get_provider would fail with, in the provider's process
        raise EngineError(f"{typ} {name}: the dynamic provider does not unpickle: {type(err).__name__}: {err}") from None
    if not isinstance(provider, ResourceProvider):
        raise EngineError(f"{typ} {name}: {PROVIDER_KEY} holds a {type(provider).__name__}, not a ResourceProvider")
    return provider


@answers_prefix(t.DYNAMIC_PREFIX)
def dynamic_resource(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    provider = provider_of(typ, name, inputs)
    result = provider.check({}, dict(inputs))
    if result.failures:
        reasons = "; ".join(f"{f.property}: {f.reason}" for f in result.failures)
        raise EngineError(f"{typ} {name}: check failed: {reasons}")
    return f"{name}-{w.suffix(name)}", dict(result.inputs)
