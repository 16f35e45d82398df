"""EC2 networking: VPCs, subnets, routing, gateways, endpoints, flow logs, peering.

Peering follows the rules AWS enforces and moto does not all enforce (design.md pitfalls 1-2):
only the peer account, in the peer region, accepts; options can be set only on an active peering
and each account only for its own side. The emulator layer checks those itself.
"""

from __future__ import annotations

import ipaddress
import zlib
from collections.abc import Mapping
from typing import Any

from offline.emulator import quotas
from offline.emulator.registry import Created, Ctx, EmulatorRejected, Inputs, number, resource


@resource("aws:ec2/vpc:Vpc")
def vpc(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    ec2 = ctx.client("ec2")
    quotas.vpcs(ctx)
    out = ec2.create_vpc(
        CidrBlock=inputs["cidrBlock"],
        InstanceTenancy=inputs.get("instanceTenancy") or "default",
        TagSpecifications=ctx.tag_specs("vpc", inputs),
    )["Vpc"]
    vpc_id = out["VpcId"]
    for attribute, key in (
        ("EnableDnsSupport", "enableDnsSupport"),
        ("EnableDnsHostnames", "enableDnsHostnames"),
    ):
        if key in inputs:
            ec2.modify_vpc_attribute(VpcId=vpc_id, **{attribute: {"Value": bool(inputs[key])}})
    main_rt = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"]
    sg = _default_security_group(ec2, vpc_id)
    acl = ec2.describe_network_acls(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "default", "Values": ["true"]}]
    )["NetworkAcls"]
    return vpc_id, {
        "arn": ctx.arn("ec2", f"vpc/{vpc_id}"),
        "ownerId": out["OwnerId"],
        "dhcpOptionsId": out.get("DhcpOptionsId", ""),
        "instanceTenancy": out.get("InstanceTenancy", "default"),
        "mainRouteTableId": main_rt[0]["RouteTableId"] if main_rt else "",
        "defaultRouteTableId": main_rt[0]["RouteTableId"] if main_rt else "",
        "defaultSecurityGroupId": sg["GroupId"],
        "defaultNetworkAclId": acl[0]["NetworkAclId"] if acl else "",
        "enableDnsSupport": bool(inputs.get("enableDnsSupport", True)),
        "enableDnsHostnames": bool(inputs.get("enableDnsHostnames", False)),
    }


def _default_security_group(ec2: Any, vpc_id: str) -> dict[str, Any]:
    groups = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"]
    if not groups:
        raise EmulatorRejected(f"VPC {vpc_id} has no default security group")
    return groups[0]


