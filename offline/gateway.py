"""A local API Gateway for a REST API deployed into the emulator, on 127.0.0.1.

It reads the API from moto (resources, methods, integrations, Cognito authorizer, gateway
responses, stage) and does for each request what API Gateway does for this kind of API, because
moto's API Gateway does not run integrations or authorizers:

- routes `/<stage>/<path>` to the resource and method (or answers 403 "Missing Authentication
  Token", as API Gateway does for an unknown route);
- for a COGNITO_USER_POOLS method, validates the token from the identity source header: RS256
  signature through the pool's JWKS (moto's `/<pool>/.well-known/jwks.json`), issuer, expiry,
  `token_use` (`id` with `aud` = an app client of the pool; `access` with `client_id` and one of
  the method's scopes when it has scopes);
- answers CORS preflight on a MOCK `OPTIONS` method (the integration response's static headers
  when the API defines them, else the configured origins);
- adds the gateway responses' headers (`DEFAULT_4XX`, `DEFAULT_5XX`, or a specific type) to the
  errors it makes itself;
- builds the REST (v1) Lambda proxy event and calls the handler as Lambda would: with the
  function's environment variables and the credentials of its role (assumed in moto, so the
  handler's boto3 calls land in the function's account), in the function's region.

Not enforced: stage throttling and quotas, usage plans, request validators, WAF, resource
policies, caching, mapping templates other than MOCK preflights.
"""

from __future__ import annotations

import base64
import importlib
import importlib.util
import io
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from offline.emulator import EmulatorMocks, lambda_service
from offline.emulator.registry import Ctx

_log = logging.getLogger("offline.gateway")
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
_LAMBDA_URI = re.compile(r"functions/(arn:aws:lambda:([a-z0-9-]+):(\d{12}):function:[^/:]+)")


class Unauthorized(Exception):
    """The token is missing or invalid: API Gateway answers 401."""


class Forbidden(Exception):
    """The token is valid but not for this method (scopes): API Gateway answers 403."""


# -- the deployed API, read from moto ------------------------------------------------------------


@dataclass(frozen=True)
class UserPool:
    region: str
    account_id: str
    pool_id: str
    client_ids: frozenset[str]
    jwks: Mapping[str, Any]

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"


@dataclass(frozen=True)
class Method:
    http_method: str
    authorization: str
    pools: tuple[UserPool, ...] = ()
    identity_header: str = "authorization"
    scopes: tuple[str, ...] = ()
    integration_type: str = ""
    function_arn: str = ""
    mock_headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    path: str  # the resource path, e.g. /items/{id}
    resource_id: str
    methods: Mapping[str, Method]

    def match(self, path: str) -> dict[str, str] | None:
        pattern = "^"
        for part in self.path.strip("/").split("/") if self.path != "/" else []:
            if part.startswith("{") and part.endswith("+}"):
                pattern += f"/(?P<{part[1:-2]}>.+)"
            elif part.startswith("{"):
                pattern += f"/(?P<{part[1:-1]}>[^/]+)"
            else:
                pattern += "/" + re.escape(part)
        found = re.match(pattern + "/?$", path if path != "/" else "")
        return None if found is None else found.groupdict()


@dataclass(frozen=True)
class DeployedApi:
    api_id: str
    stage: str
    region: str
    account_id: str
    routes: tuple[Route, ...]
    responses: Mapping[str, tuple[int | None, Mapping[str, str]]]  # type -> (status, headers)

    @classmethod
    def read(cls, ctx: Ctx, api_id: str, stage: str) -> DeployedApi:
        """Read the API as deployed in moto (in the account and region of `ctx`)."""
        apigw = ctx.client("apigateway")
        apigw.get_stage(restApiId=api_id, stageName=stage)
        authorizers = {a["id"]: a for a in apigw.get_authorizers(restApiId=api_id)["items"]}
        routes = []
        for resource in apigw.get_resources(restApiId=api_id, embed=["methods"])["items"]:
            methods = {}
            for verb in resource.get("resourceMethods") or {}:
                m = apigw.get_method(restApiId=api_id, resourceId=resource["id"], httpMethod=verb)
                methods[verb] = _method(ctx, m, authorizers)
            routes.append(Route(resource["path"], resource["id"], methods))
        responses = {}
        for r in apigw.get_gateway_responses(restApiId=api_id)["items"]:
            headers = {
                k.removeprefix("gatewayresponse.header."): v
                for k, v in (r.get("responseParameters") or {}).items()
                if k.startswith("gatewayresponse.header.")
            }
            status = int(r["statusCode"]) if r.get("statusCode") else None
            responses[r["responseType"]] = (status, headers)
        # Longest literal paths first, so /items/{id} does not shadow /items/search.
        routes.sort(key=lambda r: (r.path.count("{"), -len(r.path)))
        return cls(api_id, stage, ctx.region, ctx.account_id, tuple(routes), responses)


