"""Kubernetes workload policies (advisory): no ``latest`` tag, images from this platform's ECR
pinned by digest, pods that meet the ``restricted`` Pod Security Standard."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyConfigSchema, ResourceValidationArgs

from support import POD, WORKLOADS, Report, get, known, resource_policy

_ECR_IMAGE_RE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/(?P<repo>[^@:]+)"
    r"(?::(?P<tag>[\w.-]+))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


def _containers(props: Any) -> Iterator[tuple[str, Any]]:
    """(kind/name, image) of every container and init container of a workload's pod template."""
    spec = get(props, "spec", "template", "spec")
    for kind in ("initContainers", "containers"):
        for container in get(spec, kind) or []:
            yield f"{kind[:-1]} {get(container, 'name')}", get(container, "image")


def _image_tag(image: str) -> tuple[str | None, str | None]:
    """(tag, digest) of an image reference; the tag is None when absent."""
    digest = None
    if "@" in image:
        image, digest = image.split("@", 1)
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else None
    return tag, digest


@resource_policy(
    name="k8s-no-latest-tag",
    description="Kubernetes workloads do not run images by the 'latest' tag (or no tag).",
    level=EnforcementLevel.ADVISORY,
    types=WORKLOADS,
    checks='Containers and init containers of Deployments, StatefulSets and DaemonSets name a tag other than `latest`, or a digest.',
    why='`latest` is whatever was pushed last when a node pulls.',
)
def k8s_no_latest_tag(args: ResourceValidationArgs, report_violation: Report) -> None:
    for where, image in _containers(args.props):
        if not isinstance(image, str) or not known(image):
            continue
        tag, digest = _image_tag(image)
        if digest:
            continue
        if tag is None or tag == "latest":
            report_violation(f"{args.name}: {where} runs {image}, which resolves to whatever "
                             "'latest' points at when the node pulls; pin a version tag or digest.")


@resource_policy(
    name="k8s-image-from-ecr",
    description="Kubernetes workloads run images from this platform's ECR, pinned by digest.",
    level=EnforcementLevel.ADVISORY,
    types=WORKLOADS,
    config_schema=PolicyConfigSchema(properties={
        "accountIds": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[0-9]{12}$"},
            "default": [],
            "description": "Accounts whose ECR registries workloads may pull from; empty means "
                           "any private ECR registry.",
        },
        "requireDigest": {
            "type": "boolean",
            "default": True,
            "description": "Require images pinned by digest (@sha256:...).",
        },
    }),
    checks='Those containers use images from a private ECR registry (`accountIds` narrows it to named accounts), pinned by digest (`requireDigest`, default true).',
    why='The chapter\'s "images by full ECR path"; a digest is the image that was scanned.',
)
def k8s_image_from_ecr(args: ResourceValidationArgs, report_violation: Report) -> None:
    config = args.get_config() or {}
    accounts = list(config.get("accountIds", []))
    require_digest = bool(config.get("requireDigest", True))
    for where, image in _containers(args.props):
        if not isinstance(image, str) or not known(image):
            continue
        match = _ECR_IMAGE_RE.match(image)
        if match is None:
            report_violation(f"{args.name}: {where} runs {image}, which is not in a private ECR "
                             "registry (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO); push it to ECR "
                             "or pull it through the ECR pull-through cache.")
        elif accounts and match["account"] not in accounts:
            report_violation(f"{args.name}: {where} pulls from account {match['account']}'s ECR; "
                             f"this pack allows {', '.join(accounts)}.")
        elif require_digest and not match["digest"]:
            report_violation(f"{args.name}: {where} runs {image} by tag; pin it by digest "
                             "(REPO@sha256:...) so every node runs the image that was scanned.")


# --------------------------------------------------------------------------------------------
# k8s-pod-security: the restricted profile's fields, on a workload's pod template or a bare Pod.


def _pod_spec(resource_type: str, props: Any) -> Any:
    return get(props, "spec") if resource_type == POD else get(props, "spec", "template", "spec")


# The restricted profile (kubernetes.io/docs/concepts/security/pod-security-standards), field by field.
RESTRICTED_VOLUMES = frozenset({"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                                "projected", "secret"})
SAFE_SYSCTLS = frozenset({"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
                          "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
                          "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
                          "net.ipv4.tcp_keepalive_probes"})
SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})
APPARMOR_TYPES = frozenset({"RuntimeDefault", "Localhost"})


def _selinux_findings(where: str, options: Any) -> list[str]:
    if not options:
        return []
    found = []
    if (get(options, "type") or "") not in SELINUX_TYPES:
        found.append(f"{where} sets SELinux type {get(options, 'type')}")
    for key in ("user", "role"):
        if get(options, key):
            found.append(f"{where} sets an SELinux {key}")
    return found


def _apparmor_findings(where: str, ctx: Any) -> list[str]:
    kind = get(ctx, "appArmorProfile", "type")
    return [f"{where} sets AppArmor profile {kind}"] if kind is not None and kind not in APPARMOR_TYPES else []


