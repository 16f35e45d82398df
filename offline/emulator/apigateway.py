"""API Gateway REST APIs: resources, methods, Lambda proxy integrations, Cognito authorizers,
gateway responses, deployment, stage, method settings and the account's CloudWatch role.

moto stores all of it (and refuses a deployment of an API without methods or integrations); it
does not run integrations or authorizers. The emulator layer adds AWS's cross-resource checks: a
Lambda proxy integration uses POST and names an existing function; a Cognito authorizer names
existing user pools; a method with COGNITO_USER_POOLS names an authorizer; a method's request
validator and request models exist on its API (moto stores any id or name); a model's schema is
valid draft-04 JSON schema; access logging and execution logging need the account's CloudWatch
role set first.
"""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema

from offline.emulator.registry import Created, Ctx, EmulatorRejected, Inputs, number, resource

_LAMBDA_URI = re.compile(
    r"^arn:aws:apigateway:([a-z0-9-]+):lambda:path/2015-03-31/functions/"
    r"(arn:aws:lambda:([a-z0-9-]+):(\d{12}):function:[^/]+)/invocations$"
)


@resource("aws:apigateway/restApi:RestApi")
def rest_api(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    kwargs: dict[str, Any] = {"name": inputs.get("name") or name, "tags": ctx.tags(inputs)}
    if inputs.get("description"):
        kwargs["description"] = inputs["description"]
    if inputs.get("endpointConfiguration"):
        types = inputs["endpointConfiguration"]["types"]  # a string in pulumi-aws 7
        kwargs["endpointConfiguration"] = {"types": [types] if isinstance(types, str) else types}
    if inputs.get("binaryMediaTypes"):
        kwargs["binaryMediaTypes"] = list(inputs["binaryMediaTypes"])
    if inputs.get("minimumCompressionSize") not in (None, ""):
        kwargs["minimumCompressionSize"] = int(inputs["minimumCompressionSize"])
    if inputs.get("apiKeySource"):
        kwargs["apiKeySource"] = inputs["apiKeySource"]
    if inputs.get("policy"):
        kwargs["policy"] = inputs["policy"]
    if inputs.get("disableExecuteApiEndpoint") is not None:
        kwargs["disableExecuteApiEndpoint"] = bool(inputs["disableExecuteApiEndpoint"])
    if inputs.get("body"):
        raise EmulatorRejected("OpenAPI `body` is not mapped: declare resources and methods")
    api = ctx.client("apigateway").create_rest_api(**kwargs)
    api_id = api["id"]
    return api_id, {
        "rootResourceId": api["rootResourceId"],
        "arn": f"arn:aws:apigateway:{ctx.region}::/restapis/{api_id}",
        "executionArn": f"arn:aws:execute-api:{ctx.region}:{ctx.account_id}:{api_id}",
        "createdDate": api["createdDate"].isoformat(),
    }


@resource("aws:apigateway/resource:Resource")
def api_resource(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    out = ctx.client("apigateway").create_resource(
        restApiId=inputs["restApi"], parentId=inputs["parentId"], pathPart=inputs["pathPart"]
    )
    return out["id"], {"path": out["path"]}


@resource("aws:apigateway/authorizer:Authorizer")
def authorizer(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    kind = inputs.get("type") or "TOKEN"
    kwargs: dict[str, Any] = {
        "restApiId": inputs["restApi"],
        "name": inputs.get("name") or name,
        "type": kind,
        "identitySource": inputs.get("identitySource") or "method.request.header.Authorization",
    }
    if kind == "COGNITO_USER_POOLS":
        arns = list(inputs.get("providerArns") or [])
        if not arns:
            raise EmulatorRejected("a COGNITO_USER_POOLS authorizer needs providerArns")
        for arn in arns:
            region, account, pool_id = arn.split(":")[3], arn.split(":")[4], arn.split("/")[-1]
            ctx.at(account, region).client("cognito-idp").describe_user_pool(UserPoolId=pool_id)
        kwargs["providerARNs"] = arns
    if inputs.get("authorizerUri"):
        kwargs["authorizerUri"] = inputs["authorizerUri"]
    if inputs.get("authorizerCredentials"):
        kwargs["authorizerCredentials"] = inputs["authorizerCredentials"]
    if inputs.get("authorizerResultTtlInSeconds") is not None:
        kwargs["authorizerResultTtlInSeconds"] = number(inputs["authorizerResultTtlInSeconds"])
    out = ctx.client("apigateway").create_authorizer(**kwargs)
    return out["id"], {
        "arn": (
            f"arn:aws:apigateway:{ctx.region}::/restapis/{inputs['restApi']}/authorizers/"
            f"{out['id']}"
        )
    }


@resource("aws:apigateway/requestValidator:RequestValidator")
def request_validator(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    out = ctx.client("apigateway").create_request_validator(
        restApiId=inputs["restApi"],
        name=inputs.get("name") or name,
        validateRequestBody=bool(inputs.get("validateRequestBody", False)),
        validateRequestParameters=bool(inputs.get("validateRequestParameters", False)),
    )
    return out["id"], {}


_MODEL_NAME = re.compile(r"^[A-Za-z0-9]+$")


@resource("aws:apigateway/model:Model")
def model(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    """AWS: a model name is alphanumeric, and its schema must be a valid JSON schema draft 4
    ("BadRequestException: Invalid model specified: Validation Result: ...")."""
    model_name = inputs.get("name") or name
    if not _MODEL_NAME.match(model_name):
        raise EmulatorRejected(
            f"BadRequestException: model name {model_name!r} is not alphanumeric"
        )
    schema_text = inputs.get("schema") or "{}"
    try:
        schema = json.loads(schema_text)
        jsonschema.Draft4Validator.check_schema(schema)
    except (ValueError, jsonschema.SchemaError) as e:
        message = getattr(e, "message", str(e))
        raise EmulatorRejected(f"BadRequestException: Invalid model specified: {message}") from None
    out = ctx.client("apigateway").create_model(
        restApiId=inputs["restApi"],
        name=model_name,
        contentType=inputs["contentType"],
        schema=schema_text,
        description=inputs.get("description") or "",
    )
    return out["id"], {"name": model_name}


def _check_method_validation(ctx: Ctx, inputs: Inputs) -> None:
    """AWS: `Invalid Request Validator identifier specified` / `Invalid model identifier
    specified` for a validator or model the API does not have."""
    apigw = ctx.client("apigateway")
    api_id = inputs["restApi"]
    validator_id = inputs.get("requestValidatorId")
    if validator_id:
        known = {v["id"] for v in apigw.get_request_validators(restApiId=api_id)["items"]}
        if validator_id not in known:
            raise EmulatorRejected(
                f"BadRequestException: Invalid Request Validator identifier specified: "
                f"{validator_id}"
            )
    models = {m["name"] for m in apigw.get_models(restApiId=api_id)["items"]}
    for content_type, model_name in (inputs.get("requestModels") or {}).items():
        if model_name not in models and model_name not in ("Empty", "Error"):
            raise EmulatorRejected(
                f"BadRequestException: Invalid model identifier specified: {model_name} "
                f"(for {content_type})"
            )


@resource("aws:apigateway/method:Method")
def method(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    authorization = inputs["authorization"]
    kwargs: dict[str, Any] = {
        "restApiId": inputs["restApi"],
        "resourceId": inputs["resourceId"],
        "httpMethod": inputs["httpMethod"],
        "authorizationType": authorization,
        "apiKeyRequired": bool(inputs.get("apiKeyRequired", False)),
    }
    if authorization in ("COGNITO_USER_POOLS", "CUSTOM"):
        if not inputs.get("authorizerId"):
            raise EmulatorRejected(f"authorization {authorization} needs an authorizerId")
        ctx.client("apigateway").get_authorizer(
            restApiId=inputs["restApi"], authorizerId=inputs["authorizerId"]
        )
        kwargs["authorizerId"] = inputs["authorizerId"]
    _check_method_validation(ctx, inputs)
    for key, api in (
        ("authorizationScopes", "authorizationScopes"),
        ("requestParameters", "requestParameters"),
        ("requestModels", "requestModels"),
        ("requestValidatorId", "requestValidatorId"),
        ("operationName", "operationName"),
    ):
        if inputs.get(key):
            kwargs[api] = inputs[key]
    ctx.client("apigateway").put_method(**kwargs)
    return f"agm-{inputs['restApi']}-{inputs['resourceId']}-{inputs['httpMethod']}", {}


def _check_lambda_uri(ctx: Ctx, uri: str, integration_method: str | None) -> None:
    match = _LAMBDA_URI.match(uri)
    if not match:
        return
    region, function_arn, fn_region, fn_account = match.groups()
    if region != ctx.region or fn_region != ctx.region:
        raise EmulatorRejected(f"integration uri {uri} is not in the API's region {ctx.region}")
    if integration_method != "POST":
        raise EmulatorRejected(
            f"a Lambda integration must use integrationHttpMethod POST, not {integration_method}"
        )
    ctx.at(fn_account, fn_region).client("lambda").get_function(FunctionName=function_arn)


@resource("aws:apigateway/integration:Integration")
def integration(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    kind = inputs["type"]
    kwargs: dict[str, Any] = {
        "restApiId": inputs["restApi"],
        "resourceId": inputs["resourceId"],
        "httpMethod": inputs["httpMethod"],
        "type": kind,
    }
    if kind in ("AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY"):
        if not inputs.get("uri") or not inputs.get("integrationHttpMethod"):
            raise EmulatorRejected(f"a {kind} integration needs uri and integrationHttpMethod")
        _check_lambda_uri(ctx, inputs["uri"], inputs.get("integrationHttpMethod"))
    for key, api in (
        ("uri", "uri"),
        ("integrationHttpMethod", "integrationHttpMethod"),
        ("credentials", "credentials"),
        ("passthroughBehavior", "passthroughBehavior"),
        ("contentHandling", "contentHandling"),
        ("requestTemplates", "requestTemplates"),
        ("requestParameters", "requestParameters"),
        ("connectionType", "connectionType"),
        ("connectionId", "connectionId"),
        ("cacheNamespace", "cacheNamespace"),
    ):
        if inputs.get(key):
            kwargs[api] = inputs[key]
    if inputs.get("timeoutMilliseconds") is not None:
        kwargs["timeoutInMillis"] = number(inputs["timeoutMilliseconds"])
    ctx.client("apigateway").put_integration(**kwargs)
    return f"agi-{inputs['restApi']}-{inputs['resourceId']}-{inputs['httpMethod']}", {}


@resource("aws:apigateway/methodResponse:MethodResponse")
def method_response(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    kwargs: dict[str, Any] = {
        "restApiId": inputs["restApi"],
        "resourceId": inputs["resourceId"],
        "httpMethod": inputs["httpMethod"],
        "statusCode": str(inputs["statusCode"]),
    }
    if inputs.get("responseParameters"):
        kwargs["responseParameters"] = {k: bool(v) for k, v in inputs["responseParameters"].items()}
    if inputs.get("responseModels"):
        kwargs["responseModels"] = dict(inputs["responseModels"])
    ctx.client("apigateway").put_method_response(**kwargs)
    return (
        f"agmr-{inputs['restApi']}-{inputs['resourceId']}-{inputs['httpMethod']}-"
        f"{inputs['statusCode']}",
        {},
    )


@resource("aws:apigateway/integrationResponse:IntegrationResponse")
def integration_response(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    """AWS: the method response for the status code must exist first."""
    apigw = ctx.client("apigateway")
    status = str(inputs["statusCode"])
    method = apigw.get_method(
        restApiId=inputs["restApi"],
        resourceId=inputs["resourceId"],
        httpMethod=inputs["httpMethod"],
    )
    declared = method.get("methodResponses") or {}
    if status not in declared:
        raise EmulatorRejected(
            f"NotFoundException: no MethodResponse {status} for {inputs['httpMethod']}: create it "
            "before the IntegrationResponse"
        )
    for key in inputs.get("responseParameters") or {}:
        header = key.removeprefix("method.response.")
        if key.startswith("method.response.") and key not in (
            declared[status].get("responseParameters") or {}
        ):
            raise EmulatorRejected(f"{header} is not declared by the MethodResponse {status}")
    kwargs: dict[str, Any] = {
        "restApiId": inputs["restApi"],
        "resourceId": inputs["resourceId"],
        "httpMethod": inputs["httpMethod"],
        "statusCode": status,
    }
    for key in ("selectionPattern", "contentHandling"):
        if inputs.get(key):
            kwargs[key] = inputs[key]
    for key in ("responseParameters", "responseTemplates"):
        if inputs.get(key):
            kwargs[key] = dict(inputs[key])
    apigw.put_integration_response(**kwargs)
    return (
        f"agir-{inputs['restApi']}-{inputs['resourceId']}-{inputs['httpMethod']}-{status}",
        {},
    )


@resource("aws:apigateway/response:Response")
def gateway_response(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    kwargs: dict[str, Any] = {
        "restApiId": inputs["restApiId"],
        "responseType": inputs["responseType"],
    }
    if inputs.get("statusCode"):
        kwargs["statusCode"] = str(inputs["statusCode"])
    if inputs.get("responseParameters"):
        kwargs["responseParameters"] = dict(inputs["responseParameters"])
    if inputs.get("responseTemplates"):
        kwargs["responseTemplates"] = dict(inputs["responseTemplates"])
    ctx.client("apigateway").put_gateway_response(**kwargs)
    return f"aggr-{inputs['restApiId']}-{inputs['responseType']}", {}


@resource("aws:apigateway/deployment:Deployment")
def deployment(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    kwargs: dict[str, Any] = {"restApiId": inputs["restApi"]}
    if inputs.get("description"):
        kwargs["description"] = inputs["description"]
    if inputs.get("variables"):
        kwargs["variables"] = dict(inputs["variables"])
    out = ctx.client("apigateway").create_deployment(**kwargs)
    return out["id"], {
        "createdDate": out["createdDate"].isoformat(),
        "executionArn": f"arn:aws:execute-api:{ctx.region}:{ctx.account_id}:{inputs['restApi']}/",
        "invokeUrl": f"https://{inputs['restApi']}.execute-api.{ctx.region}.amazonaws.com/",
    }


def _require_cloudwatch_role(ctx: Ctx, what: str) -> None:
    """AWS: 'CloudWatch Logs role ARN must be set in account settings to enable logging'."""
    account = ctx.client("apigateway").get_account()
    if not account.get("cloudwatchRoleArn"):
        raise EmulatorRejected(
            f"BadRequestException: {what} needs the CloudWatch Logs role ARN set in the API "
            "Gateway account settings first (aws.apigateway.Account, before the stage)"
        )


def _require_log_group_arn(ctx: Ctx, arn: str) -> None:
    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "logs" or parts[5] != "log-group":
        raise EmulatorRejected(f"accessLogSettings.destinationArn {arn} is not a log group ARN")
    name = parts[6]
    groups = ctx.at(parts[4], parts[3]).client("logs").describe_log_groups(logGroupNamePrefix=name)
    if not any(g["logGroupName"] == name for g in groups["logGroups"]):
        raise EmulatorRejected(f"access log group {name} does not exist")


@resource("aws:apigateway/stage:Stage")
def stage(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    api_id, stage_name = inputs["restApi"], inputs["stageName"]
    apigw = ctx.client("apigateway")
    kwargs: dict[str, Any] = {
        "restApiId": api_id,
        "stageName": stage_name,
        "deploymentId": inputs["deployment"],
        "tracingEnabled": bool(inputs.get("xrayTracingEnabled", False)),
        "tags": ctx.tags(inputs),
    }
    if inputs.get("description"):
        kwargs["description"] = inputs["description"]
    if inputs.get("variables"):
        kwargs["variables"] = dict(inputs["variables"])
    if inputs.get("cacheClusterEnabled"):
        kwargs["cacheClusterEnabled"] = True
        kwargs["cacheClusterSize"] = inputs.get("cacheClusterSize") or "0.5"
    apigw.get_deployment(restApiId=api_id, deploymentId=inputs["deployment"])
    apigw.create_stage(**kwargs)
    access = inputs.get("accessLogSettings")
    if access:
        _require_cloudwatch_role(ctx, "access logging")
        _require_log_group_arn(ctx, access["destinationArn"])
        apigw.update_stage(
            restApiId=api_id,
            stageName=stage_name,
            patchOperations=[
                {"op": "replace", "path": "/accessLogSettings/destinationArn",
                 "value": access["destinationArn"]},
                {"op": "replace", "path": "/accessLogSettings/format", "value": access["format"]},
            ],
        )  # fmt: skip
    invoke_url = f"https://{api_id}.execute-api.{ctx.region}.amazonaws.com/{stage_name}"
    return f"ags-{api_id}-{stage_name}", {
        "arn": f"arn:aws:apigateway:{ctx.region}::/restapis/{api_id}/stages/{stage_name}",
        "invokeUrl": invoke_url,
        "executionArn": f"arn:aws:execute-api:{ctx.region}:{ctx.account_id}:{api_id}/{stage_name}",
    }


_SETTINGS = {
    "metricsEnabled": "metrics/enabled",
    "loggingLevel": "logging/loglevel",
    "dataTraceEnabled": "logging/dataTrace",
    "throttlingBurstLimit": "throttling/burstLimit",
    "throttlingRateLimit": "throttling/rateLimit",
    "cachingEnabled": "caching/enabled",
    "cacheTtlInSeconds": "caching/ttlInSeconds",
    "cacheDataEncrypted": "caching/dataEncrypted",
    "requireAuthorizationForCacheControl": "caching/requireAuthorizationForCacheControl",
}


@resource("aws:apigateway/methodSettings:MethodSettings")
def method_settings(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    api_id, stage_name, path = inputs["restApi"], inputs["stageName"], inputs["methodPath"]
    settings = inputs["settings"]
    if settings.get("loggingLevel") not in (None, "OFF") or settings.get("dataTraceEnabled"):
        _require_cloudwatch_role(ctx, "execution logging")
    operations = [
        {"op": "replace", "path": f"/{path}/{api_path}", "value": _setting(settings[key])}
        for key, api_path in _SETTINGS.items()
        if settings.get(key) is not None
    ]
    ctx.client("apigateway").update_stage(
        restApiId=api_id, stageName=stage_name, patchOperations=operations
    )
    return f"{api_id}-{stage_name}-{path}", {}


def _setting(value: Any) -> str:
    if isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return str(int(value)) if value != -1 else "-1"
    return str(value)


@resource("aws:apigateway/account:Account")
def account(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    role_arn = inputs.get("cloudwatchRoleArn")
    if role_arn:
        role_name = role_arn.rsplit("/", 1)[-1]
        if role_arn.split(":")[4] != ctx.account_id:
            raise EmulatorRejected(
                f"cloudwatchRoleArn {role_arn} is not in account {ctx.account_id}"
            )
        trust = ctx.client("iam").get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
        if "apigateway.amazonaws.com" not in json.dumps(trust):
            raise EmulatorRejected(
                f"BadRequestException: the role {role_arn} does not trust apigateway.amazonaws.com"
            )
        ctx.client("apigateway").update_account(
            patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role_arn}]
        )
    return "api-gateway-account", {"cloudwatchRoleArn": role_arn or ""}
