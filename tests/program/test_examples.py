"""The example stacks in examples/ are previewed (with the policy gate) like the shipped ones, so
they cannot rot."""

from __future__ import annotations

import json

import pytest

from tools.harness import ROOT
from tools.preview import main

EXAMPLES = sorted(ROOT.glob("examples/Pulumi.*.yaml"))


def test_there_are_examples():
    assert {p.name for p in EXAMPLES} >= {"Pulumi.minimal.yaml", "Pulumi.cross-account.yaml",
                                          "Pulumi.cache-credentials.yaml", "Pulumi.private-cluster.yaml",
                                          "Pulumi.two-node-groups.yaml"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_previews_and_passes_the_gate(path, tmp_path, capsys):
    stack = path.name[len("Pulumi."):-len(".yaml")]
    out = tmp_path / "plan.json"
    assert main([stack, "--config-file", str(path), "--json", str(out)]) == 0, capsys.readouterr().err
    plan = json.loads(out.read_text())
    assert not [v for v in plan["policy"]["violations"] if v["level"] == "mandatory"]
    types = {r["type"] for r in plan["resources"]}
    assert "aws:ecr/repository:Repository" in types
    if stack == "cross-account":
        providers = [r for r in plan["resources"] if r["type"] == "pulumi:providers:aws"]
        assert len(providers) == 2
    if stack == "private-cluster":
        assert not [r for r in plan["resources"] if r["type"] == "aws:ec2/natGateway:NatGateway"]
        assert len([r for r in plan["resources"] if r["type"] == "aws:ec2/vpcEndpoint:VpcEndpoint"]) == 9  # ecr.api, ecr.dkr, ec2, sts, s3, and logs, eks-auth, autoscaling, eks for the agents
        assert plan["warnings"] == []
    if stack == "cache-credentials":
        rules = [r for r in plan["resources"] if r["type"] == "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"]
        assert sorted(r["inputs"].get("credentialArn", "") for r in rules)[1:] == [
            "arn:aws:secretsmanager:eu-central-1:111122223333:secret:ecr-pullthroughcache/docker-hub-AbCdEf",
            "arn:aws:secretsmanager:eu-central-1:111122223333:secret:ecr-pullthroughcache/ghcr-GhIjKl"]
        assert not [r for r in plan["resources"] if r["type"].startswith("aws:secretsmanager/")]
    if stack == "two-node-groups":
        groups = [r for r in plan["resources"] if r["type"] == "eks:index:ManagedNodeGroup"]
        assert sorted(g["name"] for g in groups) == ["graviton-nodes", "nodes-nodes"]
        roles = sorted(r["inputs"]["name"] for r in plan["resources"] if r["type"] == "aws:iam/role:Role"
                       and r["name"].endswith("-role") and r["inputs"].get("name", "").startswith("two-groups-"))
        assert roles == ["two-groups-graviton", "two-groups-nodes"]
        assert set(plan["outputs"]["cluster"]["node_groups"]) == {"nodes", "graviton"}
        assert plan["outputs"]["cluster"]["node_groups"]["graviton"]["architecture"] == "arm64"
        image = next(r for r in plan["resources"] if r["type"] == "docker:index/image:Image")
        assert image["inputs"]["build"]["platform"] == "linux/arm64"
        pod = next(r for r in plan["resources"] if r["type"] == "kubernetes:apps/v1:Deployment"
                   and r["name"] == "service-deployment")
        pod_spec = pod["inputs"]["spec"]["template"]["spec"]
        assert pod_spec["tolerations"] == [{"key": "dedicated", "operator": "Equal", "value": "myapp",
                                            "effect": "NoSchedule"}]
        assert pod_spec["nodeSelector"] == {"eks.amazonaws.com/nodegroup": "graviton-nodes"}
