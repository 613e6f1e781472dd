"""Issue 31: pods follow load (a HorizontalPodAutoscaler fed by metrics-server), nodes follow the pods
(the Cluster Autoscaler, with its own role through EKS Pod Identity), every node that can run the
service stays behind the load balancer, and the cluster's metrics and logs reach CloudWatch (the
observability add-on, its own role). Checked on the plans of the shipped stacks and the examples."""

from __future__ import annotations

import copy
import json

import pytest

from components.eks import autoscaler as ca
from components.eks.cluster import METRICS_SERVER_PORT
from components.workload.service import SCALE_DOWN, SCALE_UP, SYSTEM_NAMESPACES
from stack_config import parse
from tests.conftest import PROJECT, run_config
from tests.conftest import config_error as error
from tools import admission as a
from tools import tokens as t
from tools.harness import ROOT, Plan, load_stack, run_program
from tools.harness.mocks.eks import remote_node_group
from tools.harness.mocks.registry import Where
from tools.iam_sim import Principal, Request, decide

HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ZONES = ["eu-central-1a", "eu-central-1b"]


def _stacks():
    yield "dev", None
    yield "prod", None
    for path in sorted(ROOT.glob("examples/Pulumi.*.yaml")):
        yield path.name[len("Pulumi."):-len(".yaml")], path


@pytest.fixture(scope="module")
def every_plan() -> dict[str, tuple[Plan, object]]:
    """Each stack's plan with its parsed config, for the stacks that have a cluster."""
    out = {}
    for name, path in _stacks():
        settings = load_stack(name, path)
        config = parse(settings.config, project=PROJECT, stack=name, secret_keys=settings.secret_keys)
        if config.kubernetes is not None:
            out[name] = (run_program(settings), config)
    return out


def stack(workload=None, cluster=None, node_group=None, **extra):
    return {"repositories": [{"name": "myapp", "lifecycle": {"keep_last": 5}}],
            "network": {"availability_zones": ZONES},
            "cluster": {"node_groups": [{"min_size": 1, "desired_size": 2, "max_size": 4, **(node_group or {})}],
                        **(cluster or {})},
            "workload": {"repository": "myapp", **(workload or {})}, **extra}


# ------------------------------------------------------------------------------ pods


