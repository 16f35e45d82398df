"""LocalGateway: what API Gateway does with each request to one deployed REST API stage, served
over HTTP on 127.0.0.1.

Per request: route (403 "Missing Authentication Token" for an unknown one), answer a MOCK
`OPTIONS` preflight, check the Cognito token of a COGNITO_USER_POOLS method (401/403), apply the
method's request validator and models (400 BAD_REQUEST_PARAMETERS / BAD_REQUEST_BODY), run the
Lambda proxy integration (502 on a function error), and give the errors it makes itself the API's
gateway response headers and body templates. Each answer is logged, one line, on the
`offline.gateway` logger.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs

from functions.items.contract import CORS_ALLOW_HEADERS, CORS_MAX_AGE_SECONDS, JSON_CONTENT_TYPE
from offline.emulator import EmulatorMocks
from offline.gateway.deployed import DeployedApi, Method, Route
from offline.gateway.routing import Match, proxy_event, resolve
from offline.gateway.runtime import FunctionError, FunctionRuntime, Handler
from offline.gateway.tokens import Forbidden, Unauthorized, verify_cognito_token
from offline.gateway.users import sign_in
from offline.gateway.validation import check_request

_log = logging.getLogger("offline.gateway")

# The bodies API Gateway writes for the responses it makes itself.
_MESSAGES = {
    "UNAUTHORIZED": "Unauthorized",
    "ACCESS_DENIED": "User is not authorized to access this resource",
    "MISSING_AUTHENTICATION_TOKEN": "Missing Authentication Token",
}


class Headers(Protocol):
    """Request headers: `items()` gives every (name, value) pair, a repeated header each time
    (an `http.client.HTTPMessage`, or a plain dict)."""

    def items(self) -> Any: ...


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    multi_headers: dict[str, list[str]] = field(default_factory=dict)


class LocalGateway:
    """Serves one deployed REST API stage. `handlers`, `default_handler`: see FunctionRuntime
    (without either, each function runs its own zip as deployed in moto)."""

    def __init__(
        self,
        emulator: EmulatorMocks,
        api: DeployedApi,
        *,
        handlers: Mapping[str, Handler | str] | None = None,
        default_handler: Handler | str | None = None,
        cors_origins: Sequence[str] = (),
    ):
        self.emulator = emulator
        self.api = api
        self.runtime = FunctionRuntime(emulator, handlers=handlers, default_handler=default_handler)
        self.cors_origins = tuple(cors_origins)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- what API Gateway does -------------------------------------------------------------

    def handle(self, verb: str, raw_path: str, headers: Headers, body: bytes = b"") -> Response:
        pairs = [(str(k), str(v)) for k, v in headers.items()]
        lower = {k.lower(): v for k, v in pairs}
        response, answered_by = self._answer(verb, raw_path, pairs, lower, body)
        _log.info("%s %s -> %d (%s)", verb, raw_path.split("?")[0], response.status, answered_by)
        return response

    def _answer(
        self,
        verb: str,
        raw_path: str,
        pairs: list[tuple[str, str]],
        lower: Mapping[str, str],
        body: bytes,
    ) -> tuple[Response, str]:
        match = resolve(self.api, verb, raw_path)
        if match is None:
            return self._error("MISSING_AUTHENTICATION_TOKEN", 403, lower), "gateway"
        method = match.method
        if verb == "OPTIONS" and method.integration_type == "MOCK":
            return self._preflight(match.route, method, lower), "preflight"
        claims: dict[str, Any] | None = None
        if method.authorization == "COGNITO_USER_POOLS":
            token = lower.get(method.identity_header, "")
            if not token:
                return self._error("UNAUTHORIZED", 401, lower), "authorizer: no token"
            try:
                claims = verify_cognito_token(token, method.pools, method.scopes)
            except Unauthorized as e:
                return self._error("UNAUTHORIZED", 401, lower), f"authorizer: {e}"
            except Forbidden as e:
                return self._error("ACCESS_DENIED", 403, lower), f"authorizer: {e}"
        # Request validation runs after the authorizer, before the integration.
        query = {k: v[-1] for k, v in parse_qs(match.url.query, keep_blank_values=True).items()}
        refusal = check_request(
            method.validation, headers=lower, query=query, path=match.params, body=body
        )
        if refusal is not None:
            response = self._error(refusal.kind, 400, lower, message=refusal.message)
            return response, f"validator: {refusal.message} {refusal.detail}".rstrip()
        if method.integration_type != "AWS_PROXY" or not method.function_arn:
            return self._error("INTEGRATION_FAILURE", 500, lower), "gateway: no integration"
        return self._call(verb, match, pairs, lower, body, claims), "function"

    def _call(
        self,
        verb: str,
        match: Match,
        pairs: list[tuple[str, str]],
        lower: Mapping[str, str],
        body: bytes,
        claims: dict[str, Any] | None,
    ) -> Response:
        event = proxy_event(self.api, verb, match, pairs, body, claims)
        try:
            result = self.runtime.invoke(match.method.function_arn, event)
        except FunctionError:
            return self._error("DEFAULT_5XX", 502, lower)
        data = result.get("body") or ""
        payload = base64.b64decode(data) if result.get("isBase64Encoded") else data.encode()
        return Response(
            int(result["statusCode"]),
            {k: str(v) for k, v in (result.get("headers") or {}).items()},
            payload,
            {k: [str(x) for x in v] for k, v in (result.get("multiValueHeaders") or {}).items()},
        )

    def _preflight(self, route: Route, method: Method, headers: Mapping[str, str]) -> Response:
        if method.mock_headers:  # the API's own MOCK integration response: static values
            out = {k: v.strip("'") for k, v in method.mock_headers.items()}
            return Response(200, {**out, "Content-Type": JSON_CONTENT_TYPE}, b"{}")
        origin = headers.get("origin", "")
        out = {"Content-Type": JSON_CONTENT_TYPE, "Vary": "Origin"}
        if origin in self.cors_origins:
            out |= {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": ",".join(sorted(route.methods)),
                "Access-Control-Allow-Headers": ",".join(CORS_ALLOW_HEADERS),
                "Access-Control-Max-Age": str(CORS_MAX_AGE_SECONDS),
            }
        return Response(200, out, b"{}")

    def _error(
        self, kind: str, status: int, headers: Mapping[str, str], message: str | None = None
    ) -> Response:
        """A response API Gateway makes itself, with the API's gateway response headers and its
        body template (simple variable substitution, as API Gateway does: no VTL)."""
        family = "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
        code, extra = self.api.responses.get(kind) or self.api.responses.get(family) or (None, {})
        out = {"Content-Type": JSON_CONTENT_TYPE, "x-amzn-ErrorType": kind}
        for name, value in extra.items():
            if value.startswith("method.request.header."):
                value = headers.get(value.removeprefix("method.request.header.").lower(), "")
            out[name] = value.strip("'")
        message = message or _MESSAGES.get(kind, "Internal server error")
        template = self.api.templates.get(kind) or self.api.templates.get(family)
        if template is None:
            body = json.dumps({"message": message})
        else:
            body = template.replace("$context.error.messageString", json.dumps(message))
            body = body.replace("$context.error.responseType", kind)
        return Response(code or status, out, body.encode())

    # -- HTTP ------------------------------------------------------------------------------

    def serve(self, port: int = 0) -> str:
        """Start serving on 127.0.0.1 (an ephemeral port by default); returns the stage URL."""
        gateway = self

        class _Http(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.path == "/_offline/token":
                    response = gateway._token_route(self.command, dict(self.headers), body)
                else:
                    response = gateway.handle(self.command, self.path, self.headers, body)
                self.send_response(response.status)
                for k, v in response.headers.items():
                    self.send_header(k, v)
                for k, values in response.multi_headers.items():
                    for v in values:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _any

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Http)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return f"{self.url}/{self.api.stage}"

    @property
    def url(self) -> str:
        assert self._server is not None, "not serving"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.runtime.close()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- local helper: users and tokens ----------------------------------------------------

    def _token_route(self, verb: str, headers: Mapping[str, str], body: bytes) -> Response:
        """The local-only sign-in route, with CORS for the configured origins, so that a page on
        such an origin can sign in by itself (the role a Cognito hosted UI or SDK plays)."""
        origin = {k.lower(): v for k, v in headers.items()}.get("origin", "")
        cors = {"Vary": "Origin"}
        if origin in self.cors_origins:
            cors |= {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": "Content-Type",
            }
        if verb == "OPTIONS":
            return Response(204, cors, b"")
        if verb != "POST":
            return Response(405, {**cors, "Allow": "POST, OPTIONS"}, b"")
        response = self._token(body)
        return Response(response.status, {**response.headers, **cors}, response.body)

    def _token(self, body: bytes) -> Response:
        try:
            user = json.loads(body or b"{}")["user"]
            pool = next(p for r in self.api.routes for m in r.methods.values() for p in m.pools)
        except (ValueError, KeyError, StopIteration):
            return Response(400, {"Content-Type": JSON_CONTENT_TYPE}, b'{"message": "user?"}')
        tokens = sign_in(self.emulator, pool, user)
        return Response(200, {"Content-Type": JSON_CONTENT_TYPE}, json.dumps(tokens).encode())
