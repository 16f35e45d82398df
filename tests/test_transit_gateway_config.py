"""`hubspoke:transitGateway`, the spokes' `segment` and `hubspoke:quotas`: every problem at once,
each naming its key path and value, before anything is registered."""

from __future__ import annotations

from typing import Any

import pytest
from stack_variants import config_problems, hubspoke_keys

from components.config import parse
from offline.runner import stack_config

PATH = "hubspoke:transitGateway"


def raw(stack: str = "prod") -> dict[str, Any]:
    return hubspoke_keys(stack_config(stack))


problems = config_problems


def test_prod_parses_into_segments_and_a_segment_per_spoke():
    cfg = parse(raw(), stack="prod", region="eu-west-1")
    assert cfg.transit_gateway.amazon_side_asn == 64600
    assert {s.name: s.reach for s in cfg.transit_gateway.segments} == {
        "apps": ("onPrem",), "analytics": (), "tools": (),
    }  # fmt: skip
    assert [s.segment for s in cfg.spokes] == ["apps", "analytics", "tools"]


def test_every_segment_problem_is_reported_at_once_with_key_and_value():
    cfg = raw()
    cfg["transitGateway"]["amazonSideAsn"] = 65010  # the on-prem device's ASN
    cfg["transitGateway"]["segments"]["apps"]["reach"] = ["onPrem", "nowhere"]
    cfg["transitGateway"]["segments"]["unused"] = {"reach": []}
    cfg["spokes"][1]["segment"] = "ghost"
    del cfg["spokes"][2]["segment"]
    assert problems(cfg) == [
        f"{PATH}.amazonSideAsn 65010 is the on-prem side's ASN (hubspoke:onPrem.vpn.bgpAsn): "
        "BGP needs two ASNs",
        f"{PATH}.segments.apps.reach[1] nowhere is not a segment (known: apps, analytics, tools, "
        "unused, shared, onPrem)",
        f"hubspoke:spokes[1].segment ghost is not a segment of {PATH}.segments (analytics, apps, "
        "tools, unused)",
        "hubspoke:spokes[2].segment is required",
        f"{PATH}.segments.analytics analytics is a segment no spoke uses; remove it",
        f"{PATH}.segments.tools tools is a segment no spoke uses; remove it",
        f"{PATH}.segments.unused unused is a segment no spoke uses; remove it",
    ]


@pytest.mark.parametrize(
    ("asn", "message"),
    [
        (64512, "is the virtual private gateway's ASN (64512, peering mode's VPN); choose another"),
        (65535, "is not a private ASN a transit gateway accepts (64512-65534 or "
         "4200000000-4294967294)"),
        ("64600", "must be an integer (a private ASN)"),
    ],
)  # fmt: skip
def test_the_amazon_side_asn_must_be_private_and_unlike_the_vgw_and_on_prem(asn, message):
    cfg = raw()
    cfg["transitGateway"]["amazonSideAsn"] = asn
    assert problems(cfg) == [f"{PATH}.amazonSideAsn {asn} {message}"]


def test_reaching_on_prem_needs_a_vpn_and_reserved_names_are_not_segments():
    cfg = raw()
    del cfg["onPrem"]["vpn"]
    cfg["transitGateway"]["segments"]["shared"] = {}
    assert problems(cfg) == [
        f"{PATH}.segments.apps.reach[0] onPrem needs a VPN to on-prem (hubspoke:onPrem.vpn), "
        "and there is none",
        f"{PATH}.segments.shared {{}} uses a reserved name (shared, onPrem)",
    ]


def test_a_segment_without_transit_gateway_mode_is_an_error():
    cfg = raw("dev")
    cfg["spokes"][0]["segment"] = "apps"
    assert problems(cfg) == [
        f"hubspoke:spokes[0].segment apps needs {PATH} (segments exist only in transit gateway "
        "mode)"
    ]


def test_a_vpc_too_small_for_attachment_subnets_is_an_error():
    cfg = raw()
    cfg["spokes"][2]["cidr"] = "10.3.0.0/24"
    assert problems(cfg) == [
        "hubspoke:spokes[2] 10.3.0.0/24 with azCount 2 is too small for 2 transit gateway "
        "attachment subnets (/28 each, carved from a /28 slot that holds 1); use a larger VPC"
    ]


def _many_spokes(count: int) -> dict[str, Any]:
    cfg = raw("dev")
    cfg["spokes"] = [
        {"name": f"s{i}", "account": "sandbox", "cidr": f"10.{64 + i // 16}.{(i % 16) * 16}.0/20"}
        for i in range(count)
    ]
    del cfg["api"]
    del cfg["web"]  # the web app is the API's front end: without the API it is an error
    # That many VPCs in one account and region need those quotas raised too.
    cfg["quotas"] = {"vpcsPerRegion": 100, "gatewayEndpointsPerRegion": 200}
    return cfg


def test_more_spokes_than_the_peering_quota_is_an_error_suggesting_transit_gateway_mode():
    assert parse(_many_spokes(50), stack="dev", region="eu-west-1")  # the default quota: 50
    assert problems(_many_spokes(51)) == [
        "hubspoke:spokes 51 spokes need 51 peerings on the hub VPC, more than "
        "hubspoke:quotas.peeringsPerVpc (50; AWS allows at most 125): use transit gateway mode "
        f"({PATH})"
    ]
    raised = _many_spokes(51)
    raised["quotas"] |= {"peeringsPerVpc": 125}
    assert parse(raised, stack="dev", region="eu-west-1").quotas.peerings_per_vpc == 125


def test_the_peering_quota_cannot_be_declared_above_what_aws_allows():
    cfg = raw("dev") | {"quotas": {"peeringsPerVpc": 126}}
    assert problems(cfg) == [
        "hubspoke:quotas.peeringsPerVpc 126 is out of range (allowed: 50..125)"
    ]


@pytest.mark.parametrize(
    ("asn", "bgp_asn", "message"),
    [
        (65534, 65010, "ASN 65535 (amazonSideAsn + 1), past the private range "
         "(64512-65534 or 4200000000-4294967294): lower it"),
        (4294967294, 65010, "ASN 4294967295 (amazonSideAsn + 1), past the private range "
         "(64512-65534 or 4200000000-4294967294): lower it"),
        (65009, 65010, "ASN 65010 (amazonSideAsn + 1), the on-prem side's "
         "(hubspoke:onPrem.vpn.bgpAsn)"),
    ],
)  # fmt: skip
def test_the_remote_regions_gateway_asn_stays_private_and_unlike_on_prem(asn, bgp_asn, message):
    cfg = raw()  # data is in eu-central-1: its gateway takes amazonSideAsn + 1
    cfg["transitGateway"]["amazonSideAsn"] = asn
    cfg["onPrem"]["vpn"]["bgpAsn"] = bgp_asn
    assert problems(cfg) == [
        f"{PATH}.amazonSideAsn {asn} gives the gateway in eu-central-1 {message}"
    ]


def test_a_remote_gateway_asn_inside_the_range_is_accepted():
    cfg = raw()
    cfg["transitGateway"]["amazonSideAsn"] = 65533  # eu-central-1 takes 65534, the last one
    assert parse(cfg, stack="prod", region="eu-west-1").transit_gateway.amazon_side_asn == 65533
