"""What decides which images run (mandatory): a stack that runs a workload has the scan gate in
front of it and the admission policy in the cluster.

Both need several resources at once (the workload and its gate; the workload, the policy and its
binding), so they are stack policies: they stop ``pulumi preview`` (and the CI gate) and detect
during ``up``. A value unknown during preview (a policy name, a namespace) is followed through the
engine's property dependencies where it can be, and otherwise skipped, never a violation on its
own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from support import (
    POD_WORKLOADS,
    SCAN_GATE,
    VALIDATING_ADMISSION_POLICY,
    VALIDATING_ADMISSION_POLICY_BINDING,
    Report,
    get,
    known,
    linked,
    of_type,
    per_resource,
    stack_policy,
)

NAMESPACE = "kubernetes:core/v1:Namespace"
NAMESPACE_LABEL = "kubernetes.io/metadata.name"
# Kubernetes' own namespaces, where the cluster's add-ons run (EKS's from AWS's registries, the
# stack's Cluster Autoscaler from registry.k8s.io or its cache): the admission policy binds none of
# them by design (components/supply_chain/admission.py), the stack's workloads may not use them
# (components/workload/service.py), and what the stack runs there is pinned by digest in its code.
SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")
DIGEST_SUFFIX = "@sha256:"
# The API resource (plural) each workload type is created as: what a policy's resourceRules name.
RESOURCE_OF = {
    "kubernetes:core/v1:Pod": "pods", "kubernetes:core/v1:ReplicationController": "replicationcontrollers",
    "kubernetes:apps/v1:Deployment": "deployments", "kubernetes:apps/v1:ReplicaSet": "replicasets",
    "kubernetes:apps/v1:StatefulSet": "statefulsets", "kubernetes:apps/v1:DaemonSet": "daemonsets",
    "kubernetes:batch/v1:Job": "jobs", "kubernetes:batch/v1:CronJob": "cronjobs",
}


def _system_namespace(res: PolicyResource) -> bool:
    namespace = get(res.props, "metadata", "namespace")
    return known(namespace) and namespace in SYSTEM_NAMESPACES


def _images(res: PolicyResource) -> list[tuple[str, Any]]:
    """(container name, image) of every container of a workload's pod spec."""
    pod = get(res.props, "spec") if res.resource_type == "kubernetes:core/v1:Pod" else (
        get(res.props, "spec", "jobTemplate", "spec", "template", "spec")
        if res.resource_type == "kubernetes:batch/v1:CronJob" else get(res.props, "spec", "template", "spec"))
    return [(str(get(c, "name")), get(c, "image")) for kind in ("initContainers", "containers")
            for c in get(pod, kind) or []]


def _who(res: PolicyResource) -> str:
    kind = res.resource_type.rsplit(":", 1)[-1]
    try:
        name = get(res.props, "metadata", "name")
    except UnknownValueError:
        name = None
    return f"{kind} {name if isinstance(name, str) else res.name}"


@stack_policy(
    name="k8s-scan-gate-before-rollout",
    description="Every workload's image comes through the scan gate, which waits for the registry's scan during up.",
    level=EnforcementLevel.MANDATORY,
    checks='Every Kubernetes workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod, ReplicationController) outside Kubernetes\' own namespaces (`kube-system`, `kube-public`, `kube-node-lease`: cluster add-ons pinned by digest, which `k8s-admission-pinned-images` checks) depends on a scan gate (`pulumi-python:dynamic:ScanFindingsGate`, `ImageScanGate`): its pod template takes its image from the gate, so `pulumi up` changes it only after the registry\'s scan of a new digest has finished with no finding at or above the stack\'s threshold.',
    why='Scan on push alone acts on nothing: without the gate an image with a critical CVE is pushed, scanned and rolled out in the same `up`.',
)
def k8s_scan_gate_before_rollout(args: StackValidationArgs, report_violation: Report) -> None:
    def check(res: PolicyResource) -> None:
        if _system_namespace(res):
            return  # a cluster add-on pinned by digest in code (k8s-admission-pinned-images checks the pin)
        gated = [d for d in res.dependencies or [] if d.resource_type == SCAN_GATE]
        gated += linked(res, "spec", SCAN_GATE)
        if gated:
            return
        report_violation(
            f"{_who(res)} runs an image no scan gate has judged: none of its dependencies is a {SCAN_GATE}. "
            "`pulumi up` would roll a new digest out before its scan has finished, whatever the scan finds. "
            "Give its containers the image of an ImageScanGate (components/supply_chain/scan_gate.py): "
            "image=gate.image.", res.urn)

    per_resource(args, POD_WORKLOADS, check)


# --------------------------------------------------------------------------------------------
# k8s-admission-pinned-images


