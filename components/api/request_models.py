"""What API Gateway checks before it invokes the function: a JSON schema model per request body
and the required parameters per method, built from the function's own limits (the contract), so
a malformed request is refused at the gateway (400, no invocation billed) and a well-formed one
always reaches the function.

The models are draft-04 JSON schema, the version API Gateway supports ("Data models for REST
APIs", API Gateway developer guide). They are deliberately no stricter than the function (which
still checks everything, and names the field): `tests/functions` proves every request the
function accepts in its own tests passes these models.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from components.api.contract import JSON_CONTENT_TYPE, Route
from functions.items.contract import (
    DESCRIPTION_MAX,
    NAME_MAX,
    STATUSES,
    TAG_MAX,
    TAGS_MAX,
)

DRAFT_04 = "http://json-schema.org/draft-04/schema#"

# (method, resource path) -> the model its JSON body must match.
BODY_MODELS: Mapping[tuple[str, str], str] = {
    ("POST", "/items"): "ItemFields",
    ("PUT", "/items/{id}"): "ItemFields",
    ("PATCH", "/items/{id}"): "ItemPatch",
    ("POST", "/items/{id}/upload-url"): "UploadRequest",
}

# Header and query parameters each route reads; True = API Gateway refuses the request without
# it. Only Idempotency-Key is required: the function answers a missing one with 400 too, while a
# missing If-Match is a 428 (Precondition Required) the function must keep answering itself.
_HEADERS: Mapping[tuple[str, str], Mapping[str, bool]] = {
    ("POST", "/items"): {"Idempotency-Key": True},
    ("PUT", "/items/{id}"): {"If-Match": False},
    ("PATCH", "/items/{id}"): {"If-Match": False},
    ("DELETE", "/items/{id}"): {"If-Match": False},
}
_QUERY: Mapping[tuple[str, str], Sequence[str]] = {("GET", "/items"): ("limit", "cursor", "status")}


def _item_properties() -> dict:
    return {
        "name": {"type": "string", "minLength": 1, "maxLength": NAME_MAX},
        "description": {"type": "string", "maxLength": DESCRIPTION_MAX},
        "status": {"type": "string", "enum": list(STATUSES)},
        "tags": {
            "type": "array",
            "maxItems": TAGS_MAX,
            "uniqueItems": True,
            "items": {"type": "string", "minLength": 1, "maxLength": TAG_MAX},
        },
    }


def _any_case(text: str) -> str:
    """A regex for `text` in any letter case (draft-04 patterns take no flags; the function
    compares media types case-insensitively)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in text)


def request_schemas(upload_content_types: Sequence[str]) -> dict[str, dict]:
    """Model name -> its JSON schema."""
    return {
        "ItemFields": {
            "$schema": DRAFT_04,
            "title": "ItemFields",
            "type": "object",
            "properties": _item_properties(),
            "required": ["name"],
            "additionalProperties": False,
        },
        "ItemPatch": {
            "$schema": DRAFT_04,
            "title": "ItemPatch",
            "type": "object",
            "properties": _item_properties(),
            "minProperties": 1,
            "additionalProperties": False,
        },
        "UploadRequest": {
            "$schema": DRAFT_04,
            "title": "UploadRequest",
            "type": "object",
            "properties": {
                "contentType": {
                    "type": "string",
                    "pattern": "^(?:" + "|".join(_any_case(t) for t in upload_content_types) + ")$",
                }
            },
            "required": ["contentType"],
            "additionalProperties": False,
        },
    }


def request_parameters(method: str, path: str) -> dict[str, bool] | None:
    """The method's `request_parameters`: path parameters (always required), the headers and
    query strings it reads."""
    params = {
        f"method.request.path.{part[1:-1]}": True
        for part in path.split("/")
        if part.startswith("{") and part.endswith("}")
    }
    for header, required in _HEADERS.get((method, path), {}).items():
        params[f"method.request.header.{header}"] = required
    for name in _QUERY.get((method, path), ()):
        params[f"method.request.querystring.{name}"] = False
    return params or None


def body_model(route: Route) -> str | None:
    return BODY_MODELS.get((route.method, route.path))


def request_models(route: Route) -> dict[str, str] | None:
    """The method's `request_models`: the body's model for `application/json`."""
    model = body_model(route)
    return {JSON_CONTENT_TYPE: model} if model else None
