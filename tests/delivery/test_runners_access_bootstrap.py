"""Delivery that reaches the private cluster: CodeBuild runners in the VPC that the cluster's API
admits, the CI roles' access entries, the bootstrap run a workstation can finish, the approved-plan
check before prod's up, and the pull-request comment that reports a failed preview too."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from stack_config import parse
from tests.conftest import PROJECT, raw_config, run_config, settings_for
from tests.conftest import config_error as error
from tools import plan_check, pr_comment
from tools.harness import ROOT, PlatformMocks, load_stack, run_program

ZONES = ["eu-central-1a", "eu-central-1b"]
REPO = "example-org/container-platform"
PROJECT_TYPE = "aws:codebuild/project:Project"
WEBHOOK_TYPE = "aws:codebuild/webhook:Webhook"
CONNECTION_TYPE = "aws:codeconnections/connection:Connection"
PROD_CONNECTION = "arn:aws:codeconnections:eu-central-1:444455556666:connection/8b7c6d5e-4f3a-4b2c-9d1e-0f1a2b3c4d5e"
CONNECTION = "arn:aws:codeconnections:eu-central-1:111122223333:connection/0f8e6c2a-1b2c-4d5e-8f90-123456789abc"
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
    # Prod names its approved connection: it creates none, and its project uses that one.
    assert not plan.by_type(CONNECTION_TYPE)
    assert project["source"] == {"type": "GITHUB", "location": f"https://github.com/{REPO}.git", "auth": {
        "type": "CODECONNECTIONS", "resource": PROD_CONNECTION}}
    logs = plan.one("aws:cloudwatch/logGroup:LogGroup", "runners-logs").inputs
    assert logs["name"] == "/aws/codebuild/platform-prod-gha-runner" and logs["retentionInDays"] == 90
    assert logs["kmsKeyId"] == plan.one("aws:kms/key:Key", "cluster-key").outputs["arn"]
    assert project["logsConfig"]["cloudwatchLogs"] == {"status": "ENABLED", "groupName": logs["name"]}
    # One job may run as long as the longest update (a cluster upgrade), above every job's timeout.
    assert project["buildTimeout"] == 240


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


def test_prods_webhook_starts_runners_only_for_the_default_branchs_workflows_of_listed_accounts(plans):
    hook = plans("prod").one(WEBHOOK_TYPE, "runners-webhook").inputs
    assert hook["buildType"] == "BUILD" and "scopeConfiguration" not in hook  # this repository only
    (group,) = hook["filterGroups"]
    # No "pull request" workflow (prod serves no pull request), and only the listed accounts' jobs:
    # ACTOR_ACCOUNT_ID is the one filter of a workflow-job event a pushed workflow cannot set itself.
    assert group["filters"] == [{"type": "EVENT", "pattern": "WORKFLOW_JOB_QUEUED"},
                                {"type": "WORKFLOW_NAME", "pattern": "^(deploy|drift)$"},
                                {"type": "ACTOR_ACCOUNT_ID", "pattern": "^(1234567|2345678)$"}]


def test_the_webhooks_filters_are_ones_codebuild_applies_to_workflow_job_events():
    """botocore's WebhookFilter documentation (the AWS API model) says which filter types work with
    which events: a filter of another event's kind would never match a queued job (no runner, the
    job waits 24 hours), so the runner's filters must all be of the workflow-job kind."""
    import gzip

    import botocore

    model = json.loads(gzip.open(Path(botocore.__file__).parent / "data" / "codebuild" / "2016-10-06" /
                                 "service-2.json.gz").read())
    doc = model["shapes"]["WebhookFilter"]["members"]["type"]["documentation"]
    sections = dict(re.findall(r"<li> <p>\s*(\w+)\s*</p> <ul>(.*?)</ul> </li>", doc, re.S))
    from components.delivery.runners import RunnerSpec, webhook_filters
    from components.shared.placement import Placement

    spec = RunnerSpec(placement=Placement(region="eu-central-1"), repository=REPO, project_name="p",
                      pull_requests=False, actor_ids=(5,))
    for f in webhook_filters(spec):
        note = sections[f["type"]]
        if f["type"] == "EVENT":
            assert "WORKFLOW_JOB_QUEUED" in note
        else:  # no restriction to other events, or restricted to this one
            assert "Works with" not in note or "WORKFLOW_JOB_QUEUED" in note, (f["type"], note)
    # ...and the branch filters the audit hoped for are not of that kind: they cannot guard a runner.
    assert "push" in sections["HEAD_REF"] and "WORKFLOW_JOB_QUEUED" not in sections["HEAD_REF"]
    assert "pull request events only" in sections["BASE_REF"]


