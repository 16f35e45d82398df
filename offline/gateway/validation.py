"""Request validation as API Gateway does it for a REST API method with a request validator:
required parameters (BAD_REQUEST_PARAMETERS) and the body against the model for its content type
(BAD_REQUEST_BODY), after the authorizer and before the integration.

API Gateway developer guide, "Request validation for REST APIs": a required parameter must be
present and not blank; the body is checked against the draft-04 JSON schema of the model mapped
to the request's content type (`application/json` when the request has none); a content type
without a model (and no `$default`) is not checked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import jsonschema


@dataclass(frozen=True)
class Validation:
    """What one method's validator checks."""

    body: bool = False
    parameters: bool = False
    # "method.request.header.Idempotency-Key" -> required
    request_parameters: Mapping[str, bool] = field(default_factory=dict)
    # content type -> JSON schema
    models: Mapping[str, Mapping] = field(default_factory=dict)


@dataclass(frozen=True)
class Refusal:
    """A refused request: the gateway response type, its message and the validator's detail."""

    kind: str  # BAD_REQUEST_PARAMETERS | BAD_REQUEST_BODY
    message: str
    detail: str


def check_request(
    validation: Validation,
    *,
    headers: Mapping[str, str],
    query: Mapping[str, str],
    path: Mapping[str, str],
    body: bytes,
) -> Refusal | None:
    """None when API Gateway would pass the request on; `headers` keys lower-case."""
    if validation.parameters:
        missing = []
        for key, required in validation.request_parameters.items():
            _, _, where, name = key.split(".", 3)
            source = {"header": headers, "querystring": query, "path": path}.get(where, {})
            value = source.get(name.lower() if where == "header" else name)
            if required and (value is None or not value.strip()):
                missing.append(name)
        if missing:
            return Refusal(
                "BAD_REQUEST_PARAMETERS",
                f"Missing required request parameters: [{', '.join(missing)}]",
                "",
            )
    if validation.body:
        media = (headers.get("content-type") or "application/json").split(";")[0].strip().lower()
        schema = validation.models.get(media) or validation.models.get("$default")
        if schema is None:
            return None
        try:
            document = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return Refusal("BAD_REQUEST_BODY", "Invalid request body", "[body is not JSON]")
        errors = sorted(
            jsonschema.Draft4Validator(schema).iter_errors(document), key=lambda e: e.path
        )
        if errors:
            detail = "[" + ", ".join(e.message for e in errors) + "]"
            return Refusal("BAD_REQUEST_BODY", "Invalid request body", detail)
    return None
