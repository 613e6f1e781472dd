"""The workload: the image tag follows exactly what the build sees, the objects on the cluster meet
the restricted profile and more, every manifest passes Kubernetes' own schema (strict) at the
cluster's version, and the policies see what they should."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import kubernetes_validate
import pytest

import container_policies as cp
from components.workload.image import (
    content_tag,
    context_files,
    dockerfile_user,
    is_ignored,
    read_dockerignore,
)
from tests.conftest import config_error as error
from tests.conftest import run_config
from tests.policy_support import resource_violations
from tools.admission import api_numbers
from tools.harness import ROOT, stack_names

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
ZONES = ["eu-central-1a", "eu-central-1b"]


def stack(workload=None, node_group=None, **extra):
    return {"repositories": [{"name": "myapp", "lifecycle": {"keep_last": 5}}],
            "network": {"availability_zones": ZONES},
            "cluster": {"node_groups": [node_group or {}]},
            "workload": {"repository": "myapp", **(workload or {})}, **extra}


# ------------------------------------------------------------------------------ the tag

@pytest.fixture
def context(tmp_path: Path) -> Path:
    app = tmp_path / "app"
    shutil.copytree(ROOT / "app", app, ignore=shutil.ignore_patterns(".venv", "__pycache__", ".pytest_cache"))
    return app


def tag(app: Path, **overrides) -> str:
    args = {"build_args": {}, "platform": "linux/amd64", "target": None, **overrides}
    return content_tag(app, app / "Dockerfile", args["build_args"], args["platform"], args["target"])


def test_the_context_is_what_dockerignore_lets_in():
    assert context_files(ROOT / "app") == ["main.py", "requirements.txt"]


def test_unchanged_code_keeps_the_tag_and_changed_code_gets_a_new_one(context):
    first = tag(context)
    assert re.fullmatch(r"sha-[0-9a-f]{16}", first)
    assert tag(context) == first  # no rebuild, no push
    (context / "main.py").write_text((context / "main.py").read_text() + "\n# changed\n")
    assert tag(context) != first


def test_a_file_the_dockerignore_excludes_does_not_change_the_tag(context):
    first = tag(context)
    (context / "tests" / "test_new.py").write_text("x = 1\n")
    (context / "notes.md").write_text("not in the image\n")
    assert tag(context) == first


@pytest.mark.parametrize("change", [
    lambda app: (app / "Dockerfile").write_text((app / "Dockerfile").read_text() + "\nLABEL x=y\n"),
    lambda app: (app / "requirements.txt").write_text((app / "requirements.txt").read_text() + "\n"),
    lambda app: (app / ".dockerignore").write_text((app / ".dockerignore").read_text() + "!notes.md\n"),
])
def test_everything_the_build_sees_changes_the_tag(context, change):
    first = tag(context)
    change(context)
    assert tag(context) != first


def test_build_args_platform_and_target_change_the_tag(context):
    first = tag(context)
    assert tag(context, build_args={"PYTHON_IMAGE": "python:3.15-slim"}) != first
    assert tag(context, platform="linux/arm64") != first
    assert tag(context, target="build") != first


@pytest.mark.parametrize("patterns, path, ignored", [
    (["*", "!main.py"], "main.py", False),
    (["*", "!main.py"], "tests/test_x.py", True),
    (["**/*.pyc"], "a/b/c.pyc", True),
    (["**/*.pyc"], "c.pyc", True),
    (["docs"], "docs/readme.md", True),
    (["*.md", "!README.md"], "README.md", False),
    (["?.txt"], "a.txt", True),
    (["?.txt"], "ab.txt", False),
    (["/build/"], "build/x", True),
])
def test_dockerignore_patterns_as_docker_reads_them(patterns, path, ignored):
    assert is_ignored(path, read_dockerignore("\n".join(patterns))) is ignored


def test_the_pods_run_as_the_dockerfiles_user():
    uid = dockerfile_user(ROOT / "app" / "Dockerfile")
    assert uid == 10001
    plan = run_config(stack())
    deployment = plan.one(DEPLOYMENT, "service-deployment")
    pod = deployment.inputs["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsUser"] == uid
    assert pod["containers"][0]["securityContext"]["runAsUser"] == uid


# ------------------------------------------------------------------------------ config rules

@pytest.mark.parametrize("workload, message", [
    ({"repository": "other"}, 'workload.repository: "other" is not a repository of this stack; its '
                              "repositories: myapp"),
    ({"platform": "linux/arm64"}, 'workload.platform: "linux/arm64" does not match the nodes of group nodes '
                                  "(AL2023_x86_64_STANDARD runs linux/amd64); build for linux/amd64, or change "
                                  "cluster.node_groups[0].ami_type"),
    ({"context": "/abs/app"}, 'workload.context: "/abs/app" must be a path relative to the project directory (an '
                              "absolute path differs per checkout and would change the image on every machine)"),
    ({"context": "nope"}, 'workload.context: "nope" is not a directory of the project'),
    ({"dockerfile": "app/Nope"}, 'workload.dockerfile: "app/Nope" is not a file of the project'),
    ({"node_port": 8080}, "workload.node_port: 8080 is outside the NodePort range 30000-32767"),
    ({"node_port": 32768}, "workload.node_port: 32768 is outside the NodePort range 30000-32767"),
    ({"memory_request": "512Mi", "memory_limit": "256Mi"},
     'workload.memory_limit: "256Mi" is below memory_request (512Mi); Kubernetes refuses the pod'),
    ({"memory_limit": "lots"}, 'workload.memory_limit: "lots" is not a memory quantity (128Mi, 0.5Gi, 1G)'),
    ({"cpu_request": "fast"}, 'workload.cpu_request: "fast" is not a CPU quantity (250m, 0.5, 1)'),
    ({"client_cidrs": ["0.0.0.0/0"]}, 'workload.client_cidrs: ["0.0.0.0/0"] was replaced by front_door.client_cidrs: '
                                      "the nodes have private addresses only, so clients reach the service through "
                                      "the front door's load balancer (front_door), which admits these ranges; move "
                                      "the list there"),
    ({"namespace": "My_App"}, 'workload.namespace: "My_App" is not a Kubernetes namespace name (lowercase letters, digits and '
                              "-, at most 63)"),
    *[({"namespace": ns}, f'workload.namespace: "{ns}" is one of Kubernetes\' own namespaces (kube-system, '
                          "kube-public, kube-node-lease, default); the workload's namespace enforces the restricted "
                          "Pod Security profile, which would refuse the system pods there, and the image admission "
                          "policy leaves system namespaces alone, so the service would run unchecked: give the service "
                          "a namespace of its own")
      for ns in ("kube-system", "kube-public", "kube-node-lease", "default")],
    ({"name": "default"}, 'workload.namespace: "default" (the default: the workload\'s name) is one of Kubernetes\' '
                          "own namespaces (kube-system, kube-public, kube-node-lease, default); the workload's "
                          "namespace enforces the restricted Pod Security profile, which would refuse the system "
                          "pods there, and the image admission policy leaves system namespaces alone, so the service "
                          "would run unchecked: give the service a namespace of its own"),
    ({"replicas": 3}, "workload.replicas: 3 was replaced by workload.min_replicas and workload.max_replicas: a "
                      "HorizontalPodAutoscaler now sets the count between them from the pods' CPU use; move the value "
                      "to min_replicas (the service never runs fewer)"),
    ({"min_replicas": 0}, "workload.min_replicas: 0 is not a positive integer"),
    ({"max_replicas": 101}, "workload.max_replicas: 101 is not a number of replicas (1-100)"),
    ({"min_replicas": 5, "max_replicas": 4}, "workload.min_replicas: 5 is above max_replicas (4); the autoscaler "
                                             "keeps the pods between the two"),
    ({"min_replicas": 4, "max_replicas": 5, "min_available": 6},
     "workload.max_replicas: 5 is below the PodDisruptionBudget's minimum (min_available: 6); the budget could never "
     "be met and no pod could ever be evicted"),
    ({"min_replicas": 3, "min_available": 3},
     "workload.min_replicas: 3 is not above the PodDisruptionBudget's minimum (min_available: 3); at the minimum "
     "scale no pod could be evicted, so no node could drain (Cluster Autoscaler's scale-down, node updates): raise "
     "min_replicas or lower min_available"),
    ({"min_available": -1}, "workload.min_available: -1 is not a whole number (0 or more)"),
    ({"cpu_target": 0}, "workload.cpu_target: 0 is not a positive integer"),
    ({"cpu_target": 101}, "workload.cpu_target: 101 is not a CPU utilisation in percent of cpu_request (1-100)"),
    ({"build_args": {"BAD-NAME": "x"}}, 'workload.build_args.BAD-NAME: "BAD-NAME" is not a build argument name'),
])
def test_workload_errors(workload, message):
    assert error(stack(workload=workload)) == message


def test_the_dockerfile_must_name_a_numeric_non_root_user(tmp_path, monkeypatch):
    """The chapter's `USER worker` (a name) cannot be checked by runAsNonRoot."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text("FROM python:3.9\nRUN adduser worker\nUSER worker\n")
    monkeypatch.chdir(tmp_path)
    assert error(stack()) == ('workload.dockerfile: "app/Dockerfile" must end with a numeric non-root USER '
                              "(USER 10001:10001): the pods run as that UID under the restricted Pod Security "
                              "Standard")


