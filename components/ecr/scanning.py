"""``RegistryScanning``: the registry-level scanning configuration, in each region the platform uses.

BASIC scan on push for every repository by default. ENHANCED scans continuously or on push with
Amazon Inspector: setting it turns Inspector's ECR scanning on, so the identity running
``pulumi up`` needs ``inspector2:Enable`` (and ``iam:CreateServiceLinkedRole`` for
``inspector2.amazonaws.com``) as well as ``ecr:PutRegistryScanningConfiguration``.

A registry has one scanning configuration per region: declaring it replaces whatever the region
had, and deleting it resets the region to BASIC with no rules — scan on push off for every
repository. So the configurations are retained on delete: destroying the stack (or removing the
component) leaves scanning as it was. Once a registry scanning configuration exists, its rules
decide what is scanned (a repository's own ``scanOnPush`` is deprecated), so the rules must cover
every repository unless the stack says otherwise (``allow_partial``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .. import token
from ..shared.errors import InvalidValue

SCAN_TYPES = ("BASIC", "ENHANCED")
# Frequencies each scan type accepts in a rule (ECR PutRegistryScanningConfiguration, API reference:
# "When the BASIC scan type is specified, the SCAN_ON_PUSH scan frequency is supported"; MANUAL is
# what repositories no rule matches get, not a rule frequency).
FREQUENCIES = {"BASIC": ("SCAN_ON_PUSH",), "ENHANCED": ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")}
# Frequencies that scan an image when it is pushed (continuous scanning scans on push too).
ON_PUSH = ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")
MAX_RULES = 2  # RegistryScanningRuleList in the ECR API model
MAX_FILTERS = 100  # ScanningRepositoryFilterList
# ScanningRepositoryFilterValue in the ECR API model (1-255 characters).
_FILTER_RE = re.compile(r"^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*\Z")


@dataclass(frozen=True)
class ScanRule:
    """Scan repositories whose names match any WILDCARD filter, at this frequency."""

    frequency: str = "SCAN_ON_PUSH"
    filters: Sequence[str] = ("*",)


@dataclass(frozen=True)
class RegistryScanningSpec:
    """What a stack says about the registry scanning configuration (one per account and region)."""

    scan_type: str = "BASIC"
    """BASIC (default) or ENHANCED."""
    rules: Sequence[ScanRule] = field(default_factory=lambda: (ScanRule(),))
    """Scan on push for every repository by default."""
    regions: Sequence[str | None] = (None,)
    """Regions to configure; None is the provider's (the stack's) region."""
    allow_partial: bool = False
    """Allow rules that scan only some repositories on push (no ``*`` filter)."""


def covers_every_repository(rules: Sequence[ScanRule]) -> bool:
    """Whether an image pushed to any repository is scanned: a scan-on-push (or continuous) rule
    with the filter ``*``."""
    return any(rule.frequency in ON_PUSH and "*" in rule.filters for rule in rules)


def check_scanning_spec(spec: RegistryScanningSpec) -> None:
    """Raise ``InvalidValue`` (path relative to ``scanning``) for what AWS would refuse."""
    if spec.scan_type not in SCAN_TYPES:
        raise InvalidValue("type", spec.scan_type, f"is not one of {', '.join(SCAN_TYPES)}")
    if not spec.rules:
        raise InvalidValue("rules", [], "is empty; without a rule no repository is scanned")
    if len(spec.rules) > MAX_RULES:
        raise InvalidValue("rules", f"{len(spec.rules)} rules", f"is more than the {MAX_RULES} AWS allows")
    allowed = FREQUENCIES[spec.scan_type]
    for i, rule in enumerate(spec.rules):
        if rule.frequency not in allowed:
            raise InvalidValue(f"rules[{i}].frequency", rule.frequency,
                               f"is not allowed with {spec.scan_type} scanning; allowed: {', '.join(allowed)}")
        if not rule.filters or len(rule.filters) > MAX_FILTERS:
            raise InvalidValue(f"rules[{i}].filters", list(rule.filters),
                               f"must list 1-{MAX_FILTERS} filters")
        for j, pattern in enumerate(rule.filters):
            if not isinstance(pattern, str) or not (len(pattern) <= 255 and _FILTER_RE.match(pattern)):
                raise InvalidValue(f"rules[{i}].filters[{j}]", pattern,
                                   "is not a WILDCARD repository filter (lowercase letters, digits, "
                                   ". _ - / and *, e.g. * or team/*)")
    if not spec.allow_partial and not covers_every_repository(spec.rules):
        raise InvalidValue("rules", [{"frequency": r.frequency, "filters": list(r.filters)} for r in spec.rules],
                           "leave repositories unscanned on push: no SCAN_ON_PUSH or CONTINUOUS_SCAN rule "
                           "has the filter *, and the registry's rules override each repository's "
                           "scan_on_push; add * or, to scan only these repositories, set scanning.allow_partial: true")


class RegistryScanning(pulumi.ComponentResource):
    """One ``aws.ecr.RegistryScanningConfiguration`` per region."""

    configurations: dict[str | None, aws.ecr.RegistryScanningConfiguration]

    def __init__(self, name: str, spec: RegistryScanningSpec,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("RegistryScanning"), name, None, opts)
        check_scanning_spec(spec)
        rules: list[aws.ecr.RegistryScanningConfigurationRuleArgsDict] = [{
            "scan_frequency": rule.frequency,
            "repository_filters": [{"filter": f, "filter_type": "WILDCARD"} for f in rule.filters],
        } for rule in spec.rules]
        self.configurations = {}
        for region in dict.fromkeys(spec.regions):
            self.configurations[region] = aws.ecr.RegistryScanningConfiguration(
                f"{name}-{region or 'home'}",
                scan_type=spec.scan_type,
                rules=rules,
                region=region,
                # Deleting it would turn scan on push off for the whole registry of that region.
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
            )
        self.register_outputs({"regions": [r or "home" for r in self.configurations]})
