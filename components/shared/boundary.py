"""``PermissionsBoundary``: the ceiling of every IAM role the program creates in the stack's account
— the CI roles and every role the deploy role creates.

A role's effective permissions are what its own policies allow *and* its boundary allows. This
boundary allows the platform's services (IAM, STS, KMS and S3 only as far as the catalog's types
need them, action by action), and denies, whatever a role's own policy says:

* any write outside the stack's own resources (``shared/scope.py``): roles outside the stack's IAM
  path, repositories, the cluster and its access entries, log groups, the runner project, the
  access-log bucket, DNS names, KMS keys and connections not tagged for the stack;
* a role created or changed without exactly this boundary (compared as an ARN with the account, so a
  look-alike policy path cannot pass), or losing it; any managed-policy edit;
* passing a role to a service outside the platform's, creating other services' service-linked
  roles, an identity provider other than an EKS cluster's issuer;
* KMS grants other than those AWS services make for the stack's keys; regional calls outside the
  stack's regions.

So the deploy role can only create roles as limited as itself, and neither it nor they can reach
another stack's or the account's resources. Every ``aws.iam.Role`` declared after
:func:`every_role_carries` gets the boundary and the stack's IAM path through a stack
transformation (``tests`` check every planned role); pulumi-eks's cluster role is the program's own
for that reason, since a remote component's children are out of reach.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .. import token
from . import catalog
from .iam import Statement, document
from .placement import Placement
from .scope import PROJECT_TAG, STACK_TAG, PlatformScope

ROLE = "aws:iam/role:Role"
# Managed policies no role the program creates may get (and that the pack refuses anywhere).
FORBIDDEN_POLICIES = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")
# Services allowed whole (service:*): the ones the platform's roles work with — the catalog's, and
# what the cluster's own roles call: EKS Pod Identity (nodes), CloudWatch metrics and X-Ray traces
# (the CloudWatch agent's Pod Identity role, CloudWatchAgentServerPolicy and AWSXrayWriteOnlyAccess;
# its logs stay confined to the stack's log groups) — except those allowed action by action below.
EXACT = ("iam", "sts", "kms", "s3", "secretsmanager", "ssm")
WORKLOAD_SERVICES = ("eks-auth", "cloudwatch", "xray")
GLOBAL = ("iam", "sts", "route53")
BOUNDED_ROLE_WRITES = ("iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy",
                       "iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy")


@dataclass(frozen=True)
class BoundarySpec:
    """The boundary's name and what it confines roles to."""

    placement: Placement
    """The stack's region, account and tags."""
    scope: PlatformScope
    """The stack's own resources."""

    @property
    def policy_name(self) -> str:
        return self.scope.boundary_name


def _writes(service: str, resource_types: tuple[str, ...] = ()) -> list[str]:
    """The catalog's write actions of a service (optionally: those acting on these resource types)."""
    out = []
    for action in {a for t in catalog.load().values() for ops in t.operations.values() for a in ops}:
        if not action.startswith(f"{service}:") or catalog.is_read(action):
            continue
        if resource_types and not {r.lower() for r in catalog.resource_types(action)} & set(resource_types):
            continue
        out.append(action)
    return sorted(out)


def _deny(sid: str, actions: list[str], **kwargs) -> list[Statement]:
    """A deny statement, or none when the catalog has no such action (the type is not used)."""
    return [Statement(sid, effect="Deny", actions=actions, **kwargs)] if actions else []


def _no_resource(service: str) -> list[str]:
    """The catalog's actions of a service that IAM authorises on no resource (account-wide ones:
    CreateCluster, registry settings...)."""
    return sorted({a for t in catalog.load().values() for ops in t.operations.values() for a in ops
                   if a.startswith(f"{service}:") and not catalog.resource_types(a)})


def _reads(service: str) -> list[str]:
    return [w for w in catalog.metadata_wildcards() if w.startswith(f"{service}:")]


def _covered(actions: set[str]) -> list[str]:
    """The actions less those a wildcard among them already matches."""
    wildcards = [a for a in actions if "*" in a]
    return sorted(a for a in actions if "*" in a or not any(fnmatch.fnmatchcase(a, w) for w in wildcards))


