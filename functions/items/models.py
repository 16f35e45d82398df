"""Item shapes and the validation of everything a client sends: body, path, query and headers.

Hand-written rather than pydantic: the rules are few, every error must name its field in our
format, and skipping pydantic's import keeps the cold start within budget (see bench/). Plain
slotted classes rather than dataclasses for the same reason: dataclass creation runs exec.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from contract import (
    DESCRIPTION_MAX,
    ITEM_FIELDS,
    JSON_CONTENT_TYPE,
    MAX_BODY_BYTES,
    NAME_MAX,
    STATUSES,
    TAG_MAX,
    TAGS_MAX,
)
from errors import ApiError, PreconditionRequiredError, ValidationError

LIMIT_DEFAULT = 20
LIMIT_MAX = 100
CURSOR_MAX = 1024

_HEX = frozenset("0123456789abcdef")
IDEMPOTENCY_KEY_RE = re.compile(r"[A-Za-z0-9_.:-]{8,128}")
IF_MATCH_RE = re.compile(r'(?:W/)?(?:"([1-9][0-9]{0,17})"|([1-9][0-9]{0,17}))')
# Control characters (C0, DEL, C1); description may hold tab and newlines.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_DESCRIPTION_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class ItemFields:
    """The client-owned part of an item: what create and replace send in full."""

    __slots__ = ("description", "name", "status", "tags")

    def __init__(
        self,
        name: str,
        description: str = "",
        status: str = "todo",
        tags: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.description = description
        self.status = status
        self.tags = tags

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "status": self.status,
            "tags": list(self.tags),
        }


class Item:
    """A stored item as the API returns it."""

    __slots__ = (
        "created_at",
        "description",
        "id",
        "name",
        "status",
        "tags",
        "updated_at",
        "version",
    )

    def __init__(
        self,
        id: str,
        name: str,
        description: str,
        status: str,
        tags: tuple[str, ...],
        version: int,
        created_at: str,
        updated_at: str,
    ) -> None:
        self.id = id
        self.name = name
        self.description = description
        self.status = status
        self.tags = tags
        self.version = version
        self.created_at = created_at
        self.updated_at = updated_at

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "status": self.status,
            "tags": list(self.tags),
            "version": self.version,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }


class ListQuery:
    """A validated `GET /items` query."""

    __slots__ = ("cursor", "limit", "status")

    def __init__(self, limit: int, cursor: str | None, status: str | None) -> None:
        self.limit = limit
        self.cursor = cursor
        self.status = status


class UploadRequest:
    """A validated `POST /items/{id}/upload-url` body."""

    __slots__ = ("content_type",)

    def __init__(self, content_type: str) -> None:
        self.content_type = content_type


# --- JSON body -------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValidationError(
                f"Field {key!r} appears more than once in the body; send it once.",
                field=key,
                code="duplicate_field",
            )
        result[key] = value
    return result


def parse_json_object(body: bytes | None) -> dict[str, Any]:
    """Decode a request body that must be one JSON object, strictly (no NaN, no duplicate keys)."""
    if not body:
        raise ValidationError("The request body is empty; send a JSON object.", field="body")
    if len(body) > MAX_BODY_BYTES:
        raise ApiError(
            f"The request body is {len(body)} bytes; the limit is {MAX_BODY_BYTES}.",
            field="body",
            code="payload_too_large",
            status=413,
        )
    try:
        text = body.decode("utf-8")
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValidationError(
            "The request body is not valid UTF-8 JSON.", field="body", code="invalid_json"
        ) from None
    if not isinstance(data, dict):
        raise ValidationError(
            f"The request body must be a JSON object, not {_json_type(data)}.",
            field="body",
            code="invalid_type",
        )
    return data


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _check_fields(data: Mapping[str, Any], allowed: tuple[str, ...], required: tuple[str, ...]):
    for key in data:
        if key not in allowed:
            raise ValidationError(
                f"Unknown field {key[:50]!r}; allowed fields are {', '.join(allowed)}.",
                field=key[:100],
                code="unknown_field",
            )
    for key in required:
        if key not in data:
            raise ValidationError(f"Field {key!r} is required.", field=key, code="missing_field")


def _string(value: Any, field: str, *, max_len: int, allow_empty: bool, multiline: bool) -> str:
    if not isinstance(value, str):
        raise ValidationError(
            f"Field {field!r} must be a string, not {_json_type(value)}.",
            field=field,
            code="invalid_type",
        )
    if len(value) > max_len:
        raise ValidationError(
            f"Field {field!r} is {len(value)} characters; the limit is {max_len}.",
            field=field,
            code="too_long",
        )
    if not allow_empty and not value.strip():
        raise ValidationError(f"Field {field!r} must not be blank.", field=field)
    pattern = _DESCRIPTION_CONTROL_RE if multiline else _CONTROL_RE
    if pattern.search(value):
        raise ValidationError(
            f"Field {field!r} contains control characters.", field=field, code="invalid_value"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            f"Field {field!r} contains an unpaired surrogate; send valid Unicode.", field=field
        ) from None
    return value


def _status(value: Any, field: str = "status") -> str:
    if not isinstance(value, str) or value not in STATUSES:
        shown = value[:30] if isinstance(value, str) else _json_type(value)
        raise ValidationError(
            f"Field {field!r} is {shown!r}; allowed values are {', '.join(STATUSES)}.",
            field=field,
        )
    return value


def _tags(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValidationError(
            f"Field 'tags' must be an array of strings, not {_json_type(value)}.",
            field="tags",
            code="invalid_type",
        )
    if len(value) > TAGS_MAX:
        raise ValidationError(
            f"Field 'tags' has {len(value)} entries; the limit is {TAGS_MAX}.",
            field="tags",
            code="too_long",
        )
    tags = tuple(
        _string(tag, f"tags[{i}]", max_len=TAG_MAX, allow_empty=False, multiline=False)
        for i, tag in enumerate(value)
    )
    if len(set(tags)) != len(tags):
        raise ValidationError("Field 'tags' holds the same tag twice.", field="tags")
    return tags


_FIELDS = ITEM_FIELDS


def _field_value(key: str, value: Any) -> Any:
    if key == "name":
        return _string(value, "name", max_len=NAME_MAX, allow_empty=False, multiline=False)
    if key == "description":
        return _string(
            value, "description", max_len=DESCRIPTION_MAX, allow_empty=True, multiline=True
        )
    if key == "status":
        return _status(value)
    return _tags(value)


def parse_item_fields(data: Mapping[str, Any]) -> ItemFields:
    """Validate a create or full-replace body: `name` required, the rest defaulted."""
    _check_fields(data, _FIELDS, ("name",))
    return ItemFields(**{key: _field_value(key, value) for key, value in data.items()})


def parse_item_patch(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a PATCH body: any non-empty subset of the item's fields."""
    _check_fields(data, _FIELDS, ())
    if not data:
        raise ValidationError(
            f"The body changes nothing; send at least one of {', '.join(_FIELDS)}.",
            field="body",
            code="missing_field",
        )
    return {key: _field_value(key, value) for key, value in data.items()}


