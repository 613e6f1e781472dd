"""Day 2 of a cluster: Kubernetes upgrades one minor version at a time with the node groups moving in
the same ``up``, AMI patching as a change the plan shows, the controls EKS added in 2025-26
(deletion protection, zonal shift, node auto repair), CoreDNS on tainted-only nodes, the Kubernetes
provider signing in as the stack says, and the node group and endpoint settings EKS refuses.

The harness judges EKS's own rules against live clusters a test declares (``LiveCluster``): the
version a managed node group gets from pulumi-eks, one minor up at a time, every group at the
cluster's version before the control plane moves."""

from __future__ import annotations

import json

import botocore.session
import kubernetes_validate
import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pytest
from botocore.validate import ParamValidator

from components.eks.cluster import cluster_transform, coredns_tolerations
from components.eks.node_group import node_group_transform, release_parameter
from components.eks.versions import upgrade_problem
from components.shared.errors import InvalidValue
from stack_config import ConfigError, parse
from tests.conftest import PROJECT, raw_config, run_config, settings_for
from tests.conftest import config_error as error
from tools.harness import (
    ROOT,
    EngineError,
    LiveCluster,
    PlatformMocks,
    load_stack,
    run_function,
    run_program,
    run_stack,
)

ZONES = ["eu-central-1a", "eu-central-1b"]
ADMIN = "arn:aws:iam::111122223333:role/platform-admin"
CLUSTER = "eks:index:Cluster"
NODE_GROUP = "eks:index:ManagedNodeGroup"
ADDON = "aws:eks/addon:Addon"
NAME = "container-platform-test"  # the cluster's default name in a stack "test"


def stack(cluster=None, groups=None, **extra):
    return {"repositories": [{"name": "myapp", "lifecycle": {"keep_last": 5}}],
            "network": {"availability_zones": ZONES},
            "cluster": {"admins": [{"role_arn": ADMIN}], **(cluster or {}),
                        **({"node_groups": groups} if groups is not None else {})}, **extra}


def run_live(config, clusters=None, parameters=None):
    """The program for ``config`` against the EKS clusters that exist already."""
    settings = settings_for(config)
    return run_program(settings, mocks=PlatformMocks(settings.account, settings.region, clusters=clusters,
                                                     parameters=parameters))


def node_group_child(plan, name="nodes-nodes"):
    """The aws.eks.NodeGroup pulumi-eks would register, after the component's transforms."""
    return plan.one(NODE_GROUP, name).children["aws:eks/nodeGroup:NodeGroup"]


# ------------------------------------------------------------------------------ the harness's rules

def declare_with_launch_template(version):
    """pulumi-eks as the program used it before: its own launch template, no node group version."""
    def declare():
        role = aws.iam.Role("r", assume_role_policy="{}")
        template = aws.ec2.LaunchTemplate("lt")
        cluster = eks.Cluster("c", name="c", version=version, vpc_id="vpc-1", private_subnet_ids=["subnet-1", "subnet-2"],
                              authentication_mode=eks.AuthenticationMode.API)
        eks.ManagedNodeGroup("n", cluster=cluster, node_role=role, launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
            id=template.id, version="1"))
    return declare


def test_the_mock_applies_pulumi_eks_version_rule_a_launch_template_leaves_the_group_behind():
    """nodegroup.ts createManagedNodeGroup sets the cluster's version only without a launch template;
    the provider keeps an unset version as it is. So the control plane moves, the group does not."""
    settings = settings_for({})
    mocks = PlatformMocks(settings.account, settings.region, clusters={"c": LiveCluster("1.34", {"n": "1.34"})})
    plan = run_function(settings, declare_with_launch_template("1.35"), mocks)
    assert plan.one(CLUSTER, "c").children["aws:eks/cluster:Cluster"]["version"] == "1.35"
    assert "version" not in plan.one(NODE_GROUP, "n").inputs
    # The group stays on 1.34 (the state the mock answers with):
    assert mocks.eks.declared["c"] == ("c", "1.35")
    # ... and EKS then refuses the next upgrade.
    mocks = PlatformMocks(settings.account, settings.region, clusters={"c": LiveCluster("1.35", {"n": "1.34"})})
    with pytest.raises(EngineError) as caught:
        run_function(settings, declare_with_launch_template("1.36"), mocks)
    assert str(caught.value) == (
        "updating EKS Cluster (c) version: InvalidRequestException: all of your node groups' Kubernetes versions "
        "must match the cluster's Kubernetes version (1.35) in order to update the cluster to a new Kubernetes "
        "version: n (1.34)")


