"""Network ACLs: the flows a resolver query and a Lambda's HTTPS call need pass the default rules
(and fail without the ephemeral-port rule, the usual mistake); prod registers them per tier."""

from __future__ import annotations

import copy
import ipaddress

import pytest

from components import config
from components.model import NaclRule, NetworkAclsConfig, OnPremConfig
from components.network_acls import acl_rules, allows
from offline.runner import RunResult, stack_config

HUB = ipaddress.ip_network("10.0.0.0/16")
SPOKES = [ipaddress.ip_network("10.1.0.0/16"), ipaddress.ip_network("10.2.0.0/16")]
ON_PREM = OnPremConfig(
    cidrs=(ipaddress.ip_network("192.168.0.0/16"),),
    dns_servers=(ipaddress.ip_address("192.168.10.10"),),
    domains=("corp.example.com",),
    vpn=None,
)
HUB_RULES = acl_rules(HUB, SPOKES, ON_PREM, NetworkAclsConfig(), "private")
SPOKE_RULES = acl_rules(SPOKES[0], [HUB], None, NetworkAclsConfig(), "private")
DYNAMODB_IP = "52.94.24.10"  # a DynamoDB public address, reached through the gateway endpoint


def flow(rules, out: tuple, back: tuple) -> bool:
    """A request (egress from this subnet, or ingress to it) and its reply, both allowed?"""
    return allows(
        rules, **dict(zip(("egress", "protocol", "port", "address"), out, strict=True))
    ) and allows(rules, **dict(zip(("egress", "protocol", "port", "address"), back, strict=True)))


def test_on_prem_queries_reach_the_inbound_endpoint_and_its_answers_go_back():
    for protocol in ("udp", "tcp"):
        query = (False, protocol, 53, "192.168.20.5")
        answer = (True, protocol, 49152, "192.168.20.5")
        assert flow(HUB_RULES, query, answer)


def test_the_outbound_endpoint_queries_on_prem_dns_and_gets_the_answer():
    assert flow(
        HUB_RULES, (True, "udp", 53, "192.168.10.10"), (False, "udp", 33000, "192.168.10.10")
    )
    # Only the DNS servers: another on-prem host gets no query on 53 from the endpoint.
    assert not allows(HUB_RULES, egress=True, protocol="udp", port=53, address="192.168.99.1")


def test_a_lambdas_https_call_and_its_reply_pass_the_spoke_acl():
    assert flow(SPOKE_RULES, (True, "tcp", 443, DYNAMODB_IP), (False, "tcp", 40123, DYNAMODB_IP))


def test_without_the_ephemeral_rule_the_reply_is_dropped():
    # The usual mistake: HTTPS out allowed, the reply to the caller's ephemeral port not.
    broken = [r for r in SPOKE_RULES if not (not r.egress and r.from_port == 1024)]
    assert allows(broken, egress=True, protocol="tcp", port=443, address=DYNAMODB_IP)
    assert not allows(broken, egress=False, protocol="tcp", port=40123, address=DYNAMODB_IP)


def test_the_internet_gets_nothing_in_but_replies():
    assert not allows(HUB_RULES, egress=False, protocol="tcp", port=22, address="203.0.113.9")
    assert not allows(HUB_RULES, egress=False, protocol="udp", port=53, address="203.0.113.9")
    assert not allows(SPOKE_RULES, egress=False, protocol="udp", port=53, address="192.168.1.1")


def test_peers_talk_and_config_rules_come_after_the_defaults():
    assert allows(SPOKE_RULES, egress=False, protocol="udp", port=53, address="10.0.1.10")
    extra = NaclRule(300, False, "allow", "tcp", ipaddress.ip_network("198.51.100.0/24"), 22, 22)
    rules = acl_rules(SPOKES[0], [HUB], None, NetworkAclsConfig(private=(extra,)), "private")
    assert allows(rules, egress=False, protocol="tcp", port=22, address="198.51.100.7")
    numbers = [r.rule for r in rules if not r.egress]
    assert numbers == sorted(numbers) and numbers[-1] == 300


@pytest.fixture(scope="module")
def prod(run_stack_file) -> RunResult:
    return run_stack_file("prod")


def test_prod_registers_an_acl_per_tier_with_subnets_and_rules(prod):
    acls = {a.name: a for a in prod.of_type("aws:ec2/networkAcl:NetworkAcl")}
    assert set(acls) == {"hub-private", "app-private"}  # no public subnets without NAT
    hub = acls["hub-private"]
    subnets = [
        s.id for s in prod.of_type("aws:ec2/subnet:Subnet") if s.name.startswith("hub-private-")
    ]
    assert sorted(hub.inputs["subnetIds"]) == sorted(subnets)
    rules = [
        r
        for r in prod.of_type("aws:ec2/networkAclRule:NetworkAclRule")
        if r.inputs["networkAclId"] == hub.id
    ]
    udp53 = [r for r in rules if r.inputs["protocol"] == "17" and r.inputs.get("fromPort") == 53]
    assert {(r.inputs["egress"], r.inputs["cidrBlock"]) for r in udp53} == {
        (False, "192.168.0.0/16"),
        (True, "192.168.10.10/32"),
        (True, "192.168.10.11/32"),
    }


def test_without_the_key_the_default_acl_stays(run_stack_file):
    assert run_stack_file("dev").of_type("aws:ec2/networkAcl:NetworkAcl") == []


def test_bad_acl_rules_are_reported_with_key_and_value():
    raw = copy.deepcopy(
        {
            k.removeprefix("hubspoke:"): v
            for k, v in stack_config("dev").items()
            if k.startswith("hubspoke:")
        }
    )
    raw["hub"]["networkAcls"] = {
        "private": {
            "ingress": [
                {
                    "rule": 100,
                    "action": "allow",
                    "protocol": "tcp",
                    "cidr": "10.0.0.0/8",
                    "fromPort": 22,
                },
                {"rule": 200, "action": "permit", "protocol": "gre", "cidr": "10.0.0.0/8"},
                {
                    "rule": 300,
                    "action": "allow",
                    "protocol": "udp",
                    "cidr": "10.0.0.0/8",
                    "fromPort": 9,
                    "toPort": 1,
                },
            ]
        },
        "dmz": {},
    }
    with pytest.raises(config.ConfigError) as error:
        config.parse(raw, stack="dev", region="eu-west-1")
    problems = "\n".join(error.value.problems)
    path = "hubspoke:hub.networkAcls"
    assert f"{path}.private.ingress[0].rule 100 " in problems
    assert f"{path}.private.ingress[1].action permit must be allow or deny" in problems
    assert f"{path}.private.ingress[1].protocol gre must be one of" in problems
    assert f"{path}.private.ingress[2].toPort 1 is below fromPort 9" in problems
    assert f"{path}.dmz is not a known key (known: private, public)" in problems
