"""The deployed REST API as the local gateway serves it, read from moto: resources, methods,
integrations, Cognito authorizers and their pools, request validators and models, gateway
responses and their templates, the stage's throttling."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from offline.emulator.registry import Ctx
from offline.gateway.validation import Validation

_LAMBDA_URI = re.compile(r"functions/(arn:aws:lambda:([a-z0-9-]+):(\d{12}):function:[^/:]+)")


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
    validation: Validation = field(default_factory=Validation)


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
class Throttle:
    """A stage's (or one method's) throttling: steady requests per second and the burst."""

    rate: float
    burst: int


@dataclass(frozen=True)
class DeployedApi:
    api_id: str
    stage: str
    region: str
    account_id: str
    routes: tuple[Route, ...]
    responses: Mapping[str, tuple[int | None, Mapping[str, str]]]  # type -> (status, headers)
    # "<resource path>/<METHOD>" (or "*/*" for the stage) -> its throttling
    throttles: Mapping[str, Throttle] = field(default_factory=dict)
    # gateway response type -> its application/json body template
    templates: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, ctx: Ctx, api_id: str, stage: str) -> DeployedApi:
        """Read the API as deployed in moto (in the account and region of `ctx`)."""
        apigw = ctx.client("apigateway")
        stage_info = apigw.get_stage(restApiId=api_id, stageName=stage)
        authorizers = {a["id"]: a for a in apigw.get_authorizers(restApiId=api_id)["items"]}
        validators = {v["id"]: v for v in apigw.get_request_validators(restApiId=api_id)["items"]}
        models = {
            m["name"]: json.loads(m.get("schema") or "{}")
            for m in apigw.get_models(restApiId=api_id)["items"]
        }
        routes = []
        for resource in apigw.get_resources(restApiId=api_id, embed=["methods"])["items"]:
            methods = {}
            for verb in resource.get("resourceMethods") or {}:
                m = apigw.get_method(restApiId=api_id, resourceId=resource["id"], httpMethod=verb)
                methods[verb] = _method(ctx, m, authorizers, _validation(m, validators, models))
            routes.append(Route(resource["path"], resource["id"], methods))
        responses = {}
        templates = {}
        for r in apigw.get_gateway_responses(restApiId=api_id)["items"]:
            template = (r.get("responseTemplates") or {}).get("application/json")
            if template:
                templates[r["responseType"]] = template
            headers = {
                k.removeprefix("gatewayresponse.header."): v
                for k, v in (r.get("responseParameters") or {}).items()
                if k.startswith("gatewayresponse.header.")
            }
            status = int(r["statusCode"]) if r.get("statusCode") else None
            responses[r["responseType"]] = (status, headers)
        # Longest literal paths first, so /items/{id} does not shadow /items/search.
        routes.sort(key=lambda r: (r.path.count("{"), -len(r.path)))
        throttles = _throttles(stage_info.get("methodSettings") or {})
        return cls(
            api_id, stage, ctx.region, ctx.account_id, tuple(routes), responses, throttles,
            templates,
        )  # fmt: skip


def _validation(
    m: Mapping[str, Any], validators: Mapping[str, Any], models: Mapping[str, Any]
) -> Validation:
    """What the method's request validator checks: nothing without one."""
    validator = validators.get(m.get("requestValidatorId") or "")
    if validator is None:
        return Validation()
    return Validation(
        body=bool(validator.get("validateRequestBody")),
        parameters=bool(validator.get("validateRequestParameters")),
        request_parameters={
            k: bool(v)
            for k, v in (m.get("requestParameters") or {}).items()
            if not k.startswith("method.request.path.")  # the route match guarantees these
        },
        models={
            content_type: models[name]
            for content_type, name in (m.get("requestModels") or {}).items()
            if name in models
        },
    )


def _throttles(settings: Mapping[str, Any]) -> dict[str, Throttle]:
    """The stage's method settings by method path: `*/*` for every method, `items/{id}/GET` for
    one (API Gateway writes the resource path's `/` as `~1` in the key)."""
    out = {}
    for key, value in settings.items():
        rate, burst = value.get("throttlingRateLimit"), value.get("throttlingBurstLimit")
        if rate is None or burst is None or float(rate) < 0 or int(burst) < 0:
            continue  # -1 (or absent) means "not set here": the next level applies
        path, _, verb = key.rpartition("/")
        out[f"{path.replace('~1', '/').lstrip('/')}/{verb}"] = Throttle(float(rate), int(burst))
    return out


def _method(
    ctx: Ctx, m: Mapping[str, Any], authorizers: Mapping[str, Any], validation: Validation
) -> Method:
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
        validation=validation,
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
