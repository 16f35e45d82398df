"""Both stack files deployed into one emulator, as into the same accounts: every resource created,
in the right account and region, and together they fit AWS's default quotas (dev's sandbox and
prod's network account are one account in the example files)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from offline.deploy import deploy
from offline.emulator import RESOURCES, EmulatorMocks, EmulatorRejected
from offline.mocks import PROVIDER_TYPE
from offline.runner import ROOT, RunResult

PEERING = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
OPTIONS = "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions"
SUBNET = "aws:ec2/subnet:Subnet"
VPC = "aws:ec2/vpc:Vpc"


@pytest.fixture(scope="module")
def both() -> Iterator[tuple[dict[str, RunResult], EmulatorMocks]]:
    """dev, then prod, deployed into one emulator (`offline deploy` of each, in turn)."""
    with EmulatorMocks() as emu:
        yield {stack: deploy(stack, emu) for stack in ("dev", "prod")}, emu


@pytest.fixture(params=["dev", "prod"])
def deployed(request, both) -> tuple[RunResult, EmulatorMocks]:
    results, emu = both
    return results[request.param], emu


def test_every_resource_of_the_stack_file_is_created_in_the_emulator(deployed):
    result, emu = deployed
    custom = [r for r in result.resources if r.custom and r.type != PROVIDER_TYPE]
    # Both stacks are in the emulator: an id such as "<role>-<policy>" can repeat across them.
    created = {(c.type, c.name, c.id, c.account_id, c.region) for c in emu.created}
    assert custom
    for r in custom:
        assert (r.type, r.name, r.id, result.account_of(r), result.region_of(r)) in created, r.urn


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


def test_dev_and_prod_fill_the_shared_account_to_its_vpc_quota_and_no_further(both):
    """dev's three VPCs, prod's hub and the default VPC: 5, AWS's default quota."""
    _, emu = both
    ctx = emu.context_for_account("111122223333", "eu-west-1")
    vpcs = ctx.client("ec2").describe_vpcs()["Vpcs"]
    assert len(vpcs) == 5 and sum(v["IsDefault"] for v in vpcs) == 1
    with pytest.raises(EmulatorRejected, match=r"^VpcLimitExceeded: The maximum number of VPCs"):
        RESOURCES[VPC](ctx, "one-more", {"cidrBlock": "10.99.0.0/16"})


def test_a_quota_the_stack_declares_is_raised_by_deploy(both, tmp_path, monkeypatch):
    """Last in this module: it adds a VPC to the shared account. `deploy` raises the declared
    quotas before it runs the program (the run itself is dev's, already deployed: skipped)."""
    _, emu = both
    text = (ROOT / "Pulumi.dev.yaml").read_text()
    declared = tmp_path / "Pulumi.raised.yaml"
    quotas = "config:\n  hubspoke:quotas: {vpcsPerRegion: 6}\n"
    declared.write_text(text.replace("config:\n", quotas, 1))
    monkeypatch.setattr("offline.deploy.run", lambda *args, **kwargs: None)
    deploy(str(declared), emu)
    assert emu.quotas[("111122223333", "eu-west-1", "vpcsPerRegion")] == 6
    ctx = emu.context_for_account("111122223333", "eu-west-1")
    RESOURCES[VPC](ctx, "one-more", {"cidrBlock": "10.99.0.0/16"})