def test_the_mock_refuses_a_two_minor_jump_and_a_new_group_off_the_clusters_version():
    settings = settings_for({})
    mocks = PlatformMocks(settings.account, settings.region, clusters={"c": LiveCluster("1.34")})
    with pytest.raises(EngineError, match="Unsupported Kubernetes minor version update from 1.34 to 1.36"):
        run_function(settings, declare_with_launch_template("1.36"), mocks)

    def new_group_behind():
        role = aws.iam.Role("r", assume_role_policy="{}")
        cluster = eks.Cluster("c", name="c", version="1.35", vpc_id="vpc-1", private_subnet_ids=["subnet-1", "subnet-2"])
        eks.ManagedNodeGroup("n", cluster=cluster, node_role=role, version="1.34")
    with pytest.raises(EngineError, match=r"creating EKS Node Group \(c:n\): .* version 1.34 is invalid; the cluster "
                                          "runs 1.35"):
        run_function(settings, new_group_behind)


# ------------------------------------------------------------------------------ upgrades

def test_a_version_bump_moves_control_plane_add_ons_and_every_node_group_in_one_up():
    groups = [{"instance_types": ["t3.large"]}, {"name": "arm", "instance_types": ["m7g.large"],
                                                 "ami_type": "AL2023_ARM_64_STANDARD"}]
    live = {NAME: LiveCluster("1.35", {"nodes-nodes": "1.35", "arm-nodes": "1.35"})}
    plan = run_live(stack({"version": "1.36"}, groups), live)
    cluster = plan.one(CLUSTER, "cluster-eks")
    assert cluster.inputs["version"] == "1.36"
    assert cluster.inputs["kubeProxyAddonOptions"]["version"] == "v1.36-default-eksbuild.offline"
    vpc_cni, coredns = plan.one(ADDON, "cluster-vpc-cni"), plan.one(ADDON, "cluster-coredns")
    assert vpc_cni.inputs["addonVersion"] == coredns.inputs["addonVersion"] == "v1.36-default-eksbuild.offline"
    control_plane = [u for u in plan.one(NODE_GROUP, "nodes-nodes").dependencies if u.endswith("::cluster-eks-eksCluster")]
    for name in ("nodes-nodes", "arm-nodes"):
        # What EKS ends up with (the provider keeps an unset version as it was: 1.35).
        child = node_group_child(plan, name)
        assert child["version"] == "1.36" and child["releaseVersion"].startswith("1.36.")
        group = plan.one(NODE_GROUP, name)
        # The version is the control plane's own output: the group moves after the control plane ...
        assert group.inputs["version"] == "1.36" and control_plane[0] in group.property_dependencies["version"]
        # ... and after the add-on that every node needs first; CoreDNS moves once the nodes did.
        assert vpc_cni.urn in group.dependencies and group.urn in coredns.dependencies


def test_every_group_runs_the_clusters_version_a_first_deploy_and_a_steady_state_too(plans):
    for stack_name in ("dev", "prod"):
        plan = plans(stack_name)
        version = plan.one(CLUSTER, "cluster-eks").inputs["version"]
        for group in plan.by_type(NODE_GROUP):
            assert group.inputs.get("version") == version  # stated, so it never stays behind


@pytest.mark.parametrize("live, target, message", [
    (LiveCluster("1.34"), "1.36",
     'cluster.version: "1.36" is 2 minor versions above the live cluster\'s 1.34; EKS upgrades one minor version at a '
     'time: set cluster.version: "1.35" and run `pulumi up` (control plane, add-ons, then node groups), then the next '
     "(1.35 → 1.36)"),
    (LiveCluster("1.36"), "1.35",
     'cluster.version: "1.35" is below the live cluster\'s 1.36: this program upgrades a cluster one minor version at '
     "a time and never moves it back (EKS's version rollback is an operation of its own); set cluster.version: "
     '"1.36"'),
    (LiveCluster("1.35", {"nodes-nodes": "1.35", "legacy-abc": "1.34"}), "1.36",
     'cluster.version: "1.36" cannot be reached yet: EKS upgrades the control plane only when every managed node '
     "group runs its version (1.35), and legacy-abc (1.34) do not; run `pulumi up` with cluster.version: \"1.35\" "
     'and no node group version of its own first (the groups follow the cluster), then set "1.36"'),
])
def test_a_version_eks_would_refuse_for_the_live_cluster_is_refused_at_preview(live, target, message):
    with pytest.raises(InvalidValue) as caught:
        run_live(stack({"version": target}), {NAME: live})
    assert caught.value.message == message


