"""Configuration of the items function, read once from the environment at cold start."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from contract import (
    DEFAULT_PERMISSIONS_ENV,
    DEFAULT_UPLOAD_CONTENT_TYPES,
    GROUP_PERMISSIONS_ENV,
    PERMISSIONS,
)

DEFAULT_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
MIN_CURSOR_SECRET_BYTES = 32


class SettingsError(RuntimeError):
    """A missing or invalid environment variable: the function must not start half-configured."""


class Settings:
    """Everything the function reads from its environment, validated."""

    __slots__ = (
        "bucket_name",
        "cors_origins",
        "cursor_secret",
        "default_permissions",
        "group_permissions",
        "region",
        "table_name",
        "upload_content_types",
        "upload_max_bytes",
        "upload_url_ttl_seconds",
    )

    def __init__(
        self,
        *,
        table_name: str,
        bucket_name: str,
        region: str,
        cursor_secret: bytes,
        cors_origins: tuple[str, ...],
        upload_max_bytes: int,
        upload_content_types: tuple[str, ...],
        upload_url_ttl_seconds: int = 300,
        group_permissions: dict[str, tuple[str, ...]] | None = None,
        default_permissions: tuple[str, ...] = PERMISSIONS,
    ) -> None:
        self.table_name = table_name
        self.bucket_name = bucket_name
        self.region = region
        self.cursor_secret = cursor_secret
        self.cors_origins = cors_origins
        self.upload_max_bytes = upload_max_bytes
        self.upload_content_types = upload_content_types
        self.upload_url_ttl_seconds = upload_url_ttl_seconds
        self.group_permissions = group_permissions or {}
        self.default_permissions = default_permissions


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise SettingsError(f"Environment variable {name} is required and is empty or unset.")
    return value


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _permissions(value: object, name: str) -> tuple[str, ...]:
    items = _csv(value) if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or any(p not in PERMISSIONS for p in items):
        raise SettingsError(
            f"{name} must list permissions out of {', '.join(PERMISSIONS)}; got {value!r}."
        )
    return tuple(items)


def _roles(env: Mapping[str, str]) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """Group -> permissions (a JSON object) and the permissions of a user in no group (CSV;
    unset means every permission, as before groups existed; empty means none)."""
    raw = env.get(GROUP_PERMISSIONS_ENV, "").strip() or "{}"
    try:
        groups = json.loads(raw)
    except ValueError:
        groups = None
    if not isinstance(groups, dict):
        raise SettingsError(
            f"{GROUP_PERMISSIONS_ENV} must be a JSON object of group -> permission list."
        )
    parsed = {str(g): _permissions(p, f"{GROUP_PERMISSIONS_ENV}[{g!r}]") for g, p in groups.items()}
    if DEFAULT_PERMISSIONS_ENV not in env:
        return parsed, PERMISSIONS
    return parsed, _permissions(env[DEFAULT_PERMISSIONS_ENV], DEFAULT_PERMISSIONS_ENV)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the environment: a misconfigured deploy fails at init, not mid-request."""
    env = os.environ if env is None else env
    secret = _required(env, "CURSOR_SECRET").encode()
    if len(secret) < MIN_CURSOR_SECRET_BYTES:
        raise SettingsError(
            f"CURSOR_SECRET must be at least {MIN_CURSOR_SECRET_BYTES} bytes; it has {len(secret)}."
        )
    raw_max = env.get("UPLOAD_MAX_BYTES", "").strip() or str(DEFAULT_UPLOAD_MAX_BYTES)
    if not raw_max.isdigit() or not 1 <= int(raw_max) <= 5 * 1024**3:
        raise SettingsError(
            f"UPLOAD_MAX_BYTES must be a whole number of bytes from 1 to 5 GiB; got {raw_max!r}."
        )
    content_types = _csv(env.get("UPLOAD_CONTENT_TYPES", "")) or DEFAULT_UPLOAD_CONTENT_TYPES
    for content_type in content_types:
        if content_type.count("/") != 1 or " " in content_type or "*" in content_type:
            raise SettingsError(
                f"UPLOAD_CONTENT_TYPES holds {content_type!r}; "
                "list exact media types such as image/png, comma-separated."
            )
    group_permissions, default_permissions = _roles(env)
    return Settings(
        table_name=_required(env, "TABLE_NAME"),
        bucket_name=_required(env, "BUCKET_NAME"),
        region=_required(env, "AWS_REGION"),
        cursor_secret=secret,
        cors_origins=_csv(env.get("CORS_ORIGINS", "")),
        upload_max_bytes=int(raw_max),
        upload_content_types=tuple(ct.lower() for ct in content_types),
        group_permissions=group_permissions,
        default_permissions=default_permissions,
    )
