"""``ServiceFrontDoor``: an Application Load Balancer in front of the service's NodePort.

Plain AWS resources, no in-cluster controller: the load balancer (internet-facing in the public
subnets, or internal in the private ones), an HTTPS listener with an ACM certificate and a current
TLS 1.3 policy, an HTTP listener that only redirects to it, and a target group of *instance*
targets on the NodePort, attached to the Auto Scaling group EKS made for each serving node group.
The load balancer's security group admits the client ranges on 443 (and 80 for the redirect) and
sends only to the nodes' NodePort; the nodes admit that port from the load balancer's group only.

Optional: a certificate created and DNS-validated in a Route 53 zone, an alias record for the
hostname, deletion protection, access logs in an SSE-S3 bucket with a lifecycle (kept on
destroy), and a WAF web ACL of AWS managed rule groups. A stack without a certificate says so
(``certificate: none``): it gets HTTP only, on an internal load balancer, and the pack's advisory
``lb-tls-listeners`` names it.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import pulumi
import pulumi_aws as aws

from .. import token
from ..eks.network import EksNetwork
from ..eks.node_group import EksNodeGroup
from ..shared.cidrs import client_cidr, covers_internet
from ..shared.errors import InvalidValue
from ..shared.iam import Principal, Statement, policy
from ..shared.placement import Placement
from ..shared.scope import access_log_bucket_prefix
from .service import WorkloadSpec

Scheme = Literal["internet-facing", "internal"]
SCHEMES: tuple[str, ...] = get_args(Scheme)
# TLS 1.3 policies (TLS 1.3 and 1.2 or 1.3 only). AWS's recommended one, and the console's
# default, is the hybrid post-quantum one; the API's default (ELBSecurityPolicy-2016-08) is never used.
TlsPolicy = Literal["ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
                    "ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06"]
TLS_POLICIES: tuple[str, ...] = get_args(TlsPolicy)
# AWS managed rule groups (vendor AWS) the web ACL runs, in priority order: the core rule set,
# known bad inputs (Log4Shell and the like), and Amazon's IP reputation list.
MANAGED_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                       "AWSManagedRulesAmazonIpReputationList")
# Regions opened after August 2022 deliver ALB access logs as a service principal; older ones
# from a regional ELB account (aws.elb.get_service_account). (ELB user guide, enable access logging.)
LOG_DELIVERY_SERVICE_REGIONS = frozenset({
    "ap-south-2", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ap-east-2",
    "ca-west-1", "eu-central-2", "eu-south-2", "il-central-1", "me-central-1", "mx-central-1"})
LOG_PREFIX = "alb"
_HOST_RE = re.compile(r"^(?=.{1,253}\Z)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\Z")
_CERT_ARN_RE = re.compile(r"^arn:(?P<partition>aws|aws-cn|aws-us-gov):acm:(?P<region>[a-z0-9-]+):"
                          r"(?P<account>[0-9]{12}):certificate/[0-9a-f-]{36}\Z")


@dataclass(frozen=True)
class FrontDoorSpec:
    """What a stack says about the way in to its service."""

    placement: Placement
    """Region, account (for the certificate ARN's check) and tags."""
    scheme: Scheme
    """``internet-facing`` (public subnets) or ``internal`` (private subnets)."""
    certificate: str
    """``create`` (ACM, DNS-validated in ``zone`` for ``hostname``), an ACM certificate ARN in the
    stack's region and account, or ``none`` (HTTP only, internal load balancers only)."""
    client_cidrs: Sequence[str] = ()
    """Who may connect (443, and 80 for the redirect). Ranges that cover the internet need ``public``."""
    public: bool = False
    """The service is for everyone: the load balancer admits 0.0.0.0/0 (internet-facing only)."""
    hostname: str | None = None
    """The service's name (the certificate's, and the alias record's when ``zone`` is set)."""
    zone: str | None = None
    """A Route 53 hosted zone the stack's account holds: the alias record (and the certificate's
    validation record) go in it. ``hostname`` must be in it."""
    private_zone: bool = False
    """``zone`` is a private hosted zone (an internal load balancer's name)."""
    tls_policy: TlsPolicy = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
    """The HTTPS listener's security policy (TLS 1.3 policies only)."""
    deletion_protection: bool = False
    """The load balancer refuses deletion until it is turned off (the stack's ``protect`` by default)."""
    access_logs: bool = False
    """Access logs to an SSE-S3 bucket kept on destroy (the stack's ``protect`` by default)."""
    access_log_retention_days: int = 90
    """How long the bucket keeps access logs."""
    waf: bool = False
    """A WAF web ACL of AWS managed rule groups on the load balancer (the stack's ``protect`` by default)."""
    deregistration_delay: int = 30
    """Seconds a node leaving the target group keeps its open requests (0-3600): at least a pod's
    preStop pause plus its server's drain, so the load balancer never gives up on a request sooner
    than a terminating pod would. (A pod's own termination deregisters nothing here: instance
    targets are nodes; its preStop pause covers it.)"""
    idle_timeout: int = 50
    """Seconds the load balancer keeps an idle connection (1-4000; the ALB's default is 60), below
    the time the service's server keeps one, so the load balancer closes first: otherwise it may
    send a request on a connection the server is closing, and answer 502."""
    protect: bool = False
    """The stack's ``protect``: the log bucket is also protected."""

    @property
    def tls(self) -> bool:
        return self.certificate != "none"

    @property
    def cidrs(self) -> tuple[str, ...]:
        """The ranges the load balancer admits."""
        return ("0.0.0.0/0",) if self.public and not self.client_cidrs else tuple(self.client_cidrs)

    @property
    def url(self) -> str | None:
        """The service's address when it has a name."""
        return None if self.hostname is None else f"{'https' if self.tls else 'http'}://{self.hostname}/"


def check_front_door_spec(spec: FrontDoorSpec) -> None:
    """Raise ``InvalidValue`` (paths relative to ``front_door``)."""
    if spec.scheme not in SCHEMES:
        raise InvalidValue("scheme", spec.scheme, f"is not one of {', '.join(SCHEMES)}")
    internet = spec.scheme == "internet-facing"
    if spec.public and not internet:
        raise InvalidValue("public", True, "is for an internet-facing load balancer; an internal one is reached "
                                           "from the VPC and its peers only: set scheme internet-facing, or "
                                           "list client_cidrs")
    networks = [client_cidr(f"client_cidrs[{i}]", c, "is the whole internet; to serve everyone set "
                            "front_door.public: true (internet-facing only)") if not spec.public
                else _network(f"client_cidrs[{i}]", c) for i, c in enumerate(spec.client_cidrs)]
    if not spec.public and covers_internet(networks):
        raise InvalidValue("client_cidrs", list(spec.client_cidrs),
                           "together cover the whole internet; to serve everyone say so with front_door.public: "
                           "true, or list the client ranges")
    if not spec.cidrs:
        raise InvalidValue("client_cidrs", [], "is empty: list who may connect (an office, a VPN, the VPC), or "
                                               "set front_door.public: true")
    if spec.hostname is not None and not _HOST_RE.match(spec.hostname):
        raise InvalidValue("hostname", spec.hostname, "is not a DNS name (app.example.com; lowercase)")
    if spec.zone is not None:
        zone = spec.zone.rstrip(".")
        if not _HOST_RE.match(zone):
            raise InvalidValue("zone", spec.zone, "is not a hosted zone name (example.com)")
        if spec.hostname is None:
            raise InvalidValue("zone", spec.zone, "needs front_door.hostname: the name its alias record gets")
        if spec.hostname != zone and not spec.hostname.endswith(f".{zone}"):
            raise InvalidValue("hostname", spec.hostname, f"is not in the zone {zone}; Route 53 puts records of "
                                                          f"{zone} only (a name ending in .{zone}, or {zone} itself)")
        if not internet and not spec.private_zone:
            raise InvalidValue("zone", spec.zone, "is a public hosted zone (private_zone is false) for an internal "
                                                  "load balancer: the whole internet would resolve its private "
                                                  "addresses; use a private zone (private_zone: true) or scheme "
                                                  "internet-facing")
    if spec.certificate == "none":
        if internet:
            raise InvalidValue("certificate", "none", "leaves an internet-facing load balancer on plain HTTP, which "
                                                      "the pack's mandatory lb-https-listeners refuses; give a "
                                                      "certificate (create, or an ACM ARN) or use scheme internal")
    elif spec.certificate == "create":
        if spec.hostname is None or spec.zone is None:
            raise InvalidValue("certificate", "create", "needs front_door.hostname and front_door.zone: ACM "
                                                        "validates the name through a record in that zone")
        if spec.private_zone:
            raise InvalidValue("certificate", "create", "cannot be validated in a private zone (ACM resolves the "
                                                        "validation record publicly); give a certificate ARN")
    else:
        _check_certificate_arn(spec)
    if spec.tls_policy not in TLS_POLICIES:
        raise InvalidValue("tls_policy", spec.tls_policy, f"is not a TLS 1.3 policy ({', '.join(TLS_POLICIES)})")
    if not 1 <= spec.access_log_retention_days <= 3653:
        raise InvalidValue("access_log_retention_days", spec.access_log_retention_days, "is not 1-3653 days")
    if not 0 <= spec.deregistration_delay <= 3600:
        raise InvalidValue("deregistration_delay", spec.deregistration_delay, "is not 0-3600 seconds")
    if not 1 <= spec.idle_timeout <= 4000:
        raise InvalidValue("idle_timeout", spec.idle_timeout, "is not 1-4000 seconds (the load balancer's range)")


def check_front_door_timing(spec: FrontDoorSpec, workload: WorkloadSpec, dockerfile: str) -> None:
    """Raise ``InvalidValue`` (paths relative to ``front_door``) when the load balancer's timing
    does not fit the service's: its idle timeout must be below the server's keep-alive ("configure
    the idle timeout of your application to be larger than the idle timeout configured for the load
    balancer", ELB user guide, application-load-balancers.html#connection-idle-timeout), and its
    deregistration delay at least a pod's pause plus its server's drain."""
    keep_alive = workload.server_keep_alive_seconds
    if keep_alive is not None and spec.idle_timeout >= keep_alive:
        raise InvalidValue("idle_timeout", spec.idle_timeout,
                           f"is not below the {keep_alive:g} s the service's server keeps an idle connection "
                           f"({dockerfile}'s command): the load balancer would send requests on connections the "
                           "server is closing, and answer 502; lower it, or raise the server's "
                           "--http1-header-read-timeout")
    drain = workload.server_drain_seconds
    needed = workload.prestop_seconds + (drain if drain is not None and drain != float("inf") else 0)
    if spec.deregistration_delay < needed:
        raise InvalidValue("deregistration_delay", spec.deregistration_delay,
                           f"is below a pod's preStop pause plus its server's drain ({needed:g} s): a node leaving "
                           "the target group would have its requests cut sooner than a terminating pod ends them")


def _network(path: str, value: object) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidValue(path, value, "is not a CIDR (203.0.113.0/24)") from None


def _check_certificate_arn(spec: FrontDoorSpec) -> None:
    match = _CERT_ARN_RE.match(spec.certificate)
    if match is None:
        raise InvalidValue("certificate", spec.certificate,
                           "is not create, none or an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)")
    where = spec.placement
    if match["partition"] != where.partition:
        raise InvalidValue("certificate", spec.certificate, f"is in partition {match['partition']}; this stack "
                                                            f"is in {where.partition}")
    if match["region"] != where.region:
        raise InvalidValue("certificate", spec.certificate,
                           f"is a certificate in {match['region']}; a load balancer in {where.region} can use only "
                           f"certificates of its own region (request or import it in {where.region})")
    if where.account is not None and match["account"] != where.account:
        raise InvalidValue("certificate", spec.certificate,
                           f"is a certificate of account {match['account']}; a listener uses only its own "
                           f"account's ({where.account}): import or request it there")


@dataclass(frozen=True)
class ServiceFrontDoorArgs:
    """The spec, and what the load balancer sends to."""

    spec: FrontDoorSpec
    """Everything the stack says about the front door."""
    network: EksNetwork
    """The VPC: public subnets for an internet-facing load balancer, private ones for an internal one."""
    workload: WorkloadSpec
    """The service: its NodePort is the target port, its readiness path the health check. (Its spec,
    not its objects: the load balancer is AWS's, so a bootstrap run creates it before the cluster's
    objects exist.)"""
    node_groups: Sequence[EksNodeGroup]
    """The groups the service's pods run on: each one's Auto Scaling group gets the target group."""
    node_security_group_id: pulumi.Input[str]
    """The security group the managed nodes carry (``EksCluster.cluster_security_group_id``, the one EKS
    creates): it admits the NodePort from the load balancer only."""


class ServiceFrontDoor(pulumi.ComponentResource):
    """Security groups, load balancer, listeners, target group, attachments; optionally a certificate,
    DNS records, an access-log bucket and a web ACL."""

    dns_name: pulumi.Output[str]
    url: pulumi.Output[str]
    how_to_reach: pulumi.Output[str]

    def __init__(self, name: str, args: ServiceFrontDoorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("ServiceFrontDoor"), name, None, opts)
        spec = args.spec
        check_front_door_spec(spec)
        tags = dict(spec.placement.tags)
        child = pulumi.ResourceOptions(parent=self)
        node_port = args.workload.node_port
        internet = spec.scheme == "internet-facing"
        subnets = args.network.public_subnet_ids if internet else args.network.private_subnet_ids

        # The load balancer's own group: clients in on the listener ports, out only to the NodePort.
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-lb-sg", vpc_id=args.network.vpc_id,
            description=f"{spec.scheme} load balancer of the service: listeners in, NodePort out",
            tags={**tags, "Name": f"{name}-lb"}, opts=child)
        ports = [443, 80] if spec.tls else [80]
        for port in ports:
            for i, cidr in enumerate(spec.cidrs):
                family = "cidr_ipv6" if ipaddress.ip_network(cidr).version == 6 else "cidr_ipv4"
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-lb-in-{port}-{i}", security_group_id=self.security_group.id, ip_protocol="tcp",
                    from_port=port, to_port=port, **{family: cidr},
                    description=f"{'HTTPS' if port == 443 else 'HTTP'} from {cidr}", tags=tags,
                    opts=pulumi.ResourceOptions(parent=self.security_group))
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-lb-out-nodeport", security_group_id=self.security_group.id, ip_protocol="tcp",
            from_port=node_port, to_port=node_port, referenced_security_group_id=args.node_security_group_id,
            description=f"To the service's NodePort {node_port} on the nodes", tags=tags,
            opts=pulumi.ResourceOptions(parent=self.security_group))
        # The nodes: the NodePort from the load balancer only (traffic and health checks), no CIDR.
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-nodes-in-nodeport", security_group_id=args.node_security_group_id, ip_protocol="tcp",
            from_port=node_port, to_port=node_port, referenced_security_group_id=self.security_group.id,
            description=f"NodePort {node_port} from the service's load balancer", tags=tags, opts=child)

        bucket_ready: list[pulumi.Resource] = []
        access_logs = None
        if spec.access_logs:
            bucket, policy = self._log_bucket(name, spec, tags)
            bucket_ready = [policy]
            access_logs = aws.lb.LoadBalancerAccessLogsArgs(bucket=bucket.bucket, prefix=LOG_PREFIX, enabled=True)

        self.load_balancer = aws.lb.LoadBalancer(
            f"{name}-lb", load_balancer_type="application", internal=not internet, subnets=subnets,
            security_groups=[self.security_group.id], ip_address_type="ipv4",
            drop_invalid_header_fields=True, desync_mitigation_mode="defensive", idle_timeout=spec.idle_timeout,
            enable_deletion_protection=spec.deletion_protection, access_logs=access_logs, tags=tags,
            # ELB writes a test object when logging is turned on: the bucket policy must exist first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=bucket_ready))
        self.target_group = aws.lb.TargetGroup(
            f"{name}-tg", target_type="instance", port=node_port, protocol="HTTP", vpc_id=args.network.vpc_id,
            deregistration_delay=spec.deregistration_delay,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True, protocol="HTTP", port="traffic-port", path=args.workload.readiness_path, matcher="200",
                interval=10, timeout=5, healthy_threshold=2, unhealthy_threshold=3),
            tags=tags, opts=child)
        # EKS made one Auto Scaling group per managed node group: its instances become the targets.
        for group in args.node_groups:
            aws.autoscaling.Attachment(
                f"{name}-{group.spec.name}-attachment", autoscaling_group_name=group.autoscaling_group_name,
                lb_target_group_arn=self.target_group.arn, opts=child)

        forward = [aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=self.target_group.arn)]
        certificate_arn = self._certificate(name, spec, tags)
        if certificate_arn is not None:
            aws.lb.Listener(
                f"{name}-https", load_balancer_arn=self.load_balancer.arn, port=443, protocol="HTTPS",
                ssl_policy=spec.tls_policy, certificate_arn=certificate_arn, default_actions=forward, tags=tags,
                opts=child)
            aws.lb.Listener(
                f"{name}-http-redirect", load_balancer_arn=self.load_balancer.arn, port=80, protocol="HTTP",
                default_actions=[aws.lb.ListenerDefaultActionArgs(
                    type="redirect", redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                        port="443", protocol="HTTPS", status_code="HTTP_301"))],
                tags=tags, opts=child)
        else:  # certificate: none (internal only): the stack said so; the pack's advisory names it
            aws.lb.Listener(
                f"{name}-http", load_balancer_arn=self.load_balancer.arn, port=80, protocol="HTTP",
                default_actions=forward, tags=tags, opts=child)

        if spec.waf:
            self._web_acl(name, spec, tags)
        if spec.hostname is not None and spec.zone is not None:
            aws.route53.Record(
                f"{name}-alias", zone_id=self._zone_id(spec), name=spec.hostname, type="A",
                aliases=[aws.route53.RecordAliasArgs(name=self.load_balancer.dns_name,
                                                     zone_id=self.load_balancer.zone_id, evaluate_target_health=True)],
                opts=child)

        self.dns_name = self.load_balancer.dns_name
        scheme = "https" if spec.tls else "http"
        self.url = (pulumi.Output.from_input(spec.url) if spec.url is not None
                    else self.dns_name.apply(lambda dns: f"{scheme}://{dns}/"))
        where = ("from " + ", ".join(spec.cidrs)) if not spec.public else "from anywhere"
        vpc = "" if internet else " (an internal load balancer: from inside the VPC or a network routed to it)"
        if spec.hostname is not None and spec.zone is None:
            # The stack manages no record for the name: it answers once its DNS points here.
            self.how_to_reach = pulumi.Output.all(self.url, self.dns_name).apply(
                lambda a: f"curl {a[0]} {where}{vpc}, once {spec.hostname} is a CNAME of {a[1]} (this stack "
                          "manages no DNS record for it)")
        else:
            self.how_to_reach = self.url.apply(lambda url: f"curl {url} {where}{vpc}")
        self.register_outputs({"url": self.url, "dns_name": self.dns_name, "how_to_reach": self.how_to_reach})

    def _zone_id(self, spec: FrontDoorSpec) -> pulumi.Output[str]:
        zone = aws.route53.get_zone_output(name=spec.zone, private_zone=spec.private_zone,
                                           opts=pulumi.InvokeOutputOptions(parent=self))
        return zone.zone_id

    def _certificate(self, name: str, spec: FrontDoorSpec, tags: Mapping[str, str]) -> pulumi.Input[str] | None:
        """The listener's certificate: given, or requested and DNS-validated (the listener waits for
        the validation, so it never gets a certificate that is not yet issued)."""
        if spec.certificate == "none":
            return None
        if spec.certificate != "create":
            return spec.certificate
        child = pulumi.ResourceOptions(parent=self)
        certificate = aws.acm.Certificate(
            f"{name}-certificate", domain_name=spec.hostname, validation_method="DNS", key_algorithm="EC_prime256v1",
            tags=tags, opts=pulumi.ResourceOptions(parent=self))
        option = certificate.domain_validation_options.apply(lambda options: options[0])
        record = aws.route53.Record(
            f"{name}-certificate-validation", zone_id=self._zone_id(spec),
            name=option.apply(lambda o: o.resource_record_name), type=option.apply(lambda o: o.resource_record_type),
            records=[option.apply(lambda o: o.resource_record_value or "")], ttl=300, allow_overwrite=True, opts=child)
        validation = aws.acm.CertificateValidation(
            f"{name}-certificate-issued", certificate_arn=certificate.arn, validation_record_fqdns=[record.fqdn],
            opts=child)
        return validation.certificate_arn

    def _log_bucket(self, name: str, spec: FrontDoorSpec,
                    tags: Mapping[str, str]) -> tuple[aws.s3.Bucket, aws.s3.BucketPolicy]:
        """An SSE-S3 bucket (ALB access logs support no KMS key), private, owner-enforced, with a
        lifecycle; kept on destroy with its settings, like the registry's images."""
        kept = pulumi.ResourceOptions(parent=self, protect=spec.protect, retain_on_delete=True)
        # Named after the stack (S3 adds a unique suffix): the permissions boundary lets the stack's
        # roles change this bucket and no other.
        bucket = aws.s3.Bucket(f"{name}-access-logs", bucket_prefix=access_log_bucket_prefix(
            pulumi.get_project(), pulumi.get_stack()), force_destroy=False, tags=tags, opts=kept)
        settings = pulumi.ResourceOptions(parent=bucket, retain_on_delete=True)
        aws.s3.BucketPublicAccessBlock(
            f"{name}-access-logs-private", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True, opts=settings)
        aws.s3.BucketOwnershipControls(
            f"{name}-access-logs-owner", bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"), opts=settings)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-access-logs-encryption", bucket=bucket.id,
            rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="AES256"))], opts=settings)
        aws.s3.BucketVersioning(
            f"{name}-access-logs-versioning", bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=settings)
        days = spec.access_log_retention_days
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-access-logs-lifecycle", bucket=bucket.id,
            rules=[aws.s3.BucketLifecycleConfigurationRuleArgs(
                # The whole bucket: it holds the access logs (and ELB's test object) only.
                id="expire-access-logs", status="Enabled", filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=days),
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=1),
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=1))],
            opts=settings)
        where = spec.placement
        account = (pulumi.Output.from_input(where.account) if where.account is not None
                   else aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id)
        if where.region in LOG_DELIVERY_SERVICE_REGIONS:
            writer: pulumi.Input[dict[str, str]] = {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
        else:
            writer = aws.elb.get_service_account_output(
                opts=pulumi.InvokeOutputOptions(parent=self)).arn.apply(lambda arn: {"AWS": arn})
        document = pulumi.Output.all(bucket.arn, account, writer).apply(
            lambda a: json.dumps(log_bucket_policy(a[0], a[1], a[2])))
        policy = aws.s3.BucketPolicy(f"{name}-access-logs-policy", bucket=bucket.id, policy=document,
                                     opts=pulumi.ResourceOptions(parent=bucket))
        return bucket, policy

    def _web_acl(self, name: str, spec: FrontDoorSpec, tags: Mapping[str, str]) -> aws.wafv2.WebAcl:
        rules = [aws.wafv2.WebAclRuleArgs(
            name=group, priority=i,
            override_action=aws.wafv2.WebAclRuleOverrideActionArgs(none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()),
            statement=aws.wafv2.WebAclRuleStatementArgs(
                managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                    name=group, vendor_name="AWS")),
            visibility_config=aws.wafv2.WebAclRuleVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True, metric_name=group, sampled_requests_enabled=True))
            for i, group in enumerate(MANAGED_RULE_GROUPS)]
        acl = aws.wafv2.WebAcl(
            f"{name}-waf", scope="REGIONAL", description="AWS managed rule groups in front of the service",
            default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
            rules=rules,
            visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True, metric_name=f"{name}-waf", sampled_requests_enabled=True),
            tags=tags, opts=pulumi.ResourceOptions(parent=self))
        aws.wafv2.WebAclAssociation(f"{name}-waf-association", resource_arn=self.load_balancer.arn,
                                    web_acl_arn=acl.arn, opts=pulumi.ResourceOptions(parent=acl))
        return acl


def log_bucket_policy(bucket_arn: str, account: str, writer: Mapping[str, str]) -> dict:
    """ELB may write this account's logs under the prefix; nothing reaches the bucket without TLS."""
    writer_principal = Principal(service=writer["Service"]) if "Service" in writer else Principal(aws=writer["AWS"])
    return policy([
        Statement("ElbAccessLogDelivery", actions="s3:PutObject", principal=writer_principal,
                  resources=f"{bucket_arn}/{LOG_PREFIX}/AWSLogs/{account}/*"),
        Statement("DenyInsecureTransport", effect="Deny", actions="s3:*", principal=Principal(everyone=True),
                  resources=[bucket_arn, f"{bucket_arn}/*"], conditions={"Bool": {"aws:SecureTransport": "false"}}),
    ])
