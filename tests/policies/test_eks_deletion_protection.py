"""eks-deletion-protection: a cluster Pulumi protects has EKS deletion protection on, in both shapes
(pulumi-eks's component and the aws.eks.Cluster it creates), and the gate refuses prod without it."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

import container_policies as cp
from tests.policy_support import resource_violations
from tools.harness import ROOT


@pytest.mark.parametrize("typ, props", [
    (cp.EKS_CLUSTER, {"deletionProtection": False}), (cp.EKS_CLUSTER, {}),
    (cp.AWS_CLUSTER, {"deletionProtection": False, "vpcConfig": {}}),
])
def test_a_protected_cluster_without_deletion_protection_is_a_mandatory_violation(typ, props):
    assert cp.eks_deletion_protection.enforcement_level.value == "mandatory"
    assert resource_violations(cp.eks_deletion_protection, typ, props, name="c", protect=True) == [
        "EKS cluster c is protected (protect) but has no EKS deletion protection: anyone with eks:DeleteCluster can "
        "still delete it outside Pulumi. Set cluster.deletion_protection: true (the default with protect)."]
    assert resource_violations(cp.eks_deletion_protection, typ, props, name="c", protect=False) == []
    assert resource_violations(cp.eks_deletion_protection, typ, {**props, "deletionProtection": True}, name="c",
                               protect=True) == []


def test_the_gate_refuses_prod_with_deletion_protection_off(tmp_path):
    document = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    document["config"]["container-platform:cluster"]["deletion_protection"] = False
    path = tmp_path / "Pulumi.prod-off.yaml"
    path.write_text(yaml.safe_dump(document))
    result = subprocess.run([sys.executable, "-m", "tools.preview", "prod-off", "--config-file", str(path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    assert "[mandatory] eks-deletion-protection  cluster-eks" in result.stdout
