"""`hubspoke:onPrem` and `hubspoke:dns`: the on-prem network, its DNS servers and domains, the VPN
to it, and the private zone of the cloud domain."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from components.model import (
    ENDPOINT_IPS_MAX,
    ENDPOINT_IPS_MIN,
    FIREWALL_BLOCK_RESPONSES,
    FIREWALL_MANAGED_LISTS,
    FIREWALL_PRIORITY_DEFAULT,
    FIREWALL_PRIORITY_MAX,
    FIREWALL_PRIORITY_MIN,
    LOG_RETENTION_DAYS,
    NOT_PUBLIC,
    QUERY_LOG_DESTINATIONS,
    VPN_GATEWAY_AMAZON_ASN,
    DnsConfig,
    FirewallConfig,
    OnPremConfig,
    QueryLoggingConfig,
    VpcConfig,
    VpnConfig,
)
from components.validation.fields import (
    MISSING,
    NS,
    Problems,
    as_bool,
    as_cidr,
    as_domain,
    as_int,
    as_ip,
    as_list,
    as_mapping,
    each,
    in_domain,
)


def parse_on_prem(raw: Any, problems: Problems) -> OnPremConfig | None:
    path = f"{NS}onPrem"
    if raw is MISSING:
        return None
    obj = as_mapping(
        raw, path, problems, required=["cidrs", "dnsServers", "domains"], optional=["vpn"]
    )
    if obj is None:
        return None
    cidrs_raw = as_list(obj.get("cidrs", MISSING), f"{path}.cidrs", problems, min_items=1)
    cidrs = each(cidrs_raw, f"{path}.cidrs", lambda v, p: as_cidr(v, p, problems))
    # Servers are checked against the CIDRs only when all of them parsed: a bad CIDR is one
    # problem, not also one per server inside it.
    all_cidrs = bool(cidrs) and len(cidrs) == len(cidrs_raw or [])
    servers_raw = as_list(
        obj.get("dnsServers", MISSING), f"{path}.dnsServers", problems, min_items=1
    )
    servers = []
    for i, value in enumerate(servers_raw or []):
        p = f"{path}.dnsServers[{i}]"
        ip = as_ip(value, p, problems)
        if ip is None:
            continue
        if ip in servers:
            problems.add(p, value, "is listed twice")
        elif all_cidrs and not any(ip in c for c in cidrs):
            problems.add(
                p, value, f"is not inside any of {path}.cidrs ({', '.join(map(str, cidrs))})"
            )
        else:
            servers.append(ip)
    domains_raw = as_list(obj.get("domains", MISSING), f"{path}.domains", problems, min_items=1)
    domains: list[str] = []
    for i, value in enumerate(domains_raw or []):
        p = f"{path}.domains[{i}]"
        name = as_domain(value, p, problems)
        if name is None:
            continue
        if name in domains:
            problems.add(p, value, f"duplicates {path}.domains[{domains.index(name)}]")
        else:
            domains.append(name)
    vpn = parse_vpn(obj["vpn"], f"{path}.vpn", problems) if "vpn" in obj else None
    return OnPremConfig(cidrs=cidrs, dns_servers=tuple(servers), domains=tuple(domains), vpn=vpn)


def parse_vpn(raw: Any, path: str, problems: Problems) -> VpnConfig | None:
    obj = as_mapping(raw, path, problems, required=["customerGatewayIp"], optional=["bgpAsn"])
    if obj is None:
        return None
    ip = as_ip(obj.get("customerGatewayIp", MISSING), f"{path}.customerGatewayIp", problems)
    if ip is not None and any(ip in r for r in NOT_PUBLIC):
        problems.add(
            f"{path}.customerGatewayIp", str(ip), "must be the public IP of the on-prem VPN device"
        )
        ip = None
    # Customer gateway ASNs: 1..2147483647 (EC2 CreateCustomerGateway BgpAsn).
    asn = (
        as_int(obj["bgpAsn"], f"{path}.bgpAsn", problems, 1, 2_147_483_647)
        if "bgpAsn" in obj
        else None
    )
    if asn == VPN_GATEWAY_AMAZON_ASN:
        # Both ends of the BGP session with one ASN would make it iBGP; the tunnels run eBGP.
        problems.add(
            f"{path}.bgpAsn",
            asn,
            f"is the ASN of the AWS side (the virtual private gateway's {VPN_GATEWAY_AMAZON_ASN});"
            " use the on-prem router's own ASN",
        )
        asn = None
    if ip is None:
        return None
    return VpnConfig(customer_gateway_ip=ip, bgp_asn=asn)


def parse_dns(
    raw: Any,
    problems: Problems,
    on_prem: OnPremConfig | None,
    *,
    is_prod: bool = False,
    retention_days: int = 30,
) -> DnsConfig:
    path = f"{NS}dns"
    if raw is MISSING:
        return DnsConfig(private_zone=None, share_outside_organization=False)
    obj = as_mapping(
        raw,
        path,
        problems,
        required=[],
        optional=[
            "privateZone",
            "shareOutsideOrganization",
            "endpointIps",
            "firewall",
            "queryLogging",
        ],
    )
    obj = obj or {}
    zone = (
        as_domain(obj["privateZone"], f"{path}.privateZone", problems)
        if "privateZone" in obj
        else None
    )
    if zone and on_prem:
        for i, domain in enumerate(on_prem.domains):
            if in_domain(zone, domain) or in_domain(domain, zone):
                problems.add(
                    f"{path}.privateZone",
                    zone,
                    f"collides with {NS}onPrem.domains[{i}] {domain} (one would shadow the other)",
                )
    share = obj.get("shareOutsideOrganization", False)
    share = as_bool(share, f"{path}.shareOutsideOrganization", problems) or False
    ips = as_int(
        obj.get("endpointIps", ENDPOINT_IPS_MIN),
        f"{path}.endpointIps",
        problems,
        ENDPOINT_IPS_MIN,
        ENDPOINT_IPS_MAX,
    )
    firewall = (
        parse_firewall(obj["firewall"], f"{path}.firewall", problems, is_prod)
        if "firewall" in obj
        else None
    )
    logging = (
        parse_query_logging(obj["queryLogging"], f"{path}.queryLogging", problems, retention_days)
        if "queryLogging" in obj
        else None
    )
    return DnsConfig(
        private_zone=zone,
        share_outside_organization=share,
        endpoint_ips=ips or ENDPOINT_IPS_MIN,
        firewall=firewall,
        query_logging=logging,
    )


# AWS's domain list ids: `rslvr-fdl-` and 16 or 17 lowercase hex digits (the Route 53 Resolver
# API reference and the AWS CLI examples show 16, e.g. rslvr-fdl-2c46f2ecbfec4dcc; resolver ids
# generally have 17). A made-up placeholder such as `rslvr-fdl-xxx` is refused here; a well-formed
# id that is not the list is refused at the lookup (components/dns_firewall.py).
_DOMAIN_LIST_ID = re.compile(r"^rslvr-fdl-[0-9a-f]{16,17}$")


def _firewall_domains(
    raw: Any, path: str, problems: Problems, seen: dict[str, str]
) -> tuple[str, ...]:
    """Domains of a custom list: a name, or `*.` and a name (DNS Firewall's one wildcard form,
    which matches every subdomain; a plain name matches itself only). `seen` spans both lists."""
    domains: list[str] = []
    for i, value in enumerate(as_list(raw, path, problems) or []):
        p = f"{path}[{i}]"
        wildcard = isinstance(value, str) and value.startswith("*.")
        name = as_domain(value[2:] if wildcard else value, p, problems)
        if name is None:
            continue
        name = f"*.{name}" if wildcard else name
        if name in seen:
            problems.add(p, value, f"duplicates {seen[name]}")
            continue
        seen[name] = p
        domains.append(name)
    return tuple(domains)


def parse_firewall(raw: Any, path: str, problems: Problems, is_prod: bool) -> FirewallConfig | None:
    """`dns.firewall`: managed lists by name (their ids per region), custom block and allow lists,
    the block response, the association priority, mutation protection, and fail-open."""
    keys = [
        "managedLists", "managedListIds", "blockedDomains", "allowedDomains", "blockResponse",
        "overrideDomain", "priority", "mutationProtection", "failOpen",
    ]  # fmt: skip
    obj = as_mapping(raw, path, problems, required=[], optional=keys)
    if obj is None:
        return None
    managed: list[str] = []
    for i, value in enumerate(
        as_list(obj.get("managedLists", []), f"{path}.managedLists", problems) or []
    ):
        p = f"{path}.managedLists[{i}]"
        if value not in FIREWALL_MANAGED_LISTS:
            problems.add(
                p, value, f"is not an AWS managed domain list ({', '.join(FIREWALL_MANAGED_LISTS)})"
            )
        elif value in managed:
            problems.add(p, value, f"duplicates {path}.managedLists[{managed.index(value)}]")
        else:
            managed.append(value)
    ids: dict[str, dict[str, str]] = {}
    ids_raw = obj.get("managedListIds", {})
    if not isinstance(ids_raw, Mapping):
        problems.add(f"{path}.managedListIds", ids_raw, "must be an object: region -> list -> id")
    else:
        for region, by_name in ids_raw.items():
            rp = f"{path}.managedListIds.{region}"
            if not isinstance(by_name, Mapping):
                problems.add(rp, by_name, "must be an object: list name -> rslvr-fdl-... id")
                continue
            for list_name, list_id in by_name.items():
                if list_name not in FIREWALL_MANAGED_LISTS:
                    problems.add(f"{rp}.{list_name}", list_id, "is not an AWS managed domain list")
                elif not isinstance(list_id, str) or not _DOMAIN_LIST_ID.match(list_id):
                    problems.add(
                        f"{rp}.{list_name}",
                        list_id,
                        "is not a domain list id (rslvr-fdl- and 16-17 hex digits: `aws "
                        f"route53resolver list-firewall-domain-lists --region {region}` in the "
                        "hub account lists them)",
                    )
                # Kept even when malformed (the problem above stops the run), so the region
                # check does not also call the id missing.
                ids.setdefault(str(region), {})[list_name] = str(list_id)
    seen: dict[str, str] = {}
    allowed = _firewall_domains(
        obj.get("allowedDomains", []), f"{path}.allowedDomains", problems, seen
    )
    blocked = _firewall_domains(
        obj.get("blockedDomains", []), f"{path}.blockedDomains", problems, seen
    )
    if not managed and not blocked:
        problems.add(path, raw, "blocks nothing: give managedLists or blockedDomains")
    response = obj.get("blockResponse", "NXDOMAIN")
    if response not in FIREWALL_BLOCK_RESPONSES:
        problems.add(
            f"{path}.blockResponse",
            response,
            f"must be one of {', '.join(FIREWALL_BLOCK_RESPONSES)}",
        )
        response = "NXDOMAIN"
    override = None
    if "overrideDomain" in obj:
        override = as_domain(obj["overrideDomain"], f"{path}.overrideDomain", problems)
        if response != "OVERRIDE":
            problems.add(
                f"{path}.overrideDomain",
                obj["overrideDomain"],
                "is only used with blockResponse OVERRIDE",
            )
    elif response == "OVERRIDE":
        problems.add(
            f"{path}.blockResponse",
            response,
            f"needs {path}.overrideDomain (the CNAME answered instead)",
        )
    priority = as_int(
        obj.get("priority", FIREWALL_PRIORITY_DEFAULT), f"{path}.priority", problems,
        FIREWALL_PRIORITY_MIN, FIREWALL_PRIORITY_MAX,
    )  # fmt: skip
    protection = as_bool(
        obj.get("mutationProtection", is_prod), f"{path}.mutationProtection", problems
    )
    fail_open = as_bool(obj.get("failOpen", False), f"{path}.failOpen", problems)
    return FirewallConfig(
        managed_lists=tuple(managed),
        managed_list_ids=ids,
        blocked_domains=blocked,
        allowed_domains=allowed,
        block_response=response,
        override_domain=override,
        priority=priority or FIREWALL_PRIORITY_DEFAULT,
        mutation_protection=bool(protection) if protection is not None else is_prod,
        fail_open=bool(fail_open),
    )


def parse_query_logging(
    raw: Any, path: str, problems: Problems, default_retention: int
) -> QueryLoggingConfig | None:
    obj = as_mapping(raw, path, problems, required=[], optional=["destination", "retentionDays"])
    if obj is None:
        return None
    destination = obj.get("destination", "cloudwatch")
    if destination not in QUERY_LOG_DESTINATIONS:
        problems.add(
            f"{path}.destination",
            destination,
            f"must be one of {', '.join(QUERY_LOG_DESTINATIONS)}",
        )
    retention = obj.get("retentionDays", default_retention)
    if retention not in LOG_RETENTION_DAYS or isinstance(retention, bool):
        problems.add(
            f"{path}.retentionDays", retention,
            "is not a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, ...)",
        )  # fmt: skip
    return QueryLoggingConfig(destination=str(destination), retention_days=retention)


def check_firewall_regions(
    dns: DnsConfig, hub: VpcConfig | None, spokes: Sequence[VpcConfig], problems: Problems
) -> None:
    """Each managed list needs its id in every region with a VPC (a rule group per region)."""
    firewall = dns.firewall
    if firewall is None or hub is None:
        return
    path = f"{NS}dns.firewall.managedListIds"
    regions = sorted({hub.region, *(s.region for s in spokes)})
    ids = firewall.managed_list_ids
    # Each problem names the deepest key the stack file has, so a user sees where to add the id.
    if firewall.managed_lists and not ids:
        problems.add(
            f"{NS}dns.firewall.managedLists",
            list(firewall.managed_lists),
            f"need managedListIds: a managed list has one id per region, and VPCs are in "
            f"{', '.join(regions)}",
        )
        return
    for region in regions:
        missing = [name for name in firewall.managed_lists if name not in ids.get(region, {})]
        if not missing:
            continue
        if region not in ids:
            problems.add(path, sorted(ids), f"has no ids for {region}, where a VPC is")
        else:
            problems.add(
                f"{path}.{region}",
                sorted(ids[region]),
                f"lacks the id of {', '.join(missing)} (a managed list has one id per region)",
            )
    # Ids of regions without a VPC are allowed: a stack file may hold them before a spoke moves.


def check_endpoint_ips(
    dns: DnsConfig, hub: VpcConfig | None, spokes: Sequence[VpcConfig], problems: Problems
) -> None:
    """One IP per AZ: the hub's endpoints need that many AZs, and so does each relay in a spoke
    outside the hub's region."""
    if hub is None:
        return
    path = f"{NS}dns.endpointIps"
    if dns.endpoint_ips > hub.az_count:
        problems.add(
            path, dns.endpoint_ips, f"is more than {NS}hub.azCount {hub.az_count} (one IP per AZ)"
        )
    for spoke in spokes:
        if spoke.region != hub.region and dns.endpoint_ips > spoke.az_count:
            problems.add(
                path,
                dns.endpoint_ips,
                f"is more than {spoke.config_path}.azCount {spoke.az_count}: the relay of spoke "
                f"{spoke.name} (in {spoke.region}) takes one IP per AZ",
            )
