"""The network, cluster and node group: config rules with their messages, what the plan declares
(no route to the internet without NAT, every required endpoint), pulumi-eks's own rules as the
harness repeats them, and the EKS policies on both shapes of a cluster."""

from __future__ import annotations

import json

import pulumi_aws as aws
import pulumi_eks as eks
import pytest

import container_policies as cp
from tests.conftest import config_error as error
from tests.conftest import run_config, settings_for
from tests.policy_support import UNKNOWN, resource_violations
from tools.harness import EngineError, run_function

ZONES = ["eu-central-1a", "eu-central-1b"]
ADMIN = "arn:aws:iam::111122223333:role/platform-admin"
ROUTE = "aws:ec2/route:Route"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
CLUSTER = "eks:index:Cluster"
NODE_GROUP = "eks:index:ManagedNodeGroup"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"


def stack(network=None, cluster=None, **extra):
    return {"repositories": [{"name": "myapp", "lifecycle": {"keep_last": 5}}],
            "network": {"availability_zones": ZONES, **(network or {})},
            "cluster": {"admins": [{"role_arn": ADMIN}], **(cluster or {})}, **extra}


# ------------------------------------------------------------------------------ config rules

@pytest.mark.parametrize("network, message", [
    ({"availability_zones": ["eu-central-1a"]},
     'network.availability_zones: ["eu-central-1a"] must list 2 or 3 availability zones (EKS needs two)'),
    ({"availability_zones": ["eu-central-1a", "us-east-1b"]},
     'network.availability_zones[1]: "us-east-1b" is not an availability zone of eu-central-1 (its zones: '
     "eu-central-1a, eu-central-1b, eu-central-1c; AWS's list as of 2026-11)"),
    ({"availability_zones": ["eu-central-1a", "eu-central-1z"]},
     'network.availability_zones[1]: "eu-central-1z" is not an availability zone of eu-central-1 (its zones: '
     "eu-central-1a, eu-central-1b, eu-central-1c; AWS's list as of 2026-11)"),
    ({"availability_zones": ["eu-central-1a", "eu-central-1a"]},
     'network.availability_zones: ["eu-central-1a", "eu-central-1a"] names a zone twice'),
    ({"cidr": "8.8.0.0/16"}, 'network.cidr: "8.8.0.0/16" must be a private IPv4 range from /16 to /24 (e.g. 10.0.0.0/16)'),
    ({"cidr": "10.0.0.0/8"}, 'network.cidr: "10.0.0.0/8" must be a private IPv4 range from /16 to /24 (e.g. 10.0.0.0/16)'),
    ({"cidr": "ten"}, 'network.cidr: "ten" is not an IPv4 network (e.g. 10.0.0.0/16)'),
    ({"nat": "yes"}, 'network.nat: "yes" is not one of none, single, per_az'),
    ({"endpoints": False}, "network.endpoints: false would leave nodes without NAT or endpoints unable to reach "
                           "ECR, EC2 and STS; keep endpoints on or set nat"),
    ({"extra_endpoints": ["s3"]}, 'network.extra_endpoints[0]: "s3" is not one of eks, eks-auth, logs, '
                                  "elasticloadbalancing, autoscaling, ssm, ssmmessages, ec2messages, kms"),
    ({"flow_log_retention_days": 2}, "network.flow_log_retention_days: 2 is not a CloudWatch Logs retention "
                                     "(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, "
                                     "1827, 2192, 2557, 2922, 3288, 3653)"),
    ({"availability_zones": [], "vpc_id": "vpc-123", "private_subnet_ids": ["subnet-0123456789abcdef0"] * 2},
     'network.vpc_id: "vpc-123" is not a VPC ID (vpc- and 8 or 17 hex digits)'),
    ({"availability_zones": [], "vpc_id": "vpc-0123456789abcdef0", "private_subnet_ids": ["subnet-1"]},
     'network.private_subnet_ids: ["subnet-1"] must list 2-16 private subnets of the VPC, in at least two zones '
     "(EKS needs two)"),
    ({"vpc_id": "vpc-0123456789abcdef0", "private_subnet_ids": ["subnet-0123456789abcdef0", "subnet-01234567"]},
     'network.availability_zones: ["eu-central-1a", "eu-central-1b"] is for a new VPC; an existing VPC (vpc_id) '
     "keeps its own"),
])
def test_network_errors(network, message):
    assert error(stack(network=network)) == message


