"""Each resource rule passes a good resource and fails a bad one."""

import json

import pytest

from policy import validators as v


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


# --- security groups -----------------------------------------------------------------------


@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "::/0"])
def test_inline_security_group_ingress_from_anywhere_is_refused(cidr):
    key = "ipv6CidrBlocks" if ":" in cidr else "cidrBlocks"
    props = {"ingress": [{"protocol": "tcp", "fromPort": 53, "toPort": 53, key: [cidr]}]}
    assert v.open_ingress(v.SECURITY_GROUP, props)


def test_inline_security_group_ingress_from_on_prem_cidrs_passes():
    props = {
        "ingress": [
            {"protocol": "udp", "fromPort": 53, "toPort": 53, "cidrBlocks": ["192.168.0.0/16"]}
        ],
        "egress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}],
    }
    assert v.open_ingress(v.SECURITY_GROUP, props) == []


def test_security_group_ingress_rule_resource_with_cidr_ipv6_everywhere_is_refused():
    assert v.open_ingress(v.SECURITY_GROUP_INGRESS_RULE, {"cidrIpv6": "::/0", "ipProtocol": "tcp"})
    assert v.open_ingress(v.SECURITY_GROUP_INGRESS_RULE, {"cidrIpv4": "0.0.0.0/0"})
    assert v.open_ingress(v.SECURITY_GROUP_INGRESS_RULE, {"cidrIpv4": "10.0.0.0/16"}) == []
    by_group = {"referencedSecurityGroupId": "sg-1"}
    assert v.open_ingress(v.SECURITY_GROUP_INGRESS_RULE, by_group) == []


def test_security_group_rule_counts_only_ingress_rules():
    everywhere = {"cidrBlocks": ["0.0.0.0/0"], "fromPort": 443, "toPort": 443, "protocol": "tcp"}
    assert v.open_ingress(v.SECURITY_GROUP_RULE, {**everywhere, "type": "ingress"})
    assert v.open_ingress(v.SECURITY_GROUP_RULE, {**everywhere, "type": "egress"}) == []


def test_default_security_group_with_open_ingress_is_refused():
    props = {"ingress": [{"protocol": "-1", "cidrBlocks": ["0.0.0.0/0"]}]}
    assert v.open_ingress(v.DEFAULT_SECURITY_GROUP, props)
    assert v.open_ingress(v.DEFAULT_SECURITY_GROUP, {"vpcId": "vpc-1"}) == []


# --- IAM -----------------------------------------------------------------------------------

TABLE = "arn:aws:dynamodb:eu-west-1:111122223333:table/items"


def test_role_policy_scoped_to_a_table_passes():
    policy = _doc(
        {"Effect": "Allow", "Action": ["dynamodb:Query", "dynamodb:PutItem"],
         "Resource": [TABLE, f"{TABLE}/index/*"]},
        {"Effect": "Allow", "Action": ["xray:PutTraceSegments"], "Resource": "*"},
        {"Effect": "Allow", "Action": "ec2:CreateNetworkInterface", "Resource": "*"},
    )  # fmt: skip
    assert v.wildcard_iam(v.IAM_ROLE_POLICY, {"policy": policy}) == []


@pytest.mark.parametrize("action", ["*", "dynamodb:*", "s3:*"])
def test_policy_with_a_wildcard_action_is_refused(action):
    policy = _doc({"Effect": "Allow", "Action": action, "Resource": TABLE})
    problems = v.wildcard_iam(v.IAM_POLICY, {"policy": policy})
    assert any(f"wildcard action {action}" in p for p in problems)


def test_data_action_on_every_resource_is_refused():
    for resource in ("*", "arn:aws:s3:::*", "arn:aws:dynamodb:*:*:*"):
        policy = _doc({"Effect": "Allow", "Action": ["dynamodb:GetItem", "s3:GetObject"],
                       "Resource": resource})  # fmt: skip
        problems = v.wildcard_iam(v.IAM_ROLE_POLICY, {"policy": policy})
        assert any("data actions dynamodb:GetItem, s3:GetObject" in p for p in problems), resource


def test_account_level_list_actions_may_use_the_star_resource():
    policy = _doc({"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"})
    assert v.wildcard_iam(v.IAM_ROLE_POLICY, {"policy": policy}) == []


