"""Replication, pull-through cache and scanning components: each property AWS will receive."""

from __future__ import annotations

import json

import pulumi
import pytest

from components.ecr.pull_through_cache import (
    CacheRule,
    Credentials,
    PullThroughCache,
    PullThroughCacheArgs,
    PullThroughCacheSpec,
    cached_image,
)
from components.ecr.replication import (
    EcrReplication,
    EcrReplicationArgs,
    EcrReplicationSpec,
    ReplicationDestination,
    ReplicationRule,
)
from components.ecr.scanning import RegistryScanning, RegistryScanningSpec, ScanRule
from components.shared.placement import Placement
from tests.conftest import settings_for
from tools.harness import run_function

TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
HOST = "111122223333.dkr.ecr.eu-central-1.amazonaws.com"
LIFECYCLE = json.dumps({"rules": [{"rulePriority": 1, "selection": {
    "tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 5}, "action": {"type": "expire"}}]})


def run(declare, account="111122223333"):
    settings = settings_for({"aws:allowedAccountIds": [account]})
    return run_function(settings, declare)


def replication(*dests, filters=("myapp",), **extra):
    return EcrReplicationArgs(EcrReplicationSpec(
        rules=[ReplicationRule(destinations=list(dests), filters=filters)],
        placement=Placement("eu-central-1", tags={"Team": "platform"}), replica_lifecycle_policy=LIFECYCLE, **extra))


# ------------------------------------------------------------------------------------ replication

def test_same_account_destination_gets_a_hardened_root_template():
    plan = run(lambda: EcrReplication("rep", replication(ReplicationDestination("eu-west-1"))))
    config = plan.one("aws:ecr/replicationConfiguration:ReplicationConfiguration", "rep-configuration")
    assert config.inputs["replicationConfiguration"] == {"rules": [{
        "destinations": [{"region": "eu-west-1", "registryId": "111122223333"}],
        "repositoryFilters": [{"filter": "myapp", "filterType": "PREFIX_MATCH"}]}]}
    template = plan.one(TEMPLATE, "rep-self-eu-west-1-template")
    role = plan.one("aws:iam/role:Role", "rep-template-role")
    assert template.inputs["prefix"] == "ROOT"
    assert template.inputs["appliedFors"] == ["REPLICATION"]
    assert template.inputs["imageTagMutability"] == "IMMUTABLE"
    assert template.inputs["encryptionConfigurations"] == [{"encryptionType": "KMS"}]
    assert template.inputs["lifecyclePolicy"] == LIFECYCLE
    assert template.inputs["region"] == "eu-west-1"
    assert template.inputs["customRoleArn"] == role.outputs["arn"]
    assert template.inputs["resourceTags"] == {"Team": "platform"}
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "ecr.amazonaws.com"}
    policy = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "rep-template-role-policy").inputs["policy"])
    assert policy["Statement"][0]["Resource"] == "arn:aws:ecr:*:111122223333:repository/*"
    assert len(policy["Statement"]) == 1  # no customer key, no KMS permissions
    assert not plan.by_type("pulumi:providers:aws")


def test_created_keys_are_regional_protected_and_granted_to_the_template_role():
    plan = run(lambda: EcrReplication("rep", replication(ReplicationDestination("eu-west-1"), create_keys=True,
                                                         protect_keys=True)))
    key = plan.one("aws:kms/key:Key", "rep-self-eu-west-1-key")
    assert key.inputs["region"] == "eu-west-1" and key.inputs["enableKeyRotation"] is True
    assert key.protect and key.retain_on_delete
    assert key.outputs["arn"].startswith("arn:aws:kms:eu-west-1:111122223333:key/")
    template = plan.one(TEMPLATE, "rep-self-eu-west-1-template")
    assert template.inputs["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": key.outputs["arn"]}]
    policy = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "rep-template-role-policy").inputs["policy"])
    assert policy["Statement"][1]["Resource"] == [key.outputs["arn"]]
    assert policy["Statement"][1]["Action"] == ["kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"]


