"""Validation of `hubspoke:api`: each bad value is reported with its key path and value, all at
once, before any resource exists (`parse` is pure: no Pulumi runtime needed)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.config import DEFAULT_UPLOAD_CONTENT_TYPES, ConfigError, parse

BASE: dict[str, Any] = {
    "environment": "dev",
    "accounts": {"sandbox": {"id": "111122223333"}},
    "hub": {"account": "sandbox", "cidr": "10.10.0.0/16"},
    "spokes": [
        {"name": "app", "account": "sandbox", "cidr": "10.11.0.0/16"},
        {"name": "far", "account": "sandbox", "cidr": "10.12.0.0/16", "region": "eu-central-1"},
    ],
    "api": {"spoke": "app", "corsOrigins": ["https://app.example.com"]},
}


def with_api(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    raw["api"].update(changes)
    return raw


def problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse(raw, stack="dev", region="eu-west-1")
    return caught.value.problems


def test_defaults_fill_the_optional_api_keys():
    api = parse(copy.deepcopy(BASE), stack="dev", region="eu-west-1").api
    assert api.spoke == "app"
    assert api.cors_origins == ("https://app.example.com",)
    assert (api.throttle_rate_limit, api.throttle_burst_limit) == (50.0, 100)
    assert (api.memory_mb, api.timeout_seconds, api.runtime) == (256, 10, "python3.13")
    assert api.reserved_concurrency is None
    assert api.upload_max_bytes == 10 * 1024 * 1024
    assert api.upload_content_types == DEFAULT_UPLOAD_CONTENT_TYPES
    assert (api.alarm_topic_arn, api.alarm_emails) == (None, ())


def test_no_api_section_means_no_api():
    raw = copy.deepcopy(BASE)
    del raw["api"]
    assert parse(raw, stack="dev", region="eu-west-1").api is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"spoke": "web"},
            "hubspoke:api.spoke web is not the name of a spoke in hubspoke:spokes "
            "(known: app, far)",
        ),
        ({"spoke": ""}, 'hubspoke:api.spoke "" must be a non-empty string'),
        (
            {"corsOrigins": "https://a.example.com"},
            "hubspoke:api.corsOrigins https://a.example.com must be a list",
        ),
        ({"corsOrigins": []}, "hubspoke:api.corsOrigins [] must have at least 1 item"),
        (
            {"corsOrigins": ["http://app.example.com"]},
            "hubspoke:api.corsOrigins[0] http://app.example.com must use https "
            "(http is allowed for localhost only)",
        ),
        (
            {"corsOrigins": ["https://app.example.com/"]},
            "hubspoke:api.corsOrigins[0] https://app.example.com/ must be an origin: "
            "scheme://host[:port], no path or trailing /",
        ),
        (
            {"throttle": {"rateLimit": 0}},
            "hubspoke:api.throttle.rateLimit 0 is out of range (allowed: 1..10000)",
        ),
        (
            {"throttle": {"burstLimit": 5001}},
            "hubspoke:api.throttle.burstLimit 5001 is out of range (allowed: 1..5000)",
        ),
        (
            {"throttle": {"rateLimit": "fast"}},
            "hubspoke:api.throttle.rateLimit fast must be a whole number",
        ),
        (
            {"throttle": {"rate": 10}},
            "hubspoke:api.throttle.rate is not a known key; did you mean rateLimit? "
            "(known: burstLimit, rateLimit)",
        ),
        (
            {"function": {"memoryMb": 64}},
            "hubspoke:api.function.memoryMb 64 is out of range (allowed: 128..10240)",
        ),
        (
            {"function": {"timeoutSeconds": 30}},
            "hubspoke:api.function.timeoutSeconds 30 is out of range (allowed: 1..29)",
        ),
        (
            {"function": {"reservedConcurrency": 0}},
            "hubspoke:api.function.reservedConcurrency 0 is out of range (allowed: 1..1000)",
        ),
        (
            {"function": {"runtime": "python3.9"}},
            "hubspoke:api.function.runtime python3.9 is not supported "
            "(allowed: python3.12, python3.13)",
        ),
        (
            {"uploadMaxBytes": 6 * 1024**3},
            "hubspoke:api.uploadMaxBytes 6442450944 is out of range (allowed: 1..5368709120)",
        ),
        (
            {"uploadContentTypes": ["image/png", "png"]},
            "hubspoke:api.uploadContentTypes[1] png is not a media type "
            "(type/subtype in lowercase, e.g. image/png)",
        ),
        (
            {"uploadContentTypes": []},
            "hubspoke:api.uploadContentTypes [] must have at least 1 item",
        ),
        (
            {"alarmTopicArn": "arn:aws:sqs:eu-west-1:111122223333:q"},
            "hubspoke:api.alarmTopicArn arn:aws:sqs:eu-west-1:111122223333:q "
            "is not an SNS topic ARN",
        ),
        (
            {"alarmEmails": ["oncall"]},
            "hubspoke:api.alarmEmails[0] oncall is not an email address",
        ),
        (
            {
                "alarmTopicArn": "arn:aws:sns:eu-west-1:111122223333:oncall",
                "alarmEmails": ["a@example.com"],
            },
            'hubspoke:api.alarmEmails ["a@example.com"] cannot be used with '
            "hubspoke:api.alarmTopicArn (subscribe the addresses to that topic)",
        ),
        (
            {"alarmTopicArn": "arn:aws:sns:us-east-1:111122223333:oncall"},
            "hubspoke:api.alarmTopicArn arn:aws:sns:us-east-1:111122223333:oncall is in us-east-1;"
            " alarms of the API in eu-west-1 (spoke app) can only notify a topic in the same "
            "region",
        ),
        (
            {"domain": "api.example.com"},
            # 13 keys: more than unknown_key lists (12)
            "hubspoke:api.domain is not a known key",
        ),
    ],
)
def test_each_bad_api_value_is_reported_with_its_key_and_value(changes, message):
    assert problems(with_api(**changes)) == [message]


def test_missing_required_api_keys_are_named():
    raw = copy.deepcopy(BASE)
    raw["api"] = {}
    assert problems(raw) == [
        "hubspoke:api.spoke is required",
        "hubspoke:api.corsOrigins is required",
    ]


def test_api_must_be_an_object():
    raw = copy.deepcopy(BASE)
    raw["api"] = "app"
    assert problems(raw) == ["hubspoke:api app must be an object"]


def test_localhost_may_use_http_and_a_topic_in_the_spoke_region_is_accepted():
    raw = with_api(
        corsOrigins=["http://localhost:5173", "http://127.0.0.1:3000", "https://app.example.com"],
        spoke="far",
        alarmTopicArn="arn:aws:sns:eu-central-1:111122223333:oncall",
    )
    api = parse(raw, stack="dev", region="eu-west-1").api
    assert api.cors_origins[0] == "http://localhost:5173"
    assert api.alarm_topic_arn.endswith(":oncall")


def test_every_api_problem_is_reported_at_once():
    raw = with_api(
        spoke="web",
        corsOrigins=["http://evil.example.com"],
        throttle={"rateLimit": 0, "burstLimit": 0},
        function={"memoryMb": 1, "runtime": "nodejs20.x"},
        alarmEmails=["x"],
    )
    found = problems(raw)
    assert len(found) == 7
    assert [p.split(" ", 1)[0] for p in found] == [
        "hubspoke:api.spoke",
        "hubspoke:api.corsOrigins[0]",
        "hubspoke:api.throttle.rateLimit",
        "hubspoke:api.throttle.burstLimit",
        "hubspoke:api.function.memoryMb",
        "hubspoke:api.function.runtime",
        "hubspoke:api.alarmEmails[0]",
    ]


def test_groups_and_the_default_group_are_read_into_permissions():
    raw = with_api(groups={"readers": ["read"], "editors": ["read", "write"]}, defaultGroup=[])
    api = parse(raw, stack="dev", region="eu-west-1").api
    assert api.groups == {"readers": ("read",), "editors": ("read", "write")}
    assert api.default_permissions == ()
    # Without them: no groups, and a user in none has every permission (as before groups).
    plain = parse(copy.deepcopy(BASE), stack="dev", region="eu-west-1").api
    assert (plain.groups, plain.default_permissions) == ({}, ("read", "write", "upload"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"groups": {"readers": ["delete"]}},
            "hubspoke:api.groups.readers[0] delete is not a permission (allowed: read, write, "
            "upload)",
        ),
        ({"groups": {"readers": ["read", "read"]}}, "hubspoke:api.groups.readers[1] read is "),
        ({"groups": {"a,b": ["read"]}}, "hubspoke:api.groups.a,b a,b is not a group name"),
        ({"groups": {"two words": ["read"]}}, "hubspoke:api.groups.two words two words is not"),
        ({"groups": ["readers"]}, 'hubspoke:api.groups ["readers"] must be an object'),
        ({"defaultGroup": ["admin"]}, "hubspoke:api.defaultGroup[0] admin is not a permission"),
        ({"defaultGroup": "read"}, "hubspoke:api.defaultGroup read must be a list"),
    ],
)
def test_bad_groups_are_reported_with_their_key_and_value(changes, message):
    found = problems(with_api(**changes))
    assert any(p.startswith(message) for p in found), found