def boundary_statements(scope: PlatformScope, account: str) -> list[Statement]:
    p = scope.partition
    everything = {a for t in catalog.load().values() for ops in t.operations.values() for a in ops}
    scoped_services = {"ecr", "eks", "logs", "codebuild", "codeconnections"}
    whole = sorted({a.split(":", 1)[0] for a in everything} - set(EXACT) - scoped_services | set(WORKLOAD_SERVICES))
    iam_reads = [w for w in catalog.metadata_wildcards() if w.startswith("iam:")]
    stack_tag = {f"aws:ResourceTag/{STACK_TAG}": scope.stack, f"aws:ResourceTag/{PROJECT_TAG}": scope.project}
    request_tag = {f"aws:RequestTag/{STACK_TAG}": scope.stack, f"aws:RequestTag/{PROJECT_TAG}": scope.project}
    none = f"arn:{p}:none"
    statements = [
        # Services whole, and the scoped ones' reads and account-wide actions anywhere...
        Statement("Services", actions=[f"{s}:*" for s in whole] + _covered(
            {a for s in scoped_services for a in (*_reads(s), *_no_resource(s))})),
        # IAM: reads; the stack's own roles (created with this boundary, below); EKS clusters' issuers;
        # the platform services' service-linked roles; a role out of its instance profiles on delete.
        Statement("IamReads", actions=iam_reads),
        Statement("Roles", actions=["iam:*Role*"], resources=scope.role_arns(account)),
        Statement("Issuers", actions=["iam:*OpenIDConnectProvider*"], resources=scope.oidc_provider_arns(account)),
        Statement("LinkedRoles", actions=["iam:CreateServiceLinkedRole"],
                  resources=[f"arn:{p}:iam::{account}:role/aws-service-role/*"],
                  conditions={"StringEquals": {"iam:AWSServiceName": sorted(scope.service_linked)}}),
        Statement("Profiles", actions=["iam:RemoveRoleFromInstanceProfile"],
                  resources=[f"arn:{p}:iam::{account}:instance-profile/*"]),
        # ...their writes on the stack's own resources only.
        Statement("Repos", actions=["ecr:*"], resources=scope.repository_arns(account) or [none]),
        Statement("Cluster", actions=["eks:*"], resources=scope.cluster_arns(account) or [none]),
        Statement("Logs", actions=["logs:*"], resources=scope.log_group_arns(account, compact=True) or [none]),
        Statement("Runner", actions=["codebuild:*"], resources=scope.project_arns(account) or [none]),
        Statement("Connections", actions=["codeconnections:*", "codestar-connections:*"],
                  conditions={"StringEquals": stack_tag}),
        Statement("Keys", actions=["kms:*"], conditions={"StringEquals": stack_tag}),
        Statement("NewKeys", actions=["kms:CreateKey"], conditions={"StringEquals": request_tag}),
        # AWS's own keys (alias/aws/ecr...) carry no tags; a service uses them on the caller's behalf.
        Statement("AwsKeys", actions=["kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant"],
                  conditions={"ForAnyValue:StringLike": {"kms:ResourceAliases": "alias/aws/*"}}),
    ]
    parameters = sorted({a for a in everything if a.startswith("ssm:GetParameter")})
    if parameters:
        statements.append(Statement("PublicParameters", actions=parameters,
                                    resources=catalog.public_parameters(p, scope.regions)))
    if scope.bucket_prefix is not None:
        # The access-log bucket's settings, never an object (ELB writes the logs as itself).
        statements.append(Statement("Bucket", actions=["s3:*"], resources=scope.bucket_arns()))
    assumed = sorted({*scope.assume_roles, *scope.preview_assume_roles})
    if assumed:
        statements.append(Statement("Assume", actions=["sts:AssumeRole"], resources=assumed))
    statements += [
        Statement("ThisBoundary", effect="Deny", actions=list(BOUNDED_ROLE_WRITES),
                  conditions={"ArnNotEquals": {"iam:PermissionsBoundary": scope.boundary_arn(account)}}),
        Statement("KeepBoundary", effect="Deny", actions=["iam:DeleteRolePermissionsBoundary"]),
        Statement("PassTo", effect="Deny", actions=["iam:PassRole"],
                  conditions={"StringNotEquals": {"iam:PassedToService": sorted(scope.passed_to)}}),
        Statement("AwsGrants", effect="Deny", actions=["kms:CreateGrant"],
                  conditions={"Bool": {"kms:GrantIsForAWSResource": "false"}}),
        Statement("NoLockout", effect="Deny", actions=["kms:CreateKey", "kms:PutKeyPolicy"],
                  conditions={"Bool": {"kms:BypassPolicyLockoutSafetyCheck": "true"}}),
        Statement("NoObjects", effect="Deny", actions=["s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*"]),
        Statement("Regions", effect="Deny", not_actions=[f"{s}:*" for s in GLOBAL],
                  conditions={"StringNotEquals": {"aws:RequestedRegion": sorted(set(scope.regions))}}),
        *_deny("DnsNames", _writes("route53", ("hostedzone",)),
               conditions={"ForAnyValue:StringNotLike": {
                   "route53:ChangeResourceRecordSetsNormalizedRecordNames": scope.record_patterns() or ["none"]}}),
    ]
    return statements


def boundary_document(scope: PlatformScope, account: str) -> str:
    """The boundary policy JSON."""
    return document(boundary_statements(scope, account))


class PermissionsBoundary(pulumi.ComponentResource):
    """The boundary policy every role of the program carries."""

    arn: pulumi.Output[str]

    def __init__(self, name: str, spec: BoundarySpec, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("PermissionsBoundary"), name, None, opts)
        account = (pulumi.Output.from_input(spec.placement.account) if spec.placement.account
                   else aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id)
        policy = aws.iam.Policy(
            f"{name}-policy", name=spec.policy_name,
            description="The ceiling of every role this stack creates: its services, its own resources, "
                        "no role without this boundary, no boundary edits",
            policy=account.apply(lambda a: boundary_document(spec.scope, a)),
            tags=dict(spec.placement.tags) or None, opts=pulumi.ResourceOptions(parent=self))
        self.arn = policy.arn
        self.register_outputs({"arn": self.arn})


def every_role_carries(boundary_arn: pulumi.Input[str], path: str) -> None:
    """Give every ``aws.iam.Role`` declared from now on this permissions boundary (and so a
    dependency on the boundary policy: a role is never created before it) and the stack's IAM
    path, unless the role states its own (the delivery roles stay outside the stack's path, out of
    the deploy role's reach)."""

    def transformation(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        # A role declared through an explicit provider lives in another account (a replication
        # destination's side, created by the role assumed there): that account's boundary, if any,
        # is its owner's; this one's policy is not in it.
        if args.type_ != ROLE or args.opts.provider is not None:
            return None
        props = {**args.props, "permissions_boundary": boundary_arn}
        props.setdefault("path", path)
        if props.get("path") is None:
            props["path"] = path
        return pulumi.ResourceTransformationResult(props, args.opts)

    pulumi.runtime.register_stack_transformation(transformation)
