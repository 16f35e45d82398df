"""An HTTP answer of the local gateway or of one of its local AWS endpoints."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    multi_headers: dict[str, list[str]] = field(default_factory=dict)
    close: bool = False  # the request's framing was unreadable: answer, then close

    @classmethod
    def json(cls, status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
        payload = json.dumps(body).encode()
        return cls(status, {"Content-Type": "application/json", **(headers or {})}, payload)
