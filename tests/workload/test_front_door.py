"""The front door: the load balancer in front of the service's NodePort, as each stack plans it,
and the config errors that keep a stack from planning a wrong one."""

from __future__ import annotations

import json

import pytest

from tests.conftest import config_error, run_config
from tools.harness import load_stack

LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
GROUP = "aws:ec2/securityGroup:SecurityGroup"
SUBNET = "aws:ec2/subnet:Subnet"
ZONES = ["eu-central-1a", "eu-central-1b"]


def stack(front_door: dict | None = None, network: dict | None = None, **extra) -> dict:
    return {"aws:allowedAccountIds": ["111122223333"],
            "repositories": [{"name": "myapp", "lifecycle": {"keep_last": 5}}],
            "network": {"availability_zones": ZONES, "nat": "single", **(network or {})},
            "cluster": {}, "workload": {"repository": "myapp"},
            "front_door": {"scheme": "internet-facing", "certificate": "create", "hostname": "app.example.com",
                           "zone": "example.com", "client_cidrs": ["203.0.113.0/24"], **(front_door or {})},
            **extra}


def one(plan, typ, name=None):
    found = [r for r in plan.by_type(typ) if name is None or r.name == name]
    assert len(found) == 1, [r.name for r in plan.by_type(typ)]
    return found[0]


def by_id(plan, resource_id):
    return next(r for r in plan.resources if r.resource_id == resource_id)


# ------------------------------------------------------------------------------ prod, as planned

def test_prod_is_internet_facing_in_the_public_subnets_with_its_protections(plans):
    plan = plans("prod")
    lb = one(plan, LB).inputs
    assert lb["internal"] is False and lb["loadBalancerType"] == "application"
    public = {r.resource_id for r in plan.by_type(SUBNET) if "-public-" in r.name}
    assert set(lb["subnets"]) == public and len(public) == 3
    assert lb["dropInvalidHeaderFields"] is True and lb["desyncMitigationMode"] == "defensive"
    assert lb["enableDeletionProtection"] is True
    bucket = one(plan, "aws:s3/bucket:Bucket")
    assert lb["accessLogs"] == {"enabled": True, "bucket": bucket.outputs["bucket"], "prefix": "alb"}
    # ELB writes a test object when logging is turned on: the bucket policy comes first.
    policy = one(plan, "aws:s3/bucketPolicy:BucketPolicy")
    assert policy.urn in one(plan, LB).dependencies


