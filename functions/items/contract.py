"""The items API's contract: what the function, the component (components/api), the local gateway
(offline/gateway) and the browser must agree on.

One module, standard library only. It ships in the function's zip, where the function imports it
as `contract`; everything else imports it as `functions.items.contract`. Change a value here and
every side changes with it.
"""

from __future__ import annotations

from dataclasses import dataclass

# The table's key schema (repository.py): PK=USER#<sub>, SK=ITEM#<id>; GSI1 lists one status.
TABLE_HASH_KEY, TABLE_RANGE_KEY = "PK", "SK"
GSI_NAME, GSI_HASH_KEY, GSI_RANGE_KEY = "GSI1", "GSI1PK", "GSI1SK"

# Uploads go under `<prefix><cognito sub>/<item id>/`; the function's role may write only there.
UPLOAD_PREFIX = "uploads/"
DEFAULT_UPLOAD_CONTENT_TYPES: tuple[str, ...] = ("image/jpeg", "image/png", "application/pdf")

# What a client may send (functions/items/models.py checks it; components/api/request_models.py
# gives API Gateway the same limits as JSON schema models, so it refuses a malformed request
# before the function runs).
STATUSES: tuple[str, ...] = ("todo", "in_progress", "done")
MAX_BODY_BYTES = 16 * 1024
NAME_MAX = 200
DESCRIPTION_MAX = 4000
TAGS_MAX = 20
TAG_MAX = 50
ITEM_FIELDS: tuple[str, ...] = ("name", "description", "status", "tags")

# Request bodies and responses are JSON.
JSON_CONTENT_TYPE = "application/json"

# CORS: request headers a browser may send, response headers it may read, preflight cache.
CORS_ALLOW_HEADERS: tuple[str, ...] = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
)
CORS_EXPOSE_HEADERS: tuple[str, ...] = ("ETag", "Idempotent-Replayed")
CORS_MAX_AGE_SECONDS = 600


# What a role may do (`hubspoke:api.groups`); each authorized route needs one of them.
READ, WRITE, UPLOAD = "read", "write", "upload"
PERMISSIONS: tuple[str, ...] = (READ, WRITE, UPLOAD)

# The function's environment: the permissions of each Cognito group (JSON object of lists) and
# of a user in none of them (comma-separated).
GROUP_PERMISSIONS_ENV, DEFAULT_PERMISSIONS_ENV = "GROUP_PERMISSIONS", "DEFAULT_PERMISSIONS"


@dataclass(frozen=True)
class Route:
    """One route of the function; `public` routes have no authorizer and need no permission."""

    method: str
    path: str
    permission: str | None = None
    public: bool = False


ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", public=True),
    Route("POST", "/items", WRITE),
    Route("GET", "/items", READ),
    Route("GET", "/items/{id}", READ),
    Route("PUT", "/items/{id}", WRITE),
    Route("PATCH", "/items/{id}", WRITE),
    Route("DELETE", "/items/{id}", WRITE),
    Route("POST", "/items/{id}/upload-url", UPLOAD),
)