def test_cross_account_destination_through_an_assumed_role():
    dest = ReplicationDestination("eu-west-1", account="210987654321",
                                  assume_role_arn="arn:aws:iam::210987654321:role/ecr-admin")
    plan = run(lambda: EcrReplication("rep", replication(
        dest, scanning=RegistryScanningSpec(scan_type="ENHANCED", rules=[ScanRule("CONTINUOUS_SCAN")]))))
    provider = plan.one("pulumi:providers:aws", "rep-210987654321-eu-west-1-provider")
    assert provider.inputs["region"] == "eu-west-1"
    assert json.loads(provider.inputs["allowedAccountIds"]) == ["210987654321"]
    assert json.loads(provider.inputs["assumeRoles"])[0]["roleArn"] == "arn:aws:iam::210987654321:role/ecr-admin"
    in_dest = [r for r in plan.resources if r.provider == provider.urn]
    assert sorted(r.type for r in in_dest) == sorted([
        "aws:ecr/registryPolicy:RegistryPolicy", TEMPLATE, "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy",
        "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"])
    policy = json.loads(plan.one("aws:ecr/registryPolicy:RegistryPolicy",
                                 "rep-210987654321-eu-west-1-registry-policy").inputs["policy"])
    assert policy["Statement"] == [{
        "Sid": "ReplicateFrom111122223333", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
        "Resource": "arn:aws:ecr:eu-west-1:210987654321:repository/*"}]
    template = plan.one(TEMPLATE, "rep-210987654321-eu-west-1-template")
    assert template.inputs["customRoleArn"].startswith("arn:aws:iam::210987654321:role/")
    scanning = [r for r in in_dest if r.type.endswith("RegistryScanningConfiguration")][0]
    assert scanning.inputs["scanType"] == "ENHANCED"
    config = plan.one("aws:ecr/replicationConfiguration:ReplicationConfiguration", "rep-configuration")
    assert config.inputs["replicationConfiguration"]["rules"][0]["destinations"] == [
        {"region": "eu-west-1", "registryId": "210987654321"}]


def test_cross_account_destination_without_a_role_is_the_destinations_step():
    dest = ReplicationDestination("eu-west-1", account="210987654321")
    holder = {}

    def declare():
        holder["rep"] = EcrReplication("rep", replication(dest))
        pulumi.export("steps", holder["rep"].destination_steps)

    plan = run(declare)
    assert not plan.by_type(TEMPLATE) and not plan.by_type("aws:ecr/registryPolicy:RegistryPolicy")
    step = json.loads(plan.outputs["steps"]["210987654321-eu-west-1"])
    assert step["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert any("replication to account 210987654321 (eu-west-1): that registry must allow this account" in w
               for w in plan.warnings)


def test_every_repository_without_filters():
    plan = run(lambda: EcrReplication("rep", replication(ReplicationDestination("us-east-1"), filters=())))
    rule = plan.one("aws:ecr/replicationConfiguration:ReplicationConfiguration",
                    "rep-configuration").inputs["replicationConfiguration"]["rules"][0]
    assert "repositoryFilters" not in rule


# ------------------------------------------------------------------------------------ pull-through cache

SECRET_ARN = "arn:aws:secretsmanager:eu-central-1:111122223333:secret:ecr-pullthroughcache/docker-hub-Ab12Cd"


def cache_args(*rules, kms_key=None, **extra):
    return PullThroughCacheArgs(PullThroughCacheSpec(rules=list(rules), placement=Placement("eu-central-1"),
                                                     lifecycle_policy=LIFECYCLE, **extra), kms_key=kms_key)


