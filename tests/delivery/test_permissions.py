"""The CI roles, evaluated as AWS evaluates them (``@cloud-copilot/iam-simulate``, through
``tools/iam_sim.py``), with the policies exactly as each shipped stack renders them:

* **sufficient** — every request every CI job makes (the provider calls of every planned resource
  and provider function, from the catalog) is allowed to the role that runs it, under its boundary;
* **inescapable** — every escalation path of the IAM audit (2026-12-07), and variants, is denied;
* **trust** — only the intended workflow runs get each role (GitHub's ``sub``/``aud`` claims, which
  iam-simulate does not evaluate, with ``tools/iam_eval.py``, itself held to iam-simulate in
  ``tests/tools/test_iam_eval.py``).
"""

from __future__ import annotations

import json

import pytest

from components.shared import catalog
from stack_config import ConfigError, parse
from tests.conftest import PROJECT, raw_config
from tests.delivery.iam_requests import JOBS, admin_managed, arn_for, context_for, key_policies, requests
from tools.harness import ROOT, load_stack, run_program
from tools.iam_eval import allowed
from tools.iam_sim import Principal, Request, decide

REPO = "example-org/container-platform"
ISSUER = "token.actions.githubusercontent.com"
ROLE_POLICY, POLICY, ROLE = "aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", "aws:iam/role:Role"


class Stack:
    """A shipped stack (or example) with delivery: its plan, scope, account and CI roles."""

    def __init__(self, name: str, path=None) -> None:
        settings = load_stack(name, path)
        self.name = name
        self.plan = run_program(settings)
        self.config = parse(settings.config, project=PROJECT, stack=name, secret_keys=settings.secret_keys)
        self.scope = self.config.boundary.scope
        self.account = self.config.placement.account or "111122223333"
        policies = {r.name: r.inputs["policy"] for r in self.plan.by_type(ROLE_POLICY)}
        self.boundary = json.loads(self.plan.one(POLICY, "boundary-policy").inputs["policy"])
        self.boundary_arn = self.scope.boundary_arn(self.account)
        self.deploy_arn = f"arn:aws:sts::{self.account}:assumed-role/ci-deploy/session"
        # KMS also asks the key's own policy: the planned keys' policies, and AWS's ECR key.
        self.key_policies = key_policies(self.plan, self.account, self.scope.regions[0])
        deploy_policies = [json.loads(r.inputs["policy"]) for r in self.plan.by_type(POLICY)
                           if r.name.startswith("github-deploy-platform-")]
        assert deploy_policies, "the deploy role's managed policies"
        self.roles = {
            "deploy": Principal(self.deploy_arn, deploy_policies, self.boundary),
            "preview": Principal(f"arn:aws:sts::{self.account}:assumed-role/ci-preview/session",
                                 [json.loads(policies["github-preview-metadata"])], self.boundary),
        }

    def decide(self, role: str, *reqs: Request, **kwargs) -> list[str]:
        """As AWS decides: a KMS request also needs the key's own policy to allow it, so requests on a
        key are evaluated with the planned key policy (the stack's keys all delegate to IAM)."""
        principal = self.roles[role]
        policies = {**self.key_policies, **kwargs.pop("resource_policies", {})}
        return decide(principal, [Request(r.action, r.resource, r.context, principal.arn) for r in reqs],
                      resource_policies=policies, **kwargs)

    def allows(self, role: str, action: str, resource: str = "*", **context) -> bool:
        return self.allows_with({}, role, action, resource, **context)

    def allows_with(self, resource_policies: dict, role: str, action: str, resource: str = "*", **context) -> bool:
        ctx = {"aws:RequestedRegion": self.scope.regions[0], **context}
        return self.decide(role, Request(action, resource, ctx), resource_policies=resource_policies)[0] == "Allowed"


def _with_delivery():
    yield "dev", None
    yield "prod", None
    for path in sorted(ROOT.glob("examples/Pulumi.*.yaml")):
        if "delivery:" in path.read_text():
            yield path.name[len("Pulumi."):-len(".yaml")], path


STACKS = list(_with_delivery())


