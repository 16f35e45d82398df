"""Hybrid DNS under mocks (Resolver, PrivateZone, OnPremLink): the real `__main__.py` with dev and
with prod's accounts and regions in peering mode (and variants of it); transit gateway mode's DNS
and VPN are in test_transit_gateway.py.

Each test reads as one sentence about what must hold before a network engineer runs `pulumi up`:
which account and provider makes each association, what waits for what, which ports and peers
each security group opens, and that the zone reaches every VPC.
"""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stack_variants import prod_peering_config

from components.layout import subnet_cidr
from components.model import VpcConfig
from components.plan import INBOUND_HOST, OUTBOUND_HOST, plan_vpc
from offline.mocks import Registration
from offline.runner import UNKNOWN, RunResult, run

COMPONENTS = ("hubspoke:dns:Resolver", "hubspoke:dns:PrivateZone", "hubspoke:network:OnPremLink")
ENDPOINT = "aws:route53/resolverEndpoint:ResolverEndpoint"
RULE = "aws:route53/resolverRule:ResolverRule"
RULE_ASSOC = "aws:route53/resolverRuleAssociation:ResolverRuleAssociation"
SHARE = "aws:ram/resourceShare:ResourceShare"
SHARE_RESOURCE = "aws:ram/resourceAssociation:ResourceAssociation"
SHARE_PRINCIPAL = "aws:ram/principalAssociation:PrincipalAssociation"
SHARE_ACCEPTER = "aws:ram/resourceShareAccepter:ResourceShareAccepter"
ZONE = "aws:route53/zone:Zone"
ZONE_ASSOC = "aws:route53/zoneAssociation:ZoneAssociation"
ZONE_AUTH = "aws:route53/vpcAssociationAuthorization:VpcAssociationAuthorization"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
CGW = "aws:ec2/customerGateway:CustomerGateway"
VGW = "aws:ec2/vpnGateway:VpnGateway"
VPN = "aws:ec2/vpnConnection:VpnConnection"
VPN_ROUTE = "aws:ec2/vpnConnectionRoute:VpnConnectionRoute"
PROPAGATION = "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation"

NETWORK, WORKLOADS, ANALYTICS = "111122223333", "444455556666", "777788889999"
DOMAIN = "corp.example.com"
HUB_INBOUND_IPS = ["10.0.0.10", "10.0.16.10"]  # dns.endpointIps 2 (the default)
DATA_RELAY_IPS = ["10.2.0.11", "10.2.16.11"]  # the eu-central-1 spoke's relay endpoint
ON_PREM_CIDR = "192.168.0.0/16"
ON_PREM_SERVERS = ["192.168.10.10", "192.168.10.11"]


def prod_config(**dns_changes: Any) -> dict[str, Any]:
    return _with_dns(prod_peering_config(), **dns_changes)


