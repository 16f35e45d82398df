"""AWS default quotas in the emulator: each refused one past the quota with AWS's error, and
accepted once raised (offline/emulator/quotas.py). A quota counts what exists in moto, however it
was made: the quota is filled with plain boto3 calls (cheap), the last resource goes through the
program's mapping (the check under test)."""

from __future__ import annotations

import pytest

from offline.emulator import RESOURCES, EmulatorMocks, EmulatorRejected
from offline.emulator.registry import Ctx

ACCOUNT, REGION = "111122223333", "eu-west-1"


def create(ctx: Ctx, type_: str, name: str, **inputs) -> str:
    return RESOURCES[type_](ctx, name, inputs)[0]


def vpc(ctx: Ctx, i: int) -> str:
    return create(ctx, "aws:ec2/vpc:Vpc", f"v{i}", cidrBlock=f"10.{i}.0.0/16")


@pytest.fixture
def ctx(emulator: EmulatorMocks) -> Ctx:
    return emulator.context_for_account(ACCOUNT, REGION)


def test_the_fifth_vpc_of_a_region_is_refused_because_the_default_vpc_counts(emulator, ctx):
    assert len(ctx.client("ec2").describe_vpcs()["Vpcs"]) == 1  # moto's default VPC, as AWS's
    for i in range(4):
        vpc(ctx, i)
    with pytest.raises(EmulatorRejected, match=r"^VpcLimitExceeded: The maximum number of VPCs"):
        vpc(ctx, 4)
    other = emulator.context_for_account(ACCOUNT, "eu-central-1")
    vpc(other, 4)  # per region
    emulator.raise_quota(ACCOUNT, REGION, "vpcsPerRegion", 6)
    vpc(ctx, 4)


def test_the_sixth_elastic_ip_of_a_region_is_refused(emulator, ctx):
    for i in range(5):
        create(ctx, "aws:ec2/eip:Eip", f"e{i}", domain="vpc")
    with pytest.raises(EmulatorRejected, match=r"^AddressLimitExceeded: The maximum number of"):
        create(ctx, "aws:ec2/eip:Eip", "e5", domain="vpc")
    emulator.raise_quota(ACCOUNT, REGION, "eipsPerRegion", 6)
    create(ctx, "aws:ec2/eip:Eip", "e5", domain="vpc")


def test_the_51st_active_peering_of_a_vpc_is_refused(emulator, ctx):
    ec2 = ctx.client("ec2")
    hub, *peers = (ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in range(53))

    def peer(i: int) -> str:
        return create(
            ctx, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection", f"p{i}",
            vpcId=hub, peerVpcId=peers[i], autoAccept=True,
        )  # fmt: skip

    for i in range(50):
        pc = ec2.create_vpc_peering_connection(VpcId=hub, PeerVpcId=peers[i])
        ec2.accept_vpc_peering_connection(
            VpcPeeringConnectionId=pc["VpcPeeringConnection"]["VpcPeeringConnectionId"]
        )
    with pytest.raises(
        EmulatorRejected, match=r"^ActiveVpcPeeringConnectionPerVpcLimitExceeded: .*\(VPC vpc-"
    ):
        peer(50)
    emulator.raise_quota(ACCOUNT, REGION, "peeringsPerVpc", 51)
    peer(50)
    with pytest.raises(EmulatorRejected, match="ActiveVpcPeeringConnectionPerVpcLimitExceeded"):
        peer(51)


def test_the_21st_gateway_endpoint_of_a_region_is_refused(emulator, ctx):
    ec2 = ctx.client("ec2")
    vpcs = [ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in range(11)]

    def endpoint(vpc_id: str, service: str) -> str:
        return create(
            ctx, "aws:ec2/vpcEndpoint:VpcEndpoint", f"{vpc_id}-{service}", vpcId=vpc_id,
            serviceName=f"com.amazonaws.{REGION}.{service}", vpcEndpointType="Gateway",
        )  # fmt: skip

    for vpc_id in vpcs[:10]:
        for service in ("s3", "dynamodb"):
            ec2.create_vpc_endpoint(
                VpcId=vpc_id, ServiceName=f"com.amazonaws.{REGION}.{service}",
                VpcEndpointType="Gateway",
            )  # fmt: skip
    with pytest.raises(EmulatorRejected, match=r"^VpcEndpointLimitExceeded: .*gateway"):
        endpoint(vpcs[10], "s3")
    emulator.raise_quota(ACCOUNT, REGION, "gatewayEndpointsPerRegion", 21)
    endpoint(vpcs[10], "s3")


def test_the_51st_interface_endpoint_of_a_vpc_is_refused(emulator, ctx):
    vpc_id = vpc(ctx, 0)
    services = [
        s["ServiceName"]
        for s in ctx.client("ec2").describe_vpc_endpoint_services()["ServiceDetails"]
        if s["ServiceType"][0]["ServiceType"] == "Interface"
    ]
    assert len(services) > 51

    def endpoint(service: str) -> str:
        return create(
            ctx, "aws:ec2/vpcEndpoint:VpcEndpoint", service, vpcId=vpc_id, serviceName=service,
            vpcEndpointType="Interface",
        )  # fmt: skip

    for service in services[:50]:
        ctx.client("ec2").create_vpc_endpoint(
            VpcId=vpc_id, ServiceName=service, VpcEndpointType="Interface"
        )
    with pytest.raises(EmulatorRejected, match=r"^VpcEndpointLimitExceeded: .*interface"):
        endpoint(services[50])
    create(  # per VPC: another VPC has room
        ctx, "aws:ec2/vpcEndpoint:VpcEndpoint", "other", vpcId=vpc(ctx, 1),
        serviceName=services[50], vpcEndpointType="Interface",
    )  # fmt: skip
    emulator.raise_quota(ACCOUNT, REGION, "interfaceEndpointsPerVpc", 51)
    endpoint(services[50])


