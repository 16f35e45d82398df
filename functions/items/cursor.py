"""Opaque, signed pagination cursors.

A cursor carries only sort keys. Its HMAC covers the partition it was issued for (the caller's
partition, or their status partition), so a cursor replayed by another user, or on another
listing, fails verification; and the query always takes its partition from the caller anyway.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re

from errors import ValidationError

_CONTEXT = b"hubspoke-items-cursor/v1\n"
_SK_RE = re.compile(r"ITEM#[0-9a-f]{32}")
_GSI1SK_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z#[0-9a-f]{32}")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _invalid() -> ValidationError:
    return ValidationError(
        "Query parameter 'cursor' is not a cursor this API returned for this listing; "
        "start again without it.",
        field="cursor",
        code="invalid_cursor",
    )


class CursorCodec:
    """Signs and verifies cursors with a secret that only the function knows."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, partition: str, payload: bytes) -> bytes:
        message = _CONTEXT + partition.encode() + b"\n" + payload
        return hmac.new(self._secret, message, hashlib.sha256).digest()

    def encode(self, partition: str, key: dict[str, str]) -> str:
        payload = json.dumps(key, separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64(payload)}.{_b64(self._mac(partition, payload))}"

    def decode(self, partition: str, cursor: str, *, with_gsi: bool) -> dict[str, str]:
        """Return the sort keys, or raise a 400 naming `cursor` for anything not ours."""
        try:
            payload_b64, mac_b64 = cursor.split(".")
            payload = _unb64(payload_b64)
            mac = _unb64(mac_b64)
        except (ValueError, binascii.Error):
            raise _invalid() from None
        if not hmac.compare_digest(mac, self._mac(partition, payload)):
            raise _invalid()
        try:
            key = json.loads(payload)
        except ValueError:
            raise _invalid() from None
        expected = {"SK", "GSI1SK"} if with_gsi else {"SK"}
        if not isinstance(key, dict) or set(key) != expected:
            raise _invalid()
        if not isinstance(key["SK"], str) or not _SK_RE.fullmatch(key["SK"]):
            raise _invalid()
        if with_gsi and not (
            isinstance(key["GSI1SK"], str) and _GSI1SK_RE.fullmatch(key["GSI1SK"])
        ):
            raise _invalid()
        return key
