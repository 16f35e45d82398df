"""Routes per VPC route table and the transit gateway quotas: the network plan's route lists
(components/plan.py `vpc_routes`, `transit_gateway_routes`) are what the program registers, and a
stack past a quota is refused before any resource, naming the key, the value, the table and the
count, with the segment supernets that would bring it back under (components/validation/quotas.py).
"""

from __future__ import annotations

import copy
import ipaddress
from collections import Counter
from typing import Any

import pytest
from stack_variants import config_problems, hubspoke_keys, prod_nat_config, prod_peering_config

import components.validation.quotas as quota_rules
from components.config import parse
from components.model import QUOTAS
from components.plan import plan_network, transit_gateway_routes, vpc_routes
from offline.runner import ROOT, RunResult, check_stack, stack_config

ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
VPC_PAGE = "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html"


hubspoke = hubspoke_keys


@pytest.fixture(scope="module", params=["dev", "prod", "prod_nat", "prod_peering"])
def program(request) -> tuple[RunResult, Any]:
    """A run under mocks (the session's) and the config it planned from: both stack files, prod
    with NAT (public tables, NAT and internet gateway default routes), prod in peering mode."""
    raw = {
        "dev": stack_config("dev"), "prod": stack_config("prod"),
        "prod_nat": prod_nat_config(), "prod_peering": prod_peering_config(),
    }[request.param]  # fmt: skip
    region = raw["aws:region"]
    stack = request.param.split("_")[0]
    return request.getfixturevalue(request.param), parse(hubspoke(raw), stack=stack, region=region)


def registered_routes(result: RunResult) -> dict[str, Counter[str]]:
    """Route table logical name -> destinations the program registered in it: its routes, and a
    prefix-list route per gateway endpoint the table is given to."""
    table_name = {t.id: t.name for t in result.of_type(ROUTE_TABLE)}
    found: dict[str, Counter[str]] = {name: Counter() for name in table_name.values()}
    for route in result.of_type(ROUTE):
        found[table_name[route.inputs["routeTableId"]]][route.inputs["destinationCidrBlock"]] += 1
    for endpoint in result.of_type(ENDPOINT):
        service = endpoint.inputs["serviceName"].rsplit(".", 1)[1]
        for table_id in endpoint.inputs.get("routeTableIds", []):
            found[table_name[table_id]][f"prefix-list:{service}"] += 1
    return found


def test_the_plan_lists_exactly_the_routes_the_program_puts_in_each_vpc_route_table(program):
    result, cfg = program
    planned = {
        f"{vpc}-{table}": Counter(r.destination for r in routes)
        for vpc, tables in vpc_routes(plan_network(cfg)).items()
        for table, routes in tables.items()
    }
    assert planned == registered_routes(result)
    assert sum(len(c) for c in planned.values()) > len(planned)  # not only the endpoints


def test_the_plan_counts_each_transit_gateway_tables_static_and_propagated_routes(prod):
    counts = transit_gateway_routes(plan_network(check_stack("prod")).transit)
    static = Counter(
        r.inputs["transitGatewayRouteTableId"]
        for r in prod.of_type("aws:ec2transitgateway/route:Route")
    )
    propagations = Counter(
        r.inputs["transitGatewayRouteTableId"]
        for r in prod.of_type("aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation")
    )
    tables = {t.id: t.name for t in prod.of_type("aws:ec2transitgateway/routeTable:RouteTable")}
    # One CIDR per VPC and the one on-prem CIDR over BGP: a propagation is one route here.
    registered = {name: static[id_] + propagations[id_] for id_, name in tables.items()}
    planned = {
        f"{'hub' if region == 'eu-west-1' else region}-{table}": n
        for region, by_table in counts.items()
        for table, n in by_table.items()
    }
    assert sorted(planned.values()) == sorted(registered.values())
    assert sum(planned.values()) == 16


# ---------------------------------------------------------------------------------------------
# Config validation


