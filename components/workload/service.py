"""``ServiceWorkload``: the service on the cluster, by digest, under the ``restricted`` Pod
Security Standard and more.

A namespace that enforces ``restricted``; a service account without a token; a Deployment running
the pushed image by digest as the image's own non-root UID, with a read-only root filesystem (an
``emptyDir`` on ``/tmp``), no privilege escalation, every capability dropped and the runtime's
default seccomp profile; probes on the container's named port; spread across zones; rolling
updates that never go below the current replicas. A HorizontalPodAutoscaler (``autoscaling/v2``)
sets the replica count between the stack's minimum and maximum from the pods' CPU use against their
request (metrics-server, ``EksCluster.node_addons``); the Deployment states the minimum only for its
creation and leaves ``spec.replicas`` to the autoscaler afterwards (``ignore_changes``). A
PodDisruptionBudget keeps ``min_available`` pods through evictions, below the minimum so a node can
always drain. A NodePort Service (the chapter's 32410 by default): the target of
the front door's load balancer (``ServiceFrontDoor``), and of ``kubectl port-forward``. The nodes
have private addresses only, so the NodePort itself is no way in from outside the VPC.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from .. import token
from ..eks.node_group import KUBERNETES_EFFECTS, EksNodeGroup
from ..shared.errors import InvalidValue

NODE_PORT_RANGE = (30000, 32767)  # the API server's default --service-node-port-range
_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")  # RFC 1123 label (a namespace)
_SERVICE_NAME_RE = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?\Z")  # RFC 1035 label (a Service)
# The namespaces Kubernetes itself creates and uses: the workload's namespace is labelled to enforce
# the restricted profile, which would refuse the system pods that run there (kube-proxy, the VPC CNI,
# CoreDNS in kube-system), and the program would declare a Namespace that already exists. The image
# admission policy (components/supply_chain/admission.py) binds none of them.
SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease", "default")
MAX_PRESTOP_SECONDS = 300
MAX_REPLICAS = 100
# The HorizontalPodAutoscaler's behaviour, written out: Kubernetes' own defaults for autoscaling/v2
# (kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#default-behavior): scale up
# at once, by the larger of doubling and four pods each 15 s; scale down only to the highest
# recommendation of the last 300 s, by up to all of the surplus each 15 s.
# (stabilization window seconds, select policy, ((policy type, value, period seconds), ...))
ScalingRules = tuple[int, str, tuple[tuple[str, int, int], ...]]
SCALE_UP: ScalingRules = (0, "Max", (("Percent", 100, 15), ("Pods", 4, 15)))
SCALE_DOWN: ScalingRules = (300, "Max", (("Percent", 100, 15),))
_CPU_RE = re.compile(r"^([0-9]+m|[0-9]+(\.[0-9]+)?)\Z")
# Kubernetes quantities as the API server reads them: a decimal with a binary or decimal suffix
# (0.5Gi, 1.5G, 512Mi), or an exponent (129e6).
_MEMORY_RE = re.compile(r"^([0-9]+(\.[0-9]+)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|[eE][0-9]+)?\Z")
_MEMORY_UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
                 "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}


def memory_bytes(quantity: str) -> float:
    """The bytes a memory quantity stands for (``0.5Gi`` is 536870912)."""
    match = re.match(r"^([0-9.]+)([eE][0-9]+|[A-Za-z]*)$", quantity)
    if match is None:
        raise ValueError(quantity)
    number, unit = match.groups()
    if unit[:1] in ("e", "E"):
        return float(number) * 10 ** int(unit[1:])
    return float(number) * _MEMORY_UNITS[unit]


@dataclass(frozen=True)
class WorkloadSpec:
    """What a stack says about the service on the cluster; the defaults are this repository's app."""

    name: str
    """The Kubernetes name of the service account, Deployment, PDB and Service."""
    run_as_user: int
    """The image's own numeric non-root UID (the Dockerfile's ``USER``)."""
    namespace: str | None = None
    """The namespace (labelled to enforce ``restricted``); None: ``name``."""
    node_group: str | None = None
    """The node group the pods are pinned to (a node selector on its name); None: no selector
    (a cluster with one group). Its taints are tolerated either way."""
    min_replicas: int = 2
    """The fewest pods the autoscaler keeps (1-100; the Deployment starts with them)."""
    max_replicas: int = 6
    """The most pods the autoscaler makes (min_replicas-100)."""
    cpu_target: int = 70
    """The pods' average CPU use, in percent of their ``cpu_request``, the autoscaler aims at (1-100)."""
    min_available: int | None = None
    """Pods a PodDisruptionBudget keeps through evictions (node drains, scale-down); None:
    ``min_replicas - 1`` (at the minimum one pod may go at a time); 0: no budget."""
    container_port: int = 8080
    """The port the image's command listens on (its ``EXPOSE``)."""
    service_port: int = 80
    """The Service's port inside the cluster."""
    readiness_path: str = "/readyz"
    """HTTP path of the readiness probe."""
    liveness_path: str = "/healthz"
    """HTTP path of the liveness probe."""
    cpu_request: str = "100m"
    """Requested CPU (no CPU limit: throttling would only slow the service)."""
    memory_request: str = "128Mi"
    """Requested memory."""
    memory_limit: str = "256Mi"
    """Memory limit, at least the request."""
    node_port: int = 32410
    """The chapter's NodePort (30000-32767)."""
    prestop_seconds: int = 15
    """The preStop pause (the kubelet's own ``sleep`` handler: nothing runs in the container). A
    terminating pod keeps serving while its endpoint's removal reaches every node's kube-proxy;
    SIGTERM comes after it."""
    termination_grace_seconds: int = 30
    """From the start of a pod's termination to SIGKILL: above the pause plus the server's drain."""
    server_keep_alive_seconds: float | None = None
    """How long the image's server keeps an idle keep-alive connection (from its command; None:
    not known). The load balancer's idle timeout must be below it."""
    server_drain_seconds: float | None = None
    """How long the image's server may take after SIGTERM to finish what is in flight (from its
    command; None: no limit, or not known)."""

    @property
    def namespace_name(self) -> str:
        return self.namespace if self.namespace is not None else self.name

    @property
    def pdb_min_available(self) -> int:
        """What the PodDisruptionBudget keeps (0: no budget)."""
        return self.min_available if self.min_available is not None else self.min_replicas - 1