@pytest.mark.parametrize("cluster, message", [
    ({"name": "-bad"}, 'cluster.name: "-bad" is not an EKS cluster name (1-100 letters, digits, - and _, starting '
                       "with a letter or digit)"),
    ({"version": "1.20"}, 'cluster.version: "1.20" is not a Kubernetes version EKS supports (1.32, 1.33, 1.34, '
                          "1.35, 1.36; components/eks/versions.py)"),
    ({"version": "1.32"}, 'cluster.version: "1.32" is in extended support only; set upgrade_policy: EXTENDED '
                          "(billed higher) or use a version in standard support (1.34, 1.35, 1.36)"),
    ({"upgrade_policy": "NONE"}, 'cluster.upgrade_policy: "NONE" is not one of STANDARD, EXTENDED'),
    ({"public_access_cidrs": ["0.0.0.0/0"]},
     'cluster.public_access_cidrs[0]: "0.0.0.0/0" opens the Kubernetes API to the whole internet; list your '
     "office or VPN ranges, or leave public_access_cidrs empty and reach the private endpoint through the VPC "
     "(VPN, bastion, CI runner inside it)"),
    ({"public_access_cidrs": ["10.1.0.0/16"]},
     'cluster.public_access_cidrs[0]: "10.1.0.0/16" is a private range; the public endpoint sees public addresses '
     "only (the private endpoint already serves the VPC)"),
    ({"public_access_cidrs": ["example"]},
     'cluster.public_access_cidrs[0]: "example" is not an IPv4 CIDR (203.0.113.0/24)'),
    ({"admins": [{"role_arn": "arn:aws:iam::111122223333:user/bob"}]},
     'cluster.admins[0].role_arn: "arn:aws:iam::111122223333:user/bob" is not an IAM role ARN '
     "(arn:aws:iam::ACCOUNT:role/NAME)"),
    ({"admins": [{"role_arn": ADMIN, "namespaces": ["a"]}]},
     'cluster.admins[0].namespaces: ["a"] is only for admin, edit or view access; cluster-admin is cluster-wide'),
    ({"admins": [{"role_arn": ADMIN, "access": "edit"}]},
     "cluster.admins[0].namespaces: [] must list the namespaces edit access is for"),
    ({"admins": [{"role_arn": ADMIN, "access": "root"}]},
     'cluster.admins[0].access: "root" is not one of cluster-admin, admin, edit, view'),
    ({"admins": [{"role_arn": ADMIN}, {"role_arn": ADMIN}]},
     f'cluster.admins[1].role_arn: "{ADMIN}" is already admins[0]'),
    ({"log_types": ["api"]}, 'cluster.log_types: ["api"] must include api, audit, authenticator (missing audit, '
                             "authenticator)"),
    ({"log_types": ["api", "audit", "authenticator", "all"]},
     'cluster.log_types[3]: "all" is not one of api, audit, authenticator, controllerManager, scheduler'),
    ({"secrets_key_arn": "arn:aws:kms:eu-central-1:111122223333:alias/eks"},
     'cluster.secrets_key_arn: "arn:aws:kms:eu-central-1:111122223333:alias/eks" is a KMS alias ARN; give the key '
     "ARN it points to (aws kms describe-key --key-id ALIAS_ARN --query KeyMetadata.Arn): ECR templates refuse "
     "aliases, and a repository reads the key ARN back, so every later up would replace it"),
    ({"nodegroup": {}}, 'cluster.nodegroup: {} is set on an unknown key; did you mean node_groups? allowed keys: '
                        "name, version, upgrade_policy, admins, creator_arn, public_access_cidrs, operator_cidrs, secrets_key_arn, log_types, "
                        "log_retention_days, deletion_protection, zonal_shift, autoscaler, observability, node_groups"),
])
def test_cluster_errors(cluster, message):
    assert error(stack(cluster=cluster)) == message


@pytest.mark.parametrize("node_group, message", [
    ({"instance_types": ["m7g.large"]},
     'cluster.node_groups[0].ami_type: "AL2023_x86_64_STANDARD" is a amd64 AMI, but the instance types are arm64: '
     "the nodes would never become ready; use AL2023_ARM_64_STANDARD or BOTTLEROCKET_ARM_64"),
    ({"instance_types": ["t3.large"], "ami_type": "BOTTLEROCKET_ARM_64"},
     'cluster.node_groups[0].ami_type: "BOTTLEROCKET_ARM_64" is a arm64 AMI, but the instance types are amd64: the '
     "nodes would never become ready; use AL2023_x86_64_STANDARD or BOTTLEROCKET_x86_64"),
    ({"instance_types": ["t3.large", "t4g.large"]},
     'cluster.node_groups[0].instance_types: ["t3.large", "t4g.large"] mixes Graviton (arm64) and x86 (amd64) types; '
     "a node group runs one architecture"),
    ({"instance_types": ["large"]}, 'cluster.node_groups[0].instance_types[0]: "large" is not an EC2 instance type '
                                    "(t3.large)"),
    ({"min_size": 3, "desired_size": 2}, "cluster.node_groups[0].desired_size: 2 must be between min_size (3) and "
                                         "max_size (3)"),
    ({"max_size": 500, "desired_size": 2}, "cluster.node_groups[0].max_size: 500 is more than the 450 nodes EKS "
                                           "allows in a node group"),
    ({"capacity_type": "RESERVED"}, 'cluster.node_groups[0].capacity_type: "RESERVED" is not one of ON_DEMAND, SPOT'),
    ({"ecr_policy": "AmazonEC2ContainerRegistryFullAccess"},
     'cluster.node_groups[0].ecr_policy: "AmazonEC2ContainerRegistryFullAccess" is not one of '
     "AmazonEC2ContainerRegistryReadOnly, AmazonEC2ContainerRegistryPullOnly"),
    ({"disk_size": 4}, "cluster.node_groups[0].disk_size: 4 is not a volume size in GiB (8-16384)"),
    ({"taints": [{"key": "dedicated", "effect": "NoSchedule"}]},
     'cluster.node_groups[0].taints[0].effect: "NoSchedule" is not one of NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE'),
    ({"taints": [{"key": "dedicated"}]}, "cluster.node_groups[0].taints[0].effect: null is required"),
    ({"labels": {"bad key!": "x"}}, 'cluster.node_groups[0].labels.bad key!: "bad key!" is not a Kubernetes label key '
                                    "(an optional DNS prefix and /, then letters, digits, -, _ and ., starting and "
                                    "ending with a letter or digit)"),
    ({"min_size": -1}, "cluster.node_groups[0].min_size: -1 is not a whole number (0 or more)"),
])
def test_node_group_errors(node_group, message):
    assert error(stack(cluster={"node_groups": [node_group]})) == message


