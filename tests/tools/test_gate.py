"""The offline gate: the real pack, started as its own process, over the planned resources."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tools import policy_gate as gate
from tools.harness import ROOT, stack_names
from tools.policy_gate import PackProcess, PolicyConfigError, reconcile
from tools.preview import main

MUTABLE_STACK = """
config:
  aws:region: eu-central-1
  container-platform:repositories:
    - name: myapp
      tag_mutability: MUTABLE
      lifecycle:
        keep_last: 5
"""


def preview(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tools.preview", *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)


def test_mutable_repository_fails_the_gate_naming_the_policy(stack_file, tmp_path):
    path = stack_file(MUTABLE_STACK)
    out = tmp_path / "plan.json"
    result = preview("custom", "--config-file", str(path), "--json", str(out))
    assert result.returncode == 1
    assert "[mandatory] ecr-immutable-tags  registry-myapp-repo" in result.stdout
    assert 'Repository "myapp" has imageTagMutability MUTABLE' in result.stdout
    assert result.stderr == "error: 1 mandatory policy violations\n"
    policy = json.loads(out.read_text())["policy"]
    assert policy["pack"] == "container-platform-policies"
    (violation,) = [v for v in policy["violations"] if v["level"] == "mandatory"]
    assert violation == {
        "policy": "ecr-immutable-tags", "level": "mandatory",
        "urn": "urn:pulumi:custom::container-platform::containerplatform:index:EcrRepository"
               "$aws:ecr/repository:Repository::registry-myapp-repo",
        "message": 'Repository "myapp" has imageTagMutability MUTABLE; pushed tags can be overwritten. '
                   "Set it to IMMUTABLE."}


@pytest.mark.parametrize("stack", stack_names())
def test_shipped_stacks_pass_the_gate(stack, tmp_path, capsys):
    out = tmp_path / "plan.json"
    assert main([stack, "--json", str(out)]) == 0
    policy = json.loads(out.read_text())["policy"]
    assert not [v for v in policy["violations"] if v["level"] == "mandatory"]
    if stack == "prod":
        assert "Policies (container-platform-policies): no violations." in capsys.readouterr().out
    else:  # dev's internal front door serves HTTP (certificate: none, said in the stack file)
        assert [(v["policy"], v["level"]) for v in policy["violations"]] == [("lb-tls-listeners", "advisory")]


def test_no_policy_skips_the_pack(stack_file, tmp_path):
    path = stack_file(MUTABLE_STACK)
    out = tmp_path / "plan.json"
    assert main(["custom", "--config-file", str(path), "--no-policy", "--json", str(out)]) == 0
    assert "policy" not in json.loads(out.read_text())


@pytest.mark.parametrize("config, code, level", [
    ({"ecr-immutable-tags": "advisory"}, 0, "advisory"),
    ({"all": "mandatory"}, 1, "mandatory"),
    ({"all": "disabled"}, 0, None),
    ({"all": "advisory", "ecr-immutable-tags": {"enforcementLevel": "mandatory"}}, 1, "mandatory"),
])
def test_levels_are_pack_config(stack_file, tmp_path, config, code, level):
    path = stack_file(MUTABLE_STACK)
    cfg = tmp_path / "policy-config.json"
    cfg.write_text(json.dumps(config))
    out = tmp_path / "plan.json"
    assert main(["custom", "--config-file", str(path), "--policy-config", str(cfg), "--json", str(out)]) == code
    levels = {v["level"] for v in json.loads(out.read_text())["policy"]["violations"]
              if v["policy"] == "ecr-immutable-tags"}
    assert levels == ({level} if level else set())


def test_allowed_exclusion_filters_let_a_repository_pass(stack_file, tmp_path):
    path = stack_file("""
        config:
          aws:region: eu-central-1
          container-platform:repositories:
            - name: myapp
              tag_mutability: IMMUTABLE_WITH_EXCLUSION
              tag_mutability_exclusions: [latest]
              lifecycle: {keep_last: 5}
    """)
    assert main(["custom", "--config-file", str(path)]) == 1
    cfg = tmp_path / "policy-config.json"
    cfg.write_text(json.dumps({"ecr-immutable-tags": {"allowedExclusionFilters": ["latest"]}}))
    assert main(["custom", "--config-file", str(path), "--policy-config", str(cfg)]) == 0


@pytest.mark.parametrize("config, message", [
    ({"ecr-kms": "mandatory"}, "error: policy config: ecr-kms: the pack has no such policy; its policies are: "
     "ecr-immutable-tags, ecr-kms-encryption, ecr-lifecycle-policy, ecr-no-public-principal, ecr-scan-on-push, "
     "ecr-template-scan-on-push, eks-control-plane-logging, eks-deletion-protection, eks-no-open-public-endpoint, "
     "eks-node-role-can-pull, eks-secrets-encryption, iam-no-administrator-access, iam-no-full-admin, "
     "iam-passrole-scoped, iam-trust-narrowed, k8s-admission-pinned-images, k8s-image-from-ecr, k8s-no-latest-tag, "
     "k8s-pod-security, k8s-scan-gate-before-rollout, lb-drop-invalid-headers, "
     "lb-https-listeners, lb-tls-listeners, lb-tls-policy, network-no-internet-ingress, network-public-web-ingress "
     '(or "all" for every level)'),
    ({"ecr-kms-encryption": "strict"}, 'error: policy config: ecr-kms-encryption.enforcementLevel: "strict" is '
     "not a valid enforcement level; allowed: advisory, mandatory, remediate, disabled"),
    ({"ecr-kms-encryption": {"requireCMK": True}}, "error: policy config: ecr-kms-encryption.requireCMK: true "
     "is not an option of this policy; its options: requireCustomerManagedKey"),
    ({"ecr-kms-encryption": {"requireCustomerManagedKey": "yes"}},
     'error: policy config: ecr-kms-encryption.requireCustomerManagedKey: "yes" is not of type boolean'),
    ({"ecr-immutable-tags": {"allowedExclusionFilters": ["dev/*"]}},
     'error: policy config: ecr-immutable-tags.allowedExclusionFilters[0]: "dev/*" does not match the pattern '
     "^[0-9a-zA-Z._*-]{1,128}$"),
    ({"k8s-image-from-ecr": 3}, "error: policy config: k8s-image-from-ecr: 3 is not a valid value; must be an "
     "enforcement level (advisory, mandatory, remediate, disabled) or an object"),
])
def test_bad_policy_config_names_the_key(pack_info, config, message):
    """reconcile() is what the preview runs on a policy config: checked against the real pack's
    schemas (one pack process per session), without a preview per case."""
    with pytest.raises(gate.PolicyConfigError) as caught:
        gate.reconcile(pack_info, config)
    assert f"error: policy config: {caught.value}" == message


def test_bad_policy_config_exits_2_without_traceback(tmp_path):
    cfg = tmp_path / "policy-config.json"
    cfg.write_text(json.dumps({"ecr-kms-encryption": "strict"}))
    result = preview("dev", "--policy-config", str(cfg))
    assert result.returncode == 2
    assert result.stderr == ('error: policy config: ecr-kms-encryption.enforcementLevel: "strict" is not a valid '
                             "enforcement level; allowed: advisory, mandatory, remediate, disabled\n")


def test_policy_config_file_that_is_not_json(tmp_path):
    cfg = tmp_path / "policy-config.json"
    cfg.write_text("{all: mandatory")
    result = preview("dev", "--policy-config", str(cfg))
    assert result.returncode == 2 and "not valid JSON" in result.stderr and "Traceback" not in result.stderr


def test_policy_pack_dir_without_a_pack(tmp_path):
    result = preview("dev", "--policy-pack", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == f"error: policy config: {tmp_path}: no policy pack here (no __main__.py)\n"


def test_pack_reports_its_policies_and_schemas_over_the_protocol():
    from google.protobuf import empty_pb2, json_format

    with PackProcess(ROOT / "policy_pack", "p", "s") as pack:
        info = pack.stub().GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "container-platform-policies" and info.supportsConfig
    by_name = {p.name: p for p in info.policies}
    schema = json_format.MessageToDict(by_name["ecr-immutable-tags"].configSchema.properties)
    assert schema["allowedExclusionFilters"]["default"] == []
    config = reconcile(info, {})
    assert config["ecr-immutable-tags"] == ("mandatory", {"allowedExclusionFilters": []})
    assert config["k8s-image-from-ecr"] == ("advisory", {"accountIds": [], "requireDigest": True})
    with pytest.raises(PolicyConfigError):
        reconcile(info, {"nope": "advisory"})


@pytest.mark.parametrize("stack", stack_names())
def test_the_example_policy_config_is_valid_and_the_stacks_pass_it(stack):
    example = ROOT / "policy_pack" / "policy-config.example.json"
    assert main([stack, "--policy-config", str(example)]) == 0


def test_config_naming_the_renamed_policy_governs_only_repositories_and_registry_scanning(stack_file, tmp_path):
    """`ecr-scan-on-push` lost its template half to `ecr-template-scan-on-push` (README, Policies)."""
    path = stack_file("""
        config:
          aws:region: eu-central-1
          container-platform:repositories:
            - name: myapp
              scan_on_push: false
              lifecycle: {keep_last: 5}
          container-platform:scanning:
            allow_partial: true
            rules:
              - frequency: SCAN_ON_PUSH
                filters: ["team/*"]
          container-platform:replication:
            rules:
              - destinations: [{region: eu-west-1}]
    """)
    cfg = tmp_path / "policy-config.json"
    cfg.write_text(json.dumps({"ecr-scan-on-push": "advisory"}))
    out = tmp_path / "plan.json"
    assert main(["custom", "--config-file", str(path), "--policy-config", str(cfg), "--json", str(out)]) == 1
    levels = {(v["policy"], v["urn"].rsplit("::", 1)[-1], v["level"])
              for v in json.loads(out.read_text())["policy"]["violations"] if "scan" in v["policy"]}
    assert levels == {
        ("ecr-scan-on-push", "registry-myapp-repo", "advisory"),
        ("ecr-scan-on-push", "scanning-home", "advisory"),
        ("ecr-scan-on-push", "scanning-eu-west-1", "advisory"),
        ("ecr-template-scan-on-push", "replication-self-eu-west-1-template", "mandatory"),
    }