def parse_upload_request(data: Mapping[str, Any], allowed_types: tuple[str, ...]) -> UploadRequest:
    """Validate an upload-url body: one allowed media type, exactly as S3 will be told."""
    _check_fields(data, ("contentType",), ("contentType",))
    value = data["contentType"]
    if not isinstance(value, str) or value.lower() not in allowed_types:
        shown = value[:50] if isinstance(value, str) else _json_type(value)
        raise ValidationError(
            f"Field 'contentType' is {shown!r}; allowed types are {', '.join(allowed_types)}.",
            field="contentType",
            code="unsupported_content_type",
        )
    return UploadRequest(content_type=value.lower())


# --- Path, query and headers -----------------------------------------------------------------


def invalid_item_id() -> ValidationError:
    return ValidationError(
        "Path parameter 'id' must be 32 lowercase hexadecimal characters.",
        field="id",
        code="invalid_id",
    )


def parse_item_id(value: str) -> str:
    """Item ids are 32 lowercase hex characters; anything else is a client error, not a 404."""
    if len(value) != 32 or not _HEX.issuperset(value):
        raise invalid_item_id()
    return value


def parse_list_query(params: Mapping[str, list[str]]) -> ListQuery:
    """Validate `limit`, `cursor` and `status`; unknown or repeated parameters are errors."""
    allowed = ("limit", "cursor", "status")
    for key, values in params.items():
        if key not in allowed:
            raise ValidationError(
                f"Unknown query parameter {key[:50]!r}; allowed are {', '.join(allowed)}.",
                field=key[:100],
                code="unknown_field",
            )
        if len(values) != 1:
            raise ValidationError(
                f"Query parameter {key!r} is given {len(values)} times; give it once.",
                field=key,
            )
    limit = LIMIT_DEFAULT
    if "limit" in params:
        raw = params["limit"][0]
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 3) or not (
            1 <= int(raw) <= LIMIT_MAX
        ):
            raise ValidationError(
                f"Query parameter 'limit' must be a whole number from 1 to {LIMIT_MAX}.",
                field="limit",
                code="invalid_limit",
            )
        limit = int(raw)
    cursor = params["cursor"][0] if "cursor" in params else None
    if cursor is not None and not 0 < len(cursor) <= CURSOR_MAX:
        raise ValidationError(
            "Query parameter 'cursor' is not a cursor this API returned.",
            field="cursor",
            code="invalid_cursor",
        )
    status = _status(params["status"][0]) if "status" in params else None
    return ListQuery(limit=limit, cursor=cursor, status=status)


def parse_if_match(value: str | None) -> int:
    """Writes carry the version the client read, as `If-Match: "3"` (the ETag we sent)."""
    if value is None:
        raise PreconditionRequiredError(
            'This write needs the If-Match header with the item\'s version, e.g. If-Match: "3".',
            field="If-Match",
        )
    match = IF_MATCH_RE.fullmatch(value.strip())
    if not match:
        raise ValidationError(
            'Header If-Match must be the item\'s ETag, a version number such as "3".',
            field="If-Match",
        )
    return int(match.group(1) or match.group(2))


def parse_idempotency_key(value: str | None) -> str:
    """Create needs a client-chosen key so a retried request cannot create a second item."""
    if value is None:
        raise ValidationError(
            "Header Idempotency-Key is required on create; send a fresh UUID per new item "
            "and the same one when retrying.",
            field="Idempotency-Key",
            code="missing_field",
        )
    if not IDEMPOTENCY_KEY_RE.fullmatch(value):
        raise ValidationError(
            "Header Idempotency-Key must be 8 to 128 characters of letters, digits and _.:-",
            field="Idempotency-Key",
        )
    return value


def check_json_content_type(value: str | None) -> None:
    """Bodies are JSON only; a form or text body is refused before it is parsed."""
    media_type = (value or "").split(";", 1)[0].strip().lower()
    if media_type != JSON_CONTENT_TYPE:
        raise ApiError(
            f"Content-Type must be {JSON_CONTENT_TYPE}.",
            field="Content-Type",
            code="unsupported_media_type",
            status=415,
        )
