"""Phase B mappings for ItemsApi: a small program with the same resource types (KMS, DynamoDB,
S3, IAM, Lambda from an AssetArchive, Cognito, REST API, alarms, secrets, parameters), deployed
into the emulator, and the AWS rules the emulator layer adds on top of moto."""

from __future__ import annotations

import io
import zipfile

import pulumi
import pytest

from offline.emulator import EmulatorRejected
from offline.emulator.compute import zip_bytes

APP = """
def trust(service):
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})

vpc = aws.ec2.Vpc("app", cidr_block="10.1.0.0/16", opts=on(spoke))
subnet = aws.ec2.Subnet("app-0", vpc_id=vpc.id, cidr_block="10.1.0.0/20",
                        availability_zone="eu-west-1a", opts=on(spoke))
sg = aws.ec2.SecurityGroup("fn", vpc_id=vpc.id, description="function", opts=on(spoke))
key = aws.kms.Key("data", description="items", enable_key_rotation=True,
                  deletion_window_in_days=30, opts=on(spoke))
aws.kms.Alias("data", name="alias/hubspoke-items", target_key_id=key.key_id, opts=on(spoke))
table = aws.dynamodb.Table("items", billing_mode="PAY_PER_REQUEST", hash_key="PK", range_key="SK",
    attributes=[{"name": "PK", "type": "S"}, {"name": "SK", "type": "S"},
                {"name": "GSI1PK", "type": "S"}],
    global_secondary_indexes=[{"name": "GSI1", "hash_key": "GSI1PK", "range_key": "SK",
                               "projection_type": "ALL"}],
    point_in_time_recovery={"enabled": True},
    server_side_encryption={"enabled": True, "kms_key_arn": key.arn},
    deletion_protection_enabled=True, opts=on(spoke))
bucket = aws.s3.Bucket("uploads", opts=on(spoke))
aws.s3.BucketPublicAccessBlock("uploads", bucket=bucket.id, block_public_acls=True,
    block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
    opts=on(spoke))
aws.s3.BucketOwnershipControls("uploads", bucket=bucket.id,
    rule={"object_ownership": "BucketOwnerEnforced"}, opts=on(spoke))
aws.s3.BucketServerSideEncryptionConfiguration("uploads", bucket=bucket.id,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
            "kms_master_key_id": key.arn}, "bucket_key_enabled": True}], opts=on(spoke))
aws.s3.BucketPolicy("uploads", bucket=bucket.id, policy=bucket.arn.apply(lambda arn: json.dumps({
    "Version": "2012-10-17", "Statement": [{"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*",
    "Action": "s3:*", "Resource": [arn, f"{arn}/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})), opts=on(spoke))
aws.s3.BucketCorsConfiguration("uploads", bucket=bucket.id, cors_rules=[{
    "allowed_methods": ["POST"], "allowed_origins": ["http://localhost:5173"],
    "allowed_headers": ["*"], "max_age_seconds": 300}], opts=on(spoke))
aws.s3.BucketLifecycleConfiguration("uploads", bucket=bucket.id, rules=[{"id": "expire",
    "status": "Enabled", "filter": {"prefix": "uploads/"}, "expiration": {"days": 30},
    "abort_incomplete_multipart_upload": {"days_after_initiation": 1}}], opts=on(spoke))
aws.s3.BucketVersioning("uploads", bucket=bucket.id,
    versioning_configuration={"status": "Enabled"}, opts=on(spoke))

role = aws.iam.Role("fn", assume_role_policy=trust("lambda.amazonaws.com"), opts=on(spoke))
policy = aws.iam.Policy("fn-table", policy=table.arn.apply(lambda arn: json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": [arn, f"{arn}/index/*"]}]})),
    opts=on(spoke))
attached = aws.iam.RolePolicyAttachment("fn-table", role=role.name, policy_arn=policy.arn,
                                        opts=on(spoke))
logs = aws.cloudwatch.LogGroup("fn", name="/hubspoke/test/items", retention_in_days=14,
                               opts=on(spoke))
layer = aws.ssm.get_parameter_output(
    name="/aws/service/powertools/python/x86_64/python3.12/latest",
    opts=pulumi.InvokeOutputOptions(provider=spoke))
fn = aws.lambda_.Function("items", role=role.arn, runtime="python3.12", handler="app.handler",
    code=pulumi.AssetArchive({
        "app.py": pulumi.StringAsset("def handler(e, c):\\n    return {}\\n"),
        "lib": pulumi.AssetArchive({"x.py": pulumi.StringAsset("X = 1\\n")})}),
    memory_size=512, timeout=10, layers=[layer.value],
    environment={"variables": {"TABLE_NAME": table.name}},
    vpc_config={"subnet_ids": [subnet.id], "security_group_ids": [sg.id]},
    logging_config={"log_format": "JSON", "log_group": logs.name},
    reserved_concurrent_executions=5, tracing_config={"mode": "Active"},
    opts=on(spoke, depends_on=[attached]))

pool = aws.cognito.UserPool("users", name="hubspoke-test", auto_verified_attributes=["email"],
    username_attributes=["email"], password_policy={"minimum_length": 12,
    "require_lowercase": True, "require_numbers": True, "require_symbols": False,
    "require_uppercase": True}, deletion_protection="ACTIVE", opts=on(spoke))
client = aws.cognito.UserPoolClient("web", user_pool_id=pool.id,
    explicit_auth_flows=["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                         "ALLOW_REFRESH_TOKEN_AUTH"],
    prevent_user_existence_errors="ENABLED", generate_secret=False, opts=on(spoke))

api = aws.apigateway.RestApi("items", endpoint_configuration={"types": "REGIONAL"},
                             opts=on(spoke))
items = aws.apigateway.Resource("items", rest_api=api.id, parent_id=api.root_resource_id,
                                path_part="items", opts=on(spoke))
auth = aws.apigateway.Authorizer("cognito", rest_api=api.id, type="COGNITO_USER_POOLS",
    provider_arns=[pool.arn], identity_source="method.request.header.Authorization",
    opts=on(spoke))
get = aws.apigateway.Method("items-get", rest_api=api.id, resource_id=items.id,
    http_method="GET", authorization="COGNITO_USER_POOLS", authorizer_id=auth.id, opts=on(spoke))
get_integration = aws.apigateway.Integration("items-get", rest_api=api.id, resource_id=items.id,
    http_method=get.http_method, type="AWS_PROXY", integration_http_method="POST",
    uri=fn.invoke_arn, opts=on(spoke))
options = aws.apigateway.Method("items-options", rest_api=api.id, resource_id=items.id,
    http_method="OPTIONS", authorization="NONE", opts=on(spoke))
options_integration = aws.apigateway.Integration("items-options", rest_api=api.id,
    resource_id=items.id, http_method=options.http_method, type="MOCK",
    request_templates={"application/json": '{"statusCode": 200}'}, opts=on(spoke))
for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
    aws.apigateway.Response(kind, rest_api_id=api.id, response_type=kind,
        response_parameters={
            "gatewayresponse.header.Access-Control-Allow-Origin": "'http://localhost:5173'"},
        opts=on(spoke))
aws.lambda_.Permission("items-api", function=fn.name, action="lambda:InvokeFunction",
    principal="apigateway.amazonaws.com",
    source_arn=api.execution_arn.apply(lambda arn: f"{arn}/*/*"), opts=on(spoke))
cw_role = aws.iam.Role("apigw-logs", assume_role_policy=trust("apigateway.amazonaws.com"),
                       opts=on(spoke))
account = aws.apigateway.Account("account", cloudwatch_role_arn=cw_role.arn, opts=on(spoke))
access_logs = aws.cloudwatch.LogGroup("access", name="/hubspoke/test/api", retention_in_days=14,
                                      opts=on(spoke))
deployment = aws.apigateway.Deployment("items", rest_api=api.id,
    opts=on(spoke, depends_on=[get_integration, options_integration]))
stage = aws.apigateway.Stage("v1", rest_api=api.id, deployment=deployment.id, stage_name="v1",
    xray_tracing_enabled=True, access_log_settings={"destination_arn": access_logs.arn,
    "format": '{"requestId":"$context.requestId"}'}, opts=on(spoke, depends_on=[account]))
aws.apigateway.MethodSettings("all", rest_api=api.id, stage_name=stage.stage_name,
    method_path="*/*", settings={"metrics_enabled": True, "logging_level": "ERROR",
    "throttling_rate_limit": 10, "throttling_burst_limit": 20}, opts=on(spoke))

topic = aws.sns.Topic("alarms", kms_master_key_id="alias/aws/sns", opts=on(spoke))
aws.sns.TopicSubscription("oncall", topic=topic.arn, protocol="email",
                          endpoint="oncall@example.com", opts=on(spoke))
aws.cloudwatch.MetricAlarm("errors", comparison_operator="GreaterThanThreshold",
    evaluation_periods=1, metric_name="Errors", namespace="AWS/Lambda", period=300,
    statistic="Sum", threshold=0, dimensions={"FunctionName": fn.name},
    alarm_actions=[topic.arn], treat_missing_data="notBreaching", opts=on(spoke))
secret = aws.secretsmanager.Secret("cursor-key", opts=on(spoke))
aws.secretsmanager.SecretVersion("cursor-key", secret_id=secret.id, secret_string="s3cr3t",
                                 opts=on(spoke))
aws.ssm.Parameter("table-name", name="/hubspoke/test/table", type="String", value=table.name,
                  opts=on(spoke))
pulumi.export("invoke_url", stage.invoke_url)
"""


