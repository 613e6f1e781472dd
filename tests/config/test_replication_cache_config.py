"""Validation of scanning, replication and pull-through cache config, with the messages users read."""

from __future__ import annotations

import pytest

from stack_config import ConfigError, parse
from tests.conftest import PROJECT, raw_config

REPOS = [{"name": "myapp", "lifecycle": {"keep_last": 20}},
         {"name": "myapp-migrations", "lifecycle": {"keep_last": 10}}]
SECRET_ARN = "arn:aws:secretsmanager:eu-central-1:111122223333:secret:ecr-pullthroughcache/docker-hub-Ab12Cd"


def parse_config(config: dict, secret_keys=(), **raw_overrides):
    raw = raw_config({"repositories": [{"name": "myapp"}], **config})
    raw.update(raw_overrides)
    return parse(raw, project=PROJECT, stack="t", secret_keys=[f"{PROJECT}:{k}" for k in secret_keys])


def error_of(config: dict, secret_keys=(), **raw_overrides) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(config, secret_keys, **raw_overrides)
    return str(caught.value)


def dest(**fields):
    return {"replication": {"rules": [{"destinations": [{"region": "eu-west-1", **fields}]}]}}


# ------------------------------------------------------------------------------------ scanning

def test_scanning_defaults_cover_every_repository_in_every_same_account_region():
    cfg = parse_config(dest())
    assert cfg.scanning.scan_type == "BASIC"
    assert [(r.frequency, tuple(r.filters)) for r in cfg.scanning.rules] == [("SCAN_ON_PUSH", ("*",))]
    assert cfg.scanning.regions == [None, "eu-west-1"]
    cross = parse_config(dest(account="210987654321"))
    assert cross.scanning.regions == [None]


@pytest.mark.parametrize("scanning, message", [
    ({"type": "INSPECTOR"}, 'scanning.type: "INSPECTOR" is not one of BASIC, ENHANCED'),
    ({"type": "BASIC", "rules": [{"frequency": "CONTINUOUS_SCAN"}]},
     'scanning.rules[0].frequency: "CONTINUOUS_SCAN" is not allowed with BASIC scanning; allowed: '
     "SCAN_ON_PUSH"),
    # AWS's API reference: BASIC supports SCAN_ON_PUSH; MANUAL is what unmatched repositories get.
    ({"type": "BASIC", "rules": [{"frequency": "MANUAL"}]},
     'scanning.rules[0].frequency: "MANUAL" is not allowed with BASIC scanning; allowed: SCAN_ON_PUSH'),
    ({"type": "ENHANCED", "rules": [{"frequency": "MANUAL"}]},
     'scanning.rules[0].frequency: "MANUAL" is not allowed with ENHANCED scanning; allowed: SCAN_ON_PUSH, '
     "CONTINUOUS_SCAN"),
    ({"rules": []}, "scanning.rules: [] is empty; without a rule no repository is scanned"),
    ({"rules": [{"frequency": "SCAN_ON_PUSH"}] * 3}, 'scanning.rules: "3 rules" is more than the 2 AWS allows'),
    ({"rules": [{"frequency": "SCAN_ON_PUSH", "filters": ["Team/*"]}]},
     'scanning.rules[0].filters[0]: "Team/*" is not a WILDCARD repository filter (lowercase letters, digits, '
     ". _ - / and *, e.g. * or team/*)"),
    ({"rules": [{"frequency": "SCAN_ON_PUSH", "filters": []}]},
     "scanning.rules[0].filters: [] must list 1-100 filters"),
    ({"rules": [{"filters": ["*"]}]}, "scanning.rules[0].frequency: null is required"),
    ({"scan_type": "BASIC"}, 'scanning.scan_type: "BASIC" is set on an unknown key; did you mean type? allowed keys: type, rules, allow_partial'),
])
def test_scanning_errors(scanning, message):
    assert error_of({"scanning": scanning}) == message


# ------------------------------------------------------------------------------------ replication

def test_replication_defaults_to_this_account_and_the_sources_lifecycle():
    cfg = parse_config({"repositories": [{"name": "myapp", "lifecycle": {"keep_last": 20}}],
                        "replication": {"rules": [{"destinations": [{"region": "eu-west-1"}],
                                                   "filters": ["myapp"]}]}})
    (rule,) = cfg.replication.rules
    assert rule.destinations[0].account is None and rule.filters == ("myapp",)
    assert '"countNumber": 20' in cfg.replication.replica_lifecycle_policies["self-eu-west-1"]


def test_the_stacks_own_account_counts_as_this_account():
    raw = {"aws:allowedAccountIds": '["111122223333"]'}
    cfg = parse_config(dest(account="111122223333"), **raw)
    assert cfg.replication.rules[0].destinations[0].account is None


