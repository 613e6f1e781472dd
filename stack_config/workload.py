"""The ``workload`` section: the service's image and its objects on the cluster."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from components.ecr.repository import EcrRepositoryArgs
from components.eks.node_group import AMI_TYPES
from components.workload.image import ServiceImageArgs, check_image_args, dockerfile_user
from components.workload.service import ServiceWorkloadArgs, check_workload_args

from . import schema
from .values import ConfigError, Value, domain, opt


@dataclass
class WorkloadSettings:
    """What the stack asks of the workload; ``__main__.py`` builds the Args from it and the
    components (registry, cluster) they take."""

    repository: str
    context: str
    dockerfile: str
    platform: str
    build_args: dict[str, str]
    target: str | None
    namespace: str
    replicas: int
    container_port: int
    cpu_request: str
    memory_request: str
    memory_limit: str
    node_port: int
    client_cidrs: tuple[str, ...]
    run_as_user: int
    image_args: dict = field(default_factory=dict)

    def workload_args(self) -> dict:
        return {"name": self.repository.rsplit("/", 1)[-1], "namespace": self.namespace,
                "replicas": self.replicas, "container_port": self.container_port,
                "cpu_request": self.cpu_request, "memory_request": self.memory_request,
                "memory_limit": self.memory_limit, "node_port": self.node_port,
                "client_cidrs": self.client_cidrs, "run_as_user": self.run_as_user}


def workload_section(node: Value, repositories: list[EcrRepositoryArgs], ami_type: str,
                     root: Path) -> WorkloadSettings:
    fields = node.object(schema.keys_of("workload"))
    if "repository" not in fields:
        raise ConfigError(f"{node.path}.repository", None, "is required (a repository of `repositories`)")
    repository = fields["repository"].string()
    names = [r.name for r in repositories]
    if repository not in names:
        raise fields["repository"].fail(f"is not a repository of this stack; its repositories: {', '.join(names)}")
    nodes = f"linux/{AMI_TYPES[ami_type]}"
    platform = opt(fields, "platform", Value.string, nodes)
    if platform != nodes:
        raise fields["platform"].fail(f"does not match the nodes ({ami_type} runs {nodes}); build for {nodes}, "
                                      "or change cluster.node_group.ami_type")
    context = opt(fields, "context", Value.string, "app")
    image = {"context": context, "dockerfile": opt(fields, "dockerfile", Value.string, f"{context}/Dockerfile"),
             "platform": platform, "build_args": opt(fields, "build_args", Value.tags, {}),
             "target": opt(fields, "target", Value.string)}
    domain(lambda: check_image_args(ServiceImageArgs(repository_url="", registry_id="", **image), root),
           "workload")
    uid = dockerfile_user(root / image["dockerfile"])
    if uid is None or uid == 0:
        raise ConfigError(f"{node.path}.dockerfile", image["dockerfile"],
                          "must end with a numeric non-root USER (USER 10001:10001): the pods run as that "
                          "UID under the restricted Pod Security Standard")
    settings = WorkloadSettings(
        repository=repository, **image,
        namespace=opt(fields, "namespace", Value.string, repository.rsplit("/", 1)[-1]),
        replicas=opt(fields, "replicas", Value.positive_int, 2),
        container_port=opt(fields, "container_port", Value.positive_int, 8080),
        cpu_request=opt(fields, "cpu_request", Value.tag_value, "100m"),
        memory_request=opt(fields, "memory_request", Value.string, "128Mi"),
        memory_limit=opt(fields, "memory_limit", Value.string, "256Mi"),
        node_port=opt(fields, "node_port", Value.positive_int, 32410),
        client_cidrs=opt(fields, "client_cidrs", Value.strings, ()),
        run_as_user=uid,
    )
    domain(lambda: check_workload_args(ServiceWorkloadArgs(  # the provider stands in for the cluster's
        provider=None, image="", **settings.workload_args())), "workload")  # type: ignore[arg-type]
    return settings
