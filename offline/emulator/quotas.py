"""AWS default quotas, enforced where the program can reach them (design.md pitfall 12).

moto enforces none of these. Each check counts what exists in moto where AWS counts it (per
account and region, or per VPC), so stacks deployed into one emulator share their quotas as they
would in one account, and refuses the resource past the quota with AWS's error code and message.
The defaults and adjustable maxima are `components.model.QUOTAS` (each cited there). A quota
raised through Service Quotas is `EmulatorMocks.raise_quota`; `offline deploy` raises what a
stack declares in `hubspoke:quotas` in each of its accounts and regions, as the user would have.
Not modelled: transit gateway attachments per gateway (5,000: no stack comes near, and a test at
5,001 is not cheap), outstanding peering requests (25), and quotas of services the network does
not use.
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
