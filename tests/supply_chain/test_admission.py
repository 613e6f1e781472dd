"""The admission policy, evaluated offline: its CEL expressions run in cel-python (RE2, as in
Kubernetes) over every pod template every shipped stack and example plans — all admitted — and
over crafted pods and workloads that must be refused, with the policy's own message. The
evaluator (``tools/admission.py``) follows the API server's matching: rules, bindings,
namespace selector, variables, failure policy."""

from __future__ import annotations

import copy

import pytest

from components.shared.placement import Placement
from components.supply_chain import admission as adm
from components.workload.service import SYSTEM_NAMESPACES
from tests.conftest import config_error as error
from tests.conftest import run_config
from tools import admission as a
from tools import tokens as t
from tools.harness import ROOT, load_stack, run_program, stack_names

GOOD_DIGEST = "sha256:" + "0123456789abcdef" * 4
NAMESPACE_LABEL = "kubernetes.io/metadata.name"


def _plans():
    for name in stack_names():
        yield name, load_stack(name)
    for path in sorted(ROOT.glob("examples/Pulumi.*.yaml")):
        name = path.name[len("Pulumi."):-len(".yaml")]
        yield name, load_stack(name, path)


@pytest.fixture(scope="module")
def every_plan():
    return {name: run_program(settings) for name, settings in _plans()}


@pytest.fixture(scope="module")
def dev():
    return run_program(load_stack("dev"))


def objects(plan):
    return a.admission_objects(plan)


def host(plan) -> str:
    registry = plan.one("aws:ecr/repository:Repository", "registry-myapp-repo").outputs["registryId"]
    return f"{registry}.dkr.ecr.eu-central-1.amazonaws.com"


def messages(plan) -> dict[str, str]:
    """The policy's own message per container list, as the plan declares it."""
    (policy,), _ = objects(plan)
    return {field: v["message"] for (field, _), v in zip(adm.CONTAINER_LISTS, policy["spec"]["validations"],
                                                        strict=True)}


def denial(plan, message: str) -> str:
    return (f"ValidatingAdmissionPolicy '{adm.POLICY_NAME}' with binding '{adm.POLICY_NAME}' denied request: "
            f"{message}")


def test_every_planned_pod_template_is_admitted(every_plan):
    checked = 0
    for name, plan in every_plan.items():
        workloads = a.pod_templates(plan)
        policies, bindings = objects(plan)
        if not [w for w in workloads if w.inputs["metadata"]["namespace"] not in SYSTEM_NAMESPACES]:
            assert not policies and not bindings, name
            continue
        assert len(policies) == len(bindings) == 1, name
        for workload in workloads:
            obj = a.api_numbers(workload.inputs)
            for request in (a.Request(obj), a.Request(obj, operation="UPDATE"), a.Request(a.pod_of(obj))):
                assert a.admit(policies, bindings, request) == a.Decision(True), (name, workload.name)
                checked += 1
    assert checked >= 6


def test_the_policy_binds_the_workloads_namespace_only_and_fails_closed(every_plan):
    for name, plan in every_plan.items():
        policies, bindings = objects(plan)
        if not policies:
            continue
        (policy,), (binding,) = policies, bindings
        assert policy["spec"]["failurePolicy"] == "Fail"
        assert binding["spec"]["validationActions"] == ["Deny"]
        assert binding["spec"]["policyName"] == policy["metadata"]["name"]
        namespaces = {w.inputs["metadata"]["namespace"] for w in a.pod_templates(plan)} - set(SYSTEM_NAMESPACES)
        assert binding["spec"]["matchResources"]["namespaceSelector"] == {"matchExpressions": [
            {"key": "kubernetes.io/metadata.name", "operator": "In", "values": sorted(namespaces)}]}, name


def _pod(image: str, namespace: str = "myapp", *, init: str | None = None) -> dict:
    spec: dict = {"containers": [{"name": "app", "image": image}]}
    if init is not None:
        spec["initContainers"] = [{"name": "setup", "image": init}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "crafted", "namespace": namespace}, "spec": spec}


