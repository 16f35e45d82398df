"""Validation of the hybrid DNS config (`hubspoke:onPrem`, `hubspoke:dns`): every message, exactly.

`parse()` is pure, so these run without the Pulumi runtime; the last tests prove the real program
stops on a bad value before it registers anything.
"""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

import pulumi
import pytest

from components.config import ConfigError, DnsConfig, parse
from components.model import VpcConfig
from offline.mocks import FakeAws
from offline.runner import run, stack_config

BASE: dict[str, Any] = {
    "environment": "prod",
    "accounts": {"network": {"id": "111122223333"}},
    "hub": {"account": "network", "cidr": "10.0.0.0/16"},
    "spokes": [{"name": "app", "account": "network", "cidr": "10.1.0.0/16"}],
    "onPrem": {
        "cidrs": ["192.168.0.0/16"],
        "dnsServers": ["192.168.10.10", "192.168.10.11"],
        "domains": ["corp.example.com"],
        "vpn": {"customerGatewayIp": "203.0.113.10", "bgpAsn": 65010},
    },
    "dns": {"privateZone": "aws.example.internal"},
}


def config(**changes: Any) -> dict[str, Any]:
    """BASE with `onPrem` / `dns` keys replaced; a value of None removes the key."""
    raw = copy.deepcopy(BASE)
    for section_key, value in changes.items():
        section, key = section_key.split("__")
        target = raw[section] if section != "vpn" else raw["onPrem"]["vpn"]
        if value is None:
            target.pop(key)
        else:
            target[key] = value
    return raw


def problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse(raw, stack="prod", region="eu-west-1")
    return caught.value.problems


def test_the_base_config_is_valid_and_normalises_domain_names() -> None:
    raw = config(onPrem__domains=["Corp.Example.COM.", "eu.corp.example.com"])
    cfg = parse(raw, stack="prod", region="eu-west-1")
    assert cfg.on_prem is not None
    assert cfg.on_prem.domains == ("corp.example.com", "eu.corp.example.com")
    assert cfg.on_prem.dns_servers == (
        ipaddress.IPv4Address("192.168.10.10"),
        ipaddress.IPv4Address("192.168.10.11"),
    )
    assert cfg.on_prem.vpn is not None and cfg.on_prem.vpn.bgp_asn == 65010
    assert cfg.dns == DnsConfig(
        private_zone="aws.example.internal", share_outside_organization=False
    )


def test_without_on_prem_and_dns_there_is_nothing_hybrid() -> None:
    raw = copy.deepcopy(BASE)
    del raw["onPrem"], raw["dns"]
    cfg = parse(raw, stack="dev", region="eu-west-1")
    assert cfg.on_prem is None
    assert cfg.dns == DnsConfig(private_zone=None, share_outside_organization=False)


