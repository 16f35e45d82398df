"""Every log group is encrypted with its account and region's log key, made before the group;
API Gateway's execution log group is made by the program, with retention, before logging is on."""

from __future__ import annotations

import json

import pytest

from components.log_key import LOGS_KEY_ACTIONS
from offline.runner import RunResult, stack_config

T_LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
T_KEY = "aws:kms/key:Key"
T_LOG_KEY = "hubspoke:security:LogKey"


@pytest.fixture(scope="module", params=[(s, p) for s in ("dev", "prod") for p in (False, True)],
                ids=["dev-update", "dev-preview", "prod-update", "prod-preview"])  # fmt: skip
def result(request, run_stack_file) -> RunResult:
    stack, preview = request.param
    return run_stack_file(stack, preview=preview)


def _log_keys(result: RunResult) -> dict[tuple[str, str], object]:
    """(account, region) -> the KMS key of that account and region's LogKey component."""
    parents = {r.urn for r in result.of_type(T_LOG_KEY)}
    return {
        (result.account_of(k), result.region_of(k)): k
        for k in result.of_type(T_KEY)
        if k.parent in parents
    }


def test_one_log_key_per_account_and_region_with_rotation(result):
    keys = _log_keys(result)
    groups = result.of_type(T_LOG_GROUP)
    places = {(result.account_of(g), result.region_of(g)) for g in groups}
    assert set(keys) == places
    assert len(result.of_type(T_LOG_KEY)) == len(places)
    for key in keys.values():
        assert key.inputs["enableKeyRotation"] is True
    # prod: network + workloads in eu-west-1, analytics in eu-central-1, and network there too
    # (the query log group of the remote spoke's region).
    if result.stack == "prod":
        assert len(places) == 4
        assert all(k.protect for k in keys.values())


def test_every_log_group_uses_the_key_of_its_own_account_and_region(result):
    keys = _log_keys(result)
    for group in result.of_type(T_LOG_GROUP):
        key = keys[(result.account_of(group), result.region_of(group))]
        # The dependency is what makes the key exist first (pitfall 15).
        assert key.urn in group.dependencies or key.parent in group.dependencies, group.name
        if not result.preview:
            assert group.inputs["kmsKeyId"] == key.outputs["arn"], group.name


def test_log_key_policy_lets_only_this_regions_logs_service_use_it_for_this_account(result):
    # A plain JSON string in the program, so known in preview too.
    for (account, region), key in _log_keys(result).items():
        policy = json.loads(key.inputs["policy"])
        [logs] = [s for s in policy["Statement"] if s["Sid"] == "CloudWatchLogsEncrypts"]
        assert logs["Principal"] == {"Service": f"logs.{region}.amazonaws.com"}
        assert logs["Action"] == list(LOGS_KEY_ACTIONS)
        assert logs["Condition"] == {
            "ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account}:log-group:*"
            }
        }


def test_execution_log_group_exists_before_execution_logging_at_the_environments_level(result):
    settings = result.named("aws:apigateway/methodSettings:MethodSettings", "items-stage")
    group = result.named(T_LOG_GROUP, "items-execution-logs")
    assert group.urn in settings.dependencies
    environment = stack_config(result.stack)["hubspoke:environment"]
    assert (
        group.inputs["retentionInDays"] == stack_config(result.stack)["hubspoke:logRetentionDays"]
    )
    expected = "ERROR" if environment == "prod" else "INFO"
    assert settings.inputs["settings"]["loggingLevel"] == expected
    assert settings.inputs["settings"]["dataTraceEnabled"] is False
    if not result.preview:
        api = result.named("aws:apigateway/restApi:RestApi", "items-api")
        assert group.inputs["name"] == f"API-Gateway-Execution-Logs_{api.id}/{environment}"
