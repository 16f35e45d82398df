"""`hubspoke:transitGateway`: the connectivity mode, and the peering quota peering mode must fit.

Present, `transitGateway` switches the stack from peering to transit gateways: segments (routing
domains) with `reach` lists, a segment per spoke, the hub as `shared`. Absent, the hub peers with
every spoke, which the peering quota bounds.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any

from components.layout import transit_layout_problem
from components.model import (
    MAX_PEERINGS_PER_VPC,
    ON_PREM_SEGMENT,
    SHARED_SEGMENT,
    TGW_ASN_RANGES,
    VPN_GATEWAY_AMAZON_ASN,
    OnPremConfig,
    QuotasConfig,
    SegmentConfig,
    TransitGatewayConfig,
    VpcConfig,
)
from components.validation.fields import (
    MISSING,
    NS,
    Problems,
    as_bool,
    as_cidr,
    as_list,
    as_mapping,
)

PATH = f"{NS}transitGateway"
_SEGMENT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,23}$")


def parse_transit_gateway(
    raw: Any, problems: Problems, on_prem: OnPremConfig | None
) -> TransitGatewayConfig | None:
    if raw is MISSING:
        return None
    obj = as_mapping(
        raw,
        PATH,
        problems,
        required=["amazonSideAsn", "segments"],
        optional=["shareOutsideOrganization"],
    )
    if obj is None:
        return None
    asn = _parse_asn(obj.get("amazonSideAsn", MISSING), f"{PATH}.amazonSideAsn", problems, on_prem)
    share_outside = as_bool(
        obj.get("shareOutsideOrganization", False), f"{PATH}.shareOutsideOrganization", problems
    )
    segments = _parse_segments(obj.get("segments", MISSING), problems, on_prem)
    if asn is None or segments is None or share_outside is None:
        return None
    return TransitGatewayConfig(
        amazon_side_asn=asn, segments=segments, share_outside_organization=share_outside
    )


def _parse_asn(raw: Any, path: str, problems: Problems, on_prem: OnPremConfig | None) -> int | None:
    if raw is MISSING:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int):
        problems.add(path, raw, "must be an integer (a private ASN)")
        return None
    if not any(lo <= raw <= hi for lo, hi in TGW_ASN_RANGES):
        ranges = " or ".join(f"{lo}-{hi}" for lo, hi in TGW_ASN_RANGES)
        problems.add(path, raw, f"is not a private ASN a transit gateway accepts ({ranges})")
        return None
    on_prem_asn = on_prem.vpn.bgp_asn if on_prem is not None and on_prem.vpn else None
    if raw == on_prem_asn:
        problems.add(
            path, raw, f"is the on-prem side's ASN ({NS}onPrem.vpn.bgpAsn): BGP needs two ASNs"
        )
        return None
    if raw == VPN_GATEWAY_AMAZON_ASN:
        # While a stack moves from peering, the VGW and the transit gateway both speak BGP to the
        # same on-prem router; the same ASN on both would make it drop one side's routes.
        problems.add(
            path,
            raw,
            f"is the virtual private gateway's ASN ({VPN_GATEWAY_AMAZON_ASN}, peering mode's VPN);"
            " choose another",
        )
        return None
    return raw


def _parse_segments(
    raw: Any, problems: Problems, on_prem: OnPremConfig | None
) -> tuple[SegmentConfig, ...] | None:
    path = f"{PATH}.segments"
    if raw is MISSING:
        return None
    if not isinstance(raw, Mapping) or not raw:
        problems.add(path, raw, "must be an object of at least one segment: {<name>: {reach}}")
        return None
    reserved = (SHARED_SEGMENT, ON_PREM_SEGMENT)
    names = [n for n in raw if isinstance(n, str) and n not in reserved]
    segments: list[SegmentConfig] = []
    ok = True
    for name, body in raw.items():
        seg_path = f"{path}.{name}"
        if name in reserved:
            problems.add(seg_path, body, f"uses a reserved name ({', '.join(reserved)})")
            ok = False
            continue
        if not isinstance(name, str) or not _SEGMENT_NAME.match(name):
            problems.add(seg_path, body, "must be named with 1-24 lowercase letters, digits or -")
            ok = False
            continue
        obj = as_mapping(
            body if body is not None else {}, seg_path, problems, [], ["reach", "cidr"]
        )
        if obj is None:
            ok = False
            continue
        cidr = None
        if "cidr" in obj:
            cidr = as_cidr(obj["cidr"], f"{seg_path}.cidr", problems)
            ok = ok and cidr is not None
        reach_raw = as_list(obj.get("reach", []), f"{seg_path}.reach", problems)
        reach: list[str] = []
        for i, target in enumerate(reach_raw or []):
            p = f"{seg_path}.reach[{i}]"
            if target in reach:
                problems.add(p, target, "is listed twice")
            elif target == name:
                problems.add(p, target, "is the segment itself (a segment always reaches itself)")
            elif target == ON_PREM_SEGMENT and (on_prem is None or on_prem.vpn is None):
                problems.add(
                    p, target, f"needs a VPN to on-prem ({NS}onPrem.vpn), and there is none"
                )
            elif target in reserved or target in names:
                reach.append(target)
                continue
            else:
                known = ", ".join([*names, *reserved])
                problems.add(p, target, f"is not a segment (known: {known})")
            ok = False
        segments.append(SegmentConfig(name=name, reach=tuple(reach), cidr=cidr))
    return tuple(segments) if ok else None


def _segment_names(tgw_raw: Any) -> set[str] | None:
    """The segment names the config declares (None when there is no readable segments object)."""
    segments = tgw_raw.get("segments") if isinstance(tgw_raw, Mapping) else None
    if not isinstance(segments, Mapping):
        return None
    return {n for n in segments if n not in (SHARED_SEGMENT, ON_PREM_SEGMENT)}


def check_segments(
    tgw_raw: Any,
    spokes_raw: Any,
    vpcs: Sequence[VpcConfig],
    problems: Problems,
) -> None:
    """Every spoke names a known segment in transit gateway mode, and none does in peering mode;
    every segment is used; every VPC holds its attachment subnets. Read from the spokes as
    written, so a spoke with another problem still counts (and is checked) here."""
    items = spokes_raw if isinstance(spokes_raw, list) else []
    spokes = [s if isinstance(s, Mapping) else {} for s in items]
    if tgw_raw is MISSING:
        for i, spoke in enumerate(spokes):
            if "segment" in spoke:
                problems.add(
                    f"{NS}spokes[{i}].segment",
                    spoke["segment"],
                    f"needs {PATH} (segments exist only in transit gateway mode)",
                )
        return
    known = _segment_names(tgw_raw)
    used = set()
    for i, spoke in enumerate(spokes):
        path, segment = f"{NS}spokes[{i}].segment", spoke.get("segment", MISSING)
        if segment is MISSING:
            problems.missing(path)
        elif not isinstance(segment, str):
            continue  # the spoke's own parse reports it
        elif known is not None and segment not in known:
            where = ", ".join(sorted(known))
            problems.add(path, segment, f"is not a segment of {PATH}.segments ({where})")
        used.add(segment)
    for name in sorted((known or set()) - used):
        problems.add(f"{PATH}.segments.{name}", name, "is a segment no spoke uses; remove it")
    for vpc in vpcs:
        reason = transit_layout_problem(vpc.cidr, vpc.az_count)
        if reason:
            problems.add(vpc.config_path, f"{vpc.cidr} with azCount {vpc.az_count}", reason)


def check_regional_asns(
    tgw: TransitGatewayConfig | None,
    hub: VpcConfig | None,
    spokes: Sequence[VpcConfig],
    on_prem: OnPremConfig | None,
    problems: Problems,
) -> None:
    """Each other region's gateway takes `amazonSideAsn` + 1, + 2, ... in the order its spokes
    first appear (components/plan.py): peered gateways need distinct ASNs. Each must still be a
    private ASN a transit gateway accepts, in the same range as the hub's, and unlike on-prem's
    (BGP drops routes that carry its own ASN). The VGW's 64512 is the bottom of the range, below
    every + i."""
    if tgw is None or hub is None:
        return
    remote = list(dict.fromkeys(s.region for s in spokes if s.region != hub.region))
    base = tgw.amazon_side_asn
    home = next((r for r in TGW_ASN_RANGES if r[0] <= base <= r[1]), None)
    on_prem_asn = on_prem.vpn.bgp_asn if on_prem is not None and on_prem.vpn else None
    path = f"{PATH}.amazonSideAsn"
    for i, region in enumerate(remote, start=1):
        asn, what = base + i, f"gives the gateway in {region} ASN {base + i} (amazonSideAsn + {i})"
        if home is None or asn > home[1]:
            ranges = " or ".join(f"{lo}-{hi}" for lo, hi in TGW_ASN_RANGES)
            problems.add(path, base, f"{what}, past the private range ({ranges}): lower it")
        elif asn == on_prem_asn:
            problems.add(path, base, f"{what}, the on-prem side's ({NS}onPrem.vpn.bgpAsn)")


def check_segment_cidrs(
    tgw: TransitGatewayConfig | None,
    hub: VpcConfig | None,
    spokes: Sequence[VpcConfig],
    on_prem: OnPremConfig | None,
    problems: Problems,
) -> None:
    """A segment's `cidr` is a summary route: whatever lies inside it is reached as that segment.
    So every spoke of the segment is inside it, no spoke of another segment is, and it overlaps
    no other segment's, the hub or on-prem (a route to it would capture their traffic). One pass
    per summarised segment over the spokes: linear in the number of spokes."""
    if tgw is None:
        return
    supernets = [(s.name, s.cidr) for s in tgw.segments if s.cidr is not None]
    others: list[tuple[str, ipaddress.IPv4Network]] = []
    if hub is not None:
        others.append((f"{NS}hub.cidr", hub.cidr))
    for i, cidr in enumerate(on_prem.cidrs if on_prem is not None else ()):
        others.append((f"{NS}onPrem.cidrs[{i}]", cidr))
    for j, (name, supernet) in enumerate(supernets):
        path = f"{PATH}.segments.{name}.cidr"
        for other_name, other in supernets[:j]:
            if supernet.overlaps(other):
                problems.add(
                    path, str(supernet), f"overlaps {PATH}.segments.{other_name}.cidr {other}"
                )
        for other_path, other in others:
            if supernet.overlaps(other):
                problems.add(path, str(supernet), f"overlaps {other_path} {other}")
    for spoke in spokes:
        for name, supernet in supernets:
            where = f"{PATH}.segments.{name}.cidr {supernet}"
            if spoke.segment == name and not spoke.cidr.subnet_of(supernet):
                problems.add(
                    f"{spoke.config_path}.cidr",
                    str(spoke.cidr),
                    f"is not inside its segment's {where}: routes to the segment would miss it",
                )
            elif spoke.segment != name and spoke.cidr.overlaps(supernet):
                problems.add(
                    f"{spoke.config_path}.cidr",
                    str(spoke.cidr),
                    f"is in segment {spoke.segment} but overlaps {where}: routes to {name} "
                    "would reach it",
                )


def check_peering_quota(
    tgw_raw: Any, spoke_count: int, quotas: QuotasConfig, problems: Problems
) -> None:
    """In peering mode the hub holds one peering per spoke: more than its quota cannot be built."""
    if tgw_raw is not MISSING or spoke_count <= quotas.peerings_per_vpc:
        return
    problems.add(
        f"{NS}spokes",
        f"{spoke_count} spokes",
        f"need {spoke_count} peerings on the hub VPC, more than {NS}quotas.peeringsPerVpc "
        f"({quotas.peerings_per_vpc}; AWS allows at most {MAX_PEERINGS_PER_VPC}): use transit "
        f"gateway mode ({PATH})",
    )
