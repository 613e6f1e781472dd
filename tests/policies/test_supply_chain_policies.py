"""The pack requires the scan gate and the admission policy for any stack that runs a workload:
through the real pack (its own process, the analyzer protocol with the engine's dependencies),
on the shipped plans, on a program with a workload and neither, and on plans with one part
weakened."""

from __future__ import annotations

import copy

import pytest

import container_policies as cp
from tests.conftest import settings_for
from tests.policy_support import UNKNOWN, resource, stack_violations
from tools import tokens as t
from tools.harness import Plan, run_function
from tools.policy_gate import DEFAULT_PACK, PackProcess, analyze

GATE_POLICY, ADMISSION_POLICY = "k8s-scan-gate-before-rollout", "k8s-admission-pinned-images"


@pytest.fixture(scope="module")
def pack():
    with PackProcess(DEFAULT_PACK, "container-platform", "test") as process:
        yield process


def mandatory(plan: Plan, pack: PackProcess) -> list[tuple[str, str, str]]:
    report = analyze(plan, pack, {}, region="eu-central-1")
    return [(v.policy, v.urn.rsplit("::", 1)[-1], v.message) for v in report.violations
            if v.level == "mandatory" and v.policy in (GATE_POLICY, ADMISSION_POLICY)]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_shipped_stacks_have_both(plans, pack, stack):
    assert mandatory(plans(stack), pack) == []


def _bare_workload() -> None:
    """A program that runs a Deployment with neither a gate nor an admission policy."""
    import pulumi_kubernetes as k8s

    k8s.apps.v1.Deployment("web", metadata={"name": "web", "namespace": "shop"}, spec={
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}},
                     "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}})


def test_a_stack_with_a_workload_and_neither_is_refused_by_the_real_pack(pack):
    plan = run_function(settings_for({}), _bare_workload)
    assert mandatory(plan, pack) == [
        (ADMISSION_POLICY, "web",
         "Deployment web in namespace shop: no admission policy refuses pods there that run images not pinned by "
         "digest or from another registry (the stack has no ValidatingAdmissionPolicyBinding). Add ImageAdmission "
         "(components/supply_chain/admission.py) for the namespace."),
        (GATE_POLICY, "web",
         "Deployment web runs an image no scan gate has judged: none of its dependencies is a "
         "pulumi-python:dynamic:ScanFindingsGate. `pulumi up` would roll a new digest out before its scan has "
         "finished, whatever the scan finds. Give its containers the image of an ImageScanGate "
         "(components/supply_chain/scan_gate.py): image=gate.image.")]


def _without(plan: Plan, typ: str) -> Plan:
    """``plan`` as a program without ``typ`` would have planned it (and nothing depending on it)."""
    gone = {r.urn for r in plan.by_type(typ)}
    out = copy.deepcopy(plan)
    out.resources = [r for r in out.resources if r.urn not in gone]
    for res in out.resources:
        res.dependencies = [d for d in res.dependencies if d not in gone]
        res.property_dependencies = {k: [d for d in v if d not in gone] for k, v in res.property_dependencies.items()}
    return out


def test_a_deployment_without_its_gate_is_refused(plans, pack):
    found = mandatory(_without(plans("dev"), t.SCAN_GATE), pack)
    assert [(p, n) for p, n, _ in found] == [(GATE_POLICY, "service-deployment")]
    assert found[0][2].startswith("Deployment myapp runs an image no scan gate has judged")


def _edit(plan: Plan, typ: str, change) -> Plan:
    out = copy.deepcopy(plan)
    for res in out.by_type(typ):
        change(res.inputs)
    return out


