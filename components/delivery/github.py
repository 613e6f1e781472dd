"""``GithubActionsRoles``: keyless AWS access for this repository's workflows.

GitHub Actions gets short-lived AWS credentials through OpenID Connect: the account trusts
GitHub's token issuer once (``token.actions.githubusercontent.com``, audience ``sts.amazonaws.com``),
and each role says which workflow runs may assume it by the token's ``sub`` claim, whose default
formats GitHub documents as ``repo:OWNER/REPO:pull_request`` (a pull request),
``repo:OWNER/REPO:environment:NAME`` (a job in an environment) and
``repo:OWNER/REPO:ref:refs/heads/BRANCH`` (a branch run without environment).

Two roles per stack:

* **preview** — read-only (``ReadOnlyAccess``), assumable by this repository's pull requests and by
  runs on the default branch (the scheduled drift check), never by another repository or a fork's
  workflow (forks get no OIDC token at all);
* **deploy** — what ``pulumi up`` needs to create this program's resources, IAM roles and policies
  among them (``AdministratorAccess`` by default), assumable **only** by jobs running in this
  stack's GitHub environment, which carries the required reviewers.

No access keys exist anywhere. The account's OIDC provider is created once; a second stack in the
same account passes its ARN (``existing_provider_arn``) instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .. import token
from ..shared.errors import InvalidValue
from ..shared.placement import Placement

ISSUER = "token.actions.githubusercontent.com"
AUDIENCE = "sts.amazonaws.com"
_REPOSITORY_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}\Z")
_ENVIRONMENT_RE = re.compile(r"^[A-Za-z0-9._-]{1,255}\Z")
_PROVIDER_ARN_RE = re.compile(
    r"^arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:oidc-provider/token\.actions\.githubusercontent\.com\Z")
_POLICY_ARN_RE = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}|aws):policy/[A-Za-z0-9+=,.@_/-]+\Z")


@dataclass(frozen=True)
class GithubActionsRolesSpec:
    """What a stack says about the roles its delivery workflows assume."""

    placement: Placement
    """The stack's region, account and tags."""
    repository: str
    """``OWNER/REPO`` whose workflows may assume the roles."""
    environment: str
    """The GitHub environment the deploy job of this stack runs in (its reviewers guard ``up``)."""
    default_branch: str = "main"
    """Runs on this branch (the scheduled drift check) may assume the preview role."""
    existing_provider_arn: str | None = None
    """The account's GitHub OIDC provider, when another stack already created it."""
    deploy_policy_arns: Sequence[str] = ()
    """Managed policies of the deploy role; empty: ``AdministratorAccess``."""
    cross_account_role_arns: Sequence[str] = ()
    """Roles in other accounts the program's providers assume (replication destinations'
    ``assume_role_arn``): the preview role may assume them too, so a preview can read there."""


def check_roles_spec(spec: GithubActionsRolesSpec) -> None:
    """Raise ``InvalidValue`` (paths relative to ``delivery``)."""
    if not isinstance(spec.repository, str) or not _REPOSITORY_RE.match(spec.repository):
        raise InvalidValue("github_repository", spec.repository, "is not a GitHub repository (OWNER/REPO)")
    if not _ENVIRONMENT_RE.match(spec.environment):
        raise InvalidValue("environment", spec.environment, "is not a GitHub environment name")
    if not re.match(r"^[A-Za-z0-9._/-]{1,255}\Z", spec.default_branch):
        raise InvalidValue("default_branch", spec.default_branch, "is not a branch name")
    if spec.existing_provider_arn is not None and not _PROVIDER_ARN_RE.match(spec.existing_provider_arn):
        raise InvalidValue("oidc_provider_arn", spec.existing_provider_arn,
                           f"is not the ARN of an IAM OIDC provider for {ISSUER}")
    for i, arn in enumerate(spec.deploy_policy_arns):
        if not _POLICY_ARN_RE.match(arn):
            raise InvalidValue(f"deploy_policy_arns[{i}]", arn, "is not an IAM managed policy ARN")


