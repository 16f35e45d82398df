"""Route summarisation in transit gateway mode (`hubspoke:transitGateway.segments.<name>.cidr`):
the supernet's validation, one route per summarised segment however many spokes it holds, and the
same reachability as one route per spoke."""

from __future__ import annotations

import copy
import ipaddress
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stack_variants import config_problems, hubspoke_keys

from components.config import parse
from components.plan import NetworkPlan, plan_network
from components.validation import Problems, check_overlaps
from offline.runner import RunResult, run, stack_config

PATH = "hubspoke:transitGateway"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
SUPERNETS = {"apps": "10.16.0.0/12", "data": "10.32.0.0/12"}  # tools has none


def raw_stack(apps: int = 2, data: int = 2, tools: int = 2, *, supernets: bool = True) -> dict:
    """prod's accounts, hub and VPN with /20 spokes: `apps` (reaches data and on-prem) and `data`
    carved from their supernets, `tools` from 10.48.0.0/12 without one; the second spoke of each
    segment is in eu-central-1, behind the peered gateway."""
    prod = copy.deepcopy(stack_config("prod"))
    cfg = hubspoke_keys(prod)
    del cfg["api"]  # it names prod's spokes
    del cfg["web"]  # the web app is the API's front end: without the API it is an error
    pools = {
        name: ipaddress.IPv4Network(net).subnets(new_prefix=20)
        for name, net in {**SUPERNETS, "tools": "10.48.0.0/12"}.items()
    }
    cfg["spokes"] = []
    for segment, count in (("apps", apps), ("data", data), ("tools", tools)):
        for i in range(count):
            spoke = {
                "name": f"{segment}{i}",
                "account": "workloads",
                "cidr": str(next(pools[segment])),
                "segment": segment,
            }
            if i == 1:
                spoke["region"] = "eu-central-1"
            cfg["spokes"].append(spoke)
    segments = {"apps": {"reach": ["data", "onPrem"]}, "data": {}, "tools": {}}
    if supernets:
        for name, net in SUPERNETS.items():
            segments[name]["cidr"] = net
    cfg["transitGateway"] = {"amazonSideAsn": 64600, "segments": segments}
    # That many VPCs in one account and region need those quotas raised (hubspoke:quotas).
    cfg["quotas"] = {"vpcsPerRegion": 100, "gatewayEndpointsPerRegion": 200}
    return cfg


def plan_of(cfg: dict) -> NetworkPlan:
    return plan_network(parse(cfg, stack="prod", region="eu-west-1"))


problems = config_problems


# --- validation ---------------------------------------------------------------------------------


def test_every_supernet_problem_is_reported_at_once_with_key_and_value():
    cfg = raw_stack()
    segments = cfg["transitGateway"]["segments"]
    segments["tools"]["cidr"] = "10.40.0.0/13"  # overlaps data's 10.32.0.0/12
    cfg["spokes"][0]["cidr"] = "10.200.0.0/20"  # apps0 outside apps' supernet
    cfg["spokes"][4]["cidr"] = "10.17.0.0/20"  # tools0 inside apps' supernet
    assert problems(cfg) == [
        f"{PATH}.segments.tools.cidr 10.40.0.0/13 overlaps {PATH}.segments.data.cidr 10.32.0.0/12",
        "hubspoke:spokes[0].cidr 10.200.0.0/20 is not inside its segment's "
        f"{PATH}.segments.apps.cidr 10.16.0.0/12: routes to the segment would miss it",
        f"hubspoke:spokes[4].cidr 10.17.0.0/20 is in segment tools but overlaps {PATH}.segments."
        "apps.cidr 10.16.0.0/12: routes to apps would reach it",
        f"hubspoke:spokes[4].cidr 10.17.0.0/20 is not inside its segment's {PATH}.segments.tools."
        "cidr 10.40.0.0/13: routes to the segment would miss it",
        f"hubspoke:spokes[5].cidr 10.48.16.0/20 is not inside its segment's {PATH}.segments.tools."
        "cidr 10.40.0.0/13: routes to the segment would miss it",
    ]