@pytest.mark.parametrize("typ, change, gap", [
    (t.VALIDATING_ADMISSION_POLICY_BINDING, lambda i: i["spec"].update(validationActions=["Warn", "Audit"]),
     "binding admission-binding does not Deny (validationActions)"),
    (t.VALIDATING_ADMISSION_POLICY, lambda i: i["spec"].update(failurePolicy="Ignore"),
     "policy admission-policy has failurePolicy Ignore: an expression that errs would admit the pod"),
    (t.VALIDATING_ADMISSION_POLICY, lambda i: i["spec"]["matchConstraints"].update(resourceRules=[
        {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"], "resources": ["pods"]}]),
     "policy admission-policy does not judge creating and updating deployments"),
    (t.VALIDATING_ADMISSION_POLICY, lambda i: i["spec"].update(validations=[]),
     "policy admission-policy has no validations"),
    (t.VALIDATING_ADMISSION_POLICY_BINDING, lambda i: i["spec"]["matchResources"]["namespaceSelector"].update(
        matchExpressions=[{"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["other"]}]),
     "binding admission-binding does not select namespace myapp"),
])
def test_a_weakened_admission_policy_is_refused(plans, pack, typ, change, gap):
    found = mandatory(_edit(plans("dev"), typ, change), pack)
    assert found == [(ADMISSION_POLICY, "service-deployment",
                      f"Deployment myapp in namespace myapp: no admission policy refuses pods there that run images "
                      f"not pinned by digest or from another registry ({gap}). Add ImageAdmission "
                      "(components/supply_chain/admission.py) for the namespace.")]


def test_without_the_admission_objects_the_workload_is_refused(plans, pack):
    plan = _without(_without(plans("prod"), t.VALIDATING_ADMISSION_POLICY), t.VALIDATING_ADMISSION_POLICY_BINDING)
    assert [(p, n) for p, n, _ in mandatory(plan, pack)] == [(ADMISSION_POLICY, "service-deployment")]


def test_a_stack_without_workloads_needs_neither(plans, pack):
    plan = _without(_without(plans("dev"), t.DEPLOYMENT), t.SCAN_GATE)
    assert mandatory(_without(_without(plan, t.VALIDATING_ADMISSION_POLICY),
                              t.VALIDATING_ADMISSION_POLICY_BINDING), pack) == []


# ------------------------------------------------------------------------------ the checks on their own


def _deployment(namespace="myapp"):
    return resource("kubernetes:apps/v1:Deployment", {"metadata": {"name": "web", "namespace": namespace},
                                                       "spec": {}}, name="web")


def test_unknown_values_are_never_a_violation_on_their_own():
    assert stack_violations(cp.k8s_admission_pinned_images, [_deployment(UNKNOWN)]) == []
    binding = resource(cp.VALIDATING_ADMISSION_POLICY_BINDING, {"spec": {"policyName": UNKNOWN,
                                                                        "validationActions": ["Deny"]}})
    assert stack_violations(cp.k8s_admission_pinned_images, [_deployment(), binding]) == []


@pytest.mark.parametrize("selector, selected", [
    (None, True), ({}, True),
    ({"matchLabels": {"team": "shop"}}, True), ({"matchLabels": {"team": "other"}}, False),
    ({"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]}]},
     True),
    ({"matchExpressions": [{"key": "team", "operator": "Exists"}]}, True),
    ({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, False),
    ({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, True),
    ({"matchExpressions": [{"key": "team", "operator": "Gt", "values": ["1"]}]}, False),
])
def test_namespace_selectors_read_as_kubernetes_reads_them(selector, selected):
    import supply_chain_policies as scp

    assert scp.selects(selector, {"kubernetes.io/metadata.name": "shop", "team": "shop"}) is selected


def _system_workload(image: str):
    def program() -> None:
        import pulumi_kubernetes as k8s

        k8s.apps.v1.Deployment("addon", metadata={"name": "addon", "namespace": "kube-system"}, spec={
            "selector": {"matchLabels": {"app": "addon"}},
            "template": {"metadata": {"labels": {"app": "addon"}},
                         "spec": {"initContainers": [{"name": "init", "image": image}],
                                  "containers": [{"name": "addon", "image": image}]}}})
    return program


def test_in_kube_system_a_cluster_add_on_needs_a_digest_not_a_binding_or_a_gate(pack):
    """Kubernetes' own namespaces are bound by no admission policy by design (EKS's add-ons run there);
    what the stack runs there (the Cluster Autoscaler) is pinned by digest in its code instead."""
    pinned = "registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0@sha256:" + "a" * 64
    assert mandatory(run_function(settings_for({}), _system_workload(pinned)), pack) == []
    loose = "registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0"
    assert mandatory(run_function(settings_for({}), _system_workload(loose)), pack) == [
        (ADMISSION_POLICY, "addon",
         "Deployment addon in namespace kube-system, which no admission policy binds (Kubernetes' own), runs images "
         f"not pinned by digest: init ({loose}), addon ({loose}). Pin each (IMAGE:TAG@sha256:DIGEST).")]
