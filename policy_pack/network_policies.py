"""The network: no ingress open to the internet (mandatory), except HTTP and HTTPS on a load
balancer's security group (mandatory too: judged with the load balancers, so a stack policy)."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, ResourceValidationArgs, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from support import (
    INGRESS_RULE,
    LOAD_BALANCER,
    SECURITY_GROUP,
    SECURITY_GROUP_RULE,
    Report,
    covers_internet,
    get,
    label,
    linked,
    of_type,
    resource_policy,
    stack_policy,
)

WEB_PORTS = frozenset({80, 443})


def _port(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _open_rules(resource_type: str, props: Any) -> list[tuple[int | None, int | None, str]]:
    """(from port, to port, protocol) of each ingress rule open to the internet (IPv4 or IPv6)."""
    found = []

    def judge(cidrs: list[Any], from_port: Any, to_port: Any, protocol: Any) -> None:
        if covers_internet([c for c in cidrs if isinstance(c, str)]):
            found.append((_port(from_port), _port(to_port), str(protocol)))

    if resource_type == INGRESS_RULE:
        judge([get(props, "cidrIpv4"), get(props, "cidrIpv6")], get(props, "fromPort"),
              get(props, "toPort"), get(props, "ipProtocol"))
    elif resource_type == SECURITY_GROUP_RULE:
        if get(props, "type") == "ingress":
            judge([*(get(props, "cidrBlocks") or []), *(get(props, "ipv6CidrBlocks") or [])],
                  get(props, "fromPort"), get(props, "toPort"), get(props, "protocol"))
    else:
        for rule in get(props, "ingress") or []:
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
    for from_port, to_port, protocol in _open_rules(args.resource_type, args.props):
        if not _web_only(from_port, to_port, protocol):
            report_violation(f"{label(args.resource_type, args.props, args.name)} admits the internet on "
                             f"{protocol} {from_port}-{to_port}; list the client ranges.")


def _load_balancer_groups(args: StackValidationArgs) -> tuple[set[str], set[str]]:
    """The security groups load balancers use: by URN (a group the stack declares) and by ID."""
    urns: set[str] = set()
    ids: set[str] = set()
    for lb in of_type(args, LOAD_BALANCER):
        urns.update(r.urn for r in linked(lb, "securityGroups", SECURITY_GROUP))
        try:
            ids.update(g for g in get(lb.props, "securityGroups") or [] if isinstance(g, str))
        except UnknownValueError:
            continue
    return urns, ids


def _group_of(res: PolicyResource) -> tuple[set[str], str | None]:
    """The security group a rule is on: the group itself, or the group its ``securityGroupId`` names."""
    if res.resource_type == SECURITY_GROUP:
        return {res.urn}, None
    try:
        group_id = get(res.props, "securityGroupId")
    except UnknownValueError:
        group_id = None
    return {g.urn for g in linked(res, "securityGroupId", SECURITY_GROUP)}, group_id if isinstance(group_id, str) else None


@stack_policy(
    name="network-public-web-ingress",
    description="HTTP and HTTPS from the internet only on a load balancer's security group.",
    level=EnforcementLevel.MANDATORY,
    checks="An ingress rule that admits the internet on TCP 80 or 443 alone (the exception `network-no-internet-ingress` leaves) must be on a security group an `aws.lb.LoadBalancer` of the stack uses (its `securityGroups`, by reference or ID).",
    why="A public web port on a node or an endpoint bypasses the load balancer's TLS, WAF and logs.",
)
def network_public_web_ingress(args: StackValidationArgs, report_violation: Report) -> None:
    lb_urns, lb_ids = _load_balancer_groups(args)
    for res in of_type(args, SECURITY_GROUP, INGRESS_RULE, SECURITY_GROUP_RULE):
        try:
            opened = [(f, p) for f, t, p in _open_rules(res.resource_type, res.props) if _web_only(f, t, p)]
        except UnknownValueError:
            continue
        if not opened:
            continue
        urns, group_id = _group_of(res)
        if urns & lb_urns or (group_id is not None and group_id in lb_ids):
            continue
        for port, _ in opened:
            report_violation(f"{label(res.resource_type, res.props, res.name)} admits the internet on TCP {port} "
                             "on a security group no load balancer of the stack uses; only a load balancer's "
                             "security group may face the internet.", res.urn)
