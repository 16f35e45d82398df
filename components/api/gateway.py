"""The REST API: a resource per path, a Lambda proxy method per route behind the Cognito
authorizer with a request validator and body models, an OPTIONS preflight per path, CORS and the
project's error shape on the gateway's own errors, and the permission for this API to invoke
the function."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.api.contract import (
    CORS_ALLOW_HEADERS,
    CORS_MAX_AGE_SECONDS,
    JSON_CONTENT_TYPE,
    ROUTES,
    Route,
)
from components.api.request_models import (
    body_model,
    request_parameters,
    request_schemas,
)
from components.api.scope import Scope
from components.naming import holds_fixed_name


@dataclass(frozen=True)
class Routes:
    """What the routes registered; a deployment snapshots all of it (and must wait for it)."""

    methods: list[aws.apigateway.Method]
    integrations: list[aws.apigateway.Integration]
    # The MOCK preflights' method and integration responses.
    preflight_responses: list[pulumi.Resource]
    # The request validators and body models the methods use.
    validation: list[pulumi.Resource]


def route_paths(routes: Sequence[Route] = ROUTES) -> list[str]:
    """Every resource path the routes need, parents first ("/items" before "/items/{id}")."""
    paths: set[str] = set()
    for route in routes:
        parts = route.path.strip("/").split("/")
        paths.update("/" + "/".join(parts[: i + 1]) for i in range(len(parts)))
    return sorted(paths, key=lambda p: (p.count("/"), p))


def slug(path: str) -> str:
    """A logical-name fragment for a path: `/items/{id}/upload-url` -> `items-id-upload-url`."""
    return path.strip("/").replace("{", "").replace("}", "").replace("/", "-")


def preflight_headers(origin: str, allowed_methods: Sequence[str]) -> Mapping[str, str]:
    """The CORS headers a preflight for `origin` is answered with."""
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ",".join(allowed_methods),
        "Access-Control-Allow-Headers": ",".join(CORS_ALLOW_HEADERS),
        "Access-Control-Max-Age": str(CORS_MAX_AGE_SECONDS),
        "Vary": "Origin",
    }


def rest_api(scope: Scope) -> aws.apigateway.RestApi:
    return aws.apigateway.RestApi(
        f"{scope.name}-api",
        name=scope.physical,
        description="hubspoke items API",
        endpoint_configuration={"types": "REGIONAL"},
        tags=scope.tags("-api"),
        opts=scope.child,
    )


def authorizer(
    scope: Scope, api: aws.apigateway.RestApi, pool: aws.cognito.UserPool
) -> aws.apigateway.Authorizer:
    return aws.apigateway.Authorizer(
        f"{scope.name}-cognito",
        name="cognito",
        rest_api=api.id,
        type="COGNITO_USER_POOLS",
        provider_arns=[pool.arn],
        identity_source="method.request.header.Authorization",
        opts=scope.child,
    )


def route_methods(
    scope: Scope,
    api: aws.apigateway.RestApi,
    cognito: aws.apigateway.Authorizer,
    function: aws.lambda_.Function,
) -> Routes:
    """A resource per path, a proxy method per route, and an OPTIONS preflight per resource."""
    name = scope.name
    resources: dict[str, aws.apigateway.Resource] = {}
    for path in route_paths():
        parent_path, _, part = path.rpartition("/")
        resources[path] = aws.apigateway.Resource(
            f"{name}-{slug(path)}",
            rest_api=api.id,
            parent_id=resources[parent_path].id if parent_path else api.root_resource_id,
            path_part=part,
            opts=scope.child,
        )
    methods: list[aws.apigateway.Method] = []
    integrations: list[aws.apigateway.Integration] = []
    preflight_responses: list[pulumi.Resource] = []
    validators, models = _validation(scope, api)
    for route in ROUTES:
        logical = f"{name}-{route.method.lower()}-{slug(route.path)}"
        model = body_model(route)
        method = aws.apigateway.Method(
            logical,
            rest_api=api.id,
            resource_id=resources[route.path].id,
            http_method=route.method,
            authorization="NONE" if route.public else "COGNITO_USER_POOLS",
            authorizer_id=None if route.public else cognito.id,
            request_parameters=request_parameters(route.method, route.path),
            # Body and parameters where the route takes a body, parameters for the others.
            request_validator_id=validators["body" if model else "parameters"].id,
            request_models={JSON_CONTENT_TYPE: models[model].name} if model else None,
            opts=scope.child,
        )
        methods.append(method)
        integrations.append(
            _proxy_integration(scope, api, function, logical, resources[route.path], method)
        )
    for path in route_paths():
        if not any(r.path == path for r in ROUTES):
            continue  # intermediate resource without routes: nothing to preflight
        allowed = sorted({r.method for r in ROUTES if r.path == path} | {"OPTIONS"})
        method, integration, responses = _preflight(
            scope, api, function, path, resources[path], allowed
        )
        methods.append(method)
        integrations.append(integration)
        preflight_responses += responses
    return Routes(
        methods, integrations, preflight_responses, [*validators.values(), *models.values()]
    )


def _validation(
    scope: Scope, api: aws.apigateway.RestApi
) -> tuple[dict[str, aws.apigateway.RequestValidator], dict[str, aws.apigateway.Model]]:
    """Two validators (body and parameters; parameters only) and a model per body shape."""
    validators = {
        kind: aws.apigateway.RequestValidator(
            f"{scope.name}-validate-{kind}",
            rest_api=api.id,
            name=kind,
            validate_request_body=kind == "body",
            validate_request_parameters=True,
            opts=scope.child,
        )
        for kind in ("body", "parameters")
    }
    schemas = request_schemas(scope.args.config.upload_content_types)
    models = {
        model: aws.apigateway.Model(
            f"{scope.name}-model-{model.lower()}",
            rest_api=api.id,
            name=model,
            content_type=JSON_CONTENT_TYPE,
            schema=json.dumps(schema),
            opts=holds_fixed_name(scope.child),  # a model name is unique in its API
        )
        for model, schema in schemas.items()
    }
    return validators, models


def _proxy_integration(
    scope: Scope,
    api: aws.apigateway.RestApi,
    function: aws.lambda_.Function,
    logical: str,
    resource: aws.apigateway.Resource,
    method: aws.apigateway.Method,
) -> aws.apigateway.Integration:
    return aws.apigateway.Integration(
        logical,
        rest_api=api.id,
        resource_id=resource.id,
        http_method=method.http_method,
        type="AWS_PROXY",
        integration_http_method="POST",  # Lambda is always invoked with POST
        uri=function.invoke_arn,
        opts=scope.child,
    )


def _preflight(
    scope: Scope,
    api: aws.apigateway.RestApi,
    function: aws.lambda_.Function,
    path: str,
    resource: aws.apigateway.Resource,
    allowed: Sequence[str],
) -> tuple[aws.apigateway.Method, aws.apigateway.Integration, list[pulumi.Resource]]:
    """OPTIONS without authorization (browsers send no token on a preflight).

    One origin: a MOCK integration answers with that origin, no Lambda invocation. Several: a
    MOCK can only return one static Access-Control-Allow-Origin, so the preflight goes to the
    function, whose Powertools resolver answers it for the origin that asked (if allowed).
    """
    logical = f"{scope.name}-options-{slug(path)}"
    origin = scope.single_origin
    method = aws.apigateway.Method(
        logical,
        rest_api=api.id,
        resource_id=resource.id,
        http_method="OPTIONS",
        authorization="NONE",
        request_parameters=_path_parameters(path),
        opts=scope.child,
    )
    if origin is None:
        return method, _proxy_integration(scope, api, function, logical, resource, method), []
    integration = aws.apigateway.Integration(
        logical,
        rest_api=api.id,
        resource_id=resource.id,
        http_method=method.http_method,
        type="MOCK",
        request_templates={"application/json": '{"statusCode": 200}'},
        opts=scope.child,
    )
    headers = preflight_headers(origin, allowed)
    method_response = aws.apigateway.MethodResponse(
        logical,
        rest_api=api.id,
        resource_id=resource.id,
        http_method=method.http_method,
        status_code="200",
        response_parameters={f"method.response.header.{h}": True for h in headers},
        opts=scope.child,
    )
    integration_response = aws.apigateway.IntegrationResponse(
        logical,
        rest_api=api.id,
        resource_id=resource.id,
        http_method=method.http_method,
        status_code=method_response.status_code,
        response_parameters={f"method.response.header.{h}": f"'{v}'" for h, v in headers.items()},
        opts=scope.after(integration),
    )
    return method, integration, [method_response, integration_response]


def gateway_responses(scope: Scope, api: aws.apigateway.RestApi) -> list[aws.apigateway.Response]:
    """Errors API Gateway makes itself (401 from the authorizer, 403, 429, 5XX) never reach the
    function: only these responses can give them CORS headers the browser needs to read them."""
    single = scope.single_origin
    # Several origins: echo the caller's Origin; these bodies are API Gateway's own error
    # messages (no user data), and no credentials mode is allowed.
    origin = f"'{single}'" if single is not None else "method.request.header.Origin"
    parameters = {
        "gatewayresponse.header.Access-Control-Allow-Origin": origin,
        "gatewayresponse.header.Access-Control-Allow-Headers": (
            f"'{','.join(CORS_ALLOW_HEADERS)}'"
        ),
        "gatewayresponse.header.Vary": "'Origin'",
    }
    return [
        aws.apigateway.Response(
            f"{scope.name}-{kind.lower().replace('_', '-')}",
            rest_api_id=api.id,
            response_type=kind,
            response_parameters=parameters,
            response_templates=VALIDATION_TEMPLATES.get(kind),
            opts=scope.child,
        )
        for kind in ("DEFAULT_4XX", "DEFAULT_5XX", *VALIDATION_TEMPLATES)
    ]


def _validation_template(code: str, field: str) -> dict[str, str]:
    """The project's error shape for a request the validator refused. A gateway response
    template is not run through VTL, it takes simple variable substitution only (API Gateway
    developer guide, "x-amazon-apigateway-gateway-responses.responseTemplates"): no
    `$util.escapeJavaScript`, so only `$context.error.messageString`, which API Gateway writes
    as a quoted JSON string ("Invalid request body", "Missing required request parameters:
    [Idempotency-Key]"), goes in; the unquoted `validationErrorString` would break the JSON."""
    body = (
        f'{{"error": {{"code": "{code}", "message": $context.error.messageString, '
        f'"field": "{field}"}}}}'
    )
    return {JSON_CONTENT_TYPE: body}


# The validator's refusals: 400 with the function's error shape (and the CORS headers above).
VALIDATION_TEMPLATES: Mapping[str, Mapping[str, str]] = {
    "BAD_REQUEST_BODY": _validation_template("invalid_body", "body"),
    "BAD_REQUEST_PARAMETERS": _validation_template("missing_parameter", "parameters"),
}


def invoke_permission(
    scope: Scope, api: aws.apigateway.RestApi, function: aws.lambda_.Function
) -> aws.lambda_.Permission:
    return aws.lambda_.Permission(
        f"{scope.name}-apigw-invoke",
        action="lambda:InvokeFunction",
        function=function.name,
        principal="apigateway.amazonaws.com",
        # This API only (any stage, method and path of it), never another API in the account.
        source_arn=api.execution_arn.apply(lambda arn: f"{arn}/*/*"),
        source_account=scope.args.account_id,
        opts=scope.child,
    )


def _path_parameters(path: str) -> dict[str, bool] | None:
    params = {
        f"method.request.path.{part[1:-1]}": True
        for part in path.split("/")
        if part.startswith("{") and part.endswith("}")
    }
    return params or None