@pytest.fixture(scope="module")
def stacks():
    cache: dict[str, Stack] = {}

    def get(name: str) -> Stack:
        if name not in cache:
            path = dict(STACKS)[name]
            cache[name] = Stack(name, path)
        return cache[name]

    return get


@pytest.fixture(scope="module")
def prod(stacks):
    return stacks("prod")


# ------------------------------------------------------------------------------ sufficient

@pytest.mark.parametrize("name", [n for n, _ in STACKS])
@pytest.mark.parametrize("job", JOBS, ids=lambda j: j.name.split(" ")[0])
def test_every_request_of_every_ci_job_is_allowed_to_the_role_that_runs_it(stacks, name, job):
    stack = stacks(name)
    pairs = list(requests(stack.plan, stack.scope, stack.account, job, stack.boundary_arn))
    assert pairs, "a job with nothing to ask would prove nothing"
    decisions = stack.decide(job.role, *(r for r, _ in pairs))
    denied = sorted({f"{r.action} on {r.resource} {dict(r.context)}: {d} — {why}"
                     for (r, why), d in zip(pairs, decisions, strict=True) if d != "Allowed"})
    assert not denied, "\n".join(denied[:40])


# The audit's missing actions, each by the provider function that calls it: (type, operation, action,
# roles). Each failed for real: the roles lacked the action.
AUDIT_GAPS = [
    ("aws:ecr/getImages:getImages", "invoke", "ecr:ListImages", ("deploy", "preview")),
    ("aws:route53/getZone:getZone", "invoke", "route53:ListTagsForResource", ("deploy", "preview")),
    ("aws:ec2/eip:Eip", "read", "ec2:DescribeAddressesAttribute", ("deploy", "preview")),
    ("aws:ec2/vpcEndpoint:VpcEndpoint", "read", "ec2:DescribePrefixLists", ("deploy", "preview")),
    ("aws:ec2/vpcEndpoint:VpcEndpoint", "read", "ec2:DescribeNetworkInterfaces", ("deploy", "preview")),
    ("aws:ec2/subnet:Subnet", "delete", "ec2:DescribeNetworkInterfaces", ("deploy",)),
    ("aws:ec2/securityGroup:SecurityGroup", "delete", "ec2:DescribeNetworkInterfaces", ("deploy",)),
    ("aws:eks/cluster:Cluster", "update", "eks:DescribeUpdate", ("deploy",)),
    ("aws:eks/nodeGroup:NodeGroup", "update", "eks:DescribeUpdate", ("deploy",)),
    ("aws:eks/addon:Addon", "update", "eks:DescribeUpdate", ("deploy",)),
    ("aws:eks/cluster:Cluster", "create", "kms:CreateGrant", ("deploy",)),
    ("aws:ecr/repository:Repository", "create", "kms:CreateGrant", ("deploy",)),
    ("aws:eks/nodeGroup:NodeGroup", "create", "ec2:RunInstances", ("deploy",)),
    ("aws:eks/nodeGroup:NodeGroup", "create", "ec2:CreateTags", ("deploy",)),
    ("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "create", "iam:CreateServiceLinkedRole", ("deploy",)),
    ("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "read", "iam:GetOpenIDConnectProvider",
     ("deploy", "preview")),
    ("aws:iam/role:Role", "delete", "iam:RemoveRoleFromInstanceProfile", ("deploy",)),
    ("aws:cloudwatch/logGroup:LogGroup", "update", "logs:DeleteRetentionPolicy", ("deploy",)),
]


@pytest.mark.parametrize("token, operation, action, roles", AUDIT_GAPS, ids=lambda v: str(v))
def test_each_action_the_audit_found_missing_is_in_the_catalog_and_allowed(prod, token, operation, action, roles):
    assert action in catalog.load()[token].operations.get(operation, {}), (
        f"the providers' source says {token} {operation} calls {action}")
    source = catalog.load()[token].operations[operation][action]
    assert source.startswith(("internal/", "https://")), source
    for role in roles:
        if role == "preview" and operation != "invoke" and operation != "read":
            continue
        pairs = [(r, why) for job in JOBS if job.role == role
                 for r, why in requests(prod.plan, prod.scope, prod.account, job, prod.boundary_arn)
                 if r.action == action and why.startswith(f"{token} {operation} ")
                 or (operation == "invoke" and r.action == action and why.startswith(f"{token} ("))]
        if not pairs:  # not in prod's plan (ListImages: once the image is in ECR): as the provider asks it
            region = prod.scope.regions[0]
            arn = arn_for(action, None, token, prod.scope, prod.account, region, prod.plan)
            pairs = [(Request(action, arn, ctx), "synthesised") for ctx in context_for(
                action, token, None, prod.scope, prod.account, region, operation, prod.boundary_arn)]
        decisions = prod.decide(role, *(r for r, _ in pairs))
        assert set(decisions) == {"Allowed"}, (role, action, decisions)


def test_the_admin_managed_resources_are_the_delivery_roles_their_policies_and_the_boundary(prod):
    managed = sorted(r.name for r in prod.plan.resources if r.custom and admin_managed(prod.plan, r))
    assert managed == ["boundary-policy", "github-deploy", *sorted(
        f"github-deploy-platform-{i}" for i in range(len(prod.roles["deploy"].identity)) for _ in range(2)),
        "github-oidc", "github-preview", "github-preview-metadata"]


# ------------------------------------------------------------------------------ inescapable

def _role(stack: Stack, name: str) -> str:
    return f"arn:aws:iam::{stack.account}:role/{name}"


def test_the_deploy_role_cannot_rewrite_any_role_outside_the_stacks_path(prod):
    """E1: trust rewrites, deletes and policy changes of the account's other roles."""
    for name in ("platform-bootstrap", "OrganizationAccountAccessRole", prod.scope.delivery_roles[0],
                 prod.scope.delivery_roles[1], "container-platform/dev/nodes-role", "container-platform/prod2/x"):
        arn = _role(prod, name)
        for action in ("iam:UpdateAssumeRolePolicy", "iam:DeleteRole", "iam:UpdateRole", "iam:TagRole"):
            assert not prod.allows("deploy", action, arn, **{"aws:RequestedRegion": "us-east-1"}), (action, name)
        for action in ("iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"):
            assert not prod.allows("deploy", action, arn, **{"aws:RequestedRegion": "us-east-1",
                                                              "iam:PermissionsBoundary": prod.boundary_arn})
    own = _role(prod, f"{prod.scope.path.strip('/')}/nodes-role")
    assert prod.allows("deploy", "iam:UpdateAssumeRolePolicy", own, **{"aws:RequestedRegion": "us-east-1"})


def test_the_deploy_role_cannot_mint_a_role_outside_the_boundary(prod):
    """E2: a look-alike boundary (a policy path with ':'), none, or one at the root path; no policy creation."""
    own = _role(prod, f"{prod.scope.path.strip('/')}/minted")
    g = {"aws:RequestedRegion": "us-east-1"}
    lookalike = f"arn:aws:iam::{prod.account}:policy/x:policy/{prod.scope.boundary_name}"
    assert not prod.allows("deploy", "iam:CreateRole", own, **g, **{"iam:PermissionsBoundary": lookalike})
    assert not prod.allows("deploy", "iam:CreateRole", own, **g)
    assert not prod.allows("deploy", "iam:CreateRole", _role(prod, "minted"),
                           **g, **{"iam:PermissionsBoundary": prod.boundary_arn})
    assert not prod.allows("deploy", "iam:PutRolePermissionsBoundary", own, **g,
                           **{"iam:PermissionsBoundary": lookalike})
    assert not prod.allows("deploy", "iam:DeleteRolePermissionsBoundary", own, **g)
    for action in ("iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"):
        assert not prod.allows("deploy", action, f"arn:aws:iam::{prod.account}:policy/x:policy/"
                               f"{prod.scope.boundary_name}", **g)
        assert not prod.allows("deploy", action, prod.boundary_arn, **g)
    assert prod.allows("deploy", "iam:CreateRole", own, **g, **{"iam:PermissionsBoundary": prod.boundary_arn})


def test_a_role_the_deploy_role_mints_with_any_policy_stays_under_the_boundary(prod):
    """E2, second step: whatever identity policy a minted role gets, the boundary caps it."""
    minted = Principal(f"arn:aws:sts::{prod.account}:assumed-role/minted/s",
                       [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}],
                       prod.boundary)
    g, r = {"aws:RequestedRegion": "us-east-1"}, {"aws:RequestedRegion": prod.scope.regions[0]}
    lookalike = f"arn:aws:iam::{prod.account}:policy/x:policy/{prod.scope.boundary_name}"
    escapes = [
        Request("iam:CreatePolicy", lookalike, g),
        Request("iam:PutRolePermissionsBoundary", _role(prod, f"{prod.scope.path.strip('/')}/minted"),
                {**g, "iam:PermissionsBoundary": lookalike}),
        Request("iam:UpdateAssumeRolePolicy", _role(prod, "OrganizationAccountAccessRole"), g),
        Request("iam:CreateUser", f"arn:aws:iam::{prod.account}:user/x", g),
        Request("iam:CreateAccessKey", f"arn:aws:iam::{prod.account}:user/x", g),
        Request("iam:AttachGroupPolicy", f"arn:aws:iam::{prod.account}:group/admins", g),
        Request("iam:AddRoleToInstanceProfile", f"arn:aws:iam::{prod.account}:instance-profile/x", g),
        Request("sts:AssumeRole", _role(prod, "OrganizationAccountAccessRole"), g),
        Request("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:{prod.scope.regions[0]}:{prod.account}:"
                                                 "secret:db-AbCdEf", r),
        Request("kms:Decrypt", f"arn:aws:kms:{prod.scope.regions[0]}:{prod.account}:key/"
                               "1234abcd-12ab-34cd-56ef-1234567890ab", r),
        Request("s3:GetObject", "arn:aws:s3:::org-cloudtrail/AWSLogs/x", r),
        Request("organizations:LeaveOrganization", "*", g),
        Request("cloudtrail:StopLogging", f"arn:aws:cloudtrail:{prod.scope.regions[0]}:{prod.account}:trail/org", r),
    ]
    decisions = decide(minted, escapes)
    assert all(d != "Allowed" for d in decisions), [(e.action, d) for e, d in zip(escapes, decisions, strict=True)]


