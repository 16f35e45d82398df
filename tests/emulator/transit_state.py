"""What moto holds for the network account's transit gateways after a deployment, read back
through boto3 (never from the program's inputs): the emulator tests of transit gateway mode share
it. moto does not turn a propagation into routes, so a table's propagated destinations are the
CIDRs of the VPCs (as moto describes them) whose attachments propagate into it, as AWS does."""

from __future__ import annotations

from dataclasses import dataclass, field

from offline.emulator import EmulatorMocks
from offline.runner import RunResult

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

    def vpc_id(self, name: str) -> str:
        return self.result.named(VPC, name).id

    def vpc_route_tables(self, vpc_id: str) -> list[dict]:
        """The VPC's route tables in moto, the unused main table left out (every subnet has its
        own association)."""
        vpc = next(v for v in self.result.of_type(VPC) if v.id == vpc_id)
        ec2 = self.ec2(self.result.account_of(vpc), self.result.region_of(vpc))
        tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
        return [
            t
            for t in tables["RouteTables"]
            if not any(a.get("Main") for a in t.get("Associations", []))
        ]
