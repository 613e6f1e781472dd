"""The monthly estimate: each item's arithmetic, ECR storage from lifecycle rules, assumptions
from stack config, regions without prices, and the JSON the preview adds."""

from __future__ import annotations

import json
from datetime import date

import pytest

from stack_config import ConfigError, parse
from stack_config.model import CostAssumptions
from tests.conftest import PROJECT, raw_config, run_config
from tools.cost import HOURS, estimate, images_kept, key_rotations, load_prices
from tools.preview import main

PRICES = load_prices()
EU = PRICES["regions"]["eu-central-1"]
A = CostAssumptions()


ON = date(2026, 11, 29)


def report(config: dict, region: str = "eu-central-1", secret_keys=(), on: date = ON, **assumptions):
    plan = run_config({"aws:region": region, **config}, secret_keys=secret_keys)
    return estimate(plan, region, "123456789012", CostAssumptions(**{**A.to_json(), **assumptions}), on=on)


def items(rep, prefix: str):
    return [i for i in rep.items if i.item.startswith(prefix)]


def cluster_stack(node_group=None, cluster=None, network=None, region="eu-central-1"):
    return {"repositories": [{"name": "myapp", "lifecycle": {"keep_last": 10}}],
            "network": {"availability_zones": [f"{region}a", f"{region}b"], **(network or {})},
            "cluster": {"node_groups": [node_group or {}], **(cluster or {})}}


def test_prices_file_has_a_date_and_a_source_per_kind():
    assert PRICES["checked"] == "2026-11-28" and PRICES["hours_per_month"] == HOURS == 730
    assert set(PRICES["sources"]) >= {"eks", "privatelink", "nat", "ec2", "ebs", "kms", "cloudwatch", "ecr"}
    for region, figures in PRICES["regions"].items():
        assert {"nat_hour", "endpoint_az_hour", "ecr_storage_gb_month", "ec2"} <= set(figures), region


def test_the_total_is_the_sum_of_the_items():
    for network in ({"nat": "single"}, {}):
        rep = report(cluster_stack(network=network))
        assert rep.monthly == round(sum(i.monthly for i in rep.items), 2)
        assert all(i.monthly == round(i.quantity * i.unit_price, 2) for i in rep.items)


def test_a_registry_only_stack_has_no_cluster_items():
    rep = report({"repositories": [{"name": "myapp", "lifecycle": {"keep_last": 10}}]})
    assert [i.item for i in rep.items] == ["ECR storage myapp (10 images kept)"]
    assert not items(rep, "EKS") and not items(rep, "NAT") and not items(rep, "interface")


def test_control_plane_standard_and_extended():
    standard = items(report(cluster_stack()), "EKS control plane")[0]
    assert (standard.quantity, standard.unit_price, standard.monthly) == (730, 0.10, 73.0)
    extended = items(report(cluster_stack(cluster={"version": "1.33", "upgrade_policy": "EXTENDED",
                                                   "autoscaler": {"enabled": False}})),
                     "EKS control plane")[0]
    assert "extended support" in extended.item and extended.monthly == 438.0


def test_nodes_on_demand_and_spot_with_its_assumption():
    on_demand = items(report(cluster_stack({"instance_types": ["t3.large"], "min_size": 3, "desired_size": 3,
                                            "max_size": 3})), "EKS nodes")[0]
    assert on_demand.quantity == 3 * 730 and on_demand.unit_price == EU["ec2"]["t3.large"]
    spot = items(report(cluster_stack({"instance_types": ["t3.large"], "desired_size": 3, "max_size": 3,
                                       "capacity_type": "SPOT"}), spot_discount=0.7), "EKS nodes")[0]
    assert "SPOT (assumed 70% below on-demand)" in spot.item
    assert spot.unit_price == pytest.approx(EU["ec2"]["t3.large"] * 0.3)
    disks = items(report(cluster_stack({"disk_size": 50})), "EKS node volumes")[0]
    assert (disks.quantity, disks.unit_price) == (2 * 50, EU["ebs_gp3_gb_month"])


