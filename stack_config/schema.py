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

from components.delivery.github import GithubActionsRolesSpec
from components.delivery.runners import ARCHITECTURES, COMPUTE_TYPES, RUNNER_MODES, RunnerSpec
from components.ecr.access import ACCESS_LEVELS
from components.ecr.lifecycle import TAG_STATUSES
from components.ecr.pull_through_cache import UPSTREAMS
from components.ecr.registry import RegistryEncryption
from components.ecr.repository import ENCRYPTION_TYPES, TAG_MUTABILITIES, EcrRepositorySpec
from components.ecr.scanning import SCAN_TYPES, RegistryScanningSpec
from components.eks.autoscaler import ClusterAutoscalerSpec
from components.eks.cluster import ACCESS_POLICIES, UPGRADE_POLICIES, ClusterAdmin, EksClusterSpec
from components.eks.network import NAT_MODES, EksNetworkSpec
from components.eks.node_group import (
    AMI_TYPES,
    CAPACITY_TYPES,
    ECR_POLICIES,
    TAINT_EFFECTS,
    NodeGroupSpec,
    Taint,
)
from components.eks.observability import ClusterObservabilitySpec
from components.supply_chain.findings import MAX_TIMEOUT_MINUTES, THRESHOLDS, Allowance
from components.supply_chain.scan_gate import ScanGateSpec
from components.workload.front_door import SCHEMES, TLS_POLICIES, FrontDoorSpec
from components.workload.image import PLATFORMS, ImageSpec
from components.workload.service import WorkloadSpec

