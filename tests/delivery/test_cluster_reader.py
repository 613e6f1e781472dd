"""The preview role reads every Kubernetes object a stack manages — what a refresh (the drift
check) reads — held against Kubernetes' own `view` role (the data in data/kubernetes-view-role.yaml,
from kubernetes/kubernetes) and the RBAC objects the plan itself binds to the groups in the preview
role's access entry. Nothing here is the program's own list: a new kind the program manages that
view does not read fails until something in the plan grants it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tools.harness import run_program, stack_names

VIEW = yaml.safe_load((Path(__file__).parent / "data" / "kubernetes-view-role.yaml").read_text())["rules"]
ENTRY = "aws:eks/accessEntry:AccessEntry"
ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"
CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
READS = ("get", "list", "watch")


def _group_and_resource(token: str) -> tuple[str, str]:
    """``kubernetes:apps/v1:Deployment`` → ("apps", "deployments"); core/v1 is the "" group."""
    _, api, kind = token.split(":")
    group = api.rsplit("/", 1)[0]
    plural = re.sub(r"y$", "ie", kind.lower()) + ("es" if kind.lower().endswith("s") else "s")
    return ("" if group == "core" else group), plural


def _allows(rules: list[dict], group: str, resource: str, verb: str) -> bool:
    return any((group in r.get("apiGroups", []) or "*" in r.get("apiGroups", []))
               and (resource in r.get("resources", []) or "*" in r.get("resources", []))
               and (verb in r.get("verbs", []) or "*" in r.get("verbs", []))
               and not r.get("resourceNames") for r in rules)


def _preview_rules(plan) -> list[dict]:
    """View's rules (the preview role's association is AmazonEKSViewPolicy, cluster-wide) plus the
    rules of every planned ClusterRole bound to a group the preview role's access entry names."""
    entry = plan.one(ENTRY, "cluster-access-ci-preview")
    association = plan.one(ASSOCIATION, "cluster-access-ci-preview-view")
    assert association.inputs["policyArn"].endswith("/AmazonEKSViewPolicy")
    assert association.inputs["accessScope"] == {"type": "cluster"}
    groups = set(entry.inputs.get("kubernetesGroups") or [])
    assert not [g for g in groups if g.startswith("system:")], "EKS refuses system: groups in an access entry"
    roles = {r.inputs["metadata"]["name"]: r.inputs.get("rules") or [] for r in plan.by_type(CLUSTER_ROLE)}
    rules = list(VIEW)
    for binding in plan.by_type(CLUSTER_ROLE_BINDING):
        subjects = binding.inputs.get("subjects") or []
        if any(s.get("kind") == "Group" and s.get("name") in groups for s in subjects):
            assert binding.inputs["roleRef"]["kind"] == "ClusterRole"
            rules += roles[binding.inputs["roleRef"]["name"]]
    return rules


def _unreadable(plan, rules: list[dict]) -> list[str]:
    return sorted({f"{r.type} ({verb})" for r in plan.resources if r.type.startswith("kubernetes:")
                   and r.type != "kubernetes:index:Provider" for verb in READS
                   if not _allows(rules, *_group_and_resource(r.type), verb)})


CLUSTER_STACKS = [s for s in stack_names() if s in ("dev", "prod")]


@pytest.mark.parametrize("stack", CLUSTER_STACKS)
def test_the_preview_role_reads_every_kubernetes_object_the_stack_manages(plans, stack):
    plan = plans(stack)
    assert [r for r in plan.resources if r.type.startswith("kubernetes:")], "a stack with objects proves this"
    assert _unreadable(plan, _preview_rules(plan)) == []


def test_view_alone_would_refuse_the_refresh(plans):
    """Without the reader (View only), the drift check's refresh would be refused on the admission
    policy and the autoscaler's RBAC objects: the check above can fail."""
    missing = _unreadable(plans("prod"), list(VIEW))
    assert any("ValidatingAdmissionPolicy " in m for m in missing) and any("ClusterRole " in m for m in missing)


def test_the_reader_writes_nothing_and_reads_no_secret(plans):
    plan = plans("prod")
    entry = plan.one(ENTRY, "cluster-access-ci-preview")
    groups = set(entry.inputs["kubernetesGroups"])
    bound = [b for b in plan.by_type(CLUSTER_ROLE_BINDING)
             if any(s.get("name") in groups for s in b.inputs.get("subjects") or [])]
    assert bound, "the preview role's group is bound"
    for binding in bound:
        role = next(r for r in plan.by_type(CLUSTER_ROLE)
                    if r.inputs["metadata"]["name"] == binding.inputs["roleRef"]["name"])
        for rule in role.inputs["rules"]:
            assert set(rule["verbs"]) <= set(READS), rule
            assert "secrets" not in rule["resources"] and "*" not in rule["resources"] + rule["apiGroups"], rule
    # Only the preview role is in that group; the deploy role's entry names none.
    assert not plan.one(ENTRY, "cluster-access-ci-deploy").inputs.get("kubernetesGroups")


def test_a_bootstrap_run_creates_no_reader():
    from tools.harness import load_stack

    settings = load_stack("prod")
    settings.config["container-platform:bootstrap"] = "true"
    plan = run_program(settings)
    assert not plan.by_type(CLUSTER_ROLE_BINDING)