def test_nat_gateways_and_endpoints_per_az():
    per_az = report(cluster_stack(network={"nat": "per_az"}))
    assert len(items(per_az, "NAT gateway network-nat")) == 2
    assert len(items(per_az, "public IPv4")) == 2
    data = items(per_az, "NAT gateway data")[0]
    assert (data.quantity, data.unit_price) == (100, EU["nat_gb"])
    private = report(cluster_stack())
    endpoints = [i for i in items(private, "interface endpoint ") if "data" not in i.item]
    assert {i.item for i in endpoints} == {f"interface endpoint {s} (2 AZs)" for s in ("ecr.api", "ecr.dkr", "ec2", "sts")}
    assert all(i.quantity == 2 * 730 and i.unit_price == EU["endpoint_az_hour"] for i in endpoints)
    assert not items(private, "NAT")


def test_keys_and_logs():
    rep = report(cluster_stack())
    assert {i.item for i in items(rep, "KMS key")} == {"KMS key cluster-key (2 rotations at 730 days)",
                                                       "KMS key network-flow-logs-key (2 rotations at 730 days)"}
    ingestion = items(rep, "EKS control-plane log ingestion")[0]
    assert (ingestion.quantity, ingestion.unit_price) == (5, EU["logs_ingest_gb"])


def test_ecr_storage_follows_the_lifecycle_rules():
    keep10 = items(report({"repositories": [{"name": "ab", "lifecycle": {"keep_last": 10}}]}), "ECR storage")[0]
    keep100 = items(report({"repositories": [{"name": "ab", "lifecycle": {"keep_last": 100}}]}), "ECR storage")[0]
    assert keep10.quantity == pytest.approx(10 * 150 / 1024)
    assert keep100.quantity == pytest.approx(10 * keep10.quantity)
    forever = items(report({"repositories": [{"name": "ab"}]}), "ECR storage")[0]
    assert forever.quantity == pytest.approx(5 * 365 * 150 / 1024)  # no lifecycle: a year of pushes