def many_spokes(
    count: int, *, segments: int = 1, supernets: bool = False, meshed: bool = False
) -> dict[str, Any]:
    """prod with `count` /22 spokes across six workload accounts (so each account's VPC and
    endpoint quotas, declared raised, hold them), dealt round-robin into `segments` segments that
    reach on-prem, each segment in its own block (10.16.0.0/12 for one, a /16 each for more):
    with `supernets` that block is its `cidr`; `meshed` segments reach each other too."""
    raw = hubspoke(copy.deepcopy(stack_config("prod")))
    raw["accounts"] |= {f"w{j}": {"id": f"{900000000000 + j}"} for j in range(6)}
    blocks = (
        [ipaddress.IPv4Network("10.16.0.0/12")]
        if segments == 1
        else [ipaddress.IPv4Network(f"10.{16 + j}.0.0/16") for j in range(segments)]
    )
    raw["spokes"] = [
        {
            "name": f"s{i}",
            "account": f"w{i % 6}",
            "cidr": f"{blocks[i % segments].network_address + (i // segments) * 1024}/22",
            "azCount": 2,
            "segment": f"seg{i % segments}",
        }
        for i in range(count)
    ]
    names = [f"seg{j}" for j in range(segments)]
    raw["transitGateway"]["segments"] = {
        name: {
            "reach": ["onPrem", *(n for n in names if meshed and n != name)],
            **({"cidr": str(blocks[j])} if supernets else {}),
        }
        for j, name in enumerate(names)
    }
    raw["api"]["spoke"] = "s0"
    raw["quotas"] = {"vpcsPerRegion": 200, "gatewayEndpointsPerRegion": 400}
    return raw


def problems(raw: dict[str, Any]) -> list[str]:
    return config_problems(raw, stack="prod")


@pytest.fixture(scope="module")
def crowded() -> list[str]:
    """520 spokes in one segment without a supernet: every VPC table routes to every other."""
    return problems(many_spokes(520))


def test_a_route_table_past_500_routes_is_refused_naming_the_table_and_the_count(crowded):
    assert crowded[0] == (
        "hubspoke:quotas.routesPerRouteTable 500 (AWS's default) is exceeded in route table "
        "hub-private of VPC hub (hubspoke:hub): the stack plans 523 routes there (521 to the "
        "transit gateway, 2 to gateway endpoints (AWS-managed prefix lists, weight 1 each)); "
        "give segments a supernet: hubspoke:transitGateway.segments.seg0.cidr (520 routes to its "
        "spokes would be 1); or raise the quota in Service Quotas (at most 1000) and declare it "
        f"here ({VPC_PAGE})"
    )


def test_every_table_past_the_quota_is_reported_at_once(crowded):
    tables = [p.split(" route table ", 1)[1].split(" ", 1)[0] for p in crowded]
    assert tables == ["hub-private", *(f"s{i}-private" for i in range(520))]
    assert "(hubspoke:spokes[519]): the stack plans 523 routes" in crowded[-1]


def test_a_segment_supernet_brings_every_table_back_under_the_quota():
    cfg = parse(many_spokes(520, supernets=True), stack="prod", region="eu-west-1")
    counts = Counter(
        (vpc == "hub", len(routes))
        for vpc, tables in vpc_routes(plan_network(cfg)).items()
        for routes in tables.values()
    )
    # The hub: the supernet, on-prem, 2 endpoints; a spoke: the supernet, the hub, on-prem, 2.
    assert counts == {(True, 4): 1, (False, 5): 520}


def test_a_declared_route_quota_is_planned_against_and_bounded_by_awss_maximum():
    raw = many_spokes(520)
    raw["quotas"]["routesPerRouteTable"] = 600
    assert parse(raw, stack="prod", region="eu-west-1").quotas.value("routesPerRouteTable") == 600
    small = hubspoke(stack_config("prod")) | {"quotas": {"routesPerRouteTable": 1001}}
    assert problems(small) == [
        "hubspoke:quotas.routesPerRouteTable 1001 is out of range (allowed: 50..1000)"
    ]


