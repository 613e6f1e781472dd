"""What is declared by hand about each AWS type the program uses — everything the providers'
source cannot say: the Pulumi token and the Terraform type it bridges, whether AWS bills for it,
the IAM resource type its ARN is, and the actions AWS itself requires of the caller beyond the API
calls the provider makes (service-linked roles, passing a role, KMS grants), each with its source.

The generator (``python -m tools.catalog.generate``) adds, from terraform-provider-aws's source,
the API operations each type's create, read, update and delete make, and writes
``components/shared/catalog.json``. ``tests/catalog`` check this table against the installed
SDKs (every token exists in pulumi-aws), AWS's IAM data (every action exists) and the plans (every
planned type and invoke is here, every billed type has a pricer).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Sources of the extra actions (AWS documentation pages).
PASS_ROLE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html"
SLR = "https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html#service-linked-role-permissions"
ECR_KMS = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html"
EKS_KMS = "https://docs.aws.amazon.com/eks/latest/userguide/envelope-encryption.html"
EKS_SLR = "https://docs.aws.amazon.com/eks/latest/userguide/using-service-linked-roles-eks.html"
EKS_NODEGROUP_SLR = "https://docs.aws.amazon.com/eks/latest/userguide/using-service-linked-roles-eks-nodegroups.html"
EKS_LAUNCH_TEMPLATE = "https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html"
EKS_POD_IDENTITY = "https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html"
ECR_TEMPLATES = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates.html"
ECR_REPLICATION_SLR = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/slr-replication.html"
ECR_CACHE_SLR = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/slr-pullthroughcache.html"
ECR_ENHANCED = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced-iam.html"
ECR_PUSH = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html"
ELB_SLR = "https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-service-linked-roles.html"
FLOW_LOGS_PASS = "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html"
WAF_ASSOCIATE = "https://docs.aws.amazon.com/waf/latest/developerguide/security_iam_service-with-iam.html"
CODEBUILD_CONNECTION = "https://docs.aws.amazon.com/codebuild/latest/userguide/connections-github-app.html"


@dataclass(frozen=True)
class Extra:
    """An action AWS requires of the caller that the provider's own calls do not show."""

    operation: str  # create | read | update | delete | invoke
    action: str
    source: str
    passed_to: str | None = None  # iam:PassRole: the service the role is passed to
    service_linked: str | None = None  # iam:CreateServiceLinkedRole: the service's principal


@dataclass(frozen=True)
class Declared:
    """One AWS resource type or provider function (invoke) of the program."""

    token: str
    tf: str | None
    """The Terraform type it bridges (resources: ``aws_x``; invokes: the data source); None for
    types no Terraform provider backs (pulumi-docker's Image, pulumi-eks's components)."""
    package: str | None
    """terraform-provider-aws's package directory (``internal/service/ecr``)."""
    kind: str = "resource"  # resource | invoke | component
    billed: bool = False
    """AWS bills for it (then a pricer in ``tools/cost.py`` must cover it)."""
    priced_with: str | None = None
    """A billed type whose cost another type's pricer includes (an access-log bucket with its load
    balancer)."""
    iam_resource: str | None = None
    """Its IAM resource type (``ecr:repository``), from AWS's Service Authorization Reference."""
    extras: tuple[Extra, ...] = ()
    admin: bool = False
    """Applied by an administrator, never by the deploy role (the permissions boundary: docs/delivery.md)."""
    default_answer: bool = False
    """The offline harness answers it with its inputs and a stable ID (no outputs a reader needs)."""
    never: tuple[tuple[str, str], ...] = ()
    """(action, why) the provider can call but the program never makes it (the boundary denies them)."""
    children: tuple[tuple[str, str], ...] = ()
    """A remote component's children, (token, where its plugin creates it)."""
    operations: tuple[tuple[str, str, str], ...] = ()
    """For types no Terraform source backs: (operation, action, source)."""


def _slr(service: str, source: str, operation: str = "create") -> Extra:
    return Extra(operation, "iam:CreateServiceLinkedRole", source, service_linked=service)


def _pass(service: str, source: str = PASS_ROLE, operations: tuple[str, ...] = ("create", "update")) -> tuple[Extra, ...]:
    return tuple(Extra(op, "iam:PassRole", source, passed_to=service) for op in operations)