def test_cluster_and_network_come_together():
    config = stack()
    del config["network"]
    assert error(config) == ("network: null is required with cluster: the cluster's nodes run in the network "
                             "(set both, or neither for a registry-only stack)")


def test_a_cache_without_nat_is_warned_at_preview_naming_the_option():
    plan = run_config(stack(pull_through_cache={"rules": [{"upstream": "quay"}]}))
    # (the other warning of a stack without NAT names the agents' endpoints: tests/eks/test_scaling.py)
    (warning,) = [w for w in plan.warnings if w.startswith("pull_through_cache")]
    assert warning.startswith("pull_through_cache with network.nat: none — the FIRST pull of each image")
    assert "set network.nat (single or per_az)" in warning
    assert not run_config(stack(network={"nat": "single"}, pull_through_cache={"rules": [{"upstream": "quay"}]})
                          ).warnings


# ------------------------------------------------------------------------------ the network

def test_without_nat_nodes_have_no_route_to_the_internet_and_every_endpoint():
    plan = run_config(stack())
    assert not [r for r in plan.resources if r.type in ("aws:ec2/internetGateway:InternetGateway",
                                                       "aws:ec2/natGateway:NatGateway")]
    assert not [r for r in plan.by_type(ROUTE) if r.inputs.get("destinationCidrBlock") == "0.0.0.0/0"]
    assert not [r for r in plan.by_type("aws:ec2/subnet:Subnet") if "public" in r.name]
    endpoints = {r.inputs["serviceName"]: r.inputs for r in plan.by_type(ENDPOINT)}
    for service in ("ecr.api", "ecr.dkr", "ec2", "sts"):
        inputs = endpoints[f"com.amazonaws.eu-central-1.{service}"]
        assert inputs["vpcEndpointType"] == "Interface" and inputs["privateDnsEnabled"] is True
        assert len(inputs["subnetIds"]) == 2
    s3 = endpoints["com.amazonaws.eu-central-1.s3"]
    private_rts = {r.urn for r in plan.by_type("aws:ec2/routeTable:RouteTable")}
    assert s3["vpcEndpointType"] == "Gateway" and len(s3["routeTableIds"]) == len(private_rts) == 2
    (rule,) = [r for r in plan.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
               if r.name.startswith("network-")]
    vpc = plan.one("aws:ec2/vpc:Vpc", "network-vpc")
    assert (rule.inputs["fromPort"], rule.inputs["toPort"], rule.inputs["ipProtocol"]) == (443, 443, "tcp")
    assert rule.inputs["cidrIpv4"] == vpc.inputs["cidrBlock"] == "10.0.0.0/16"
    assert vpc.inputs["enableDnsSupport"] is True and vpc.inputs["enableDnsHostnames"] is True
    default_sg = plan.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "network-default-sg")
    assert default_sg.inputs["ingress"] == [] and default_sg.inputs["egress"] == []
    assert plan.by_type("aws:ec2/flowLog:FlowLog")[0].inputs["trafficType"] == "ALL"


@pytest.mark.parametrize("nat, gateways", [("single", 1), ("per_az", 2)])
def test_with_nat_the_private_default_route_goes_through_it(nat, gateways):
    plan = run_config(stack(network={"nat": nat}))
    nats = plan.by_type("aws:ec2/natGateway:NatGateway")
    assert len(nats) == gateways
    private_defaults = [r for r in plan.by_type(ROUTE) if "private" in r.name]
    assert len(private_defaults) == 2
    assert all(r.inputs["destinationCidrBlock"] == "0.0.0.0/0" and "natGatewayId" in r.inputs
               and "gatewayId" not in r.inputs for r in private_defaults)
    assert not plan.by_type(ENDPOINT)  # endpoints are optional with NAT
    public = [r for r in plan.by_type("aws:ec2/subnet:Subnet") if "public" in r.name]
    assert len(public) == 2 and not any(r.inputs["mapPublicIpOnLaunch"] for r in public)


def test_an_existing_vpc_creates_nothing():
    ids = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    plan = run_config(stack(network={"availability_zones": [], "vpc_id": "vpc-0123456789abcdef0",
                                     "private_subnet_ids": ids}))
    # Nothing of the network: the node group's own launch template is the only EC2 resource.
    assert [r.type for r in plan.resources if r.type.startswith("aws:ec2/")] == ["aws:ec2/launchTemplate:LaunchTemplate"]
    assert plan.one(CLUSTER, "cluster-eks").inputs["privateSubnetIds"] == ids


# ------------------------------------------------------------------------------ cluster and nodes

