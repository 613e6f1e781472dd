"""Each policy of the pack: a compliant case, each kind of violation, unknown values."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import container_policies as cp
from tests.policy_support import UNKNOWN, resource, resource_violations, stack_violations, urn_of

REPO, TEMPLATE = cp.REPOSITORY, cp.TEMPLATE
DIGEST = "sha256:" + "ab" * 32
ECR = "111122223333.dkr.ecr.eu-central-1.amazonaws.com"


def repo(**props):
    base = {"name": "myapp", "imageTagMutability": "IMMUTABLE",
            "imageScanningConfiguration": {"scanOnPush": True},
            "encryptionConfigurations": [{"encryptionType": "KMS"}]}
    base.update(props)
    return {k: v for k, v in base.items() if v is not None}


def template(**props):
    base = {"prefix": "ROOT", "appliedFors": ["REPLICATION"], "imageTagMutability": "IMMUTABLE",
            "encryptionConfigurations": [{"encryptionType": "KMS"}], "region": "eu-west-1",
            "lifecyclePolicy": '{"rules": []}'}
    base.update(props)
    return {k: v for k, v in base.items() if v is not None}


def scanning(filter_="*", frequency="SCAN_ON_PUSH", region="eu-west-1"):
    props = {"scanType": "BASIC", "rules": [{"scanFrequency": frequency,
                                             "repositoryFilters": [{"filter": filter_, "filterType": "WILDCARD"}]}]}
    if region:
        props["region"] = region
    return resource(cp.SCANNING, props, name=f"scan-{region}")


# ---------------------------------------------------------------------------- ecr-scan-on-push

def scan_repo(props, config=None):
    return resource_violations(cp.ecr_scan_on_push, REPO, props, config)


def scan(*resources):
    """ecr-template-scan-on-push over a stack."""
    return stack_violations(cp.ecr_template_scan_on_push, list(resources))


def test_scan_on_push_is_a_resource_policy_so_the_engine_refuses_before_creating():
    assert isinstance(cp.ecr_scan_on_push, cp.ResourceValidationPolicy)
    assert isinstance(cp.ecr_template_scan_on_push, cp.StackValidationPolicy)


def test_scan_on_push_compliant_repository():
    assert scan_repo(repo()) == []


@pytest.mark.parametrize("config", [None, {}])
def test_scan_on_push_missing_or_empty_configuration_is_a_violation(config):
    got = scan_repo(repo(imageScanningConfiguration=config))
    if config is None:
        assert got == [
            'Repository "myapp" has no imageScanningConfiguration; AWS\'s default is no scan on push. '
            "Set image_scanning_configuration={'scan_on_push': True} (stack config: scan_on_push: true)."]
    else:
        assert got == ['Repository "myapp" has scanOnPush null; images pushed to it are not scanned for '
                       "vulnerabilities. Set scan_on_push: true."]


@pytest.mark.parametrize("value", [False, None])
def test_scan_on_push_off_is_a_violation(value):
    (message,) = scan_repo(repo(imageScanningConfiguration={"scanOnPush": value}))
    assert message.startswith(f'Repository "myapp" has scanOnPush {json.dumps(value)}; images pushed')


def test_scan_on_push_unknown_is_not_a_violation():
    assert scan_repo(repo(imageScanningConfiguration=UNKNOWN)) == []
    assert scan_repo(repo(imageScanningConfiguration={"scanOnPush": UNKNOWN})) == []


def registry_scanning(rules):
    return {"scanType": "BASIC", "rules": [
        {"scanFrequency": freq, "repositoryFilters": [{"filter": f, "filterType": "WILDCARD"} for f in filters]}
        for freq, filters in rules]}


@pytest.mark.parametrize("rules", [
    [("SCAN_ON_PUSH", ["*"])],
    [("CONTINUOUS_SCAN", ["prod-*"]), ("SCAN_ON_PUSH", ["*"])],
    [("CONTINUOUS_SCAN", ["*"])],
])
def test_registry_scanning_that_covers_every_repository_passes(rules):
    assert resource_violations(cp.ecr_scan_on_push, cp.SCANNING, registry_scanning(rules), name="scan") == []


@pytest.mark.parametrize("rules, shown", [
    ([("SCAN_ON_PUSH", ["team/*"])], "team/*"),
    ([("MANUAL", ["*"])], "none"),
    ([], "none"),
])
def test_registry_scanning_that_leaves_repositories_unscanned_is_a_violation(rules, shown):
    assert resource_violations(cp.ecr_scan_on_push, cp.SCANNING, registry_scanning(rules), name="scan") == [
        f"Registry scanning configuration scan scans on push only repositories matching: {shown}. Its rules "
        "override every repository's own scanOnPush, so the others are not scanned; add a SCAN_ON_PUSH (or "
        "CONTINUOUS_SCAN) rule with the filter * (this pack accepts: *; pack config "
        "ecr-scan-on-push.allowedRegistryFilters)."]


def test_registry_scanning_filters_the_pack_allows_pass():
    props = registry_scanning([("SCAN_ON_PUSH", ["team/*"])])
    assert resource_violations(cp.ecr_scan_on_push, cp.SCANNING, props,
                               {"allowedRegistryFilters": ["team/*"]}) == []
    assert resource_violations(cp.ecr_scan_on_push, cp.SCANNING, {"rules": UNKNOWN}) == []


def test_template_is_covered_by_the_scanning_configuration_of_its_region():
    assert scan(resource(TEMPLATE, template()), scanning("*")) == []
    assert scan(resource(TEMPLATE, template(prefix="docker-hub")), scanning("docker-hub/*")) == []
    assert scan(resource(TEMPLATE, template(prefix="docker-hub")), scanning("docker-hub*")) == []


@pytest.mark.parametrize("scanner, where", [
    (None, "region eu-west-1"),
    (scanning("*", region="eu-central-1"), "region eu-west-1"),
    (scanning("*", frequency="MANUAL"), "region eu-west-1"),
    (scanning("myapp*"), "region eu-west-1"),
])
def test_template_without_scan_on_push_coverage_is_a_violation(scanner, where):
    resources = [resource(TEMPLATE, template(), name="tpl")] + ([scanner] if scanner else [])
    ((message, urn),) = scan(*resources)
    assert urn == urn_of(TEMPLATE, "tpl")
    assert message == (
        'RepositoryCreationTemplate "ROOT" (REPLICATION) creates repositories that are not scanned on '
        f"push: no RegistryScanningConfiguration in {where} has a SCAN_ON_PUSH or CONTINUOUS_SCAN rule "
        "whose filter matches every repository. Creation templates cannot set scan on push themselves.")


def test_template_region_comes_from_the_provider_when_not_set():
    tpl = resource(TEMPLATE, template(region=None), region="eu-central-1")
    scanner = resource(cp.SCANNING, {"rules": [{"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [
        {"filter": "*", "filterType": "WILDCARD"}]}]}, region="eu-central-1")
    assert scan(tpl, scanner) == []


def test_prefix_filter_must_cover_the_whole_namespace():
    assert not cp._filter_covers("docker-hub/library*", "docker-hub")
    assert cp._filter_covers("*", "ROOT")
    assert not cp._filter_covers("a*", "ROOT")


# ---------------------------------------------------------------------------- ecr-immutable-tags

def immutable(typ=REPO, props=None, config=None):
    return resource_violations(cp.ecr_immutable_tags, typ, props if props is not None else repo(), config)


def test_immutable_compliant():
    assert immutable() == []
    assert immutable(TEMPLATE, template()) == []


def test_immutable_missing_is_a_violation():
    assert immutable(props=repo(imageTagMutability=None)) == [
        'Repository "myapp" does not set imageTagMutability; AWS\'s default is MUTABLE, so tags can be '
        "overwritten. Set it to IMMUTABLE."]


@pytest.mark.parametrize("value", ["MUTABLE", "MUTABLE_WITH_EXCLUSION"])
def test_mutable_is_a_violation(value):
    assert immutable(props=repo(imageTagMutability=value)) == [
        f'Repository "myapp" has imageTagMutability {value}; pushed tags can be overwritten. '
        "Set it to IMMUTABLE."]


def test_exclusions_pass_only_when_the_pack_allows_every_filter():
    props = repo(imageTagMutability="IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters=[
        {"filter": "latest", "filterType": "WILDCARD"}, {"filter": "dev-*", "filterType": "WILDCARD"}])
    assert immutable(props=props) == [
        'Repository "myapp" exempts tags latest, dev-* from immutability; this pack allows the exclusion '
        "filters: none (pack config ecr-immutable-tags.allowedExclusionFilters)."]
    assert immutable(props=props, config={"allowedExclusionFilters": ["latest"]}) == [
        'Repository "myapp" exempts tags dev-* from immutability; this pack allows the exclusion '
        "filters: latest (pack config ecr-immutable-tags.allowedExclusionFilters)."]
    assert immutable(props=props, config={"allowedExclusionFilters": ["latest", "dev-*"]}) == []


def test_replication_template_must_be_immutable_but_cache_template_is_exempt():
    assert immutable(TEMPLATE, template(imageTagMutability="MUTABLE")) == [
        'RepositoryCreationTemplate "ROOT" has imageTagMutability MUTABLE; pushed tags can be '
        "overwritten. Set it to IMMUTABLE."]
    cache = template(prefix="ecr-public", appliedFors=["PULL_THROUGH_CACHE"], imageTagMutability="MUTABLE")
    assert immutable(TEMPLATE, cache) == []
    both = template(appliedFors=["PULL_THROUGH_CACHE", "REPLICATION"], imageTagMutability="MUTABLE")
    assert len(immutable(TEMPLATE, both)) == 1


def test_immutable_unknown_and_other_types():
    assert immutable(props=repo(imageTagMutability=UNKNOWN)) == []
    assert immutable(cp.LIFECYCLE, {"repository": "x"}) == []


# ---------------------------------------------------------------------------- ecr-no-public-principal

def public(document, typ=cp.REPOSITORY_POLICY, key="policy"):
    text = document if isinstance(document, str) else json.dumps(document)
    return resource_violations(cp.ecr_no_public_principal, typ, {"repository": "myapp", key: text})


def statement(principal, **extra):
    return {"Version": "2012-10-17", "Statement": [{"Sid": "S", "Effect": "Allow", "Principal": principal,
                                                    "Action": "ecr:BatchGetImage", **extra}]}


def test_named_principals_pass():
    assert public(statement({"AWS": ["arn:aws:iam::123456789012:root"]})) == []


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::123456789012:root", "*"]}])
def test_wildcard_principals_are_violations(principal):
    assert public(statement(principal)) == [
        'RepositoryPolicy "myapp" allows any principal ("*" or NotPrincipal) in S; name the accounts or '
        "roles, or restrict the statement with a StringEquals condition on aws:PrincipalOrgID (or aws:PrincipalAccount) naming exact values."]


def test_org_condition_restricts_a_wildcard():
    assert public(statement("*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})) == []
    assert public(statement("*", Condition={"StringEquals": {"aws:SourceVpc": "vpc-1"}})) != []


def test_deny_statements_and_not_principal():
    deny = {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "ecr:*"}]}
    assert public(deny) == []
    not_principal = {"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"},
                                    "Action": "ecr:*"}]}
    assert public(not_principal) == [
        'RepositoryPolicy "myapp" allows any principal ("*" or NotPrincipal) in Statement[0]; name the '
        "accounts or roles, or restrict the statement with a StringEquals condition on aws:PrincipalOrgID (or aws:PrincipalAccount) naming exact values."]


def test_registry_policy_and_template_policy_are_checked():
    assert len(public(statement("*"), typ=cp.REGISTRY_POLICY)) == 1
    assert len(public(statement("*"), typ=TEMPLATE, key="repositoryPolicy")) == 1


def test_policy_that_is_not_json_or_unknown():
    assert public("{not json") == ['RepositoryPolicy "myapp": the policy is not valid JSON, so its '
                                   "principals cannot be checked."]
    assert public(UNKNOWN) == []


# ---------------------------------------------------------------------------- ecr-kms-encryption

def kms(props, config=None, typ=REPO):
    return resource_violations(cp.ecr_kms_encryption, typ, props, config)


def test_kms_encryption():
    assert kms(repo()) == []
    assert kms(repo(encryptionConfigurations=None)) == [
        'Repository "myapp" encryption is not set (AWS\'s default AES256); use KMS (encryption.type: KMS).']
    assert kms(repo(encryptionConfigurations=[{"encryptionType": "AES256"}])) == [
        'Repository "myapp" encryption is AES256; use KMS (encryption.type: KMS).']
    assert kms(repo(), {"requireCustomerManagedKey": True}) == [
        'Repository "myapp" uses the AWS-managed key aws/ecr; this pack requires a customer-managed key '
        "(encryption.create_key or kms_key_arn)."]
    cmk = repo(encryptionConfigurations=[{"encryptionType": "KMS", "kmsKey": "arn:aws:kms:x"}])
    assert kms(cmk, {"requireCustomerManagedKey": True}) == []
    assert kms(repo(encryptionConfigurations=[{"encryptionType": UNKNOWN}])) == []
    assert len(kms(template(encryptionConfigurations=None), typ=TEMPLATE)) == 1


# ---------------------------------------------------------------------------- ecr-lifecycle-policy

def test_lifecycle_policy_per_repository():
    with_policy = resource(REPO, repo(name="a"), name="a")
    without = resource(REPO, repo(name="b"), name="b")
    policy = resource(cp.LIFECYCLE, {"repository": "a", "policy": "{}"})
    assert stack_violations(cp.ecr_lifecycle_policy, [with_policy, without, policy]) == [(
        'Repository "b" has no lifecycle policy: every image is kept (and billed) for ever. Add lifecycle '
        "rules (stack config: lifecycle).", urn_of(REPO, "b"))]
    unknown = resource(cp.LIFECYCLE, {"repository": UNKNOWN})
    assert stack_violations(cp.ecr_lifecycle_policy, [without, unknown]) == []
    tpl = resource(TEMPLATE, template(lifecyclePolicy=None), name="t")
    assert stack_violations(cp.ecr_lifecycle_policy, [tpl]) == [(
        'RepositoryCreationTemplate "ROOT" gives the repositories it creates no lifecycle policy.',
        urn_of(TEMPLATE, "t"))]


# ---------------------------------------------------------------------------- Kubernetes

def deployment(*images, init=()):
    return {"spec": {"template": {"spec": {
        "containers": [{"name": f"c{i}", "image": image} for i, image in enumerate(images)],
        "initContainers": [{"name": f"i{i}", "image": image} for i, image in enumerate(init)]}}}}


DEPLOYMENT = "kubernetes:apps/v1:Deployment"


def test_no_latest_tag():
    check = cp.k8s_no_latest_tag
    assert resource_violations(check, DEPLOYMENT, deployment(f"{ECR}/myapp:1.2.3", f"{ECR}/x@{DIGEST}")) == []
    assert resource_violations(check, DEPLOYMENT, deployment("nginx", "nginx:latest"), name="web") == [
        "web: container c0 runs nginx, which resolves to whatever 'latest' points at when the node pulls; "
        "pin a version tag or digest.",
        "web: container c1 runs nginx:latest, which resolves to whatever 'latest' points at when the node "
        "pulls; pin a version tag or digest."]
    assert len(resource_violations(check, DEPLOYMENT, deployment(f"{ECR}/a:1", init=["busybox"]))) == 1
    assert resource_violations(check, DEPLOYMENT, deployment("localhost:5000/app")) != []
    assert resource_violations(check, DEPLOYMENT, deployment(UNKNOWN)) == []
    assert resource_violations(check, "kubernetes:core/v1:Service", {"spec": {}}) == []


def test_image_from_ecr_pinned_by_digest():
    check = cp.k8s_image_from_ecr
    assert resource_violations(check, DEPLOYMENT, deployment(f"{ECR}/myapp@{DIGEST}")) == []
    assert resource_violations(check, DEPLOYMENT, deployment(f"{ECR}/myapp:1.0"), name="web") == [
        f"web: container c0 runs {ECR}/myapp:1.0 by tag; pin it by digest (REPO@sha256:...) so every node "
        "runs the image that was scanned."]
    assert resource_violations(check, DEPLOYMENT, deployment(f"{ECR}/myapp:1.0"), {"requireDigest": False}) == []
    assert resource_violations(check, DEPLOYMENT, deployment("docker.io/library/nginx:1.27"), name="w") == [
        "w: container c0 runs docker.io/library/nginx:1.27, which is not in a private ECR registry "
        "(ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO); push it to ECR or pull it through the ECR "
        "pull-through cache."]
    assert resource_violations(check, DEPLOYMENT, deployment(f"{ECR}/myapp@{DIGEST}"),
                               {"accountIds": ["999999999999"]}, name="w") == [
        "w: container c0 pulls from account 111122223333's ECR; this pack allows 999999999999."]
    assert resource_violations(check, DEPLOYMENT, deployment(UNKNOWN)) == []


# ---------------------------------------------------------------------------- eks-node-role-can-pull

def node_group(name="ng", **props):
    return resource(cp.MANAGED_NODE_GROUP, {"cluster": "urn:cluster", **props}, name=name)


def role(name="nodes"):
    return resource(cp.ROLE, {"name": name, "assumeRolePolicy": "{}"}, name=name)


def attach(role_ref, policy="AmazonEC2ContainerRegistryReadOnly", name="att"):
    return resource(cp.ROLE_POLICY_ATTACHMENT,
                    {"role": role_ref, "policyArn": f"arn:aws:iam::aws:policy/{policy}"}, name=name)


def test_node_role_with_a_pull_policy_passes():
    r = role()
    for policy in cp.PULL_POLICIES:
        assert stack_violations(cp.eks_node_role_can_pull, [r, attach(r.urn, policy), node_group(nodeRole=r.urn)]) == []
    # Referenced by ARN, attached by name.
    assert stack_violations(cp.eks_node_role_can_pull, [
        r, attach("nodes"), node_group(nodeRoleArn="arn:aws:iam::111122223333:role/nodes")]) == []


def test_node_role_without_a_pull_policy_is_flagged():
    r = role()
    got = stack_violations(cp.eks_node_role_can_pull, [
        r, attach(r.urn, "AmazonEKSWorkerNodePolicy"), node_group(nodeRole=r.urn)])
    assert got == [(
        "Node group ng: its role (nodes) has neither AmazonEC2ContainerRegistryReadOnly nor "
        "AmazonEC2ContainerRegistryPullOnly attached, so its nodes cannot pull from ECR (ImagePullBackOff).",
        urn_of(cp.MANAGED_NODE_GROUP, "ng"))]


def test_node_role_unknown_is_skipped():
    assert stack_violations(cp.eks_node_role_can_pull, [node_group(nodeRoleArn=UNKNOWN)]) == []


# ---------------------------------------------------------------------------- properties

mutability = st.sampled_from(["IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE", "MUTABLE_WITH_EXCLUSION",
                              None, UNKNOWN])
scan_config = st.one_of(st.none(), st.just(UNKNOWN),
                        st.fixed_dictionaries({"scanOnPush": st.sampled_from([True, False, None, UNKNOWN])}))
filters = st.lists(st.sampled_from(["latest", "dev-*", "v*"]), max_size=3, unique=True)


@settings(max_examples=200, deadline=None)
@given(repos=st.lists(st.tuples(mutability, scan_config, filters), min_size=1, max_size=6),
       allowed=filters)
def test_mandatory_rules_flag_exactly_the_non_compliant(repos, allowed):
    resources, expect_scan, expect_immutable = [], set(), set()
    for i, (mut, scan_cfg, excl) in enumerate(repos):
        props = repo(name=f"r{i}", imageTagMutability=mut, imageScanningConfiguration=scan_cfg,
                     imageTagMutabilityExclusionFilters=[{"filter": f, "filterType": "WILDCARD"} for f in excl])
        resources.append(resource(REPO, props, name=f"r{i}"))
        scan_known = scan_cfg != UNKNOWN and (scan_cfg is None or scan_cfg["scanOnPush"] != UNKNOWN)
        if scan_known and (scan_cfg is None or scan_cfg["scanOnPush"] is not True):
            expect_scan.add(f"r{i}")
        if mut != UNKNOWN and not (mut == "IMMUTABLE" or (mut == "IMMUTABLE_WITH_EXCLUSION"
                                                          and set(excl) <= set(allowed))):
            expect_immutable.add(f"r{i}")
        got = resource_violations(cp.ecr_immutable_tags, REPO, props, {"allowedExclusionFilters": allowed})
        assert bool(got) == (f"r{i}" in expect_immutable), (props, got)
        scanned = resource_violations(cp.ecr_scan_on_push, REPO, props)
        assert bool(scanned) == (f"r{i}" in expect_scan), (props, scanned)


def test_every_declared_policy_is_served_by_the_pack():
    """Declaring a policy registers it: the pack serves exactly the registered policies, by family."""
    from support import REGISTRY

    assert [p.name for p in cp.POLICIES] == [name for family in cp.FAMILIES for name, entry in REGISTRY.items()
                                             if entry.family == family.__name__]
    assert {p.name for p in cp.POLICIES} == set(REGISTRY)
    for policy in cp.POLICIES:
        assert policy.description and policy.description.endswith("."), policy.name
        assert REGISTRY[policy.name].checks and REGISTRY[policy.name].why, policy.name


def test_a_new_policy_is_one_edit_in_its_family(monkeypatch):
    """A policy declared in a family module is registered and lands in the generated table."""
    from pulumi_policy import EnforcementLevel

    import support
    from tools import config_docs

    monkeypatch.setattr(support, "REGISTRY", dict(support.REGISTRY))

    @support.resource_policy(name="k8s-test-only", description="A test policy.", level=EnforcementLevel.MANDATORY,
                             types=support.WORKLOADS, checks="Nothing.", why="To test registration.")
    def k8s_test_only(args, report_violation):
        report_violation("always")

    k8s_test_only.__module__ = "kubernetes_policies"
    support.REGISTRY["k8s-test-only"] = support.Registered(
        k8s_test_only, support.REGISTRY["k8s-test-only"].check, "kubernetes_policies", "Nothing.",
        "To test registration.", frozenset(support.WORKLOADS))
    monkeypatch.setattr(cp, "POLICIES", support.policies([f.__name__ for f in cp.FAMILIES]))
    assert "k8s-test-only" in [p.name for p in cp.POLICIES]
    assert "| `k8s-test-only` | resource: **prevents** | Nothing. | mandatory | To test registration. |" in \
        config_docs.policy_table()


def test_a_policy_name_is_declared_once():
    from pulumi_policy import EnforcementLevel

    import support

    with pytest.raises(ValueError, match="ecr-scan-on-push is declared twice"):
        support.resource_policy(name="ecr-scan-on-push", description="Again.", level=EnforcementLevel.ADVISORY,
                                types=(), checks="x", why="y")(lambda args, report: None)


def test_the_policy_table_is_generated_from_the_pack():
    from tools import config_docs

    assert config_docs.main(["--check"]) == 0
    doc = config_docs.POLICIES.read_text()
    edited = doc.replace("| mandatory | A tag that can be overwritten", "| advisory | A tag that can be overwritten", 1)
    assert edited != doc and config_docs.render_policies(edited) == doc