def test_a_static_vpn_has_no_asn() -> None:
    cfg = parse(config(vpn__bgpAsn=None), stack="prod", region="eu-west-1")
    assert cfg.on_prem is not None and cfg.on_prem.vpn is not None
    assert cfg.on_prem.vpn.bgp_asn is None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # DNS servers: at least one, valid, inside the on-prem CIDRs, not repeated.
        ({"onPrem__dnsServers": None}, "hubspoke:onPrem.dnsServers is required"),
        ({"onPrem__dnsServers": []}, "hubspoke:onPrem.dnsServers [] must have at least 1 item"),
        (
            {"onPrem__dnsServers": "192.168.10.10"},
            "hubspoke:onPrem.dnsServers 192.168.10.10 must be a list",
        ),
        (
            {"onPrem__dnsServers": ["192.168.10.300"]},
            "hubspoke:onPrem.dnsServers[0] 192.168.10.300 is not a valid IPv4 address",
        ),
        (
            {"onPrem__dnsServers": ["192.168.10.10", 42]},
            "hubspoke:onPrem.dnsServers[1] 42 must be a non-empty string",
        ),
        (
            {"onPrem__dnsServers": ["192.168.10.10", "172.16.0.10"]},
            "hubspoke:onPrem.dnsServers[1] 172.16.0.10 is not inside any of hubspoke:onPrem.cidrs"
            " (192.168.0.0/16)",
        ),
        (
            {"onPrem__dnsServers": ["192.168.10.10", "192.168.10.10"]},
            "hubspoke:onPrem.dnsServers[1] 192.168.10.10 is listed twice",
        ),
        # Domains: at least one, valid syntax, no duplicates (after normalising case and dot).
        ({"onPrem__domains": []}, "hubspoke:onPrem.domains [] must have at least 1 item"),
        (
            {"onPrem__domains": ["corp_example.com"]},
            "hubspoke:onPrem.domains[0] corp_example.com is not a valid domain name"
            " (labels of a-z, 0-9 and -, at least two)",
        ),
        (
            {"onPrem__domains": ["corp"]},
            "hubspoke:onPrem.domains[0] corp is not a valid domain name"
            " (labels of a-z, 0-9 and -, at least two)",
        ),
        (
            {"onPrem__domains": ["-corp.example.com"]},
            "hubspoke:onPrem.domains[0] -corp.example.com is not a valid domain name"
            " (labels of a-z, 0-9 and -, at least two)",
        ),
        (
            {"onPrem__domains": ["host.123"]},
            "hubspoke:onPrem.domains[0] host.123 is not a valid domain name"
            " (labels of a-z, 0-9 and -, at least two)",
        ),
        (
            {"onPrem__domains": ["a" * 64 + ".example.com"]},
            f"hubspoke:onPrem.domains[0] {'a' * 64}.example.com is not a valid domain name"
            " (labels of a-z, 0-9 and -, at least two)",
        ),
        (
            {"onPrem__domains": ["corp.example.com", "Corp.Example.com."]},
            "hubspoke:onPrem.domains[1] Corp.Example.com. duplicates hubspoke:onPrem.domains[0]",
        ),
        # On-prem CIDRs.
        ({"onPrem__cidrs": []}, "hubspoke:onPrem.cidrs [] must have at least 1 item"),
        (
            {"onPrem__cidrs": ["192.168.0.1/16"]},
            "hubspoke:onPrem.cidrs[0] 192.168.0.1/16 is not a valid IPv4 CIDR"
            " (192.168.0.1/16 has host bits set)",
        ),
        (
            {"onPrem__cidrs": ["10.0.128.0/17"], "onPrem__dnsServers": ["10.0.128.10"]},
            "hubspoke:onPrem.cidrs[0] 10.0.128.0/17 overlaps hubspoke:hub.cidr 10.0.0.0/16",
        ),
        (
            {"onPrem__forwarders": ["192.168.10.10"]},
            "hubspoke:onPrem.forwarders is not a known key"
            " (known: cidrs, dnsServers, domains, vpn)",
        ),
        # The private zone: valid, and not the same tree as an on-prem domain.
        (
            {"dns__privateZone": "corp.example.com"},
            "hubspoke:dns.privateZone corp.example.com collides with hubspoke:onPrem.domains[0]"
            " corp.example.com (one would shadow the other)",
        ),
        (
            {"dns__privateZone": "aws.corp.example.com"},
            "hubspoke:dns.privateZone aws.corp.example.com collides with"
            " hubspoke:onPrem.domains[0] corp.example.com (one would shadow the other)",
        ),
        (
            {"dns__privateZone": "example.com"},
            "hubspoke:dns.privateZone example.com collides with hubspoke:onPrem.domains[0]"
            " corp.example.com (one would shadow the other)",
        ),
        (
            {"dns__privateZone": "aws..internal"},
            "hubspoke:dns.privateZone aws..internal is not a valid domain name"
            " (labels of a-z, 0-9 and -, at least two)",
        ),
        (
            {"dns__shareOutsideOrganization": "yes"},
            "hubspoke:dns.shareOutsideOrganization yes must be true or false",
        ),
        (
            {"dns__zone": "aws.example.internal"},
            "hubspoke:dns.zone is not a known key; did you mean privateZone?"
            " (known: endpointIps, firewall, privateZone, queryLogging, shareOutsideOrganization)",
        ),
        # The VPN.
        ({"vpn__customerGatewayIp": None}, "hubspoke:onPrem.vpn.customerGatewayIp is required"),
        (
            {"vpn__customerGatewayIp": "203.0.113"},
            "hubspoke:onPrem.vpn.customerGatewayIp 203.0.113 is not a valid IPv4 address",
        ),
        (
            {"vpn__customerGatewayIp": "192.168.1.1"},
            "hubspoke:onPrem.vpn.customerGatewayIp 192.168.1.1 must be the public IP of the"
            " on-prem VPN device",
        ),
        (
            {"vpn__bgpAsn": 0},
            "hubspoke:onPrem.vpn.bgpAsn 0 is out of range (allowed: 1..2147483647)",
        ),
        ({"vpn__bgpAsn": "65010"}, "hubspoke:onPrem.vpn.bgpAsn 65010 must be a whole number"),
        (
            {"vpn__bgpAsn": 64512},
            "hubspoke:onPrem.vpn.bgpAsn 64512 is the ASN of the AWS side (the virtual private"
            " gateway's 64512); use the on-prem router's own ASN",
        ),
    ],
)
def test_each_bad_value_is_reported_with_its_key_and_value(
    changes: dict[str, Any], expected: str
) -> None:
    assert problems(config(**changes)) == [expected]


