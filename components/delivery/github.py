"""``GithubActionsRoles``: keyless AWS access for this repository's workflows, no broader than the
platform.

GitHub Actions gets short-lived AWS credentials through OpenID Connect: the account trusts
GitHub's token issuer once (``token.actions.githubusercontent.com``, audience ``sts.amazonaws.com``),
and each role says which workflow runs may assume it by the token's ``sub`` claim. The repository
customises that claim (``docs/delivery.md`` gives the ``gh api`` command) to
``repo:OWNER/REPO:CONTEXT:job_workflow_ref:OWNER/REPO/.github/workflows/FILE@REF``, so a trust names
the repository, the context (environment, pull request or branch) **and** the workflow file at
its ref — a workflow pushed on another branch, or another workflow, does not match. Repositories
created since GitHub's switch to immutable subjects send ``repo:OWNER@OWNER_ID/REPO@REPO_ID``; a
stack that gives the IDs trusts that form only.

Two roles per stack, each with an explicit name, the stack's permissions boundary, and a policy
derived from the resource types the program manages (``permissions.py``):

* **preview** — the types' metadata reads and nothing else (every data read explicitly denied),
  for this repository's pull-request workflow, and the drift and prod-preview jobs on the default
  branch;
* **deploy** — the types' create, read, update and delete in the stack's regions, IAM roles only
  under the boundary, for the deploy workflow on the default branch in this stack's environment
  only. More managed policies (``deploy_policy_arns``) stay a stack option, still under the
  boundary, which also keeps both roles and GitHub's OIDC provider out of the deploy role's reach.

No access keys exist anywhere. The account's OIDC provider is created once; a second stack in the
same account passes its ARN (``existing_provider_arn``) instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .. import token
from ..shared.errors import InvalidValue
from ..shared.iam import web_identity_trust
from ..shared.placement import Placement
from ..shared.scope import PlatformScope
from .durations import DEPLOY_SESSION_SECONDS, PREVIEW_SESSION_SECONDS
from .permissions import deploy_policy_documents, deploy_policy_split, preview_policy_document

ISSUER = "token.actions.githubusercontent.com"
AUDIENCE = "sts.amazonaws.com"
# GitHub logins: letters, digits and single hyphens, not at either end, 39 at most; repository
# names: letters, digits, ".", "_", "-", 100 at most.
_REPOSITORY_RE = re.compile(r"^(?=[A-Za-z0-9-]{1,39}/)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*/[A-Za-z0-9._-]{1,100}\Z")
_ENVIRONMENT_RE = re.compile(r"^[A-Za-z0-9._-]{1,255}\Z")
_PROVIDER_ARN_RE = re.compile(
    r"^arn:(?P<partition>aws|aws-cn|aws-us-gov):iam::(?P<account>[0-9]{12}):"
    r"oidc-provider/token\.actions\.githubusercontent\.com\Z")
_POLICY_ARN_RE = re.compile(
    r"^arn:(?P<partition>aws|aws-cn|aws-us-gov):iam::(?P<account>[0-9]{12}|aws):policy/[A-Za-z0-9+=,.@_/-]+\Z")
WORKFLOWS = {"pull request": "pull-request.yml", "deploy": "deploy.yml", "drift": "drift.yml"}


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
    name_prefix: str = "container-platform"
    """Prefix of the roles' IAM names (``PREFIX-gha-preview``, ``PREFIX-gha-deploy``): PROJECT-STACK."""
    regions: Sequence[str] = ()
    """The regions the stack manages resources in (its own and same-account replication regions);
    none: the placement's region."""
    owner_id: int | None = None
    """The repository owner's numeric ID, for GitHub's immutable subject form (with ``repository_id``)."""
    repository_id: int | None = None
    """The repository's numeric ID, for GitHub's immutable subject form."""
    deploy_policy_arns: Sequence[str] = ()
    """More managed policies for the deploy role (still under the boundary); none by default."""
    cross_account_role_arns: Sequence[str] = ()
    """Roles in other accounts the program's providers assume (replication destinations'
    ``assume_role_arn``): the preview role may assume them too, so a preview can read there."""


