"""Pulumi.prod.yaml (transit gateway mode) deployed into moto; what moto then holds proves the
segments: reachability is read from moto's transit gateway route tables (associations,
propagations, static routes across the peering) and VPC route tables, never from the program's
inputs. moto does not turn a propagation into routes, so a table's propagated destinations are the
CIDRs of the VPCs (as moto describes them) whose attachments propagate into it, as AWS does.

prod's segments: `apps` (app) reaches onPrem; `analytics` (data, eu-central-1) and `tools` (shared)
reach nothing but the hub. apps and tools are kept apart by propagations on the hub's gateway,
analytics by the static routes across the peering.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from offline.emulator import EmulatorMocks
from offline.runner import RunResult, run

NETWORK = "111122223333"
ON_PREM = "192.168.0.0/16"
VPC = "aws:ec2/vpc:Vpc"


@dataclass
class Gateways:
    """What moto holds for the network account's transit gateways, in every region."""

    emu: EmulatorMocks
    result: RunResult
    vpc_cidr: dict[str, str] = field(default_factory=dict)  # VPC id -> CIDR, from moto
    attachments: dict[str, dict] = field(default_factory=dict)  # attachment id -> description
    association: dict[str, tuple[str, str]] = field(default_factory=dict)  # attachment -> table
    region_of_table: dict[str, str] = field(default_factory=dict)

    def ec2(self, account: str, region: str):
        return self.emu.context_for_account(account, region).client("ec2")

    def load(self) -> Gateways:
        for vpc in self.result.of_type(VPC):
            ec2 = self.ec2(self.result.account_of(vpc), self.result.region_of(vpc))
            self.vpc_cidr[vpc.id] = ec2.describe_vpcs(VpcIds=[vpc.id])["Vpcs"][0]["CidrBlock"]
        for region in ("eu-west-1", "eu-central-1"):
            ec2 = self.ec2(NETWORK, region)
            for a in ec2.describe_transit_gateway_attachments()["TransitGatewayAttachments"]:
                self.attachments[a["TransitGatewayAttachmentId"]] = a
            for table in ec2.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]:
                table_id = table["TransitGatewayRouteTableId"]
                self.region_of_table[table_id] = region
                found = ec2.get_transit_gateway_route_table_associations(
                    TransitGatewayRouteTableId=table_id
                )["Associations"]
                for association in found:
                    key = (association["TransitGatewayAttachmentId"], region)
                    assert key not in self.association, "an attachment has one association"
                    self.association[key] = table_id
        return self

    def routes(self, table_id: str) -> dict[str, tuple[str, str]]:
        """Destination -> (attachment id, how) of a transit gateway route table, from moto."""
        ec2 = self.ec2(NETWORK, self.region_of_table[table_id])
        routes: dict[str, tuple[str, str]] = {}
        propagations = ec2.get_transit_gateway_route_table_propagations(
            TransitGatewayRouteTableId=table_id
        )["TransitGatewayRouteTablePropagations"]
        for p in propagations:
            if p["ResourceType"] == "vpc":
                routes[self.vpc_cidr[p["ResourceId"]]] = (p["TransitGatewayAttachmentId"], "vpc")
            elif p["ResourceType"] == "vpn":  # BGP: what on-prem announces, here its CIDR
                routes[ON_PREM] = (p["TransitGatewayAttachmentId"], "vpn")
        static = ec2.search_transit_gateway_routes(
            TransitGatewayRouteTableId=table_id,
            Filters=[{"Name": "type", "Values": ["static"]}],
        )["Routes"]
        for route in static:
            (target,) = route["TransitGatewayAttachments"]
            routes[route["DestinationCidrBlock"]] = (
                target["TransitGatewayAttachmentId"],
                target["ResourceType"],
            )
        return routes

    def attachment_of(self, vpc_id: str) -> tuple[str, str]:
        (found,) = [
            (a_id, a["TransitGatewayId"])
            for a_id, a in self.attachments.items()
            if a["ResourceType"] == "vpc" and a["ResourceId"] == vpc_id
        ]
        return found

    def delivers(self, source_vpc: str, destination: str) -> bool:
        """Whether a packet from `source_vpc` to `destination` leaves the gateways at the right
        place: the destination VPC's attachment, or the VPN for on-prem, crossing at most one
        peering (looked up again in the table the peering is associated with on the far side)."""
        attachment, _ = self.attachment_of(source_vpc)
        region = self.result.region_of(
            next(v for v in self.result.of_type(VPC) if v.id == source_vpc)
        )
        table = self.association.get((attachment, region))
        for _hop in range(2):
            if table is None or destination not in self.routes(table):
                return False
            target, kind = self.routes(table)[destination]
            if kind != "peering":
                wanted = "vpn" if destination == ON_PREM else "vpc"
                return kind == wanted
            other = next(
                r for r in ("eu-west-1", "eu-central-1") if r != self.region_of_table[table]
            )
            table = self.association.get((target, other))
        return False


@pytest.fixture(scope="module")
def prod() -> Iterator[Gateways]:
    with EmulatorMocks() as emu:
        result = run("prod", mocks=emu)
        yield Gateways(emu, result).load()


def vpc_id(gateways: Gateways, name: str) -> str:
    return gateways.result.named(VPC, name).id


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
    spokes = {name: vpc_id(prod, name) for name in ("app", "data", "shared")}
    for a, source in spokes.items():
        for b, destination in spokes.items():
            if a != b:
                assert not prod.delivers(source, prod.vpc_cidr[destination]), (a, b)


def test_every_segment_reaches_the_hub_and_back_even_across_the_peering(prod):
    hub = vpc_id(prod, "hub")
    for name in ("app", "data", "shared"):
        spoke = vpc_id(prod, name)
        assert prod.delivers(spoke, prod.vpc_cidr[hub]), name
        assert prod.delivers(hub, prod.vpc_cidr[spoke]), name


def test_only_the_segment_that_reaches_on_prem_and_the_hub_have_a_route_to_it(prod):
    reach = {
        name: prod.delivers(vpc_id(prod, name), ON_PREM)
        for name in ("app", "data", "shared", "hub")
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
        ec2 = prod.ec2(prod.result.account_of(vpc), prod.result.region_of(vpc))
        tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc.id]}])
        for table in tables["RouteTables"]:
            if any(a.get("Main") for a in table.get("Associations", [])):
                continue  # the main table is not used: every subnet has its own association
            to_gateway = {
                r["DestinationCidrBlock"]
                for r in table["Routes"]
                if r.get("TransitGatewayId") == gateway
            }
            assert to_gateway == wanted[vpc.name], vpc.name
