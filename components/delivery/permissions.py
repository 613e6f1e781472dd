"""What the CI roles may do in AWS: derived from the catalog of AWS types (``shared/catalog.py``:
every action each type's operations call, from the providers' source) and confined to the stack's
own resources by the permissions boundary (``shared/boundary.py``, from ``shared/scope.py``).

* The **deploy role** (``pulumi up`` from the deploy workflow) gets every action of every
  operation of every type the program can create, and of every provider function it calls; writes
  in the stack's regions; IAM only on the roles under the stack's path, created with the stack's
  boundary; roles passed only to the platform's services; reads of image contents only in the
  stack's repositories (to push). The boundary then denies every write outside the stack's own
  resources, for the deploy role and for every role it creates.
* The **preview role** (``pulumi preview`` of pull requests and prod's approval, the drift check's
  ``--refresh``) gets the read actions (of reads and of provider functions) and an explicit deny on
  every read of data rather than metadata; in a replication destination it assumes only the
  read-only role.

Policy size: the deploy role's statements go in managed policies of at most 6,144 characters each
(``deploy_policy_split``; IAM attaches 10 to a role by default), the preview role's in one inline
policy (a role's inline policies: 10,240 in all). Read actions are listed as
``service:Describe*``/``service:List*`` where AWS's IAM data shows every action that wildcard
matches is a read of metadata (never one of ``catalog.data_reads()``); everything else is listed exactly.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Sequence

from ..shared import catalog
from ..shared.iam import Statement, document, policy
from ..shared.scope import PlatformScope

# Services whose actions are global (requests name us-east-1): not limited by the stack's region.
GLOBAL = ("iam", "sts", "route53")
# IAM role writes that IAM guards with the iam:PermissionsBoundary condition key.
BOUNDED_ROLE_WRITES = ("iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy",
                       "iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy")
SPECIAL = ("iam:PassRole", "iam:CreateServiceLinkedRole", "sts:AssumeRole")
is_read = catalog.is_read


def catalog_actions(operations: Sequence[str], tokens: Iterable[str] | None = None, admin: bool = True) -> list[str]:
    """Every action the catalog names for these operations (of these types; default all; without
    the administrator's types unless ``admin``)."""
    types = catalog.load().values() if tokens is None else catalog.expand(tokens)
    return sorted({a for t in types if admin or not t.admin for a in t.actions(*operations)})


def compress(actions: Iterable[str]) -> list[str]:
    """``service:Describe*`` / ``service:List*`` in place of a service's reads when every action AWS
    knows under that wildcard is a metadata read (the catalog's ``metadata_wildcards``)."""
    wildcards = catalog.metadata_wildcards()
    out: set[str] = set()
    for action in set(actions):
        covering = [w for w in wildcards if fnmatch.fnmatchcase(action, w)]
        out.add(covering[0] if covering else action)
    return sorted(out)


def _split(actions: Iterable[str]) -> tuple[list[str], list[str]]:
    regional: list[str] = []
    global_: list[str] = []
    for action in actions:
        (global_ if action.split(":", 1)[0] in GLOBAL else regional).append(action)
    return regional, global_


def _regions(scope: PlatformScope) -> dict:
    return {"StringEquals": {"aws:RequestedRegion": sorted(set(scope.regions))}}


def read_statements(scope: PlatformScope) -> list[Statement]:
    """Metadata reads of every type and provider function: the regional ones in the stack's regions."""
    reads = [a for a in catalog_actions(catalog.OPERATIONS) if is_read(a) and a not in catalog.data_reads()]
    regional, global_ = _split(reads)
    statements = [Statement("MetadataReadsInTheStacksRegions", actions=compress(regional), conditions=_regions(scope)),
                  Statement("GlobalMetadataReads", actions=compress(global_))]
    parameters = [a for a in catalog_actions(catalog.OPERATIONS) if a.startswith("ssm:GetParameter")]
    if parameters:
        statements.append(Statement("AwsPublicParameters", actions=parameters,
                                    resources=catalog.public_parameters(scope.partition, scope.regions)))
    return statements


def deploy_statements(scope: PlatformScope, account: str) -> list[Statement]:
    """The deploy role's statements (see the module's docstring)."""
    writes = [a for a in catalog_actions(catalog.OPERATIONS, admin=False)
              if not is_read(a) and a not in SPECIAL]
    iam_writes = [a for a in writes if a.startswith("iam:")]
    role_writes = sorted(a for a in iam_writes if catalog.resource_types(a) == ("role",))
    oidc_writes = sorted(a for a in iam_writes if catalog.resource_types(a) == ("oidc-provider",))
    # A role is removed from its instance profiles before it is deleted (EKS's own node profiles):
    # IAM authorises that on the profile, which is EKS's, not the stack's.
    profile_writes = sorted(a for a in iam_writes if catalog.resource_types(a) == ("instance-profile",))
    other_iam = sorted(set(iam_writes) - {*role_writes, *oidc_writes, *profile_writes})
    if other_iam:
        raise ValueError(f"IAM writes the deploy role has no statement for: {other_iam}")
    iam_role_writes = role_writes
    dns_writes = sorted(a for a in writes if a.startswith("route53:"))
    regional = sorted(a for a in writes if a.split(":", 1)[0] not in GLOBAL)
    data_reads = sorted(a for a in catalog_actions(catalog.OPERATIONS) if a in catalog.data_reads())
    roles = scope.role_arns(account)
    statements = [
        *read_statements(scope),
        Statement("WritesInTheStacksRegions", actions=regional, conditions=_regions(scope)),
        Statement("RoleWritesWithTheBoundary", actions=[a for a in iam_role_writes if a in BOUNDED_ROLE_WRITES],
                  resources=roles,
                  conditions={"ArnEquals": {"iam:PermissionsBoundary": scope.boundary_arn(account)}}),
        Statement("OtherWritesOfTheStacksRoles", actions=[a for a in iam_role_writes if a not in BOUNDED_ROLE_WRITES],
                  resources=roles),
        Statement("PassTheStacksRolesToThePlatformsServices", actions=["iam:PassRole"], resources=roles,
                  conditions={"StringEquals": {"iam:PassedToService": sorted(scope.passed_to)}}),
        Statement("ServiceLinkedRolesOfThePlatformsServices", actions=["iam:CreateServiceLinkedRole"],
                  resources=[f"arn:{scope.partition}:iam::{account}:role/aws-service-role/*"],
                  conditions={"StringEquals": {"iam:AWSServiceName": sorted(scope.service_linked)}}),
    ]
    if oidc_writes:
        statements.append(Statement("TheClustersOidcProvider", actions=oidc_writes,
                                    resources=scope.oidc_provider_arns(account)))
    if profile_writes:
        statements.append(Statement("RolesOutOfInstanceProfiles", actions=profile_writes,
                                    resources=[f"arn:{scope.partition}:iam::{account}:instance-profile/*"]))
    if dns_writes and scope.record_names:
        statements.append(Statement(
            "TheStacksDnsRecords", actions=dns_writes,
            resources=[f"arn:{scope.partition}:route53:::hostedzone/*"],
            conditions={"ForAllValues:StringLike": {
                "route53:ChangeResourceRecordSetsNormalizedRecordNames": scope.record_patterns()}}))
    pushed = [a for a in data_reads if a.startswith("ecr:")]
    data_reads = [a for a in data_reads if not a.startswith("ssm:")]  # AWS's public parameters: read_statements
    if pushed and scope.repositories:
        statements.append(Statement("PushToTheStacksRepositories", actions=pushed,
                                    resources=scope.repository_arns(account)))
    if scope.assume_roles:
        statements.append(Statement("TheReplicationDestinationsRoles", actions=["sts:AssumeRole"],
                                    resources=sorted(scope.assume_roles)))
    return statements


def preview_statements(scope: PlatformScope) -> list[Statement]:
    """The preview role's statements: metadata reads, no data, read-only roles elsewhere."""
    ssm = [a for a in catalog.data_reads() if a.startswith("ssm:")]
    statements = [*read_statements(scope),
                  Statement("NoDataReads", effect="Deny", actions=[a for a in catalog.data_reads() if a not in ssm]),
                  Statement("NoParametersButAwsPublicOnes", effect="Deny", actions=ssm,
                            not_resources=catalog.public_parameters(scope.partition, scope.regions))]
    if scope.preview_assume_roles:
        statements.append(Statement("TheDestinationsReadOnlyRoles", actions=["sts:AssumeRole"],
                                    resources=sorted(scope.preview_assume_roles)))
    return statements


# IAM: a managed policy holds at most 6,144 characters (whitespace not counted).
MANAGED_POLICY_LIMIT = 6_144
_ANY_ACCOUNT = "000000000000"  # ARNs are as long for every account: the split is the same


def _size(statements: Sequence[Statement]) -> int:
    return len(json.dumps(policy(statements), separators=(",", ":")))


def deploy_policy_split(scope: PlatformScope) -> list[list[int]]:
    """The deploy role's statements, in groups that each fit a managed policy: the role gets one
    managed policy a group (a role's inline policies are limited to 10,240 characters in all, its
    managed policies to 10 of 6,144 each). Known before the account is: resources are created from it."""
    statements = deploy_statements(scope, _ANY_ACCOUNT)
    groups: list[list[int]] = [[]]
    for i in range(len(statements)):
        candidate = [*groups[-1], i]
        if groups[-1] and _size([statements[j] for j in candidate]) > MANAGED_POLICY_LIMIT:
            groups.append([i])
        else:
            groups[-1] = candidate
    for group in groups:
        if _size([statements[j] for j in group]) > MANAGED_POLICY_LIMIT:
            raise ValueError(f"the deploy role's statement {statements[group[0]].sid} alone is over IAM's "
                             f"{MANAGED_POLICY_LIMIT} characters: split it")
    return groups


def deploy_policy_documents(scope: PlatformScope, account: str) -> list[str]:
    """The deploy role's managed policies (``deploy_policy_split``'s groups)."""
    statements = deploy_statements(scope, account)
    return [document([statements[i] for i in group]) for group in deploy_policy_split(scope)]


def preview_policy_document(scope: PlatformScope) -> str:
    return document(preview_statements(scope))
