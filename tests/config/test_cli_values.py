"""Config as the Pulumi CLI passes it, and the bad-input rules of the enforcement issue: numbers from
`config set --path`, secrets never shown, limits on what AWS receives, keys in their account and
region, near-miss namespaces, ASCII account IDs. Each rule asserts the message a user reads."""

from __future__ import annotations

import json

import pytest

from stack_config import ConfigError, parse
from tests.conftest import PROJECT, raw_config, run_config
from tools.preview import main

ACCOUNT = "111122223333"
PINNED = {"aws:allowedAccountIds": json.dumps([ACCOUNT])}
KEY_ID = "0b1f4a8e-1111-2222-3333-444455556666"


def parse_raw(raw: dict, secret_keys=()):
    return parse(raw, project=PROJECT, stack="t", secret_keys=list(secret_keys))


def cfg(config: dict, secret_keys=(), **raw_overrides):
    raw = raw_config({"repositories": [{"name": "myapp"}], **config})
    raw.update(raw_overrides)
    return parse_raw(raw, secret_keys)


def error(config: dict, secret_keys=(), **raw_overrides) -> str:
    with pytest.raises(ConfigError) as caught:
        cfg(config, secret_keys, **raw_overrides)
    return str(caught.value)


# ------------------------------------------------------------------ numbers from `config set --path`

def test_account_ids_stored_as_numbers_are_accepted():
    """`pulumi config set --path '...grants[0].principal' 777788889999` stores a number."""
    parsed = cfg({"repositories": [{"name": "myapp", "grants": [{"principal": 777788889999}]}],
                  "replication": {"rules": [{"destinations": [{"region": "eu-west-1", "account": 210987654321}]}]}})
    assert parsed.registry.repositories[0].grants[0].principal == "777788889999"
    assert parsed.replication.rules[0].destinations[0].account == "210987654321"


@pytest.mark.parametrize("config, message", [
    ({"repositories": [{"name": "myapp", "grants": [{"principal": 12345678901}]}]},
     'repositories[0].grants[0].principal: 12345678901 is a number of 11 digits, not a 12-digit AWS account ID; '
     'an ID that starts with 0 loses its leading zeros as a number: quote it ("012345678901") in the stack file, or set it with pulumi config set --path --type string'),
    ({"replication": {"rules": [{"destinations": [{"region": "eu-west-1", "account": 98765432101}]}]}},
     "replication.rules[0].destinations[0].account: 98765432101 is a number of 11 digits, not a 12-digit AWS "
     'account ID; an ID that starts with 0 loses its leading zeros as a number: quote it ("098765432101") in the stack file, or set it with pulumi config set --path --type string'),
    ({"repositories": [{"name": "myapp", "grants": [{"principal": 1234567890123}]}]},
     "repositories[0].grants[0].principal: 1234567890123 is not a 12-digit AWS account ID"),
])
def test_a_number_that_lost_its_leading_zero_says_to_quote_it(config, message):
    assert error(config) == message


def test_tag_values_stored_as_numbers_or_booleans_are_their_text():
    parsed = cfg({"tags": {"CostCenter": 4711, "Billable": True, "Ratio": 0.5},
                  "repositories": [{"name": "myapp", "tags": {"Tier": 1.0}}]})
    assert parsed.tags["CostCenter"] == "4711" and parsed.tags["Billable"] == "true"
    assert parsed.tags["Ratio"] == "0.5"
    assert parsed.registry.repositories[0].tags == {"Tier": "1"}


def test_unquoted_account_id_in_a_stack_file_reaches_aws_as_the_id(stack_file, tmp_path, capsys):
    """What `config set --path` writes (an unquoted number) previews; a lost zero exits 2."""
    good = stack_file("""
        config:
          aws:region: eu-central-1
          container-platform:repositories:
            - name: myapp
              lifecycle: {keep_last: 5}
              grants:
                - principal: 777788889999
    """)
    out = tmp_path / "plan.json"
    assert main(["custom", "--config-file", str(good), "--json", str(out)]) == 0
    policy = next(r for r in json.loads(out.read_text())["resources"]
                  if r["type"] == "aws:ecr/repositoryPolicy:RepositoryPolicy")
    assert "arn:aws:iam::777788889999:root" in policy["inputs"]["policy"]
    bad = stack_file("""
        config:
          aws:region: eu-central-1
          container-platform:repositories:
            - name: myapp
              grants:
                - principal: 012345678901
    """, name="Pulumi.bad.yaml")
    capsys.readouterr()
    assert main(["bad", "--config-file", str(bad), "--no-policy"]) == 2
    assert "quote it (\"012345678901\")" in capsys.readouterr().err


# ------------------------------------------------------------------ secrets never shown