def _bad_images(registry: str) -> dict[str, str]:
    return {
        "tag only": f"{registry}/myapp:v1.2.3",
        "latest, no registry": "nginx:latest",
        "a foreign registry": f"999988887777.dkr.ecr.eu-central-1.amazonaws.com/myapp@{GOOD_DIGEST}",
        "another region": f"{registry.replace('eu-central-1', 'eu-west-1')}/myapp@{GOOD_DIGEST}",
        "a look-alike host": f"{registry}.evil.example/myapp@{GOOD_DIGEST}",
        "a look-alike host with a port": f"{registry}:443/myapp@{GOOD_DIGEST}",
        "a host that only starts the same": f"{registry}x/myapp@{GOOD_DIGEST}",
        "Docker Hub by digest": f"docker.io/library/busybox@{GOOD_DIGEST}",
        "a repository the stack does not have": f"{registry}/other@{GOOD_DIGEST}",
        "a digest too short": f"{registry}/myapp@sha256:{'a' * 63}",
        "a digest too long": f"{registry}/myapp@sha256:{'a' * 65}",
        "an upper-case digest": f"{registry}/myapp@sha256:{'A' * 64}",
        "another algorithm": f"{registry}/myapp@sha512:{'a' * 128}",
        "a digest then more": f"{registry}/myapp@{GOOD_DIGEST}/x",
        "a trailing newline": f"{registry}/myapp@{GOOD_DIGEST}\n",
        "the cache prefix alone": f"{registry}/ecr-public@{GOOD_DIGEST}",
    }


@pytest.mark.parametrize("case", list(_bad_images("REGISTRY")))
def test_crafted_bad_pods_are_refused_with_the_policys_message(dev, case):
    policies, bindings = objects(dev)
    image = _bad_images(host(dev))[case]
    decision = a.admit(policies, bindings, a.Request(_pod(image)))
    assert decision == a.Decision(False, (denial(dev, messages(dev)["containers"]),)), case


def test_an_init_container_from_docker_hub_is_refused(dev):
    policies, bindings = objects(dev)
    good = f"{host(dev)}/myapp@{GOOD_DIGEST}"
    decision = a.admit(policies, bindings, a.Request(_pod(good, init="busybox:1.36")))
    assert decision == a.Decision(False, (denial(dev, messages(dev)["initContainers"]),))
    assert messages(dev)["initContainers"] == (
        "every image of initContainers must be pinned by digest (@sha256: and 64 hex digits) and come from this "
        "stack's registry 111122223333.dkr.ecr.eu-central-1.amazonaws.com/ (myapp, myapp-migrations; pull-through "
        "caches: ecr-public/, k8s/, quay/)")


def test_an_ephemeral_debug_container_is_refused(dev):
    """``kubectl debug`` adds an ephemeral container through the pods/ephemeralcontainers subresource."""
    policies, bindings = objects(dev)
    pod = _pod(f"{host(dev)}/myapp@{GOOD_DIGEST}")
    pod["spec"]["ephemeralContainers"] = [{"name": "debugger", "image": "busybox"}]
    decision = a.admit(policies, bindings, a.Request(pod, operation="UPDATE", subresource="ephemeralcontainers"))
    assert decision == a.Decision(False, (denial(dev, messages(dev)["ephemeralContainers"]),))


@pytest.mark.parametrize("image", [
    "{host}/myapp@{digest}", "{host}/myapp:v1.2.3@{digest}", "{host}/myapp-migrations@{digest}",
    "{host}/ecr-public/nginx/nginx@{digest}", "{host}/quay/prometheus/node-exporter:v1.9.1@{digest}",
])
def test_pinned_images_from_the_registry_and_its_caches_are_admitted(dev, image):
    policies, bindings = objects(dev)
    pod = _pod(image.format(host=host(dev), digest=GOOD_DIGEST),
               init=f"{host(dev)}/ecr-public/docker/library/busybox@{GOOD_DIGEST}")
    assert a.admit(policies, bindings, a.Request(pod)).allowed