ECR, EC2, EKS, IAM = "internal/service/ecr", "internal/service/ec2", "internal/service/eks", "internal/service/iam"
S3, ELBV2 = "internal/service/s3", "internal/service/elbv2"

TYPES: tuple[Declared, ...] = (
    # ECR
    Declared("aws:ecr/repository:Repository", "aws_ecr_repository", ECR, billed=True, iam_resource="ecr:repository",
             extras=(Extra("create", "kms:CreateGrant", ECR_KMS), Extra("create", "kms:DescribeKey", ECR_KMS),
                     Extra("delete", "kms:RetireGrant", ECR_KMS))),
    Declared("aws:ecr/lifecyclePolicy:LifecyclePolicy", "aws_ecr_lifecycle_policy", ECR, iam_resource="ecr:repository"),
    Declared("aws:ecr/repositoryPolicy:RepositoryPolicy", "aws_ecr_repository_policy", ECR,
             iam_resource="ecr:repository"),
    Declared("aws:ecr/registryPolicy:RegistryPolicy", "aws_ecr_registry_policy", ECR),
    Declared("aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
             "aws_ecr_registry_scanning_configuration", ECR, billed=True,
             extras=(Extra("create", "inspector2:Enable", ECR_ENHANCED),
                     Extra("create", "inspector2:ListAccountPermissions", ECR_ENHANCED),
                     Extra("update", "inspector2:Enable", ECR_ENHANCED),
                     Extra("update", "inspector2:ListAccountPermissions", ECR_ENHANCED),
                     _slr("inspector2.amazonaws.com", ECR_ENHANCED),
                     _slr("inspector2.amazonaws.com", ECR_ENHANCED, "update"))),
    Declared("aws:ecr/replicationConfiguration:ReplicationConfiguration", "aws_ecr_replication_configuration", ECR,
             billed=True, priced_with="aws:ecr/repository:Repository",
             extras=(_slr("replication.ecr.amazonaws.com", ECR_REPLICATION_SLR),
                     _slr("replication.ecr.amazonaws.com", ECR_REPLICATION_SLR, "update"))),
    Declared("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "aws_ecr_pull_through_cache_rule", ECR, billed=True,
             extras=(_slr("pullthroughcache.ecr.amazonaws.com", ECR_CACHE_SLR),
                     _slr("pullthroughcache.ecr.amazonaws.com", ECR_CACHE_SLR, "update"))),
    Declared("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate", "aws_ecr_repository_creation_template",
             ECR, extras=(*_pass("ecr.amazonaws.com", ECR_TEMPLATES),
                          *(Extra(op, a, ECR_TEMPLATES) for op in ("create", "update")
                            for a in ("ecr:CreateRepository", "ecr:PutLifecyclePolicy", "ecr:SetRepositoryPolicy")))),
    # KMS, Secrets Manager, logs
    Declared("aws:kms/key:Key", "aws_kms_key", "internal/service/kms", billed=True, iam_resource="kms:key"),
    Declared("aws:cloudwatch/logGroup:LogGroup", "aws_cloudwatch_log_group", "internal/service/logs", billed=True,
             iam_resource="logs:log-group"),
    # IAM
    Declared("aws:iam/role:Role", "aws_iam_role", IAM, iam_resource="iam:role", never=(
        ("iam:DeleteRolePermissionsBoundary", "the provider removes a boundary only when the role's "
                                              "permissions_boundary is unset, and the program sets it on every role "
                                              "(boundary.every_role_carries); the boundary denies it"),)),
    Declared("aws:iam/rolePolicy:RolePolicy", "aws_iam_role_policy", IAM, iam_resource="iam:role", default_answer=True),
    Declared("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws_iam_role_policy_attachment", IAM,
             iam_resource="iam:role", default_answer=True),
    # The program's one managed policy is the permissions boundary: an administrator's.
    Declared("aws:iam/policy:Policy", "aws_iam_policy", IAM, iam_resource="iam:policy", admin=True),
    Declared("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "aws_iam_openid_connect_provider", IAM,
             iam_resource="iam:oidc-provider"),
    # Network
    Declared("aws:ec2/vpc:Vpc", "aws_vpc", EC2, iam_resource="ec2:vpc"),
    Declared("aws:ec2/subnet:Subnet", "aws_subnet", EC2, iam_resource="ec2:subnet"),
    Declared("aws:ec2/internetGateway:InternetGateway", "aws_internet_gateway", EC2,
             iam_resource="ec2:internet-gateway"),
    Declared("aws:ec2/natGateway:NatGateway", "aws_nat_gateway", EC2, billed=True, iam_resource="ec2:natgateway"),
    Declared("aws:ec2/eip:Eip", "aws_eip", EC2, billed=True, iam_resource="ec2:elastic-ip"),
    Declared("aws:ec2/routeTable:RouteTable", "aws_route_table", EC2, iam_resource="ec2:route-table"),
    Declared("aws:ec2/route:Route", "aws_route", EC2, iam_resource="ec2:route-table"),
    Declared("aws:ec2/routeTableAssociation:RouteTableAssociation", "aws_route_table_association", EC2,
             iam_resource="ec2:route-table"),
    Declared("aws:ec2/vpcEndpoint:VpcEndpoint", "aws_vpc_endpoint", EC2, billed=True,
             iam_resource="ec2:vpc-endpoint"),
    Declared("aws:ec2/securityGroup:SecurityGroup", "aws_security_group", EC2, iam_resource="ec2:security-group"),
    Declared("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "aws_default_security_group", EC2,
             iam_resource="ec2:security-group"),
    Declared("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws_vpc_security_group_ingress_rule", EC2,
             iam_resource="ec2:security-group"),
    Declared("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "aws_vpc_security_group_egress_rule", EC2,
             iam_resource="ec2:security-group"),
    Declared("aws:ec2/flowLog:FlowLog", "aws_flow_log", EC2, billed=True, iam_resource="ec2:vpc-flow-log",
             extras=_pass("vpc-flow-logs.amazonaws.com", FLOW_LOGS_PASS)),
    Declared("aws:ec2/launchTemplate:LaunchTemplate", "aws_launch_template", EC2, iam_resource="ec2:launch-template"),
    # EKS: the resources pulumi-eks's plugin creates, and the program's own
    Declared("aws:eks/cluster:Cluster", "aws_eks_cluster", EKS, billed=True, priced_with="eks:index:Cluster",
             iam_resource="eks:cluster",
             extras=(*_pass("eks.amazonaws.com"), _slr("eks.amazonaws.com", EKS_SLR),
                     Extra("create", "kms:CreateGrant", EKS_KMS), Extra("create", "kms:DescribeKey", EKS_KMS),
                     Extra("update", "kms:CreateGrant", EKS_KMS), Extra("update", "kms:DescribeKey", EKS_KMS)), default_answer=True),
    Declared("aws:eks/nodeGroup:NodeGroup", "aws_eks_node_group", EKS, billed=True,
             priced_with="eks:index:ManagedNodeGroup", iam_resource="eks:nodegroup",
             extras=(*_pass("eks.amazonaws.com"), _slr("eks-nodegroup.amazonaws.com", EKS_NODEGROUP_SLR),
                     *(Extra(op, a, EKS_LAUNCH_TEMPLATE) for op in ("create", "update")
                       for a in ("ec2:DescribeLaunchTemplateVersions", "ec2:RunInstances", "ec2:CreateTags",
                                 "iam:GetRole", "iam:ListAttachedRolePolicies", "ec2:DescribeSubnets"))), default_answer=True),
    # Billed: not by EKS (add-ons are free), but by what one brings — the CloudWatch observability
    # add-on's Container Insights observations, container logs and Application Signals (tools/cost.py).
    Declared("aws:eks/addon:Addon", "aws_eks_addon", EKS, billed=True, iam_resource="eks:addon",
             extras=_pass("eks.amazonaws.com"), default_answer=True),
    Declared("aws:eks/accessEntry:AccessEntry", "aws_eks_access_entry", EKS, iam_resource="eks:access-entry"),
    # A role for a service account through EKS Pod Identity (the Cluster Autoscaler's, the CloudWatch
    # agent's): EKS passes the role to its Pod Identity service (pods.eks.amazonaws.com).
    Declared("aws:eks/podIdentityAssociation:PodIdentityAssociation", "aws_eks_pod_identity_association", EKS,
             iam_resource="eks:podidentityassociation",
             extras=_pass("pods.eks.amazonaws.com", EKS_POD_IDENTITY), default_answer=True),
    Declared("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "aws_eks_access_policy_association", EKS,
             iam_resource="eks:access-entry", default_answer=True),
    # The CI runners
    Declared("aws:codebuild/project:Project", "aws_codebuild_project", "internal/service/codebuild", billed=True,
             iam_resource="codebuild:project",
             extras=(*_pass("codebuild.amazonaws.com"),
                     Extra("create", "codeconnections:UseConnection", CODEBUILD_CONNECTION),
                     Extra("update", "codeconnections:UseConnection", CODEBUILD_CONNECTION))),
    Declared("aws:codebuild/webhook:Webhook", "aws_codebuild_webhook", "internal/service/codebuild",
             iam_resource="codebuild:project",
             extras=(Extra("create", "codeconnections:UseConnection", CODEBUILD_CONNECTION),
                     Extra("update", "codeconnections:UseConnection", CODEBUILD_CONNECTION)), default_answer=True),
    Declared("aws:codeconnections/connection:Connection", "aws_codeconnections_connection",
             "internal/service/codeconnections", iam_resource="codeconnections:connection"),
    # The front door
    Declared("aws:lb/loadBalancer:LoadBalancer", "aws_lb", ELBV2, billed=True,
             iam_resource="elasticloadbalancing:loadbalancer/app/",
             extras=(_slr("elasticloadbalancing.amazonaws.com", ELB_SLR),)),
    Declared("aws:lb/targetGroup:TargetGroup", "aws_lb_target_group", ELBV2,
             iam_resource="elasticloadbalancing:targetgroup"),
    Declared("aws:lb/listener:Listener", "aws_lb_listener", ELBV2, iam_resource="elasticloadbalancing:listener/app"),
    Declared("aws:autoscaling/attachment:Attachment", "aws_autoscaling_attachment", "internal/service/autoscaling",
             iam_resource="autoscaling:autoscalinggroup", default_answer=True),
    Declared("aws:acm/certificate:Certificate", "aws_acm_certificate", "internal/service/acm",
             iam_resource="acm:certificate"),
    Declared("aws:acm/certificateValidation:CertificateValidation", "aws_acm_certificate_validation",
             "internal/service/acm", iam_resource="acm:certificate"),
    Declared("aws:route53/record:Record", "aws_route53_record", "internal/service/route53",
             iam_resource="route53:hostedzone"),
    Declared("aws:s3/bucket:Bucket", "aws_s3_bucket", S3, billed=True, priced_with="aws:lb/loadBalancer:LoadBalancer",
             iam_resource="s3:bucket", never=tuple(
                 (a, "the provider empties a bucket only with force_destroy, and the program's bucket has "
                     "force_destroy false (its logs are kept): no role of the stack touches an object")
                 for a in ("s3:DeleteObject", "s3:PutObjectLegalHold", "s3:BypassGovernanceRetention",
                           "s3:DeleteObjectVersion"))),
    Declared("aws:s3/bucketPolicy:BucketPolicy", "aws_s3_bucket_policy", S3, iam_resource="s3:bucket", default_answer=True),
    Declared("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "aws_s3_bucket_public_access_block", S3,
             iam_resource="s3:bucket", default_answer=True),
    Declared("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "aws_s3_bucket_ownership_controls", S3,
             iam_resource="s3:bucket", default_answer=True),
    Declared("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
             "aws_s3_bucket_server_side_encryption_configuration", S3, iam_resource="s3:bucket", default_answer=True),
    Declared("aws:s3/bucketVersioning:BucketVersioning", "aws_s3_bucket_versioning", S3, iam_resource="s3:bucket", default_answer=True),
    Declared("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
             "aws_s3_bucket_lifecycle_configuration", S3, iam_resource="s3:bucket", default_answer=True),
    Declared("aws:wafv2/webAcl:WebAcl", "aws_wafv2_web_acl", "internal/service/wafv2", billed=True,
             iam_resource="wafv2:webacl"),
    Declared("aws:wafv2/webAclAssociation:WebAclAssociation", "aws_wafv2_web_acl_association",
             "internal/service/wafv2", iam_resource="wafv2:webacl",
             extras=(Extra("create", "elasticloadbalancing:SetWebACL", WAF_ASSOCIATE),
                     Extra("delete", "elasticloadbalancing:SetWebACL", WAF_ASSOCIATE)), default_answer=True),
    # The invokes the program makes (they run in preview and up alike).
    Declared("aws:index/getCallerIdentity:getCallerIdentity", "aws_caller_identity", "internal/service/sts",
             kind="invoke"),
    Declared("aws:index/getRegion:getRegion", None, None, kind="invoke"),
    Declared("aws:index/getPartition:getPartition", None, None, kind="invoke"),
    Declared("aws:ecr/getAuthorizationToken:getAuthorizationToken", "aws_ecr_authorization_token", ECR, kind="invoke"),
    Declared("aws:ecr/getRepositories:getRepositories", "aws_ecr_repositories", ECR, kind="invoke"),
    Declared("aws:ecr/getImages:getImages", "aws_ecr_images", ECR, kind="invoke"),
    Declared("aws:ecr/getRepositoryCreationTemplate:getRepositoryCreationTemplate",
             "aws_ecr_repository_creation_template", ECR, kind="invoke"),
    Declared("aws:eks/getAddonVersion:getAddonVersion", "aws_eks_addon_version", EKS, kind="invoke"),
    # The live cluster and groups, read at preview to refuse a version jump EKS refuses (list first:
    # a missing one fails the run).
    Declared("aws:eks/getClusters:getClusters", "aws_eks_clusters", EKS, kind="invoke"),
    Declared("aws:eks/getCluster:getCluster", "aws_eks_cluster", EKS, kind="invoke"),
    Declared("aws:eks/getNodeGroups:getNodeGroups", "aws_eks_node_groups", EKS, kind="invoke"),
    Declared("aws:eks/getNodeGroup:getNodeGroup", "aws_eks_node_group", EKS, kind="invoke"),
    # The EKS-optimised AMI's latest release, from AWS's public SSM parameters (/aws/service/eks/...).
    Declared("aws:ssm/getParameter:getParameter", "aws_ssm_parameter", "internal/service/ssm", kind="invoke"),
    Declared("aws:route53/getZone:getZone", "aws_route53_zone", "internal/service/route53", kind="invoke"),
    Declared("aws:elb/getServiceAccount:getServiceAccount", "aws_elb_service_account", "internal/service/elb",
             kind="invoke"),
    # The runners' GitHub connection's status, read by ARN before the CodeBuild project and webhook
    # that need it AVAILABLE are declared (components/delivery/runners.py). pulumi-aws 7.51.1 has no
    # CodeConnections function: this one bridges the CodeStar Connections data source.
    Declared("aws:codestarconnections/getConnection:getConnection", "aws_codestarconnections_connection",
             "internal/service/codestarconnections", kind="invoke"),
    # The service's image: pulumi-docker builds with the local daemon and pushes with the
    # registry credentials the program passes (the ECR token). provider/image.go: Create and
    # Update build and push; Read returns the state; Delete is a no-op (no AWS call).
    Declared("docker:index/image:Image", None, None, priced_with="aws:ecr/repository:Repository",
             operations=tuple((op, a, ECR_PUSH) for op in ("create", "update")
                              for a in ("ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload",
                                        "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage",
                                        "ecr:BatchGetImage"))),
    # The scan gate (components/supply_chain): a Python dynamic resource whose provider runs in the
    # engine's dynamic-provider process during `up`, with the credentials of whoever runs it, and calls
    # AWS through boto3 (components/supply_chain/findings.py). Check and Diff call nothing; create and
    # update wait for the digest's scan; read and delete make no call.
    Declared("pulumi-python:dynamic:ScanFindingsGate", None, None, iam_resource="ecr:repository",
             operations=tuple((op, a, url) for op in ("create", "update") for a, url in (
                 ("ecr:DescribeImageScanFindings",
                  "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeImageScanFindings.html"),
                 ("inspector2:ListCoverage", "https://docs.aws.amazon.com/inspector/v2/APIReference/API_ListCoverage.html"),
                 ("inspector2:ListFindings", "https://docs.aws.amazon.com/inspector/v2/APIReference/API_ListFindings.html"),
             ))),
    # pulumi-eks's remote components: their plugin creates the children (sources in pulumi-eks's
    # nodejs/eks); the offline plan holds only the component. Only the children the program's
    # arguments make (components/eks: its own service role, no pulumi-eks security groups, no
    # default node group, the default VPC CNI off, no access entries through pulumi-eks, its own
    # launch template for managed node groups, so no SSM AMI lookup).
    Declared("eks:index:Cluster", None, None, kind="component", billed=True, children=(
        ("aws:eks/cluster:Cluster", "nodejs/eks/cluster/cluster.ts:createCore"),
        ("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "nodejs/eks/cluster/cluster.ts:createCore"),
        ("aws:eks/addon:Addon", "nodejs/eks/cluster/cluster.ts:createCore"),
    )),
    Declared("eks:index:ManagedNodeGroup", None, None, kind="component", billed=True, children=(
        ("aws:eks/nodeGroup:NodeGroup", "nodejs/eks/nodes/nodegroup.ts:createManagedNodeGroup"),
    )),
)


# AWS's public parameters (no account in their ARN): what AWS publishes for everyone, such as the
# EKS-optimised AMIs' releases — reading them is not a data read.
# The ARN's account is empty for them; "*" matches that (and no account's own parameter is under /aws/).
PUBLIC_PARAMETERS = "arn:{partition}:ssm:{region}:*:parameter/aws/service/*"
# Reads that return data rather than metadata (object and image contents, secret values, log
# events, decryption, connection tokens): never granted on every resource; the preview role is
# explicitly denied them all; no read wildcard that matches one is ever used. (A registry login,
# ecr:GetAuthorizationToken, is not among them: the token carries its holder's own ECR permissions,
# so it pulls nothing the holder may not — and a preview asks for one, as pulumi-docker's input.)
DATA_READS = ("s3:GetObject", "s3:GetObjectVersion", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
              "secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath",
              "logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults",
              "kms:Decrypt", "dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "sqs:ReceiveMessage",
              "lambda:GetFunction", "ec2:GetPasswordData", "ec2:GetConsoleOutput", "ec2:GetLaunchTemplateData",
              "codebuild:BatchGetBuilds", "codeconnections:GetConnectionToken")
# The read verbs a wildcard may stand for, when every action it matches is a metadata read (IAM's
# Get* return policies and settings, never data).
WILDCARD_VERBS = ("Describe", "List")
SERVICE_WILDCARD_VERBS = {"iam": ("Get",), "kms": ("Get",)}
# The resource types the permissions boundary confines writes to the stack's own instances of
# (shared/boundary.py): for each, every write AWS's IAM data knows on that type, as compact
# service:Verb* wildcards that match nothing else.
SCOPED_WRITES = {
    "ecr:repository": ("ecr", ("repository",)),
    "eks:cluster": ("eks", ("cluster", "nodegroup", "addon", "access-entry", "podidentityassociation")),
    "logs:log-group": ("logs", ("log-group",)),
    "codebuild:project": ("codebuild", ("project",)),
    "codeconnections:connection": ("codeconnections", ("connection",)),
    "kms:key": ("kms", ("key",)),
}


# Functions a walk reaches that the source read for this catalog lacks, each checked by reading the
# stored newer version (the notes under /work/scratch were the transcription's; the reasons are here):
# the actions they call are listed anyway, so the catalog misses nothing.
ACCEPTED_GAPS = {
    "internal/service/route53:listRecords": "used only when TF_AWS_ROUTE53_RECORD_BATCH_READS is set; it calls "
                                            "ListResourceRecordSets, already in aws_route53_record's read",
    "internal/service/ec2:FindNetworkInterfacesByAttachmentInstanceOwnerIDAndDescription":
        "elbv2/load_balancer.go:resourceLoadBalancerDelete only logs a failure of its network-interface waits "
        "(ec2:DescribeNetworkInterfaces): the delete succeeds without them",
    "internal/service/ec2:FindIPAMPoolAllocationsByIPAMPoolIDAndResourceID":
        "called by the same logged-only wait, and only for a load balancer with ipam_pools (this program's has none)",
    "internal/service/ec2:waitVPCAttributeUpdated": "polls DescribeVpcAttribute, already in aws_vpc's create and "
                                                    "update (status.go: statusVPCAttributeValue)",
}


@dataclass(frozen=True)
class Unmanaged:
    """Types the plan holds that are not AWS's: Pulumi's own, the program's components, Kubernetes."""

    prefixes: tuple[str, ...] = field(default=("pulumi:", "containerplatform:", "kubernetes:"))


UNMANAGED = Unmanaged()
