"""Phase B mappings for Resolver, PrivateZone and OnPremLink: resolver endpoints, rules shared
through RAM and associated across accounts, a private zone associated across accounts, security
groups, and the VPN."""

from __future__ import annotations

import pytest

from offline.emulator import EmulatorMocks, EmulatorRejected
from offline.mocks import PROVIDER_TYPE
from offline.runner import run, stack_config

NETWORK = """
hub_vpc = aws.ec2.Vpc("hub", cidr_block="10.0.0.0/16", enable_dns_support=True,
                      enable_dns_hostnames=True, opts=on(hub))
spoke_vpc = aws.ec2.Vpc("spoke", cidr_block="10.1.0.0/16", opts=on(spoke))
subnets = [
    aws.ec2.Subnet(f"hub-{i}", vpc_id=hub_vpc.id, cidr_block=f"10.0.{i}.0/24",
                   availability_zone=f"eu-west-1{az}", opts=on(hub))
    for i, az in enumerate("ab")
]
inbound_sg = aws.ec2.SecurityGroup("inbound", vpc_id=hub_vpc.id, description="dns in",
                                   opts=on(hub))
for proto in ("tcp", "udp"):
    aws.vpc.SecurityGroupIngressRule(f"inbound-{proto}", security_group_id=inbound_sg.id,
        ip_protocol=proto, from_port=53, to_port=53, cidr_ipv4="192.168.0.0/16", opts=on(hub))
outbound_sg = aws.ec2.SecurityGroup("outbound", vpc_id=hub_vpc.id, description="dns out",
                                    opts=on(hub))
for proto in ("tcp", "udp"):
    aws.vpc.SecurityGroupEgressRule(f"outbound-{proto}", security_group_id=outbound_sg.id,
        ip_protocol=proto, from_port=53, to_port=53, cidr_ipv4="192.168.10.10/32", opts=on(hub))
"""

ENDPOINTS = """
inbound = aws.route53.ResolverEndpoint("inbound", direction="INBOUND",
    security_group_ids=[inbound_sg.id],
    ip_addresses=[{"subnet_id": s.id} for s in subnets], opts=on(hub))
outbound = aws.route53.ResolverEndpoint("outbound", direction="OUTBOUND",
    security_group_ids=[outbound_sg.id],
    ip_addresses=[{"subnet_id": s.id} for s in subnets], opts=on(hub))
rule = aws.route53.ResolverRule("corp", domain_name="corp.example.com", rule_type="FORWARD",
    resolver_endpoint_id=outbound.id,
    target_ips=[{"ip": "192.168.10.10"}, {"ip": "192.168.10.11"}], opts=on(hub))
aws.route53.ResolverRuleAssociation("corp-hub", resolver_rule_id=rule.id, vpc_id=hub_vpc.id,
                                    opts=on(hub))
pulumi.export("inbound_ips", inbound.ip_addresses.apply(lambda a: sorted(i["ip"] for i in a)))
"""

SHARE = """
share = aws.ram.ResourceShare("rules", name="resolver-rules", allow_external_principals=False,
                              opts=on(hub))
shared = aws.ram.ResourceAssociation("rules-corp", resource_share_arn=share.arn,
                                     resource_arn=rule.arn, opts=on(hub))
principal = aws.ram.PrincipalAssociation("rules-spoke", resource_share_arn=share.arn,
                                         principal="444455556666", opts=on(hub))
"""

# The spoke account's wait until the share reaches it (components/visibility.py).
VISIBLE = """
from components.visibility import SharedResourceVisible
visible = SharedResourceVisible("corp-visible", resource_arn=rule.arn, account_id="444455556666",
    region="eu-west-1", role_arn=None, opts=pulumi.ResourceOptions(depends_on=[principal, shared]))
"""


def test_resolver_endpoints_rules_and_a_cross_account_rule_association_via_ram(
    run_program, emulator
):
    result = run_program(
        NETWORK
        + ENDPOINTS
        + SHARE
        + VISIBLE
        + """
aws.route53.ResolverRuleAssociation("corp-spoke", resolver_rule_id=rule.id,
    vpc_id=spoke_vpc.id, opts=on(spoke, depends_on=[visible]))
"""
    )
    inbound = result.named("aws:route53/resolverEndpoint:ResolverEndpoint", "inbound")
    assert len(inbound.outputs["ipAddresses"]) == 2
    assert result.outputs["inbound_ips"] == sorted(i["ip"] for i in inbound.outputs["ipAddresses"])
    assert all(ip.startswith("10.0.") for ip in result.outputs["inbound_ips"])
    hub_resolver = emulator.context_for_account("111122223333", "eu-west-1").client(
        "route53resolver"
    )
    rule = result.named("aws:route53/resolverRule:ResolverRule", "corp")
    assert hub_resolver.get_resolver_rule(ResolverRuleId=rule.id)["ResolverRule"]["TargetIps"]
    associations = hub_resolver.list_resolver_rule_associations()["ResolverRuleAssociations"]
    assert [a["VPCId"] for a in associations] == [result.named("aws:ec2/vpc:Vpc", "hub").id]
    spoke_association = emulator.extra["resolver_rule_associations"][0]
    assert spoke_association["account"] == "444455556666"
    assert spoke_association["vpc"] == result.named("aws:ec2/vpc:Vpc", "spoke").id
    ram = emulator.context_for_account("111122223333", "eu-west-1").client("ram")
    shares = ram.get_resource_shares(resourceOwner="SELF")["resourceShares"]
    assert [s["name"] for s in shares] == ["resolver-rules"]


