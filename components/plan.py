"""The network plan: every address the stack uses, computed from the validated config alone.

Pure (no Pulumi, no AWS), so it is tested on its own and components pass its values to each other
instead of reading each other's constructor arguments: a VPC's CIDR, its subnet CIDRs per tier and
AZ, its route-table keys, and the pinned Route 53 Resolver endpoint addresses.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from components.layout import subnet_cidr, transit_subnet_cidr
from components.model import (
    GATEWAY_ENDPOINT_SERVICES,
    ON_PREM_SEGMENT,
    SHARED_SEGMENT,
    NatStrategy,
    StackConfig,
    TransitGatewayConfig,
    VpcConfig,
)

# Endpoint IPs are pinned to a fixed host of each private subnet, so on-prem conditional
# forwarders and firewalls can be configured once: a replaced endpoint comes back on the same
# addresses. AWS reserves hosts 0-3 and the last one of every subnet; 10 and 11 fit even a /28.
INBOUND_HOST = 10
OUTBOUND_HOST = 11
# Every endpoint (inbound, outbound, relays) takes `dns.endpointIps` IPs, one per AZ in AZ order
# (default 2, the minimum AWS allows, RSLVR-00400): each costs $0.125 an hour, and answers up to
# 10,000 queries a second (fewer with connection tracking; see README "Idle cost").


@dataclass(frozen=True)
class VpcPlan:
    """One VPC's addresses and route-table keys."""

    name: str
    cidr: ipaddress.IPv4Network
    az_count: int
    nat_gateways: NatStrategy
    private_subnets: tuple[ipaddress.IPv4Network, ...]  # one per AZ, in AZ order
    public_subnets: tuple[ipaddress.IPv4Network, ...]  # one per AZ where NAT needs them, else ()
    # Every route table, private ones first: `private` (or `private-<az>` with a NAT per AZ), then
    # `public` when there are public subnets. Routes to peers go in all of them, in this order.
    route_table_keys: tuple[str, ...]
    # Transit gateway mode: the small attachment subnet of each AZ; () in peering mode.
    transit_subnets: tuple[ipaddress.IPv4Network, ...] = ()
    # The AZ id of each subnet by its key (`private-0`, `public-1`, `transit-2`: tier and AZ
    # index) when `azIds` pins them; empty when the Vpc chooses the ids at deploy time.
    subnet_az_ids: Mapping[str, str] = field(default_factory=dict)

    @property
    def subnet_keys(self) -> tuple[str, ...]:
        """Every subnet's key, tier by tier in AZ order: its logical name is `<vpc>-<key>`."""
        tiers = (
            ("private", self.private_subnets),
            ("public", self.public_subnets),
            ("transit", self.transit_subnets),
        )
        return tuple(f"{tier}-{i}" for tier, subnets in tiers for i in range(len(subnets)))

    def endpoint_ips(self, host: int, count: int | None = None) -> tuple[str, ...]:
        """The pinned address `host` of the private subnet of each of the first `count` AZs."""
        subnets = self.private_subnets[: self.az_count if count is None else count]
        return tuple(str(subnet.network_address + host) for subnet in subnets)


@dataclass(frozen=True)
class NetworkPlan:
    """The hub, the spokes by name, and the resolver addresses pinned in them."""

    hub: VpcPlan
    spokes: Mapping[str, VpcPlan]
    inbound_ips: tuple[str, ...]  # the hub's inbound endpoint: what on-prem forwarders target
    outbound_ips: tuple[str, ...]  # the hub's outbound endpoint: where queries to on-prem leave
    relay_ips: Mapping[str, tuple[str, ...]]  # per spoke outside the hub's region
    transit: TransitPlan | None = None  # transit gateway mode; None with peering


