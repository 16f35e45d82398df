"""`hubspoke:quotas` and what the stack plans against them (design.md pitfall 12).

AWS refuses the resource past a quota mid-deploy (`VpcLimitExceeded` on the sixth VPC of a
region, the default VPC included), leaving a half-built stack. These rules count what the stack
plans per account and region, or per VPC, and refuse it before any resource is registered. They
see one stack: resources other stacks or people made in the same account count against the same
quotas, which the emulator models when stacks share it (offline/emulator/quotas.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from components.model import (
    ATTACHMENTS_PER_TRANSIT_GATEWAY,
    GATEWAY_ENDPOINT_SERVICES,
    ON_PREM_SEGMENT,
    PROPAGATED_ROUTES_PER_ROUTE_TABLE,
    PROPAGATION_PAGE,
    QUOTAS,
    SHARED_SEGMENT,
    TGW_QUOTAS_PAGE,
    Account,
    OnPremConfig,
    QuotasConfig,
    StackConfig,
    VpcConfig,
)
from components.plan import (
    ENDPOINT_TARGET,
    INTERNET_TARGET,
    NAT_TARGET,
    PEERING_TARGET,
    TRANSIT_TARGET,
    NetworkPlan,
    TransitPlan,
    plan_network,
    transit_gateway_routes,
    vpc_routes,
)
from components.validation.fields import MISSING, NS, Problems, as_int, as_mapping

PATH = f"{NS}quotas"
# Gateway endpoints every VPC gets (components/vpc.py: S3 and DynamoDB).
GATEWAY_ENDPOINTS_PER_VPC = len(GATEWAY_ENDPOINT_SERVICES)
# Resolver endpoints: the hub's inbound and outbound; one relay per spoke outside its region.
HUB_RESOLVER_ENDPOINTS = 2


def parse_quotas(raw: Any, problems: Problems) -> QuotasConfig:
    """Declared (raised) quotas: whole numbers from AWS's default (a quota cannot be lowered; where
    AWS raised its default, from the old one an account may still hold) up to the most AWS
    allows."""
    if raw is MISSING:
        return QuotasConfig()
    obj = as_mapping(raw, PATH, problems, [], list(QUOTAS))
    if obj is None:
        return QuotasConfig()
    declared: dict[str, int] = {}
    for key, value in obj.items():
        spec = QUOTAS.get(key)
        if spec is None:
            continue  # as_mapping reported it
        parsed = as_int(value, f"{PATH}.{key}", problems, spec.lowest, spec.maximum)
        if parsed is not None:
            declared[key] = parsed
    return QuotasConfig(declared=declared)


def check_planned_quotas(
    accounts: Mapping[str, Account],
    hub: VpcConfig | None,
    spokes: Sequence[VpcConfig],
    on_prem: OnPremConfig | None,
    quotas: QuotasConfig,
    problems: Problems,
) -> None:
    """What the stack plans per account and region fits the quotas (default or declared)."""
    if hub is None:
        return  # reported missing
    vpcs = [hub, *spokes]

    def where(vpc: VpcConfig) -> tuple[str, str]:
        account = accounts.get(vpc.account)
        return (account.id if account else vpc.account, vpc.region)

    planned: dict[str, Counter[tuple[str, str]]] = {
        "vpcsPerRegion": Counter(),
        "eipsPerRegion": Counter(),
        "gatewayEndpointsPerRegion": Counter(),
        "resolverEndpointsPerRegion": Counter(),
    }
    names: dict[tuple[str, str], list[str]] = {}
    for vpc in vpcs:
        at = where(vpc)
        names.setdefault(at, []).append(vpc.name)
        planned["vpcsPerRegion"][at] += 1
        nat = {"none": 0, "single": 1}.get(vpc.nat_gateways, vpc.az_count)
        planned["eipsPerRegion"][at] += nat  # one Elastic IP per NAT gateway
        planned["gatewayEndpointsPerRegion"][at] += GATEWAY_ENDPOINTS_PER_VPC
    if on_prem is not None:
        planned["resolverEndpointsPerRegion"][where(hub)] += HUB_RESOLVER_ENDPOINTS
        for spoke in spokes:
            if spoke.region != hub.region:
                planned["resolverEndpointsPerRegion"][where(spoke)] += 1
    for key, counts in planned.items():
        quota = quotas.value(key)
        for (account, region), count in sorted(counts.items()):
            # AWS creates a default VPC in every region of a new account; it counts.
            total = count + 1 if key == "vpcsPerRegion" else count
            if total <= quota:
                continue
            here = names[(account, region)]
            more = f" and {len(here) - 6} more" if len(here) > 6 else ""
            vpc_names = ", ".join(here[:6]) + more
            what = {
                "vpcsPerRegion": f"{count} VPCs ({vpc_names}) plus the default VPC",
                "eipsPerRegion": f"{count} Elastic IPs for NAT gateways (VPCs {vpc_names})",
                "gatewayEndpointsPerRegion": f"{count} gateway endpoints (S3 and DynamoDB in "
                f"VPCs {vpc_names})",
                "resolverEndpointsPerRegion": f"{count} Route 53 Resolver endpoints",
            }[key]
            declared = "declared" if key in quotas.declared else "AWS's default"
            problems.add(
                f"{PATH}.{key}",
                quota,
                f"({declared}) is exceeded in account {account} {region}: the stack plans "
                f"{what} there; raise the quota in Service Quotas and declare it here, or move "
                f"VPCs to another account or region ({QUOTAS[key].page})",
            )


def check_route_quotas(cfg: StackConfig, quotas: QuotasConfig, problems: Problems) -> None:
    """The routes the network plan puts in each VPC route table fit `routesPerRouteTable`, and
    each transit gateway's route tables, routes and attachments fit the transit gateway quotas.
    `cfg` holds the network sections only; it is planned as the program will plan it."""
    network = plan_network(cfg)
    _check_vpc_route_tables(cfg, network, quotas, problems)
    if network.transit is not None:
        _check_transit_gateways(cfg, network.transit, quotas, problems)
    else:
        _check_propagated_routes(cfg, problems)


def _check_propagated_routes(cfg: StackConfig, problems: Problems) -> None:
    """Peering mode: the hub's virtual private gateway propagates one route per on-prem CIDR into
    every hub route table (components/on_prem.py), at most 100 per table and not adjustable. In
    transit gateway mode the on-prem CIDRs are static routes, counted in routesPerRouteTable."""
    on_prem = cfg.on_prem
    if on_prem is None or on_prem.vpn is None:
        return
    if len(on_prem.cidrs) > PROPAGATED_ROUTES_PER_ROUTE_TABLE:
        problems.add(
            f"{NS}onPrem.cidrs",
            f"{len(on_prem.cidrs)} CIDRs",
            f"would be {len(on_prem.cidrs)} routes the hub's virtual private gateway propagates "
            f"into each hub route table, more than AWS allows "
            f"({PROPAGATED_ROUTES_PER_ROUTE_TABLE}, not adjustable; {PROPAGATION_PAGE}): "
            f"summarise them into fewer, larger CIDRs, or use transit gateway mode "
            f"({NS}transitGateway), where they are static routes",
        )


def _declared(quotas: QuotasConfig, key: str) -> str:
    return "declared" if key in quotas.declared else "AWS's default"


def _check_vpc_route_tables(
    cfg: StackConfig, network: NetworkPlan, quotas: QuotasConfig, problems: Problems
) -> None:
    key = "routesPerRouteTable"
    quota = quotas.value(key)
    vpcs = {v.name: v for v in (cfg.hub, *cfg.spokes)}
    segment_of = {str(s.cidr): s.segment for s in cfg.spokes if s.segment is not None}
    summarised = {
        s.name for s in (cfg.transit_gateway.segments if cfg.transit_gateway else ()) if s.cidr
    }
    targets = {
        PEERING_TARGET: "to peerings", TRANSIT_TARGET: "to the transit gateway",
        NAT_TARGET: "to a NAT gateway", INTERNET_TARGET: "to the internet gateway",
        ENDPOINT_TARGET: "to gateway endpoints (AWS-managed prefix lists, weight 1 each)",
    }  # fmt: skip
    for name, tables in vpc_routes(network).items():
        for table, routes in tables.items():
            if len(routes) <= quota:
                continue
            by_target = Counter(r.target for r in routes)
            what = ", ".join(f"{n} {targets[t]}" for t, n in by_target.items())
            # A segment without a supernet is one route per spoke; with one, a single route.
            spread = Counter(
                segment_of[r.destination]
                for r in routes
                if segment_of.get(r.destination) not in (None, *summarised)
            )
            helps = [
                f"{NS}transitGateway.segments.{s}.cidr ({n} routes to its spokes would be 1)"
                for s, n in spread.most_common()
                if n > 1
            ]
            hint = f"give segments a supernet: {'; '.join(helps)}; or " if helps else ""
            problems.add(
                f"{PATH}.{key}",
                quota,
                f"({_declared(quotas, key)}) is exceeded in route table {name}-{table} of VPC "
                f"{name} ({vpcs[name].config_path}): the stack plans {len(routes)} routes there "
                f"({what}); {hint}raise the quota in Service Quotas (at most "
                f"{QUOTAS[key].maximum}) and declare it here ({QUOTAS[key].page})",
            )


def _check_transit_gateways(
    cfg: StackConfig, transit: TransitPlan, quotas: QuotasConfig, problems: Problems
) -> None:
    routes = transit_gateway_routes(transit)
    for region, gateway in transit.gateways.items():
        where = f"the transit gateway in {region}"
        key = "routeTablesPerTransitGateway"
        if len(gateway.tables) > quotas.value(key):
            problems.add(
                f"{PATH}.{key}",
                quotas.value(key),
                f"({_declared(quotas, key)}) is exceeded by {where}: the stack plans "
                f"{len(gateway.tables)} route tables there (one per segment attached there, "
                f"{SHARED_SEGMENT}, {ON_PREM_SEGMENT} with a VPN, one per peered region); use "
                f"fewer segments, or raise the quota in Service Quotas and declare it here "
                f"({QUOTAS[key].page})",
            )
        key = "routesPerTransitGateway"
        total = sum(routes[region].values())
        if total > quotas.value(key):
            problems.add(
                f"{PATH}.{key}",
                quotas.value(key),
                f"({_declared(quotas, key)}) is exceeded by {where}: the stack plans {total} "
                f"routes across its {len(gateway.tables)} route tables (static, and propagated: "
                f"one per VPC and table it propagates into); segments that reach fewer segments "
                f"propagate into fewer tables, {NS}transitGateway.segments.<name>.cidr shortens "
                f"the static routes across peerings; or raise the quota in Service Quotas and "
                f"declare it here ({QUOTAS[key].page})",
            )
        # Every VPC's attachment, the VPN's, and one per peering (the hub's: one per region).
        attachments = sum(1 for a in transit.attachments.values() if a.region == region)
        attachments += (len(transit.gateways) - 1) if region == transit.hub_region else 1
        if attachments > ATTACHMENTS_PER_TRANSIT_GATEWAY:
            problems.add(
                f"{NS}spokes",
                f"{len(cfg.spokes)} spokes",
                f"need {attachments} attachments on {where}, more than AWS allows "
                f"({ATTACHMENTS_PER_TRANSIT_GATEWAY}, not adjustable; {TGW_QUOTAS_PAGE}): split "
                "the spokes across stacks, or regions",
            )
