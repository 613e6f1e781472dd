"""Operators reach a private-only API endpoint: ``cluster.operator_cidrs`` admits the networks routed
into the VPC (a VPN's client range, an office link, a bastion's subnet) on TCP 443 of the cluster
security group — the group the endpoint's network interfaces carry — and nothing else; the identity
comes from ``cluster.admins``. docs/deploying.md ("Reaching a private endpoint") is the procedure."""

from __future__ import annotations

import pytest

from tests.conftest import config_error as error
from tests.conftest import run_config
from tools.harness import load_stack, run_program

RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ZONES = ["eu-central-1a", "eu-central-1b"]


def stack(**cluster):
    return {"repositories": [{"name": "myapp"}], "network": {"availability_zones": ZONES, "nat": "single"},
            "cluster": {"name": "c1", **cluster}}


def _api_ingress(plan) -> list:
    """Every ingress rule that admits 443 on the cluster security group (the private endpoint's; the
    front door's NodePort rule is on the same group, for another port)."""
    cluster_sg = plan.outputs["cluster"]["security_group_id"]
    return [r for r in plan.by_type(RULE) if r.inputs.get("securityGroupId") == cluster_sg
            and (r.inputs.get("ipProtocol") == "-1" or r.inputs["fromPort"] <= 443 <= r.inputs["toPort"])]


def test_prod_admits_its_operators_range_on_443_beside_the_runners_and_nothing_else(plans):
    plan = plans("prod")
    rules = {r.name: r for r in _api_ingress(plan)}
    assert set(rules) == {"runners-cluster-api", "cluster-operators-10.200.0.0-22"}
    operators = rules["cluster-operators-10.200.0.0-22"]
    assert {k: operators.inputs[k] for k in ("cidrIpv4", "ipProtocol", "fromPort", "toPort")} == {
        "cidrIpv4": "10.200.0.0/22", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443}
    assert "referencedSecurityGroupId" not in operators.inputs
    assert operators.parent == plan.one("containerplatform:index:EksCluster", "cluster").urn


def test_dev_reaches_its_public_endpoint_and_admits_no_operator_network(plans):
    # Only the runners' rule may reach dev's API from a network (dev ships as a first `up`, before
    # its GitHub connection is approved: no runner, so no rule yet).
    assert {r.name for r in _api_ingress(plans("dev"))} <= {"runners-cluster-api"}
    assert not [r for r in plans("dev").by_type(RULE) if "operators" in r.name]


def test_the_bootstrap_run_already_admits_the_operators():
    """The workstation's bootstrap `up` creates the rule (an AWS API call), so the operator can use
    kubectl right after it, before any runner has run."""
    settings = load_stack("prod")
    settings.config["container-platform:bootstrap"] = "true"
    assert "cluster-operators-10.200.0.0-22" in {r.name for r in _api_ingress(run_program(settings))}


def test_rules_are_keyed_by_range_so_reordering_touches_none():
    first = run_config(stack(operator_cidrs=["10.200.0.0/22", "192.168.40.0/24"]))
    second = run_config(stack(operator_cidrs=["192.168.40.0/24", "10.200.0.0/22"]))
    urns = {r.urn for r in first.by_type(RULE) if "operators" in r.name}
    assert len(urns) == 2 and urns == {r.urn for r in second.by_type(RULE) if "operators" in r.name}


def test_a_range_of_operators_passes_the_policy_pack(plans):
    """A private range on 443 is not internet ingress: the pack's network policies accept it."""
    from tools.policy_gate import DEFAULT_PACK, PackProcess, analyze

    with PackProcess(DEFAULT_PACK, "container-platform", "prod") as pack:
        report = analyze(plans("prod"), pack, {}, "eu-central-1")
    assert not [v for v in report.violations if "operators" in v.urn]


@pytest.mark.parametrize("cidrs, message", [
    (["0.0.0.0/0"], 'cluster.operator_cidrs[0]: "0.0.0.0/0" would admit the whole internet to the Kubernetes API; '
                    "list the ranges your VPN, office link or bastion reaches the VPC from (docs/deploying.md: "
                    "reaching a private endpoint)"),
    (["0.0.0.0/1", "128.0.0.0/1"],
     'cluster.operator_cidrs: ["0.0.0.0/1", "128.0.0.0/1"] together cover the whole internet; list the ranges your '
     "VPN, office link or bastion reaches the VPC from (docs/deploying.md: reaching a private endpoint)"),
    (["vpn"], 'cluster.operator_cidrs[0]: "vpn" is not an IPv4 CIDR (203.0.113.0/24)'),
    (["10.200.0.1/22"], 'cluster.operator_cidrs[0]: "10.200.0.1/22" is not an IPv4 CIDR (203.0.113.0/24)'),
    (["10.200.0.7"], 'cluster.operator_cidrs[0]: "10.200.0.7" is an address, not a CIDR block: write 10.200.0.7/32'),
    (["fd00:10::/64"], 'cluster.operator_cidrs[0]: "fd00:10::/64" is an IPv6 range; the cluster\'s private endpoint has '
                       "IPv4 addresses only (list the IPv4 range your VPN or office reaches the VPC from)"),
    (["10.200.0.0/22", "10.200.0.0/22"], 'cluster.operator_cidrs[1]: "10.200.0.0/22" is already operator_cidrs[0]'),
    ("10.200.0.0/22", 'cluster.operator_cidrs: "10.200.0.0/22" is not a list'),
])
def test_operator_ranges_are_checked(cidrs, message):
    assert error(stack(operator_cidrs=cidrs)) == message
