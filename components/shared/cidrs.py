"""CIDR ranges a stack lists: parsed once, and never the whole internet."""

from __future__ import annotations

import ipaddress

from .errors import InvalidValue


def client_cidr(path: str, value: object, what: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """The network ``value`` names; raises ``InvalidValue`` at ``path`` if it is not a CIDR or is
    ``0.0.0.0/0`` (``what`` says what that would open, and what to do instead)."""
    try:
        network = ipaddress.ip_network(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidValue(path, value, "is not an IPv4 CIDR (203.0.113.0/24)") from None
    if network.prefixlen == 0:
        raise InvalidValue(path, value, what)
    return network


def covers_internet(networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    """Whether the union of ``networks`` is all of IPv4 or all of IPv6."""
    v4 = [n for n in networks if isinstance(n, ipaddress.IPv4Network)]
    v6 = [n for n in networks if isinstance(n, ipaddress.IPv6Network)]
    return (any(n.prefixlen == 0 for n in ipaddress.collapse_addresses(v4))
            or any(n.prefixlen == 0 for n in ipaddress.collapse_addresses(v6)))


def client_cidrs(path: str, values: list[object] | tuple[object, ...], what: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Every range of a list (as :func:`client_cidr`), and never, together, the whole internet."""
    networks = [client_cidr(f"{path}[{i}]", value, what) for i, value in enumerate(values)]
    if covers_internet(networks):
        raise InvalidValue(path, list(values), f"together cover the whole internet; {what.split('; ', 1)[-1]}")
    return networks
