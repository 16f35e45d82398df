"""`hubspoke:hub` and `hubspoke:spokes`: each VPC's account, region, CIDR, AZs and NAT, and no two
ranges of the stack (hub, spokes, on-prem) overlapping."""

from __future__ import annotations

import contextlib
import ipaddress
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from components.layout import layout_problem
from components.model import (
    MAX_AZ_COUNT,
    NACL_CUSTOM_RULE_MIN,
    NACL_PROTOCOLS,
    NACL_RULE_MAX,
    NAT_STRATEGIES,
    REGION_AZ_COUNTS,
    REGION_AZ_ID_PREFIXES,
    VPC_MAX_PREFIX,
    VPC_MIN_PREFIX,
    VPC_RANGES,
    NaclRule,
    NetworkAclsConfig,
    VpcConfig,
)
from components.validation.fields import (
    MISSING,
    NS,
    Problems,
    as_cidr,
    as_int,
    as_list,
    as_mapping,
    as_str,
)

_SPOKE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,22}[a-z0-9]$")
# The hub is built as the Vpc named "hub": a spoke of that name would register the same URNs.
HUB_NAME = "hub"


def parse_region(value: Any, path: str, problems: Problems) -> str | None:
    region = as_str(value, path, problems)
    if region is not None and region not in REGION_AZ_COUNTS:
        problems.add(path, region, "is not a known AWS region")
        return None
    return region


def parse_vpc(
    raw: Any,
    path: str,
    problems: Problems,
    *,
    name: str | None,
    default_region: str | None,
    accounts: Collection[str] | None,
) -> VpcConfig | None:
    """One VPC; `accounts` are the account keys written in `hubspoke:accounts` (None when that
    section is unusable, so references are not checked against it)."""
    keys = ["account", "cidr"]
    optional = ["azCount", "azIds", "natGateways", "region", "networkAcls"]
    if name is None:
        keys = ["name", *keys]
        optional = [*optional, "segment"]
    obj = as_mapping(raw, path, problems, required=keys, optional=optional)
    if obj is None:
        return None
    if name is None:
        name = as_str(obj.get("name", MISSING), f"{path}.name", problems)
        if name is not None and not _SPOKE_NAME.match(name):
            problems.add(
                f"{path}.name", name, "must be 2-24 lowercase letters, digits or - (a DNS label)"
            )
            name = None
        elif name == HUB_NAME:
            problems.add(f"{path}.name", name, "is reserved for the hub VPC; choose another name")
            name = None
    account = as_str(obj.get("account", MISSING), f"{path}.account", problems)
    if account is not None and accounts is not None and account not in accounts:
        known = ", ".join(sorted(accounts)) or "none"
        problems.add(f"{path}.account", account, f"is not a key of {NS}accounts (known: {known})")
        account = None
    cidr = as_cidr(obj.get("cidr", MISSING), f"{path}.cidr", problems)
    if cidr is not None and not VPC_MIN_PREFIX <= cidr.prefixlen <= VPC_MAX_PREFIX:
        problems.add(
            f"{path}.cidr",
            str(cidr),
            f"must be /{VPC_MIN_PREFIX} to /{VPC_MAX_PREFIX} (AWS VPC limits)",
        )
        cidr = None
    elif cidr is not None and not any(cidr.subnet_of(r) for r in VPC_RANGES):
        allowed = ", ".join(map(str, VPC_RANGES))
        problems.add(f"{path}.cidr", str(cidr), f"is not inside a private range ({allowed})")
        cidr = None
    region = default_region
    if "region" in obj:
        region = parse_region(obj["region"], f"{path}.region", problems)
    az_count = 2
    if "azCount" in obj:
        offered = REGION_AZ_COUNTS.get(region or "", MAX_AZ_COUNT)
        parsed = as_int(obj["azCount"], f"{path}.azCount", problems, 2, min(offered, MAX_AZ_COUNT))
        az_count = parsed if parsed is not None else 2
    nat: str = "none"
    if "natGateways" in obj:
        nat = obj["natGateways"]
        if nat not in NAT_STRATEGIES:
            problems.add(
                f"{path}.natGateways",
                nat,
                f"is not a NAT strategy (allowed: {', '.join(NAT_STRATEGIES)})",
            )
    if cidr is not None:
        reason = layout_problem(cidr, az_count)
        if reason:
            problems.add(f"{path}.cidr", str(cidr), reason)
            cidr = None
    acls = None
    if "networkAcls" in obj:
        acls = parse_network_acls(obj["networkAcls"], f"{path}.networkAcls", problems)
    segment = as_str(obj["segment"], f"{path}.segment", problems) if "segment" in obj else None
    az_ids: tuple[str, ...] = ()
    if "azIds" in obj:
        # A bad list is reported and left out: the VPC's other checks still run on it.
        az_ids = parse_az_ids(obj["azIds"], f"{path}.azIds", problems, region, az_count) or ()
    if None in (name, account, cidr, region) or nat not in NAT_STRATEGIES:
        return None
    return VpcConfig(
        name=name, account=account, region=region, cidr=cidr, az_count=az_count,
        nat_gateways=nat, config_path=path, segment=segment, network_acls=acls, az_ids=az_ids,
    )  # fmt: skip