def plan_vpc(vpc: VpcConfig, *, transit: bool = False) -> VpcPlan:
    """The plan of one VPC: subnets from the pinned layout, route tables from the NAT strategy,
    attachment subnets in transit gateway mode."""
    azs = range(vpc.az_count)
    has_public = vpc.nat_gateways != "none"
    private_keys = (
        tuple(f"private-{i}" for i in azs) if vpc.nat_gateways == "perAz" else ("private",)
    )
    plan = VpcPlan(
        name=vpc.name,
        cidr=vpc.cidr,
        az_count=vpc.az_count,
        nat_gateways=vpc.nat_gateways,
        private_subnets=tuple(subnet_cidr(vpc.cidr, "private", i) for i in azs),
        public_subnets=tuple(subnet_cidr(vpc.cidr, "public", i) for i in azs) if has_public else (),
        route_table_keys=(*private_keys, *(("public",) if has_public else ())),
        transit_subnets=tuple(transit_subnet_cidr(vpc.cidr, i) for i in azs) if transit else (),
    )
    if not vpc.az_ids:
        return plan
    zones = {key: vpc.az_ids[int(key.rsplit("-", 1)[1])] for key in plan.subnet_keys}
    return replace(plan, subnet_az_ids=zones)


def plan_network(cfg: StackConfig) -> NetworkPlan:
    """The plan of the whole stack."""
    transit = cfg.transit_gateway is not None
    hub = plan_vpc(cfg.hub, transit=transit)
    spokes = {spoke.name: plan_vpc(spoke, transit=transit) for spoke in cfg.spokes}
    return NetworkPlan(
        hub=hub,
        spokes=spokes,
        inbound_ips=hub.endpoint_ips(INBOUND_HOST, cfg.dns.endpoint_ips),
        outbound_ips=hub.endpoint_ips(OUTBOUND_HOST, cfg.dns.endpoint_ips),
        relay_ips={
            s.name: spokes[s.name].endpoint_ips(OUTBOUND_HOST, cfg.dns.endpoint_ips)
            for s in cfg.spokes
            if s.region != cfg.hub.region
        },
        transit=plan_transit(cfg, {"hub": hub, **spokes}),
    )


# ---------------------------------------------------------------------------------------------
# Transit gateway mode: who reaches whom, and the routing that follows (pure, so the isolation
# between segments is tested without running the program)

VPN = "vpn"  # a static route's target: the VPN attachment on the hub's gateway
PEERING = "peering"  # a static route's target: a peering attachment (`peering:<region>` on the hub)


@dataclass(frozen=True)
class GatewayPlan:
    """One transit gateway (all are the hub account's): its region, route tables, static routes."""

    region: str
    asn: int
    tables: tuple[str, ...]
    # Table -> (destination, target). Targets: `vpn`, `peering` (a remote gateway's one peering),
    # `peering:<region>` (the hub gateway's peering with that region). Peering attachments take
    # static routes only (they do not propagate), and so does a VPN without BGP.
    static_routes: Mapping[str, tuple[tuple[ipaddress.IPv4Network, str], ...]]


@dataclass(frozen=True)
class AttachmentPlan:
    """One VPC's (or the VPN's) attachment: where it lives and which tables hold it."""

    name: str  # a VPC's name, or `onPrem` for the VPN
    region: str
    node: str  # its segment: a spoke's segment, `shared` for the hub, `onPrem` for the VPN
    associate: str  # the one route table it is associated with
    propagate: tuple[str, ...]  # the tables it propagates its routes into
    destinations: tuple[ipaddress.IPv4Network, ...]  # what its VPC route tables send to the gateway
    announces: tuple[ipaddress.IPv4Network, ...] = ()  # what it propagates into `propagate`


@dataclass(frozen=True)
class TransitPlan:
    """Every transit gateway, every attachment, and the reach relation they implement."""

    hub_region: str
    gateways: Mapping[str, GatewayPlan]  # by region, the hub's first
    attachments: Mapping[str, AttachmentPlan]  # the hub, the spokes, `onPrem` with a VPN
    reach: Mapping[str, frozenset[str]]  # segment -> segments it exchanges traffic with

    def reaches(self, a: str, b: str) -> bool:
        return b in self.reach.get(a, frozenset())