def test_the_cluster_is_private_encrypted_logged_and_api_authenticated(plans):
    plan = plans("prod")
    cluster = plan.one(CLUSTER, "cluster-eks")
    inputs = cluster.inputs
    assert cluster.remote and cluster.protect
    assert inputs["authenticationMode"] == "API" and "instanceRoles" not in inputs
    assert inputs["endpointPrivateAccess"] is True and inputs["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in inputs
    assert inputs["skipDefaultNodeGroup"] is True and inputs["deletionProtection"] is True
    assert inputs["upgradePolicy"] == {"supportType": "STANDARD"}
    key = plan.one("aws:kms/key:Key", "cluster-key")
    assert inputs["encryptionConfigKeyArn"] == key.outputs["arn"]
    logs = plan.one("aws:cloudwatch/logGroup:LogGroup", "cluster-logs")
    assert logs.inputs["name"] == f"/aws/eks/{inputs['name']}/cluster" and logs.inputs["retentionInDays"] == 365
    assert logs.inputs["kmsKeyId"] == key.outputs["arn"] and logs.urn in cluster.dependencies
    assert "accessEntries" not in inputs  # the component's own resources, keyed by principal (below)
    entries = {r.name: r for r in plan.by_type("aws:eks/accessEntry:AccessEntry")}
    node_role = plan.one("aws:iam/role:Role", "nodes-role")
    assert node_role.inputs["name"] not in json.dumps([e.inputs for e in entries.values()])  # EKS adds it
    assert plan.outputs["kubeconfig"] == "[secret]"  # a secret output
    provider = plan.one("pulumi:providers:kubernetes", "cluster-k8s")
    assert provider.inputs["kubeconfig"] == "[secret]"


ENTRY = "aws:eks/accessEntry:AccessEntry"
ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"


def test_access_entries_are_keyed_by_principal_for_the_admins_and_the_ci_roles(plans):
    plan = plans("prod")
    entries = {r.name: r for r in plan.by_type(ENTRY)}
    roles = {r.name: r for r in plan.by_type("aws:iam/role:Role")}
    assert {name: e.inputs["principalArn"] for name, e in entries.items()} == {
        "cluster-access-platform-admin": "arn:aws:iam::444455556666:role/platform-admin",
        "cluster-access-myapp-team": "arn:aws:iam::444455556666:role/myapp-team",
        "cluster-access-ci-deploy": roles["github-deploy"].outputs["arn"],
        "cluster-access-ci-preview": roles["github-preview"].outputs["arn"]}
    policies = {r.name: (r.inputs["policyArn"].rsplit("/", 1)[-1], r.inputs["accessScope"])
                for r in plan.by_type(ASSOCIATION)}
    assert policies == {
        "cluster-access-platform-admin-cluster-admin": ("AmazonEKSClusterAdminPolicy", {"type": "cluster"}),
        "cluster-access-myapp-team-admin": ("AmazonEKSAdminPolicy", {"type": "namespace", "namespaces": ["myapp"]}),
        # The deploy role applies a Namespace (cluster-scoped): cluster admin. The preview role reads.
        "cluster-access-ci-deploy-cluster-admin": ("AmazonEKSClusterAdminPolicy", {"type": "cluster"}),
        "cluster-access-ci-preview-view": ("AmazonEKSViewPolicy", {"type": "cluster"})}
    cluster = plan.one(CLUSTER, "cluster-eks")
    for res in [*entries.values(), *plan.by_type(ASSOCIATION)]:
        # Never protected with the cluster (a scope change replaces, and must not stop at protect);
        # a replacement frees the principal's one entry first.
        assert not res.protect and res.delete_before_replace, res.name
        assert res.inputs["clusterName"] == "platform-prod" and cluster.urn in res.dependencies
    assert plan.outputs["cluster"]["creator_arn"] == "arn:aws:iam::444455556666:role/platform-bootstrap"


def test_reordering_admins_keeps_each_entry():
    from tests.conftest import run_config

    admins = [{"role_arn": ADMIN}, {"role_arn": "arn:aws:iam::111122223333:role/other"}]
    first = {r.name: r.urn for r in run_config(stack(cluster={"admins": admins})).by_type(ENTRY)}
    second = {r.name: r.urn for r in run_config(stack(cluster={"admins": admins[::-1]})).by_type(ENTRY)}
    assert first == second and len(first) == 2


@pytest.mark.parametrize("cluster, message", [
    ({"creator_arn": ADMIN},
     f'cluster.admins[0].role_arn: "{ADMIN}" is cluster.creator_arn, which EKS already made cluster admin when it '
     "created the cluster; a principal has one access entry, so a second fails with 409 (ResourceInUseException). "
     "Leave it out (see docs/deploying.md: removing the creator's implicit admin)"),
    ({"creator_arn": "arn:aws:sts::111122223333:assumed-role/bootstrap/me"},
     'cluster.creator_arn: "arn:aws:sts::111122223333:assumed-role/bootstrap/me" is not an IAM role or user ARN '
     "(arn:aws:iam::ACCOUNT:role/NAME); for an assumed-role session give the role's ARN"),
    ({"admins": [{"role_arn": ADMIN}, {"role_arn": "arn:aws:iam::111122223333:role/team/platform-admin"}]},
     'cluster.admins[1].role_arn: "arn:aws:iam::111122223333:role/team/platform-admin" has the role name of '
     "admins[0]; access entries are keyed by role name, so give each admin role its own name"),
    ({"admins": [{"role_arn": "arn:aws:iam::111122223333:role/ci-deploy"}]},
     'cluster.admins[0].role_arn: "arn:aws:iam::111122223333:role/ci-deploy" has the role name of the CI role of '
     "the same key; access entries are keyed by role name, so give each admin role its own name"),
])
def test_access_entry_errors(cluster, message):
    assert error(stack(cluster=cluster)) == message


def test_dev_has_a_public_endpoint_for_its_listed_range_only(plans):
    inputs = plans("dev").one(CLUSTER, "cluster-eks").inputs
    assert inputs["endpointPublicAccess"] is True and inputs["publicAccessCidrs"] == ["203.0.113.0/24"]


def test_the_node_role_can_pull_from_the_registry_and_its_caches(plans):
    plan = plans("prod")
    role = plan.one("aws:iam/role:Role", "nodes-role")
    attached = {r.inputs["policyArn"].rsplit("/", 1)[-1] for r in plan.by_type(ATTACHMENT)
                if r.parent == role.urn}
    # The CNI's policy is aws-node's own (IRSA), not the node role's: pods could reach the node role.
    assert attached == {"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"}
    puller = plan.one("aws:iam/rolePolicy:RolePolicy", "nodes-pull-through-cache")
    statement = json.loads(puller.inputs["policy"])["Statement"][0]
    assert statement["Action"] == ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository", "ecr:TagResource"]
    assert "arn:aws:ecr:eu-central-1:444455556666:repository/docker-hub/*" in statement["Resource"]
    group = plan.one(NODE_GROUP, "nodes-nodes")
    assert group.remote and group.inputs["nodeRole"] == role.urn and "nodeRoleArn" not in group.inputs
    assert "enableIMDSv2" not in group.inputs and "diskSize" not in group.inputs  # the launch template's
    template = plan.one("aws:ec2/launchTemplate:LaunchTemplate", "nodes-launch-template")
    assert group.inputs["launchTemplate"] == {"id": template.resource_id, "version": "1"}
    assert template.inputs["metadataOptions"] == {"httpEndpoint": "enabled", "httpTokens": "required",
                                                  "httpPutResponseHopLimit": 1, "instanceMetadataTags": "disabled"}
    (device,) = template.inputs["blockDeviceMappings"]
    assert device["deviceName"] == "/dev/xvda" and device["ebs"] == {
        "volumeSize": 50, "volumeType": "gp3", "encrypted": "true", "deleteOnTermination": "true"}
    assert "vpcSecurityGroupIds" not in template.inputs  # EKS then adds its cluster security group
    assert group.inputs["amiType"] == "AL2023_ARM_64_STANDARD"
    assert len(group.inputs["subnetIds"]) == 3
    assert group.inputs["subnetIds"] == plan.one(CLUSTER, "cluster-eks").inputs["privateSubnetIds"]
    private = [s for s in plan.by_type("aws:ec2/subnet:Subnet") if "private" in s.name]
    assert all(s.urn in group.dependencies for s in private)  # the ids come from the private subnets
    assert puller.urn in group.dependencies  # a role that cannot pull yet makes nodes that never get ready
    assert plan.outputs["cluster"]["node_groups"]["nodes"]["architecture"] == "arm64"


# ------------------------------------------------------------------------------ pulumi-eks's own rules

def declare_cluster(**kwargs):
    def declare():
        role = aws.iam.Role("r", assume_role_policy="{}")
        eks.Cluster("c", vpc_id="vpc-1", private_subnet_ids=["subnet-1", "subnet-2"],
                    instance_roles=[role] if kwargs.pop("with_instance_roles", False) else None, **kwargs)
    return declare


@pytest.mark.parametrize("kwargs, message", [
    ({"authentication_mode": eks.AuthenticationMode.API, "with_instance_roles": True},
     "eks:index:Cluster: instanceRoles cannot be used with authenticationMode API"),
    ({"access_entries": {"a": eks.AccessEntryArgs(principal_arn=ADMIN)}},
     "eks:index:Cluster: accessEntries need authenticationMode API or API_AND_CONFIG_MAP"),
    ({"endpoint_public_access": False, "public_access_cidrs": ["203.0.113.0/24"]},
     "eks:index:Cluster: publicAccessCidrs need endpointPublicAccess"),
])
def test_the_harness_refuses_what_the_eks_plugin_refuses(kwargs, message):
    with pytest.raises(EngineError) as caught:
        run_function(settings_for({}), declare_cluster(**kwargs))
    assert str(caught.value).startswith(message)


def test_a_node_group_needs_exactly_one_role():
    def declare():
        cluster = eks.Cluster("c", vpc_id="vpc-1", private_subnet_ids=["subnet-1", "subnet-2"],
                              authentication_mode=eks.AuthenticationMode.API)
        eks.ManagedNodeGroup("n", cluster=cluster, node_role_arn="arn:aws:iam::111122223333:role/x",
                             node_role=aws.iam.Role("r", assume_role_policy="{}"))
    with pytest.raises(EngineError, match="provide exactly one of nodeRole or nodeRoleArn"):
        run_function(settings_for({}), declare)


def test_the_plan_json_marks_remote_components(plans):
    remote = {r.type for r in plans("dev").resources if r.remote}
    assert remote == {CLUSTER, NODE_GROUP}
    assert plans("dev").one(CLUSTER, "cluster-eks").to_json()["remote"] is True


# ------------------------------------------------------------------------------ EKS policies, both shapes

def component(**props):
    return {"endpointPrivateAccess": True, "endpointPublicAccess": False, "encryptionConfigKeyArn": "arn:k",
            "enabledClusterLogTypes": ["api", "audit", "authenticator"], **props}


def child(**vpc):
    return {"vpcConfig": {"endpointPublicAccess": False, **vpc},
            "encryptionConfig": {"provider": {"keyArn": "arn:k"}, "resources": ["secrets"]},
            "enabledClusterLogTypes": ["api", "audit", "authenticator"]}


@pytest.mark.parametrize("typ, props", [(cp.EKS_CLUSTER, component()), (cp.AWS_CLUSTER, child()),
                                        (cp.EKS_CLUSTER, component(endpointPublicAccess=True,
                                                                   publicAccessCidrs=["203.0.113.0/24"])),
                                        (cp.AWS_CLUSTER, child(endpointPublicAccess=True,
                                                               publicAccessCidrs=["203.0.113.0/24"]))])
def test_compliant_clusters_pass_every_eks_policy(typ, props):
    for policy in (cp.eks_no_open_public_endpoint, cp.eks_secrets_encryption, cp.eks_control_plane_logging):
        assert resource_violations(policy, typ, props, name="c") == [], policy.name


@pytest.mark.parametrize("typ, props, shown", [
    (cp.EKS_CLUSTER, component(endpointPublicAccess=True, publicAccessCidrs=["0.0.0.0/0"]), "0.0.0.0/0"),
    (cp.EKS_CLUSTER, component(endpointPublicAccess=None), "no CIDRs (EKS's default: 0.0.0.0/0)"),
    (cp.AWS_CLUSTER, child(endpointPublicAccess=True, publicAccessCidrs=["0.0.0.0/0"]), "0.0.0.0/0"),
    (cp.AWS_CLUSTER, child(endpointPublicAccess=True), "no CIDRs (EKS's default: 0.0.0.0/0)"),
])
def test_a_public_endpoint_open_to_the_internet_is_mandatory_violation(typ, props, shown):
    assert cp.eks_no_open_public_endpoint.enforcement_level.value == "mandatory"
    assert resource_violations(cp.eks_no_open_public_endpoint, typ, props, name="c") == [
        f"EKS cluster c has a public API endpoint open to {shown}. List the ranges that need it (stack config "
        "cluster.public_access_cidrs), or turn the public endpoint off and reach the private one from inside "
        "the VPC."]


@pytest.mark.parametrize("typ, props", [
    (cp.EKS_CLUSTER, component(encryptionConfigKeyArn=None)),
    (cp.AWS_CLUSTER, {**child(), "encryptionConfig": None}),
    (cp.AWS_CLUSTER, {**child(), "encryptionConfig": {"provider": {"keyArn": "arn:k"}, "resources": []}}),
])
def test_missing_secrets_encryption_is_advisory(typ, props):
    assert resource_violations(cp.eks_secrets_encryption, typ, props, name="c") == [
        "EKS cluster c does not encrypt Kubernetes secrets with a KMS key (envelope encryption); set "
        "encryption_config_key_arn."]


@pytest.mark.parametrize("typ, props", [(cp.EKS_CLUSTER, component(enabledClusterLogTypes=["api"])),
                                        (cp.AWS_CLUSTER, {**child(), "enabledClusterLogTypes": None})])
def test_missing_control_plane_logs_are_advisory(typ, props):
    (message,) = resource_violations(cp.eks_control_plane_logging, typ, props, name="c")
    assert message.startswith("EKS cluster c does not log ")
    assert resource_violations(cp.eks_control_plane_logging, typ, props, {"requiredLogTypes": []}) == []


def test_unknown_cluster_values_are_not_violations():
    for policy in (cp.eks_no_open_public_endpoint, cp.eks_secrets_encryption, cp.eks_control_plane_logging):
        assert resource_violations(policy, cp.EKS_CLUSTER, component(endpointPublicAccess=UNKNOWN,
                                                                     encryptionConfigKeyArn=UNKNOWN,
                                                                     enabledClusterLogTypes=UNKNOWN)) == []


def test_eks_node_role_can_pull_sees_a_role_without_the_ecr_policy(tmp_path):
    """Exercised for real: the prod plan passes; without its ECR attachment it is reported."""
    from tools.harness import ROOT
    from tools.policy_gate import PackProcess, analyze

    def pull_policies_removed():
        config = stack(cluster={"node_groups": [{"ecr_policy": "AmazonEC2ContainerRegistryReadOnly"}]})
        return run_config(config)

    plan = pull_policies_removed()
    with PackProcess(ROOT / "policy_pack", plan.project, plan.stack) as pack:
        assert not [v for v in analyze(plan, pack, {}).violations if v.policy == "eks-node-role-can-pull"]
    ecr = [r for r in plan.resources if r.type == ATTACHMENT and r.inputs["policyArn"].endswith("ReadOnly")]
    assert len(ecr) == 1
    plan.resources.remove(ecr[0])
    with PackProcess(ROOT / "policy_pack", plan.project, plan.stack) as pack:
        found = [v for v in analyze(plan, pack, {}).violations if v.policy == "eks-node-role-can-pull"]
    assert [v.urn.rsplit("::", 1)[-1] for v in found] == ["nodes-nodes"]
    assert "has neither AmazonEC2ContainerRegistryReadOnly nor AmazonEC2ContainerRegistryPullOnly" in found[0].message





# ------------------------------------------------------------------------------ fidelity

@pytest.mark.parametrize("instance_type, arch", [("a1.large", "arm64"), ("m7g.large", "arm64"), ("im4gn.large", "arm64"),
                                                 ("t3.large", "amd64"), ("m7a.large", "amd64"), ("c7i.xlarge", "amd64")])
def test_instance_families_map_to_their_architecture(instance_type, arch):
    from components.eks.node_group import architecture

    assert architecture(instance_type) == arch


@pytest.mark.parametrize("group, message", [
    ({"disk_size": 10}, "cluster.node_groups[0].disk_size: 10 is smaller than the 20 GiB volume the AL2023 EKS AMI "
                        "itself has; the node group would fail to launch (use 20 or more)"),
    ({"disk_size": 12, "ami_type": "BOTTLEROCKET_x86_64"},
     "cluster.node_groups[0].disk_size: 12 is smaller than the 20 GiB volume the BOTTLEROCKET EKS AMI itself has; "
     "the node group would fail to launch (use 20 or more)"),
    ({"instance_types": ["a1.large"]},
     'cluster.node_groups[0].ami_type: "AL2023_x86_64_STANDARD" is a amd64 AMI, but the instance types are arm64: '
     "the nodes would never become ready; use AL2023_ARM_64_STANDARD or BOTTLEROCKET_ARM_64"),
])
def test_node_group_fidelity_errors(group, message):
    assert error(stack(cluster={"node_groups": [group]})) == message


def test_the_flow_log_waits_for_its_roles_policy(plans):
    plan = plans("prod")
    flow_log = plan.one("aws:ec2/flowLog:FlowLog", "network-flow-log")
    policy = plan.one("aws:iam/rolePolicy:RolePolicy", "network-flow-logs-role-policy")
    assert policy.urn in flow_log.dependencies


def test_the_mock_tells_pulumi_eks_own_group_from_the_one_eks_creates(plans):
    """pulumi-eks's component output clusterSecurityGroupId is its own group, unless it creates
    none (skipDefaultSecurityGroups, as here): then it is the EKS cluster's, which managed nodes and
    the API's interfaces carry. The program reads the EKS cluster's either way."""
    plan = plans("prod")
    cluster = plan.one(CLUSTER, "cluster-eks")
    eks_group = plan.outputs["cluster"]["security_group_id"]
    assert cluster.inputs["skipDefaultSecurityGroups"] is True
    assert cluster.outputs["clusterSecurityGroupId"] == eks_group
    from tools.harness.mocks.eks import cluster as mock_cluster
    from tools.harness.mocks.registry import Where

    where = Where("444455556666", "eu-central-1", "aws", "amazonaws.com")
    _, own = mock_cluster(CLUSTER, "c", {"name": "c"}, where)
    assert own["clusterSecurityGroupId"] != own["eksCluster"]["__harness_child__"]["state"]["vpcConfig"][
        "clusterSecurityGroupId"]
    rule = plan.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "runners-cluster-api")
    assert rule.inputs["securityGroupId"] == eks_group


