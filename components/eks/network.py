"""``EksNetwork``: where the nodes run — private subnets that reach ECR without the internet.

A new VPC across 2-3 availability zones with one private subnet per zone for nodes; public
subnets (and an internet gateway) only when the stack asks for NAT, which is then the private
subnets' only route to ``0.0.0.0/0``. Interface endpoints for ``ecr.api``, ``ecr.dkr``, ``ec2`` and
``sts`` (private DNS on, reachable on TCP 443 from the VPC only) and the S3 gateway endpoint (ECR
serves image layers from S3) let nodes pull with no internet at all. VPC flow logs go to a log
group encrypted with a key of its own; the VPC's default security group is closed.

Or an existing VPC: its ID and private subnet IDs, and nothing is created (its endpoints or NAT
are then the VPC owner's).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import pulumi
import pulumi_aws as aws

from .. import token
from ..shared.errors import InvalidValue
from ..shared.iam import Statement, document, service_trust
from ..shared.kms import ecr_key, eks_key_policy
from ..shared.placement import Placement
from ..shared.regions import ZONE_LETTERS, ZONES_AS_OF
from ..shared.scope import flow_log_group

NatMode = Literal["none", "single", "per_az"]
NAT_MODES: tuple[str, ...] = get_args(NatMode)
# The endpoints nodes need to pull from ECR and join the cluster without internet access.
REQUIRED_ENDPOINTS = ("ecr.api", "ecr.dkr", "ec2", "sts")
# Others a stack may add (EKS user guide, private clusters): Pod Identity, node agents' logs,
# load balancers, autoscaling, Systems Manager.
OPTIONAL_ENDPOINTS = ("eks", "eks-auth", "logs", "elasticloadbalancing", "autoscaling", "ssm", "ssmmessages",
                      "ec2messages", "kms")
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                      2922, 3288, 3653)  # CloudWatch Logs PutRetentionPolicy
_VPC_ID_RE = re.compile(r"^vpc-[0-9a-f]{8}([0-9a-f]{9})?\Z")
_SUBNET_ID_RE = re.compile(r"^subnet-[0-9a-f]{8}([0-9a-f]{9})?\Z")


@dataclass(frozen=True)
class EksNetworkSpec:
    """What a stack says about the network its cluster runs in: a new VPC, or an existing one."""

    placement: Placement
    """The stack's region, account and tags."""
    availability_zones: Sequence[str] = ()
    """2-3 zones of the placement's region (``eu-central-1a``); for a new VPC."""
    cidr: str = "10.0.0.0/16"
    """The new VPC's range (private, /16 to /24): a quarter per private subnet, the last quarter
    split for the public subnets."""
    nat: NatMode = "none"
    """``none`` (no internet from the nodes), ``single`` NAT gateway, or one ``per_az``."""
    endpoints: bool | None = None
    """Interface and S3 gateway endpoints; None: on exactly when ``nat`` is ``none``."""
    extra_endpoints: Sequence[str] = ()
    """More interface endpoints (``logs``, ``eks-auth``, …)."""
    flow_log_retention_days: int = 365
    """How long VPC flow logs are kept (a CloudWatch Logs retention)."""
    vpc_id: str | None = None
    """An existing VPC instead of a new one (with ``private_subnet_ids``)."""
    private_subnet_ids: Sequence[str] = field(default_factory=tuple)
    """With ``vpc_id``: 2-16 private subnets of it, in at least two zones."""
    public_subnet_ids: Sequence[str] = field(default_factory=tuple)
    """With ``vpc_id``: its public subnets (at least two zones), for an internet-facing load balancer."""
    protect: bool = False
    """Protect the flow logs' key."""

    @property
    def creates_vpc(self) -> bool:
        return self.vpc_id is None

    @property
    def with_endpoints(self) -> bool:
        return self.creates_vpc and (self.endpoints if self.endpoints is not None else self.nat == "none")


ZONE_SLOTS = 3  # a quarter of the VPC each; the fourth quarter holds the public subnets


def zone_slot(region: str, zone: str) -> int:
    """A zone's fixed slot in the layout: its letter's position among the region's zone letters
    (``eu-central-1b`` is 1), so reordering or removing a zone never moves another's subnets."""
    letters = ZONE_LETTERS.get(region, "abcdef")
    return letters.index(zone[len(region):])


def subnet_cidrs(cidr: str, slots: Sequence[int]) -> tuple[list[str], list[str]]:
    """(private, public) subnet ranges per zone slot: a quarter of the VPC per private subnet, the
    last quarter split in four for the public ones."""
    network = ipaddress.IPv4Network(cidr)
    quarters = list(network.subnets(prefixlen_diff=2))
    public = list(quarters[3].subnets(prefixlen_diff=2))
    return [str(quarters[s]) for s in slots], [str(public[s]) for s in slots]