def selects(selector: Any, labels: Mapping[str, str]) -> bool:
    """Whether a label selector (``matchLabels``, ``matchExpressions``) selects ``labels``; an
    empty or missing selector selects everything, as Kubernetes reads it."""
    if not selector:
        return True
    for key, value in (get(selector, "matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in get(selector, "matchExpressions") or []:
        key, operator = get(expression, "key"), get(expression, "operator")
        values = list(get(expression, "values") or [])
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
        if operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False
    return True


def _namespace_labels(args: StackValidationArgs, namespace: str) -> dict[str, str]:
    """The labels the API server sees on ``namespace``: its Namespace's own (when the stack
    declares it) and ``kubernetes.io/metadata.name``, which the API server sets."""
    labels: dict[str, str] = {}
    for ns in of_type(args, NAMESPACE):
        try:
            if get(ns.props, "metadata", "name") == namespace:
                labels.update({k: v for k, v in (get(ns.props, "metadata", "labels") or {}).items()
                               if isinstance(v, str) and known(v)})
        except UnknownValueError:
            continue
    labels[NAMESPACE_LABEL] = namespace
    return labels


def _policy_of(binding: PolicyResource, policies: list[PolicyResource]) -> PolicyResource | None:
    """The ValidatingAdmissionPolicy a binding names: by reference (preview), else by name."""
    found = linked(binding, "spec", VALIDATING_ADMISSION_POLICY)
    if found:
        return found[0]
    name = get(binding.props, "spec", "policyName")
    for policy in policies:
        try:
            if name is not None and get(policy.props, "metadata", "name") == name:
                return policy
        except UnknownValueError:
            continue
    return None


def _covers(policy: PolicyResource, resource: str) -> bool:
    """The policy's resourceRules match creating and updating ``resource`` (core or any group)."""
    for rule in get(policy.props, "spec", "matchConstraints", "resourceRules") or []:
        resources = list(get(rule, "resources") or [])
        operations = list(get(rule, "operations") or [])
        if (resource in resources or "*" in resources) and ("*" in operations or
                                                            {"CREATE", "UPDATE"} <= set(operations)):
            return True
    return False


def binding_gap(binding: PolicyResource, policies: list[PolicyResource], workload: PolicyResource,
                labels: Mapping[str, str]) -> str | None:
    """Why ``binding`` does not refuse a bad image in ``workload`` (None: it does)."""
    name = binding.name
    if "Deny" not in list(get(binding.props, "spec", "validationActions") or []):
        return f"binding {name} does not Deny (validationActions)"
    policy = _policy_of(binding, policies)
    if policy is None:
        return f"binding {name} names no ValidatingAdmissionPolicy of the stack"
    failure = get(policy.props, "spec", "failurePolicy")
    if failure not in (None, "Fail"):  # admissionregistration.k8s.io/v1 defaults to Fail
        return f"policy {policy.name} has failurePolicy {failure}: an expression that errs would admit the pod"
    if not get(policy.props, "spec", "validations"):
        return f"policy {policy.name} has no validations"
    resource = RESOURCE_OF.get(workload.resource_type, "pods")
    for needed in dict.fromkeys(("pods", resource)):
        if not _covers(policy, needed):
            return f"policy {policy.name} does not judge creating and updating {needed}"
    if not selects(get(binding.props, "spec", "matchResources", "namespaceSelector"), labels):
        return f"binding {name} does not select namespace {labels[NAMESPACE_LABEL]}"
    return None


@stack_policy(
    name="k8s-admission-pinned-images",
    description="A ValidatingAdmissionPolicy (failurePolicy Fail, Deny) judges the pods of every workload's namespace.",
    level=EnforcementLevel.MANDATORY,
    checks='A stack with Kubernetes workloads has a `ValidatingAdmissionPolicy` with validations and `failurePolicy: Fail` (the v1 default) whose rules judge creating and updating pods and the workload\'s own resource (a Deployment\'s template, not only its pods), bound by a `ValidatingAdmissionPolicyBinding` with `validationActions` `Deny` whose namespace selector selects each workload\'s namespace. In Kubernetes\' own namespaces, which the policy binds none of by design (EKS\'s add-ons run there from AWS\'s registries), every image the stack runs is pinned by digest instead (the Cluster Autoscaler).',
    why='Anything that can create a pod could otherwise run any image from anywhere; the policy (ImageAdmission) admits only digest-pinned images from this registry.',
)
def k8s_admission_pinned_images(args: StackValidationArgs, report_violation: Report) -> None:
    policies = of_type(args, VALIDATING_ADMISSION_POLICY)
    bindings = of_type(args, VALIDATING_ADMISSION_POLICY_BINDING)

    def check(res: PolicyResource) -> None:
        namespace = get(res.props, "metadata", "namespace") or "default"
        if not known(namespace):
            return
        if namespace in SYSTEM_NAMESPACES:
            # No binding there by design: what the stack runs there must be pinned by digest itself.
            loose = [f"{name} ({image})" for name, image in _images(res)
                     if known(image) and (not isinstance(image, str) or DIGEST_SUFFIX not in image)]
            if loose:
                report_violation(
                    f"{_who(res)} in namespace {namespace}, which no admission policy binds (Kubernetes' own), runs "
                    f"images not pinned by digest: {', '.join(loose)}. Pin each (IMAGE:TAG@sha256:DIGEST).", res.urn)
            return
        labels = _namespace_labels(args, namespace)
        gaps = []
        for binding in bindings:
            try:
                gap = binding_gap(binding, policies, res, labels)
            except UnknownValueError:
                return  # decided once the value is known
            if gap is None:
                return
            gaps.append(gap)
        found = "; ".join(gaps) if gaps else "the stack has no ValidatingAdmissionPolicyBinding"
        report_violation(
            f"{_who(res)} in namespace {namespace}: no admission policy refuses pods there that run images not "
            f"pinned by digest or from another registry ({found}). Add ImageAdmission "
            "(components/supply_chain/admission.py) for the namespace.", res.urn)

    per_resource(args, POD_WORKLOADS, check)