def test_a_supernet_may_not_cover_the_hub_or_on_prem_and_must_be_a_cidr():
    cfg = raw_stack()
    cfg["transitGateway"]["segments"]["apps"]["cidr"] = "10.0.0.0/8"
    cfg["transitGateway"]["segments"]["data"]["cidr"] = "192.168.0.0/17"
    got = problems(cfg)
    assert f"{PATH}.segments.apps.cidr 10.0.0.0/8 overlaps hubspoke:hub.cidr 10.0.0.0/16" in got
    assert (
        f"{PATH}.segments.data.cidr 192.168.0.0/17 overlaps hubspoke:onPrem.cidrs[0] 192.168.0.0/16"
    ) in got
    cfg = raw_stack()
    cfg["transitGateway"]["segments"]["apps"]["cidr"] = "10.16.0.1/12"
    assert problems(cfg) == [
        f"{PATH}.segments.apps.cidr 10.16.0.1/12 is not a valid IPv4 CIDR (10.16.0.1/12 has host "
        "bits set)"
    ]


def test_without_supernets_the_stack_parses_as_before():
    cfg = parse(raw_stack(supernets=False), stack="prod", region="eu-west-1")
    assert all(s.cidr is None for s in cfg.transit_gateway.segments)
    cfg = parse(raw_stack(), stack="prod", region="eu-west-1")
    assert {s.name: str(s.cidr) for s in cfg.transit_gateway.segments if s.cidr} == SUPERNETS


# --- routes: counts ----------------------------------------------------------------------------


def _route_counts(plan: NetworkPlan) -> dict[str, int]:
    """VPC routes per route table (destinations x tables) and static routes per gateway table."""
    counts = {n: len(a.destinations) for n, a in plan.transit.attachments.items() if n != "onPrem"}
    for region, gateway in plan.transit.gateways.items():
        for table, routes in gateway.static_routes.items():
            counts[f"tgw-{region}-{table}"] = len(routes)
    return counts


def test_plan_route_counts_do_not_grow_with_the_spokes_of_a_summarised_segment():
    small, large = plan_of(raw_stack(data=2)), plan_of(raw_stack(data=12))
    before, after = _route_counts(small), _route_counts(large)
    assert {k: after[k] for k in before} == before
    # Without supernets the same growth adds a route per data spoke where data is reached.
    small, large = (plan_of(raw_stack(data=n, supernets=False)) for n in (2, 12))
    assert len(large.transit.attachments["apps0"].destinations) == (
        len(small.transit.attachments["apps0"].destinations) + 10
    )


def test_a_summarised_segment_of_one_spoke_routes_no_supernet_back_to_itself():
    plan = plan_of(raw_stack(data=1))
    assert (
        ipaddress.IPv4Network(SUPERNETS["data"])
        not in plan.transit.attachments["data0"].destinations
    )
    assert (
        ipaddress.IPv4Network(SUPERNETS["data"]) in plan.transit.attachments["apps0"].destinations
    )


@pytest.fixture(scope="module")
def runs() -> dict[str, RunResult]:
    """The program under mocks with 2 spokes per segment, then 6 in `data` (summarised) and in
    `tools` (not)."""
    sizes = {"base": {}, "grown": {"data": 6, "tools": 6}}
    return {
        key: run(
            "prod",
            config={"aws:region": "eu-west-1"}
            | {f"hubspoke:{k}": v for k, v in raw_stack(**size).items()},
        )
        for key, size in sizes.items()
    }


def _routes_per_table(result: RunResult) -> dict[str, int]:
    """Gateway routes per VPC route table and static routes per gateway route table, by logical
    name (the internet and NAT routes are left out)."""
    names = {r.id: r.name for r in result.of_type(ROUTE_TABLE)}
    counts = Counter(
        names[r.inputs["routeTableId"]]
        for r in result.of_type(ROUTE)
        if "transitGatewayId" in r.inputs
    )
    tgw_tables = {
        r.id: r.name for r in result.of_type("aws:ec2transitgateway/routeTable:RouteTable")
    }
    counts.update(
        tgw_tables[r.inputs["transitGatewayRouteTableId"]]
        for r in result.of_type("aws:ec2transitgateway/route:Route")
    )
    return dict(counts)


def test_mocks_route_count_per_table_stays_flat_when_a_summarised_segment_grows(runs):
    base, grown = _routes_per_table(runs["base"]), _routes_per_table(runs["grown"])
    # apps', data's and the gateways' tables; the hub's and tools' grow (next test)
    flat = [t for t in base if not t.startswith("hub-") and "tools" not in t]
    assert flat and {t: grown[t] for t in flat} == {t: base[t] for t in flat}
    # Every data spoke's table holds three routes: the hub, apps' supernet (apps reaches data,
    # and reach is symmetric) and data's own (to the other data spokes).
    for i in range(6):
        assert grown[f"data{i}-private"] == base["data0-private"] == 3


