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
