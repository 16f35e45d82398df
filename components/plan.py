"""The network plan: every address the stack uses, computed from the validated config alone.

Pure (no Pulumi, no AWS), so it is tested on its own and components pass its values to each other
instead of reading each other's constructor arguments: a VPC's CIDR, its subnet CIDRs per tier and
AZ, its route-table keys, and the pinned Route 53 Resolver endpoint addresses.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from components.layout import subnet_cidr
from components.model import NatStrategy, StackConfig, VpcConfig

# Endpoint IPs are pinned to a fixed host of each private subnet, so on-prem conditional
# forwarders and firewalls can be configured once: a replaced endpoint comes back on the same
# addresses. AWS reserves hosts 0-3 and the last one of every subnet; 10 and 11 fit even a /28.
INBOUND_HOST = 10
OUTBOUND_HOST = 11
# A relay endpoint in a remote-region spoke only passes queries on: two IPs are the minimum AWS
# allows (RSLVR-00400) and each costs per hour.
RELAY_IP_COUNT = 2


@dataclass(frozen=True)
class VpcPlan:
    """One VPC's addresses and route-table keys."""

    name: str
    cidr: ipaddress.IPv4Network
    az_count: int
    nat_gateways: NatStrategy
    private_subnets: tuple[ipaddress.IPv4Network, ...]  # one per AZ, in AZ order
    public_subnets: tuple[ipaddress.IPv4Network, ...]  # one per AZ where NAT needs them, else ()
    # Every route table, private ones first: `private` (or `private-<az>` with a NAT per AZ), then
    # `public` when there are public subnets. Routes to peers go in all of them, in this order.
    route_table_keys: tuple[str, ...]

    def endpoint_ips(self, host: int, count: int | None = None) -> tuple[str, ...]:
        """The pinned address `host` of the private subnet of each of the first `count` AZs."""
        subnets = self.private_subnets[: self.az_count if count is None else count]
        return tuple(str(subnet.network_address + host) for subnet in subnets)


@dataclass(frozen=True)
class NetworkPlan:
    """The hub, the spokes by name, and the resolver addresses pinned in them."""

    hub: VpcPlan
    spokes: Mapping[str, VpcPlan]
    inbound_ips: tuple[str, ...]  # the hub's inbound endpoint: what on-prem forwarders target
    outbound_ips: tuple[str, ...]  # the hub's outbound endpoint: where queries to on-prem leave
    relay_ips: Mapping[str, tuple[str, ...]]  # per spoke outside the hub's region


def plan_vpc(vpc: VpcConfig) -> VpcPlan:
    """The plan of one VPC: subnets from the pinned layout, route tables from the NAT strategy."""
    azs = range(vpc.az_count)
    has_public = vpc.nat_gateways != "none"
    private_keys = (
        tuple(f"private-{i}" for i in azs) if vpc.nat_gateways == "perAz" else ("private",)
    )
    return VpcPlan(
        name=vpc.name,
        cidr=vpc.cidr,
        az_count=vpc.az_count,
        nat_gateways=vpc.nat_gateways,
        private_subnets=tuple(subnet_cidr(vpc.cidr, "private", i) for i in azs),
        public_subnets=tuple(subnet_cidr(vpc.cidr, "public", i) for i in azs) if has_public else (),
        route_table_keys=(*private_keys, *(("public",) if has_public else ())),
    )


def plan_network(cfg: StackConfig) -> NetworkPlan:
    """The plan of the whole stack."""
    hub = plan_vpc(cfg.hub)
    spokes = {spoke.name: plan_vpc(spoke) for spoke in cfg.spokes}
    return NetworkPlan(
        hub=hub,
        spokes=spokes,
        inbound_ips=hub.endpoint_ips(INBOUND_HOST),
        outbound_ips=hub.endpoint_ips(OUTBOUND_HOST),
        relay_ips={
            s.name: spokes[s.name].endpoint_ips(OUTBOUND_HOST, RELAY_IP_COUNT)
            for s in cfg.spokes
            if s.region != cfg.hub.region
        },
    )