def test_every_problem_is_reported_at_once() -> None:
    raw = config(
        onPrem__dnsServers=["192.168.10.300", "172.16.0.10"],
        onPrem__domains=["corp.example.com", "corp.example.com"],
        dns__privateZone="corp.example.com",
        vpn__bgpAsn=64512,
    )
    assert problems(raw) == [
        "hubspoke:onPrem.dnsServers[0] 192.168.10.300 is not a valid IPv4 address",
        "hubspoke:onPrem.dnsServers[1] 172.16.0.10 is not inside any of hubspoke:onPrem.cidrs"
        " (192.168.0.0/16)",
        "hubspoke:onPrem.domains[1] corp.example.com duplicates hubspoke:onPrem.domains[0]",
        "hubspoke:onPrem.vpn.bgpAsn 64512 is the ASN of the AWS side (the virtual private"
        " gateway's 64512); use the on-prem router's own ASN",
        "hubspoke:dns.privateZone corp.example.com collides with hubspoke:onPrem.domains[0]"
        " corp.example.com (one would shadow the other)",
    ]


def test_the_program_stops_on_bad_dns_config_before_registering_anything() -> None:
    raw = stack_config("prod")
    raw["hubspoke:onPrem"]["dnsServers"] = ["10.0.0.2"]
    mocks = FakeAws()
    with pytest.raises(pulumi.RunError) as caught:
        run("prod", config=raw, mocks=mocks)
    assert mocks.providers == {}  # not even an account's provider was registered
    assert str(caught.value) == (
        "1 problem in the stack config:\n"
        "  - hubspoke:onPrem.dnsServers[0] 10.0.0.2 is not inside any of hubspoke:onPrem.cidrs"
        " (192.168.0.0/16)"
    )


