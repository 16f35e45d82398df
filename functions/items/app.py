"""Lambda entry point of the items API: routes only. Rules: service.py; DynamoDB: repository.py.

Handler: `app.lambda_handler`, with this folder as the code root. Environment: see README.md.
"""

# ruff: noqa: E402 -- the collector is paused before the imports, see below.
from __future__ import annotations

import gc

# Init builds only long-lived objects (botocore models, routes), so cyclic GC passes over them are
# wasted cold-start time; gc.freeze() at the end also keeps them out of every later collection.
gc.disable()

import base64
import binascii
import json
import re
import traceback
from typing import Any

import botocore.session
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.logging import correlation_paths
from botocore.config import Config
from botocore.exceptions import ClientError
from contract import (
    CORS_ALLOW_HEADERS,
    CORS_EXPOSE_HEADERS,
    CORS_MAX_AGE_SECONDS,
    JSON_CONTENT_TYPE,
    READ,
    ROUTES,
    UPLOAD,
    WRITE,
)
from cursor import CursorCodec
from errors import ApiError, UnauthorizedError, ValidationError
from models import (
    check_json_content_type,
    invalid_item_id,
    parse_idempotency_key,
    parse_if_match,
    parse_item_fields,
    parse_item_id,
    parse_item_patch,
    parse_json_object,
    parse_list_query,
    parse_upload_request,
)
from repository import ItemRepository
from roles import parse_groups, permissions_of, require
from service import ItemService
from settings import load_settings

settings = load_settings()
logger = Logger()

# botocore directly (not boto3): same client, without importing boto3 and s3transfer at cold start.
_session = botocore.session.get_session()
_client_config = Config(
    connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3}
)
dynamodb = _session.create_client("dynamodb", region_name=settings.region, config=_client_config)
_s3_client: Any = None


def s3_client() -> Any:
    """Built on first upload; explicit region = regional URL, so no CORS-breaking redirect."""
    global _s3_client
    if _s3_client is None:
        _s3_client = _session.create_client(
            "s3",
            region_name=settings.region,
            config=_client_config.merge(
                Config(signature_version="s3v4", s3={"addressing_style": "virtual"})
            ),
        )
    return _s3_client


def sign_upload(key: str, content_type: str, max_bytes: int, expires_in: int) -> dict[str, Any]:
    """Presigned POST: unlike a presigned PUT, its policy can cap the size."""
    return s3_client().generate_presigned_post(
        Bucket=settings.bucket_name,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=expires_in,
    )


service = ItemService(
    ItemRepository(dynamodb, settings.table_name),
    CursorCodec(settings.cursor_secret),
    sign_upload,
    upload_max_bytes=settings.upload_max_bytes,
    upload_url_ttl_seconds=settings.upload_url_ttl_seconds,
)

cors = None
if settings.cors_origins:
    cors = CORSConfig(
        allow_origin=settings.cors_origins[0],
        extra_origins=list(settings.cors_origins[1:]),
        # Powertools always allows Authorization, Content-Type and the X-Amz-* headers.
        allow_headers=list(CORS_ALLOW_HEADERS),
        expose_headers=list(CORS_EXPOSE_HEADERS),
        max_age=CORS_MAX_AGE_SECONDS,
    )
app = APIGatewayRestResolver(cors=cors)

_SUB_RE = re.compile(r"[A-Za-z0-9_-]{1,128}")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


# --- Request helpers ---------------------------------------------------------------------------


def _caller(permission: str) -> str:
    """The Cognito `sub` from the authorizer claims, if the caller's groups grant `permission`
    (403 naming it if not); no claims, no access.

    Also refuses control characters in the path: the router's `$` matches before a trailing
    newline, so `/items/\n` would otherwise be served as `/items`.
    """
    if _CONTROL_RE.search(app.current_event.path):
        raise ValidationError(
            "The request path contains control characters.", field="path", code="invalid_path"
        )
    context = app.current_event.raw_event.get("requestContext") or {}
    authorizer = context.get("authorizer") if isinstance(context, dict) else None
    claims = authorizer.get("claims") if isinstance(authorizer, dict) else None
    sub = claims.get("sub") if isinstance(claims, dict) else None
    if not isinstance(sub, str) or not _SUB_RE.fullmatch(sub):
        raise UnauthorizedError("This request carries no authenticated user; sign in again.")
    groups = parse_groups(claims.get("cognito:groups"))
    granted = permissions_of(groups, settings.group_permissions, settings.default_permissions)
    require(permission, groups, granted)
    return sub


def _header(name: str) -> str | None:
    """One header, case-insensitively; a header given twice is refused, not guessed at."""
    event = app.current_event.raw_event
    wanted = name.lower()
    multi = event.get("multiValueHeaders") or {}
    values = [v for k, vs in multi.items() if k.lower() == wanted for v in (vs or [])]
    if not values:
        values = [v for k, v in (event.get("headers") or {}).items() if k.lower() == wanted]
    if len(values) > 1:
        raise ValidationError(
            f"Header {name} is given {len(values)} times; give it once.", field=name
        )
    return values[0] if values else None


def _query() -> dict[str, list[str]]:
    event = app.current_event.raw_event
    multi = event.get("multiValueQueryStringParameters")
    if multi:
        return {k: list(v or []) for k, v in multi.items()}
    return {k: [v] for k, v in (event.get("queryStringParameters") or {}).items()}


def _no_query() -> None:
    params = _query()
    if params:
        name = next(iter(params))[:100]
        raise ValidationError(
            f"This route takes no query parameters; got {name!r}.", field=name, code="unknown_field"
        )


