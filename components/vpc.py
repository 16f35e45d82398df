"""Vpc: a VPC with private (and, where NAT needs them, public) subnets across AZs.

Reads in the order AWS builds: VPC -> subnets -> route tables -> NAT -> endpoints -> flow logs.
Workloads reach S3 and DynamoDB through free gateway endpoints, so the default is no NAT at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam import role_settings, service_trust_policy
from components.model import GATEWAY_ENDPOINT_SERVICES, NaclRule
from components.naming import holds_fixed_name, log_group_name, resource_tags
from components.network_acls import protocol_number
from components.plan import VpcPlan

COMPONENT = "vpc"


@dataclass(frozen=True)
class VpcArgs:
    """What a Vpc is made from: its plan (addresses) and where it lives, all from config."""

    plan: VpcPlan
    region: str
    account_key: str
    account_id: str
    environment: str
    log_retention_days: int
    provider: aws.Provider
    # The account and region's log key (components/log_key.py): the flow logs are encrypted.
    log_key_arn: pulumi.Input[str]
    # The account's role (None: ambient credentials), for calls made outside the provider
    # (components/visibility.py).
    role_arn: str | None = None
    # Tier ("private", "public") -> its ACL rules (components/network_acls.py); None keeps the
    # VPC's default ACL, which allows everything.
    network_acls: Mapping[str, Sequence[NaclRule]] | None = None


@dataclass(frozen=True)
class VpcRef:
    """What other components use of a VPC: its plan, the ids AWS gives it, and who owns it."""

    plan: VpcPlan
    vpc_id: pulumi.Output[str]
    private_subnet_ids: Sequence[pulumi.Output[str]]
    transit_subnet_ids: Sequence[pulumi.Output[str]]  # transit gateway mode, else empty
    # Every route table, in plan.route_table_keys order.
    route_table_ids: Sequence[pulumi.Output[str]]
    account_key: str
    account_id: str
    region: str
    provider: aws.Provider
    role_arn: str | None = None


def default_zone_ids(zone_ids: Sequence[str], count: int, region: str) -> list[str]:
    """The first `count` AZ ids of the region by id number: the default placement without `azIds`.

    The lookup asks for every standard AZ whatever its state (no `state=available` filter): an
    impaired or unavailable zone stays in the list, so no index shifts and no subnet is replaced
    when a zone's health changes (a subnet in an impaired zone is better than every later subnet
    replaced). Sorted by id, not name: names are mapped per account in the older regions, ids are
    the same physical zone in every account, so VPCs of different accounts land in the same zones.
    """
    ordered = sorted(set(zone_ids), key=_az_number)
    if len(ordered) < count:
        raise ValueError(
            f"the account offers {len(ordered)} availability zones in {region}; azCount asks for "
            f"{count}"
        )
    return ordered[:count]


def _az_number(zone_id: str) -> int:
    digits = zone_id.rsplit("-az", 1)[-1]
    return int(digits) if digits.isdigit() else 0


class Vpc(pulumi.ComponentResource):
    """A VPC in one account and region: subnets by tier, route tables, endpoints, flow logs."""

    vpc_id: pulumi.Output[str]
    cidr_block: pulumi.Output[str]
    private_subnet_ids: list[pulumi.Output[str]]
    public_subnet_ids: list[pulumi.Output[str]]
    private_route_table_ids: list[pulumi.Output[str]]
    public_route_table_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, args: VpcArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("hubspoke:network:Vpc", name, None, opts)
        self.args = args
        plan = args.plan
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)

        def tags(suffix: str = "") -> dict[str, str]:
            return dict(resource_tags(COMPONENT, name + suffix, args.environment))

        self.vpc = aws.ec2.Vpc(
            name,
            cidr_block=str(plan.cidr),
            enable_dns_support=True,  # both needed for Resolver and private hosted zones
            enable_dns_hostnames=True,
            tags=tags(),
            opts=child,
        )
        # Adopting the default security group removes all its rules: nothing can use it by accident.
        self.default_security_group = aws.ec2.DefaultSecurityGroup(
            f"{name}-default", vpc_id=self.vpc.id, tags=tags("-default"), opts=child
        )

        if plan.subnet_az_ids:
            self.availability_zone_ids: list[pulumi.Input[str]] = [
                plan.subnet_az_ids[f"private-{i}"] for i in range(plan.az_count)
            ]
        else:
            # Standard AZs only: Local Zones and Wavelength Zones have other zone types and an
            # opt-in status other than opt-in-not-required (EC2 DescribeAvailabilityZones).
            zone_ids = aws.get_availability_zones_output(
                filters=[
                    {"name": "opt-in-status", "values": ["opt-in-not-required"]},
                    {"name": "zone-type", "values": ["availability-zone"]},
                ],
                opts=pulumi.InvokeOutputOptions(parent=self, provider=args.provider),
            ).zone_ids
            chosen = zone_ids.apply(lambda ids: default_zone_ids(ids, plan.az_count, args.region))
            self.availability_zone_ids = [chosen[i] for i in range(plan.az_count)]

        self.private_subnets = [
            self._subnet(name, "private", i, cidr, self.availability_zone_ids[i], tags, child)
            for i, cidr in enumerate(plan.private_subnets)
        ]
        self.public_subnets: list[aws.ec2.Subnet] = []
        self.public_route_tables: list[aws.ec2.RouteTable] = []
        nat_gateways: list[aws.ec2.NatGateway] = []
        if plan.public_subnets:
            self.public_subnets = [
                self._subnet(name, "public", i, cidr, self.availability_zone_ids[i], tags, child)
                for i, cidr in enumerate(plan.public_subnets)
            ]
            igw = aws.ec2.InternetGateway(
                f"{name}-igw", vpc_id=self.vpc.id, tags=tags("-igw"), opts=child
            )
            public_rt = aws.ec2.RouteTable(
                f"{name}-public", vpc_id=self.vpc.id, tags=tags("-public"), opts=child
            )
            aws.ec2.Route(
                f"{name}-public-default",
                route_table_id=public_rt.id,
                destination_cidr_block="0.0.0.0/0",
                gateway_id=igw.id,
                opts=child,
            )
            self.public_route_tables = [public_rt]
            for i, subnet in enumerate(self.public_subnets):
                aws.ec2.RouteTableAssociation(
                    f"{name}-public-{i}",
                    subnet_id=subnet.id,
                    route_table_id=public_rt.id,
                    opts=child,
                )
            nat_count = 1 if plan.nat_gateways == "single" else plan.az_count
            for i in range(nat_count):
                eip = aws.ec2.Eip(
                    f"{name}-nat-{i}", domain="vpc", tags=tags(f"-nat-{i}"), opts=child
                )
                nat_gateways.append(
                    aws.ec2.NatGateway(
                        f"{name}-nat-{i}",
                        allocation_id=eip.id,
                        subnet_id=self.public_subnets[i].id,
                        tags=tags(f"-nat-{i}"),
                        opts=pulumi.ResourceOptions.merge(
                            child, pulumi.ResourceOptions(depends_on=[igw])
                        ),
                    )
                )

        # One private route table, or one per AZ when each AZ has its own NAT gateway.
        per_az = plan.nat_gateways == "perAz"
        rt_names = [f"{name}-{key}" for key in plan.route_table_keys if key != "public"]
        self.private_route_tables = [
            aws.ec2.RouteTable(rt, vpc_id=self.vpc.id, tags=tags(rt[len(name) :]), opts=child)
            for rt in rt_names
        ]
        for i, rt in enumerate(self.private_route_tables):
            if nat_gateways:
                aws.ec2.Route(
                    f"{rt_names[i]}-default",
                    route_table_id=rt.id,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=nat_gateways[min(i, len(nat_gateways) - 1)].id,
                    opts=child,
                )
        for i, subnet in enumerate(self.private_subnets):
            rt = self.private_route_tables[i if per_az else 0]
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{i}", subnet_id=subnet.id, route_table_id=rt.id, opts=child
            )
        # Transit gateway mode: a small subnet per AZ for the attachment's ENIs only, routed like
        # the private subnets of its AZ (AWS recommends dedicated /28 attachment subnets, so the
        # attachment and the workloads can get different NACLs and route tables later).
        self.transit_subnets = [
            self._subnet(name, "transit", i, cidr, self.availability_zone_ids[i], tags, child)
            for i, cidr in enumerate(plan.transit_subnets)
        ]
        for i, subnet in enumerate(self.transit_subnets):
            rt = self.private_route_tables[i if per_az else 0]
            aws.ec2.RouteTableAssociation(
                f"{name}-transit-{i}", subnet_id=subnet.id, route_table_id=rt.id, opts=child
            )

        self.network_acls = self._network_acls(name, tags, child)

        # Gateway endpoints cost nothing and keep S3/DynamoDB traffic off NAT and the internet.
        self.gateway_endpoints = {
            service: aws.ec2.VpcEndpoint(
                f"{name}-{service}",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{args.region}.{service}",
                vpc_endpoint_type="Gateway",
                route_table_ids=[rt.id for rt in self.private_route_tables],
                tags=tags(f"-{service}"),
                opts=child,
            )
            for service in GATEWAY_ENDPOINT_SERVICES
        }

        self.flow_log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=log_group_name(args.environment, "vpc", name, "flow-logs"),
            retention_in_days=args.log_retention_days,
            kms_key_id=args.log_key_arn,
            tags=tags("-flow-logs"),
            opts=holds_fixed_name(child),
        )
        flow_role = aws.iam.Role(
            f"{name}-flow-logs",
            assume_role_policy=json.dumps(
                service_trust_policy("vpc-flow-logs.amazonaws.com", source_account=args.account_id)
            ),
            tags=tags("-flow-logs"),
            **role_settings(args.account_id, args.environment),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs",
            role=flow_role.id,
            policy=self.flow_log_group.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": [
                                    "logs:CreateLogStream",
                                    "logs:PutLogEvents",
                                    "logs:DescribeLogStreams",
                                ],
                                "Resource": [arn, f"{arn}:*"],
                            },
                            {
                                # The flow logs role in the VPC user guide also lists
                                # DescribeLogGroups, which cannot be scoped to one group: this
                                # account and region's groups only.
                                "Effect": "Allow",
                                "Action": "logs:DescribeLogGroups",
                                "Resource": arn.split(":log-group:")[0] + ":log-group:*",
                            },
                        ],
                    }
                )
            ),
            opts=child,
        )
        self.flow_log = aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=self.flow_log_group.arn,
            iam_role_arn=flow_role.arn,
            max_aggregation_interval=600,  # the cheaper interval; 60 s costs more records
            tags=tags("-flow-log"),
            opts=child,
        )

        self.vpc_id = self.vpc.id
        self.cidr_block = self.vpc.cidr_block
        self.private_subnet_ids = [s.id for s in self.private_subnets]
        self.public_subnet_ids = [s.id for s in self.public_subnets]
        self.private_route_table_ids = [rt.id for rt in self.private_route_tables]
        self.public_route_table_ids = [rt.id for rt in self.public_route_tables]
        self.ref = VpcRef(
            plan=plan,
            vpc_id=self.vpc_id,
            private_subnet_ids=self.private_subnet_ids,
            transit_subnet_ids=[s.id for s in self.transit_subnets],
            route_table_ids=[rt.id for rt in self.route_tables],
            account_key=args.account_key,
            account_id=args.account_id,
            region=args.region,
            provider=args.provider,
            role_arn=args.role_arn,
        )
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "cidr_block": self.cidr_block,
                "private_subnet_ids": self.private_subnet_ids,
                "public_subnet_ids": self.public_subnet_ids,
                "private_route_table_ids": self.private_route_table_ids,
                "public_route_table_ids": self.public_route_table_ids,
            }
        )

    @property
    def route_tables(self) -> list[aws.ec2.RouteTable]:
        """Every route table of the VPC: a peer's routes go in all of them."""
        return [*self.private_route_tables, *self.public_route_tables]

    def _network_acls(self, name, tags, child) -> dict[str, aws.ec2.NetworkAcl]:
        """One stateless ACL per tier that has subnets, with its rules as separate resources
        (never the ACL's inline `ingress`/`egress` mixed with NetworkAclRule)."""
        acls: dict[str, aws.ec2.NetworkAcl] = {}
        tiers = {"private": self.private_subnets, "public": self.public_subnets}
        for tier, rules in (self.args.network_acls or {}).items():
            if not tiers[tier]:
                continue
            acl = aws.ec2.NetworkAcl(
                f"{name}-{tier}",
                vpc_id=self.vpc.id,
                subnet_ids=[s.id for s in tiers[tier]],
                tags=tags(f"-{tier}-acl"),
                opts=child,
            )
            for rule in rules:
                direction = "out" if rule.egress else "in"
                ports = {}
                if rule.protocol in ("tcp", "udp"):
                    ports = {"from_port": rule.from_port, "to_port": rule.to_port}
                aws.ec2.NetworkAclRule(
                    f"{name}-{tier}-{direction}-{rule.rule}",
                    network_acl_id=acl.id,
                    rule_number=rule.rule,
                    egress=rule.egress,
                    protocol=protocol_number(rule.protocol),
                    rule_action=rule.action,
                    cidr_block=str(rule.cidr),
                    **ports,
                    # The rule number is unique per ACL and direction: a replacement would ask
                    # for the number the old rule still holds.
                    opts=holds_fixed_name(child),
                )
            acls[tier] = acl
        return acls

    def _subnet(self, name, tier, index, cidr, az_id, tags, child) -> aws.ec2.Subnet:
        az_id = self.args.plan.subnet_az_ids.get(f"{tier}-{index}", az_id)
        return aws.ec2.Subnet(
            f"{name}-{tier}-{index}",
            vpc_id=self.vpc.id,
            cidr_block=str(cidr),
            # By id: the same physical zone in every account (a RAM-shared subnet or a peer in
            # another account is in the zone its id says), unlike a name.
            availability_zone_id=az_id,
            map_public_ip_on_launch=False,
            tags={**tags(f"-{tier}-{index}"), "tier": tier},
            # A subnet's CIDR is exclusive in its VPC (InvalidSubnet.Conflict): a new AZ replaces
            # it with the same CIDR, so the old one goes first.
            opts=holds_fixed_name(child),
        )