def test_different_source_lifecycles_need_a_replica_lifecycle():
    replication = {"rules": [{"destinations": [{"region": "eu-west-1"}], "filters": ["myapp"]}]}
    assert error_of({"repositories": REPOS, "replication": replication}) == (
        "replication.replica_lifecycle: null is required: myapp, myapp-migrations replicate to self-eu-west-1 "
        "with different lifecycle policies, and the replicas' creation template carries one; set the "
        "lifecycle the replicas get")
    cfg = parse_config({"repositories": REPOS, "replication": {**replication, "replica_lifecycle": {
        "keep_last": 30}}})
    assert '"countNumber": 30' in cfg.replication.replica_lifecycle_policy
    # A filter that only matches one of them needs nothing more.
    only = {"rules": [{"destinations": [{"region": "eu-west-1"}], "filters": ["myapp-m"]}]}
    assert '"countNumber": 10' in parse_config({"repositories": REPOS, "replication": only}
                                                ).replication.replica_lifecycle_policies["self-eu-west-1"]


@pytest.mark.parametrize("config, message", [
    (dest(region="eu-central-1"), 'replication.rules[0].destinations[0].region: "eu-central-1" is the source '
     "region in the source account; a registry cannot replicate to itself"),
    (dest(region="mars-1"), 'replication.rules[0].destinations[0].region: "mars-1" is not an AWS region where '
     "ECR is offered (e.g. eu-west-1)"),
    (dest(account="1234"), 'replication.rules[0].destinations[0].account: "1234" is not a 12-digit AWS account ID'),
    (dest(assume_role_arn="arn:aws:iam::210987654321:role/x"),
     'replication.rules[0].destinations[0].assume_role_arn: "arn:aws:iam::210987654321:role/x" is only for a '
     "destination in another account (set account)"),
    (dest(account="210987654321", assume_role_arn="arn:aws:iam::999999999999:role/x"),
     'replication.rules[0].destinations[0].assume_role_arn: "arn:aws:iam::999999999999:role/x" is not a role '
     "of the destination account 210987654321"),
    (dest(account="210987654321", assume_role_arn="role/x"),
     'replication.rules[0].destinations[0].assume_role_arn: "role/x" is not an IAM role ARN '
     "(arn:aws:iam::ACCOUNT:role/NAME)"),
    (dest(kms_key_arn="arn:aws:kms:eu-central-1:111122223333:key/0b1f4a8e-1111-2222-3333-444455556666"),
     'replication.rules[0].destinations[0].kms_key_arn: "arn:aws:kms:eu-central-1:111122223333:key/'
     '0b1f4a8e-1111-2222-3333-444455556666" is a key in eu-central-1; it must be in eu-west-1 (KMS keys are regional)'),
    ({"replication": {"rules": []}},
     "replication.rules: [] is empty; list at least one rule (or leave replication unset)"),
    ({"replication": {"rules": [{"destinations": [{"region": "eu-west-1"}]}] * 11}},
     'replication.rules: "11 rules" is more than the 10 AWS allows'),
    ({"replication": {"rules": [{"destinations": []}]}},
     "replication.rules[0].destinations: [] is empty; name at least one region"),
    ({"replication": {"rules": [{"destinations": [{"region": "eu-west-1"}], "filters": ["MyApp"]}]}},
     'replication.rules[0].filters[0]: "MyApp" is not a repository name prefix (2-256 lowercase letters, '
     "digits, . _ - and /)"),
    ({"replication": {"rules": [{"destinations": [{"account": "210987654321"}]}]}},
     "replication.rules[0].destinations[0].region: null is required"),
    ({"replication": {"rules": [{"destination": [{"region": "eu-west-1"}]}]}},
     'replication.rules[0].destination: [{"region": "eu-west-1"}] is set on an unknown key; did you mean '
     "destinations? allowed keys: destinations, filters"),
    ({"replication": {}}, "replication.rules: null is required (a list of rules with destinations)"),
])
def test_replication_errors(config, message):
    assert error_of(config) == message


def test_more_than_25_unique_destinations():
    regions = ["eu-west-1", "eu-west-2", "eu-west-3", "us-east-1", "us-east-2", "us-west-2"]
    dests = [{"region": r, "account": f"2109876543{i:02d}"} for i in range(5) for r in regions]
    assert error_of({"replication": {"rules": [{"destinations": dests}]}}) == (
        'replication.rules: "30 destinations" is more than the 25 unique destinations AWS allows')


# ------------------------------------------------------------------------------------ pull-through cache

def cache(*rules, **extra):
    return {"pull_through_cache": {"rules": list(rules), **extra}}


def test_cache_rules_default_prefix_lifecycle_and_encryption():
    cfg = parse_config(cache({"upstream": "ecr-public"}, {"upstream": "quay", "prefix": "quay-io"}))
    assert [r.repository_prefix for r in cfg.cache.rules] == ["ecr-public", "quay-io"]
    assert [r.upstream_url for r in cfg.cache.rules] == ["public.ecr.aws", "quay.io"]
    assert '"countNumber": 100' in cfg.cache.lifecycle_policy and '"countNumber": 14' in cfg.cache.lifecycle_policy
    assert cfg.cache.encryption_type == "KMS"


