"""Every validation rule of the stack configuration, with the message a user reads."""

from __future__ import annotations

import pytest

from stack_config import ConfigError, parse
from tests.conftest import PROJECT, raw_config

OK_REPO = {"name": "myapp"}


def error_of(config: dict, **raw_overrides) -> str:
    raw = raw_config(config)
    raw.update(raw_overrides)
    with pytest.raises(ConfigError) as caught:
        parse(raw, project=PROJECT, stack="test")
    return str(caught.value)


def repo_error(**fields) -> str:
    """The error for a second repository with ``fields`` (the first one is valid)."""
    return error_of({"repositories": [OK_REPO, {"name": "other", **fields}]})


def test_minimal_config_gets_the_secure_defaults():
    cfg = parse(raw_config({"repositories": [OK_REPO]}), project=PROJECT, stack="test")
    (repo,) = cfg.registry.repositories
    assert repo.tag_mutability == "IMMUTABLE"
    assert repo.scan_on_push is True
    assert repo.force_delete is False
    assert repo.protect is False
    assert repo.lifecycle_rules == ()
    assert repo.grants == ()
    assert cfg.registry.encryption.type == "KMS"
    assert cfg.registry.encryption.kms_key_arn is None
    assert cfg.environment == "test"
    assert cfg.tags["Environment"] == "test"


def test_cli_strings_are_read_as_numbers_and_booleans():
    """Counts and booleans written as strings ("10", "true") are read as their values; the CLI
    passes them so when a stack file quotes them (`--path` itself stores numbers and booleans)."""
    cfg = parse(raw_config({"protect": "true", "repositories": [
        {"name": "ab", "scan_on_push": "true", "lifecycle": {"keep_last": "10"}}]}),
        project=PROJECT, stack="test")
    (repo,) = cfg.registry.repositories
    assert repo.protect is True
    assert repo.lifecycle_rules[0].keep_last == 10


@pytest.mark.parametrize("fields, message", [
    ({"lifecycle": {"keep_last": -3}}, "repositories[1].lifecycle.keep_last: -3 is not a positive integer"),
    ({"lifecycle": {"keep_last": 0}}, "repositories[1].lifecycle.keep_last: 0 is not a positive integer"),
    ({"lifecycle": {"keep_last": "ten"}}, 'repositories[1].lifecycle.keep_last: "ten" is not a positive integer'),
    ({"lifecycle": {"untagged_expire_days": 1.5}},
     "repositories[1].lifecycle.untagged_expire_days: 1.5 is not a positive integer"),
    ({"lifecycle": {"tag_patterns": ["v*"]}},
     'repositories[1].lifecycle.tag_patterns: ["v*"] needs keep_last (how many matching images to keep)'),
    ({"lifecycle": {"keep_last": 5, "tag_patterns": ["v*"], "tag_prefixes": ["v"]}},
     'repositories[1].lifecycle.tag_prefixes: ["v"] cannot be combined with tag_patterns; use one of them'),
    ({"lifecycle": {"keep_last": 5, "tag_patterns": ["a*b*c*d*e*"]}},
     'repositories[1].lifecycle.tag_patterns[0]: "a*b*c*d*e*" has more than 4 wildcards (*), the most AWS allows'),
    ({"lifecycle": {"keep_last": 5, "tag_prefixes": ["v*"]}},
     'repositories[1].lifecycle.tag_prefixes[0]: "v*" is not a tag prefix (1-128 of A-Z a-z 0-9 _ . -; no wildcards)'),
    ({"lifecycle": {"keep_last": 5, "rules": []}},
     "repositories[1].lifecycle.keep_last: 5 cannot be combined with lifecycle.rules; use either the rules "
     "list or the shorthand keys (untagged_expire_days, keep_last, tag_patterns, tag_prefixes)"),
    ({"lifecycle": {"keep_lats": 5}},
     "repositories[1].lifecycle.keep_lats: 5 is set on an unknown key; did you mean keep_last? allowed keys: "
     "untagged_expire_days, keep_last, tag_patterns, tag_prefixes, rules"),
])
def test_lifecycle_shorthand_errors(fields, message):
    assert repo_error(**fields) == message


