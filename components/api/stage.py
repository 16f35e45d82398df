"""Where the REST API is served: the account-wide logging role, a deployment that follows the
API's definition, and the stage with JSON access logs, tracing and throttling."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from components.api.contract import CORS_ALLOW_HEADERS, ROUTES
from components.api.gateway import VALIDATION_TEMPLATES
from components.api.policies import APIGW_LOGS_POLICY_ARN
from components.api.request_models import request_schemas
from components.api.scope import Scope
from components.iam import role_settings, service_trust_policy
from components.model import PROJECT
from components.naming import holds_fixed_name, log_group_name


def access_log_format() -> str:
    """One JSON object per request: who (Cognito sub), what, how it ended, and how long it took."""
    fields = {
        "requestId": "$context.requestId",
        "extendedRequestId": "$context.extendedRequestId",
        "ip": "$context.identity.sourceIp",
        "userAgent": "$context.identity.userAgent",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "responseLatency": "$context.responseLatency",
        "integrationLatency": "$context.integrationLatency",
        "integrationError": "$context.integrationErrorMessage",
        "authorizerError": "$context.authorizer.error",
        "sub": "$context.authorizer.claims.sub",
        "errorMessage": "$context.error.message",
        "xrayTraceId": "$context.xrayTraceId",
    }
    return json.dumps(fields, separators=(",", ":"))


def logging_account(scope: Scope) -> aws.apigateway.Account:
    """API Gateway writes access logs with one account-wide role per region (the
    `aws.apigateway.Account` singleton). This stack sets it for the spoke account and region;
    another stack in the same account and region must not manage it too."""
    name = scope.name
    cloudwatch_role = aws.iam.Role(
        f"{name}-apigw-cloudwatch",
        # No aws:SourceAccount condition here: API Gateway's documented CloudWatch role (the
        # AWS::ApiGateway::Account and pulumi-aws apigateway.Account examples) trusts the
        # service plainly, and nothing documents that it sends that key when it assumes the
        # role; if it does not, setting the account's role fails.
        assume_role_policy=json.dumps(service_trust_policy("apigateway.amazonaws.com")),
        tags=scope.tags("-apigw-cloudwatch"),
        **role_settings(scope.args.account_id, scope.args.environment),
        opts=scope.child,
    )
    logs_policy = aws.iam.RolePolicyAttachment(
        f"{name}-apigw-cloudwatch",
        role=cloudwatch_role.name,
        policy_arn=APIGW_LOGS_POLICY_ARN,
        opts=scope.child,
    )
    return aws.apigateway.Account(
        f"{name}-apigw-account",
        cloudwatch_role_arn=cloudwatch_role.arn,
        opts=scope.after(logs_policy),
    )


def deployment(
    scope: Scope,
    api: aws.apigateway.RestApi,
    cognito: aws.apigateway.Authorizer,
    snapshot: Sequence[pulumi.CustomResource],
) -> aws.apigateway.Deployment:
    """`snapshot`: the methods, integrations and responses the deployment takes a copy of."""
    return aws.apigateway.Deployment(
        f"{scope.name}-deployment",
        rest_api=api.id,
        description=f"{PROJECT} {scope.args.environment} items API",
        # A new deployment whenever the API definition changes; otherwise the stage keeps
        # serving the old snapshot of methods and integrations.
        triggers={"redeployment": _definition_hash(scope, cognito, snapshot)},
        opts=scope.after(*snapshot),
    )


def _definition_hash(
    scope: Scope, cognito: aws.apigateway.Authorizer, snapshot: Sequence[pulumi.CustomResource]
) -> pulumi.Output[str]:
    """A hash of what a deployment snapshots: routes, auth, CORS and the children's ids (a
    replaced method or integration has a new id)."""
    definition = {
        "routes": [[r.method, r.path, r.public] for r in ROUTES],
        "allowHeaders": list(CORS_ALLOW_HEADERS),
        # Models and gateway response templates change in place (same ids): hash their content.
        "models": request_schemas(scope.args.config.upload_content_types),
        "validationTemplates": VALIDATION_TEMPLATES,
    }
    ids = [c.id for c in snapshot]
    origins = pulumi.Output.all(*scope.cors_origins)
    return pulumi.Output.all(origins, cognito.id, *ids).apply(
        lambda resolved: hashlib.sha256(
            json.dumps(
                [{**definition, "origins": resolved[0]}, resolved[1:]], sort_keys=True
            ).encode()
        ).hexdigest()
    )


def access_log_group(scope: Scope) -> aws.cloudwatch.LogGroup:
    args = scope.args
    return aws.cloudwatch.LogGroup(
        f"{scope.name}-access-logs",
        name=log_group_name(args.environment, "api", scope.name, "access"),
        retention_in_days=args.log_retention_days,
        kms_key_id=args.log_key_arn,
        tags=scope.tags("-access-logs"),
        opts=holds_fixed_name(scope.child),
    )


def execution_log_group(scope: Scope, api: aws.apigateway.RestApi) -> aws.cloudwatch.LogGroup:
    """The group API Gateway writes execution logs to, `API-Gateway-Execution-Logs_<api id>/
    <stage>` (API Gateway developer guide, "Set up CloudWatch logging for REST APIs"). Made here,
    before logging is switched on, so it has retention and the log key: API Gateway would create
    it on first write with neither."""
    args = scope.args
    return aws.cloudwatch.LogGroup(
        f"{scope.name}-execution-logs",
        name=api.id.apply(lambda api_id: f"API-Gateway-Execution-Logs_{api_id}/{args.environment}"),
        retention_in_days=args.log_retention_days,
        kms_key_id=args.log_key_arn,
        tags=scope.tags("-execution-logs"),
        opts=scope.child,
    )


def stage(
    scope: Scope,
    api: aws.apigateway.RestApi,
    api_deployment: aws.apigateway.Deployment,
    log_group: aws.cloudwatch.LogGroup,
    account: aws.apigateway.Account,
) -> aws.apigateway.Stage:
    return aws.apigateway.Stage(
        f"{scope.name}-stage",
        rest_api=api.id,
        deployment=api_deployment.id,
        stage_name=scope.args.environment,
        xray_tracing_enabled=True,
        access_log_settings={
            "destination_arn": log_group.arn,
            "format": access_log_format(),
        },
        tags=scope.tags("-stage"),
        opts=scope.after(account),
    )


def execution_log_level(is_prod: bool) -> str:
    """ERROR in prod (failures only: authorizer and integration errors, cheap to keep); INFO
    elsewhere, where every request's execution trace helps debugging."""
    return "ERROR" if is_prod else "INFO"


def method_settings(
    scope: Scope,
    api: aws.apigateway.RestApi,
    api_stage: aws.apigateway.Stage,
    execution_logs: aws.cloudwatch.LogGroup,
) -> aws.apigateway.MethodSettings:
    cfg = scope.args.config
    return aws.apigateway.MethodSettings(
        f"{scope.name}-stage",
        rest_api=api.id,
        stage_name=api_stage.stage_name,
        method_path="*/*",
        settings={
            "throttling_rate_limit": cfg.throttle_rate_limit,
            "throttling_burst_limit": cfg.throttle_burst_limit,
            "metrics_enabled": True,
            "logging_level": execution_log_level(scope.args.is_prod),
            # Full request and response bodies would put users' data in the logs.
            "data_trace_enabled": False,
        },
        # The execution log group first, so API Gateway never creates it without retention.
        opts=scope.after(execution_logs),
    )