def restricted_findings(pod: Any) -> list[str]:
    """What keeps a pod spec from the restricted Pod Security Standard (each a short phrase):
    every control of the baseline and restricted levels."""
    findings = []
    pod_ctx = get(pod, "securityContext") or {}
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if get(pod, key) is True:
            findings.append(f"{key} is true")
    for volume in get(pod, "volumes") or []:
        kinds = [k for k in volume if k != "name"] if isinstance(volume, Mapping) else []
        if get(volume, "hostPath") is not None:
            findings.append(f"volume {get(volume, 'name')} is a hostPath")
        elif kinds and not set(kinds) <= RESTRICTED_VOLUMES:
            findings.append(f"volume {get(volume, 'name')} is of a type restricted pods may not use "
                            f"({', '.join(sorted(set(kinds) - RESTRICTED_VOLUMES))})")
    for sysctl in get(pod_ctx, "sysctls") or []:
        if get(sysctl, "name") not in SAFE_SYSCTLS:
            findings.append(f"the pod sets the unsafe sysctl {get(sysctl, 'name')}")
    findings += _selinux_findings("the pod", get(pod_ctx, "seLinuxOptions"))
    findings += _apparmor_findings("the pod", pod_ctx)
    if get(pod_ctx, "windowsOptions", "hostProcess") is True:
        findings.append("the pod is a Windows HostProcess pod")
    pod_non_root = get(pod_ctx, "runAsNonRoot")
    pod_seccomp = get(pod_ctx, "seccompProfile", "type")
    if get(pod_ctx, "runAsUser") == 0:
        findings.append("the pod runs as UID 0")
    for kind in ("initContainers", "containers"):
        for container in get(pod, kind) or []:
            name = f"{kind[:-1]} {get(container, 'name')}"
            ctx = get(container, "securityContext") or {}
            if get(ctx, "privileged") is True:
                findings.append(f"{name} is privileged")
            if get(ctx, "allowPrivilegeEscalation") is not False:
                findings.append(f"{name} does not set allowPrivilegeEscalation: false")
            drop = get(ctx, "capabilities", "drop") or []
            if "ALL" not in drop:
                findings.append(f"{name} does not drop ALL capabilities")
            added = [c for c in get(ctx, "capabilities", "add") or [] if c != "NET_BIND_SERVICE"]
            if added:
                findings.append(f"{name} adds capabilities {', '.join(map(str, added))}")
            non_root = get(ctx, "runAsNonRoot")
            if not (non_root is True or (non_root is None and pod_non_root is True)):
                findings.append(f"{name} may run as root (runAsNonRoot is not true)")
            if get(ctx, "runAsUser") == 0:
                findings.append(f"{name} runs as UID 0")
            seccomp = get(ctx, "seccompProfile", "type") or pod_seccomp
            if seccomp not in ("RuntimeDefault", "Localhost"):
                findings.append(f"{name} has no RuntimeDefault (or Localhost) seccomp profile")
            for port in get(container, "ports") or []:
                if get(port, "hostPort") not in (None, 0):
                    findings.append(f"{name} uses hostPort {get(port, 'hostPort')}")
            if get(ctx, "procMount") not in (None, "Default"):
                findings.append(f"{name} sets procMount {get(ctx, 'procMount')}")
            findings += _selinux_findings(name, get(ctx, "seLinuxOptions"))
            findings += _apparmor_findings(name, ctx)
            if get(ctx, "windowsOptions", "hostProcess") is True:
                findings.append(f"{name} is a Windows HostProcess container")
    return findings


@resource_policy(
    name="k8s-pod-security",
    description="Pods (and workloads' pod templates) meet the restricted Pod Security Standard.",
    level=EnforcementLevel.ADVISORY,
    types=(*WORKLOADS, POD),
    checks='Deployments, StatefulSets, DaemonSets (their pod template) and bare Pods meet every control of the `restricted` Pod Security Standard: no host namespaces, hostPath, host ports, or volume types other than configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret; not privileged, no Windows HostProcess, `allowPrivilegeEscalation: false`, capabilities drop `ALL` (only `NET_BIND_SERVICE` may be added), `runAsNonRoot`, not UID 0, seccomp `RuntimeDefault` or `Localhost`, AppArmor `RuntimeDefault`/`Localhost` only, SELinux only the container types (no user or role), default `procMount`, only the safe sysctls.',
    why='A namespace enforcing `restricted` refuses such pods at `up`; the warning comes at preview.',
)
def k8s_pod_security(args: ResourceValidationArgs, report_violation: Report) -> None:
    pod = _pod_spec(args.resource_type, args.props)
    if pod is None:
        return
    findings = restricted_findings(pod)
    if findings:
        report_violation(f"{args.name} does not meet the restricted Pod Security Standard: "
                         f"{'; '.join(findings)}. A namespace enforcing it refuses these pods.")

