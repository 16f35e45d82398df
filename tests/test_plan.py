"""The network plan: what each VPC's addresses and route tables are, from the config alone."""

from __future__ import annotations

import ipaddress

import pytest

from components.config import ConfigError, parse
from components.plan import plan_network, plan_vpc
from offline.runner import RunResult, stack_config

SUBNET = "aws:ec2/subnet:Subnet"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"


def _plan(stack: str):
    raw = {
        k.split(":", 1)[1]: v for k, v in stack_config(stack).items() if k.startswith("hubspoke:")
    }
    return plan_network(parse(raw, stack=stack, region="eu-west-1"))


@pytest.mark.parametrize(
    ("nat", "keys"),
    [
        ("none", ("private",)),
        ("single", ("private", "public")),
        ("perAz", ("private-0", "private-1", "private-2", "public")),
    ],
)
def test_route_table_keys_follow_the_nat_strategy(nat, keys):
    cfg = parse(
        {
            "accounts": {"n": {"id": "111122223333"}},
            "hub": {"account": "n", "cidr": "10.0.0.0/16", "azCount": 3, "natGateways": nat},
        },
        stack="t",
        region="eu-west-1",
    )
    hub = plan_vpc(cfg.hub)
    assert hub.route_table_keys == keys
    assert len(hub.public_subnets) == (0 if nat == "none" else 3)


def test_prod_plan_pins_the_resolver_addresses_and_relays_only_the_remote_spoke():
    plan = _plan("prod")
    # dns.endpointIps: 2 by default, in the first two AZs.
    assert plan.inbound_ips == ("10.0.0.10", "10.0.16.10")
    assert plan.outbound_ips == ("10.0.0.11", "10.0.16.11")
    assert dict(plan.relay_ips) == {"data": ("10.2.0.11", "10.2.16.11")}
    assert plan.spokes["shared"].private_subnets == (
        ipaddress.IPv4Network("10.3.0.0/24"),
        ipaddress.IPv4Network("10.3.1.0/24"),
    )


@pytest.mark.parametrize("stack_name", ["dev", "prod"])
def test_the_program_registers_exactly_the_planned_subnets_and_route_tables(stack_name, request):
    result: RunResult = request.getfixturevalue(stack_name)
    plan = _plan(stack_name)
    planned = {
        f"{vpc.name}-{tier}-{i}": str(cidr)
        for vpc in (plan.hub, *plan.spokes.values())
        for tier, cidrs in (
            ("private", vpc.private_subnets),
            ("public", vpc.public_subnets),
            ("transit", vpc.transit_subnets),
        )
        for i, cidr in enumerate(cidrs)
    }
    assert {s.name: s.inputs["cidrBlock"] for s in result.of_type(SUBNET)} == planned
    tables = {
        f"{v.name}-{k}" for v in (plan.hub, *plan.spokes.values()) for k in v.route_table_keys
    }
    assert {r.name for r in result.of_type(ROUTE_TABLE)} == tables


def test_transit_reach_is_symmetric_and_every_segment_reaches_the_hub():
    transit = _plan("prod").transit
    for a, reached in transit.reach.items():
        assert "shared" in reached or a == "shared"
        for b in reached:
            assert a in transit.reach[b], (a, b)
    assert transit.reach["apps"] == {"apps", "shared", "onPrem"}
    assert transit.reach["tools"] == {"tools", "shared"}


def test_an_attachment_propagates_only_into_tables_of_segments_that_reach_it():
    transit = _plan("prod").transit
    for attachment in transit.attachments.values():
        for table in attachment.propagate:
            if not table.startswith("peering"):
                assert transit.reaches(table, attachment.node), (attachment.name, table)
    assert transit.attachments["app"].destinations == (
        ipaddress.IPv4Network("10.0.0.0/16"),
        ipaddress.IPv4Network("192.168.0.0/16"),
    )


def test_peering_mode_plans_no_transit_and_no_attachment_subnets():
    plan = _plan("dev")
    assert plan.transit is None
    assert all(not v.transit_subnets for v in (plan.hub, *plan.spokes.values()))


def test_endpoint_ips_sizes_every_endpoint_and_relay():
    config = stack_config("prod")
    config["hubspoke:dns"] = {**config["hubspoke:dns"], "endpointIps": 3}
    raw = {k.removeprefix("hubspoke:"): v for k, v in config.items() if k.startswith("hubspoke:")}
    plan = plan_network(parse(raw, stack="prod", region="eu-west-1"))
    assert plan.inbound_ips == ("10.0.0.10", "10.0.16.10", "10.0.32.10")
    assert plan.outbound_ips == ("10.0.0.11", "10.0.16.11", "10.0.32.11")
    assert dict(plan.relay_ips) == {"data": ("10.2.0.11", "10.2.16.11", "10.2.32.11")}


def test_endpoint_ips_beyond_the_hubs_or_a_relays_azs_is_reported():
    config = stack_config("prod")
    config["hubspoke:dns"] = {**config["hubspoke:dns"], "endpointIps": 4}
    config["hubspoke:spokes"][1]["azCount"] = 2
    raw = {k.removeprefix("hubspoke:"): v for k, v in config.items() if k.startswith("hubspoke:")}
    with pytest.raises(ConfigError) as error:
        parse(raw, stack="prod", region="eu-west-1")
    assert error.value.problems == [
        "hubspoke:dns.endpointIps 4 is more than hubspoke:hub.azCount 3 (one IP per AZ)",
        "hubspoke:dns.endpointIps 4 is more than hubspoke:spokes[1].azCount 2: the relay of "
        "spoke data (in eu-central-1) takes one IP per AZ",
    ]
    config["hubspoke:dns"]["endpointIps"] = 7
    raw = {k.removeprefix("hubspoke:"): v for k, v in config.items() if k.startswith("hubspoke:")}
    with pytest.raises(ConfigError, match=r"endpointIps 7 is out of range \(allowed: 2..6\)"):
        parse(raw, stack="prod", region="eu-west-1")