def _json_body() -> dict[str, Any]:
    check_json_content_type(_header("Content-Type"))
    event = app.current_event.raw_event
    raw = event.get("body")
    if raw is None:
        data = b""
    elif event.get("isBase64Encoded"):
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(
                "The request body is not valid base64.", field="body", code="invalid_json"
            ) from None
    else:
        data = raw.encode("utf-8", "surrogatepass")
    return parse_json_object(data)


def _utf8_json(body: Any) -> str:
    """JSON that encodes as UTF-8. Error fields echo caller input, and JSON can carry a lone
    surrogate ("\\ud800") that UTF-8 cannot: the runtime's encoding of the response would fail
    (a 502). Each one is written back as its JSON escape; everything else stays unescaped."""
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type=JSON_CONTENT_TYPE,
        body=_utf8_json(body),
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def _item_response(status: int, item: Any, headers: dict[str, str] | None = None) -> Response:
    return _json(status, item.to_json(), {"ETag": f'"{item.version}"', **(headers or {})})


# --- Routes ------------------------------------------------------------------------------------


@app.get("/health")
def health() -> Response:
    return _json(200, {"status": "ok"})


@app.post("/items")
def create_item() -> Response:
    owner = _caller(WRITE)
    _no_query()
    key = parse_idempotency_key(_header("Idempotency-Key"))
    fields = parse_item_fields(_json_body())
    item, created = service.create(owner, key, fields)
    if created:
        return _item_response(201, item)
    return _item_response(200, item, {"Idempotent-Replayed": "true"})


@app.get("/items")
def list_items() -> Response:
    owner = _caller(READ)
    items, cursor = service.list(owner, parse_list_query(_query()))
    return _json(200, {"items": [item.to_json() for item in items], "nextCursor": cursor})


@app.get("/items/<item_id>")
def get_item(item_id: str) -> Response:
    owner = _caller(READ)
    _no_query()
    return _item_response(200, service.get(owner, parse_item_id(item_id)))


@app.put("/items/<item_id>")
def replace_item(item_id: str) -> Response:
    owner = _caller(WRITE)
    _no_query()
    item_id = parse_item_id(item_id)
    version = parse_if_match(_header("If-Match"))
    fields = parse_item_fields(_json_body())
    return _item_response(200, service.replace(owner, item_id, fields, version))


@app.patch("/items/<item_id>")
def patch_item(item_id: str) -> Response:
    owner = _caller(WRITE)
    _no_query()
    item_id = parse_item_id(item_id)
    version = parse_if_match(_header("If-Match"))
    changes = parse_item_patch(_json_body())
    return _item_response(200, service.patch(owner, item_id, changes, version))


@app.delete("/items/<item_id>")
def delete_item(item_id: str) -> Response:
    owner = _caller(WRITE)
    _no_query()
    item_id = parse_item_id(item_id)
    service.delete(owner, item_id, parse_if_match(_header("If-Match")))
    return Response(status_code=204, headers={"Cache-Control": "no-store"})


@app.post("/items/<item_id>/upload-url")
def create_upload_url(item_id: str) -> Response:
    owner = _caller(UPLOAD)
    _no_query()
    item_id = parse_item_id(item_id)
    request = parse_upload_request(_json_body(), settings.upload_content_types)
    return _json(201, service.upload_url(owner, item_id, request))


# --- Errors ------------------------------------------------------------------------------------


def _known_paths() -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    """The contract's paths as patterns, with the methods each one takes."""
    methods: dict[str, list[str]] = {}
    for route in ROUTES:
        methods.setdefault(route.path, []).append(route.method)
    order = ("GET", "POST", "PUT", "PATCH", "DELETE")
    return tuple(
        (
            re.compile(re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(path))),
            tuple(sorted(verbs, key=order.index)),
        )
        for path, verbs in methods.items()
    )


_ROUTES = _known_paths()


@app.not_found
def no_route(_: Exception) -> Response:
    """405 for a known path with another method, 400 for an id the router refused, else 404."""
    method = app.current_event.http_method.upper()
    path = app.current_event.path
    for pattern, methods in _ROUTES:
        if pattern.fullmatch(path):
            if method in methods:
                # The router's id pattern refused a character; it is an invalid id, not a 405.
                return api_error(invalid_item_id())
            error = ApiError(
                f"Method {method[:10]} is not allowed here; use {', '.join(methods)}.",
                field="method",
                code="method_not_allowed",
                status=405,
            )
            return _json(405, error.body(), {"Allow": ", ".join(methods)})
    return _json(404, ApiError("No such route.", field="path", code="not_found").body())


@app.exception_handler(ApiError)
def api_error(error: ApiError) -> Response:
    return _json(error.status, error.body(), error.headers)


@app.exception_handler(Exception)
def unexpected_error(error: Exception) -> Response:
    """A real fault: log type, AWS error code and stack (not the message, which may hold data)."""
    code = error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else None
    if code in (
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
    ):
        logger.warning("DynamoDB throttled the request", extra={"aws_error_code": code})
        return _json(
            503,
            ApiError("The service is busy; retry shortly.", code="unavailable").body(),
            {"Retry-After": "1"},
        )
    logger.error(
        "Unhandled error",
        extra={
            "error_type": type(error).__name__,
            "aws_error_code": code,
            "stack": traceback.format_tb(error.__traceback__),
            "route": app.current_event.raw_event.get("resource"),
        },
    )
    request_id = (app.current_event.raw_event.get("requestContext") or {}).get("requestId")
    return _json(
        500,
        ApiError(
            f"Internal error; quote request id {request_id} when reporting it.",
            code="internal_error",
        ).body(),
    )


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False, clear_state=True
)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response = app.resolve(event, context)
    logger.info(
        "Request handled",
        extra={
            "method": event.get("httpMethod"),
            "route": event.get("resource"),
            "status": response["statusCode"],
        },
    )
    return response


gc.freeze()
gc.enable()