def test_groups_left_behind_catch_up_with_the_cluster_at_its_own_version():
    """A cluster upgraded before node groups followed it: the same version moves the groups only."""
    plan = run_live(stack({"version": "1.35"}), {NAME: LiveCluster("1.35", {"nodes-nodes": "1.34"})})
    assert node_group_child(plan)["version"] == "1.35"


def test_a_first_deploy_reads_no_cluster_and_another_clusters_upgrade_is_not_ours():
    plan = run_live(stack({"version": "1.36"}), {"someone-else": LiveCluster("1.33", {"x": "1.32"})})
    assert plan.one(CLUSTER, "cluster-eks").inputs["version"] == "1.36"


def test_a_group_may_stay_one_minor_behind_for_a_later_up():
    plan = run_live(stack({"version": "1.36"}, [{"version": "1.35"}]),
                    {NAME: LiveCluster("1.35", {"nodes-nodes": "1.35"})})
    group = plan.one(NODE_GROUP, "nodes-nodes")
    assert group.inputs["version"] == "1.35" and node_group_child(plan)["releaseVersion"].startswith("1.35.")


@pytest.mark.parametrize("group, message", [
    ({"version": "1.34"}, 'cluster.node_groups[0].version: "1.34" is 2 minor versions behind the cluster\'s 1.36; EKS '
                          "upgrades the control plane only when every managed node group runs its version, so a group "
                          "is at most one behind: remove version (the group follows the cluster)"),
    ({"version": "1.37"}, 'cluster.node_groups[0].version: "1.37" is not a Kubernetes version EKS supports (1.32, '
                          "1.33, 1.34, 1.35, 1.36; components/eks/versions.py)"),
])
def test_a_group_version_outside_the_skew_is_refused(group, message):
    assert error(stack({"version": "1.36"}, [group])) == message


def test_a_group_above_the_cluster_is_refused():
    assert error(stack({"version": "1.35"}, [{"version": "1.36"}])) == (
        'cluster.node_groups[0].version: "1.36" is above the cluster\'s 1.35; a node group runs the cluster\'s '
        "version or an older one")


def test_upgrade_problem_names_the_path():
    assert upgrade_problem("1.33", "1.33", {"a": "1.32"}) is None
    assert upgrade_problem("1.33", "1.34", {}) is None
    assert "(1.34 → 1.35 → 1.36)" in upgrade_problem("1.33", "1.36", {})


# ------------------------------------------------------------------------------ patching

@pytest.mark.parametrize("stack_name, parameter", [
    ("dev", "/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/recommended/release_version"),
    ("prod", "/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/arm64/standard/recommended/release_version"),
])
def test_every_group_runs_the_latest_recommended_release_read_at_preview(stack_name, parameter):
    settings = load_stack(stack_name)
    published = {parameter: "1.35.9-20270104"}
    plan = run_program(settings, mocks=PlatformMocks(settings.account, settings.region, parameters=published))
    (group,) = plan.by_type(NODE_GROUP)
    assert group.inputs["releaseVersion"] == "1.35.9-20270104"  # in the plan: a new release is a change


def test_bottlerocket_groups_read_bottlerocket_s_parameter():
    assert release_parameter("BOTTLEROCKET_ARM_64", "1.35") == "/aws/service/bottlerocket/aws-k8s-1.35/arm64/latest/image_version"
    plan = run_stack("private-cluster", ROOT / "examples/Pulumi.private-cluster.yaml")
    assert plan.one(NODE_GROUP, "nodes-nodes").inputs["releaseVersion"] == "1.50.0-0b1c2d3e"


