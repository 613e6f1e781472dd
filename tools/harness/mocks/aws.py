"""Mocks of the AWS provider: IDs and ARNs as AWS forms them, in the resource's account and region."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from tools import tokens as t

from .registry import Where, answers, answers_call, answers_prefix

_EC2_ID_PREFIXES = {
    t.VPC: "vpc", t.SUBNET: "subnet", t.SECURITY_GROUP: "sg", t.ROUTE_TABLE: "rtb", t.INTERNET_GATEWAY: "igw",
    t.NAT: "nat", t.EIP: "eipalloc", t.ENDPOINT: "vpce", t.FLOW_LOG: "fl", t.ROUTE: "r",
    t.ROUTE_TABLE_ASSOCIATION: "rtbassoc", t.DEFAULT_SECURITY_GROUP: "sg", t.INGRESS_RULE: "sgr",
    t.EGRESS_RULE: "sgr", t.LAUNCH_TEMPLATE: "lt",
}


def _stable_uuid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


@answers(t.REPOSITORY)
def repository(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    repo = inputs.get("name") or name
    return repo, {**inputs, "name": repo, "arn": f"arn:{w.partition}:ecr:{w.region}:{w.account}:repository/{repo}",
                  "registryId": w.account, "repositoryUrl": f"{w.account}.dkr.ecr.{w.region}.{w.dns}/{repo}",
                  "region": w.region}


@answers_prefix(t.ECR_PREFIX)
def ecr_other(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    return f"{name}-{w.suffix(name)}", {**inputs, "registryId": w.account, "region": w.region}


@answers(t.KEY)
def kms_key(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    key_id = _stable_uuid(w.account, w.region, name)
    return key_id, {**inputs, "keyId": key_id, "arn": f"arn:{w.partition}:kms:{w.region}:{w.account}:key/{key_id}",
                    "region": w.region}


@answers(t.ROLE)
def role(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    suffix = w.suffix(name)
    role_name = inputs.get("name") or f"{name}-{suffix}"
    # As IAM answers: the ARN holds the role's path (default /).
    path = inputs.get("path") or "/"
    return role_name, {**inputs, "name": role_name, "path": path,
                       "arn": f"arn:{w.partition}:iam::{w.account}:role{path}{role_name}",
                       "uniqueId": f"AROA{suffix.upper()}"}


@answers(t.OIDC_PROVIDER)
def oidc_provider(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    host = str(inputs.get("url", "")).removeprefix("https://")
    arn = f"arn:{w.partition}:iam::{w.account}:oidc-provider/{host}"
    return arn, {**inputs, "arn": arn}


@answers(*_EC2_ID_PREFIXES)
def ec2(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    prefix = _EC2_ID_PREFIXES[typ]
    hexid = hashlib.sha1(f"{w.account}/{w.region}/{typ}/{name}".encode()).hexdigest()[:17]
    id_ = f"{prefix}-{hexid}"
    extra: dict[str, Any] = {"arn": f"arn:{w.partition}:ec2:{w.region}:{w.account}:{prefix}/{id_}"}
    if typ == t.VPC:
        extra["defaultSecurityGroupId"] = f"sg-{hexid}"
    if typ == t.LAUNCH_TEMPLATE:
        extra.update(latestVersion=1, defaultVersion=1)
    return id_, {**inputs, **extra, "region": w.region}


@answers(t.LOG_GROUP)
def log_group(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    group = inputs.get("name") or f"{name}-{w.suffix(name)}"
    return group, {**inputs, "name": group, "arn": f"arn:{w.partition}:logs:{w.region}:{w.account}:log-group:{group}"}


@answers_call(t.GET_CALLER_IDENTITY)
def caller_identity(args: Mapping[str, Any], w: Where) -> dict:
    return {"accountId": w.account, "arn": f"arn:{w.partition}:iam::{w.account}:user/preview",
            "userId": "AIDAPREVIEW", "id": w.account}


@answers_call(t.GET_REGION)
def region(args: Mapping[str, Any], w: Where) -> dict:
    return {"name": w.region, "region": w.region, "id": w.region, "endpoint": f"ec2.{w.region}.{w.dns}",
            "description": w.region}


@answers_call(t.GET_AUTHORIZATION_TOKEN)
def authorization_token(args: Mapping[str, Any], w: Where) -> dict:
    registry = args.get("registryId") or w.account
    return {"id": w.region, "userName": "AWS", "password": "offline-preview-token",
            "authorizationToken": "QVdTOm9mZmxpbmUtcHJldmlldy10b2tlbg==",
            "proxyEndpoint": f"https://{registry}.dkr.ecr.{w.region}.{w.dns}",
            "expiresAt": "2026-01-01T12:00:00Z", "registryId": registry}


@answers_call(t.GET_PARTITION)
def partition(args: Mapping[str, Any], w: Where) -> dict:
    return {"partition": w.partition, "dnsSuffix": w.dns, "id": w.partition,
            "reverseDnsPrefix": ".".join(reversed(w.dns.split(".")))}


@answers(t.CONNECTION)
def connection(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    arn = f"arn:{w.partition}:codeconnections:{w.region}:{w.account}:connection/{_stable_uuid(w.account, name)}"
    # A new connection is PENDING until someone approves it in the console.
    return arn, {**inputs, "arn": arn, "connectionStatus": "PENDING", "region": w.region}


@answers(t.CODEBUILD_PROJECT)
def codebuild_project(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    project = inputs.get("name") or f"{name}-{w.suffix(name)}"
    arn = f"arn:{w.partition}:codebuild:{w.region}:{w.account}:project/{project}"
    return arn, {**inputs, "name": project, "arn": arn, "region": w.region}


@answers(t.ACCESS_ENTRY)
def access_entry(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    cluster, principal = inputs.get("clusterName", ""), inputs.get("principalArn", "")
    arn = f"arn:{w.partition}:eks:{w.region}:{w.account}:access-entry/{cluster}/{_stable_uuid(principal)}"
    return f"{cluster}:{principal}", {**inputs, "accessEntryArn": arn, "region": w.region}


@answers(t.POLICY)
def managed_policy(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    policy = inputs.get("name") or f"{name}-{w.suffix(name)}"
    arn = f"arn:{w.partition}:iam::{w.account}:policy{inputs.get('path', '/')}{policy}"
    return arn, {**inputs, "name": policy, "arn": arn, "policyId": f"ANPA{w.suffix(name).upper()}"}


@answers_call(t.GET_ADDON_VERSION)
def addon_version(args: Mapping[str, Any], w: Where) -> dict:
    """EKS's default version of an add-on for a Kubernetes version (a stand-in value: offline,
    what matters is that it is fixed per Kubernetes version, not which build it names)."""
    addon, kubernetes = args.get("addonName"), args.get("kubernetesVersion")
    return {"id": f"{addon}-{kubernetes}", "addonName": addon, "kubernetesVersion": kubernetes,
            "version": f"v{kubernetes}-default-eksbuild.offline", "mostRecent": bool(args.get("mostRecent"))}


# The front door: load balancing, certificates, DNS, the access-log bucket, WAF.
# Route 53 hosted zone of each region's Application Load Balancers (the alias target's zone;
# Elastic Load Balancing endpoints and quotas, "Application Load Balancers" column).
ALB_HOSTED_ZONES = {"us-east-1": "Z35SXDOTRQ7X7K", "us-west-2": "Z1H1FL5HABSF5", "eu-central-1": "Z215JYRZR1TBD5",
                    "eu-west-1": "Z32O12XQLNTSW2", "eu-west-2": "ZHURV8PSTC4K8"}
# The ELB account that writes access logs in regions opened before August 2022 (ELB user guide,
# "Enable access logs"); the provider's aws_elb_service_account table has every region.
ELB_LOG_ACCOUNTS = {"us-east-1": "127311923021", "us-west-2": "797873946194", "eu-central-1": "054676820928",
                    "eu-west-1": "156460612806", "eu-west-2": "652711504416"}


def _hex(*parts: str, n: int = 16) -> str:
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:n]


def _auto_name(name: str, w: Where, limit: int) -> str:
    """Pulumi's auto-name (the logical name and seven random characters), within AWS's limit."""
    return f"{name[:limit - 8]}-{w.suffix(name)[:7]}"


@answers(t.LOAD_BALANCER)
def load_balancer(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    lb = inputs.get("name") or _auto_name(name, w, 32)
    arn = f"arn:{w.partition}:elasticloadbalancing:{w.region}:{w.account}:loadbalancer/app/{lb}/{_hex(w.account, lb)}"
    number = int(_hex(w.account, w.region, lb, n=8), 16) % 10**10
    dns = f"{'internal-' if inputs.get('internal') else ''}{lb}-{number}.{w.region}.elb.{w.dns}"
    return arn, {**inputs, "name": lb, "arn": arn, "arnSuffix": arn.split(":loadbalancer/", 1)[1], "dnsName": dns,
                 "zoneId": ALB_HOSTED_ZONES.get(w.region, "Z0000000000000"), "region": w.region}


@answers(t.TARGET_GROUP)
def target_group(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    tg = inputs.get("name") or _auto_name(name, w, 32)
    arn = f"arn:{w.partition}:elasticloadbalancing:{w.region}:{w.account}:targetgroup/{tg}/{_hex(w.account, tg)}"
    return arn, {**inputs, "name": tg, "arn": arn, "arnSuffix": arn.split(":", 5)[5], "region": w.region}


@answers(t.LISTENER)
def listener(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    lb_arn = str(inputs.get("loadBalancerArn", ""))
    arn = lb_arn.replace(":loadbalancer/", ":listener/") + f"/{_hex(lb_arn, str(inputs.get('port')))}"
    return arn, {**inputs, "arn": arn, "region": w.region}


@answers(t.CERTIFICATE)
def certificate(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    arn = f"arn:{w.partition}:acm:{w.region}:{w.account}:certificate/{_stable_uuid(w.account, w.region, name)}"
    domain = str(inputs.get("domainName", ""))
    token = _hex(domain, n=32)
    return arn, {**inputs, "arn": arn, "status": "PENDING_VALIDATION", "region": w.region,
                 "domainValidationOptions": [{"domainName": domain, "resourceRecordName": f"_{token}.{domain}.",
                                              "resourceRecordType": "CNAME",
                                              "resourceRecordValue": f"_{token[::-1]}.acm-validations.aws."}]}


@answers(t.CERTIFICATE_VALIDATION)
def certificate_validation(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    # Issued: the resource waits (up to 75 minutes by default) until ACM says so.
    return str(inputs.get("certificateArn", name)), {**inputs, "region": w.region}


@answers(t.DNS_RECORD)
def dns_record(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    record = str(inputs.get("name", name)).rstrip(".")
    return f"{inputs.get('zoneId')}_{record}_{inputs.get('type')}", {**inputs, "fqdn": record}


@answers(t.BUCKET)
def bucket(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    # As the provider names it: the given name, else the prefix and a unique suffix, else a unique name.
    bucket_name = inputs.get("bucket") or (f"{inputs['bucketPrefix']}{w.suffix(name)}" if inputs.get("bucketPrefix")
                                           else f"{name[:54]}-{w.suffix(name)}")
    return bucket_name, {**inputs, "bucket": bucket_name, "arn": f"arn:{w.partition}:s3:::{bucket_name}",
                         "bucketRegionalDomainName": f"{bucket_name}.s3.{w.region}.{w.dns}", "region": w.region}


@answers(t.WEB_ACL)
def web_acl(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    acl = inputs.get("name") or _auto_name(name, w, 128)
    acl_id = _stable_uuid(w.account, w.region, acl)
    return acl_id, {**inputs, "name": acl, "arn": f"arn:{w.partition}:wafv2:{w.region}:{w.account}:regional/webacl/"
                                                  f"{acl}/{acl_id}", "capacity": 1200, "region": w.region}


@answers_call(t.GET_ZONE)
def hosted_zone(args: Mapping[str, Any], w: Where) -> dict:
    """The stack's account holds the zone it names (a missing zone fails the run, as Route 53 would)."""
    zone = str(args.get("name", "")).rstrip(".")
    zone_id = "Z" + _hex(w.account, zone, str(bool(args.get("privateZone"))), n=20).upper()
    return {"id": zone_id, "zoneId": zone_id, "name": f"{zone}.", "privateZone": bool(args.get("privateZone")),
            "arn": f"arn:{w.partition}:route53:::hostedzone/{zone_id}", "resourceRecordSetCount": 2,
            "nameServers": [f"ns-1.awsdns-01.{tld}" for tld in ("org", "co.uk", "com", "net")]}


