"""What each CI job asks of IAM, request by request: for a plan, the IAM requests that the
provider calls of each planned resource and provider function make, with the resource ARN and
request context AWS would see. The catalog (``components/shared/catalog.py``) says which actions
each operation calls; AWS's IAM data (the ARN format of each action's resource type, the condition
keys it takes) says how each is authorised. Test support, not a test."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from components.shared import catalog
from components.shared.scope import PlatformScope
from tools.catalog.actions import record, resource_types
from tools.harness import Plan, PlannedResource
from tools.iam_sim import Request

GLOBAL_REGION = "us-east-1"  # where IAM, STS and Route 53 requests are signed
# The AWS-managed ECR key (a registry encrypted with KMS but no key of its own), and its policy as AWS
# writes it for every aws/<service> key: the account's principals, through the service only.
MANAGED_ECR_KEY = "arn:aws:kms:{region}:{account}:key/0000aaaa-0000-aaaa-0000-aaaaaaaaaaaa"


def managed_key_policy(account: str, region: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "ThroughEcrForTheAccount", "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant",
                   "kms:DescribeKey", "kms:RetireGrant"], "Resource": "*",
        "Condition": {"StringEquals": {"kms:CallerAccount": account, "kms:ViaService": f"ecr.{region}.amazonaws.com"}}}]}


def key_policies(plan: Plan, account: str, region: str) -> dict[str, dict]:
    """Every key a request may be about, by ARN: the stack's own, with their planned policies, and
    the AWS-managed ECR key."""
    import json

    found = {str(k.outputs["arn"]): json.loads(k.inputs["policy"]) for k in plan.by_type("aws:kms/key:Key")
             if isinstance(k.inputs.get("policy"), str)}
    found[MANAGED_ECR_KEY.format(region=region, account=account)] = managed_key_policy(account, region)
    return found


def _key(res: PlannedResource | None, plan: Plan, account: str, region: str) -> str:
    """The key a request is about: the resource's own, the one its inputs name, else AWS's ECR key."""
    if res is not None:
        if res.type == "aws:kms/key:Key":
            return str(res.outputs["arn"])
        import json

        found = re.search(r"arn:aws[\w-]*:kms:[\w-]+:\d{12}:key/[\w-]+", json.dumps(res.inputs))
        if found:
            return found.group(0)
    return MANAGED_ECR_KEY.format(region=region, account=account)
# Types an administrator applies (the CI roles, their policies, the boundary, GitHub's provider):
# the deploy role may not change them (docs/delivery.md).
ADMIN_COMPONENTS = ("containerplatform:index:GithubActionsRoles", "containerplatform:index:PermissionsBoundary")


@dataclass(frozen=True)
class Job:
    """A CI job: the operations it runs on every planned resource."""

    name: str
    role: str  # deploy | preview
    operations: tuple[str, ...]


JOBS = (
    Job("pull-request preview / prod's approval preview", "preview", ("invoke",)),
    Job("drift (preview --refresh)", "preview", ("invoke", "read")),
    Job("up", "deploy", ("invoke", "create", "read", "update", "delete")),
)


def admin_managed(plan: Plan, res: PlannedResource) -> bool:
    chain, urn = [], res.urn
    by_urn = {r.urn: r for r in plan.resources}
    while urn in by_urn:
        chain.append(by_urn[urn].type)
        urn = by_urn[urn].parent or ""
    return any(t in ADMIN_COMPONENTS for t in chain)


def other_account(plan: Plan, res: PlannedResource, account: str) -> bool:
    """Declared through a provider of another account (a replication destination's side): its
    calls are made by the role assumed there, which that account's owner grants."""
    import json

    provider = res if res.type == "pulumi:providers:aws" else next(
        (r for r in plan.resources if r.urn == res.provider), None) if res.provider else None
    if provider is None:
        return False
    ids = (provider.inputs.get("allowedAccountIds") if provider is not None else None) or "[]"
    ids = json.loads(ids) if isinstance(ids, str) else ids
    return bool(ids) and account not in [str(i) for i in ids]


def _fill(template: str, values: Mapping[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda m: values.get(m.group(1), "example"), template)


def arn_for(action: str, res: PlannedResource | None, token: str, scope: PlatformScope, account: str,
            region: str, plan: Plan, origin: PlannedResource | None = None, args: Mapping | None = None) -> str:
    """The ARN AWS authorises ``action`` against when ``token``'s provider calls it for ``res``."""
    rec = record(action)
    assert rec is not None, action
    names = [r["name"] for r in rec["resourceTypes"]]
    if not names:
        return "*"
    service = action.split(":", 1)[0]
    own = (catalog.load()[token].iam_resource or "").split(":", 1)
    rtype = own[1] if own[0] == service and own[1] in names else next(
        (r["name"] for r in rec["resourceTypes"] if r["required"]), names[0])
    known = {k.lower(): v for k, v in resource_types(service).items()}
    template = known[rtype.lower()]["arn"]
    inputs = res.inputs if res is not None else {}
    outputs = res.outputs if res is not None else {}
    if service == "kms" and rtype == "key":
        return _key(res or origin, plan, account, region)
    if service == "ssm" and rtype == "parameter":
        name = str((args or {}).get("name", "/example"))
        # AWS's public parameters have no account in their ARN ("arn:aws:ssm:R::parameter/aws/..."), which
        # iam-simulate cannot parse: "aws" stands in for it (policies match it with "*", as they match "").
        owner = "aws" if name.startswith("/aws/") else account
        return f"arn:{scope.partition}:ssm:{region}:{owner}:parameter{name}"
    values = {"Partition": scope.partition, "Region": region, "Account": account,
              "RepositoryName": _repository(inputs, scope), "ClusterName": scope.cluster or "example",
              "ProjectName": scope.runner_project or "example",
              "LogGroupName": inputs.get("name") if token == "aws:cloudwatch/logGroup:LogGroup" else
              (scope.log_groups[0] if scope.log_groups else "example"),
              "BucketName": (outputs.get("bucket") if token == "aws:s3/bucket:Bucket" else None)
              or f"{scope.bucket_prefix or 'example-'}0000",
              "RoleNameWithPath": _role(inputs, outputs, token, scope),
              "OidcProviderName": f"oidc.eks.{scope.regions[0]}.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
              "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "ConnectionId": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
              "Id": "Z0EXAMPLE"}
    return _fill(template, values)


def _repository(inputs: Mapping, scope: PlatformScope) -> str:
    for key in ("name", "repository", "repositoryName"):
        if isinstance(inputs.get(key), str) and inputs[key] in scope.repositories:
            return str(inputs[key])
    image = str(inputs.get("imageName", ""))
    for name in scope.repositories:
        if f"/{name}:" in image:
            return name
    return scope.repositories[0] if scope.repositories else "example"


def _role(inputs: Mapping, outputs: Mapping, token: str, scope: PlatformScope) -> str:
    if token == "aws:iam/role:Role" and outputs.get("arn"):
        return str(outputs["arn"]).split(":role/", 1)[1]
    return f"{scope.path.strip('/')}/a-role-of-the-stack"


def context_for(action: str, token: str, res: PlannedResource | None, scope: PlatformScope, account: str,
                region: str, operation: str, boundary_arn: str) -> list[dict]:
    """The request contexts AWS builds for this call (several when it depends on the use)."""
    service = action.split(":", 1)[0]
    base: dict = {"aws:RequestedRegion": GLOBAL_REGION if service in ("iam", "sts", "route53") else region}
    tags = scope.tags
    for key, value in tags.items():
        base[f"aws:ResourceTag/{key}"] = value
        if operation == "create":
            base[f"aws:RequestTag/{key}"] = value
    if operation == "create":
        base["aws:TagKeys"] = sorted(tags)
    if action in ("iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
                  "iam:PutRolePolicy", "iam:DeleteRolePolicy"):
        base["iam:PermissionsBoundary"] = boundary_arn
    if action == "ec2:CreateTags":
        creates = [a for a in catalog.load()[token].actions("create") if a.startswith("ec2:Create")
                   or a in ("ec2:AllocateAddress", "ec2:RunInstances")]
        return [{**base, "ec2:CreateAction": a.split(":", 1)[1]} for a in creates or ["ec2:CreateTags"]]
    if service == "kms":
        base["kms:CallerAccount"] = account
        # A KMS call an ECR or EKS operation needs is made by that service on the caller's behalf.
        via = "eks" if token.startswith(("aws:eks/", "eks:")) else "ecr" if token.startswith("aws:ecr/") else None
        if via is not None:
            base["kms:ViaService"] = f"{via}.{region}.amazonaws.com"
    if action == "kms:CreateGrant":
        return [{**base, "kms:GrantIsForAWSResource": "true"}]
    if action in ("kms:CreateKey", "kms:PutKeyPolicy"):
        base["kms:BypassPolicyLockoutSafetyCheck"] = "false"
    if action == "iam:PassRole":
        return [{**base, "iam:PassedToService": s} for s in catalog.load()[token].passed_to or scope.passed_to]
    if action == "iam:CreateServiceLinkedRole":
        return [{**base, "iam:AWSServiceName": s} for s in catalog.load()[token].service_linked]
    if action == "route53:ChangeResourceRecordSets":
        name = str((res.inputs if res else {}).get("name", "")).lower().rstrip(".")
        names = [name] if name else scope.record_patterns()[:1]
        return [{**base, "route53:ChangeResourceRecordSetsNormalizedRecordNames": [n.replace("*", "abc")
                                                                                  for n in names]}]
    return [base]


def _slr(action: str, arn: str, context: Mapping, account: str) -> str:
    """A service-linked role is created at its own path: aws-service-role/SERVICE/."""
    if action != "iam:CreateServiceLinkedRole":
        return arn
    return f"arn:aws:iam::{account}:role/aws-service-role/{context['iam:AWSServiceName']}/AWSServiceRoleFor"


def requests(plan: Plan, scope: PlatformScope, account: str, job: Job, boundary_arn: str
             ) -> Iterator[tuple[Request, str]]:
    """Every request ``job`` makes for ``plan``, with what it is for."""
    principal = f"arn:aws:sts::{account}:assumed-role/ci-{job.role}/session"
    providers = {r.urn: r for r in plan.resources if r.type == "pulumi:providers:aws"}
    if "invoke" in job.operations:
        for invoke in plan.invokes:
            if invoke.token not in catalog.load():
                continue
            if invoke.provider in providers and other_account(plan, providers[invoke.provider], account):
                continue
            region = str(invoke.args.get("region") or scope.regions[0])
            for action in catalog.load()[invoke.token].actions("invoke"):
                arn = arn_for(action, None, invoke.token, scope, account, region, plan, args=invoke.args)
                for ctx in context_for(action, invoke.token, None, scope, account, region, "invoke", boundary_arn):
                    yield Request(action, _slr(action, arn, ctx, account), ctx, principal), f"{invoke.token} ({job.name})"
    for res in plan.resources:
        if not res.custom and not res.remote:
            continue
        if (job.role == "deploy" and admin_managed(plan, res)) or other_account(plan, res, account):
            continue
        region = str(res.inputs.get("region") or scope.regions[0])
        for record_ in catalog.expand([res.type]):
            for op in job.operations:
                if op == "invoke":
                    continue
                for action in record_.actions(op):
                    arn = arn_for(action, res if record_.token == res.type else None, record_.token, scope, account,
                                  region, plan, origin=res)
                    for ctx in context_for(action, record_.token, res, scope, account, region, op, boundary_arn):
                        yield (Request(action, _slr(action, arn, ctx, account), ctx, principal),
                               f"{record_.token} {op} of {res.name} ({job.name})")
