"""Business rules for items: ownership, idempotent create, optimistic locking, uploads.

Takes a repository and an upload signer as arguments so it can run on a fake repository.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from contract import UPLOAD_PREFIX
from cursor import CursorCodec
from errors import ConflictError, NotFoundError
from models import Item, ItemFields, ListQuery, UploadRequest
from repository import ItemExists, ItemNotFound, Page, VersionConflict, status_pk, user_pk


class Repository(Protocol):
    def create(
        self, owner: str, item_id: str, fields: ItemFields, request_hash: str, now: str
    ) -> Item: ...
    def get(self, owner: str, item_id: str) -> Item: ...
    def exists(self, owner: str, item_id: str) -> bool: ...
    def update(
        self,
        owner: str,
        item_id: str,
        changes: ItemFields | dict[str, Any],
        expected_version: int,
        now: str,
    ) -> Item: ...
    def delete(self, owner: str, item_id: str, expected_version: int) -> None: ...
    def list(
        self, owner: str, limit: int, start: dict[str, str] | None, status: str | None
    ) -> Page: ...


# (bucket-relative key, content type, max bytes, expires in seconds) -> {"url", "fields"}
UploadSigner = Callable[[str, str, int, int], dict[str, Any]]


def utc_now() -> str:
    """Millisecond ISO-8601 UTC timestamps: they sort as strings, which GSI1SK relies on."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _not_found() -> NotFoundError:
    # The same answer for "never existed" and "belongs to someone else": no existence oracle.
    return NotFoundError("No item with this id.", field="id")


def _conflict(current: Item, expected: int) -> ConflictError:
    return ConflictError(
        f"The item is at version {current.version}, not {expected}; "
        "re-read it and apply your change to the current version.",
        field="If-Match",
        code="version_conflict",
        extra={"current": current.to_json()},
    )


class ItemService:
    """The operations behind each route, for one caller (`owner` is their Cognito sub)."""

    def __init__(
        self,
        repository: Repository,
        cursors: CursorCodec,
        sign_upload: UploadSigner,
        *,
        upload_max_bytes: int,
        upload_url_ttl_seconds: int = 300,
        clock: Callable[[], str] = utc_now,
    ) -> None:
        self.repository = repository
        self.cursors = cursors
        self.sign_upload = sign_upload
        self.upload_max_bytes = upload_max_bytes
        self.upload_url_ttl_seconds = upload_url_ttl_seconds
        self.clock = clock

    @staticmethod
    def item_id_for(owner: str, idempotency_key: str) -> str:
        """The id derives from the caller and their key, so a retried create hits the same id."""
        return hashlib.sha256(f"{owner}\n{idempotency_key}".encode()).hexdigest()[:32]

    @staticmethod
    def request_hash(fields: ItemFields) -> str:
        canonical = json.dumps(fields.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def create(self, owner: str, idempotency_key: str, fields: ItemFields) -> tuple[Item, bool]:
        """Create once per key; a retry returns the stored item with created=False.

        Reusing a key with a different body is a client bug and gets a 409, not a silent replay.
        """
        item_id = self.item_id_for(owner, idempotency_key)
        request_hash = self.request_hash(fields)
        try:
            return self.repository.create(owner, item_id, fields, request_hash, self.clock()), True
        except ItemExists as exists:
            if exists.request_hash != request_hash:
                raise ConflictError(
                    "This Idempotency-Key was already used for a different item body; "
                    "use a new key for a new item.",
                    field="Idempotency-Key",
                    code="idempotency_key_reused",
                ) from None
            return exists.existing, False

    def get(self, owner: str, item_id: str) -> Item:
        try:
            return self.repository.get(owner, item_id)
        except ItemNotFound:
            raise _not_found() from None

    def list(self, owner: str, query: ListQuery) -> tuple[list[Item], str | None]:
        """A page of the caller's items (all, or one status newest-first) and the next cursor."""
        partition = user_pk(owner) if query.status is None else status_pk(owner, query.status)
        start = None
        if query.cursor is not None:
            start = self.cursors.decode(partition, query.cursor, with_gsi=query.status is not None)
        page = self.repository.list(owner, query.limit, start, query.status)
        cursor = self.cursors.encode(partition, page.next_key) if page.next_key else None
        return page.items, cursor

    def replace(self, owner: str, item_id: str, fields: ItemFields, expected_version: int) -> Item:
        return self._update(owner, item_id, fields, expected_version)

    def patch(
        self, owner: str, item_id: str, changes: dict[str, Any], expected_version: int
    ) -> Item:
        return self._update(owner, item_id, changes, expected_version)

    def _update(
        self,
        owner: str,
        item_id: str,
        changes: ItemFields | dict[str, Any],
        expected_version: int,
    ) -> Item:
        try:
            return self.repository.update(owner, item_id, changes, expected_version, self.clock())
        except ItemNotFound:
            raise _not_found() from None
        except VersionConflict as conflict:
            raise _conflict(conflict.current, expected_version) from None

    def delete(self, owner: str, item_id: str, expected_version: int) -> None:
        try:
            self.repository.delete(owner, item_id, expected_version)
        except ItemNotFound:
            raise _not_found() from None
        except VersionConflict as conflict:
            raise _conflict(conflict.current, expected_version) from None

    def upload_url(self, owner: str, item_id: str, request: UploadRequest) -> dict[str, Any]:
        """A presigned POST for one new object under `uploads/<sub>/<id>/`, capped in size/type."""
        if not self.repository.exists(owner, item_id):
            raise _not_found()
        key = f"{UPLOAD_PREFIX}{owner}/{item_id}/{uuid.uuid4().hex}"
        signed = self.sign_upload(
            key, request.content_type, self.upload_max_bytes, self.upload_url_ttl_seconds
        )
        return {
            "url": signed["url"],
            "fields": signed["fields"],
            "key": key,
            "contentType": request.content_type,
            "maxBytes": self.upload_max_bytes,
            "expiresIn": self.upload_url_ttl_seconds,
        }