def test_the_kubernetes_provider_signs_in_with_the_stacks_aws_profile():
    """The kubeconfig the program hands to its Kubernetes provider (not pulumi-eks's input, whose
    kubeconfigJson output leaves the profile out): tests/eks/test_day2.py has the role too."""
    def provider_args(plan):
        config = json.loads(plan.one("pulumi:providers:kubernetes", "cluster-k8s").revealed("kubeconfig"))
        return config["users"][0]["user"]["exec"]["args"]

    plain = run_config(stack())
    assert "providerCredentialOpts" not in plain.one(CLUSTER, "cluster-eks").inputs
    assert "--profile" not in provider_args(plain)
    config = stack()
    config["aws:profile"] = "platform-admin"
    assert provider_args(run_config(config))[-2:] == ["--profile", "platform-admin"]


def test_a_secrets_key_change_leaves_no_perpetual_diff_and_never_deletes_the_key_in_use(plans):
    for stack in ("dev", "prod"):
        plan = plans(stack)
        cluster = plan.one(CLUSTER, "cluster-eks")
        assert cluster.ignore_changes == ["encryptionConfigKeyArn"], stack
        key = plan.one("aws:kms/key:Key", "cluster-key")
        assert key.retain_on_delete, stack  # kept when it leaves the program: EKS still encrypts with it


