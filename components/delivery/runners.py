"""``CodeBuildRunners``: GitHub Actions runners inside the stack's VPC, hosted by AWS CodeBuild,
for the jobs that talk to the cluster's API (deploy, drift, and the cloud preview).

GitHub-hosted runners cannot reach a private EKS endpoint (prod's only one) nor a public endpoint
open to an office range (dev's). A CodeBuild project with a ``WORKFLOW_JOB_QUEUED`` webhook starts
one ephemeral build per queued job whose ``runs-on`` names it
(``codebuild-PROJECT-${{ github.run_id }}-${{ github.run_attempt }}``); the build registers as the
runner for that one job and is gone after it. So the runner:

* exists only once its **GitHub connection is AVAILABLE**: CodeBuild cannot use a PENDING
  connection (AWS: a pending connection "must be completed (moved to available) before it can be
  used"), and approving it is a console step no API can do. The stack creates the connection on
  its first ``up`` and says what to approve; once ``delivery.runners.connection_arn`` names it, each
  run reads its status (by ARN, a read that cannot fail for want of the connection, which the stack
  file says exists) and declares the runner (its project, webhook, role, logs and network) only when it is AVAILABLE;
* runs in the network's **private subnets** (CodeBuild gives its interfaces no public address: the
  VPC's NAT carries its traffic to GitHub and AWS), under a security group that only sends HTTPS
  out, and which the **cluster's security group admits on 443** (the private API endpoint);
* is started by **this repository's** queued jobs (a repository webhook). The webhook's filters
  for workflow-job events are few (botocore's ``WebhookFilter`` documentation: ``HEAD_REF`` and
  ``BASE_REF`` work with push and pull-request events only, ``WORKFLOW_NAME`` with workflow-job
  events — but a workflow's name is free text any branch can copy); the one a job cannot choose is
  ``ACTOR_ACCOUNT_ID``, the GitHub account whose action queued it. A stack whose runner must serve
  trusted jobs only (prod: ``pull_requests: false``) lists those accounts (``actor_ids``);
* builds on the **node group's architecture** (``ARM_CONTAINER`` for Graviton nodes), with
  Docker enabled (privileged mode: the build runs ``dockerd``), so images build natively;
* has a **service role with only what a runner needs**: its own log group, the VPC network
  interfaces CodeBuild creates, and reading the connection and its token (what AWS documents for
  a GitHub App connection: ``GetConnection``, ``GetConnectionToken``, in the ARN's own service
  prefix). Deploy rights come from the workflow's OIDC role, never from this role (every step of
  every job could use it);
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
from .durations import DEPLOY_SESSION_SECONDS

RunnerMode = Literal["codebuild", "self-hosted", "github-hosted"]
RUNNER_MODES: tuple[str, ...] = get_args(RunnerMode)
ComputeType = Literal["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"]
COMPUTE_TYPES: tuple[str, ...] = get_args(ComputeType)
Architecture = Literal["amd64", "arm64"]
ARCHITECTURES: tuple[str, ...] = get_args(Architecture)
# The workflows whose jobs may start a runner (their `name:`); tests pin them to .github/workflows.
WORKFLOWS = ("pull request", "deploy", "drift")
# The workflows of the default branch only: a stack whose runner serves no pull request.
TRUSTED_WORKFLOWS = ("deploy", "drift")
# How long one job may take on a runner by default: as long as the deploy role's session, which
# outlasts the longest update the stack makes (a cluster upgrade, durations.py) and the deploy
# jobs' timeout-minutes below it.
DEFAULT_BUILD_TIMEOUT_MINUTES = DEPLOY_SESSION_SECONDS // 60
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
    build_timeout_minutes: int = DEFAULT_BUILD_TIMEOUT_MINUTES
    """The longest a job may run on a runner (5-2160): above every job's ``timeout-minutes``."""
    pull_requests: bool = True
    """Pull requests' cloud previews run on this runner; ``False``: only the default branch's deploy
    and drift jobs do (the webhook's workflow filter, and ``tools/stacks.py`` gives pull requests no
    label for it)."""
    actor_ids: Sequence[int] = ()
    """GitHub account IDs whose queued jobs start a runner (the webhook's ``ACTOR_ACCOUNT_ID``
    filter); none: any job of the repository that names the runner. Required with
    ``pull_requests: false``."""


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
    for i, actor in enumerate(spec.actor_ids):
        if not isinstance(actor, int) or isinstance(actor, bool) or actor <= 0:
            raise InvalidValue(f"actor_ids[{i}]", actor,
                               "is not a GitHub account's numeric ID (gh api users/LOGIN --jq .id)")
    if not spec.pull_requests and not spec.actor_ids:
        raise InvalidValue("actor_ids", [],
                           "must list the GitHub accounts whose jobs may start the runner when pull_requests is "
                           "false: a job's runs-on label and its workflow's name are whatever a pushed branch "
                           "writes, so the account that queued it is the only thing the webhook can hold a "
                           "pull request's job off by")
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


