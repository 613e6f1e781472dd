"""The ``scanning`` section: the registry scanning configuration."""

from __future__ import annotations

from components.ecr.scanning import RegistryScanningSpec, ScanRule

from . import schema
from .values import ConfigError, Value, opt


def scanning_section(node: Value, regions: list[str | None]) -> RegistryScanningSpec:
    fields = node.object(schema.keys_of("scanning"))
    rules: tuple[ScanRule, ...] = (ScanRule(),)
    if "rules" in fields:
        rules = tuple(_scan_rule(item) for item in fields["rules"].list())
    return RegistryScanningSpec(
        scan_type=opt(fields, "type", lambda v: v.enum(schema.choices("scanning.type")), "BASIC"),
        rules=rules, regions=regions, allow_partial=opt(fields, "allow_partial", Value.boolean, False))


def _scan_rule(node: Value) -> ScanRule:
    fields = node.object(schema.keys_of("scanning.rules[]"))
    if "frequency" not in fields:
        raise ConfigError(f"{node.path}.frequency", None, "is required")
    return ScanRule(frequency=fields["frequency"].string(),
                    filters=opt(fields, "filters", Value.strings, ("*",)))


