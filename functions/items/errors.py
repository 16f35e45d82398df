"""Errors the API answers with: each has its HTTP status, a stable code and the field at fault."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A client-visible error; app.py turns it into `{"error": {"code", "message", "field"}}`."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        """The JSON body sent to the client."""
        return {
            "error": {"code": self.code, "message": self.message, "field": self.field},
            **self.extra,
        }


class ValidationError(ApiError):
    """Input that breaks the API contract (type, size, format, unknown or missing field)."""

    status = 400
    code = "invalid_value"


class UnauthorizedError(ApiError):
    """No usable caller identity in the authorizer claims."""

    status = 401
    code = "unauthorized"


class NotFoundError(ApiError):
    """No such item in the caller's partition (which is also how other users' items look)."""

    status = 404
    code = "not_found"


class ConflictError(ApiError):
    """A write lost against the current state: stale version or a reused idempotency key."""

    status = 409
    code = "conflict"


class PreconditionRequiredError(ApiError):
    """A write that must name the version it was based on did not."""

    status = 428
    code = "precondition_required"