def test_a_pinned_release_is_used_and_a_bump_is_the_only_change():
    first = run_config(stack(groups=[{"release_version": "1.35.1-20261101"}]))
    second = run_config(stack(groups=[{"release_version": "1.35.2-20261201"}]))
    a, b = first.one(NODE_GROUP, "nodes-nodes"), second.one(NODE_GROUP, "nodes-nodes")
    assert a.inputs["releaseVersion"] == "1.35.1-20261101" and b.inputs["releaseVersion"] == "1.35.2-20261201"
    assert {k: v for k, v in a.inputs.items() if k != "releaseVersion"} == \
        {k: v for k, v in b.inputs.items() if k != "releaseVersion"}
    # EKS rolls the nodes within the group's update config: one at a time by default.
    assert node_group_child(second)["updateConfig"] == {"maxUnavailable": 1}


def test_the_mock_refuses_a_release_of_another_kubernetes_version():
    def declare():
        role = aws.iam.Role("r", assume_role_policy="{}")
        cluster = eks.Cluster("c", name="c", version="1.35", vpc_id="vpc-1", private_subnet_ids=["subnet-1", "subnet-2"])
        eks.ManagedNodeGroup("n", cluster=cluster, node_role=role, ami_type="AL2023_x86_64_STANDARD",
                             release_version="1.34.2-20261101")
    with pytest.raises(EngineError, match="release version 1.34.2-20261101 is not valid for kubernetes version 1.35"):
        run_function(settings_for({}), declare)


@pytest.mark.parametrize("group, message", [
    ({"release_version": "20261101"},
     'cluster.node_groups[0].release_version: "20261101" is not an EKS-optimised AL2023 AMI release '
     "(KUBERNETES.PATCH-YYYYMMDD, 1.35.4-20261205: the recommended parameter's release_version)"),
    ({"release_version": "1.34.2-20261101"},
     'cluster.node_groups[0].release_version: "1.34.2-20261101" is a release for Kubernetes 1.34, and the group runs '
     "1.35; give a release of its version (or none: the latest recommended)"),
    ({"ami_type": "BOTTLEROCKET_x86_64", "release_version": "v1.50.0"},
     'cluster.node_groups[0].release_version: "v1.50.0" is not a Bottlerocket release (VERSION-COMMIT, '
     "1.50.0-0b1c2d3e: the AMI parameter's image_version)"),
    ({"max_unavailable": 0}, "cluster.node_groups[0].max_unavailable: 0 is not a positive integer"),
    ({"max_unavailable": 101}, "cluster.node_groups[0].max_unavailable: 101 is not a number of nodes EKS replaces at "
                               "a time (1-100)"),
    ({"node_repair": "yes"}, 'cluster.node_groups[0].node_repair: "yes" is not a boolean (true or false)'),
])
def test_patching_settings_are_validated(group, message):
    assert error(stack(groups=[group])) == message


# ------------------------------------------------------------------------------ the 2025-26 controls

def test_prod_has_deletion_protection_zonal_shift_and_node_repair_dev_node_repair(plans):
    for stack_name, protected in (("dev", False), ("prod", True)):
        plan = plans(stack_name)
        cluster = plan.one(CLUSTER, "cluster-eks")
        child = cluster.children["aws:eks/cluster:Cluster"]
        assert cluster.inputs["deletionProtection"] is protected and child["deletionProtection"] is protected
        assert child["zonalShiftConfig"] == {"enabled": protected}
        assert cluster.inputs["upgradePolicy"] == child["upgradePolicy"] == {"supportType": "STANDARD"}
        for group in plan.by_type(NODE_GROUP):
            assert group.children["aws:eks/nodeGroup:NodeGroup"]["nodeRepairConfig"] == {"enabled": True}


def test_the_controls_are_stack_keys():
    plan = run_config(stack({"zonal_shift": True, "deletion_protection": True},
                            [{"node_repair": False, "max_unavailable": 2, "max_size": 4}]))
    cluster = plan.one(CLUSTER, "cluster-eks")
    assert cluster.inputs["deletionProtection"] is True
    assert cluster.children["aws:eks/cluster:Cluster"]["zonalShiftConfig"] == {"enabled": True}
    assert node_group_child(plan)["nodeRepairConfig"] == {"enabled": False}
    assert node_group_child(plan)["updateConfig"] == {"maxUnavailable": 2}
    assert error(stack({"zonal_shift": "on"})) == 'cluster.zonal_shift: "on" is not a boolean (true or false)'


