"""The web app (web/) served locally as CloudFront would serve it from its bucket: the files,
`config.json` made from the deployed stack's outputs and the local endpoints (never a file in the
repository), the SPA fallback (an unknown path is `index.html` with 200), and the security headers
of a response headers policy, with a CSP whose `connect-src` is the app's own origin (config.json)
and exactly the local gateway (the API, Cognito's user-pool API and the S3 upload endpoint all
live on its origin here)."""

from __future__ import annotations

import json
import mimetypes
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from offline.gateway import LocalGateway
from offline.gateway.server import COGNITO_PATH
from offline.runner import RunResult, stack_config

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"


def self_sign_up(result: RunResult) -> bool:
    """Whether the deployed user pool lets users sign themselves up (no admin-only setting)."""
    (pool,) = result.of_type("aws:cognito/userPool:UserPool")
    admin = pool.inputs.get("adminCreateUserConfig") or {}
    return not admin.get("allowAdminCreateUserOnly", False)


def web_config(result: RunResult, gateway: LocalGateway) -> dict[str, Any]:
    """config.json for the app: the stack's outputs, with the local endpoints for AWS's.
    `selfSignUp` false makes the app hide its sign-up form (the pool would refuse SignUp)."""
    api = stack_config(result.stack).get("hubspoke:api") or {}
    from components.model import DEFAULT_UPLOAD_CONTENT_TYPES, PERMISSIONS

    return {
        "apiUrl": f"{gateway.url}/{gateway.api.stage}",
        "region": gateway.api.region,
        "userPoolId": result.outputs["user_pool_id"],
        "clientId": result.outputs["user_pool_client_id"],
        "cognitoEndpoint": f"{gateway.url}{COGNITO_PATH}",
        "selfSignUp": self_sign_up(result),
        "groups": api.get("groups") or {},
        "defaultGroup": api.get("defaultGroup", list(PERMISSIONS)),
        "uploadMaxBytes": api.get("uploadMaxBytes", 10 * 1024 * 1024),
        "uploadContentTypes": api.get("uploadContentTypes", list(DEFAULT_UPLOAD_CONTENT_TYPES)),
    }


def security_headers(connect_src: str) -> dict[str, str]:
    """What the WebApp's response headers policy sends (CSP, HSTS, nosniff, frames, referrer)."""
    csp = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {connect_src}; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": csp,
        "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }


class LocalWebApp:
    """Serves `root` and its config on 127.0.0.1:`port` (0: an ephemeral port). It can be bound
    before the stack is deployed (its origin goes into the API's CORS origins) and configured
    after; until then config.json is 503."""

    def __init__(self, root: Path = WEB_ROOT):
        self.root = root.resolve()
        self.config: dict[str, Any] | None = None
        self.headers = security_headers("'self'")
        self._server: ThreadingHTTPServer | None = None

    def configure(self, config: Mapping[str, Any], connect_src: str) -> None:
        self.config = dict(config)
        self.headers = security_headers(connect_src)

    def _file(self, raw_path: str) -> tuple[int, str, bytes, str]:
        path = unquote(urlsplit(raw_path).path)
        if path == "/config.json":
            if self.config is None:
                return 503, "application/json", b'{"message": "not deployed yet"}', "no-store"
            return 200, "application/json", json.dumps(self.config).encode(), "no-store"
        target = (self.root / path.lstrip("/")).resolve()
        if path.endswith("/") or not target.is_file() or self.root not in target.parents:
            target = self.root / "index.html"  # CloudFront's 403/404 -> /index.html, 200
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "text/javascript"):
            kind += "; charset=utf-8"
        cache = "no-cache" if target.name == "index.html" else "max-age=300"
        return 200, kind, target.read_bytes(), cache

    def serve(self, port: int = 0) -> str:
        app = self

        class _Http(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, kind, body, cache = app._file(self.path)
                self.send_response(status)
                for name, value in {
                    **app.headers,
                    "Content-Type": kind,
                    "Cache-Control": cache,
                }.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_HEAD = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Http)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None, "not serving"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> LocalWebApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
