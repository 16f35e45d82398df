"""Pulumi.prod.yaml (transit gateway mode) deployed into moto; what moto then holds proves the
segments: reachability is read from moto's transit gateway route tables (associations,
propagations, static routes across the peering) and VPC route tables, never from the program's
inputs (tests/emulator/transit_state.py reads them).

prod's segments: `apps` (app) reaches onPrem; `analytics` (data, eu-central-1) and `tools` (shared)
reach nothing but the hub. apps and tools are kept apart by propagations on the hub's gateway,
analytics by the static routes across the peering.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from transit_state import NETWORK, ON_PREM, VPC, Gateways

from offline.emulator import EmulatorMocks
from offline.runner import run


@pytest.fixture(scope="module")
def prod() -> Iterator[Gateways]:
    with EmulatorMocks() as emu:
        result = run("prod", mocks=emu)
        yield Gateways(emu, result).load()


def test_every_vpc_attachment_is_owned_by_the_network_account_gateway_and_accepted(prod):
    vpcs = {v.id: v.name for v in prod.result.of_type(VPC)}
    attached = {a["ResourceId"]: a for a in prod.attachments.values() if a["ResourceType"] == "vpc"}
    assert set(attached) == set(vpcs)
    assert {a["State"] for a in attached.values()} == {"available"}
    assert all(a["TransitGatewayOwnerId"] == NETWORK for a in attached.values())
    # Made by each VPC's own account: the account whose provider the emulator called moto with.
    made_by = {
        c.outputs["vpcId"]: c.account_id
        for c in prod.emu.created
        if c.type == "aws:ec2transitgateway/vpcAttachment:VpcAttachment"
    }
    owners = {vpcs[v]: made_by[v] for v in attached}
    assert owners == {
        "hub": NETWORK, "app": "444455556666", "data": "777788889999", "shared": "444455556666",
    }  # fmt: skip


def test_no_attachment_sits_in_a_default_route_table(prod):
    for region in ("eu-west-1", "eu-central-1"):
        ec2 = prod.ec2(NETWORK, region)
        for gateway in ec2.describe_transit_gateways()["TransitGateways"]:
            options = gateway["Options"]
            assert options["DefaultRouteTableAssociation"] == "disable"
            assert options["DefaultRouteTablePropagation"] == "disable"
            assert options["AutoAcceptSharedAttachments"] == "disable"
            default = options["AssociationDefaultRouteTableId"]
            found = ec2.get_transit_gateway_route_table_associations(
                TransitGatewayRouteTableId=default
            )["Associations"]
            assert found == []


def test_segments_that_do_not_reach_each_other_have_no_path_either_way(prod):
    spokes = {name: prod.vpc_id(name) for name in ("app", "data", "shared")}
    for a, source in spokes.items():
        for b, destination in spokes.items():
            if a != b:
                assert not prod.delivers(source, prod.vpc_cidr[destination]), (a, b)


def test_every_segment_reaches_the_hub_and_back_even_across_the_peering(prod):
    hub = prod.vpc_id("hub")
    for name in ("app", "data", "shared"):
        spoke = prod.vpc_id(name)
        assert prod.delivers(spoke, prod.vpc_cidr[hub]), name
        assert prod.delivers(hub, prod.vpc_cidr[spoke]), name


def test_only_the_segment_that_reaches_on_prem_and_the_hub_have_a_route_to_it(prod):
    reach = {
        name: prod.delivers(prod.vpc_id(name), ON_PREM) for name in ("app", "data", "shared", "hub")
    }
    assert reach == {"app": True, "data": False, "shared": False, "hub": True}


def test_the_peering_carries_static_routes_only(prod):
    peerings = [a_id for a_id, a in prod.attachments.items() if a["ResourceType"] == "peering"]
    assert len(peerings) == 1
    for table in prod.region_of_table:
        ec2 = prod.ec2(NETWORK, prod.region_of_table[table])
        propagations = ec2.get_transit_gateway_route_table_propagations(
            TransitGatewayRouteTableId=table
        )["TransitGatewayRouteTablePropagations"]
        assert not [p for p in propagations if p["ResourceType"] == "peering"]


def test_vpc_route_tables_send_exactly_the_reachable_cidrs_to_their_gateway(prod):
    wanted = {
        "hub": {"10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/20", ON_PREM},
        "app": {"10.0.0.0/16", ON_PREM},
        "data": {"10.0.0.0/16"},
        "shared": {"10.0.0.0/16"},
    }
    for vpc in prod.result.of_type(VPC):
        _, gateway = prod.attachment_of(vpc.id)
        for table in prod.vpc_route_tables(vpc.id):
            to_gateway = {
                r["DestinationCidrBlock"]
                for r in table["Routes"]
                if r.get("TransitGatewayId") == gateway
            }
            assert to_gateway == wanted[vpc.name], vpc.name
