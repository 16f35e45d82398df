"""Presigned POST for uploads: the policy itself caps size and type and pins the key.

moto does not enforce POST policies, so these tests decode the policy and check its conditions
and its signature, then upload through moto to show the fields work together.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime

import pytest
import requests
from items_harness import TEST_ENV, USER_A, Api, ApiResponse

BUCKET = TEST_ENV["BUCKET_NAME"]
REGION = TEST_ENV["AWS_REGION"]


@pytest.fixture
def item(api: Api) -> dict:
    return api.create({"name": "with attachment"}).body


def _policy(response: ApiResponse) -> dict:
    return json.loads(base64.b64decode(response.body["fields"]["policy"]))


def _conditions(policy: dict) -> tuple[dict, list]:
    exact = {k: v for c in policy["conditions"] if isinstance(c, dict) for k, v in c.items()}
    ranges = [c for c in policy["conditions"] if isinstance(c, list)]
    return exact, ranges


def test_upload_url_is_regional_and_returns_what_the_client_needs(api: Api, item):
    response = api.upload_url(item["id"], "image/png")
    assert response.status == 201
    body = response.body
    assert body["url"] == f"https://{BUCKET}.s3.{REGION}.amazonaws.com/"
    assert body["contentType"] == "image/png"
    assert body["maxBytes"] == int(TEST_ENV["UPLOAD_MAX_BYTES"])
    assert body["expiresIn"] == 300
    assert body["fields"]["key"] == body["key"]
    assert body["fields"]["Content-Type"] == "image/png"
    assert body["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert f"/{REGION}/s3/aws4_request" in body["fields"]["x-amz-credential"]


def test_policy_caps_size_pins_type_and_keeps_the_key_under_the_callers_prefix(api: Api, item):
    response = api.upload_url(item["id"], "application/pdf")
    exact, ranges = _conditions(_policy(response))
    assert ranges == [["content-length-range", 1, int(TEST_ENV["UPLOAD_MAX_BYTES"])]]
    assert exact["Content-Type"] == "application/pdf"
    assert exact["bucket"] == BUCKET
    prefix = f"uploads/{USER_A}/{item['id']}/"
    assert exact["key"] == response.body["key"]
    assert re.fullmatch(re.escape(prefix) + r"[0-9a-f]{32}", exact["key"])
    assert not any(
        isinstance(c, list) and c[0] == "starts-with" for c in _policy(response)["conditions"]
    )


def test_policy_expires_after_the_advertised_lifetime(api: Api, item):
    before = datetime.now(UTC)
    policy = _policy(api.upload_url(item["id"]))
    expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert 295 <= (expiration - before).total_seconds() <= 305


def test_policy_signature_is_sigv4_over_the_returned_policy(api: Api, item):
    fields = api.upload_url(item["id"]).body["fields"]
    _, date, region, service, _ = fields["x-amz-credential"].split("/")
    key = ("AWS4" + TEST_ENV["AWS_SECRET_ACCESS_KEY"]).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, fields["policy"].encode(), hashlib.sha256).hexdigest()
    assert fields["x-amz-signature"] == expected


def test_each_upload_url_gets_a_fresh_key(api: Api, item):
    keys = {api.upload_url(item["id"]).body["key"] for _ in range(3)}
    assert len(keys) == 3


def test_the_returned_fields_upload_to_that_key(api: Api, item, aws):
    body = api.upload_url(item["id"], "image/jpeg").body
    result = requests.post(
        body["url"], data=body["fields"], files={"file": ("photo.jpg", b"\xff\xd8 jpeg bytes")}
    )
    assert result.status_code in (200, 204)
    stored = aws.s3_client().get_object(Bucket=BUCKET, Key=body["key"])
    assert stored["Body"].read() == b"\xff\xd8 jpeg bytes"


def test_content_type_outside_the_allowed_list_is_400(api: Api, item):
    for content_type in ("text/html", "image/svg+xml", "application/octet-stream", "image/*", ""):
        response = api.upload_url(item["id"], content_type)
        assert response.status == 400, content_type
        assert response.error["field"] == "contentType"
        assert response.error["code"] == "unsupported_content_type"


def test_content_type_is_matched_case_insensitively_and_signed_lowercase(api: Api, item):
    response = api.upload_url(item["id"], "IMAGE/PNG")
    assert response.status == 201
    assert _conditions(_policy(response))[0]["Content-Type"] == "image/png"


def test_upload_request_body_is_validated(api: Api, item):
    path = f"/items/{item['id']}/upload-url"
    assert api.request("POST", path, body={}).error["field"] == "contentType"
    extra = api.request("POST", path, body={"contentType": "image/png", "key": "../../etc"})
    assert extra.status == 400
    assert extra.error["field"] == "key"
    wrong_type = api.request("POST", path, body={"contentType": ["image/png"]})
    assert wrong_type.error["field"] == "contentType"


def test_upload_url_for_a_missing_item_is_404(api: Api):
    response = api.upload_url("0" * 32)
    assert response.status == 404
    assert response.error["field"] == "id"
