"""ItemsApi under mocks: the real __main__.py with each real stack file, in update and preview mode.

Each test names the guarantee it protects; assertions read the registered inputs (what `pulumi up`
would send to AWS) and the resource options (protect, retain, provider).
"""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from components.api import (
    APIGW_LOGS_POLICY_ARN,
    CORS_ALLOW_HEADERS,
    FUNCTION_CODE,
    GSI_NAME,
    HANDLER,
    INDEX_ACTIONS,
    ROUTES,
    TABLE_ACTIONS,
    VPC_ACCESS_POLICY_ARN,
    XRAY_ACTIONS,
    code_assets,
)
from components.config import DEFAULT_UPLOAD_CONTENT_TYPES
from offline.runner import UNKNOWN, RunResult, run, stack_config

STACKS = ("dev", "prod")
SECRET_SIG = "4dabf18193072939515e22adb298388d"

T_API = "hubspoke:app:ItemsApi"
T_FUNCTION = "aws:lambda/function:Function"
T_METHOD = "aws:apigateway/method:Method"
T_INTEGRATION = "aws:apigateway/integration:Integration"
T_TABLE = "aws:dynamodb/table:Table"
T_BUCKET = "aws:s3/bucket:Bucket"
T_LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def plain(value: Any) -> Any:
    """Registered inputs with Pulumi's secret wrappers removed."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG) and "value" in value:
            return plain(value["value"])
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


@pytest.fixture(scope="module", params=STACKS)
def stack(request, run_stack_file) -> RunResult:
    return run_stack_file(request.param)


@pytest.fixture(scope="module")
def dev(run_stack_file) -> RunResult:
    return run_stack_file("dev")


@pytest.fixture(scope="module")
def prod(run_stack_file) -> RunResult:
    return run_stack_file("prod")


def api_config(result: RunResult) -> dict[str, Any]:
    return stack_config(result.stack)["hubspoke:api"]


def the(result: RunResult, type_: str, name: str | None = None):
    matches = [r for r in result.of_type(type_) if name is None or r.name == name]
    assert len(matches) == 1, f"{len(matches)} {type_} named {name}"
    return matches[0]


def allowed_origins(result: RunResult) -> list[str]:
    """The configured CORS origins, then the web app's distribution (components/webapp.py)."""
    web = [result.outputs["web_url"].rstrip("/")] if "web_url" in result.outputs else []
    return [*api_config(result)["corsOrigins"], *web]


@pytest.fixture(scope="module", params=["dev", "prod"])
def single_origin(request) -> RunResult:
    """A stack without the web app: its one configured origin is the only CORS origin."""
    config = copy.deepcopy(stack_config(request.param))
    config["hubspoke:web"] = False
    return run(request.param, config=config)


def api_children(result: RunResult) -> list:
    component = the(result, T_API)
    return result.children_of(component)


def spoke_provider(result: RunResult) -> str:
    """The provider of the spoke that `hubspoke:api.spoke` names (taken from its VPC)."""
    spoke = api_config(result)["spoke"]
    return the(result, "aws:ec2/vpc:Vpc", spoke).provider


# ---------------------------------------------------------------------------------------------
# Placement


def test_every_api_resource_uses_the_api_spoke_account_provider(stack):
    config = stack_config(stack.stack)
    spoke = next(s for s in config["hubspoke:spokes"] if s["name"] == api_config(stack)["spoke"])
    account_id = config["hubspoke:accounts"][spoke["account"]]["id"]
    children = api_children(stack)
    assert len(children) > 50
    assert {c.provider for c in children} == {spoke_provider(stack)}
    assert {stack.account_of(c) for c in children} == {account_id}


def test_function_runs_in_the_spokes_private_subnets_only(stack):
    spoke = api_config(stack)["spoke"]
    private = {
        r.id
        for r in stack.of_type("aws:ec2/subnet:Subnet")
        if r.name.startswith(f"{spoke}-private-")
    }
    function = the(stack, T_FUNCTION)
    assert private
    assert set(function.inputs["vpcConfig"]["subnetIds"]) == private
    assert len(function.inputs["vpcConfig"]["subnetIds"]) == len(private)


