"""Where the function's code is and its handler; the rest of the contract (key schema, upload
prefix, routes, CORS, content types) is functions/items/contract.py, shipped in the zip and
re-exported here for the component's modules."""

from __future__ import annotations

from pathlib import Path

from functions.items.contract import (
    CORS_ALLOW_HEADERS,
    CORS_EXPOSE_HEADERS,
    CORS_MAX_AGE_SECONDS,
    DEFAULT_PERMISSIONS_ENV,
    DEFAULT_UPLOAD_CONTENT_TYPES,
    GROUP_PERMISSIONS_ENV,
    GSI_HASH_KEY,
    GSI_NAME,
    GSI_RANGE_KEY,
    JSON_CONTENT_TYPE,
    PERMISSIONS,
    ROUTES,
    TABLE_HASH_KEY,
    TABLE_RANGE_KEY,
    UPLOAD_PREFIX,
    Route,
)

FUNCTION_CODE = Path(__file__).resolve().parent.parent.parent / "functions" / "items"
HANDLER = "app.lambda_handler"

__all__ = [
    "CORS_ALLOW_HEADERS",
    "CORS_EXPOSE_HEADERS",
    "CORS_MAX_AGE_SECONDS",
    "DEFAULT_PERMISSIONS_ENV",
    "DEFAULT_UPLOAD_CONTENT_TYPES",
    "FUNCTION_CODE",
    "GROUP_PERMISSIONS_ENV",
    "GSI_HASH_KEY",
    "GSI_NAME",
    "GSI_RANGE_KEY",
    "HANDLER",
    "JSON_CONTENT_TYPE",
    "PERMISSIONS",
    "ROUTES",
    "TABLE_HASH_KEY",
    "TABLE_RANGE_KEY",
    "UPLOAD_PREFIX",
    "Route",
]
