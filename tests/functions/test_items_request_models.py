"""The API's request validation (components/api/request_models.py) against the function's own
rules: every request the function accepts in these tests passes the models (items_harness checks
each 2xx answer), and the models refuse the malformed shapes before the function would run."""

from __future__ import annotations

import json

import items_harness
import pytest
from items_harness import ModelWouldRefuse, gateway_validation, rest_event

import components.api.request_models as request_models
from functions.items.contract import NAME_MAX, ROUTES
from offline.gateway.validation import check_request


def test_every_route_with_a_model_is_checked_on_what_the_function_accepts(api):
    before = items_harness.MODEL_CHECKS.copy()
    item = api.create({"name": "n", "description": "d\nx", "status": "done", "tags": ["a"]}).body
    api.list(limit="5", status="done")
    api.get(item["id"])
    api.put(item["id"], {"name": "m"}, item["version"])
    api.patch(item["id"], {"tags": []}, item["version"] + 1)
    api.upload_url(item["id"], "IMAGE/PNG")  # the function compares media types in any case
    api.delete(item["id"], item["version"] + 2)
    checked = items_harness.MODEL_CHECKS - before
    assert set(checked) == {(r.method, r.path) for r in ROUTES if r.path != "/health"}


def test_a_model_stricter_than_the_function_fails_the_function_tests(api, monkeypatch):
    # Proves the check can fail: a name limit below the function's turns an accepted create
    # into a ModelWouldRefuse.
    real = request_models.request_schemas

    def stricter(types):
        schemas = real(types)
        schemas["ItemFields"]["properties"]["name"]["maxLength"] = 2
        return schemas

    monkeypatch.setattr(request_models, "request_schemas", stricter)
    with pytest.raises(ModelWouldRefuse, match=r"POST /items.*BAD_REQUEST_BODY"):
        api.create({"name": "first"})


def _refusal(method, path, body=None, headers=None):
    event = rest_event(method, path, body=body, headers=headers)
    validation = gateway_validation(method, event["resource"])
    return check_request(
        validation,
        headers={k.lower(): v for k, v in event["headers"].items()},
        query=event["queryStringParameters"] or {},
        path=event["pathParameters"] or {},
        body=(event["body"] or "").encode(),
    )


ITEM = "/items/" + "a" * 32


@pytest.mark.parametrize(
    ("method", "path", "body", "kind"),
    [
        ("POST", "/items", {"description": "no name"}, "BAD_REQUEST_BODY"),
        ("POST", "/items", {"name": "x", "colour": "red"}, "BAD_REQUEST_BODY"),
        ("POST", "/items", {"name": "x" * (NAME_MAX + 1)}, "BAD_REQUEST_BODY"),
        ("POST", "/items", {"name": "x", "status": "later"}, "BAD_REQUEST_BODY"),
        ("POST", "/items", {"name": "x", "tags": ["a", "a"]}, "BAD_REQUEST_BODY"),
        ("POST", "/items", "not json", "BAD_REQUEST_BODY"),
        ("PUT", ITEM, {"name": 3}, "BAD_REQUEST_BODY"),
        ("PATCH", ITEM, {}, "BAD_REQUEST_BODY"),
        ("POST", ITEM + "/upload-url", {"contentType": "text/html"}, "BAD_REQUEST_BODY"),
    ],
)
def test_the_models_refuse_what_the_function_refuses(method, path, body, kind):
    headers = {"Idempotency-Key": "k" * 16, "Content-Type": "application/json"}
    if isinstance(body, dict):
        body = json.dumps(body)
    refusal = _refusal(method, path, body, headers)
    assert refusal is not None and refusal.kind == kind


def test_a_create_without_idempotency_key_is_refused_as_a_missing_parameter():
    refusal = _refusal("POST", "/items", json.dumps({"name": "x"}))
    assert refusal.kind == "BAD_REQUEST_PARAMETERS"
    assert refusal.message == "Missing required request parameters: [Idempotency-Key]"
