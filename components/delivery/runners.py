"""``CodeBuildRunners``: GitHub Actions runners inside the stack's VPC, hosted by AWS CodeBuild,
for the jobs that talk to the cluster's API (deploy, drift, and the cloud preview).

GitHub-hosted runners cannot reach a private EKS endpoint (prod's only one) nor a public endpoint
open to an office range (dev's). A CodeBuild project with a ``WORKFLOW_JOB_QUEUED`` webhook starts
one ephemeral build per queued job whose ``runs-on`` names it
(``codebuild-PROJECT-${{ github.run_id }}-${{ github.run_attempt }}``); the build registers as the
runner for that one job and is gone after it. So the runner:

* runs in the network's **private subnets** (CodeBuild gives its interfaces no public address: the
  VPC's NAT carries its traffic to GitHub and AWS), under a security group that only sends HTTPS
  out, and which the **cluster's security group admits on 443** (the private API endpoint);
* is started only by **this repository's** workflow jobs, of the three workflows that need it
  (the webhook's filters), through a CodeConnections connection to GitHub — created ``PENDING``;
  approving it in the console is the one manual step;
* builds on the **node group's architecture** (``ARM_CONTAINER`` for Graviton nodes), with
  Docker enabled (privileged mode: the build runs ``dockerd``), so images build natively;
* has a **service role with only what a runner needs**: its own log group, the VPC network
  interfaces CodeBuild creates, and the connection. Deploy rights come from the workflow's OIDC
  role, never from this role (every step of every job could use it);
* logs to a log group with a retention, encrypted with the cluster's key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import pulumi
import pulumi_aws as aws

from .. import token
from ..eks.network import LOG_RETENTION_DAYS, EksNetwork
from ..shared.errors import InvalidValue
from ..shared.iam import Statement, document, service_trust
from ..shared.placement import Placement
from ..shared.scope import runner_log_group

RunnerMode = Literal["codebuild", "self-hosted", "github-hosted"]
RUNNER_MODES: tuple[str, ...] = get_args(RunnerMode)
ComputeType = Literal["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"]
COMPUTE_TYPES: tuple[str, ...] = get_args(ComputeType)
Architecture = Literal["amd64", "arm64"]
ARCHITECTURES: tuple[str, ...] = get_args(Architecture)
# The workflows whose jobs may start a runner (their `name:`); tests pin them to .github/workflows.
WORKFLOWS = ("pull request", "deploy", "drift")
# CodeBuild's Amazon Linux 2023 standard images, per architecture (environment type, image).
IMAGES = {"amd64": ("LINUX_CONTAINER", "aws/codebuild/amazonlinux-x86_64-standard:5.0"),
          "arm64": ("ARM_CONTAINER", "aws/codebuild/amazonlinux-aarch64-standard:3.0")}
_PROJECT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,149}\Z")
_LABEL_RE = re.compile(r"^[A-Za-z0-9._-]{1,100}\Z")
_CONNECTION_RE = re.compile(
    r"^arn:(aws|aws-cn|aws-us-gov):(codeconnections|codestar-connections):(?P<region>[a-z0-9-]+):"
    r"(?P<account>[0-9]{12}):connection/[0-9a-f-]{36}\Z")


@dataclass(frozen=True)
class RunnerSpec:
    """Where a stack's cluster-facing CI jobs run."""

    placement: Placement
    """The stack's region, account and tags."""
    repository: str
    """``OWNER/REPO`` whose workflow jobs start the runners."""
    project_name: str
    """The CodeBuild project (and so the ``runs-on`` label ``codebuild-PROJECT-RUN_ID-ATTEMPT``)."""
    mode: RunnerMode = "codebuild"
    """``codebuild`` (runners in the VPC, created here), ``self-hosted`` (runners of yours, by
    label) or ``github-hosted`` (a stack whose jobs never reach a cluster)."""
    architecture: Architecture = "amd64"
    """The build compute's architecture: the node group's, so images build natively."""
    compute_type: ComputeType = "BUILD_GENERAL1_MEDIUM"
    """CodeBuild compute (SMALL 2 vCPU/4 GiB, MEDIUM 4/8, LARGE 8/16)."""
    connection_arn: str | None = None
    """An existing, approved CodeConnections connection to GitHub; None: one is created, and
    stays PENDING until approved in the console."""
    labels: Sequence[str] = ()
    """With ``self-hosted``: the labels of your runners that reach the cluster's endpoint."""
    log_retention_days: int = 90
    """Retention of the runners' build logs."""
    build_timeout_minutes: int = 120
    """The longest a job may run on a runner (5-2160)."""