def test_function_security_group_has_no_ingress_and_egress_only_https_to_gateway_endpoints(stack):
    spoke = api_config(stack)["spoke"]
    group = the(stack, "aws:ec2/securityGroup:SecurityGroup", "items-function")
    function = the(stack, T_FUNCTION)
    assert function.inputs["vpcConfig"]["securityGroupIds"] == [group.id]
    assert not group.inputs.get("ingress")
    assert not group.inputs.get("egress")  # rules are separate resources, checked below
    for ingress_type in (
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
    ):
        assert not [r for r in stack.of_type(ingress_type) if group.id in json.dumps(r.inputs)]
    vpc_id = the(stack, "aws:ec2/vpc:Vpc", spoke).id
    assert group.inputs["vpcId"] == vpc_id
    endpoints = {
        r.outputs["prefixListId"]
        for r in stack.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        if r.name in (f"{spoke}-dynamodb", f"{spoke}-s3")
    }
    rules = [
        r
        for r in stack.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        if r.inputs["securityGroupId"] == group.id
    ]
    assert {r.inputs["prefixListId"] for r in rules} == endpoints
    assert len(endpoints) == 2
    for rule in rules:
        assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == (
            "tcp",
            443,
            443,
        )
        assert "cidrIpv4" not in rule.inputs and "cidrIpv6" not in rule.inputs


# ---------------------------------------------------------------------------------------------
# IAM