def rule(**fields):
    return {"priority": 1, "tag_status": "untagged", "expire_after_days": 7, **fields}


@pytest.mark.parametrize("rules, message", [
    ([rule(), rule()], "repositories[1].lifecycle.rules[1].priority: 1 is already the priority of rule [0]; "
                       "priorities must be unique"),
    ([rule(tag_status="any", keep_last=5, expire_after_days=None, priority=1),
      rule(priority=2)],
     "repositories[1].lifecycle.rules[0].priority: 1 is not the highest priority; a rule with tag_status any "
     "must be evaluated last (give it a priority above 2)"),
    ([rule(tag_status="tagged")],
     'repositories[1].lifecycle.rules[0]: {"tag_patterns": [], "tag_prefixes": []} a tagged rule needs exactly '
     "one non-empty list of tag_patterns or tag_prefixes"),
    ([rule(tag_status="tagged", tag_patterns=["v*"], tag_prefixes=["v"])],
     'repositories[1].lifecycle.rules[0]: {"tag_patterns": ["v*"], "tag_prefixes": ["v"]} a tagged rule needs '
     "exactly one non-empty list of tag_patterns or tag_prefixes"),
    ([rule(tag_prefixes=["v"])],
     'repositories[1].lifecycle.rules[0].tag_prefixes: ["v"] is not allowed on a rule with tag_status untagged '
     "(only on tagged rules)"),
    ([rule(keep_last=3)],
     'repositories[1].lifecycle.rules[0]: {"expire_after_days": 7, "keep_last": 3} needs exactly one of '
     "keep_last and expire_after_days"),
    ([rule(expire_after_days=-1)],
     "repositories[1].lifecycle.rules[0].expire_after_days: -1 is not a positive integer"),
    ([rule(priority=0)], "repositories[1].lifecycle.rules[0].priority: 0 is not a positive integer"),
    ([rule(tag_status="old")],
     'repositories[1].lifecycle.rules[0].tag_status: "old" is not one of tagged, untagged, any'),
    ([{"tag_status": "untagged", "expire_after_days": 7}],
     "repositories[1].lifecycle.rules[0].priority: null is required"),
    ([rule(countType="imageCountMoreThan")],
     'repositories[1].lifecycle.rules[0].countType: "imageCountMoreThan" is set on an unknown key; allowed keys: '
     "priority, description, tag_status, tag_patterns, tag_prefixes, keep_last, expire_after_days"),
])
def test_lifecycle_rule_errors(rules, message):
    assert repo_error(lifecycle={"rules": rules}) == message


def test_expire_after_days_none_is_absent():
    # rule(expire_after_days=None) in the table above must not leak a null value to AWS.
    cfg = parse(raw_config({"repositories": [{"name": "ab", "lifecycle": {"rules": [
        {"priority": 1, "tag_status": "any", "keep_last": 5}]}}]}), project=PROJECT, stack="t")
    assert cfg.registry.repositories[0].lifecycle_rules[0].expire_after_days is None