from .model import CostAssumptions, KubernetesConfig, WorkloadConfig


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
    def type_shown(self) -> str:
        """The type as the reference shows it: an enumeration lists its choices."""
        return " | ".join(f"`{c}`" for c in self.choices) if self.choices and not self.type else self.type

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
    Key('aws:profile', 'Top level', 'string', '—', "The AWS CLI profile the AWS provider signs in with. The Kubernetes provider's kubeconfig runs `aws eks get-token --profile` with it too, so both sign in as the same identity; a cross-account replication destination's provider gets it as well."),
    Key('aws:assumeRoles', 'Top level', 'list of objects (`roleArn`, …)', '—', "A role the AWS provider assumes. One role only when the stack has a cluster: the kubeconfig's `aws eks get-token --role-arn` assumes the same role (it cannot chain several)."),
    Key('environment', 'Top level', 'string', 'the stack name', 'Value of the `Environment` tag.'),
    Key('bootstrap', 'Top level', 'boolean', '`false`', "A bootstrap run: it creates what AWS's own APIs reach — registry, network, cluster, node groups, runners, roles, access entries — and nothing through the cluster's Kubernetes endpoint (no Kubernetes provider, image or workload objects). A private-only cluster's first `up` from a workstation needs it; the next run, from a runner inside the VPC, applies the rest (docs/deploying.md)."),
    Key('protect', 'Top level', 'boolean', '`false`', 'Protect what holds data or is hard to recreate (`protect` + `retain_on_delete`): every repository, every KMS key the stack creates (the registry\'s, the replica regions\', the flow logs\' and the cluster\'s), the cluster and its log group. It is also the default of `cluster.deletion_protection`, `cluster.zonal_shift`, `front_door.deletion_protection`, `front_door.access_logs` and `front_door.waf` — so turning it on adds a WAF and a log bucket to the bill, and turning it off (for a teardown: the README) turns those off too unless the stack sets them. A repository may set its own `protect`.'),
    Key('tags', 'Top level', 'map of string → string', '`{}`', "Tags on every resource, after `ManagedBy`, `PulumiProject`, `PulumiStack`, `Environment`. AWS allows 50 per resource, counted with those four (so at most 46 of yours, fewer with a repository's own); names 1-128 characters, not `aws:`; values at most 256 (numbers and booleans become their text)."),
    Key('encryption', 'Top level', 'object', '`{type: KMS}`', 'Encryption at rest for every repository (fixed at creation: changing it replaces repositories).'),
    Key('repositories', 'Top level', 'list of objects', '— (at least one)', 'The repositories, below.'),
    Key('scanning', 'Top level', 'object', 'BASIC scan on push for every repository', 'The registry scanning configuration, below.'),
    Key('replication', 'Top level', 'object', 'none', 'Cross-region / cross-account replication, below.'),
    Key('pull_through_cache', 'Top level', 'object', 'none', 'Caches of public registries, below.'),
    Key('network', 'Top level', 'object', 'none (no cluster)', 'The VPC the cluster\'s nodes run in, below. Required with `cluster`.'),
    Key('cluster', 'Top level', 'object', 'none (registry only)', 'An EKS cluster whose nodes pull from this registry, below.'),
    Key('cost', 'Top level', 'object', 'the defaults below', "Usage assumptions of the offline preview's monthly cost estimate, below. The program itself ignores them."),
    Key('delivery', 'Top level', 'object', 'none', 'The GitHub OIDC provider and the roles the delivery workflows assume, below.'),
    Key('workload', 'Top level', 'object', 'none', 'The service in `app/`, built, pushed and run on the cluster, below. Requires `cluster`.'),
    Key('front_door', 'Top level', 'object', 'none (kubectl port-forward only)', "The service's way in: an Application Load Balancer in front of its NodePort, below. Requires `workload`."),

    # encryption
    Key('encryption.type', 'encryption', '`KMS` | `AES256`', '`KMS`', '`KMS` alone uses the AWS-managed key `aws/ecr` (no key to manage). `AES256` only when asked.', choices=ENCRYPTION_TYPES),
    Key('encryption.kms_key_arn', 'encryption', 'KMS **key** ARN', '—', "A customer-managed key you already have, in the stack's region (and in its account, when `aws:allowedAccountIds` names one). Alias ARNs are refused: a creation template's API rejects them, and a repository created with an alias reads the key ARN back, so every later `up` would plan to replace it. Resolve an alias with `aws kms describe-key --key-id ALIAS_ARN --query KeyMetadata.Arn`."),
    Key('encryption.create_key', 'encryption', 'boolean', '`false`', 'Create a customer-managed key (rotation on, 30-day deletion window, an explicit key policy — see [Key policies](policies.md#key-policies); protected when `protect` is). Exclusive with `kms_key_arn`.'),

    # repositories[]
    Key('repositories[].name', 'repositories[]', 'string', '— (required)', 'ECR name: 2-256 lowercase letters, digits and `. _ -`, optionally in `/` namespaces (`team/myapp`). Unique.'),
    Key('repositories[].tag_mutability', 'repositories[]', '`IMMUTABLE` | `IMMUTABLE_WITH_EXCLUSION` | `MUTABLE` | `MUTABLE_WITH_EXCLUSION`', '`IMMUTABLE`', 'Tags cannot be overwritten by default. `MUTABLE` only when a stack says so, and the policy pack\'s `ecr-immutable-tags` (mandatory) refuses it unless the pack\'s config lowers that policy.', choices=TAG_MUTABILITIES),
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
    Key('replication.rules[].destinations[].preview_role_arn', 'replication', 'role ARN in `account`', '—', "A read-only role in the destination account (ECR and IAM reads, e.g. `AmazonEC2ContainerRegistryReadOnly` plus `iam:GetRole`), trusted by the stack's CI preview role. Runs by the preview role (pull-request previews, the drift check) assume it instead of `assume_role_arn`, so a preview never holds write access there. Required with `assume_role_arn` when the stack has `delivery`."),
    Key('replication.rules[].destinations[].existing_template', 'replication', 'boolean', '`false`', "The destination registry already has a `ROOT` creation template (a registry holds one: another stack's, or its owner's), so this stack declares none there — a second one would fail `pulumi up` with `TemplateAlreadyExistsException`. The existing template is read at preview and must be applied for `REPLICATION`, make `IMMUTABLE` repositories, encrypt with KMS when the registry does, and carry a lifecycle policy; what it lacks fails the preview with the destination named. For this account, or a destination with `assume_role_arn`."),
    Key('replication.replica_lifecycle', 'replication', 'lifecycle object (as `repositories[].lifecycle`)', 'per destination, the lifecycle of the repositories replicated there', "The lifecycle every replica gets. Without it each destination's template takes the lifecycle its replicated repositories share (destinations may differ); it is required when repositories with different lifecycles replicate to one destination (one template carries one policy), and when a destination receives no repository of this stack (nothing to take it from)."),

    # pull_through_cache
    Key('pull_through_cache.rules', 'pull_through_cache', 'list of objects', '— (required)', 'One per upstream.'),
    Key('pull_through_cache.rules[].upstream', 'pull_through_cache', '`ecr-public` | `quay` | `k8s` | `docker-hub` | `github-container-registry` | `gitlab-container-registry` | `azure-container-registry` | `chainguard`', '— (required)', 'The first three need no credentials; the others do. (Docker Hub is supported today, unlike when the chapter was written.)', choices=tuple(UPSTREAMS)),
    Key('pull_through_cache.rules[].prefix', 'pull_through_cache', 'string', "the upstream's name", 'ECR repository prefix (2-30 characters); unique.'),
    Key('pull_through_cache.rules[].registry_url', 'pull_through_cache', '`NAME.azurecr.io`', '—', 'Only, and required, for `azure-container-registry`.'),
    Key('pull_through_cache.rules[].credentials', 'pull_through_cache', 'object', '—', 'Required for upstreams that need them; refused for the others.'),
    Key('pull_through_cache.rules[].credentials.secret_arn', 'pull_through_cache', 'Secrets Manager ARN', '— (required in `credentials`)', "A secret an administrator creates once, named `ecr-pullthroughcache/NAME`, holding JSON with `username` and `accessToken` (docs/deploying.md, Pull-through cache credentials), in the stack's region and account (checked when `aws:allowedAccountIds` names one). The stack never holds the token: `username`/`access_token` are refused, since a secret it managed would keep the token in its state and every refresh would read it back."),
    Key('pull_through_cache.lifecycle', 'pull_through_cache', 'lifecycle object', '`{untagged_expire_days: 14, keep_last: 100}`', 'Lifecycle of cached repositories (moving upstream tags leave untagged images behind).'),
    # network
    Key('network.availability_zones', 'network', 'list of 2-3 zones', '— (required for a new VPC)', 'Zones of `aws:region` (`eu-central-1a`); one private subnet per zone for nodes.'),
    Key('network.cidr', 'network', 'IPv4 CIDR', '`10.0.0.0/16`', 'The new VPC: a private range from /16 to /24. Each private subnet gets a quarter of it; the last quarter is split for the public subnets.'),
    Key('network.nat', 'network', '', '`none`', 'Internet access from the nodes. `none`: no route to the internet at all (no public subnets, no internet gateway); `single`: one NAT gateway; `per_az`: one per zone (no cross-zone dependency). Public subnets exist only with NAT, and the private subnets\' only `0.0.0.0/0` route goes through it.', choices=NAT_MODES),
    Key('network.endpoints', 'network', 'boolean', '`true` without NAT, `false` with NAT', 'Interface endpoints for `ecr.api`, `ecr.dkr`, `ec2`, `sts` (private DNS on, TCP 443 from the VPC only) and the S3 gateway endpoint on the private route tables. Required without NAT (nodes could not pull); optional with NAT, to keep image pulls off the NAT gateway (each interface endpoint is billed per AZ-hour, see below).'),
    Key('network.extra_endpoints', 'network', 'list of strings', '`[]`', 'More interface endpoints: `eks`, `eks-auth` (Pod Identity), `logs` (node agents shipping logs), `elasticloadbalancing`, `autoscaling`, `ssm`, `ssmmessages`, `ec2messages`, `kms`.'),
    Key('network.flow_log_retention_days', 'network', 'integer (a CloudWatch retention)', '`365`', 'How long VPC flow logs are kept (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653).'),
    Key('network.vpc_id', 'network', '`vpc-…`', '— (a new VPC)', 'An existing VPC instead: nothing is created, and its NAT or endpoints are its owner\'s (the program cannot check them).'),
    Key('network.private_subnet_ids', 'network', 'list of `subnet-…`', '—', 'With `vpc_id`: 2-16 private subnets in at least two zones for the cluster and nodes.'),
    Key('network.public_subnet_ids', 'network', 'list of `subnet-…`', '—', "With `vpc_id`: its public subnets (two zones or more), where an internet-facing `front_door` goes."),

    # cluster
    Key('cluster.name', 'cluster', 'string', 'PROJECT-STACK (the project and stack names)', 'The EKS cluster name (1-100 letters, digits, `-`, `_`); also names its log group `/aws/eks/NAME/cluster`.'),
    Key('cluster.version', 'cluster', 'string', '`1.35` (`DEFAULT_VERSION` in `components/eks/versions.py`: in standard support until 2027-03-27)', "A Kubernetes version EKS supports. A version in extended support only needs `upgrade_policy: EXTENDED`. At preview the live cluster's version is read: one minor version above it at most (EKS upgrades one at a time, and only once every managed node group runs the cluster's version), never below it. A change upgrades, in one `up`, the control plane, then the VPC CNI and kube-proxy add-ons, the node groups, and CoreDNS ([upgrading](upgrading.md))."),
    Key('cluster.upgrade_policy', 'cluster', '', '`STANDARD`', 'What happens when the version leaves standard support: STANDARD upgrades the control plane automatically; EXTENDED keeps it on extended support, billed about six times the standard hourly rate (pulumi-eks\'s own default is EXTENDED).', choices=UPGRADE_POLICIES),
    Key('cluster.admins', 'cluster', 'list of objects', '`[]`', 'IAM roles given access through EKS access entries (authentication mode API), one entry per role keyed by its name: reordering or removing one touches only its entry. The stack\'s CI roles get theirs from the program (deploy: cluster admin; preview: view); the identity that creates the cluster is made admin by EKS (`creator_arn`); the node role\'s entry is EKS\'s own.'),
    Key('cluster.creator_arn', 'cluster', 'IAM role or user ARN', '—', "The identity that runs the cluster's first `pulumi up`: EKS makes it cluster admin at creation (pulumi-eks always asks for that), outside the program's access entries. Stated here so the stack exports it and refuses it in `admins` (a principal has one access entry: a second fails with 409). docs/deploying.md says how to remove that implicit admin once the code-managed entries exist."),
    Key('cluster.admins[].role_arn', 'cluster.admins[]', 'IAM role ARN', '— (required)', 'The role (`arn:aws:iam::ACCOUNT:role/NAME`).'),
    Key('cluster.admins[].access', 'cluster.admins[]', '', '`cluster-admin`', 'The EKS access policy: `AmazonEKSClusterAdminPolicy` cluster-wide, or `AmazonEKSAdminPolicy`, `AmazonEKSEditPolicy`, `AmazonEKSViewPolicy` in `namespaces`.', choices=tuple(ACCESS_POLICIES)),
    Key('cluster.admins[].namespaces', 'cluster.admins[]', 'list of strings', '`[]`', 'Required for `admin`, `edit` and `view`; refused for `cluster-admin`.'),
    Key('cluster.public_access_cidrs', 'cluster', 'list of CIDRs', '`[]` (private endpoint only)', 'A public API endpoint for these public ranges only. The private endpoint is always on. `0.0.0.0/0` is refused: list office/VPN ranges, or reach the private endpoint from a network routed into the VPC (`cluster.operator_cidrs`). The machine running `pulumi up` must be able to reach an endpoint.'),
    Key('cluster.operator_cidrs', 'cluster', 'list of IPv4 CIDRs', '`[]` (the CI runners only)', 'Networks routed into the VPC — a VPN\'s client range, an office over Direct Connect or Transit Gateway, a bastion\'s subnet — admitted to the private API endpoint: TCP 443 on the cluster security group, one rule per range (the CI runners get theirs from the program). How an operator reaches a private-only cluster with it: [deploying](deploying.md#reaching-a-private-endpoint). Ranges that together cover the internet are refused. An identity still needs an access entry (`cluster.admins`).'),
    Key('cluster.secrets_key_arn', 'cluster', 'KMS key ARN', '— (a key is created)', 'A key of yours for Kubernetes secrets and the control-plane log group, in the stack\'s region and account. Otherwise the component creates one with rotation on and an explicit policy.'),
    Key('cluster.log_types', 'cluster', 'list of strings', '`[api, audit, authenticator]`', 'Control-plane logs: at least `api`, `audit`, `authenticator`; also `controllerManager`, `scheduler`.'),
    Key('cluster.log_retention_days', 'cluster', 'integer (a CloudWatch retention)', '`90`', 'Retention of `/aws/eks/NAME/cluster`, which the program creates (encrypted) before the cluster; EKS would otherwise create it with no expiry.'),
    Key('cluster.deletion_protection', 'cluster', 'boolean', 'top-level `protect`', "EKS deletion protection: EKS refuses to delete the cluster until it is turned off (an `up` with `false`). With `protect`, the cluster, its key and log group are also protected in Pulumi, and the pack's `eks-deletion-protection` (mandatory) refuses a protected cluster without it."),
    Key('cluster.zonal_shift', 'cluster', 'boolean', 'top-level `protect`', "Register the cluster with Amazon Application Recovery Controller zonal shift (EKS `zonalShiftConfig`): you, or zonal autoshift once you turn it on in ARC, can move the cluster's traffic away from an impaired availability zone. No charge. Set on the `aws.eks.Cluster` pulumi-eks creates through a transform (pulumi-eks 4.4 has no argument for it)."),
    Key('cluster.autoscaler', 'cluster', 'object', 'on', 'The Cluster Autoscaler on the managed node groups, below: it adds nodes while pods cannot be scheduled and removes unneeded ones, within each group\'s `min_size` and `max_size` (docs/scaling.md).'),
    Key('cluster.observability', 'cluster', 'object', 'on', "Metrics and logs in CloudWatch through the `amazon-cloudwatch-observability` EKS add-on, below (docs/scaling.md#where-to-look)."),
    Key('cluster.node_groups', 'cluster', 'list of objects', 'one group with the defaults below', 'The managed node groups, below; the first keeps the Pulumi name `nodes` unless it sets `name`. (The single-object `cluster.node_group` of earlier versions is refused with a pointer here.)'),

    # cluster.node_groups[]
    Key('cluster.node_groups[].name', 'cluster.node_groups[]', 'string', '`nodes`', 'The group\'s name: its Pulumi name and its node role\'s suffix (`CLUSTER-NAME`, at most 64 characters); lowercase letters, digits and `-`; unique. Renaming a group replaces it.'),
    Key('cluster.node_groups[].instance_types', 'cluster.node_groups[]', 'list of strings', '`[t3.large]`', 'EC2 instance types, one architecture (Graviton families such as `m7g`, `c6gn`, `t4g`, and `a1`, are arm64). Changing them replaces the node group (a new group is created before the old one goes).'),
    Key('cluster.node_groups[].ami_type', 'cluster.node_groups[]', '', '`AL2023_x86_64_STANDARD`', 'Must match the instance types\' architecture (a mismatch is a config error, not nodes that never become ready). Changing it replaces the node group.', choices=tuple(AMI_TYPES)),
    Key('cluster.node_groups[].capacity_type', 'cluster.node_groups[]', '', '`ON_DEMAND`', 'SPOT nodes can be reclaimed with two minutes\' notice.', choices=CAPACITY_TYPES),
    Key('cluster.node_groups[].min_size', 'cluster.node_groups[]', 'integer', '`2`', 'The fewest nodes: the Cluster Autoscaler never goes below it. min ≤ desired ≤ max (at most 450). Raising it above the nodes the group has now is refused by EKS (the desired size is the autoscaler\'s): see docs/scaling.md.'),
    Key('cluster.node_groups[].desired_size', 'cluster.node_groups[]', 'integer', '`2`', "Nodes to start with. After the group's creation the Cluster Autoscaler sets the desired size; a later change here is ignored (no perpetual diff)."),
    Key('cluster.node_groups[].max_size', 'cluster.node_groups[]', 'integer', '`3`', 'The most nodes the Cluster Autoscaler adds up to (the estimate prices both ends).'),
    Key('cluster.node_groups[].disk_size', 'cluster.node_groups[]', 'integer (GiB)', '`20`', 'Root volume (Bottlerocket: data volume), gp3 and encrypted, at least the AMI\'s own 20 GiB; set in the group\'s launch template (with IMDSv2 and a hop limit of 1), so a change is a new template version that EKS rolls out node by node (the group stays). What replaces the group instead: `name`, `instance_types`, `ami_type`, `capacity_type`; sizes, labels and taints change in place.'),
    Key('cluster.node_groups[].labels', 'cluster.node_groups[]', 'map of string → string', '`{}`', 'Kubernetes labels on every node.'),
    Key('cluster.node_groups[].taints', 'cluster.node_groups[]', 'list of objects', '`[]`', 'Taints on every node: `key`, optional `value`, `effect`.'),
    Key('cluster.node_groups[].taints[].key', 'cluster.node_groups[]', 'string', '— (required)', 'A Kubernetes taint key.'),
    Key('cluster.node_groups[].taints[].value', 'cluster.node_groups[]', 'string', '`""`', 'The taint\'s value.'),
    Key('cluster.node_groups[].taints[].effect', 'cluster.node_groups[]', '', '— (required)', 'The taint\'s effect.', choices=TAINT_EFFECTS),
    Key('cluster.node_groups[].ecr_policy', 'cluster.node_groups[]', '', '`AmazonEC2ContainerRegistryReadOnly`', 'The managed policy that lets nodes pull (the chapter\'s read-only one, or the narrower pull-only one). With pull-through caches the node role also gets the cache\'s puller statement.', choices=ECR_POLICIES),
    Key('cluster.node_groups[].version', 'cluster.node_groups[]', 'string', "the cluster's (`cluster.version`)", "The group's Kubernetes version. Without it the group follows the cluster: a `cluster.version` change moves its nodes in the same `up`, after the control plane. With it, at most the cluster's and at most one minor behind (to upgrade a group in a later `up`; EKS creates new groups at the cluster's version only, and upgrades the control plane only once every group matches it)."),
    Key('cluster.node_groups[].release_version', 'cluster.node_groups[]', 'string', 'the latest recommended, read at preview', "The EKS-optimised AMI release the nodes run: AL2023 `KUBERNETES.PATCH-YYYYMMDD` for the group's Kubernetes version (`1.35.4-20261205`), Bottlerocket `VERSION-COMMIT`. Without it, the latest recommended release is read at preview from the AMI's public SSM parameter (`/aws/service/eks/optimized-ami/VERSION/amazon-linux-2023/ARCH/standard/recommended/release_version`; Bottlerocket `/aws/service/bottlerocket/aws-k8s-VERSION/ARCH/latest/image_version`), so a new AWS release shows in the next preview. A change rolls the nodes `max_unavailable` at a time ([patching nodes](upgrading.md#patching-nodes))."),
    Key('cluster.node_groups[].max_unavailable', 'cluster.node_groups[]', 'integer', '`1`', "Nodes EKS replaces at a time when it updates the group (a version, an AMI release, a launch template change): 1-100, EKS's update config."),
    Key('cluster.node_groups[].node_repair', 'cluster.node_groups[]', 'boolean', '`true`', "EKS node auto repair: EKS replaces nodes that report unhealthy (the node monitoring agent's or kubelet's conditions). No charge."),
    # cluster.autoscaler
    Key('cluster.autoscaler.enabled', 'cluster.autoscaler', 'boolean', '`true`', "The Cluster Autoscaler runs in `kube-system`, with its own AWS role through EKS Pod Identity, allowed to change only the Auto Scaling groups tagged as this cluster's. `false`: the groups keep the size they have (the desired size stays ignored)."),
    Key('cluster.autoscaler.image', 'cluster.autoscaler', 'image reference', "the program's pin for `cluster.version` (1.35, 1.36)", "`registry.k8s.io/autoscaling/cluster-autoscaler:vX.Y.Z@sha256:…`, of the cluster's minor version (required for a version the program pins none for). With a pull-through cache rule for `k8s`, the pod pulls it through the cache, by the same digest."),
    # cluster.observability
    Key('cluster.observability.enabled', 'cluster.observability', 'boolean', '`true`', 'The `amazon-cloudwatch-observability` add-on: Container Insights (node, pod and container metrics) and the containers\' logs, with the agent\'s own AWS role through EKS Pod Identity.'),
    Key('cluster.observability.log_retention_days', 'cluster.observability', 'integer (a CloudWatch retention)', '`30`', 'Retention of `/aws/containerinsights/CLUSTER/{application,dataplane,host,performance}`, which the program creates with the cluster\'s key before the add-on.'),
    # workload
    Key('workload.repository', 'workload', 'string', '— (required)', 'The repository (of `repositories`) the image is pushed to.'),
    Key('workload.name', 'workload', 'string', "the repository's last path part", 'The name of the service account, Deployment, PodDisruptionBudget and Service: a Kubernetes Service name (RFC 1035: a lowercase letter first). A repository whose name is not one (`1app`, `my_app`) needs it.'),
    Key('workload.node_group', 'workload', 'string', 'the first of `cluster.node_groups`', 'The node group the service runs on: the image is built for its architecture, its taints are tolerated, and (when set, or when the cluster has several groups) the pods are pinned to it with a node selector on `eks.amazonaws.com/nodegroup`.'),
    Key('workload.context', 'workload', 'path', '`app`', 'Build context, relative to the project directory.'),
    Key('workload.dockerfile', 'workload', 'path', 'the context\'s `Dockerfile`', 'Relative to the project directory (pulumi-docker reads it so, not relative to the context). Its last `USER` must be a numeric UID: the pods run as it.'),
    Key('workload.platform', 'workload', '', "the node group's architecture", 'One platform per image; it must match the nodes (a mismatch is a config error, not pods that crash with `exec format error`).', choices=PLATFORMS),
    Key('workload.build_args', 'workload', 'map of string → string', '`{}`', 'Docker build arguments (part of the image tag).'),
    Key('workload.target', 'workload', 'string', 'the last stage', 'A Dockerfile stage to build (part of the image tag).'),
    Key('workload.namespace', 'workload', 'string', 'the repository name', 'The namespace, labelled to enforce the Pod Security Standard `restricted`. Not `kube-system`, `kube-public`, `kube-node-lease` or `default` (their system pods would be refused).'),
    Key('workload.min_replicas', 'workload', 'integer', '`2`', 'The fewest pods (1-100): the HorizontalPodAutoscaler never goes below it, and the Deployment is created with it. It must be above `min_available`, so a node can always drain. (The fixed `replicas` of earlier versions is refused with a pointer here.)'),
    Key('workload.max_replicas', 'workload', 'integer', '`6`', 'The most pods the HorizontalPodAutoscaler makes (`min_replicas`-100), at least `min_available`. Nodes for them come from the Cluster Autoscaler, up to each node group\'s `max_size`.'),
    Key('workload.cpu_target', 'workload', 'integer', '`70`', "The pods' average CPU use the HorizontalPodAutoscaler aims at, in percent of `cpu_request` (1-100); metrics-server measures it every 15 s."),
    Key('workload.min_available', 'workload', 'integer', '`min_replicas` − 1', 'Pods the PodDisruptionBudget keeps through evictions (node drains, the Cluster Autoscaler\'s scale-down, node updates); `0`: no budget. Below `min_replicas`, at most `max_replicas`.'),
    Key('workload.container_port', 'workload', 'integer', "the image's port", "The port the image's command listens on. The Dockerfile states it (its `EXPOSE` and the command's `--port` must agree); a different value here is refused rather than a Deployment probing a port nothing listens on."),
    Key('workload.service_port', 'workload', 'integer', '`80`', "The Service's port inside the cluster (`kubectl port-forward svc/NAME 8080:PORT`)."),
    Key('workload.readiness_path', 'workload', 'HTTP path', '`/readyz`', 'The readiness probe (on the container port): a pod gets traffic only while it answers 2xx.'),
    Key('workload.liveness_path', 'workload', 'HTTP path', '`/healthz`', 'The liveness probe: a container that stops answering is restarted.'),
    Key('workload.cpu_request', 'workload', 'CPU quantity', '`100m`', 'Requested CPU (no CPU limit: throttling would only slow the service).'),
    Key('workload.memory_request', 'workload', 'memory quantity', '`128Mi`', 'Requested memory.'),
    Key('workload.memory_limit', 'workload', 'memory quantity', '`256Mi`', 'Memory limit, at least the request.'),
    Key('workload.node_port', 'workload', 'integer', '`32410`', "The chapter's NodePort; 30000-32767. A fixed port in the upper band can collide with one Kubernetes allocated dynamically (`provided port is already allocated`): pick another if so."),
    Key('workload.prestop_seconds', 'workload', 'integer', '`15`', "The preStop pause (1-300), the kubelet's own `sleep` handler (Kubernetes 1.30+): a terminating pod keeps serving while its endpoint's removal reaches every node, and gets SIGTERM only after it. `docs/deploying.md` has what a rollout costs with it."),
    Key('workload.termination_grace_seconds', 'workload', 'integer', '`30`', "From the start of a pod's termination to SIGKILL. Above the pause plus the server's drain (granian's `--workers-kill-timeout` in the Dockerfile's CMD, which must be set); anything less is refused."),
    Key('workload.scan_gate', 'workload', 'object', '`HIGH`, 10 minutes, nothing allowed', "The scan gate, below: during `pulumi up`, before the Deployment runs a new image, the registry's scan of that digest must finish and pass. Always on for a workload (the policy pack requires it); `max_severity: none` makes it wait without stopping anything."),
    # workload.scan_gate
    Key('workload.scan_gate.max_severity', 'workload.scan_gate', '', '`HIGH`', 'A finding at this severity or above stops the rollout, unless it is allowed (`allow`). `none`: no finding does; the gate still waits for the scan. A finding the scanner has not rated yet (`UNDEFINED`, `UNTRIAGED`) counts as at every threshold but `none`.', choices=THRESHOLDS),
    Key('workload.scan_gate.timeout_minutes', 'workload.scan_gate', 'integer', '`10`', f"How long `pulumi up` waits for the scan (1-{MAX_TIMEOUT_MINUTES}); then it stops with the last status, and the next `up` waits again. Basic scans usually finish in a minute or two; Inspector's first scan of an image can take longer."),
    Key('workload.scan_gate.allow', 'workload.scan_gate', 'list of objects', '`[]`', 'Findings accepted for a while, below. An entry past its date no longer counts (the preview warns; a stopped rollout names it).'),
    # workload.scan_gate.allow[]
    Key('workload.scan_gate.allow[].id', 'workload.scan_gate.allow[]', 'string', '— (required)', 'The vulnerability ID as the scan names it (`CVE-2024-1234`, `GHSA-…`); matched without regard to case.'),
    Key('workload.scan_gate.allow[].expires', 'workload.scan_gate.allow[]', 'date `YYYY-MM-DD`', '— (required)', 'The last day (UTC) the entry counts; quote it in YAML (`"2027-01-31"`).'),
    Key('workload.scan_gate.allow[].reason', 'workload.scan_gate.allow[]', 'string', '— (required)', 'Why the finding is acceptable until then (a ticket, the fix awaited).'),
    # front_door
    Key('front_door.scheme', 'front_door', '', '— (required)', '`internet-facing`: the load balancer in the public subnets, with public addresses. `internal`: in the private subnets, reached from the VPC and networks routed to it (VPN, peering).', choices=SCHEMES),
    Key('front_door.certificate', 'front_door', '`create` | `none` | ACM certificate ARN', '— (required)', "`create`: an ACM certificate for `hostname`, DNS-validated in `zone` (the listener waits for it to be issued). An ARN: a certificate of the stack's region and account. `none`: HTTP only, for an internal load balancer (an internet-facing one without TLS is refused); the pack's advisory `lb-tls-listeners` names it. Never a silent default: a stack says which."),
    Key('front_door.client_cidrs', 'front_door', 'list of CIDRs', '— (required unless `public`)', 'Who may connect: ingress on 443 (and 80, which only redirects) of the load balancer\'s security group. Ranges that together cover the internet need `public: true`.'),
    Key('front_door.public', 'front_door', 'boolean', '`false`', 'The service is for everyone: the load balancer admits `0.0.0.0/0` (internet-facing only). The pack accepts internet ingress on a load balancer\'s 80/443 and nowhere else.'),
    Key('front_door.hostname', 'front_door', 'DNS name', '—', "The service's name: the certificate's (with `certificate: create`) and an alias record's (with `zone`). Without it the URL is the load balancer's DNS name."),
    Key('front_door.zone', 'front_door', 'hosted zone name', '—', 'A Route 53 hosted zone of the stack\'s account (`example.com`): `hostname` gets an alias record to the load balancer in it, and the certificate\'s validation record. `hostname` must be in it.'),
    Key('front_door.private_zone', 'front_door', 'boolean', '`false`', '`zone` is a private hosted zone. An internal load balancer needs one: a public zone would publish its private addresses.'),
    Key('front_door.tls_policy', 'front_door', '', '`ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09`', "The HTTPS listener's security policy: TLS 1.3 policies only (the API's own default is 2016-08).", choices=TLS_POLICIES),
    Key('front_door.deletion_protection', 'front_door', 'boolean', 'top-level `protect`', 'The load balancer refuses deletion (turn it off before `pulumi destroy`).'),
    Key('front_door.access_logs', 'front_door', 'boolean', 'top-level `protect`', 'Access logs to an SSE-S3 bucket (ALB logs support no KMS key): private, owner-enforced, TLS-only, versioned, with a lifecycle. Kept on `pulumi destroy` with its settings, like the registry\'s images.'),
    Key('front_door.access_log_retention_days', 'front_door', 'integer', '`90`', 'Days the bucket keeps access logs (1-3653; an S3 lifecycle expiration).'),
    Key('front_door.waf', 'front_door', 'boolean', 'top-level `protect`', 'A WAF web ACL on the load balancer with AWS managed rule groups (core rule set, known bad inputs, IP reputation).'),
    Key('front_door.deregistration_delay', 'front_door', 'integer', '`30`', "Seconds a node leaving the target group keeps its open requests (0-3600); at least the workload's `prestop_seconds` plus its server's drain."),
    Key('front_door.idle_timeout', 'front_door', 'integer', '`50`', "Seconds the load balancer keeps an idle connection (1-4000; the ALB's default is 60). Below the time the service's server keeps one (granian's `--http1-header-read-timeout` in the Dockerfile's CMD: 60 s as shipped, 30 s by default), else the load balancer may reuse a connection the server is closing and answer 502."),
    # delivery
    Key('delivery.github_repository', 'delivery', '`OWNER/REPO`', '— (required)', "The repository whose workflows may assume the roles, as GitHub names it (`gh repo view --json nameWithOwner -q .nameWithOwner`): a URL, an SSH remote or a `.git` suffix is refused. The roles trust it in GitHub's OIDC subject, which IAM compares case-sensitively, so every workflow first checks it against GitHub's own spelling (`tools/stacks.py repository`)."),
    Key('delivery.environment', 'delivery', 'string', 'the stack name', "The GitHub environment this stack's deploy job runs in: the deploy role trusts the deploy workflow on the default branch in this environment only (give it required reviewers and the default branch as its only deployment branch). One name, no wildcard."),
    Key('delivery.default_branch', 'delivery', 'string', '`main`', 'The branch name (not `refs/heads/…`, which is refused): the deploy workflow runs from it, and its drift and prod-preview jobs may assume the preview role.'),
    Key('delivery.oidc_provider_arn', 'delivery', 'IAM OIDC provider ARN', '— (created)', "The account's existing GitHub OIDC provider (an account has one per issuer): set it on the second stack in an account."),
    Key('delivery.owner_id', 'delivery', 'integer', '—', "The repository owner's numeric ID (`gh api repos/OWNER/REPO --jq .owner.id`): with `repository_id`, the roles trust GitHub's immutable subject form `repo:OWNER@OWNER_ID/REPO@REPO_ID:…`, which repositories created (or renamed) since GitHub's switch send. Without them, the name form."),
    Key('delivery.repository_id', 'delivery', 'integer', '—', 'The repository\'s numeric ID (`gh api repos/OWNER/REPO --jq .id`), with `owner_id`.'),
    Key('delivery.deploy_policy_arns', 'delivery', 'list of policy ARNs', '`[]`', 'More managed policies for the deploy role, on top of its own (the catalog\'s actions on the stack\'s own resources: docs/permissions.md); with those, at most IAM\'s 10 per role. Still under the boundary: no role without it, no boundary edits, not the delivery roles. AWS-managed or the stack\'s own account\'s, in its partition.'),
    Key('delivery.runners', 'delivery', 'object', 'CodeBuild runners in the VPC when the stack has a cluster, else GitHub-hosted', "Where the jobs that talk to the cluster's API run (deploy, drift, the cloud preview), below."),
    Key('delivery.runners.mode', 'delivery.runners', '', '`codebuild` with a cluster', '`codebuild`: AWS CodeBuild-hosted runners created in the stack\'s private subnets (they reach the private endpoint; the VPC needs NAT for them to reach GitHub). `self-hosted`: runners of yours that reach the endpoint, by `labels`. `github-hosted`: for a stack without a cluster.', choices=RUNNER_MODES),
    Key('delivery.runners.architecture', 'delivery.runners', '', "the workload's node group's", 'The runners\' architecture: it must be the node group\'s, so images build natively (`ARM_CONTAINER` for Graviton).', choices=ARCHITECTURES),
    Key('delivery.runners.compute_type', 'delivery.runners', '', '`BUILD_GENERAL1_MEDIUM`', 'CodeBuild compute: SMALL 2 vCPU/4 GiB, MEDIUM 4/8, LARGE 8/16. Concurrent builds are limited per account, region and compute type (as low as 1 for ARM/LARGE): request more before relying on parallel jobs.', choices=COMPUTE_TYPES),
    Key('delivery.runners.connection_arn', 'delivery.runners', 'CodeConnections ARN', '— (created, PENDING)', "An existing GitHub connection in the stack's region and account. Each run reads its status (by ARN) and declares the CodeBuild project and its webhook only when it is AVAILABLE (a warning says what to approve, and where, otherwise). Without it the stack creates a connection (kept if the stack stops declaring it), which stays PENDING until someone approves it in the console (Developer Tools → Settings → Connections): approve it, set this key to its ARN (the stack output `delivery.runners.connection_arn`), and `up` again — that run adds the project and webhook. Until then `tools/stacks.py` gives the stack's cloud jobs no runner (pull-request previews and drift are skipped with a notice, the deploy workflow stops)."),
    Key('delivery.runners.labels', 'delivery.runners', 'list of strings', '`[]`', 'With `self-hosted` (required there): the labels of your runners.'),
    Key('delivery.runners.log_retention_days', 'delivery.runners', 'integer (a CloudWatch retention)', '`90`', 'Retention of the runners\' build logs (`/aws/codebuild/PROJECT`, encrypted with the cluster\'s key).'),
    Key('delivery.runners.build_timeout_minutes', 'delivery.runners', 'integer', '`240`', "The longest one job may run on a runner (5-2160): above every job's `timeout-minutes` in the workflows (the deploy jobs': 225, sized for a cluster upgrade, docs/delivery.md#how-long-a-job-may-take)."),
    Key('delivery.runners.pull_requests', 'delivery.runners', 'boolean', '`true`', "Pull requests' cloud previews run on this stack's runner. `false`: only the default branch's deploy and drift jobs do — the webhook starts runners for those two workflows only, `tools/stacks.py` gives pull requests no label for the stack (their preview is skipped with a notice), and `actor_ids` is required. Prod ships with `false`: its preview is the one its reviewers approve in the deploy workflow."),
    Key('delivery.runners.actor_ids', 'delivery.runners', 'list of integers', '`[]`', "GitHub account IDs (`gh api users/LOGIN --jq .id`) whose queued jobs start a runner: the webhook's `ACTOR_ACCOUNT_ID` filter, the one filter of a workflow-job event a pushed workflow cannot set itself (its `runs-on` label and workflow name it can). List who merges to the default branch, approves the environment and dispatches drift. Required with `pull_requests: false`."),
    # cost
    Key('cost.image_size_mb', 'cost', 'number', '`150`', 'Compressed size of one pushed image (the service\'s is about 60 MB; typical services 100-500 MB). ECR stores each image\'s layers once per repository; the estimate does not credit layers shared between images.'),
    Key('cost.pushes_per_day', 'cost', 'number', '`5`', 'Images pushed per repository per day (CI builds and releases).'),
    Key('cost.untagged_fraction', 'cost', 'fraction (0-1)', '`0.2`', 'Share of pushes that end up untagged (rebuilds, manifest lists), kept as long as the untagged rule says.'),
    Key('cost.days_without_lifecycle', 'cost', 'number', '`365`', 'How many days of pushes a repository without a lifecycle rule for them is assumed to hold (it keeps everything, for ever).'),
    Key('cost.cached_gb', 'cost', 'number', '`2`', 'GB of images held per pull-through cache rule.'),
    Key('cost.nat_gb_per_month', 'cost', 'number', '`100`', 'GB through the NAT gateways a month (all of them together).'),
    Key('cost.endpoint_gb_per_month', 'cost', 'number', '`50`', 'GB through the interface endpoints a month (image pulls, AWS API calls).'),
    Key('cost.control_plane_log_gb_per_month', 'cost', 'number', '`5`', 'GB of EKS control-plane logs a month (audit logs dominate).'),
    Key('cost.flow_log_gb_per_month', 'cost', 'number', '`5`', 'GB of VPC flow logs a month.'),
    Key('cost.spot_discount', 'cost', 'fraction (0-1)', '`0.6`', 'How much below on-demand SPOT nodes are assumed to run (Spot prices move; 60-70 % off is common).'),
    Key('cost.rescans_per_image_month', 'cost', 'number', '`4`', 'Amazon Inspector rescans per image held a month under enhanced CONTINUOUS_SCAN (one each time a CVE affecting a package in it is published; busy base images see several a month).'),
    Key('cost.key_age_days', 'cost', 'number', '`730`', 'Age of the KMS keys the estimate assumes. Each automatic rotation (every 365 days unless the key says otherwise) adds $1 a key-month, for the first two rotations; the default prices the keys as they are billed from their second year on.'),
    Key('cost.lb_lcus', 'cost', 'number', '`1`', "Average Load Balancer Capacity Units the front door uses each hour (one LCU: 25 new connections/s, 3,000 active connections, 1 GB/h of traffic, or 1,000 rule evaluations/s, whichever is highest)."),
    Key('cost.requests_millions_per_month', 'cost', 'number', '`10`', 'Millions of requests a month through the front door (what a WAF web ACL bills per request).'),
    Key('cost.container_insights_observations_per_node_month', 'cost', 'number', '`20000000`', "Container Insights observations (metric data points) a month per node, with its pods and containers: what the observability add-on is billed by (an assumption: about 450 series a minute per node)."),
    Key('cost.container_log_gb_per_month', 'cost', 'number', '`5`', "GB of container logs (the service's structured logs among them) Fluent Bit sends a month."),
    Key('cost.runner_minutes_per_month', 'cost', 'number', '`1500`', "Build minutes a month on the stack's CodeBuild runners (every pull-request preview, deploy and drift job runs on one; about 50 a day)."),
    Key('cost.access_log_gb_per_month', 'cost', 'number', '`5`', "GB of load-balancer access logs written a month (stored for `front_door.access_log_retention_days`)."),
    Key('cost.workload_pushes_per_day', 'cost', 'number', '`2`', "Images `pulumi up` pushes a day to the workload's repository under its content tag (`sha-` and 16 hex digits): a push per code change. The repository's rules must select them, or they are never expired (the estimate says so)."),
    Key('cost.tag_mix', 'cost', 'map of image tag → share', '`{v1.2.3: 1}`', "Sample tags of a repository's tagged pushes (CI builds, releases) and their shares, adding up to 1: each goes to the first lifecycle rule that selects it, as ECR evaluates rules, and a tag no rule selects is never expired (named in the estimate). For example `{v1.2.3: 0.2, build-42: 0.8}`."),
)