def test_credentials_are_an_administrators_secret_arn():
    cfg = parse_config(cache({"upstream": "docker-hub", "credentials": {"secret_arn": SECRET_ARN}}))
    assert cfg.cache.rules[0].credentials.secret_arn == SECRET_ARN


@pytest.mark.parametrize("rules, message", [
    ([{"upstream": "dockerhub"}], 'pull_through_cache.rules[0].upstream: "dockerhub" is not an upstream ECR can '
     "cache; allowed: ecr-public, quay, k8s, docker-hub, github-container-registry, gitlab-container-registry, "
     "azure-container-registry, chainguard"),
    ([{"upstream": "docker-hub"}], "pull_through_cache.rules[0].credentials: null are required for docker-hub: "
     "the secret_arn of a Secrets Manager secret named ecr-pullthroughcache/... (docs/deploying.md, "
     'Pull-through cache credentials)'),
    ([{"upstream": "quay", "credentials": {"secret_arn": SECRET_ARN}}],
     'pull_through_cache.rules[0].credentials: "(set)" are not accepted for quay, which AWS caches anonymously'),
    ([{"upstream": "docker-hub", "credentials": {"secret_arn": "arn:aws:secretsmanager:eu-central-1:"
                                                 "111122223333:secret:dockerhub-creds"}}],
     'pull_through_cache.rules[0].credentials.secret_arn: "arn:aws:secretsmanager:eu-central-1:111122223333:'
     'secret:dockerhub-creds" is not the ARN of a Secrets Manager secret whose name starts with '
     "ecr-pullthroughcache/"),
    ([{"upstream": "docker-hub", "credentials": {"secret_arn": SECRET_ARN.replace("eu-central-1", "us-east-1")}}],
     f'pull_through_cache.rules[0].credentials.secret_arn: "{SECRET_ARN.replace("eu-central-1", "us-east-1")}" '
     "is in us-east-1; ECR reads the secret only in the registry's region eu-central-1"),
    ([{"upstream": "docker-hub", "credentials": {}}],
     "pull_through_cache.rules[0].credentials.secret_arn: null is required: the ARN of a Secrets Manager "
     "secret named ecr-pullthroughcache/..."),
    ([{"upstream": "ecr-public"}, {"upstream": "quay", "prefix": "ecr-public"}],
     'pull_through_cache.rules[1].prefix: "ecr-public" is already the prefix of rules[0]'),
    ([{"upstream": "quay", "prefix": "Q"}],
     'pull_through_cache.rules[0].prefix: "Q" is not a repository prefix (2-30 lowercase letters, digits, . _ - /)'),
    ([{"upstream": "azure-container-registry", "credentials": {"secret_arn": SECRET_ARN}}],
     "pull_through_cache.rules[0].registry_url: null must name the Azure registry (NAME.azurecr.io)"),
    ([{"upstream": "quay", "registry_url": "quay.io"}],
     'pull_through_cache.rules[0].registry_url: "quay.io" is only for azure-container-registry (quay is quay.io)'),
    ([{"prefix": "x1"}], "pull_through_cache.rules[0].upstream: null is required"),
])
def test_cache_errors(rules, message):
    assert error_of(cache(*rules)) == message


@pytest.mark.parametrize("credentials", [{"username": "octo-user-7", "access_token": "t0k"}, {"access_token": "t0k"},
                                         {"secret_arn": SECRET_ARN, "access_token": "t0k"}])
@pytest.mark.parametrize("secret", [False, True])
def test_a_token_in_the_stack_is_refused_without_echoing_it(credentials, secret):
    """Secret or not: a token the stack kept would sit in its state and be read back on refresh."""
    message = error_of(cache({"upstream": "docker-hub", "credentials": credentials}),
                       secret_keys=["pull_through_cache"] if secret else [])
    key = "username" if "username" in credentials else "access_token"
    assert message.startswith(f'pull_through_cache.rules[0].credentials.{key}: "(not shown)" is no longer '
                              "accepted: the stack does not keep upstream tokens. Create the secret once as an "
                              "administrator (aws secretsmanager create-secret --name ecr-pullthroughcache/NAME ")
    assert message.endswith("and set pull_through_cache.rules[0].credentials.secret_arn to its ARN")
    assert "t0k" not in message and "octo-user-7" not in message


def test_cache_lifecycle_is_validated_like_any_lifecycle():
    assert error_of(cache({"upstream": "quay"}, lifecycle={"keep_last": 0})) == (
        "pull_through_cache.lifecycle.keep_last: 0 is not a positive integer")
