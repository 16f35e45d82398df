"""Fixtures for the items function tests: moto with the table and bucket, log capture, locks."""

from __future__ import annotations

import io
import json
import threading
from typing import Any

import pytest
from items_harness import TEST_ENV, USER_A, USER_B, Api, create_table, items_app
from moto import mock_aws


@pytest.fixture
def aws():
    """moto with the function's table and bucket, fresh for each test."""
    with mock_aws():
        create_table(items_app.dynamodb)
        s3 = items_app.s3_client()
        s3.create_bucket(
            Bucket=TEST_ENV["BUCKET_NAME"],
            CreateBucketConfiguration={"LocationConstraint": TEST_ENV["AWS_REGION"]},
        )
        yield items_app


@pytest.fixture
def api(aws) -> Api:
    return Api(USER_A)


@pytest.fixture
def api_b(aws) -> Api:
    return Api(USER_B)


@pytest.fixture
def logs():
    """The function's log lines, parsed: each one must be a JSON object."""
    handler = items_app.logger.registered_handler
    stream = io.StringIO()
    previous = handler.setStream(stream)

    def lines() -> list[dict[str, Any]]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    lines.text = stream.getvalue  # type: ignore[attr-defined]
    yield lines
    handler.setStream(previous)


@pytest.fixture
def atomic_moto_writes(monkeypatch):
    """Make moto's conditional writes atomic, as DynamoDB's are.

    moto checks a condition and then writes without a lock, so two threads can both pass the
    check. DynamoDB serialises writes per item; this lock gives moto the same guarantee, so a
    concurrency test measures our conditions, not the emulator's race.
    """
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.Lock()
    for name in ("put_item", "update_item", "delete_item"):
        original = getattr(DynamoDBBackend, name)

        def locked(self, *args, __original=original, **kwargs):
            with lock:
                return __original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)