def test_the_connection_is_read_and_the_runner_declared_only_when_it_is_available():
    """The first `up` creates the connection PENDING and no runner (CodeBuild refuses a pending
    connection); once the stack names it, each run reads its status by ARN and declares the runner
    only when it is AVAILABLE, with a warning that says what to approve, and where."""
    first = run_config(stack())
    (connection,) = first.by_type(CONNECTION_TYPE)
    assert connection.retain_on_delete  # naming it later drops it from the state, not from AWS
    for typ in (PROJECT_TYPE, WEBHOOK_TYPE, "aws:iam/role:Role", "aws:ec2/securityGroup:SecurityGroup"):
        assert not [r for r in first.by_type(typ) if r.name.startswith("runners-")], typ
    assert not [i for i in first.invokes if i.token == "aws:codestarconnections/getConnection:getConnection"]
    (warning,) = [w for w in first.warnings if w.startswith("runners:")]
    assert "creates the GitHub connection c1-gha-runner (PENDING)" in warning
    assert "https://console.aws.amazon.com/codesuite/settings/connections?region=eu-central-1" in warning
    assert "set delivery.runners.connection_arn to its ARN" in warning and "`pulumi up` again" in warning

    named = stack(runners={"connection_arn": CONNECTION})
    pending = run_program(settings_for(named), mocks=PlatformMocks("111122223333", "eu-central-1",
                                                                   connections={CONNECTION: "PENDING"}))
    assert not pending.by_type(CONNECTION_TYPE) and not pending.by_type(PROJECT_TYPE) and not pending.by_type(WEBHOOK_TYPE)
    (read,) = [i for i in pending.invokes if i.token == "aws:codestarconnections/getConnection:getConnection"]
    assert read.args == {"arn": CONNECTION}  # by ARN: the name form fails when none matches
    (warning,) = [w for w in pending.warnings if w.startswith("runners:")]
    assert f"{CONNECTION} is PENDING" in warning and "Approve it in the AWS console" in warning

    available = run_program(settings_for(named), mocks=PlatformMocks("111122223333", "eu-central-1",
                                                                     connections={CONNECTION: "AVAILABLE"}))
    assert available.one(PROJECT_TYPE, "runners-project").inputs["source"]["auth"]["resource"] == CONNECTION
    assert available.one(WEBHOOK_TYPE, "runners-webhook")
    assert not [w for w in available.warnings if w.startswith("runners:")]
    assert available.outputs["delivery"]["runners"]["connection_status"] == "AVAILABLE"

    # A connection the stack file names but AWS does not have: the read fails (and with it the run),
    # as Terraform's data source does on GetConnection's ResourceNotFoundException.
    from tools.harness.mocks import Where

    with pytest.raises(Exception, match="ResourceNotFoundException"):
        PlatformMocks("111122223333", "eu-central-1", connections={})._connection(
            {"arn": CONNECTION}, Where("111122223333", "eu-central-1", "aws", "amazonaws.com"))


