"""The network: no ingress open to the internet (mandatory), except HTTP and HTTPS, which only a
load balancer's security group should open (advisory)."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, ResourceValidationArgs

from support import (
    INGRESS_RULE,
    SECURITY_GROUP,
    SECURITY_GROUP_RULE,
    Report,
    covers_internet,
    get,
    label,
    resource_policy,
)

WEB_PORTS = frozenset({80, 443})


def _open_rules(args: ResourceValidationArgs) -> list[tuple[int | None, int | None, str]]:
    """(from port, to port, protocol) of each ingress rule open to the internet (IPv4 or IPv6)."""
    found = []

    def judge(cidrs: list[Any], from_port: Any, to_port: Any, protocol: Any) -> None:
        if covers_internet([c for c in cidrs if isinstance(c, str)]):
            found.append((from_port, to_port, str(protocol)))

    if args.resource_type == INGRESS_RULE:
        judge([get(args.props, "cidrIpv4"), get(args.props, "cidrIpv6")], get(args.props, "fromPort"),
              get(args.props, "toPort"), get(args.props, "ipProtocol"))
    elif args.resource_type == SECURITY_GROUP_RULE:
        if get(args.props, "type") == "ingress":
            judge([*(get(args.props, "cidrBlocks") or []), *(get(args.props, "ipv6CidrBlocks") or [])],
                  get(args.props, "fromPort"), get(args.props, "toPort"), get(args.props, "protocol"))
    else:
        for rule in get(args.props, "ingress") or []:
            judge([*(get(rule, "cidrBlocks") or []), *(get(rule, "ipv6CidrBlocks") or [])],
                  get(rule, "fromPort"), get(rule, "toPort"), get(rule, "protocol"))
    return found


def _web_only(from_port: Any, to_port: Any, protocol: str) -> bool:
    return protocol in ("tcp", "6") and from_port == to_port and from_port in WEB_PORTS


@resource_policy(
    name="network-no-internet-ingress",
    description="No security group admits the internet, but on HTTP or HTTPS.",
    level=EnforcementLevel.MANDATORY,
    types=(SECURITY_GROUP, INGRESS_RULE, SECURITY_GROUP_RULE),
    checks="No ingress rule (a security group's inline `ingress`, an `aws.vpc.SecurityGroupIngressRule`, an `aws.ec2.SecurityGroupRule` of type ingress) admits CIDRs whose union covers `0.0.0.0/0` or `::/0`, except TCP 80 or 443 alone (judged by `network-public-web-ingress`).",
    why="Nodes, endpoints and runners sit in private subnets; only a load balancer faces the internet.",
)
def network_no_internet_ingress(args: ResourceValidationArgs, report_violation: Report) -> None:
    for from_port, to_port, protocol in _open_rules(args):
        if not _web_only(from_port, to_port, protocol):
            report_violation(f"{label(args.resource_type, args.props, args.name)} admits the internet on "
                             f"{protocol} {from_port}-{to_port}; list the client ranges.")


@resource_policy(
    name="network-public-web-ingress",
    description="HTTP and HTTPS from the internet are for a load balancer's security group only.",
    level=EnforcementLevel.ADVISORY,
    types=(SECURITY_GROUP, INGRESS_RULE, SECURITY_GROUP_RULE),
    checks="An ingress rule that admits the internet on TCP 80 or 443 alone is reported: it belongs on a load balancer's security group (the only exception to `network-no-internet-ingress`), never on nodes.",
    why="A public web port on a node or an endpoint bypasses the load balancer's TLS and WAF.",
)
def network_public_web_ingress(args: ResourceValidationArgs, report_violation: Report) -> None:
    for from_port, to_port, protocol in _open_rules(args):
        if _web_only(from_port, to_port, protocol):
            report_violation(f"{label(args.resource_type, args.props, args.name)} admits the internet on "
                             f"TCP {from_port}: make sure it is a load balancer's security group.")
