"""The subnet layout is pinned: a changed CIDR replaces a subnet and every ENI in it."""

from __future__ import annotations

import ipaddress
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.layout import TIERS, layout_problem, subnet_cidr, transit_subnet_cidr

# The layout as released. Changing any line here means every deployed subnet would be replaced.
PINNED = {
    ("10.0.0.0/16", "private", 0): "10.0.0.0/20",
    ("10.0.0.0/16", "private", 1): "10.0.16.0/20",
    ("10.0.0.0/16", "private", 2): "10.0.32.0/20",
    ("10.0.0.0/16", "private", 7): "10.0.112.0/20",
    ("10.0.0.0/16", "public", 0): "10.0.128.0/20",
    ("10.0.0.0/16", "public", 2): "10.0.160.0/20",
    ("10.3.0.0/20", "private", 1): "10.3.1.0/24",
    ("10.3.0.0/20", "public", 0): "10.3.8.0/24",
    ("192.168.4.0/24", "private", 0): "192.168.4.0/28",
    ("192.168.4.0/24", "private", 5): "192.168.4.80/28",
    ("192.168.4.0/24", "public", 7): "192.168.4.240/28",
}


@pytest.mark.parametrize(("key", "expected"), PINNED.items(), ids=[str(k) for k in PINNED])
def test_layout_is_pinned(key, expected):
    vpc, tier, az = key
    assert str(subnet_cidr(ipaddress.IPv4Network(vpc), tier, az)) == expected


@pytest.mark.parametrize("prefix", range(16, 25))
def test_every_vpc_from_16_to_24_holds_8_azs_of_each_tier_without_overlap(prefix):
    vpc = ipaddress.IPv4Network(f"10.0.0.0/{prefix}")
    assert layout_problem(vpc, 8) is None
    subnets = [subnet_cidr(vpc, tier, az) for tier, az in itertools.product(TIERS, range(8))]
    assert all(s.subnet_of(vpc) for s in subnets)
    assert all(s.prefixlen <= 28 for s in subnets)
    for a, b in itertools.combinations(subnets, 2):
        assert not a.overlaps(b), (a, b)


@pytest.mark.parametrize("prefix", range(25, 29))
def test_vpcs_smaller_than_24_are_refused_with_a_reason(prefix):
    vpc = ipaddress.IPv4Network(f"10.0.0.0/{prefix}")
    assert "needs /24 or larger" in layout_problem(vpc, 2)
    with pytest.raises(ValueError, match="too small"):
        subnet_cidr(vpc, "private", 0)


@given(
    network=st.integers(min_value=0, max_value=2**24 - 1),
    prefix=st.integers(min_value=16, max_value=24),
    tier=st.sampled_from(TIERS),
    az=st.integers(min_value=0, max_value=7),
    more_azs=st.integers(min_value=0, max_value=7),
)
def test_adding_azs_never_moves_an_existing_subnet(network, prefix, tier, az, more_azs):
    vpc = ipaddress.IPv4Network((ipaddress.IPv4Address("10.0.0.0") + network, prefix), strict=False)
    before = subnet_cidr(vpc, tier, az)
    # The answer depends on (vpc, tier, az) alone: asking about other AZs changes nothing.
    for other in range(more_azs + 1):
        subnet_cidr(vpc, tier, other)
    assert subnet_cidr(vpc, tier, az) == before
    assert before.subnet_of(vpc)


# Transit gateway attachment subnets, as released: the /28s of slot 15, moving no other subnet.
TRANSIT_PINNED = {
    ("10.0.0.0/16", 0): "10.0.240.0/28",
    ("10.0.0.0/16", 2): "10.0.240.32/28",
    ("10.3.0.0/20", 1): "10.3.15.16/28",
    ("10.0.0.0/23", 1): "10.0.1.240/28",
}


@pytest.mark.parametrize(("key", "expected"), TRANSIT_PINNED.items(), ids=str)
def test_transit_layout_is_pinned(key, expected):
    vpc, az = key
    assert str(transit_subnet_cidr(ipaddress.IPv4Network(vpc), az)) == expected


@pytest.mark.parametrize("prefix", range(16, 22))
def test_attachment_subnets_overlap_no_subnet_of_up_to_7_azs(prefix):
    vpc = ipaddress.IPv4Network(f"10.0.0.0/{prefix}")
    others = [subnet_cidr(vpc, tier, az) for tier in TIERS for az in range(7)]
    for az in range(7):
        transit = transit_subnet_cidr(vpc, az)
        assert transit.subnet_of(vpc)
        assert not any(transit.overlaps(o) for o in others)