def _with_dns(raw: dict[str, Any], **dns_changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(raw)
    raw["hubspoke:dns"].update(dns_changes)
    return raw


@pytest.fixture(scope="module")
def prod(prod_peering: RunResult) -> RunResult:
    """prod in peering mode (the session's run, tests/conftest.py: read only)."""
    return prod_peering


@pytest.fixture(scope="module")
def prod_preview() -> RunResult:
    """prod in peering mode, in preview."""
    return run("prod", config=prod_peering_config(), preview=True)


@pytest.fixture(scope="module")
def dev(run_stack_file) -> RunResult:
    return run_stack_file("dev")


@pytest.fixture(scope="module")
def prod_external() -> RunResult:
    """prod with the rules shared outside the organization (RAM invitations)."""
    return run("prod", config=prod_config(shareOutsideOrganization=True))


@pytest.fixture(scope="module")
def prod_static_vpn() -> RunResult:
    """prod with a VPN device that does not speak BGP, and two on-prem ranges."""
    raw = prod_peering_config()
    raw["hubspoke:onPrem"]["cidrs"] = [ON_PREM_CIDR, "172.20.0.0/16"]
    del raw["hubspoke:onPrem"]["vpn"]["bgpAsn"]
    return run("prod", config=raw)


# ---------------------------------------------------------------------------------------------
# helpers


def vpc(result: RunResult, name: str) -> Registration:
    return result.named(VPC, name)


def resolver(result: RunResult) -> Registration:
    return result.named("hubspoke:dns:Resolver", "dns")


def components(result: RunResult) -> list[Registration]:
    return [c for t in COMPONENTS for c in result.of_type(t)]


def endpoint(result: RunResult, name: str) -> Registration:
    return result.named(ENDPOINT, name)


def ip_list(reg: Registration) -> list[str]:
    return [a["ip"] for a in reg.inputs["ipAddresses"]]


def rule_associations(result: RunResult, vpc_reg: Registration) -> list[Registration]:
    return [a for a in result.of_type(RULE_ASSOC) if a.inputs["vpcId"] == vpc_reg.id]


def sg_rules(result: RunResult, sg_name: str) -> set[tuple[str, str, int, int, str]]:
    """Every rule of a security group as (direction, protocol, from port, to port, peer)."""
    sg = result.named(SG, sg_name)
    found = set()
    for direction, type_ in (("ingress", INGRESS), ("egress", EGRESS)):
        for r in result.of_type(type_):
            if r.inputs["securityGroupId"] == sg.id:
                found.add(
                    (
                        direction,
                        r.inputs["ipProtocol"],
                        int(r.inputs["fromPort"]),
                        int(r.inputs["toPort"]),
                        r.inputs["cidrIpv4"],
                    )
                )
    return found


def dns_both(direction: str, peers: list[str]) -> set[tuple[str, str, int, int, str]]:
    return {(direction, proto, 53, 53, peer) for peer in peers for proto in ("tcp", "udp")}


# ---------------------------------------------------------------------------------------------
# Resolver endpoints


@pytest.mark.parametrize("role", ["dns-inbound", "dns-outbound"])
def test_hub_endpoints_have_one_pinned_ip_in_each_of_endpoint_ips_azs(
    prod: RunResult, role: str
) -> None:
    ep = endpoint(prod, role)
    hub_subnets = {s.id: s for s in prod.of_type(SUBNET) if s.name.startswith("hub-private-")}
    placed = [(hub_subnets[a["subnetId"]], a["ip"]) for a in ep.inputs["ipAddresses"]]
    zones = {subnet.inputs["availabilityZoneId"] for subnet, _ in placed}
    # dns.endpointIps defaults to 2 (AWS's minimum, RSLVR-00400), in 2 of the hub's 3 AZs.
    assert len(zones) == len(placed) == 2
    for subnet, ip in placed:
        assert ipaddress.IPv4Address(ip) in ipaddress.IPv4Network(subnet.inputs["cidrBlock"])
    assert prod.account_of(ep) == NETWORK and prod.region_of(ep) == "eu-west-1"


def test_endpoint_directions_and_security_groups(prod: RunResult) -> None:
    inbound, outbound = endpoint(prod, "dns-inbound"), endpoint(prod, "dns-outbound")
    assert inbound.inputs["direction"] == "INBOUND"
    assert outbound.inputs["direction"] == "OUTBOUND"
    assert inbound.inputs["securityGroupIds"] == [prod.named(SG, "dns-inbound").id]
    assert outbound.inputs["securityGroupIds"] == [prod.named(SG, "dns-outbound").id]
    assert prod.named(SG, "dns-inbound").inputs["vpcId"] == vpc(prod, "hub").id


@given(prefix=st.integers(16, 24), az_count=st.integers(2, 8), host=st.sampled_from([10, 11]))
def test_pinned_endpoint_ips_are_usable_hosts_of_distinct_private_subnets(
    prefix: int, az_count: int, host: int
) -> None:
    vpc_cidr = ipaddress.IPv4Network((int(ipaddress.IPv4Address("10.0.0.0")), prefix))
    vpc = VpcConfig("hub", "network", "eu-west-1", vpc_cidr, az_count, "none", "hubspoke:hub")
    ips = plan_vpc(vpc).endpoint_ips(host)
    assert len(set(ips)) == az_count
    for i, ip in enumerate(ips):
        subnet = subnet_cidr(vpc_cidr, "private", i)
        offset = int(ipaddress.IPv4Address(ip)) - int(subnet.network_address)
        # AWS reserves the first four addresses and the last one of every subnet.
        assert 4 <= offset < subnet.num_addresses - 1
    assert INBOUND_HOST != OUTBOUND_HOST


# ---------------------------------------------------------------------------------------------
# Security groups: exactly DNS, exactly to and from the peers the design names


def test_inbound_endpoint_allows_dns_only_from_on_prem_and_the_remote_region_relay(
    prod: RunResult,
) -> None:
    assert sg_rules(prod, "dns-inbound") == dns_both("ingress", [ON_PREM_CIDR]) | dns_both(
        "ingress", [f"{ip}/32" for ip in DATA_RELAY_IPS]
    )


def test_outbound_endpoint_allows_dns_only_to_the_on_prem_servers(prod: RunResult) -> None:
    assert sg_rules(prod, "dns-outbound") == dns_both(
        "egress", [f"{ip}/32" for ip in ON_PREM_SERVERS]
    )


def test_relay_endpoint_allows_dns_only_to_the_hub_inbound_endpoint(prod: RunResult) -> None:
    assert sg_rules(prod, "dns-data-relay") == dns_both(
        "egress", [f"{ip}/32" for ip in HUB_INBOUND_IPS]
    )
    assert prod.named(SG, "dns-data-relay").inputs["vpcId"] == vpc(prod, "data").id


def test_without_a_remote_region_spoke_inbound_is_open_to_on_prem_only() -> None:
    raw = prod_peering_config()
    raw["hubspoke:spokes"] = [s for s in raw["hubspoke:spokes"] if "region" not in s]
    result = run("prod", config=raw)
    assert sg_rules(result, "dns-inbound") == dns_both("ingress", [ON_PREM_CIDR])
    assert {e.name for e in result.of_type(ENDPOINT)} == {"dns-inbound", "dns-outbound"}


def test_security_groups_have_no_inline_rules(prod: RunResult) -> None:
    for sg in (r for r in prod.of_type(SG) if r.name.startswith("dns-")):
        assert not sg.inputs.get("ingress") and not sg.inputs.get("egress"), sg.name


# ---------------------------------------------------------------------------------------------
# Forwarding rules and their associations


def test_hub_rule_forwards_the_on_prem_domain_to_the_on_prem_servers(prod: RunResult) -> None:
    rule = prod.named(RULE, f"dns-forward-{DOMAIN}")
    assert rule.inputs["ruleType"] == "FORWARD"
    assert rule.inputs["domainName"] == DOMAIN
    assert rule.inputs["resolverEndpointId"] == endpoint(prod, "dns-outbound").id
    assert [(t["ip"], int(t["port"])) for t in rule.inputs["targetIps"]] == [
        (ip, 53) for ip in ON_PREM_SERVERS
    ]


@pytest.mark.parametrize("vpc_name", ["hub", "app", "data", "shared"])
def test_every_vpc_resolves_each_on_prem_domain(prod: RunResult, vpc_name: str) -> None:
    (association,) = rule_associations(prod, vpc(prod, vpc_name))
    rule = next(r for r in prod.of_type(RULE) if r.id == association.inputs["resolverRuleId"])
    assert rule.inputs["domainName"] == DOMAIN
    # A rule is regional: it must be in the region of the VPC it is associated with.
    assert prod.region_of(rule) == prod.region_of(vpc(prod, vpc_name))


def test_each_rule_association_is_made_by_the_account_that_owns_the_vpc(prod: RunResult) -> None:
    for name in ("hub", "app", "data", "shared"):
        (association,) = rule_associations(prod, vpc(prod, name))
        assert association.provider == vpc(prod, name).provider, name


def test_cross_account_rule_association_waits_for_the_share(prod: RunResult) -> None:
    (association,) = rule_associations(prod, vpc(prod, "app"))
    assert prod.account_of(association) == WORKLOADS
    principal = prod.named(SHARE_PRINCIPAL, "dns-rules-workloads")
    shared_rule = prod.named(SHARE_RESOURCE, f"dns-rules-{DOMAIN}")
    assert {principal.urn, shared_rule.urn} <= set(association.dependencies)


def test_same_account_spoke_uses_the_rule_without_the_share(prod: RunResult) -> None:
    (association,) = rule_associations(prod, vpc(prod, "shared"))
    assert prod.account_of(association) == NETWORK
    share_urns = {r.urn for t in (SHARE_PRINCIPAL, SHARE_RESOURCE) for r in prod.of_type(t)}
    assert share_urns
    assert not share_urns & set(association.dependencies)


def test_rules_are_shared_with_the_accounts_of_hub_region_spokes_only(prod: RunResult) -> None:
    share = prod.named(SHARE, "dns-rules")
    assert prod.account_of(share) == NETWORK
    assert share.inputs["allowExternalPrincipals"] is False
    principals = [r for r in prod.children_of(resolver(prod)) if r.type == SHARE_PRINCIPAL]
    # analytics' spoke is in eu-central-1: the eu-west-1 rules are no use there.
    assert [p.inputs["principal"] for p in principals] == [WORKLOADS]
    assert all(p.inputs["resourceShareArn"] == share.outputs["arn"] for p in principals)
    (shared,) = [r for r in prod.children_of(resolver(prod)) if r.type == SHARE_RESOURCE]
    assert shared.inputs["resourceArn"] == prod.named(RULE, f"dns-forward-{DOMAIN}").outputs["arn"]


def test_inside_an_organization_no_invitation_is_accepted(prod: RunResult) -> None:
    assert prod.of_type(SHARE_ACCEPTER) == []  # none for the firewall and query logs either


def test_outside_an_organization_the_spoke_account_accepts_the_share(
    prod_external: RunResult,
) -> None:
    share = prod_external.named(SHARE, "dns-rules")
    assert share.inputs["allowExternalPrincipals"] is True
    (accepter,) = [
        r for r in prod_external.children_of(resolver(prod_external)) if r.type == SHARE_ACCEPTER
    ]
    assert prod_external.account_of(accepter) == WORKLOADS
    assert accepter.inputs["shareArn"] == share.outputs["arn"]
    principal = prod_external.named(SHARE_PRINCIPAL, "dns-rules-workloads")
    assert principal.urn in accepter.dependencies
    (association,) = rule_associations(prod_external, vpc(prod_external, "app"))
    assert accepter.urn in association.dependencies


def test_remote_region_spoke_forwards_on_prem_domains_to_the_hub_inbound_endpoint(
    prod: RunResult,
) -> None:
    relay = endpoint(prod, "dns-data-relay")
    assert relay.inputs["direction"] == "OUTBOUND"
    assert prod.account_of(relay) == ANALYTICS and prod.region_of(relay) == "eu-central-1"
    assert ip_list(relay) == DATA_RELAY_IPS
    data_subnets = {s.id for s in prod.of_type(SUBNET) if s.name.startswith("data-private-")}
    assert {a["subnetId"] for a in relay.inputs["ipAddresses"]} <= data_subnets
    rule = prod.named(RULE, f"dns-data-forward-{DOMAIN}")
    assert rule.inputs["resolverEndpointId"] == relay.id
    assert [t["ip"] for t in rule.inputs["targetIps"]] == ip_list(endpoint(prod, "dns-inbound"))
    assert prod.account_of(rule) == ANALYTICS and prod.region_of(rule) == "eu-central-1"


def test_no_rule_targets_the_inbound_endpoint_of_a_vpc_it_is_associated_with(
    prod: RunResult,
) -> None:
    """RSLVR-00804: such a rule would loop; AWS refuses it."""
    inbound_of_vpc = {
        ep.inputs["ipAddresses"][0]["subnetId"]: ep
        for ep in prod.of_type(ENDPOINT)
        if ep.inputs["direction"] == "INBOUND"
    }
    subnet_vpc = {s.id: s.inputs["vpcId"] for s in prod.of_type(SUBNET)}
    inbound_ips_by_vpc = {
        subnet_vpc[subnet]: set(ip_list(ep)) for subnet, ep in inbound_of_vpc.items()
    }
    for association in prod.of_type(RULE_ASSOC):
        rule = next(r for r in prod.of_type(RULE) if r.id == association.inputs["resolverRuleId"])
        targets = {t["ip"] for t in rule.inputs["targetIps"]}
        assert not targets & inbound_ips_by_vpc.get(association.inputs["vpcId"], set())


# ---------------------------------------------------------------------------------------------
# Private hosted zone


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_private_zone_is_associated_with_every_vpc(
    stack: str, dev: RunResult, prod: RunResult
) -> None:
    result = {"dev": dev, "prod": prod}[stack]
    (zone,) = result.of_type(ZONE)
    assert result.account_of(zone) == result.account_of(vpc(result, "hub"))
    assert [v["vpcId"] for v in zone.inputs["vpcs"]] == [vpc(result, "hub").id]
    associated = {a.inputs["vpcId"] for a in result.of_type(ZONE_ASSOC)}
    spokes = {v.id for v in result.of_type(VPC) if v.name != "hub"}
    assert associated == spokes
    for association in result.of_type(ZONE_ASSOC):
        assert association.inputs["zoneId"] == zone.outputs["zoneId"]
        spoke = next(v for v in result.of_type(VPC) if v.id == association.inputs["vpcId"])
        assert association.inputs["vpcRegion"] == result.region_of(spoke)
        assert association.provider == spoke.provider  # the VPC owner associates


def test_zone_ignores_its_inline_vpc_list_so_associations_do_not_fight_it(
    prod: RunResult,
) -> None:
    (zone,) = prod.of_type(ZONE)
    assert zone.ignore_changes == ["vpcs"]


def test_cross_account_zone_association_is_authorized_by_the_zone_owner_first(
    prod: RunResult,
) -> None:
    (zone,) = prod.of_type(ZONE)
    authorizations = {a.inputs["vpcId"]: a for a in prod.of_type(ZONE_AUTH)}
    assert set(authorizations) == {vpc(prod, "app").id, vpc(prod, "data").id}
    for name in ("app", "data"):
        auth = authorizations[vpc(prod, name).id]
        assert prod.account_of(auth) == NETWORK
        assert auth.inputs["zoneId"] == zone.outputs["zoneId"]
        assert auth.inputs["vpcRegion"] == prod.region_of(vpc(prod, name))
        association = prod.named(ZONE_ASSOC, f"dns-zone-{name}")
        assert prod.account_of(association) == prod.account_of(vpc(prod, name)) != NETWORK
        assert auth.urn in association.dependencies


def test_adding_a_spoke_keeps_every_existing_association(prod: RunResult) -> None:
    before = prod
    raw = prod_peering_config()
    raw["hubspoke:spokes"].append({"name": "ml", "account": "workloads", "cidr": "10.4.0.0/16"})
    after = run("prod", config=raw)
    for type_ in (ZONE, ZONE_ASSOC, ZONE_AUTH, RULE, RULE_ASSOC, SHARE_PRINCIPAL):
        old = {r.urn: r.inputs for r in before.of_type(type_)}
        new = {r.urn: r.inputs for r in after.of_type(type_)}
        assert old.keys() <= new.keys(), type_
        assert all(old[urn] == new[urn] for urn in old), type_
    added = {r.name for t in (ZONE_ASSOC, RULE_ASSOC) for r in after.of_type(t)} - {
        r.name for t in (ZONE_ASSOC, RULE_ASSOC) for r in before.of_type(t)
    }
    assert added == {"dns-zone-ml", f"dns-{DOMAIN}-ml"}
    # The zone's own VPC list still names the hub only: a new spoke never rewrites it.
    assert after.of_type(ZONE)[0].inputs["vpcs"] == before.of_type(ZONE)[0].inputs["vpcs"]


def test_prod_protects_the_zone_and_the_vpn_dev_does_not(dev: RunResult, prod: RunResult) -> None:
    assert prod.of_type(ZONE)[0].protect
    assert all(r.protect for t in (CGW, VGW, VPN) for r in prod.of_type(t))
    assert not dev.of_type(ZONE)[0].protect


# ---------------------------------------------------------------------------------------------
# VPN


def test_bgp_vpn_attaches_to_the_hub_and_propagates_into_every_hub_route_table(
    prod: RunResult,
) -> None:
    (cgw,) = prod.of_type(CGW)
    assert cgw.inputs["type"] == "ipsec.1"
    assert cgw.inputs["ipAddress"] == "203.0.113.10"
    assert cgw.inputs["bgpAsn"] == "65010"
    (vgw,) = prod.of_type(VGW)
    assert vgw.inputs["vpcId"] == vpc(prod, "hub").id
    assert vgw.inputs["amazonSideAsn"] == "64512"
    (vpn,) = prod.of_type(VPN)
    assert vpn.inputs["customerGatewayId"] == cgw.id
    assert vpn.inputs["vpnGatewayId"] == vgw.id
    assert vpn.inputs["staticRoutesOnly"] is False
    assert prod.of_type(VPN_ROUTE) == []
    hub_route_tables = {
        rt.id for rt in prod.of_type(ROUTE_TABLE) if rt.inputs["vpcId"] == vpc(prod, "hub").id
    }
    propagated = {p.inputs["routeTableId"] for p in prod.of_type(PROPAGATION)}
    assert propagated == hub_route_tables and hub_route_tables
    assert all(p.inputs["vpnGatewayId"] == vgw.id for p in prod.of_type(PROPAGATION))
    assert {prod.account_of(r) for t in (CGW, VGW, VPN, PROPAGATION) for r in prod.of_type(t)} == {
        NETWORK
    }


def test_static_vpn_routes_each_on_prem_cidr(prod_static_vpn: RunResult) -> None:
    (vpn,) = prod_static_vpn.of_type(VPN)
    assert vpn.inputs["staticRoutesOnly"] is True
    assert "bgpAsn" not in prod_static_vpn.of_type(CGW)[0].inputs
    routes = prod_static_vpn.of_type(VPN_ROUTE)
    assert sorted(r.inputs["destinationCidrBlock"] for r in routes) == [
        "172.20.0.0/16",
        ON_PREM_CIDR,
    ]
    assert all(r.inputs["vpnConnectionId"] == vpn.id for r in routes)
    # The gateway propagates static routes too: the hub's route tables still learn on-prem.
    assert prod_static_vpn.of_type(PROPAGATION)


def test_on_prem_without_vpn_builds_no_vpn() -> None:
    raw = prod_peering_config()
    del raw["hubspoke:onPrem"]["vpn"]
    result = run("prod", config=raw)
    assert not [r for t in (CGW, VGW, VPN, VPN_ROUTE, PROPAGATION) for r in result.of_type(t)]
    assert "vpn_tunnel_addresses" not in result.outputs
    assert result.outputs["dns_inbound_endpoint_ips"] == HUB_INBOUND_IPS


# ---------------------------------------------------------------------------------------------
# The dev stack: cheap when idle


def test_dev_builds_only_the_private_zone(dev: RunResult) -> None:
    costly = (ENDPOINT, RULE, RULE_ASSOC, SHARE, SG, CGW, VGW, VPN)
    assert [c.type for c in components(dev)] == ["hubspoke:dns:PrivateZone"]
    dns = {c.urn for c in components(dev)}
    assert not [r.name for t in costly for r in dev.of_type(t) if r.parent in dns]
    assert dev.named(ZONE, "dns-zone").inputs["name"] == "dev.aws.example.internal"
    assert not dev.of_type(ZONE_AUTH)  # one account: no authorization needed
    assert set(dev.outputs) >= {"dns_private_zone_id", "dns_private_zone_name"}
    assert not {k for k in dev.outputs if k.startswith(("dns_inbound", "dns_outbound", "vpn"))}


# ---------------------------------------------------------------------------------------------
# Component shape and stack outputs


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_child_has_the_component_as_parent_and_an_explicit_provider(
    stack: str, dev: RunResult, prod: RunResult
) -> None:
    result = {"dev": dev, "prod": prod}[stack]
    assert len(components(result)) == {"dev": 1, "prod": 3}[stack]
    for dns in components(result):
        children = result.children_of(dns)
        assert children
        # Every AWS child on an explicit provider; the waits for shares (pulumi.dynamic) name
        # their account instead (components/visibility.py).
        assert all(c.provider for c in children if c.type.startswith("aws:"))
        assert all(c.inputs["accountId"] for c in children if not c.type.startswith("aws:"))
        assert dns.parent.endswith("pulumi:pulumi:Stack::hubspoke-" + stack)


def test_stack_outputs_name_what_on_prem_needs(prod: RunResult) -> None:
    out = prod.outputs
    assert out["dns_inbound_endpoint_ips"] == HUB_INBOUND_IPS
    assert out["dns_outbound_endpoint_ips"] == ["10.0.0.11", "10.0.16.11"]
    assert out["dns_outbound_endpoint_id"] == endpoint(prod, "dns-outbound").id
    assert out["dns_resolver_rule_ids"] == {DOMAIN: prod.named(RULE, f"dns-forward-{DOMAIN}").id}
    (zone,) = prod.of_type(ZONE)
    assert out["dns_private_zone_id"] == zone.outputs["zoneId"]
    assert out["dns_private_zone_name"] == "aws.example.internal"
    (vpn,) = prod.of_type(VPN)
    assert out["vpn_tunnel_addresses"] == [
        vpn.outputs["tunnel1Address"],
        vpn.outputs["tunnel2Address"],
    ]


# ---------------------------------------------------------------------------------------------
# Preview: unknown ids everywhere, same plan


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_preview_registers_the_same_resources_as_update(
    stack: str, dev: RunResult, prod: RunResult, prod_preview: RunResult, run_stack_file
) -> None:
    update = {"dev": dev, "prod": prod}[stack]
    preview = prod_preview if stack == "prod" else run_stack_file("dev", preview=True)

    def dns_urns(result: RunResult) -> set[str]:
        return {r.urn for r in result.resources if any(t in r.urn for t in COMPONENTS)}

    assert dns_urns(update)
    assert dns_urns(preview) == dns_urns(update)
    # The same outputs; an id is known only after apply.
    assert set(preview.outputs) == set(update.outputs)
    assert preview.outputs["dns_private_zone_id"] is UNKNOWN


def test_preview_knows_the_pinned_endpoint_ips_before_anything_exists(
    prod_preview: RunResult,
) -> None:
    preview = prod_preview
    assert ip_list(preview.named(ENDPOINT, "dns-inbound")) == HUB_INBOUND_IPS
    relay_rule = preview.named(INGRESS, "dns-inbound-tcp-from-10.2.0.11-32")
    assert relay_rule.inputs["cidrIpv4"] == "10.2.0.11/32"
