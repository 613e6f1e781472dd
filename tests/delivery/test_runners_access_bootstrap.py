"""Delivery that reaches the private cluster: CodeBuild runners in the VPC that the cluster's API
admits, the CI roles' access entries, the bootstrap run a workstation can finish, the approved-plan
check before prod's up, and the pull-request comment that reports a failed preview too."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from stack_config import parse
from tests.conftest import PROJECT, raw_config, run_config
from tests.conftest import config_error as error
from tools import plan_check, pr_comment
from tools.harness import ROOT, PlatformMocks, load_stack, run_program

ZONES = ["eu-central-1a", "eu-central-1b"]
REPO = "example-org/container-platform"
PROJECT_TYPE = "aws:codebuild/project:Project"
K8S = "kubernetes:"


def stack(runners=None, network=None, cluster=None, workload=None, **extra):
    config = {"repositories": [{"name": "myapp"}],
              "network": {"availability_zones": ZONES, "nat": "single", **(network or {})},
              "cluster": {"name": "c1", **(cluster or {})},
              "delivery": {"github_repository": REPO, **({"runners": runners} if runners is not None else {})},
              **extra}
    if workload is not None:
        config["workload"] = workload
    return config


# ------------------------------------------------------------------------------ the runners

def test_prod_runners_run_in_the_private_subnets_on_the_nodes_architecture(plans):
    plan = plans("prod")
    project = plan.one(PROJECT_TYPE, "runners-project").inputs
    assert project["name"] == "platform-prod-gha-runner"
    env = project["environment"]
    assert env["type"] == "ARM_CONTAINER" and "aarch64" in env["image"]  # the Graviton nodes' architecture
    assert env["privilegedMode"] is True  # Docker builds
    network = plan.one("aws:ec2/vpc:Vpc", "network-vpc")
    private = sorted(r.resource_id for r in plan.by_type("aws:ec2/subnet:Subnet") if "private" in r.name)
    assert project["vpcConfig"]["vpcId"] == network.resource_id
    assert sorted(project["vpcConfig"]["subnets"]) == private
    assert project["source"] == {"type": "GITHUB", "location": f"https://github.com/{REPO}.git", "auth": {
        "type": "CODECONNECTIONS", "resource": plan.one("aws:codeconnections/connection:Connection",
                                                         "runners-github").outputs["arn"]}}
    logs = plan.one("aws:cloudwatch/logGroup:LogGroup", "runners-logs").inputs
    assert logs["name"] == "/aws/codebuild/platform-prod-gha-runner" and logs["retentionInDays"] == 90
    assert logs["kmsKeyId"] == plan.one("aws:kms/key:Key", "cluster-key").outputs["arn"]
    assert project["logsConfig"]["cloudwatchLogs"] == {"status": "ENABLED", "groupName": logs["name"]}


def test_the_cluster_api_admits_the_runners_and_they_only_send_https_out(plans):
    plan = plans("prod")
    group = plan.one("aws:ec2/securityGroup:SecurityGroup", "runners-sg")
    assert "ingress" not in group.inputs and "egress" not in group.inputs
    egress = [r.inputs for r in plan.by_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
              if r.parent == group.urn]
    assert egress == [{**egress[0], "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443}]
    ingress = plan.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "runners-cluster-api").inputs
    cluster_sg = plan.outputs["cluster"]["security_group_id"]
    assert ingress["securityGroupId"] == cluster_sg and ingress["referencedSecurityGroupId"] == group.resource_id
    assert (ingress["fromPort"], ingress["toPort"], ingress["ipProtocol"]) == (443, 443, "tcp")
    assert "cidrIpv4" not in ingress


def test_the_webhook_starts_a_runner_per_queued_job_of_this_repositorys_workflows(plans):
    hook = plans("prod").one("aws:codebuild/webhook:Webhook", "runners-webhook").inputs
    assert hook["buildType"] == "BUILD" and "scopeConfiguration" not in hook  # this repository only
    (group,) = hook["filterGroups"]
    assert group["filters"] == [{"type": "EVENT", "pattern": "WORKFLOW_JOB_QUEUED"},
                                {"type": "WORKFLOW_NAME", "pattern": "^(pull\\ request|deploy|drift)$"}]


def test_the_runner_role_has_only_what_a_runner_needs(plans):
    plan = plans("prod")
    role = plan.one("aws:iam/role:Role", "runners-role")
    (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "codebuild.amazonaws.com"}
    assert trust["Condition"]["ArnLike"]["aws:SourceArn"].endswith(":project/platform-prod-gha-runner")
    policy = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "runners-role-policy").inputs["policy"])
    actions = {a for s in policy["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert {a.split(":")[0] for a in actions} == {"logs", "ec2", "codeconnections", "codestar-connections"}
    assert not [a for a in actions if a.startswith(("iam:", "sts:", "eks:", "ecr:", "s3:")) or a.endswith("*")]
    attach = next(s for s in policy["Statement"] if s["Action"] == "ec2:CreateNetworkInterfacePermission")
    subnets = attach["Condition"]["ArnEquals"]["ec2:Subnet"]
    assert len(subnets) == 3 and all(":subnet/subnet-" in s for s in subnets)
    assert not [r for r in plan.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") if r.parent == role.urn]


def test_dev_runners_are_x86_like_its_nodes(plans):
    env = plans("dev").one(PROJECT_TYPE, "runners-project").inputs["environment"]
    assert env["type"] == "LINUX_CONTAINER" and "x86_64" in env["image"]


def test_self_hosted_runners_create_nothing_and_give_their_labels():
    from components.delivery.runners import runs_on

    config = stack(runners={"mode": "self-hosted", "labels": ["vpc-runner", "linux"]})
    plan = run_config(config)
    assert not plan.by_type(PROJECT_TYPE)
    parsed = parse(raw_config(config), project=PROJECT, stack="t")
    assert runs_on(parsed.runners, "deploy", "1", "1") == ["vpc-runner", "linux"]
    assert runs_on(parse(raw_config(stack()), project=PROJECT, stack="t").runners, "deploy", "7", "2") == [
        "codebuild-c1-gha-runner-7-2", "deploy"]


@pytest.mark.parametrize("runners, extra, message", [
    ({"mode": "self-hosted", "labels": [3]}, {}, "delivery.runners.labels[0]: 3 is not a non-empty string"),
    ({"mode": "self-hosted"}, {}, "delivery.runners.labels: [] must list the labels of your runners (self-hosted)"),
    ({"labels": ["x"]}, {}, 'delivery.runners.labels: ["x"] is only for mode self-hosted, not codebuild'),
    ({"architecture": "arm64"}, {},
     'delivery.runners.architecture: "arm64" does not match node group nodes (amd64): images are built on the '
     "runner for the nodes, natively only on their architecture; use amd64"),
    ({"mode": "codebuild"}, {"network": {"availability_zones": ZONES, "nat": "none"}},
     'delivery.runners.mode: "codebuild" needs network.nat (single or per_az): CodeBuild runners in private subnets '
     "reach GitHub only through NAT (CodeBuild gives them no public address); set network.nat, or use mode "
     "self-hosted with runners that reach the endpoint"),
    ({"mode": "github-hosted"}, {},
     'delivery.runners.mode: "github-hosted" cannot reach the cluster\'s API: GitHub-hosted runners are outside the '
     "VPC (prod's endpoint is private, dev's open to listed ranges only); use codebuild or self-hosted"),
    ({"mode": "gitlab"}, {}, 'delivery.runners.mode: "gitlab" is not one of codebuild, self-hosted, github-hosted'),
    ({"connection_arn": "arn:aws:codeconnections:us-east-1:111122223333:connection/"
                        "0f8e6c2a-1b2c-4d5e-8f90-123456789abc"}, {},
     'delivery.runners.connection_arn: "arn:aws:codeconnections:us-east-1:111122223333:connection/'
     '0f8e6c2a-1b2c-4d5e-8f90-123456789abc" is in us-east-1; a CodeBuild project uses a connection of its own '
     "region (eu-central-1)"),
    ({"compute_type": "BUILD_GENERAL1_2XLARGE"}, {},
     'delivery.runners.compute_type: "BUILD_GENERAL1_2XLARGE" is not one of BUILD_GENERAL1_SMALL, '
     "BUILD_GENERAL1_MEDIUM, BUILD_GENERAL1_LARGE"),
    ("codebuild", {}, 'delivery.runners: "codebuild" is not an object with keys mode, architecture, compute_type, '
                      "connection_arn, labels, log_retention_days, build_timeout_minutes"),
])
def test_runner_errors(runners, extra, message):
    config = stack(runners=runners)
    config.update(extra)
    if "network" in extra:
        config["network"] = extra["network"]
    assert error(config) == message


def test_a_registry_only_stack_runs_on_github_hosted_runners_and_cannot_ask_for_codebuild():
    config = {"repositories": [{"name": "myapp"}], "delivery": {"github_repository": REPO}}
    assert parse(raw_config(config), project=PROJECT, stack="t").runners.mode == "github-hosted"
    config["delivery"]["runners"] = {"mode": "codebuild"}
    assert error(config) == ('delivery.runners.mode: "codebuild" needs a cluster (network and cluster): CodeBuild '
                             "runners go in its VPC; a stack without one uses github-hosted")


# ------------------------------------------------------------------------------ bootstrap

def _types(plan) -> set[str]:
    return {r.type for r in plan.resources}


def test_prods_workstation_step_creates_what_aws_apis_reach_and_no_kubernetes_object():
    settings = load_stack("prod")
    full = run_program(settings)
    settings.config["container-platform:bootstrap"] = "true"
    first = run_program(settings)
    assert not [r for r in first.resources if r.type.startswith(K8S) or r.type == "pulumi:providers:kubernetes"]
    assert not first.by_type("docker:index/image:Image")
    # Everything a workstation can create through AWS's APIs is in the first step...
    for typ in ("aws:ecr/repository:Repository", "aws:ec2/vpc:Vpc", "eks:index:Cluster", "eks:index:ManagedNodeGroup",
                PROJECT_TYPE, "aws:iam/role:Role", "aws:eks/accessEntry:AccessEntry",
                "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"):
        assert first.by_type(typ), typ
    # ...and the second step (from the runner in the VPC) adds exactly the image, its scan gate, the
    # admission policy, the workload (with its autoscaler) and the Cluster Autoscaler (Kubernetes objects).
    added = {r.urn.rsplit("::", 2)[-2].rsplit("$", 1)[-1] for r in full.resources} - \
            {r.urn.rsplit("::", 2)[-2].rsplit("$", 1)[-1] for r in first.resources}
    assert added == {"pulumi:providers:kubernetes", "containerplatform:index:ServiceImage",
                     "containerplatform:index:ServiceWorkload", "docker:index/image:Image",
                     "kubernetes:core/v1:Namespace", "kubernetes:core/v1:ServiceAccount",
                     "kubernetes:apps/v1:Deployment", "kubernetes:policy/v1:PodDisruptionBudget",
                     "kubernetes:core/v1:Service", "containerplatform:index:ImageScanGate",
                     "pulumi-python:dynamic:ScanFindingsGate", "containerplatform:index:ImageAdmission",
                     "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
                     "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
                     "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "containerplatform:index:ClusterAutoscaler",
                     "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
                     "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
                     "kubernetes:rbac.authorization.k8s.io/v1:Role", "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"}
    assert {r.urn for r in first.resources} <= {r.urn for r in full.resources}
    assert any(w.startswith("bootstrap: this run creates no Kubernetes provider and the workload") for w in first.warnings)
    assert "service" not in first.outputs and "service" in full.outputs


def test_bootstrap_needs_a_cluster():
    assert error({"repositories": [{"name": "myapp"}], "bootstrap": True}) == (
        "bootstrap: true is for a stack with a cluster (network and cluster); this stack has none, so every run "
        "reaches all it creates: leave bootstrap out")


def test_bootstrap_is_a_boolean():
    assert error(stack(bootstrap="yes")) == 'bootstrap: "yes" is not a boolean (true or false)'


# ------------------------------------------------------------------------------ cross-account preview

def _destination_roles(caller: str | None) -> list[str]:
    settings = load_stack("prod")
    plan = run_program(settings, mocks=PlatformMocks(settings.account, settings.region, caller=caller))
    return [json.loads(p.inputs["assumeRoles"])[0]["roleArn"] for p in plan.by_type("pulumi:providers:aws")]


def test_a_run_by_the_preview_role_assumes_the_destinations_read_only_role():
    """E6: the program picks the destination role by who runs it; only the read-only one is
    assumable by the preview role (tests/delivery/test_permissions.py), so a preview never writes there."""
    preview = "arn:aws:sts::444455556666:assumed-role/container-platform-prod-gha-preview/drift-1"
    deploy = "arn:aws:sts::444455556666:assumed-role/container-platform-prod-gha-deploy/up-1"
    assert _destination_roles(preview) == ["arn:aws:iam::777788889999:role/ecr-replication-read"]
    assert _destination_roles(deploy) == ["arn:aws:iam::777788889999:role/ecr-replication-admin"]
    assert _destination_roles(None) == ["arn:aws:iam::777788889999:role/ecr-replication-admin"]


@pytest.mark.parametrize("destination, message", [
    ({"preview_role_arn": "arn:aws:iam::777788889999:role/r"},
     'replication.rules[0].destinations[0].preview_role_arn: "arn:aws:iam::777788889999:role/r" is the read-only '
     "twin of assume_role_arn: set assume_role_arn too"),
    ({"assume_role_arn": "arn:aws:iam::777788889999:role/w", "preview_role_arn": "arn:aws:iam::111122223333:role/r"},
     'replication.rules[0].destinations[0].preview_role_arn: "arn:aws:iam::111122223333:role/r" is not an IAM role '
     "ARN of the destination account 777788889999"),
    ({"assume_role_arn": "arn:aws:iam::777788889999:role/w", "preview_role_arn": "arn:aws:iam::777788889999:role/w"},
     'replication.rules[0].destinations[0].preview_role_arn: "arn:aws:iam::777788889999:role/w" is assume_role_arn '
     "itself: give a separate read-only role, so that a pull request's preview never holds the destination's "
     "write access"),
    ({"assume_role_arn": "arn:aws:iam::777788889999:role/w"},
     "replication.rules[0].destinations[0].preview_role_arn: null is required with assume_role_arn when the stack "
     "has delivery roles: the preview role (pull requests, drift) assumes a read-only role there, never the writer "
     "(docs/delivery.md#replication-destinations)"),
])
def test_destination_roles_are_checked(destination, message):
    config = {"repositories": [{"name": "myapp"}], "aws:allowedAccountIds": ["111122223333"],
              "delivery": {"github_repository": "example-org/container-platform"},
              "replication": {"rules": [{"destinations": [{"region": "eu-west-1", "account": "777788889999",
                                                          **destination}]}]}}
    assert error(config) == message


# ------------------------------------------------------------------------------ prod's approved plan

def preview_json(tmp_path: Path, name: str, steps: list[tuple[str, str]]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"steps": [{"op": op, "urn": urn} for op, urn in steps], "changeSummary": {}}))
    return path


def test_up_goes_on_only_with_the_approved_changes(tmp_path, capsys):
    approved = preview_json(tmp_path, "a.json", [("same", "u1"), ("update", "u2"), ("create", "u3")])
    same = preview_json(tmp_path, "b.json", [("create", "u3"), ("update", "u2"), ("same", "u1"), ("read", "u4")])
    assert plan_check.main([str(approved), str(same)]) == 0
    more = preview_json(tmp_path, "c.json", [("update", "u2"), ("create", "u3"), ("delete", "u1")])
    assert plan_check.main([str(approved), str(more)]) == 1
    err = capsys.readouterr().err
    assert "+ not approved: delete u1" in err and "nothing was applied" in err
    fewer = preview_json(tmp_path, "d.json", [("update", "u2")])
    assert plan_check.main([str(approved), str(fewer)]) == 1
    assert "- approved, no longer planned: create u3" in capsys.readouterr().err


def test_the_plan_check_refuses_what_is_not_a_preview(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert plan_check.main([str(bad), str(bad)]) == 2
    assert "not JSON" in capsys.readouterr().err
    bad.write_text(json.dumps({"steps": [{"op": "create"}]}))
    assert plan_check.main([str(bad), str(bad)]) == 2
    assert "steps[0] has no op and urn" in capsys.readouterr().err
    assert plan_check.main(["only-one"]) == 2


# ------------------------------------------------------------------------------ the PR comment

class _Response(io.BytesIO):
    status = 201

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_a_failed_preview_is_commented_with_its_output(tmp_path, capsys):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7}}))
    log = tmp_path / "preview.txt"
    log.write_text("error: the policy pack refused it\n")
    sent = []

    def opener(request):
        sent.append(request)
        return _Response()

    env = {"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": REPO, "GITHUB_EVENT_PATH": str(event), "GITHUB_RUN_ID": "9"}
    assert pr_comment.post(env, pr_comment.body("prod", "failure", log.read_text(), "u"), opener=opener) == 201
    (request,) = sent
    assert request.full_url == f"https://api.github.com/repos/{REPO}/issues/7/comments"
    text = json.loads(request.data)["body"]
    assert "`prod` FAILED" in text and "<details open>" in text and "the policy pack refused it" in text
    assert pr_comment.main(["prod", "failure", str(log)], env={}) == 2
    assert "GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_EVENT_PATH not set" in capsys.readouterr().err


def test_a_long_log_is_cut_from_the_top_to_fit_a_comment():
    text = pr_comment.body("dev", "success", "x" * 100_000 + "THE END", "u")
    assert len(text) < 65_536 and text.rstrip().endswith("```\n</details>") is False or "THE END" in text
    assert "earlier output cut" in text and "<details>" in text


def test_the_workflow_names_the_runners_readme_and_docs_agree():
    docs = (ROOT / "docs" / "delivery.md").read_text()
    assert "codebuild-PROJECT-" in docs and "bootstrap" in docs
