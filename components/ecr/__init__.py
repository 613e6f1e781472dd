"""The ECR family: the registry and its repositories (lifecycle, access), replication, pull-through
caches, registry scanning, and the creation templates ECR applies to repositories it creates."""

from .pull_through_cache import PullThroughCache, PullThroughCacheArgs, PullThroughCacheSpec
from .registry import EcrRegistry, EcrRegistrySpec, RegistryEncryption
from .replication import EcrReplication, EcrReplicationArgs, EcrReplicationSpec
from .repository import EcrRepository, EcrRepositorySpec
from .scanning import RegistryScanning, RegistryScanningSpec

__all__ = [
    "EcrRegistry", "EcrRegistrySpec", "EcrReplication", "EcrReplicationArgs", "EcrReplicationSpec", "EcrRepository",
    "EcrRepositorySpec", "PullThroughCache", "PullThroughCacheArgs", "PullThroughCacheSpec", "RegistryEncryption",
    "RegistryScanning", "RegistryScanningSpec",
]
