"""``ImageAdmission``: the cluster runs, in the platform's namespaces, only pods whose every image
is pinned by digest and comes from this stack's registry or its pull-through caches.

A ``ValidatingAdmissionPolicy`` and its ``ValidatingAdmissionPolicyBinding``
(``admissionregistration.k8s.io/v1``, GA since Kubernetes 1.30; the clusters run 1.32 or later,
``components/eks/versions.py``): built into the API server, evaluated in CEL, no controller or
webhook to run. ``failurePolicy: Fail`` (an expression that cannot be evaluated refuses the
request) and ``validationActions: [Deny]``.

What it matches: creating or updating a Pod (and adding ephemeral containers, the
``pods/ephemeralcontainers`` subresource ``kubectl debug`` uses), and the pod templates of
Deployments, ReplicaSets, StatefulSets, DaemonSets, ReplicationControllers, Jobs and CronJobs. A
policy on pods alone would let a Deployment with a foreign image be created and then fail every
pod its ReplicaSet makes, with the error in the ReplicaSet's events; judging the template refuses
the Deployment itself, where ``pulumi up`` (or ``kubectl apply``) shows the message.

Where: namespaces are selected by ``kubernetes.io/metadata.name`` (set by the API server, which a
namespace's admin cannot change), so only the platform's workload namespaces are bound; the system
namespaces (``kube-system``, ``kube-public``, ``kube-node-lease``), where EKS's add-ons run from
AWS's registries, are never.

The expressions use only what both Kubernetes' CEL and the offline evaluator (cel-python, with
RE2 regular expressions as Kubernetes uses) support: ``dyn()``, ``has()``, ``all()``,
``matches()`` on a constant pattern, ``==`` and ``?:``. Dots in the pattern are written ``[.]``,
so no string escape differs between YAML, CEL and RE2. ``tools/admission.py`` evaluates them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from .. import token
from ..shared.errors import InvalidValue
from ..shared.placement import Placement
from ..workload.service import SYSTEM_NAMESPACES

POLICY_NAME = "pinned-images-from-this-registry"
NAMESPACE_LABEL = "kubernetes.io/metadata.name"
_NAMESPACE_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")
# What the policy judges: (API group, resources), all at version v1, on CREATE and UPDATE.
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("", ("pods", "pods/ephemeralcontainers", "replicationcontrollers")),
    ("apps", ("deployments", "replicasets", "statefulsets", "daemonsets")),
    ("batch", ("jobs", "cronjobs")),
)
# The pod spec of whatever was matched: a Pod's own, a CronJob's job template's, else the template's.
POD_SPEC = ("object.kind == 'Pod' ? dyn(object).spec : (object.kind == 'CronJob' ? "
            "dyn(object).spec.jobTemplate.spec.template.spec : dyn(object).spec.template.spec)")
CONTAINER_LISTS = (("containers", True), ("initContainers", False), ("ephemeralContainers", False))
"""The pod spec's lists of containers, and whether the list is required."""
DIGEST = "@sha256:[a-f0-9]{64}"
TAG = "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"


@dataclass(frozen=True)
class ImageAdmissionSpec:
    """Which images pods in the platform's namespaces may run, and where it is enforced."""

    placement: Placement
    """The registry's region (its host name's region and DNS suffix)."""
    namespaces: tuple[str, ...]
    """The namespaces the platform's workloads use: the binding selects these only."""
    repositories: tuple[str, ...]
    """The stack's repositories: ``HOST/REPOSITORY[:tag]@sha256:...`` is admitted."""
    cache_prefixes: tuple[str, ...] = ()
    """The pull-through cache prefixes: ``HOST/PREFIX/ANY/PATH[:tag]@sha256:...`` is admitted."""


@dataclass(frozen=True)
class ImageAdmissionArgs:
    """The spec and the cluster it is applied to."""

    spec: ImageAdmissionSpec
    """Which images, where."""
    provider: k8s.Provider
    """The cluster's Kubernetes provider (``EksCluster.provider``)."""
    registry_id: pulumi.Input[str]
    """The registry's account (its host name's first part)."""


def check_admission_spec(spec: ImageAdmissionSpec) -> None:
    """Raise ``InvalidValue`` for a policy that would bind nothing, or bind a system namespace."""
    if not spec.namespaces:
        raise InvalidValue("namespaces", [], "is empty; the policy would apply nowhere")
    for i, namespace in enumerate(spec.namespaces):
        if not isinstance(namespace, str) or not _NAMESPACE_RE.match(namespace):
            raise InvalidValue(f"namespaces[{i}]", namespace, "is not a Kubernetes namespace name")
        if namespace in SYSTEM_NAMESPACES:
            raise InvalidValue(f"namespaces[{i}]", namespace,
                               "is a system namespace (EKS's add-ons run there from AWS's registries); the policy "
                               "leaves those alone")
    if not spec.repositories:
        raise InvalidValue("repositories", [], "is empty; no image could be admitted")


