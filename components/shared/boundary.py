"""``PermissionsBoundary``: the ceiling of every IAM role the program creates in the stack's account.

A role's effective permissions are what its own policies allow *and* its boundary allows. The
boundary allows the platform's services only, and within them denies the ways out: creating or changing a role without this very
boundary, removing or swapping a role's boundary, editing the boundary policy, touching the
delivery roles and GitHub's OIDC provider (the deploy role must not rewrite its own trust), making
users or access keys, leaving the organization, stopping CloudTrail. So the deploy role, which
creates the platform's roles, can only create roles that are as limited as itself.

Every ``aws.iam.Role`` declared after :func:`every_role_carries` gets the boundary through a stack
transformation — components need not know about it, and a role added later cannot forget it
(``tests`` check every planned role). pulumi-eks's cluster role is the program's own for that reason
(``EksCluster`` passes ``service_role``), since a remote component's children are out of reach.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .. import token
from .placement import Placement

ROLE = "aws:iam/role:Role"
GITHUB_OIDC = "oidc-provider/token.actions.githubusercontent.com"
# Role writes that IAM guards with the iam:PermissionsBoundary condition key.
BOUNDED_ROLE_WRITES = ("iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy",
                       "iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy")
# What any role of the platform works with: the managed services (components/delivery/permissions.py
# lists their actions per resource type), EKS Pod Identity for the nodes, and STS.
SERVICES = ("ecr", "kms", "ec2", "eks", "eks-auth", "logs", "secretsmanager", "codebuild", "codeconnections",
            "codestar-connections", "inspector2", "elasticloadbalancing", "autoscaling", "acm", "route53", "wafv2",
            "iam", "sts")
# S3 only as far as a bucket's own settings go (the front door's access-log bucket): no object
# is read or written by a role of the platform (ELB writes the logs as itself).
S3_BUCKET_SETTINGS = ("s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket", "s3:GetBucket*", "s3:PutBucket*",
                      "s3:DeleteBucketPolicy", "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration",
                      "s3:GetEncryptionConfiguration", "s3:PutEncryptionConfiguration",
                      "s3:GetAccelerateConfiguration", "s3:GetReplicationConfiguration")
# The services that take the program's roles (iam:PassRole): no bounded role passes one elsewhere.
PASSED_TO = ("eks.amazonaws.com", "ec2.amazonaws.com", "vpc-flow-logs.amazonaws.com", "ecr.amazonaws.com",
             "codebuild.amazonaws.com")
# Managed policies no role the program creates may get.
FORBIDDEN_POLICIES = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")


@dataclass(frozen=True)
class BoundarySpec:
    """The boundary's name and what it protects."""

    placement: Placement
    """The stack's region, account and tags."""
    policy_name: str
    """The boundary policy's IAM name (``PROJECT-STACK-boundary``)."""
    protected_roles: Sequence[str] = ()
    """Role names no bounded role may change (the delivery roles: their trust is the deploy gate)."""


def boundary_document(partition: str, policy_name: str, protected_roles: Sequence[str]) -> str:
    """The boundary policy JSON (account-wide ARNs use ``*``: IAM names are per account)."""
    boundary = f"arn:{partition}:iam::*:policy/{policy_name}"
    statements: list[dict] = [
        # The platform's services only: whatever a role's own policy grants outside them is void.
        {"Sid": "ThePlatformsServices", "Effect": "Allow", "Action": [f"{s}:*" for s in SERVICES], "Resource": "*"},
        {"Sid": "BucketSettingsOnly", "Effect": "Allow", "Action": list(S3_BUCKET_SETTINGS), "Resource": "*"},
        {"Sid": "RolesOnlyWithThisBoundary", "Effect": "Deny", "Action": list(BOUNDED_ROLE_WRITES),
         "Resource": "*", "Condition": {"StringNotLike": {"iam:PermissionsBoundary": boundary}}},
        {"Sid": "PassRolesOnlyToThePlatformsServices", "Effect": "Deny", "Action": "iam:PassRole", "Resource": "*",
         "Condition": {"StringNotEquals": {"iam:PassedToService": list(PASSED_TO)}}},
        {"Sid": "NeverRemoveABoundary", "Effect": "Deny", "Action": "iam:DeleteRolePermissionsBoundary",
         "Resource": "*"},
        {"Sid": "NeverEditTheBoundary", "Effect": "Deny",
         "Action": ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
                    "iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:UntagPolicy"],
         "Resource": boundary},
        {"Sid": "NoAdministratorPolicies", "Effect": "Deny", "Action": "iam:AttachRolePolicy", "Resource": "*",
         "Condition": {"ArnLike": {"iam:PolicyARN": [f"arn:{partition}:iam::aws:policy/{p}"
                                                      for p in FORBIDDEN_POLICIES]}}},
        {"Sid": "NoLongLivedCredentialsOrAccountChanges", "Effect": "Deny",
         "Action": ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile",
                    "iam:AddUserToGroup", "iam:AttachUserPolicy", "iam:PutUserPolicy",
                    "organizations:*", "account:*", "cloudtrail:StopLogging", "cloudtrail:DeleteTrail",
                    "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors"],
         "Resource": "*"},
        {"Sid": "NotTheGithubOidcProvider", "Effect": "Deny",
         "Action": ["iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider",
                    "iam:UpdateOpenIDConnectProviderThumbprint", "iam:AddClientIDToOpenIDConnectProvider",
                    "iam:RemoveClientIDFromOpenIDConnectProvider", "iam:TagOpenIDConnectProvider",
                    "iam:UntagOpenIDConnectProvider"],
         "Resource": f"arn:{partition}:iam::*:{GITHUB_OIDC}"},
    ]
    if protected_roles:
        statements.append({
            "Sid": "NotTheDeliveryRoles", "Effect": "Deny",
            "Action": ["iam:UpdateAssumeRolePolicy", "iam:DeleteRole", "iam:UpdateRole", "iam:PutRolePolicy",
                       "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
                       "iam:PutRolePermissionsBoundary", "iam:TagRole", "iam:UntagRole"],
            "Resource": [f"arn:{partition}:iam::*:role/{name}" for name in protected_roles]})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


class PermissionsBoundary(pulumi.ComponentResource):
    """The boundary policy every role of the program carries."""

    arn: pulumi.Output[str]

    def __init__(self, name: str, spec: BoundarySpec, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("PermissionsBoundary"), name, None, opts)
        policy = aws.iam.Policy(
            f"{name}-policy", name=spec.policy_name,
            description="The ceiling of every role this stack creates: no role without this boundary, "
                        "no boundary edits, not the delivery roles",
            policy=boundary_document(spec.placement.partition, spec.policy_name, spec.protected_roles),
            tags=dict(spec.placement.tags) or None, opts=pulumi.ResourceOptions(parent=self))
        self.arn = policy.arn
        self.register_outputs({"arn": self.arn})


def every_role_carries(boundary_arn: pulumi.Input[str]) -> None:
    """Give every ``aws.iam.Role`` declared from now on this permissions boundary (and so a
    dependency on the boundary policy: a role is never created before it)."""

    def transformation(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        # A role declared through an explicit provider lives in another account (a replication
        # destination's side, created by the role assumed there): that account's boundary, if any,
        # is its owner's; this one's policy is not in it.
        if args.type_ != ROLE or args.opts.provider is not None:
            return None
        return pulumi.ResourceTransformationResult({**args.props, "permissions_boundary": boundary_arn}, args.opts)

    pulumi.runtime.register_stack_transformation(transformation)