def test_every_workload_has_a_horizontal_pod_autoscaler_with_the_stacks_bounds(every_plan):
    checked = 0
    for name, (plan, config) in every_plan.items():
        workload = config.kubernetes.workload
        if workload is None:
            assert not plan.by_type(HPA), name
            continue
        spec = workload.service
        deployment = plan.one(t.DEPLOYMENT, "service-deployment")
        hpa = plan.one(HPA, "service-hpa")
        assert hpa.inputs["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1", "kind": "Deployment", "name": deployment.inputs["metadata"]["name"]}, name
        assert hpa.inputs["metadata"]["namespace"] == deployment.inputs["metadata"]["namespace"]
        assert (hpa.inputs["spec"]["minReplicas"], hpa.inputs["spec"]["maxReplicas"]) == (
            spec.min_replicas, spec.max_replicas), name
        assert hpa.inputs["spec"]["metrics"] == [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": spec.cpu_target}}}], name
        behavior = hpa.inputs["spec"]["behavior"]
        assert behavior["scaleUp"]["stabilizationWindowSeconds"] == SCALE_UP[0] == 0
        assert behavior["scaleDown"]["stabilizationWindowSeconds"] == SCALE_DOWN[0] == 300
        # The Deployment is created at the minimum, then its count is the autoscaler's.
        assert deployment.inputs["spec"]["replicas"] == spec.min_replicas
        assert deployment.ignore_changes == ["spec.replicas"], name
        # The budget keeps fewer pods than the minimum: a node can always drain.
        pdbs = [r for r in plan.by_type("kubernetes:policy/v1:PodDisruptionBudget") if r.name == "service-pdb"]
        keep = pdbs[0].inputs["spec"]["minAvailable"] if pdbs else 0
        assert keep < spec.min_replicas <= spec.max_replicas and keep <= spec.max_replicas, name
        # Utilisation is of the request: the pods must request CPU.
        assert deployment.inputs["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"]
        checked += 1
    assert checked >= 4


def test_the_shipped_stacks_scale_two_to_six_and_three_to_twelve_pods(every_plan):
    dev, prod = every_plan["dev"][0].one(HPA, "service-hpa"), every_plan["prod"][0].one(HPA, "service-hpa")
    assert (dev.inputs["spec"]["minReplicas"], dev.inputs["spec"]["maxReplicas"]) == (2, 6)
    assert (prod.inputs["spec"]["minReplicas"], prod.inputs["spec"]["maxReplicas"]) == (3, 12)
    assert every_plan["prod"][0].one("kubernetes:policy/v1:PodDisruptionBudget", "service-pdb").inputs["spec"][
        "minAvailable"] == 2


def test_metrics_server_serves_the_hpa_with_its_port_open_from_the_control_plane(every_plan):
    for name, (plan, config) in every_plan.items():
        metrics = plan.one(t.ADDON, "cluster-metrics-server")
        assert metrics.inputs["addonName"] == "metrics-server", name
        # Pinned like the core add-ons: EKS's default version for the cluster's Kubernetes version.
        calls = [i for i in plan.invokes if i.token == t.GET_ADDON_VERSION and i.args["addonName"] == "metrics-server"]
        assert calls and all(c.args["kubernetesVersion"] == config.kubernetes.cluster.version
                             and c.args.get("mostRecent") is False for c in calls), name
        assert metrics.inputs["addonVersion"] == f"v{config.kubernetes.cluster.version}-default-eksbuild.offline"
        (rule,) = [r for r in plan.by_type(INGRESS) if r.name == "cluster-metrics-server-from-control-plane"]
        assert (rule.inputs["fromPort"], rule.inputs["toPort"], rule.inputs["ipProtocol"]) == (
            METRICS_SERVER_PORT, METRICS_SERVER_PORT, "tcp") == (10251, 10251, "tcp")
        # From the control plane's group to the nodes' group: managed nodes carry the cluster group.
        node_group_sg = plan.one(t.CLUSTER, "cluster-eks").outputs["clusterSecurityGroupId"]
        assert rule.inputs["securityGroupId"] == rule.inputs["referencedSecurityGroupId"] == node_group_sg, name
        assert rule.urn in metrics.dependencies
        groups = {g.urn for g in plan.by_type(t.NODE_GROUP)}
        assert groups <= set(metrics.dependencies), name  # its pods need nodes
        agent = plan.one(t.ADDON, "cluster-pod-identity-agent")
        assert agent.inputs["addonName"] == "eks-pod-identity-agent" and groups <= set(agent.dependencies)


def test_metrics_server_tolerates_the_taints_when_every_group_is_tainted():
    tainted = run_config(stack(node_group={"taints": [{"key": "dedicated", "value": "x", "effect": "NO_SCHEDULE"}]}))
    values = json.loads(tainted.one(t.ADDON, "cluster-metrics-server").inputs["configurationValues"])
    assert {"key": "dedicated", "operator": "Equal", "value": "x", "effect": "NoSchedule"} in values["tolerations"]
    assert "configurationValues" not in run_config(stack()).one(t.ADDON, "cluster-metrics-server").inputs


# ------------------------------------------------------------------------------ nodes


def test_node_groups_leave_their_desired_size_to_the_autoscaler(every_plan):
    for name, (plan, config) in every_plan.items():
        for group in plan.by_type(t.NODE_GROUP):
            assert group.inputs["ignoreScalingChanges"] is True, (name, group.name)
            # What pulumi-eks registers the aws.eks.NodeGroup with (the harness repeats nodegroup.ts).
            assert group.children_ignore_changes[t.AWS_NODE_GROUP] == ["scalingConfig.desiredSize"], name
            spec = next(g for g in config.kubernetes.node_groups if group.name == f"{g.name}-nodes")
            scaling = group.children[t.AWS_NODE_GROUP]["scalingConfig"]
            assert (scaling["minSize"], scaling["maxSize"]) == (spec.min_size, spec.max_size), name


def test_the_harness_repeats_what_pulumi_eks_does_without_ignore_scaling_changes():
    where = Where("111122223333", "eu-central-1", "aws", "amazonaws.com")
    inputs = {"cluster": "urn:x::cluster-eks", "nodeRole": "urn:role", "scalingConfig": {
        "minSize": 1, "desiredSize": 2, "maxSize": 3}, "launchTemplate": {"id": "lt"}}
    _, without = remote_node_group("g", inputs, where, _world(), None)
    _, with_flag = remote_node_group("g", {**inputs, "ignoreScalingChanges": True}, where, _world(), None)
    assert without["nodeGroup"]["__harness_child__"]["ignoreChanges"] == []  # an up would reset the size
    assert with_flag["nodeGroup"]["__harness_child__"]["ignoreChanges"] == ["scalingConfig.desiredSize"]
    assert "ignoreScalingChanges" not in with_flag["nodeGroup"]["__harness_child__"]["inputs"]


def _world():
    from tools.harness.mocks.eks import EksWorld
    world = EksWorld()
    world.declared["cluster-eks"] = ("c", "1.35")
    return world


def test_the_cluster_autoscaler_runs_with_its_own_pod_identity_role(every_plan):
    checked = 0
    for name, (plan, config) in every_plan.items():
        k = config.kubernetes
        if k.autoscaler is None or k.bootstrap:
            continue
        cluster = k.cluster.name
        deployment = plan.one(t.DEPLOYMENT, "autoscaler-deployment")
        meta, pod = deployment.inputs["metadata"], deployment.inputs["spec"]["template"]["spec"]
        assert (meta["namespace"], pod["serviceAccountName"]) == (ca.NAMESPACE, ca.SERVICE_ACCOUNT)
        (container,) = pod["containers"]
        image = container["image"]
        tag, digest = ca.IMAGES[k.cluster.version]
        assert image.endswith(f"/autoscaling/cluster-autoscaler:{tag}@{digest}"), name
        assert tag.startswith(f"v{k.cluster.version}.")  # the autoscaler's minor is the cluster's
        caches = config.cache is not None and any(r.upstream == "k8s" for r in config.cache.rules)
        assert image.startswith(f"{config.placement.account or '111122223333'}.dkr.ecr." if caches
                                else "registry.k8s.io/"), name
        assert f"--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/" \
               f"{cluster}" in container["command"]
        association = plan.one(ASSOCIATION, "autoscaler-pod-identity")
        assert (association.inputs["namespace"], association.inputs["serviceAccount"]) == (
            ca.NAMESPACE, ca.SERVICE_ACCOUNT)
        role = plan.one("aws:iam/role:Role", "autoscaler-role")
        assert association.property_dependencies["roleArn"] == [role.urn]
        (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert trust["Principal"] == {"Service": "pods.eks.amazonaws.com"}
        assert trust["Action"] == ["sts:AssumeRole", "sts:TagSession"]
        assert trust["Condition"] == {"StringEquals": {
            "aws:RequestTag/eks-cluster-name": cluster, "aws:RequestTag/kubernetes-namespace": "kube-system",
            "aws:RequestTag/kubernetes-service-account": "cluster-autoscaler"}}
        # Its pod starts only once Pod Identity can give it the role's credentials.
        agent = plan.one(t.ADDON, "cluster-pod-identity-agent")
        assert {association.urn, agent.urn} <= set(deployment.dependencies), name
        checked += 1
    assert checked >= 5


def test_the_autoscaler_pod_meets_restricted_and_its_image_would_pass_the_admission_policy(every_plan):
    """kube-system is not bound by design (EKS's add-ons run there); the autoscaler's pod would be
    admitted where the policy binds: digest-pinned, from this registry's cache where there is one."""
    import container_policies as cp
    from tests.policy_support import resource_violations

    plan, config = every_plan["dev"]
    deployment = plan.one(t.DEPLOYMENT, "autoscaler-deployment")
    assert resource_violations(cp.k8s_pod_security, t.DEPLOYMENT, deployment.inputs) == []
    assert resource_violations(cp.k8s_image_from_ecr, t.DEPLOYMENT, deployment.inputs) == []
    policies, bindings = a.admission_objects(plan)
    moved = a.api_numbers(copy.deepcopy(deployment.inputs))
    moved["metadata"]["namespace"] = config.kubernetes.workload.service.namespace_name
    assert a.admit(policies, bindings, a.Request(a.pod_of(moved))) == a.Decision(True)
    moved["spec"]["template"]["spec"]["containers"][0]["image"] = f"{ca.UPSTREAM}:v1.35.0"
    assert not a.admit(policies, bindings, a.Request(a.pod_of(moved))).allowed


def _target_groups_served(plan: Plan) -> set[str]:
    """The target groups a listener of the front door forwards to."""
    return {urn for listener in plan.by_type("aws:lb/listener:Listener")
            for urn in listener.property_dependencies.get("defaultActions", [])
            if urn.endswith("::front-door-tg")}


def unattached(plan: Plan) -> list[str]:
    """The node groups whose nodes could run the service's pods but are not all behind the load
    balancer: a group runs them when its nodes carry every label of the pods' node selector (EKS
    labels a managed node with its group's name, ``eks.amazonaws.com/nodegroup``) and the pods
    tolerate its NoSchedule and NoExecute taints; it is behind the load balancer when an Auto
    Scaling attachment takes its group's name from that node group and its target group is the one
    a listener forwards to. Every instance an Auto Scaling group launches is registered with the
    target groups attached to it (EC2 Auto Scaling user guide, "Elastic Load Balancing"), so the
    Cluster Autoscaler, which only sets the groups' desired capacity, adds nodes behind it."""
    pod = plan.one(t.DEPLOYMENT, "service-deployment").inputs["spec"]["template"]["spec"]
    selector = pod.get("nodeSelector") or {}
    tolerated = {(x.get("key"), x.get("value"), x.get("effect")) for x in pod.get("tolerations") or []}
    served = _target_groups_served(plan)
    attached = {urn for att in plan.by_type(t.ASG_ATTACHMENT)
                if set(att.property_dependencies.get("lbTargetGroupArn", [])) & served
                for urn in att.property_dependencies.get("autoscalingGroupName", [])}
    missing = []
    for group in plan.by_type(t.NODE_GROUP):
        child = group.children[t.AWS_NODE_GROUP]
        labels = {**(child.get("labels") or {}), "eks.amazonaws.com/nodegroup": group.name}
        hard = {(x["key"], x.get("value") or None, {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute"}[x["effect"]])
                for x in child.get("taints") or [] if x["effect"] != "PREFER_NO_SCHEDULE"}
        runs = all(labels.get(k) == v for k, v in selector.items()) and hard <= tolerated
        if runs and group.urn not in attached:
            missing.append(group.name)
    return missing


def test_every_node_that_can_run_the_service_is_behind_the_load_balancer(every_plan):
    checked = 0
    for name, (plan, config) in every_plan.items():
        if config.kubernetes.front_door is None:
            continue
        # Nodes come only from managed node groups (their Auto Scaling groups), never from a
        # launcher outside one (Karpenter, EKS Auto Mode, Fargate, self-managed instances).
        assert not [r for r in plan.resources if r.type in (
            "aws:eks/fargateProfile:FargateProfile", "aws:autoscaling/group:Group", "aws:ec2/instance:Instance",
            "aws:eks/nodeGroup:NodeGroup") or r.type.startswith("kubernetes:karpenter")], name
        assert not plan.one(t.CLUSTER, "cluster-eks").inputs.get("autoMode"), name
        assert unattached(plan) == [], name
        # ...and those groups are the ones the autoscaler scales: EKS tags every managed node group's
        # Auto Scaling group k8s.io/cluster-autoscaler/enabled and k8s.io/cluster-autoscaler/CLUSTER.
        command = plan.one(t.DEPLOYMENT, "autoscaler-deployment").inputs["spec"]["template"]["spec"]["containers"][0][
            "command"]
        assert f"k8s.io/cluster-autoscaler/{config.kubernetes.cluster.name}" in " ".join(command)
        checked += 1
    assert checked >= 3


def test_the_check_fails_when_a_group_that_runs_the_service_is_not_attached():
    plan = run_config(stack(
        cluster={"node_groups": [{"min_size": 1, "desired_size": 1, "max_size": 2},
                                 {"name": "graviton", "instance_types": ["m7g.large"], "ami_type": "AL2023_ARM_64_STANDARD",
                                  "min_size": 1, "desired_size": 1, "max_size": 3,
                                  "taints": [{"key": "dedicated", "value": "myapp", "effect": "NO_SCHEDULE"}]}]},
        workload={"node_group": "graviton"},
        front_door={"scheme": "internal", "certificate": "none", "client_cidrs": ["10.0.0.0/16"]}))
    assert unattached(plan) == []
    # Without the node selector the pods could land on the other group, which is not attached.
    loose = copy.deepcopy(plan)
    deployment = loose.one(t.DEPLOYMENT, "service-deployment")
    del deployment.inputs["spec"]["template"]["spec"]["nodeSelector"]
    other = next(g for g in loose.by_type(t.NODE_GROUP) if g.name == "nodes-nodes")
    other.children[t.AWS_NODE_GROUP]["taints"] = []
    assert unattached(loose) == ["nodes-nodes"]
    # And with the attachment gone, the service's own group is reported.
    detached = copy.deepcopy(plan)
    detached.resources = [r for r in detached.resources if r.type != t.ASG_ATTACHMENT]
    assert unattached(detached) == ["graviton-nodes"]


def test_the_autoscalers_role_may_scale_only_this_clusters_groups(every_plan):
    plan, config = every_plan["prod"]
    boundary = json.loads(plan.one("aws:iam/policy:Policy", "boundary-policy").inputs["policy"])
    policy = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "autoscaler-role-policy").inputs["policy"])
    account, region = "444455556666", "eu-central-1"
    principal = Principal(f"arn:aws:sts::{account}:assumed-role/autoscaler-role/eks-pod", [policy], boundary)
    asg = f"arn:aws:autoscaling:{region}:{account}:autoScalingGroup:6d1f0d8e-0c87-4a7f-9b2e-0123456789ab:" \
          "autoScalingGroupName/eks-nodes-nodes-1"
    ours = {"aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true",
            "aws:ResourceTag/k8s.io/cluster-autoscaler/platform-prod": "owned", "aws:RequestedRegion": region}
    theirs = {"aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true",
              "aws:ResourceTag/k8s.io/cluster-autoscaler/other-cluster": "owned", "aws:RequestedRegion": region}
    reads = {"aws:RequestedRegion": region}
    assert decide(principal, [
        Request("autoscaling:SetDesiredCapacity", asg, ours, principal.arn),
        Request("autoscaling:TerminateInstanceInAutoScalingGroup", asg, ours, principal.arn),
        Request("autoscaling:DescribeAutoScalingGroups", "*", reads, principal.arn),
        Request("ec2:DescribeLaunchTemplateVersions", "*", reads, principal.arn),
        Request("eks:DescribeNodegroup", f"arn:aws:eks:{region}:{account}:nodegroup/platform-prod/nodes-nodes/x",
                reads, principal.arn),
    ]) == ["Allowed"] * 5
    assert decide(principal, [
        Request("autoscaling:SetDesiredCapacity", asg, theirs, principal.arn),
        Request("autoscaling:UpdateAutoScalingGroup", asg, ours, principal.arn),
        Request("ec2:TerminateInstances", f"arn:aws:ec2:{region}:{account}:instance/i-0123456789abcdef0", reads,
                principal.arn),
    ]) == ["ImplicitlyDenied"] * 3


# ------------------------------------------------------------------------------ observability


def test_the_observability_add_on_has_its_role_and_log_groups(every_plan):
    for name, (plan, config) in every_plan.items():
        spec = config.kubernetes.observability
        assert spec is not None, name
        addon = plan.one(t.ADDON, "observability-addon")
        assert addon.inputs["addonName"] == "amazon-cloudwatch-observability"
        assert addon.inputs["addonVersion"] == f"v{config.kubernetes.cluster.version}-default-eksbuild.offline"
        association = plan.one(ASSOCIATION, "observability-pod-identity")
        assert (association.inputs["namespace"], association.inputs["serviceAccount"]) == (
            "amazon-cloudwatch", "cloudwatch-agent")
        role = plan.one("aws:iam/role:Role", "observability-role")
        (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert trust["Condition"]["StringEquals"]["aws:RequestTag/kubernetes-service-account"] == "cloudwatch-agent"
        attached = {r.inputs["policyArn"].rsplit("/", 1)[1] for r in plan.by_type(
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment") if r.parent == role.urn}
        assert attached == {"CloudWatchAgentServerPolicy", "AWSXrayWriteOnlyAccess"}
        groups = {r.inputs["name"]: r for r in plan.by_type(t.LOG_GROUP)
                  if r.inputs["name"].startswith("/aws/containerinsights/")}
        assert sorted(groups) == sorted(f"/aws/containerinsights/{config.kubernetes.cluster.name}/{kind}"
                                        for kind in ("application", "dataplane", "host", "performance")), name
        key = plan.one(t.LOG_GROUP, "cluster-logs").inputs["kmsKeyId"]
        for group in groups.values():
            assert group.inputs["retentionInDays"] == spec.log_retention_days and group.inputs["kmsKeyId"] == key
        # The add-on starts once its role's association and its log groups exist (and nodes do).
        assert {association.urn, *(g.urn for g in groups.values())} <= set(addon.dependencies), name
    assert every_plan["prod"][1].kubernetes.observability.log_retention_days == 365


def test_the_agents_role_writes_only_the_stacks_log_groups(every_plan):
    """The agent's AWS managed policies, as AWS publishes them
    (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/CloudWatchAgentServerPolicy.html,
    .../AWSXrayWriteOnlyAccess.html), under the stack's permissions boundary."""
    plan, config = every_plan["prod"]
    boundary = json.loads(plan.one("aws:iam/policy:Policy", "boundary-policy").inputs["policy"])
    agent = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
        "cloudwatch:PutMetricData", "ec2:DescribeVolumes", "ec2:DescribeTags", "logs:PutLogEvents",
        "logs:PutRetentionPolicy", "logs:DescribeLogStreams", "logs:DescribeLogGroups", "logs:CreateLogStream",
        "logs:CreateLogGroup", "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
        "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"]}]}
    account, region = "444455556666", "eu-central-1"
    principal = Principal(f"arn:aws:sts::{account}:assumed-role/observability-role/eks-pod", [agent], boundary)
    here = {"aws:RequestedRegion": region}
    stream = (f"arn:aws:logs:{region}:{account}:log-group:/aws/containerinsights/platform-prod/application:"
              "log-stream:ip-10-0-1-1-application.var.log.containers.x")
    assert decide(principal, [
        Request("logs:PutLogEvents", stream, here, principal.arn),
        Request("logs:CreateLogStream", stream, here, principal.arn),
        Request("cloudwatch:PutMetricData", "*", here, principal.arn),
        Request("xray:PutTraceSegments", "*", here, principal.arn),
    ]) == ["Allowed"] * 4
    other = f"arn:aws:logs:{region}:{account}:log-group:/aws/containerinsights/someone-else/application:log-stream:x"
    assert decide(principal, [
        Request("logs:PutLogEvents", other, here, principal.arn),
        Request("logs:PutLogEvents", stream, {"aws:RequestedRegion": "us-east-1"}, principal.arn),
    ]) != ["Allowed"] * 2
    assert "/aws/containerinsights/platform-prod/" in config.boundary.scope.log_groups


def test_the_service_is_not_annotated_for_injection_which_the_admission_policy_would_refuse(every_plan):
    """The add-on's webhook would add an init container running its auto-instrumentation image by
    tag from public.ecr.aws (the chart's manager.autoInstrumentationImage.python, v0.18.0; the
    operator's pkg/instrumentation/python.go): the namespace's admission policy refuses that pod, so
    the service is not annotated (docs/scaling.md says what instrumenting it takes)."""
    plan, _ = every_plan["dev"]
    deployment = plan.one(t.DEPLOYMENT, "service-deployment")
    annotations = (deployment.inputs["spec"]["template"]["metadata"].get("annotations") or {})
    assert not [k for k in annotations if k.startswith("instrumentation.opentelemetry.io/")]
    policies, bindings = a.admission_objects(plan)
    pod = a.pod_of(a.api_numbers(deployment.inputs))
    assert a.admit(policies, bindings, a.Request(pod)) == a.Decision(True)
    injected = copy.deepcopy(pod)
    container = injected["spec"]["containers"][0]
    injected["spec"]["initContainers"] = [{
        "name": "opentelemetry-auto-instrumentation-python",
        "image": "public.ecr.aws/aws-observability/adot-autoinstrumentation-python:v0.18.0",
        "command": ["cp", "-r", "/autoinstrumentation/.", "/otel-auto-instrumentation-python"],
        "securityContext": container["securityContext"]}]
    assert not a.admit(policies, bindings, a.Request(injected)).allowed


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("config, message", [
    (stack(node_group={"min_size": 5, "desired_size": 5, "max_size": 4}),
     "cluster.node_groups[0].min_size: 5 is above max_size (4); the Cluster Autoscaler keeps the group between them"),
    (stack(cluster={"autoscaler": {"image": f"{ca.UPSTREAM}:v1.35.0"}}),
     f'cluster.autoscaler.image: "{ca.UPSTREAM}:v1.35.0" is not {ca.UPSTREAM}:vX.Y.Z@sha256:DIGEST (the upstream '
     "image, tag and digest: the pod runs exactly that image, through the registry's cache when it has one for "
     "registry.k8s.io)"),
    (stack(cluster={"autoscaler": {"image": f"{ca.UPSTREAM}:v1.34.2@sha256:{'a' * 64}"}}),
     f'cluster.autoscaler.image: "{ca.UPSTREAM}:v1.34.2@sha256:{"a" * 64}" is the Cluster Autoscaler for Kubernetes '
     "1.34, and the cluster runs 1.35; its minor must be the cluster's (the autoscaler's scheduler simulation is the "
     "Kubernetes release it was built with)"),
    (stack(cluster={"version": "1.34"}),
     "cluster.autoscaler.image: null is needed for Kubernetes 1.34: the program pins the Cluster Autoscaler for 1.35, "
     "1.36 only; give the release of your cluster's minor, by digest "
     "(registry.k8s.io/autoscaling/cluster-autoscaler:v1.34.N@sha256:…)"),
    (stack(cluster={"autoscaler": {"enable": False}}),
     "cluster.autoscaler.enable: false is set on an unknown key; did you mean enabled? allowed keys: enabled, image"),
    (stack(cluster={"observability": {"log_retention_days": 31}}),
     "cluster.observability.log_retention_days: 31 is not a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, "
     "120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)"),
])
def test_bad_scaling_config_is_refused_naming_the_key(config, message):
    assert error(config) == message


def test_a_cluster_version_without_a_pin_takes_an_image_of_its_minor_or_runs_no_autoscaler():
    given = f"{ca.UPSTREAM}:v1.34.2@sha256:{'b' * 64}"
    plan = run_config(stack(cluster={"version": "1.34", "autoscaler": {"image": given}}))
    assert plan.one(t.DEPLOYMENT, "autoscaler-deployment").inputs["spec"]["template"]["spec"]["containers"][0][
        "image"] == given
    off = run_config(stack(cluster={"version": "1.34", "autoscaler": {"enabled": False}}))
    assert not [r for r in off.resources if "ClusterAutoscaler" in r.type]
    # Nodes still keep their desired size to themselves: turning the autoscaler off leaves the size.
    assert off.by_type(t.NODE_GROUP)[0].children_ignore_changes[t.AWS_NODE_GROUP] == ["scalingConfig.desiredSize"]


def test_nothing_the_stack_runs_in_kube_system_escapes_a_digest(every_plan):
    for name, (plan, _) in every_plan.items():
        for res in a.pod_templates(plan):
            if res.inputs["metadata"]["namespace"] in SYSTEM_NAMESPACES:
                for container in res.inputs["spec"]["template"]["spec"]["containers"]:
                    assert "@sha256:" in container["image"], (name, res.name)


def test_without_nat_the_preview_names_the_endpoints_the_cluster_agents_need():
    from tests.conftest import raw_config

    def warnings(network):
        config = stack()
        config["network"] = {"availability_zones": ZONES, "nat": "none", **network}
        return [w for w in parse(raw_config(config), project=PROJECT, stack="t").warnings if "VPC endpoints" in w]

    (warning,) = warnings({})
    assert ("these have none: eks-auth (EKS Pod Identity), autoscaling (the Cluster Autoscaler), eks (the Cluster "
            "Autoscaler), logs (the CloudWatch agent and Fluent Bit)") in warning
    assert warnings({"extra_endpoints": ["eks-auth", "autoscaling", "eks", "logs"]}) == []
    (only_logs,) = warnings({"extra_endpoints": ["eks-auth", "autoscaling", "eks"]})
    assert "these have none: logs (the CloudWatch agent and Fluent Bit);" in only_logs