def test_the_deploy_role_passes_only_the_stacks_roles_only_to_the_platforms_services(prod):
    """E3: an arbitrary role to CodeBuild or EC2; the stack's roles to other services."""
    g = {"aws:RequestedRegion": "us-east-1"}
    own = _role(prod, f"{prod.scope.path.strip('/')}/runner-service")
    for service in ("codebuild.amazonaws.com", "ec2.amazonaws.com", "eks.amazonaws.com"):
        assert not prod.allows("deploy", "iam:PassRole", _role(prod, "admin"), **g, **{"iam:PassedToService": service})
    assert prod.allows("deploy", "iam:PassRole", own, **g, **{"iam:PassedToService": "codebuild.amazonaws.com"})
    for service in ("lambda.amazonaws.com", "cloudformation.amazonaws.com", "ecs-tasks.amazonaws.com"):
        assert not prod.allows("deploy", "iam:PassRole", own, **g, **{"iam:PassedToService": service})
    region, account = prod.scope.regions[0], prod.account
    assert not prod.allows("deploy", "codebuild:UpdateProject", f"arn:aws:codebuild:{region}:{account}:project/other")
    assert not prod.allows("deploy", "codebuild:CreateWebhook", f"arn:aws:codebuild:{region}:{account}:project/other")
    assert prod.allows("deploy", "codebuild:UpdateProject",
                       f"arn:aws:codebuild:{region}:{account}:project/{prod.scope.runner_project}")
    assert not prod.allows("deploy", "eks:CreateNodegroup", f"arn:aws:eks:{region}:{account}:cluster/other",
                           **{f"aws:RequestTag/{k}": v for k, v in prod.scope.tags.items()})


