"""The policies of the container platform's pack, gathered from their families (importable and
testable on their own; the pack's ``__main__.py`` serves them).

Policies see the engine's camelCase property map. A value that is unknown during preview is
never a violation on its own: the resource (or the one property) is skipped (``support.py``).

Mandatory resource policies (the engine refuses the resource before creating it, in ``preview``
and ``up``): ``ecr-scan-on-push``, ``ecr-immutable-tags``, ``ecr-no-public-principal``,
``eks-no-open-public-endpoint``.
Mandatory stack policy (runs once after every resource is registered; in ``up`` that is after
the changes were applied, so it detects rather than prevents): ``ecr-template-scan-on-push``.
Advisory (each level configurable): ``ecr-kms-encryption``, ``ecr-lifecycle-policy``,
``k8s-no-latest-tag``, ``k8s-image-from-ecr``, ``k8s-pod-security``, ``eks-node-role-can-pull``,
``eks-secrets-encryption``, ``eks-control-plane-logging``.
"""

from __future__ import annotations

from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy  # noqa: F401

import ecr_policies
import eks_policies
import kubernetes_policies
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
    eks_no_open_public_endpoint,
    eks_node_role_can_pull,
    eks_secrets_encryption,
)
from kubernetes_policies import k8s_image_from_ecr, k8s_no_latest_tag, k8s_pod_security  # noqa: F401
from support import (  # noqa: F401
    AWS_CLUSTER,
    AWS_NODE_GROUP,
    EKS_CLUSTER,
    LIFECYCLE,
    MANAGED_NODE_GROUP,
    PACK_NAME,
    POD,
    REGISTRY_POLICY,
    REPOSITORY,
    REPOSITORY_POLICY,
    ROLE,
    ROLE_POLICY_ATTACHMENT,
    SCANNING,
    TEMPLATE,
    WORKLOADS,
)

POLICIES = [*ecr_policies.POLICIES, *kubernetes_policies.POLICIES, *eks_policies.POLICIES]
