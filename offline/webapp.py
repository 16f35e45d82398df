"""The web app (web/) served locally as CloudFront would serve it from its bucket: the files,
`config.json` made from the deployed stack's outputs and the local endpoints (never a file in the
repository), the SPA fallback (an unknown path is `index.html` with 200), and the security headers
of a response headers policy, with a CSP whose `connect-src` is the app's own origin (config.json)
and exactly the local gateway (the API, Cognito's user-pool API and the S3 upload endpoint all
live on its origin here)."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from components.web_content import (
    CONFIG_FILE,
    INDEX,
    WEB_ROOT,
    app_config,
    cache_control,
    content_type,
    security_headers,
)
from offline.gateway import LocalGateway
from offline.gateway.server import COGNITO_PATH
from offline.runner import RunResult, check_stack


def web_config(result: RunResult, gateway: LocalGateway) -> dict[str, Any]:
    """config.json for the app: the stack's outputs, with the local endpoints for AWS's (the
    same builder the WebApp component uploads config.json with)."""
    api = check_stack(result.stack).api
    assert api is not None, f"stack {result.stack} has no hubspoke:api"
    return app_config(
        api_url=f"{gateway.url}/{gateway.api.stage}",
        region=gateway.api.region,
        user_pool_id=result.outputs["user_pool_id"],
        client_id=result.outputs["user_pool_client_id"],
        cognito=f"{gateway.url}{COGNITO_PATH}",
        api=api,
    )


class LocalWebApp:
    """Serves `root` and its config on 127.0.0.1:`port` (0: an ephemeral port). It can be bound
    before the stack is deployed (its origin goes into the API's CORS origins) and configured
    after; until then config.json is 503."""

    def __init__(self, root: Path = WEB_ROOT):
        self.root = root.resolve()
        self.config: dict[str, Any] | None = None
        self.headers = dict(security_headers([]))
        self._server: ThreadingHTTPServer | None = None

    def configure(self, config: Mapping[str, Any], connect_src: str) -> None:
        self.config = dict(config)
        self.headers = dict(security_headers([connect_src]))

    def _file(self, raw_path: str) -> tuple[int, str, bytes, str]:
        path = unquote(urlsplit(raw_path).path)
        if path == f"/{CONFIG_FILE}":
            if self.config is None:
                return 503, "application/json", b'{"message": "not deployed yet"}', "no-store"
            body = json.dumps(self.config).encode()
            return 200, content_type(CONFIG_FILE), body, cache_control(CONFIG_FILE)
        target = (self.root / path.lstrip("/")).resolve()
        if path.endswith("/") or not target.is_file() or self.root not in target.parents:
            target = self.root / INDEX  # CloudFront's 403/404 -> /index.html, 200
        return 200, content_type(target.name), target.read_bytes(), cache_control(target.name)

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
