"""The web ACL in front of the stage (prod by default): AWS managed rules, a rate limit per
client IP, metrics and sampled requests, and logs in an encrypted log group.

A web ACL for a REST API stage has scope REGIONAL and lives in the stage's account and region
(AWS WAF developer guide, "Resources you can protect"); it is associated with the stage ARN
`arn:aws:apigateway:<region>::/restapis/<id>/stages/<stage>`. Costs while idle: $5 a month per
web ACL and $1 per rule (AWS WAF pricing), plus $0.60 per million requests inspected.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.api.scope import Scope
from components.model import PROJECT, WafConfig
from components.naming import holds_fixed_name

# WAF sends logs only to destinations whose name starts with this (WebAclLoggingConfiguration).
WAF_LOG_PREFIX = "aws-waf-logs-"
RATE_RULE = "rate-per-ip"


def _metric(name: str) -> str:
    """Metric names: letters, digits, `-` and `_` only."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name)


def _visibility(metric: str) -> dict:
    return {
        "cloudwatch_metrics_enabled": True,
        "metric_name": _metric(metric),
        "sampled_requests_enabled": True,
    }


def waf_rules(prefix: str, waf: WafConfig) -> list[dict]:
    """The rate rule first (cheapest to evaluate, and a flood never reaches the managed
    rules), then each managed rule group in the configured order; priorities 0, 1, 2, ..."""
    rules: list[dict] = [
        {
            "name": RATE_RULE,
            "priority": 0,
            "action": {"block": {}},
            "statement": {
                "rate_based_statement": {
                    "limit": waf.rate_limit_per_5min,
                    "aggregate_key_type": "IP",
                    "evaluation_window_sec": 300,
                }
            },
            "visibility_config": _visibility(f"{prefix}-{RATE_RULE}"),
        }
    ]
    for i, group in enumerate(waf.managed_rule_groups, start=1):
        rules.append(
            {
                "name": group,
                "priority": i,
                # The group's own actions apply (block); `count` would only observe.
                "override_action": {"none": {}},
                "statement": {
                    "managed_rule_group_statement": {"name": group, "vendor_name": "AWS"}
                },
                "visibility_config": _visibility(f"{prefix}-{group}"),
            }
        )
    return rules


def web_acl(scope: Scope, stage: aws.apigateway.Stage, waf: WafConfig) -> aws.wafv2.WebAcl:
    args = scope.args
    physical = scope.physical
    acl = aws.wafv2.WebAcl(
        f"{scope.name}-waf",
        name=physical,
        description=f"{PROJECT} {args.environment} items API stage",
        scope="REGIONAL",
        default_action={"allow": {}},
        rules=waf_rules(physical, waf),
        visibility_config=_visibility(physical),
        tags=scope.tags("-waf"),
        opts=holds_fixed_name(scope.child),  # a web ACL name is unique per scope and region
    )
    aws.wafv2.WebAclAssociation(
        f"{scope.name}-waf",
        resource_arn=stage.arn,
        web_acl_arn=acl.arn,
        opts=scope.child,
    )
    log_group = aws.cloudwatch.LogGroup(
        f"{scope.name}-waf-logs",
        name=f"{WAF_LOG_PREFIX}{physical}",
        retention_in_days=args.log_retention_days,
        kms_key_id=args.log_key_arn,
        tags=scope.tags("-waf-logs"),
        opts=holds_fixed_name(scope.child),
    )
    aws.wafv2.WebAclLoggingConfiguration(
        f"{scope.name}-waf",
        resource_arn=acl.arn,
        log_destination_configs=[log_group.arn],
        # Tokens stay out of the logs.
        redacted_fields=[{"single_header": {"name": "authorization"}}],
        opts=pulumi.ResourceOptions.merge(
            scope.child, pulumi.ResourceOptions(depends_on=[log_group])
        ),
    )
    return acl