def test_cache_rules_templates_and_outputs():
    holder = {}

    def declare():
        holder["c"] = c = PullThroughCache("cache", cache_args(
            CacheRule("ecr-public"), CacheRule("docker-hub", credentials=Credentials(secret_arn=SECRET_ARN))))
        pulumi.export("prefixes", c.url_prefixes)
        pulumi.export("policy", c.puller_policy)
        pulumi.export("alpine", c.cached_image("docker.io/library/alpine:3.20"))

    plan = run(declare)
    public = plan.one("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "cache-ecr-public")
    assert public.inputs == {"ecrRepositoryPrefix": "ecr-public", "upstreamRegistryUrl": "public.ecr.aws"}
    hub = plan.one("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "cache-docker-hub")
    assert hub.inputs["upstreamRegistryUrl"] == "registry-1.docker.io"
    assert hub.inputs["credentialArn"] == SECRET_ARN
    for prefix in ("ecr-public", "docker-hub"):
        template = plan.one(TEMPLATE, f"cache-{prefix}-template")
        assert template.inputs["prefix"] == prefix
        assert template.inputs["appliedFors"] == ["PULL_THROUGH_CACHE"]
        assert template.inputs["imageTagMutability"] == "MUTABLE"
        assert template.inputs["lifecyclePolicy"] == LIFECYCLE
        assert template.inputs["encryptionConfigurations"] == [{"encryptionType": "KMS"}]
    assert plan.outputs["prefixes"] == {"ecr-public": f"{HOST}/ecr-public", "docker-hub": f"{HOST}/docker-hub"}
    assert plan.outputs["alpine"] == f"{HOST}/docker-hub/library/alpine:3.20"
    policy = json.loads(plan.outputs["policy"])
    assert policy["Statement"] == [{
        "Sid": "PullThroughCacheFirstPull", "Effect": "Allow",
        "Action": ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository", "ecr:TagResource"],
        "Resource": ["arn:aws:ecr:eu-central-1:111122223333:repository/ecr-public/*",
                     "arn:aws:ecr:eu-central-1:111122223333:repository/docker-hub/*"]}]


def test_credentials_are_the_administrators_secret_and_the_stack_keeps_none():
    arn = "arn:aws:secretsmanager:eu-central-1:111122223333:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
    plan = run(lambda: PullThroughCache("cache", cache_args(
        CacheRule("docker-hub", credentials=Credentials(secret_arn=arn)))))
    rule = plan.one("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "cache-docker-hub")
    assert rule.inputs["credentialArn"] == arn
    assert not [r for r in plan.resources if r.type.startswith("aws:secretsmanager/")]


def test_cache_template_uses_the_registry_key():
    key = "arn:aws:kms:eu-central-1:111122223333:key/0b1f4a8e-1111-2222-3333-444455556666"
    plan = run(lambda: PullThroughCache("cache", cache_args(CacheRule("quay"), kms_key=key)))
    assert plan.one(TEMPLATE, "cache-quay-template").inputs["encryptionConfigurations"] == [
        {"encryptionType": "KMS", "kmsKey": key}]
    policy = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "cache-template-role-policy").inputs["policy"])
    assert policy["Statement"][1]["Resource"] == [key]


RULES = [CacheRule("docker-hub"), CacheRule("ecr-public"), CacheRule("quay"), CacheRule("k8s"),
         CacheRule("github-container-registry", prefix="ghcr"),
         CacheRule("azure-container-registry", registry_url="myteam.azurecr.io")]


@pytest.mark.parametrize("image, cached", [
    ("docker.io/library/alpine:3.20", "docker-hub/library/alpine:3.20"),
    ("alpine:3.20", "docker-hub/library/alpine:3.20"),
    ("alpine", "docker-hub/library/alpine"),
    ("bitnami/redis:7.4", "docker-hub/bitnami/redis:7.4"),
    ("registry-1.docker.io/library/nginx@sha256:" + "a" * 64, "docker-hub/library/nginx@sha256:" + "a" * 64),
    ("public.ecr.aws/docker/library/alpine:latest", "ecr-public/docker/library/alpine:latest"),
    ("quay.io/prometheus/node-exporter:v1.8.2", "quay/prometheus/node-exporter:v1.8.2"),
    ("registry.k8s.io/pause:3.10", "k8s/pause:3.10"),
    ("ghcr.io/fluxcd/flux-cli:v2.4.0", "ghcr/fluxcd/flux-cli:v2.4.0"),
    ("myteam.azurecr.io/app:1", "azure-container-registry/app:1"),
])
def test_cached_image_reference(image, cached):
    assert cached_image(image, RULES, HOST) == f"{HOST}/{cached}"


def test_cached_image_of_an_uncached_registry():
    with pytest.raises(ValueError, match="gcr.io/distroless/static: no pull-through cache rule caches gcr.io"):
        cached_image("gcr.io/distroless/static", RULES, HOST)


# ------------------------------------------------------------------------------------ scanning

def test_scanning_per_region():
    args = RegistryScanningSpec(regions=[None, "eu-west-1"])
    plan = run(lambda: RegistryScanning("scan", args))
    home = plan.one("aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration", "scan-home")
    assert home.inputs == {"scanType": "BASIC", "rules": [{
        "scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}]}
    west = plan.one("aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration", "scan-eu-west-1")
    assert west.inputs["region"] == "eu-west-1"


# ------------------------------------------------------------------------------ an existing ROOT template

def _existing(**dest):
    return {"repositories": [{"name": "myapp", "lifecycle": {"keep_last": 10}}],
            "replication": {"rules": [{"destinations": [{"region": "eu-west-1", **dest}]}]}}


def test_an_existing_root_template_is_read_not_declared_again():
    """A registry holds one ROOT template: a second fails `up` (TemplateAlreadyExistsException)."""
    from tests.conftest import run_config

    plan = run_config(_existing(existing_template=True))
    assert not plan.by_type("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate")
    assert not [r for r in plan.by_type("aws:iam/role:Role") if "template" in r.name]
    assert plan.by_type("aws:ecr/replicationConfiguration:ReplicationConfiguration")
    declared = run_config(_existing())
    (template,) = declared.by_type("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate")
    assert template.inputs["prefix"] == "ROOT"


@pytest.mark.parametrize("existing, problem", [
    ({"appliedFors": ["PULL_THROUGH_CACHE"]}, "is applied for PULL_THROUGH_CACHE, not REPLICATION"),
    ({"imageTagMutability": "MUTABLE"}, "makes MUTABLE repositories (tags must be IMMUTABLE)"),
    ({"encryptionConfigurations": [{"encryptionType": "AES256", "kmsKey": ""}]},
     "encrypts with AES256 (the registry uses KMS)"),
    ({"lifecyclePolicy": ""}, "has no lifecycle policy (replicas would be kept for ever)"),
])
def test_an_existing_template_that_is_not_hardened_fails_the_preview(monkeypatch, existing, problem):
    from tests.conftest import run_config
    from tools.harness import ProgramError
    from tools.harness.mocks import aws as aws_mocks

    monkeypatch.setitem(aws_mocks.EXISTING_TEMPLATES, ("123456789012", "eu-west-1"),
                        {**aws_mocks.HARDENED_TEMPLATE, **existing})
    with pytest.raises(ProgramError) as caught:
        run_config({**_existing(existing_template=True), "aws:allowedAccountIds": ["123456789012"]})
    (message,) = caught.value.errors
    assert message.startswith(f"replication to this account (eu-west-1): existing_template is set, but that "
                              f"registry's ROOT creation template {problem}. Replicas would be created from it")


def test_existing_template_errors():
    from tests.conftest import config_error

    assert config_error(_existing(account="210987654321", existing_template=True)) == (
        "replication.rules[0].destinations[0].existing_template: true is for a destination whose side this "
        "stack declares (this account, or assume_role_arn); without assume_role_arn the destination's "
        "template is its owner's step already")
    key = "arn:aws:kms:eu-west-1:123456789012:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    assert config_error(_existing(existing_template=True, kms_key_arn=key)) == (
        f'replication.rules[0].destinations[0].kms_key_arn: "{key}" is for the template this stack would '
        "declare; with existing_template the existing template's key applies")


def test_a_cross_account_existing_template_is_read_through_the_destinations_role(monkeypatch, stack_file, capsys):
    from tools.harness.mocks import aws as aws_mocks
    from tools.preview import main

    monkeypatch.setitem(aws_mocks.EXISTING_TEMPLATES, ("777788889999", "eu-central-1"),
                        {**aws_mocks.HARDENED_TEMPLATE, "imageTagMutability": "MUTABLE"})
    path = stack_file("""
        config:
          aws:region: eu-west-1
          aws:allowedAccountIds: ["123456789012"]
          container-platform:repositories:
            - name: myapp
              lifecycle: {keep_last: 10}
          container-platform:replication:
            rules:
              - destinations:
                  - region: eu-central-1
                    account: "777788889999"
                    assume_role_arn: arn:aws:iam::777788889999:role/ecr-replication-admin
                    existing_template: true
        """)
    # As `pulumi preview` does: the program's error fails the run, with the destination named.
    assert main(["custom", "--config-file", str(path), "--no-policy", "--no-cost"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: replication to 777788889999 (eu-central-1): existing_template is set, but that "
                          "registry's ROOT creation template makes MUTABLE repositories")
    assert "Traceback" not in err