def reach_relation(tgw: TransitGatewayConfig, has_vpn: bool) -> dict[str, frozenset[str]]:
    """Reach is symmetric (traffic needs routes both ways): a segment reaches itself, `shared`,
    what it lists, and whatever lists it. `shared` (the hub) reaches every segment and on-prem."""
    nodes = [s.name for s in tgw.segments] + [SHARED_SEGMENT]
    nodes += [ON_PREM_SEGMENT] if has_vpn else []
    reach: dict[str, set[str]] = {n: set() for n in nodes}
    for segment in tgw.segments:
        reach[segment.name] |= {segment.name, SHARED_SEGMENT, *segment.reach}
    reach[SHARED_SEGMENT] |= set(nodes)
    for a in nodes:
        for b in list(reach[a]):
            reach[b].add(a)
    if has_vpn:
        reach[ON_PREM_SEGMENT].discard(ON_PREM_SEGMENT)  # on-prem to on-prem is not ours to route
    return {n: frozenset(reach[n]) for n in nodes}


Route = tuple[ipaddress.IPv4Network, str]  # (destination, target) of a static TGW route


def plan_transit(cfg: StackConfig, vpcs: Mapping[str, VpcPlan]) -> TransitPlan | None:
    """The transit gateway plan of a stack in that mode, None in peering mode.

    A segment with a `cidr` (its supernet) is one destination wherever it is reached: one VPC
    route per route table and one static gateway route per table, however many spokes it holds
    (longest prefix match leaves the VPC's own local route and the gateway's propagated routes,
    which are more specific, in charge). Without one, every spoke CIDR is a destination.
    The VPCs are scanned once per segment or region, not once per VPC: a VPC's work is the
    length of its own route list (so linear in the spokes once their segments are summarised)."""
    tgw = cfg.transit_gateway
    if tgw is None:
        return None
    vpn = cfg.on_prem.vpn if cfg.on_prem is not None else None
    on_prem_cidrs = cfg.on_prem.cidrs if vpn is not None else ()
    reach = reach_relation(tgw, vpn is not None)
    hub_region = cfg.hub.region
    members = [cfg.hub, *cfg.spokes]
    node = {v.name: v.segment or SHARED_SEGMENT for v in cfg.spokes} | {
        cfg.hub.name: SHARED_SEGMENT
    }
    supernet = {s.name: s.cidr for s in tgw.segments if s.cidr is not None}
    remote_regions = list(dict.fromkeys(v.region for v in cfg.spokes if v.region != hub_region))
    by_region: dict[str, list[VpcConfig]] = {}
    for v in members:
        by_region.setdefault(v.region, []).append(v)
    region_nodes = {r: {node[v.name] for v in local} for r, local in by_region.items()}
    segment_size: dict[str, int] = {}
    for v in members:
        segment_size[node[v.name]] = segment_size.get(node[v.name], 0) + 1

    def can(a: str, b: str) -> bool:
        return b in reach.get(a, frozenset())

    def summarise(routes: list[tuple[VpcConfig, str]]) -> list[Route]:
        """(VPC, target) pairs in config order as static routes: a summarised segment's VPCs
        become its supernet when they all sit behind one target, else stay one route each."""
        targets: dict[str, set[str]] = {}
        for v, target in routes:
            targets.setdefault(node[v.name], set()).add(target)
        out: list[Route] = []
        done: set[str] = set()
        for v, target in routes:
            n = node[v.name]
            if n in supernet and len(targets[n]) == 1:
                if n not in done:
                    done.add(n)
                    out.append((supernet[n], target))
            else:
                out.append((vpcs[v.name].cidr, target))
        return out

    # What a VPC of each node sends to its gateway: the VPCs (or supernets) of the nodes it
    # reaches, in config order, then on-prem. Computed once per node; a VPC drops itself.
    reached: dict[str, list[tuple[ipaddress.IPv4Network, str]]] = {}  # (cidr, owner)
    for n in reach:
        entries: list[tuple[ipaddress.IPv4Network, str]] = []
        seen: set[str] = set()
        for v in members:
            m = node[v.name]
            if not can(n, m):
                continue
            if m in supernet:
                if m not in seen:
                    seen.add(m)
                    entries.append((supernet[m], f"segment:{m}"))
            else:
                entries.append((vpcs[v.name].cidr, v.name))
        reached[n] = entries

    def destinations(source: str) -> tuple[ipaddress.IPv4Network, ...]:
        mine = node[source]
        alone = segment_size[mine] == 1  # its own supernet would lead nowhere else
        cidrs = [
            cidr
            for cidr, owner in reached[mine]
            if owner != source and not (alone and owner == f"segment:{mine}")
        ]
        return tuple(cidrs) + (on_prem_cidrs if can(mine, ON_PREM_SEGMENT) else ())

    attachments: dict[str, AttachmentPlan] = {}
    gateways: dict[str, GatewayPlan] = {}
    static_vpn = vpn is not None and vpn.bgp_asn is None

    # The hub's gateway: a table per segment, `shared`, `onPrem`, and one per peered region.
    # (Only segments with an attachment here get a table: a segment whose spokes are all in
    # another region has its table on that region's gateway.)
    used = region_nodes[hub_region] | ({ON_PREM_SEGMENT} if vpn else set())
    hub_nodes = [n for n in reach if n in used]
    hub_tables = [*hub_nodes, *(f"{PEERING}-{r}" for r in remote_regions)]
    remote_spokes = [v for v in cfg.spokes if v.region != hub_region]
    hub_static: dict[str, list[Route]] = {}
    for table in hub_nodes:
        hub_static[table] = summarise(
            [(v, f"{PEERING}:{v.region}") for v in remote_spokes if can(table, node[v.name])]
        )
        if static_vpn and table != ON_PREM_SEGMENT and can(table, ON_PREM_SEGMENT):
            hub_static[table] += [(c, VPN) for c in on_prem_cidrs]
    for r in remote_regions:
        remote_nodes = region_nodes[r]
        table = f"{PEERING}-{r}"
        hub_static[table] = summarise(
            [
                (v, f"{PEERING}:{v.region}")
                for v in remote_spokes
                if v.region != r and any(can(n, node[v.name]) for n in remote_nodes)
            ]
        )
        if static_vpn and any(can(n, ON_PREM_SEGMENT) for n in remote_nodes):
            hub_static[table] += [(c, VPN) for c in on_prem_cidrs]
    gateways[hub_region] = GatewayPlan(
        region=hub_region,
        asn=tgw.amazon_side_asn,
        tables=tuple(hub_tables),
        static_routes={t: tuple(hub_static[t]) for t in hub_tables},
    )

    def peering_tables(target: str) -> tuple[str, ...]:
        """The hub's peering tables that `target` propagates into: those of regions with a node
        that reaches it."""
        return tuple(
            f"{PEERING}-{r}" for r in remote_regions if any(can(n, target) for n in region_nodes[r])
        )

    for v in by_region[hub_region]:
        attachments[v.name] = AttachmentPlan(
            name=v.name,
            region=hub_region,
            node=node[v.name],
            associate=node[v.name],
            propagate=tuple(t for t in hub_nodes if can(t, node[v.name]))
            + peering_tables(node[v.name]),
            destinations=destinations(v.name),
            announces=(vpcs[v.name].cidr,),
        )
    if vpn is not None:
        bgp = vpn.bgp_asn is not None
        attachments[ON_PREM_SEGMENT] = AttachmentPlan(
            name=ON_PREM_SEGMENT,
            region=hub_region,
            node=ON_PREM_SEGMENT,
            associate=ON_PREM_SEGMENT,
            propagate=(
                tuple(t for t in hub_nodes if t != ON_PREM_SEGMENT and can(t, ON_PREM_SEGMENT))
                + peering_tables(ON_PREM_SEGMENT)
            )
            if bgp
            else (),
            destinations=(),
            announces=on_prem_cidrs if bgp else (),  # at least these, by BGP
        )

    # A remote region's gateway: a table per segment of its spokes and one for the peering; what
    # lies outside the region is reached through the peering, by static routes.
    for i, r in enumerate(remote_regions, start=1):
        local = by_region[r]
        segments = list(dict.fromkeys(node[v.name] for v in local))
        outside = [w for w in members if w.region != r]
        static = {
            s: tuple(
                summarise([(w, PEERING) for w in outside if can(s, node[w.name])])
                + [(c, PEERING) for c in on_prem_cidrs if can(s, ON_PREM_SEGMENT)]
            )
            for s in segments
        }
        gateways[r] = GatewayPlan(
            region=r,
            asn=tgw.amazon_side_asn + i,  # peered gateways need distinct ASNs
            tables=(*segments, PEERING),
            static_routes={**static, PEERING: ()},
        )
        for v in local:
            attachments[v.name] = AttachmentPlan(
                name=v.name,
                region=r,
                node=node[v.name],
                associate=node[v.name],
                propagate=(*(s for s in segments if can(s, node[v.name])), PEERING),
                destinations=destinations(v.name),
                announces=(vpcs[v.name].cidr,),
            )
    return TransitPlan(
        hub_region=hub_region, gateways=gateways, attachments=attachments, reach=reach
    )


