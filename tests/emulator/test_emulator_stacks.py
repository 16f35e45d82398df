"""Both stack files deployed into moto: every resource created, in the right account and region."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from offline.emulator import EmulatorMocks
from offline.mocks import PROVIDER_TYPE
from offline.runner import RunResult, run

PEERING = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
OPTIONS = "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions"
SUBNET = "aws:ec2/subnet:Subnet"
VPC = "aws:ec2/vpc:Vpc"


@pytest.fixture(scope="module", params=["dev", "prod"])
def deployed(request: pytest.FixtureRequest) -> Iterator[tuple[RunResult, EmulatorMocks]]:
    with EmulatorMocks() as emu:
        yield run(request.param, mocks=emu), emu


def test_every_resource_of_the_stack_file_is_created_in_the_emulator(deployed):
    result, emu = deployed
    custom = [r for r in result.resources if r.custom and r.type != PROVIDER_TYPE]
    created = {(c.type, c.name): c for c in emu.created}
    assert custom
    for r in custom:
        assert created[(r.type, r.name)].id == r.id
        assert created[(r.type, r.name)].account_id == result.account_of(r)
        assert created[(r.type, r.name)].region == result.region_of(r)


def test_stack_outputs_are_the_ids_moto_gave(deployed):
    result, emu = deployed
    hub_vpc_id = result.outputs["hub_vpc_id"]
    hub = next(c for c in emu.created if c.type == VPC and c.id == hub_vpc_id)
    ec2 = emu.context_for_account(hub.account_id, hub.region).client("ec2")
    vpcs = ec2.describe_vpcs(VpcIds=[hub_vpc_id])["Vpcs"]
    assert vpcs[0]["CidrBlock"] == result.outputs["hub_cidr"]


def test_subnets_sit_in_the_availability_zones_moto_reports_for_their_account(deployed):
    result, emu = deployed
    for subnet in result.of_type(SUBNET):
        ec2 = emu.context_for_account(result.account_of(subnet), result.region_of(subnet))
        found = ec2.client("ec2").describe_subnets(SubnetIds=[subnet.id])["Subnets"][0]
        assert found["AvailabilityZoneId"] == subnet.inputs["availabilityZoneId"]
        assert found["OwnerId"] == result.account_of(subnet)


def test_flow_logs_are_created_in_moto_with_their_role_and_log_group(deployed):
    result, emu = deployed
    for flow_log in result.of_type("aws:ec2/flowLog:FlowLog"):
        ctx = emu.context_for_account(result.account_of(flow_log), result.region_of(flow_log))
        found = ctx.client("ec2").describe_flow_logs(FlowLogIds=[flow_log.id])["FlowLogs"][0]
        assert found["ResourceId"] == flow_log.inputs["vpcId"]
        assert found["DeliverLogsPermissionArn"] == flow_log.inputs["iamRoleArn"]
    for group in result.of_type("aws:cloudwatch/logGroup:LogGroup"):
        ctx = emu.context_for_account(result.account_of(group), result.region_of(group))
        found = ctx.client("logs").describe_log_groups(logGroupNamePrefix=group.id)["logGroups"]
        assert found[0]["retentionInDays"] == int(group.inputs["retentionInDays"])
