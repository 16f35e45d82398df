"""Vpc: subnets inside their VPC across AZs, route tables, NAT strategies, endpoints, logs."""

from __future__ import annotations

import ipaddress
import itertools
import json

import pytest

from components.model import REGION_AZ_ID_PREFIXES
from offline.runner import RunResult, run

VPC = "hubspoke:network:Vpc"


def children(result: RunResult, vpc_name: str, type_: str):
    component = result.named(VPC, vpc_name)
    return [r for r in result.children_of(component) if r.type == type_]


def vpc_names(result: RunResult) -> list[str]:
    return [r.name for r in result.of_type(VPC)]


def test_every_subnet_is_inside_its_vpc_and_none_overlap(stack):
    for name in vpc_names(stack):
        vpc = children(stack, name, "aws:ec2/vpc:Vpc")[0]
        vpc_cidr = ipaddress.IPv4Network(vpc.inputs["cidrBlock"])
        subnets = [
            ipaddress.IPv4Network(s.inputs["cidrBlock"])
            for s in children(stack, name, "aws:ec2/subnet:Subnet")
        ]
        assert subnets, name
        assert all(s.subnet_of(vpc_cidr) for s in subnets), name
        for a, b in itertools.combinations(subnets, 2):
            assert not a.overlaps(b), (name, a, b)


def test_subnets_span_at_least_two_distinct_azs(stack):
    for name in vpc_names(stack):
        private = [
            s
            for s in children(stack, name, "aws:ec2/subnet:Subnet")
            if s.inputs["tags"]["tier"] == "private"
        ]
        zones = {s.inputs["availabilityZoneId"] for s in private}
        assert len(zones) == len(private) >= 2, name


def test_subnet_azs_are_in_the_vpcs_own_region(prod):
    for subnet in prod.of_type("aws:ec2/subnet:Subnet"):
        prefix = REGION_AZ_ID_PREFIXES[prod.region_of(subnet)]
        assert subnet.inputs["availabilityZoneId"].startswith(f"{prefix}-az")
        assert "availabilityZone" not in subnet.inputs  # by id only (the two are ForceNew)
    data_subnets = children(prod, "data", "aws:ec2/subnet:Subnet")
    assert {s.inputs["availabilityZoneId"] for s in data_subnets} == {
        "euc1-az1",
        "euc1-az2",
        "euc1-az3",
    }


