"""The front door's planned AWS requests, replayed into moto: botocore validates each request
against the service's API model (names, types, enumerations, required members), and moto keeps
what it was given, so the read-back is what AWS was asked for."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

REGION = "eu-central-1"


def _tags(inputs: dict) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in sorted((inputs.get("tags") or {}).items())]


def _int(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _action(action: dict, tg_arn: str) -> dict:
    """A listener's default action as the provider sends it (ELB's CreateListener shape)."""
    if action["type"] == "forward":
        return {"Type": "forward", "TargetGroupArn": tg_arn}
    redirect = action["redirect"]
    return {"Type": "redirect", "RedirectConfig": {"Port": redirect["port"], "Protocol": redirect["protocol"],
                                                   "StatusCode": redirect["statusCode"]}}


def _waf_rule(rule: dict) -> dict:
    statement = rule["statement"]["managedRuleGroupStatement"]
    visibility = rule["visibilityConfig"]
    return {"Name": rule["name"], "Priority": _int(rule["priority"]),
            "Statement": {"ManagedRuleGroupStatement": {"VendorName": statement["vendorName"],
                                                        "Name": statement["name"]}},
            "OverrideAction": {"None": {}},
            "VisibilityConfig": {"SampledRequestsEnabled": visibility["sampledRequestsEnabled"],
                                 "CloudWatchMetricsEnabled": visibility["cloudwatchMetricsEnabled"],
                                 "MetricName": visibility["metricName"]}}


@pytest.fixture
def aws():
    with mock_aws():
        yield {name: boto3.client(name, region_name=REGION)
               for name in ("ec2", "elbv2", "wafv2", "s3", "acm")}


def _network(ec2) -> tuple[str, list[str], str]:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]
               ["SubnetId"] for i, z in enumerate("abc")]
    group = ec2.create_security_group(GroupName="lb", Description="lb", VpcId=vpc)["GroupId"]
    return vpc, subnets, group


def test_prods_load_balancer_listeners_target_group_and_web_acl_are_valid_requests(plans, aws):
    plan = plans("prod")
    (lb,) = plan.by_type("aws:lb/loadBalancer:LoadBalancer")
    (tg,) = plan.by_type("aws:lb/targetGroup:TargetGroup")
    (acl,) = plan.by_type("aws:wafv2/webAcl:WebAcl")
    vpc, subnets, group = _network(aws["ec2"])
    elb = aws["elbv2"]
    i = lb.inputs
    made = elb.create_load_balancer(
        Name=lb.outputs["name"], Subnets=subnets, SecurityGroups=[group],
        Scheme="internal" if i["internal"] else "internet-facing", Type=i["loadBalancerType"],
        IpAddressType=i["ipAddressType"], Tags=_tags(i))["LoadBalancers"][0]
    assert made["Scheme"] == "internet-facing"
    attributes = [
        {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": str(i["dropInvalidHeaderFields"]).lower()},
        {"Key": "routing.http.desync_mitigation_mode", "Value": i["desyncMitigationMode"]},
        {"Key": "deletion_protection.enabled", "Value": str(i["enableDeletionProtection"]).lower()},
        {"Key": "access_logs.s3.enabled", "Value": str(i["accessLogs"]["enabled"]).lower()},
        {"Key": "access_logs.s3.bucket", "Value": i["accessLogs"]["bucket"]},
        {"Key": "access_logs.s3.prefix", "Value": i["accessLogs"]["prefix"]}]
    elb.modify_load_balancer_attributes(LoadBalancerArn=made["LoadBalancerArn"], Attributes=attributes)
    stored = {a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(
        LoadBalancerArn=made["LoadBalancerArn"])["Attributes"]}
    assert stored["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert stored["deletion_protection.enabled"] == "true"

    t = tg.inputs
    health = t["healthCheck"]
    group_made = elb.create_target_group(
        Name=tg.outputs["name"], Protocol=t["protocol"], Port=_int(t["port"]), VpcId=vpc, TargetType=t["targetType"],
        HealthCheckEnabled=health["enabled"], HealthCheckProtocol=health["protocol"], HealthCheckPort=health["port"],
        HealthCheckPath=health["path"], HealthCheckIntervalSeconds=_int(health["interval"]),
        HealthCheckTimeoutSeconds=_int(health["timeout"]), HealthyThresholdCount=_int(health["healthyThreshold"]),
        UnhealthyThresholdCount=_int(health["unhealthyThreshold"]), Matcher={"HttpCode": health["matcher"]},
    )["TargetGroups"][0]
    elb.modify_target_group_attributes(TargetGroupArn=group_made["TargetGroupArn"], Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": str(_int(t["deregistrationDelay"]))}])
    assert (group_made["Port"], group_made["TargetType"], group_made["HealthCheckPath"]) == (32410, "instance", "/readyz")

    certificate = aws["acm"].request_certificate(DomainName="app.example.com", ValidationMethod="DNS",
                                                 KeyAlgorithm="EC_prime256v1")["CertificateArn"]
    for listener in plan.by_type("aws:lb/listener:Listener"):
        li = listener.inputs
        params = {"LoadBalancerArn": made["LoadBalancerArn"], "Protocol": li["protocol"], "Port": _int(li["port"]),
                  "DefaultActions": [_action(a, group_made["TargetGroupArn"]) for a in li["defaultActions"]]}
        if li["protocol"] == "HTTPS":
            params.update(SslPolicy=li["sslPolicy"], Certificates=[{"CertificateArn": certificate}])
        created = elb.create_listener(**params)["Listeners"][0]
        assert created["DefaultActions"][0]["Type"] == li["defaultActions"][0]["type"]

    a = acl.inputs
    web_acl = aws["wafv2"].create_web_acl(
        Name="front-door-waf", Scope=a["scope"], DefaultAction={"Allow": {}}, Description=a["description"],
        Rules=[_waf_rule(r) for r in a["rules"]],
        VisibilityConfig={"SampledRequestsEnabled": a["visibilityConfig"]["sampledRequestsEnabled"],
                          "CloudWatchMetricsEnabled": a["visibilityConfig"]["cloudwatchMetricsEnabled"],
                          "MetricName": a["visibilityConfig"]["metricName"]})["Summary"]
    aws["wafv2"].associate_web_acl(WebACLArn=web_acl["ARN"], ResourceArn=made["LoadBalancerArn"])
    assert aws["wafv2"].get_web_acl_for_resource(ResourceArn=made["LoadBalancerArn"])["WebACL"]["Name"] == \
        "front-door-waf"


def test_the_access_log_bucket_requests_are_valid(plans, aws):
    plan = plans("prod")
    s3 = aws["s3"]
    (bucket,) = plan.by_type("aws:s3/bucket:Bucket")
    name = bucket.outputs["bucket"]
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    by_type = {r.type.rsplit(":", 1)[-1]: r.inputs for r in plan.resources if r.parent == bucket.urn}
    pab = by_type["BucketPublicAccessBlock"]
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
        "BlockPublicAcls": pab["blockPublicAcls"], "IgnorePublicAcls": pab["ignorePublicAcls"],
        "BlockPublicPolicy": pab["blockPublicPolicy"], "RestrictPublicBuckets": pab["restrictPublicBuckets"]})
    s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls={"Rules": [
        {"ObjectOwnership": by_type["BucketOwnershipControls"]["rule"]["objectOwnership"]}]})
    rule = by_type["BucketServerSideEncryptionConfiguration"]["rules"][0]["applyServerSideEncryptionByDefault"]
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": rule["sseAlgorithm"]}}]})
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={
        "Status": by_type["BucketVersioning"]["versioningConfiguration"]["status"]})
    (life,) = by_type["BucketLifecycleConfiguration"]["rules"]
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [{
        "ID": life["id"], "Status": life["status"], "Filter": {},
        "Expiration": {"Days": _int(life["expiration"]["days"])},
        "NoncurrentVersionExpiration": {"NoncurrentDays": _int(life["noncurrentVersionExpiration"]["noncurrentDays"])},
        "AbortIncompleteMultipartUpload": {
            "DaysAfterInitiation": _int(life["abortIncompleteMultipartUpload"]["daysAfterInitiation"])}}]})
    s3.put_bucket_policy(Bucket=name, Policy=by_type["BucketPolicy"]["policy"])
    assert json.loads(s3.get_bucket_policy(Bucket=name)["Policy"]) == json.loads(by_type["BucketPolicy"]["policy"])
    assert s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"][0]["Expiration"]["Days"] == 365


def test_botocore_refuses_a_listener_without_its_port_type(aws):
    """The replay can fail: a malformed request is refused before it reaches moto."""
    from botocore.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError):
        aws["elbv2"].create_listener(LoadBalancerArn="arn", Protocol="HTTPS", Port="443x", DefaultActions=[])
