"""The policies of the container platform's pack, gathered from their families (importable and
testable on their own; the pack's ``__main__.py`` serves them).

Policies see the engine's camelCase property map. A value that is unknown during preview is
never a violation on its own: the resource (or the one property) is skipped (``support.py``).
Importing a family module registers its policies (``support.REGISTRY``); ``docs/policies.md``
lists each with its kind and level, generated from the same entries.
"""

from __future__ import annotations

import lb_policies
from lb_policies import lb_drop_invalid_headers, lb_https_listeners, lb_tls_listeners, lb_tls_policy  # noqa: F401
from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy  # noqa: F401

import ecr_policies
import eks_policies
import iam_policies
import kubernetes_policies
import network_policies
import supply_chain_policies
from ecr_policies import (  # noqa: F401 (the pack's API, used by tests and tools)
    _filter_covers,
    ecr_immutable_tags,
    ecr_kms_encryption,
    ecr_lifecycle_policy,
    ecr_no_public_principal,
    ecr_scan_on_push,
    ecr_template_scan_on_push,
    public_statements,
)
from eks_policies import (  # noqa: F401
    PULL_POLICIES,
    eks_control_plane_logging,
    eks_deletion_protection,
    eks_no_open_public_endpoint,
    eks_node_role_can_pull,
    eks_secrets_encryption,
)
from iam_policies import (  # noqa: F401
    iam_no_administrator_access,
    iam_no_full_admin,
    iam_passrole_scoped,
    iam_trust_narrowed,
)
from kubernetes_policies import k8s_image_from_ecr, k8s_no_latest_tag, k8s_pod_security  # noqa: F401
from network_policies import network_no_internet_ingress, network_public_web_ingress  # noqa: F401
from supply_chain_policies import k8s_admission_pinned_images, k8s_scan_gate_before_rollout  # noqa: F401
from support import (  # noqa: F401
    AWS_CLUSTER,
    AWS_NODE_GROUP,
    EKS_CLUSTER,
    LIFECYCLE,
    MANAGED_NODE_GROUP,
    PACK_NAME,
    POD,
    POD_WORKLOADS,
    REGISTRY,
    REGISTRY_POLICY,
    REPOSITORY,
    REPOSITORY_POLICY,
    ROLE,
    ROLE_POLICY_ATTACHMENT,
    SCAN_GATE,
    SCANNING,
    TEMPLATE,
    VALIDATING_ADMISSION_POLICY,
    VALIDATING_ADMISSION_POLICY_BINDING,
    WORKLOADS,
    policies,
)

# The order the pack lists its policies in: by family, each in declaration order.
FAMILIES = (ecr_policies, kubernetes_policies, supply_chain_policies, eks_policies, iam_policies, network_policies,
            lb_policies)
POLICIES = policies([family.__name__ for family in FAMILIES])