def test_function_role_policy_has_exactly_the_table_index_key_and_upload_permissions(stack):
    table = the(stack, T_TABLE)
    bucket = the(stack, T_BUCKET, "items-uploads")
    role = the(stack, "aws:iam/role:Role", "items-function")
    policy = the(stack, "aws:iam/rolePolicy:RolePolicy", "items-function")
    assert policy.inputs["role"] == role.id
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    table_arn = table.outputs["arn"]
    assert table_arn.endswith(f":table/{table.outputs['name']}")
    assert statements == {
        "ItemsTable": {
            "Sid": "ItemsTable",
            "Effect": "Allow",
            "Action": sorted(TABLE_ACTIONS),
            "Resource": table_arn,
        },
        "ItemsIndex": {
            "Sid": "ItemsIndex",
            "Effect": "Allow",
            "Action": ["dynamodb:Query"],
            "Resource": f"{table_arn}/index/{GSI_NAME}",
        },
        "TableKeyThroughDynamoDB": {
            "Sid": "TableKeyThroughDynamoDB",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": the(stack, "aws:kms/key:Key", "items-key").outputs["arn"],
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": f"dynamodb.{table_arn.split(':')[3]}.amazonaws.com"
                }
            },
        },
        "PresignedUploads": {
            "Sid": "PresignedUploads",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{bucket.id}/uploads/*",
        },
        "Tracing": {
            "Sid": "Tracing",
            "Effect": "Allow",
            "Action": sorted(XRAY_ACTIONS),
            "Resource": "*",
        },
    }
    assert sorted(TABLE_ACTIONS) == [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
    ]
    assert INDEX_ACTIONS == ("dynamodb:Query",)


def test_no_function_permission_uses_a_wildcard_action_and_only_xray_a_wildcard_resource(stack):
    policy = the(stack, "aws:iam/rolePolicy:RolePolicy", "items-function")
    for statement in json.loads(policy.inputs["policy"])["Statement"]:
        actions = statement["Action"]
        actions = [actions] if isinstance(actions, str) else actions
        assert all("*" not in a for a in actions), statement
        if statement["Resource"] == "*":
            assert set(actions) == set(XRAY_ACTIONS)  # X-Ray has no resource-level permissions


def test_function_role_trusts_lambda_and_has_only_the_vpc_access_managed_policy(stack):
    role = the(stack, "aws:iam/role:Role", "items-function")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "lambda.amazonaws.com"}]
    attached = [
        r.inputs["policyArn"]
        for r in stack.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r.inputs["role"] == role.outputs["name"]
    ]
    assert attached == [VPC_ACCESS_POLICY_ARN]


def test_function_is_created_after_its_role_can_create_the_vpc_network_interfaces(stack):
    # Lambda checks at CreateFunction that the role of a VPC function may create ENIs and refuses
    # the function otherwise ("The provided execution role does not have permissions to call
    # CreateNetworkInterface on EC2"). The role ARN alone orders the function after the role, not
    # after the attachment that grants those actions: both would run in parallel.
    function = the(stack, T_FUNCTION)
    attachment = the(
        stack, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "items-function-vpc-access"
    )
    inline = the(stack, "aws:iam/rolePolicy:RolePolicy", "items-function")
    assert attachment.urn in function.dependencies
    assert inline.urn in function.dependencies


def test_api_gateway_may_invoke_the_function_only_from_this_api(stack):
    permission = the(stack, "aws:lambda/permission:Permission")
    api = the(stack, "aws:apigateway/restApi:RestApi")
    function = the(stack, T_FUNCTION)
    assert permission.inputs["function"] == function.outputs["name"]
    assert permission.inputs["principal"] == "apigateway.amazonaws.com"
    assert permission.inputs["action"] == "lambda:InvokeFunction"
    assert permission.inputs["sourceArn"] == f"{api.outputs['executionArn']}/*/*"
    assert permission.inputs["sourceAccount"] == stack.account_of(function)


# ---------------------------------------------------------------------------------------------
# Function


def test_function_is_arm64_traced_with_powertools_layer_and_config_limits(stack):
    function = the(stack, T_FUNCTION)
    cfg = api_config(stack)
    fn_cfg = cfg.get("function", {})
    inputs = function.inputs
    assert inputs["architectures"] == ["arm64"]
    assert inputs["handler"] == HANDLER
    assert inputs["runtime"] == fn_cfg.get("runtime", "python3.13")
    assert inputs["tracingConfig"] == {"mode": "Active"}
    assert inputs["memorySize"] == fn_cfg.get("memoryMb", 256)
    assert inputs["timeout"] == fn_cfg.get("timeoutSeconds", 10)
    assert inputs["reservedConcurrentExecutions"] == fn_cfg.get("reservedConcurrency", -1)
    region = stack.region_of(function)
    [layer] = inputs["layers"]
    assert layer.startswith(f"arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertools")
    assert "arm64" in layer
    assert inputs["kmsKeyArn"] == the(stack, "aws:kms/key:Key", "items-key").outputs["arn"]


def test_function_environment_names_its_table_bucket_origins_and_secret(stack):
    function = the(stack, T_FUNCTION)
    variables = plain(function.inputs["environment"])["variables"]
    cfg = api_config(stack)
    parameter = the(stack, "aws:ssm/parameter:Parameter")
    assert variables["TABLE_NAME"] == the(stack, T_TABLE).outputs["name"]
    assert variables["BUCKET_NAME"] == the(stack, T_BUCKET, "items-uploads").id
    assert variables["CORS_ORIGINS"] == ",".join(allowed_origins(stack))
    assert variables["CURSOR_SECRET"] == plain(parameter.outputs["value"])
    assert len(variables["CURSOR_SECRET"]) == 64
    assert variables["UPLOAD_MAX_BYTES"] == str(cfg.get("uploadMaxBytes", 10 * 1024 * 1024))
    assert variables["UPLOAD_CONTENT_TYPES"] == ",".join(DEFAULT_UPLOAD_CONTENT_TYPES)
    assert variables["POWERTOOLS_SERVICE_NAME"] == "items"
    assert set(variables) >= {"POWERTOOLS_LOG_LEVEL"}
    # The HMAC key is a secret in Pulumi's state and a SecureString under the component's key.
    assert function.inputs["environment"].get(SECRET_SIG)
    assert parameter.inputs["type"] == "SecureString"
    assert parameter.inputs["keyId"] == the(stack, "aws:kms/key:Key", "items-key").outputs["arn"]


def test_function_log_group_has_retention_and_exists_before_the_function(stack):
    function = the(stack, T_FUNCTION)
    group = the(stack, T_LOG_GROUP, "items-function")
    assert group.inputs["name"] == f"/aws/lambda/{function.inputs['name']}"
    retention = stack_config(stack.stack)["hubspoke:logRetentionDays"]
    assert group.inputs["retentionInDays"] == retention
    assert group.urn in function.dependencies


def test_function_package_holds_the_modules_without_tests_or_bytecode(tmp_path: Path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text("")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "app.cpython-313.pyc").write_bytes(b"")
    (tmp_path / "app.py").write_text("def lambda_handler(event, context): ...\n")
    (tmp_path / "README.md").write_text("")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "util.py").write_text("")
    assert sorted(code_assets(tmp_path)) == ["app.py", "lib/util.py"]