def check_runner_spec(spec: RunnerSpec) -> None:
    """Raise ``InvalidValue`` (paths relative to ``delivery.runners``)."""
    if spec.mode not in RUNNER_MODES:
        raise InvalidValue("mode", spec.mode, f"is not one of {', '.join(RUNNER_MODES)}")
    if spec.mode == "self-hosted":
        if not spec.labels:
            raise InvalidValue("labels", [], "must list the labels of your runners (self-hosted)")
        for i, label in enumerate(spec.labels):
            if not isinstance(label, str) or not _LABEL_RE.match(label):
                raise InvalidValue(f"labels[{i}]", label, "is not a runner label (1-100 letters, digits, . _ -)")
    elif spec.labels:
        raise InvalidValue("labels", list(spec.labels), f"is only for mode self-hosted, not {spec.mode}")
    if spec.mode != "codebuild":
        return
    if not _PROJECT_RE.match(spec.project_name):
        raise InvalidValue("project_name", spec.project_name,
                           "is not a CodeBuild project name (2-150 letters, digits, - and _)")
    if spec.architecture not in ARCHITECTURES:
        raise InvalidValue("architecture", spec.architecture, f"is not one of {', '.join(ARCHITECTURES)}")
    if spec.compute_type not in COMPUTE_TYPES:
        raise InvalidValue("compute_type", spec.compute_type, f"is not one of {', '.join(COMPUTE_TYPES)}")
    if spec.log_retention_days not in LOG_RETENTION_DAYS:
        raise InvalidValue("log_retention_days", spec.log_retention_days,
                           f"is not a CloudWatch Logs retention ({', '.join(map(str, LOG_RETENTION_DAYS))})")
    if not 5 <= spec.build_timeout_minutes <= 2160:
        raise InvalidValue("build_timeout_minutes", spec.build_timeout_minutes, "is not 5-2160 minutes")
    if spec.connection_arn is not None:
        match = _CONNECTION_RE.match(spec.connection_arn)
        if match is None:
            raise InvalidValue("connection_arn", spec.connection_arn,
                               "is not a CodeConnections connection ARN "
                               "(arn:aws:codeconnections:REGION:ACCOUNT:connection/ID)")
        if match["region"] != spec.placement.region:
            raise InvalidValue("connection_arn", spec.connection_arn,
                               f"is in {match['region']}; a CodeBuild project uses a connection of its own "
                               f"region ({spec.placement.region})")
        if spec.placement.account is not None and match["account"] != spec.placement.account:
            raise InvalidValue("connection_arn", spec.connection_arn,
                               f"is in account {match['account']}, not the stack's {spec.placement.account}")


def runs_on(spec: RunnerSpec, job: str, run_id: str, attempt: str) -> list[str]:
    """The ``runs-on`` labels of one job of one workflow run for this stack's runners.

    A CodeBuild runner is the project's label with the run's ID and attempt, plus the job's own
    name: GitHub gives a job any runner that has all its labels, so two jobs of one run (prod's
    preview and its up) must not share a label set, or one could take the other's runner."""
    if spec.mode == "codebuild":
        return [f"codebuild-{spec.project_name}-{run_id}-{attempt}", job]
    if spec.mode == "self-hosted":
        return list(spec.labels)
    return ["ubuntu-latest"]


