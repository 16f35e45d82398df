"""Each real stack file through the real `__main__.py`: counts, providers, parents, stable URNs."""

from __future__ import annotations

import pytest

from components.visibility import VISIBLE_TYPE
from offline.mocks import PROVIDER_TYPE
from offline.runner import run

# The network core of each stack file, by type. A change here is a change in what `pulumi up`
# creates: review it as such. (Other components add their own types; they are not counted here.)
NETWORK_COUNTS = {
    "dev": {
        "aws:cloudwatch/logGroup:LogGroup": 3,
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": 3,
        "aws:ec2/flowLog:FlowLog": 3,
        "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions": 2,
        "aws:ec2/routeTable:RouteTable": 3,
        "aws:ec2/routeTableAssociation:RouteTableAssociation": 6,
        "aws:ec2/subnet:Subnet": 6,
        "aws:ec2/vpc:Vpc": 3,
        "aws:ec2/vpcEndpoint:VpcEndpoint": 6,
        "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": 2,
        "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": 0,
        "aws:ec2/natGateway:NatGateway": 0,
        "hubspoke:network:Peering": 2,
        "hubspoke:network:Vpc": 3,
        PROVIDER_TYPE: 1,
    },
    "prod": {  # transit gateway mode: segments apps (+onPrem), analytics, tools
        # Flow logs of the 4 VPCs, DNS query logs of the 2 regions (components/query_logs.py).
        "aws:cloudwatch/logGroup:LogGroup": 6,
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": 4,
        "aws:ec2/flowLog:FlowLog": 4,
        "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions": 0,
        "aws:ec2/route:Route": 8,  # hub 4, app 2, data 1, shared 1: the reachable CIDRs
        "aws:ec2/routeTable:RouteTable": 4,
        "aws:ec2/routeTableAssociation:RouteTableAssociation": 22,
        "aws:ec2/subnet:Subnet": 22,  # private and attachment subnet per AZ: 3+3+3+2 each
        "aws:ec2/vpc:Vpc": 4,
        "aws:ec2/vpcEndpoint:VpcEndpoint": 8,
        "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": 0,
        "aws:ec2/vpnGateway:VpnGateway": 0,
        "aws:ec2/natGateway:NatGateway": 0,
        "aws:ec2transitgateway/transitGateway:TransitGateway": 2,
        "aws:ec2transitgateway/routeTable:RouteTable": 7,
        "aws:ec2transitgateway/vpcAttachment:VpcAttachment": 4,
        "aws:ec2transitgateway/vpcAttachmentAccepter:VpcAttachmentAccepter": 3,
        # Waits until a share reaches an account: the gateway in workloads (eu-west-1) and
        # analytics (eu-central-1), the rule (workloads), rule groups and log configs (both).
        VISIBLE_TYPE: 7,
        "aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation": 7,
        # hub into 5 tables, app 3, shared 2, data 2 (its gateway), the VPN (BGP) 2
        "aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation": 14,
        "aws:ec2transitgateway/route:Route": 2,
        "aws:ec2transitgateway/peeringAttachment:PeeringAttachment": 1,
        "aws:ec2transitgateway/peeringAttachmentAccepter:PeeringAttachmentAccepter": 1,
        "hubspoke:network:Peering": 0,
        "hubspoke:network:TransitGateway": 1,
        "hubspoke:network:TransitAttachment": 4,
        "hubspoke:network:Vpc": 4,
        PROVIDER_TYPE: 4,
    },
}


@pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])
@pytest.mark.parametrize("stack_name", sorted(NETWORK_COUNTS))
def test_stack_registers_the_expected_network_resources(stack_name, preview, run_stack_file):
    result = run_stack_file(stack_name, preview=preview)
    app = {r.urn for r in result.of_type("hubspoke:app:ItemsApi")}
    counts: dict[str, int] = {}
    for r in result.resources:
        if r.parent not in app:  # the API's own log groups are counted in test_items_api.py
            counts[r.type] = counts.get(r.type, 0) + 1
    for type_, expected in NETWORK_COUNTS[stack_name].items():
        assert counts.get(type_, 0) == expected, type_
    # Exactly one peering route per route table on each side of each peering.
    hub = result.named("hubspoke:network:Vpc", "hub")
    hub_tables = sum(
        1 for r in result.children_of(hub) if r.type == "aws:ec2/routeTable:RouteTable"
    )
    peering_routes = [
        r for r in result.of_type("aws:ec2/route:Route") if "vpcPeeringConnectionId" in r.inputs
    ]
    spoke_tables = counts["aws:ec2/routeTable:RouteTable"] - hub_tables
    spokes = NETWORK_COUNTS[stack_name]["hubspoke:network:Peering"]
    if spokes:
        assert len(peering_routes) == hub_tables * spokes + spoke_tables
    else:  # transit gateway mode: no peering, every VPC route goes to a transit gateway
        assert not peering_routes
        assert all("transitGatewayId" in r.inputs for r in result.of_type("aws:ec2/route:Route"))


