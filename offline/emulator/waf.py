"""WAFv2 web ACLs, their association with an API Gateway stage, and their logging.

moto stores a web ACL and an association with any ARN. The emulator layer adds what AWS checks:
rule priorities unique in the ACL, AWS managed rule groups that exist, a CLOUDFRONT ACL only in
us-east-1; an association only of a REGIONAL ACL with a REST API stage that exists in the ACL's
own account and region (AWS WAF developer guide, "Resources you can protect"); logging only to
destinations named `aws-waf-logs-*` that exist in the ACL's account and region ("Logging web ACL
traffic": WAFInvalidParameterException otherwise).
"""

from __future__ import annotations

import re
from typing import Any

from offline.emulator.registry import Created, Ctx, EmulatorRejected, Inputs, resource

# AWS managed rule groups (vendor AWS), AWS WAF developer guide, "AWS Managed Rules rule groups
# list".
AWS_MANAGED_RULE_GROUPS = frozenset({
    "AWSManagedRulesCommonRuleSet", "AWSManagedRulesAdminProtectionRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet",
    "AWSManagedRulesLinuxRuleSet", "AWSManagedRulesUnixRuleSet", "AWSManagedRulesWindowsRuleSet",
    "AWSManagedRulesPHPRuleSet", "AWSManagedRulesWordPressRuleSet",
    "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesAnonymousIpList",
    "AWSManagedRulesBotControlRuleSet", "AWSManagedRulesATPRuleSet", "AWSManagedRulesACFPRuleSet",
    "AWSManagedRulesAntiDDoSRuleSet",
})  # fmt: skip
_STAGE_ARN = re.compile(r"^arn:aws:apigateway:([a-z0-9-]+)::/restapis/([^/]+)/stages/([^/]+)$")
# Pulumi's camelCase names whose WAFv2 API names are not the plain PascalCase form.
_API_NAMES = {"cloudwatchMetricsEnabled": "CloudWatchMetricsEnabled"}


def _api(value: Any) -> Any:
    """Pulumi's nested camelCase inputs as the WAFv2 API's PascalCase structures."""
    if isinstance(value, dict):
        return {
            _API_NAMES.get(k, k[:1].upper() + k[1:]): _api(v)
            for k, v in value.items()
            if v is not None
        }
    if isinstance(value, list):
        return [_api(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _check_rules(rules: list[dict[str, Any]]) -> None:
    priorities = [int(r.get("priority") or 0) for r in rules]  # floats from the engine
    if len(set(priorities)) != len(priorities):
        raise EmulatorRejected(
            f"WAFInvalidParameterException: rule priorities {priorities} are not unique"
        )
    for rule in rules:
        managed = (rule.get("statement") or {}).get("managedRuleGroupStatement")
        vendor_aws = bool(managed) and managed.get("vendorName") == "AWS"
        if vendor_aws and managed.get("name") not in AWS_MANAGED_RULE_GROUPS:
            raise EmulatorRejected(
                f"WAFNonexistentItemException: no AWS managed rule group {managed.get('name')}"
            )
        if managed and not rule.get("overrideAction"):
            raise EmulatorRejected(
                f"WAFInvalidParameterException: rule {rule.get('name')} references a rule "
                "group and needs overrideAction, not action"
            )


@resource("aws:wafv2/webAcl:WebAcl")
def web_acl(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    scope = inputs["scope"]
    if scope not in ("REGIONAL", "CLOUDFRONT"):
        raise EmulatorRejected(f"WAFInvalidParameterException: scope {scope}")
    if scope == "CLOUDFRONT" and ctx.region != "us-east-1":
        raise EmulatorRejected("a CLOUDFRONT web ACL is created in us-east-1 only")
    rules = list(inputs.get("rules") or [])
    _check_rules(rules)
    kwargs: dict[str, Any] = {
        "Name": inputs.get("name") or name,
        "Scope": scope,
        "DefaultAction": _api(inputs["defaultAction"]),
        "VisibilityConfig": _api(inputs["visibilityConfig"]),
        "Rules": _api(rules),
    }
    if inputs.get("description"):
        kwargs["Description"] = inputs["description"]
    if ctx.tag_list(inputs):
        kwargs["Tags"] = ctx.tag_list(inputs)
    # botocore checks the shapes and bounds (a rate limit below 10 is refused here).
    summary = ctx.client("wafv2").create_web_acl(**kwargs)["Summary"]
    return summary["Id"], {
        "arn": summary["ARN"],
        "lockToken": summary["LockToken"],
        "name": summary["Name"],
    }


def _acl_place(arn: str) -> tuple[str, str, str]:
    """(region, account, scope) of a web ACL ARN: ...:wafv2:<region>:<acct>:regional/webacl/..."""
    parts = arn.split(":")
    return parts[3], parts[4], parts[5].split("/")[0]


@resource("aws:wafv2/webAclAssociation:WebAclAssociation")
def web_acl_association(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    acl_arn, target = inputs["webAclArn"], inputs["resourceArn"]
    region, account, scope = _acl_place(acl_arn)
    if scope != "regional":
        raise EmulatorRejected(
            f"WAFInvalidParameterException: {acl_arn} is not a REGIONAL web ACL; an API Gateway "
            "stage takes a regional one"
        )
    match = _STAGE_ARN.match(target)
    if match:
        stage_region, api_id, stage = match.groups()
        if (stage_region, ctx.region, ctx.account_id) != (region, region, account):
            raise EmulatorRejected(
                f"WAFInvalidParameterException: stage {target} and web ACL {acl_arn} must be in "
                f"the same account and region (association made in {ctx.account_id} "
                f"{ctx.region})"
            )
        apigw = ctx.client("apigateway")
        try:
            apigw.get_stage(restApiId=api_id, stageName=stage)
        except apigw.exceptions.NotFoundException:
            raise EmulatorRejected(
                f"WAFNonexistentItemException: no stage {stage} of API {api_id}"
            ) from None
    ctx.client("wafv2").associate_web_acl(WebACLArn=acl_arn, ResourceArn=target)
    return f"{acl_arn},{target}", {}


@resource("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
def web_acl_logging(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    acl_arn = inputs["resourceArn"]
    region, account, _ = _acl_place(acl_arn)
    destinations = list(inputs["logDestinationConfigs"])
    for arn in destinations:
        parts = arn.split(":")
        target = parts[6] if len(parts) > 6 else arn.rsplit("/", 1)[-1]
        if not target.startswith("aws-waf-logs-"):
            raise EmulatorRejected(
                f"WAFInvalidParameterException: log destination {arn} is not named aws-waf-logs-*"
            )
        if parts[2] == "logs":
            if (parts[3], parts[4]) != (region, account):
                raise EmulatorRejected(
                    f"WAFInvalidParameterException: log group {arn} is not in the web ACL's "
                    f"account and region ({account} {region})"
                )
            groups = ctx.client("logs").describe_log_groups(logGroupNamePrefix=target)
            if not any(g["logGroupName"] == target for g in groups["logGroups"]):
                raise EmulatorRejected(f"WAFNonexistentItemException: no log group {target}")
    kwargs: dict[str, Any] = {"ResourceArn": acl_arn, "LogDestinationConfigs": destinations}
    if inputs.get("redactedFields"):
        kwargs["RedactedFields"] = _api(list(inputs["redactedFields"]))
    ctx.client("wafv2").put_logging_configuration(LoggingConfiguration=kwargs)
    return acl_arn, {}
