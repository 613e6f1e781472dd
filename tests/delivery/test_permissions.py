"""CI credentials no broader than the platform: the deploy and preview roles' policies, within the
permissions boundary every role carries, evaluated against the actions each managed resource type
needs, the escalation paths and data reads that must stay denied, and spoofed GitHub tokens."""

from __future__ import annotations

import json

import pytest

from components.delivery.permissions import DATA_READS, MANAGED, NOT_AWS, PROGRAM_READS
from stack_config import ConfigError, parse
from tests.conftest import PROJECT, raw_config
from tools.harness import ROOT, load_stack, run_program
from tools.iam_eval import allowed

REPO = "example-org/container-platform"
ISSUER = "token.actions.githubusercontent.com"
# The children pulumi-eks creates in its plugin (out of the plan, but the deploy role creates them).
REMOTE_CHILDREN = ("aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup", "aws:eks/addon:Addon",
                   "aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/securityGroup:SecurityGroup",
                   "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                   "aws:iam/openIdConnectProvider:OpenIdConnectProvider")
HOME = "eu-central-1"


@pytest.fixture(scope="module")
def prod(plans):
    plan = plans("prod")
    policies = {r.name: r.inputs["policy"] for r in plan.by_type("aws:iam/rolePolicy:RolePolicy")}
    boundary = plan.one("aws:iam/policy:Policy", "boundary-policy")
    roles = {r.name: r for r in plan.by_type("aws:iam/role:Role")}
    return plan, policies, boundary, roles


def deploy_allows(prod, action, resource="*", **context):
    _, policies, boundary, _ = prod
    return allowed(action, resource, {"aws:RequestedRegion": HOME, **context},
                   identity=[policies["github-deploy-platform"]], boundary=boundary.inputs["policy"])


def preview_allows(prod, action, resource="*", **context):
    _, policies, boundary, _ = prod
    return allowed(action, resource, {"aws:RequestedRegion": HOME, **context},
                   identity=[policies["github-preview-metadata"]], boundary=boundary.inputs["policy"])


def _plans_and_examples():
    yield "dev", run_program(load_stack("dev"))
    yield "prod", run_program(load_stack("prod"))
    for path in sorted(ROOT.glob("examples/Pulumi.*.yaml")):
        name = path.name[len("Pulumi."):-len(".yaml")]
        yield name, run_program(load_stack(name, path))


def test_every_type_any_plan_creates_is_in_the_permission_table():
    """The deploy policy is derived from MANAGED: a type missing there would fail pulumi up."""
    seen = set()
    for name, plan in _plans_and_examples():
        for res in plan.resources:
            if res.type.startswith(NOT_AWS):
                continue
            seen.add(res.type)
            assert res.type in MANAGED, f"{name}: {res.type} is not in components/delivery/permissions.py MANAGED"
    assert set(REMOTE_CHILDREN) <= set(MANAGED)
    assert len(seen) >= 30


def test_the_deploy_role_may_create_read_update_and_delete_every_managed_type(prod):
    boundary_arn = prod[2].outputs["arn"]
    for typ, actions in MANAGED.items():
        for action in actions.all():
            if action.startswith("iam:") and "Role" in action:
                resource = "arn:aws:iam::444455556666:role/platform-prod-nodes"
            elif action.startswith("iam:") and "OpenIDConnectProvider" in action:
                resource = f"arn:aws:iam::444455556666:oidc-provider/oidc.eks.{HOME}.amazonaws.com/id/ABC"
            elif action == "route53:GetChange":
                resource = "arn:aws:route53:::change/C0123456789ABC"
            elif action.startswith("route53:") and not action.startswith("route53:ListHostedZones"):
                resource = "arn:aws:route53:::hostedzone/Z0123456789ABC"
            else:
                resource = "*"
            context = {"iam:PermissionsBoundary": boundary_arn}
            if action == "iam:CreateServiceLinkedRole":
                context["iam:AWSServiceName"] = "eks.amazonaws.com"
            if action.startswith("iam:") and "Polic" in action and "Role" not in action and action != "iam:GetPolicy":
                continue  # managed policies: the boundary's own (denied, below) is the only one the program makes
            assert deploy_allows(prod, action, resource, **context), (typ, action)


def test_the_deploy_role_changes_dns_records_in_hosted_zones_only(prod):
    assert deploy_allows(prod, "route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/Z0123456789ABC")
    assert not deploy_allows(prod, "route53:ChangeResourceRecordSets", "*")
    assert not deploy_allows(prod, "route53:CreateHostedZone", "*")
    assert not deploy_allows(prod, "route53:DeleteHostedZone", "arn:aws:route53:::hostedzone/Z0123456789ABC")


def test_the_deploy_role_can_push_the_image_and_assume_the_destination_role(prod):
    assert deploy_allows(prod, "ecr:PutImage") and deploy_allows(prod, "ecr:GetAuthorizationToken")
    assert deploy_allows(prod, "sts:AssumeRole", "arn:aws:iam::777788889999:role/ecr-replication-admin")
    assert not deploy_allows(prod, "sts:AssumeRole", "arn:aws:iam::777788889999:role/OrganizationAccountAccessRole")


@pytest.mark.parametrize("action, resource, context", [
    # roles without the boundary, another boundary, or none at all
    ("iam:CreateRole", "arn:aws:iam::444455556666:role/x", {}),
    ("iam:CreateRole", "arn:aws:iam::444455556666:role/x", {"iam:PermissionsBoundary": "arn:aws:iam::444455556666:policy/open"}),
    ("iam:PutRolePermissionsBoundary", "arn:aws:iam::444455556666:role/platform-prod-nodes",
     {"iam:PermissionsBoundary": "arn:aws:iam::444455556666:policy/open"}),
    ("iam:DeleteRolePermissionsBoundary", "arn:aws:iam::444455556666:role/platform-prod-nodes", {}),
    # AdministratorAccess on a bounded role
    ("iam:AttachRolePolicy", "arn:aws:iam::444455556666:role/platform-prod-nodes",
     {"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess", "BOUNDARY": ""}),
    # the deploy role's own trust and policies, and the preview role's
    ("iam:UpdateAssumeRolePolicy", "arn:aws:iam::444455556666:role/container-platform-prod-gha-deploy", {}),
    ("iam:PutRolePolicy", "arn:aws:iam::444455556666:role/container-platform-prod-gha-deploy", {"BOUNDARY": ""}),
    ("iam:DeleteRole", "arn:aws:iam::444455556666:role/container-platform-prod-gha-preview", {}),
    # the boundary itself
    ("iam:CreatePolicyVersion", "arn:aws:iam::444455556666:policy/container-platform-prod-boundary", {}),
    ("iam:DeletePolicy", "arn:aws:iam::444455556666:policy/container-platform-prod-boundary", {}),
    # GitHub's OIDC provider (the roles' trust)
    ("iam:DeleteOpenIDConnectProvider",
     "arn:aws:iam::444455556666:oidc-provider/token.actions.githubusercontent.com", {}),
    # long-lived credentials, passing roles elsewhere
    ("iam:CreateUser", "arn:aws:iam::444455556666:user/x", {}),
    ("iam:CreateAccessKey", "arn:aws:iam::444455556666:user/x", {}),
    ("iam:PassRole", "arn:aws:iam::444455556666:role/platform-prod-nodes", {"iam:PassedToService": "lambda.amazonaws.com"}),
    # services outside the platform, and the platform's services in another region
    ("s3:PutObject", "*", {}), ("s3:GetObject", "*", {}), ("rds:CreateDBInstance", "*", {}),
    ("lambda:CreateFunction", "*", {}), ("dynamodb:Scan", "*", {}), ("organizations:LeaveOrganization", "*", {}),
    ("cloudtrail:StopLogging", "*", {}),
    ("ec2:RunInstances", "*", {}), ("ec2:CreateVpc", "*", {"aws:RequestedRegion": "us-west-2"}),
    ("secretsmanager:GetSecretValue", "*", {}),
])
def test_the_deploy_role_cannot_escalate_or_leave_the_platform(prod, action, resource, context):
    boundary_arn = prod[2].outputs["arn"]
    context = dict(context)
    if context.pop("BOUNDARY", None) is not None:
        context["iam:PermissionsBoundary"] = boundary_arn
    assert not deploy_allows(prod, action, resource, **context), action


def test_even_administrator_access_stays_under_the_boundary(prod):
    """deploy_policy_arns may add AdministratorAccess; the boundary still holds the escalations."""
    _, _, boundary, _ = prod
    admin = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    bounded = boundary.inputs["policy"]
    for action, resource, context in [
        ("iam:CreateRole", "arn:aws:iam::1:role/x", {}),
        ("iam:DeleteRolePermissionsBoundary", "arn:aws:iam::1:role/x", {}),
        ("iam:UpdateAssumeRolePolicy", "arn:aws:iam::1:role/container-platform-prod-gha-deploy", {}),
        ("s3:GetObject", "*", {}), ("iam:CreateUser", "*", {})]:
        assert not allowed(action, resource, context, identity=[admin], boundary=bounded), action
    assert allowed("ecr:CreateRepository", "*", {}, identity=[admin], boundary=bounded)


def test_every_role_in_the_stacks_account_carries_the_boundary(prod):
    plan, _, boundary, roles = prod
    for name, role in roles.items():
        if role.provider:  # the replication destination's side: that account's IAM
            assert "permissionsBoundary" not in role.inputs, name
            continue
        assert role.inputs["permissionsBoundary"] == boundary.outputs["arn"], name
        assert boundary.urn in role.dependencies, name  # never created before the boundary
    assert roles["cluster-service-role"].urn == prod[0].one("eks:index:Cluster", "cluster-eks").inputs["serviceRole"]
    attached = {r.parent.rsplit("::", 1)[-1]: r.inputs["policyArn"].rsplit("/", 1)[-1]
                for r in plan.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")}
    assert "AdministratorAccess" not in attached.values() and "ReadOnlyAccess" not in attached.values()


def test_the_preview_role_reads_metadata_of_every_type_and_no_data(prod):
    for typ, actions in MANAGED.items():
        for action in actions.read:
            assert preview_allows(prod, action), (typ, action)
    for action in DATA_READS:
        assert not preview_allows(prod, action), action
    reads = {a for spec in MANAGED.values() for a in spec.read} | set(PROGRAM_READS)
    for actions in MANAGED.values():
        for action in (*actions.create, *actions.update, *actions.delete):
            if action in reads:
                continue
            assert not preview_allows(prod, action, "*", **{"iam:PermissionsBoundary": prod[2].outputs["arn"]}), action
    assert preview_allows(prod, "sts:AssumeRole", "arn:aws:iam::777788889999:role/ecr-replication-admin")


# ------------------------------------------------------------------------------ trust

def trusted(policy: str, sub: str, aud: str = "sts.amazonaws.com") -> bool:
    (statement,) = json.loads(policy)["Statement"]
    return allowed("sts:AssumeRoleWithWebIdentity", "*", {f"{ISSUER}:sub": sub, f"{ISSUER}:aud": aud},
                   identity=[{"Statement": [statement]}])


DEPLOY_OK = (f"repo:{REPO}:environment:prod:job_workflow_ref:{REPO}/.github/workflows/deploy.yml@refs/heads/main")


def test_the_deploy_role_trusts_the_deploy_workflow_on_main_in_its_environment_only(prod):
    policy = prod[3]["github-deploy"].inputs["assumeRolePolicy"]
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


def test_the_preview_role_trusts_this_repositorys_pull_requests_and_main_runs(prod):
    policy = prod[3]["github-preview"].inputs["assumeRolePolicy"]
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
    policy = plan.one("aws:iam/role:Role", "github-deploy").inputs["assumeRolePolicy"]
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
