"""The table the mocks answer from: resource type (or type prefix) → a function that gives the
resource's ID and outputs, and invoke token → its result. Each family module registers its own
answers with :func:`answers`, :func:`answers_prefix` and :func:`answers_call`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

CHILD_REF = "__harness_child__"  # marks an output the monitor turns into a resource reference


@dataclass(frozen=True)
class Where:
    """The account and region a resource (or invoke) lands in, as its provider says."""

    account: str
    region: str
    partition: str
    dns: str

    def suffix(self, name: str) -> str:
        """A short stable hash of the resource's name in this account and region."""
        return hashlib.sha1(f"{self.account}/{self.region}/{name}".encode()).hexdigest()[:8]


Answer = Callable[[str, str, dict, Where], tuple[str, dict]]
"""(type, name, inputs, where) → (ID, outputs)."""
CallAnswer = Callable[[Mapping[str, Any], Where], dict]

ANSWERS: dict[str, Answer] = {}
PREFIX_ANSWERS: dict[str, Answer] = {}
CALLS: dict[str, CallAnswer] = {}


def answers(*types: str) -> Callable[[Answer], Answer]:
    """Register ``fn`` as the mock of each of ``types`` (one registration per type)."""
    def register(fn: Answer) -> Answer:
        for typ in types:
            if typ in ANSWERS:
                raise ValueError(f"{typ} is answered twice ({ANSWERS[typ].__qualname__}, {fn.__qualname__})")
            ANSWERS[typ] = fn
        return fn
    return register


def answers_prefix(prefix: str) -> Callable[[Answer], Answer]:
    """Register ``fn`` for every type starting with ``prefix`` that has no answer of its own."""
    def register(fn: Answer) -> Answer:
        PREFIX_ANSWERS[prefix] = fn
        return fn
    return register


def answers_call(token: str) -> Callable[[CallAnswer], CallAnswer]:
    def register(fn: CallAnswer) -> CallAnswer:
        CALLS[token] = fn
        return fn
    return register


def lookup(typ: str) -> Answer | None:
    """The answer for ``typ``: its own, else the longest matching prefix's, else None."""
    if typ in ANSWERS:
        return ANSWERS[typ]
    prefixes = sorted((p for p in PREFIX_ANSWERS if typ.startswith(p)), key=len, reverse=True)
    return PREFIX_ANSWERS[prefixes[0]] if prefixes else None