def _method(ctx: Ctx, m: Mapping[str, Any], authorizers: Mapping[str, Any]) -> Method:
    pools: tuple[UserPool, ...] = ()
    header = "authorization"
    if m.get("authorizationType") == "COGNITO_USER_POOLS":
        authorizer = authorizers[m["authorizerId"]]
        header = authorizer["identitySource"].removeprefix("method.request.header.").lower()
        pools = tuple(_pool(ctx, arn) for arn in authorizer["providerARNs"])
    integration = m.get("methodIntegration") or {}
    match = _LAMBDA_URI.search(integration.get("uri") or "")
    mock_headers: dict[str, str] = {}
    for response in (integration.get("integrationResponses") or {}).values():
        for key, value in (response.get("responseParameters") or {}).items():
            if key.startswith("method.response.header."):
                mock_headers[key.removeprefix("method.response.header.")] = value
    return Method(
        http_method=m["httpMethod"],
        authorization=m.get("authorizationType", "NONE"),
        pools=pools,
        identity_header=header,
        scopes=tuple(m.get("authorizationScopes") or ()),
        integration_type=integration.get("type", ""),
        function_arn=match.group(1) if match else "",
        mock_headers=mock_headers,
    )


def _pool(ctx: Ctx, arn: str) -> UserPool:
    region, account, pool_id = arn.split(":")[3], arn.split(":")[4], arn.rsplit("/", 1)[-1]
    idp = ctx.at(account, region).client("cognito-idp")
    clients = idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    # moto serves the JWKS at the pool's well-known URL (intercepted in-process while active).
    jwks = requests.get(
        f"https://cognito-idp.{region}.amazonaws.com/{pool_id}/.well-known/jwks.json", timeout=10
    ).json()
    return UserPool(region, account, pool_id, frozenset(c["ClientId"] for c in clients), jwks)


# -- Cognito JWT validation ----------------------------------------------------------------------


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _int(segment: str) -> int:
    return int.from_bytes(_b64(segment), "big")


