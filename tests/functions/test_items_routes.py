"""Every route through the real handler on moto, with REST proxy events like the real ones."""

from __future__ import annotations

import uuid

import pytest
from botocore.stub import Stubber
from items_harness import ORIGIN, USER_A, Api, invoke, rest_event

ITEM = {"name": "Groceries", "description": "milk\neggs", "status": "todo", "tags": ["home"]}


def test_health_answers_without_authentication(aws):
    response = invoke(rest_event("GET", "/health", sub=None))
    assert response.status == 200
    assert response.body == {"status": "ok"}


def test_create_returns_201_with_the_stored_item_and_its_etag(api: Api):
    response = api.create(ITEM)
    assert response.status == 201
    body = response.body
    assert {k: body[k] for k in ITEM} == ITEM
    assert body["version"] == 1
    assert len(body["id"]) == 32
    assert body["createdAt"] == body["updatedAt"]
    assert body["createdAt"].endswith("Z")
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"


def test_create_fills_defaults_for_optional_fields(api: Api):
    body = api.create({"name": "Only a name"}).body
    assert body["description"] == ""
    assert body["status"] == "todo"
    assert body["tags"] == []


def test_get_returns_the_created_item(api: Api):
    created = api.create(ITEM).body
    response = api.get(created["id"])
    assert response.status == 200
    assert response.body == created
    assert response.headers["ETag"] == '"1"'


def test_get_of_a_missing_item_is_404_naming_the_id(api: Api):
    response = api.get(uuid.uuid4().hex)
    assert response.status == 404
    assert response.error == {
        "code": "not_found",
        "message": "No item with this id.",
        "field": "id",
    }


def test_create_is_idempotent_under_retry_of_the_same_request(api: Api, aws):
    key = str(uuid.uuid4())
    first = api.create(ITEM, key=key)
    retry = api.create(ITEM, key=key)
    assert first.status == 201
    assert retry.status == 200
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.body == first.body
    assert [item["id"] for item in api.list().body["items"]] == [first.body["id"]]


def test_retry_after_an_update_returns_the_item_and_creates_nothing(api: Api):
    key = str(uuid.uuid4())
    created = api.create(ITEM, key=key).body
    api.patch(created["id"], {"status": "done"}, 1)
    retry = api.create(ITEM, key=key)
    assert retry.status == 200
    assert retry.body["status"] == "done"
    assert len(api.list().body["items"]) == 1


def test_a_key_whose_item_was_deleted_creates_the_item_again(api: Api):
    """The key is remembered only on its item: once that is deleted, the same key creates it
    anew (same id, version 1), as the README says."""
    key = str(uuid.uuid4())
    first = api.create(ITEM, key=key).body
    assert api.delete(first["id"], 1).status == 204
    again = api.create(ITEM, key=key)
    assert again.status == 201
    assert (again.body["id"], again.body["version"]) == (first["id"], 1)


def test_a_retry_with_the_same_fields_in_another_order_or_spelled_out_defaults_replays(api: Api):
    key = str(uuid.uuid4())
    api.create({"name": "x"}, key=key)
    retry = api.create({"tags": [], "status": "todo", "name": "x", "description": ""}, key=key)
    assert retry.status == 200 and retry.headers["Idempotent-Replayed"] == "true"


def test_reusing_an_idempotency_key_for_a_different_body_is_409(api: Api):
    key = str(uuid.uuid4())
    api.create(ITEM, key=key)
    response = api.create({**ITEM, "name": "Something else"}, key=key)
    assert response.status == 409
    assert response.error["code"] == "idempotency_key_reused"
    assert response.error["field"] == "Idempotency-Key"


def test_same_idempotency_key_from_two_users_creates_two_items(api: Api, api_b: Api):
    key = str(uuid.uuid4())
    a = api.create(ITEM, key=key)
    b = api_b.create(ITEM, key=key)
    assert a.status == b.status == 201
    assert a.body["id"] != b.body["id"]


def test_put_replaces_every_field_and_bumps_the_version(api: Api):
    created = api.create(ITEM).body
    response = api.put(created["id"], {"name": "Renamed"}, 1)
    assert response.status == 200
    body = response.body
    assert body["name"] == "Renamed"
    assert body["description"] == ""
    assert body["tags"] == []
    assert body["status"] == "todo"
    assert body["version"] == 2
    assert body["createdAt"] == created["createdAt"]
    assert body["updatedAt"] >= created["updatedAt"]
    assert response.headers["ETag"] == '"2"'
    assert api.get(created["id"]).body == body


