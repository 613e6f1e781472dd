"""The ``cost`` section: usage assumptions of the offline preview's monthly cost estimate."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from . import schema
from .model import CostAssumptions
from .values import Value, opt

FRACTIONS = ("untagged_fraction", "spot_discount")
_IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\Z")  # what docker accepts as a tag


def _tag_mix(node: Value) -> dict[str, float]:
    if not isinstance(node.value, dict) or not node.value:
        raise node.fail("is not a map of sample image tags to their shares of tagged pushes (v1.2.3: 0.2)")
    mix = {}
    for tag, share in node.value.items():
        if not isinstance(tag, str) or not _IMAGE_TAG.match(tag):
            raise node.child(str(tag), share).fail("is not an image tag (letters, digits, _ . -; 128 at most)",
                                                   value=tag)
        mix[tag] = node.child(tag, share).fraction()
    if abs(sum(mix.values()) - 1) > 0.001:
        raise node.fail(f"shares add up to {sum(mix.values()):g}; they are shares of a repository's tagged "
                        "pushes and must add up to 1")
    return mix


def cost_section(node: Value) -> CostAssumptions:
    given = node.object(schema.keys_of("cost"))
    defaults = CostAssumptions()

    def reader(name: str) -> Callable[[Value], Any]:
        return _tag_mix if name == "tag_mix" else Value.fraction if name in FRACTIONS else Value.number

    return CostAssumptions(**{f.name: opt(given, f.name, reader(f.name), getattr(defaults, f.name))
                              for f in fields(CostAssumptions)})
