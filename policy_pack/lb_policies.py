"""Load balancers: HTTPS on the internet (mandatory), TLS everywhere (advisory), current TLS
policies and dropped invalid headers (mandatory)."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, ResourceValidationArgs, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from support import (
    LISTENER,
    LOAD_BALANCER,
    Report,
    get,
    label,
    linked,
    of_type,
    resource_policy,
    stack_policy,
)

TLS_PROTOCOLS = ("HTTPS", "TLS")
# TLS 1.3 policies (ELB's describe-ssl-policies): TLS 1.3 with 1.2, or 1.3 only.
TLS13_PREFIX = "ELBSecurityPolicy-TLS13-"


def redirects_to_https(props: Any) -> bool:
    """Every default action of an HTTP listener redirects to HTTPS."""
    actions = get(props, "defaultActions") or []
    return bool(actions) and all(
        get(a, "type") == "redirect" and get(a, "redirect", "protocol") == "HTTPS" for a in actions)


def serves_plain_http(props: Any) -> bool:
    return get(props, "protocol") not in TLS_PROTOCOLS and not redirects_to_https(props)


def _load_balancer_of(listener: PolicyResource, lbs: list[PolicyResource]) -> PolicyResource | None:
    """The listener's load balancer: by reference (preview), else by ARN."""
    found = linked(listener, "loadBalancerArn", LOAD_BALANCER)
    if found:
        return found[0]
    try:
        arn = get(listener.props, "loadBalancerArn")
    except UnknownValueError:
        return None
    for lb in lbs:
        try:
            if arn is not None and get(lb.props, "arn") == arn:
                return lb
        except UnknownValueError:
            continue
    return None


@stack_policy(
    name="lb-https-listeners",
    description="A listener on an internet-facing load balancer is HTTPS, or redirects to HTTPS.",
    level=EnforcementLevel.MANDATORY,
    checks="Every `aws.lb.Listener` of a load balancer that is not `internal` has protocol HTTPS (or TLS), or every default action redirects to HTTPS. The listener and its load balancer are two resources, so this is a stack policy: it stops `pulumi preview` (and the CI gate) and detects during `up`.",
    why="Plain HTTP on the internet exposes every request and cookie; the front door serves TLS and redirects port 80.",
)
def lb_https_listeners(args: StackValidationArgs, report_violation: Report) -> None:
    lbs = of_type(args, LOAD_BALANCER)
    for listener in of_type(args, LISTENER):
        lb = _load_balancer_of(listener, lbs)
        if lb is None:
            continue
        try:
            internet = get(lb.props, "internal") is not True
            plain = serves_plain_http(listener.props)
        except UnknownValueError:
            continue
        if internet and plain:
            report_violation(f"{label(LISTENER, listener.props, listener.name)} serves plain HTTP on internet-facing "
                             f"{label(LOAD_BALANCER, lb.props, lb.name)}; use HTTPS with a certificate, or redirect "
                             "to HTTPS.", listener.urn)


@resource_policy(
    name="lb-tls-listeners",
    description="Every listener serves TLS or redirects to it (advisory: an internal HTTP-only front door is a stack's explicit choice).",
    level=EnforcementLevel.ADVISORY,
    types=(LISTENER,),
    checks="An `aws.lb.Listener` with protocol HTTP whose default actions do not all redirect to HTTPS is reported: traffic inside the VPC is unencrypted (a stack without a certificate, `front_door.certificate: none`).",
    why="Even inside the VPC, TLS keeps requests private from anything that can read the network.",
)
def lb_tls_listeners(args: ResourceValidationArgs, report_violation: Report) -> None:
    if serves_plain_http(args.props):
        report_violation(f"{label(args.resource_type, args.props, args.name)} serves plain HTTP on port "
                         f"{get(args.props, 'port')}; give the front door a certificate.")


@resource_policy(
    name="lb-tls-policy",
    description="An HTTPS listener uses a TLS 1.3 security policy.",
    level=EnforcementLevel.MANDATORY,
    types=(LISTENER,),
    checks="An `aws.lb.Listener` with protocol HTTPS or TLS sets `sslPolicy` to an `ELBSecurityPolicy-TLS13-…` policy; without one the API's default is `ELBSecurityPolicy-2016-08` (TLS 1.0).",
    why="The API default still accepts TLS 1.0 and 1.1.",
)
def lb_tls_policy(args: ResourceValidationArgs, report_violation: Report) -> None:
    if get(args.props, "protocol") not in TLS_PROTOCOLS:
        return
    policy = get(args.props, "sslPolicy")
    if not (isinstance(policy, str) and policy.startswith(TLS13_PREFIX)):
        report_violation(f"{label(args.resource_type, args.props, args.name)} uses TLS policy "
                         f"{policy or 'the default ELBSecurityPolicy-2016-08'}; set an {TLS13_PREFIX}… policy.")


@resource_policy(
    name="lb-drop-invalid-headers",
    description="An Application Load Balancer drops invalid HTTP header fields and never only monitors desync.",
    level=EnforcementLevel.MANDATORY,
    types=(LOAD_BALANCER,),
    checks="An `aws.lb.LoadBalancer` of type `application` (the default) sets `dropInvalidHeaderFields: true` and a `desyncMitigationMode` other than `monitor`.",
    why="Malformed headers and request desync are how requests are smuggled past the load balancer to the service.",
)
def lb_drop_invalid_headers(args: ResourceValidationArgs, report_violation: Report) -> None:
    if (get(args.props, "loadBalancerType") or "application") != "application":
        return
    name = label(args.resource_type, args.props, args.name)
    if get(args.props, "dropInvalidHeaderFields") is not True:
        report_violation(f"{name} does not drop invalid header fields; set drop_invalid_header_fields=True.")
    if get(args.props, "desyncMitigationMode") == "monitor":
        report_violation(f"{name} only monitors HTTP desync; use defensive or strictest.")