def endpoint_service(region: str, partition: str, service: str) -> str:
    """The endpoint service name (``com.amazonaws.REGION.SERVICE``; China prefixes ``cn.``)."""
    prefix = "cn.com.amazonaws" if partition == "aws-cn" and service not in ("s3",) else "com.amazonaws"
    return f"{prefix}.{region}.{service}"


def check_network_spec(spec: EksNetworkSpec) -> None:
    """Raise ``InvalidValue`` (path relative to ``network``)."""
    region = spec.placement.region
    if spec.vpc_id is not None:
        if not _VPC_ID_RE.match(spec.vpc_id):
            raise InvalidValue("vpc_id", spec.vpc_id, "is not a VPC ID (vpc- and 8 or 17 hex digits)")
        if not 2 <= len(spec.private_subnet_ids) <= 16:
            raise InvalidValue("private_subnet_ids", list(spec.private_subnet_ids),
                               "must list 2-16 private subnets of the VPC, in at least two zones (EKS needs two)")
        for i, subnet in enumerate(spec.private_subnet_ids):
            if not isinstance(subnet, str) or not _SUBNET_ID_RE.match(subnet):
                raise InvalidValue(f"private_subnet_ids[{i}]", subnet,
                                   "is not a subnet ID (subnet- and 8 or 17 hex digits)")
        if spec.public_subnet_ids and not 2 <= len(spec.public_subnet_ids) <= 16:
            raise InvalidValue("public_subnet_ids", list(spec.public_subnet_ids),
                               "must list 2-16 public subnets of the VPC, in at least two zones (a load balancer "
                               "needs two)")
        for i, subnet in enumerate(spec.public_subnet_ids):
            if not isinstance(subnet, str) or not _SUBNET_ID_RE.match(subnet):
                raise InvalidValue(f"public_subnet_ids[{i}]", subnet,
                                   "is not a subnet ID (subnet- and 8 or 17 hex digits)")
        for key, value in (("availability_zones", list(spec.availability_zones)), ("nat", spec.nat),
                           ("endpoints", spec.endpoints)):
            if value not in ([], "none", None):
                raise InvalidValue(key, value, "is for a new VPC; an existing VPC (vpc_id) keeps its own")
        return
    for key in ("private_subnet_ids", "public_subnet_ids"):
        if getattr(spec, key):
            raise InvalidValue(key, list(getattr(spec, key)), "needs vpc_id (an existing VPC)")
    zones = list(spec.availability_zones)
    if not 2 <= len(zones) <= 3:
        raise InvalidValue("availability_zones", zones, "must list 2 or 3 availability zones (EKS needs two)")
    letters = ZONE_LETTERS.get(region, "abcdef")
    for i, zone in enumerate(zones):
        if not isinstance(zone, str) or not re.match(rf"^{re.escape(region)}[{letters}]\Z", zone):
            raise InvalidValue(f"availability_zones[{i}]", zone,
                               f"is not an availability zone of {region} (its zones: "
                               f"{', '.join(region + c for c in letters)}; AWS's list as of {ZONES_AS_OF})")
    if len(set(zones)) != len(zones):
        raise InvalidValue("availability_zones", zones, "names a zone twice")
    for i, zone in enumerate(zones):
        if zone_slot(region, zone) >= ZONE_SLOTS:
            first = ", ".join(region + c for c in letters[:ZONE_SLOTS])
            raise InvalidValue(f"availability_zones[{i}]", zone,
                               f"has no slot in this network's layout, which gives each zone a fixed quarter of the "
                               f"VPC by its letter (so reordering or removing zones never moves a subnet): for "
                               f"{region} those are {first}; use them, or an existing VPC (vpc_id)")
    try:
        network = ipaddress.ip_network(spec.cidr)
    except (TypeError, ValueError):
        raise InvalidValue("cidr", spec.cidr, "is not an IPv4 network (e.g. 10.0.0.0/16)") from None
    if network.version != 4 or not network.is_private or not 16 <= network.prefixlen <= 24:
        raise InvalidValue("cidr", spec.cidr, "must be a private IPv4 range from /16 to /24 (e.g. 10.0.0.0/16)")
    if spec.nat not in NAT_MODES:
        raise InvalidValue("nat", spec.nat, f"is not one of {', '.join(NAT_MODES)}")
    if spec.nat == "none" and spec.endpoints is False:
        raise InvalidValue("endpoints", False, "would leave nodes without NAT or endpoints unable to reach ECR, "
                                               "EC2 and STS; keep endpoints on or set nat")
    for i, service in enumerate(spec.extra_endpoints):
        if service not in OPTIONAL_ENDPOINTS:
            raise InvalidValue(f"extra_endpoints[{i}]", service,
                               f"is not one of {', '.join(OPTIONAL_ENDPOINTS)}")
    if spec.flow_log_retention_days not in LOG_RETENTION_DAYS:
        raise InvalidValue("flow_log_retention_days", spec.flow_log_retention_days,
                           f"is not a CloudWatch Logs retention ({', '.join(map(str, LOG_RETENTION_DAYS))})")