@resource("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
def default_security_group(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    """Adopts the VPC's default group and, like the provider, removes every rule not declared."""
    ec2 = ctx.client("ec2")
    sg = _default_security_group(ec2, inputs["vpcId"])
    group_id = sg["GroupId"]
    if sg.get("IpPermissions") and not inputs.get("ingress"):
        ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=sg["IpPermissions"])
    if sg.get("IpPermissionsEgress") and not inputs.get("egress"):
        ec2.revoke_security_group_egress(GroupId=group_id, IpPermissions=sg["IpPermissionsEgress"])
    if ctx.tags(inputs):
        ec2.create_tags(Resources=[group_id], Tags=ctx.tag_list(inputs))
    after = _default_security_group(ec2, inputs["vpcId"])
    return group_id, {
        "arn": ctx.arn("ec2", f"security-group/{group_id}"),
        "ownerId": sg["OwnerId"],
        "name": "default",
        "description": sg.get("Description", ""),
        "ingress": after.get("IpPermissions", []),
        "egress": after.get("IpPermissionsEgress", []),
    }


def _zone_id_of_region(ctx: Ctx, zone_id: str) -> str:
    """AWS places a subnet only in an AZ id of the VPC's region; moto looks the id up in every
    region, so a `euc1-az1` subnet would land in eu-central-1 under an eu-west-1 VPC. Refused as
    CreateSubnet refuses an id it does not offer (InvalidParameterValue)."""
    zones = ctx.client("ec2").describe_availability_zones()["AvailabilityZones"]
    offered = sorted(z["ZoneId"] for z in zones if z.get("ZoneType") == "availability-zone")
    if zone_id not in offered:
        raise EmulatorRejected(
            f"InvalidParameterValue: Value ({zone_id}) for parameter availabilityZoneId is "
            f"invalid. Subnets can currently only be created in the following availability "
            f"zones: {', '.join(offered)}."
        )
    return zone_id


@resource("aws:ec2/subnet:Subnet")
def subnet(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    ec2 = ctx.client("ec2")
    kwargs: dict[str, Any] = {
        "VpcId": inputs["vpcId"],
        "CidrBlock": inputs["cidrBlock"],
        "TagSpecifications": ctx.tag_specs("subnet", inputs),
    }
    if inputs.get("availabilityZone"):
        kwargs["AvailabilityZone"] = inputs["availabilityZone"]
    if inputs.get("availabilityZoneId"):
        kwargs["AvailabilityZoneId"] = _zone_id_of_region(ctx, inputs["availabilityZoneId"])
    out = ec2.create_subnet(**kwargs)["Subnet"]
    if inputs.get("mapPublicIpOnLaunch"):
        ec2.modify_subnet_attribute(SubnetId=out["SubnetId"], MapPublicIpOnLaunch={"Value": True})
    return out["SubnetId"], {
        "arn": out.get("SubnetArn") or ctx.arn("ec2", f"subnet/{out['SubnetId']}"),
        "ownerId": out["OwnerId"],
        "availabilityZone": out["AvailabilityZone"],
        "availabilityZoneId": out.get("AvailabilityZoneId", ""),
        "mapPublicIpOnLaunch": bool(inputs.get("mapPublicIpOnLaunch", False)),
    }


@resource("aws:ec2/routeTable:RouteTable")
def route_table(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    ec2 = ctx.client("ec2")
    out = ec2.create_route_table(
        VpcId=inputs["vpcId"], TagSpecifications=ctx.tag_specs("route-table", inputs)
    )["RouteTable"]
    rt_id = out["RouteTableId"]
    for route in inputs.get("routes") or []:
        _create_route(ctx, ec2, rt_id, route)
    return rt_id, {
        "arn": ctx.arn("ec2", f"route-table/{rt_id}"),
        "ownerId": out["OwnerId"],
        "routes": inputs.get("routes") or [],
        "propagatingVgws": inputs.get("propagatingVgws") or [],
    }


_ROUTE_TARGETS = {
    "gatewayId": "GatewayId",
    "natGatewayId": "NatGatewayId",
    "vpcPeeringConnectionId": "VpcPeeringConnectionId",
    "transitGatewayId": "TransitGatewayId",
    "vpcEndpointId": "VpcEndpointId",
    "networkInterfaceId": "NetworkInterfaceId",
    "egressOnlyGatewayId": "EgressOnlyInternetGatewayId",
    "localGatewayId": "LocalGatewayId",
    "carrierGatewayId": "CarrierGatewayId",
}


def _destination(route: Mapping[str, Any]) -> str:
    """A route's destination as AWS compares them: the network of a CIDR (IPv4 or IPv6), or a
    prefix list id. `route` is a CreateRoute request or a DescribeRouteTables route."""
    for key in ("DestinationCidrBlock", "DestinationIpv6CidrBlock"):
        if route.get(key):
            return str(ipaddress.ip_network(route[key], strict=False))
    return route.get("DestinationPrefixListId", "")


def _create_route(ctx: Ctx, ec2: Any, route_table_id: str, inputs: Inputs) -> None:
    kwargs: dict[str, Any] = {"RouteTableId": route_table_id}
    for key, api in (
        ("destinationCidrBlock", "DestinationCidrBlock"),
        ("cidrBlock", "DestinationCidrBlock"),
        ("destinationIpv6CidrBlock", "DestinationIpv6CidrBlock"),
        ("destinationPrefixListId", "DestinationPrefixListId"),
    ):
        if inputs.get(key):
            kwargs[api] = inputs[key]
    targets = {api: inputs[key] for key, api in _ROUTE_TARGETS.items() if inputs.get(key)}
    if len(targets) != 1:
        raise EmulatorRejected(f"a route needs exactly one target, got {sorted(targets) or 'none'}")
    (table,) = ec2.describe_route_tables(RouteTableIds=[route_table_id])["RouteTables"]
    wanted = _destination(kwargs)
    # CreateRoute: "RouteAlreadyExists" when the table holds a route to that destination already
    # (EC2 API error codes; ReplaceRoute changes one). moto refuses an IPv4 duplicate only, and
    # neither the local route's CIDR nor a prefix list (a gateway endpoint's route) nor IPv6.
    if any(_destination(r) == wanted for r in table["Routes"]):
        raise EmulatorRejected(
            f"RouteAlreadyExists: The route identified by {wanted} already exists "
            f"(route table {route_table_id})"
        )
    quotas.routes(ctx, route_table_id, table["Routes"], ipv6="DestinationIpv6CidrBlock" in kwargs)
    ec2.create_route(**kwargs, **targets)


@resource("aws:ec2/route:Route")
def route(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    from offline.emulator.transit_gateway import route_to_gateway, target_gateway

    ec2 = ctx.client("ec2")
    gateway = None
    if inputs.get("transitGatewayId"):
        gateway = route_to_gateway(ctx, inputs["routeTableId"], inputs["transitGatewayId"])
    _create_route(ctx, ec2, inputs["routeTableId"], inputs)
    destination = inputs.get("destinationCidrBlock") or inputs.get("destinationPrefixListId", "")
    if gateway is not None:
        target_gateway(ctx, inputs["routeTableId"], destination, gateway)
    # The provider's id: "r-" + route table id + a hash of the destination.
    return f"r-{inputs['routeTableId']}{zlib.crc32(destination.encode())}", {
        "state": "active",
        "origin": "CreateRoute",
    }


@resource("aws:ec2/routeTableAssociation:RouteTableAssociation")
def route_table_association(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    target = {"SubnetId": inputs["subnetId"]} if inputs.get("subnetId") else {}
    if inputs.get("gatewayId"):
        target = {"GatewayId": inputs["gatewayId"]}
    out = ctx.client("ec2").associate_route_table(RouteTableId=inputs["routeTableId"], **target)
    return out["AssociationId"], {}


@resource("aws:ec2/internetGateway:InternetGateway")
def internet_gateway(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    ec2 = ctx.client("ec2")
    igw = ec2.create_internet_gateway(TagSpecifications=ctx.tag_specs("internet-gateway", inputs))[
        "InternetGateway"
    ]
    igw_id = igw["InternetGatewayId"]
    if inputs.get("vpcId"):
        ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=inputs["vpcId"])
    return igw_id, {
        "arn": ctx.arn("ec2", f"internet-gateway/{igw_id}"),
        "ownerId": igw.get("OwnerId", ctx.account_id),
    }


@resource("aws:ec2/eip:Eip")
def eip(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    if inputs.get("domain", "vpc") != "vpc":
        raise EmulatorRejected(f"domain {inputs['domain']!r}: EC2-Classic addresses are retired")
    quotas.eips(ctx)
    out = ctx.client("ec2").allocate_address(
        Domain="vpc", TagSpecifications=ctx.tag_specs("elastic-ip", inputs)
    )
    return out["AllocationId"], {
        "allocationId": out["AllocationId"],
        "publicIp": out["PublicIp"],
        "domain": "vpc",
        "arn": ctx.arn("ec2", f"elastic-ip/{out['AllocationId']}"),
    }


@resource("aws:ec2/natGateway:NatGateway")
def nat_gateway(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    kwargs: dict[str, Any] = {
        "SubnetId": inputs["subnetId"],
        "ConnectivityType": inputs.get("connectivityType") or "public",
        "TagSpecifications": ctx.tag_specs("natgateway", inputs),
    }
    if inputs.get("allocationId"):
        kwargs["AllocationId"] = inputs["allocationId"]
    elif kwargs["ConnectivityType"] == "public":
        raise EmulatorRejected("a public NAT gateway needs an allocationId (an Elastic IP)")
    out = ctx.client("ec2").create_nat_gateway(**kwargs)["NatGateway"]
    address = (out.get("NatGatewayAddresses") or [{}])[0]
    return out["NatGatewayId"], {
        "publicIp": address.get("PublicIp", ""),
        "privateIp": address.get("PrivateIp", ""),
        "networkInterfaceId": address.get("NetworkInterfaceId", ""),
        "connectivityType": kwargs["ConnectivityType"],
    }


@resource("aws:ec2/vpcEndpoint:VpcEndpoint")
def vpc_endpoint(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    kind = inputs.get("vpcEndpointType") or "Gateway"
    kwargs: dict[str, Any] = {
        "VpcId": inputs["vpcId"],
        "ServiceName": inputs["serviceName"],
        "VpcEndpointType": kind,
        "TagSpecifications": ctx.tag_specs("vpc-endpoint", inputs),
    }
    for key, api in (
        ("routeTableIds", "RouteTableIds"),
        ("subnetIds", "SubnetIds"),
        ("securityGroupIds", "SecurityGroupIds"),
        ("policy", "PolicyDocument"),
    ):
        if inputs.get(key):
            kwargs[api] = inputs[key]
    if kind == "Interface":
        kwargs["PrivateDnsEnabled"] = bool(inputs.get("privateDnsEnabled", False))
    ec2 = ctx.client("ec2")
    services = ec2.describe_vpc_endpoint_services()["ServiceNames"]
    if inputs["serviceName"] not in services:
        raise EmulatorRejected(f"service {inputs['serviceName']} is not offered in {ctx.region}")
    quotas.vpc_endpoint(ctx, inputs["vpcId"], kind)
    out = ec2.create_vpc_endpoint(**kwargs)["VpcEndpoint"]
    endpoint_id = out["VpcEndpointId"]
    prefix_list_id = ""
    if kind == "Gateway":
        lists = ec2.describe_prefix_lists(
            Filters=[{"Name": "prefix-list-name", "Values": [inputs["serviceName"]]}]
        )["PrefixLists"]
        prefix_list_id = lists[0]["PrefixListId"] if lists else ""
    return endpoint_id, {
        "arn": ctx.arn("ec2", f"vpc-endpoint/{endpoint_id}"),
        "ownerId": out.get("OwnerId", ctx.account_id),
        "state": out.get("State", "available"),
        "prefixListId": prefix_list_id,
        "policy": out.get("PolicyDocument", inputs.get("policy", "")),
        "networkInterfaceIds": out.get("NetworkInterfaceIds", []),
        "dnsEntries": [
            {"dnsName": d.get("DnsName", ""), "hostedZoneId": d.get("HostedZoneId", "")}
            for d in out.get("DnsEntries", [])
        ],
    }


@resource("aws:ec2/flowLog:FlowLog")
def flow_log(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    targets = [
        (inputs[key], kind)
        for key, kind in (
            ("vpcId", "VPC"),
            ("subnetId", "Subnet"),
            ("eniId", "NetworkInterface"),
            ("transitGatewayId", "TransitGateway"),
        )
        if inputs.get(key)
    ]
    if len(targets) != 1:
        raise EmulatorRejected("a flow log needs exactly one of vpcId, subnetId, eniId")
    destination_type = inputs.get("logDestinationType") or "cloud-watch-logs"
    kwargs: dict[str, Any] = {
        "ResourceIds": [targets[0][0]],
        "ResourceType": targets[0][1],
        "TrafficType": inputs.get("trafficType") or "ALL",
        "LogDestinationType": destination_type,
        "MaxAggregationInterval": number(inputs.get("maxAggregationInterval")) or 600,
        "TagSpecifications": ctx.tag_specs("vpc-flow-log", inputs),
    }
    if inputs.get("logDestination"):
        kwargs["LogDestination"] = inputs["logDestination"]
    if inputs.get("logGroupName"):
        kwargs["LogGroupName"] = inputs["logGroupName"]
    if inputs.get("iamRoleArn"):
        kwargs["DeliverLogsPermissionArn"] = inputs["iamRoleArn"]
    elif destination_type == "cloud-watch-logs":
        raise EmulatorRejected("a flow log to CloudWatch Logs needs iamRoleArn")
    if destination_type == "cloud-watch-logs":
        _require_role(ctx, inputs["iamRoleArn"])
        _require_log_group(ctx, kwargs.get("LogDestination") or kwargs.get("LogGroupName", ""))
    out = ctx.client("ec2").create_flow_logs(**kwargs)
    if out.get("Unsuccessful"):
        raise EmulatorRejected(str(out["Unsuccessful"][0].get("Error")))
    flow_log_id = out["FlowLogIds"][0]
    return flow_log_id, {"arn": ctx.arn("ec2", f"vpc-flow-log/{flow_log_id}")}


def _require_role(ctx: Ctx, role_arn: str) -> None:
    """The role must exist in this account (moto does not check DeliverLogsPermissionArn)."""
    role_name = role_arn.rsplit("/", 1)[-1]
    account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
    if account != ctx.account_id:
        raise EmulatorRejected(f"iamRoleArn {role_arn} is not a role of account {ctx.account_id}")
    ctx.client("iam").get_role(RoleName=role_name)


def _require_log_group(ctx: Ctx, destination: str) -> None:
    name = destination.split(":log-group:", 1)[-1].removesuffix(":*")
    if destination.startswith("arn:") and (
        destination.split(":")[3] != ctx.region or destination.split(":")[4] != ctx.account_id
    ):
        raise EmulatorRejected(f"log group {destination} is not in {ctx.account_id} {ctx.region}")
    groups = ctx.client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    if not any(g["logGroupName"] == name for g in groups):
        raise EmulatorRejected(f"log group {name} does not exist in {ctx.account_id} {ctx.region}")


def _peering(ctx: Ctx, peering_id: str) -> dict[str, Any]:
    found = ctx.client("ec2").describe_vpc_peering_connections(VpcPeeringConnectionIds=[peering_id])
    if not found["VpcPeeringConnections"]:
        # What AWS answers to an account that is neither side of the peering.
        raise EmulatorRejected(
            f"InvalidVpcPeeringConnectionId.NotFound: peering {peering_id} does not exist in "
            f"account {ctx.account_id} {ctx.region}"
        )
    return found["VpcPeeringConnections"][0]


def _peering_outputs(pc: dict[str, Any]) -> dict[str, Any]:
    return {
        "acceptStatus": pc["Status"]["Code"],
        "vpcId": pc["RequesterVpcInfo"]["VpcId"],
        "peerVpcId": pc["AccepterVpcInfo"]["VpcId"],
        "peerOwnerId": pc["AccepterVpcInfo"]["OwnerId"],
        "peerRegion": pc["AccepterVpcInfo"].get("Region", ""),
    }


def _accept(ctx: Ctx, pc: dict[str, Any]) -> dict[str, Any]:
    """Accept as AWS allows it: only the accepter VPC's account, in the accepter VPC's region."""
    accepter = pc["AccepterVpcInfo"]
    if (accepter["OwnerId"], accepter.get("Region", ctx.region)) != (ctx.account_id, ctx.region):
        raise EmulatorRejected(
            f"OperationNotPermitted: peering {pc['VpcPeeringConnectionId']} can be accepted only "
            f"by account {accepter['OwnerId']} in {accepter.get('Region', '?')} (the accepter "
            f"VPC's owner), not by account {ctx.account_id} in {ctx.region}"
        )
    # Accepting makes the peering active on both VPCs: each must have room under its quota.
    requester = pc["RequesterVpcInfo"]
    for side in (requester, accepter):
        region = side.get("Region") or ctx.region
        quotas.active_peerings(ctx, side["VpcId"], side["OwnerId"], region)
    return ctx.client("ec2").accept_vpc_peering_connection(
        VpcPeeringConnectionId=pc["VpcPeeringConnectionId"]
    )["VpcPeeringConnection"]


@resource("aws:ec2/vpcPeeringConnection:VpcPeeringConnection")
def vpc_peering_connection(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    kwargs: dict[str, Any] = {
        "VpcId": inputs["vpcId"],
        "PeerVpcId": inputs["peerVpcId"],
        "TagSpecifications": ctx.tag_specs("vpc-peering-connection", inputs),
    }
    if inputs.get("peerOwnerId"):
        kwargs["PeerOwnerId"] = inputs["peerOwnerId"]
    if inputs.get("peerRegion"):
        kwargs["PeerRegion"] = inputs["peerRegion"]
    pc = ctx.client("ec2").create_vpc_peering_connection(**kwargs)["VpcPeeringConnection"]
    pc_id = pc["VpcPeeringConnectionId"]
    if inputs.get("autoAccept"):
        # The provider accepts with the requester's own credentials: AWS allows it only when
        # the peer VPC is in the same account and region.
        _accept(ctx, _peering(ctx, pc_id))
    return pc_id, _peering_outputs(_peering(ctx, pc_id))


@resource("aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter")
def vpc_peering_connection_accepter(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    pc_id = inputs["vpcPeeringConnectionId"]
    # moto answers "does not exist" to an account that is neither side, as AWS does.
    pc = _peering(ctx, pc_id)
    if inputs.get("autoAccept") and pc["Status"]["Code"] == "pending-acceptance":
        _accept(ctx, pc)
    if ctx.tags(inputs):
        ctx.client("ec2").create_tags(Resources=[pc_id], Tags=ctx.tag_list(inputs))
    return pc_id, _peering_outputs(_peering(ctx, pc_id))


_OPTION_KEYS = {"allowRemoteVpcDnsResolution": "AllowDnsResolutionFromRemoteVpc"}


@resource("aws:ec2/peeringConnectionOptions:PeeringConnectionOptions")
def peering_connection_options(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    pc_id = inputs["vpcPeeringConnectionId"]
    pc = _peering(ctx, pc_id)
    if pc["Status"]["Code"] != "active":
        raise EmulatorRejected(
            f"OperationNotPermitted: peering {pc_id} is {pc['Status']['Code']}: peering options "
            "can be added only to active peerings"
        )
    kwargs: dict[str, Any] = {}
    for side, info_key, api in (
        ("requester", "RequesterVpcInfo", "RequesterPeeringConnectionOptions"),
        ("accepter", "AccepterVpcInfo", "AccepterPeeringConnectionOptions"),
    ):
        if not inputs.get(side):
            continue
        owner = pc[info_key]["OwnerId"]
        region = pc[info_key].get("Region", ctx.region)
        if (owner, region) != (ctx.account_id, ctx.region):
            raise EmulatorRejected(
                f"OperationNotPermitted: account {ctx.account_id} in {ctx.region} does not have "
                f"permission to modify the {side} side peering options of {pc_id} (owned by "
                f"account {owner} in {region})"
            )
        kwargs[api] = {
            _OPTION_KEYS[k]: bool(v) for k, v in inputs[side].items() if k in _OPTION_KEYS
        }
    if not kwargs:
        raise EmulatorRejected("PeeringConnectionOptions sets neither requester nor accepter")
    ctx.client("ec2").modify_vpc_peering_connection_options(VpcPeeringConnectionId=pc_id, **kwargs)
    return pc_id, {}