def test_patch_changes_only_the_given_fields(api: Api):
    created = api.create(ITEM).body
    response = api.patch(created["id"], {"status": "in_progress"}, 1)
    assert response.status == 200
    assert response.body == {
        **created,
        "status": "in_progress",
        "version": 2,
        "updatedAt": response.body["updatedAt"],
    }


def test_stale_put_is_409_and_returns_the_current_item(api: Api):
    created = api.create(ITEM).body
    api.put(created["id"], {"name": "Second"}, 1)
    response = api.put(created["id"], {"name": "Lost update"}, 1)
    assert response.status == 409
    assert response.error["code"] == "version_conflict"
    assert response.error["field"] == "If-Match"
    assert response.body["current"]["name"] == "Second"
    assert response.body["current"]["version"] == 2
    assert api.get(created["id"]).body["name"] == "Second"


def test_stale_patch_and_delete_are_409(api: Api):
    created = api.create(ITEM).body
    api.patch(created["id"], {"name": "v2"}, 1)
    assert api.patch(created["id"], {"name": "stale"}, 1).status == 409
    stale_delete = api.delete(created["id"], 1)
    assert stale_delete.status == 409
    assert stale_delete.body["current"]["version"] == 2
    assert api.get(created["id"]).status == 200


def test_if_match_accepts_the_etag_forms_a_client_may_echo(api: Api):
    created = api.create(ITEM).body
    for version, header in ((1, '"1"'), (2, "2"), (3, 'W/"3"')):
        response = api.request(
            "PATCH",
            f"/items/{created['id']}",
            body={"description": f"v{version}"},
            headers={"If-Match": header},
        )
        assert response.status == 200, header


def test_writes_without_if_match_are_428(api: Api):
    item_id = api.create(ITEM).body["id"]
    for method, body in (("PUT", ITEM), ("PATCH", {"name": "x"}), ("DELETE", None)):
        response = api.request(method, f"/items/{item_id}", body=body)
        assert response.status == 428, method
        assert response.error["field"] == "If-Match"


def test_delete_removes_the_item(api: Api):
    item_id = api.create(ITEM).body["id"]
    response = api.delete(item_id, 1)
    assert response.status == 204
    assert not response.raw["body"]
    assert api.get(item_id).status == 404
    assert api.delete(item_id, 1).status == 404


def test_list_returns_the_callers_items(api: Api):
    ids = {api.create({"name": f"item {i}"}).body["id"] for i in range(3)}
    response = api.list()
    assert response.status == 200
    assert {item["id"] for item in response.body["items"]} == ids
    assert response.body["nextCursor"] is None


def test_list_by_status_uses_the_status_index_newest_update_first(api: Api):
    first = api.create({"name": "a", "status": "done"}).body
    second = api.create({"name": "b", "status": "done"}).body
    api.create({"name": "c", "status": "todo"})
    api.patch(first["id"], {"description": "touched"}, 1)
    response = api.list(status="done")
    assert response.status == 200
    assert [item["id"] for item in response.body["items"]] == [first["id"], second["id"]]
    moved = api.patch(second["id"], {"status": "todo"}, 1).body
    assert [item["id"] for item in api.list(status="done").body["items"]] == [first["id"]]
    assert moved["id"] in {item["id"] for item in api.list(status="todo").body["items"]}


@pytest.mark.parametrize("status", [None, "todo"])
def test_pagination_over_many_pages_loses_and_repeats_nothing(api: Api, status):
    created = {api.create({"name": f"item {i}", "status": "todo"}).body["id"] for i in range(95)}
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": "7"}
        if status:
            query["status"] = status
        if cursor:
            query["cursor"] = cursor
        body = api.list(**query).body
        assert len(body["items"]) <= 7
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["nextCursor"]
        if cursor is None:
            break
        assert pages < 50, "pagination does not terminate"
    assert len(seen) == len(set(seen)), "an item was repeated"
    assert set(seen) == created, "an item was lost"
    assert pages >= 14


def test_list_limit_bounds_are_enforced(api: Api):
    for _ in range(3):
        api.create()
    assert len(api.list(limit="1").body["items"]) == 1
    assert api.list(limit="100").status == 200
    for bad in ("0", "101", "-1", "abc", "1.5", ""):
        response = api.list(limit=bad)
        assert response.status == 400, bad
        assert response.error["field"] == "limit"


