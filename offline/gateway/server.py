"""LocalGateway: what API Gateway does with each request to one deployed REST API stage, served
over HTTP on 127.0.0.1, with the local AWS endpoints a browser app needs beside it.

Per request: route (403 "Missing Authentication Token" for an unknown one), the stage's
throttling (429), a MOCK `OPTIONS` preflight, the Cognito token of a COGNITO_USER_POOLS method
(401/403), the method's request validator and models (400 BAD_REQUEST_PARAMETERS /
BAD_REQUEST_BODY), the Lambda proxy integration (502 on a function error); the errors it makes
itself carry the API's gateway response headers and body templates. Every answer is logged, one
line, on the `offline.gateway` logger. Malformed requests (framing, tokens, headers) get an
answer, never a dropped connection.

Local endpoints (not part of API Gateway): `/_aws/cognito-idp/` (the user-pool API, see
cognito_idp.py), `/_aws/s3/<bucket>` (presigned POST uploads, see s3_post.py; the function's
presigned URLs point here through `AWS_ENDPOINT_URL_S3`), `/_offline/token` (sign-in helper).
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs

from functions.items.contract import CORS_ALLOW_HEADERS, CORS_MAX_AGE_SECONDS, JSON_CONTENT_TYPE
from offline.emulator import EmulatorMocks
from offline.gateway.cognito_idp import CognitoEndpoint
from offline.gateway.deployed import DeployedApi, Method, Route
from offline.gateway.response import Response
from offline.gateway.routing import Match, proxy_event, resolve
from offline.gateway.runtime import FunctionError, FunctionRuntime, Handler
from offline.gateway.s3_post import MAX_LOCAL_UPLOAD_BYTES, S3PostEndpoint
from offline.gateway.throttle import StageThrottle
from offline.gateway.tokens import Forbidden, Unauthorized, token_from_header, verify_cognito_token
from offline.gateway.users import sign_in
from offline.gateway.validation import check_request

_log = logging.getLogger("offline.gateway")

# The bodies API Gateway writes for the responses it makes itself.
_MESSAGES = {
    "UNAUTHORIZED": "Unauthorized",
    "ACCESS_DENIED": "User is not authorized to access this resource",
    "MISSING_AUTHENTICATION_TOKEN": "Missing Authentication Token",
    "THROTTLED": "Too Many Requests",
    "REQUEST_TOO_LARGE": "Request Too Long",
    "BAD_REQUEST_BODY": "Bad Request",
}
# API Gateway's payload quota for REST APIs: 10 MB; a larger request is refused with 413.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
COGNITO_PATH, S3_PREFIX, TOKEN_PATH = "/_aws/cognito-idp/", "/_aws/s3/", "/_offline/token"
OUTBOX_PATH = "/_offline/outbox"  # the confirmation codes the sandbox "sent"


class Headers(Protocol):
    """Request headers: `items()` gives every (name, value) pair, a repeated header each time
    (an `http.client.HTTPMessage`, or a plain dict)."""

    def items(self) -> Any: ...


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
        self.throttle = StageThrottle(api.throttles)
        pools = {p.pool_id: p for r in api.routes for m in r.methods.values() for p in m.pools}
        self.cognito = CognitoEndpoint(emulator, list(pools.values()))
        self.s3 = S3PostEndpoint(emulator, self.runtime.issued_credentials.get)
        # The clock the authorizer checks `exp` against; see advance_clock.
        self.clock: Callable[[], float] | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- what API Gateway does -------------------------------------------------------------

    def handle(self, verb: str, raw_path: str, headers: Headers, body: bytes = b"") -> Response:
        pairs = [(str(k), str(v)) for k, v in headers.items()]
        lower = {k.lower(): v for k, v in pairs}
        try:
            response, answered_by = self._answer(verb, raw_path, pairs, lower, body)
        except Exception:  # a fault here is a 500 the client can read, not a dropped socket
            _log.exception("gateway fault on %s %s", verb, raw_path[:200])
            response, answered_by = self._error("DEFAULT_5XX", 500, lower), "gateway: fault"
        _log.info(
            "%s %s -> %d (%s)", verb, raw_path.split("?")[0][:200], response.status, answered_by
        )
        return response

    def local(self, verb: str, raw_path: str, headers: Headers, body: bytes) -> Response | None:
        """The local endpoints beside the API (None: the path is the API's)."""
        path = raw_path.split("?")[0]
        lower = {str(k).lower(): str(v) for k, v in headers.items()}
        if path in (COGNITO_PATH, COGNITO_PATH.rstrip("/")):
            response, who = self.cognito.handle(verb, lower, body), "cognito-idp"
        elif path.startswith(S3_PREFIX) and path.count("/") == 3:
            response, who = self.s3.handle(verb, path.removeprefix(S3_PREFIX), lower, body), "s3"
        elif path == TOKEN_PATH:
            response, who = self._token_route(verb, lower, body), "token"
        elif path == OUTBOX_PATH and verb == "GET":
            response, who = Response.json(200, dict(self.cognito.outbox)), "outbox"
        else:
            return None
        _log.info("%s %s -> %d (local %s)", verb, path[:200], response.status, who)
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
            return self._error("MISSING_AUTHENTICATION_TOKEN", 403, lower), "gateway: no route"
        if len(body) > MAX_PAYLOAD_BYTES:
            return self._error("REQUEST_TOO_LARGE", 413, lower), "gateway: payload quota"
        method = match.method
        if not self.throttle.allow(match.route.path, method.http_method):
            return self._error("THROTTLED", 429, lower), "gateway: throttled"
        if verb == "OPTIONS" and method.integration_type == "MOCK":
            return self._preflight(match.route, method, lower), "preflight"
        claims: dict[str, Any] | None = None
        if method.authorization == "COGNITO_USER_POOLS":
            token = token_from_header(lower.get(method.identity_header, ""))
            if not token:
                return self._error("UNAUTHORIZED", 401, lower), "authorizer: no token"
            now = None if self.clock is None else self.clock()
            try:
                claims = verify_cognito_token(token, method.pools, method.scopes, now)
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

    def advance_clock(self, seconds: float) -> None:
        """Let `seconds` pass in the sandbox: the authorizer's clock and the clock the emulated
        Cognito mints tokens with move together, so tokens issued before now expire and tokens
        refreshed after are valid, as after a real wait (tests: token expiry and refresh)."""
        import time as real_time
        import types

        import moto.cognitoidp.models as cognito_models

        offset = seconds + (0 if self.clock is None else self.clock() - real_time.time())
        self.clock = lambda: real_time.time() + offset
        shifted = types.SimpleNamespace(**vars(real_time))
        shifted.time = self.clock
        cognito_models.time = shifted  # type: ignore[assignment]

    def bad_framing(self, why: str) -> Response:
        """A request whose body cannot be delimited: answered 400, then the connection closed
        (the next request's start is unknown), as a front end such as CloudFront does."""
        _log.info("bad request framing -> 400 (%s)", why)
        response = self._error("BAD_REQUEST_BODY", 400, {})
        response.close = True
        return response

    # -- HTTP ------------------------------------------------------------------------------

    def serve(self, port: int = 0) -> str:
        """Start serving on 127.0.0.1 (an ephemeral port by default); returns the stage URL."""
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _http_handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        # The function's presigned POSTs point at the local S3 endpoint (botocore reads it).
        self.runtime.extra_environment["AWS_ENDPOINT_URL_S3"] = f"{self.url}{S3_PREFIX.rstrip('/')}"
        return f"{self.url}/{self.api.stage}"

    @property
    def url(self) -> str:
        assert self._server is not None, "not serving"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        import time as real_time

        import moto.cognitoidp.models as cognito_models

        cognito_models.time = real_time  # undo advance_clock
        self.runtime.close()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- local helper: users and tokens ----------------------------------------------------

    def _token_route(self, verb: str, headers: Mapping[str, str], body: bytes) -> Response:
        """The local-only sign-in route, with CORS for the configured origins, so that a page on
        such an origin can sign in by itself (the role a Cognito hosted UI or SDK plays)."""
        origin = headers.get("origin", "")
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
            request = json.loads(body or b"{}")
            user, group = str(request["user"]), request.get("group")
            pool = self.cognito.pools[0]
        except (ValueError, KeyError, TypeError, AttributeError, IndexError):
            return Response.json(400, {"message": 'send {"user": name, "group": optional}'})
        try:
            tokens = sign_in(self.emulator, pool, user, None if group is None else str(group))
        except LookupError as e:
            return Response.json(400, {"message": str(e)})
        return Response.json(200, tokens)


def _http_handler(gateway: LocalGateway) -> type[BaseHTTPRequestHandler]:
    """The HTTP/1.1 side: framing (Content-Length or chunked), HEAD, errors as JSON."""

    class _Http(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _body(self) -> bytes | Response:
            chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
            lengths = self.headers.get_all("Content-Length") or []
            if chunked and lengths:
                return gateway.bad_framing("both Content-Length and chunked")
            if chunked:
                return self._chunks()
            if len(set(lengths)) > 1:
                return gateway.bad_framing("Content-Length given with different values")
            raw = lengths[0].strip() if lengths else "0"
            if not raw.isdigit():
                return gateway.bad_framing(f"Content-Length {raw[:20]!r}")
            length = int(raw)
            if length > max(MAX_PAYLOAD_BYTES, MAX_LOCAL_UPLOAD_BYTES):
                return gateway.bad_framing(f"Content-Length {length} over the local limit")
            body = self.rfile.read(length) if length else b""
            if len(body) != length:
                return gateway.bad_framing("the body ended before Content-Length")
            return body

        def _chunks(self) -> bytes | Response:
            body = b""
            while True:
                line = self.rfile.readline(1024).split(b";")[0].strip()
                try:
                    size = int(line, 16)
                except ValueError:
                    return gateway.bad_framing("a chunk size that is not hexadecimal")
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return body
                if len(body) + size > MAX_LOCAL_UPLOAD_BYTES:
                    return gateway.bad_framing("chunked body over the local limit")
                body += self.rfile.read(size)
                if self.rfile.read(2) != b"\r\n":
                    return gateway.bad_framing("a chunk not followed by CRLF")

        def _any(self) -> None:
            body = self._body()
            if isinstance(body, Response):
                response = body
            else:
                response = gateway.local(self.command, self.path, self.headers, body)
                if response is None:
                    response = gateway.handle(self.command, self.path, self.headers, body)
            self._send(response)

        def _send(self, response: Response) -> None:
            self.send_response(response.status)
            for k, v in response.headers.items():
                self.send_header(k, v)
            for k, values in response.multi_headers.items():
                for v in values:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(response.body)))
            if response.close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":  # HEAD: the headers of a GET, no body
                self.wfile.write(response.body)

        def send_error(self, code: int, message: str | None = None, explain: str | None = None):
            """The request line or headers could not be parsed: JSON, not http.server's HTML."""
            self.close_connection = True
            self.request_version = "HTTP/1.1"  # an unparsed line left HTTP/0.9: no status line
            body = json.dumps({"message": message or "Bad Request"}).encode()
            try:
                self.send_response(code, message)
                self.send_header("Content-Type", JSON_CONTENT_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                    self.wfile.write(body)
            except OSError:
                pass  # the client went away

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return _Http