def test_the_runner_role_has_only_what_a_runner_needs(plans):
    plan = plans("prod")
    role = plan.one("aws:iam/role:Role", "runners-role")
    (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "codebuild.amazonaws.com"}
    assert trust["Condition"]["ArnLike"]["aws:SourceArn"].endswith(":project/platform-prod-gha-runner")
    policy = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "runners-role-policy").inputs["policy"])
    actions = {a for s in policy["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert {a.split(":")[0] for a in actions} == {"logs", "ec2", "codeconnections"}
    assert not [a for a in actions if a.startswith(("iam:", "sts:", "eks:", "ecr:", "s3:")) or a.endswith("*")]
    # The connection: what AWS documents for a GitHub App connection, on this one connection, in its
    # ARN's prefix; no UseConnection (the caller's, at CreateProject/CreateWebhook).
    (connection,) = [s for s in policy["Statement"] if s["Sid"] == "GithubConnection"]
    assert sorted(connection["Action"]) == ["codeconnections:GetConnection", "codeconnections:GetConnectionToken"]
    assert connection["Resource"] == PROD_CONNECTION
    attach = next(s for s in policy["Statement"] if s["Action"] == "ec2:CreateNetworkInterfacePermission")
    subnets = attach["Condition"]["ArnEquals"]["ec2:Subnet"]
    assert len(subnets) == 3 and all(":subnet/subnet-" in s for s in subnets)
    assert not [r for r in plan.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") if r.parent == role.urn]


def test_an_older_connections_arn_gets_its_own_prefixs_actions():
    from components.delivery.runners import connection_actions

    assert connection_actions("arn:aws:codestar-connections:eu-central-1:111122223333:connection/x") == [
        "codestar-connections:GetConnection", "codestar-connections:GetConnectionToken"]


def test_dev_runners_are_x86_like_its_nodes():
    env = run_config(stack(runners={"connection_arn": CONNECTION})).one(PROJECT_TYPE, "runners-project").inputs[
        "environment"]
    assert env["type"] == "LINUX_CONTAINER" and "x86_64" in env["image"]


def test_dev_ships_in_its_first_up_shape(plans):
    """Dev's stack file names no connection: its plan is a first `up`'s (the connection, no runner)."""
    plan = plans("dev")
    assert plan.one(CONNECTION_TYPE, "runners-github") and not plan.by_type(PROJECT_TYPE)
    assert any(w.startswith("runners: this run creates the GitHub connection platform-dev-gha-runner") for w in
               plan.warnings)


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
                      "connection_arn, labels, log_retention_days, build_timeout_minutes, pull_requests, actor_ids"),
    ({"pull_requests": False}, {},
     "delivery.runners.actor_ids: [] must list the GitHub accounts whose jobs may start the runner when "
     "pull_requests is false: a job's runs-on label and its workflow's name are whatever a pushed branch writes, so "
     "the account that queued it is the only thing the webhook can hold a pull request's job off by"),
    ({"actor_ids": ["octocat"]}, {}, 'delivery.runners.actor_ids[0]: "octocat" is not a positive integer'),
    ({"actor_ids": [0]}, {}, "delivery.runners.actor_ids[0]: 0 is not a positive integer"),
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
    # admission policy, the workload (with its autoscaler), the Cluster Autoscaler and the preview role's
    # reader (Kubernetes objects).
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
                     "containerplatform:index:PreviewClusterReader",
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
     "(docs/delivery.md#cross-account-replication-in-prods-preview)"),
])
def test_destination_roles_are_checked(destination, message):
    config = {"repositories": [{"name": "myapp"}], "aws:allowedAccountIds": ["111122223333"],
              "delivery": {"github_repository": "example-org/container-platform"},
              "replication": {"rules": [{"destinations": [{"region": "eu-west-1", "account": "777788889999",
                                                          **destination}]}]}}
    assert error(config) == message


# ------------------------------------------------------------------------------ prod's approved plan

STACK_URN = "urn:pulumi:prod::container-platform::"
REPO_URN = STACK_URN + "containerplatform:index:EcrRegistry$aws:ecr/repository:Repository::registry-myapp"
ROLE_URN = STACK_URN + "aws:iam/role:Role::github-deploy"
DEST_URN = STACK_URN + ("containerplatform:index:EcrReplication$pulumi:providers:aws::"
                        "replication-777788889999-eu-central-1-provider")
READER, WRITER = "arn:aws:iam::777788889999:role/ecr-replication-read", "arn:aws:iam::777788889999:role/ecr-replication-admin"


def step(op, urn, new=None, old=None, diff=(), replace=()):
    """One step as `pulumi preview --json` writes it (pkg/display/json.go PreviewStep)."""
    out = {"op": op, "urn": urn, "provider": "", "diffReasons": list(diff), "replaceReasons": list(replace),
           "detailedDiff": {k: {"kind": "update", "inputDiff": True} for k in diff} if diff else None}
    if new is not None:
        out["newState"] = {"urn": urn, "type": plan_check.type_of(urn), "inputs": new, "protect": False}
    if old is not None:
        out["oldState"] = {"urn": urn, "type": plan_check.type_of(urn), "inputs": old}
    return out


def preview_json(tmp_path: Path, name: str, steps: list[dict]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"steps": steps, "changeSummary": {}}))
    return path


def _provider(role: str, op: str = "update") -> dict:
    return step(op, DEST_URN, new={"region": "eu-central-1", "assumeRoles": json.dumps([{"roleArn": role}])},
                old={"region": "eu-central-1", "assumeRoles": json.dumps([{"roleArn": WRITER}])},
                diff=["assumeRoles"] if op == "update" else ())


