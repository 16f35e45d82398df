"""What the emulator refuses for encrypted logs, the web ACL and request validation, as AWS does."""

from __future__ import annotations

import pytest

from offline.emulator import EmulatorRejected

LOG_KEY = """
from components.log_key import log_key_policy
policy = log_key_policy("111122223333", "eu-west-1")
{tamper}
key = aws.kms.Key("logs", policy=json.dumps(policy), opts=on(hub))
aws.cloudwatch.LogGroup("group", name="/g", retention_in_days=7, kms_key_id=key.arn, opts=on(hub))
"""


def test_a_log_group_with_the_log_key_of_its_account_and_region_is_created(run_program):
    result = run_program(LOG_KEY.format(tamper=""))
    assert result.named("aws:cloudwatch/logGroup:LogGroup", "group").id == "/g"


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        # The statement for the Logs service dropped: the account alone cannot let Logs in.
        ('policy["Statement"] = policy["Statement"][:1]', "does not allow logs.eu-west-1"),
        # Another region's Logs service.
        (
            'policy["Statement"][1]["Principal"] = {"Service": "logs.us-east-1.amazonaws.com"}',
            "does not allow logs.eu-west-1",
        ),
        # The encryption context of another account's groups.
        (
            'policy["Statement"][1]["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]'
            ' = "arn:aws:logs:eu-west-1:999999999999:log-group:*"',
            "does not allow",
        ),
        # Encrypt only: Logs also decrypts what it reads back.
        ('policy["Statement"][1]["Action"] = ["kms:GenerateDataKey*"]', "does not allow"),
    ],
    ids=["no-logs-statement", "other-region", "other-account-context", "no-decrypt"],
)
def test_a_log_key_whose_policy_keeps_logs_out_is_rejected(run_program, tamper, reason):
    with pytest.raises(EmulatorRejected, match=rf"'group'.*{reason}"):
        run_program(LOG_KEY.format(tamper=tamper))


def test_a_log_key_in_another_region_is_rejected(run_program):
    with pytest.raises(EmulatorRejected, match=r"'group'.*not in the log group's region"):
        run_program(
            """
east = provider("east", "111122223333", "us-east-1")
from components.log_key import log_key_policy
key = aws.kms.Key("logs", policy=json.dumps(log_key_policy("111122223333", "us-east-1")),
                  opts=on(east))
aws.cloudwatch.LogGroup("group", name="/g", retention_in_days=7, kms_key_id=key.arn, opts=on(hub))
"""
        )


WAF = """
api = aws.apigateway.RestApi("api", opts=on({acct}))
res = aws.apigateway.Resource("r", rest_api=api.id, parent_id=api.root_resource_id,
                              path_part="x", opts=on({acct}))
m = aws.apigateway.Method("m", rest_api=api.id, resource_id=res.id, http_method="GET",
                          authorization="NONE", opts=on({acct}))
i = aws.apigateway.Integration("i", rest_api=api.id, resource_id=res.id, http_method=m.http_method,
                               type="MOCK", opts=on({acct}))
d = aws.apigateway.Deployment("d", rest_api=api.id, opts=on({acct}, depends_on=[i]))
stage = aws.apigateway.Stage("s", rest_api=api.id, deployment=d.id, stage_name="prod",
                             opts=on({acct}))
vis = {{"cloudwatch_metrics_enabled": True, "metric_name": "acl",
       "sampled_requests_enabled": True}}
acl = aws.wafv2.WebAcl("acl", scope="REGIONAL", default_action={{"allow": {{}}}},
    visibility_config=vis, rules=[
        {{"name": "rate", "priority": 0, "action": {{"block": {{}}}}, "visibility_config": vis,
         "statement": {{"rate_based_statement": {{
             "limit": {limit}, "aggregate_key_type": "IP"}}}}}},
        {{"name": "common", "priority": {priority}, "override_action": {{"none": {{}}}},
         "visibility_config": vis, "statement": {{"managed_rule_group_statement": {{
             "name": "{group}", "vendor_name": "AWS"}}}}}}],
    opts=on(hub))
aws.wafv2.WebAclAssociation("assoc", resource_arn=stage.arn, web_acl_arn=acl.arn, opts=on({acct}))
logs = aws.cloudwatch.LogGroup("waf-logs", name="{log_name}", retention_in_days=7, opts=on(hub))
aws.wafv2.WebAclLoggingConfiguration("log", resource_arn=acl.arn,
    log_destination_configs=[logs.arn], opts=on(hub))
"""
GOOD = {"acct": "hub", "limit": 100, "priority": 1, "group": "AWSManagedRulesCommonRuleSet",
        "log_name": "aws-waf-logs-api"}  # fmt: skip


def test_a_regional_web_acl_on_a_stage_of_its_account_with_logging_is_created(run_program):
    result = run_program(WAF.format(**GOOD))
    association = result.named("aws:wafv2/webAclAssociation:WebAclAssociation", "assoc")
    assert association.id.endswith("/stages/prod")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"acct": "spoke"}, r"'assoc'.*same account and region"),
        ({"priority": 0}, r"'acl'.*priorities \[0, 0\] are not unique"),
        ({"group": "AWSManagedRulesNope"}, r"'acl'.*no AWS managed rule group"),
        ({"limit": 5}, r"(?s)'acl'.*RateBasedStatement.Limit, value: 5, valid min value: 10"),
        ({"log_name": "waf-api"}, r"'log'.*not named aws-waf-logs-"),
    ],
    ids=["stage-in-another-account", "duplicate-priority", "unknown-group", "rate-below-10",
         "log-name"],
)  # fmt: skip
def test_what_aws_refuses_for_a_web_acl_is_refused(run_program, change, reason):
    with pytest.raises(EmulatorRejected, match=reason):
        run_program(WAF.format(**{**GOOD, **change}))