def test_the_deployed_zip_is_the_items_function(dev):
    function = the(dev, T_FUNCTION)
    files = function.inputs["code"]["assetArchive"]
    assert sorted(files) == sorted(p.name for p in FUNCTION_CODE.glob("*.py"))
    module, handler = HANDLER.split(".")
    assert f"{module}.py" in files
    assert f"def {handler}(" in (FUNCTION_CODE / f"{module}.py").read_text()


def test_the_function_accepts_the_environment_the_component_gives_it(stack, monkeypatch):
    # The function's own settings loader (functions/items/settings.py) validates at cold start:
    # run it on the registered environment so a contract mismatch fails here, not in Lambda.
    monkeypatch.syspath_prepend(str(FUNCTION_CODE))  # it imports `contract` from its zip root
    spec = importlib.util.spec_from_file_location(
        "items_settings_under_api_test", FUNCTION_CODE / "settings.py"
    )
    settings = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(settings)
    variables = plain(the(stack, T_FUNCTION).inputs["environment"])["variables"]
    loaded = settings.load_settings(
        {**variables, "AWS_REGION": stack.region_of(the(stack, T_FUNCTION))}
    )
    assert loaded.table_name == the(stack, T_TABLE).outputs["name"]
    assert loaded.cors_origins == tuple(allowed_origins(stack))
    assert loaded.upload_content_types == DEFAULT_UPLOAD_CONTENT_TYPES


# ---------------------------------------------------------------------------------------------
# REST API, Cognito, CORS


def test_every_route_has_a_method_with_a_post_lambda_proxy_integration(stack):
    function = the(stack, T_FUNCTION)
    methods = {(m.inputs["httpMethod"], m.name) for m in stack.of_type(T_METHOD)}
    for route in ROUTES:
        assert any(verb == route.method for verb, _ in methods)
    proxies = [
        i for i in stack.of_type(T_INTEGRATION)
        if i.inputs["type"] == "AWS_PROXY" and i.inputs["httpMethod"] != "OPTIONS"
    ]  # fmt: skip
    assert len(proxies) == len(ROUTES)
    for integration in proxies:
        assert integration.inputs["integrationHttpMethod"] == "POST"
        assert integration.inputs["uri"] == function.outputs["invokeArn"]


def test_every_method_except_preflight_and_health_has_the_cognito_authorizer(stack):
    authorizer = the(stack, "aws:apigateway/authorizer:Authorizer")
    pool = the(stack, "aws:cognito/userPool:UserPool")
    assert authorizer.inputs["type"] == "COGNITO_USER_POOLS"
    assert authorizer.inputs["providerArns"] == [pool.outputs["arn"]]
    assert authorizer.inputs["identitySource"] == "method.request.header.Authorization"
    methods = stack.of_type(T_METHOD)
    health = the(stack, "aws:apigateway/resource:Resource", "items-health")
    public = [
        m
        for m in methods
        if m.inputs["httpMethod"] == "OPTIONS"
        or (m.inputs["httpMethod"] == "GET" and m.inputs["resourceId"] == health.id)
    ]
    assert len(public) == 5  # 4 preflights + GET /health
    for method in methods:
        if method in public:
            assert method.inputs["authorization"] == "NONE"
            assert "authorizerId" not in method.inputs
        else:
            assert method.inputs["authorization"] == "COGNITO_USER_POOLS", method.name
            assert method.inputs["authorizerId"] == authorizer.id, method.name
    assert len(methods) - len(public) == len(ROUTES) - 1


