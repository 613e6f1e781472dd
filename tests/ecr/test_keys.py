"""Every KMS key the program creates has an explicit key policy: administration for the key's
account, use only through ECR in the key's region, no wildcard principal."""

from __future__ import annotations

import json

import pytest

from components.shared.kms import ADMIN_ACTIONS, ECR_USE_ACTIONS, Statement, ecr_key_policy
from tools.harness import load_stack, stack_names

KEY = "aws:kms/key:Key"


def test_ecr_key_policy_statements():
    policy = json.loads(ecr_key_policy("111122223333", "aws", "eu-west-1"))
    admin, use = policy["Statement"]
    assert admin == {"Sid": "KeyAdministration", "Effect": "Allow",
                     "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                     "Action": sorted(ADMIN_ACTIONS), "Resource": "*"}
    assert "kms:PutKeyPolicy" in admin["Action"]  # nobody is locked out
    assert not {"kms:Decrypt", "kms:Encrypt", "kms:*"} & set(admin["Action"])
    assert use["Action"] == sorted(ECR_USE_ACTIONS)
    assert use["Condition"] == {"StringEquals": {"kms:ViaService": "ecr.eu-west-1.amazonaws.com",
                                                 "kms:CallerAccount": "111122223333"}}


def test_china_keys_name_the_china_ecr_endpoint():
    (_, use) = json.loads(ecr_key_policy("111122223333", "aws-cn", "cn-north-1"))["Statement"]
    assert use["Principal"] == {"AWS": "arn:aws-cn:iam::111122223333:root"}
    assert use["Condition"]["StringEquals"]["kms:ViaService"] == "ecr.cn-north-1.amazonaws.com.cn"


@pytest.mark.parametrize("principals", [["*"], [], ["111122223333"]])
def test_a_statement_refuses_anything_but_iam_arns(principals):
    with pytest.raises(ValueError):
        Statement("x", principals, ["kms:DescribeKey"])


@pytest.mark.parametrize("stack", stack_names())
def test_every_created_key_has_its_own_policy_for_its_account_and_region(plans, stack):
    plan = plans(stack)
    keys = plan.by_type(KEY)
    if stack == "prod":
        assert len(keys) == 5  # the registry key, two replica-region keys, the cluster and flow-log keys
    for key in keys:
        policy = json.loads(key.inputs["policy"])
        statements = {s["Sid"]: s for s in policy["Statement"]}
        if key.name in ("cluster-key", "network-flow-logs-key"):
            assert_eks_key(statements, key.inputs.get("region") or load_stack(stack).region)
            continue
        assert set(statements) == {"KeyAdministration", "UseThroughEcrOnly"}, key.name
        for statement in statements.values():
            assert statement["Principal"] != "*" and "*" not in json.dumps(statement["Principal"])
        region = key.inputs.get("region") or load_stack(stack).region
        via = statements["UseThroughEcrOnly"]["Condition"]["StringEquals"]
        assert via["kms:ViaService"] == f"ecr.{region}.amazonaws.com", key.name
        assert statements["UseThroughEcrOnly"]["Principal"]["AWS"] == f"arn:aws:iam::{via['kms:CallerAccount']}:root"
        assert key.inputs["enableKeyRotation"] is True


def assert_eks_key(statements: dict, region: str) -> None:
    """A cluster's key: its account's IAM may use it for secrets; CloudWatch Logs only for the
    account's log groups in the region; nothing for "*"."""
    assert set(statements) == {"KeyAdministration", "EncryptClusterSecrets", "EncryptLogGroups"}
    logs = statements["EncryptLogGroups"]
    assert logs["Principal"] == {"Service": f"logs.{region}.amazonaws.com"}
    account = statements["EncryptClusterSecrets"]["Condition"]["StringEquals"]["kms:CallerAccount"]
    assert logs["Condition"] == {"ArnLike": {
        "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account}:log-group:*"}}
    assert statements["EncryptClusterSecrets"]["Principal"] == {"AWS": f"arn:aws:iam::{account}:root"}


def test_a_service_statement_needs_a_condition_and_one_service():
    with pytest.raises(ValueError):
        Statement("x", [], ["kms:Decrypt"], service="logs.eu-west-1.amazonaws.com")
    with pytest.raises(ValueError):
        Statement("x", [], ["kms:Decrypt"], {"StringEquals": {"a": "b"}}, service="*")