def test_the_deploy_role_writes_resource_policies_only_on_the_stacks_resources(prod):
    """E4: bucket, key and repository policies anywhere; registry settings outside the stack's regions."""
    region, account = prod.scope.regions[0], prod.account
    other_key = f"arn:aws:kms:{region}:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    own_key = str(prod.plan.by_type("aws:kms/key:Key")[0].outputs["arn"])
    policies = {other_key: next(iter(prod.key_policies.values()))}
    stack_tags = {f"aws:ResourceTag/{k}": v for k, v in prod.scope.tags.items()}
    for action in ("s3:PutBucketPolicy", "s3:PutLifecycleConfiguration", "s3:PutBucketPublicAccessBlock",
                   "s3:DeleteBucket"):
        assert not prod.allows("deploy", action, "arn:aws:s3:::org-cloudtrail"), action
        assert prod.allows("deploy", action, f"arn:aws:s3:::{prod.scope.bucket_prefix}0000"), action
    for action in ("kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey"):
        if action not in {a for t in catalog.load().values() for ops in t.operations.values() for a in ops}:
            assert not prod.allows("deploy", action, other_key, **stack_tags)
            continue
        kms = {"kms:BypassPolicyLockoutSafetyCheck": "false", "kms:CallerAccount": account}
        # Another key whose policy delegates to IAM as the stack's do: untagged, or another stack's.
        assert not prod.allows_with(policies, "deploy", action, other_key, **kms)
        assert not prod.allows_with(policies, "deploy", action, other_key, **kms, **{
            "aws:ResourceTag/PulumiProject": "container-platform", "aws:ResourceTag/PulumiStack": "dev"})
        assert prod.allows("deploy", action, own_key, **stack_tags, **kms), action
    lockout = {"kms:BypassPolicyLockoutSafetyCheck": "true", "kms:CallerAccount": account}
    assert not prod.allows("deploy", "kms:PutKeyPolicy", own_key, **stack_tags, **lockout)
    assert not prod.allows("deploy", "kms:CreateGrant", own_key, **stack_tags,
                           **{"kms:GrantIsForAWSResource": "false", "kms:CallerAccount": account})
    for action in ("ecr:SetRepositoryPolicy", "ecr:DeleteRepository", "ecr:PutLifecyclePolicy", "ecr:PutImage"):
        assert not prod.allows("deploy", action, f"arn:aws:ecr:{region}:{account}:repository/someone-elses"), action
        assert prod.allows("deploy", action, f"arn:aws:ecr:{region}:{account}:repository/{prod.scope.repositories[0]}")
    for action in ("ecr:PutRegistryPolicy", "ecr:PutReplicationConfiguration"):
        assert not prod.allows("deploy", action, **{"aws:RequestedRegion": "us-east-1"}), action
        assert prod.allows("deploy", action), action
    assert not prod.allows("deploy", "logs:DeleteLogGroup", f"arn:aws:logs:{region}:{account}:log-group:/org/audit")
    assert prod.allows("deploy", "logs:DeleteLogGroup",
                       f"arn:aws:logs:{region}:{account}:log-group:{prod.scope.log_groups[0]}")


