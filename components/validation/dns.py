"""`hubspoke:onPrem` and `hubspoke:dns`: the on-prem network, its DNS servers and domains, the VPN
to it, and the private zone of the cloud domain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from components.model import (
    ENDPOINT_IPS_MAX,
    ENDPOINT_IPS_MIN,
    NOT_PUBLIC,
    VPN_GATEWAY_AMAZON_ASN,
    DnsConfig,
    OnPremConfig,
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


def parse_dns(raw: Any, problems: Problems, on_prem: OnPremConfig | None) -> DnsConfig:
    path = f"{NS}dns"
    if raw is MISSING:
        return DnsConfig(private_zone=None, share_outside_organization=False)
    obj = as_mapping(
        raw,
        path,
        problems,
        required=[],
        optional=["privateZone", "shareOutsideOrganization", "endpointIps"],
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
    return DnsConfig(
        private_zone=zone, share_outside_organization=share, endpoint_ips=ips or ENDPOINT_IPS_MIN
    )


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