def test_not_action_allow_is_refused_and_deny_statements_may_be_broad():
    allow = _doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert v.wildcard_iam(v.IAM_POLICY, {"policy": allow})
    deny_tls = _doc({"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                     "Condition": {"Bool": {"aws:SecureTransport": "false"}}})  # fmt: skip
    assert v.wildcard_iam(v.IAM_POLICY, {"policy": deny_tls}) == []


def test_role_inline_policies_are_checked_too():
    bad = {"inlinePolicies": [{"name": "all", "policy": _doc({"Effect": "Allow", "Action": "*",
                                                              "Resource": "*"})}]}  # fmt: skip
    assert any("inlinePolicies[all]" in p for p in v.wildcard_iam(v.IAM_ROLE, bad))
    assert v.wildcard_iam(v.IAM_ROLE, {"assumeRolePolicy": "{}"}) == []


def test_policy_given_as_a_mapping_and_a_single_statement_is_read():
    policy = {"Statement": {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}}
    assert v.wildcard_iam(v.IAM_USER_POLICY, {"policy": policy})


def test_policy_that_is_not_json_is_reported():
    assert v.wildcard_iam(v.IAM_GROUP_POLICY, {"policy": "{not json"}) == [
        "policy is not valid JSON"
    ]


# --- DynamoDB, S3, logs --------------------------------------------------------------------


def test_table_with_encryption_and_pitr_passes():
    props = {"serverSideEncryption": {"enabled": True}, "pointInTimeRecovery": {"enabled": True}}
    assert v.dynamodb_protection(v.DYNAMODB_TABLE, props) == []


def test_table_without_encryption_or_pitr_is_refused():
    problems = v.dynamodb_protection(v.DYNAMODB_TABLE, {"pointInTimeRecovery": {"enabled": False}})
    assert len(problems) == 2
    assert any("serverSideEncryption.enabled" in p for p in problems)
    assert any("pointInTimeRecovery.enabled" in p for p in problems)


def test_public_access_block_needs_all_four_switches():
    full = dict.fromkeys(v.PUBLIC_ACCESS_FLAGS, True)
    assert v.s3_public_access_block(v.S3_PUBLIC_ACCESS_BLOCK, {"bucket": "b", **full}) == []
    partial = {**full, "restrictPublicBuckets": False}
    del partial["ignorePublicAcls"]
    [problem] = v.s3_public_access_block(v.S3_PUBLIC_ACCESS_BLOCK, partial)
    assert problem.startswith("ignorePublicAcls, restrictPublicBuckets must be true")


@pytest.mark.parametrize("days", [None, 0, True])
def test_log_group_without_retention_is_refused(days):
    props = {} if days is None else {"retentionInDays": days}
    assert v.log_group_retention(v.LOG_GROUP, props)


def test_log_group_with_retention_passes():
    assert v.log_group_retention(v.LOG_GROUP, {"retentionInDays": 14}) == []
    # Numbers reach a policy through protobuf, as floats.
    assert v.log_group_retention(v.LOG_GROUP, {"retentionInDays": 14.0}) == []


def test_rules_ignore_types_they_do_not_govern():
    for check in v.RESOURCE_CHECKS.values():
        assert check("aws:ec2/route:Route", {"destinationCidrBlock": "0.0.0.0/0"}) == []


@pytest.mark.parametrize("key", [None, "", "alias/aws/logs", "key-1234"])
def test_log_group_without_a_customer_key_arn_is_refused(key):
    props = {"retentionInDays": 14} | ({} if key is None else {"kmsKeyId": key})
    assert v.log_group_encryption(v.LOG_GROUP, props)


def test_log_group_with_a_customer_key_arn_passes():
    arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert v.log_group_encryption(v.LOG_GROUP, {"kmsKeyId": arn}) == []


def test_api_method_without_a_request_validator_is_refused_except_the_preflight():
    assert v.api_method_validation(v.APIGW_METHOD, {"httpMethod": "POST"})
    assert v.api_method_validation(v.APIGW_METHOD, {"httpMethod": "OPTIONS"}) == []
    validated = {"httpMethod": "GET", "requestValidatorId": "abc123"}
    assert v.api_method_validation(v.APIGW_METHOD, validated) == []
