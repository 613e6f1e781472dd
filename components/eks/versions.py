"""Kubernetes versions EKS supports, in one place with the date they were checked.

EKS gives each version 14 months of standard support, then 12 months of extended support at a
higher hourly price (the upgrade policy decides whether a cluster may stay on it). Update this
table when AWS publishes its release calendar changes (EKS user guide, "Amazon EKS Kubernetes
release calendar"); the default is the newest version in standard support.
"""

from __future__ import annotations

CHECKED = "2026-11-28"
# version -> (support phase on CHECKED, end of standard support)
VERSIONS: dict[str, tuple[str, str]] = {
    "1.32": ("extended", "2026-03-23"),
    "1.33": ("extended", "2026-07-29"),
    "1.34": ("standard", "2026-12-02"),
    "1.35": ("standard", "2027-03-27"),
    "1.36": ("standard", "2027-07-28"),
}
DEFAULT_VERSION = "1.35"
"""In standard support past the next months (1.34's ends on 2026-12-02), and one the offline
manifest validator knows (kubernetes-validate ships schemas up to 1.37)."""
STANDARD = tuple(v for v, (phase, _) in VERSIONS.items() if phase == "standard")
EXTENDED = tuple(v for v, (phase, _) in VERSIONS.items() if phase == "extended")