def test_the_deploy_role_grants_access_to_the_stacks_cluster_only(prod):
    """E5: access entries and policy associations on other clusters; another cluster's endpoint."""
    region, account, c = prod.scope.regions[0], prod.account, prod.scope.cluster
    tags = {f"aws:RequestTag/{k}": v for k, v in prod.scope.tags.items()}
    assert not prod.allows("deploy", "eks:CreateAccessEntry", f"arn:aws:eks:{region}:{account}:cluster/other", **tags)
    assert not prod.allows("deploy", "eks:AssociateAccessPolicy",
                           f"arn:aws:eks:{region}:{account}:access-entry/other/role/{account}/x/1a2b")
    assert not prod.allows("deploy", "eks:UpdateClusterConfig", f"arn:aws:eks:{region}:{account}:cluster/other")
    assert prod.allows("deploy", "eks:CreateAccessEntry", f"arn:aws:eks:{region}:{account}:cluster/{c}", **tags)
    assert prod.allows("deploy", "eks:AssociateAccessPolicy",
                       f"arn:aws:eks:{region}:{account}:access-entry/{c}/role/{account}/x/1a2b")


def test_the_preview_role_assumes_only_the_destinations_read_only_role(prod):
    """E6: a pull request's preview must not hold the destination's registry administration."""
    g = {"aws:RequestedRegion": "us-east-1"}
    (admin,), (read,) = prod.scope.assume_roles, prod.scope.preview_assume_roles
    assert not prod.allows("preview", "sts:AssumeRole", admin, **g)
    assert prod.allows("preview", "sts:AssumeRole", read, **g)
    assert prod.allows("deploy", "sts:AssumeRole", admin, **g)