def test_a_workload_needs_a_cluster():
    config = stack()
    del config["cluster"], config["network"]
    assert error(config) == 'workload: {"repository": "myapp"} needs cluster (and network): the service runs on ' \
                            "the stack's cluster"


def test_graviton_nodes_get_an_arm64_image():
    plan = run_config(stack(node_group={"instance_types": ["m7g.large"], "ami_type": "AL2023_ARM_64_STANDARD"}))
    (image,) = plan.by_type("docker:index/image:Image")
    assert image.inputs["build"]["platform"] == "linux/arm64"


# ------------------------------------------------------------------------------ what is declared

def objects(plan, prefix="kubernetes:"):
    """The workload's own Kubernetes objects, by kind (the Cluster Autoscaler has some too)."""
    return {r.type.split(":")[-1]: r for r in plan.resources if r.type.startswith(prefix)
            and r.type != "pulumi:providers:kubernetes" and "ServiceWorkload::" in (r.parent or "")}


def test_the_image_is_built_by_content_and_pushed_with_a_secret_password(plans):
    plan = plans("dev")
    (image,) = plan.by_type("docker:index/image:Image")
    inputs = image.inputs
    assert re.fullmatch(r"111122223333\.dkr\.ecr\.eu-central-1\.amazonaws\.com/myapp:sha-[0-9a-f]{16}",
                        inputs["imageName"])
    assert inputs["build"] == {"context": "app", "dockerfile": "app/Dockerfile", "platform": "linux/amd64"}
    assert inputs["buildOnPreview"] is False and inputs["skipPush"] is False
    assert inputs["registry"]["password"] == "[secret]"
    assert inputs["registry"]["server"] == "https://111122223333.dkr.ecr.eu-central-1.amazonaws.com"