def test_each_configured_group_is_a_cognito_group_and_the_function_gets_its_permissions(stack):
    pool = the(stack, "aws:cognito/userPool:UserPool")
    config = api_config(stack)
    groups = stack.of_type("aws:cognito/userGroup:UserGroup")
    assert sorted(g.inputs["name"] for g in groups) == sorted(config.get("groups") or {})
    component = the(stack, T_API)
    for group in groups:
        assert group.inputs["userPoolId"] == pool.id
        assert group.parent == component.urn
        assert group.provider == pool.provider
    variables = plain(the(stack, T_FUNCTION).inputs["environment"])["variables"]
    assert json.loads(variables["GROUP_PERMISSIONS"]) == (config.get("groups") or {})
    default = config.get("defaultGroup", ["read", "write", "upload"])
    assert variables["DEFAULT_PERMISSIONS"] == ",".join(default)


def test_dev_has_a_read_only_readers_group(dev):
    (readers,) = dev.of_type("aws:cognito/userGroup:UserGroup")
    assert readers.inputs["name"] == "readers"
    assert api_config(dev)["groups"]["readers"] == ["read"]


def test_user_pool_signs_in_by_email_and_the_app_client_is_public_with_srp_or_password(stack):
    pool = the(stack, "aws:cognito/userPool:UserPool")
    client = the(stack, "aws:cognito/userPoolClient:UserPoolClient")
    assert pool.inputs["usernameAttributes"] == ["email"]
    policy = pool.inputs["passwordPolicy"]
    assert policy["minimumLength"] >= 12
    assert all(
        policy[k]
        for k in ("requireLowercase", "requireUppercase", "requireNumbers", "requireSymbols")
    )
    assert client.inputs["userPoolId"] == pool.id
    assert client.inputs["generateSecret"] is False
    assert sorted(client.inputs["explicitAuthFlows"]) == [
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_USER_SRP_AUTH",
    ]
    assert client.inputs["accessTokenValidity"] == 60
    assert client.inputs["idTokenValidity"] == 60
    assert client.inputs["refreshTokenValidity"] == 30
    assert client.inputs["tokenValidityUnits"] == {
        "accessToken": "minutes",
        "idToken": "minutes",
        "refreshToken": "days",
    }


def test_every_gateway_response_carries_cors_headers_for_the_configured_origin(single_origin):
    stack = single_origin
    [origin] = allowed_origins(stack)
    responses = {
        r.inputs["responseType"]: r.inputs["responseParameters"]
        for r in stack.of_type("aws:apigateway/response:Response")
    }
    assert set(responses) == {
        "DEFAULT_4XX", "DEFAULT_5XX", "BAD_REQUEST_BODY", "BAD_REQUEST_PARAMETERS"
    }  # fmt: skip
    for parameters in responses.values():
        assert parameters["gatewayresponse.header.Access-Control-Allow-Origin"] == f"'{origin}'"
        assert parameters["gatewayresponse.header.Access-Control-Allow-Headers"] == (
            f"'{','.join(CORS_ALLOW_HEADERS)}'"
        )


def test_single_origin_preflight_is_a_mock_answering_only_that_origin(single_origin):
    stack = single_origin
    [origin] = allowed_origins(stack)
    mocks = [i for i in stack.of_type(T_INTEGRATION) if i.inputs["type"] == "MOCK"]
    assert len(mocks) == 4 and all(i.inputs["httpMethod"] == "OPTIONS" for i in mocks)
    answers = stack.of_type("aws:apigateway/integrationResponse:IntegrationResponse")
    assert len(answers) == 4
    for answer in answers:
        headers = answer.inputs["responseParameters"]
        assert headers["method.response.header.Access-Control-Allow-Origin"] == f"'{origin}'"
    item = the(
        stack, "aws:apigateway/integrationResponse:IntegrationResponse", "items-options-items-id"
    )
    allowed = item.inputs["responseParameters"][
        "method.response.header.Access-Control-Allow-Methods"
    ]
    assert allowed == "'DELETE,GET,OPTIONS,PATCH,PUT'"