@dataclass(frozen=True)
class ServiceWorkloadArgs:
    """The spec and what it runs on."""

    spec: WorkloadSpec
    """Everything the stack says about the service."""
    provider: k8s.Provider
    """The cluster's Kubernetes provider (``EksCluster.provider``)."""
    image: pulumi.Input[str]
    """The image by digest (``ServiceImage.repo_digest``)."""
    node_group: EksNodeGroup | None = None
    """The group the pods run on: its taints are tolerated, and its name is the node selector
    when ``spec.node_group`` is set."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What must exist before the objects are created, e.g. the node groups (a Deployment waits for
    its pods; with no node that can pull, ``up`` would time out). A component's own ``depends_on``
    does not reach its children, so it is passed here."""


_PATH_RE = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*\Z")


def check_workload_spec(args: WorkloadSpec) -> None:
    """Raise ``InvalidValue`` (paths relative to ``workload``)."""
    if not isinstance(args.name, str) or not _SERVICE_NAME_RE.match(args.name):
        raise InvalidValue("name", args.name,
                           "is not a Kubernetes Service name (an RFC 1035 label: a lowercase letter, then lowercase "
                           "letters, digits and -, at most 63; the API server refuses anything else)")
    if not isinstance(args.namespace_name, str) or not _NAME_RE.match(args.namespace_name):
        raise InvalidValue("namespace", args.namespace_name,
                           "is not a Kubernetes namespace name (lowercase letters, digits and -, at most 63)")
    if args.namespace_name in SYSTEM_NAMESPACES:
        raise InvalidValue("namespace", args.namespace_name,
                           f"is one of Kubernetes' own namespaces ({', '.join(SYSTEM_NAMESPACES)}); the workload's "
                           "namespace enforces the restricted Pod Security profile, which would refuse the system "
                           "pods there, and the image admission policy leaves system namespaces alone, so the "
                           "service would run unchecked: give the service a namespace of its own")
    for key in ("min_replicas", "max_replicas"):
        value = getattr(args, key)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_REPLICAS:
            raise InvalidValue(key, value, f"is not a number of replicas (1-{MAX_REPLICAS})")
    if args.min_replicas > args.max_replicas:
        raise InvalidValue("min_replicas", args.min_replicas,
                           f"is above max_replicas ({args.max_replicas}); the autoscaler keeps the pods between the two")
    if args.min_available is not None and (
            not isinstance(args.min_available, int) or isinstance(args.min_available, bool) or args.min_available < 0):
        raise InvalidValue("min_available", args.min_available, "is not a number of pods (0 or more; 0: no budget)")
    keep = args.pdb_min_available
    if args.max_replicas < keep:
        raise InvalidValue("max_replicas", args.max_replicas,
                           f"is below the PodDisruptionBudget's minimum (min_available: {keep}); the budget could "
                           "never be met and no pod could ever be evicted")
    if args.min_replicas <= keep:
        raise InvalidValue("min_replicas", args.min_replicas,
                           f"is not above the PodDisruptionBudget's minimum (min_available: {keep}); at the "
                           "minimum scale no pod could be evicted, so no node could drain (Cluster Autoscaler's "
                           "scale-down, node updates): raise min_replicas or lower min_available")
    if not isinstance(args.cpu_target, int) or isinstance(args.cpu_target, bool) or not 1 <= args.cpu_target <= 100:
        raise InvalidValue("cpu_target", args.cpu_target,
                           "is not a CPU utilisation in percent of cpu_request (1-100)")
    for key in ("container_port", "service_port"):
        port = getattr(args, key)
        if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
            raise InvalidValue(key, port, "is not a port (1-65535)")
    for key in ("readiness_path", "liveness_path"):
        path = getattr(args, key)
        if not isinstance(path, str) or not _PATH_RE.match(path):
            raise InvalidValue(key, path, "is not an HTTP path (/readyz)")
    if not NODE_PORT_RANGE[0] <= args.node_port <= NODE_PORT_RANGE[1]:
        raise InvalidValue("node_port", args.node_port,
                           f"is outside the NodePort range {NODE_PORT_RANGE[0]}-{NODE_PORT_RANGE[1]}")
    if not _CPU_RE.match(args.cpu_request):
        raise InvalidValue("cpu_request", args.cpu_request, "is not a CPU quantity (250m, 0.5, 1)")
    for key in ("memory_request", "memory_limit"):
        if not _MEMORY_RE.match(getattr(args, key)):
            raise InvalidValue(key, getattr(args, key), "is not a memory quantity (128Mi, 0.5Gi, 1G)")
    if memory_bytes(args.memory_limit) < memory_bytes(args.memory_request):
        raise InvalidValue("memory_limit", args.memory_limit,
                           f"is below memory_request ({args.memory_request}); Kubernetes refuses the pod")
    if not isinstance(args.run_as_user, int) or args.run_as_user <= 0:
        raise InvalidValue("run_as_user", args.run_as_user, "must be the image's non-root numeric UID")
    if not 1 <= args.prestop_seconds <= MAX_PRESTOP_SECONDS:
        raise InvalidValue("prestop_seconds", args.prestop_seconds,
                           f"is not 1-{MAX_PRESTOP_SECONDS} seconds (the pause lets the pod's endpoint removal reach "
                           "every node before the server stops accepting)")
    drain = args.server_drain_seconds
    if drain == float("inf"):
        raise InvalidValue("termination_grace_seconds", args.termination_grace_seconds,
                           "cannot bound the server's drain: its command sets no limit (granian: add "
                           "--workers-kill-timeout SECONDS to the Dockerfile's CMD), so the kubelet's SIGKILL would "
                           "end requests in flight instead of the server")
    if drain is not None and args.termination_grace_seconds <= args.prestop_seconds + drain:
        raise InvalidValue("termination_grace_seconds", args.termination_grace_seconds,
                           f"is not above the preStop pause ({args.prestop_seconds} s) plus the server's drain "
                           f"({drain:g} s): the kubelet would SIGKILL requests still in flight")
    if args.termination_grace_seconds <= args.prestop_seconds:
        raise InvalidValue("termination_grace_seconds", args.termination_grace_seconds,
                           f"is not above the preStop pause ({args.prestop_seconds} s): the grace period includes "
                           "it, and the server would get no time to finish what is in flight")