def test_the_default_security_group_is_adopted_with_no_rules(stack):
    groups = stack.of_type("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert len(groups) == len(vpc_names(stack))
    for group in groups:
        assert not group.inputs.get("ingress")
        assert not group.inputs.get("egress")


def test_no_nat_means_no_public_subnet_internet_gateway_or_nat(stack):
    # Both stack files choose natGateways: none; gateway endpoints serve S3 and DynamoDB.
    assert not stack.of_type("aws:ec2/natGateway:NatGateway")
    assert not stack.of_type("aws:ec2/internetGateway:InternetGateway")
    assert not stack.of_type("aws:ec2/eip:Eip")
    # Private subnets, and in transit gateway mode (prod) the attachment subnets: none public.
    tiers = {s.inputs["tags"]["tier"] for s in stack.of_type("aws:ec2/subnet:Subnet")}
    assert tiers == ({"private", "transit"} if stack.stack == "prod" else {"private"})


def test_s3_and_dynamodb_gateway_endpoints_are_on_every_private_route_table(stack):
    for name in vpc_names(stack):
        tables = {r.id for r in children(stack, name, "aws:ec2/routeTable:RouteTable")}
        endpoints = children(stack, name, "aws:ec2/vpcEndpoint:VpcEndpoint")
        region = stack.region_of(endpoints[0])
        assert {e.inputs["serviceName"] for e in endpoints} == {
            f"com.amazonaws.{region}.s3",
            f"com.amazonaws.{region}.dynamodb",
        }
        for endpoint in endpoints:
            assert endpoint.inputs["vpcEndpointType"] == "Gateway"
            assert set(endpoint.inputs["routeTableIds"]) == tables


def test_flow_logs_go_to_a_log_group_with_retention_through_a_scoped_role(prod):
    for name in vpc_names(prod):
        (log_group,) = children(prod, name, "aws:cloudwatch/logGroup:LogGroup")
        (flow_log,) = children(prod, name, "aws:ec2/flowLog:FlowLog")
        (vpc,) = children(prod, name, "aws:ec2/vpc:Vpc")
        assert log_group.inputs["retentionInDays"] == 365
        assert log_group.inputs["name"] == f"/hubspoke/prod/vpc/{name}/flow-logs"
        assert flow_log.inputs["vpcId"] == vpc.id
        assert flow_log.inputs["logDestination"] == log_group.outputs["arn"]
        assert flow_log.inputs["trafficType"] == "ALL"
        (policy,) = children(prod, name, "aws:iam/rolePolicy:RolePolicy")
        writes, describe = json.loads(policy.inputs["policy"])["Statement"]
        arn = log_group.outputs["arn"]
        assert writes["Resource"] == [arn, f"{arn}:*"]
        assert "*" not in json.dumps(writes["Action"])
        # DescribeLogGroups cannot be scoped to one group: this account and region only.
        region, account = prod.region_of(vpc), prod.account_of(vpc)
        assert describe["Action"] == "logs:DescribeLogGroups"
        assert describe["Resource"].endswith(f":logs:{region}:{account}:log-group:*")
        (role,) = children(prod, name, "aws:iam/role:Role")
        (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
        assert trust["Condition"]["StringEquals"]["aws:SourceAccount"] == prod.account_of(vpc)


def with_hub_nat(config_of, strategy: str) -> RunResult:
    cfg = config_of("dev")
    cfg["hubspoke:hub"]["natGateways"] = strategy
    return run("dev", config=cfg)


def test_single_nat_puts_one_gateway_in_the_first_public_subnet(config_of):
    result = with_hub_nat(config_of, "single")
    (nat,) = children(result, "hub", "aws:ec2/natGateway:NatGateway")
    # Registration order is asynchronous: find the AZ-0 public subnet by its logical name.
    public = {
        s.name: s
        for s in children(result, "hub", "aws:ec2/subnet:Subnet")
        if s.inputs["tags"]["tier"] == "public"
    }
    assert sorted(public) == ["hub-public-0", "hub-public-1"]
    assert nat.inputs["subnetId"] == public["hub-public-0"].id
    (private_rt,) = [
        rt
        for rt in children(result, "hub", "aws:ec2/routeTable:RouteTable")
        if "private" in rt.name
    ]
    default_routes = [
        r
        for r in children(result, "hub", "aws:ec2/route:Route")
        if r.inputs["routeTableId"] == private_rt.id
        and r.inputs["destinationCidrBlock"] == "0.0.0.0/0"
    ]
    assert [r.inputs["natGatewayId"] for r in default_routes] == [nat.id]


def test_per_az_nat_gives_each_az_its_own_gateway_and_route_table(config_of):
    result = with_hub_nat(config_of, "perAz")
    # Registration order is asynchronous: pair gateways and tables by their logical names.
    nats = sorted(children(result, "hub", "aws:ec2/natGateway:NatGateway"), key=lambda r: r.name)
    assert len(nats) == 2
    subnets = {s.id: s for s in children(result, "hub", "aws:ec2/subnet:Subnet")}
    assert len({subnets[n.inputs["subnetId"]].inputs["availabilityZoneId"] for n in nats}) == 2
    tables = sorted(
        (
            rt
            for rt in children(result, "hub", "aws:ec2/routeTable:RouteTable")
            if "private" in rt.name
        ),
        key=lambda r: r.name,
    )
    assert len(tables) == 2
    routes = children(result, "hub", "aws:ec2/route:Route")
    for i, table in enumerate(tables):
        (default,) = [
            r
            for r in routes
            if r.inputs["routeTableId"] == table.id
            and r.inputs["destinationCidrBlock"] == "0.0.0.0/0"
        ]
        assert default.inputs["natGatewayId"] == nats[i].id
    # Each private subnet uses the route table of its own AZ.
    assoc = children(result, "hub", "aws:ec2/routeTableAssociation:RouteTableAssociation")
    private_ids = [
        s.id
        for s in sorted(subnets.values(), key=lambda r: r.name)
        if s.inputs["tags"]["tier"] == "private"
    ]
    pairs = {a.inputs["subnetId"]: a.inputs["routeTableId"] for a in assoc}
    assert [pairs[s] for s in private_ids] == [t.id for t in tables]


def test_public_subnets_do_not_hand_out_public_ips(config_of):
    result = with_hub_nat(config_of, "single")
    assert all(
        s.inputs["mapPublicIpOnLaunch"] is False for s in result.of_type("aws:ec2/subnet:Subnet")
    )


def test_turning_nat_on_keeps_every_private_subnet_cidr(config_of):
    before = with_hub_nat(config_of, "none")
    after = with_hub_nat(config_of, "perAz")

    def private(result):
        return {
            s.urn: s.inputs["cidrBlock"]
            for s in result.of_type("aws:ec2/subnet:Subnet")
            if s.inputs["tags"]["tier"] == "private"
        }

    assert private(before) == private(after)


@pytest.mark.parametrize("cidr", ["10.20.0.0/16", "10.20.0.0/20", "10.20.0.0/24"])
def test_vpcs_from_16_to_24_build_with_the_regions_az_count(config_of, cidr):
    cfg = config_of("dev")
    cfg["hubspoke:spokes"][1].update({"cidr": cidr, "azCount": 3})
    result = run("dev", config=cfg)
    assert len(children(result, "data", "aws:ec2/subnet:Subnet")) == 3