def test_the_items_api_resource_types_deploy_into_the_emulator(run_program, emulator):
    result = run_program(APP)
    spoke = emulator.context_for_account("444455556666", "eu-west-1")
    table = result.named("aws:dynamodb/table:Table", "items")
    described = spoke.client("dynamodb").describe_table(TableName=table.id)["Table"]
    assert [i["IndexName"] for i in described["GlobalSecondaryIndexes"]] == ["GSI1"]
    backups = spoke.client("dynamodb").describe_continuous_backups(TableName=table.id)
    pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"

    fn = result.named("aws:lambda/function:Function", "items")
    code = spoke.client("lambda").get_function(FunctionName=fn.id)
    assert code["Configuration"]["VpcConfig"]["SubnetIds"] == [
        result.named("aws:ec2/subnet:Subnet", "app-0").id
    ]
    assert fn.outputs["layers"][0].startswith("arn:aws:lambda:eu-west-1:017000801446:layer:")
    assert fn.outputs["invokeArn"].endswith(f"{fn.outputs['arn']}/invocations")

    api = result.named("aws:apigateway/restApi:RestApi", "items")
    apigw = spoke.client("apigateway")
    resources = {r["path"]: r for r in apigw.get_resources(restApiId=api.id)["items"]}
    assert sorted(resources["/items"]["resourceMethods"]) == ["GET", "OPTIONS"]
    responses = apigw.get_gateway_responses(restApiId=api.id)["items"]
    assert {"DEFAULT_4XX", "DEFAULT_5XX"} <= {r["responseType"] for r in responses}
    stage = apigw.get_stage(restApiId=api.id, stageName="v1")
    assert stage["accessLogSettings"]["destinationArn"].endswith(":log-group:/hubspoke/test/api")
    assert stage["methodSettings"]["*/*"]["throttlingBurstLimit"] == 20
    assert result.outputs["invoke_url"] == (
        f"https://{api.id}.execute-api.eu-west-1.amazonaws.com/v1"
    )
    pool = result.named("aws:cognito/userPool:UserPool", "users")
    assert spoke.client("cognito-idp").describe_user_pool(UserPoolId=pool.id)
    bucket = result.named("aws:s3/bucket:Bucket", "uploads")
    encryption = spoke.client("s3").get_bucket_encryption(Bucket=bucket.id)
    rule = encryption["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert {c.account_id for c in emulator.created} == {"444455556666"}


def test_lambda_code_is_the_zip_of_the_programs_asset_archive(run_program, emulator):
    result = run_program(APP)
    fn = result.named("aws:lambda/function:Function", "items")
    spoke = emulator.context_for_account("444455556666", "eu-west-1")
    configuration = spoke.client("lambda").get_function(FunctionName=fn.id)["Configuration"]
    # moto hashes the zip it received: the same bytes as the archive zipped here.
    assert configuration["CodeSha256"] == fn.outputs["sourceCodeHash"]
    archive = pulumi.AssetArchive(
        {
            "app.py": pulumi.StringAsset("def handler(e, c):\n    return {}\n"),
            "lib": pulumi.AssetArchive({"x.py": pulumi.StringAsset("X = 1\n")}),
        }
    )
    names = zipfile.ZipFile(io.BytesIO(zip_bytes(archive))).namelist()
    assert sorted(names) == ["app.py", "lib/x.py"]


def test_a_stage_with_access_logs_before_the_account_cloudwatch_role_is_rejected(run_program):
    program = APP.replace("opts=on(spoke, depends_on=[account]))", "opts=on(spoke))").replace(
        'account = aws.apigateway.Account("account", cloudwatch_role_arn=cw_role.arn, '
        "opts=on(spoke))",
        "",
    )
    with pytest.raises(EmulatorRejected, match=r"'v1'.*CloudWatch Logs role ARN"):
        run_program(program)


def test_a_lambda_integration_with_a_get_integration_method_is_rejected(run_program):
    program = APP.replace(
        'type="AWS_PROXY", integration_http_method="POST"',
        'type="AWS_PROXY", integration_http_method="GET"',
    )
    with pytest.raises(EmulatorRejected, match=r"'items-get'.*integrationHttpMethod POST"):
        run_program(program)


def test_a_table_attribute_that_is_not_a_key_is_rejected(run_program):
    program = APP.replace(
        '{"name": "GSI1PK", "type": "S"}]',
        '{"name": "GSI1PK", "type": "S"}, {"name": "title", "type": "S"}]',
    )
    with pytest.raises(EmulatorRejected, match=r"'items'.*title"):
        run_program(program)


def test_an_alarm_action_on_a_missing_topic_is_rejected(run_program):
    program = APP.replace(
        "alarm_actions=[topic.arn]",
        'alarm_actions=["arn:aws:sns:eu-west-1:444455556666:nope"]',
    )
    with pytest.raises(EmulatorRejected, match=r"'errors'.*no such SNS topic"):
        run_program(program)


def test_an_integration_response_before_its_method_response_is_rejected(run_program):
    with pytest.raises(EmulatorRejected, match=r"'cors-200'.*no MethodResponse 200"):
        run_program(
            """
api = aws.apigateway.RestApi("api", opts=on(spoke))
options = aws.apigateway.Method("cors", rest_api=api.id, resource_id=api.root_resource_id,
    http_method="OPTIONS", authorization="NONE", opts=on(spoke))
mock = aws.apigateway.Integration("cors", rest_api=api.id, resource_id=api.root_resource_id,
    http_method="OPTIONS", type="MOCK", opts=on(spoke, depends_on=[options]))
aws.apigateway.IntegrationResponse("cors-200", rest_api=api.id,
    resource_id=api.root_resource_id, http_method="OPTIONS", status_code="200",
    opts=on(spoke, depends_on=[mock]))
"""
        )