def test_the_deploy_role_registers_only_an_eks_issuer_as_identity_provider(prod):
    """E7: an attacker-run issuer whose host merely starts with oidc.eks."""
    g = {"aws:RequestedRegion": "us-east-1", **{f"aws:RequestTag/{k}": v for k, v in prod.scope.tags.items()}}
    base = f"arn:aws:iam::{prod.account}:oidc-provider/"
    for host in ("oidc.eks.attacker.example", "oidc.eks.eu-central-1.amazonaws.com.attacker.example/id/X",
                 "token.actions.githubusercontent.com", "oidc.eks.us-west-2.amazonaws.com/id/ABC"):
        assert not prod.allows("deploy", "iam:CreateOpenIDConnectProvider", base + host, **g), host
    assert prod.allows("deploy", "iam:CreateOpenIDConnectProvider",
                       base + f"oidc.eks.{prod.scope.regions[0]}.amazonaws.com/id/ABC", **g)


def test_the_deploy_role_writes_only_the_stacks_dns_names(prod):
    zone = "arn:aws:route53:::hostedzone/Z0EXAMPLE"
    key = "route53:ChangeResourceRecordSetsNormalizedRecordNames"
    g = {"aws:RequestedRegion": "us-east-1"}
    name = prod.scope.record_names[0]
    assert prod.allows("deploy", "route53:ChangeResourceRecordSets", zone, **g, **{key: [name]})
    assert prod.allows("deploy", "route53:ChangeResourceRecordSets", zone, **g, **{key: [f"_0a1b2c.{name}"]})
    for other in (["www.example.com"], ["example.com"], [name, "mail.example.com"]):
        assert not prod.allows("deploy", "route53:ChangeResourceRecordSets", zone, **g, **{key: other}), other


def test_the_preview_role_changes_nothing_and_reads_no_data(prod):
    writes = sorted({a for t in catalog.load().values() for ops in t.operations.values() for a in ops
                     if not catalog.is_read(a)})
    region = prod.scope.regions[0]
    reqs = [Request(a, "*", {"aws:RequestedRegion": region}) for a in writes]
    reqs += [Request(a, "*", {"aws:RequestedRegion": region}) for a in catalog.data_reads() if not a.startswith("ssm:")]
    # The account's own parameters (AWS's public ones, /aws/service/..., are metadata the preview reads).
    reqs += [Request(a, f"arn:aws:ssm:{region}:{prod.account}:parameter/app/db-password", {"aws:RequestedRegion": region})
             for a in catalog.data_reads() if a.startswith("ssm:")]
    decisions = prod.decide("preview", *reqs)
    assert all(d != "Allowed" for d in decisions), [r.action for r, d in zip(reqs, decisions, strict=True)
                                                    if d == "Allowed"]


def test_the_ci_policies_fit_in_aws_size_limits(stacks):
    """IAM: a role's inline policies 10,240 characters in all, a managed policy 6,144 (whitespace not counted)."""
    for name, _ in STACKS:
        stack = stacks(name)
        by_role: dict[str, int] = {}
        for res in stack.plan.by_type(ROLE_POLICY):
            size = len(json.dumps(json.loads(res.inputs["policy"]), separators=(",", ":")))
            by_role[res.inputs["role"]] = by_role.get(res.inputs["role"], 0) + size
        assert max(by_role.values()) <= 10_240, (name, by_role)
        for document in (stack.boundary, *stack.roles["deploy"].identity):
            assert len(json.dumps(document, separators=(",", ":"))) <= 6_144, name
        assert len(stack.roles["deploy"].identity) <= 10, "IAM attaches at most 10 managed policies to a role"


