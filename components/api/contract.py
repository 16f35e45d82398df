"""What the component, the function (functions/items) and the browser must agree on: where the
code is and its handler, the table's key schema, the upload prefix, the routes and CORS headers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FUNCTION_CODE = Path(__file__).resolve().parent.parent.parent / "functions" / "items"
HANDLER = "app.lambda_handler"

# The table's key schema, shared with functions/items (repository.py).
TABLE_HASH_KEY, TABLE_RANGE_KEY = "PK", "SK"
GSI_NAME, GSI_HASH_KEY, GSI_RANGE_KEY = "GSI1", "GSI1PK", "GSI1SK"
UPLOAD_PREFIX = "uploads/"  # the function adds `<cognito sub>/` below it

# Request headers a browser may send; keep in step with the function's CORSConfig.
CORS_ALLOW_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "If-Match")
CORS_MAX_AGE_SECONDS = 600


@dataclass(frozen=True)
class Route:
    """One route of functions/items; `public` routes have no authorizer."""

    method: str
    path: str
    public: bool = False


ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", public=True),
    Route("POST", "/items"),
    Route("GET", "/items"),
    Route("GET", "/items/{id}"),
    Route("PUT", "/items/{id}"),
    Route("PATCH", "/items/{id}"),
    Route("DELETE", "/items/{id}"),
    Route("POST", "/items/{id}/upload-url"),
)