@answers_call(t.GET_ELB_SERVICE_ACCOUNT)
def elb_service_account(args: Mapping[str, Any], w: Where) -> dict:
    region = str(args.get("region") or w.region)
    if region not in ELB_LOG_ACCOUNTS:
        raise Exception(f"reading ELB Service Account: unsupported AWS Region ({region}) in the offline table")
    account = ELB_LOG_ACCOUNTS[region]
    return {"id": account, "arn": f"arn:{w.partition}:iam::{account}:root", "region": region}


# The ROOT creation templates destination registries already hold, by (account, region): what
# ``existing_template`` reads. By default a hardened one; tests put others here. A registry with
# none fails the read, as DescribeRepositoryCreationTemplates answers.
EXISTING_TEMPLATES: dict[tuple[str, str], dict[str, Any] | None] = {}
HARDENED_TEMPLATE = {"appliedFors": ["REPLICATION"], "imageTagMutability": "IMMUTABLE",
                     "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": ""}],
                     "lifecyclePolicy": '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged",'
                                        '"countType":"sinceImagePushed","countUnit":"days","countNumber":14},'
                                        '"action":{"type":"expire"}}]}'}


@answers_call(t.GET_CREATION_TEMPLATE)
def creation_template(args: Mapping[str, Any], w: Where) -> dict:
    prefix = str(args.get("prefix"))
    found = EXISTING_TEMPLATES.get((w.account, w.region), HARDENED_TEMPLATE)
    if found is None:
        raise Exception(f"reading ECR Repository Creation Template ({prefix}): couldn't find resource")
    return {"id": prefix, "prefix": prefix, "registryId": w.account, "region": w.region, "description": "",
            "customRoleArn": "", "imageTagMutabilityExclusionFilters": [], "resourceTags": {}, **found}