def test_stack_outputs_name_every_vpc_and_peering(stack):
    outputs = stack.outputs
    spokes = sorted(r.name for r in stack.of_type("hubspoke:network:Vpc") if r.name != "hub")
    assert outputs["hub_vpc_id"] == stack.named("aws:ec2/vpc:Vpc", "hub").id
    assert sorted(outputs["spoke_vpc_ids"]) == spokes
    assert sorted(outputs["spoke_cidrs"]) == spokes
    if stack.stack == "dev":  # peering mode
        assert sorted(outputs["peering_ids"]) == spokes
    else:  # transit gateway mode: a gateway in the hub's region and in each other spoke region
        assert sorted(outputs["transit_gateway_ids"]) == ["eu-central-1", "eu-west-1"]
        assert "peering_ids" not in outputs
    for name in spokes:
        vpc = stack.named("aws:ec2/vpc:Vpc", name)
        assert outputs["spoke_vpc_ids"][name] == vpc.id
        assert outputs["spoke_cidrs"][name] == vpc.inputs["cidrBlock"]


def test_every_aws_resource_uses_an_explicit_account_provider(stack_preview):
    providers = {r.urn: r for r in stack_preview.of_type(PROVIDER_TYPE)}
    assert providers and not [u for u in providers if "::default_" in u]
    for resource in stack_preview.resources:
        if resource.type.startswith("aws:"):
            assert resource.provider_urn in providers, resource.urn


def test_every_provider_is_pinned_to_its_account_and_assumes_its_role(prod):
    accounts = {
        "network": ("111122223333", "eu-west-1"),
        "workloads": ("444455556666", "eu-west-1"),
        "analytics-eu-central-1": ("777788889999", "eu-central-1"),
        # The transit gateway of the remote spoke's region belongs to the network account.
        "network-eu-central-1": ("111122223333", "eu-central-1"),
    }
    providers = {r.name: r for r in prod.of_type(PROVIDER_TYPE)}
    assert set(providers) == set(accounts)
    for name, (account_id, region) in accounts.items():
        inputs = providers[name].inputs
        assert inputs["region"] == region
        assert inputs["allowedAccountIds"] in ([account_id], f'["{account_id}"]')
        roles = inputs["assumeRoles"]
        roles = roles if isinstance(roles, list) else __import__("json").loads(roles)
        assert roles[0]["roleArn"] == f"arn:aws:iam::{account_id}:role/hubspoke-deploy-prod"
        assert roles[0]["sessionName"] == "hubspoke-prod"


def test_every_aws_resource_is_the_child_of_a_hubspoke_component(stack):
    components = {r.urn for r in stack.resources if r.type.startswith("hubspoke:")}
    for resource in stack.resources:
        if resource.type.startswith("aws:"):
            assert resource.parent in components, resource.urn


def test_spoke_resources_land_in_the_spokes_account_and_region(prod):
    expected = {
        "hub": ("111122223333", "eu-west-1"),
        "app": ("444455556666", "eu-west-1"),
        "data": ("777788889999", "eu-central-1"),
        "shared": ("444455556666", "eu-west-1"),
    }
    for name, (account, region) in expected.items():
        component = prod.named("hubspoke:network:Vpc", name)
        for child in prod.children_of(component):
            assert (prod.account_of(child), prod.region_of(child)) == (account, region), child.urn


@pytest.mark.parametrize("stack_name", ["dev", "prod"])
def test_two_runs_register_the_same_urns_and_inputs(stack_name, run_stack_file):
    # The shared run and one of this test's own: two runs in one process.
    first, second = run_stack_file(stack_name), run(stack_name)
    # Registration order is asynchronous; the set of URNs is what `pulumi preview` diffs.
    assert sorted(r.urn for r in first.resources) == sorted(r.urn for r in second.resources)
    assert len({r.urn for r in first.resources}) == len(first.resources)
    assert {r.urn: r.inputs for r in first.resources} == {r.urn: r.inputs for r in second.resources}


def test_adding_a_spoke_changes_no_existing_urn_or_input(config_of):
    cfg = config_of("prod")
    before = run("prod", config=cfg)
    extra = {"name": "extra", "account": "workloads", "cidr": "10.9.0.0/20", "segment": "apps"}
    cfg["hubspoke:spokes"].append(extra)
    after = {r.urn: r.inputs for r in run("prod", config=cfg).resources}
    for resource in before.resources:
        assert after.get(resource.urn) == resource.inputs, resource.urn


IMPORT_PROBE = """
import pkgutil, importlib, pulumi
import components
from offline.mocks import FakeAws, RecordingMonitor
monitor = RecordingMonitor(FakeAws())
pulumi.runtime.set_mocks(monitor.fake, project="hubspoke", stack="imports", monitor=monitor)
names = [m.name for m in pkgutil.walk_packages(components.__path__, "components.")]
pulumi.runtime.test(lambda: [importlib.import_module(n) for n in names] and None)()
print(len(names), len(monitor.registrations))
"""


def test_importing_the_components_registers_nothing():
    """Nothing is created at import time: only the composition root builds resources."""
    import subprocess
    import sys

    from offline.runner import ROOT

    done = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    modules, registered = map(int, done.stdout.split())
    assert modules >= 15  # every module of components/, api/ and validation/ was imported
    assert registered == 0
