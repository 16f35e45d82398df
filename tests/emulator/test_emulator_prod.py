"""Pulumi.prod.yaml in the emulator: three accounts, two regions, peerings accepted by spokes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from offline.emulator import EmulatorMocks
from offline.runner import RunResult, run

ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
OPTIONS = "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions"
VPC = "aws:ec2/vpc:Vpc"


@pytest.fixture(scope="module")
def prod() -> Iterator[tuple[RunResult, EmulatorMocks]]:
    with EmulatorMocks() as emu:
        yield run("prod", mocks=emu), emu


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