def test_several_origins_send_preflight_to_the_function_and_errors_echo_the_origin():
    config = copy.deepcopy(stack_config("dev"))
    config["hubspoke:api"]["corsOrigins"] = ["https://a.example.com", "https://b.example.com"]
    result = run("dev", config=config)
    options = [m for m in result.of_type(T_METHOD) if m.inputs["httpMethod"] == "OPTIONS"]
    assert len(options) == 4 and all(m.inputs["authorization"] == "NONE" for m in options)
    integrations = result.of_type(T_INTEGRATION)
    assert {i.inputs["type"] for i in integrations} == {"AWS_PROXY"}
    assert len(integrations) == len(ROUTES) + 4
    for response in result.of_type("aws:apigateway/response:Response"):
        origin = response.inputs["responseParameters"][
            "gatewayresponse.header.Access-Control-Allow-Origin"
        ]
        assert origin == "method.request.header.Origin"
    cors = the(result, "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration", "items-uploads")
    assert cors.inputs["corsRules"][0]["allowedOrigins"] == [
        *config["hubspoke:api"]["corsOrigins"],
        result.outputs["web_url"].rstrip("/"),
    ]


# ---------------------------------------------------------------------------------------------
# Deployment and stage


def test_stage_is_named_for_the_environment_with_json_access_logs_and_tracing(stack):
    stage = the(stack, "aws:apigateway/stage:Stage")
    environment = stack_config(stack.stack)["hubspoke:environment"]
    assert stage.inputs["stageName"] == environment
    assert stage.inputs["xrayTracingEnabled"] is True
    group = the(stack, T_LOG_GROUP, "items-access-logs")
    assert stage.inputs["accessLogSettings"]["destinationArn"] == group.outputs["arn"]
    assert group.inputs["retentionInDays"] == stack_config(stack.stack)["hubspoke:logRetentionDays"]
    assert group.inputs["name"] == f"/hubspoke/{environment}/api/items/access"
    fields = json.loads(stage.inputs["accessLogSettings"]["format"])
    assert {"requestId", "status", "ip", "sub", "integrationError"} <= set(fields)
    # Access logs need the account-wide CloudWatch role to be set first.
    account = the(stack, "aws:apigateway/account:Account")
    assert account.urn in stage.dependencies
    role = the(stack, "aws:iam/role:Role", "items-apigw-cloudwatch")
    assert account.inputs["cloudwatchRoleArn"] == role.outputs["arn"]
    attached = [
        r.inputs["policyArn"]
        for r in stack.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r.inputs["role"] == role.outputs["name"]
    ]
    assert attached == [APIGW_LOGS_POLICY_ARN]


def test_stage_throttles_every_method_at_the_configured_rate_and_burst(stack):
    settings = the(stack, "aws:apigateway/methodSettings:MethodSettings")
    throttle = api_config(stack)["throttle"]
    assert settings.inputs["methodPath"] == "*/*"
    assert (
        settings.inputs["stageName"] == the(stack, "aws:apigateway/stage:Stage").inputs["stageName"]
    )
    assert settings.inputs["settings"]["throttlingRateLimit"] == throttle["rateLimit"]
    assert settings.inputs["settings"]["throttlingBurstLimit"] == throttle["burstLimit"]


def test_deployment_waits_for_every_method_and_is_redeployed_when_the_api_changes(dev):
    deployment = the(dev, "aws:apigateway/deployment:Deployment")
    children = [
        *dev.of_type(T_METHOD),
        *dev.of_type(T_INTEGRATION),
        *dev.of_type("aws:apigateway/methodResponse:MethodResponse"),
        *dev.of_type("aws:apigateway/integrationResponse:IntegrationResponse"),
        *dev.of_type("aws:apigateway/response:Response"),
        *dev.of_type("aws:apigateway/requestValidator:RequestValidator"),
        *dev.of_type("aws:apigateway/model:Model"),
    ]
    # Methods and integrations (routes and 4 preflights), 4 gateway responses, 2 validators,
    # 3 models; the web app's origin makes two origins, so no MOCK preflight responses.
    assert "web_url" in dev.outputs
    assert len(children) == 2 * len(ROUTES) + 2 * 4 + 4 + 2 + 3
    for child in children:
        assert child.urn in deployment.dependencies
    trigger = deployment.inputs["triggers"]["redeployment"]
    assert (
        trigger
        == the(run("dev"), "aws:apigateway/deployment:Deployment").inputs["triggers"][
            "redeployment"
        ]
    )
    changed = copy.deepcopy(stack_config("dev"))
    changed["hubspoke:api"]["corsOrigins"] = ["https://other.example.com"]
    other = the(run("dev", config=changed), "aws:apigateway/deployment:Deployment")
    assert other.inputs["triggers"]["redeployment"] != trigger
    # A model's schema changes in place (same id): the deployment must follow it too.
    changed = copy.deepcopy(stack_config("dev"))
    changed["hubspoke:api"]["uploadContentTypes"] = ["image/png"]
    other = the(run("dev", config=changed), "aws:apigateway/deployment:Deployment")
    assert other.inputs["triggers"]["redeployment"] != trigger