# ---------------------------------------------------------------------------------------------
# Route counts: what the program puts in each route table, for the quotas (components/validation/
# quotas.py) and the tests that compare them with what the program registers.

PEERING_TARGET = "peering"
TRANSIT_TARGET = "transitGateway"
INTERNET_TARGET = "internetGateway"
NAT_TARGET = "natGateway"
ENDPOINT_TARGET = "gatewayEndpoint"
DEFAULT_ROUTE = "0.0.0.0/0"


@dataclass(frozen=True)
class VpcRoute:
    """One non-local route of a VPC route table: its destination (a CIDR, or `prefix-list:<service>`
    for a gateway endpoint's AWS-managed prefix list) and what it targets."""

    destination: str
    target: str


def vpc_routes(network: NetworkPlan) -> dict[str, dict[str, tuple[VpcRoute, ...]]]:
    """VPC name -> route table key -> the routes the program puts there, the local route left out
    (AWS does not count it). Peering mode: the hub's tables route to every spoke and each
    spoke's to the hub (components/peering.py); transit gateway mode: every table to its
    attachment's destinations (components/transit_attachment.py). Then the default route (the
    internet gateway in `public`, a NAT gateway in the private tables when there is one) and, in
    the private tables, a prefix-list route per gateway endpoint (components/vpc.py)."""
    routes: dict[str, dict[str, tuple[VpcRoute, ...]]] = {}
    transit = network.transit
    for vpc in (network.hub, *network.spokes.values()):
        if transit is not None:
            to_peers = [
                VpcRoute(str(c), TRANSIT_TARGET) for c in transit.attachments[vpc.name].destinations
            ]
        elif vpc is network.hub:
            to_peers = [VpcRoute(str(s.cidr), PEERING_TARGET) for s in network.spokes.values()]
        else:
            to_peers = [VpcRoute(str(network.hub.cidr), PEERING_TARGET)]
        tables: dict[str, tuple[VpcRoute, ...]] = {}
        for key in vpc.route_table_keys:
            own: list[VpcRoute] = []
            if key == "public":
                own.append(VpcRoute(DEFAULT_ROUTE, INTERNET_TARGET))
            else:
                if vpc.nat_gateways != "none":
                    own.append(VpcRoute(DEFAULT_ROUTE, NAT_TARGET))
                own += [
                    VpcRoute(f"prefix-list:{service}", ENDPOINT_TARGET)
                    for service in GATEWAY_ENDPOINT_SERVICES
                ]
            tables[key] = (*to_peers, *own)
        routes[vpc.name] = tables
    return routes


def transit_gateway_routes(transit: TransitPlan) -> dict[str, dict[str, int]]:
    """Region -> route table -> the routes it holds: its static routes plus what each attachment
    propagating into it announces (a VPC its CIDR, the VPN with BGP the on-prem CIDRs)."""
    counts = {
        region: {table: len(gateway.static_routes.get(table, ())) for table in gateway.tables}
        for region, gateway in transit.gateways.items()
    }
    for attachment in transit.attachments.values():
        for table in attachment.propagate:
            counts[attachment.region][table] += len(attachment.announces)
    return counts