def service_role_policy(*, partition: str, region: str, account: str, log_group_arn: str,
                        subnet_arns: Sequence[str], connection_arn: str) -> str:
    """What a VPC CodeBuild runner needs, and nothing else (AWS's CodeBuild user guide: logs,
    the VPC network interfaces CodeBuild manages, and the GitHub connection)."""
    return document([
        Statement("OwnBuildLogs", actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                  resources=[log_group_arn, f"{log_group_arn}:*"]),
        Statement("DescribeTheVpc", actions=["ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces",
                                             "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs"]),
        Statement("BuildNetworkInterfaces", actions=["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"]),
        Statement("AttachInThePrivateSubnetsOnly", actions="ec2:CreateNetworkInterfacePermission",
                  resources=f"arn:{partition}:ec2:{region}:{account}:network-interface/*",
                  conditions={"StringEquals": {"ec2:AuthorizedService": "codebuild.amazonaws.com"},
                              "ArnEquals": {"ec2:Subnet": list(subnet_arns)}}),
        Statement("GithubConnection", actions=[
            "codeconnections:UseConnection", "codeconnections:GetConnection", "codeconnections:GetConnectionToken",
            "codestar-connections:UseConnection", "codestar-connections:GetConnection",
            "codestar-connections:GetConnectionToken"], resources=connection_arn),
    ])


def trust_policy(account: str, partition: str, region: str, project_name: str) -> str:
    """CodeBuild may assume the role for this project only (no confused deputy)."""
    return service_trust("codebuild.amazonaws.com", conditions={
        "StringEquals": {"aws:SourceAccount": account},
        "ArnLike": {"aws:SourceArn": f"arn:{partition}:codebuild:{region}:{account}:project/{project_name}"}})


@dataclass(frozen=True)
class CodeBuildRunnersArgs:
    """The spec and where the runners go."""

    spec: RunnerSpec
    """Everything the stack says about its runners."""
    network: EksNetwork
    """The VPC and its private subnets (with a NAT route: the runners reach GitHub through it)."""
    cluster_security_group_id: pulumi.Input[str]
    """The security group of the cluster's control plane (``EksCluster.cluster_security_group_id``):
    it admits the runners on 443."""
    log_key_arn: pulumi.Input[str] | None = None
    """The KMS key the runners' log group is encrypted with (``EksCluster.key_arn``)."""