@pytest.mark.parametrize("credentials, message", [
    ({"acess_token": "dckr_pat_SECRET"},
     'pull_through_cache.rules[0].credentials.acess_token: "(not shown)" is set on an unknown key; allowed keys: '
     "secret_arn"),
    ({"token": "dckr_pat_SECRET"},
     'pull_through_cache.rules[0].credentials.token: "(not shown)" is set on an unknown key; allowed keys: '
     "secret_arn"),
    ("dckr_pat_SECRET", 'pull_through_cache.rules[0].credentials: "(not shown)" is not an object with keys '
                        "secret_arn"),
])
def test_a_credential_in_a_wrong_place_is_reported_by_key_only(credentials, message):
    got = error({"pull_through_cache": {"rules": [{"upstream": "docker-hub", "credentials": credentials}]}},
                secret_keys=[f"{PROJECT}:pull_through_cache"])
    assert got == message
    assert "SECRET" not in got


def test_a_misspelled_credential_key_outside_credentials_is_not_shown():
    got = error({"pull_through_cache": {"rules": [{"upstream": "docker-hub", "acces_token": "dckr_pat_SECRET"}]}})
    assert "SECRET" not in got and '"(not shown)" is set on an unknown key' in got


def test_a_secret_on_a_misspelled_top_level_key_is_not_shown():
    raw = raw_config({"repositories": [{"name": "myapp"}]})
    raw[f"{PROJECT}:pull_through_cahce"] = '{"rules": [{"credentials": {"access_token": "dckr_pat_SECRET"}}]}'
    with pytest.raises(ConfigError) as caught:
        parse_raw(raw, secret_keys=[f"{PROJECT}:pull_through_cahce"])
    assert str(caught.value).startswith('pull_through_cahce: "(not shown)" is set on an unknown key; did you '
                                        "mean pull_through_cache?")


# ------------------------------------------------------------------ limits on what AWS receives

def test_tag_limit_counts_the_programs_own_tags():
    tags = {f"T{i}": "x" for i in range(47)}
    assert error({"tags": tags}) == (
        'tags: "51 tags" is what every resource would get with the program\'s own (ManagedBy, PulumiProject, '
        "PulumiStack, Environment); AWS allows 50 per resource, so give at most 46")
    cfg({"tags": {f"T{i}": "x" for i in range(46)}})  # 50 in all: accepted


def test_tag_limit_counts_the_stacks_tags_on_each_repository():
    stack_tags = {f"S{i}": "x" for i in range(10)}
    repo_tags = {f"R{i}": "x" for i in range(37)}
    assert error({"tags": stack_tags, "repositories": [{"name": "myapp", "tags": repo_tags}]}) == (
        'repositories[0].tags: "51 tags" is what repository myapp would get with the stack\'s tags and the '
        "program's own (ManagedBy, PulumiProject, PulumiStack, Environment); AWS allows 50 per resource")
    # A repository tag that overrides a stack tag does not count twice: 14 + 36 = 50.
    cfg({"tags": stack_tags, "repositories": [{"name": "myapp", "tags": {
        **{f"R{i}": "x" for i in range(36)}, "S0": "z"}}]})


@pytest.mark.parametrize("patterns, message", [
    (["a*b*c*"], 'repositories[0].tag_mutability_exclusions[0]: "a*b*c*" has more than 2 wildcards (*), the '
                 "most AWS allows in a tag mutability exclusion filter"),
])
def test_exclusion_filters_allow_two_wildcards(patterns, message):
    assert error({"repositories": [{"name": "myapp", "tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
                                    "tag_mutability_exclusions": patterns}]}) == message
    cfg({"repositories": [{"name": "myapp", "tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
                           "tag_mutability_exclusions": ["*-dev-*"]}]})


# ------------------------------------------------------------------ keys and secrets in their place

@pytest.mark.parametrize("arn, message", [
    (f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{KEY_ID}",
     f'encryption.kms_key_arn: "arn:aws:kms:eu-west-1:{ACCOUNT}:key/{KEY_ID}" is a key in eu-west-1; it must '
     "be in eu-central-1 (KMS keys are regional)"),
    (f"arn:aws:kms:eu-central-1:999999999999:key/{KEY_ID}",
     f'encryption.kms_key_arn: "arn:aws:kms:eu-central-1:999999999999:key/{KEY_ID}" is a key of account '
     f"999999999999; it must be a key of this registry's account {ACCOUNT}"),
    (f"arn:aws:kms:eu-central-1:{ACCOUNT}:alias/ecr",
     f'encryption.kms_key_arn: "arn:aws:kms:eu-central-1:{ACCOUNT}:alias/ecr" is a KMS alias ARN; give the key '
     "ARN it points to (aws kms describe-key --key-id ALIAS_ARN --query KeyMetadata.Arn): ECR templates refuse "
     "aliases, and a repository reads the key ARN back, so every later up would replace it"),
])
def test_a_given_key_must_be_a_key_arn_in_the_registrys_region_and_account(arn, message):
    assert error({"encryption": {"kms_key_arn": arn}}, **PINNED) == message


