"""The delivery family: what the CI/CD workflows need in AWS (GitHub's OIDC provider and the roles
the workflows assume)."""

from .github import GithubActionsRoles, GithubActionsRolesSpec

__all__ = ["GithubActionsRoles", "GithubActionsRolesSpec"]