def test_the_transforms_touch_their_own_type_only_and_keep_every_other_input():
    def args(typ, props):
        return pulumi.ResourceTransformArgs(custom=True, type_=typ, name="x", props=props, opts=pulumi.ResourceOptions())

    assert cluster_transform(True)(args("aws:eks/addon:Addon", {"a": 1})) is None
    changed = cluster_transform(False)(args("aws:eks/cluster:Cluster", {"name": "c", "version": "1.35"}))
    assert changed.props == {"name": "c", "version": "1.35", "zonalShiftConfig": {"enabled": False}}
    assert node_group_transform(True, 1)(args("aws:eks/cluster:Cluster", {})) is None
    changed = node_group_transform(True, 3)(args("aws:eks/nodeGroup:NodeGroup", {"version": "1.35"}))
    assert changed.props == {"version": "1.35", "nodeRepairConfig": {"enabled": True},
                             "updateConfig": {"maxUnavailable": 3}}


def test_the_children_s_settings_are_eks_api_members():
    """What the transforms set reaches the API as CreateCluster/CreateNodegroup members of these
    names and types (botocore's EKS model validates the request)."""
    validator = ParamValidator()
    model = botocore.session.get_session().get_service_model("eks")
    cluster = model.operation_model("CreateCluster").input_shape
    assert not validator.validate({"name": "c", "roleArn": ADMIN, "resourcesVpcConfig": {},
                                   "zonalShiftConfig": {"enabled": True}, "deletionProtection": True,
                                   "upgradePolicy": {"supportType": "STANDARD"}}, cluster).has_errors()
    group = model.operation_model("CreateNodegroup").input_shape
    assert not validator.validate({"clusterName": "c", "nodegroupName": "n", "subnets": ["s"], "nodeRole": ADMIN,
                                   "nodeRepairConfig": {"enabled": True}, "updateConfig": {"maxUnavailable": 1},
                                   "version": "1.35", "releaseVersion": "1.35.4-20261205"}, group).has_errors()


def test_the_terraform_plan_export_carries_the_controls(plans):
    """Scanners read the Terraform projection of pulumi-eks's children: it has what the transforms
    set, not only the components' inputs."""
    from tools.tfplan import to_tfplan

    tfplan, _ = to_tfplan(plans("prod"))
    resources = {r["type"]: r["values"] for r in tfplan["planned_values"]["root_module"]["resources"]}
    assert resources["aws_eks_cluster"]["deletion_protection"] is True
    assert resources["aws_eks_cluster"]["zonal_shift_config"] == [{"enabled": True}]
    group = resources["aws_eks_node_group"]
    assert group["node_repair_config"] == [{"enabled": True}] and group["update_config"] == [{"max_unavailable": 1}]
    assert group["version"] == "1.35" and group["release_version"] == "1.35.4-20261205"


# ------------------------------------------------------------------------------ CoreDNS

def test_the_all_tainted_example_gives_coredns_the_tolerations_its_taint_needs():
    plan = run_stack("private-cluster", ROOT / "examples/Pulumi.private-cluster.yaml")
    values = json.loads(plan.one(ADDON, "cluster-coredns").inputs["configurationValues"])
    assert values == {"tolerations": [
        {"key": "CriticalAddonsOnly", "operator": "Exists"},
        {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
        {"key": "dedicated", "operator": "Equal", "value": "platform", "effect": "NoSchedule"}]}
    # Kubernetes' own schema for a pod's tolerations (strict: a misspelled field fails).
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "coredns"},
           "spec": {"containers": [{"name": "coredns", "image": "coredns"}], "tolerations": values["tolerations"]}}
    kubernetes_validate.validate(pod, "1.35", strict=True)


