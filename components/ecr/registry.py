"""``EcrRegistry``: the team's repositories, sharing one encryption setting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import pulumi
import pulumi_aws as aws

from .. import token
from ..shared.arns import check_kms_key_arn
from ..shared.errors import InvalidValue
from ..shared.kms import ecr_key
from ..shared.placement import Placement
from .repository import EcrRepository, EcrRepositorySpec, Encryption


@dataclass(frozen=True)
class RegistryEncryption:
    """Encryption for every repository of the registry.

    ``KMS`` alone uses the AWS-managed key; ``kms_key_arn`` names a customer-managed key;
    ``create_key`` makes the component create one with yearly rotation on.
    """

    type: str = "KMS"
    kms_key_arn: str | None = None
    create_key: bool = False


@dataclass(frozen=True)
class EcrRegistrySpec:
    """The repositories of the registry and what they share."""

    repositories: Sequence[EcrRepositorySpec]
    """One entry per repository; each keeps its own settings."""
    placement: Placement
    """The registry's region, account and tags (a given key must be in its region and account)."""
    encryption: RegistryEncryption = field(default_factory=RegistryEncryption)
    """Encryption applied to every repository."""
    protect_key: bool = False
    """Protect the created KMS key (deleting it would make every image unreadable)."""


def check_registry_spec(spec: EcrRegistrySpec) -> None:
    """Raise ``InvalidValue`` for settings that contradict each other."""
    enc = spec.encryption
    if enc.create_key and enc.kms_key_arn:
        raise InvalidValue("encryption", {"create_key": True, "kms_key_arn": enc.kms_key_arn},
                           "sets both create_key and kms_key_arn; choose one")
    if enc.type != "KMS" and (enc.create_key or enc.kms_key_arn):
        key = "create_key" if enc.create_key else "kms_key_arn"
        raise InvalidValue(f"encryption.{key}", getattr(enc, key),
                           f"needs encryption type KMS, not {enc.type}")
    if enc.kms_key_arn is not None:
        check_kms_key_arn("encryption.kms_key_arn", enc.kms_key_arn, region=spec.placement.region, account=spec.placement.account)
    seen: dict[str, int] = {}
    for i, repo in enumerate(spec.repositories):
        if repo.name in seen:
            raise InvalidValue(f"repositories[{i}].name", repo.name,
                               f"is already the name of repositories[{seen[repo.name]}]")
        seen[repo.name] = i


class EcrRegistry(pulumi.ComponentResource):
    """The private registry of one account and region: hardened repositories, an optional
    customer-managed KMS key, and the registry ID."""

    repositories: dict[str, EcrRepository]
    registry_id: pulumi.Output[str]
    kms_key_arn: pulumi.Output[str] | None

    def __init__(self, name: str, spec: EcrRegistrySpec,
                 opts: pulumi.ResourceOptions | None = None, *, workload_repository: str | None = None) -> None:
        """``workload_repository``: the repository the stack's workload runs from; its lifecycle
        policy is declared by ``repositories[NAME].lifecycle(...)`` once its running tag is known."""
        super().__init__(token("EcrRegistry"), name, None, opts)
        check_registry_spec(spec)

        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        kms_key: pulumi.Input[str] | None = spec.encryption.kms_key_arn
        self.kms_key_arn = None
        self.key: aws.kms.Key | None = None
        if spec.encryption.create_key:
            self.key = key = ecr_key(
                f"{name}-key",
                description=f"ECR image encryption for {pulumi.get_project()}/{pulumi.get_stack()}",
                account=identity.account_id, partition=spec.placement.partition, region=spec.placement.region,
                declare_region=None,
                tags=spec.placement.tags, protect=spec.protect_key, opts=pulumi.ResourceOptions(parent=self),
            )
            kms_key = key.arn
            self.kms_key_arn = key.arn
        elif kms_key is not None:
            self.kms_key_arn = pulumi.Output.from_input(kms_key)

        encryption = Encryption(type=spec.encryption.type, kms_key=kms_key)
        self.repositories = {}
        for repo in spec.repositories:
            repo_args = replace(repo, encryption=encryption, tags={**spec.placement.tags, **repo.tags})
            self.repositories[repo.name] = EcrRepository(
                f"{name}-{repo.name}", repo_args, partition=spec.placement.partition,
                opts=pulumi.ResourceOptions(parent=self), runs_workload=repo.name == workload_repository,
            )

        self.registry_id = identity.account_id
        self.register_outputs({
            "registry_id": self.registry_id,
            "repository_urls": {n: r.repository_url for n, r in self.repositories.items()},
        })