def trust_policy(provider_arn: str, repository: str, subjects: Sequence[str]) -> str:
    """Who may assume a role: tokens of GitHub's issuer for AWS STS whose ``sub`` is one of
    ``subjects`` (each ``repo:OWNER/REPO:...``)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "GithubActionsOidc",
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        # Exact subjects (several values of one key are alternatives): no wildcard that another
        # repository, branch or environment could match.
        "Condition": {"StringEquals": {
            f"{ISSUER}:aud": AUDIENCE,
            f"{ISSUER}:sub": subjects[0] if len(subjects) == 1 else list(subjects),
        }},
    }]})


def preview_subjects(repository: str, default_branch: str) -> list[str]:
    return [f"repo:{repository}:pull_request", f"repo:{repository}:ref:refs/heads/{default_branch}"]


def deploy_subjects(repository: str, environment: str) -> list[str]:
    return [f"repo:{repository}:environment:{environment}"]


class GithubActionsRoles(pulumi.ComponentResource):
    """The account's GitHub OIDC provider (or an existing one) and a preview and a deploy role."""

    provider_arn: pulumi.Output[str]
    preview_role_arn: pulumi.Output[str]
    deploy_role_arn: pulumi.Output[str]

    def __init__(self, name: str, spec: GithubActionsRolesSpec, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("GithubActionsRoles"), name, None, opts)
        check_roles_spec(spec)
        partition, tags = spec.placement.partition, dict(spec.placement.tags)
        child = pulumi.ResourceOptions(parent=self)
        if spec.existing_provider_arn is not None:
            self.provider_arn = pulumi.Output.from_input(spec.existing_provider_arn)
        else:
            # AWS validates GitHub's certificate itself; the thumbprint list is no longer needed.
            self.provider_arn = aws.iam.OpenIdConnectProvider(
                f"{name}-oidc", url=f"https://{ISSUER}", client_id_lists=[AUDIENCE], tags=tags, opts=child).arn

        preview = aws.iam.Role(
            f"{name}-preview",
            description=f"pulumi preview of stack {pulumi.get_stack()} from {spec.repository} (read-only)",
            assume_role_policy=self.provider_arn.apply(lambda arn: trust_policy(
                arn, spec.repository, preview_subjects(spec.repository, spec.default_branch))),
            max_session_duration=3600, tags=tags, opts=child)
        if spec.cross_account_role_arns:
            # A preview of a stack that declares another account's side (replication) runs those
            # providers too; the other account's role must also trust this one (docs/delivery.md).
            aws.iam.RolePolicy(
                f"{name}-preview-cross-account", role=preview.id,
                policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                    "Sid": "AssumeTheDestinationsRoles", "Effect": "Allow", "Action": "sts:AssumeRole",
                    "Resource": sorted(set(spec.cross_account_role_arns))}]}),
                opts=pulumi.ResourceOptions(parent=preview))
        aws.iam.RolePolicyAttachment(
            f"{name}-preview-read-only", role=preview.name, policy_arn=f"arn:{partition}:iam::aws:policy/ReadOnlyAccess",
            opts=pulumi.ResourceOptions(parent=preview))
        deploy = aws.iam.Role(
            f"{name}-deploy",
            description=f"pulumi up of stack {pulumi.get_stack()} from {spec.repository}, environment "
                        f"{spec.environment} only",
            assume_role_policy=self.provider_arn.apply(lambda arn: trust_policy(
                arn, spec.repository, deploy_subjects(spec.repository, spec.environment))),
            max_session_duration=3600, tags=tags, opts=child)
        for i, policy_arn in enumerate(spec.deploy_policy_arns or (f"arn:{partition}:iam::aws:policy/AdministratorAccess",)):
            aws.iam.RolePolicyAttachment(f"{name}-deploy-{i}", role=deploy.name, policy_arn=policy_arn,
                                         opts=pulumi.ResourceOptions(parent=deploy))
        self.preview_role_arn = preview.arn
        self.deploy_role_arn = deploy.arn
        self.register_outputs({"provider_arn": self.provider_arn, "preview_role_arn": self.preview_role_arn,
                               "deploy_role_arn": self.deploy_role_arn})
