"""The load-balancer family: HTTPS on the internet (mandatory, with the listener's load balancer
found through the engine's property dependencies), TLS everywhere (advisory), TLS 1.3 policies
and dropped invalid headers (mandatory)."""

from __future__ import annotations

import copy

import pytest

import container_policies as cp
from tests.conftest import PROJECT
from tests.policy_support import resource, resource_violations, stack_violations

LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
FORWARD = [{"type": "forward", "targetGroupArn": "arn:tg"}]
REDIRECT = [{"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}}]


def listener_of(lb, props, name="listener", linked=True):
    res = resource(LISTENER, props, name=name)
    if linked:
        res.property_dependencies = {"loadBalancerArn": [lb]}
    return res


@pytest.mark.parametrize("internal, props, refused", [
    (False, {"protocol": "HTTP", "port": 80, "defaultActions": FORWARD}, True),
    (False, {"protocol": "HTTP", "port": 80, "defaultActions": REDIRECT}, False),
    (False, {"protocol": "HTTP", "port": 80, "defaultActions": [*REDIRECT, *FORWARD]}, True),
    (False, {"protocol": "HTTPS", "port": 443, "defaultActions": FORWARD}, False),
    (True, {"protocol": "HTTP", "port": 80, "defaultActions": FORWARD}, False),
    (None, {"protocol": "HTTP", "port": 80, "defaultActions": FORWARD}, True),  # internal unset: internet-facing
])
def test_internet_facing_listeners_are_https_or_redirect(internal, props, refused):
    lb = resource(LB, {} if internal is None else {"internal": internal}, name="lb")
    found = stack_violations(cp.lb_https_listeners, [lb, listener_of(lb, props)])
    assert bool(found) == refused
    assert cp.lb_https_listeners.enforcement_level.value == "mandatory"


def test_the_listeners_load_balancer_is_found_by_arn_after_an_update():
    lb = resource(LB, {"internal": False, "arn": "arn:aws:elasticloadbalancing:x:1:loadbalancer/app/a/b"}, name="lb")
    listener = listener_of(lb, {"protocol": "HTTP", "loadBalancerArn": "arn:aws:elasticloadbalancing:x:1:loadbalancer/app/a/b",
                                "defaultActions": FORWARD}, linked=False)
    assert stack_violations(cp.lb_https_listeners, [lb, listener])


def test_plain_http_anywhere_is_advisory():
    assert resource_violations(cp.lb_tls_listeners, LISTENER, {"protocol": "HTTP", "port": 80, "defaultActions": FORWARD})
    assert not resource_violations(cp.lb_tls_listeners, LISTENER, {"protocol": "HTTP", "defaultActions": REDIRECT})
    assert not resource_violations(cp.lb_tls_listeners, LISTENER, {"protocol": "HTTPS", "defaultActions": FORWARD})
    assert cp.lb_tls_listeners.enforcement_level.value == "advisory"


@pytest.mark.parametrize("policy, refused", [
    (None, True), ("ELBSecurityPolicy-2016-08", True), ("ELBSecurityPolicy-TLS-1-2-2017-01", True),
    ("ELBSecurityPolicy-TLS13-1-2-2021-06", False), ("ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", False),
])
def test_https_listeners_use_a_tls13_policy(policy, refused):
    props = {"protocol": "HTTPS", "defaultActions": FORWARD, **({"sslPolicy": policy} if policy else {})}
    assert bool(resource_violations(cp.lb_tls_policy, LISTENER, props)) == refused


@pytest.mark.parametrize("props, refused", [
    ({"dropInvalidHeaderFields": True}, False),
    ({}, True),
    ({"dropInvalidHeaderFields": True, "desyncMitigationMode": "monitor"}, True),
    ({"loadBalancerType": "network"}, False),
])
def test_albs_drop_invalid_headers(props, refused):
    assert bool(resource_violations(cp.lb_drop_invalid_headers, LB, props)) == refused


def test_the_real_pack_refuses_prods_front_door_serving_http(plans):
    """Over the whole prod plan, through the analyzer protocol as the engine sends it (with its
    property dependencies): a redirect listener turned into a forward is a mandatory violation."""
    from tools.policy_gate import DEFAULT_PACK, PackProcess, analyze

    plan = copy.deepcopy(plans("prod"))
    redirect = next(r for r in plan.resources if r.name == "front-door-http-redirect")
    redirect.inputs["defaultActions"] = FORWARD
    with PackProcess(DEFAULT_PACK, PROJECT, "prod") as pack:
        report = analyze(plan, pack, {}, "eu-central-1")
    assert sorted((v.policy, v.level, v.urn == redirect.urn) for v in report.violations
                  if v.policy.startswith("lb-")) == [("lb-https-listeners", "mandatory", True),
                                                      ("lb-tls-listeners", "advisory", True)]