def test_the_replication_configuration_is_kept_on_destroy(plans):
    config = plans("prod").one("aws:ecr/replicationConfiguration:ReplicationConfiguration", "replication-configuration")
    assert config.retain_on_delete  # the provider's delete would empty every rule of the registry


def test_the_core_add_ons_are_pinned_to_the_kubernetes_versions_default(plans):
    plan = plans("prod")
    cluster = plan.one(CLUSTER, "cluster-eks").inputs
    pinned = "v1.35-default-eksbuild.offline"  # the mock's answer for getAddonVersion(mostRecent=false)
    assert cluster["useDefaultVpcCni"] is True and "vpcCniOptions" not in cluster
    assert plan.one("aws:eks/addon:Addon", "cluster-vpc-cni").inputs["addonVersion"] == pinned
    assert cluster["kubeProxyAddonOptions"]["version"] == pinned
    coredns = plan.one("aws:eks/addon:Addon", "cluster-coredns")
    assert coredns.inputs["addonName"] == "coredns" and coredns.inputs["addonVersion"] == pinned
    assert coredns.inputs["resolveConflictsOnCreate"] == "OVERWRITE"  # takes over the bootstrap copy
    groups = [g.urn for g in plan.by_type(NODE_GROUP)]
    assert set(groups) <= set(coredns.dependencies)  # its pods need nodes


