"""The delivery family: what the CI/CD workflows need in AWS (GitHub's OIDC provider and the roles
the workflows assume)."""

from .github import GithubActionsRoles, GithubActionsRolesArgs

__all__ = ["GithubActionsRoles", "GithubActionsRolesArgs"]
