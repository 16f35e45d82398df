"""Bad input of every kind gets a 4xx JSON error naming the field, never a 5xx."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from items_harness import Api, ApiResponse, invoke, rest_event

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JSON_HEADERS = {"Content-Type": "application/json", "Idempotency-Key": "key-12345678"}

# Text includes lone surrogates, which JSON can carry ("\ud800") but UTF-8 cannot store.
any_text = st.text(st.characters(exclude_categories=()))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def assert_client_error(response: ApiResponse, field: str | None = None, code: str | None = None):
    assert 400 <= response.status < 500, (response.status, response.body)
    assert response.headers["Content-Type"] == "application/json"
    error = response.body["error"]
    assert set(error) == {"code", "message", "field"}
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if field is not None:
        assert error["field"] == field, error
    if code is not None:
        assert error["code"] == code, error


def raw_post(api: Api, body: Any, headers: dict[str, str] | None = None, **kwargs) -> ApiResponse:
    return api.request(
        "POST", "/items", body=body, headers={**JSON_HEADERS, **(headers or {})}, **kwargs
    )


@pytest.fixture
def item(api: Api) -> dict:
    return api.create({"name": "target"}).body


# --- Bodies ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["{", "[1,2", "nul", "{'name': 'x'}", '{"name": "x",}', '{"name": NaN}', '{"name": Infinity}'],
)
def test_malformed_json_is_400_invalid_json(api: Api, raw: str):
    assert_client_error(raw_post(api, raw), field="body", code="invalid_json")


def test_empty_body_is_400_naming_the_body(api: Api):
    assert_client_error(raw_post(api, None), field="body")
    assert_client_error(raw_post(api, ""), field="body")


@pytest.mark.parametrize("raw", ["[]", '"name"', "1", "null", "true"])
def test_a_body_that_is_not_an_object_is_400(api: Api, raw: str):
    assert_client_error(raw_post(api, raw), field="body", code="invalid_type")


def test_non_utf8_and_deeply_nested_bodies_are_400(api: Api):
    response = raw_post(api, b"\xff\xfe{}", is_base64=True)
    assert_client_error(response, field="body", code="invalid_json")
    assert_client_error(raw_post(api, "[" * 5000 + "]" * 5000), field="body", code="invalid_json")


def test_duplicate_keys_are_400_naming_the_key(api: Api):
    response = raw_post(api, '{"name": "a", "name": "b"}')
    assert_client_error(response, field="name", code="duplicate_field")


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"name": 1}, "name", "invalid_type"),
        ({"name": None}, "name", "invalid_type"),
        ({"name": ["x"]}, "name", "invalid_type"),
        ({"name": True}, "name", "invalid_type"),
        ({"name": "x", "description": {}}, "description", "invalid_type"),
        ({"name": "x", "tags": "a,b"}, "tags", "invalid_type"),
        ({"name": "x", "tags": [1]}, "tags[0]", "invalid_type"),
        ({"name": "x", "tags": ["ok", None]}, "tags[1]", "invalid_type"),
        ({"name": "x", "status": 3}, "status", "invalid_value"),
        ({"name": "x", "status": "archived"}, "status", "invalid_value"),
        ({"name": "x", "status": "DONE"}, "status", "invalid_value"),
        ({}, "name", "missing_field"),
        ({"description": "no name"}, "name", "missing_field"),
        ({"name": "x", "owner": "someone-else"}, "owner", "unknown_field"),
        ({"name": "x", "id": uuid.uuid4().hex}, "id", "unknown_field"),
        ({"name": "x", "version": 9}, "version", "unknown_field"),
        ({"name": "   "}, "name", "invalid_value"),
        ({"name": "tab\tinside"}, "name", "invalid_value"),
        ({"name": "nul\x00inside"}, "name", "invalid_value"),
        ({"name": "x", "description": "bell\x07"}, "description", "invalid_value"),
        ({"name": "lone \ud800 surrogate"}, "name", "invalid_value"),
        ({"name": "x" * 201}, "name", "too_long"),
        ({"name": "x", "description": "d" * 4001}, "description", "too_long"),
        ({"name": "x", "tags": [f"t{i}" for i in range(21)]}, "tags", "too_long"),
        ({"name": "x", "tags": ["t" * 51]}, "tags[0]", "too_long"),
        ({"name": "x", "tags": ["same", "same"]}, "tags", "invalid_value"),
        ({"name": "x", "tags": [""]}, "tags[0]", "invalid_value"),
    ],
)
def test_invalid_fields_are_400_naming_the_field(api: Api, body, field, code):
    response = raw_post(api, json.dumps(body))
    assert_client_error(response, field=field, code=code)
    assert api.list().body["items"] == []


def test_limits_are_inclusive(api: Api):
    body = {
        "name": "x" * 200,
        "description": "d\n" * 2000,
        "tags": [f"{i:02d}" + "t" * 48 for i in range(20)],
    }
    assert raw_post(api, json.dumps(body)).status == 201


def test_oversize_body_is_413_naming_the_body(api: Api):
    response = raw_post(api, json.dumps({"name": "x", "description": "d" * 17_000}))
    assert_client_error(response, field="body", code="payload_too_large")
    assert response.status == 413


def test_put_and_patch_validate_like_create(api: Api, item):
    assert_client_error(api.put(item["id"], {"description": "no name"}, 1), field="name")
    assert_client_error(api.put(item["id"], {"name": "x", "extra": 1}, 1), field="extra")
    assert_client_error(api.patch(item["id"], {}, 1), field="body", code="missing_field")
    assert_client_error(api.patch(item["id"], {"status": None}, 1), field="status")
    assert_client_error(api.patch(item["id"], {"version": 2}, 1), field="version")
    assert api.get(item["id"]).body == item


def test_base64_encoded_bodies_are_decoded_and_bad_base64_is_400(api: Api):
    good = base64.b64encode(json.dumps({"name": "binary-safe"}).encode()).decode()
    assert raw_post(api, good, is_base64=True).status == 201
    assert_client_error(raw_post(api, "!!not base64!!", is_base64=True), field="body")


# --- Content types, methods, headers -----------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_bodies_other_than_json_are_415(api: Api, content_type):
    headers = {"Idempotency-Key": "key-12345678"}
    if content_type:
        headers["Content-Type"] = content_type
    response = invoke(rest_event("POST", "/items", body='{"name": "x"}', headers=headers))
    assert_client_error(response, field="Content-Type", code="unsupported_media_type")
    assert response.status == 415


def test_json_with_a_charset_parameter_is_accepted(api: Api):
    response = raw_post(
        api, '{"name": "x"}', headers={"Content-Type": "Application/JSON; charset=utf-8"}
    )
    assert response.status == 201


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/items", "GET, POST"),
        ("DELETE", "/items", "GET, POST"),
        ("POST", "/items/{id}", "GET, PUT, PATCH, DELETE"),
        ("GET", "/items/{id}/upload-url", "POST"),
        ("HEAD", "/items", "GET, POST"),
        ("DELETE", "/health", "GET"),
    ],
)
def test_unsupported_methods_are_405_with_allow(api: Api, method, path, allow):
    response = api.request(method, path.replace("{id}", uuid.uuid4().hex), body={"name": "x"})
    assert_client_error(response, field="method", code="method_not_allowed")
    assert response.status == 405
    assert response.headers["Allow"] == allow


def test_control_characters_in_the_path_are_400(api: Api, item):
    for path in ("/items/\n", f"/items/{item['id']}\n", "/items\n"):
        assert_client_error(api.request("GET", path), field="path", code="invalid_path")


def test_unknown_paths_are_404_json(api: Api):
    for path in ("/", "/itemz", "/items/a/b/c", "/health/x"):
        assert_client_error(api.request("GET", path), field="path", code="not_found")


@pytest.mark.parametrize(
    "item_id",
    [
        "abc",
        "A" * 32,
        # Fixed ids, not uuid4(): parameters are test ids, which must be the same in every
        # process (pytest-xdist's workers each collect the tests and compare the lists).
        "0F1E2D3C4B5A69788796A5B4C3D2E1F0",  # an id's 32 hex digits, upper case
        "0f1e2d3c4b5a69788796a5b4c3d2e1f00",  # 33 hex digits
        "..",
        "g" * 32,
        "%00",
        "é" * 32,
    ],
)
def test_invalid_item_ids_are_400_naming_the_id(api: Api, item_id):
    for method, body, headers in (
        ("GET", None, {}),
        ("PUT", {"name": "x"}, {"If-Match": '"1"'}),
        ("PATCH", {"name": "x"}, {"If-Match": '"1"'}),
        ("DELETE", None, {"If-Match": '"1"'}),
    ):
        response = api.request(method, f"/items/{item_id}", body=body, headers=headers)
        assert_client_error(response, field="id", code="invalid_id")
    response = api.request(
        "POST", f"/items/{item_id}/upload-url", body={"contentType": "image/png"}
    )
    assert_client_error(response, field="id", code="invalid_id")


def test_idempotency_key_is_required_and_checked(api: Api):
    event = rest_event("POST", "/items", body={"name": "x"})
    assert_client_error(invoke(event), field="Idempotency-Key", code="missing_field")
    for bad in ("short", "has space in it", "x" * 129, "ünïcode-key"):
        response = raw_post(api, '{"name": "x"}', headers={"Idempotency-Key": bad})
        assert_client_error(response, field="Idempotency-Key")


@pytest.mark.parametrize("value", ["abc", "0", "-1", '"1', "1.0", "*", '"1", "2"', " ", "9" * 30])
def test_malformed_if_match_is_400(api: Api, item, value):
    response = api.request(
        "PATCH", f"/items/{item['id']}", body={"name": "x"}, headers={"If-Match": value}
    )
    assert_client_error(response, field="If-Match")
    assert response.status == 400


def test_a_header_given_twice_is_400(api: Api, item):
    response = api.request(
        "PATCH",
        f"/items/{item['id']}",
        body={"name": "x"},
        multi_headers={"If-Match": ['"1"', '"2"']},
    )
    assert_client_error(response, field="If-Match")


def test_query_parameters_are_checked(api: Api, item):
    assert_client_error(api.list(owner="someone"), field="owner", code="unknown_field")
    assert_client_error(api.list(status="archived"), field="status")
    response = api.request("GET", "/items", query={"limit": ["1", "2"]})
    assert_client_error(response, field="limit")
    response = api.request("GET", f"/items/{item['id']}", query={"expand": "all"})
    assert_client_error(response, field="expand", code="unknown_field")


def test_tampered_cursors_are_400(api: Api):
    for i in range(3):
        api.create({"name": f"i{i}"})
    cursor = api.list(limit="1").body["nextCursor"]
    payload, mac = cursor.split(".")
    forged_payload = base64.urlsafe_b64encode(b'{"SK":"ITEM#' + b"0" * 32 + b'"}').rstrip(b"=")
    for bad in (
        cursor[:-2],
        cursor + "A",
        f"{forged_payload.decode()}.{mac}",
        f"{payload}.{mac[::-1]}",
        payload,
        "x" * 1025,
        "...",
    ):
        assert_client_error(api.list(cursor=bad), field="cursor", code="invalid_cursor")


# --- Fuzzing -----------------------------------------------------------------------------------


@FUZZ
@given(body=json_values)
def test_any_json_body_on_create_is_201_or_a_4xx_naming_a_field(api: Api, body):
    response = raw_post(api, json.dumps(body), headers={"Idempotency-Key": str(uuid.uuid4())})
    if response.status != 201:
        assert_client_error(response)
        assert response.body["error"]["field"] is not None


@FUZZ
@given(
    body=st.dictionaries(
        st.sampled_from(["name", "description", "status", "tags", "x"]), json_values
    )
)
def test_any_patch_body_is_200_or_a_4xx_naming_a_field(api: Api, item, body):
    response = api.patch(item["id"], body, api.get(item["id"]).body["version"])
    if response.status != 200:
        assert_client_error(response)
        assert response.body["error"]["field"] is not None


@FUZZ
@given(raw=st.binary(max_size=200))
def test_any_bytes_as_a_body_never_cause_a_5xx(api: Api, raw):
    response = raw_post(api, base64.b64encode(raw).decode(), is_base64=True)
    assert response.status == 201 or 400 <= response.status < 500


@FUZZ
@given(item_id=any_text.filter(lambda s: 0 < len(s) <= 80).filter(lambda s: "/" not in s))
def test_any_text_as_an_item_id_is_400_or_404(api: Api, item_id):
    response = api.get(item_id)
    assert response.status in (400, 404)
    assert_client_error(response)
    assert response.body["error"]["field"] in ("id", "path")


@FUZZ
@given(cursor=any_text | st.from_regex(r"[A-Za-z0-9_-]{1,80}\.[A-Za-z0-9_-]{43}"))
def test_any_text_as_a_cursor_is_400(api: Api, cursor):
    response = api.list(cursor=cursor)
    assert_client_error(response, field="cursor")


@FUZZ
@given(
    query=st.dictionaries(
        st.sampled_from(["limit", "cursor", "status", "sort"]), st.text(max_size=20)
    )
)
def test_any_list_query_is_200_or_a_4xx_naming_the_parameter(api: Api, query):
    response = api.list(**query)
    if response.status != 200:
        assert_client_error(response)
        assert response.body["error"]["field"] in query


@FUZZ
@given(value=st.text(max_size=40))
def test_any_if_match_is_accepted_only_when_it_names_a_version(api: Api, item, value):
    response = api.request(
        "PATCH", f"/items/{item['id']}", body={"description": "d"}, headers={"If-Match": value}
    )
    assert response.status in (200, 400, 409), response.body
    if response.status != 200:
        assert_client_error(response, field="If-Match")


def _encodes_as_utf8_json(response: ApiResponse) -> None:
    body = response.raw.get("body")
    if body:
        body.encode("utf-8")  # what the runtime does with the response; raises on a lone surrogate
        json.loads(body)


# Half the characters lone surrogates, so most examples carry one.
lone_surrogates = st.integers(0xD800, 0xDFFF).map(chr)
surrogate_text = st.lists(lone_surrogates | st.characters(), min_size=1).map("".join)


@FUZZ
@given(key=surrogate_text, value=json_values, item_id=surrogate_text, query=surrogate_text)
def test_every_body_the_handler_returns_encodes_as_utf8(api: Api, key, value, item_id, query):
    """Caller input echoed into an error (an unknown field's name, a bad id, a bad cursor) may
    hold lone surrogates; the body must still be UTF-8 JSON."""
    for response in (
        api.request("POST", "/items", body={key: value}, headers=JSON_HEADERS),
        api.request("PATCH", f"/items/{item_id}", body={key: value}, headers=JSON_HEADERS),
        api.request("GET", f"/items/{item_id}"),
        api.request("GET", "/items", query={"cursor": query, "limit": query}),
    ):
        assert response.status < 500, response.body
        _encodes_as_utf8_json(response)


def test_a_lone_surrogate_in_an_unknown_field_name_is_echoed_escaped(api: Api):
    response = api.request("POST", "/items", body={"na\ud800me": "x"}, headers=JSON_HEADERS)
    assert response.status == 400
    _encodes_as_utf8_json(response)
    assert response.body["error"]["field"] == "na\ud800me"  # the JSON escape reads back as sent