def test_a_version_upgrade_upgrades_the_add_ons():
    versions = {}
    for version in ("1.34", "1.35"):
        # (the program pins no Cluster Autoscaler for 1.34: tests/eks/test_scaling.py)
        plan = run_config(stack(cluster={"version": version, "autoscaler": {"enabled": False}}))
        versions[version] = plan.one("aws:eks/addon:Addon", "cluster-vpc-cni").inputs["addonVersion"]
    assert versions["1.34"] != versions["1.35"]


def test_subnet_ranges_are_fixed_per_zone_name():
    def cidrs(zones):
        plan = run_config(stack(network={"availability_zones": zones}))
        return {r.inputs["availabilityZone"]: r.inputs["cidrBlock"] for r in plan.by_type("aws:ec2/subnet:Subnet")
                if "private" in r.name}

    three = cidrs(["eu-central-1a", "eu-central-1b", "eu-central-1c"])
    assert cidrs(["eu-central-1c", "eu-central-1a", "eu-central-1b"]) == three  # reordered
    assert cidrs(["eu-central-1a", "eu-central-1c"]) == {z: three[z] for z in ("eu-central-1a", "eu-central-1c")}


def test_a_zone_without_a_slot_is_refused():
    config = stack(network={"availability_zones": ["us-east-1a", "us-east-1d"]})
    config["aws:region"] = "us-east-1"
    assert error(config) == (
        'network.availability_zones[1]: "us-east-1d" has no slot in this network\'s layout, which gives each zone a '
        "fixed quarter of the VPC by its letter (so reordering or removing zones never moves a subnet): for "
        "us-east-1 those are us-east-1a, us-east-1b, us-east-1c; use them, or an existing VPC (vpc_id)")


