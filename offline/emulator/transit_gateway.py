"""EC2 transit gateways: gateways, route tables, VPC and peering attachments, associations,
propagations and static routes (design.md pitfall 13).

moto 5.2 implements these calls in one account and region at a time. Where it is looser than AWS,
the emulator does AWS's checks itself, and records what moto does not keep:
- moto associates every new attachment with the gateway's default route table even when the
  gateway turns default association off; AWS creates no such association. The emulator removes it,
  so an association or propagation the program makes is the only one moto holds.
- moto has no cross-account VPC attachment (it looks the gateway up in the caller's account). AWS
  lets the VPC's owner attach to a gateway shared with it through RAM, and the attachment waits in
  `pendingAcceptance` for the owner when the gateway does not auto-accept. The emulator checks the
  share, the VPC and its subnets in the caller's account, creates the attachment in the gateway
  owner's account and keeps it pending until a `VpcAttachmentAccepter` of the owner accepts it.
- moto lets an attachment be associated twice, propagate a peering attachment, and take static
  routes to an attachment of another gateway; AWS refuses each (`Resource.AlreadyAssociated`,
  peering attachments "do not support route propagation",
  `InvalidTransitGatewayAttachmentID.NotFound`).
- moto does not turn propagations into routes: the routes a table learns are read from its
  propagations (`get_transit_gateway_route_table_propagations`) and the static routes from
  `search_transit_gateway_routes`, as the emulator tests do.
"""

from __future__ import annotations

from typing import Any

from offline.emulator.ram import shared_with
from offline.emulator.registry import Created, Ctx, EmulatorRejected, Inputs, resource

# pulumi-aws `ec2transitgateway.TransitGateway` docs: the Amazon side ASN ranges.
ASN_RANGES = ((64512, 65534), (4200000000, 4294967294))


def _backend(account_id: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region]


def _gateways(ctx: Ctx) -> dict[str, dict[str, Any]]:
    """Every gateway the emulator made: id -> owner, region, ARN, options."""
    return ctx.emulator.extra.setdefault("transit_gateways", {})


def _gateway(ctx: Ctx, gateway_id: str) -> dict[str, Any]:
    gateway = _gateways(ctx).get(gateway_id)
    if gateway is None or gateway["region"] != ctx.region:
        raise EmulatorRejected(
            f"InvalidTransitGatewayID.NotFound: transit gateway {gateway_id} does not exist in "
            f"{ctx.region}"
        )
    return gateway


def _pending(ctx: Ctx) -> set[str]:
    """Attachments waiting for the gateway owner's acceptance."""
    return ctx.emulator.extra.setdefault("transit_gateway_pending", set())


def _without_default_association(ctx: Ctx, owner: str, attachment_id: str, gateway: dict) -> None:
    """Undo moto's association with the default table when the gateway has default association
    off (AWS creates none then)."""
    if gateway["options"].get("DefaultRouteTableAssociation") != "disable":
        return
    backend = _backend(owner, ctx.region)
    attachment = backend.transit_gateway_attachments[attachment_id]
    default = attachment.transit_gateway_route_table
    if default is not None:
        default.route_table_associations.pop(attachment_id, None)
    attachment.transit_gateway_route_table = None
    backend.unset_attachment_association(attachment_id)


