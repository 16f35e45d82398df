"""DNS Firewall and Resolver query logging under mocks: the real `__main__.py` with both stack
files (update and preview) and variants of prod. Per region in use the hub account owns the rule
group and the query log config; every VPC associates them with its own account's provider, after
its account is a principal of the region's share."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from offline.mocks import Registration
from offline.runner import RunResult, run, stack_config

GROUP = "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup"
RULE = "aws:route53/resolverFirewallRule:ResolverFirewallRule"
DOMAIN_LIST = "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList"
ASSOC = "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation"
FW_CONFIG = "aws:route53/resolverFirewallConfig:ResolverFirewallConfig"
QLOG = "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig"
QLOG_ASSOC = "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LOG_POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"
KEY = "aws:kms/key:Key"
SHARE_RESOURCE = "aws:ram/resourceAssociation:ResourceAssociation"
SHARE_PRINCIPAL = "aws:ram/principalAssociation:PrincipalAssociation"
VPC = "aws:ec2/vpc:Vpc"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
NETWORK, WORKLOADS, ANALYTICS = "111122223333", "444455556666", "777788889999"
VPCS = ("hub", "app", "data", "shared")
REGION = {"hub": "eu-west-1", "app": "eu-west-1", "data": "eu-central-1", "shared": "eu-west-1"}
ACCOUNT = {"hub": NETWORK, "app": WORKLOADS, "data": ANALYTICS, "shared": WORKLOADS}


def prod_with(**dns: Any) -> dict[str, Any]:
    raw = copy.deepcopy(stack_config("prod"))
    for key, value in dns.items():
        raw["hubspoke:dns"][key] = value
    return raw


@pytest.fixture(scope="module", params=[False, True], ids=["update", "preview"])
def prod(request, run_stack_file) -> RunResult:
    return run_stack_file("prod", preview=request.param)


@pytest.fixture(scope="module")
def dev(run_stack_file) -> RunResult:
    return run_stack_file("dev")


@pytest.fixture(scope="module")
def prod_s3() -> RunResult:
    raw = prod_with()
    raw["hubspoke:dns"]["queryLogging"] = {"destination": "s3"}
    raw["hubspoke:dns"]["firewall"] |= {
        "allowedDomains": ["ok.example.net"],
        "blockedDomains": ["*.bad.example.net"],
        "blockResponse": "OVERRIDE",
        "overrideDomain": "blocked.example.com",
        "priority": 5000,
    }
    return run("prod", config=raw)


def by_vpc(result: RunResult, type_: str, key: str) -> dict[str, Registration]:
    """The associations of a type by VPC name (logical `<component>-<vpc>`); after apply, each
    one's VPC id input is that VPC's id."""
    found = {}
    for reg in result.of_type(type_):
        (name,) = [n for n in VPCS if reg.name.endswith(f"-{n}")]
        if not result.preview:
            assert reg.inputs[key] == result.named(VPC, name).id, reg.name
        found[name] = reg
    return found


@pytest.mark.parametrize(
    "type_,key", [(ASSOC, "vpcId"), (FW_CONFIG, "resourceId"), (QLOG_ASSOC, "resourceId")]
)
def test_every_vpc_is_associated_by_its_own_account_and_region(prod, type_, key) -> None:
    found = by_vpc(prod, type_, key)
    assert sorted(found) == sorted(VPCS)
    for name, reg in found.items():
        assert reg.provider == prod.named(VPC, name).provider, name
        assert prod.account_of(reg) == ACCOUNT[name]


@pytest.mark.parametrize(
    "type_,thing,key",
    [(ASSOC, GROUP, "firewallRuleGroupId"), (QLOG_ASSOC, QLOG, "resolverQueryLogConfigId")],
)
def test_other_accounts_associate_after_the_share_of_their_regions_resource(
    prod, type_, thing, key
) -> None:
    found = by_vpc(prod, type_, "vpcId" if type_ == ASSOC else "resourceId")
    for name, reg in found.items():
        owner = prod.named(thing, f"{reg.name.split('-' + name)[0]}-{REGION[name]}")
        assert prod.account_of(owner) == NETWORK
        assert reg.inputs.get(key) == owner.id or prod.preview
        principals = [
            p for p in prod.of_type(SHARE_PRINCIPAL) if p.inputs["principal"] == ACCOUNT[name]
            and p.name.startswith(reg.name.split("-" + name)[0] + f"-{REGION[name]}")
        ]  # fmt: skip
        share_prefix = reg.name.split("-" + name)[0] + f"-{REGION[name]}-share-"
        shared = [r for r in prod.of_type(SHARE_RESOURCE) if r.name.startswith(share_prefix)]
        assert prod.preview or [r.inputs["resourceArn"] for r in shared] == [owner.outputs["arn"]]
        if ACCOUNT[name] == NETWORK:
            assert principals == [] and not {s.urn for s in shared} & set(reg.dependencies)
        else:
            (principal,) = principals
            assert principal.urn in reg.dependencies, name
            assert {s.urn for s in shared} <= set(reg.dependencies) and shared, name


def test_a_rule_group_per_region_in_the_hub_account_allow_before_block(prod) -> None:
    groups = {g.name: g for g in prod.of_type(GROUP)}
    assert sorted(groups) == ["dns-firewall-eu-central-1", "dns-firewall-eu-west-1"]
    assert {prod.account_of(g) for g in groups.values()} == {NETWORK}
    for region in ("eu-west-1", "eu-central-1"):
        group = groups[f"dns-firewall-{region}"]
        rules = [r for r in prod.of_type(RULE) if r.name.startswith(f"{group.name}-")]
        assert all(r.provider == group.provider for r in rules)
        ids = stack_config("prod")["hubspoke:dns"]["firewall"]["managedListIds"][region]
        ordered = sorted(rules, key=lambda r: r.inputs["priority"])
        assert [(r.inputs["action"], r.inputs["firewallDomainListId"]) for r in ordered] == [
            ("BLOCK", ids["AWSManagedDomainsMalwareDomainList"]),
            ("BLOCK", ids["AWSManagedDomainsBotnetCommandandControl"]),
        ]
        assert {r.inputs["blockResponse"] for r in rules} == {"NXDOMAIN"}


def test_prod_protects_every_association_at_the_default_priority_and_fails_closed(prod) -> None:
    for reg in prod.of_type(ASSOC):
        assert reg.inputs["priority"] == 101
        assert reg.inputs["mutationProtection"] == "ENABLED"
    assert {c.inputs["firewallFailOpen"] for c in prod.of_type(FW_CONFIG)} == {"DISABLED"}


def test_dev_has_no_firewall_nor_query_logs(dev) -> None:
    assert dev.of_type(GROUP) == [] and dev.of_type(QLOG) == []


def test_custom_lists_allow_first_then_block_with_the_override(prod_s3) -> None:
    group = prod_s3.named(GROUP, "dns-firewall-eu-west-1")
    rules = sorted(
        (r for r in prod_s3.of_type(RULE) if r.inputs["firewallRuleGroupId"] == group.id),
        key=lambda r: r.inputs["priority"],
    )
    allowed = prod_s3.named(DOMAIN_LIST, "dns-firewall-eu-west-1-allowed")
    blocked = prod_s3.named(DOMAIN_LIST, "dns-firewall-eu-west-1-blocked")
    assert allowed.inputs["domains"] == ["ok.example.net"]
    assert blocked.inputs["domains"] == ["*.bad.example.net"]
    assert [r.inputs["firewallDomainListId"] for r in rules[:2]] == [allowed.id, blocked.id]
    assert rules[0].inputs["action"] == "ALLOW" and "blockResponse" not in rules[0].inputs
    for rule in rules[1:]:
        assert rule.inputs["blockResponse"] == "OVERRIDE"
        assert rule.inputs["blockOverrideDomain"] == "blocked.example.com"
        assert rule.inputs["blockOverrideDnsType"] == "CNAME"
    assert {a.inputs["priority"] for a in prod_s3.of_type(ASSOC)} == {5000}


def test_query_log_group_uses_the_log_key_of_its_account_and_region_with_retention(prod) -> None:
    for region in ("eu-west-1", "eu-central-1"):
        group = prod.named(LOG_GROUP, f"dns-queries-{region}")
        key = prod.named(KEY, f"logs-network-{region}")
        assert prod.preview or group.inputs["kmsKeyId"] == key.outputs["arn"]
        assert key.urn in group.dependencies
        assert prod.account_of(group) == NETWORK and prod.region_of(group) == region
        assert group.inputs["retentionInDays"] == 365
        config = prod.named(QLOG, f"dns-queries-{region}")
        assert prod.preview or config.inputs["destinationArn"] == group.outputs["arn"]
        assert prod.named(LOG_POLICY, f"dns-queries-{region}").urn in config.dependencies


def test_log_delivery_may_write_for_the_hub_account_and_region_only(prod) -> None:
    if prod.preview:
        pytest.skip("the policy document is built from the group's ARN, known after apply")
    policy = prod.named(LOG_POLICY, "dns-queries-eu-central-1")
    (statement,) = json.loads(policy.inputs["policyDocument"])["Statement"]
    assert statement["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": NETWORK},
        "ArnLike": {"aws:SourceArn": f"arn:aws:logs:eu-central-1:{NETWORK}:*"},
    }
    group_arn = prod.named(LOG_GROUP, "dns-queries-eu-central-1").outputs["arn"]
    assert statement["Resource"] == f"{group_arn.removesuffix(':*')}:log-stream:*"


def test_s3_destination_is_tls_only_and_lets_delivery_write_for_the_hub(prod_s3) -> None:
    assert prod_s3.of_type(LOG_GROUP) and not [
        g for g in prod_s3.of_type(LOG_GROUP) if g.name.startswith("dns-queries")
    ]
    policy = json.loads(prod_s3.named(BUCKET_POLICY, "dns-queries-eu-west-1").inputs["policy"])
    sids = {s["Sid"]: s for s in policy["Statement"]}
    assert sids["DenyInsecureTransport"]["Effect"] == "Deny"
    put = sids["ResolverQueryLogsDelivery"]
    assert put["Condition"]["StringEquals"]["aws:SourceAccount"] == NETWORK


def _prod_with_managed_ids(change) -> dict[str, Any]:
    raw = prod_with()
    change(raw["hubspoke:dns"]["firewall"]["managedListIds"])
    return raw


MALWARE, BOTNET = "AWSManagedDomainsMalwareDomainList", "AWSManagedDomainsBotnetCommandandControl"


def test_a_managed_list_id_of_another_region_fails_at_its_lookup_naming_the_id() -> None:
    """Ids are per region: one copied from eu-central-1 is not found in eu-west-1 (the lookup
    runs in preview too, so a placeholder or stale id never reaches a rule)."""
    stray = stack_config("prod")["hubspoke:dns"]["firewall"]["managedListIds"]["eu-central-1"]

    def copy_from_frankfurt(ids):
        ids["eu-west-1"][MALWARE] = stray[MALWARE]

    with pytest.raises(Exception, match=rf"\({stray[MALWARE]}\): couldn't find resource"):
        run("prod", config=_prod_with_managed_ids(copy_from_frankfurt), preview=True)


def test_the_id_of_the_other_managed_list_is_refused_naming_the_key_and_both_lists() -> None:
    def botnet_given_the_malware_id(ids):
        ids["eu-west-1"][BOTNET] = ids["eu-west-1"][MALWARE]

    with pytest.raises(Exception) as raised:
        run("prod", config=_prod_with_managed_ids(botnet_given_the_malware_id))
    message = str(raised.value)
    assert f"hubspoke:dns.firewall.managedListIds.eu-west-1.{BOTNET} rslvr-fdl-" in message
    assert f"is the domain list '{MALWARE}'" in message
    assert f"not the AWS managed list {BOTNET}" in message
