"""The ``delivery`` section: the roles the GitHub Actions workflows assume."""

from __future__ import annotations

from components.delivery.github import GithubActionsRolesSpec, check_roles_spec
from components.shared.placement import Placement

from . import schema
from .values import ConfigError, Value, domain, opt


def delivery_section(node: Value, placement: Placement, stack: str) -> GithubActionsRolesSpec:
    fields = node.object(schema.keys_of("delivery"))
    if "github_repository" not in fields:
        raise ConfigError(f"{node.path}.github_repository", None, "is required (OWNER/REPO)")
    args = GithubActionsRolesSpec(
        placement=placement,
        repository=fields["github_repository"].string(),
        environment=opt(fields, "environment", Value.string, stack),
        default_branch=opt(fields, "default_branch", Value.string, "main"),
        existing_provider_arn=opt(fields, "oidc_provider_arn", Value.string),
        deploy_policy_arns=opt(fields, "deploy_policy_arns", Value.strings, ()),
    )
    domain(lambda: check_roles_spec(args), "delivery")
    return args