def _endpoint_network(ctx: Ctx) -> tuple[list[str], str]:
    vpc_id = vpc(ctx, 0)
    ec2 = ctx.client("ec2")
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=zones[i])[
            "Subnet"
        ]["SubnetId"]
        for i in range(2)
    ]
    sg = ec2.create_security_group(GroupName="dns", Description="dns", VpcId=vpc_id)["GroupId"]
    return subnets, sg


def resolver_endpoint(ctx: Ctx, name: str, subnets: list[str], sg: str, ips: int = 2) -> str:
    return create(
        ctx, "aws:route53/resolverEndpoint:ResolverEndpoint", name, direction="OUTBOUND",
        securityGroupIds=[sg],
        ipAddresses=[{"subnetId": subnets[i % 2]} for i in range(ips)],
    )  # fmt: skip


def test_the_fifth_resolver_endpoint_of_a_region_is_refused(emulator, ctx):
    subnets, sg = _endpoint_network(ctx)
    for i in range(4):
        resolver_endpoint(ctx, f"r{i}", subnets, sg)
    with pytest.raises(
        EmulatorRejected, match=r"^LimitExceededException: .*resolver endpoints in this Region"
    ):
        resolver_endpoint(ctx, "r4", subnets, sg)
    emulator.raise_quota(ACCOUNT, REGION, "resolverEndpointsPerRegion", 5)
    resolver_endpoint(ctx, "r4", subnets, sg)


def test_a_resolver_endpoint_takes_six_ips_at_most(emulator, ctx):
    subnets, sg = _endpoint_network(ctx)
    resolver_endpoint(ctx, "six", subnets, sg, ips=6)
    with pytest.raises(EmulatorRejected, match=r"^LimitExceededException: .*per resolver endpoint"):
        resolver_endpoint(ctx, "seven", subnets, sg, ips=7)


def _table_with_endpoints(ctx: Ctx) -> tuple[str, str, str]:
    """A VPC's route table holding the S3 and DynamoDB gateway endpoints' prefix-list routes,
    as the program builds every private table; (vpc id, table id, internet gateway id)."""
    ec2 = ctx.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    for service in ("s3", "dynamodb"):
        ec2.create_vpc_endpoint(
            VpcId=vpc_id, ServiceName=f"com.amazonaws.{REGION}.{service}",
            VpcEndpointType="Gateway", RouteTableIds=[table],
        )  # fmt: skip
    return vpc_id, table, igw


def route(ctx: Ctx, table: str, destination: str, igw: str, **more) -> str:
    inputs = {"routeTableId": table, "gatewayId": igw, "destinationCidrBlock": destination} | more
    return create(ctx, "aws:ec2/route:Route", destination, **inputs)


def test_the_501st_route_of_a_table_is_refused_counting_gateway_endpoint_routes(emulator, ctx):
    _, table, igw = _table_with_endpoints(ctx)  # 2 routes, weight 1 each; the local one is free
    ec2 = ctx.client("ec2")
    for i in range(498):
        ec2.create_route(
            RouteTableId=table, DestinationCidrBlock=f"172.16.{i // 4}.{i % 4 * 64}/26",
            GatewayId=igw,
        )  # fmt: skip
    with pytest.raises(
        EmulatorRejected, match=r"^RouteLimitExceeded: .*\(route table rtb-\w+: 500 in use"
    ):
        route(ctx, table, "192.168.0.0/16", igw)
    emulator.raise_quota(ACCOUNT, REGION, "routesPerRouteTable", 501)
    route(ctx, table, "192.168.0.0/16", igw)
    with pytest.raises(EmulatorRejected, match="RouteLimitExceeded"):
        route(ctx, table, "192.169.0.0/16", igw)


@pytest.mark.parametrize(
    ("destination", "why"),
    [
        ("10.0.0.0/16", "the VPC's own CIDR: the local route"),
        ("10.0.0.1/16", "the same network written with host bits"),
        ("prefix-list", "the S3 endpoint's prefix list"),
        ("172.16.0.0/12", "a route created before"),
    ],
)
def test_a_route_to_a_destination_the_table_already_routes_is_refused(ctx, destination, why):
    _, table, igw = _table_with_endpoints(ctx)
    route(ctx, table, "172.16.0.0/12", igw)
    if destination == "prefix-list":
        (s3,) = ctx.client("ec2").describe_prefix_lists(
            Filters=[{"Name": "prefix-list-name", "Values": [f"com.amazonaws.{REGION}.s3"]}]
        )["PrefixLists"]
        inputs = {"destinationCidrBlock": None, "destinationPrefixListId": s3["PrefixListId"]}
        with pytest.raises(EmulatorRejected, match=r"^RouteAlreadyExists: .* pl-"):
            route(ctx, table, "", igw, **inputs)
        return
    with pytest.raises(EmulatorRejected, match=r"^RouteAlreadyExists: The route identified by"):
        route(ctx, table, destination, igw)
