"""Checkov on every stack's exported Terraform plan: each failed check is fixed or listed, with a
reason, in tests/checkov/STACK.skip; a new failure (or a listed check that now passes) fails."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tools.harness import ROOT, stack_names
from tools.preview import main
from tools.tfplan import PROJECTED, TF_TYPES, to_tfplan

CHECKOV = ROOT / "venv-checkov" / "bin" / "checkov"
SKIP_LINE = re.compile(r"^(?P<check>CKV2?_[A-Z0-9_]+)\s+(?P<resource>\S+)\s+#\s*(?P<reason>\S.*)$")


def checkov(plan_file: Path) -> dict:
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: run `bash tools/test.sh`, which installs it from "
                    "tools/checkov-requirements.txt")
    result = subprocess.run([str(CHECKOV), "-f", str(plan_file), "--framework", "terraform_plan",
                             "--skip-download", "--compact", "--quiet", "-o", "json"],
                            capture_output=True, text=True, timeout=300, cwd=plan_file.parent)
    assert result.returncode in (0, 1), result.stderr  # 1: checks failed
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["resource_count"] > 0
    return report


def failed(report: dict) -> set[tuple[str, str]]:
    return {(f["check_id"], f["resource"]) for f in report.get("results", {}).get("failed_checks", [])}


def skip_list(stack: str) -> dict[tuple[str, str], str]:
    entries = {}
    for number, line in enumerate((ROOT / "tests" / "checkov" / f"{stack}.skip").read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = SKIP_LINE.match(line)
        assert match, f"tests/checkov/{stack}.skip:{number}: expected CHECK_ID RESOURCE  # reason"
        entries[(match["check"], match["resource"])] = match["reason"]
    return entries


@pytest.mark.parametrize("stack", stack_names())
def test_checkov_finds_nothing_unlisted_in_the_stacks_plan(stack, tmp_path, capsys):
    plan_file = tmp_path / "tfplan.json"
    assert main([stack, "--no-policy", "--tfplan", str(plan_file)]) == 0
    assert f"written to {plan_file}" in capsys.readouterr().out
    found = failed(checkov(plan_file))
    listed = skip_list(stack)
    assert not found - set(listed), f"new Checkov failures: {sorted(found - set(listed))}"
    assert not set(listed) - found, f"listed but passing (remove them): {sorted(set(listed) - found)}"


def test_checkov_sees_a_key_without_a_policy(plans, tmp_path):
    """The scan can fail: the prod plan with its keys' policies removed fails CKV2_AWS_64."""
    document, _ = to_tfplan(plans("prod"))
    for res in document["planned_values"]["root_module"]["resources"]:
        if res["type"] == "aws_kms_key":
            res["values"].pop("policy", None)
    for change in document["resource_changes"]:
        if change["type"] == "aws_kms_key":
            change["change"]["after"].pop("policy", None)
    plan_file = tmp_path / "tfplan.json"
    plan_file.write_text(json.dumps(document))
    keys = {c for c in failed(checkov(plan_file)) if c[0] == "CKV2_AWS_64"}
    assert {resource for _, resource in keys} == {
        "aws_kms_key.registry-key", "aws_kms_key.replication-self-eu-west-1-key",
        "aws_kms_key.replication-777788889999-eu-central-1-key", "aws_kms_key.cluster-key",
        "aws_kms_key.network-flow-logs-key"}