def connection_actions(connection_arn: str) -> list[str]:
    """What the service role may do with the GitHub connection: AWS's CodeBuild user guide for a
    GitHub App connection ("GitHub App connections", docs.aws.amazon.com/codebuild/latest/userguide/
    connections-github-app.html) gives the project's role ``GetConnectionToken`` and
    ``GetConnection``; IAM checks the action of the ARN's own service prefix (``codeconnections``
    for a connection created under that name, ``codestar-connections`` for an older one). No
    ``UseConnection``: that is the caller's when it creates the project and webhook."""
    service = connection_arn.split(":", 3)[2]
    return [f"{service}:GetConnection", f"{service}:GetConnectionToken"]


def webhook_filters(spec: RunnerSpec) -> list[dict[str, str]]:
    """The webhook's one filter group: queued jobs of the runner's workflows, and with ``actor_ids``
    only those the listed accounts queued (botocore's ``WebhookFilter`` documentation:
    ``ACTOR_ACCOUNT_ID`` is the only filter of a workflow-job event a job cannot set itself)."""
    workflows = WORKFLOWS if spec.pull_requests else TRUSTED_WORKFLOWS
    filters = [{"type": "EVENT", "pattern": "WORKFLOW_JOB_QUEUED"},
               {"type": "WORKFLOW_NAME", "pattern": "^(" + "|".join(re.escape(w) for w in workflows) + ")$"}]
    if spec.actor_ids:
        filters.append({"type": "ACTOR_ACCOUNT_ID",
                        "pattern": "^(" + "|".join(str(a) for a in sorted(set(spec.actor_ids))) + ")$"})
    return filters


def service_role_policy(*, partition: str, region: str, account: str, log_group_arn: str,
                        subnet_arns: Sequence[str], connection_arn: str) -> str:
    """What a VPC CodeBuild runner needs, and nothing else (AWS's CodeBuild user guide: logs,
    the VPC network interfaces CodeBuild manages, and reading the GitHub connection)."""
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
        Statement("GithubConnection", actions=connection_actions(connection_arn), resources=connection_arn),
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


def console_url(partition: str, region: str) -> str:
    """Where a connection is approved: the Developer Tools console's connections page."""
    host = {"aws-cn": "console.amazonaws.cn", "aws-us-gov": "console.amazonaws-us-gov.com"}.get(
        partition, "console.aws.amazon.com")
    return f"https://{host}/codesuite/settings/connections?region={region}"


def connection_status(connection_arn: str, opts: pulumi.InvokeOptions) -> str:
    """The named connection's status (``PENDING``, ``AVAILABLE``, ``ERROR``), read by ARN.

    pulumi-aws 7.51.1 has no CodeConnections function; ``codestarconnections.get_connection``
    bridges Terraform's ``aws_codestarconnections_connection`` data source, which reads by ARN with
    ``GetConnection`` (by name it lists and fails when none matches), then ``ListTagsForResource``.
    A failed invoke fails the whole run: it is called only with an ARN the stack file names, never
    for a connection this run creates (which does not exist yet when the program runs)."""
    return str(aws.codestarconnections.get_connection(arn=connection_arn, opts=opts).connection_status)