# What people paste instead of OWNER/REPO: a web or clone URL (https, ssh, scp-like), or the clone
# path with its ``.git``. GitHub's REST API takes "the name of the repository without the .git
# extension" (docs.github.com/rest/repos/repos#get-a-repository); the OIDC ``sub`` carries
# ``repository`` as GitHub spells it, and IAM compares it case-sensitively.
_URL_RE = re.compile(r"^(?:(?:https?|ssh|git)://(?:[^@/]+@)?(?:www\.)?github\.com[:/]|git@github\.com:|(?:www\.)?github\.com/)"
                     r"(?P<path>[^?#]*?)/?(?:[?#].*)?\Z", re.IGNORECASE)


def repository_error(value: object) -> str | None:
    """Why ``value`` is not ``OWNER/REPO`` as GitHub names a repository (None: it is). A URL or a
    ``.git`` suffix is refused with the OWNER/REPO it stands for: it would otherwise go into the
    roles' trust subjects (which then match no token) and the runners' clone URL as written."""
    if not isinstance(value, str):
        return "is not a GitHub repository (OWNER/REPO)"
    url = _URL_RE.match(value)
    path = url["path"] if url else value
    suggestion = path[:-4] if path.lower().endswith(".git") else path
    if url or path.lower().endswith(".git"):
        what = "is a URL" if url else "ends in .git (a clone path)"
        if _REPOSITORY_RE.match(suggestion):
            return f"{what}; give OWNER/REPO as GitHub names it: {suggestion}"
        return f"{what}; give OWNER/REPO as GitHub names it"
    if not _REPOSITORY_RE.match(value) or value.split("/", 1)[1] in (".", ".."):
        return "is not a GitHub repository (OWNER/REPO)"
    return None


