"""Test harness for the items function: environment, REST proxy events, a small API client.

The function reads its environment at import and builds its clients then, so this module sets
the environment and imports moto (registering its botocore hook) before it imports `app`.
A uniquely named module rather than conftest, so test files can import it unambiguously.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import moto  # noqa: F401  (imported before `app`: it hooks every botocore client made after it)

FUNCTION_ROOT = Path(__file__).resolve().parents[2] / "functions" / "items"

TEST_ENV = {
    "TABLE_NAME": "items-test",
    "BUCKET_NAME": "hubspoke-uploads-test",
    "AWS_REGION": "eu-west-1",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "CURSOR_SECRET": "test-cursor-secret-that-is-32-bytes-or-more",
    "CORS_ORIGINS": "https://app.example.com,https://admin.example.com",
    "UPLOAD_MAX_BYTES": "5242880",
    "UPLOAD_CONTENT_TYPES": "image/png,image/jpeg,application/pdf",
    "POWERTOOLS_SERVICE_NAME": "items",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    # The harness's callers are in editors and viewers (claims_for); readers may only read.
    "GROUP_PERMISSIONS": '{"editors":["read","write","upload"],"viewers":["read"],'
    '"readers":["read"],"uploaders":["upload"]}',
    "DEFAULT_PERMISSIONS": "read",
}
os.environ.update(TEST_ENV)
if str(FUNCTION_ROOT) not in sys.path:
    sys.path.insert(0, str(FUNCTION_ROOT))

import app as items_app  # noqa: E402

USER_A = "3f1c2b8e-0d4a-4a61-9a3e-1b2c3d4e5f60"
USER_B = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
ORIGIN = "https://app.example.com"


def _resource_for(path: str) -> tuple[str, dict[str, str] | None]:
    """The API Gateway resource template and pathParameters API Gateway would send for `path`."""
    parts = path.strip("/").split("/")
    if path in ("/health", "/items"):
        return path, None
    if len(parts) == 2 and parts[0] == "items":
        return "/items/{id}", {"id": parts[1]}
    if len(parts) == 3 and parts[0] == "items" and parts[2] == "upload-url":
        return "/items/{id}/upload-url", {"id": parts[1]}
    return "/{proxy+}", {"proxy": path.lstrip("/")}


def claims_for(sub: str) -> dict[str, str]:
    """Cognito user pool claims as the REST authorizer passes them: every value a string."""
    return {
        "sub": sub,
        "email_verified": "true",
        "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI",
        "cognito:username": sub,
        "cognito:groups": "editors,viewers",
        "aud": "4example1clientid2abc3def4",
        "event_id": str(uuid.uuid4()),
        "token_use": "id",
        "auth_time": "1764150000",
        "exp": "Wed Nov 26 14:00:00 UTC 2026",
        "iat": "Wed Nov 26 13:00:00 UTC 2026",
        "email": "someone@example.com",
    }


def rest_event(
    method: str,
    path: str,
    *,
    sub: str | None = USER_A,
    body: Any = None,
    headers: dict[str, str] | None = None,
    multi_headers: dict[str, list[str]] | None = None,
    query: dict[str, str | list[str]] | None = None,
    is_base64: bool = False,
    claims: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST (v1) Lambda proxy event shaped like the real ones.

    `body` may be a dict (sent as JSON with Content-Type application/json), str or bytes.
    `sub=None` drops the authorizer, as on a method with authorization NONE.
    """
    resource, path_parameters = _resource_for(path)
    all_headers = {
        "Accept": "application/json",
        "Authorization": "Bearer eyJraWQiOiJ0ZXN0IiwiYWxnIjoiUlMyNTYifQ.e30.c2ln",
        "Host": "abc123defg.execute-api.eu-west-1.amazonaws.com",
        "User-Agent": "pytest",
        "X-Amzn-Trace-Id": "Root=1-6745a1b2-0123456789abcdef01234567",
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    raw_body: str | None
    if isinstance(body, dict | list):
        raw_body = json.dumps(body)
        all_headers["Content-Type"] = "application/json"
    elif isinstance(body, bytes):
        raw_body = base64.b64encode(body).decode() if is_base64 else body.decode("utf-8")
    else:
        raw_body = body
    all_headers.update(headers or {})
    multi_value_headers = {k: [v] for k, v in all_headers.items()}
    for name, values in (multi_headers or {}).items():
        multi_value_headers[name] = list(values)
        all_headers[name] = values[-1]
    multi_query = None
    single_query = None
    if query:
        multi_query = {k: (v if isinstance(v, list) else [v]) for k, v in query.items()}
        single_query = {k: vs[-1] for k, vs in multi_query.items()}
    request_context: dict[str, Any] = {
        "resourceId": "a1b2c3",
        "resourcePath": resource,
        "httpMethod": method,
        "extendedRequestId": "AbCdEfGhIjKlMnO=",
        "requestTime": "26/Nov/2026:13:00:00 +0000",
        "path": f"/prod{path}",
        "accountId": "123456789012",
        "protocol": "HTTP/1.1",
        "stage": "prod",
        "domainPrefix": "abc123defg",
        "requestTimeEpoch": 1764162000000,
        "requestId": str(uuid.uuid4()),
        "identity": {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "sourceIp": "203.0.113.7",
            "principalOrgId": None,
            "accessKey": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": "pytest",
            "user": None,
        },
        "domainName": "abc123defg.execute-api.eu-west-1.amazonaws.com",
        "apiId": "abc123defg",
    }
    if claims is not None:
        request_context["authorizer"] = {"claims": claims}
    elif sub is not None:
        request_context["authorizer"] = {"claims": claims_for(sub)}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": multi_value_headers,
        "queryStringParameters": single_query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": request_context,
        "body": raw_body,
        "isBase64Encoded": is_base64,
    }