# Which spec holds each key's value (and so its one default): the key's parent object → the spec
# class, and the keys whose field is named otherwise. ``tests/config/test_schema.py`` compares
# every default shown above with the spec's own.
SPEC_OF: dict[str, type] = {
    "encryption": RegistryEncryption, "repositories[]": EcrRepositorySpec, "scanning": RegistryScanningSpec,
    "network": EksNetworkSpec, "cluster": EksClusterSpec, "cluster.admins[]": ClusterAdmin,
    "cluster.node_groups[]": NodeGroupSpec, "cluster.node_groups[].taints[]": Taint,
    "cluster.autoscaler": ClusterAutoscalerSpec, "cluster.observability": ClusterObservabilitySpec,
    "delivery": GithubActionsRolesSpec, "delivery.runners": RunnerSpec, "front_door": FrontDoorSpec,
    "workload.scan_gate": ScanGateSpec, "workload.scan_gate.allow[]": Allowance,
}
IMAGE_KEYS = ("context", "dockerfile", "platform", "build_args", "target")
FIELD_OF: dict[str, str] = {
    "repositories[].lifecycle": "lifecycle_rules", "scanning.type": "scan_type",
    "delivery.github_repository": "repository", "delivery.oidc_provider_arn": "existing_provider_arn",
}


def spec_field(path: str) -> tuple[type, str] | None:
    """The spec class and field a key is read into, or None (other namespaces, plain sub-objects)."""
    k = _BY_PATH[path]
    if path == "delivery.runners":
        return None  # read into its own spec (below), not a field of the roles'
    if k.name == "enabled" and k.parent in ("cluster.autoscaler", "cluster.observability"):
        return None  # whether the spec exists at all
    if path in ("cluster.node_groups", "cluster.autoscaler", "cluster.observability", "workload.repository",
                "workload.scan_gate"):
        if path.startswith("cluster."):
            return KubernetesConfig, path.rsplit(".", 1)[1]
        return WorkloadConfig, path.rsplit(".", 1)[1]
    if k.parent == "workload":
        return (ImageSpec if k.name in IMAGE_KEYS else WorkloadSpec), k.name
    if k.parent == "cost":
        return CostAssumptions, k.name
    spec = SPEC_OF.get(k.parent)
    return (spec, FIELD_OF.get(path, k.name)) if spec is not None else None


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
        lines.append(f"| `{k.path}` | {_cell(k.type_shown)} | {k.default} | {k.description} |")
    return "\n".join(lines)
