"""The container platform: reads the stack's configuration once, composes the components, exports
what a user needs. Reads top-down like the architecture diagram in the README:
registry → scanning → replication → caches → network → cluster → node group → image → workload → delivery roles."""

from dataclasses import replace

import pulumi

import stack_config
from components.delivery import GithubActionsRoles
from components.ecr import EcrRegistry, EcrReplication, PullThroughCache, RegistryScanning
from components.eks import EksCluster, EksClusterArgs, EksNetwork, EksNodeGroup, EksNodeGroupArgs
from components.workload import ServiceImage, ServiceImageArgs, ServiceWorkload, ServiceWorkloadArgs

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

cache = None
if settings.cache is not None:
    # Cached repositories share the registry's key (a created key exists only once declared).
    cache = PullThroughCache("cache", replace(settings.cache, kms_key=registry.kms_key_arn))
    pulumi.export("pull_through_cache", cache.url_prefixes)
    pulumi.export("pull_through_cache_upstreams", cache.upstream_prefixes)
    pulumi.export("pull_through_cache_puller_policy", cache.puller_policy)

if settings.cluster is not None:
    c = settings.cluster
    network = EksNetwork("network", settings.network)
    cluster = EksCluster("cluster", EksClusterArgs(
        placement=settings.placement, network=network, name=c.name, version=c.version,
        upgrade_policy=c.upgrade_policy, admins=c.admins, public_access_cidrs=c.public_access_cidrs,
        secrets_key_arn=c.secrets_key_arn, log_types=c.log_types, log_retention_days=c.log_retention_days,
        deletion_protection=c.deletion_protection, protect=c.protect))
    # The node role gets the cache's first-pull statement from the cache component itself.
    nodes = EksNodeGroup("nodes", EksNodeGroupArgs(
        cluster=cluster, placement=settings.placement, role_name=f"{c.name}-nodes", **c.node_group,
        pull_through_cache_policy=cache.puller_policy if cache is not None else None))

    pulumi.export("vpc_id", network.vpc_id)
    pulumi.export("cluster", {
        "name": cluster.cluster_name, "endpoint": cluster.endpoint, "oidc_issuer": cluster.oidc_issuer,
        "security_group_id": cluster.cluster_security_group_id, "node_role_arn": nodes.role.arn,
        "node_architecture": nodes.architecture,
        "update_kubeconfig": cluster.cluster_name.apply(
            lambda name: f"aws eks update-kubeconfig --region {settings.region} --name {name}"),
    })
    pulumi.export("kubeconfig", cluster.kubeconfig)

if settings.workload is not None:
    w = settings.workload
    repository = registry.repositories[w.repository]
    image = ServiceImage("image", ServiceImageArgs(
        repository_url=repository.repository_url, registry_id=repository.registry_id, context=w.context,
        dockerfile=w.dockerfile, platform=w.platform, build_args=w.build_args, target=w.target))
    # Nodes that can pull must exist before the Deployment waits for its pods.
    service = ServiceWorkload("service", ServiceWorkloadArgs(
        provider=cluster.provider, image=image.repo_digest, depends_on=[nodes],
        cluster_security_group_id=cluster.cluster_security_group_id, **w.workload_args()))

    pulumi.export("service", {
        "image": image.repo_digest, "tag": image.tag, "namespace": service.namespace,
        "node_port": service.node_port, "reach": service.how_to_reach,
    })

if settings.delivery is not None:
    # The roles the GitHub Actions workflows assume: the first `up` runs from a workstation, every
    # later one from the workflow with these (README, "Delivery").
    roles = GithubActionsRoles("github", settings.delivery)
    pulumi.export("delivery", {"oidc_provider_arn": roles.provider_arn, "preview_role_arn": roles.preview_role_arn,
                               "deploy_role_arn": roles.deploy_role_arn})