def test_the_deployment_runs_the_image_by_digest_under_restricted_and_more(plans):
    plan = plans("prod")
    deployment = plan.one(DEPLOYMENT, "service-deployment")
    image = plan.one("docker:index/image:Image", "image-image")
    spec = deployment.inputs["spec"]
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == image.outputs["repoDigest"] and "@sha256:" in container["image"]
    assert spec["replicas"] == 3  # the minimum, at creation; then the HorizontalPodAutoscaler's
    assert deployment.ignore_changes == ["spec.replicas"]
    assert spec["strategy"]["rollingUpdate"] == {"maxUnavailable": 0, "maxSurge": 1}
    assert container["resources"] == {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    ctx = container["securityContext"]
    assert ctx["readOnlyRootFilesystem"] is True and ctx["allowPrivilegeEscalation"] is False
    assert ctx["capabilities"] == {"drop": ["ALL"]} and ctx["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    assert container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
    assert pod["volumes"][0]["emptyDir"] == {"sizeLimit": "64Mi"}
    assert pod["topologySpreadConstraints"][0]["topologyKey"] == "topology.kubernetes.io/zone"
    assert resource_violations(cp.k8s_pod_security, DEPLOYMENT, deployment.inputs) == []
    assert plan.one("containerplatform:index:ServiceWorkload", "service").urn  # composed as a component
    nodes = plan.one("eks:index:ManagedNodeGroup", "nodes-nodes")
    assert nodes.urn in deployment.dependencies  # nodes that can pull exist before the rollout waits


def test_namespace_service_account_pdb_and_service(plans):
    found = objects(plans("dev"))
    namespace = found["Namespace"].inputs["metadata"]
    assert namespace["name"] == "myapp" and namespace["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert found["ServiceAccount"].inputs["automountServiceAccountToken"] is False
    pdb = found["PodDisruptionBudget"].inputs["spec"]
    assert pdb["minAvailable"] == 1 and "maxUnavailable" not in pdb  # min_replicas 2 - 1: a node can drain
    service = found["Service"].inputs["spec"]
    assert service["type"] == "NodePort" and service["ports"][0]["nodePort"] == 32410
    assert service["ports"][0]["targetPort"] == "http"
    for res in found.values():
        assert res.inputs["metadata"]["name"], res.type  # offline nothing is auto-named
    assert all(r.provider and r.provider.endswith("::cluster-k8s") for r in found.values())


def test_one_replica_has_no_pdb():
    found = objects(run_config(stack(workload={"min_replicas": 1})))
    assert "PodDisruptionBudget" not in found and found["HorizontalPodAutoscaler"].inputs["spec"]["minReplicas"] == 1


# ------------------------------------------------------------------------------ Kubernetes' own schema



@pytest.mark.parametrize("stack_name", stack_names())
def test_every_manifest_passes_kubernetes_validate_strict_at_the_clusters_version(plans, stack_name):
    plan = plans(stack_name)
    version = plan.one("eks:index:Cluster", "cluster-eks").inputs["version"]
    manifests = [r for r in plan.resources if r.type.startswith("kubernetes:")]
    assert len(manifests) >= 4
    for res in manifests:
        kubernetes_validate.validate(api_numbers(res.inputs), version, strict=True)


def test_strict_validation_catches_a_misspelled_field(plans):
    deployment = plans("dev").one(DEPLOYMENT, "service-deployment").inputs
    bad = api_numbers(deployment)
    bad["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, "1.35", strict=True)


# ------------------------------------------------------------------------------ policies

def test_latest_and_foreign_images_fail_and_the_shipped_stacks_pass(plans):
    deployment = plans("prod").one(DEPLOYMENT, "service-deployment").inputs
    assert resource_violations(cp.k8s_no_latest_tag, DEPLOYMENT, deployment) == []
    assert resource_violations(cp.k8s_image_from_ecr, DEPLOYMENT, deployment) == []
    for image, policy in (("111122223333.dkr.ecr.eu-central-1.amazonaws.com/myapp:latest", cp.k8s_no_latest_tag),
                          ("docker.io/library/nginx:1.27", cp.k8s_image_from_ecr)):
        variant = api_numbers(deployment)
        variant["spec"]["template"]["spec"]["containers"][0]["image"] = image
        assert resource_violations(policy, DEPLOYMENT, variant), (image, policy.name)


def restricted_pod(**container_ctx):
    ctx = {"runAsNonRoot": True, "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
           "seccompProfile": {"type": "RuntimeDefault"}, **container_ctx}
    return {"containers": [{"name": "app", "image": "x", "securityContext": ctx}]}


@pytest.mark.parametrize("shape", ["deployment", "pod"])
def test_pod_security_reads_workloads_and_bare_pods(shape):
    def props(pod):
        return {"spec": {"template": {"spec": pod}}} if shape == "deployment" else {"spec": pod}

    typ = DEPLOYMENT if shape == "deployment" else cp.POD
    assert resource_violations(cp.k8s_pod_security, typ, props(restricted_pod()), name="w") == []
    (message,) = resource_violations(cp.k8s_pod_security, typ, props(restricted_pod(
        allowPrivilegeEscalation=None, capabilities={"drop": ["NET_RAW"]}, runAsNonRoot=None,
        seccompProfile=None)), name="w")
    assert message == (
        "w does not meet the restricted Pod Security Standard: container app does not set "
        "allowPrivilegeEscalation: false; container app does not drop ALL capabilities; container app may run "
        "as root (runAsNonRoot is not true); container app has no RuntimeDefault (or Localhost) seccomp "
        "profile. A namespace enforcing it refuses these pods.")
    host = {**restricted_pod(), "hostNetwork": True, "volumes": [{"name": "h", "hostPath": {"path": "/"}}]}
    (message,) = resource_violations(cp.k8s_pod_security, typ, props(host), name="w")
    assert "hostNetwork is true; volume h is a hostPath" in message
    assert cp.k8s_pod_security.enforcement_level.value == "advisory"


def test_the_outputs_say_how_to_reach_the_service(plans):
    dev = plans("dev").outputs["service"]
    # The debugging path; the way in is the front door's URL (tests/workload/test_front_door.py).
    assert dev["port_forward"] == "kubectl -n myapp port-forward svc/myapp 8080:80, then curl http://127.0.0.1:8080/"
    assert "NODE" not in plans("prod").outputs["service"]["port_forward"]
    assert dev["image"].startswith("111122223333.dkr.ecr.eu-central-1.amazonaws.com/myapp@sha256:")
    assert dev["node_port"] == 32410 and dev["namespace"] == "myapp"