@dataclass
class LambdaContext:
    """The attributes Powertools' Logger reads from the real context object."""

    function_name: str = "hubspoke-items"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:hubspoke-items"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@dataclass
class ApiResponse:
    """A proxy response, decoded."""

    status: int
    headers: dict[str, str]
    body: Any
    raw: dict[str, Any]

    @property
    def error(self) -> dict[str, Any]:
        return self.body["error"]


# (method, resource) -> how many requests the function accepted and the API's models passed.
MODEL_CHECKS: Counter[tuple[str, str]] = Counter()


class ModelWouldRefuse(AssertionError):
    """API Gateway's validator would refuse a request the function accepts."""


def gateway_validation(method: str, resource: str):
    """The validation the deployed API applies to `method resource` (components/api), as the
    local gateway applies it, with this harness's upload content types."""
    from components.api.request_models import (
        body_model,
        request_parameters,
        request_schemas,
    )
    from functions.items.contract import JSON_CONTENT_TYPE, ROUTES
    from offline.gateway.validation import Validation

    route = next((r for r in ROUTES if (r.method, r.path) == (method, resource)), None)
    if route is None:
        return None
    model = body_model(route)
    schemas = request_schemas(TEST_ENV["UPLOAD_CONTENT_TYPES"].split(","))
    params = request_parameters(method, resource) or {}
    return Validation(
        body=model is not None,
        parameters=True,
        request_parameters={k: v for k, v in params.items() if ".path." not in k},
        models={JSON_CONTENT_TYPE: schemas[model]} if model else {},
    )


def check_the_gateway_accepts(event: dict[str, Any]) -> None:
    """Every request the function accepts must pass the API's request validator and models
    (otherwise API Gateway would refuse what the function serves): raises ModelWouldRefuse."""
    from offline.gateway.validation import check_request

    validation = gateway_validation(event["httpMethod"], event["resource"])
    if validation is None:
        return
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    refusal = check_request(
        validation,
        headers={k.lower(): v for k, v in (event.get("headers") or {}).items()},
        query=event.get("queryStringParameters") or {},
        path=event.get("pathParameters") or {},
        body=raw,
    )
    if refusal is not None:
        raise ModelWouldRefuse(
            f"{event['httpMethod']} {event['resource']}: the function accepted a request API "
            f"Gateway would refuse ({refusal.kind}: {refusal.message} {refusal.detail})"
        )
    MODEL_CHECKS[(event["httpMethod"], event["resource"])] += 1


def invoke(event: dict[str, Any]) -> ApiResponse:
    """Run the real Lambda handler on one event; a request it accepts (2xx) is checked
    against the API's request validation too (see check_the_gateway_accepts)."""
    raw = items_app.lambda_handler(event, LambdaContext())
    if raw["statusCode"] < 300:
        check_the_gateway_accepts(event)
    headers = {k: v for k, v in (raw.get("headers") or {}).items()}
    for key, values in (raw.get("multiValueHeaders") or {}).items():
        headers.setdefault(key, ",".join(values))
    body = raw.get("body")
    decoded = json.loads(body) if body else None
    return ApiResponse(status=raw["statusCode"], headers=headers, body=decoded, raw=raw)


class Api:
    """A tiny client over the handler so tests read like HTTP calls."""

    def __init__(self, sub: str | None = USER_A) -> None:
        self.sub = sub

    def as_user(self, sub: str | None) -> Api:
        return Api(sub)

    def request(self, method: str, path: str, **kwargs: Any) -> ApiResponse:
        kwargs.setdefault("sub", self.sub)
        return invoke(rest_event(method, path, **kwargs))

    def create(self, body: dict[str, Any] | None = None, key: str | None = None) -> ApiResponse:
        return self.request(
            "POST",
            "/items",
            body=body if body is not None else {"name": "first"},
            headers={"Idempotency-Key": key or str(uuid.uuid4())},
        )

    def get(self, item_id: str) -> ApiResponse:
        return self.request("GET", f"/items/{item_id}")

    def list(self, **query: str) -> ApiResponse:
        return self.request("GET", "/items", query=query or None)

    def put(self, item_id: str, body: Any, version: int | str) -> ApiResponse:
        return self.request(
            "PUT", f"/items/{item_id}", body=body, headers={"If-Match": f'"{version}"'}
        )

    def patch(self, item_id: str, body: Any, version: int | str) -> ApiResponse:
        return self.request(
            "PATCH", f"/items/{item_id}", body=body, headers={"If-Match": f'"{version}"'}
        )

    def delete(self, item_id: str, version: int | str) -> ApiResponse:
        return self.request("DELETE", f"/items/{item_id}", headers={"If-Match": f'"{version}"'})

    def upload_url(self, item_id: str, content_type: str = "image/png") -> ApiResponse:
        return self.request(
            "POST", f"/items/{item_id}/upload-url", body={"contentType": content_type}
        )


def create_table(client: Any, name: str = TEST_ENV["TABLE_NAME"]) -> None:
    """The table as functions/items/README.md specifies it for the infrastructure."""
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": attr, "AttributeType": "S"}
            for attr in ("PK", "SK", "GSI1PK", "GSI1SK")
        ],
        KeySchema=[
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "GSI1",
                "KeySchema": [
                    {"AttributeName": "GSI1PK", "KeyType": "HASH"},
                    {"AttributeName": "GSI1SK", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
