"""Subnet layout: which CIDR each subnet gets, from the VPC CIDR alone.

The layout is pinned (tests/test_layout.py) because a subnet whose CIDR changes is replaced, and
every ENI in it with it. It does not depend on the AZ count or the NAT strategy, so adding an AZ or
turning NAT on adds subnets and moves none:

    the VPC is cut into 16 equal slots (VPC prefix + 4)
    slots 0..7   private subnet of AZ 0..7   (workloads, Lambda ENIs, resolver endpoints)
    slots 8..15  public subnet of AZ 0..7    (only created when NAT needs it)

A /16 gives /20 subnets (4,091 usable addresses each), a /24 gives /28 (11 usable), the smallest AWS
allows; so any VPC from /16 to /24 works with any AZ count up to 8.

Transit gateway mode adds one small attachment subnet per AZ (AWS recommends a dedicated /28 per
AZ for transit gateway attachments, Transit Gateway design best practices). They are the /28s of
slot 15, the public slot of AZ 7, which no VPC of 7 AZs or fewer uses, so turning the mode on moves
no subnet:

    slot 15 -> /28 number 0..6   attachment subnet of AZ 0..6 (transit gateway mode, azCount <= 7)

A /21 or larger holds 7 of them; a /22 holds 4, a /23 2, a /24 none (its slot is one /28).
"""

from __future__ import annotations

import ipaddress
import itertools
from typing import Literal

Tier = Literal["private", "public"]
TRANSIT_SLOT = 15
TRANSIT_PREFIX = 28
MAX_TRANSIT_AZ_COUNT = 7
TIERS: tuple[Tier, ...] = ("private", "public")
SLOT_BITS = 4  # 16 slots
SLOTS_PER_TIER = 8
SMALLEST_SUBNET_PREFIX = 28  # AWS: a subnet is /16 to /28


def subnet_cidr(
    vpc_cidr: ipaddress.IPv4Network, tier: Tier, az_index: int
) -> ipaddress.IPv4Network:
    """The CIDR of the `tier` subnet in the AZ at `az_index` (0-based)."""
    if not 0 <= az_index < SLOTS_PER_TIER:
        raise ValueError(f"az_index {az_index} is outside 0..{SLOTS_PER_TIER - 1}")
    prefix = vpc_cidr.prefixlen + SLOT_BITS
    if prefix > SMALLEST_SUBNET_PREFIX:
        raise ValueError(f"{vpc_cidr} is too small for the subnet layout (needs /24 or larger)")
    slot = TIERS.index(tier) * SLOTS_PER_TIER + az_index
    size = 2 ** (32 - prefix)
    return ipaddress.IPv4Network((int(vpc_cidr.network_address) + slot * size, prefix))


def layout_problem(vpc_cidr: ipaddress.IPv4Network, az_count: int) -> str | None:
    """Why this VPC cannot hold the layout, or None. Used by config validation."""
    if vpc_cidr.prefixlen + SLOT_BITS > SMALLEST_SUBNET_PREFIX:
        largest = SMALLEST_SUBNET_PREFIX - SLOT_BITS
        return (
            f"is too small for the subnet layout: it needs /{largest} or larger "
            f"(16 subnet slots of at least /{SMALLEST_SUBNET_PREFIX})"
        )
    if az_count > SLOTS_PER_TIER:
        return f"cannot hold {az_count} AZs (the layout has {SLOTS_PER_TIER} slots per tier)"
    return None


def transit_subnet_cidr(vpc_cidr: ipaddress.IPv4Network, az_index: int) -> ipaddress.IPv4Network:
    """The transit gateway attachment subnet of the AZ at `az_index`: a /28 of slot 15."""
    problem = transit_layout_problem(vpc_cidr, az_index + 1)
    if problem:
        raise ValueError(f"{vpc_cidr} {problem}")
    slot = subnet_cidr(vpc_cidr, "public", TRANSIT_SLOT - SLOTS_PER_TIER)
    return next(itertools.islice(slot.subnets(new_prefix=TRANSIT_PREFIX), az_index, None))


def transit_layout_problem(vpc_cidr: ipaddress.IPv4Network, az_count: int) -> str | None:
    """Why this VPC cannot hold attachment subnets in `az_count` AZs, or None."""
    if az_count > MAX_TRANSIT_AZ_COUNT:
        return (
            f"cannot hold {az_count} AZs in transit gateway mode (at most {MAX_TRANSIT_AZ_COUNT}: "
            "the attachment subnets use the slot of the 8th AZ's public subnet)"
        )
    slot_prefix = vpc_cidr.prefixlen + SLOT_BITS
    room = 2 ** (TRANSIT_PREFIX - slot_prefix) if slot_prefix <= TRANSIT_PREFIX else 0
    if room < az_count:
        return (
            f"is too small for {az_count} transit gateway attachment subnets (/{TRANSIT_PREFIX} "
            f"each, carved from a /{slot_prefix} slot that holds {room}); use a larger VPC"
        )
    return None