class EksNetwork(pulumi.ComponentResource):
    """A VPC for private EKS nodes (or an existing one), with what they need to pull from ECR."""

    vpc_id: pulumi.Output[str]
    private_subnet_ids: pulumi.Output[list[str]]
    public_subnet_ids: pulumi.Output[list[str]]
    vpc_cidr: pulumi.Output[str]
    has_nat: bool
    has_endpoints: bool

    def __init__(self, name: str, spec: EksNetworkSpec, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("EksNetwork"), name, None, opts)
        check_network_spec(spec)
        self.has_nat = spec.creates_vpc and spec.nat != "none"
        self.has_endpoints = spec.with_endpoints
        if spec.vpc_id is not None:  # an existing VPC
            self.vpc_id = pulumi.Output.from_input(spec.vpc_id)
            self.private_subnet_ids = pulumi.Output.from_input(list(spec.private_subnet_ids))
            self.public_subnet_ids = pulumi.Output.from_input(list(spec.public_subnet_ids))
            self.vpc_cidr = pulumi.Output.from_input("")
            self.register_outputs({"vpc_id": self.vpc_id, "private_subnet_ids": self.private_subnet_ids})
            return

        tags = dict(spec.placement.tags)
        child = pulumi.ResourceOptions(parent=self)
        vpc = aws.ec2.Vpc(
            f"{name}-vpc", cidr_block=spec.cidr,
            # Private DNS of interface endpoints needs both.
            enable_dns_support=True, enable_dns_hostnames=True,
            tags={**tags, "Name": f"{name}-vpc"}, opts=child)
        self.vpc_id = vpc.id
        self.vpc_cidr = vpc.cidr_block
        # The default security group admits all traffic between its members: close it.
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=vpc.id, ingress=[], egress=[],
                                     tags={**tags, "Name": f"{name}-default-closed"}, opts=child)
        slots = [zone_slot(spec.placement.region, zone) for zone in spec.availability_zones]
        private_cidrs, public_cidrs = subnet_cidrs(spec.cidr, slots)

        public_subnets: list[aws.ec2.Subnet] = []
        nat_gateways: list[aws.ec2.NatGateway] = []
        if self.has_nat:
            igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={**tags, "Name": f"{name}-igw"},
                                          opts=child)
            public_rt = aws.ec2.RouteTable(f"{name}-public-rt", vpc_id=vpc.id,
                                           tags={**tags, "Name": f"{name}-public"}, opts=child)
            aws.ec2.Route(f"{name}-public-default", route_table_id=public_rt.id, destination_cidr_block="0.0.0.0/0",
                          gateway_id=igw.id, opts=child)
            for zone, cidr in zip(spec.availability_zones, public_cidrs, strict=True):
                subnet = aws.ec2.Subnet(
                    f"{name}-public-{zone}", vpc_id=vpc.id, cidr_block=cidr, availability_zone=zone,
                    # Only the NAT gateways (with their Elastic IPs) and an internet-facing load balancer live here.
                    map_public_ip_on_launch=False,
                    tags={**tags, "Name": f"{name}-public-{zone}", "kubernetes.io/role/elb": "1"}, opts=child)
                aws.ec2.RouteTableAssociation(f"{name}-public-{zone}", subnet_id=subnet.id,
                                              route_table_id=public_rt.id, opts=child)
                public_subnets.append(subnet)
            zones_with_nat = spec.availability_zones if spec.nat == "per_az" else spec.availability_zones[:1]
            for zone, subnet in zip(zones_with_nat, public_subnets, strict=False):
                eip = aws.ec2.Eip(f"{name}-nat-{zone}", domain="vpc", tags={**tags, "Name": f"{name}-nat-{zone}"},
                                  opts=child)
                nat_gateways.append(aws.ec2.NatGateway(
                    f"{name}-nat-{zone}", allocation_id=eip.id, subnet_id=subnet.id,
                    tags={**tags, "Name": f"{name}-nat-{zone}"},
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[igw])))

        private_subnets: list[aws.ec2.Subnet] = []
        private_rts: list[aws.ec2.RouteTable] = []
        for i, (zone, cidr) in enumerate(zip(spec.availability_zones, private_cidrs, strict=True)):
            subnet = aws.ec2.Subnet(
                f"{name}-private-{zone}", vpc_id=vpc.id, cidr_block=cidr, availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={**tags, "Name": f"{name}-private-{zone}", "kubernetes.io/role/internal-elb": "1"},
                opts=child)
            rt = aws.ec2.RouteTable(f"{name}-private-{zone}", vpc_id=vpc.id,
                                    tags={**tags, "Name": f"{name}-private-{zone}"}, opts=child)
            aws.ec2.RouteTableAssociation(f"{name}-private-{zone}", subnet_id=subnet.id, route_table_id=rt.id,
                                          opts=child)
            if nat_gateways:
                # The private subnets' only default route: through NAT.
                nat = nat_gateways[i] if spec.nat == "per_az" else nat_gateways[0]
                aws.ec2.Route(f"{name}-private-{zone}-default", route_table_id=rt.id,
                              destination_cidr_block="0.0.0.0/0", nat_gateway_id=nat.id, opts=child)
            private_subnets.append(subnet)
            private_rts.append(rt)
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in private_subnets])
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in public_subnets])

        if self.has_endpoints:
            self._endpoints(name, spec, vpc, private_subnets, private_rts, tags)
        self._flow_logs(name, spec, vpc, tags)
        self.register_outputs({"vpc_id": self.vpc_id, "private_subnet_ids": self.private_subnet_ids,
                               "public_subnet_ids": self.public_subnet_ids})

    def _endpoints(self, name: str, spec: EksNetworkSpec, vpc: aws.ec2.Vpc, subnets: list[aws.ec2.Subnet],
                   route_tables: list[aws.ec2.RouteTable], tags: dict) -> None:
        child = pulumi.ResourceOptions(parent=self)
        region, partition = spec.placement.region, spec.placement.partition
        sg = aws.ec2.SecurityGroup(
            f"{name}-endpoints-sg", vpc_id=vpc.id,
            description="VPC interface endpoints: HTTPS from inside the VPC only",
            tags={**tags, "Name": f"{name}-endpoints"}, opts=child)
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-endpoints-https", security_group_id=sg.id, cidr_ipv4=vpc.cidr_block,
            ip_protocol="tcp", from_port=443, to_port=443,
            description="HTTPS to the AWS service endpoints from the VPC", opts=child)
        for service in (*REQUIRED_ENDPOINTS, *spec.extra_endpoints):
            aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}", vpc_id=vpc.id,
                service_name=endpoint_service(region, partition, service),
                # The provider's defaults are a Gateway endpoint without private DNS: wrong for these.
                vpc_endpoint_type="Interface", private_dns_enabled=True,
                subnet_ids=[s.id for s in subnets], security_group_ids=[sg.id],
                tags={**tags, "Name": f"{name}-{service}"}, opts=child)
        aws.ec2.VpcEndpoint(
            f"{name}-s3", vpc_id=vpc.id, service_name=endpoint_service(region, partition, "s3"),
            vpc_endpoint_type="Gateway", route_table_ids=[rt.id for rt in route_tables],
            tags={**tags, "Name": f"{name}-s3"}, opts=child)

    def _flow_logs(self, name: str, spec: EksNetworkSpec, vpc: aws.ec2.Vpc, tags: dict) -> None:
        child = pulumi.ResourceOptions(parent=self)
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        partition, region = spec.placement.partition, spec.placement.region
        key = ecr_key(f"{name}-flow-logs-key", description=f"VPC flow logs of {name}", account=account,
                      partition=partition, region=region, declare_region=None, tags=tags, protect=spec.protect,
                      opts=child, policy=eks_key_policy)
        group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs", name=flow_log_group(pulumi.get_project(), pulumi.get_stack()),
            retention_in_days=spec.flow_log_retention_days, kms_key_id=key.arn, tags=tags, opts=child)
        role = aws.iam.Role(
            f"{name}-flow-logs-role",
            description="Lets VPC Flow Logs write to the flow log group",
            assume_role_policy=account.apply(lambda a: service_trust(
                "vpc-flow-logs.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": a}})),
            tags=tags, opts=child)
        policy = aws.iam.RolePolicy(
            f"{name}-flow-logs-role-policy", role=role.id,
            policy=group.arn.apply(lambda arn: document([Statement(
                "WriteFlowLogs", actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=[arn, f"{arn}:*"])])),
            opts=pulumi.ResourceOptions(parent=role))
        aws.ec2.FlowLog(f"{name}-flow-log", vpc_id=vpc.id, traffic_type="ALL", log_destination=group.arn,
                        log_destination_type="cloud-watch-logs", iam_role_arn=role.arn,
                        max_aggregation_interval=600, tags=tags,
                        # A flow log whose role cannot write yet fails its first deliveries.
                        opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]))