@pytest.mark.parametrize("groups, expected", [
    ([[]], None),
    ([[("a", "", "NoSchedule")], []], None),  # one untainted group takes CoreDNS
    ([[("a", "", "PreferNoSchedule")]], None),  # a preference only
    ([[("a", "x", "NoSchedule")], [("b", "", "NoExecute"), ("c", "", "PreferNoSchedule")]],
     [("a", "x", "NoSchedule"), ("b", "", "NoExecute")]),
])
def test_coredns_tolerates_only_when_no_group_would_take_it(groups, expected):
    got = coredns_tolerations(groups)
    if expected is None:
        assert got is None
    else:
        assert got is not None and [(t["key"], t["value"], t["effect"]) for t in got[2:]] == expected


def test_stacks_with_an_untainted_group_keep_coredns_defaults(plans):
    assert "configurationValues" not in plans("dev").one(ADDON, "cluster-coredns").inputs


# ------------------------------------------------------------------------------ signing in

def kubeconfig_args(plan):
    """The exec arguments of the kubeconfig the program hands to its Kubernetes provider."""
    config = json.loads(plan.one("pulumi:providers:kubernetes", "cluster-k8s").revealed("kubeconfig"))
    (user,) = config["users"]
    return user["user"]["exec"]["args"]


def test_the_providers_kubeconfig_carries_the_stacks_profile_and_role():
    plain = run_config(stack())
    assert kubeconfig_args(plain) == ["--region", "eu-central-1", "eks", "get-token", "--cluster-name", NAME,
                                      "--output", "json"]
    role = "arn:aws:iam::111122223333:role/deployer"
    config = {**stack(), "aws:profile": "platform-admin", "aws:assumeRoles": json.dumps([{"roleArn": role}])}
    plan = run_config(config)
    assert kubeconfig_args(plan)[-4:] == ["--role-arn", role, "--profile", "platform-admin"]
    # pulumi-eks's kubeconfigJson (the form it builds without the profile) would not have signed in so:
    exported = json.loads(plan.one(CLUSTER, "cluster-eks").outputs["kubeconfigJson"])
    assert "--profile" not in exported["users"][0]["user"]["exec"]["args"]
    assert plan.one(CLUSTER, "cluster-eks").inputs["providerCredentialOpts"] == {
        "profileName": "platform-admin", "roleArn": role}


@pytest.mark.parametrize("roles, message", [
    ([{"roleArn": "arn:aws:iam::111122223333:role/a"}, {"roleArn": "arn:aws:iam::111122223333:role/b"}],
     'aws:assumeRoles: [{"roleArn": "arn:aws:iam::111122223333:role/a"}, {"roleArn": '
     '"arn:aws:iam::111122223333:role/b"}] chains 2 roles; the Kubernetes provider signs in with aws eks get-token, '
     "which assumes one (--role-arn): give the AWS provider one role (a profile can hold the chain)"),
    ([{"roleArn": "admin"}], 'aws:assumeRoles[0].roleArn: "admin" is not an IAM role ARN '
                             "(arn:aws:iam::ACCOUNT:role/NAME)"),
])
def test_a_role_the_kubeconfig_cannot_assume_is_refused(roles, message):
    assert error({**stack(), "aws:assumeRoles": json.dumps(roles)}) == message


# ------------------------------------------------------------------------------ config as EKS checks it

LONG = "a" * 64


@pytest.mark.parametrize("cluster, message", [
    ({"public_access_cidrs": ["2600:1f18::/32"]},
     'cluster.public_access_cidrs[0]: "2600:1f18::/32" is an IPv6 range; the cluster is IPv4 and EKS takes IPv4 CIDR '
     "blocks only for its public endpoint (list your IPv4 office or VPN ranges)"),
    ({"public_access_cidrs": ["203.0.113.5"]},
     'cluster.public_access_cidrs[0]: "203.0.113.5" is an address, not a CIDR block; EKS takes CIDR blocks: write '
     "203.0.113.5/32"),
])
def test_endpoint_ranges_eks_refuses(cluster, message):
    assert error(stack(cluster)) == message