def test_up_goes_on_only_with_the_approved_changes(tmp_path, capsys):
    tags = step("update", REPO_URN, new={"name": "myapp", "tags": {"team": "b"}}, old={"name": "myapp"}, diff=["tags"])
    role = step("create", ROLE_URN, new={"name": "r", "maxSessionDuration": 14400})
    # The reviewers' preview, by the preview role: the destination provider's read-only role shows too.
    approved = preview_json(tmp_path, "a.json", [step("same", STACK_URN + "x"), tags, role, _provider(READER)])
    # The deploy role's own preview: the same changes, the provider unchanged (it runs with the writer).
    same = preview_json(tmp_path, "b.json", [role, tags, step("read", STACK_URN + "y")])
    assert plan_check.main(["compare", str(approved), str(same)]) == 0
    assert "The changes are approved ones (2 steps)" in capsys.readouterr().out
    # The same URN and operation with another value is not what was approved (the old check passed it).
    other = preview_json(tmp_path, "c.json", [role, step("update", REPO_URN, new={"name": "myapp",
                                                                                  "tags": {"team": "c"}},
                                                            old={"name": "myapp"}, diff=["tags"])])
    assert plan_check.main(["compare", str(approved), str(other)]) == 1
    err = capsys.readouterr().err
    assert f"+ not approved: update {REPO_URN} differs in inputs.tags.team" in err and "nothing was applied" in err
    assert "Re-run all jobs" in err
    # A step nobody approved, or another operation on an approved URN, stops it too.
    more = preview_json(tmp_path, "d.json", [role, tags, step("delete", STACK_URN + "aws:s3/bucket:Bucket::b")])
    assert plan_check.main(["compare", str(approved), str(more)]) == 1
    assert "+ not approved: delete urn:pulumi:prod::container-platform::aws:s3/bucket:Bucket::b" in capsys.readouterr().err
    replaced = preview_json(tmp_path, "e.json", [role, step("replace", REPO_URN, new={"name": "myapp"},
                                                           replace=["name"])])
    assert plan_check.main(["compare", str(approved), str(replaced)]) == 1
    assert "(approved: update)" in capsys.readouterr().err
    # Fewer changes than approved (a re-run after a partly applied up): goes on, and says so.
    fewer = preview_json(tmp_path, "f.json", [tags])
    assert plan_check.main(["compare", str(approved), str(fewer)]) == 0
    assert f"- approved, no longer planned: create {ROLE_URN}" in capsys.readouterr().out


def test_the_provider_input_that_depends_on_the_role_is_the_only_one_ignored(tmp_path, capsys):
    """A real change to the destination provider (its region) is approved by the preview role with
    the read-only role and planned by the deploy role with the writer: the same change."""
    moved = {"region": "eu-west-1"}
    approved = preview_json(tmp_path, "a.json", [step("update", DEST_URN, new={**moved, "assumeRoles": READER},
                                                      old={"region": "eu-central-1", "assumeRoles": WRITER},
                                                      diff=["region", "assumeRoles"])])
    current = preview_json(tmp_path, "b.json", [step("update", DEST_URN, new={**moved, "assumeRoles": WRITER},
                                                     old={"region": "eu-central-1", "assumeRoles": WRITER},
                                                     diff=["region"])])
    assert plan_check.main(["compare", str(approved), str(current)]) == 0
    # ...but not on any other resource, and not any other input of the provider.
    other = preview_json(tmp_path, "c.json", [step("update", DEST_URN, new={"region": "us-east-1",
                                                                           "assumeRoles": WRITER},
                                                   old={"region": "eu-central-1"}, diff=["region"])])
    assert plan_check.main(["compare", str(approved), str(other)]) == 1
    assert "differs in" in capsys.readouterr().err


def test_drift_tolerates_exactly_the_role_dependent_provider_update(tmp_path, capsys):
    clean = preview_json(tmp_path, "a.json", [step("same", REPO_URN), step("refresh", ROLE_URN), _provider(READER)])
    assert plan_check.main(["drift", str(clean)]) == 0
    assert "No drift" in capsys.readouterr().out
    # The provider changing anything else, or any other resource changing, is drift.
    region = step("update", DEST_URN, new={"region": "eu-west-1"}, old={"region": "eu-central-1"},
                  diff=["assumeRoles", "region"])
    for found in (region, step("update", REPO_URN, new={"tags": {}}, old={"tags": {"a": "b"}}, diff=["tags"]),
                  step("delete", ROLE_URN, old={"name": "r"}),
                  step("update", STACK_URN + "pulumi:providers:kubernetes::k8s", new={"assumeRoles": 1},
                       old={}, diff=["assumeRoles"])):
        assert plan_check.main(["drift", str(preview_json(tmp_path, "b.json", [found]))]) == 1
        assert f"{found['op']} {found['urn']}" in capsys.readouterr().err