class CodeBuildRunners(pulumi.ComponentResource):
    """A CodeBuild project that hosts this repository's GitHub Actions runners in the VPC."""

    project_name: pulumi.Output[str]
    connection_arn: pulumi.Output[str]
    """The GitHub connection (approve it once in the console when the stack created it)."""
    security_group_id: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    runs_on: str
    """The ``runs-on`` label pattern of a job on these runners."""

    def __init__(self, name: str, args: CodeBuildRunnersArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("CodeBuildRunners"), name, None, opts)
        spec = args.spec
        check_runner_spec(spec)
        if spec.mode != "codebuild":
            raise InvalidValue("mode", spec.mode, "creates no runners; the component is for mode codebuild")
        placement, tags = spec.placement, dict(spec.placement.tags)
        partition, region = placement.partition, placement.region
        child = pulumi.ResourceOptions(parent=self)
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id

        connection_arn: pulumi.Input[str]
        if spec.connection_arn is not None:
            connection_arn = spec.connection_arn
        else:
            # Created PENDING: the GitHub App handshake is a console step (no API exists for it).
            connection_arn = aws.codeconnections.Connection(
                f"{name}-github", name=spec.project_name[:32], provider_type="GitHub", tags=tags, opts=child).arn

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=runner_log_group(spec.project_name), retention_in_days=spec.log_retention_days,
            kms_key_id=args.log_key_arn, tags=tags, opts=child)

        group = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args.network.vpc_id,
            description=f"GitHub Actions runners of {spec.repository}: HTTPS out only",
            tags={**tags, "Name": f"{spec.project_name}-runners"}, opts=child)
        # GitHub, AWS APIs, package and image registries: all HTTPS. Nothing may connect in.
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-https-out", security_group_id=group.id, cidr_ipv4="0.0.0.0/0", ip_protocol="tcp",
            from_port=443, to_port=443, description="HTTPS to GitHub, AWS and registries (through NAT)",
            opts=pulumi.ResourceOptions(parent=group))
        # The private API endpoint's network interfaces carry the cluster security group.
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-cluster-api", security_group_id=args.cluster_security_group_id,
            referenced_security_group_id=group.id, ip_protocol="tcp", from_port=443, to_port=443,
            description=f"Kubernetes API from the CI runners ({spec.project_name})",
            opts=pulumi.ResourceOptions(parent=group))

        role = aws.iam.Role(
            f"{name}-role",
            name=f"{spec.project_name}-service"[:64],
            description=f"CodeBuild runners of {spec.repository}: logs, VPC interfaces, the GitHub connection",
            assume_role_policy=account.apply(lambda a: trust_policy(a, partition, region, spec.project_name)),
            tags=tags, opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True))
        policy = aws.iam.RolePolicy(
            f"{name}-role-policy", role=role.id,
            policy=pulumi.Output.all(account, log_group.arn, args.network.private_subnet_ids,
                                     connection_arn).apply(
                lambda v: service_role_policy(
                    partition=partition, region=region, account=v[0], log_group_arn=v[1],
                    subnet_arns=[f"arn:{partition}:ec2:{region}:{v[0]}:subnet/{s}" for s in v[2]],
                    connection_arn=v[3])),
            opts=pulumi.ResourceOptions(parent=role))

        environment_type, image = IMAGES[spec.architecture]
        project = aws.codebuild.Project(
            f"{name}-project",
            name=spec.project_name,
            description=f"GitHub Actions runners for {spec.repository} in the stack's VPC",
            service_role=role.arn,
            build_timeout=spec.build_timeout_minutes,
            artifacts=aws.codebuild.ProjectArtifactsArgs(type="NO_ARTIFACTS"),
            environment=aws.codebuild.ProjectEnvironmentArgs(
                type=environment_type, image=image, compute_type=spec.compute_type,
                image_pull_credentials_type="CODEBUILD",
                # Docker builds: the runner starts its own dockerd.
                privileged_mode=True),
            source=aws.codebuild.ProjectSourceArgs(
                type="GITHUB", location=f"https://github.com/{spec.repository}.git",
                auth=aws.codebuild.ProjectSourceAuthArgs(type="CODECONNECTIONS", resource=connection_arn)),
            vpc_config=aws.codebuild.ProjectVpcConfigArgs(
                vpc_id=args.network.vpc_id, subnets=args.network.private_subnet_ids, security_group_ids=[group.id]),
            logs_config=aws.codebuild.ProjectLogsConfigArgs(
                cloudwatch_logs=aws.codebuild.ProjectLogsConfigCloudwatchLogsArgs(
                    status="ENABLED", group_name=log_group.name)),
            tags=tags,
            # The role must be able to act before the first build.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]))
        aws.codebuild.Webhook(
            f"{name}-webhook",
            project_name=project.name,
            build_type="BUILD",
            # One build per queued job of this repository's cluster-facing workflows.
            filter_groups=[aws.codebuild.WebhookFilterGroupArgs(filters=[
                aws.codebuild.WebhookFilterGroupFilterArgs(type="EVENT", pattern="WORKFLOW_JOB_QUEUED"),
                aws.codebuild.WebhookFilterGroupFilterArgs(
                    type="WORKFLOW_NAME", pattern="^(" + "|".join(re.escape(w) for w in WORKFLOWS) + ")$"),
            ])],
            opts=pulumi.ResourceOptions(parent=project))

        self.project_name = project.name
        self.connection_arn = pulumi.Output.from_input(connection_arn)
        self.security_group_id = group.id
        self.role_arn = role.arn
        self.runs_on = f"codebuild-{spec.project_name}-${{{{ github.run_id }}}}-${{{{ github.run_attempt }}}}"
        self.register_outputs({"project_name": self.project_name, "connection_arn": self.connection_arn,
                               "security_group_id": self.security_group_id, "runs_on": self.runs_on})