@pytest.mark.parametrize("group, message", [
    ({"labels": {LONG: "x"}}, f'cluster.node_groups[0].labels.{LONG}: "{LONG}" has a name part of 64 characters; '
                              "Kubernetes allows 63"),
    ({"labels": {f"team.example.com/{'a' * 50}": "x"}},
     f'cluster.node_groups[0].labels.team.example.com/{"a" * 50}: "team.example.com/{"a" * 50}" is 67 characters; '
     "EKS allows 63 for a node group label key, prefix included"),
    ({"labels": {"role": ""}}, 'cluster.node_groups[0].labels.role: "" is empty; EKS takes node group label values '
                               "of 1-63 characters"),
    ({"labels": {"kubernetes.io/role": "x"}},
     'cluster.node_groups[0].labels.kubernetes.io/role: "kubernetes.io/role" has the reserved prefix kubernetes.io/ '
     "(kubernetes.io is Kubernetes' and EKS's own: they set those labels, EKS refuses them on a node group); use a "
     "prefix of yours (example.com/role) or none"),
    ({"labels": {"node.kubernetes.io/role": "x"}},
     'cluster.node_groups[0].labels.node.kubernetes.io/role: "node.kubernetes.io/role" has the reserved prefix '
     "node.kubernetes.io/ (kubernetes.io is Kubernetes' and EKS's own: they set those labels, EKS refuses them on a "
     "node group); use a prefix of yours (example.com/role) or none"),
    ({"labels": {"k8s.io/x": "y"}},
     'cluster.node_groups[0].labels.k8s.io/x: "k8s.io/x" has the reserved prefix k8s.io/ (k8s.io is Kubernetes\' and '
     "EKS's own: they set those labels, EKS refuses them on a node group); use a prefix of yours (example.com/role) "
     "or none"),
    ({"labels": {"eks.amazonaws.com/nodegroup": "x"}},
     'cluster.node_groups[0].labels.eks.amazonaws.com/nodegroup: "eks.amazonaws.com/nodegroup" has the reserved '
     "prefix eks.amazonaws.com/ (eks.amazonaws.com is Kubernetes' and EKS's own: they set those labels, EKS refuses "
     "them on a node group); use a prefix of yours (example.com/role) or none"),
    ({"taints": [{"key": LONG, "effect": "NO_SCHEDULE"}]},
     f'cluster.node_groups[0].taints[0].key: "{LONG}" has a name part of 64 characters; Kubernetes allows 63'),
    ({"taints": [{"key": f"example.com/{'a' * 60}", "effect": "NO_SCHEDULE"}]},
     f'cluster.node_groups[0].taints[0].key: "example.com/{"a" * 60}" is 72 characters; EKS allows 63 for a node '
     "group taint key, prefix included"),
])
def test_labels_and_taints_eks_refuses(group, message):
    assert error(stack(groups=[group])) == message


@pytest.mark.parametrize("key, value", [
    ("role", "x"), ("example.com/role", "x" * 63), ("a" * 63, "x"), ("e.io/" + "a" * 58, "x"),
    ("a" * 64, "x"), ("e.io/" + "a" * 59, "x"), ("role", ""), ("role", "x" * 64),
])
def test_label_lengths_agree_with_eks_s_api_model(key, value):
    """What the config accepts, EKS's CreateNodegroup model accepts (and what the model refuses, the
    config refuses): the label key's and value's lengths as botocore's EKS model states them
    (botocore's own validator checks minimums only, so the limits are read from the model)."""
    model = botocore.session.get_session().get_service_model("eks")
    labels = model.operation_model("CreateNodegroup").input_shape.members["labels"]
    key_limits, value_limits = labels.key.metadata, labels.value.metadata
    aws_accepts = (key_limits["min"] <= len(key) <= key_limits["max"]
                   and value_limits["min"] <= len(value) <= value_limits["max"])
    try:
        parse(raw_config(stack(groups=[{"labels": {key: value}}])), project=PROJECT, stack="t")
    except ConfigError:
        ours = False
    else:
        ours = True
    assert ours == aws_accepts, (key, value)


def test_taint_lengths_agree_with_eks_s_api_model():
    model = botocore.session.get_session().get_service_model("eks")
    taint = model.operation_model("CreateNodegroup").input_shape.members["taints"].member
    assert taint.members["key"].metadata == {"min": 1, "max": 63}
    for length, accepted in ((63, True), (64, False)):
        key = "example.com/" + "a" * (length - len("example.com/"))
        try:
            parse(raw_config(stack(groups=[{"taints": [{"key": key, "effect": "NO_SCHEDULE"}]}])),
                  project=PROJECT, stack="t")
        except ConfigError:
            assert not accepted
        else:
            assert accepted
