"""Network ACLs per subnet tier: the pure plan (default rules + the stack's own) and a first-match
evaluator the tests use to walk real flows through it.

ACLs are stateless: a reply is a separate packet that needs its own rule. The usual mistake is an
ACL that allows HTTPS out and nothing back: the reply arrives on the caller's ephemeral port
(1024-65535, the range AWS's VPC user guide recommends for ACLs, "Ephemeral ports"), so the
defaults allow TCP to those ports in. DNS to the resolver endpoints: the inbound endpoint's ENIs
take TCP and UDP 53 from on-premises and answer to ephemeral ports; the outbound endpoint's send
to the on-prem DNS servers on 53 and get the replies on ephemeral ports. Traffic to the Amazon
DNS server (VPC+2) is not filtered by ACLs at all (VPC user guide, "Network ACL basics").

Rule numbers 100-199 are the defaults'; `networkAcls` rules from config take 200-32766, so they
come after the defaults and cannot shadow them: they add what the defaults do not allow (or deny
it explicitly). Narrowing what the defaults allow is the stateful security groups' job.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from components.model import NaclRule, NetworkAclsConfig, OnPremConfig

ANYWHERE = ipaddress.IPv4Network("0.0.0.0/0")
EPHEMERAL = (1024, 65535)
_PROTOCOL_NUMBERS = {"tcp": "6", "udp": "17", "icmp": "1", "all": "-1"}


def protocol_number(protocol: str) -> str:
    """The number EC2 stores (CreateNetworkAclEntry takes "6", "17", "1" or "-1")."""
    return _PROTOCOL_NUMBERS[protocol]


# Rule numbers: 100 the VPC itself, 101-149 the peers in config order (adding a spoke adds a rule
# and renumbers none: a renumbered rule is a replaced one), counted down from 149 the on-prem
# CIDRs a spoke reaches through the transit gateway (so neither list renumbers the other),
# 150-199 the fixed rules.
VPC_RULE, FIRST_PEER_RULE, FIRST_FIXED_RULE, LAST_DEFAULT_RULE = 100, 101, 150, 199


def _allow(number: int, egress: bool, protocol: str, cidr, ports=(0, 0)) -> NaclRule:
    return NaclRule(number, egress, "allow", protocol, ipaddress.ip_network(cidr), *ports)


def default_rules(
    vpc_cidr: ipaddress.IPv4Network,
    peer_cidrs: Sequence[ipaddress.IPv4Network],
    on_prem: OnPremConfig | None,
    tier: str,
    far_cidrs: Sequence[ipaddress.IPv4Network] = (),
) -> list[NaclRule]:
    """The rules every tier gets: everything within the VPC and to/from its peers (the security
    groups narrow it), HTTPS out and its replies, and DNS with on-prem where `on_prem` is given
    (the hub, where the resolver endpoints are). `far_cidrs`: on-prem ranges reached through a
    transit gateway, allowed like peers."""
    if len(peer_cidrs) + len(far_cidrs) > FIRST_FIXED_RULE - FIRST_PEER_RULE:
        raise ValueError(f"{len(peer_cidrs)} peers: an ACL's defaults take at most 49")
    rules: list[NaclRule] = []
    for egress in (False, True):
        rules.append(_allow(VPC_RULE, egress, "all", vpc_cidr))
        rules += [
            _allow(FIRST_PEER_RULE + i, egress, "all", cidr) for i, cidr in enumerate(peer_cidrs)
        ]
        rules += [
            _allow(FIRST_FIXED_RULE - 1 - i, egress, "all", cidr)
            for i, cidr in enumerate(far_cidrs)
        ]
        fixed: list[tuple[str, object, tuple[int, int]]] = []
        if egress:
            # HTTPS to AWS APIs (S3 and DynamoDB gateway endpoints use public addresses).
            fixed.append(("tcp", ANYWHERE, (443, 443)))
        else:
            fixed.append(("tcp", ANYWHERE, EPHEMERAL))  # replies to HTTPS calls
        if on_prem is not None and tier == "private":
            for cidr in on_prem.cidrs:
                # Inbound endpoint: queries in on 53, answers out to the asker's ephemeral port.
                ports = EPHEMERAL if egress else (53, 53)
                fixed += [("udp", cidr, ports), ("tcp", cidr, ports)]
            for server in on_prem.dns_servers:
                # Outbound endpoint: queries out to 53, answers back to its ephemeral port.
                ports = (53, 53) if egress else EPHEMERAL
                fixed += [("udp", server, ports), ("tcp", server, ports)]
        if len(fixed) > LAST_DEFAULT_RULE - FIRST_FIXED_RULE + 1:
            raise ValueError("too many on-prem CIDRs and DNS servers for an ACL's defaults")
        rules += [
            _allow(FIRST_FIXED_RULE + i, egress, protocol, cidr, ports)
            for i, (protocol, cidr, ports) in enumerate(fixed)
        ]
    return rules


def acl_rules(
    vpc_cidr: ipaddress.IPv4Network,
    peer_cidrs: Sequence[ipaddress.IPv4Network],
    on_prem: OnPremConfig | None,
    config: NetworkAclsConfig,
    tier: str,
    far_cidrs: Sequence[ipaddress.IPv4Network] = (),
) -> list[NaclRule]:
    """Defaults then the stack's own rules for `tier` (private | public)."""
    defaults = default_rules(vpc_cidr, peer_cidrs, on_prem, tier, far_cidrs)
    return [*defaults, *getattr(config, tier)]


def allows(
    rules: Iterable[NaclRule], *, egress: bool, protocol: str, port: int, address: str
) -> bool:
    """What EC2 does with one packet: the lowest-numbered matching rule decides; no match, the
    final `*` rule denies."""
    ip = ipaddress.ip_address(address)
    for rule in sorted((r for r in rules if r.egress == egress), key=lambda r: r.rule):
        if ip not in rule.cidr:
            continue
        if rule.protocol != "all" and rule.protocol != protocol:
            continue
        if rule.protocol in ("tcp", "udp") and not rule.from_port <= port <= rule.to_port:
            continue
        return rule.action == "allow"
    return False