@pytest.mark.parametrize("rules, kept", [
    ([{"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14},
      {"tagStatus": "tagged", "countType": "imageCountMoreThan", "countNumber": 100}], 14 + 100),
    ([{"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 20}], 20),
    ([{"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 3}],
     3 + 4 * 365),
])
def test_images_kept_by_rule(rules, kept):
    policy = json.dumps({"rules": [{"rulePriority": i + 1, "selection": r, "action": {"type": "expire"}}
                                   for i, r in enumerate(rules)]})
    assert images_kept(policy, A) == pytest.approx(kept)


def test_replicas_are_stored_again_in_each_destination_and_transferred():
    rep = report({"repositories": [{"name": "myapp", "lifecycle": {"keep_last": 10}}],
                  "replication": {"rules": [{"destinations": [{"region": "eu-west-1"}, {"region": "us-east-1"}]}]}})
    replicas = items(rep, "ECR replica storage")
    assert {i.region for i in replicas} == {"eu-west-1", "us-east-1"}
    transfers = items(rep, "ECR replication transfer")
    assert len(transfers) == 2 and all(t.unit_price == EU["inter_region_gb"] for t in transfers)
    assert transfers[0].quantity == pytest.approx(5 * 730 / 24 * 150 / 1024)


def test_changing_an_assumption_changes_the_estimate():
    small = report(cluster_stack(), image_size_mb=50).monthly
    large = report(cluster_stack(), image_size_mb=500).monthly
    assert large > small


def test_a_region_without_prices_is_named_never_a_silent_zero(capsys, stack_file):
    rep = report(cluster_stack(region="ap-south-1"), region="ap-south-1")
    assert "EKS nodes" not in " ".join(i.item for i in rep.items)
    assert "node group nodes-nodes: no t3.large price for ap-south-1" in rep.missing
    assert any(m.startswith("NAT") or "interface endpoint" in m for m in rep.missing)
    path = stack_file("""
        config:
          aws:region: ap-south-1
          container-platform:repositories: [{name: ab, lifecycle: {keep_last: 5}}]
    """)
    assert main(["custom", "--config-file", str(path), "--no-policy"]) == 0
    assert "warning: cost: ECR storage: no ecr_storage_gb_month price for ap-south-1 (left out of the total" in \
        capsys.readouterr().err


def test_an_instance_type_without_a_price_is_named():
    rep = report(cluster_stack({"instance_types": ["c6i.large"]}))
    assert rep.missing == ["node group nodes-nodes: no c6i.large price for eu-central-1"]


def test_the_preview_prints_the_table_and_adds_cost_to_the_json(tmp_path, capsys):
    out = tmp_path / "plan.json"
    assert main(["dev", "--no-policy", "--on", "2026-11-29", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Estimated monthly cost (USD, AWS list prices checked 2026-11-28; the 730 hours from 2026-11-29)" in text
    cost = json.loads(out.read_text())["cost"]
    assert set(cost) == {"currency", "monthly", "monthly_at_max", "prices_checked", "priced_on", "items",
                         "assumptions", "missing", "assumed_prices"}
    assert cost["priced_on"] == "2026-11-29"
    assert cost["currency"] == "USD" and cost["prices_checked"] == "2026-11-28"
    assert cost["monthly"] == round(sum(i["monthly"] for i in cost["items"]), 2)
    for item in cost["items"]:
        assert set(item) == {"urn", "item", "quantity", "unit", "unit_price", "monthly", "quantity_at_max",
                             "monthly_at_max"}
    assert cost["monthly_at_max"] == round(sum(i["monthly_at_max"] for i in cost["items"]), 2) > cost["monthly"]
    assert cost["assumptions"]["image_size_mb"] == 150
    assert main(["dev", "--no-policy", "--no-cost", "--json", str(out)]) == 0
    assert "cost" not in json.loads(out.read_text())


def test_assumptions_come_from_stack_config():
    parsed = parse(raw_config({"repositories": [{"name": "ab"}], "cost": {"image_size_mb": 80, "spot_discount": "0.5"}}),
                   project=PROJECT, stack="t")
    assert parsed.cost.image_size_mb == 80 and parsed.cost.spot_discount == 0.5


@pytest.mark.parametrize("cost, message", [
    ({"image_size_mb": -1}, "cost.image_size_mb: -1 is not a number (0 or more)"),
    ({"spot_discount": 1.5}, "cost.spot_discount: 1.5 is not a fraction (0 to 1)"),
    ({"pushes_per_day": "many"}, 'cost.pushes_per_day: "many" is not a number (0 or more)'),
    ({"key_age_days": -30}, "cost.key_age_days: -30 is not a number (0 or more)"),
    ({"rescans_per_image_month": "weekly"}, 'cost.rescans_per_image_month: "weekly" is not a number (0 or more)'),
    ({"image_size": 100}, 'cost.image_size: 100 is set on an unknown key; did you mean image_size_mb? allowed keys: '
                          "image_size_mb, pushes_per_day, untagged_fraction, days_without_lifecycle, cached_gb, "
                          "nat_gb_per_month, endpoint_gb_per_month, control_plane_log_gb_per_month, "
                          "flow_log_gb_per_month, spot_discount, rescans_per_image_month, key_age_days, "
                          "lb_lcus, requests_millions_per_month, container_insights_observations_per_node_month, "
                          "container_log_gb_per_month, runner_minutes_per_month, access_log_gb_per_month, "
                          "workload_pushes_per_day, tag_mix"),
])
def test_cost_errors(cost, message):
    with pytest.raises(ConfigError) as caught:
        parse(raw_config({"repositories": [{"name": "ab"}], "cost": cost}), project=PROJECT, stack="t")
    assert str(caught.value) == message


# --- issue 22: what the bill adds over time and per scan.


def test_the_control_plane_is_priced_by_the_calendar_on_the_day_given():
    extended_134 = cluster_stack(cluster={"version": "1.34", "upgrade_policy": "EXTENDED",
                                          "autoscaler": {"enabled": False}})
    # 1.34 leaves standard support on 2026-12-02: from 2026-11-29, 3 days standard, the rest extended.
    plane = items(report(extended_134, on=date(2026, 11, 29)), "EKS control plane")
    assert [(i.quantity, i.unit_price) for i in plane] == [(72.0, 0.10), (658.0, 0.60)]
    assert "from 2026-12-02" in plane[1].item
    assert sum(i.monthly for i in plane) == pytest.approx(7.2 + 394.8)
    before = items(report(extended_134, on=date(2026, 10, 1)), "EKS control plane")
    assert [(i.quantity, i.unit_price) for i in before] == [(730.0, 0.10)]
    after = items(report(extended_134, on=date(2027, 1, 1)), "EKS control plane")
    assert [(i.quantity, i.unit_price) for i in after] == [(730.0, 0.60)]
    # STANDARD upgrades the control plane instead: never billed extended.
    standard = items(report(cluster_stack(cluster={"version": "1.34", "autoscaler": {"enabled": False}}), on=date(2027, 1, 1)), "EKS control plane")
    assert [(i.quantity, i.unit_price) for i in standard] == [(730.0, 0.10)]


def test_key_rotations_add_a_dollar_each_up_to_two():
    assert [key_rotations(age, True, None) for age in (0, 364, 365, 729, 730, 3000)] == [0, 0, 1, 1, 2, 2]
    assert key_rotations(3000, False, None) == 0
    assert key_rotations(200, True, 90) == 2 and key_rotations(100, True, 90) == 1
    for age, price in ((100, 1.0), (400, 2.0), (800, 3.0)):
        keys = items(report(cluster_stack(), key_age_days=age), "KMS key")
        assert keys and all(k.unit_price == price for k in keys), age


ENHANCED = {"type": "ENHANCED", "rules": [{"frequency": "CONTINUOUS_SCAN", "filters": ["myapp"]},
                                          {"frequency": "SCAN_ON_PUSH", "filters": ["*"]}]}


def test_enhanced_scanning_prices_each_scan_and_rescan():
    stack = {"repositories": [{"name": "myapp", "lifecycle": {"keep_last": 10}},
                              {"name": "tools", "lifecycle": {"keep_last": 20}}], "scanning": ENHANCED}
    rep = report(stack, pushes_per_day=2, rescans_per_image_month=3)
    scans = {i.item: (i.quantity, i.unit_price) for i in items(rep, "Inspector")}
    month = 2 * 730 / 24
    assert scans == {
        "Inspector scans myapp in eu-central-1 (123456789012, on push)": (pytest.approx(month), 0.09),
        "Inspector scans tools in eu-central-1 (123456789012, on push)": (pytest.approx(month), 0.09),
        # continuous only for myapp: its 10 images, 3 rescans each
        "Inspector rescans myapp in eu-central-1 (123456789012, 10 images held)": (30, 0.01)}
    basic = report({**stack, "scanning": {"type": "BASIC", "rules": [{"frequency": "SCAN_ON_PUSH",
                                                                       "filters": ["*"]}]}})
    assert not items(basic, "Inspector")


def test_replicas_are_scanned_where_they_land():
    rep = report({"repositories": [{"name": "myapp", "lifecycle": {"keep_last": 10}}], "scanning": ENHANCED,
                  "replication": {"rules": [{"destinations": [{"region": "eu-west-1"}], "filters": ["myapp"]}]}})
    where = {i.item.split(" (")[0] for i in items(rep, "Inspector")}
    assert where == {"Inspector scans myapp in eu-central-1", "Inspector rescans myapp in eu-central-1",
                     "Inspector scans myapp in eu-west-1", "Inspector rescans myapp in eu-west-1"}


def test_prices_without_a_source_are_named_as_assumed():
    rep = report(cluster_stack())
    cloudwatch = [f"{key}: {PRICES['assumed'][key]}" for key in ("application_signals_million",
                                                                 "container_insights_observation_million")]
    assert rep.assumed_prices == [*cloudwatch, "vended_logs_gb in eu-central-1: " + PRICES["assumed"]["vended_logs_gb"]]
    assert report(cluster_stack(region="us-east-1"), region="us-east-1").assumed_prices == cloudwatch
    without = report(cluster_stack(cluster={"observability": {"enabled": False}}))
    assert without.assumed_prices == ["vended_logs_gb in eu-central-1: " + PRICES["assumed"]["vended_logs_gb"]]
    assert EU["ec2"]["m7g.large"] == 0.0978


def test_the_preview_takes_the_day_and_rejects_a_bad_one(tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["dev", "--on", "next week"])
    assert caught.value.code == 2
    assert "argument --on: 'next week' is not a date; use YYYY-MM-DD, e.g. 2026-12-02" in capsys.readouterr().err


def front_door_stack(front_door: dict, region: str = "eu-central-1") -> dict:
    return {**cluster_stack(network={"nat": "single"}, region=region), "workload": {"repository": "myapp"},
            "front_door": front_door}


def test_the_front_door_is_priced_by_hour_capacity_addresses_waf_and_logs():
    public = front_door_stack({"scheme": "internet-facing", "public": True, "certificate": "create",
                               "hostname": "app.example.com", "zone": "example.com", "waf": True,
                               "access_logs": True, "access_log_retention_days": 30})
    rep = report(public, lb_lcus=2.5, requests_millions_per_month=40, access_log_gb_per_month=9)
    got = {i.item: (i.quantity, i.unit_price) for i in rep.items if "front-door" in i.item}
    assert got == {
        "load balancer front-door-lb": (730, EU["alb_hour"]),
        "load balancer capacity front-door-lb (2.5 LCU assumed)": (2.5 * 730, EU["alb_lcu_hour"]),
        # internet-facing: one public IPv4 address per zone (two subnets here)
        "public IPv4 addresses front-door-lb (2 zones)": (2 * 730, EU["public_ipv4_hour"]),
        # 9 GB a month kept 30 days: about 8.9 GB stored at any time
        "access-log storage front-door-lb (kept 30 days)": (pytest.approx(9 * 30 / (730 / 24)),
                                                            EU["s3_standard_gb_month"]),
        "WAF web ACL front-door-waf": (1, 5.0),
        "WAF rules front-door-waf (3 managed rule groups)": (3, 1.0),
        "WAF requests front-door-waf (assumed)": (40, 0.6),
    }
    assert {"alb_hour in eu-central-1", "alb_lcu_hour in eu-central-1"} <= {
        a.split(":")[0] for a in rep.assumed_prices}


def test_an_internal_front_door_has_no_public_addresses_waf_or_logs_unless_asked():
    rep = report(front_door_stack({"scheme": "internal", "certificate": "none", "client_cidrs": ["10.0.0.0/16"]}))
    got = [i.item for i in rep.items if "front-door" in i.item]
    assert got == ["load balancer front-door-lb", "load balancer capacity front-door-lb (1 LCU assumed)"]


# ------------------------------------------------------------------------------ tag-filtered retention

def _policy(*selections: dict) -> str:
    return json.dumps({"rules": [{"rulePriority": i + 1, "selection": sel, "action": {"type": "expire"}}
                                 for i, sel in enumerate(selections)]})


def test_each_kind_of_push_goes_to_the_first_rule_that_selects_it():
    from tools.cost import retention

    a = CostAssumptions(pushes_per_day=5, untagged_fraction=0.2, tag_mix={"v1.2.3": 0.25, "build-7": 0.75})
    streams = [(None, 1.0), ("v1.2.3", 1.0), ("build-7", 3.0), ("sha-0123456789abcdef", 2.0)]
    policy = _policy(
        {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14},
        {"tagStatus": "tagged", "tagPatternList": ["v*.*.*"], "countType": "imageCountMoreThan", "countNumber": 100},
        {"tagStatus": "tagged", "tagPrefixList": ["build-"], "countType": "imageCountMoreThan", "countNumber": 30},
        # a later catch-all never sees what an earlier rule took
        {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 5})
    kept = retention(policy, a, streams)
    assert kept.images == 14 + 100 + 30 + 5 and kept.never_expire == ()
    # Without the catch-all the content tags match nothing: a year of them, named.
    narrow = retention(_policy(
        {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14},
        {"tagStatus": "tagged", "tagPatternList": ["v*"], "countType": "imageCountMoreThan", "countNumber": 100}),
        a, streams)
    assert narrow.never_expire == ("build-7", "sha-0123456789abcdef")
    assert narrow.images == 14 + 100 + (3 + 2) * 365


def test_several_prefixes_or_patterns_select_only_tags_matching_all_of_them():
    from tools.cost import rule_matches

    assert rule_matches({"tagStatus": "tagged", "tagPatternList": ["v*", "*-rc*"]}, "v1.2-rc1")
    assert not rule_matches({"tagStatus": "tagged", "tagPatternList": ["v*", "*-rc*"]}, "v1.2")
    assert rule_matches({"tagStatus": "tagged", "tagPrefixList": ["sha-"]}, "sha-0123")
    assert not rule_matches({"tagStatus": "tagged", "tagPrefixList": ["sha-"]}, None)
    assert rule_matches({"tagStatus": "untagged"}, None) and not rule_matches({"tagStatus": "untagged"}, "x")
    assert not rule_matches({"tagStatus": "tagged", "tagPatternList": ["v*.*.*"]}, "v1.2")


def test_the_workloads_content_tags_count_in_its_repository():
    base = {**cluster_stack(network={"nat": "single"}), "workload": {"repository": "myapp"}}
    only_releases = {**base, "repositories": [{"name": "myapp", "lifecycle": {
        "untagged_expire_days": 7, "keep_last": 10, "tag_patterns": ["v*"]}}]}
    (item,) = items(report(only_releases, workload_pushes_per_day=3), "ECR storage myapp")
    tag = item.item.split("never expired: ")[1].rstrip(")")
    assert tag.startswith("sha-") and len(tag) == 20
    assert item.quantity == pytest.approx((7 * 1 + 10 + 3 * 365) * 150 / 1024)
    with_prefix = {**base, "repositories": [{"name": "myapp", "lifecycle": {"rules": [
        {"priority": 1, "tag_status": "untagged", "expire_after_days": 7},
        {"priority": 2, "tag_status": "tagged", "tag_patterns": ["v*"], "keep_last": 10},
        {"priority": 3, "tag_status": "tagged", "tag_prefixes": ["sha-"], "keep_last": 20}]}}]}
    (item,) = items(report(with_prefix, workload_pushes_per_day=3), "ECR storage myapp")
    assert item.item == "ECR storage myapp (37 images kept)"


def test_the_shipped_stacks_expire_every_kind_of_push(plans):
    for stack, account in (("dev", "111122223333"), ("prod", "444455556666")):
        rep = estimate(plans(stack), "eu-central-1", account, A, on=ON)
        assert items(rep, "ECR replica storage")
        assert not [i.item for i in rep.items if "never expired" in i.item], stack


@pytest.mark.parametrize("mix, message", [
    ({"v1.2.3": 0.5}, 'cost.tag_mix: {"v1.2.3": 0.5} shares' " add up to 0.5; they are shares of a repository's tagged "
                      "pushes and must add up to 1"),
    ({"v 1": 1}, 'cost.tag_mix.v 1: "v 1" is not an image tag (letters, digits, _ . -; 128 at most)'),
    ({"v1": 2}, "cost.tag_mix.v1: 2 is not a fraction (0 to 1)"),
    ([], "cost.tag_mix: [] is not a map of sample image tags to their shares of tagged pushes (v1.2.3: 0.2)"),
])
def test_tag_mix_errors(mix, message):
    with pytest.raises(ConfigError) as caught:
        parse(raw_config({"repositories": [{"name": "ab"}], "cost": {"tag_mix": mix}}), project=PROJECT, stack="t")
    assert str(caught.value) == message


@pytest.mark.parametrize("scanning, per_run", [({}, 61), ({"type": "ENHANCED", "rules": [
    {"frequency": "CONTINUOUS_SCAN", "filters": ["*"]}]}, 62)])
def test_the_scan_gate_adds_its_reads_at_no_charge_with_the_source(scanning, per_run):
    config = {**cluster_stack(), "workload": {"repository": "myapp"}, **({"scanning": scanning} if scanning else {})}
    rep = report(config, workload_pushes_per_day=3)
    (item,) = items(rep, "scan gate")
    kind = scanning.get("type", "BASIC")
    assert item.item == (f"scan gate scan-gate-findings: {kind} scan reads during `pulumi up` (at most {per_run} "
                         "calls for each of 91 new images; not billed)")
    assert item.unit == "API call" and item.unit_price == 0 == item.monthly
    assert item.quantity == pytest.approx(3 * 730 / 24 * per_run)
    assert PRICES["global"]["scan_gate_api_call"] == 0
    source = PRICES["sources"]["scan_gate"]
    assert "https://aws.amazon.com/ecr/pricing/" in source and "https://aws.amazon.com/inspector/pricing/" in source
    # A shorter timeout polls less.
    (short,) = items(report({**config, "workload": {"repository": "myapp", "scan_gate": {"timeout_minutes": 2}}}),
                     "scan gate")
    assert "at most " + str(per_run - 48) + " calls" in short.item


# --- issue 31: the range between the node groups' minimum and maximum, and what CloudWatch adds.


def test_the_estimate_prices_the_minimum_and_the_maximum_scale():
    rep = report(cluster_stack({"instance_types": ["t3.large"], "min_size": 1, "desired_size": 2, "max_size": 5,
                                "disk_size": 40}))
    (nodes,) = items(rep, "EKS nodes")
    assert (nodes.quantity, nodes.quantity_at_max) == (1 * 730, 5 * 730)  # never the desired size (the autoscaler's)
    assert nodes.monthly_at_max == round(5 * 730 * EU["ec2"]["t3.large"], 2)
    (volumes,) = items(rep, "EKS node volumes")
    assert (volumes.quantity, volumes.quantity_at_max) == (40, 200)
    (observations,) = items(rep, "Container Insights observations")
    assert (observations.quantity, observations.quantity_at_max) == (20, 100)  # 20 million per node-month
    grows = sum(i.monthly_at_max - i.monthly for i in rep.items)
    assert rep.monthly_at_max == pytest.approx(rep.monthly + grows, abs=0.02)
    assert rep.monthly_at_max - rep.monthly == pytest.approx(
        4 * (730 * EU["ec2"]["t3.large"] + 40 * EU["ebs_gp3_gb_month"])
        + 80 * PRICES["global"]["container_insights_observation_million"], abs=0.05)


def test_the_observability_add_on_brings_observations_logs_and_no_signals_without_instrumentation():
    rep = report(cluster_stack(), container_log_gb_per_month=12)
    (logs,) = items(rep, "container log ingestion")
    assert (logs.quantity, logs.unit_price) == (12, EU["logs_ingest_gb"])
    (stored,) = items(rep, "log storage /aws/containerinsights/")
    assert "/application" in stored.item and stored.quantity == pytest.approx(12 * 30 / (730 / 24))
    (signals,) = items(rep, "Application Signals")
    assert signals.quantity == 0 and "no instrumented service" in signals.item
    assert not items(report(cluster_stack(cluster={"observability": {"enabled": False}})), "Container Insights")


def test_the_shipped_stacks_range(plans):
    for name in ("dev", "prod"):
        rep = estimate(plans(name), "eu-central-1", "111122223333", A, on=ON)
        assert rep.monthly_at_max > rep.monthly, name
        assert {i.item.split(":")[0] for i in rep.items if i.quantity_at_max is not None} >= {
            "EKS nodes nodes-nodes", "EKS node volumes nodes-nodes (gp3), " + ("1-3" if name == "dev" else "3-6")
            + " nodes"}, name