@pytest.mark.parametrize("fields, message", [
    ({"scan_on_psh": False},
     "repositories[1].scan_on_psh: false is set on an unknown key; did you mean scan_on_push? allowed keys: "
     "name, tag_mutability, tag_mutability_exclusions, scan_on_push, force_delete, protect, lifecycle, grants, tags"),
    ({"name": "MyApp"},
     'repositories[1].name: "MyApp" is not an ECR repository name (2-256 lowercase letters, digits, . _ - '
     "separated parts, optionally in /-separated namespaces, e.g. team/myapp)"),
    ({"name": "a"}, 'repositories[1].name: "a" is not an ECR repository name (2-256 lowercase letters, digits, '
                    ". _ - separated parts, optionally in /-separated namespaces, e.g. team/myapp)"),
    ({"tag_mutability": "mutable"},
     'repositories[1].tag_mutability: "mutable" is not one of IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE, '
     "MUTABLE_WITH_EXCLUSION"),
    ({"tag_mutability": "IMMUTABLE_WITH_EXCLUSION"},
     "repositories[1].tag_mutability_exclusions: [] must list 1-5 wildcard filters when tag_mutability is "
     "IMMUTABLE_WITH_EXCLUSION"),
    ({"tag_mutability_exclusions": ["latest"]},
     'repositories[1].tag_mutability_exclusions: ["latest"] is only allowed with tag_mutability '
     "IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION"),
    ({"tag_mutability": "IMMUTABLE_WITH_EXCLUSION", "tag_mutability_exclusions": ["dev/*"]},
     'repositories[1].tag_mutability_exclusions[0]: "dev/*" is not a WILDCARD filter (1-128 of 0-9 a-z A-Z . _ * -)'),
    ({"tag_mutability": "IMMUTABLE_WITH_EXCLUSION", "tag_mutability_exclusions": list("abcdef")},
     'repositories[1].tag_mutability_exclusions: ["a", "b", "c", "d", "e", "f"] has more than the 5 filters '
     "AWS allows"),
    ({"scan_on_push": "yes"}, 'repositories[1].scan_on_push: "yes" is not a boolean (true or false)'),
    ({"protect": True, "force_delete": True},
     "repositories[1].force_delete: true is not allowed on a protected repository (protect: true); "
     "a protected repository keeps its images"),
    ({"tags": {"aws:owner": "x"}},
     'repositories[1].tags.aws:owner: "aws:owner" is not a tag name (1-128 characters, not aws:...)'),
    ({"tags": {"Owner": ["a"]}},
     'repositories[1].tags.Owner: ["a"] is not a tag value (a string of at most 256 characters)'),
    ({"grants": [{"principal": "*"}]},
     'repositories[1].grants[0].principal: "*" is not a 12-digit AWS account ID or an IAM role ARN '
     "(arn:aws:iam::123456789012:role/NAME); wildcards and other principals are refused"),
    ({"grants": [{"principal": "12345678901"}]},
     'repositories[1].grants[0].principal: "12345678901" is not a 12-digit AWS account ID or an IAM role ARN '
     "(arn:aws:iam::123456789012:role/NAME); wildcards and other principals are refused"),
    ({"grants": [{"principal": "arn:aws:iam::123456789012:user/bob"}]},
     'repositories[1].grants[0].principal: "arn:aws:iam::123456789012:user/bob" is not a 12-digit AWS account '
     "ID or an IAM role ARN (arn:aws:iam::123456789012:role/NAME); wildcards and other principals are refused"),
    ({"grants": [{"principal": "123456789012", "access": "admin"}]},
     'repositories[1].grants[0].access: "admin" is not one of pull, push, pull_push'),
    ({"grants": [{"principal": "123456789012"}, {"principal": "123456789012", "access": "push"}]},
     'repositories[1].grants[1].principal: "123456789012" is already granted by [0]; give each principal one grant'),
    ({"grants": [{"access": "pull"}]}, "repositories[1].grants[0].principal: null is required"),
    ({"grants": {"principal": "123456789012"}},
     'repositories[1].grants: {"principal": "123456789012"} is not a list'),
])
def test_repository_errors(fields, message):
    assert repo_error(**fields) == message


def test_inherited_protect_refuses_force_delete_with_a_hint():
    assert error_of({"protect": True, "repositories": [{"name": "ab", "force_delete": True}]}) == (
        "repositories[0].force_delete: true is not allowed while the stack protects its repositories "
        "(protect: true); set protect: false on this repository to allow it")