def test_mocks_route_count_grows_for_a_segment_without_a_supernet(runs):
    base, grown = _routes_per_table(runs["base"]), _routes_per_table(runs["grown"])
    assert grown["hub-private"] == base["hub-private"] + 4  # one route per new tools spoke
    assert grown["tools0-private"] == base["tools0-private"] + 4


# --- routes: reachability ----------------------------------------------------------------------


def _covered(routes, address: ipaddress.IPv4Network) -> set[str]:
    """The targets of the longest routes covering `address` (empty when none does)."""
    matches = [(net, target) for net, target in routes if address.subnet_of(net)]
    if not matches:
        return set()
    longest = max(net.prefixlen for net, _ in matches)
    return {target for net, target in matches if net.prefixlen == longest}


def _reachability(plan: NetworkPlan) -> dict[tuple[str, str], object]:
    """Whether each VPC routes each other VPC (and on-prem) to its gateway, and where each gateway
    route table (static routes and the propagated ones, longest prefix first) sends each VPC's
    CIDR and on-prem."""
    vpcs = {"hub": plan.hub, **plan.spokes}
    region_of = {n: a.region for n, a in plan.transit.attachments.items()}
    on_prem = ipaddress.IPv4Network("192.168.1.0/24")
    out: dict[tuple[str, str], object] = {}
    for name, attachment in plan.transit.attachments.items():
        if name == "onPrem":
            continue
        routes = [(d, "tgw") for d in attachment.destinations]
        for other, vpc in vpcs.items():
            if other != name:
                out[(name, other)] = bool(_covered(routes, vpc.cidr))
        out[(name, "onPrem")] = bool(_covered(routes, on_prem))
    for region, gateway in plan.transit.gateways.items():
        for table, static in gateway.static_routes.items():
            propagated = [
                (
                    vpcs[a.name].cidr
                    if a.name in vpcs
                    else ipaddress.IPv4Network("192.168.0.0/16"),
                    a.name,
                )
                for a in plan.transit.attachments.values()
                if a.region == region and table in a.propagate
            ]
            routes = [*static, *propagated]
            for other, vpc in vpcs.items():
                if table == f"peering-{region_of[other]}":
                    continue  # traffic from a region to its own VPCs never crosses the peering
                out[(f"{region}/{table}", other)] = frozenset(_covered(routes, vpc.cidr))
            out[(f"{region}/{table}", "onPrem")] = frozenset(_covered(routes, on_prem))
    return out


@pytest.mark.parametrize(("bgp", "third_region"), [(True, False), (False, False), (True, True)])
def test_summarised_routes_reach_exactly_what_per_spoke_routes_reach(bgp, third_region):
    cfgs = [raw_stack(apps=3, data=4, tools=3, supernets=s) for s in (False, True)]
    for cfg in cfgs:
        if not bgp:
            del cfg["onPrem"]["vpn"]["bgpAsn"]
        if third_region:  # data2 behind a second peering: data's remote spokes split two ways
            next(s for s in cfg["spokes"] if s["name"] == "data2")["region"] = "eu-north-1"
            del cfg["dns"]["firewall"]
    per_spoke, summarised = (plan_of(c) for c in cfgs)
    assert _reachability(summarised) == _reachability(per_spoke)
    # ...with fewer routes: apps reaches data's four spokes by one supernet.
    assert (
        ipaddress.IPv4Network(SUPERNETS["data"])
        in summarised.transit.attachments["apps0"].destinations
    )
    assert sum(_route_counts(summarised).values()) < sum(_route_counts(per_spoke).values())


# --- the overlap check's sweep ------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 255), st.integers(8, 12)).map(
            lambda t: ipaddress.IPv4Network((t[0] << 24 & 0xFF000000 | t[0] << 16, t[1]), False)
        ),
        max_size=12,
    )
)
def test_the_overlap_sweep_reports_what_comparing_every_pair_reports(nets):
    ranges = [(f"r[{i}]", net) for i, net in enumerate(nets)]
    problems = Problems()
    check_overlaps(ranges, problems)
    expected = [
        f"{path} {cidr} overlaps {other_path} {other}"
        for i, (path, cidr) in enumerate(ranges)
        for other_path, other in ranges[:i]
        if cidr.overlaps(other)
    ]
    assert problems.items == expected