def test_a_replica_key_given_as_an_alias_is_refused():
    got = error({"replication": {"rules": [{"destinations": [
        {"region": "eu-west-1", "kms_key_arn": f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/replicas"}]}]},
        "repositories": [{"name": "myapp", "lifecycle": {"keep_last": 3}}]})
    assert got.startswith("replication.rules[0].destinations[0].kms_key_arn: ") and "is a KMS alias ARN" in got


def test_a_cache_secret_must_be_in_the_stacks_account():
    arn = "arn:aws:secretsmanager:eu-central-1:999999999999:secret:ecr-pullthroughcache/hub-Ab12Cd"
    assert error({"pull_through_cache": {"rules": [{"upstream": "docker-hub", "credentials": {"secret_arn": arn}}]}},
                 **PINNED) == (
        f'pull_through_cache.rules[0].credentials.secret_arn: "{arn}" is a secret of account 999999999999; '
        f"ECR reads the secret only in the registry's account {ACCOUNT}")


# ------------------------------------------------------------------ namespaces and account IDs

@pytest.mark.parametrize("key", ["container-platfrom:protect", "container_platform:protect",
                                 "containerplatform:protect"])
def test_a_near_miss_of_the_project_namespace_is_an_error(key):
    raw = raw_config({"repositories": [{"name": "myapp"}]})
    raw[key] = "true"
    with pytest.raises(ConfigError) as caught:
        parse_raw(raw)
    namespace = key.split(":")[0]
    assert str(caught.value) == (f'{key}: "true" is in the namespace {namespace}, which nothing reads; '
                                 "did you mean container-platform:protect?")


def test_other_namespaces_are_left_to_their_readers():
    cfg({}, **{"aws:profile": "dev", "kubernetes:context": "x", "myorg:team": "a"})


@pytest.mark.parametrize("account", ["１１１１２２２２３３３３", "١١١١٢٢٢٢٣٣٣٣", "111122223333\n", " 111122223333"])
def test_account_ids_are_twelve_ascii_digits(account):
    got = error({"repositories": [{"name": "myapp", "grants": [{"principal": account}]}]})
    assert got.startswith(f"repositories[0].grants[0].principal: {json.dumps(account)} is not a 12-digit AWS "
                          "account ID")


# ------------------------------------------------------------------ scanning, replication

def test_scanning_that_skips_repositories_needs_allow_partial():
    rules = [{"frequency": "SCAN_ON_PUSH", "filters": ["team/*"]}]
    assert error({"scanning": {"rules": rules}}) == (
        'scanning.rules: [{"filters": ["team/*"], "frequency": "SCAN_ON_PUSH"}] leave repositories unscanned on '
        "push: no SCAN_ON_PUSH or CONTINUOUS_SCAN rule has the filter *, and the registry's rules override "
        "each repository's scan_on_push; add * or, to scan only these repositories, set "
        "scanning.allow_partial: true")
    assert cfg({"scanning": {"rules": rules, "allow_partial": True}}).scanning.allow_partial


def test_replicas_in_different_regions_get_their_own_sources_lifecycle():
    parsed = cfg({"repositories": [{"name": "api", "lifecycle": {"keep_last": 10}},
                                   {"name": "web", "lifecycle": {"keep_last": 100}}],
                  "replication": {"rules": [{"destinations": [{"region": "eu-west-1"}], "filters": ["api"]},
                                            {"destinations": [{"region": "us-east-1"}], "filters": ["web"]}]}})
    policies = parsed.replication.replica_lifecycle_policies
    assert '"countNumber": 10' in policies["self-eu-west-1"]
    assert '"countNumber": 100' in policies["self-us-east-1"]
    plan = run_config({"repositories": [{"name": "api", "lifecycle": {"keep_last": 10}},
                                        {"name": "web", "lifecycle": {"keep_last": 100}}],
                       "replication": {"rules": [
                           {"destinations": [{"region": "eu-west-1"}], "filters": ["api"]},
                           {"destinations": [{"region": "us-east-1"}], "filters": ["web"]}]}})
    template = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
    west = plan.one(template, "replication-self-eu-west-1-template").inputs["lifecyclePolicy"]
    east = plan.one(template, "replication-self-us-east-1-template").inputs["lifecyclePolicy"]
    assert '"countNumber": 10' in west and '"countNumber": 100' in east


def test_a_destination_no_repository_of_the_stack_reaches_needs_a_replica_lifecycle():
    assert error({"replication": {"rules": [{"destinations": [{"region": "eu-west-1"}], "filters": ["other"]}]}}) == (
        "replication.replica_lifecycle: null is required: no repository of this stack replicates to "
        "self-eu-west-1, so the replicas' lifecycle cannot be taken from a source; set the lifecycle the "
        "replicas get")


def test_replication_stays_in_the_sources_partition():
    assert error({"replication": {"rules": [{"destinations": [{"region": "cn-north-1"}]}]}}) == (
        'replication.rules[0].destinations[0].region: "cn-north-1" is in the aws-cn partition; ECR replicates '
        "only within the source's partition (aws)")


def test_cross_account_providers_get_the_stacks_profile():
    plan = run_config({"aws:profile": "platform-admin", "repositories": [{"name": "myapp", "lifecycle": {
        "keep_last": 3}}], "replication": {"rules": [{"destinations": [{
            "region": "eu-west-1", "account": "210987654321",
            "assume_role_arn": "arn:aws:iam::210987654321:role/ecr-admin"}]}]}})
    provider = plan.one("pulumi:providers:aws", "replication-210987654321-eu-west-1-provider")
    assert provider.inputs["profile"] == "platform-admin"