def test_a_workload_with_a_bad_template_is_refused_itself(dev):
    """Judging the template refuses the Deployment (what `kubectl apply` or `pulumi up` shows), not
    only each pod its ReplicaSet would make."""
    policies, bindings = objects(dev)
    deployment = a.api_numbers(dev.one(t.DEPLOYMENT, "service-deployment").inputs)
    bad = copy.deepcopy(deployment)
    bad["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27"
    expected = a.Decision(False, (denial(dev, messages(dev)["containers"]),))
    assert a.admit(policies, bindings, a.Request(bad)) == expected
    assert a.admit(policies, bindings, a.Request(bad, operation="UPDATE")) == expected
    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly", "namespace": "myapp"},
            "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "Never", "containers": [{"name": "job", "image": "alpine:3"}]}}}}}}
    assert a.admit(policies, bindings, a.Request(cron)) == expected
    replica_set = {**bad, "apiVersion": "apps/v1", "kind": "ReplicaSet"}
    assert a.admit(policies, bindings, a.Request(replica_set)) == expected


def test_system_and_other_namespaces_are_left_alone(dev):
    policies, bindings = objects(dev)
    for namespace in ("kube-system", "kube-public", "kube-node-lease", "default"):
        assert a.admit(policies, bindings, a.Request(_pod("nginx:latest", namespace))).allowed, namespace


def test_a_label_on_the_namespace_cannot_take_it_out(dev):
    """The binding selects by kubernetes.io/metadata.name, which the API server sets: no label a
    namespace admin adds changes it."""
    policies, bindings = objects(dev)
    request = a.Request(_pod("nginx:latest"), namespace_labels={"policy": "off", NAMESPACE_LABEL: "other"})
    assert not a.admit(policies, bindings, request).allowed



def test_an_expression_that_errs_refuses_under_fail(dev):
    policies, bindings = objects(dev)
    broken = copy.deepcopy(policies)
    broken[0]["spec"]["validations"][0]["expression"] = "variables.podSpec.containers.all(c, c.image.matches('('))"
    decision = a.admit(broken, bindings, a.Request(_pod(f"{host(dev)}/myapp@{GOOD_DIGEST}")))
    assert not decision.allowed and "resulted in error" in decision.messages[0]
    broken[0]["spec"]["failurePolicy"] = "Ignore"
    assert a.admit(broken, bindings, a.Request(_pod(f"{host(dev)}/myapp@{GOOD_DIGEST}"))).allowed


def test_warn_only_bindings_admit(dev):
    policies, bindings = objects(dev)
    warn = copy.deepcopy(bindings)
    warn[0]["spec"]["validationActions"] = ["Warn"]
    assert a.admit(policies, warn, a.Request(_pod("nginx:latest"))).allowed


# ------------------------------------------------------------------------------ the pattern and config


def test_the_pattern_escapes_dots_without_backslashes_and_anchors_both_ends():
    pattern = adm.image_pattern("111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn", ["team/app.web"], ["quay"])
    assert pattern == ("^111122223333[.]dkr[.]ecr[.]cn-north-1[.]amazonaws[.]com[.]cn/(?:team/app[.]web|(?:quay)"
                       "/[a-z0-9][a-z0-9._/-]*)(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:[a-f0-9]{64}$")
    assert "\\" not in pattern and "'" not in pattern
    assert adm.registry_host("111122223333", Placement("cn-north-1")) == "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn"
    with pytest.raises(ValueError):
        adm.image_pattern("host", ["bad'name"])


def test_the_policy_is_built_for_the_stacks_repositories_and_caches():
    plan = run_config({"aws:allowedAccountIds": ["111122223333"],
                       "repositories": [{"name": "team/api", "lifecycle": {"keep_last": 5}}],
                       "pull_through_cache": {"rules": [{"upstream": "k8s"}]},
                       "network": {"availability_zones": ["eu-central-1a", "eu-central-1b"], "nat": "single"},
                       "cluster": {"node_groups": [{}]},
                       "workload": {"repository": "team/api", "namespace": "api"}})
    (policy,), (binding,) = a.admission_objects(plan)
    assert "/(?:team/api|(?:k8s)/[a-z0-9][a-z0-9._/-]*)" in policy["spec"]["validations"][0]["expression"]
    assert binding["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"][0]["values"] == ["api"]


@pytest.mark.parametrize("namespace", ["kube-system", "kube-public", "kube-node-lease"])
def test_a_workload_in_a_system_namespace_is_refused(namespace):
    assert error({"repositories": [{"name": "myapp"}], "network": {"availability_zones": ["eu-central-1a",
                                                                                          "eu-central-1b"]},
                  "cluster": {"node_groups": [{}]}, "workload": {"repository": "myapp", "namespace": namespace}}) == (
        f'workload.namespace: "{namespace}" is one of Kubernetes\' own namespaces (kube-system, kube-public, '
        "kube-node-lease, default); the workload's namespace enforces the restricted Pod Security profile, which "
        "would refuse the system pods there, and the image admission policy leaves system namespaces alone, so the "
        "service would run unchecked: give the service a namespace of its own")
