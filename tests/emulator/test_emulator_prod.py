"""Pulumi.prod.yaml's accounts and regions in peering mode in the emulator: three accounts, two
regions, peerings accepted by spokes (the file itself, in transit gateway mode, is deployed by
test_emulator_transit_gateway.py and test_emulator_stacks.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from stack_variants import prod_peering_config

from offline.emulator import EmulatorMocks
from offline.gateway import UserPool, sign_in
from offline.gateway.cognito_idp import TARGET_PREFIX, CognitoEndpoint
from offline.runner import RunResult, run

ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
OPTIONS = "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions"
VPC = "aws:ec2/vpc:Vpc"


@pytest.fixture(scope="module")
def prod() -> Iterator[tuple[RunResult, EmulatorMocks]]:
    with EmulatorMocks() as emu:
        yield run("prod", config=prod_peering_config(), mocks=emu), emu


def test_prod_vpcs_are_owned_by_their_spoke_accounts_in_their_regions(prod):
    result, emu = prod
    owners = {}
    for vpc in result.of_type(VPC):
        ctx = emu.context_for_account(result.account_of(vpc), result.region_of(vpc))
        found = ctx.client("ec2").describe_vpcs(VpcIds=[vpc.id])["Vpcs"][0]
        owners[vpc.name] = (found["OwnerId"], result.region_of(vpc))
    assert owners == {
        "hub": ("111122223333", "eu-west-1"),
        "app": ("444455556666", "eu-west-1"),
        "data": ("777788889999", "eu-central-1"),
        "shared": ("111122223333", "eu-west-1"),
    }


def test_cross_account_peerings_are_accepted_by_the_spoke_account_and_end_active(prod):
    result, emu = prod
    accepters = {a.name: a for a in result.of_type(ACCEPTER)}
    assert sorted(accepters) == ["hub-app-accepter", "hub-data-accepter"]
    for name, accepter in accepters.items():
        spoke = result.named(VPC, name.split("-")[1])
        assert result.account_of(accepter) == result.account_of(spoke)
        assert accepter.outputs["acceptStatus"] == "active"
        hub_ec2 = emu.context_for_account("111122223333", "eu-west-1").client("ec2")
        pc = hub_ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[accepter.id])
        assert pc["VpcPeeringConnections"][0]["Status"]["Code"] == "active"


def test_each_side_sets_its_own_peering_dns_option_in_its_own_account(prod):
    result, emu = prod
    for spoke in ("app", "data"):
        requester = result.named(OPTIONS, f"hub-{spoke}-requester-dns")
        accepter = result.named(OPTIONS, f"hub-{spoke}-accepter-dns")
        assert result.account_of(requester) == "111122223333"
        assert result.account_of(accepter) == result.account_of(result.named(VPC, spoke))
        ctx = emu.context_for_account("111122223333", "eu-west-1")
        pc = ctx.client("ec2").describe_vpc_peering_connections(
            VpcPeeringConnectionIds=[requester.id]
        )["VpcPeeringConnections"][0]
        assert pc["RequesterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"]
        assert pc["AccepterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"]


def test_the_forward_rule_is_shared_through_ram_and_associated_by_each_spoke_account(prod):
    result, emu = prod
    rules = {r.id: r for r in result.of_type("aws:route53/resolverRule:ResolverRule")}
    associations = result.of_type("aws:route53/resolverRuleAssociation:ResolverRuleAssociation")
    by_vpc = {a.inputs["vpcId"]: a for a in associations}
    for vpc in result.of_type(VPC):
        association = by_vpc[vpc.id]  # every VPC resolves the on-prem domain
        assert result.account_of(association) == result.account_of(vpc)
        rule = rules[association.inputs["resolverRuleId"]]
        if result.account_of(rule) != result.account_of(vpc):
            # Only possible through a RAM share naming this account (checked by the emulator).
            ram = emu.extra["ram"]
            shares = {s for s, arn in ram["resources"] if arn == rule.outputs["arn"]}
            assert {(s, result.account_of(vpc)) for s in shares} & ram["principals"]
    cross = [a for a in emu.extra["resolver_rule_associations"]]
    assert {a["account"] for a in cross} == {"444455556666"}


def test_the_private_zone_is_associated_with_every_vpc_across_accounts(prod):
    result, emu = prod
    zone = result.of_type("aws:route53/zone:Zone")[0]
    assert result.account_of(zone) == "111122223333"
    route53 = emu.context_for_account("111122223333", "eu-west-1").client("route53")
    associated = {v["VPCId"] for v in route53.get_hosted_zone(Id=zone.id)["VPCs"]}
    assert associated == {vpc.id for vpc in result.of_type(VPC)}
    for association in result.of_type("aws:route53/zoneAssociation:ZoneAssociation"):
        vpc = next(v for v in result.of_type(VPC) if v.id == association.inputs["vpcId"])
        assert result.account_of(association) == result.account_of(vpc)


def test_prods_pool_is_admin_only_the_local_cognito_refuses_sign_up_and_tokens_still_work(prod):
    """Cognito refuses SignUp on an admin-only pool; `python -m offline token` creates users as
    an administrator, so it still signs them in."""
    result, emu = prod
    pool_resource = result.of_type("aws:cognito/userPool:UserPool")[0]
    account, region = result.account_of(pool_resource), result.region_of(pool_resource)
    idp = emu.context_for_account(account, region).client("cognito-idp")
    described = idp.describe_user_pool(UserPoolId=pool_resource.id)["UserPool"]
    assert described["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    client_id = result.of_type("aws:cognito/userPoolClient:UserPoolClient")[0].id
    pool = UserPool(region, account, pool_resource.id, frozenset({client_id}), {"keys": []})
    endpoint = CognitoEndpoint(emu, [pool])
    body = {"ClientId": client_id, "Username": "eve@example.com", "Password": "Eve-Passw0rd-Long!"}
    response = endpoint.handle(
        "POST", {"x-amz-target": f"{TARGET_PREFIX}SignUp"}, json.dumps(body).encode()
    )
    assert response.status == 400
    assert json.loads(response.body) == {
        "__type": "NotAuthorizedException",
        "message": "SignUp is not permitted for this user pool",
    }
    assert endpoint.outbox == {}  # no confirmation mail "sent"
    tokens = sign_in(emu, pool, "ops")
    assert tokens["username"] == "ops@example.com" and tokens["idToken"]
