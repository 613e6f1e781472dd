"""Gaps found by trying to get around the pack: a wildcard principal under a condition that does
not narrow it, CIDRs that together cover the internet, and the IAM and network families."""

from __future__ import annotations

import json

import pytest

import container_policies as cp
from stack_config import ConfigError, parse
from tests.conftest import PROJECT, raw_config
from tests.policy_support import resource, resource_violations, stack_violations

REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
GROUP = "aws:ec2/securityGroup:SecurityGroup"
RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
LB = "aws:lb/loadBalancer:LoadBalancer"


def repo_policy(condition: dict | None) -> dict:
    statement = {"Sid": "Pull", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}
    if condition is not None:
        statement["Condition"] = condition
    return {"repository": "myapp", "policy": json.dumps({"Version": "2012-10-17", "Statement": [statement]})}


@pytest.mark.parametrize("condition, open_", [
    (None, True),
    ({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}, False),
    ({"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": ["o-abc123", "o-def456"]}}, False),
    ({"StringEquals": {"aws:PrincipalAccount": "111122223333"}}, False),
    # Conditions that name an organisation but narrow nothing:
    ({"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}}, True),   # everyone outside it
    ({"Null": {"aws:PrincipalOrgID": "false"}}, True),                 # any organisation
    ({"StringLike": {"aws:PrincipalOrgID": "*"}}, True),               # a wildcard
    ({"StringEquals": {"aws:PrincipalOrgID": "o-*"}}, True),           # a wildcard value
    ({"StringEquals": {"aws:SourceIp": "203.0.113.0/24"}}, True),      # not who the caller is
])
def test_a_wildcard_principal_needs_a_condition_that_really_narrows_it(condition, open_):
    found = resource_violations(cp.ecr_no_public_principal, REPOSITORY_POLICY, repo_policy(condition))
    assert bool(found) == open_, found


@pytest.mark.parametrize("cidrs", [["0.0.0.0/1", "128.0.0.0/1"], ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"],
                                   ["::/1", "8000::/1"], ["0.0.0.0/0"]])
def test_ranges_that_together_cover_the_internet_are_an_open_endpoint(cidrs):
    props = {"name": "c", "endpointPublicAccess": True, "publicAccessCidrs": cidrs}
    assert resource_violations(cp.eks_no_open_public_endpoint, "eks:index:Cluster", props)
    props["publicAccessCidrs"] = ["0.0.0.0/1"]
    assert not resource_violations(cp.eks_no_open_public_endpoint, "eks:index:Cluster", props)


def test_the_config_reader_judges_the_union_too():
    config = {"repositories": [{"name": "myapp"}], "network": {"availability_zones": ["eu-central-1a", "eu-central-1b"]},
              "cluster": {"public_access_cidrs": ["0.0.0.0/1", "128.0.0.0/1"]}}
    with pytest.raises(ConfigError) as caught:
        parse(raw_config(config), project=PROJECT, stack="t")
    assert str(caught.value) == (
        'cluster.public_access_cidrs: ["0.0.0.0/1", "128.0.0.0/1"] together cover the whole internet; list your '
        "office or VPN ranges, or leave public_access_cidrs empty and reach the private endpoint through the VPC")
    config["cluster"] = {}
    config["workload"] = {"repository": "myapp"}
    config["front_door"] = {"scheme": "internal", "certificate": "none", "client_cidrs": ["0.0.0.0/1", "128.0.0.0/1"]}
    with pytest.raises(ConfigError) as caught:
        parse(raw_config(config), project=PROJECT, stack="t")
    assert str(caught.value).startswith('front_door.client_cidrs: ["0.0.0.0/1", "128.0.0.0/1"] together cover the '
                                        "whole internet")


# ------------------------------------------------------------------------------ IAM

def policy(*statements: dict) -> dict:
    return {"role": "r", "policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})}


def test_no_statement_allows_everything():
    admin = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    assert resource_violations(cp.iam_no_full_admin, ROLE_POLICY, policy(admin))
    assert resource_violations(cp.iam_no_full_admin, ROLE_POLICY, policy({"Effect": "Allow", "NotAction": "s3:*",
                                                                          "Resource": "*"}))
    assert not resource_violations(cp.iam_no_full_admin, ROLE_POLICY, policy({"Effect": "Allow", "Action": "ecr:*",
                                                                              "Resource": "*"}))
    assert not resource_violations(cp.iam_no_full_admin, ROLE_POLICY, policy({**admin, "Effect": "Deny"}))
    role = {"name": "r", "inlinePolicies": [{"name": "all", "policy": policy(admin)["policy"]}]}
    assert resource_violations(cp.iam_no_full_admin, "aws:iam/role:Role", role)


@pytest.mark.parametrize("statement", [
    {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
    {"Effect": "Allow", "Action": ["ecr:*", "IAM:*"], "Resource": "*"},
    {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}},
    {"Effect": "Allow", "Action": "iam:*", "NotResource": "arn:aws:iam::111122223333:role/x"},
    {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:*"},
])
def test_an_administrator_equivalent_is_refused_however_written(statement):
    for typ in (ROLE_POLICY, "aws:iam/policy:Policy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"):
        assert resource_violations(cp.iam_no_full_admin, typ, policy(statement)), (typ, statement)
    assert cp.iam_no_full_admin.enforcement_level.value == "mandatory"


def test_iam_scoped_to_roles_or_reads_is_not_admin():
    for statement in ({"Effect": "Allow", "Action": "iam:*", "Resource": "arn:aws:iam::111122223333:role/app/*"},
                      {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}):
        assert not resource_violations(cp.iam_no_full_admin, ROLE_POLICY, policy(statement)), statement


@pytest.mark.parametrize("typ, props", [
    ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", {"role": "r", "policyArn": "arn:aws:iam::aws:policy/IAMFullAccess"}),
    ("aws:iam/policyAttachment:PolicyAttachment", {"roles": ["r"], "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
    ("aws:iam/userPolicyAttachment:UserPolicyAttachment", {"user": "u", "policyArn": "arn:aws-cn:iam::aws:policy/AdministratorAccess"}),
    ("aws:iam/groupPolicyAttachment:GroupPolicyAttachment", {"group": "g", "policyArn": "arn:aws:iam::aws:policy/IAMFullAccess"}),
    ("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
     {"roleName": "r", "policyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/AdministratorAccess"]}),
    ("aws:iam/role:Role", {"name": "r", "managedPolicyArns": ["arn:aws-us-gov:iam::aws:policy/IAMFullAccess"]}),
])
def test_administrator_policies_are_refused_however_attached(typ, props):
    assert resource_violations(cp.iam_no_administrator_access, typ, props)


@pytest.mark.parametrize("principal, condition, refused", [
    ("*", None, True),
    ({"AWS": "*"}, None, True),
    ({"AWS": ["arn:aws:iam::111122223333:root", "*"]}, None, True),
    ({"AWS": "arn:aws:iam::*:root"}, None, True),
    ({"AWS": "*"}, {"StringNotEquals": {"aws:PrincipalOrgID": "o-123"}}, True),
    ({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}, False),
    ({"AWS": "*"}, {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/ci-*"}}, False),
    ({"AWS": "arn:aws:iam::111122223333:root"}, None, False),
    ({"Service": "eks.amazonaws.com"}, None, False),
])
def test_a_role_trusting_every_aws_principal_needs_a_narrowing_condition(principal, condition, refused):
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    role = {"name": "r", "assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": [statement]})}
    assert bool(resource_violations(cp.iam_trust_narrowed, "aws:iam/role:Role", role)) == refused
    assert cp.iam_trust_narrowed.enforcement_level.value == "mandatory"


def test_no_administrator_access_attachment():
    assert resource_violations(cp.iam_no_administrator_access, ATTACHMENT,
                               {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"})
    assert not resource_violations(cp.iam_no_administrator_access, ATTACHMENT,
                                   {"role": "r", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"})
    assert resource_violations(cp.iam_no_administrator_access, "aws:iam/role:Role",
                               {"name": "r", "managedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]})


def test_a_wildcard_passrole_is_flagged():
    wild = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}
    assert resource_violations(cp.iam_passrole_scoped, ROLE_POLICY, policy(wild))
    assert not resource_violations(cp.iam_passrole_scoped, ROLE_POLICY, policy(
        {**wild, "Condition": {"StringEquals": {"iam:PassedToService": "eks.amazonaws.com"}}}))
    assert not resource_violations(cp.iam_passrole_scoped, ROLE_POLICY, policy(
        {**wild, "Resource": "arn:aws:iam::111122223333:role/nodes"}))
    assert cp.iam_passrole_scoped.enforcement_level.value == "advisory"


def test_the_shipped_stacks_pass_the_iam_and_network_families(plans):
    from tools.policy_gate import DEFAULT_PACK, PackProcess, analyze

    for stack in ("dev", "prod"):
        with PackProcess(DEFAULT_PACK, PROJECT, stack) as pack:
            report = analyze(plans(stack), pack, {}, "eu-central-1")
        assert not [v for v in report.violations if v.policy.startswith(("iam-", "network-"))], stack


# ------------------------------------------------------------------------------ network

@pytest.mark.parametrize("typ, props, mandatory, web", [
    (INGRESS, {"securityGroupId": "sg-1", "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 22, "toPort": 22},
     True, False),
    (INGRESS, {"securityGroupId": "sg-1", "cidrIpv6": "::/0", "ipProtocol": "-1"}, True, False),
    (INGRESS, {"securityGroupId": "sg-1", "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443},
     False, True),
    (INGRESS, {"securityGroupId": "sg-1", "cidrIpv4": "203.0.113.0/24", "ipProtocol": "tcp", "fromPort": 22,
               "toPort": 22}, False, False),
    (GROUP, {"ingress": [{"cidrBlocks": ["0.0.0.0/1", "128.0.0.0/1"], "protocol": "tcp", "fromPort": 5432,
                          "toPort": 5432}]}, True, False),
    (GROUP, {"ingress": [{"cidrBlocks": ["0.0.0.0/0"], "protocol": "tcp", "fromPort": 80, "toPort": 80}]}, False, True),
    (RULE, {"type": "ingress", "cidrBlocks": ["0.0.0.0/0"], "protocol": "tcp", "fromPort": 0, "toPort": 65535},
     True, False),
    (RULE, {"type": "egress", "cidrBlocks": ["0.0.0.0/0"], "protocol": "-1", "fromPort": 0, "toPort": 0}, False, False),
])
def test_ingress_open_to_the_internet(typ, props, mandatory, web):
    assert bool(resource_violations(cp.network_no_internet_ingress, typ, props)) == mandatory
    # A public web port is refused too, unless its group is a load balancer's (below).
    assert bool(stack_violations(cp.network_public_web_ingress, [resource(typ, props)])) == web
    assert cp.network_public_web_ingress.enforcement_level.value == "mandatory"


def _with_dependencies(res, **deps):
    res.property_dependencies = deps
    return res


def test_public_web_ports_only_on_a_load_balancers_security_group():
    """By reference (the engine's property dependencies: IDs are unknown at preview) or by ID."""
    group = resource(GROUP, {"vpcId": "vpc-1"}, name="lb-sg")
    other = resource(GROUP, {"vpcId": "vpc-1"}, name="nodes-sg")
    lb = _with_dependencies(resource(LB, {"securityGroups": ["unknown"], "internal": False}, name="lb"),
                            securityGroups=[group])
    https = {"cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443}
    on_lb = _with_dependencies(resource(INGRESS, {**https, "securityGroupId": "x"}, name="on-lb"),
                               securityGroupId=[group])
    on_nodes = _with_dependencies(resource(INGRESS, {**https, "securityGroupId": "y"}, name="on-nodes"),
                                  securityGroupId=[other])
    found = stack_violations(cp.network_public_web_ingress, [group, other, lb, on_lb, on_nodes])
    assert [urn.rsplit("::", 1)[-1] for _, urn in found] == ["on-nodes"]
    assert "no load balancer of the stack uses" in found[0][0] and "TCP 443 " in found[0][0]
    # An existing group, named by ID in both places.
    lb_by_id = resource(LB, {"securityGroups": ["sg-0123456789abcdef0"]}, name="lb")
    rule = resource(INGRESS, {**https, "securityGroupId": "sg-0123456789abcdef0"}, name="rule")
    assert stack_violations(cp.network_public_web_ingress, [lb_by_id, rule]) == []
    assert stack_violations(cp.network_public_web_ingress, [rule]) != []


# ------------------------------------------------------------------------------ the restricted profile

GOOD_CONTAINER = {"name": "app", "image": "x", "securityContext": {
    "allowPrivilegeEscalation": False, "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"}}}


def deployment(pod_extra: dict | None = None, container_extra: dict | None = None) -> dict:
    container = {**GOOD_CONTAINER, **(container_extra or {})}
    if container_extra and "securityContext" in container_extra:
        container["securityContext"] = {**GOOD_CONTAINER["securityContext"], **container_extra["securityContext"]}
    return {"spec": {"template": {"spec": {"containers": [container], **(pod_extra or {})}}}}


@pytest.mark.parametrize("pod_extra, container_extra, finding", [
    ({}, {}, None),
    ({"volumes": [{"name": "v", "emptyDir": {}}, {"name": "c", "configMap": {"name": "x"}}]}, {}, None),
    ({"volumes": [{"name": "nfs", "nfs": {"server": "s", "path": "/"}}]}, {}, "volume nfs is of a type"),
    ({}, {"ports": [{"containerPort": 80, "hostPort": 80}]}, "uses hostPort 80"),
    ({}, {"securityContext": {"procMount": "Unmasked"}}, "sets procMount Unmasked"),
    ({"securityContext": {"sysctls": [{"name": "kernel.msgmax", "value": "1"}]}}, {}, "unsafe sysctl kernel.msgmax"),
    ({"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}]}}, {}, None),
    ({}, {"securityContext": {"seLinuxOptions": {"type": "spc_t"}}}, "SELinux type spc_t"),
    ({}, {"securityContext": {"seLinuxOptions": {"user": "root"}}}, "sets an SELinux user"),
    ({}, {"securityContext": {"appArmorProfile": {"type": "Unconfined"}}}, "AppArmor profile Unconfined"),
    ({}, {"securityContext": {"windowsOptions": {"hostProcess": True}}}, "Windows HostProcess"),
    ({"hostPID": True}, {}, "hostPID is true"),
])
def test_every_control_of_the_restricted_profile(pod_extra, container_extra, finding):
    found = resource_violations(cp.k8s_pod_security, "kubernetes:apps/v1:Deployment",
                                deployment(pod_extra, container_extra))
    if finding is None:
        assert found == []
    else:
        assert found and finding in found[0], found
