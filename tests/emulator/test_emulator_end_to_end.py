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
from moto.s3.models import s3_backends

from offline.deploy import cors_origins, deploy, start_gateway
from offline.emulator import EmulatorMocks
from offline.gateway import LocalGateway, sign_in
from offline.gateway.throttle import StageThrottle

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


def user(served, name: str, group: str | None = None) -> dict[str, str]:
    gateway, emulator = served
    method = next(m for r in gateway.api.routes for m in r.methods.values() if m.pools)
    token = sign_in(emulator, method.pools[0], name, group)["idToken"]
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
    # The sandbox's S3 endpoint (the function's AWS_ENDPOINT_URL_S3 there), path style.
    gateway, _ = served
    assert upload["url"].startswith(f"{gateway.url}/_aws/s3/")
    assert upload["fields"]["Content-Type"] == "image/png"
    assert item["id"] in upload["fields"]["key"]
    status, headers, _ = post_form(served, upload, b"\x89PNG fake image", origin=ORIGIN)
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    # Read from moto's backend: its GetObject applies the TLS-only Deny without its condition.
    bucket = upload["url"].rsplit("/", 1)[1]
    partition, account = s3_backends.bucket_accounts[bucket]
    stored = s3_backends[account][partition].get_object(bucket, upload["fields"]["key"])
    assert account == gateway.api.account_id
    assert stored.metadata["Content-Type"] == "image/png"
    assert stored.value == b"\x89PNG fake image"


def test_an_upload_over_the_size_limit_or_of_another_type_is_refused_as_s3_does(served):
    erin = user(served, "erin")
    _, _, item = call(
        served, "POST", "/items", {**erin, "Idempotency-Key": str(uuid.uuid4())}, {"name": "x"}
    )
    _, _, upload = call(
        served, "POST", f"/items/{item['id']}/upload-url", erin, {"contentType": "image/png"}
    )
    limit = upload["maxBytes"]
    status, headers, body = post_form(served, upload, b"x" * (limit + 1), origin=ORIGIN)
    assert (status, b"<Code>EntityTooLarge</Code>" in body) == (400, True)
    assert headers["Access-Control-Allow-Origin"] == ORIGIN  # the browser can read why
    html = {**upload, "fields": {**upload["fields"], "Content-Type": "text/html"}}
    status, _, body = post_form(served, html, b"<script>", origin=ORIGIN)
    assert (status, b"<Code>AccessDenied</Code>" in body) == (403, True)
    # From an origin the bucket's CORS rules do not list: no CORS headers, the browser blocks.
    status, headers, _ = post_form(served, upload, b"x", origin="https://evil.example")
    assert "Access-Control-Allow-Origin" not in headers


def post_form(served, upload: dict[str, Any], data: bytes, *, origin: str):
    """POST the presigned form as a browser's FormData does, the file last."""
    boundary = uuid.uuid4().hex
    parts = b""
    for name, value in upload["fields"].items():
        parts += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    parts += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.png"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    parts += data + f"\r\n--{boundary}--\r\n".encode()
    gateway, _ = served
    host, port = gateway.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=20)
    path = upload["url"].removeprefix(gateway.url)
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Origin": origin}
    conn.request("POST", path, body=parts, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), body


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
    # The configured origin and the web app's distribution: two origins, so the preflight goes to
    # the function, whose Powertools resolver answers 204 for the origin that asked.
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in headers["Access-Control-Allow-Methods"]
    _, headers, _ = call(served, "OPTIONS", "/items", {"Origin": "https://evil.example", **ask})
    # Another origin gets no Access-Control-Allow-Origin: the browser blocks the request.
    assert headers.get("Access-Control-Allow-Origin") is None


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


def test_a_reader_lists_but_cannot_create_and_is_told_which_permission_it_lacks(served):
    reader = user(served, "rita", group="readers")
    status, _, listed = call(served, "GET", "/items", reader)
    assert (status, listed["items"]) == (200, [])
    headers = {**reader, "Idempotency-Key": str(uuid.uuid4())}
    status, response_headers, body = call(served, "POST", "/items", headers, {"name": "no"})
    assert status == 403
    assert body["error"]["code"] == "forbidden"
    assert "the write permission" in body["error"]["message"]
    assert "readers" in body["error"]["message"]
    assert response_headers["Access-Control-Allow-Origin"] == ORIGIN


def test_signing_in_to_a_group_the_pool_does_not_have_is_refused(served):
    with pytest.raises(LookupError, match=r"no group 'admins'.*groups: readers"):
        user(served, "otto", group="admins")