def test_a_repository_may_opt_out_of_stack_protection():
    cfg = parse(raw_config({"protect": True, "repositories": [
        {"name": "scratch", "protect": False, "force_delete": True}, {"name": "kept"}]}),
        project=PROJECT, stack="t")
    scratch, kept = cfg.registry.repositories
    assert (scratch.protect, scratch.force_delete) == (False, True)
    assert kept.protect is True


@pytest.mark.parametrize("config, message", [
    ({"repositories": [OK_REPO, {"name": "myapp"}]},
     'repositories[1].name: "myapp" is already the name of repositories[0]'),
    ({"repositories": []}, "repositories: [] is empty; list at least one repository"),
    ({}, "repositories: null is not set; list at least one repository "
         "(pulumi config set --path 'container-platform:repositories[0].name' myapp)"),
    ({"repositories": [OK_REPO], "repostories": []},
     'repostories: "[]" is set on an unknown key; did you mean repositories? allowed keys: environment, '
     "bootstrap, protect, tags, encryption, repositories, scanning, replication, pull_through_cache, network, cluster, cost, delivery, workload, front_door"),
    ({"repositories": [OK_REPO], "encryption": {"type": "SSE"}},
     'encryption.type: "SSE" is not one of KMS, AES256'),
    ({"repositories": [OK_REPO], "encryption": {"type": "AES256", "create_key": True}},
     "encryption.create_key: true needs encryption type KMS, not AES256"),
    ({"repositories": [OK_REPO], "encryption": {"create_key": True,
                                                "kms_key_arn": "arn:aws:kms:eu-central-1:123456789012:key/x"}},
     'encryption: {"create_key": true, "kms_key_arn": "arn:aws:kms:eu-central-1:123456789012:key/x"} sets both '
     "create_key and kms_key_arn; choose one"),
    ({"repositories": [OK_REPO], "encryption": {"kms_key_arn": "my-key"}},
     'encryption.kms_key_arn: "my-key" is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY_ID)'),
    ({"repositories": [OK_REPO], "encryption": "KMS"},
     'encryption: "KMS" is not an object with keys type, kms_key_arn, create_key'),
    ({"repositories": [OK_REPO], "protect": "yes"}, 'protect: "yes" is not a boolean (true or false)'),
    ({"repositories": [OK_REPO], "tags": ["a"]}, 'tags: ["a"] is not a map of tag names to values'),
])
def test_top_level_errors(config, message):
    assert error_of(config) == message


def test_structured_value_that_is_not_json():
    assert error_of({"repositories": [OK_REPO]}, **{f"{PROJECT}:repositories": "[{name: x"}) == (
        'repositories: "[{name: x" is not a list')


@pytest.mark.parametrize("region, message", [
    (None, "aws:region: null is not set; run `pulumi config set aws:region eu-central-1` (or your region)"),
    ("eu-centrl-1", 'aws:region: "eu-centrl-1" is not an AWS region where ECR is offered '
                    "(e.g. eu-central-1, us-east-1)"),
])
def test_region_errors(region, message):
    raw = raw_config({"repositories": [OK_REPO]})
    if region is None:
        del raw["aws:region"]
    else:
        raw["aws:region"] = region
    with pytest.raises(ConfigError) as caught:
        parse(raw, project=PROJECT, stack="t")
    assert str(caught.value) == message


def test_other_namespaces_are_left_to_their_owners():
    raw = raw_config({"repositories": [OK_REPO]})
    raw["aws:defaultTags"] = '{"tags": {"a": "b"}}'
    parse(raw, project=PROJECT, stack="t")


def test_config_error_is_a_pulumi_run_error():
    """The language host prints a RunError's message without a Python traceback."""
    import pulumi

    assert issubclass(ConfigError, pulumi.RunError)


def test_china_region_uses_the_aws_cn_partition():
    raw = raw_config({"repositories": [{"name": "ab", "grants": [{"principal": "123456789012"}]}]})
    raw["aws:region"] = "cn-north-1"
    assert parse(raw, project=PROJECT, stack="t").partition == "aws-cn"
