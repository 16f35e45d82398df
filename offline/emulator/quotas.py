"""AWS default quotas, enforced where the program can reach them (design.md pitfall 12).

moto enforces none of these. Each check counts what exists in moto where AWS counts it (per
account and region, or per VPC), so stacks deployed into one emulator share their quotas as they
would in one account, and refuses the resource past the quota with AWS's error code and message.
The defaults and adjustable maxima are `components.model.QUOTAS` (each cited there). A quota
raised through Service Quotas is `EmulatorMocks.raise_quota`; `offline deploy` raises what a
stack declares in `hubspoke:quotas` in each of its accounts and regions, as the user would have.
Not modelled: transit gateway attachments per gateway (5,000, not adjustable), route tables per
transit gateway (20) and routes per transit gateway (10,000), which config validation checks from
the plan (components/validation/quotas.py) and for which AWS documents no error code;
outstanding peering requests (25), and quotas of services the network does not use.
"""

from __future__ import annotations

from typing import Any

from components.model import ENDPOINT_IPS_MAX, QUOTAS
from offline.emulator.registry import Ctx, EmulatorRejected

# "IP addresses per Resolver endpoint: 6" (Route 53 quotas, "Quotas on Route 53 VPC Resolver");
# not a `hubspoke:quotas` key: hubspoke:dns.endpointIps is bounded by it.
IPS_PER_RESOLVER_ENDPOINT = ENDPOINT_IPS_MAX
DEFAULTS = {**{k: q.default for k, q in QUOTAS.items()}, "ipsPerResolverEndpoint": 6}

# AWS's error code and message for each quota. EC2's codes are in "Error codes for the Amazon EC2
# API" (client errors); Route 53 Resolver answers LimitExceededException.
ERRORS: dict[str, tuple[str, str]] = {
    "vpcsPerRegion": ("VpcLimitExceeded", "The maximum number of VPCs has been reached."),
    "eipsPerRegion": ("AddressLimitExceeded", "The maximum number of addresses has been reached."),
    "peeringsPerVpc": (
        "ActiveVpcPeeringConnectionPerVpcLimitExceeded",
        "You've reached the limit on the number of active VPC peering connections per VPC.",
    ),
    "interfaceEndpointsPerVpc": (
        "VpcEndpointLimitExceeded",
        "You've reached the limit on the number of interface VPC endpoints per VPC.",
    ),
    "gatewayEndpointsPerRegion": (
        "VpcEndpointLimitExceeded",
        "You've reached the limit on the number of gateway VPC endpoints in the Region.",
    ),
    "routesPerRouteTable": (
        "RouteLimitExceeded",
        "You've reached the limit on the number of routes that you can add to a route table.",
    ),
    "resolverEndpointsPerRegion": (
        "LimitExceededException",
        "Account has reached the maximum number of resolver endpoints in this Region.",
    ),
    "ipsPerResolverEndpoint": (
        "LimitExceededException",
        "The number of IP addresses exceeds the maximum allowed per resolver endpoint.",
    ),
}


def limit(ctx: Ctx, key: str, account_id: str | None = None, region: str | None = None) -> int:
    """The quota `key` in an account and region: raised through Service Quotas, or AWS's default."""
    where = (account_id or ctx.account_id, region or ctx.region, key)
    return ctx.emulator.quotas.get(where, DEFAULTS[key])


def require_room(ctx: Ctx, key: str, used: int, where: str, *, adding: int = 1, **at: Any) -> None:
    """Refuse, with AWS's error, what would take `key` past its quota (`used` already counts)."""
    quota = limit(ctx, key, **at)
    if used + adding > quota:
        code, message = ERRORS[key]
        raise EmulatorRejected(
            f"{code}: {message} ({where}: {used} in use, {adding} more asked, quota {quota}; "
            f"hubspoke:quotas.{key} declares a raised quota)"
        )


def vpcs(ctx: Ctx) -> None:
    """VPCs per Region, the default VPC moto (like AWS) creates in every account and region
    included."""
    used = len(ctx.client("ec2").describe_vpcs()["Vpcs"])
    require_room(ctx, "vpcsPerRegion", used, f"account {ctx.account_id} {ctx.region}")


def eips(ctx: Ctx) -> None:
    used = len(ctx.client("ec2").describe_addresses()["Addresses"])
    require_room(ctx, "eipsPerRegion", used, f"account {ctx.account_id} {ctx.region}")


def vpc_endpoint(ctx: Ctx, vpc_id: str, kind: str) -> None:
    endpoints = ctx.client("ec2").describe_vpc_endpoints()["VpcEndpoints"]
    if kind == "Interface":
        used = sum(1 for e in endpoints if e["VpcEndpointType"] == kind and e["VpcId"] == vpc_id)
        require_room(ctx, "interfaceEndpointsPerVpc", used, f"VPC {vpc_id}")
    elif kind == "Gateway":
        used = sum(1 for e in endpoints if e["VpcEndpointType"] == kind)
        require_room(
            ctx, "gatewayEndpointsPerRegion", used, f"account {ctx.account_id} {ctx.region}"
        )


def active_peerings(ctx: Ctx, vpc_id: str, account_id: str, region: str) -> None:
    """Active VPC peering connections per VPC, counted in the VPC's own account and region."""
    same = (account_id, region) == (ctx.account_id, ctx.region)
    owner = ctx if same else ctx.at(account_id, region)
    found = owner.client("ec2").describe_vpc_peering_connections()["VpcPeeringConnections"]
    used = sum(
        1
        for pc in found
        if pc["Status"]["Code"] == "active"
        and vpc_id in (pc["RequesterVpcInfo"]["VpcId"], pc["AccepterVpcInfo"]["VpcId"])
    )
    require_room(ctx, "peeringsPerVpc", used, f"VPC {vpc_id}", account_id=account_id, region=region)


def resolver_endpoint(ctx: Ctx, ip_count: int) -> None:
    used = len(ctx.client("route53resolver").list_resolver_endpoints()["ResolverEndpoints"])
    require_room(ctx, "resolverEndpointsPerRegion", used, f"account {ctx.account_id} {ctx.region}")
    require_room(ctx, "ipsPerResolverEndpoint", 0, "the endpoint", adding=ip_count)


# The routes of a route table that count against "Routes per route table (non-propagated
# routes)": not the local route, nor what a virtual private gateway propagates (Amazon VPC
# quotas). A gateway endpoint's route to its AWS-managed prefix list counts, at the list's weight
# (1 for S3 and DynamoDB: Amazon VPC user guide, "AWS-managed prefix list weight").
_NOT_COUNTED = ("CreateRouteTable", "EnableVgwRoutePropagation")


def routes(ctx: Ctx, route_table_id: str, existing: list[dict[str, Any]], *, ipv6: bool) -> None:
    """Routes per route table, counted separately for IPv4 and IPv6 routes as AWS does."""
    family = "DestinationIpv6CidrBlock" if ipv6 else "DestinationCidrBlock"
    used = sum(
        1
        for r in existing
        if r.get("Origin") not in _NOT_COUNTED
        and (family in r or (not ipv6 and "DestinationPrefixListId" in r))
    )
    require_room(ctx, "routesPerRouteTable", used, f"route table {route_table_id}")
