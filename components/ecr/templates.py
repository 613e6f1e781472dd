"""Repository creation templates, and the IAM role ECR assumes to apply them.

Repositories that ECR creates on a team's behalf (replicas, pull-through caches) get AWS's
defaults — mutable tags, no lifecycle, AES256 — unless a creation template matches them. A
template's prefix always has "/" appended by AWS (``docker-hub`` matches ``docker-hub/...``);
``ROOT`` matches every repository no other template matches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ..shared.iam import Statement, document, service_trust

ECR_SERVICE = "ecr.amazonaws.com"


@dataclass(frozen=True)
class TemplateEncryption:
    """Encryption of the repositories a template creates (a KMS key must be in the template's region)."""

    type: str = "KMS"
    kms_key: pulumi.Input[str] | None = None

    def to_args(self) -> list[aws.ecr.RepositoryCreationTemplateEncryptionConfigurationArgsDict]:
        encryption: aws.ecr.RepositoryCreationTemplateEncryptionConfigurationArgsDict = {"encryption_type": self.type}
        if self.kms_key is not None:
            encryption["kms_key"] = self.kms_key
        return [encryption]


@dataclass(frozen=True)
class TemplateRole:
    """The role ECR assumes for creation templates, and the policy that lets it act: a
    repository ECR creates before the policy exists is created without tags or key."""

    role: aws.iam.Role
    policy: aws.iam.RolePolicy

    @property
    def arn(self) -> pulumi.Output[str]:
        return self.role.arn


def template_role(name: str, account_id: pulumi.Input[str], partition: str,
                  key_arns: Sequence[pulumi.Input[str]], tags: Mapping[str, str],
                  opts: pulumi.ResourceOptions) -> TemplateRole:
    """The role ECR assumes to create repositories from templates that tag or use a KMS key
    (``customRoleArn``; AWS requires it for either)."""
    role = aws.iam.Role(
        f"{name}-template-role",
        description="Assumed by Amazon ECR to create repositories from repository creation templates",
        assume_role_policy=service_trust(ECR_SERVICE),
        tags=dict(tags) or None,
        opts=opts,
    )

    def role_policy(args: list) -> str:
        account, *keys = args
        statements = [Statement(
            "CreateTaggedRepositories", actions=["ecr:CreateRepository", "ecr:ReplicateImage", "ecr:TagResource"],
            resources=f"arn:{partition}:ecr:*:{account}:repository/*")]
        if keys:
            statements.append(Statement(
                "EncryptWithTheTemplateKeys", actions=["kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"],
                resources=sorted(keys)))
        return document(statements)

    policy = aws.iam.RolePolicy(
        f"{name}-template-role-policy",
        role=role.id,
        policy=pulumi.Output.all(account_id, *key_arns).apply(role_policy),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(parent=role)),
    )
    return TemplateRole(role, policy)


def creation_template(
    name: str,
    *,
    prefix: str,
    applied_for: Sequence[str],
    description: str,
    tag_mutability: str,
    encryption: TemplateEncryption,
    lifecycle_policy: str | None,
    tags: Mapping[str, str],
    role_arn: pulumi.Input[str],
    region: str | None,
    opts: pulumi.ResourceOptions,
) -> aws.ecr.RepositoryCreationTemplate:
    return aws.ecr.RepositoryCreationTemplate(
        name,
        prefix=prefix,
        applied_fors=list(applied_for),
        description=description,
        image_tag_mutability=tag_mutability,
        encryption_configurations=encryption.to_args(),
        lifecycle_policy=lifecycle_policy,
        resource_tags=dict(tags) or None,
        custom_role_arn=role_arn,
        region=region,
        opts=opts,
    )
