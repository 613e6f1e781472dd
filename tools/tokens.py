"""The resource type tokens the offline tools share: the mock harness, the Terraform-plan export
and the cost estimate each key a table by these, so a token is spelled once here.

Every AWS and pulumi-eks type here is one of the catalog's (``components/shared/catalog.json``, the
types the program can plan) and a token the installed SDKs register; the policy pack keeps its own
copies (it runs in its own process, from its own directory). ``tests/catalog/test_catalog.py`` pins
both.
"""

from __future__ import annotations

# Pulumi's own.
STACK = "pulumi:pulumi:Stack"
AWS_PROVIDER = "pulumi:providers:aws"
K8S_PROVIDER = "pulumi:providers:kubernetes"

# ECR.
REPOSITORY = "aws:ecr/repository:Repository"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
CACHE_RULE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
ECR_PREFIX = "aws:ecr/"

# Keys, identities, secrets, logs.
KEY = "aws:kms/key:Key"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
POLICY = "aws:iam/policy:Policy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
OIDC_PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"

# Network.
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"

# EKS: pulumi-eks's remote components and the children its plugin creates.
CLUSTER = "eks:index:Cluster"
NODE_GROUP = "eks:index:ManagedNodeGroup"
AWS_CLUSTER = "aws:eks/cluster:Cluster"
AWS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
REMOTE_COMPONENTS = (CLUSTER, NODE_GROUP)

# EKS access, and the CI runners.
ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
ACCESS_POLICY_ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
CODEBUILD_PROJECT = "aws:codebuild/project:Project"
CODEBUILD_WEBHOOK = "aws:codebuild/webhook:Webhook"
CONNECTION = "aws:codeconnections/connection:Connection"

# The workload's front door.
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
ASG_ATTACHMENT = "aws:autoscaling/attachment:Attachment"
CERTIFICATE = "aws:acm/certificate:Certificate"
CERTIFICATE_VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
DNS_RECORD = "aws:route53/record:Record"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
BUCKET_ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
BUCKET_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
BUCKET_LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"

# The workload.
IMAGE = "docker:index/image:Image"
KUBERNETES_PREFIX = "kubernetes:"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
VALIDATING_ADMISSION_POLICY = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy"
VALIDATING_ADMISSION_POLICY_BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding"

# Python dynamic resources: every type of the package pulumi-python is served by the SDK's dynamic
# provider (python -m pulumi.dynamic), which unpickles the provider from the "__provider" input.
DYNAMIC_PREFIX = "pulumi-python:dynamic"
SCAN_GATE = "pulumi-python:dynamic:ScanFindingsGate"

# Invokes the program makes.
GET_CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"
GET_REGION = "aws:index/getRegion:getRegion"
GET_PARTITION = "aws:index/getPartition:getPartition"
GET_AUTHORIZATION_TOKEN = "aws:ecr/getAuthorizationToken:getAuthorizationToken"
GET_IMAGES = "aws:ecr/getImages:getImages"
GET_REPOSITORIES = "aws:ecr/getRepositories:getRepositories"
GET_ADDON_VERSION = "aws:eks/getAddonVersion:getAddonVersion"
GET_ZONE = "aws:route53/getZone:getZone"
GET_CREATION_TEMPLATE = "aws:ecr/getRepositoryCreationTemplate:getRepositoryCreationTemplate"
GET_ELB_SERVICE_ACCOUNT = "aws:elb/getServiceAccount:getServiceAccount"
ADDON = "aws:eks/addon:Addon"
GET_CLUSTERS = "aws:eks/getClusters:getClusters"
GET_CLUSTER = "aws:eks/getCluster:getCluster"
GET_NODE_GROUPS = "aws:eks/getNodeGroups:getNodeGroups"
GET_NODE_GROUP = "aws:eks/getNodeGroup:getNodeGroup"
GET_PARAMETER = "aws:ssm/getParameter:getParameter"
GET_CONNECTION = "aws:codestarconnections/getConnection:getConnection"
