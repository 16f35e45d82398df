"""Route 53 Resolver endpoints, rules and rule associations; private hosted zones and their
cross-account VPC associations (design.md pitfalls 3, 4 and 6).

moto checks: endpoints need >= 2 IPs (RSLVR-00400) in existing subnets; a rule's endpoint exists;
an association's VPC exists in the caller's account. The emulator layer adds what moto lacks:
rules shared through RAM and associated from another account; a FORWARD rule that targets the
inbound endpoint of a VPC it is associated with (RSLVR-00804); zone association authorizations and
cross-account zone associations; one private zone name per VPC.
"""

from __future__ import annotations

import uuid
from typing import Any

from offline.emulator import quotas
from offline.emulator.registry import Created, Ctx, EmulatorRejected, Inputs, number, resource

_ROUTE53_REGION = "us-east-1"  # Route 53 hosted zones are global


@resource("aws:route53/resolverEndpoint:ResolverEndpoint")
def resolver_endpoint(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    resolver = ctx.client("route53resolver")
    addresses = []
    for address in inputs.get("ipAddresses") or []:
        entry = {"SubnetId": address["subnetId"]}
        if address.get("ip"):
            entry["Ip"] = address["ip"]
        addresses.append(entry)
    kwargs: dict[str, Any] = {
        "CreatorRequestId": str(uuid.uuid4()),
        "Name": inputs.get("name") or name,
        "SecurityGroupIds": list(inputs.get("securityGroupIds") or []),
        "Direction": inputs["direction"],
        "IpAddresses": addresses,
        "Tags": ctx.tag_list(inputs),
    }
    if inputs.get("protocols"):
        kwargs["Protocols"] = list(inputs["protocols"])
    if inputs.get("resolverEndpointType"):
        kwargs["ResolverEndpointType"] = inputs["resolverEndpointType"]
    _require_security_groups(ctx, kwargs["SecurityGroupIds"])
    quotas.resolver_endpoint(ctx, len(addresses))
    out = resolver.create_resolver_endpoint(**kwargs)["ResolverEndpoint"]
    ips = resolver.list_resolver_endpoint_ip_addresses(ResolverEndpointId=out["Id"])["IpAddresses"]
    return out["Id"], {
        "arn": out["Arn"],
        "hostVpcId": out["HostVPCId"],
        "ipAddresses": [{"subnetId": i["SubnetId"], "ip": i["Ip"], "ipId": i["IpId"]} for i in ips],
        "protocols": out.get("Protocols") or ["Do53"],
        "resolverEndpointType": out.get("ResolverEndpointType") or "IPV4",
    }


def _require_security_groups(ctx: Ctx, group_ids: list[str]) -> None:
    if not group_ids:
        raise EmulatorRejected("a resolver endpoint needs at least one security group")
    ctx.client("ec2").describe_security_groups(GroupIds=group_ids)  # InvalidGroup.NotFound


@resource("aws:route53/resolverRule:ResolverRule")
def resolver_rule(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    kwargs: dict[str, Any] = {
        "CreatorRequestId": str(uuid.uuid4()),
        "RuleType": inputs["ruleType"],
        "DomainName": inputs["domainName"],
        "Tags": ctx.tag_list(inputs),
    }
    if inputs.get("name"):
        kwargs["Name"] = inputs["name"]
    if inputs.get("resolverEndpointId"):
        kwargs["ResolverEndpointId"] = inputs["resolverEndpointId"]
    if inputs.get("targetIps"):
        kwargs["TargetIps"] = [
            {"Ip": t["ip"], "Port": number(t.get("port")) or 53}
            | ({"Protocol": t["protocol"]} if t.get("protocol") else {})
            for t in inputs["targetIps"]
        ]
    if inputs["ruleType"] == "FORWARD":
        if not inputs.get("targetIps"):
            raise EmulatorRejected("a FORWARD rule needs targetIps")
        endpoint = ctx.client("route53resolver").get_resolver_endpoint(
            ResolverEndpointId=inputs.get("resolverEndpointId", "")
        )["ResolverEndpoint"]
        if endpoint["Direction"] != "OUTBOUND":
            raise EmulatorRejected(
                f"resolverEndpointId {endpoint['Id']} is an {endpoint['Direction']} endpoint; "
                "a FORWARD rule needs an OUTBOUND one"
            )
    out = ctx.client("route53resolver").create_resolver_rule(**kwargs)["ResolverRule"]
    return out["Id"], {
        "arn": out["Arn"],
        "ownerId": out["OwnerId"],
        "shareStatus": out.get("ShareStatus", "NOT_SHARED"),
        "domainName": out["DomainName"],
        "name": out.get("Name", ""),
    }


def _find_rule(ctx: Ctx, rule_id: str) -> tuple[Ctx, dict[str, Any]]:
    """The rule and its owner's context: the caller's own, or one shared with it through RAM."""
    for created in ctx.emulator.created:
        if created.type == "aws:route53/resolverRule:ResolverRule" and created.id == rule_id:
            owner = ctx.at(created.account_id, created.region)
            rule = owner.client("route53resolver").get_resolver_rule(ResolverRuleId=rule_id)
            return owner, rule["ResolverRule"]
    raise EmulatorRejected(f"ResourceNotFoundException: resolver rule {rule_id} does not exist")


def _inbound_ips_of_vpc(owner: Ctx, vpc_id: str) -> set[str]:
    resolver = owner.client("route53resolver")
    ips: set[str] = set()
    for endpoint in resolver.list_resolver_endpoints()["ResolverEndpoints"]:
        if endpoint["Direction"] == "INBOUND" and endpoint["HostVPCId"] == vpc_id:
            found = resolver.list_resolver_endpoint_ip_addresses(ResolverEndpointId=endpoint["Id"])
            ips |= {i["Ip"] for i in found["IpAddresses"]}
    return ips


@resource("aws:route53/resolverRuleAssociation:ResolverRuleAssociation")
def resolver_rule_association(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    rule_id, vpc_id = inputs["resolverRuleId"], inputs["vpcId"]
    owner, rule = _find_rule(ctx, rule_id)
    if owner.region != ctx.region:
        raise EmulatorRejected(f"resolver rule {rule_id} is in {owner.region}, not {ctx.region}")
    looping = {t["Ip"] for t in rule.get("TargetIps", [])} & _inbound_ips_of_vpc(owner, vpc_id)
    if looping:
        raise EmulatorRejected(
            f"RSLVR-00804: rule {rule_id} forwards to {sorted(looping)}, the inbound endpoint of "
            f"VPC {vpc_id} it would be associated with (a resolution loop)"
        )
    if owner.account_id == ctx.account_id:
        out = ctx.client("route53resolver").associate_resolver_rule(
            ResolverRuleId=rule_id, VPCId=vpc_id, Name=inputs.get("name") or name
        )["ResolverRuleAssociation"]
        return out["Id"], {}
    # Another account's rule: AWS allows it once the rule is shared with this account via RAM.
    from offline.emulator.ram import shared_with

    if not shared_with(ctx, rule["Arn"], ctx.account_id, not_found="ResourceNotFoundException"):
        raise EmulatorRejected(
            f"AccessDeniedException: resolver rule {rule['Arn']} (account {owner.account_id}) is "
            f"not shared with account {ctx.account_id} through RAM (resource and principal "
            "associations, accepted where needed)"
        )
    ctx.client("ec2").describe_vpcs(VpcIds=[vpc_id])  # the VPC must be the caller's
    association_id = f"rslvr-rrassoc-{uuid.uuid5(uuid.NAMESPACE_URL, rule_id + vpc_id).hex[:17]}"
    ctx.emulator.extra.setdefault("resolver_rule_associations", []).append(
        {"id": association_id, "rule": rule_id, "vpc": vpc_id, "account": ctx.account_id}
    )
    return association_id, {}


# -- private hosted zones ----------------------------------------------------------------------


def _zone_owner(ctx: Ctx, zone_id: str) -> Ctx:
    for created in ctx.emulator.created:
        if created.type == "aws:route53/zone:Zone" and created.id == zone_id:
            return ctx.at(created.account_id, created.region)
    raise EmulatorRejected(f"NoSuchHostedZone: no hosted zone {zone_id}")


def _require_vpc(ctx: Ctx, vpc_id: str, region: str) -> None:
    ctx.at(ctx.account_id, region).client("ec2").describe_vpcs(VpcIds=[vpc_id])


def _check_one_zone_name_per_vpc(ctx: Ctx, zone_name: str, zone_id: str, vpc_id: str) -> None:
    """AWS: a VPC cannot be associated with two private zones of the same name."""
    for created in ctx.emulator.created:
        if created.type != "aws:route53/zone:Zone" or created.id == zone_id:
            continue
        if created.outputs["name"].rstrip(".") != zone_name.rstrip("."):
            continue
        owner = ctx.at(created.account_id)
        zone = owner.client("route53").get_hosted_zone(Id=created.id)
        if any(v["VPCId"] == vpc_id for v in zone.get("VPCs", [])):
            raise EmulatorRejected(
                f"ConflictingDomainExists: VPC {vpc_id} is already associated with private zone "
                f"{created.id} named {zone_name}"
            )


@resource("aws:route53/zone:Zone")
def zone(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    route53 = ctx.client("route53", _ROUTE53_REGION)
    vpcs = list(inputs.get("vpcs") or [])
    kwargs: dict[str, Any] = {
        "Name": inputs["name"],
        "CallerReference": str(uuid.uuid4()),
        "HostedZoneConfig": {
            "Comment": inputs.get("comment", "Managed by Pulumi"),
            "PrivateZone": bool(vpcs),
        },
    }
    if vpcs:
        first = vpcs[0]
        region = first.get("vpcRegion") or ctx.region
        _require_vpc(ctx, first["vpcId"], region)
        _check_one_zone_name_per_vpc(ctx, inputs["name"], "", first["vpcId"])
        kwargs["VPC"] = {"VPCRegion": region, "VPCId": first["vpcId"]}
    out = route53.create_hosted_zone(**kwargs)
    zone_id = out["HostedZone"]["Id"].rsplit("/", 1)[-1]
    for extra in vpcs[1:]:
        region = extra.get("vpcRegion") or ctx.region
        _require_vpc(ctx, extra["vpcId"], region)
        route53.associate_vpc_with_hosted_zone(
            HostedZoneId=zone_id, VPC={"VPCRegion": region, "VPCId": extra["vpcId"]}
        )
    if ctx.tags(inputs):
        route53.change_tags_for_resource(
            ResourceType="hostedzone", ResourceId=zone_id, AddTags=ctx.tag_list(inputs)
        )
    servers = out.get("DelegationSet", {}).get("NameServers", [])
    return zone_id, {
        "zoneId": zone_id,
        "arn": f"arn:aws:route53:::hostedzone/{zone_id}",
        "name": inputs["name"],
        "nameServers": servers,
        "primaryNameServer": servers[0] if servers else "",
        "vpcs": [
            {"vpcId": v["vpcId"], "vpcRegion": v.get("vpcRegion") or ctx.region} for v in vpcs
        ],
    }


@resource("aws:route53/vpcAssociationAuthorization:VpcAssociationAuthorization")
def vpc_association_authorization(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    """moto has no CreateVPCAssociationAuthorization: the emulator records it, after checking
    that the caller owns the zone (only the zone owner can authorize)."""
    zone_id, vpc_id = inputs["zoneId"], inputs["vpcId"]
    owner = _zone_owner(ctx, zone_id)
    if owner.account_id != ctx.account_id:
        raise EmulatorRejected(
            f"NotAuthorizedException: zone {zone_id} belongs to account {owner.account_id}; only "
            f"its owner can authorize associations, not account {ctx.account_id}"
        )
    region = inputs.get("vpcRegion") or ctx.region
    ctx.emulator.extra.setdefault("zone_authorizations", set()).add((zone_id, vpc_id, region))
    return f"{zone_id}:{vpc_id}", {"vpcRegion": region}


@resource("aws:route53/zoneAssociation:ZoneAssociation")
def zone_association(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    zone_id, vpc_id = inputs["zoneId"], inputs["vpcId"]
    region = inputs.get("vpcRegion") or ctx.region
    owner = _zone_owner(ctx, zone_id)
    # The association is made by the VPC's owner: the VPC must be the caller's.
    _require_vpc(ctx, vpc_id, region)
    if owner.account_id != ctx.account_id:
        authorized = ctx.emulator.extra.get("zone_authorizations", set())
        if (zone_id, vpc_id, region) not in authorized:
            raise EmulatorRejected(
                f"NotAuthorizedException: account {ctx.account_id} may not associate VPC {vpc_id} "
                f"with zone {zone_id} of account {owner.account_id}: the zone owner has not "
                "created a VpcAssociationAuthorization for it"
            )
    zone_name = owner.client("route53", _ROUTE53_REGION).get_hosted_zone(Id=zone_id)
    _check_one_zone_name_per_vpc(ctx, zone_name["HostedZone"]["Name"], zone_id, vpc_id)
    owner.client("route53", _ROUTE53_REGION).associate_vpc_with_hosted_zone(
        HostedZoneId=zone_id, VPC={"VPCRegion": region, "VPCId": vpc_id}
    )
    return f"{zone_id}:{vpc_id}:{region}", {"vpcRegion": region, "owningAccount": owner.account_id}
