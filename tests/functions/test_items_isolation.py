"""One user can neither see nor touch another's items, nor learn that they exist."""

from __future__ import annotations

import uuid

import pytest
from items_harness import Api, ApiResponse

ITEM = {"name": "A's private item", "status": "done", "tags": ["a"]}


@pytest.fixture
def a_item(api: Api) -> dict:
    return api.create(ITEM).body


def _same_as_missing(response: ApiResponse, missing: ApiResponse) -> None:
    assert response.status == missing.status == 404
    assert response.body == missing.body
    assert response.headers == missing.headers


def test_user_b_cannot_read_a_item_and_sees_the_missing_item_404(api_b: Api, a_item):
    missing = api_b.get(uuid.uuid4().hex)
    _same_as_missing(api_b.get(a_item["id"]), missing)


def test_user_b_lists_none_of_a_items(api_b: Api, a_item):
    assert api_b.list().body == {"items": [], "nextCursor": None}
    assert api_b.list(status="done").body == {"items": [], "nextCursor": None}


def test_user_b_cannot_replace_patch_or_delete_a_item(api: Api, api_b: Api, a_item):
    item_id = a_item["id"]
    other = uuid.uuid4().hex
    for version in (1, 7):
        _same_as_missing(
            api_b.put(item_id, {"name": "B was here"}, version),
            api_b.put(other, {"name": "B was here"}, version),
        )
        _same_as_missing(
            api_b.patch(item_id, {"name": "B"}, version), api_b.patch(other, {"name": "B"}, version)
        )
        _same_as_missing(api_b.delete(item_id, version), api_b.delete(other, version))
    assert api.get(item_id).body == a_item


def test_user_b_cannot_get_an_upload_url_for_a_item(api_b: Api, a_item):
    _same_as_missing(api_b.upload_url(a_item["id"]), api_b.upload_url(uuid.uuid4().hex))


def test_user_b_idempotency_key_never_lands_on_a_item(api: Api, api_b: Api, a_item):
    response = api_b.create({"name": "B's own"})
    assert response.status == 201
    assert api.get(a_item["id"]).body == a_item
    assert [item["id"] for item in api.list().body["items"]] == [a_item["id"]]


def test_a_cursor_from_another_user_is_refused(api: Api, api_b: Api):
    for i in range(3):
        api.create({"name": f"a{i}"})
        api_b.create({"name": f"b{i}"})
    cursor = api.list(limit="1").body["nextCursor"]
    assert cursor
    response = api_b.list(limit="1", cursor=cursor)
    assert response.status == 400
    assert response.error["code"] == "invalid_cursor"
    assert response.error["field"] == "cursor"


def test_a_cursor_is_bound_to_its_listing(api: Api):
    for i in range(3):
        api.create({"name": f"a{i}", "status": "done"})
    base_cursor = api.list(limit="1").body["nextCursor"]
    done_cursor = api.list(limit="1", status="done").body["nextCursor"]
    assert api.list(limit="1", status="done", cursor=base_cursor).status == 400
    assert api.list(limit="1", status="todo", cursor=done_cursor).status == 400
    assert api.list(limit="1", cursor=done_cursor).status == 400
    assert api.list(limit="1", status="done", cursor=done_cursor).status == 200
