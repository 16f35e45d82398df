"""SNS topics and subscriptions; CloudWatch metric alarms."""

from __future__ import annotations

from typing import Any

from offline.emulator.registry import (
    Created,
    Ctx,
    EmulatorRejected,
    Inputs,
    as_json,
    number,
    physical_name,
    resource,
)

_TOPIC_ATTRIBUTES = {
    "kmsMasterKeyId": "KmsMasterKeyId",
    "displayName": "DisplayName",
    "policy": "Policy",
    "deliveryPolicy": "DeliveryPolicy",
    "signatureVersion": "SignatureVersion",
    "tracingConfig": "TracingConfig",
}


@resource("aws:sns/topic:Topic")
def topic(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    topic_name = inputs.get("name") or physical_name(inputs.get("namePrefix") or name, 256)
    attributes = {
        api: as_json(inputs[key]) if key == "policy" else str(inputs[key])
        for key, api in _TOPIC_ATTRIBUTES.items()
        if inputs.get(key) is not None
    }
    if inputs.get("fifoTopic"):
        attributes["FifoTopic"] = "true"
    kwargs: dict[str, Any] = {"Name": topic_name, "Attributes": attributes}
    if ctx.tags(inputs):
        kwargs["Tags"] = ctx.tag_list(inputs)
    arn = ctx.client("sns").create_topic(**kwargs)["TopicArn"]
    return arn, {"arn": arn, "name": topic_name, "owner": ctx.account_id}


@resource("aws:sns/topicSubscription:TopicSubscription")
def topic_subscription(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    out = ctx.client("sns").subscribe(
        TopicArn=inputs["topic"],
        Protocol=inputs["protocol"],
        Endpoint=inputs["endpoint"],
        ReturnSubscriptionArn=True,
    )
    arn = out["SubscriptionArn"]
    return arn, {
        "arn": arn,
        "ownerId": ctx.account_id,
        # Email endpoints must confirm; until then AWS reports the subscription as pending.
        "pendingConfirmation": inputs["protocol"] in ("email", "email-json"),
    }


def _require_topics(ctx: Ctx, actions: list[str]) -> None:
    """moto accepts any action ARN; AWS needs the SNS topics to exist."""
    for action in actions:
        if not action.startswith("arn:aws:sns:"):
            continue
        _, _, _, region, account, _ = action.split(":", 5)
        topics = ctx.at(account, region).client("sns").list_topics()["Topics"]
        if action not in {t["TopicArn"] for t in topics}:
            raise EmulatorRejected(f"alarm action {action}: no such SNS topic")


@resource("aws:cloudwatch/metricAlarm:MetricAlarm")
def metric_alarm(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    alarm_name = inputs.get("name") or physical_name(name, 255)
    kwargs: dict[str, Any] = {
        "AlarmName": alarm_name,
        "ComparisonOperator": inputs["comparisonOperator"],
        "EvaluationPeriods": number(inputs["evaluationPeriods"]),
        "ActionsEnabled": bool(inputs.get("actionsEnabled", True)),
        "Tags": ctx.tag_list(inputs),
    }
    for key, api in (
        ("alarmDescription", "AlarmDescription"),
        ("metricName", "MetricName"),
        ("namespace", "Namespace"),
        ("statistic", "Statistic"),
        ("extendedStatistic", "ExtendedStatistic"),
        ("treatMissingData", "TreatMissingData"),
        ("unit", "Unit"),
        ("thresholdMetricId", "ThresholdMetricId"),
        ("evaluateLowSampleCountPercentiles", "EvaluateLowSampleCountPercentile"),
    ):
        if inputs.get(key) is not None:
            kwargs[api] = inputs[key]
    for key, api in (("period", "Period"), ("datapointsToAlarm", "DatapointsToAlarm")):
        if inputs.get(key) is not None:
            kwargs[api] = number(inputs[key])
    if inputs.get("threshold") is not None:
        kwargs["Threshold"] = float(inputs["threshold"])
    for key, api in (
        ("alarmActions", "AlarmActions"),
        ("okActions", "OKActions"),
        ("insufficientDataActions", "InsufficientDataActions"),
    ):
        if inputs.get(key):
            _require_topics(ctx, list(inputs[key]))
            kwargs[api] = list(inputs[key])
    if inputs.get("dimensions"):
        kwargs["Dimensions"] = [{"Name": k, "Value": v} for k, v in inputs["dimensions"].items()]
    if inputs.get("metricQueries"):
        kwargs["Metrics"] = [_metric_query(q) for q in inputs["metricQueries"]]
    if not inputs.get("metricQueries") and not inputs.get("metricName"):
        raise EmulatorRejected("an alarm needs metricName or metricQueries")
    ctx.client("cloudwatch").put_metric_alarm(**kwargs)
    return alarm_name, {"arn": ctx.arn("cloudwatch", f"alarm:{alarm_name}"), "name": alarm_name}


def _metric_query(query: Inputs) -> dict[str, Any]:
    out: dict[str, Any] = {"Id": query["id"], "ReturnData": bool(query.get("returnData", False))}
    if query.get("expression"):
        out["Expression"] = query["expression"]
    if query.get("label"):
        out["Label"] = query["label"]
    metric = query.get("metric")
    if metric:
        out["MetricStat"] = {
            "Metric": {
                "Namespace": metric["namespace"],
                "MetricName": metric["metricName"],
                "Dimensions": [
                    {"Name": k, "Value": v} for k, v in (metric.get("dimensions") or {}).items()
                ],
            },
            "Period": number(metric["period"]),
            "Stat": metric["stat"],
        }
    return out
