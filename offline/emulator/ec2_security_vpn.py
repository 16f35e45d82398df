"""EC2 security groups and rules; site-to-site VPN (customer gateway, VPN gateway, connection)."""

from __future__ import annotations

import ipaddress
from typing import Any

from offline.emulator.registry import (
    Created,
    Ctx,
    EmulatorRejected,
    Inputs,
    not_produced,
    number,
    physical_name,
    resource,
)


def _permission(rule: Inputs, group_id: str) -> dict[str, Any]:
    """An inline `ingress`/`egress` block of aws.ec2.SecurityGroup as an EC2 IpPermission."""
    perm: dict[str, Any] = {"IpProtocol": str(rule["protocol"])}
    if perm["IpProtocol"] not in ("-1", "all"):
        perm["FromPort"], perm["ToPort"] = number(rule["fromPort"]), number(rule["toPort"])
    else:
        perm["IpProtocol"] = "-1"
    description = {"Description": rule["description"]} if rule.get("description") else {}
    perm["IpRanges"] = [{"CidrIp": c, **description} for c in rule.get("cidrBlocks") or []]
    perm["Ipv6Ranges"] = [{"CidrIpv6": c, **description} for c in rule.get("ipv6CidrBlocks") or []]
    perm["PrefixListIds"] = [{"PrefixListId": p} for p in rule.get("prefixListIds") or []]
    groups = list(rule.get("securityGroups") or []) + ([group_id] if rule.get("self") else [])
    perm["UserIdGroupPairs"] = [{"GroupId": g, **description} for g in groups]
    return perm