def test_prod_serves_https_with_a_validated_certificate_and_redirects_http(plans):
    plan = plans("prod")
    https = one(plan, LISTENER, "front-door-https").inputs
    assert (https["port"], https["protocol"]) == (443, "HTTPS")
    assert https["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
    # The listener takes the certificate from its validation, so it waits for ACM to issue it.
    validation = one(plan, "aws:acm/certificateValidation:CertificateValidation")
    assert validation.urn in one(plan, LISTENER, "front-door-https").property_dependencies["certificateArn"]
    certificate = one(plan, "aws:acm/certificate:Certificate").inputs
    assert certificate["domainName"] == "app.example.com" and certificate["validationMethod"] == "DNS"
    record = one(plan, "aws:route53/record:Record", "front-door-certificate-validation").inputs
    assert record["type"] == "CNAME" and record["name"].startswith("_") and record["records"][0].endswith(
        ".acm-validations.aws.")
    assert validation.inputs["validationRecordFqdns"] == [record["name"].rstrip(".")]
    redirect = one(plan, LISTENER, "front-door-http-redirect").inputs
    assert (redirect["port"], redirect["protocol"]) == (80, "HTTP")
    assert redirect["defaultActions"] == [
        {"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}}]


def test_instance_targets_on_the_node_port_attached_to_the_node_groups_asg(plans):
    plan = plans("prod")
    tg = one(plan, TARGET_GROUP).inputs
    assert (tg["targetType"], tg["port"], tg["protocol"]) == ("instance", 32410, "HTTP")
    assert tg["healthCheck"]["path"] == "/readyz" and tg["healthCheck"]["port"] == "traffic-port"
    assert tg["deregistrationDelay"] == 30
    attachment = one(plan, "aws:autoscaling/attachment:Attachment").inputs
    assert attachment["lbTargetGroupArn"] == one(plan, TARGET_GROUP).outputs["arn"]
    # The name EKS gave the node group's Auto Scaling group (the node group's resources).
    assert attachment["autoscalingGroupName"].startswith("eks-nodes-nodes-")
    forward = one(plan, LISTENER, "front-door-https").inputs["defaultActions"]
    assert forward == [{"type": "forward", "targetGroupArn": one(plan, TARGET_GROUP).outputs["arn"]}]


@pytest.mark.parametrize("stack_name", ["dev", "prod"])
def test_security_groups_admit_clients_on_the_listeners_and_the_node_port_from_the_lb_only(plans, stack_name):
    plan = plans(stack_name)
    lb_group = one(plan, GROUP, "front-door-lb-sg")
    nodes_group = plan.outputs["cluster"]["security_group_id"]
    node_port = plan.outputs["service"]["node_port"]
    on_lb = [r.inputs for r in plan.by_type(INGRESS) if r.inputs["securityGroupId"] == lb_group.resource_id]
    ports = {443, 80} if stack_name == "prod" else {80}
    cidrs = {"0.0.0.0/0"} if stack_name == "prod" else {"10.0.0.0/16", "203.0.113.0/24"}
    assert {(r["fromPort"], r["toPort"]) for r in on_lb} == {(p, p) for p in ports}
    assert {r["cidrIpv4"] for r in on_lb} == cidrs and len(on_lb) == len(ports) * len(cidrs)
    (out,) = [r.inputs for r in plan.by_type(EGRESS) if r.inputs["securityGroupId"] == lb_group.resource_id]
    assert (out["fromPort"], out["toPort"], out["referencedSecurityGroupId"]) == (node_port, node_port, nodes_group)
    on_nodes = [r.inputs for r in plan.by_type(INGRESS) if r.inputs["securityGroupId"] == nodes_group]
    to_node_port = [r for r in on_nodes if r.get("fromPort") == node_port]
    assert to_node_port == [{**to_node_port[0], "referencedSecurityGroupId": lb_group.resource_id}]
    # No CIDR reaches the nodes, but the operators' networks (cluster.operator_cidrs) on the API's 443:
    # the cluster security group is both the private endpoint's and the managed nodes'.
    operators = set(json.loads(load_stack(stack_name).config["container-platform:cluster"]).get("operator_cidrs", []))
    by_cidr = [r for r in on_nodes if "cidrIpv4" in r or "cidrIpv6" in r]
    assert {r["cidrIpv4"] for r in by_cidr} == operators, "no CIDR reaches the nodes but the operators' networks"
    assert all((r["ipProtocol"], r["fromPort"], r["toPort"]) == ("tcp", 443, 443) for r in by_cidr)
    assert not [r for r in plan.resources if r.name.startswith("service-nodeport")], "the old CIDR rule is gone"


def test_prod_has_waf_with_aws_managed_rules_and_an_alias_record(plans):
    plan = plans("prod")
    acl = one(plan, "aws:wafv2/webAcl:WebAcl")
    assert acl.inputs["scope"] == "REGIONAL" and acl.inputs["defaultAction"] == {"allow": {}}
    assert [r["statement"]["managedRuleGroupStatement"] for r in acl.inputs["rules"]] == [
        {"vendorName": "AWS", "name": group} for group in (
            "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
            "AWSManagedRulesAmazonIpReputationList")]
    association = one(plan, "aws:wafv2/webAclAssociation:WebAclAssociation").inputs
    assert association == {"resourceArn": one(plan, LB).outputs["arn"], "webAclArn": acl.outputs["arn"]}
    alias = one(plan, "aws:route53/record:Record", "front-door-alias").inputs
    lb = one(plan, LB).outputs
    assert alias["name"] == "app.example.com" and alias["type"] == "A"
    assert alias["aliases"] == [{"name": lb["dnsName"], "zoneId": "Z215JYRZR1TBD5", "evaluateTargetHealth": True}]
    assert plan.outputs["url"] == "https://app.example.com/"
    assert plan.outputs["front_door"] == {"dns_name": lb["dnsName"], "reach": "curl https://app.example.com/ from anywhere"}


def test_the_access_log_bucket_is_encrypted_private_expiring_and_kept(plans):
    plan = plans("prod")
    bucket = one(plan, "aws:s3/bucket:Bucket")
    assert bucket.retain_on_delete and bucket.protect and bucket.inputs["forceDestroy"] is False
    settings = {r.type.rsplit(":", 1)[-1]: r for r in plan.resources if r.parent == bucket.urn}
    assert all(s.retain_on_delete for name, s in settings.items() if name != "BucketPolicy")
    encryption = settings["BucketServerSideEncryptionConfiguration"].inputs["rules"][0]
    assert encryption["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}  # ALB logs: SSE-S3 only
    assert settings["BucketPublicAccessBlock"].inputs | {"bucket": None} == {
        "bucket": None, "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
        "restrictPublicBuckets": True}
    assert settings["BucketOwnershipControls"].inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    (rule,) = settings["BucketLifecycleConfiguration"].inputs["rules"]
    assert rule["expiration"] == {"days": 365} and rule["status"] == "Enabled" and rule["filter"] == {}
    policy = json.loads(settings["BucketPolicy"].inputs["policy"])
    write, deny = policy["Statement"]
    arn = bucket.outputs["arn"]
    # eu-central-1 opened before August 2022: ELB's regional account writes the logs.
    assert write == {"Sid": "ElbAccessLogDelivery", "Effect": "Allow",
                     "Principal": {"AWS": "arn:aws:iam::054676820928:root"}, "Action": "s3:PutObject",
                     "Resource": f"{arn}/alb/AWSLogs/444455556666/*"}
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


# ------------------------------------------------------------------------------ dev and the example

def test_dev_is_internal_http_only_in_the_private_subnets(plans):
    plan = plans("dev")
    lb = one(plan, LB).inputs
    assert lb["internal"] is True
    private = {r.resource_id for r in plan.by_type(SUBNET) if "-private-" in r.name}
    assert set(lb["subnets"]) == private
    assert lb["enableDeletionProtection"] is False and "accessLogs" not in lb
    (listener,) = [r.inputs for r in plan.by_type(LISTENER)]
    assert (listener["port"], listener["protocol"], listener["defaultActions"][0]["type"]) == (80, "HTTP", "forward")
    for typ in ("aws:wafv2/webAcl:WebAcl", "aws:s3/bucket:Bucket", "aws:acm/certificate:Certificate",
                "aws:route53/record:Record"):
        assert not plan.by_type(typ), typ
    assert plan.outputs["url"].startswith("http://internal-front-door-lb-")
    assert plan.outputs["front_door"]["reach"].endswith(
        "from 10.0.0.0/16, 203.0.113.0/24 (an internal load balancer: from inside the VPC or a network routed to it)")


def test_a_certificate_by_arn_is_used_as_given():
    arn = "arn:aws:acm:eu-central-1:111122223333:certificate/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    plan = run_config(stack({"certificate": arn, "zone": None}))
    https = one(plan, LISTENER, "front-door-https").inputs
    assert https["certificateArn"] == arn
    assert not plan.by_type("aws:acm/certificate:Certificate") and not plan.by_type("aws:route53/record:Record")
    assert plan.outputs["url"] == "https://app.example.com/"
    dns = one(plan, LB).outputs["dnsName"]
    assert plan.outputs["front_door"]["reach"] == (
        f"curl https://app.example.com/ from 203.0.113.0/24, once app.example.com is a CNAME of {dns} (this stack "
        "manages no DNS record for it)")


def test_protections_follow_protect_unless_the_stack_says_otherwise():
    plan = run_config(stack({"waf": False}, protect=True))
    assert one(plan, LB).inputs["enableDeletionProtection"] is True
    assert plan.by_type("aws:s3/bucket:Bucket") and not plan.by_type("aws:wafv2/webAcl:WebAcl")


def test_a_bootstrap_run_creates_the_front_door_too():
    """It is AWS's alone: nothing of it goes through the cluster's endpoint."""
    plan = run_config(stack(bootstrap=True))
    assert plan.by_type(LB) and not plan.by_type("kubernetes:core/v1:Service")


def test_an_existing_vpcs_public_subnets_carry_an_internet_facing_front_door():
    subnets = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    plan = run_config(stack(network={"availability_zones": [], "nat": "none", "vpc_id": "vpc-0123456789abcdef0",
                                     "private_subnet_ids": ["subnet-1123456789abcdef0", "subnet-1123456789abcdef1"],
                                     "public_subnet_ids": subnets}))
    assert one(plan, LB).inputs["subnets"] == subnets


# ------------------------------------------------------------------------------ bad input

ARN = "arn:aws:acm:{region}:{account}:certificate/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"


@pytest.mark.parametrize("front_door, message", [
    ({"certificate": ARN.format(region="us-east-1", account="111122223333")},
     "front_door.certificate: \"arn:aws:acm:us-east-1:111122223333:certificate/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d\" "
     "is a certificate in us-east-1; a load balancer in eu-central-1 can use only certificates of its own region "
     "(request or import it in eu-central-1)"),
    ({"certificate": ARN.format(region="eu-central-1", account="444455556666")},
     "front_door.certificate: \"arn:aws:acm:eu-central-1:444455556666:certificate/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d\" "
     "is a certificate of account 444455556666; a listener uses only its own account's (111122223333): import or "
     "request it there"),
    ({"certificate": "arn:aws:acm:eu-central-1:111122223333:cert/x"},
     'front_door.certificate: "arn:aws:acm:eu-central-1:111122223333:cert/x" is not create, none or an ACM '
     "certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)"),
    ({"hostname": "app.example.org"},
     'front_door.hostname: "app.example.org" is not in the zone example.com; Route 53 puts records of example.com '
     "only (a name ending in .example.com, or example.com itself)"),
    ({"hostname": "badexample.com"},
     'front_door.hostname: "badexample.com" is not in the zone example.com; Route 53 puts records of example.com '
     "only (a name ending in .example.com, or example.com itself)"),
    ({"client_cidrs": ["0.0.0.0/1", "128.0.0.0/1"]},
     'front_door.client_cidrs: ["0.0.0.0/1", "128.0.0.0/1"] together cover the whole internet; to serve everyone '
     "say so with front_door.public: true, or list the client ranges"),
    ({"client_cidrs": ["::/0"]},
     'front_door.client_cidrs[0]: "::/0" is the whole internet; to serve everyone set front_door.public: true '
     "(internet-facing only)"),
    ({"scheme": "internal", "certificate": ARN.format(region="eu-central-1", account="111122223333")},
     'front_door.zone: "example.com" is a public hosted zone (private_zone is false) for an internal load balancer: '
     "the whole internet would resolve its private addresses; use a private zone (private_zone: true) or scheme "
     "internet-facing"),
    ({"scheme": "internet-facing", "certificate": "none", "zone": None, "hostname": None},
     'front_door.certificate: "none" leaves an internet-facing load balancer on plain HTTP, which the pack\'s '
     "mandatory lb-https-listeners refuses; give a certificate (create, or an ACM ARN) or use scheme internal"),
    ({"scheme": "internal", "public": True, "zone": None, "hostname": None, "certificate": "none"},
     "front_door.public: true is for an internet-facing load balancer; an internal one is reached from the VPC and "
     "its peers only: set scheme internet-facing, or list client_cidrs"),
    ({"zone": None},
     'front_door.certificate: "create" needs front_door.hostname and front_door.zone: ACM validates the name through '
     "a record in that zone"),
    ({"private_zone": True, "scheme": "internal"},
     'front_door.certificate: "create" cannot be validated in a private zone (ACM resolves the validation record '
     "publicly); give a certificate ARN"),
    ({"client_cidrs": [], "zone": None, "certificate": ARN.format(region="eu-central-1", account="111122223333")},
     "front_door.client_cidrs: [] is empty: list who may connect (an office, a VPN, the VPC), or set "
     "front_door.public: true"),
    ({"tls_policy": "ELBSecurityPolicy-2016-08"},
     'front_door.tls_policy: "ELBSecurityPolicy-2016-08" is not one of ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09, '
     "ELBSecurityPolicy-TLS13-1-2-Res-2021-06, ELBSecurityPolicy-TLS13-1-2-2021-06, "
     "ELBSecurityPolicy-TLS13-1-3-2021-06"),
    ({"scheme": "public"}, 'front_door.scheme: "public" is not one of internet-facing, internal'),
    ({"scheme": None}, "front_door.scheme: null is required (internet-facing or internal)"),
    ({"access_log_retention_days": 4000}, "front_door.access_log_retention_days: 4000 is not 1-3653 days"),
    ({"access_log_retention_days": 0}, "front_door.access_log_retention_days: 0 is not a positive integer"),
    ({"deregistration_delay": 4000}, "front_door.deregistration_delay: 4000 is not 0-3600 seconds"),
    ({"waf": "yes"}, 'front_door.waf: "yes" is not a boolean (true or false)'),
    ({"hostnme": "x"}, 'front_door.hostnme: "x" is set on an unknown key; did you mean hostname? allowed keys: '),
])
def test_front_door_errors_name_the_key(front_door, message):
    config = stack()
    config["front_door"] = {k: v for k, v in {**config["front_door"], **front_door}.items() if v is not None}
    got = config_error(config)
    assert got.startswith(message) if message.endswith("allowed keys: ") else got == message


def test_a_front_door_without_its_choices_is_refused():
    assert config_error({**stack(), "front_door": {"scheme": "internal", "client_cidrs": ["10.0.0.0/16"]}}) == (
        "front_door.certificate: null is required (create, an ACM certificate ARN, or none for HTTP only: a stack says "
        "which)")
    no_workload = stack()
    no_workload.pop("workload")
    assert config_error(no_workload).startswith("front_door: ")
    assert "needs workload" in config_error(no_workload)


@pytest.mark.parametrize("network, message", [
    ({"nat": "none"}, 'front_door.scheme: "internet-facing" needs public subnets, which this VPC has only with '
                      "network.nat (single or per_az: an internet gateway and a public subnet per zone); set it, or "
                      "use scheme internal"),
    ({"availability_zones": [], "nat": "none", "vpc_id": "vpc-0123456789abcdef0",
      "private_subnet_ids": ["subnet-1123456789abcdef0", "subnet-1123456789abcdef1"]},
     'front_door.scheme: "internet-facing" needs the existing VPC\'s public subnets: list them in '
     "network.public_subnet_ids"),
])
def test_an_internet_facing_front_door_needs_public_subnets(network, message):
    assert config_error(stack(network=network)) == message
