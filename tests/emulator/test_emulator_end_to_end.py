"""Pulumi.dev.yaml deployed into the emulator and its API served on 127.0.0.1 by the local
gateway, running the items function's code as deployed (the zip in moto) against the emulated
table and bucket: what `python -m offline deploy --serve` does, driven over HTTP."""

from __future__ import annotations

import http.client
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from offline.deploy import cors_origins, deploy, start_gateway
from offline.emulator import EmulatorMocks
from offline.gateway import LocalGateway, sign_in

ORIGIN = cors_origins("dev")[0]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[LocalGateway, EmulatorMocks]]:
    with EmulatorMocks() as emulator:
        result = deploy("dev", emulator)
        gateway = start_gateway(result, emulator, cors=cors_origins("dev"), port=0)
        try:
            yield gateway, emulator
        finally:
            gateway.stop()


def call(
    served, verb: str, path: str, headers: dict[str, str] | None = None, body: Any = None
) -> tuple[int, dict[str, str], Any]:
    gateway, _ = served
    host, port = gateway.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=20)
    payload = json.dumps(body) if body is not None else None
    conn.request(verb, f"/{gateway.api.stage}{path}", body=payload, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), json.loads(data) if data else None


def user(served, name: str) -> dict[str, str]:
    gateway, emulator = served
    method = next(m for r in gateway.api.routes for m in r.methods.values() if m.pools)
    token = sign_in(emulator, method.pools[0], name)["idToken"]
    return {"Authorization": token, "Origin": ORIGIN, "Content-Type": "application/json"}


def test_create_read_update_list_and_delete_an_item(served):
    alice = user(served, "alice")
    created_headers = {**alice, "Idempotency-Key": str(uuid.uuid4())}
    status, headers, item = call(served, "POST", "/items", created_headers, {"name": "first"})
    assert status == 201, item
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    status, headers, got = call(served, "GET", f"/items/{item['id']}", alice)
    assert (status, got["name"]) == (200, "first")
    etag = headers["ETag"]
    status, _, patched = call(
        served, "PATCH", f"/items/{item['id']}", {**alice, "If-Match": etag}, {"name": "renamed"}
    )
    assert (status, patched["name"]) == (200, "renamed")
    status, _, listed = call(served, "GET", "/items", alice)
    assert [i["name"] for i in listed["items"]] == ["renamed"]
    stale = {**alice, "If-Match": etag}
    status, _, _ = call(served, "DELETE", f"/items/{item['id']}", stale)
    assert status == 409  # the version moved on: no lost update (the API answers 409)
    status, headers, _ = call(served, "GET", f"/items/{item['id']}", alice)
    status, _, _ = call(
        served, "DELETE", f"/items/{item['id']}", {**alice, "If-Match": headers["ETag"]}
    )
    assert status == 204


def test_an_upload_url_is_a_presigned_post_for_the_callers_prefix(served):
    bob = user(served, "bob")
    _, _, item = call(
        served, "POST", "/items", {**bob, "Idempotency-Key": str(uuid.uuid4())}, {"name": "doc"}
    )
    status, _, upload = call(
        served, "POST", f"/items/{item['id']}/upload-url", bob, {"contentType": "image/png"}
    )
    assert status == 201, upload
    assert ".s3.eu-west-1.amazonaws.com" in upload["url"]
    assert upload["fields"]["Content-Type"] == "image/png"
    assert item["id"] in upload["fields"]["key"]


def test_one_user_cannot_read_another_users_item(served):
    carol, dave = user(served, "carol"), user(served, "dave")
    _, _, item = call(
        served, "POST", "/items", {**carol, "Idempotency-Key": str(uuid.uuid4())}, {"name": "c"}
    )
    status, _, _ = call(served, "GET", f"/items/{item['id']}", dave)
    assert status == 404
    _, _, listed = call(served, "GET", "/items", dave)
    assert listed["items"] == []


def test_no_token_is_a_401_the_browser_can_read(served):
    status, headers, body = call(served, "GET", "/items", {"Origin": ORIGIN})
    assert (status, body) == (401, {"message": "Unauthorized"})
    assert headers["Access-Control-Allow-Origin"] == ORIGIN


def test_preflight_from_the_configured_origin_and_from_another(served):
    ask = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
    }
    status, headers, _ = call(served, "OPTIONS", "/items", {"Origin": ORIGIN, **ask})
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in headers["Access-Control-Allow-Methods"]
    _, headers, _ = call(served, "OPTIONS", "/items", {"Origin": "https://evil.example", **ask})
    # One configured origin: API Gateway's MOCK answers it statically; a browser on another
    # origin sees an origin that is not its own and blocks the request.
    assert headers.get("Access-Control-Allow-Origin") in (None, ORIGIN)
    assert headers.get("Access-Control-Allow-Origin") != "https://evil.example"


@pytest.mark.parametrize(
    ("headers", "body", "kind", "error"),
    [
        # No Idempotency-Key: a required header of POST /items.
        ({}, {"name": "x"}, "BAD_REQUEST_PARAMETERS", {
            "code": "missing_parameter", "field": "parameters",
            "message": "Missing required request parameters: [Idempotency-Key]"}),
        # A field the ItemFields model does not have.
        ({"Idempotency-Key": "k" * 16}, {"name": "x", "colour": "red"}, "BAD_REQUEST_BODY", {
            "code": "invalid_body", "field": "body", "message": "Invalid request body"}),
    ],
    ids=["missing-header", "unknown-field"],
)  # fmt: skip
def test_the_request_validator_refuses_before_the_function_with_cors_and_our_error_shape(
    served, caplog, headers, body, kind, error
):
    alice = user(served, "alice")
    with caplog.at_level("INFO", logger="offline.gateway"):
        status, got_headers, got = call(served, "POST", "/items", {**alice, **headers}, body)
    assert (status, got) == (400, {"error": error})
    assert got_headers["x-amzn-ErrorType"] == kind
    assert got_headers["Access-Control-Allow-Origin"] == ORIGIN
    # Answered by the validator: the function never ran.
    assert "(validator:" in caplog.text and "(function)" not in caplog.text
