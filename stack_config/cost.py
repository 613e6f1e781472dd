"""The ``cost`` section: usage assumptions of the offline preview's monthly cost estimate."""

from __future__ import annotations

from dataclasses import dataclass, fields

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

    def to_json(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


FRACTIONS = ("untagged_fraction", "spot_discount")


def cost_section(node: Value) -> CostAssumptions:
    given = node.object(schema.keys_of("cost"))
    defaults = CostAssumptions()
    return CostAssumptions(**{
        f.name: opt(given, f.name, Value.fraction if f.name in FRACTIONS else Value.number, getattr(defaults, f.name))
        for f in fields(CostAssumptions)})
