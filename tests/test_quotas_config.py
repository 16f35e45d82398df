"""`hubspoke:quotas` and what a stack plans against them: refused before any resource, naming
the key, the account and region, and what the stack plans there
(components/validation/quotas.py)."""

from __future__ import annotations

from typing import Any

import pytest
from stack_variants import config_problems, hubspoke_keys

from components.config import parse
from offline.runner import stack_config

PAGE = "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html"


def raw(stack: str = "dev") -> dict[str, Any]:
    return hubspoke_keys(stack_config(stack))


def problems(cfg: dict[str, Any]) -> list[str]:
    return config_problems(cfg, stack="dev")


def with_spokes(count: int, **extra: Any) -> dict[str, Any]:
    cfg = raw()
    cfg["spokes"] = [
        {"name": f"s{i}", "account": "sandbox", "cidr": f"10.{20 + i}.0.0/16", **extra}
        for i in range(count)
    ]
    del cfg["api"]
    del cfg["web"]  # the web app is the API's front end: without the API it is an error
    return cfg


def test_both_example_stack_files_fit_the_default_quotas():
    for stack in ("dev", "prod"):
        assert parse(raw(stack), stack=stack, region="eu-west-1").quotas.declared == {}


def test_a_fifth_vpc_in_one_account_and_region_is_refused_counting_the_default_vpc():
    assert parse(with_spokes(3), stack="dev", region="eu-west-1")  # hub + 3 + default = 5
    assert problems(with_spokes(4)) == [
        "hubspoke:quotas.vpcsPerRegion 5 (AWS's default) is exceeded in account 111122223333 "
        "eu-west-1: the stack plans 5 VPCs (hub, s0, s1, s2, s3) plus the default VPC there; raise "
        f"the quota in Service Quotas and declare it here, or move VPCs to another account or "
        f"region ({PAGE})"
    ]
    raised = with_spokes(4) | {"quotas": {"vpcsPerRegion": 6}}
    assert parse(raised, stack="dev", region="eu-west-1").quotas.value("vpcsPerRegion") == 6


def test_vpcs_in_another_region_count_against_that_region():
    cfg = with_spokes(4)
    cfg["spokes"][3]["region"] = "eu-central-1"
    assert parse(cfg, stack="dev", region="eu-west-1")


def test_elastic_ips_for_nat_gateways_are_counted_per_account_and_region():
    cfg = with_spokes(2, natGateways="perAz", azCount=3)  # 2 x 3 EIPs
    (problem,) = problems(cfg)
    assert problem.startswith(
        "hubspoke:quotas.eipsPerRegion 5 (AWS's default) is exceeded in account 111122223333 "
        "eu-west-1: the stack plans 6 Elastic IPs for NAT gateways (VPCs hub, s0, s1) there"
    )
    cfg["quotas"] = {"eipsPerRegion": 6}
    assert parse(cfg, stack="dev", region="eu-west-1")


def test_gateway_endpoints_are_two_per_vpc_against_the_regions_20():
    cfg = with_spokes(10) | {"quotas": {"vpcsPerRegion": 12}}  # 11 VPCs: 22 endpoints
    (problem,) = problems(cfg)
    assert problem.startswith(
        "hubspoke:quotas.gatewayEndpointsPerRegion 20 (AWS's default) is exceeded in account "
        "111122223333 eu-west-1: the stack plans 22 gateway endpoints"
    )


def test_resolver_endpoints_the_hub_and_each_remote_region_relay():
    cfg = raw("prod")
    cfg["quotas"] = {"resolverEndpointsPerRegion": 4}
    assert parse(cfg, stack="prod", region="eu-west-1")
    # Three more spokes of analytics in eu-central-1: still one relay each, in that region.
    for i in range(4):
        cfg["spokes"].append(
            {"name": f"r{i}", "account": "analytics", "cidr": f"10.{40 + i}.0.0/16",
             "region": "eu-central-1", "segment": "analytics", "azCount": 3}
        )  # fmt: skip
    cfg["quotas"] = {"vpcsPerRegion": 10}
    (problem,) = problems(cfg)
    assert problem.startswith(
        "hubspoke:quotas.resolverEndpointsPerRegion 4 (AWS's default) is exceeded in account "
        "777788889999 eu-central-1: the stack plans 5 Route 53 Resolver endpoints there"
    )


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [("vpcsPerRegion", 4, "5..1000"), ("eipsPerRegion", "6", None), ("nope", 1, None)],
)
def test_a_declared_quota_is_a_whole_number_from_the_default_up(key, value, allowed):
    cfg = raw() | {"quotas": {key: value}}
    (problem,) = problems(cfg)
    if allowed:
        assert problem == f"hubspoke:quotas.{key} {value} is out of range (allowed: {allowed})"
    elif key == "nope":
        assert problem.startswith("hubspoke:quotas.nope")
    else:
        assert problem == f"hubspoke:quotas.{key} 6 must be a whole number"  # the string "6"
