"""Alarms on the function's errors and throttles and the API's 5XX, and the topic they notify."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.api.scope import Scope
from components.model import PROJECT


def alarm_topic(scope: Scope, key: aws.kms.Key) -> pulumi.Input[str]:
    """The configured topic's ARN, or a topic of our own (encrypted) with the configured emails."""
    cfg = scope.args.config
    if cfg.alarm_topic_arn:
        return cfg.alarm_topic_arn
    topic = aws.sns.Topic(
        f"{scope.name}-alarms",
        kms_master_key_id=key.arn,
        tags=scope.tags("-alarms"),
        opts=scope.child,
    )
    for i, email in enumerate(cfg.alarm_emails):
        # Each address gets a confirmation mail; nothing is delivered until it is confirmed.
        aws.sns.TopicSubscription(
            f"{scope.name}-alarms-{i}",
            topic=topic.arn,
            protocol="email",
            endpoint=email,
            opts=scope.child,
        )
    return topic.arn


def metric_alarms(
    scope: Scope,
    topic_arn: pulumi.Input[str],
    function: aws.lambda_.Function,
    api: aws.apigateway.RestApi,
    api_stage: aws.apigateway.Stage,
) -> list[aws.cloudwatch.MetricAlarm]:
    physical_function = function.name
    specs = [
        ("function-errors", "AWS/Lambda", "Errors", {"FunctionName": physical_function},
         "the items function failed (an unhandled error or a timeout)"),
        ("function-throttles", "AWS/Lambda", "Throttles", {"FunctionName": physical_function},
         "the items function hit its reserved concurrency"),
        ("api-5xx", "AWS/ApiGateway", "5XXError",
         {"ApiName": api.name, "Stage": api_stage.stage_name},
         "the items API answered 5XX"),
    ]  # fmt: skip
    return [
        aws.cloudwatch.MetricAlarm(
            f"{scope.name}-{role}",
            alarm_description=f"{PROJECT} {scope.args.environment}: {what}",
            namespace=namespace,
            metric_name=metric,
            dimensions=dimensions,
            statistic="Sum",
            period=300,
            evaluation_periods=1,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="notBreaching",  # no traffic is not a failure
            alarm_actions=[topic_arn],
            ok_actions=[topic_arn],
            tags=scope.tags(f"-{role}"),
            opts=scope.child,
        )
        for role, namespace, metric, dimensions, what in specs
    ]