def test_an_account_still_on_the_old_default_of_50_routes_declares_it_and_is_planned_against_it():
    """AWS raised the default from 50 to 500 (components/model.py QUOTAS): an account whose
    applied value is still 50 declares 50, and a plan past it is refused before CreateRoute
    would refuse it; below the old default is a typo."""
    raw = many_spokes(60)
    assert parse(raw, stack="prod", region="eu-west-1")  # 500 by default: fits
    raw["quotas"]["routesPerRouteTable"] = 50
    found = problems(raw)
    assert found[0].startswith(
        "hubspoke:quotas.routesPerRouteTable 50 (declared) is exceeded in route table "
        "hub-private of VPC hub (hubspoke:hub): the stack plans 63 routes there"
    )
    raw["quotas"]["routesPerRouteTable"] = 49
    assert problems(raw) == [
        "hubspoke:quotas.routesPerRouteTable 49 is out of range (allowed: 50..1000)"
    ]


def test_more_than_20_route_tables_on_a_transit_gateway_is_refused():
    raw = many_spokes(20, segments=20)  # 20 segments, shared, onPrem
    (problem,) = problems(raw)
    assert problem.startswith(
        "hubspoke:quotas.routeTablesPerTransitGateway 20 (AWS's default) is exceeded by the "
        "transit gateway in eu-west-1: the stack plans 22 route tables there"
    )
    raw["quotas"]["routeTablesPerTransitGateway"] = 22
    assert parse(raw, stack="prod", region="eu-west-1")


def test_more_than_10000_routes_on_a_transit_gateway_is_refused():
    # 19 segments that reach each other and on-prem: each spoke propagates into all 21 tables;
    # summarised, so that the VPC route tables stay small.
    raw = many_spokes(500, segments=19, supernets=True, meshed=True)
    raw["quotas"]["routeTablesPerTransitGateway"] = 21
    (problem,) = problems(raw)
    assert problem.startswith(
        "hubspoke:quotas.routesPerTransitGateway 10000 (AWS's default) is exceeded by the "
        "transit gateway in eu-west-1: the stack plans "
    )
    raw["quotas"]["routesPerTransitGateway"] = 20_000
    assert parse(raw, stack="prod", region="eu-west-1")


def test_attachments_past_the_fixed_5000_of_a_transit_gateway_are_refused(monkeypatch):
    # 5,000 spokes are not cheap to parse: lower the fixed quota to prod's hub gateway's count
    # (hub, app, shared, the VPN, the peering to eu-central-1) minus one.
    monkeypatch.setattr(quota_rules, "ATTACHMENTS_PER_TRANSIT_GATEWAY", 4)
    (problem,) = problems(hubspoke(stack_config("prod")))
    assert problem.startswith(
        "hubspoke:spokes 3 spokes need 5 attachments on the transit gateway in eu-west-1, more "
        "than AWS allows (4, not adjustable"
    )


def test_every_quota_key_is_in_the_readme_config_reference_and_the_project_file():
    readme = (ROOT / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("| `hubspoke:quotas`"))
    project = (ROOT / "Pulumi.yaml").read_text()
    for key in QUOTAS:
        assert f"`{key}`" in row, key
        assert key in project, key


@pytest.mark.parametrize("count", [100, 101])
def test_more_on_prem_cidrs_than_a_vgw_may_propagate_is_refused_in_peering_mode(count):
    """Peering mode: the VGW propagates each on-prem CIDR into every hub route table, at most 100
    and not adjustable (components/model.py PROPAGATED_ROUTES_PER_ROUTE_TABLE); transit gateway
    mode makes them static routes instead, within routesPerRouteTable."""
    cidrs = ["192.168.0.0/16", *(f"172.16.{i}.0/24" for i in range(count - 1))]  # DNS in the first
    peering = hubspoke(prod_peering_config())
    peering["onPrem"]["cidrs"] = cidrs
    transit = hubspoke(copy.deepcopy(stack_config("prod")))
    transit["onPrem"]["cidrs"] = cidrs
    assert parse(transit, stack="prod", region="eu-west-1")
    if count == 100:
        assert parse(peering, stack="prod", region="eu-west-1")
        return
    assert problems(peering) == [
        "hubspoke:onPrem.cidrs 101 CIDRs would be 101 routes the hub's virtual private gateway "
        "propagates into each hub route table, more than AWS allows (100, not adjustable; "
        "https://docs.aws.amazon.com/directconnect/latest/UserGuide/ts-routing.html): summarise "
        "them into fewer, larger CIDRs, or use transit gateway mode (hubspoke:transitGateway), "
        "where they are static routes"
    ]