def test_every_role_in_the_stacks_account_carries_the_boundary_and_the_stacks_path(prod):
    boundary = prod.plan.one(POLICY, "boundary-policy").urn
    for res in prod.plan.by_type(ROLE):
        if res.provider is not None and "replication" in res.provider:
            continue  # a destination account's role, declared through its own provider
        assert res.inputs.get("permissionsBoundary") == prod.plan.one(POLICY, "boundary-policy").outputs["arn"] \
            or boundary in res.dependencies, res.name
        expected = "/" if admin_managed(prod.plan, res) else prod.scope.path
        assert res.inputs.get("path") == expected, (res.name, res.inputs.get("path"))


# ------------------------------------------------------------------------------ trust

def trusted(policy: str, sub: str, aud: str = "sts.amazonaws.com", provider: str | None = None) -> bool:
    statement = json.loads(policy)["Statement"]
    federated = provider or statement[0]["Principal"]["Federated"]
    return allowed("sts:AssumeRoleWithWebIdentity", "*", {f"{ISSUER}:sub": sub, f"{ISSUER}:aud": aud},
                   identity=[{"Statement": statement}], principal={"Federated": federated})


DEPLOY_OK = (f"repo:{REPO}:environment:prod:job_workflow_ref:{REPO}/.github/workflows/deploy.yml@refs/heads/main")


def _roles(stack: Stack) -> dict:
    return {r.name: r for r in stack.plan.by_type(ROLE)}


def test_the_deploy_role_trusts_the_deploy_workflow_on_main_in_its_environment_only(prod):
    policy = _roles(prod)["github-deploy"].inputs["assumeRolePolicy"]
    assert trusted(policy, DEPLOY_OK)
    spoofed = {
        "another repository": DEPLOY_OK.replace(REPO, "other-org/container-platform"),
        "a fork": DEPLOY_OK.replace(f"repo:{REPO}", "repo:fork-owner/container-platform"),
        "another workflow": DEPLOY_OK.replace("deploy.yml@", "pull-request.yml@"),
        "a workflow pushed on a branch": DEPLOY_OK.replace("@refs/heads/main", "@refs/heads/feature"),
        "another environment": DEPLOY_OK.replace("environment:prod", "environment:dev"),
        "a pull request": f"repo:{REPO}:pull_request:job_workflow_ref:{REPO}/.github/workflows/deploy.yml@refs/pull/1/merge",
        "the default subject": f"repo:{REPO}:environment:prod",
        "a prefix": DEPLOY_OK + "x",
    }
    for what, sub in spoofed.items():
        assert not trusted(policy, sub), what
    assert not trusted(policy, DEPLOY_OK, aud="https://github.com/other")
    # The same claims from another identity provider of the account are not GitHub's.
    other = f"arn:aws:iam::{prod.account}:oidc-provider/gitlab.example.com"
    assert not trusted(policy, DEPLOY_OK, provider=other)


def test_the_preview_role_trusts_this_repositorys_pull_requests_and_main_runs(prod):
    policy = _roles(prod)["github-preview"].inputs["assumeRolePolicy"]
    pr = f"repo:{REPO}:pull_request:job_workflow_ref:{REPO}/.github/workflows/pull-request.yml@refs/pull/42/merge"
    drift = f"repo:{REPO}:ref:refs/heads/main:job_workflow_ref:{REPO}/.github/workflows/drift.yml@refs/heads/main"
    assert trusted(policy, pr) and trusted(policy, drift)
    for sub in (pr.replace(f"repo:{REPO}", "repo:fork-owner/container-platform"),
                pr.replace("pull-request.yml", "evil.yml"), drift.replace("refs/heads/main:", "refs/heads/dev:"),
                drift.replace("@refs/heads/main", "@refs/heads/feature"), DEPLOY_OK):
        assert not trusted(policy, sub), sub


