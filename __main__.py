"""The container platform: reads the stack's configuration once, composes the components, exports
what a user needs. Reads top-down like the architecture diagram in the README:
registry → scanning → replication → caches → delivery roles → network → cluster (with the roles'
access entries) → node groups → their add-ons (Pod Identity agent, metrics-server), observability and
the Cluster Autoscaler → runners → image → scan gate → admission policy → workload → front door. Each component gets its spec (from the stack file) plus its wiring (other
components and their outputs); nothing here reads or reshapes config.
"""

import pulumi

import stack_config
from components.delivery import (
    CodeBuildRunners,
    CodeBuildRunnersArgs,
    GithubActionsRoles,
    GithubActionsRolesArgs,
)
from components.delivery.cluster_reader import PreviewClusterReader, PreviewClusterReaderArgs, reader_group
from components.ecr import (
    EcrRegistry,
    EcrReplication,
    EcrReplicationArgs,
    PullThroughCache,
    PullThroughCacheArgs,
    RegistryScanning,
)
from components.eks import AccessGrant, EksCluster, EksClusterArgs, EksNetwork, EksNodeGroup, EksNodeGroupArgs
from components.eks.autoscaler import ClusterAutoscaler, ClusterAutoscalerArgs
from components.eks.observability import ClusterObservability, ClusterObservabilityArgs
from components.shared.boundary import PermissionsBoundary, every_role_carries
from components.supply_chain.admission import ImageAdmission, ImageAdmissionArgs
from components.supply_chain.scan_gate import ImageScanGate, ImageScanGateArgs
from components.workload import (
    ServiceFrontDoor,
    ServiceFrontDoorArgs,
    ServiceImage,
    ServiceImageArgs,
    ServiceWorkload,
    ServiceWorkloadArgs,
    image_tag,
)

settings = stack_config.load()

# The ceiling of every IAM role the stack creates: declared first, so every role after it carries
# it (and waits for it).
boundary = PermissionsBoundary("boundary", settings.boundary)
every_role_carries(boundary.arn, settings.boundary.scope.path)

# The registry: repositories, their key, and scanning in every region the registry reaches.
# The workload's repository gets its lifecycle policy once the tag the stack runs is known (below).
workload = settings.kubernetes.workload if settings.kubernetes is not None else None
registry = EcrRegistry("registry", settings.registry,
                       workload_repository=workload.repository if workload is not None else None)
scanning = RegistryScanning("scanning", settings.scanning)

pulumi.export("registry_id", registry.registry_id)
pulumi.export("repositories", {
    name: {"name": repo.repository_name, "url": repo.repository_url, "arn": repo.arn}
    for name, repo in registry.repositories.items()
})
if registry.kms_key_arn is not None:
    pulumi.export("kms_key_arn", registry.kms_key_arn)

replication = None
if settings.replication is not None:
    # Replicas are scanned on push only once the replica regions' scanning configurations exist.
    replication = EcrReplication("replication", EcrReplicationArgs(settings.replication, depends_on=[scanning]))
    if replication.destination_steps:
        pulumi.export("replication_destination_registry_policies", replication.destination_steps)

cache = None
if settings.cache is not None:
    # Cached repositories share the registry's key (a created key exists only once declared).
    cache = PullThroughCache("cache", PullThroughCacheArgs(settings.cache, kms_key=registry.kms_key_arn))
    pulumi.export("pull_through_cache", cache.url_prefixes)
    pulumi.export("pull_through_cache_upstreams", cache.upstream_prefixes)
    pulumi.export("pull_through_cache_puller_policy", cache.puller_policy)

# The roles the GitHub Actions workflows assume (the first `up` runs from a workstation, every
# later one from the workflows with these, docs/delivery.md). Before the cluster: their access
# entries are the cluster's.
roles = (GithubActionsRoles("github", GithubActionsRolesArgs(settings.delivery, boundary_arn=boundary.arn,
                                                             scope=settings.boundary.scope))
         if settings.delivery is not None else None)

