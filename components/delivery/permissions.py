"""What the CI roles may do in AWS, derived from the resource types the program manages.

``MANAGED`` maps every resource type a plan of this program can hold — its own and the children
pulumi-eks creates in its plugin — to the IAM actions its provider calls to create, read, update
and delete it. From that table:

* the **deploy role** gets each service's actions on that service's resources, in the stack's
  regions only (``aws:RequestedRegion``), plus IAM role management that only works with the
  permissions boundary (``boundary.py``), ``iam:PassRole`` only to the services that take the
  program's roles, and ``sts:AssumeRole`` only on the replication destinations' roles;
* the **preview role** gets the *read* actions and nothing else, and an explicit deny on every
  data read (object contents, image layers, secret values, parameters, log events, decryption).

``tests/delivery/test_permissions.py`` checks that every type of every shipped plan and example is
in the table, and evaluates both policies (with their boundary) against each type's actions and
against the escalation paths and data reads that must stay denied.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..shared.boundary import PASSED_TO

# The services the program manages, and which of them take a region (IAM is global).
SERVICES = ("ecr", "kms", "ec2", "eks", "logs", "secretsmanager", "codebuild", "codeconnections",
            "codestar-connections", "inspector2", "elasticloadbalancing", "autoscaling", "acm", "s3", "wafv2",
            "route53", "iam", "sts")
# Route 53 is global (its requests name us-east-1), like IAM and STS: not limited by region.
GLOBAL = ("route53", "iam", "sts")
REGIONAL = tuple(s for s in SERVICES if s not in GLOBAL)


@dataclass(frozen=True)
class Actions:
    """The IAM actions a provider calls for one resource type."""

    create: tuple[str, ...]
    read: tuple[str, ...]
    update: tuple[str, ...] = ()
    delete: tuple[str, ...] = ()

    def all(self) -> tuple[str, ...]:
        return (*self.create, *self.read, *self.update, *self.delete)


_TAGS_ECR = ("ecr:TagResource", "ecr:UntagResource")
_TAGS_EC2 = ("ec2:CreateTags", "ec2:DeleteTags")
_ROLE_READ = ("iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
              "iam:ListRoleTags")
MANAGED: Mapping[str, Actions] = {
    # ECR
    "aws:ecr/repository:Repository": Actions(
        ("ecr:CreateRepository", *_TAGS_ECR), ("ecr:DescribeRepositories", "ecr:ListTagsForResource"),
        ("ecr:PutImageTagMutability", "ecr:PutImageScanningConfiguration", *_TAGS_ECR), ("ecr:DeleteRepository",)),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": Actions(
        ("ecr:PutLifecyclePolicy",), ("ecr:GetLifecyclePolicy",), ("ecr:PutLifecyclePolicy",),
        ("ecr:DeleteLifecyclePolicy",)),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": Actions(
        ("ecr:SetRepositoryPolicy",), ("ecr:GetRepositoryPolicy",), ("ecr:SetRepositoryPolicy",),
        ("ecr:DeleteRepositoryPolicy",)),
    "aws:ecr/registryPolicy:RegistryPolicy": Actions(
        ("ecr:PutRegistryPolicy",), ("ecr:GetRegistryPolicy",), ("ecr:PutRegistryPolicy",),
        ("ecr:DeleteRegistryPolicy",)),
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": Actions(
        ("ecr:PutRegistryScanningConfiguration", "inspector2:Enable", "inspector2:ListAccountPermissions",
         "iam:CreateServiceLinkedRole"),
        ("ecr:GetRegistryScanningConfiguration", "inspector2:BatchGetAccountStatus", "inspector2:ListCoverage"),
        ("ecr:PutRegistryScanningConfiguration", "inspector2:Enable", "inspector2:Disable"),
        ("ecr:PutRegistryScanningConfiguration",)),
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": Actions(
        ("ecr:PutReplicationConfiguration", "iam:CreateServiceLinkedRole"), ("ecr:DescribeRegistry",),
        ("ecr:PutReplicationConfiguration",), ("ecr:PutReplicationConfiguration",)),
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": Actions(
        ("ecr:CreatePullThroughCacheRule",), ("ecr:DescribePullThroughCacheRules",),
        ("ecr:UpdatePullThroughCacheRule",), ("ecr:DeletePullThroughCacheRule",)),
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": Actions(
        ("ecr:CreateRepositoryCreationTemplate",), ("ecr:DescribeRepositoryCreationTemplates",),
        ("ecr:UpdateRepositoryCreationTemplate",), ("ecr:DeleteRepositoryCreationTemplate",)),
    # KMS
    "aws:kms/key:Key": Actions(
        ("kms:CreateKey", "kms:TagResource", "kms:EnableKeyRotation", "kms:PutKeyPolicy"),
        ("kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"),
        ("kms:PutKeyPolicy", "kms:UpdateKeyDescription", "kms:EnableKeyRotation", "kms:TagResource",
         "kms:UntagResource"),
        ("kms:ScheduleKeyDeletion",)),
    # IAM
    "aws:iam/role:Role": Actions(
        ("iam:CreateRole", "iam:TagRole"), _ROLE_READ,
        ("iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:TagRole",
         "iam:UntagRole", "iam:PutRolePermissionsBoundary"),
        ("iam:DeleteRole",)),
    "aws:iam/rolePolicy:RolePolicy": Actions(
        ("iam:PutRolePolicy",), ("iam:GetRolePolicy",), ("iam:PutRolePolicy",), ("iam:DeleteRolePolicy",)),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": Actions(
        ("iam:AttachRolePolicy",), ("iam:ListAttachedRolePolicies",), (), ("iam:DetachRolePolicy",)),
    "aws:iam/policy:Policy": Actions(
        ("iam:CreatePolicy", "iam:TagPolicy"), ("iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"),
        ("iam:CreatePolicyVersion", "iam:DeletePolicyVersion"), ("iam:DeletePolicy",)),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": Actions(
        ("iam:CreateOpenIDConnectProvider", "iam:TagOpenIDConnectProvider"), ("iam:GetOpenIDConnectProvider",),
        ("iam:UpdateOpenIDConnectProviderThumbprint",), ("iam:DeleteOpenIDConnectProvider",)),
    # Secrets Manager (cache credentials)
    "aws:secretsmanager/secret:Secret": Actions(
        ("secretsmanager:CreateSecret", "secretsmanager:TagResource"),
        ("secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"),
        ("secretsmanager:UpdateSecret", "secretsmanager:TagResource"), ("secretsmanager:DeleteSecret",)),
    "aws:secretsmanager/secretVersion:SecretVersion": Actions(
        ("secretsmanager:PutSecretValue",), ("secretsmanager:DescribeSecret",), ("secretsmanager:PutSecretValue",),
        ("secretsmanager:UpdateSecretVersionStage",)),
    # Logs
    "aws:cloudwatch/logGroup:LogGroup": Actions(
        ("logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:AssociateKmsKey", "logs:TagResource"),
        ("logs:DescribeLogGroups", "logs:ListTagsForResource"),
        ("logs:PutRetentionPolicy", "logs:AssociateKmsKey", "logs:TagResource"), ("logs:DeleteLogGroup",)),
    # Network
    "aws:ec2/vpc:Vpc": Actions(("ec2:CreateVpc", "ec2:ModifyVpcAttribute", *_TAGS_EC2),
                               ("ec2:DescribeVpcs", "ec2:DescribeVpcAttribute"), ("ec2:ModifyVpcAttribute",),
                               ("ec2:DeleteVpc",)),
    "aws:ec2/subnet:Subnet": Actions(("ec2:CreateSubnet", "ec2:ModifySubnetAttribute", *_TAGS_EC2),
                                     ("ec2:DescribeSubnets",), ("ec2:ModifySubnetAttribute",), ("ec2:DeleteSubnet",)),
    "aws:ec2/internetGateway:InternetGateway": Actions(
        ("ec2:CreateInternetGateway", "ec2:AttachInternetGateway", *_TAGS_EC2), ("ec2:DescribeInternetGateways",),
        (), ("ec2:DetachInternetGateway", "ec2:DeleteInternetGateway")),
    "aws:ec2/natGateway:NatGateway": Actions(("ec2:CreateNatGateway", *_TAGS_EC2), ("ec2:DescribeNatGateways",),
                                             (), ("ec2:DeleteNatGateway",)),
    "aws:ec2/eip:Eip": Actions(("ec2:AllocateAddress", *_TAGS_EC2), ("ec2:DescribeAddresses",), (),
                               ("ec2:ReleaseAddress", "ec2:DisassociateAddress")),
    "aws:ec2/routeTable:RouteTable": Actions(("ec2:CreateRouteTable", *_TAGS_EC2), ("ec2:DescribeRouteTables",), (),
                                             ("ec2:DeleteRouteTable",)),
    "aws:ec2/route:Route": Actions(("ec2:CreateRoute",), ("ec2:DescribeRouteTables",), ("ec2:ReplaceRoute",),
                                   ("ec2:DeleteRoute",)),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": Actions(
        ("ec2:AssociateRouteTable",), ("ec2:DescribeRouteTables",), ("ec2:ReplaceRouteTableAssociation",),
        ("ec2:DisassociateRouteTable",)),
    "aws:ec2/vpcEndpoint:VpcEndpoint": Actions(("ec2:CreateVpcEndpoint", *_TAGS_EC2), ("ec2:DescribeVpcEndpoints",),
                                               ("ec2:ModifyVpcEndpoint",), ("ec2:DeleteVpcEndpoints",)),
    "aws:ec2/securityGroup:SecurityGroup": Actions(
        ("ec2:CreateSecurityGroup", "ec2:RevokeSecurityGroupEgress", *_TAGS_EC2),
        ("ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"), (), ("ec2:DeleteSecurityGroup",)),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": Actions(
        ("ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", *_TAGS_EC2),
        ("ec2:DescribeSecurityGroups",), (), ()),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": Actions(
        ("ec2:AuthorizeSecurityGroupIngress", *_TAGS_EC2), ("ec2:DescribeSecurityGroupRules",),
        ("ec2:ModifySecurityGroupRules",), ("ec2:RevokeSecurityGroupIngress",)),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": Actions(
        ("ec2:AuthorizeSecurityGroupEgress", *_TAGS_EC2), ("ec2:DescribeSecurityGroupRules",),
        ("ec2:ModifySecurityGroupRules",), ("ec2:RevokeSecurityGroupEgress",)),
    "aws:ec2/flowLog:FlowLog": Actions(("ec2:CreateFlowLogs", *_TAGS_EC2), ("ec2:DescribeFlowLogs",), (),
                                       ("ec2:DeleteFlowLogs",)),
    "aws:ec2/launchTemplate:LaunchTemplate": Actions(
        ("ec2:CreateLaunchTemplate", *_TAGS_EC2), ("ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions"),
        ("ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"), ("ec2:DeleteLaunchTemplate",)),
    # EKS (pulumi-eks's children and the program's access entries)
    "aws:eks/cluster:Cluster": Actions(
        ("eks:CreateCluster", "eks:TagResource", "iam:CreateServiceLinkedRole"), ("eks:DescribeCluster",),
        ("eks:UpdateClusterConfig", "eks:UpdateClusterVersion", "eks:TagResource", "eks:UntagResource"),
        ("eks:DeleteCluster",)),
    "aws:eks/nodeGroup:NodeGroup": Actions(
        ("eks:CreateNodegroup", "eks:TagResource", "iam:CreateServiceLinkedRole"), ("eks:DescribeNodegroup",),
        ("eks:UpdateNodegroupConfig", "eks:UpdateNodegroupVersion"), ("eks:DeleteNodegroup",)),
    "aws:eks/addon:Addon": Actions(("eks:CreateAddon", "eks:DescribeAddonVersions"), ("eks:DescribeAddon",),
                                   ("eks:UpdateAddon",), ("eks:DeleteAddon",)),
    "aws:eks/accessEntry:AccessEntry": Actions(
        ("eks:CreateAccessEntry", "eks:TagResource"), ("eks:DescribeAccessEntry",), ("eks:UpdateAccessEntry",),
        ("eks:DeleteAccessEntry",)),
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": Actions(
        ("eks:AssociateAccessPolicy",), ("eks:ListAssociatedAccessPolicies",), (), ("eks:DisassociateAccessPolicy",)),
    # The CI runners
    "aws:codebuild/project:Project": Actions(
        ("codebuild:CreateProject",), ("codebuild:BatchGetProjects",), ("codebuild:UpdateProject",),
        ("codebuild:DeleteProject",)),
    "aws:codebuild/webhook:Webhook": Actions(
        ("codebuild:CreateWebhook",), ("codebuild:BatchGetProjects",), ("codebuild:UpdateWebhook",),
        ("codebuild:DeleteWebhook",)),
    "aws:codeconnections/connection:Connection": Actions(
        ("codeconnections:CreateConnection", "codeconnections:TagResource"),
        ("codeconnections:GetConnection", "codeconnections:ListTagsForResource"), ("codeconnections:TagResource",),
        ("codeconnections:DeleteConnection",)),
    # The front door: load balancing, certificates, DNS, the access-log bucket, WAF.
    "aws:lb/loadBalancer:LoadBalancer": Actions(
        ("elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:AddTags",
         "elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetSecurityGroups",
         "elasticloadbalancing:SetSubnets"),
        ("elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes",
         "elasticloadbalancing:DescribeTags"),
        ("elasticloadbalancing:RemoveTags", "elasticloadbalancing:SetIpAddressType"),
        ("elasticloadbalancing:DeleteLoadBalancer",)),
    "aws:lb/targetGroup:TargetGroup": Actions(
        ("elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:AddTags",
         "elasticloadbalancing:ModifyTargetGroupAttributes"),
        ("elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes",
         "elasticloadbalancing:DescribeTags"),
        ("elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:RemoveTags"),
        ("elasticloadbalancing:DeleteTargetGroup",)),
    "aws:lb/listener:Listener": Actions(
        ("elasticloadbalancing:CreateListener", "elasticloadbalancing:AddTags"),
        ("elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeListenerAttributes",
         "elasticloadbalancing:DescribeTags"),
        ("elasticloadbalancing:ModifyListener", "elasticloadbalancing:RemoveTags"),
        ("elasticloadbalancing:DeleteListener",)),
    "aws:autoscaling/attachment:Attachment": Actions(
        ("autoscaling:AttachLoadBalancerTargetGroups",), ("autoscaling:DescribeAutoScalingGroups",), (),
        ("autoscaling:DetachLoadBalancerTargetGroups",)),
    "aws:acm/certificate:Certificate": Actions(
        ("acm:RequestCertificate", "acm:AddTagsToCertificate"),
        ("acm:DescribeCertificate", "acm:ListTagsForCertificate"), ("acm:RemoveTagsFromCertificate",),
        ("acm:DeleteCertificate",)),
    "aws:acm/certificateValidation:CertificateValidation": Actions((), ("acm:DescribeCertificate",)),
    "aws:route53/record:Record": Actions(
        ("route53:ChangeResourceRecordSets", "route53:GetChange"),
        ("route53:ListResourceRecordSets", "route53:GetHostedZone", "route53:ListHostedZones",
         "route53:ListHostedZonesByName"), (), ("route53:ChangeResourceRecordSets",)),
    "aws:s3/bucket:Bucket": Actions(
        ("s3:CreateBucket", "s3:PutBucketTagging"),
        ("s3:ListBucket", "s3:GetBucketTagging", "s3:GetBucketLocation", "s3:GetBucketAcl", "s3:GetBucketCORS",
         "s3:GetBucketWebsite", "s3:GetBucketVersioning", "s3:GetAccelerateConfiguration",
         "s3:GetBucketRequestPayment", "s3:GetBucketLogging", "s3:GetLifecycleConfiguration",
         "s3:GetReplicationConfiguration", "s3:GetEncryptionConfiguration", "s3:GetBucketObjectLockConfiguration",
         "s3:GetBucketPolicy"), (), ("s3:DeleteBucket",)),
    "aws:s3/bucketPolicy:BucketPolicy": Actions(("s3:PutBucketPolicy",), ("s3:GetBucketPolicy",), (),
                                                ("s3:DeleteBucketPolicy",)),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": Actions(
        ("s3:PutBucketPublicAccessBlock",), ("s3:GetBucketPublicAccessBlock",), (), ("s3:PutBucketPublicAccessBlock",)),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": Actions(
        ("s3:PutBucketOwnershipControls",), ("s3:GetBucketOwnershipControls",), (),
        ("s3:PutBucketOwnershipControls",)),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": Actions(
        ("s3:PutEncryptionConfiguration",), ("s3:GetEncryptionConfiguration",), (), ("s3:PutEncryptionConfiguration",)),
    "aws:s3/bucketVersioning:BucketVersioning": Actions(
        ("s3:PutBucketVersioning",), ("s3:GetBucketVersioning",), (), ("s3:PutBucketVersioning",)),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": Actions(
        ("s3:PutLifecycleConfiguration",), ("s3:GetLifecycleConfiguration",), (), ("s3:PutLifecycleConfiguration",)),
    "aws:wafv2/webAcl:WebAcl": Actions(
        ("wafv2:CreateWebACL", "wafv2:TagResource"), ("wafv2:GetWebACL", "wafv2:ListTagsForResource"),
        ("wafv2:UpdateWebACL", "wafv2:UntagResource"), ("wafv2:DeleteWebACL",)),
    "aws:wafv2/webAclAssociation:WebAclAssociation": Actions(
        ("wafv2:AssociateWebACL", "elasticloadbalancing:SetWebACL"), ("wafv2:GetWebACLForResource",), (),
        ("wafv2:DisassociateWebACL",)),
    # The scan gate: a dynamic resource whose create and update (in the program's dynamic provider,
    # components/supply_chain) wait for the image's scan; read and delete call nothing.
    "pulumi-python:dynamic:ScanFindingsGate": Actions(
        ("ecr:DescribeImageScanFindings", "inspector2:ListCoverage", "inspector2:ListFindings"), (),
        ("ecr:DescribeImageScanFindings", "inspector2:ListCoverage", "inspector2:ListFindings"), ()),
}
# Types whose resources are only the program's components, providers or Kubernetes/Docker objects:
# no AWS IAM action (the image push is ECR's, below; Kubernetes is the access entries').
NOT_AWS = ("containerplatform:", "pulumi:", "kubernetes:", "eks:index:", "docker:")
# What the program's reads and invokes need besides the types' own reads.
PROGRAM_READS = ("sts:GetCallerIdentity", "ecr:GetAuthorizationToken", "ec2:DescribeAvailabilityZones",
                 "eks:DescribeAddonVersions", "route53:ListHostedZonesByName", "route53:GetHostedZone")
# Pushing the service's image (pulumi-docker through the ECR token).
IMAGE_PUSH = ("ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
              "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:DescribeImages")
# Services that take the program's roles (iam:PassRole), and the service-linked roles it may create.
SERVICE_LINKED = ("eks.amazonaws.com", "eks-nodegroup.amazonaws.com", "autoscaling.amazonaws.com",
                  "inspector2.amazonaws.com", "replication.ecr.amazonaws.com", "ecr.amazonaws.com",
                  "elasticloadbalancing.amazonaws.com")
# Reads that return data rather than metadata: the preview role never gets them.
DATA_READS = ("s3:GetObject", "s3:GetObjectVersion", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
              "secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath",
              "logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults",
              "kms:Decrypt", "dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "sqs:ReceiveMessage",
              "lambda:GetFunction", "ec2:GetPasswordData", "codebuild:BatchGetBuilds")


def _by_service(actions: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for action in sorted(set(actions)):
        out.setdefault(action.split(":", 1)[0], []).append(action)
    return out


def deploy_policy_document(*, partition: str, regions: Sequence[str], boundary_arn: str,
                           cross_account_roles: Sequence[str] = ()) -> str:
    """The deploy role's policy: the managed types' actions in the stack's regions, IAM only
    under the boundary, no data reads beyond pushing the service's image."""
    actions = [a for spec in MANAGED.values() for a in spec.all()] + list(PROGRAM_READS) + list(IMAGE_PUSH)
    grouped = _by_service(actions)
    regional = sorted(a for s in REGIONAL for a in grouped.get(s, []))
    statements: list[dict] = [
        {"Sid": "ManagedServicesInTheStacksRegions", "Effect": "Allow", "Action": regional, "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": sorted(set(regions))}}},
        {"Sid": "WhoAmI", "Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"},
        {"Sid": "RoleWritesOnlyWithTheBoundary", "Effect": "Allow",
         "Action": ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy",
                    "iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy"],
         "Resource": f"arn:{partition}:iam::*:role/*",
         "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary_arn}}},
        {"Sid": "RoleReadsAndOtherRoleChanges", "Effect": "Allow",
         "Action": sorted({*_ROLE_READ, "iam:GetRolePolicy", "iam:TagRole", "iam:UntagRole",
                           "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription",
                           "iam:DeleteRole"}),
         "Resource": f"arn:{partition}:iam::*:role/*"},
        {"Sid": "PassRolesToThePlatformsServicesOnly", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": f"arn:{partition}:iam::*:role/*",
         "Condition": {"StringEquals": {"iam:PassedToService": list(PASSED_TO)}}},
        {"Sid": "ServiceLinkedRolesOfThePlatformsServices", "Effect": "Allow", "Action": "iam:CreateServiceLinkedRole",
         "Resource": "*", "Condition": {"StringEquals": {"iam:AWSServiceName": list(SERVICE_LINKED)}}},
        {"Sid": "ReadPolicies", "Effect": "Allow",
         "Action": ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"], "Resource": "*"},
        {"Sid": "TheClustersOidcProvider", "Effect": "Allow",
         "Action": grouped_oidc(), "Resource": f"arn:{partition}:iam::*:oidc-provider/oidc.eks.*"},
        # Route 53 is global: the front door's records, in the account's hosted zones; finding a zone
        # by name lists them (no resource scope).
        {"Sid": "DnsRecordsInTheAccountsZones", "Effect": "Allow",
         "Action": ["route53:ChangeResourceRecordSets", "route53:GetHostedZone", "route53:ListResourceRecordSets"],
         "Resource": f"arn:{partition}:route53:::hostedzone/*"},
        {"Sid": "DnsChanges", "Effect": "Allow", "Action": "route53:GetChange",
         "Resource": f"arn:{partition}:route53:::change/*"},
        {"Sid": "FindZonesByName", "Effect": "Allow",
         "Action": ["route53:ListHostedZones", "route53:ListHostedZonesByName"], "Resource": "*"},
    ]
    if cross_account_roles:
        statements.append({"Sid": "TheReplicationDestinationsRoles", "Effect": "Allow", "Action": "sts:AssumeRole",
                           "Resource": sorted(set(cross_account_roles))})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def grouped_oidc() -> list[str]:
    return sorted(MANAGED["aws:iam/openIdConnectProvider:OpenIdConnectProvider"].all())


def preview_policy_document(*, regions: Sequence[str], cross_account_roles: Sequence[str] = ()) -> str:
    """The preview role's policy: the managed types' reads (metadata), and no data read."""
    reads = [a for spec in MANAGED.values() for a in spec.read] + list(PROGRAM_READS)
    grouped = _by_service(reads)
    regional = sorted(a for s in REGIONAL for a in grouped.get(s, []))
    statements: list[dict] = [
        {"Sid": "MetadataOfTheManagedTypes", "Effect": "Allow", "Action": regional, "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": sorted(set(regions))}}},
        {"Sid": "GlobalMetadata", "Effect": "Allow",
         "Action": sorted({*grouped.get("iam", []), *grouped.get("sts", []), *grouped.get("route53", []),
                           "iam:GetPolicy", "iam:GetPolicyVersion"}),
         "Resource": "*"},
        {"Sid": "NoDataReads", "Effect": "Deny", "Action": list(DATA_READS), "Resource": "*"},
    ]
    if cross_account_roles:
        statements.append({"Sid": "AssumeTheDestinationsRoles", "Effect": "Allow", "Action": "sts:AssumeRole",
                           "Resource": sorted(set(cross_account_roles))})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})