def test_a_repository_with_immutable_ids_is_trusted_in_that_form_only():
    config = {"repositories": [{"name": "myapp"}],
              "delivery": {"github_repository": REPO, "owner_id": 1234, "repository_id": 5678}}
    from tests.conftest import run_config

    plan = run_config(config)
    policy = plan.one(ROLE, "github-deploy").inputs["assumeRolePolicy"]
    immutable = (f"repo:example-org@1234/container-platform@5678:environment:test:job_workflow_ref:"
                 f"{REPO}/.github/workflows/deploy.yml@refs/heads/main")
    assert trusted(policy, immutable)
    assert not trusted(policy, immutable.replace("@1234/", "/").replace("@5678:", ":"))
    assert not trusted(policy, immutable.replace("@5678", "@9999"))


# ------------------------------------------------------------------------------ bad input

def error(delivery: dict, **extra) -> str:
    config = {"repositories": [{"name": "myapp"}], "delivery": {"github_repository": REPO, **delivery}, **extra}
    with pytest.raises(ConfigError) as caught:
        parse(raw_config(config), project=PROJECT, stack="t")
    return str(caught.value)


@pytest.mark.parametrize("delivery, message", [
    ({"environment": "*"}, 'delivery.environment: "*" must name one GitHub environment: the deploy role trusts '
                           "exactly it (an empty or wildcard name would let other environments' jobs assume it)"),
    ({"environment": ""}, 'delivery.environment: "" is not a non-empty string'),
    ({"github_repository": "container-platform"}, 'delivery.github_repository: "container-platform" is not a GitHub '
                                                  "repository (OWNER/REPO)"),
    ({"default_branch": "refs/heads/main"}, 'delivery.default_branch: "refs/heads/main" is a ref; give the branch '
                                            "name (main): the trust policies write refs/heads/ themselves"),
    ({"deploy_policy_arns": ["arn:aws-cn:iam::aws:policy/PowerUserAccess"]},
     'delivery.deploy_policy_arns[0]: "arn:aws-cn:iam::aws:policy/PowerUserAccess" is in partition aws-cn; the '
     "stack's is aws"),
    ({"deploy_policy_arns": ["arn:aws:iam::999999999999:policy/ci"]},
     'delivery.deploy_policy_arns[0]: "arn:aws:iam::999999999999:policy/ci" is in account 999999999999, not the '
     "stack's 111122223333 (aws:allowedAccountIds): IAM attaches and trusts only the account's own"),
    ({"oidc_provider_arn": "arn:aws:iam::999999999999:oidc-provider/token.actions.githubusercontent.com"},
     'delivery.oidc_provider_arn: "arn:aws:iam::999999999999:oidc-provider/token.actions.githubusercontent.com" '
     "is in account 999999999999, not the stack's 111122223333 (aws:allowedAccountIds): IAM attaches and trusts "
     "only the account's own"),
    ({"owner_id": 12}, "delivery.repository_id: null is required with owner_id: GitHub's immutable subject names both"),
])
def test_delivery_input_errors(delivery, message):
    assert error(delivery, **{"aws:allowedAccountIds": ["111122223333"]}) == message


def test_more_managed_policies_than_iam_attaches_to_a_role_are_refused():
    """IAM attaches at most 10 managed policies to a role by default; the deploy role's own take some."""
    from components.delivery.permissions import deploy_policy_split

    def config(arns):
        return raw_config({"repositories": [{"name": "myapp"}],
                           "delivery": {"github_repository": REPO, "deploy_policy_arns": arns}})

    own = len(deploy_policy_split(parse(config([]), project=PROJECT, stack="t").boundary.scope))
    arns = [f"arn:aws:iam::aws:policy/Extra{i}" for i in range(10 - own)]
    assert parse(config(arns), project=PROJECT, stack="t").delivery.deploy_policy_arns == tuple(arns)
    arns.append("arn:aws:iam::aws:policy/OneTooMany")
    assert error({"deploy_policy_arns": arns}) == (
        f"delivery.deploy_policy_arns: {json.dumps(arns)} lists {11 - own} policies; with the {own} the deploy "
        f"role's own permissions take, that is over IAM's 10 managed policies per role: list at most {10 - own}")


def test_a_user_tag_cannot_take_the_programs_stack_tags():
    message = error({}, **{"tags": {"PulumiStack": "prod"}})
    assert message.startswith('tags.PulumiStack: "prod" is one of the program\'s own tags')
