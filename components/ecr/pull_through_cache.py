"""``PullThroughCache``: cache public registries in the private registry, so nodes need no
internet access.

Upstreams AWS supports without credentials: ECR Public, Quay, registry.k8s.io. With credentials
(a Secrets Manager secret whose name starts with ``ecr-pullthroughcache/``, in the same account and
region, which an administrator creates — see ``Credentials``): Docker Hub, GitHub, GitLab, Azure
Container Registry, Chainguard. Cached repositories are
created by ECR on the first pull, with the settings of a creation template applied for
PULL_THROUGH_CACHE: KMS encryption and a lifecycle policy, and MUTABLE tags — AWS documents that
immutable tags stop ECR from updating a cached image when its upstream tag moves.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .. import token
from ..shared.errors import InvalidValue
from ..shared.iam import Statement, document
from ..shared.placement import Placement
from .templates import TemplateEncryption, creation_template, template_role


@dataclass(frozen=True)
class Upstream:
    """A registry AWS can cache: its URL, default prefix and whether it needs credentials."""

    url: str
    needs_credentials: bool
    hosts: tuple[str, ...]
    """How image references name it (``docker.io/library/alpine`` → Docker Hub)."""


UPSTREAMS: dict[str, Upstream] = {
    "ecr-public": Upstream("public.ecr.aws", False, ("public.ecr.aws",)),
    "quay": Upstream("quay.io", False, ("quay.io",)),
    "k8s": Upstream("registry.k8s.io", False, ("registry.k8s.io",)),
    "docker-hub": Upstream("registry-1.docker.io", True, ("docker.io", "registry-1.docker.io", "index.docker.io")),
    "github-container-registry": Upstream("ghcr.io", True, ("ghcr.io",)),
    "gitlab-container-registry": Upstream("registry.gitlab.com", True, ("registry.gitlab.com",)),
    "azure-container-registry": Upstream("", True, ()),  # the rule names its *.azurecr.io URL
    "chainguard": Upstream("cgr.dev", True, ("cgr.dev",)),
}
SECRET_PREFIX = "ecr-pullthroughcache/"
# PullThroughCacheRuleRepositoryPrefix in the ECR API model (2-30 characters).
_PREFIX_RE = re.compile(r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\Z")
# CredentialArn in the ECR API model.
_CREDENTIAL_ARN_RE = re.compile(
    r"^arn:aws(-\w+)*:secretsmanager:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):secret:"
    r"ecr-pullthroughcache/[a-zA-Z0-9/_+=.@-]+\Z")
_AZURE_RE = re.compile(r"^[a-z0-9]{5,50}\.azurecr\.io\Z")
# The first pull of an image through a rule: import it, create its repository, and tag that
# repository with the creation template's tags (AWS authorizes tags given on creation against
# ecr:TagResource as well as ecr:CreateRepository).
PULL_ACTIONS = ("ecr:BatchImportUpstreamImage", "ecr:CreateRepository", "ecr:TagResource")


@dataclass(frozen=True)
class Credentials:
    """Upstream credentials: the ARN of a secret an administrator keeps.

    The stack does not create the secret. A secret it managed would put the token in the stack's
    state, and every refresh of it reads the value (``secretsmanager:GetSecretValue``) — an action the
    preview role that pull requests run with must never have, and the deploy role need not: ECR
    reads the secret itself, through its service-linked role.
    """

    secret_arn: str


@dataclass(frozen=True)
class CacheRule:
    upstream: str
    """One of ``UPSTREAMS``."""
    prefix: str | None = None
    """ECR repository prefix of the cached images (default: the upstream's name)."""
    registry_url: str | None = None
    """Only for azure-container-registry: NAME.azurecr.io."""
    credentials: Credentials | None = None

    @property
    def repository_prefix(self) -> str:
        return self.prefix or self.upstream

    @property
    def upstream_url(self) -> str:
        return self.registry_url or UPSTREAMS[self.upstream].url

    @property
    def hosts(self) -> tuple[str, ...]:
        return (self.registry_url,) if self.registry_url else UPSTREAMS[self.upstream].hosts


@dataclass(frozen=True)
class PullThroughCacheSpec:
    """What a stack says about its pull-through caches."""

    rules: Sequence[CacheRule]
    """One rule per upstream."""
    placement: Placement
    """The registry: its region and account (a credential secret must be in both) and tags."""
    lifecycle_policy: str | None = None
    """Lifecycle policy JSON for cached repositories."""
    encryption_type: str = "KMS"
    """The registry's encryption type, which the cached repositories' template repeats."""


@dataclass(frozen=True)
class PullThroughCacheArgs:
    """The spec and the registry's key."""

    spec: PullThroughCacheSpec
    """Everything the stack says about the caches."""
    kms_key: pulumi.Input[str] | None = None
    """A KMS key in the registry's region for cached repositories (``EcrRegistry.kms_key_arn``;
    None: aws/ecr)."""


def check_cache_spec(args: PullThroughCacheSpec) -> None:
    """Raise ``InvalidValue`` (path relative to ``pull_through_cache``)."""
    seen: dict[str, int] = {}
    for i, rule in enumerate(args.rules):
        where = f"rules[{i}]"
        if rule.upstream not in UPSTREAMS:
            raise InvalidValue(f"{where}.upstream", rule.upstream,
                               f"is not an upstream ECR can cache; allowed: {', '.join(UPSTREAMS)}")
        prefix = rule.repository_prefix
        if not (2 <= len(prefix) <= 30 and _PREFIX_RE.match(prefix)):
            raise InvalidValue(f"{where}.prefix", prefix,
                               "is not a repository prefix (2-30 lowercase letters, digits, . _ - /)")
        if prefix in seen:
            raise InvalidValue(f"{where}.prefix", prefix, f"is already the prefix of rules[{seen[prefix]}]")
        seen[prefix] = i
        if rule.upstream == "azure-container-registry":
            if not rule.registry_url or not _AZURE_RE.match(rule.registry_url):
                raise InvalidValue(f"{where}.registry_url", rule.registry_url,
                                   "must name the Azure registry (NAME.azurecr.io)")
        elif rule.registry_url is not None:
            raise InvalidValue(f"{where}.registry_url", rule.registry_url,
                               f"is only for azure-container-registry ({rule.upstream} is {rule.upstream_url})")
        needs = UPSTREAMS[rule.upstream].needs_credentials
        creds = rule.credentials
        if needs and creds is None:
            raise InvalidValue(f"{where}.credentials", None,
                               f"are required for {rule.upstream}: the secret_arn of a Secrets Manager secret "
                               f"named {SECRET_PREFIX}... (docs/deploying.md, Pull-through cache credentials)")
        if not needs and creds is not None:
            raise InvalidValue(f"{where}.credentials", "(set)",
                               f"are not accepted for {rule.upstream}, which AWS caches anonymously")
        if creds is None:
            continue
        match = _CREDENTIAL_ARN_RE.match(creds.secret_arn)
        if match is None:
            raise InvalidValue(f"{where}.credentials.secret_arn", creds.secret_arn,
                               "is not the ARN of a Secrets Manager secret whose name starts with "
                               f"{SECRET_PREFIX}")
        if match["region"] != args.placement.region:
            raise InvalidValue(f"{where}.credentials.secret_arn", creds.secret_arn,
                               f"is in {match['region']}; ECR reads the secret only in the registry's "
                               f"region {args.placement.region}")
        if args.placement.account is not None and match["account"] != args.placement.account:
            raise InvalidValue(f"{where}.credentials.secret_arn", creds.secret_arn,
                               f"is a secret of account {match['account']}; ECR reads the secret only in "
                               f"the registry's account {args.placement.account}")


def cached_image(image: str, rules: Sequence[CacheRule], registry_host: str) -> str:
    """The cached reference of an upstream image: ``docker.io/library/alpine:3.20`` →
    ``REGISTRY_HOST/docker-hub/library/alpine:3.20``.

    Raises ``ValueError`` when no rule caches the image's registry.
    """
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        host, path = first, rest
    else:
        host, path = "docker.io", image  # Docker Hub, as docker resolves a bare name
    for rule in rules:
        if host in rule.hosts:
            if rule.upstream == "docker-hub" and "/" not in path.split("@")[0].split(":")[0]:
                path = f"library/{path}"  # official images live under library/
            return f"{registry_host}/{rule.repository_prefix}/{path}"
    raise ValueError(f"{image}: no pull-through cache rule caches {host}")


def puller_policy(account: str, region: str, partition: str, prefixes: Sequence[str]) -> str:
    """What a puller needs beyond AmazonEC2ContainerRegistryReadOnly to pull through the cache
    the first time: import the upstream image, creating (and tagging) its repository if need be,
    only below the cache prefixes."""
    return document([Statement(
        "PullThroughCacheFirstPull", actions=list(PULL_ACTIONS),
        resources=[f"arn:{partition}:ecr:{region}:{account}:repository/{p}/*" for p in prefixes])])


class PullThroughCache(pulumi.ComponentResource):
    """Pull-through cache rules, their credentials, and the template for cached repositories."""

    url_prefixes: dict[str, pulumi.Output[str]]
    """Per rule prefix: ``ACCOUNT.dkr.ecr.REGION.amazonaws.com/PREFIX``."""
    upstream_prefixes: dict[str, pulumi.Output[str]]
    """Per upstream registry host (``quay.io``): the private prefix that replaces it in an image
    reference (``quay.io/org/img:1`` → ``PREFIX_URL/org/img:1``; Docker Hub's official images
    need ``library/``)."""
    puller_policy: pulumi.Output[str]
    """IAM policy JSON a node role needs (with AmazonEC2ContainerRegistryReadOnly) to pull
    an image through the cache the first time."""
    registry_host: pulumi.Output[str]

    def __init__(self, name: str, args: PullThroughCacheArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("PullThroughCache"), name, None, opts)
        spec, kms_key = args.spec, args.kms_key
        check_cache_spec(spec)
        child = pulumi.ResourceOptions(parent=self)
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        dns = spec.placement.dns_suffix
        self.registry_host = account.apply(lambda a: f"{a}.dkr.ecr.{spec.placement.region}.{dns}")
        self._rules = list(spec.rules)

        encryption = TemplateEncryption(type=spec.encryption_type, kms_key=kms_key)
        role = template_role(name, account, spec.placement.partition,
                             [kms_key] if kms_key is not None else [], spec.placement.tags, child)
        self.url_prefixes = {}
        self.upstream_prefixes = {}
        for rule in spec.rules:
            prefix = rule.repository_prefix
            slug = prefix.replace("/", "-")
            template = creation_template(
                f"{name}-{slug}-template",
                prefix=prefix,
                applied_for=["PULL_THROUGH_CACHE"],
                description=f"Repositories cached from {rule.upstream_url}",
                # Immutable tags would stop ECR from updating a cached tag when upstream moves it.
                tag_mutability="MUTABLE",
                encryption=encryption,
                lifecycle_policy=spec.lifecycle_policy,
                tags=spec.placement.tags,
                role_arn=role.arn,
                region=None,
                opts=child,
            )
            aws.ecr.PullThroughCacheRule(
                f"{name}-{slug}",
                ecr_repository_prefix=prefix,
                upstream_registry_url=rule.upstream_url,
                credential_arn=rule.credentials.secret_arn if rule.credentials else None,
                opts=pulumi.ResourceOptions(
                    parent=self,
                    # A cached repository created before its template exists keeps AWS's defaults.
                    depends_on=[template, role.role, role.policy],
                    # A new upstream URL replaces the rule; AWS refuses a second rule for the prefix.
                    delete_before_replace=True,
                ),
            )
            self.url_prefixes[prefix] = pulumi.Output.concat(self.registry_host, "/", prefix)
            for host in rule.hosts[:1]:
                self.upstream_prefixes[host] = self.url_prefixes[prefix]
        prefixes = [r.repository_prefix for r in spec.rules]
        self.puller_policy = account.apply(
            lambda a: puller_policy(a, spec.placement.region, spec.placement.partition, prefixes))
        self.register_outputs({"url_prefixes": self.url_prefixes, "upstream_prefixes": self.upstream_prefixes,
                               "puller_policy": self.puller_policy})

    def cached_image(self, image: str) -> pulumi.Output[str]:
        """The cached reference of an upstream image (see :func:`cached_image`)."""
        return self.registry_host.apply(lambda host: cached_image(image, self._rules, host))
