"""How long the delivery workflows' jobs may take, and the credentials that must outlast them.

A credential that expires in the middle of ``pulumi up`` leaves the stack locked and half-applied;
so every duration the deploy jobs depend on is sized for the longest update the stack can make — a
Kubernetes minor upgrade (docs/upgrading.md) — from the providers' own wait limits:

* the control plane: Terraform's ``aws_eks_cluster`` waits up to 60 minutes for an update
  (terraform-provider-aws ``internal/service/eks/cluster.go``, ``Timeouts.Update``);
* the add-ons that follow it (VPC CNI, kube-proxy): 20 minutes (``addon.go``, ``Timeouts.Update``);
* the node groups, in parallel: 60 minutes each (``node_group.go``, ``Timeouts.Update``);
* CoreDNS after the nodes: 20 minutes (``addon.go``);
* the workload: the scan gate's longest wait (``components/supply_chain/findings.py``
  ``MAX_TIMEOUT_MINUTES``) and the Deployment's rollout, which pulumi-kubernetes awaits 10 minutes
  by default (its ``customTimeouts`` are not set by the program);
* the job around it: installing the virtualenvs, the CLI and plugins, the preview ``up`` runs first,
  the plan check, and the image's build: ``SETUP_MINUTES``.

The chain is sequential (each waits for the previous), so the sum bounds an upgrade ``up``. The
numbers are the providers' limits, not measurements; a step that would run longer fails on its own
timeout first.
"""

from __future__ import annotations

from ..supply_chain.findings import MAX_TIMEOUT_MINUTES

CLUSTER_UPDATE_MINUTES = 60
ADDON_UPDATE_MINUTES = 20
NODE_GROUP_UPDATE_MINUTES = 60
COREDNS_UPDATE_MINUTES = 20
ROLLOUT_MINUTES = 10
SETUP_MINUTES = 30


def longest_update_minutes() -> int:
    """The longest ``up`` of a stack with a cluster and a workload: a cluster upgrade."""
    return (CLUSTER_UPDATE_MINUTES + ADDON_UPDATE_MINUTES + NODE_GROUP_UPDATE_MINUTES + COREDNS_UPDATE_MINUTES
            + MAX_TIMEOUT_MINUTES + ROLLOUT_MINUTES + SETUP_MINUTES)


# The deploy jobs' `timeout-minutes` (.github/workflows/deploy.yml): the longest update, rounded up.
DEPLOY_JOB_MINUTES = 225
# The deploy role's session, the session the jobs request (`role-duration-seconds`) and the Pulumi
# token's expiry: past the job's timeout, counted from the credentials step, a few minutes in.
DEPLOY_SESSION_SECONDS = 4 * 3600
# Previews and the drift check: minutes, not hours; an hour's session and token.
PREVIEW_JOB_MINUTES = 60
PREVIEW_SESSION_SECONDS = 3600