if (k := settings.kubernetes) is not None:
    network = EksNetwork("network", k.network)
    # The deploy role applies the program's objects (a Namespace among them: cluster-scoped, so
    # cluster admin); the preview role reads, which preview and refresh need (docs/delivery.md).
    grants = {} if roles is None else {
        "ci-deploy": AccessGrant(roles.deploy_role_arn, "cluster-admin"),
        # View reads neither RBAC objects nor admission policies: a group bound to a ClusterRole
        # that reads them (below) lets the drift check refresh them (docs/delivery.md).
        "ci-preview": AccessGrant(roles.preview_role_arn, "view",
                                  kubernetes_groups=(reader_group(pulumi.get_project()),))}
    cluster = EksCluster("cluster", EksClusterArgs(k.cluster, network=network, grants=grants))
    # Each group's node role gets the cache's first-pull statement from the cache component itself.
    groups = {group.name: EksNodeGroup(group.name, EksNodeGroupArgs(
        group, cluster=cluster, pull_through_cache_policy=cache.puller_policy if cache is not None else None))
        for group in k.node_groups}
    cluster.core_dns("cluster", list(groups.values()))
    if roles is not None and cluster.provider is not None:
        PreviewClusterReader("preview-reader", PreviewClusterReaderArgs(
            provider=cluster.provider, group=reader_group(pulumi.get_project())))
    # Pods get AWS roles through EKS Pod Identity (the agent), and the HorizontalPodAutoscaler its
    # metrics (metrics-server): both once nodes exist.
    pod_identity_agent, _ = cluster.node_addons("cluster", list(groups.values()))
    if k.observability is not None:
        # Container Insights and the containers' logs, in log groups the program creates first.
        ClusterObservability("observability", ClusterObservabilityArgs(
            k.observability, cluster=cluster, depends_on=[*groups.values(), pod_identity_agent]))
    if k.autoscaler is not None and cluster.provider is not None:
        # Nodes follow the pods: the groups' desired sizes are the autoscaler's. Its image by digest,
        # through the registry's cache for registry.k8s.io when the stack has one.
        through_cache = settings.cache is not None and any("registry.k8s.io" in rule.hosts
                                                           for rule in settings.cache.rules)
        ClusterAutoscaler("autoscaler", ClusterAutoscalerArgs(
            k.autoscaler, cluster=cluster, provider=cluster.provider, node_groups=list(groups.values()),
            image=cache.cached_image(k.autoscaler.upstream_image) if cache is not None and through_cache
            else k.autoscaler.upstream_image,
            depends_on=[pod_identity_agent]))

    pulumi.export("vpc_id", network.vpc_id)
    pulumi.export("cluster", {
        "name": cluster.cluster_name, "endpoint": cluster.endpoint, "oidc_issuer": cluster.oidc_issuer,
        "security_group_id": cluster.cluster_security_group_id,
        "node_groups": {name: {"role_arn": group.role.arn, "architecture": group.architecture}
                        for name, group in groups.items()},
        "update_kubeconfig": cluster.update_kubeconfig,
        "creator_arn": cluster.creator_arn,
    })
    pulumi.export("kubeconfig", cluster.kubeconfig)

    runners = None
    if settings.runners is not None and settings.runners.mode == "codebuild":
        # In the private subnets, admitted by the cluster's API: where deploy, drift and preview run.
        runners = CodeBuildRunners("runners", CodeBuildRunnersArgs(
            settings.runners, network=network, cluster_security_group_id=cluster.cluster_security_group_id,
            log_key_arn=cluster.key_arn))

    if (w := k.workload) is not None and cluster.provider is not None and settings.admission is not None:
        repository = registry.repositories[w.repository]
        image = ServiceImage("image", ServiceImageArgs(
            w.image, repository_url=repository.repository_url, registry_id=repository.registry_id,
            repository_name=w.repository, depends_on=[replication] if replication is not None else []))
        # The Deployment runs the gate's image: `pulumi up` changes it only once the registry's scan
        # of a new digest has finished with no finding at or above the stack's threshold.
        gate = ImageScanGate("scan-gate", ImageScanGateArgs(
            w.scan_gate, image=image.repo_digest, registry_id=repository.registry_id, repository_name=w.repository,
            region=settings.region, scan_type=settings.scanning.scan_type, aws_profile=k.cluster.aws_profile))
        # In the cluster, only digest-pinned images from this registry (or its caches) run in the
        # workload's namespace: in force before anything is created there.
        admission = ImageAdmission("admission", ImageAdmissionArgs(
            settings.admission, provider=cluster.provider, registry_id=repository.registry_id))
        # Nodes that can pull must exist before the Deployment waits for its pods.
        service = ServiceWorkload("service", ServiceWorkloadArgs(
            w.service, provider=cluster.provider, image=gate.image, node_group=groups[w.node_group],
            depends_on=[*groups.values(), admission]))

        # Its lifecycle keeps the image the stack runs, and moves on only once the rollout succeeded.
        repository.lifecycle(keep_tags=[image.tag], depends_on=[service.deployment])

        pulumi.export("service", {
            "image": image.repo_digest, "tag": image.tag, "namespace": service.namespace,
            "node_port": service.node_port, "port_forward": service.how_to_reach,
            # The docker.Image this run built and pushed, else None (the tag was in ECR). The next
            # run declares none, so the deploy workflow drops it from the state right away with a
            # targeted `up` (pulumi-docker's Delete does nothing): drift then sees no change.
            "image_resource": image.image.urn if image.image is not None else None,
        })

    if (w := k.workload) is not None and cluster.provider is None:
        # No workload on the cluster this run (a bootstrap): the tag the code builds stays kept.
        registry.repositories[w.repository].lifecycle(keep_tags=[image_tag(w.image)])

    if (w := k.workload) is not None and k.front_door is not None:
        # The way in: a load balancer whose targets are the NodePort on the service's nodes. AWS's
        # resources only, so a bootstrap run (from outside the VPC) creates it too.
        front_door = ServiceFrontDoor("front-door", ServiceFrontDoorArgs(
            k.front_door, network=network, workload=w.service, node_groups=[groups[w.node_group]],
            node_security_group_id=cluster.cluster_security_group_id))
        pulumi.export("url", front_door.url)
        pulumi.export("front_door", {"dns_name": front_door.dns_name, "reach": front_door.how_to_reach})

if roles is not None:
    pulumi.export("delivery", {
        "oidc_provider_arn": roles.provider_arn, "preview_role_arn": roles.preview_role_arn,
        "deploy_role_arn": roles.deploy_role_arn,
        "runners": None if settings.runners is None else {
            "mode": settings.runners.mode,
            # None until the connection is AVAILABLE: the project and its webhook wait for it.
            "project_name": runners.project_name if k is not None and runners is not None else None,
            "connection_arn": runners.connection_arn if k is not None and runners is not None else None,
            "connection_status": runners.connection_status if k is not None and runners is not None else None,
        }})