_AZ_ID = re.compile(r"^([a-z]{3,5}[0-9]+)-az([0-9]+)$")


def parse_az_ids(
    raw: Any, path: str, problems: Problems, region: str | None, az_count: int
) -> tuple[str, ...] | None:
    """`azIds`: one AZ id per AZ (`euw1-az1`), unique, in the VPC's region. Ids, not names: an id
    is the same physical zone in every account, and does not move when a zone is impaired."""
    items = as_list(raw, path, problems)
    if items is None:
        return None
    before = len(problems.items)
    if len(items) != az_count:
        count = f"{len(items)} AZ id{'s' if len(items) != 1 else ''}"
        problems.add(path, items, f"lists {count}; azCount is {az_count} (one id per AZ)")
    prefix = REGION_AZ_ID_PREFIXES.get(region or "")
    seen: set[str] = set()
    for i, item in enumerate(items):
        az_id = as_str(item, f"{path}[{i}]", problems)
        if az_id is None:
            continue
        match = _AZ_ID.match(az_id)
        if match is None:
            problems.add(f"{path}[{i}]", az_id, "is not an AZ id (like euw1-az1)")
        elif prefix is not None and match.group(1) != prefix:
            problems.add(
                f"{path}[{i}]", az_id, f"is not an AZ id of {region} (its ids are {prefix}-az<n>)"
            )
        if az_id in seen:
            problems.add(f"{path}[{i}]", az_id, "is listed twice (one subnet per tier and AZ)")
        seen.add(az_id)
    return tuple(items) if len(problems.items) == before else None


def parse_network_acls(raw: Any, path: str, problems: Problems) -> NetworkAclsConfig | None:
    """`{private: {ingress: [...], egress: [...]}, public: {...}}`; `{}` = the defaults only.
    A rule: `{rule, action: allow|deny, protocol: tcp|udp|icmp|all, cidr, fromPort, toPort}`."""
    obj = as_mapping(raw, path, problems, required=[], optional=["private", "public"])
    if obj is None:
        return None
    tiers: dict[str, tuple[NaclRule, ...]] = {}
    for tier in ("private", "public"):
        tier_obj = as_mapping(
            obj.get(tier, {}), f"{path}.{tier}", problems,
            required=[], optional=["ingress", "egress"],
        ) or {}  # fmt: skip
        rules: list[NaclRule] = []
        for direction in ("ingress", "egress"):
            where = f"{path}.{tier}.{direction}"
            numbers: set[int] = set()
            for i, item in enumerate(as_list(tier_obj.get(direction, []), where, problems) or []):
                rule = _nacl_rule(item, f"{where}[{i}]", problems, egress=direction == "egress")
                if rule is None:
                    continue
                if rule.rule in numbers:
                    problems.add(f"{where}[{i}].rule", rule.rule, "is used twice in this list")
                    continue
                numbers.add(rule.rule)
                rules.append(rule)
        tiers[tier] = tuple(rules)
    return NetworkAclsConfig(**tiers)


