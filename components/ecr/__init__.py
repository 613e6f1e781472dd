"""The ECR family: the registry and its repositories (lifecycle, access), replication, pull-through
caches, registry scanning, and the creation templates ECR applies to repositories it creates."""

from .pull_through_cache import PullThroughCache, PullThroughCacheArgs
from .registry import EcrRegistry, EcrRegistryArgs, RegistryEncryption
from .replication import EcrReplication, EcrReplicationArgs
from .repository import EcrRepository, EcrRepositoryArgs
from .scanning import RegistryScanning, RegistryScanningArgs

__all__ = [
    "EcrRegistry", "EcrRegistryArgs", "EcrReplication", "EcrReplicationArgs", "EcrRepository",
    "EcrRepositoryArgs", "PullThroughCache", "PullThroughCacheArgs", "RegistryEncryption",
    "RegistryScanning", "RegistryScanningArgs",
]