# ---------------------------------------------------------------------------------------------
# Data: table, bucket, protection


def test_table_has_the_key_schema_on_demand_billing_kms_encryption_and_pitr(stack):
    table = the(stack, T_TABLE)
    inputs = table.inputs
    assert (inputs["hashKey"], inputs["rangeKey"]) == ("PK", "SK")
    assert inputs["billingMode"] == "PAY_PER_REQUEST"
    assert sorted(a["name"] for a in inputs["attributes"]) == ["GSI1PK", "GSI1SK", "PK", "SK"]
    assert all(a["type"] == "S" for a in inputs["attributes"])
    [gsi] = inputs["globalSecondaryIndexes"]
    assert gsi["name"] == GSI_NAME and gsi["projectionType"] == "ALL"
    key = the(stack, "aws:kms/key:Key", "items-key")
    assert inputs["serverSideEncryption"] == {"enabled": True, "kmsKeyArn": key.outputs["arn"]}
    assert key.inputs["enableKeyRotation"] is True
    assert inputs["pointInTimeRecovery"] == {"enabled": True}


STATEFUL = (
    (T_TABLE, "items-table"),
    (T_BUCKET, "items-uploads"),
    ("aws:cognito/userPool:UserPool", "items-users"),
    ("aws:kms/key:Key", "items-key"),
)


def test_stateful_resources_are_protected_and_retained_in_prod(prod):
    for type_, name in STATEFUL:
        resource = the(prod, type_, name)
        assert resource.protect and resource.retain_on_delete, name
    assert the(prod, T_TABLE).inputs["deletionProtectionEnabled"] is True
    assert the(prod, "aws:cognito/userPool:UserPool").inputs["deletionProtection"] == "ACTIVE"
    assert the(prod, T_BUCKET, "items-uploads").inputs["forceDestroy"] is False


def test_stateful_resources_are_disposable_in_dev(dev):
    for type_, name in STATEFUL:
        resource = the(dev, type_, name)
        assert not resource.protect and not resource.retain_on_delete, name
    assert the(dev, T_TABLE).inputs["deletionProtectionEnabled"] is False
    assert the(dev, "aws:cognito/userPool:UserPool").inputs["deletionProtection"] == "INACTIVE"
    unprotected = [r.name for r in api_children(dev) if r.protect or r.retain_on_delete]
    assert unprotected == []


