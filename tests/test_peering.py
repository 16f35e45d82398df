"""Peering: accepted by the right account, routed both ways, DNS resolution set per side."""

from __future__ import annotations

from offline.runner import RunResult

PEERING = "hubspoke:network:Peering"
CONNECTION = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
OPTIONS = "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions"
ROUTE = "aws:ec2/route:Route"


def vpc_parts(result: RunResult, name: str):
    component = result.named("hubspoke:network:Vpc", name)
    kids = result.children_of(component)
    (vpc,) = [r for r in kids if r.type == "aws:ec2/vpc:Vpc"]
    tables = [r for r in kids if r.type == "aws:ec2/routeTable:RouteTable"]
    return vpc, tables


def peering_parts(result: RunResult, spoke: str):
    component = result.named(PEERING, f"hub-{spoke}")
    kids = result.children_of(component)
    return {t: [r for r in kids if r.type == t] for t in (CONNECTION, ACCEPTER, OPTIONS, ROUTE)}


def spokes(result: RunResult) -> list[str]:
    return [r.name for r in result.of_type("hubspoke:network:Vpc") if r.name != "hub"]


def test_every_route_table_on_both_sides_routes_to_the_peer(peering_stack):
    hub_vpc, hub_tables = vpc_parts(peering_stack, "hub")
    for spoke in spokes(peering_stack):
        spoke_vpc, spoke_tables = vpc_parts(peering_stack, spoke)
        parts = peering_parts(peering_stack, spoke)
        (connection,) = parts[CONNECTION]
        routes = {
            (r.inputs["routeTableId"], r.inputs["destinationCidrBlock"]): r for r in parts[ROUTE]
        }
        for table in hub_tables:
            route = routes[(table.id, spoke_vpc.inputs["cidrBlock"])]
            assert route.inputs["vpcPeeringConnectionId"] == connection.id
            assert peering_stack.account_of(route) == peering_stack.account_of(hub_vpc)
        for table in spoke_tables:
            route = routes[(table.id, hub_vpc.inputs["cidrBlock"])]
            assert route.inputs["vpcPeeringConnectionId"] == connection.id
            assert peering_stack.account_of(route) == peering_stack.account_of(spoke_vpc)
            assert peering_stack.region_of(route) == peering_stack.region_of(spoke_vpc)
        assert len(parts[ROUTE]) == len(hub_tables) + len(spoke_tables)


def test_cross_account_peering_is_accepted_by_the_spoke_account(prod_peering):
    parts = peering_parts(prod_peering, "app")
    (connection,) = parts[CONNECTION]
    (accepter,) = parts[ACCEPTER]
    spoke_vpc, _ = vpc_parts(prod_peering, "app")
    hub_vpc, _ = vpc_parts(prod_peering, "hub")
    assert prod_peering.account_of(connection) == prod_peering.account_of(hub_vpc) == "111122223333"
    assert prod_peering.account_of(accepter) == prod_peering.account_of(spoke_vpc) == "444455556666"
    assert connection.inputs["peerOwnerId"] == "444455556666"
    assert not connection.inputs.get("autoAccept")
    assert "peerRegion" not in connection.inputs
    assert accepter.inputs["vpcPeeringConnectionId"] == connection.id
    assert accepter.inputs["autoAccept"] is True


def test_cross_region_peering_names_the_peer_region_and_accepts_there(prod_peering):
    parts = peering_parts(prod_peering, "data")
    (connection,) = parts[CONNECTION]
    (accepter,) = parts[ACCEPTER]
    assert connection.inputs["peerRegion"] == "eu-central-1"
    assert connection.inputs["peerOwnerId"] == "777788889999"
    assert prod_peering.region_of(connection) == "eu-west-1"
    assert prod_peering.region_of(accepter) == "eu-central-1"
    assert prod_peering.account_of(accepter) == "777788889999"


def test_same_account_and_region_peering_auto_accepts(prod_peering, dev):
    for result, spoke in ((prod_peering, "shared"), (dev, "app"), (dev, "data")):
        parts = peering_parts(result, spoke)
        (connection,) = parts[CONNECTION]
        assert connection.inputs["autoAccept"] is True
        assert "peerOwnerId" not in connection.inputs
        assert parts[ACCEPTER] == []
        (options,) = parts[OPTIONS]
        assert options.inputs["requester"]["allowRemoteVpcDnsResolution"] is True
        assert options.inputs["accepter"]["allowRemoteVpcDnsResolution"] is True
        assert options.inputs["vpcPeeringConnectionId"] == connection.id


def test_each_side_enables_remote_dns_through_its_own_provider_after_accepting(prod_peering):
    for spoke in ("app", "data"):
        parts = peering_parts(prod_peering, spoke)
        (accepter,) = parts[ACCEPTER]
        by_side = {
            ("requester" if "requester" in o.inputs else "accepter"): o for o in parts[OPTIONS]
        }
        assert set(by_side) == {"requester", "accepter"}
        requester, accepter_side = by_side["requester"], by_side["accepter"]
        assert "accepter" not in requester.inputs and "requester" not in accepter_side.inputs
        assert requester.inputs["requester"]["allowRemoteVpcDnsResolution"] is True
        assert accepter_side.inputs["accepter"]["allowRemoteVpcDnsResolution"] is True
        hub_vpc, _ = vpc_parts(prod_peering, "hub")
        spoke_vpc, _ = vpc_parts(prod_peering, spoke)
        assert requester.provider == hub_vpc.provider
        assert accepter_side.provider == spoke_vpc.provider
        # Options can be set only on an active peering: both wait for the accepter.
        assert accepter.urn in requester.dependencies
        assert accepter.urn in accepter_side.dependencies


def test_spoke_routes_wait_for_the_peering_to_be_accepted(prod_peering):
    parts = peering_parts(prod_peering, "app")
    (accepter,) = parts[ACCEPTER]
    assert parts[ROUTE]
    assert all(accepter.urn in r.dependencies for r in parts[ROUTE])
