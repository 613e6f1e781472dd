"""Plausible provider answers for the stack's account and region, one module per family
(``aws``, ``eks``, ``kubernetes``, ``docker``), each registering its answers in the table of
``registry``. A type with no answer gets its inputs back under a stable ID."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi

from components.shared.regions import ALL_REGIONS, dns_suffix, partition_of
from tools import tokens as t

from . import aws, docker, dynamic, eks, kubernetes  # noqa: F401  (each registers its answers)
from .docker import DockerImages, ImageState
from .eks import EksWorld, EngineError, LiveCluster
from .registry import CALLS, CHILD_REF, Where, lookup

__all__ = ["CHILD_REF", "STATEFUL_CALLS", "STATEFUL_TYPES", "EngineError", "ImageState", "LiveCluster", "PlatformMocks", "Where"]


# Provider functions answered from the mocks' own state (what ECR holds, which clusters exist, who
# runs the program) rather than from the registry's table.
STATEFUL_TYPES = (t.IMAGE,)  # replayed against the stack's state (mocks/docker.py)
STATEFUL_CALLS = (t.GET_REPOSITORIES, t.GET_IMAGES, t.GET_CALLER_IDENTITY, t.GET_CLUSTERS, t.GET_CLUSTER,
                  t.GET_NODE_GROUPS, t.GET_NODE_GROUP, t.GET_PARAMETER, t.GET_CONNECTION)


class PlatformMocks(pulumi.runtime.Mocks):
    """Answers as AWS would for the stack's account and region."""

    def __init__(self, account: str, region: str, images: Mapping[str, Mapping[str, str]] | None = None,
                 clusters: Mapping[str, LiveCluster] | None = None,
                 parameters: Mapping[str, str] | None = None, caller: str | None = None,
                 state: Mapping[str, ImageState] | None = None,
                 connections: Mapping[str, str] | None = None) -> None:
        self.account = account
        # Who runs the program (sts:GetCallerIdentity's ARN): a workstation user by default; a CI
        # role's session to see what the program does when that role runs it.
        self.caller = caller
        self.region = region if region in ALL_REGIONS else "us-east-1"
        # What ECR already holds: repository name -> {tag: digest} (ListImages answers from it; by
        # default every repository is empty, as on a first deploy). The run's pushes land here.
        self.images = {repo: dict(tags) for repo, tags in (images or {}).items()}
        # The EKS clusters that exist already, by EKS name (by default none: a first deploy), and
        # the ones the program declares: what EKS's version rules are judged against.
        self.eks = EksWorld(live=dict(clusters or {}))
        # Public SSM parameters whose value a test sets (an AMI release AWS has just published);
        # the others answer with the mock's stand-in releases.
        self.parameters = dict(parameters or {})
        # The docker.Image resources of the stack's state (URN -> ImageState; by default none, as on
        # a first deploy): the run replays the engine's and pulumi-docker's steps against them.
        self.docker = DockerImages(self.images, state or {})
        # The CodeConnections connections that exist, ARN -> status. None (the default): a stack
        # file that names a connection names an approved one (AVAILABLE); a mapping: exactly these
        # exist, and reading any other fails as GetConnection does (ResourceNotFoundException).
        self.connections = None if connections is None else dict(connections)
        # Explicit providers by ID (a reference is "URN::ID"): (account, region) they manage.
        self._providers: dict[str, tuple[str, str]] = {}

    def _where(self, inputs: Mapping[str, Any], provider: str | None = None) -> Where:
        """The account and region a resource lives in: its provider's, or its own ``region``."""
        account, region = self._providers.get((provider or "").rsplit("::", 1)[-1], (self.account, self.region))
        region = inputs.get("region") or region
        if region not in ALL_REGIONS:
            region = self.region
        return Where(account, region, partition_of(region), dns_suffix(region))

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        inputs = dict(args.inputs)
        where = self._where(inputs, args.provider)
        if args.typ == t.IMAGE:
            return self.docker.register(getattr(args, "urn", args.name), inputs,
                                        list(getattr(args, "ignore_changes", ())),
                                        getattr(args, "replacement_trigger", None), where)
        if args.typ == t.AWS_PROVIDER:
            # The provider's account and region apply to every resource that names it.
            ids = inputs.get("allowedAccountIds")
            if isinstance(ids, str):  # provider inputs travel as JSON strings
                ids = json.loads(ids)
            provider_id = f"{args.name}-{where.suffix(args.name)}"
            self._providers[provider_id] = (str(ids[0]) if ids else where.account, inputs.get("region") or where.region)
            return provider_id, inputs
        if args.typ in (t.CLUSTER, t.NODE_GROUP):
            # pulumi-eks's components: their children pass through the component's transforms
            # (the monitor hands the engine's transform call over) and EKS's rules.
            transform = getattr(args, "transform_child", None)
            if args.typ == t.CLUSTER:
                return eks.remote_cluster(args.name, inputs, where, self.eks, transform)
            return eks.remote_node_group(args.name, inputs, where, self.eks, transform)
        answer = lookup(args.typ)
        if answer is None:
            return f"{args.name}-{where.suffix(args.name)}", inputs
        return answer(args.typ, args.name, inputs, where)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list]:
        if args.token == t.GET_REPOSITORIES:
            # The repositories ECR already holds: those with images listed (a first deploy: none).
            where = self._where(args.args, args.provider)
            return {"id": where.region, "region": where.region, "names": sorted(self.images)}, []
        if args.token == t.GET_IMAGES:
            repo = str(args.args.get("repositoryName"))
            if repo not in self.images:  # as ListImages answers for a repository that does not exist
                raise Exception(f"reading ECR Images ({repo}): RepositoryNotFoundException")
            where = self._where(args.args, args.provider)
            return {"id": repo, "repositoryName": repo, "registryId": where.account, "region": where.region,
                    "imageIds": [{"imageTag": tag, "imageDigest": digest}
                                 for tag, digest in self.images.get(repo, {}).items()]}, []
        if args.token == t.GET_CALLER_IDENTITY and self.caller is not None:
            where = self._where(args.args, args.provider)
            return {"accountId": where.account, "arn": self.caller, "userId": "AROACALLER", "id": where.account}, []
        if args.token in (t.GET_CLUSTERS, t.GET_CLUSTER, t.GET_NODE_GROUPS, t.GET_NODE_GROUP):
            return eks.live_clusters(self.eks, args.args, self._where(args.args, args.provider), args.token), []
        if args.token == t.GET_CONNECTION:
            return self._connection(args.args, self._where(args.args, args.provider)), []
        if args.token == t.GET_PARAMETER:
            return eks.public_parameter(args.args, self._where(args.args, args.provider), self.parameters), []
        answer = CALLS.get(args.token)
        if answer is None:
            raise NotImplementedError(f"the offline preview has no mock answer for {args.token}")
        return answer(args.args, self._where(args.args, args.provider)), []

    def _connection(self, args: Mapping[str, Any], where: Where) -> dict:
        """As Terraform's ``aws_codestarconnections_connection`` answers (connection_data_source.go):
        by ARN, GetConnection, whose error fails the read."""
        arn = args.get("arn")
        if not isinstance(arn, str):
            raise Exception("reading CodeStar Connections Connection: the program reads connections by ARN only")
        status = "AVAILABLE" if self.connections is None else self.connections.get(arn)
        if status is None:
            raise Exception(f"reading CodeStar Connections Connection ({arn}): couldn't find resource "
                            "(ResourceNotFoundException)")
        return {"arn": arn, "id": arn, "connectionStatus": status, "name": arn.rsplit("/", 1)[-1][:32],
                "providerType": "GitHub", "hostArn": "", "region": where.region, "tags": {}}
