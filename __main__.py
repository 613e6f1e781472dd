"""The container platform: reads the stack's configuration once, composes the components, exports
what a user needs. Reads top-down like the architecture diagram in the README."""

from dataclasses import replace

import pulumi

import stack_config
from components.ecr import EcrRegistry, EcrReplication, PullThroughCache, RegistryScanning

settings = stack_config.load()

# The registry: repositories, their key, and scanning in every region the registry reaches.
registry = EcrRegistry("registry", settings.registry)
scanning = RegistryScanning("scanning", settings.scanning)

pulumi.export("registry_id", registry.registry_id)
pulumi.export("repositories", {
    name: {"name": repo.repository_name, "url": repo.repository_url, "arn": repo.arn}
    for name, repo in registry.repositories.items()
})
if registry.kms_key_arn is not None:
    pulumi.export("kms_key_arn", registry.kms_key_arn)

if settings.replication is not None:
    # Replicas are scanned on push only once the replica regions' scanning configurations exist.
    replication = EcrReplication("replication", replace(settings.replication, depends_on=[scanning]))
    if replication.destination_steps:
        pulumi.export("replication_destination_registry_policies", replication.destination_steps)

if settings.cache is not None:
    # Cached repositories share the registry's key (a created key exists only once declared).
    cache = PullThroughCache("cache", replace(settings.cache, kms_key=registry.kms_key_arn))
    pulumi.export("pull_through_cache", cache.url_prefixes)
    pulumi.export("pull_through_cache_upstreams", cache.upstream_prefixes)
    pulumi.export("pull_through_cache_puller_policy", cache.puller_policy)