def test_the_export_uses_terraform_names_and_lists_what_has_no_counterpart(plans):
    document, unmapped = to_tfplan(plans("prod"))
    resources = {r["address"]: r for r in document["planned_values"]["root_module"]["resources"]}
    repo = resources["aws_ecr_repository.registry-myapp-repo"]["values"]
    assert repo["image_scanning_configuration"] == [{"scan_on_push": True}]
    assert repo["encryption_configuration"][0]["encryption_type"] == "KMS"
    assert repo["image_tag_mutability"] == "IMMUTABLE" and isinstance(repo["tags"], dict)
    replication = resources["aws_ecr_replication_configuration.replication-configuration"]["values"]
    rule = replication["replication_configuration"][0]["rule"][0]
    assert {d["region"] for d in rule["destination"]} == {"eu-west-1", "eu-central-1"}
    assert rule["repository_filter"] == [{"filter": "myapp", "filter_type": "PREFIX_MATCH"}]
    template = next(r["values"] for a, r in resources.items() if a.startswith("aws_ecr_repository_creation"))
    assert "applied_for" in template and isinstance(template["resource_tags"], dict)
    plan = plans("prod")
    assert len(resources) + len(unmapped) == len(plan.resources)  # nothing dropped
    assert {u["type"] for u in unmapped} == {r.type for r in plan.resources
                                             if r.type not in TF_TYPES and r.type not in PROJECTED}
    # The remote components are projected onto what pulumi-eks creates from them.
    eks = resources["aws_eks_cluster.cluster-eks"]["values"]
    assert eks["vpc_config"][0]["endpoint_public_access"] is False
    assert eks["encryption_config"][0]["resources"] == ["secrets"]
    assert {p["address"] for p in document["pulumi"]["projected_from_remote_components"]} == {
        "aws_eks_cluster.cluster-eks", "aws_eks_node_group.nodes-nodes"}
    # References between resources, as Terraform writes them, so graph checks can follow them.
    flow_log = next(r for r in document["configuration"]["root_module"]["resources"]
                    if r["address"] == "aws_flow_log.network-flow-log")
    assert "aws_vpc.network-vpc" in flow_log["expressions"]["vpc_id"]["references"]


def test_the_export_projects_pulumi_eks_own_security_groups_when_it_creates_them(plans, tmp_path):
    """pulumi-eks creates two security groups and six rules in its plugin unless
    skipDefaultSecurityGroups (the stacks set it: managed nodes carry EKS's own group). A plan with
    them gets them projected, with their references, so Checkov judges what a real stack has."""
    import copy

    plan = copy.deepcopy(plans("prod"))
    cluster = next(r for r in plan.resources if r.type == "eks:index:Cluster")
    document, _ = to_tfplan(plan)
    assert not [r for r in document["planned_values"]["root_module"]["resources"] if "eksClusterSecurityGroup" in r["name"]]
    cluster.inputs.pop("skipDefaultSecurityGroups")
    document, _ = to_tfplan(plan)
    found = {r["name"]: r for r in document["planned_values"]["root_module"]["resources"]
             if r["name"].startswith("cluster-eks-")}
    assert sorted(found) == sorted(["cluster-eks-eksClusterSecurityGroup", "cluster-eks-nodeSecurityGroup",
                                    "cluster-eks-eksClusterInternetEgressRule", "cluster-eks-eksNodeIngressRule",
                                    "cluster-eks-eksNodeClusterIngressRule",
                                    "cluster-eks-eksExtApiServerClusterIngressRule",
                                    "cluster-eks-eksNodeInternetEgressRule", "cluster-eks-eksClusterIngressRule"])
    egress = found["cluster-eks-eksNodeInternetEgressRule"]["values"]
    assert (egress["type"], egress["cidr_blocks"], egress["protocol"]) == ("egress", ["0.0.0.0/0"], "-1")
    expressions = {r["address"]: r["expressions"] for r in document["configuration"]["root_module"]["resources"]}
    assert expressions["aws_security_group_rule.cluster-eks-eksClusterIngressRule"] == {
        "security_group_id": {"references": ["aws_security_group.cluster-eks-eksClusterSecurityGroup.id",
                                             "aws_security_group.cluster-eks-eksClusterSecurityGroup"]},
        "source_security_group_id": {"references": ["aws_security_group.cluster-eks-nodeSecurityGroup.id",
                                                    "aws_security_group.cluster-eks-nodeSecurityGroup"]}}
    # Checkov then sees their open egress.
    plan_file = tmp_path / "tfplan.json"
    plan_file.write_text(json.dumps(document))
    findings = {c for c in failed(checkov(plan_file)) if "cluster-eks-e" in c[1] or "nodeSecurityGroup" in c[1]}
    assert ("CKV_AWS_382", "aws_security_group_rule.cluster-eks-eksNodeInternetEgressRule") in findings



def test_the_scan_gate_is_listed_as_a_step_of_up_not_dropped(plans):
    _, unmapped = to_tfplan(plans("dev"))
    (gate,) = [u for u in unmapped if u["type"] == "pulumi-python:dynamic:ScanFindingsGate"]
    assert gate["reason"] == "dynamic resource: a step of `pulumi up`, no cloud resource"
    assert gate["urn"].endswith("::scan-gate-findings")