@resource("aws:ec2transitgateway/transitGateway:TransitGateway")
def transit_gateway(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    asn = int(inputs.get("amazonSideAsn") or 64512)
    if not any(lo <= asn <= hi for lo, hi in ASN_RANGES):
        raise EmulatorRejected(f"InvalidParameterValue: amazonSideAsn {asn} is not a private ASN")
    options = {
        "AmazonSideAsn": asn,
        "AutoAcceptSharedAttachments": inputs.get("autoAcceptSharedAttachments") or "disable",
        "DefaultRouteTableAssociation": inputs.get("defaultRouteTableAssociation") or "enable",
        "DefaultRouteTablePropagation": inputs.get("defaultRouteTablePropagation") or "enable",
        "DnsSupport": inputs.get("dnsSupport") or "enable",
        "VpnEcmpSupport": inputs.get("vpnEcmpSupport") or "enable",
    }
    out = ctx.client("ec2").create_transit_gateway(
        Description=inputs.get("description") or "",
        Options=options,
        TagSpecifications=ctx.tag_specs("transit-gateway", inputs),
    )["TransitGateway"]
    gateway_id = out["TransitGatewayId"]
    arn = ctx.arn("ec2", f"transit-gateway/{gateway_id}")
    _gateways(ctx)[gateway_id] = {
        "owner": ctx.account_id,
        "region": ctx.region,
        "arn": arn,
        "options": options,
    }
    return gateway_id, {"arn": arn, "ownerId": ctx.account_id, "amazonSideAsn": asn}


@resource("aws:ec2transitgateway/routeTable:RouteTable")
def route_table(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    gateway = _gateway(ctx, inputs["transitGatewayId"])
    if gateway["owner"] != ctx.account_id:
        raise EmulatorRejected(
            f"UnauthorizedOperation: only the owner {gateway['owner']} of transit gateway "
            f"{inputs['transitGatewayId']} creates its route tables"
        )
    out = ctx.client("ec2").create_transit_gateway_route_table(
        TransitGatewayId=inputs["transitGatewayId"],
        TagSpecifications=ctx.tag_specs("transit-gateway-route-table", inputs),
    )["TransitGatewayRouteTable"]
    table_id = out["TransitGatewayRouteTableId"]
    return table_id, {"arn": ctx.arn("ec2", f"transit-gateway-route-table/{table_id}")}


@resource("aws:ec2transitgateway/vpcAttachment:VpcAttachment")
def vpc_attachment(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    gateway_id, vpc_id = inputs["transitGatewayId"], inputs["vpcId"]
    gateway = _gateway(ctx, gateway_id)
    owner = gateway["owner"]
    ec2 = ctx.client("ec2")
    ec2.describe_vpcs(VpcIds=[vpc_id])  # the VPC is the caller's (InvalidVpcID.NotFound)
    subnets = ec2.describe_subnets(SubnetIds=list(inputs["subnetIds"]))["Subnets"]
    zones = [s["AvailabilityZone"] for s in subnets]
    if any(s["VpcId"] != vpc_id for s in subnets):
        raise EmulatorRejected(f"InvalidParameterValue: a subnet of {name} is not in {vpc_id}")
    if len(set(zones)) != len(zones):
        raise EmulatorRejected(
            f"DuplicateSubnetsInSameZone: {name} names two subnets in one availability zone"
        )
    shared = owner != ctx.account_id
    if shared:
        if not shared_with(
            ctx, gateway["arn"], ctx.account_id, not_found="InvalidTransitGatewayID.NotFound"
        ):
            raise EmulatorRejected(
                f"InvalidTransitGatewayID.NotFound: transit gateway {gateway_id} of account "
                f"{owner} is not shared with {ctx.account_id} (RAM share and principal first)"
            )
        # pulumi-aws `VpcAttachment` docs: the default-table flags cannot be configured on an
        # attachment to a shared gateway; they are the owner's (on the accepter).
        for key in (
            "transitGatewayDefaultRouteTableAssociation",
            "transitGatewayDefaultRouteTablePropagation",
        ):
            if key in inputs:
                raise EmulatorRejected(
                    f"InvalidParameterValue: {name} sets {key} on an attachment to the shared "
                    f"transit gateway {gateway_id}; only its owner {owner} can (on the accepter)"
                )
    owner_ec2 = ctx.at(owner).client("ec2") if shared else ec2
    out = owner_ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=gateway_id,
        VpcId=vpc_id,
        SubnetIds=list(inputs["subnetIds"]),
        Options={"DnsSupport": inputs.get("dnsSupport") or "enable"},
        TagSpecifications=ctx.tag_specs("transit-gateway-attachment", inputs),
    )["TransitGatewayVpcAttachment"]
    attachment_id = out["TransitGatewayAttachmentId"]
    _without_default_association(ctx, owner, attachment_id, gateway)
    attachment = _backend(owner, ctx.region).transit_gateway_attachments[attachment_id]
    if shared and gateway["options"]["AutoAcceptSharedAttachments"] != "enable":
        _pending(ctx).add(attachment_id)
        attachment.state = "pendingAcceptance"
    return attachment_id, {"vpcOwnerId": ctx.account_id}


@resource("aws:ec2transitgateway/vpcAttachmentAccepter:VpcAttachmentAccepter")
def vpc_attachment_accepter(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    attachment_id = inputs["transitGatewayAttachmentId"]
    backend = _backend(ctx.account_id, ctx.region)
    attachment = backend.transit_gateway_attachments.get(attachment_id)
    if attachment is None or attachment_id not in _pending(ctx):
        raise EmulatorRejected(
            f"InvalidTransitGatewayAttachmentID.NotFound: no attachment {attachment_id} pending "
            f"acceptance by account {ctx.account_id} in {ctx.region} (the gateway's owner accepts)"
        )
    _pending(ctx).discard(attachment_id)
    attachment.state = "available"
    return attachment_id, {
        "transitGatewayId": attachment.transit_gateway_id,
        "vpcId": attachment.resource_id,
        "vpcOwnerId": attachment.resource_owner_id,
    }


def _table_and_attachment(ctx: Ctx, inputs: Inputs, what: str) -> tuple[Any, Any]:
    """The route table and attachment an association, propagation or route names, both on the
    same gateway of the caller, and the attachment accepted."""
    backend = _backend(ctx.account_id, ctx.region)
    table_id = inputs["transitGatewayRouteTableId"]
    attachment_id = inputs["transitGatewayAttachmentId"]
    table = backend.transit_gateways_route_tables.get(table_id)
    if table is None:
        raise EmulatorRejected(
            f"InvalidRouteTableID.NotFound: transit gateway route table {table_id} is not "
            f"account {ctx.account_id}'s in {ctx.region}"
        )
    attachment = backend.transit_gateway_attachments.get(attachment_id)
    # A peering attachment is on both gateways: the requester's and the accepter's.
    gateways = {getattr(attachment, "transit_gateway_id", None)}
    gateways.add(getattr(attachment, "accepter_tgw_info", {}).get("TransitGatewayId"))
    if attachment is None or table.transit_gateway_id not in gateways:
        raise EmulatorRejected(
            f"InvalidTransitGatewayAttachmentID.NotFound: {what}: attachment {attachment_id} is "
            f"not on transit gateway {table.transit_gateway_id} of table {table_id}"
        )
    if attachment_id in _pending(ctx) or attachment.state not in ("available",):
        raise EmulatorRejected(
            f"IncorrectState: {what}: attachment {attachment_id} is {attachment.state} (accept "
            "it first)"
        )
    return table, attachment


@resource("aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation")
def route_table_association(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    table, attachment = _table_and_attachment(ctx, inputs, name)
    attachment_id = inputs["transitGatewayAttachmentId"]
    backend = _backend(ctx.account_id, ctx.region)
    for other in backend.transit_gateways_route_tables.values():
        if attachment_id in other.route_table_associations:
            raise EmulatorRejected(
                f"Resource.AlreadyAssociated: attachment {attachment_id} is already associated "
                f"with {other.id}; an attachment has one route table"
            )
    ctx.client("ec2").associate_transit_gateway_route_table(
        TransitGatewayRouteTableId=table.id, TransitGatewayAttachmentId=attachment_id
    )
    return f"{table.id}_{attachment_id}", {
        "resourceId": attachment.resource_id,
        "resourceType": attachment.resource_type,
    }


@resource("aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation")
def route_table_propagation(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    table, attachment = _table_and_attachment(ctx, inputs, name)
    if attachment.resource_type == "peering":
        raise EmulatorRejected(
            f"InvalidParameterValue: {name}: transit gateway peering attachments do not "
            "support route propagation (add static routes)"
        )
    attachment_id = inputs["transitGatewayAttachmentId"]
    if any(p.transitGatewayAttachmentId == attachment_id for p in table.route_table_propagation):
        raise EmulatorRejected(
            f"TransitGatewayRouteTablePropagation.Duplicate: {attachment_id} already propagates "
            f"into {table.id}"
        )
    ctx.client("ec2").enable_transit_gateway_route_table_propagation(
        TransitGatewayRouteTableId=table.id, TransitGatewayAttachmentId=attachment_id
    )
    return f"{table.id}_{attachment_id}", {
        "resourceId": attachment.resource_id,
        "resourceType": attachment.resource_type,
    }


@resource("aws:ec2transitgateway/route:Route")
def route(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    table, _ = _table_and_attachment(ctx, inputs, name)
    destination = inputs["destinationCidrBlock"]
    if destination in table.routes and table.routes[destination]["type"] == "static":
        raise EmulatorRejected(
            f"RouteAlreadyExists: {table.id} already has a static route to {destination}"
        )
    ctx.client("ec2").create_transit_gateway_route(
        DestinationCidrBlock=destination,
        TransitGatewayRouteTableId=table.id,
        TransitGatewayAttachmentId=inputs["transitGatewayAttachmentId"],
        Blackhole=bool(inputs.get("blackhole", False)),
    )
    # moto keeps the route's target as one object where the API has a list, and so answers
    # SearchTransitGatewayRoutes with no target at all: store it as the list AWS returns.
    stored = table.routes[destination]
    target = stored.get("transitGatewayAttachments")
    if isinstance(target, dict):
        stored["transitGatewayAttachments"] = [target]
    return f"{table.id}_{destination}", {}


@resource("aws:ec2transitgateway/peeringAttachment:PeeringAttachment")
def peering_attachment(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    gateway = _gateway(ctx, inputs["transitGatewayId"])
    peer_account = inputs.get("peerAccountId") or ctx.account_id
    peer_region = inputs.get("peerRegion") or ctx.region
    peer_id = inputs["peerTransitGatewayId"]
    peer = _gateways(ctx).get(peer_id)
    if gateway["owner"] != ctx.account_id:
        raise EmulatorRejected(f"UnauthorizedOperation: {name}: the requester owns the gateway")
    if peer is None or (peer["owner"], peer["region"]) != (peer_account, peer_region):
        raise EmulatorRejected(
            f"InvalidTransitGatewayID.NotFound: peer transit gateway {peer_id} is not in account "
            f"{peer_account}, {peer_region}"
        )
    out = ctx.client("ec2").create_transit_gateway_peering_attachment(
        TransitGatewayId=inputs["transitGatewayId"],
        PeerTransitGatewayId=peer_id,
        PeerAccountId=peer_account,
        PeerRegion=peer_region,
        TagSpecifications=ctx.tag_specs("transit-gateway-attachment", inputs),
    )["TransitGatewayPeeringAttachment"]
    attachment_id = out["TransitGatewayAttachmentId"]
    _without_default_association(ctx, ctx.account_id, attachment_id, gateway)
    return attachment_id, {}


@resource("aws:ec2transitgateway/peeringAttachmentAccepter:PeeringAttachmentAccepter")
def peering_attachment_accepter(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    attachment_id = inputs["transitGatewayAttachmentId"]
    backend = _backend(ctx.account_id, ctx.region)
    if attachment_id not in backend.transit_gateway_attachments:
        raise EmulatorRejected(
            f"InvalidTransitGatewayAttachmentID.NotFound: no peering attachment {attachment_id} "
            f"for account {ctx.account_id} in {ctx.region} (the peer side accepts)"
        )
    # moto checks that the caller is the accepter's account and region.
    out = ctx.client("ec2").accept_transit_gateway_peering_attachment(
        TransitGatewayAttachmentId=attachment_id
    )["TransitGatewayPeeringAttachment"]
    return attachment_id, {
        "transitGatewayId": out["AccepterTgwInfo"]["TransitGatewayId"],
        "peerTransitGatewayId": out["RequesterTgwInfo"]["TransitGatewayId"],
        "peerAccountId": out["RequesterTgwInfo"]["OwnerId"],
        "peerRegion": out["RequesterTgwInfo"]["Region"],
    }


def vpn_attachment(ctx: Ctx, vpn_id: str, gateway_id: str) -> str:
    """The attachment moto made for a VPN connection on a transit gateway (without moto's default
    association when the gateway has default association off)."""
    gateway = _gateway(ctx, gateway_id)
    attachments = ctx.client("ec2").describe_transit_gateway_attachments(
        Filters=[{"Name": "resource-id", "Values": [vpn_id]}]
    )["TransitGatewayAttachments"]
    (attachment,) = [a for a in attachments if a["TransitGatewayId"] == gateway_id]
    attachment_id = attachment["TransitGatewayAttachmentId"]
    _without_default_association(ctx, ctx.account_id, attachment_id, gateway)
    return attachment_id


def route_to_gateway(ctx: Ctx, route_table_id: str, gateway_id: str) -> Any:
    """Before a VPC route to a transit gateway: AWS refuses one when the VPC has no available
    attachment to that gateway. Returns moto's gateway, to target the route with (moto looks the
    gateway up in the caller's account only, and a shared gateway is another account's)."""
    gateway = _gateway(ctx, gateway_id)
    table = ctx.client("ec2").describe_route_tables(RouteTableIds=[route_table_id])["RouteTables"]
    vpc_id = table[0]["VpcId"]
    backend = _backend(gateway["owner"], ctx.region)
    attached = [
        a
        for a in backend.transit_gateway_attachments.values()
        if a.transit_gateway_id == gateway_id
        and a.resource_type == "vpc"
        and a.resource_id == vpc_id
        and a.state == "available"
        and a.id not in _pending(ctx)
    ]
    if not attached:
        raise EmulatorRejected(
            f"InvalidTransitGatewayID.NotFound: VPC {vpc_id} of route table {route_table_id} has "
            f"no available attachment to transit gateway {gateway_id} (attach and accept first)"
        )
    return backend.transit_gateways[gateway_id]


def target_gateway(ctx: Ctx, route_table_id: str, destination: str, gateway: Any) -> None:
    """Point the route moto just made at the (possibly shared) gateway."""
    table = _backend(ctx.account_id, ctx.region).route_tables[route_table_id]
    for route in table.routes:
        if route.destination_cidr_block == destination:
            route.transit_gateway = gateway