def _nacl_rule(raw: Any, path: str, problems: Problems, *, egress: bool) -> NaclRule | None:
    obj = as_mapping(
        raw, path, problems,
        required=["rule", "action", "protocol", "cidr"], optional=["fromPort", "toPort"],
    )  # fmt: skip
    if obj is None:
        return None
    number = as_int(
        obj.get("rule", MISSING),
        f"{path}.rule",
        problems,
        NACL_CUSTOM_RULE_MIN,
        NACL_RULE_MAX,
    )
    action = obj.get("action")
    if action not in ("allow", "deny"):
        problems.add(f"{path}.action", action, "must be allow or deny")
    protocol = obj.get("protocol")
    if protocol not in NACL_PROTOCOLS:
        problems.add(f"{path}.protocol", protocol, f"must be one of {', '.join(NACL_PROTOCOLS)}")
    cidr = as_cidr(obj.get("cidr", MISSING), f"{path}.cidr", problems)
    ports = (0, 0)
    if protocol in ("tcp", "udp"):
        low = as_int(obj.get("fromPort", MISSING), f"{path}.fromPort", problems, 0, 65535)
        high = as_int(obj.get("toPort", low), f"{path}.toPort", problems, 0, 65535)
        if low is not None and high is not None and low > high:
            problems.add(f"{path}.toPort", high, f"is below fromPort {low}")
        ports = (low, high)
    if None in (number, cidr, *ports) or action not in ("allow", "deny"):
        return None
    if protocol not in NACL_PROTOCOLS:
        return None
    return NaclRule(number, egress, action, protocol, cidr, ports[0], ports[1])


def parse_spokes(raw: Any, problems: Problems, **kw: Any) -> tuple[VpcConfig, ...]:
    path = f"{NS}spokes"
    items = as_list(raw, path, problems) if raw is not MISSING else []
    spokes: list[VpcConfig] = []
    first_index: dict[str, int] = {}
    for i, item in enumerate(items or []):
        spoke = parse_vpc(item, f"{path}[{i}]", problems, name=None, **kw)
        raw_name = item.get("name") if isinstance(item, Mapping) else None
        if isinstance(raw_name, str):
            if raw_name in first_index:
                problems.add(
                    f"{path}[{i}].name",
                    raw_name,
                    f"duplicates {path}[{first_index[raw_name]}].name",
                )
                continue
            first_index[raw_name] = i
        if spoke is not None:
            spokes.append(spoke)
    return tuple(spokes)


def stack_ranges(raw: Mapping[str, Any]) -> list[tuple[str, ipaddress.IPv4Network]]:
    """Every range of the stack that is a valid CIDR, by key path, in file order (hub, spokes,
    on-prem), whatever else is wrong with its VPC: an overlap is reported even when a sibling key
    of the same VPC is bad."""
    candidates: list[tuple[str, Any]] = []
    hub = raw.get("hub")
    if isinstance(hub, Mapping):
        candidates.append((f"{NS}hub.cidr", hub.get("cidr")))
    spokes = raw.get("spokes")
    for i, spoke in enumerate(spokes if isinstance(spokes, list) else []):
        if isinstance(spoke, Mapping):
            candidates.append((f"{NS}spokes[{i}].cidr", spoke.get("cidr")))
    on_prem = raw.get("onPrem")
    cidrs = on_prem.get("cidrs") if isinstance(on_prem, Mapping) else None
    for i, value in enumerate(cidrs if isinstance(cidrs, list) else []):
        candidates.append((f"{NS}onPrem.cidrs[{i}]", value))
    ranges = []
    for path, value in candidates:
        if isinstance(value, str) and value:
            with contextlib.suppress(ValueError):  # reported by the section's own rule
                ranges.append((path, ipaddress.IPv4Network(value, strict=True)))
    return ranges


def check_overlaps(ranges: Sequence[tuple[str, ipaddress.IPv4Network]], problems: Problems) -> None:
    """Overlapping ranges cannot peer or route: reject them before AWS does."""
    for i, (path, cidr) in enumerate(ranges):
        for other_path, other in ranges[:i]:
            if cidr.overlaps(other):
                problems.add(path, str(cidr), f"overlaps {other_path} {other}")