def test_dns_firewall_and_query_logging_report_every_problem_at_once() -> None:
    """Unknown list names, domain syntax, duplicates, block response, OVERRIDE without a domain,
    priority range, missing managed list ids, destinations and retention: one run, every line."""
    from components.validation.dns import check_firewall_regions, parse_dns
    from components.validation.fields import Problems

    found = Problems()
    dns = parse_dns(
        {
            "firewall": {
                "managedLists": ["AWSManagedDomainsMalwareDomainList", "NoSuchList",
                                 "AWSManagedDomainsMalwareDomainList"],
                "blockedDomains": ["bad..example", "*.x.example.com", "*.x.example.com"],
                "allowedDomains": ["ok.example.com", "ok.example.com"],
                "blockResponse": "OVERRIDE",
                "priority": 99,
            },
            "queryLogging": {"destination": "firehose", "retentionDays": 4},
        },
        found,
        None,
        is_prod=True,
    )  # fmt: skip
    hub = VpcConfig(
        name="hub", account="network", cidr=ipaddress.IPv4Network("10.0.0.0/16"),
        region="eu-west-1", az_count=2, nat_gateways="none", config_path="hubspoke:hub",
    )  # fmt: skip
    check_firewall_regions(dns, hub, [], found)
    fw = "hubspoke:dns.firewall"
    assert found.items == [
        f"{fw}.managedLists[1] NoSuchList is not an AWS managed domain list "
        "(AWSManagedDomainsAggregateThreatList, AWSManagedDomainsAmazonGuardDutyThreatList, "
        "AWSManagedDomainsBotnetCommandandControl, AWSManagedDomainsMalwareDomainList)",
        f"{fw}.managedLists[2] AWSManagedDomainsMalwareDomainList duplicates {fw}.managedLists[0]",
        f"{fw}.allowedDomains[1] ok.example.com duplicates {fw}.allowedDomains[0]",
        f"{fw}.blockedDomains[0] bad..example is not a valid domain name (labels of a-z, 0-9 "
        "and -, at least two)",
        f"{fw}.blockedDomains[2] *.x.example.com duplicates {fw}.blockedDomains[1]",
        f"{fw}.blockResponse OVERRIDE needs {fw}.overrideDomain (the CNAME answered instead)",
        f"{fw}.priority 99 is out of range (allowed: 100..9900)",
        "hubspoke:dns.queryLogging.destination firehose must be one of cloudwatch, s3",
        "hubspoke:dns.queryLogging.retentionDays 4 is not a CloudWatch Logs retention value "
        "(1, 3, 5, 7, 14, 30, 60, 90, ...)",
        f'{fw}.managedLists ["AWSManagedDomainsMalwareDomainList"] need managedListIds: a '
        "managed list has one id per region, and VPCs are in eu-west-1",
    ]
    assert dns.firewall.mutation_protection is True  # prod's default
    assert dns.firewall.fail_open is False


def test_a_missing_managed_list_id_names_the_deepest_key_the_file_has():
    from tests.test_config import problems, raw

    cfg = raw("prod")
    ids = cfg["dns"]["firewall"]["managedListIds"]
    del ids["eu-central-1"]
    del ids["eu-west-1"]["AWSManagedDomainsBotnetCommandandControl"]
    fw = "hubspoke:dns.firewall.managedListIds"
    assert problems(cfg) == [
        f'{fw} ["eu-west-1"] has no ids for eu-central-1, where a VPC is',
        f'{fw}.eu-west-1 ["AWSManagedDomainsMalwareDomainList"] lacks the id of '
        "AWSManagedDomainsBotnetCommandandControl (a managed list has one id per region)",
    ]


@pytest.mark.parametrize(
    "list_id",
    ["rslvr-fdl-xxx", "rslvr-fdl-PLACEHOLDER00000001", "rslvr-fdl-0A1B2C3D4E5F60001", "fdl-1"],
)
def test_a_managed_list_id_not_in_aws_format_is_refused_naming_the_key(list_id):
    from tests.test_config import problems, raw

    cfg = raw("prod")
    cfg["dns"]["firewall"]["managedListIds"]["eu-west-1"]["AWSManagedDomainsMalwareDomainList"] = (
        list_id
    )
    [problem] = problems(cfg)
    key = "hubspoke:dns.firewall.managedListIds.eu-west-1.AWSManagedDomainsMalwareDomainList"
    assert problem.startswith(f"{key} {list_id} is not a domain list id (rslvr-fdl- and 16-17 hex")
    assert "list-firewall-domain-lists --region eu-west-1" in problem