def check_roles_spec(spec: GithubActionsRolesSpec) -> None:
    """Raise ``InvalidValue`` (paths relative to ``delivery``)."""
    partition, account = spec.placement.partition, spec.placement.account
    problem = repository_error(spec.repository)
    if problem is not None:
        raise InvalidValue("github_repository", spec.repository, problem)
    if not spec.environment or any(c in spec.environment for c in "*?"):
        raise InvalidValue("environment", spec.environment,
                           "must name one GitHub environment: the deploy role trusts exactly it (an empty or "
                           "wildcard name would let other environments' jobs assume it)")
    if not _ENVIRONMENT_RE.match(spec.environment):
        raise InvalidValue("environment", spec.environment, "is not a GitHub environment name")
    if spec.default_branch.startswith("refs/"):
        raise InvalidValue("default_branch", spec.default_branch,
                           f"is a ref; give the branch name ({spec.default_branch.rsplit('/', 1)[-1]}): the "
                           "trust policies write refs/heads/ themselves")
    if not re.match(r"^[A-Za-z0-9._/-]{1,255}\Z", spec.default_branch) or "*" in spec.default_branch:
        raise InvalidValue("default_branch", spec.default_branch, "is not a branch name")
    if (spec.owner_id is None) != (spec.repository_id is None):
        key, given = ("repository_id", "owner_id") if spec.repository_id is None else ("owner_id", "repository_id")
        raise InvalidValue(key, None, f"is required with {given}: GitHub's immutable subject names both")
    for key in ("owner_id", "repository_id"):
        value = getattr(spec, key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
            raise InvalidValue(key, value, "is not a GitHub numeric ID (gh api repos/OWNER/REPO --jq .id)")
    if not 1 <= len(role_name(spec, "preview")) <= 64:
        raise InvalidValue("environment", spec.environment, "makes role names longer than IAM's 64 characters")
    if spec.existing_provider_arn is not None:
        match = _PROVIDER_ARN_RE.match(spec.existing_provider_arn)
        if match is None:
            raise InvalidValue("oidc_provider_arn", spec.existing_provider_arn,
                               f"is not the ARN of an IAM OIDC provider for {ISSUER}")
        _same_place("oidc_provider_arn", spec.existing_provider_arn, match, partition, account)
    for i, arn in enumerate(spec.deploy_policy_arns):
        match = _POLICY_ARN_RE.match(arn)
        if match is None:
            raise InvalidValue(f"deploy_policy_arns[{i}]", arn, "is not an IAM managed policy ARN")
        _same_place(f"deploy_policy_arns[{i}]", arn, match, partition, account, aws_managed_ok=True)


def _same_place(key: str, arn: str, match: re.Match[str], partition: str, account: str | None,
                aws_managed_ok: bool = False) -> None:
    if match["partition"] != partition:
        raise InvalidValue(key, arn, f"is in partition {match['partition']}; the stack's is {partition}")
    owner = match["account"]
    if owner == "aws" and aws_managed_ok:
        return
    if account is not None and owner != account:
        raise InvalidValue(key, arn, f"is in account {owner}, not the stack's {account} (aws:allowedAccountIds): "
                                     "IAM attaches and trusts only the account's own")


def role_name(spec: GithubActionsRolesSpec, kind: str) -> str:
    return f"{spec.name_prefix}-gha-{kind}"


def subject_repo(spec: GithubActionsRolesSpec) -> str:
    """The ``repo`` part of the subject: ``OWNER/REPO``, or ``OWNER@ID/REPO@ID`` (immutable form)."""
    if spec.owner_id is None or spec.repository_id is None:
        return spec.repository
    owner, repo = spec.repository.split("/", 1)
    return f"{owner}@{spec.owner_id}/{repo}@{spec.repository_id}"


def _subject(spec: GithubActionsRolesSpec, context: str, workflow: str, ref: str) -> str:
    return (f"repo:{subject_repo(spec)}:{context}:job_workflow_ref:"
            f"{spec.repository}/.github/workflows/{WORKFLOWS[workflow]}@{ref}")


def deploy_subjects(spec: GithubActionsRolesSpec) -> list[str]:
    """The deploy workflow on the default branch, in this stack's environment."""
    return [_subject(spec, f"environment:{spec.environment}", "deploy", f"refs/heads/{spec.default_branch}")]


def preview_subjects(spec: GithubActionsRolesSpec) -> list[str]:
    """The pull-request workflow of any pull request (its merge ref); the drift and deploy
    workflows (prod's approved preview) on the default branch."""
    branch = f"refs/heads/{spec.default_branch}"
    return [_subject(spec, "pull_request", "pull request", "refs/pull/*/merge"),
            _subject(spec, f"ref:{branch}", "drift", branch),
            _subject(spec, f"ref:{branch}", "deploy", branch)]


def trust_policy(provider_arn: str, subjects: Sequence[str]) -> str:
    """Who may assume a role: tokens of GitHub's issuer for AWS STS whose ``sub`` is one of
    ``subjects`` (a ``*`` stands only for a pull request's number, so those use StringLike)."""
    subject_operator = "StringLike" if any("*" in s for s in subjects) else "StringEquals"
    condition: dict[str, dict[str, str | Sequence[str]]] = {"StringEquals": {f"{ISSUER}:aud": AUDIENCE}}
    condition.setdefault(subject_operator, {})[f"{ISSUER}:sub"] = list(subjects)
    return web_identity_trust(provider_arn, condition, sid="GithubActionsOidc")


@dataclass(frozen=True)
class GithubActionsRolesArgs:
    """The spec and the boundary the deploy role may create roles under."""

    spec: GithubActionsRolesSpec
    """Everything the stack says about the roles."""
    boundary_arn: pulumi.Input[str]
    """The stack's permissions boundary (``PermissionsBoundary.arn``)."""
    scope: PlatformScope
    """The stack's own resources (``BoundarySpec.scope``): what the deploy role's policy names."""


class GithubActionsRoles(pulumi.ComponentResource):
    """The account's GitHub OIDC provider (or an existing one) and a preview and a deploy role."""

    provider_arn: pulumi.Output[str]
    preview_role_arn: pulumi.Output[str]
    deploy_role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: GithubActionsRolesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("GithubActionsRoles"), name, None, opts)
        spec = args.spec
        check_roles_spec(spec)
        tags = dict(spec.placement.tags)
        child = pulumi.ResourceOptions(parent=self)
        if spec.existing_provider_arn is not None:
            self.provider_arn = pulumi.Output.from_input(spec.existing_provider_arn)
        else:
            # AWS validates GitHub's certificate itself; the thumbprint list is no longer needed.
            self.provider_arn = aws.iam.OpenIdConnectProvider(
                f"{name}-oidc", url=f"https://{ISSUER}", client_id_lists=[AUDIENCE], tags=tags, opts=child).arn

        account = (pulumi.Output.from_input(spec.placement.account) if spec.placement.account
                   else aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id)
        # The delivery roles stay at IAM's root path, outside the stack's path: the deploy role
        # (whose boundary confines role writes to that path) can change neither itself nor them.
        preview = aws.iam.Role(
            f"{name}-preview", name=role_name(spec, "preview"), path="/",
            description=f"pulumi preview of stack {pulumi.get_stack()} from {spec.repository}: metadata only",
            assume_role_policy=self.provider_arn.apply(lambda arn: trust_policy(arn, preview_subjects(spec))),
            max_session_duration=PREVIEW_SESSION_SECONDS, tags=tags,
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True))
        aws.iam.RolePolicy(
            f"{name}-preview-metadata", role=preview.id,
            policy=preview_policy_document(args.scope),
            opts=pulumi.ResourceOptions(parent=preview))
        deploy = aws.iam.Role(
            f"{name}-deploy", name=role_name(spec, "deploy"), path="/",
            description=f"pulumi up of stack {pulumi.get_stack()} from {spec.repository}: the deploy workflow "
                        f"on {spec.default_branch}, environment {spec.environment} only",
            assume_role_policy=self.provider_arn.apply(lambda arn: trust_policy(arn, deploy_subjects(spec))),
            # An `up` that outlives its credentials stops half-applied with the stack locked: the
            # session lasts the longest update (a cluster upgrade, durations.py).
            max_session_duration=DEPLOY_SESSION_SECONDS, tags=tags,
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True))
        # Managed policies, not an inline one: the deploy role's actions are over IAM's 10,240
        # characters of inline policy a role may have (permissions.deploy_policy_split).
        scope = args.scope

        def part(i: int) -> pulumi.Output[str]:
            return account.apply(lambda a: deploy_policy_documents(scope, a)[i])

        for i, _group in enumerate(deploy_policy_split(scope)):
            document = aws.iam.Policy(
                f"{name}-deploy-platform-{i}", name=f"{role_name(spec, 'deploy')}-{i}",
                description=f"pulumi up of stack {pulumi.get_stack()}, part {i + 1}: the catalog's actions on the "
                            "stack's own resources (docs/permissions.md)",
                policy=part(i),
                tags=tags, opts=pulumi.ResourceOptions(parent=deploy))
            aws.iam.RolePolicyAttachment(f"{name}-deploy-platform-{i}", role=deploy.name, policy_arn=document.arn,
                                         opts=pulumi.ResourceOptions(parent=document))
        for i, policy_arn in enumerate(spec.deploy_policy_arns):
            aws.iam.RolePolicyAttachment(f"{name}-deploy-{i}", role=deploy.name, policy_arn=policy_arn,
                                         opts=pulumi.ResourceOptions(parent=deploy))
        self.preview_role_arn = preview.arn
        self.deploy_role_arn = deploy.arn
        self.register_outputs({"provider_arn": self.provider_arn, "preview_role_arn": self.preview_role_arn,
                               "deploy_role_arn": self.deploy_role_arn})