def test_upload_bucket_is_private_owner_enforced_encrypted_and_tls_only(stack):
    bucket = the(stack, T_BUCKET, "items-uploads")

    def config_of(type_: str):
        [match] = [r for r in stack.of_type(type_) if r.inputs["bucket"] == bucket.id]
        return match.inputs

    block = config_of("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(
        block[k] is True
        for k in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        )
    )
    ownership = config_of("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    sse = config_of(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    assert sse["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    [statement] = json.loads(config_of("aws:s3/bucketPolicy:BucketPolicy")["policy"])["Statement"]
    arn = bucket.outputs["arn"]
    assert statement["Effect"] == "Deny" and statement["Principal"] == "*"
    assert statement["Action"] == "s3:*"
    assert sorted(statement["Resource"]) == [arn, f"{arn}/*"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    [rule] = config_of("aws:s3/bucketCorsConfiguration:BucketCorsConfiguration")["corsRules"]
    assert rule["allowedMethods"] == ["POST"]
    assert rule["allowedOrigins"] == allowed_origins(stack)
    rules = config_of("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")["rules"]
    abort = [r for r in rules if "abortIncompleteMultipartUpload" in r]
    assert abort and abort[0]["status"] == "Enabled"


def test_upload_bucket_is_versioned_in_prod_only(dev, prod):
    [versioning] = prod.of_type("aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
    assert dev.of_type("aws:s3/bucketVersioning:BucketVersioning") == []


# ---------------------------------------------------------------------------------------------
# Alarms and outputs


def test_errors_throttles_and_5xx_alarm_to_an_encrypted_topic_with_the_configured_emails(prod):
    topic = the(prod, "aws:sns/topic:Topic")
    assert (
        topic.inputs["kmsMasterKeyId"] == the(prod, "aws:kms/key:Key", "items-key").outputs["arn"]
    )
    key_policy = json.loads(the(prod, "aws:kms/key:Key", "items-key").inputs["policy"])
    assert any(
        s["Principal"] == {"Service": "cloudwatch.amazonaws.com"} for s in key_policy["Statement"]
    )
    emails = [
        s.inputs["endpoint"]
        for s in prod.of_type("aws:sns/topicSubscription:TopicSubscription")
        if s.inputs["topic"] == topic.outputs["arn"] and s.inputs["protocol"] == "email"
    ]
    assert sorted(emails) == sorted(api_config(prod)["alarmEmails"])
    alarms = {
        a.inputs["metricName"]: a.inputs
        for a in prod.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    assert set(alarms) == {"Errors", "Throttles", "5XXError"}
    function_name = the(prod, T_FUNCTION).inputs["name"]
    assert alarms["Errors"]["dimensions"] == {"FunctionName": function_name}
    assert alarms["Throttles"]["dimensions"] == {"FunctionName": function_name}
    assert alarms["5XXError"]["dimensions"] == {
        "ApiName": the(prod, "aws:apigateway/restApi:RestApi").inputs["name"],
        "Stage": "prod",
    }
    for alarm in alarms.values():
        assert alarm["alarmActions"] == [topic.outputs["arn"]]


def test_alarms_use_an_existing_topic_when_configured():
    config = copy.deepcopy(stack_config("dev"))
    arn = "arn:aws:sns:eu-west-1:111122223333:oncall"
    config["hubspoke:api"]["alarmTopicArn"] = arn
    result = run("dev", config=config)
    assert result.of_type("aws:sns/topic:Topic") == []
    alarms = result.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert len(alarms) == 3 and all(a.inputs["alarmActions"] == [arn] for a in alarms)


def test_stack_exports_the_api_url_user_pool_client_table_and_bucket(stack):
    outputs = stack.outputs
    stage = the(stack, "aws:apigateway/stage:Stage")
    assert outputs["api_url"] == stage.outputs["invokeUrl"]
    assert outputs["api_url"].startswith("https://") and outputs["api_url"].endswith(
        f"/{stage.inputs['stageName']}"
    )
    assert outputs["user_pool_id"] == the(stack, "aws:cognito/userPool:UserPool").id
    assert (
        outputs["user_pool_client_id"] == the(stack, "aws:cognito/userPoolClient:UserPoolClient").id
    )
    assert outputs["items_table_name"] == the(stack, T_TABLE).outputs["name"]
    assert outputs["uploads_bucket_name"] == the(stack, T_BUCKET, "items-uploads").id


# ---------------------------------------------------------------------------------------------
# Preview


@pytest.mark.parametrize("stack_name", STACKS)
def test_preview_registers_the_same_api_resources_without_known_ids(stack_name, run_stack_file):
    preview = run_stack_file(stack_name, preview=True)
    update = run_stack_file(stack_name)
    api = the(update, T_API)
    names = {(r.type, r.name) for r in update.children_of(api)}
    preview_api = the(preview, T_API)
    assert {(r.type, r.name) for r in preview.children_of(preview_api)} == names
    # The API's ids are known only after apply.
    assert preview.outputs["api_url"] is UNKNOWN and preview.outputs["user_pool_id"] is UNKNOWN


def test_cursor_secret_is_generated_once_and_then_kept(stack):
    # The value is random on every program run; only `ignore_changes` makes the engine keep the
    # stored one, so a second `up` neither changes the secret nor invalidates cursors.
    parameter = the(stack, "aws:ssm/parameter:Parameter", "items-cursor-secret")
    assert parameter.ignore_changes == ["value"]
    ignoring = [r.name for r in api_children(stack) if r.ignore_changes]
    assert ignoring == ["items-cursor-secret"]
