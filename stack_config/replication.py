"""The ``replication`` section: rules, destinations and the replicas' lifecycle."""

from __future__ import annotations

from components.ecr.lifecycle import render_policy
from components.ecr.replication import (
    EcrReplicationSpec,
    ReplicationDestination,
    ReplicationRule,
    check_replication_spec,
    replicated,
)
from components.ecr.repository import EcrRepositorySpec
from components.shared.placement import Placement

from . import schema
from .registry import lifecycle
from .values import ConfigError, Value, domain, opt


def _destination(node: Value, home_account: str | None) -> ReplicationDestination:
    fields = node.object(schema.keys_of("replication.rules[].destinations[]"))
    if "region" not in fields:
        raise ConfigError(f"{node.path}.region", None, "is required")
    account = opt(fields, "account", Value.account)
    if account is not None and account == home_account:
        account = None  # this stack's own account (aws:allowedAccountIds)
    return ReplicationDestination(
        region=fields["region"].string(), account=account,
        assume_role_arn=opt(fields, "assume_role_arn", Value.string),
        preview_role_arn=opt(fields, "preview_role_arn", Value.string),
        kms_key_arn=opt(fields, "kms_key_arn", Value.string),
        existing_template=opt(fields, "existing_template", Value.boolean, False),
    )


def replication_section(node: Value, placement: Placement, repositories: list[EcrRepositorySpec],
                        ) -> tuple[list[ReplicationRule], dict[str, str | None]]:
    """The rules, and the replicas' lifecycle policy per destination key (``"*"``: every one)."""
    fields = node.object(schema.keys_of("replication"))
    if "rules" not in fields:
        raise ConfigError(f"{node.path}.rules", None, "is required (a list of rules with destinations)")
    rules = []
    for item in fields["rules"].list():
        rule = item.object(schema.keys_of("replication.rules[]"))
        if "destinations" not in rule:
            raise ConfigError(f"{item.path}.destinations", None, "is required")
        rules.append(ReplicationRule(
            destinations=tuple(_destination(d, placement.account) for d in rule["destinations"].list()),
            filters=opt(rule, "filters", Value.strings, ()),
        ))
    # The rules themselves first: the lifecycle below is derived from what they match.
    domain(lambda: check_replication_spec(EcrReplicationSpec(rules=rules, placement=placement)), node.path)
    if "replica_lifecycle" in fields:
        rules_of_replicas = lifecycle(fields["replica_lifecycle"])
        return rules, {"*": render_policy(rules_of_replicas) if rules_of_replicas else None}
    # Replicas get their sources' lifecycle: one ROOT template per destination carries one policy,
    # so each destination must receive repositories that agree on it.
    names = [r.name for r in repositories]
    by_name = {r.name: (render_policy(r.lifecycle_rules) if r.lifecycle_rules else None) for r in repositories}
    per_destination: dict[str, str | None] = {}
    for dest_key, matched in replicated(rules, names).items():
        if not matched:
            raise ConfigError(f"{node.path}.replica_lifecycle", None,
                              f"is required: no repository of this stack replicates to {dest_key}, so the "
                              "replicas' lifecycle cannot be taken from a source; set the lifecycle the "
                              "replicas get")
        policies = {by_name[n] for n in matched}
        if len(policies) > 1:
            raise ConfigError(f"{node.path}.replica_lifecycle", None,
                              f"is required: {', '.join(matched)} replicate to {dest_key} with different "
                              "lifecycle policies, and the replicas' creation template carries one; set "
                              "the lifecycle the replicas get")
        per_destination[dest_key] = policies.pop()
    return rules, per_destination