def cognito(served, operation: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """A call to the sandbox's Cognito user-pool endpoint, as a browser makes it."""
    gateway, _ = served
    host, port = gateway.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=20)
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}",
        "Origin": ORIGIN,
    }
    conn.request("POST", "/_aws/cognito-idp/", body=json.dumps(params), headers=headers)
    response = conn.getresponse()
    body = json.loads(response.read() or b"{}")
    conn.close()
    return response.status, body


def test_sign_up_confirm_sign_in_and_refresh_through_the_user_pool_api(served):
    gateway, _ = served
    client_id = sorted(gateway.cognito.pools[0].client_ids)[0]
    email, password = "nina@example.com", "Nina-Passw0rd-Long!"
    status, body = cognito(
        served,
        "SignUp",
        {"ClientId": client_id, "Username": email, "Password": password,
         "UserAttributes": [{"Name": "email", "Value": email}]},
    )  # fmt: skip
    assert status == 200, body
    sign_in_params = {
        "ClientId": client_id,
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": email, "PASSWORD": password},
    }
    status, body = cognito(served, "InitiateAuth", sign_in_params)
    assert (status, body["__type"]) == (400, "UserNotConfirmedException")
    wrong = {"ClientId": client_id, "Username": email, "ConfirmationCode": "000000"}
    if gateway.cognito.outbox[email] == "000000":
        wrong["ConfirmationCode"] = "111111"
    status, body = cognito(served, "ConfirmSignUp", wrong)
    assert (status, body["__type"]) == (400, "CodeMismatchException")
    code = gateway.cognito.outbox[email]
    confirm = {"ClientId": client_id, "Username": email, "ConfirmationCode": code}
    assert cognito(served, "ConfirmSignUp", confirm)[0] == 200
    status, body = cognito(served, "InitiateAuth", sign_in_params)
    assert status == 200, body
    tokens = body["AuthenticationResult"]
    status, _, _ = call(served, "GET", "/items", {"Authorization": f"Bearer {tokens['IdToken']}"})
    assert status == 200
    refresh = {
        "ClientId": client_id,
        "AuthFlow": "REFRESH_TOKEN_AUTH",
        "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]},
    }
    status, body = cognito(served, "InitiateAuth", refresh)
    assert status == 200, body
    status, _, _ = call(
        served, "GET", "/items", {"Authorization": body["AuthenticationResult"]["IdToken"]}
    )
    assert status == 200


def test_the_user_pool_endpoint_refuses_what_cognito_refuses_a_browser(served):
    gateway, _ = served
    client_id = sorted(gateway.cognito.pools[0].client_ids)[0]
    status, body = cognito(
        served,
        "InitiateAuth",
        {"ClientId": client_id, "AuthFlow": "CUSTOM_AUTH", "AuthParameters": {"USERNAME": "x"}},
    )
    assert (status, body["__type"]) == (400, "InvalidParameterException")
    pool_id = gateway.cognito.pools[0].pool_id
    status, body = cognito(served, "AdminDeleteUser", {"UserPoolId": pool_id, "Username": "x"})
    assert (status, body["__type"]) == (400, "MissingAuthenticationTokenException")
    status, body = cognito(
        served,
        "InitiateAuth",
        {"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
         "AuthParameters": {"USERNAME": "nobody@example.com", "PASSWORD": "x"}},
    )  # fmt: skip
    assert status == 400 and body["__type"] in ("UserNotFoundException", "NotAuthorizedException")


def test_the_stage_throttles_each_method_with_api_gateways_429(served):
    gateway, _ = served
    (setting,) = gateway.api.throttles.values()  # dev: */* rate 10, burst 20
    assert (setting.rate, setting.burst) == (10, 20)
    # The stage's own buckets on a stopped clock: no refill, so exactly the burst gets through
    # (on a running clock the outcome would depend on how fast this machine answers).
    running = gateway.throttle
    gateway.throttle = StageThrottle(gateway.api.throttles, clock=lambda: 1000.0)
    try:
        answers = [call(served, "GET", "/health", {"Origin": ORIGIN}) for _ in range(22)]
        assert [a[0] for a in answers] == [200] * 20 + [429] * 2
        _, headers, body = answers[-1]
        assert body == {"message": "Too Many Requests"}
        assert headers["Access-Control-Allow-Origin"] == ORIGIN
        # Another method has its own bucket.
        assert call(served, "GET", "/items", user(served, "pat"))[0] == 200
    finally:
        gateway.throttle = running
