"""The ``cost`` section: usage assumptions of the offline preview's monthly cost estimate."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from . import schema
from .values import Value, opt


@dataclass(frozen=True)
class CostAssumptions:
    image_size_mb: float = 150.0
    pushes_per_day: float = 5.0
    untagged_fraction: float = 0.2
    days_without_lifecycle: float = 365.0
    cached_gb: float = 2.0
    nat_gb_per_month: float = 100.0
    endpoint_gb_per_month: float = 50.0
    control_plane_log_gb_per_month: float = 5.0
    flow_log_gb_per_month: float = 5.0
    spot_discount: float = 0.6
    rescans_per_image_month: float = 4.0
    key_age_days: float = 730.0
    lb_lcus: float = 1.0
    requests_millions_per_month: float = 10.0
    access_log_gb_per_month: float = 5.0
    workload_pushes_per_day: float = 2.0
    runner_minutes_per_month: float = 1500.0
    container_insights_observations_per_node_month: float = 20_000_000.0
    container_log_gb_per_month: float = 5.0
    tag_mix: Mapping[str, float] = field(default_factory=lambda: {"v1.2.3": 1.0})

    def to_json(self) -> dict:
        return {f.name: (dict(getattr(self, f.name)) if f.name == "tag_mix" else getattr(self, f.name))
                for f in fields(self)}


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
