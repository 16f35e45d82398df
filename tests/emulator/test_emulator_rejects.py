"""What the emulator refuses that plain mocks let through, and how it says so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
from pulumi.runtime.mocks import MockResourceArgs

from offline.emulator import EmulatorMocks, EmulatorRejected
from offline.runner import RunResult, run, stack_config

SUBNET = "aws:ec2/subnet:Subnet"


# A subnet outside its VPC, rejected naming the subnet: the deploy command's own test
# (test_emulator_docs_and_cli.py) deploys that and checks what the rejection says.


@dataclass(frozen=True)
class AfterAStop:
    refused: str  # what the stopped emulator answered a late registration
    running: EmulatorMocks | None  # the running emulator just after it
    result: RunResult  # dev with a NAT gateway, deployed into the next emulator
    nat: dict[str, Any]  # that NAT gateway as moto describes it
    routes: list[dict[str, Any]]  # the hub's private route table's routes in moto


@pytest.fixture(scope="module")
def after_a_stop() -> AfterAStop:
    """An emulator stopped and a late registration sent to it; then the next emulator deploys
    dev with a single NAT gateway. One deployment for two tests: that the next emulator starts
    cleanly, and what a NAT gateway creates. What the tests read is taken from moto before the
    emulator stops (the module's other tests start their own)."""
    with EmulatorMocks() as emu:
        pass
    late = MockResourceArgs(
        typ="aws:ec2/vpc:Vpc", name="late", inputs={"cidrBlock": "10.0.0.0/16"}, custom=True
    )
    try:
        emu.new_resource(late)
        refused = ""
    except RuntimeError as e:
        refused = str(e)
    running = EmulatorMocks._running
    config = stack_config("dev")
    config["hubspoke:hub"] = {**config["hubspoke:hub"], "natGateways": "single"}
    with EmulatorMocks() as emu:  # the next emulator
        result = run("dev", config=config, mocks=emu)
        nat = result.named("aws:ec2/natGateway:NatGateway", "hub-nat-0")
        ec2 = emu.context_for_account("111122223333", "eu-west-1").client("ec2")
        found = ec2.describe_nat_gateways(NatGatewayIds=[nat.id])["NatGateways"][0]
        routes = ec2.describe_route_tables(
            RouteTableIds=[result.named("aws:ec2/routeTable:RouteTable", "hub-private").id]
        )["RouteTables"][0]["Routes"]
    return AfterAStop(refused, running, result, found, routes)


def test_nat_gateways_internet_gateway_and_default_routes_are_created_when_configured(
    after_a_stop,
):
    result, nat = after_a_stop.result, after_a_stop.nat
    assert nat["SubnetId"] == result.named(SUBNET, "hub-public-0").id
    assert any(r.get("NatGatewayId") == nat["NatGatewayId"] for r in after_a_stop.routes)


def test_preview_creates_nothing_in_the_emulator():
    with EmulatorMocks() as emu:
        result = run("prod", preview=True, mocks=emu)
        assert result.resources
        assert emu.created == []
        ec2 = emu.context_for_account("111122223333", "eu-west-1").client("ec2")
        assert all(v["IsDefault"] for v in ec2.describe_vpcs()["Vpcs"])


PEERED_VPCS = """
hub_vpc = aws.ec2.Vpc("hub", cidr_block="10.0.0.0/16", opts=on(hub))
spoke_vpc = aws.ec2.Vpc("spoke", cidr_block="10.1.0.0/16", opts=on(spoke))
peering = aws.ec2.VpcPeeringConnection(
    "hub-spoke", vpc_id=hub_vpc.id, peer_vpc_id=spoke_vpc.id, peer_owner_id="444455556666",
    opts=on(hub),
)
"""


def test_a_peering_accepted_by_the_wrong_account_is_rejected_naming_the_accepter(run_program):
    with pytest.raises(EmulatorRejected) as rejected:
        run_program(
            PEERED_VPCS
            + """
aws.ec2.VpcPeeringConnectionAccepter(
    "hub-spoke-accepter", vpc_peering_connection_id=peering.id, auto_accept=True, opts=on(other)
)
"""
        )
    message = str(rejected.value)
    assert "'hub-spoke-accepter'" in message
    assert "777788889999" in message
    assert "InvalidVpcPeeringConnectionId.NotFound" in message


def test_auto_accept_on_a_cross_account_requester_is_rejected(run_program):
    with pytest.raises(EmulatorRejected, match=r"'hub-spoke'.*accepted only by account 4444"):
        run_program(
            """
hub_vpc = aws.ec2.Vpc("hub", cidr_block="10.0.0.0/16", opts=on(hub))
spoke_vpc = aws.ec2.Vpc("spoke", cidr_block="10.1.0.0/16", opts=on(spoke))
aws.ec2.VpcPeeringConnection(
    "hub-spoke", vpc_id=hub_vpc.id, peer_vpc_id=spoke_vpc.id, peer_owner_id="444455556666",
    auto_accept=True, opts=on(hub),
)
"""
        )


def test_peering_options_before_the_accept_are_rejected(run_program):
    with pytest.raises(EmulatorRejected, match="can be added only to active peerings"):
        run_program(
            PEERED_VPCS
            + """
aws.ec2.PeeringConnectionOptions(
    "hub-dns", vpc_peering_connection_id=peering.id,
    requester={"allow_remote_vpc_dns_resolution": True}, opts=on(hub),
)
"""
        )


def test_the_requester_account_cannot_set_the_accepter_side_options(run_program):
    with pytest.raises(EmulatorRejected) as rejected:
        run_program(
            PEERED_VPCS
            + """
accepter = aws.ec2.VpcPeeringConnectionAccepter(
    "hub-spoke-accepter", vpc_peering_connection_id=peering.id, auto_accept=True, opts=on(spoke)
)
aws.ec2.PeeringConnectionOptions(
    "both-dns", vpc_peering_connection_id=accepter.id,
    accepter={"allow_remote_vpc_dns_resolution": True}, opts=on(hub),
)
"""
        )
    assert "'both-dns'" in str(rejected.value)
    assert "does not have permission to modify the accepter side" in str(rejected.value)


def test_a_resource_type_without_a_mapping_fails_the_run_by_name(run_program):
    with pytest.raises(EmulatorRejected, match=r"aws:ec2/egressOnlyInternetGateway:Egress.*'eigw'"):
        run_program('aws.ec2.EgressOnlyInternetGateway("eigw", vpc_id="vpc-1", opts=on(hub))\n')


def test_a_provider_whose_role_resolves_outside_its_allowed_accounts_is_rejected(run_program):
    with pytest.raises(EmulatorRejected, match=r"provider wrong: .*444455556666.*not in"):
        run_program(
            """
wrong = aws.Provider(
    "wrong", region="eu-west-1", allowed_account_ids=["111122223333"],
    assume_roles=[aws.ProviderAssumeRoleArgs(
        role_arn="arn:aws:iam::444455556666:role/hubspoke-deploy")],
)
aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16", opts=on(wrong))
"""
        )


def test_a_flow_log_role_policy_that_is_not_iam_grammar_is_rejected(run_program):
    with pytest.raises(EmulatorRejected, match=r"'bad'.*MalformedPolicyDocument"):
        run_program(
            """
role = aws.iam.Role("r", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
     "Action": "sts:AssumeRole"}]}), opts=on(hub))
aws.iam.RolePolicy("bad", role=role.id, policy=json.dumps({"Statement": [
    {"Effect": "Permit", "Action": "logs:PutLogEvents", "Resource": "*"}]}), opts=on(hub))
"""
        )


def test_a_registration_after_the_emulator_stopped_does_not_restart_it(after_a_stop):
    """After a rejection, registrations the engine had already queued still arrive on its
    threads; one that restarted moto would leave an emulator running behind the test."""
    assert "not running" in after_a_stop.refused
    assert after_a_stop.running is None
    assert after_a_stop.result.resources  # the next emulator starts cleanly


TRANSIT = """
tgw = aws.ec2transitgateway.TransitGateway("tgw", default_route_table_association="disable",
    default_route_table_propagation="disable", auto_accept_shared_attachments="disable",
    opts=on(hub))
table = aws.ec2transitgateway.RouteTable("table", transit_gateway_id=tgw.id, opts=on(hub))
vpc = aws.ec2.Vpc("spoke", cidr_block="10.1.0.0/16", opts=on(spoke))
subnet = aws.ec2.Subnet("spoke-transit", vpc_id=vpc.id, cidr_block="10.1.240.0/28",
    availability_zone="eu-west-1a", opts=on(spoke))
"""
SHARE_TGW = """
share = aws.ram.ResourceShare("share", opts=on(hub))
shared = aws.ram.ResourceAssociation("share", resource_share_arn=share.arn, resource_arn=tgw.arn,
    opts=on(hub))
principal = aws.ram.PrincipalAssociation("share-spoke", resource_share_arn=share.arn,
    principal="444455556666", opts=on(hub))
"""


def test_an_attachment_to_a_gateway_not_shared_with_the_account_is_rejected(run_program):
    with pytest.raises(EmulatorRejected, match=r"tgw-\w+ of account 111122223333 is not shared"):
        run_program(
            TRANSIT
            + """
aws.ec2transitgateway.VpcAttachment("attach", transit_gateway_id=tgw.id, vpc_id=vpc.id,
    subnet_ids=[subnet.id], opts=on(spoke))
"""
        )


def test_a_shared_attachment_is_associated_only_after_the_owner_accepts_it(run_program, emulator):
    emulator.share_delay_seconds = 0  # the share's delay: test_emulator_share_visibility.py
    with pytest.raises(EmulatorRejected, match=r"IncorrectState: .* is pendingAcceptance"):
        run_program(
            TRANSIT
            + SHARE_TGW
            + """
attach = aws.ec2transitgateway.VpcAttachment("attach", transit_gateway_id=tgw.id, vpc_id=vpc.id,
    subnet_ids=[subnet.id], opts=on(spoke, depends_on=[shared, principal]))
aws.ec2transitgateway.RouteTableAssociation("assoc", transit_gateway_attachment_id=attach.id,
    transit_gateway_route_table_id=table.id, opts=on(hub))
"""
        )


def test_a_vpc_route_to_a_gateway_it_is_not_attached_to_is_rejected(run_program):
    with pytest.raises(EmulatorRejected, match=r"no available attachment to transit gateway"):
        run_program(
            TRANSIT
            + """
rt = aws.ec2.RouteTable("rt", vpc_id=vpc.id, opts=on(spoke))
aws.ec2.Route("to-hub", route_table_id=rt.id, destination_cidr_block="10.0.0.0/16",
    transit_gateway_id=tgw.id, opts=on(spoke))
"""
        )


def test_a_peering_attachment_cannot_propagate(run_program):
    with pytest.raises(EmulatorRejected, match=r"peering attachments do not support route prop"):
        run_program(
            """
remote = provider("remote", "111122223333", region="eu-central-1")
tgw = aws.ec2transitgateway.TransitGateway("tgw", opts=on(hub))
far = aws.ec2transitgateway.TransitGateway("far", opts=on(remote))
table = aws.ec2transitgateway.RouteTable("table", transit_gateway_id=tgw.id, opts=on(hub))
peering = aws.ec2transitgateway.PeeringAttachment("peer", transit_gateway_id=tgw.id,
    peer_transit_gateway_id=far.id, peer_region="eu-central-1", peer_account_id="111122223333",
    opts=on(hub))
accepted = aws.ec2transitgateway.PeeringAttachmentAccepter("peer",
    transit_gateway_attachment_id=peering.id, opts=on(remote))
aws.ec2transitgateway.RouteTablePropagation("prop", transit_gateway_attachment_id=peering.id,
    transit_gateway_route_table_id=table.id, opts=on(hub, depends_on=[accepted]))
"""
        )


def test_a_firewall_rule_group_not_shared_with_the_vpcs_account_is_rejected_naming_it():
    """The share loses its principals: the spoke accounts' associations must fail as in AWS."""
    import components.dns_firewall
    from components.sharing import HubShare

    def no_principals(name, *, vpcs, hub_account_id, **kw):
        return HubShare(name, accounts={}, **kw)

    with (
        EmulatorMocks() as emu,
        mock.patch.object(components.dns_firewall, "share_with_vpc_owners", no_principals),
        pytest.raises(EmulatorRejected) as rejected,
    ):
        run("prod", mocks=emu)
    message = str(rejected.value)
    assert "ResolverFirewallRuleGroupAssociation" in message
    assert "not shared with account" in message
    assert any(f"dns-firewall-{vpc}" in message for vpc in ("app", "data")), message


# The spoke account's wait until the share reaches it, as in the program (components/visibility.py).
QUERY_LOGS_VISIBLE = """
from components.visibility import SharedResourceVisible
visible = SharedResourceVisible("queries-visible", resource_arn=config.arn,
    account_id="444455556666", region="eu-west-1", role_arn=None,
    opts=pulumi.ResourceOptions(depends_on=[shared, principal]))
"""
QUERY_LOGS = """
group = aws.cloudwatch.LogGroup("queries", name="/hubspoke/test/dns-queries",
    retention_in_days=14, opts=on(hub))
config = aws.route53.ResolverQueryLogConfig("queries", name="queries",
    destination_arn=group.arn, opts=on(hub))
share = aws.ram.ResourceShare("queries", name="queries", opts=on(hub))
shared = aws.ram.ResourceAssociation("queries", resource_share_arn=share.arn,
    resource_arn=config.arn, opts=on(hub))
principal = aws.ram.PrincipalAssociation("queries", resource_share_arn=share.arn,
    principal=PRINCIPAL, opts=on(hub))
vpc = aws.ec2.Vpc("spoke", cidr_block="10.1.0.0/16", opts=on(spoke))
aws.route53.ResolverQueryLogConfigAssociation("spoke-queries",
    resolver_query_log_config_id=config.id, resource_id=vpc.id,
    opts=on(spoke, depends_on=AFTER))
"""


def test_a_query_log_config_shared_with_another_account_only_cannot_be_associated(run_program):
    """The hub shares its query log config with account 7777... but not with the spoke's 4444...:
    the spoke's association is refused, naming it, the config and the account (as AWS answers)."""
    with pytest.raises(EmulatorRejected) as rejected:
        # No wait: the association itself is refused (with the wait, the wait would time out).
        run_program(
            QUERY_LOGS.replace("PRINCIPAL", '"777788889999"').replace(
                "AFTER", "[shared, principal]"
            )
        )
    message = str(rejected.value)
    assert "ResolverQueryLogConfigAssociation" in message and "spoke-queries" in message
    assert "query log config arn:aws:route53resolver:eu-west-1:111122223333:" in message
    assert "is not shared with account 444455556666" in message


def test_a_query_log_config_shared_with_the_vpcs_account_is_associated(run_program):
    program = QUERY_LOGS.replace("PRINCIPAL", '"444455556666"').replace("AFTER", "[visible]")
    vpc_line = 'vpc = aws.ec2.Vpc("spoke"'
    result = run_program(program.replace(vpc_line, QUERY_LOGS_VISIBLE + vpc_line))
    association = result.named(
        "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation",
        "spoke-queries",
    )
    assert association.id.startswith("rslvr-qlcassoc-")


@pytest.mark.parametrize("zone_id", ["euc1-az1", "euw1-az9"])
def test_a_subnet_on_an_az_id_its_region_does_not_offer_is_rejected(run_program, zone_id):
    """moto finds an AZ id in any region; AWS places a subnet only in an id of the VPC's region."""
    with pytest.raises(EmulatorRejected) as rejected:
        run_program(
            f"""
vpc = aws.ec2.Vpc("hub", cidr_block="10.0.0.0/16", opts=on(hub))
aws.ec2.Subnet("hub-private-0", vpc_id=vpc.id, cidr_block="10.0.0.0/20",
               availability_zone_id="{zone_id}", opts=on(hub))
"""
        )
    message = str(rejected.value)
    assert "'hub-private-0'" in message
    assert f"InvalidParameterValue: Value ({zone_id}) for parameter availabilityZoneId" in message
    assert "euw1-az1, euw1-az2, euw1-az3" in message


def test_a_subnet_on_an_az_id_of_its_region_lands_in_that_zone(run_program, emulator):
    result = run_program(
        """
vpc = aws.ec2.Vpc("hub", cidr_block="10.0.0.0/16", opts=on(hub))
aws.ec2.Subnet("hub-private-0", vpc_id=vpc.id, cidr_block="10.0.0.0/20",
               availability_zone_id="euw1-az2", opts=on(hub))
"""
    )
    subnet = result.named(SUBNET, "hub-private-0")
    ec2 = emulator.context_for_account("111122223333", "eu-west-1").client("ec2")
    found = ec2.describe_subnets(SubnetIds=[subnet.id])["Subnets"][0]
    assert (found["AvailabilityZoneId"], found["AvailabilityZone"]) == ("euw1-az2", "eu-west-1c")


def test_a_pool_sending_through_ses_without_the_identity_is_rejected(run_program):
    with pytest.raises(EmulatorRejected, match=r"'users'.*DEVELOPER needs a SourceArn"):
        run_program(
            """
aws.cognito.UserPool("users", email_configuration={"email_sending_account": "DEVELOPER"},
                     opts=on(hub))
"""
        )