def test_the_vpc_cni_gets_its_iam_through_irsa_before_any_node_joins(plans):
    plan = plans("prod")
    addon = plan.one("aws:eks/addon:Addon", "cluster-vpc-cni")
    role = plan.one("aws:iam/role:Role", "cluster-vpc-cni-role")
    assert addon.inputs["serviceAccountRoleArn"] == role.outputs["arn"]
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    cluster = plan.one(CLUSTER, "cluster-eks")
    assert statement["Principal"] == {"Federated": cluster.outputs["oidcProviderArn"]}
    (sub_key,) = [k for k in statement["Condition"]["StringEquals"] if k.endswith(":sub")]
    assert statement["Condition"]["StringEquals"][sub_key] == "system:serviceaccount:kube-system:aws-node"
    attached = [r.inputs["policyArn"] for r in plan.by_type(ATTACHMENT) if r.parent == role.urn]
    assert attached == ["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"]
    for group in plan.by_type(NODE_GROUP):
        assert addon.urn in group.dependencies


# ------------------------------------------------------------------------------ support calendar


def test_the_support_calendar_is_read_on_a_day():
    from datetime import date

    from components.eks.versions import phase_on
    assert [phase_on("1.34", date.fromisoformat(d)) for d in ("2026-12-01", "2026-12-02", "2027-12-01",
                                                              "2027-12-02")] == \
        ["standard", "extended", "extended", "ended"]


@pytest.mark.parametrize("day, policy, expected", [
    ("2026-09-01", "STANDARD", None),  # 92 days before the end: quiet
    ("2026-10-03", "STANDARD", "cluster.version 1.34 leaves EKS standard support on 2026-12-02 (60 days from "
                               "2026-10-03): with upgrade_policy STANDARD, EKS then upgrades the control plane to "
                               "the next version itself; plan the upgrade (versions in standard support: 1.34, "
                               "1.35, 1.36)"),
    ("2026-11-29", "EXTENDED", "cluster.version 1.34 leaves EKS standard support on 2026-12-02 (3 days from "
                               "2026-11-29): the control plane is then billed at the extended-support rate (about "
                               "six times the standard rate); plan the upgrade (versions in standard support: "
                               "1.34, 1.35, 1.36)"),
    ("2026-12-10", "EXTENDED", "cluster.version 1.34 left EKS standard support on 2026-12-02 (extended support on "
                               "2026-12-10): the control plane is then billed at the extended-support rate (about "
                               "six times the standard rate)"),
])
def test_a_preview_warns_when_the_version_leaves_standard_support_within_60_days(monkeypatch, day, policy,
                                                                                  expected):
    from datetime import date

    from components.eks import cluster
    monkeypatch.setattr(cluster, "today", lambda: date.fromisoformat(day))
    plan = run_config(stack(cluster={"version": "1.34", "upgrade_policy": policy, "autoscaler": {"enabled": False}}))
    support = [w for w in plan.warnings if "standard support" in w]
    assert support == ([expected] if expected else [])
