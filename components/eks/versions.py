"""Kubernetes versions EKS supports, in one place with the date they were checked.

EKS gives each version 14 months of standard support, then 12 months of extended support at a
higher hourly price (the upgrade policy decides whether a cluster may stay on it). Update this
table when AWS publishes its release calendar changes (EKS user guide, "Amazon EKS Kubernetes
release calendar"); the default is ``DEFAULT_VERSION``, in standard support for months to come
(not necessarily the newest).
"""

from __future__ import annotations

from datetime import date

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


EXTENDED_MONTHS = 12
WARN_DAYS = 60
"""How long before a version leaves standard support the preview warns."""


def standard_support_end(version: str) -> date:
    return date.fromisoformat(VERSIONS[version][1])


def _plus_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    # The last day of the target month when the day does not exist there (31 Jan + 1 month).
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month, last)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def phase_on(version: str, day: date) -> str:
    """``standard``, ``extended`` or ``ended`` for ``version`` on ``day``, from the calendar above:
    standard support until its end date, then 12 months of extended support."""
    end = standard_support_end(version)
    if day < end:
        return "standard"
    return "extended" if day < _plus_months(end, EXTENDED_MONTHS) else "ended"


def support_warning(version: str, upgrade_policy: str, day: date) -> str | None:
    """What a preview on ``day`` should say about ``version``'s support, or None: it leaves standard
    support within ``WARN_DAYS`` days, or already has."""
    if version not in VERSIONS:
        return None
    end = standard_support_end(version)
    left = (end - day).days
    after = ("the control plane is then billed at the extended-support rate (about six times the standard "
             "rate)" if upgrade_policy == "EXTENDED" else
             "with upgrade_policy STANDARD, EKS then upgrades the control plane to the next version itself")
    if 0 <= left <= WARN_DAYS:
        return (f"cluster.version {version} leaves EKS standard support on {end.isoformat()} ({left} days from "
                f"{day.isoformat()}): {after}; plan the upgrade (versions in standard support: "
                f"{', '.join(v for v in VERSIONS if phase_on(v, day) == 'standard')})")
    if left < 0:
        return (f"cluster.version {version} left EKS standard support on {end.isoformat()} "
                f"({phase_on(version, day)} support on {day.isoformat()}): {after}")
    return None


def minor(version: str) -> int:
    """The minor number of a ``1.N`` Kubernetes version."""
    major, _, number = version.partition(".")
    if major != "1" or not number.isdigit():
        raise ValueError(version)
    return int(number)


def upgrade_problem(live: str, target: str, behind: dict[str, str]) -> str | None:
    """Why EKS would refuse to move a cluster running ``live`` to ``target`` in one ``up``, with the
    path to take; None when it would not. ``behind`` names the managed node groups whose Kubernetes
    version is not the live cluster's (group name -> version).

    EKS upgrades one minor version at a time, and only when every managed node group runs the
    cluster's version (UpdateClusterVersion, EKS API reference; EKS user guide "Update existing
    cluster to new Kubernetes version"). A lower version is a rollback, an EKS operation of its own.
    """
    if target == live:
        return None
    step = minor(target) - minor(live)
    if step < 0:
        return (f"is below the live cluster's {live}: this program upgrades a cluster one minor version at a "
                f"time and never moves it back (EKS's version rollback is an operation of its own); set "
                f"cluster.version: \"{live}\"")
    if step > 1:
        path = " → ".join(f"1.{n}" for n in range(minor(live) + 1, minor(target) + 1))
        return (f"is {step} minor versions above the live cluster's {live}; EKS upgrades one minor version at a "
                f"time: set cluster.version: \"1.{minor(live) + 1}\" and run `pulumi up` (control plane, add-ons, "
                f"then node groups), then the next ({path})")
    if behind:
        groups = ", ".join(f"{name} ({version})" for name, version in sorted(behind.items()))
        return (f"cannot be reached yet: EKS upgrades the control plane only when every managed node group runs "
                f"its version ({live}), and {groups} do not; run `pulumi up` with cluster.version: \"{live}\" and no "
                f"node group version of its own first (the groups follow the cluster), then set \"{target}\"")
    return None