def test_a_resolver_endpoint_with_one_ip_is_rejected_naming_the_endpoint(run_program):
    with pytest.raises(EmulatorRejected) as rejected:
        run_program(
            NETWORK
            + """
aws.route53.ResolverEndpoint("inbound", direction="INBOUND", security_group_ids=[inbound_sg.id],
    ip_addresses=[{"subnet_id": subnets[0].id}], opts=on(hub))
"""
        )
    assert "'inbound'" in str(rejected.value)
    # botocore's model of the API refuses it before moto's own check ("at least 2 IP addresses").
    assert "IpAddresses, value: 1, valid min length: 2" in str(rejected.value)


def test_a_cross_account_rule_association_without_a_ram_share_is_rejected(run_program):
    with pytest.raises(EmulatorRejected, match=r"'corp-spoke'.*not shared with account 4444"):
        run_program(
            NETWORK
            + ENDPOINTS
            + """
aws.route53.ResolverRuleAssociation("corp-spoke", resolver_rule_id=rule.id,
    vpc_id=spoke_vpc.id, opts=on(spoke))
"""
        )


def test_a_forward_rule_to_the_inbound_endpoint_of_its_own_vpc_is_rejected(run_program):
    with pytest.raises(EmulatorRejected, match=r"'loop'.*RSLVR-00804"):
        run_program(
            NETWORK
            + ENDPOINTS
            + """
loop = aws.route53.ResolverRule("loop", domain_name="aws.example.internal", rule_type="FORWARD",
    resolver_endpoint_id=outbound.id,
    target_ips=inbound.ip_addresses.apply(lambda a: [{"ip": i["ip"]} for i in a]), opts=on(hub))
aws.route53.ResolverRuleAssociation("loop", resolver_rule_id=loop.id, vpc_id=hub_vpc.id,
                                    opts=on(hub))
"""
        )


def test_a_principal_is_known_before_any_provider_of_its_account_registers(emulator, tmp_path):
    """The principal is a plain account id: the engine may register the association before the
    account's provider (it did on a loaded machine). Here the provider comes after it, by
    dependency; the account exists from the start (the stack's `hubspoke:accounts`, here the
    fixture's accounts), so the share is made."""
    program = tmp_path / "program.py"
    program.write_text(
        """
import pulumi
import pulumi_aws as aws

def provider(name, account, **opts):
    return aws.Provider(name, region="eu-west-1", allowed_account_ids=[account],
        assume_roles=[aws.ProviderAssumeRoleArgs(
            role_arn=f"arn:aws:iam::{account}:role/hubspoke-deploy", session_name="test")],
        opts=pulumi.ResourceOptions(**opts))

hub = provider("hub", "111122223333")
share = aws.ram.ResourceShare("vpcs", name="vpcs", opts=pulumi.ResourceOptions(provider=hub))
principal = aws.ram.PrincipalAssociation("vpcs-spoke", resource_share_arn=share.arn,
    principal="444455556666", opts=pulumi.ResourceOptions(provider=hub))
spoke = provider("spoke", "444455556666", depends_on=[principal])
aws.ec2.Vpc("spoke", cidr_block="10.1.0.0/16", opts=pulumi.ResourceOptions(provider=spoke))
"""
    )
    result = run("test", config={"aws:region": "eu-west-1"}, program=program, mocks=emulator)
    principal = result.named("aws:ram/principalAssociation:PrincipalAssociation", "vpcs-spoke")
    assert principal.id.endswith(",444455556666")
    spoke = next(r for r in result.resources if r.type == PROVIDER_TYPE and r.name == "spoke")
    assert spoke.dependencies == [principal.urn]  # the account's provider came after


def test_the_accounts_of_a_stack_exist_in_the_emulator_before_its_program_runs():
    emulator = EmulatorMocks(accounts={"123456789012"})
    emulator.configure(stack_config("prod"))
    assert emulator.accounts == {"123456789012", "111122223333", "444455556666", "777788889999"}
    emulator.configure({"hubspoke:accounts": {"bad": {"id": "12"}, "ok": {"id": "210987654321"}}})
    assert "210987654321" in emulator.accounts and "12" not in emulator.accounts


def test_ram_principal_must_be_a_known_account_and_the_accepter_a_principal(run_program):
    with pytest.raises(EmulatorRejected, match=r"'rules-stranger'.*not an account of this"):
        run_program(
            NETWORK
            + ENDPOINTS
            + SHARE
            + """
aws.ram.PrincipalAssociation("rules-stranger", resource_share_arn=share.arn,
                             principal="999999999999", opts=on(hub))
"""
        )


