"""The delivery family: what the CI/CD workflows need in AWS (GitHub's OIDC provider and the roles
the workflows assume) and where their cluster-facing jobs run (CodeBuild-hosted runners in the VPC)."""

from .github import GithubActionsRoles, GithubActionsRolesArgs, GithubActionsRolesSpec
from .runners import CodeBuildRunners, CodeBuildRunnersArgs, RunnerSpec

__all__ = ["CodeBuildRunners", "CodeBuildRunnersArgs", "GithubActionsRoles", "GithubActionsRolesArgs", "GithubActionsRolesSpec", "RunnerSpec"]
