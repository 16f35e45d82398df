"""Transit gateway mode under mocks: Pulumi.prod.yaml (and variants) through the real `__main__.py`.

prod's segments: `apps` (app) reaches onPrem; `analytics` (data, eu-central-1) and `tools`
(shared) reach only the hub (`shared`). Assertions are on what the program derived (accounts,
tables, routes), not on echoed inputs.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from stack_variants import peering_mode

from offline.diff import diff, run_both
from offline.runner import RunResult, run, stack_config

TGW = "aws:ec2transitgateway/transitGateway:TransitGateway"
TABLE = "aws:ec2transitgateway/routeTable:RouteTable"
ATTACH = "aws:ec2transitgateway/vpcAttachment:VpcAttachment"
ACCEPT = "aws:ec2transitgateway/vpcAttachmentAccepter:VpcAttachmentAccepter"
ASSOC = "aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation"
PROP = "aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation"
TGW_ROUTE = "aws:ec2transitgateway/route:Route"
PEERING = "aws:ec2transitgateway/peeringAttachment:PeeringAttachment"
PEERING_ACCEPT = "aws:ec2transitgateway/peeringAttachmentAccepter:PeeringAttachmentAccepter"
SHARE_PRINCIPAL = "aws:ram/principalAssociation:PrincipalAssociation"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
VPN = "aws:ec2/vpnConnection:VpnConnection"
NETWORK = "111122223333"
ON_PREM = "192.168.0.0/16"
CIDRS = {"hub": "10.0.0.0/16", "app": "10.1.0.0/16", "data": "10.2.0.0/16", "shared": "10.3.0.0/20"}
# What each VPC may reach through the gateways (prod's reach lists, made symmetric).
REACHES = {
    "hub": {"app", "data", "shared", "onPrem"},
    "app": {"hub", "onPrem"},
    "data": {"hub"},
    "shared": {"hub"},
}


def prod_with(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(stack_config("prod"))
    for key, value in changes.items():
        raw[key] = value
    return raw


@pytest.fixture(scope="module")
def prod(run_stack_file) -> RunResult:
    return run_stack_file("prod")


@pytest.fixture(scope="module")
def prod_static_vpn() -> RunResult:
    """prod with an on-prem device that does not speak BGP."""
    raw = prod_with()
    del raw["hubspoke:onPrem"]["vpn"]["bgpAsn"]
    return run("prod", config=raw)


def vpc_of(result: RunResult, name: str):
    return result.named(VPC, name)


def children(result: RunResult, component_type: str, name: str, type_: str):
    component = result.named(component_type, name)
    return [r for r in result.children_of(component) if r.type == type_]


def tables(result: RunResult) -> dict[str, str]:
    """TGW route table id -> logical name."""
    return {t.id: t.name for t in result.of_type(TABLE)}


def test_gateways_belong_to_the_network_account_with_default_tables_off(prod):
    gateways = {prod.region_of(g): g for g in prod.of_type(TGW)}
    assert sorted(gateways) == ["eu-central-1", "eu-west-1"]
    for gateway in gateways.values():
        assert prod.account_of(gateway) == NETWORK
        assert gateway.inputs["defaultRouteTableAssociation"] == "disable"
        assert gateway.inputs["defaultRouteTablePropagation"] == "disable"
        assert gateway.inputs["autoAcceptSharedAttachments"] == "disable"
    # Peered gateways get distinct ASNs.
    asns = {g.inputs["amazonSideAsn"] for g in gateways.values()}
    assert len(asns) == 2


def test_each_vpc_is_attached_by_its_own_account_in_one_attachment_subnet_per_az(prod):
    for name in CIDRS:
        (attachment,) = children(prod, "hubspoke:network:TransitAttachment", f"tgw-{name}", ATTACH)
        vpc = vpc_of(prod, name)
        assert prod.account_of(attachment) == prod.account_of(vpc)
        assert prod.region_of(attachment) == prod.region_of(vpc)
        assert attachment.inputs["vpcId"] == vpc.id
        subnets = {s.id: s for s in prod.of_type(SUBNET) if s.inputs["vpcId"] == vpc.id}
        used = [subnets[i] for i in attachment.inputs["subnetIds"]]
        assert {s.inputs["tags"]["tier"] for s in used} == {"transit"}
        zones = [s.inputs["availabilityZoneId"] for s in used]
        privates = [s for s in subnets.values() if s.inputs["tags"]["tier"] == "private"]
        assert len(zones) == len(set(zones)) == len(privates)
        for s in used:  # a /28 per AZ, from the layout's slot 15
            assert s.inputs["cidrBlock"].endswith("/28")


def test_other_accounts_attach_after_the_share_and_the_owner_accepts(prod):
    principals = {
        p.inputs["principal"]: p for p in prod.of_type(SHARE_PRINCIPAL) if "tgw" in p.name
    }
    assert set(principals) == {"444455556666", "777788889999"}
    accepters = {a.name: a for a in prod.of_type(ACCEPT)}
    assert sorted(accepters) == ["tgw-app-accepter", "tgw-data-accepter", "tgw-shared-accepter"]
    for spoke in ("app", "data", "shared"):
        (attachment,) = children(prod, "hubspoke:network:TransitAttachment", f"tgw-{spoke}", ATTACH)
        account = prod.account_of(vpc_of(prod, spoke))
        assert principals[account].urn in attachment.dependencies
        accepter = accepters[f"tgw-{spoke}-accepter"]
        assert prod.account_of(accepter) == NETWORK
        assert accepter.inputs["transitGatewayAttachmentId"] == attachment.id
        # The default-table flags are the owner's on a shared gateway: set on the accepter only.
        assert "transitGatewayDefaultRouteTableAssociation" not in attachment.inputs
        assert accepter.inputs["transitGatewayDefaultRouteTableAssociation"] is False
    (attachment,) = children(prod, "hubspoke:network:TransitAttachment", "tgw-hub", ATTACH)
    assert attachment.inputs["transitGatewayDefaultRouteTableAssociation"] is False


def test_each_attachment_is_in_its_segment_table_and_propagates_only_where_reach_allows(prod):
    names = tables(prod)
    associated = {
        a.inputs["transitGatewayAttachmentId"]: names[a.inputs["transitGatewayRouteTableId"]]
        for a in prod.of_type(ASSOC)
    }
    propagated: dict[str, set[str]] = {}
    for p in prod.of_type(PROP):
        propagated.setdefault(p.inputs["transitGatewayAttachmentId"], set()).add(
            names[p.inputs["transitGatewayRouteTableId"]]
        )
    attachment = {n: prod.named(ATTACH, f"tgw-{n}").id for n in CIDRS}
    assert associated[attachment["app"]] == "tgw-apps"
    assert associated[attachment["shared"]] == "tgw-tools"
    assert associated[attachment["hub"]] == "tgw-shared"
    assert associated[attachment["data"]] == "tgw-eu-central-1-analytics"
    # apps and tools do not reach each other: neither propagates into the other's table.
    assert "tgw-tools" not in propagated[attachment["app"]]
    assert "tgw-apps" not in propagated[attachment["shared"]]
    assert propagated[attachment["hub"]] >= {"tgw-apps", "tgw-tools", "tgw-shared", "tgw-onPrem"}
    # The VPN (BGP) propagates into the tables of what reaches onPrem: apps and the hub.
    vpn = prod.of_type(VPN)[0]
    assert associated[vpn.outputs.get("transitGatewayAttachmentId", "")] == "tgw-onPrem"
    assert propagated[vpn.outputs["transitGatewayAttachmentId"]] == {"tgw-apps", "tgw-shared"}


def test_the_remote_gateway_is_peered_with_static_routes_both_ways(prod):
    (peering,) = prod.of_type(PEERING)
    (accepter,) = prod.of_type(PEERING_ACCEPT)
    assert prod.region_of(peering) == "eu-west-1" and prod.region_of(accepter) == "eu-central-1"
    assert peering.inputs["peerRegion"] == "eu-central-1"
    assert peering.inputs["peerAccountId"] == NETWORK
    names = tables(prod)
    static = {
        (names[r.inputs["transitGatewayRouteTableId"]], r.inputs["destinationCidrBlock"])
        for r in prod.of_type(TGW_ROUTE)
    }
    assert static == {("tgw-shared", CIDRS["data"]), ("tgw-eu-central-1-analytics", CIDRS["hub"])}
    assert all(
        r.inputs["transitGatewayAttachmentId"] == peering.id for r in prod.of_type(TGW_ROUTE)
    )
    assert not [
        p for p in prod.of_type(PROP) if p.inputs["transitGatewayAttachmentId"] == peering.id
    ]


def _routes_by_table(result: RunResult) -> dict[str, set[tuple[str, str]]]:
    routes: dict[str, set[tuple[str, str]]] = {}
    for r in result.of_type(ROUTE):
        target = (
            r.inputs.get("transitGatewayId")
            or r.inputs.get("gatewayId")
            or r.inputs.get("natGatewayId")
        )
        routes.setdefault(r.inputs["routeTableId"], set()).add(
            (r.inputs["destinationCidrBlock"], target)
        )
    return routes


@pytest.mark.parametrize("fixture", ["prod", "prod_nat"])
def test_every_route_table_of_every_vpc_routes_the_reachable_cidrs_to_its_gateway(fixture, request):
    result: RunResult = request.getfixturevalue(fixture)
    routes = _routes_by_table(result)
    gateway = {result.region_of(g): g.id for g in result.of_type(TGW)}
    for name, reaches in REACHES.items():
        vpc = vpc_of(result, name)
        wanted = {CIDRS[n] if n != "onPrem" else ON_PREM for n in reaches}
        vpc_tables = [t for t in result.of_type(ROUTE_TABLE) if t.inputs["vpcId"] == vpc.id]
        assert vpc_tables
        for table in vpc_tables:
            via = {
                d
                for d, target in routes.get(table.id, set())
                if target == gateway[result.region_of(vpc)]
            }
            assert via == wanted, (name, table.name)


def test_with_nat_the_public_tables_keep_the_internet_route_and_get_the_gateway_routes(prod_nat):
    routes = _routes_by_table(prod_nat)
    public = [t for t in prod_nat.of_type(ROUTE_TABLE) if t.name.endswith("-public")]
    assert sorted(t.name for t in public) == ["app-public", "hub-public"]
    igws = {
        g.inputs["vpcId"]: g.id for g in prod_nat.of_type("aws:ec2/internetGateway:InternetGateway")
    }
    for table in public:
        assert ("0.0.0.0/0", igws[table.inputs["vpcId"]]) in routes[table.id]
        assert any(d == ON_PREM for d, _ in routes[table.id])  # hub and app both reach on-prem
    private_app = [t for t in prod_nat.of_type(ROUTE_TABLE) if t.name.startswith("app-private-")]
    assert len(private_app) == 3  # perAz: each with its NAT default route and the gateway routes
    for table in private_app:
        assert any(d == "0.0.0.0/0" for d, _ in routes[table.id])


def test_the_vpn_lands_on_the_hub_gateway_and_no_vpn_gateway_is_built(prod, prod_static_vpn):
    (vpn,) = prod.of_type(VPN)
    assert vpn.inputs["transitGatewayId"] == next(
        g.id for g in prod.of_type(TGW) if prod.region_of(g) == "eu-west-1"
    )
    assert "vpnGatewayId" not in vpn.inputs
    assert vpn.name == "dns-vpn"  # the peering mode's name: moving modes updates it in place
    assert not prod.of_type("aws:ec2/vpnGateway:VpnGateway")
    # Without BGP: static routes to on-prem in the tables that reach it, no propagation.
    (static_vpn,) = prod_static_vpn.of_type(VPN)
    attachment = static_vpn.outputs["transitGatewayAttachmentId"]
    names = tables(prod_static_vpn)
    to_vpn = {
        names[r.inputs["transitGatewayRouteTableId"]]
        for r in prod_static_vpn.of_type(TGW_ROUTE)
        if r.inputs["transitGatewayAttachmentId"] == attachment
    }
    assert to_vpn == {"tgw-apps", "tgw-shared"}
    assert not [
        p
        for p in prod_static_vpn.of_type(PROP)
        if p.inputs["transitGatewayAttachmentId"] == attachment
    ]
    assert not prod_static_vpn.of_type("aws:ec2/vpnConnectionRoute:VpnConnectionRoute")


def test_dns_still_reaches_every_vpc_and_the_remote_relay_targets_the_hub(prod):
    (zone,) = prod.of_type("aws:route53/zone:Zone")
    associated = {
        a.inputs["vpcId"] for a in prod.of_type("aws:route53/zoneAssociation:ZoneAssociation")
    }
    assert associated | {zone.inputs["vpcs"][0]["vpcId"]} == {vpc_of(prod, n).id for n in CIDRS}
    rules = prod.of_type("aws:route53/resolverRuleAssociation:ResolverRuleAssociation")
    assert {r.inputs["vpcId"] for r in rules} == {vpc_of(prod, n).id for n in CIDRS}
    relay = prod.named("aws:route53/resolverRule:ResolverRule", "dns-data-forward-corp.example.com")
    assert [t["ip"] for t in relay.inputs["targetIps"]] == ["10.0.0.10", "10.0.16.10"]
    # ... and data's VPC sends the hub's CIDR (where those IPs live) to its gateway.
    assert CIDRS["hub"] in {d for table in _routes_by_table(prod).values() for d, _ in table}


def test_preview_registers_the_same_resources_as_update(prod, run_stack_file):
    preview = run_stack_file("prod", preview=True)
    assert {r.urn for r in preview.resources} == {r.urn for r in prod.resources}


def test_dev_stays_in_peering_mode(dev):
    assert not [r for r in dev.resources if r.type.startswith("aws:ec2transitgateway/")]
    assert len(dev.of_type("hubspoke:network:Peering")) == 2
    assert not [s for s in dev.of_type(SUBNET) if s.inputs["tags"]["tier"] == "transit"]


def test_moving_prod_from_peering_replaces_nothing_and_moves_every_peering_route_in_place(
    tmp_path,
):
    """The migration of docs/transit-gateway.md, checked with the offline diff: prod in peering
    mode as deployed, then Pulumi.prod.yaml."""
    base = tmp_path / "Pulumi.prod.yaml"
    base.write_text(yaml.safe_dump({"config": peering_mode(stack_config("prod"))}))
    old, new = run_both(str(base), "prod")
    steps = diff(old, new)
    ops: dict[str, list[tuple[str, str]]] = {}
    for step in steps:
        ops.setdefault(step.op, []).append((step.type, step.name))
    assert "replace" not in ops
    moved = sorted(n for t, n in ops["update"] if t == ROUTE)
    assert moved == [
        "tgw-app-private-10.0.0.0-16",
        "tgw-data-private-10.0.0.0-16",
        "tgw-hub-private-10.1.0.0-16",
        "tgw-hub-private-10.2.0.0-16",
        "tgw-hub-private-10.3.0.0-20",
        "tgw-shared-private-10.0.0.0-16",
    ]
    assert (VPN, "dns-vpn") in ops["update"]  # its target gateway changes in place
    assert not [n for t, n in ops["delete"] if t == ROUTE]  # no peering route is left to delete
    deleted = {t for t, _ in ops["delete"]}
    assert deleted == {
        "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
        "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
        "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions",
        "aws:ec2/vpnGateway:VpnGateway",
        "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation",
        "hubspoke:network:Peering",
    }