def _rules(rules: ScalingRules) -> k8s.autoscaling.v2.HPAScalingRulesArgs:
    window, select, policies = rules
    return k8s.autoscaling.v2.HPAScalingRulesArgs(
        stabilization_window_seconds=window, select_policy=select,
        policies=[k8s.autoscaling.v2.HPAScalingPolicyArgs(type=kind, value=value, period_seconds=period)
                  for kind, value, period in policies])


class ServiceWorkload(pulumi.ComponentResource):
    """Namespace, service account, Deployment, HorizontalPodAutoscaler, PodDisruptionBudget, NodePort
    Service."""

    namespace: pulumi.Output[str]
    node_port: int
    how_to_reach: pulumi.Output[str]
    """The command that reaches the service from a workstation with cluster access (port-forward)."""

    def __init__(self, name: str, args: ServiceWorkloadArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("ServiceWorkload"), name, None, opts)
        spec = args.spec
        check_workload_spec(spec)
        namespace_name = spec.namespace_name
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=args.provider)
        labels = {"app.kubernetes.io/name": spec.name, "app.kubernetes.io/managed-by": "pulumi"}
        selector = {"app.kubernetes.io/name": spec.name}

        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=namespace_name, labels={
                **labels,
                # Pods that do not meet the restricted profile are refused by the API server.
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "latest",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
            }),
            opts=pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(depends_on=list(args.depends_on))))
        in_namespace = pulumi.ResourceOptions(parent=self, provider=args.provider,
                                              depends_on=[namespace, *args.depends_on])
        account = k8s.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=spec.name, namespace=namespace_name, labels=labels),
            # The service calls no Kubernetes API: no token in its pods.
            automount_service_account_token=False,
            opts=in_namespace)

        uid = spec.run_as_user
        container = k8s.core.v1.ContainerArgs(
            name=spec.name,
            image=args.image,
            ports=[k8s.core.v1.ContainerPortArgs(name="http", container_port=spec.container_port, protocol="TCP")],
            resources=k8s.core.v1.ResourceRequirementsArgs(
                requests={"cpu": spec.cpu_request, "memory": spec.memory_request},
                limits={"memory": spec.memory_limit}),
            readiness_probe=k8s.core.v1.ProbeArgs(
                http_get=k8s.core.v1.HTTPGetActionArgs(path=spec.readiness_path, port="http"),
                period_seconds=5, timeout_seconds=2, failure_threshold=3),
            liveness_probe=k8s.core.v1.ProbeArgs(
                http_get=k8s.core.v1.HTTPGetActionArgs(path=spec.liveness_path, port="http"),
                initial_delay_seconds=5, period_seconds=10, timeout_seconds=2, failure_threshold=3),
            security_context=k8s.core.v1.SecurityContextArgs(
                run_as_non_root=True, run_as_user=uid, run_as_group=uid,
                allow_privilege_escalation=False, privileged=False, read_only_root_filesystem=True,
                capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
                seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault")),
            volume_mounts=[k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")],
            # A terminating pod's endpoint is removed while the kubelet runs this; the server gets
            # SIGTERM only after it, once no node sends it new connections. The kubelet's own sleep
            # handler (on by default since Kubernetes 1.30, GA in 1.34, KEP-3960) needs nothing in
            # the image, which suits the read-only root filesystem and the restricted profile.
            lifecycle=k8s.core.v1.LifecycleArgs(pre_stop=k8s.core.v1.LifecycleHandlerArgs(
                sleep=k8s.core.v1.SleepActionArgs(seconds=spec.prestop_seconds))),
        )
        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=spec.name, namespace=namespace_name, labels=labels),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                # The minimum, for the Deployment's creation; then the autoscaler's (ignore_changes).
                replicas=spec.min_replicas,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                # Never below the desired replicas during a rollout: a new pod first, then an old one goes.
                strategy=k8s.apps.v1.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_unavailable=0, max_surge=1)),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=k8s.core.v1.PodSpecArgs(
                        service_account_name=spec.name,
                        automount_service_account_token=False,
                        # SIGKILL this long after termination starts: the pause, then the server's drain.
                        termination_grace_period_seconds=spec.termination_grace_seconds,
                        security_context=k8s.core.v1.PodSecurityContextArgs(
                            run_as_non_root=True, run_as_user=uid, run_as_group=uid, fs_group=uid,
                            seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault")),
                        containers=[container],
                        node_selector=self._node_selector(spec, args),
                        tolerations=self._tolerations(args),
                        volumes=[k8s.core.v1.VolumeArgs(
                            name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="64Mi"))],
                        topology_spread_constraints=[k8s.core.v1.TopologySpreadConstraintArgs(
                            max_skew=1, topology_key="topology.kubernetes.io/zone",
                            # A zone down (or a one-zone node group) must not stop scheduling.
                            when_unsatisfiable="ScheduleAnyway",
                            label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector))],
                    ),
                ),
            ),
            # spec.replicas is the autoscaler's once the Deployment exists. With server-side apply
            # (pulumi-kubernetes' default), the provider drops an ignored field from its apply when
            # another manager owns it (the HPA's scale updates) and otherwise sends the live value,
            # so an up neither conflicts with the HPA nor resets the count
            # (provider/pkg/await/await.go handleSSAIgnoreFields, docs/deploying.md).
            opts=pulumi.ResourceOptions.merge(in_namespace, pulumi.ResourceOptions(
                depends_on=[account], ignore_changes=["spec.replicas"])))
        self.autoscaler = k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-hpa",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=spec.name, namespace=namespace_name, labels=labels),
            spec=k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
                scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
                    api_version="apps/v1", kind="Deployment", name=spec.name),
                min_replicas=spec.min_replicas, max_replicas=spec.max_replicas,
                # CPU use against the pods' request (metrics-server's resource metrics).
                metrics=[k8s.autoscaling.v2.MetricSpecArgs(
                    type="Resource", resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
                        name="cpu", target=k8s.autoscaling.v2.MetricTargetArgs(
                            type="Utilization", average_utilization=spec.cpu_target)))],
                behavior=k8s.autoscaling.v2.HorizontalPodAutoscalerBehaviorArgs(
                    scale_up=_rules(SCALE_UP), scale_down=_rules(SCALE_DOWN))),
            opts=pulumi.ResourceOptions.merge(in_namespace, pulumi.ResourceOptions(depends_on=[self.deployment])))
        if spec.pdb_min_available > 0:
            # Evictions keep this many pods: below the minimum scale, so a node can always drain.
            k8s.policy.v1.PodDisruptionBudget(
                f"{name}-pdb",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=spec.name, namespace=namespace_name, labels=labels),
                spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                    min_available=spec.pdb_min_available,
                    selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector)),
                opts=in_namespace)
        self.service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=spec.name, namespace=namespace_name, labels=labels),
            spec=k8s.core.v1.ServiceSpecArgs(
                type="NodePort", selector=selector,
                ports=[k8s.core.v1.ServicePortArgs(name="http", port=spec.service_port, target_port="http",
                                                   node_port=spec.node_port, protocol="TCP")]),
            opts=in_namespace)
        self.namespace = namespace.metadata.name
        self.node_port = spec.node_port
        # The nodes have private addresses only: from outside the VPC the NodePort is no way in; the
        # front door's load balancer is (its URL is its own output). This is the debugging path.
        self.how_to_reach = self.namespace.apply(
            lambda ns: f"kubectl -n {ns} port-forward svc/{spec.name} 8080:{spec.service_port}, then curl "
                       f"http://127.0.0.1:8080/")
        self.register_outputs({"namespace": self.namespace, "node_port": self.node_port,
                               "how_to_reach": self.how_to_reach})

    @staticmethod
    def _node_selector(spec: WorkloadSpec, wiring: ServiceWorkloadArgs) -> dict[str, pulumi.Input[str]] | None:
        """Pin the pods to their group (managed nodes carry ``eks.amazonaws.com/nodegroup``)."""
        if spec.node_group is None or wiring.node_group is None:
            return None
        return {"eks.amazonaws.com/nodegroup": wiring.node_group.node_group_name}

    @staticmethod
    def _tolerations(wiring: ServiceWorkloadArgs) -> list[k8s.core.v1.TolerationArgs] | None:
        """Tolerate exactly the taints of the group the pods run on."""
        taints = wiring.node_group.spec.taints if wiring.node_group is not None else ()
        return [k8s.core.v1.TolerationArgs(key=t.key, operator="Equal", value=t.value or None,
                                           effect=KUBERNETES_EFFECTS[t.effect]) for t in taints] or None
