"""KMS keys the platform creates, each with an explicit key policy built from typed statements.

Without a ``policy`` a key gets KMS's default policy (the account root may do ``kms:*``), which
says nothing about who may use the key for what. ECR keys encrypt images only, so:

* the account's administrators (IAM principals of the key's account that IAM policies allow) manage
  the key; ``kms:PutKeyPolicy`` is among the management actions, so nobody is locked out;
* principals of that account may use the key for cryptography and grants **only through ECR in the
  key's region** (``kms:ViaService`` and ``kms:CallerAccount``) — that is how ECR encrypts image
  layers, and how ECR, acting through a creation template's role, encrypts replicas;
* no statement names ``*`` as a principal.

EKS keys encrypt the cluster's Kubernetes secrets (used by the cluster role, an IAM principal of
the key's account) and its CloudWatch log groups (used by the CloudWatch Logs service, only for
log groups of that account and region).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .regions import dns_suffix

# What administering a key needs, and no use of the key itself.
ADMIN_ACTIONS = (
    "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:DeleteAlias", "kms:DescribeKey",
    "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation",
    "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListGrants",
    "kms:ListKeyPolicies", "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)
# What ECR does with the key on a caller's behalf (as in AWS's own aws/ecr key policy).
ECR_USE_ACTIONS = (
    "kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*",
    "kms:ReEncrypt*", "kms:RetireGrant",
)


# What a cluster does with its secrets key, and CloudWatch Logs with a log group's key.
EKS_USE_ACTIONS = ("kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*",
                   "kms:ListGrants")
LOGS_USE_ACTIONS = ("kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*")


@dataclass(frozen=True)
class Statement:
    """One key-policy statement. Principals are IAM ARNs, or one AWS service; never ``*``."""

    sid: str
    principals: Sequence[str]
    actions: Sequence[str]
    conditions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    service: str | None = None
    """An AWS service principal (``logs.eu-west-1.amazonaws.com``) instead of IAM ARNs."""

    def __post_init__(self) -> None:
        if self.service is not None:
            if self.principals or "*" in self.service or not self.service.endswith((".amazonaws.com",
                                                                                      ".amazonaws.com.cn")):
                raise ValueError(f"{self.sid}: a service statement names one service, got {self.service}")
            if not self.conditions:
                raise ValueError(f"{self.sid}: a service may use a key only under a condition")
            return
        if not self.principals or any(p == "*" or not p.startswith("arn:") for p in self.principals):
            raise ValueError(f"{self.sid}: principals must be IAM ARNs, got {list(self.principals)}")

    def to_json(self) -> dict:
        if self.service is not None:
            principal: dict = {"Service": self.service}
        else:
            principal = {"AWS": list(self.principals) if len(self.principals) > 1 else self.principals[0]}
        statement: dict = {
            "Sid": self.sid,
            "Effect": "Allow",
            "Principal": principal,
            "Action": sorted(self.actions),
            # In a key policy "*" means "this key".
            "Resource": "*",
        }
        if self.conditions:
            statement["Condition"] = {op: dict(values) for op, values in self.conditions.items()}
        return statement


def ecr_key_statements(account: str, partition: str, region: str) -> list[Statement]:
    """The statements of a key that encrypts ECR images in ``region`` of ``account``."""
    root = f"arn:{partition}:iam::{account}:root"
    return [
        Statement("KeyAdministration", [root], ADMIN_ACTIONS),
        Statement("UseThroughEcrOnly", [root], ECR_USE_ACTIONS, {"StringEquals": {
            "kms:ViaService": f"ecr.{region}.{dns_suffix(region)}",
            "kms:CallerAccount": account,
        }}),
    ]


def eks_key_statements(account: str, partition: str, region: str) -> list[Statement]:
    """The statements of a key for a cluster's secrets and its log groups in ``region``."""
    root = f"arn:{partition}:iam::{account}:root"
    return [
        Statement("KeyAdministration", [root], ADMIN_ACTIONS),
        Statement("EncryptClusterSecrets", [root], EKS_USE_ACTIONS,
                  {"StringEquals": {"kms:CallerAccount": account}}),
        Statement("EncryptLogGroups", [], LOGS_USE_ACTIONS, {"ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account}:log-group:*"}},
            service=f"logs.{region}.{dns_suffix(region)}"),
    ]


def policy_document(statements: Sequence[Statement], policy_id: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Id": policy_id, "Statement": [s.to_json() for s in statements]})


def ecr_key_policy(account: str, partition: str, region: str) -> str:
    """The key policy JSON of a key that encrypts ECR images in ``region`` of ``account``."""
    return policy_document(ecr_key_statements(account, partition, region), "ecr-image-encryption")


def eks_key_policy(account: str, partition: str, region: str) -> str:
    """The key policy JSON of a key for a cluster's secrets and log groups."""
    return policy_document(eks_key_statements(account, partition, region), "eks-secrets-and-logs")


def ecr_key(name: str, *, description: str, account: pulumi.Input[str], partition: str,
            region: pulumi.Input[str], declare_region: str | None, tags: Mapping[str, str], protect: bool,
            opts: pulumi.ResourceOptions, policy=ecr_key_policy) -> aws.kms.Key:
    """A customer-managed key for ECR images in ``region`` (or, with ``policy=eks_key_policy``, a
    cluster's secrets and logs): yearly rotation, 30-day deletion window, explicit policy.
    ``declare_region`` is the key's ``region`` input (None: the provider's region, which
    ``region`` must then name)."""
    return aws.kms.Key(
        name,
        description=description,
        enable_key_rotation=True,
        # The longest waiting period: a mistaken deletion can still be cancelled.
        deletion_window_in_days=30,
        policy=pulumi.Output.all(account, region).apply(lambda ar: policy(ar[0], partition, ar[1])),
        region=declare_region,
        tags=dict(tags) or None,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
            protect=protect, retain_on_delete=protect or None)),
    )
