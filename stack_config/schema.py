"""The stack configuration's one declarative schema: every key with its type, default, allowed
values, description and README section.

From it come the keys each object accepts (and so the "unknown key, did you mean" errors), the
enumerations the reader checks, the README's configuration tables (``python -m tools.config_docs``
writes them; a test fails when the README is out of date) and the check that ``Pulumi.yaml``'s
``config:`` block agrees with it. Paths use ``[]`` for list items: ``repositories[].lifecycle``.
Keys in another namespace (``aws:region``) are documented here but read by their providers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from components.ecr.access import ACCESS_LEVELS
from components.ecr.lifecycle import TAG_STATUSES
from components.ecr.pull_through_cache import UPSTREAMS
from components.ecr.repository import ENCRYPTION_TYPES, TAG_MUTABILITIES
from components.ecr.scanning import SCAN_TYPES


@dataclass(frozen=True)
class Key:
    path: str
    """Dotted path; ``[]`` marks list items; a ``namespace:`` prefix marks another namespace."""
    section: str
    """The README section (``### ...`` heading) that documents it."""
    type: str
    """The type as the README shows it."""
    default: str
    """The default as the README shows it (``— (required)`` when required)."""
    description: str
    choices: tuple[str, ...] = ()
    """Allowed values of an enumeration (checked by the reader, shown in errors)."""

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    @property
    def parent(self) -> str:
        return self.path.rsplit(".", 1)[0] if "." in self.path else ""

    @property
    def own_namespace(self) -> bool:
        return ":" not in self.path


KEYS: tuple[Key, ...] = (
    # Top level
    Key('aws:region', 'Top level', 'string', '— (required)', 'Region of the registry; must be a region where ECR is offered.'),
    Key('aws:allowedAccountIds', 'Top level', 'list of strings', '—', 'The AWS provider refuses other accounts. The offline preview uses the first as the account in ARNs and URLs (else 123456789012).'),
    Key('environment', 'Top level', 'string', 'the stack name', 'Value of the `Environment` tag.'),
    Key('protect', 'Top level', 'boolean', '`false`', 'Protect every repository and a created KMS key (`protect` + `retain_on_delete`). A repository may set its own `protect`.'),
    Key('tags', 'Top level', 'map of string → string', '`{}`', "Tags on every resource, after `ManagedBy`, `PulumiProject`, `PulumiStack`, `Environment`. AWS allows 50 per resource, counted with those four (so at most 46 of yours, fewer with a repository's own); names 1-128 characters, not `aws:`; values at most 256 (numbers and booleans become their text)."),
    Key('encryption', 'Top level', 'object', '`{type: KMS}`', 'Encryption at rest for every repository (fixed at creation: changing it replaces repositories).'),
    Key('repositories', 'Top level', 'list of objects', '— (at least one)', 'The repositories, below.'),
    Key('scanning', 'Top level', 'object', 'BASIC scan on push for every repository', 'The registry scanning configuration, below.'),
    Key('replication', 'Top level', 'object', 'none', 'Cross-region / cross-account replication, below.'),
    Key('pull_through_cache', 'Top level', 'object', 'none', 'Caches of public registries, below.'),

    # encryption
    Key('encryption.type', 'encryption', '`KMS` | `AES256`', '`KMS`', '`KMS` alone uses the AWS-managed key `aws/ecr` (no key to manage). `AES256` only when asked.', choices=ENCRYPTION_TYPES),
    Key('encryption.kms_key_arn', 'encryption', 'KMS **key** ARN', '—', "A customer-managed key you already have, in the stack's region (and in its account, when `aws:allowedAccountIds` names one). Alias ARNs are refused: a creation template's API rejects them, and a repository created with an alias reads the key ARN back, so every later `up` would plan to replace it. Resolve an alias with `aws kms describe-key --key-id ALIAS_ARN --query KeyMetadata.Arn`."),
    Key('encryption.create_key', 'encryption', 'boolean', '`false`', 'Create a customer-managed key (rotation on, 30-day deletion window, an explicit key policy — see [Key policies](#key-policies); protected when `protect` is). Exclusive with `kms_key_arn`.'),

    # repositories[]
    Key('repositories[].name', 'repositories[]', 'string', '— (required)', 'ECR name: 2-256 lowercase letters, digits and `. _ -`, optionally in `/` namespaces (`team/myapp`). Unique.'),
    Key('repositories[].tag_mutability', 'repositories[]', '`IMMUTABLE` | `IMMUTABLE_WITH_EXCLUSION` | `MUTABLE` | `MUTABLE_WITH_EXCLUSION`', '`IMMUTABLE`', 'Tags cannot be overwritten by default. `MUTABLE` only when a stack says so (the policy pack flags it).', choices=TAG_MUTABILITIES),
    Key('repositories[].tag_mutability_exclusions', 'repositories[]', 'list of strings', '`[]`', '1-5 WILDCARD filters (`^[0-9a-zA-Z._*-]{1,128}$`, at most two `*` each) exempt from the setting; required with, and only allowed with, the `*_WITH_EXCLUSION` settings.'),
    Key('repositories[].scan_on_push', 'repositories[]', 'boolean', '`true`', "Scan each pushed image (AWS's own default is off)."),
    Key('repositories[].force_delete', 'repositories[]', 'boolean', '`false`', 'Let `pulumi destroy` delete the repository with its images. Refused on a protected repository.'),
    Key('repositories[].protect', 'repositories[]', 'boolean', 'top-level `protect`', 'Register with `protect` and `retain_on_delete`.'),
    Key('repositories[].lifecycle', 'repositories[]', 'object', 'none (keep every image)', 'Lifecycle policy: the shorthand keys or `rules`, below.'),
    Key('repositories[].grants', 'repositories[]', 'list of objects', '`[]`', 'Other accounts or roles that may pull and/or push (repository policy).'),
    Key('repositories[].tags', 'repositories[]', 'map of string → string', '`{}`', "Tags of this repository (over the top-level ones; the merged set, with the program's own, is at most 50)."),

    # repositories[].lifecycle
    Key('repositories[].lifecycle.untagged_expire_days', 'repositories[].lifecycle', 'positive integer', '—', 'Expire untagged images this many days after push (rule priority 1).'),
    Key('repositories[].lifecycle.keep_last', 'repositories[].lifecycle', 'positive integer', '—', 'Keep the newest N images (matching the tag list, else all images, as the last rule) and expire the rest.'),
    Key('repositories[].lifecycle.tag_patterns', 'repositories[].lifecycle', 'list of strings', '—', 'With `keep_last`: wildcard tag patterns (`v*`, `release-*-final`).'),
    Key('repositories[].lifecycle.tag_prefixes', 'repositories[].lifecycle', 'list of strings', '—', 'With `keep_last`: tag prefixes, as the chapter uses (`v`).'),
    Key('repositories[].lifecycle.rules', 'repositories[].lifecycle', 'list of objects', '—', 'Full control: the rules below.'),
    Key('repositories[].lifecycle.rules[].priority', 'repositories[].lifecycle', 'positive integer', '— (required)', '`rulePriority`; lower is evaluated first; unique.'),
    Key('repositories[].lifecycle.rules[].description', 'repositories[].lifecycle', 'string', '`""`', 'Shown in the ECR console.'),
    Key('repositories[].lifecycle.rules[].tag_status', 'repositories[].lifecycle', '`tagged` | `untagged` | `any`', '— (required)', 'Which images the rule selects.', choices=TAG_STATUSES),
    Key('repositories[].lifecycle.rules[].tag_patterns', 'repositories[].lifecycle', 'list of strings', '—', '`tagPatternList` (tagged rules).'),
    Key('repositories[].lifecycle.rules[].tag_prefixes', 'repositories[].lifecycle', 'list of strings', '—', '`tagPrefixList` (tagged rules).'),
    Key('repositories[].lifecycle.rules[].keep_last', 'repositories[].lifecycle', 'positive integer', '—', '`imageCountMoreThan`: keep the newest N.'),
    Key('repositories[].lifecycle.rules[].expire_after_days', 'repositories[].lifecycle', 'positive integer', '—', '`sinceImagePushed` in days. Exactly one of `keep_last` / `expire_after_days`.'),

    # repositories[].grants[]
    Key('repositories[].grants[].principal', 'repositories[].grants[]', 'string', '— (required)', "A 12-digit account ID (its root: whoever that account's IAM allows) or an IAM role ARN."),
    Key('repositories[].grants[].access', 'repositories[].grants[]', '`pull` | `push` | `pull_push`', '`pull`', "`pull`: BatchGetImage, GetDownloadUrlForLayer, BatchCheckLayerAvailability. `push`: the chapter's five actions (BatchCheckLayerAvailability, CompleteLayerUpload, InitiateLayerUpload, PutImage, UploadLayerPart).", choices=ACCESS_LEVELS),

    # scanning
    Key('scanning.type', 'scanning', '`BASIC` | `ENHANCED`', '`BASIC`', "BASIC rules scan on push (`SCAN_ON_PUSH`; AWS's API reference gives BASIC no other rule frequency — `MANUAL` is what repositories no rule matches get); ENHANCED allows `SCAN_ON_PUSH` and `CONTINUOUS_SCAN`.", choices=SCAN_TYPES),
    Key('scanning.rules', 'scanning', 'list of objects', '`[{frequency: SCAN_ON_PUSH, filters: ["*"]}]`', 'At most 2 rules (AWS).'),
    Key('scanning.rules[].frequency', 'scanning', 'string', '— (required)', 'As above, by type.'),
    Key('scanning.rules[].filters', 'scanning', 'list of strings', '`["*"]`', '1-100 WILDCARD repository filters (`*`, `team/*`).'),
    Key('scanning.allow_partial', 'scanning', 'boolean', '`false`', 'Allow rules that scan only some repositories on push (no `*`). The policy pack still refuses such a configuration unless its `allowedRegistryFilters` accepts the filters.'),

    # replication
    Key('replication.rules', 'replication', 'list of objects', '— (required)', 'At most 10 rules and 25 unique destinations (AWS).'),
    Key('replication.rules[].destinations', 'replication', 'list of objects', '— (required)', 'Where images go, below.'),
    Key('replication.rules[].filters', 'replication', 'list of strings', '`[]` (every repository)', '`PREFIX_MATCH` filters on repository names (`myapp` matches `myapp`, `myapp-migrations`, `myapp/x`). At most 100.'),
    Key('replication.rules[].destinations[].region', 'replication', 'string', '— (required)', "A region where ECR is offered, in the stack's partition (no `cn-north-1` from a commercial region); not the stack's own region in the stack's own account."),
    Key('replication.rules[].destinations[].account', 'replication', '12-digit account ID (string or number)', 'this account', "Another account's registry. The same as the stack's single `aws:allowedAccountIds` counts as this account."),
    Key('replication.rules[].destinations[].assume_role_arn', 'replication', 'role ARN in `account`', '—', "Declare the destination's side from this stack through a provider assuming this role: a registry policy allowing this account `ecr:CreateRepository` and `ecr:ReplicateImage`, the creation template, its role and key, and scanning. Without it that side is the destination's step: the stack exports the registry policy as `replication_destination_registry_policies` and warns at preview."),
    Key('replication.rules[].destinations[].kms_key_arn', 'replication', 'KMS key ARN in `region`', '—', "A key of yours for the replicas (keys are regional), in the destination's account; alias ARNs are refused as for `encryption.kms_key_arn`."),
    Key('replication.replica_lifecycle', 'replication', 'lifecycle object (as `repositories[].lifecycle`)', 'per destination, the lifecycle of the repositories replicated there', "The lifecycle every replica gets. Without it each destination's template takes the lifecycle its replicated repositories share (destinations may differ); it is required when repositories with different lifecycles replicate to one destination (one template carries one policy), and when a destination receives no repository of this stack (nothing to take it from)."),

    # pull_through_cache
    Key('pull_through_cache.rules', 'pull_through_cache', 'list of objects', '— (required)', 'One per upstream.'),
    Key('pull_through_cache.rules[].upstream', 'pull_through_cache', '`ecr-public` | `quay` | `k8s` | `docker-hub` | `github-container-registry` | `gitlab-container-registry` | `azure-container-registry` | `chainguard`', '— (required)', 'The first three need no credentials; the others do. (Docker Hub is supported today, unlike when the chapter was written.)', choices=tuple(UPSTREAMS)),
    Key('pull_through_cache.rules[].prefix', 'pull_through_cache', 'string', "the upstream's name", 'ECR repository prefix (2-30 characters); unique.'),
    Key('pull_through_cache.rules[].registry_url', 'pull_through_cache', '`NAME.azurecr.io`', '—', 'Only, and required, for `azure-container-registry`.'),
    Key('pull_through_cache.rules[].credentials', 'pull_through_cache', 'object', '—', 'Required for upstreams that need them; refused for the others.'),
    Key('pull_through_cache.rules[].credentials.secret_arn', 'pull_through_cache', 'Secrets Manager ARN', '—', "An existing secret whose name starts with `ecr-pullthroughcache/`, in the stack's region and account (checked when `aws:allowedAccountIds` names one)."),
    Key('pull_through_cache.rules[].credentials.username', 'pull_through_cache', 'string', '—', 'With `access_token`: the stack creates the secret (`ecr-pullthroughcache/PREFIX-...`).'),
    Key('pull_through_cache.rules[].credentials.access_token', 'pull_through_cache', 'secret string', '—', "Must be set with `pulumi config set --secret --path 'container-platform:pull_through_cache.rules[N].credentials.access_token' TOKEN`; a plaintext token is refused."),
    Key('pull_through_cache.lifecycle', 'pull_through_cache', 'lifecycle object', '`{untagged_expire_days: 14, keep_last: 100}`', 'Lifecycle of cached repositories (moving upstream tags leave untagged images behind).'),
)

_BY_PATH = {key.path: key for key in KEYS}
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(key.section for key in KEYS))


def key(path: str) -> Key:
    return _BY_PATH[path]


def keys_of(parent: str) -> tuple[str, ...]:
    """The names of the keys an object accepts, in documentation order (``""``: the top level)."""
    return tuple(k.name for k in KEYS if k.own_namespace and k.parent == parent)


def choices(path: str) -> tuple[str, ...]:
    return _BY_PATH[path].choices


def in_section(section: str) -> Iterator[Key]:
    return (k for k in KEYS if k.section == section)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_table(section: str) -> str:
    """The README table of one section."""
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for k in in_section(section):
        lines.append(f"| `{k.path}` | {_cell(k.type)} | {k.default} | {k.description} |")
    return "\n".join(lines)