def verify_cognito_token(
    token: str, pools: Sequence[UserPool], scopes: Sequence[str] = (), now: float | None = None
) -> dict[str, Any]:
    """The claims of `token` if API Gateway's Cognito authorizer would accept it; else raises
    Unauthorized (bad token) or Forbidden (a good token without a required scope)."""
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = json.loads(_b64(header_b64))
        claims = json.loads(_b64(payload_b64))
        signature = _b64(signature_b64)
    except ValueError as e:
        raise Unauthorized(f"not a JWT: {e}") from e
    if header.get("alg") != "RS256":
        raise Unauthorized(f"alg {header.get('alg')!r} is not RS256")
    pool = next((p for p in pools if p.issuer == claims.get("iss")), None)
    if pool is None:
        raise Unauthorized(f"issuer {claims.get('iss')!r} is not the authorizer's user pool")
    key = next((k for k in pool.jwks.get("keys", []) if k.get("kid") == header.get("kid")), None)
    if key is None:
        raise Unauthorized(f"kid {header.get('kid')!r} is not in the pool's JWKS")
    public = rsa.RSAPublicNumbers(_int(key["e"]), _int(key["n"])).public_key()
    try:
        public.verify(
            signature,
            f"{header_b64}.{payload_b64}".encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature as e:
        raise Unauthorized("the signature does not verify with the pool's key") from e
    if float(claims.get("exp", 0)) <= (time.time() if now is None else now):
        raise Unauthorized("the token has expired")
    use = claims.get("token_use")
    if scopes:
        if use != "access" or claims.get("client_id") not in pool.client_ids:
            raise Unauthorized("this method needs an access token of an app client of the pool")
        if not set(str(claims.get("scope", "")).split()) & set(scopes):
            raise Forbidden(f"the token has none of the scopes {list(scopes)}")
    elif use != "id" or claims.get("aud") not in pool.client_ids:
        raise Unauthorized("this method needs an id token whose aud is an app client of the pool")
    return claims


_TIME_CLAIMS = ("exp", "iat", "auth_time")


def claims_as_api_gateway_sends_them(claims: Mapping[str, Any]) -> dict[str, str]:
    """REST APIs pass every claim as a string: times as dates, lists as `[a b]`."""
    out = {}
    for key, value in claims.items():
        if key in _TIME_CLAIMS and isinstance(value, int | float):
            moment = time.gmtime(value)
            out[key] = time.strftime("%a %b %d %H:%M:%S UTC %Y", moment)
        elif isinstance(value, list):
            out[key] = "[" + " ".join(str(v) for v in value) + "]"
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


# -- the gateway ---------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    multi_headers: dict[str, list[str]] = field(default_factory=dict)


class LambdaContext:
    """What the Lambda runtime passes as `context` (the attributes Powertools reads)."""

    def __init__(self, function_arn: str, memory_mb: int, timeout_s: int):
        self.function_name = function_arn.rsplit(":", 1)[-1]
        self.function_version = "$LATEST"
        self.invoked_function_arn = function_arn
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "offline"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(spec: str) -> Handler:
    """`module.path:function` -> the callable (imported on first use, inside the function's
    environment, so module-level boto3 clients get the function's credentials)."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name or "lambda_handler")


class DeployedCode:
    """The function's zip as deployed in moto, importable as Lambda imports it: the zip root on
    `sys.path`, the configured `Handler` (`module.function`). Its top-level modules are swapped
    into `sys.modules` only for the duration of a call, so flat names such as `app` or
    `settings` never clash with other code in this process."""

    def __init__(self, config: Mapping[str, Any], region: str):
        from moto.awslambda.models import lambda_backends

        account = config["FunctionArn"].split(":")[4]
        function = lambda_backends[account][region].get_function(config["FunctionName"])
        self.root = tempfile.mkdtemp(prefix=f"offline-{config['FunctionName']}-")
        with zipfile.ZipFile(io.BytesIO(function.code_bytes)) as archive:
            archive.extractall(self.root)
            self.names = {n.split("/")[0].removesuffix(".py") for n in archive.namelist()}
        self.module, _, self.function = config["Handler"].rpartition(".")
        self.modules: dict[str, Any] = {}
        self.handler: Handler | None = None

    def _ours(self, name: str) -> bool:
        return name.split(".")[0] in self.names

    @contextmanager
    def loaded(self) -> Iterator[Handler]:
        saved = {n: m for n, m in sys.modules.items() if self._ours(n)}
        for n in saved:
            del sys.modules[n]
        sys.modules.update(self.modules)
        sys.path.insert(0, self.root)
        try:
            if self.handler is None:
                self.handler = getattr(importlib.import_module(self.module), self.function)
            yield self.handler
        finally:
            sys.path.remove(self.root)
            self.modules = {n: m for n, m in sys.modules.items() if self._ours(n)}
            for n in self.modules:
                del sys.modules[n]
            sys.modules.update(saved)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


class LocalGateway:
    """Serves one deployed REST API stage. `handlers` maps a Lambda function name to a callable
    or a `module:function` spec; `default_handler` serves functions not in the map; without
    either, a function runs its own code as deployed in moto (the zip the program built)."""

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
        self.handlers = dict(handlers or {})
        self.default_handler = default_handler
        self.cors_origins = tuple(cors_origins)
        for spec in [*self.handlers.values(), default_handler]:
            if isinstance(spec, str) and not _importable(spec.partition(":")[0]):
                raise LookupError(f"handler {spec}: no module {spec.partition(':')[0]}")
        self._invoke = threading.Lock()  # one invocation at a time: it sets process env vars
        self._deployed: dict[str, DeployedCode] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- what API Gateway does -------------------------------------------------------------

    def handle(
        self, verb: str, raw_path: str, headers: Mapping[str, str], body: bytes = b""
    ) -> Response:
        url = urlsplit(raw_path)
        lower = {k.lower(): v for k, v in headers.items()}
        prefix = f"/{self.api.stage}"
        if not (url.path == prefix or url.path.startswith(prefix + "/")):
            return self._error("MISSING_AUTHENTICATION_TOKEN", 403, lower)
        path = url.path[len(prefix) :] or "/"
        for route in self.api.routes:
            params = route.match(path)
            if params is None:
                continue
            method = route.methods.get(verb) or route.methods.get("ANY")
            if method is None:
                break
            if verb == "OPTIONS" and method.integration_type == "MOCK":
                return self._preflight(route, method, lower)
            claims: dict[str, Any] | None = None
            if method.authorization == "COGNITO_USER_POOLS":
                token = lower.get(method.identity_header, "")
                if not token:
                    return self._error("UNAUTHORIZED", 401, lower)
                try:
                    claims = verify_cognito_token(token, method.pools, method.scopes)
                except Unauthorized:
                    return self._error("UNAUTHORIZED", 401, lower)
                except Forbidden:
                    return self._error("ACCESS_DENIED", 403, lower)
            if method.integration_type != "AWS_PROXY" or not method.function_arn:
                return self._error("INTEGRATION_FAILURE", 500, lower)
            event = self._event(verb, url, path, route, params, headers, body, claims)
            return self._call(method.function_arn, event, lower)
        return self._error("MISSING_AUTHENTICATION_TOKEN", 403, lower)

    def _preflight(self, route: Route, method: Method, headers: Mapping[str, str]) -> Response:
        if method.mock_headers:  # the API's own MOCK integration response: static values
            out = {k: v.strip("'") for k, v in method.mock_headers.items()}
            return Response(200, {**out, "Content-Type": "application/json"}, b"{}")
        origin = headers.get("origin", "")
        out = {"Content-Type": "application/json", "Vary": "Origin"}
        if origin in self.cors_origins:
            out |= {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": ",".join(sorted(route.methods)),
                "Access-Control-Allow-Headers": "Authorization,Content-Type",
                "Access-Control-Max-Age": "600",
            }
        return Response(200, out, b"{}")

    def _error(self, kind: str, status: int, headers: Mapping[str, str]) -> Response:
        """A response API Gateway makes itself, with the API's gateway response headers."""
        family = "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
        code, extra = self.api.responses.get(kind) or self.api.responses.get(family) or (None, {})
        messages = {
            "UNAUTHORIZED": "Unauthorized",
            "ACCESS_DENIED": "User is not authorized to access this resource",
            "MISSING_AUTHENTICATION_TOKEN": "Missing Authentication Token",
        }
        out = {"Content-Type": "application/json", "x-amzn-ErrorType": kind}
        for name, value in extra.items():
            if value.startswith("method.request.header."):
                value = headers.get(value.removeprefix("method.request.header.").lower(), "")
            out[name] = value.strip("'")
        message = messages.get(kind, "Internal server error")
        return Response(code or status, out, json.dumps({"message": message}).encode())

    def _event(self, verb, url, path, route, params, headers, body, claims) -> dict[str, Any]:
        multi_query = parse_qs(url.query, keep_blank_values=True)
        multi_headers: dict[str, list[str]] = {}
        for k, v in headers.items():
            multi_headers.setdefault(k, []).append(v)
        try:
            text, is_b64 = body.decode(), False
        except UnicodeDecodeError:
            text, is_b64 = base64.b64encode(body).decode(), True
        now = time.time()
        context: dict[str, Any] = {
            "accountId": self.api.account_id,
            "apiId": self.api.api_id,
            "domainName": "127.0.0.1",
            "httpMethod": verb,
            "identity": {"sourceIp": "127.0.0.1", "userAgent": headers.get("User-Agent", "")},
            "path": f"/{self.api.stage}{path}",
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "resourceId": route.resource_id,
            "resourcePath": route.path,
            "stage": self.api.stage,
        }
        if claims is not None:
            context["authorizer"] = {"claims": claims_as_api_gateway_sends_them(claims)}
        return {
            "resource": route.path,
            "path": path,
            "httpMethod": verb,
            "headers": dict(headers) or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": params or None,
            "stageVariables": None,
            "requestContext": context,
            "body": text if body else None,
            "isBase64Encoded": is_b64,
        }

    @contextmanager
    def _handler_for(self, config: Mapping[str, Any], region: str) -> Iterator[Handler]:
        """The handler given for this function, else the function's own deployed code."""
        name = config["FunctionName"]
        handler = self.handlers.get(name, self.default_handler)
        if handler is None:
            if name not in self._deployed:
                self._deployed[name] = DeployedCode(config, region)
            with self._deployed[name].loaded() as deployed:
                yield deployed
            return
        if isinstance(handler, str):
            handler = load_handler(handler)
            self.handlers[name] = handler
        yield handler

    def _call(
        self, function_arn: str, event: dict[str, Any], headers: Mapping[str, str]
    ) -> Response:
        region, account, name = (
            function_arn.split(":")[3],
            function_arn.split(":")[4],
            function_arn.rsplit(":", 1)[-1],
        )
        fn = self.emulator.context_for_account(account, region).client("lambda")
        config = fn.get_function(FunctionName=name)["Configuration"]
        with self._invoke, self._function_environment(config, region):
            try:
                with self._handler_for(config, region) as handler:
                    context = LambdaContext(function_arn, config["MemorySize"], config["Timeout"])
                    result = handler(event, context)
                lambda_service.after_invocation(config, region)  # the X-Ray daemon's uploads
                status = int(result["statusCode"])
            except Exception:  # what Lambda reports as a function error: API Gateway's 502
                # Lambda writes the traceback to the function's log; here, to this log.
                _log.exception("function %s failed", name)
                return self._error("DEFAULT_5XX", 502, headers)
        body = result.get("body") or ""
        data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        return Response(
            status,
            {k: str(v) for k, v in (result.get("headers") or {}).items()},
            data,
            {k: [str(x) for x in v] for k, v in (result.get("multiValueHeaders") or {}).items()},
        )

    @contextmanager
    def _function_environment(self, config: Mapping[str, Any], region: str) -> Iterator[None]:
        """The function's variables and its role's credentials (assumed in moto), as Lambda
        sets them, for the duration of one invocation."""
        import boto3

        sts = self.emulator.context_for_account(config["Role"].split(":")[4], region)
        creds = sts.client("sts").assume_role(
            RoleArn=config["Role"], RoleSessionName=config["FunctionName"][:64]
        )["Credentials"]
        env = {
            **(config.get("Environment") or {}).get("Variables", {}),
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"],
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": config["FunctionName"],
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config["MemorySize"]),
        }
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        boto3.DEFAULT_SESSION = None  # the default session caches the previous credentials
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            boto3.DEFAULT_SESSION = None

    # -- HTTP ------------------------------------------------------------------------------

    def serve(self, port: int = 0) -> str:
        """Start serving on 127.0.0.1 (an ephemeral port by default); returns the stage URL."""
        gateway = self

        class _Http(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items()}
                if self.path == "/_offline/token":
                    response = gateway._token_route(self.command, headers, body)
                else:
                    response = gateway.handle(self.command, self.path, headers, body)
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
        for code in self._deployed.values():
            code.remove()
        self._deployed.clear()
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
            return Response(400, {"Content-Type": "application/json"}, b'{"message": "user?"}')
        tokens = sign_in(self.emulator, pool, user)
        return Response(200, {"Content-Type": "application/json"}, json.dumps(tokens).encode())


def sign_in(emulator: EmulatorMocks, pool: UserPool, user: str) -> dict[str, str]:
    """Sign up (if new), confirm and sign in `user` in the emulated pool; returns its tokens.
    The password is derived from the user name: this is a local test helper, not a login."""
    idp = emulator.context_for_account(pool.account_id, pool.region).client("cognito-idp")
    described = idp.describe_user_pool(UserPoolId=pool.pool_id)["UserPool"]
    username = (
        user
        if "@" in user or "email" not in described.get("UsernameAttributes", [])
        else f"{user}@example.com"
    )
    password = f"Offline-{user}-Passw0rd!"
    client_id = sorted(pool.client_ids)[0]
    try:
        idp.sign_up(
            ClientId=client_id,
            Username=username,
            Password=password,
            UserAttributes=[
                {"Name": "email", "Value": username if "@" in username else f"{user}@example.com"}
            ],
        )
        idp.admin_confirm_sign_up(UserPoolId=pool.pool_id, Username=username)
    except idp.exceptions.UsernameExistsException:
        pass
    result = idp.admin_initiate_auth(
        UserPoolId=pool.pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )["AuthenticationResult"]
    return {
        "username": username,
        "idToken": result["IdToken"],
        "accessToken": result["AccessToken"],
    }