@resource("aws:ec2/securityGroup:SecurityGroup")
def security_group(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    ec2 = ctx.client("ec2")
    group_name = inputs.get("name") or physical_name(inputs.get("namePrefix") or name, 255)
    kwargs: dict[str, Any] = {
        "GroupName": group_name,
        "Description": inputs.get("description") or "Managed by Pulumi",
        "TagSpecifications": ctx.tag_specs("security-group", inputs),
    }
    if inputs.get("vpcId"):
        kwargs["VpcId"] = inputs["vpcId"]
    group_id = ec2.create_security_group(**kwargs)["GroupId"]
    # The provider removes AWS's default allow-all egress rule: egress is what the program says.
    default_egress = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    if default_egress.get("IpPermissionsEgress"):
        ec2.revoke_security_group_egress(
            GroupId=group_id, IpPermissions=default_egress["IpPermissionsEgress"]
        )
    for rule in inputs.get("ingress") or []:
        ec2.authorize_security_group_ingress(
            GroupId=group_id, IpPermissions=[_permission(rule, group_id)]
        )
    for rule in inputs.get("egress") or []:
        ec2.authorize_security_group_egress(
            GroupId=group_id, IpPermissions=[_permission(rule, group_id)]
        )
    return group_id, {
        "arn": ctx.arn("ec2", f"security-group/{group_id}"),
        "ownerId": ctx.account_id,
        "name": group_name,
        "ingress": list(inputs.get("ingress") or []),
        "egress": list(inputs.get("egress") or []),
    }


def _rule_permission(inputs: Inputs) -> dict[str, Any]:
    """An aws.vpc.SecurityGroupIngressRule / EgressRule as an EC2 IpPermission."""
    protocol = str(inputs["ipProtocol"])
    perm: dict[str, Any] = {"IpProtocol": "-1" if protocol in ("-1", "all") else protocol}
    if perm["IpProtocol"] != "-1":
        if inputs.get("fromPort") is None or inputs.get("toPort") is None:
            raise EmulatorRejected(f"ipProtocol {protocol} needs fromPort and toPort")
        perm["FromPort"], perm["ToPort"] = number(inputs["fromPort"]), number(inputs["toPort"])
    description = {"Description": inputs["description"]} if inputs.get("description") else {}
    sources = [
        k
        for k in ("cidrIpv4", "cidrIpv6", "prefixListId", "referencedSecurityGroupId")
        if inputs.get(k)
    ]
    if len(sources) != 1:
        raise EmulatorRejected(
            "a security group rule needs exactly one of cidrIpv4, cidrIpv6, prefixListId, "
            f"referencedSecurityGroupId; got {sources or 'none'}"
        )
    if inputs.get("cidrIpv4"):
        perm["IpRanges"] = [{"CidrIp": inputs["cidrIpv4"], **description}]
    if inputs.get("cidrIpv6"):
        perm["Ipv6Ranges"] = [{"CidrIpv6": inputs["cidrIpv6"], **description}]
    if inputs.get("prefixListId"):
        perm["PrefixListIds"] = [{"PrefixListId": inputs["prefixListId"], **description}]
    if inputs.get("referencedSecurityGroupId"):
        perm["UserIdGroupPairs"] = [{"GroupId": inputs["referencedSecurityGroupId"], **description}]
    return perm


def _security_group_rule(ctx: Ctx, inputs: Inputs, direction: str) -> Created:
    ec2 = ctx.client("ec2")
    authorize = getattr(ec2, f"authorize_security_group_{direction}")
    out = authorize(
        GroupId=inputs["securityGroupId"],
        IpPermissions=[_rule_permission(inputs)],
        TagSpecifications=ctx.tag_specs("security-group-rule", inputs),
    )
    rule_id = out["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    return rule_id, {
        "securityGroupRuleId": rule_id,
        "arn": ctx.arn("ec2", f"security-group-rule/{rule_id}"),
    }


@resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
def security_group_ingress_rule(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    return _security_group_rule(ctx, inputs, "ingress")


@resource("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
def security_group_egress_rule(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    return _security_group_rule(ctx, inputs, "egress")


@resource("aws:ec2/customerGateway:CustomerGateway")
def customer_gateway(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    kwargs: dict[str, Any] = {
        "Type": inputs.get("type") or "ipsec.1",
        "BgpAsn": int(inputs.get("bgpAsn") or 65000),
        "TagSpecifications": ctx.tag_specs("customer-gateway", inputs),
    }
    if inputs.get("ipAddress"):
        kwargs["IpAddress"] = inputs["ipAddress"]
    if inputs.get("deviceName"):
        kwargs["DeviceName"] = inputs["deviceName"]
    if inputs.get("certificateArn"):
        kwargs["CertificateArn"] = inputs["certificateArn"]
    out = ctx.client("ec2").create_customer_gateway(**kwargs)["CustomerGateway"]
    gw_id = out["CustomerGatewayId"]
    return gw_id, {"arn": ctx.arn("ec2", f"customer-gateway/{gw_id}")}


@resource("aws:ec2/vpnGateway:VpnGateway")
def vpn_gateway(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    ec2 = ctx.client("ec2")
    kwargs: dict[str, Any] = {
        "Type": "ipsec.1",
        "TagSpecifications": ctx.tag_specs("vpn-gateway", inputs),
    }
    if inputs.get("amazonSideAsn"):
        kwargs["AmazonSideAsn"] = int(inputs["amazonSideAsn"])
    if inputs.get("availabilityZone"):
        kwargs["AvailabilityZone"] = inputs["availabilityZone"]
    out = ec2.create_vpn_gateway(**kwargs)["VpnGateway"]
    gw_id = out["VpnGatewayId"]
    if inputs.get("vpcId"):
        ec2.attach_vpn_gateway(VpnGatewayId=gw_id, VpcId=inputs["vpcId"])
    return gw_id, {
        "arn": ctx.arn("ec2", f"vpn-gateway/{gw_id}"),
        "amazonSideAsn": str(out.get("AmazonSideAsn", inputs.get("amazonSideAsn", "64512"))),
    }


VPN_CONNECTION = "aws:ec2/vpnConnection:VpnConnection"
not_produced(
    VPN_CONNECTION,
    "moto keeps no tunnels for a VPN connection (its customerGatewayConfiguration is one fixed "
    "sample, the same addresses for every connection)",
    *(f"tunnel{n}{a}" for n in (1, 2) for a in ("Address", "CgwInsideAddress", "VgwInsideAddress")),
    "tunnel1PresharedKey",
    "tunnel2PresharedKey",
)


@resource(VPN_CONNECTION)
def vpn_connection(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    kwargs: dict[str, Any] = {
        "Type": inputs.get("type") or "ipsec.1",
        "CustomerGatewayId": inputs["customerGatewayId"],
        "Options": {"StaticRoutesOnly": bool(inputs.get("staticRoutesOnly", False))},
        "TagSpecifications": ctx.tag_specs("vpn-connection", inputs),
    }
    targets = [k for k in ("vpnGatewayId", "transitGatewayId") if inputs.get(k)]
    if len(targets) != 1:
        raise EmulatorRejected(
            "a VPN connection needs exactly one of vpnGatewayId, transitGatewayId"
        )
    kwargs["VpnGatewayId" if targets[0] == "vpnGatewayId" else "TransitGatewayId"] = inputs[
        targets[0]
    ]
    ec2 = ctx.client("ec2")
    ec2.describe_customer_gateways(CustomerGatewayIds=[inputs["customerGatewayId"]])
    out = ec2.create_vpn_connection(**kwargs)["VpnConnection"]
    vpn_id = out["VpnConnectionId"]
    # moto drops Options: keep staticRoutesOnly for the VpnConnectionRoute check.
    static = bool(inputs.get("staticRoutesOnly", False))
    ctx.emulator.extra.setdefault("vpn_static_routes_only", {})[vpn_id] = static
    attachment = {}
    if inputs.get("transitGatewayId"):
        from offline.emulator.transit_gateway import vpn_attachment

        # On a transit gateway the connection is an attachment of it (moto makes one).
        attachment["transitGatewayAttachmentId"] = vpn_attachment(
            ctx, vpn_id, inputs["transitGatewayId"]
        )
    return vpn_id, {
        "arn": ctx.arn("ec2", f"vpn-connection/{vpn_id}"),
        "customerGatewayConfiguration": out.get("CustomerGatewayConfiguration", ""),
        "staticRoutesOnly": bool(inputs.get("staticRoutesOnly", False)),
        **attachment,
    }


@resource("aws:ec2/vpnConnectionRoute:VpnConnectionRoute")
def vpn_connection_route(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    ec2 = ctx.client("ec2")
    ec2.describe_vpn_connections(VpnConnectionIds=[inputs["vpnConnectionId"]])
    static = ctx.emulator.extra.get("vpn_static_routes_only", {})
    if not static.get(inputs["vpnConnectionId"]):
        raise EmulatorRejected(
            f"VPN connection {inputs['vpnConnectionId']} uses BGP (staticRoutesOnly is false): "
            "static routes cannot be added to it"
        )
    # moto does not implement CreateVpnConnectionRoute: record it after AWS's checks.
    ipaddress.IPv4Network(inputs["destinationCidrBlock"])  # InvalidParameterValue otherwise
    routes = ctx.emulator.extra.setdefault("vpn_connection_routes", {})
    routes.setdefault(inputs["vpnConnectionId"], []).append(inputs["destinationCidrBlock"])
    return f"{inputs['destinationCidrBlock']}:{inputs['vpnConnectionId']}", {}


@resource("aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation")
def vpn_gateway_route_propagation(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    ec2 = ctx.client("ec2")
    gateway = ec2.describe_vpn_gateways(VpnGatewayIds=[inputs["vpnGatewayId"]])["VpnGateways"][0]
    table = ec2.describe_route_tables(RouteTableIds=[inputs["routeTableId"]])["RouteTables"][0]
    attached = {a["VpcId"] for a in gateway.get("VpcAttachments", []) if a["State"] == "attached"}
    if table["VpcId"] not in attached:
        raise EmulatorRejected(
            f"Gateway.NotAttached: VPN gateway {gateway['VpnGatewayId']} is not attached to VPC "
            f"{table['VpcId']} of route table {inputs['routeTableId']}"
        )
    # moto does not implement EnableVgwRoutePropagation: the checks above are AWS's; record it.
    ctx.emulator.extra.setdefault("vgw_route_propagations", set()).add(
        (inputs["vpnGatewayId"], inputs["routeTableId"])
    )
    return f"{inputs['routeTableId']}_{inputs['vpnGatewayId']}", {}