def test_request_without_claims_is_401_json_on_every_protected_route(aws):
    item_path = f"/items/{uuid.uuid4().hex}"
    for method, path in (
        ("GET", "/items"),
        ("POST", "/items"),
        ("GET", item_path),
        ("PUT", item_path),
        ("PATCH", item_path),
        ("DELETE", item_path),
        ("POST", f"{item_path}/upload-url"),
    ):
        response = invoke(rest_event(method, path, sub=None, body={"name": "x"}))
        assert response.status == 401, (method, path)
        assert response.error["code"] == "unauthorized"
        assert set(response.error) == {"code", "message", "field"}


@pytest.mark.parametrize(
    "claims",
    [{}, {"sub": ""}, {"email": "a@example.com"}, {"sub": "USER#x#STATUS#done"}, {"sub": 7}],
)
def test_claims_without_a_usable_sub_are_401(aws, claims):
    response = invoke(rest_event("GET", "/items", claims=claims))
    assert response.status == 401


def test_cors_headers_echo_an_allowed_origin(api: Api):
    response = api.request("GET", "/items", headers={"Origin": ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    second = api.request("GET", "/items", headers={"Origin": "https://admin.example.com"})
    assert second.headers["Access-Control-Allow-Origin"] == "https://admin.example.com"


def test_cors_headers_are_absent_for_an_unlisted_origin(api: Api):
    response = api.request("GET", "/items", headers={"Origin": "https://evil.example.net"})
    assert response.status == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_preflight_lists_methods_and_custom_headers(aws):
    event = rest_event(
        "OPTIONS",
        "/items",
        sub=None,
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    response = invoke(event)
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    allowed_headers = response.headers["Access-Control-Allow-Headers"]
    assert "Idempotency-Key" in allowed_headers
    assert "If-Match" in allowed_headers
    assert "PATCH" in response.headers["Access-Control-Allow-Methods"]


def test_errors_carry_cors_headers_too(api: Api):
    response = api.request("GET", f"/items/{uuid.uuid4().hex}", headers={"Origin": ORIGIN})
    assert response.status == 404
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_a_real_fault_is_a_json_500_with_cors_and_no_internals(api: Api, aws, logs):
    aws.dynamodb.delete_table(TableName=aws.settings.table_name)
    event = rest_event("GET", f"/items/{uuid.uuid4().hex}", headers={"Origin": ORIGIN})
    response = invoke(event)
    assert response.status == 500
    assert response.error["code"] == "internal_error"
    assert event["requestContext"]["requestId"] in response.error["message"]
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    text = response.raw["body"]
    for leak in ("Traceback", "ResourceNotFound", "botocore", "items-test", ".py"):
        assert leak not in text
    error_lines = [line for line in logs() if line["level"] == "ERROR"]
    assert len(error_lines) == 1
    assert error_lines[0]["correlation_id"] == event["requestContext"]["requestId"]
    assert error_lines[0]["aws_error_code"] == "ResourceNotFoundException"
    assert error_lines[0]["stack"]


def test_dynamodb_throttling_is_503_with_retry_after(api: Api, aws):
    with Stubber(aws.dynamodb) as stub:
        stub.add_client_error(
            "get_item", "ProvisionedThroughputExceededException", http_status_code=400
        )
        response = api.get(uuid.uuid4().hex)
    assert response.status == 503
    assert response.headers["Retry-After"] == "1"
    assert response.error["code"] == "unavailable"


def test_logs_are_json_with_the_request_id_and_no_personal_data(api: Api, logs):
    secret_name = "Diary of Jane Roe"
    created = api.create({"name": secret_name, "tags": ["private-tag"]}).body
    api.put(created["id"], {"name": secret_name}, 1)
    api.put(created["id"], {"name": secret_name}, 1)  # a 409 carrying the item
    event = rest_event("GET", "/items", sub=USER_A)
    invoke(event)
    lines = logs()
    assert lines, "the function logged nothing"
    assert all({"level", "message", "timestamp", "service"} <= set(line) for line in lines)
    assert event["requestContext"]["requestId"] in {line.get("correlation_id") for line in lines}
    text = logs.text()
    for personal in (USER_A, secret_name, "private-tag", "someone@example.com", "Bearer"):
        assert personal not in text