def registry_host(registry_id: str, placement: Placement) -> str:
    """``ACCOUNT.dkr.ecr.REGION.amazonaws.com`` (``.com.cn`` in China)."""
    return f"{registry_id}.dkr.ecr.{placement.region}.{placement.dns_suffix}"


def _literal(text: str) -> str:
    """``text`` as an RE2 literal: its dots as ``[.]``; repository names and prefixes hold no other
    metacharacter (lowercase letters, digits, ``. _ - /``)."""
    if not re.fullmatch(r"[a-z0-9._/-]+", text):
        raise ValueError(f"{text!r} is not a registry host, repository name or prefix")
    return text.replace(".", "[.]")


def image_pattern(host: str, repositories: Sequence[str], cache_prefixes: Sequence[str] = ()) -> str:
    """The RE2 pattern an admitted image matches, whole: the host, a repository of the stack (or a
    path under a cache prefix), an optional tag, and a sha256 digest of 64 lowercase hex digits."""
    paths = [_literal(r) for r in sorted(repositories)]
    if cache_prefixes:
        paths.append(f"(?:{'|'.join(_literal(p) for p in sorted(cache_prefixes))})/[a-z0-9][a-z0-9._/-]*")
    return f"^{_literal(host)}/(?:{'|'.join(paths)}){TAG}{DIGEST}$"


def validations(host: str, spec: ImageAdmissionSpec) -> list[dict[str, str]]:
    """The policy's validations (``expression``, ``message``, ``reason``), one per container list."""
    pattern = image_pattern(host, spec.repositories, spec.cache_prefixes)
    where = f"{host}/ ({', '.join(sorted(spec.repositories))}"
    where += f"; pull-through caches: {', '.join(p + '/' for p in sorted(spec.cache_prefixes))})" if spec.cache_prefixes \
        else ")"
    out = []
    for field, required in CONTAINER_LISTS:
        each = f"variables.podSpec.{field}.all(c, c.image.matches('{pattern}'))"
        out.append({
            "expression": each if required else f"!has(variables.podSpec.{field}) || {each}",
            "message": f"every image of {field} must be pinned by digest (@sha256: and 64 hex digits) and come from "
                       f"this stack's registry {where}",
            "reason": "Forbidden",
        })
    return out


def _field(checks: pulumi.Output[list[dict[str, str]]], index: int, key: str) -> pulumi.Output[str]:
    return checks.apply(lambda found: found[index][key])


class ImageAdmission(pulumi.ComponentResource):
    """The admission policy and its binding."""

    policy_name: pulumi.Output[str]

    def __init__(self, name: str, args: ImageAdmissionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("ImageAdmission"), name, None, opts)
        spec = args.spec
        check_admission_spec(spec)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        checks = pulumi.Output.from_input(args.registry_id).apply(
            lambda account: validations(registry_host(account, spec.placement), spec))
        labels = {"app.kubernetes.io/managed-by": "pulumi"}
        policy = k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
            f"{name}-policy",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=POLICY_NAME, labels=labels),
            spec=k8s.admissionregistration.v1.ValidatingAdmissionPolicySpecArgs(
                failure_policy="Fail",
                match_constraints=k8s.admissionregistration.v1.MatchResourcesArgs(resource_rules=[
                    k8s.admissionregistration.v1.NamedRuleWithOperationsArgs(
                        api_groups=[group], api_versions=["v1"], operations=["CREATE", "UPDATE"],
                        resources=list(resources))
                    for group, resources in RULES]),
                variables=[k8s.admissionregistration.v1.VariableArgs(name="podSpec", expression=POD_SPEC)],
                validations=[k8s.admissionregistration.v1.ValidationArgs(
                    expression=_field(checks, i, "expression"), message=_field(checks, i, "message"),
                    reason=_field(checks, i, "reason"))
                    for i in range(len(CONTAINER_LISTS))],
            ),
            opts=child)
        k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
            f"{name}-binding",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=POLICY_NAME, labels=labels),
            spec=k8s.admissionregistration.v1.ValidatingAdmissionPolicyBindingSpecArgs(
                policy_name=policy.metadata.name,
                validation_actions=["Deny"],
                match_resources=k8s.admissionregistration.v1.MatchResourcesArgs(
                    namespace_selector=k8s.meta.v1.LabelSelectorArgs(match_expressions=[
                        k8s.meta.v1.LabelSelectorRequirementArgs(
                            key=NAMESPACE_LABEL, operator="In", values=list(spec.namespaces))]))),
            opts=child)
        self.policy_name = policy.metadata.name
        self.register_outputs({"policy_name": self.policy_name})