def test_the_reviewers_summary_is_the_approved_file(tmp_path, capsys):
    unknown = plan_check.UNKNOWN
    preview = preview_json(tmp_path, "a.json", [
        step("update", REPO_URN, new={"tags": {"team": "b"}, "secret": "[secret]"}, old={"tags": {"team": "a"}},
             diff=["tags.team"]),
        step("create", ROLE_URN, new={"arn": unknown}), step("same", STACK_URN + "z")])
    assert plan_check.main(["summary", str(preview)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 changes:")
    assert "- **update** `aws:ecr/repository:Repository` `registry-myapp`" in out
    assert '`tags.team` (update): "a" → "b"' in out
    assert "- **create** `aws:iam/role:Role` `github-deploy`" in out and "same" not in out
    empty = preview_json(tmp_path, "b.json", [step("same", REPO_URN)])
    assert plan_check.main(["summary", str(empty)]) == 0 and capsys.readouterr().out == "No changes.\n"


def test_the_plan_check_refuses_what_is_not_a_preview(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert plan_check.main(["compare", str(bad), str(bad)]) == 2
    assert "not JSON" in capsys.readouterr().err
    bad.write_text(json.dumps({"steps": [{"op": "create"}]}))
    assert plan_check.main(["drift", str(bad)]) == 2
    assert "steps[0] has no op and urn" in capsys.readouterr().err
    assert plan_check.main(["compare", "only-one"]) == 2
    assert plan_check.main(["approve", str(bad)]) == 2


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


# ------------------------------------------------------------------------------ prod's reviewers, drift's issue

class _Json(_Response):
    def __init__(self, payload):
        super().__init__(json.dumps(payload).encode())


def _environment(rules):
    return {"name": "prod", "protection_rules": rules}


REVIEWERS = {"id": 1, "type": "required_reviewers", "prevent_self_review": True,
             "reviewers": [{"type": "Team", "reviewer": {"slug": "platform"}}]}


def test_prod_stops_unless_its_environment_requires_a_reviewer(capsys):
    """On GitHub Free, Pro and Team a private repository's environment has no required reviewers:
    the prod job would run unapproved. It asks GitHub first and stops, unless told otherwise."""
    from tools import environment_check

    env = {"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": REPO}
    asked = []

    def opener_for(payload):
        def opener(request):
            asked.append(request.full_url)
            return _Json(payload)
        return opener

    assert environment_check.main(["prod"], env, opener_for(_environment([REVIEWERS]))) == 0
    assert asked == [f"https://api.github.com/repos/{REPO}/environments/prod"]
    assert "requires a reviewer's approval (platform; self-review prevented)" in capsys.readouterr().out
    for rules in ([], [{"id": 2, "type": "wait_timer", "wait_timer": 5}], [{**REVIEWERS, "reviewers": []}]):
        assert environment_check.main(["prod"], env, opener_for(_environment(rules))) == 1
        out = capsys.readouterr().out
        assert "::error title=No required reviewers::The prod environment has no required reviewers" in out
        assert "GitHub Enterprise" in out and "PROD_REVIEWERS to none" in out
    # The explicit way through on a plan without reviewers: no call, a warning in the run.
    assert environment_check.main(["prod"], {**env, "PROD_REVIEWERS": "none"}, opener_for({})) == 0
    assert "runs without a reviewer's approval" in capsys.readouterr().out
    assert environment_check.main(["prod"], {**env, "PROD_REVIEWERS": "maybe"}, opener_for({})) == 2

    def refused(request):
        raise OSError("HTTP Error 403: Resource not accessible by integration")

    assert environment_check.main(["prod"], env, refused) == 1
    assert "actions: read" in capsys.readouterr().err


def test_a_failed_drift_check_opens_an_issue_or_comments_on_the_open_one():
    from tools import drift_report

    env = {"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": REPO, "GITHUB_RUN_ID": "77"}
    sent = []

    def world(open_issues):
        def opener(request):
            sent.append((request.get_method(), request.full_url, json.loads(request.data) if request.data else None))
            if request.get_method() == "GET":
                return _Json(open_issues)
            return _Json({"number": 12})
        return opener

    assert drift_report.main([], env, world([{"number": 3, "title": "something else"}])) == 0
    (_, listed, _), (method, url, body) = sent
    assert listed.endswith("/issues?state=open&per_page=100")
    assert (method, url) == ("POST", f"https://api.github.com/repos/{REPO}/issues")
    assert body["title"] == drift_report.TITLE and "actions/runs/77" in body["body"]
    sent.clear()
    assert drift_report.main([], env, world([{"number": 9, "title": drift_report.TITLE}])) == 0
    assert sent[1][:2] == ("POST", f"https://api.github.com/repos/{REPO}/issues/9/comments")
    assert drift_report.main([], {}, world([])) == 2
