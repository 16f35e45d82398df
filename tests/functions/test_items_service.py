"""Business rules on a fake repository, cursor signing, and settings validation: no AWS at all."""

from __future__ import annotations

from typing import Any

import pytest
from cursor import CursorCodec
from errors import ConflictError, NotFoundError, ValidationError
from models import Item, ItemFields, ListQuery, UploadRequest
from repository import ItemExists, ItemNotFound, Page, VersionConflict
from service import ItemService
from settings import SettingsError, load_settings

SECRET = b"k" * 32
OWNER = "owner-1"


class FakeRepository:
    """In-memory stand-in with the repository's contract: conditional writes, per-owner keys."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[Item, str]] = {}
        self.list_calls: list[tuple[str, int, Any, Any]] = []

    def create(self, owner, item_id, fields, request_hash, now):
        if (owner, item_id) in self.items:
            existing, stored_hash = self.items[(owner, item_id)]
            raise ItemExists(existing, stored_hash)
        item = Item(
            item_id, fields.name, fields.description, fields.status, fields.tags, 1, now, now
        )
        self.items[(owner, item_id)] = (item, request_hash)
        return item

    def get(self, owner, item_id):
        if (owner, item_id) not in self.items:
            raise ItemNotFound(item_id)
        return self.items[(owner, item_id)][0]

    def exists(self, owner, item_id):
        return (owner, item_id) in self.items

    def update(self, owner, item_id, changes, expected_version, now):
        current = self.get(owner, item_id)
        if current.version != expected_version:
            raise VersionConflict(current)
        values = changes.to_dict() if isinstance(changes, ItemFields) else changes
        merged = {**current.to_json(), **values}
        item = Item(
            item_id,
            merged["name"],
            merged["description"],
            merged["status"],
            tuple(merged["tags"]),
            expected_version + 1,
            current.created_at,
            now,
        )
        self.items[(owner, item_id)] = (item, self.items[(owner, item_id)][1])
        return item

    def delete(self, owner, item_id, expected_version):
        current = self.get(owner, item_id)
        if current.version != expected_version:
            raise VersionConflict(current)
        del self.items[(owner, item_id)]

    def list(self, owner, limit, start, status):
        self.list_calls.append((owner, limit, start, status))
        return Page([], {"SK": "ITEM#" + "a" * 32} if start is None else None)


@pytest.fixture
def repo() -> FakeRepository:
    return FakeRepository()


@pytest.fixture
def service(repo) -> ItemService:
    def sign(key, content_type, max_bytes, expires):
        return {"url": "https://bucket.s3.eu-west-1.amazonaws.com/", "fields": {"key": key}}

    return ItemService(
        repo,
        CursorCodec(SECRET),
        sign,
        upload_max_bytes=100,
        clock=lambda: "2026-01-01T00:00:00.000Z",
    )


def test_the_same_key_from_the_same_owner_maps_to_the_same_id(service):
    assert service.item_id_for(OWNER, "key-1") == service.item_id_for(OWNER, "key-1")
    assert service.item_id_for(OWNER, "key-1") != service.item_id_for(OWNER, "key-2")
    assert service.item_id_for(OWNER, "key-1") != service.item_id_for("owner-2", "key-1")


def test_create_replays_an_identical_request_and_refuses_a_different_one(service, repo):
    item, created = service.create(OWNER, "key-1", ItemFields(name="a", tags=("x",)))
    again, created_again = service.create(OWNER, "key-1", ItemFields(name="a", tags=("x",)))
    assert (created, created_again) == (True, False)
    assert again.id == item.id
    with pytest.raises(ConflictError) as error:
        service.create(OWNER, "key-1", ItemFields(name="b"))
    assert error.value.field == "Idempotency-Key"
    assert len(repo.items) == 1


def test_conflicts_carry_the_current_item_and_missing_items_are_404(service):
    item, _ = service.create(OWNER, "key-1", ItemFields(name="a"))
    service.patch(OWNER, item.id, {"name": "b"}, 1)
    with pytest.raises(ConflictError) as error:
        service.replace(OWNER, item.id, ItemFields(name="c"), 1)
    assert error.value.extra["current"]["name"] == "b"
    assert error.value.status == 409
    with pytest.raises(NotFoundError):
        service.get("someone-else", item.id)
    with pytest.raises(NotFoundError):
        service.delete("someone-else", item.id, 2)


def test_list_signs_the_next_cursor_for_the_callers_partition(service, repo):
    _, cursor = service.list(OWNER, ListQuery(limit=5, cursor=None, status=None))
    assert cursor
    service.list(OWNER, ListQuery(limit=5, cursor=cursor, status=None))
    assert repo.list_calls[-1] == (OWNER, 5, {"SK": "ITEM#" + "a" * 32}, None)
    with pytest.raises(ValidationError):
        service.list("owner-2", ListQuery(limit=5, cursor=cursor, status=None))


def test_upload_keys_live_under_the_owner_and_item(service):
    item, _ = service.create(OWNER, "key-1", ItemFields(name="a"))
    result = service.upload_url(OWNER, item.id, UploadRequest("image/png"))
    assert result["key"].startswith(f"uploads/{OWNER}/{item.id}/")
    with pytest.raises(NotFoundError):
        service.upload_url("owner-2", item.id, UploadRequest("image/png"))


def test_a_cursor_signed_with_another_secret_is_refused():
    cursor = CursorCodec(b"x" * 32).encode("USER#a", {"SK": "ITEM#" + "b" * 32})
    with pytest.raises(ValidationError):
        CursorCodec(SECRET).decode("USER#a", cursor, with_gsi=False)


def test_a_validly_signed_cursor_with_a_foreign_shape_is_refused():
    codec = CursorCodec(SECRET)
    for key in ({"SK": "USER#b"}, {"SK": "ITEM#" + "b" * 32, "PK": "USER#b"}, {"GSI1SK": "x"}):
        with pytest.raises(ValidationError):
            codec.decode("USER#a", codec.encode("USER#a", key), with_gsi=False)
    good = {"SK": "ITEM#" + "b" * 32}
    assert codec.decode("USER#a", codec.encode("USER#a", good), with_gsi=False) == good


ENV = {
    "TABLE_NAME": "t",
    "BUCKET_NAME": "b",
    "AWS_REGION": "eu-west-1",
    "CURSOR_SECRET": "s" * 32,
}


def test_settings_read_lists_and_defaults():
    settings = load_settings({**ENV, "CORS_ORIGINS": " https://a.example , https://b.example,"})
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.upload_max_bytes == 10 * 1024 * 1024
    assert settings.upload_content_types == ("image/jpeg", "image/png", "application/pdf")
    assert load_settings(ENV).cors_origins == ()


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"TABLE_NAME": ""}, "TABLE_NAME"),
        ({"BUCKET_NAME": " "}, "BUCKET_NAME"),
        ({"AWS_REGION": ""}, "AWS_REGION"),
        ({"CURSOR_SECRET": ""}, "CURSOR_SECRET"),
        ({"CURSOR_SECRET": "short"}, "CURSOR_SECRET"),
        ({"UPLOAD_MAX_BYTES": "10MB"}, "UPLOAD_MAX_BYTES"),
        ({"UPLOAD_MAX_BYTES": "0"}, "UPLOAD_MAX_BYTES"),
        ({"UPLOAD_CONTENT_TYPES": "image/*"}, "UPLOAD_CONTENT_TYPES"),
        ({"UPLOAD_CONTENT_TYPES": "png"}, "UPLOAD_CONTENT_TYPES"),
    ],
)
def test_bad_settings_fail_at_init_naming_the_variable(override, named):
    with pytest.raises(SettingsError, match=named):
        load_settings({**ENV, **override})
