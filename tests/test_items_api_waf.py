"""The prod stage's web ACL under mocks, and `hubspoke:api.waf` config."""

from __future__ import annotations

import copy

import pytest

from components import config
from components.model import WAF_DEFAULT_RULE_GROUPS
from offline.runner import RunResult, stack_config

T_ACL = "aws:wafv2/webAcl:WebAcl"
T_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
T_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"


@pytest.fixture(scope="module")
def prod(run_stack_file) -> RunResult:
    return run_stack_file("prod")


def test_prod_stage_has_a_regional_web_acl_with_the_managed_rules_and_a_rate_rule(prod):
    [acl] = prod.of_type(T_ACL)
    inputs = acl.inputs
    assert inputs["scope"] == "REGIONAL"
    assert inputs["defaultAction"] == {"allow": {}}
    rules = {r["name"]: r for r in inputs["rules"]}
    assert list(rules) == ["rate-per-ip", *WAF_DEFAULT_RULE_GROUPS]
    rate = rules["rate-per-ip"]
    assert rate["action"] == {"block": {}}
    assert rate["statement"]["rateBasedStatement"]["aggregateKeyType"] == "IP"
    assert rate["statement"]["rateBasedStatement"]["limit"] == 1000
    for group in WAF_DEFAULT_RULE_GROUPS:
        assert rules[group]["overrideAction"] == {"none": {}}
        assert rules[group]["statement"]["managedRuleGroupStatement"] == {
            "name": group,
            "vendorName": "AWS",
        }
    assert len({r["priority"] for r in inputs["rules"]}) == len(inputs["rules"])
    for visibility in [
        inputs["visibilityConfig"],
        *(r["visibilityConfig"] for r in rules.values()),
    ]:
        assert visibility["cloudwatchMetricsEnabled"] and visibility["sampledRequestsEnabled"]


def test_the_web_acl_is_in_the_stages_account_and_associated_with_the_stage_arn(prod):
    [acl] = prod.of_type(T_ACL)
    [association] = prod.of_type(T_ASSOCIATION)
    stage = prod.named("aws:apigateway/stage:Stage", "items-stage")
    assert association.inputs["resourceArn"] == stage.outputs["arn"]
    assert association.inputs["webAclArn"] == acl.outputs["arn"]
    assert stage.outputs["arn"].startswith("arn:aws:apigateway:eu-west-1::/restapis/")
    for r in (acl, association):
        assert (prod.account_of(r), prod.region_of(r)) == (
            prod.account_of(stage),
            prod.region_of(stage),
        )


def test_waf_logs_go_to_an_encrypted_aws_waf_logs_group_with_retention_and_no_tokens(prod):
    [logging] = prod.of_type(T_LOGGING)
    group = prod.named("aws:cloudwatch/logGroup:LogGroup", "items-waf-logs")
    assert group.inputs["name"].startswith("aws-waf-logs-")
    assert group.inputs["retentionInDays"] == stack_config("prod")["hubspoke:logRetentionDays"]
    assert group.inputs["kmsKeyId"].startswith("arn:aws:kms:")
    assert logging.inputs["logDestinationConfigs"] == [group.outputs["arn"]]
    assert logging.inputs["redactedFields"] == [{"singleHeader": {"name": "authorization"}}]


def test_dev_has_no_web_acl_by_default(run_stack_file):
    dev = run_stack_file("dev")
    assert dev.of_type(T_ACL) == [] and dev.of_type(T_ASSOCIATION) == []


def _parse(api_extra, environment="prod"):
    raw = copy.deepcopy(
        {
            k.removeprefix("hubspoke:"): v
            for k, v in stack_config("prod").items()
            if k.startswith("hubspoke:")
        }
    )
    raw["environment"] = environment
    raw["api"] = {**raw["api"], **api_extra}
    return config.parse(raw, stack="prod", region="eu-west-1")


def test_waf_config_defaults_and_switches():
    assert _parse({}).api.waf.rate_limit_per_5min == 1000
    assert _parse({}, environment="dev").api.waf is None
    assert _parse({"waf": False}).api.waf is None
    assert _parse({"waf": {"enabled": False}}).api.waf is None
    custom = _parse(
        {"waf": {"rateLimitPer5Min": 200, "managedRuleGroups": ["AWSManagedRulesSQLiRuleSet"]}}
    )
    assert custom.api.waf.managed_rule_groups == ("AWSManagedRulesSQLiRuleSet",)
    assert _parse({"waf": True}, environment="dev").api.waf is not None


def test_bad_waf_config_names_every_key_and_value():
    with pytest.raises(config.ConfigError) as error:
        _parse(
            {
                "waf": {
                    "rateLimitPer5Min": 5,
                    "managedRuleGroups": [
                        "Nope",
                        "AWSManagedRulesSQLiRuleSet",
                        "AWSManagedRulesSQLiRuleSet",
                    ],
                    "x": 1,
                }
            }
        )
    problems = error.value.problems
    assert any(p.startswith("hubspoke:api.waf.rateLimitPer5Min 5 ") for p in problems)
    assert any(
        p.startswith("hubspoke:api.waf.managedRuleGroups[0] Nope is not an AWS managed")
        for p in problems
    )
    assert any(
        p.startswith(
            "hubspoke:api.waf.managedRuleGroups[2] AWSManagedRulesSQLiRuleSet is listed twice"
        )
        for p in problems
    )
    assert any(p.startswith("hubspoke:api.waf.x is not a known key") for p in problems)
