"""From an HTTP request to what API Gateway hands a Lambda proxy integration: the stage prefix,
the resource and method (API Gateway answers 403 "Missing Authentication Token" for an unknown
route), and the REST (v1) proxy event."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, parse_qs, urlsplit

from offline.gateway.deployed import DeployedApi, Method, Route
from offline.gateway.tokens import claims_as_api_gateway_sends_them


@dataclass(frozen=True)
class Match:
    """The route and method a request resolved to, with the path below the stage."""

    url: SplitResult
    path: str
    route: Route
    method: Method
    params: dict[str, str]


def resolve(api: DeployedApi, verb: str, raw_path: str) -> Match | None:
    """The route and method for `verb raw_path`, or None where API Gateway answers 403."""
    url = urlsplit(raw_path)
    prefix = f"/{api.stage}"
    if not (url.path == prefix or url.path.startswith(prefix + "/")):
        return None
    path = url.path[len(prefix) :] or "/"
    for route in api.routes:
        params = route.match(path)
        if params is None:
            continue
        method = route.methods.get(verb) or route.methods.get("ANY")
        return None if method is None else Match(url, path, route, method, params)
    return None


def proxy_event(
    api: DeployedApi,
    verb: str,
    match: Match,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    claims: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The REST API (v1) proxy event. A header sent twice appears once in `headers` (the last
    value, as API Gateway does) and with every value in `multiValueHeaders`."""
    multi_query = parse_qs(match.url.query, keep_blank_values=True)
    multi_headers: dict[str, list[str]] = {}
    for k, v in headers:
        multi_headers.setdefault(k, []).append(v)
    single = {k: values[-1] for k, values in multi_headers.items()}
    try:
        text, is_b64 = body.decode(), False
    except UnicodeDecodeError:
        text, is_b64 = base64.b64encode(body).decode(), True
    now = time.time()
    user_agent = next((v for k, v in single.items() if k.lower() == "user-agent"), "")
    context: dict[str, Any] = {
        "accountId": api.account_id,
        "apiId": api.api_id,
        "domainName": "127.0.0.1",
        "httpMethod": verb,
        "identity": {"sourceIp": "127.0.0.1", "userAgent": user_agent},
        "path": f"/{api.stage}{match.path}",
        "protocol": "HTTP/1.1",
        "requestId": str(uuid.uuid4()),
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "requestTimeEpoch": int(now * 1000),
        "resourceId": match.route.resource_id,
        "resourcePath": match.route.path,
        "stage": api.stage,
    }
    if claims is not None:
        context["authorizer"] = {"claims": claims_as_api_gateway_sends_them(claims)}
    return {
        "resource": match.route.path,
        "path": match.path,
        "httpMethod": verb,
        "headers": single or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": match.params or None,
        "stageVariables": None,
        "requestContext": context,
        "body": text if body else None,
        "isBase64Encoded": is_b64,
    }