class CodeBuildRunners(pulumi.ComponentResource):
    """A CodeBuild project that hosts this repository's GitHub Actions runners in the VPC."""

    project_name: pulumi.Output[str] | None
    """None until the connection is AVAILABLE (the project and its webhook wait for it)."""
    connection_arn: pulumi.Output[str]
    """The GitHub connection (approve it once in the console when the stack created it)."""
    connection_status: str | None
    """The named connection's status as this run read it; None: the stack creates the connection."""
    security_group_id: pulumi.Output[str] | None
    role_arn: pulumi.Output[str] | None
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
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        console = console_url(partition, region)

        connection_arn: pulumi.Input[str]
        self.connection_status = None
        if spec.connection_arn is not None:
            connection_arn = spec.connection_arn
            self.connection_status = connection_status(spec.connection_arn, pulumi.InvokeOptions(parent=self))
            if self.connection_status != "AVAILABLE":
                pulumi.log.warn(
                    f"runners: the GitHub connection {spec.connection_arn} is {self.connection_status}, so this run "
                    f"declares no runner for {spec.project_name} (CodeBuild cannot use a "
                    f"connection that is not AVAILABLE) and no job of this stack can run on it yet. Approve it in "
                    f"the AWS console, {console} (Update pending connection: install the AWS Connector app for "
                    f"{spec.repository} only), then `pulumi up` again: that run adds the project and its webhook.",
                    resource=self)
        else:
            # Created PENDING: the GitHub App handshake is a console step (no API exists for it).
            # Kept when the stack file names it later (connection_arn): the next run stops declaring
            # it, and dropping it from the state must not delete the connection just approved.
            connection = aws.codeconnections.Connection(
                f"{name}-github", name=spec.project_name[:32], provider_type="GitHub", tags=tags,
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True))
            connection_arn = connection.arn
            pulumi.log.warn(
                f"runners: this run creates the GitHub connection {spec.project_name[:32]} (PENDING) and no runner "
                f"(CodeBuild project, webhook, role, logs, network) yet: CodeBuild cannot use a connection before it is approved. Approve it in "
                f"the AWS console, {console} (Update pending connection: install the AWS Connector app for "
                f"{spec.repository} only), set delivery.runners.connection_arn to its ARN (the stack output "
                f"delivery.runners.connection_arn), and `pulumi up` again: that run reads its status and adds the "
                f"project and its webhook. Until then this stack's cloud jobs are skipped (tools/stacks.py).",
                resource=connection)

        self.project_name = self.security_group_id = self.role_arn = None
        if self.connection_status == "AVAILABLE":
            self._runner(name, spec, args, connection_arn, account)

        self.connection_arn = pulumi.Output.from_input(connection_arn)
        self.runs_on = f"codebuild-{spec.project_name}-${{{{ github.run_id }}}}-${{{{ github.run_attempt }}}}"
        self.register_outputs({"project_name": self.project_name, "connection_arn": self.connection_arn,
                               "connection_status": self.connection_status,
                               "security_group_id": self.security_group_id, "runs_on": self.runs_on})

    def _runner(self, name: str, spec: RunnerSpec, args: CodeBuildRunnersArgs, connection_arn: pulumi.Input[str],
                account: pulumi.Output[str]) -> None:
        """The runner itself, once its connection is AVAILABLE: its logs, network, role, project and
        webhook."""
        tags = dict(spec.placement.tags)
        partition, region = spec.placement.partition, spec.placement.region
        child = pulumi.ResourceOptions(parent=self)
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
                vpc_id=args.network.vpc_id, subnets=args.network.private_subnet_ids,
                security_group_ids=[group.id]),
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
            # One build per queued job of this repository's runner workflows (and accounts).
            filter_groups=[aws.codebuild.WebhookFilterGroupArgs(filters=[
                aws.codebuild.WebhookFilterGroupFilterArgs(type=f["type"], pattern=f["pattern"])
                for f in webhook_filters(spec)])],
            opts=pulumi.ResourceOptions(parent=project))
        self.project_name = project.name
        self.security_group_id = group.id
        self.role_arn = role.arn