def test_ram_share_accepter_in_a_principal_account_and_rejected_elsewhere(run_program, emulator):
    result = run_program(
        NETWORK
        + ENDPOINTS
        + SHARE
        + """
aws.ram.ResourceShareAccepter("accept", share_arn=share.arn,
                              opts=on(spoke, depends_on=[principal, shared]))
"""
    )
    accepted = result.named("aws:ram/resourceShareAccepter:ResourceShareAccepter", "accept")
    assert accepted.outputs["status"] == "ACCEPTED"
    assert accepted.outputs["senderAccountId"] == "111122223333"
    assert accepted.outputs["resources"] == [
        result.named("aws:route53/resolverRule:ResolverRule", "corp").outputs["arn"]
    ]


def test_a_private_zone_is_associated_across_accounts_after_the_owner_authorizes(
    run_program, emulator
):
    result = run_program(
        NETWORK
        + """
zone = aws.route53.Zone("private", name="aws.example.internal",
    vpcs=[{"vpc_id": hub_vpc.id, "vpc_region": "eu-west-1"}], opts=on(hub))
auth = aws.route53.VpcAssociationAuthorization("private-spoke", zone_id=zone.zone_id,
    vpc_id=spoke_vpc.id, vpc_region="eu-west-1", opts=on(hub))
aws.route53.ZoneAssociation("private-spoke", zone_id=auth.zone_id, vpc_id=spoke_vpc.id,
    vpc_region="eu-west-1", opts=on(spoke))
"""
    )
    zone = result.named("aws:route53/zone:Zone", "private")
    route53 = emulator.context_for_account("111122223333", "eu-west-1").client("route53")
    vpcs = {v["VPCId"] for v in route53.get_hosted_zone(Id=zone.id)["VPCs"]}
    assert vpcs == {
        result.named("aws:ec2/vpc:Vpc", "hub").id,
        result.named("aws:ec2/vpc:Vpc", "spoke").id,
    }


def test_a_cross_account_zone_association_without_authorization_is_rejected(run_program):
    with pytest.raises(EmulatorRejected, match=r"'private-spoke'.*VpcAssociationAuthorization"):
        run_program(
            NETWORK
            + """
zone = aws.route53.Zone("private", name="aws.example.internal",
    vpcs=[{"vpc_id": hub_vpc.id}], opts=on(hub))
aws.route53.ZoneAssociation("private-spoke", zone_id=zone.zone_id, vpc_id=spoke_vpc.id,
    opts=on(spoke))
"""
        )


def test_security_groups_keep_only_the_declared_rules(run_program, emulator):
    result = run_program(NETWORK)
    ec2 = emulator.context_for_account("111122223333", "eu-west-1").client("ec2")
    inbound = result.named("aws:ec2/securityGroup:SecurityGroup", "inbound")
    group = ec2.describe_security_groups(GroupIds=[inbound.id])["SecurityGroups"][0]
    assert group["IpPermissionsEgress"] == []  # the default allow-all egress was removed
    assert sorted(p["IpProtocol"] for p in group["IpPermissions"]) == ["tcp", "udp"]
    assert {r["CidrIp"] for p in group["IpPermissions"] for r in p["IpRanges"]} == {
        "192.168.0.0/16"
    }


def test_site_to_site_vpn_with_static_routes_and_route_propagation(run_program, emulator):
    result = run_program(
        NETWORK
        + """
rt = aws.ec2.RouteTable("hub-private", vpc_id=hub_vpc.id, opts=on(hub))
cgw = aws.ec2.CustomerGateway("onprem", bgp_asn="65010", ip_address="203.0.113.10",
                              type="ipsec.1", opts=on(hub))
vgw = aws.ec2.VpnGateway("hub", vpc_id=hub_vpc.id, opts=on(hub))
vpn = aws.ec2.VpnConnection("onprem", customer_gateway_id=cgw.id, vpn_gateway_id=vgw.id,
                            type="ipsec.1", static_routes_only=True, opts=on(hub))
aws.ec2.VpnConnectionRoute("onprem-0", vpn_connection_id=vpn.id,
                           destination_cidr_block="192.168.0.0/16", opts=on(hub))
aws.ec2.VpnGatewayRoutePropagation("hub-private", vpn_gateway_id=vgw.id, route_table_id=rt.id,
                                   opts=on(hub))
"""
    )
    ec2 = emulator.context_for_account("111122223333", "eu-west-1").client("ec2")
    vpn = result.named("aws:ec2/vpnConnection:VpnConnection", "onprem")
    found = ec2.describe_vpn_connections(VpnConnectionIds=[vpn.id])["VpnConnections"][0]
    assert (
        found["CustomerGatewayId"]
        == result.named("aws:ec2/customerGateway:CustomerGateway", "onprem").id
    )
    assert emulator.extra["vpn_connection_routes"][vpn.id] == ["192.168.0.0/16"]
    propagation = result.named(
        "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation", "hub-private"
    )
    assert propagation.id.endswith(result.named("aws:ec2/vpnGateway:VpnGateway", "hub").id)
