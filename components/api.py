"""ItemsApi: the items REST API in one spoke — DynamoDB, a VPC-attached Lambda, API Gateway with
Cognito and CORS, an S3 bucket for presigned uploads, and alarms.

Reads in the order AWS builds it: key -> table -> bucket -> network -> role -> function -> user pool
-> REST API -> stage -> alarms. Every child uses the spoke account's provider. The function reaches
DynamoDB and S3 through the spoke's gateway endpoints only: no NAT, no interface endpoints, so an
idle stack costs (almost) nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.config import PROJECT, ApiConfig
from components.naming import log_group_name, resource_tags
from components.vpc import Vpc

COMPONENT = "api"
FUNCTION_CODE = Path(__file__).resolve().parent.parent / "functions" / "items"
HANDLER = "app.lambda_handler"
# The zip holds the function's modules only (functions/items/README.md: "zip its *.py files");
# tests never run in Lambda.
CODE_EXCLUDED_DIRS = frozenset({"tests", "__pycache__", ".pytest_cache"})

# The table's key schema, shared with functions/items (repository.py).
TABLE_HASH_KEY, TABLE_RANGE_KEY = "PK", "SK"
GSI_NAME, GSI_HASH_KEY, GSI_RANGE_KEY = "GSI1", "GSI1PK", "GSI1SK"
# Exactly what the function calls, nothing more (no Scan, no batch or transact calls).
TABLE_ACTIONS = (
    "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
    "dynamodb:UpdateItem",
)  # fmt: skip
INDEX_ACTIONS = ("dynamodb:Query",)  # only Query and Scan apply to an index
UPLOAD_PREFIX = "uploads/"  # the function adds `<cognito sub>/` below it

# Lambda's managed policy for VPC access: the ENI actions (and log writes). AWS documents these
# actions without resource-level permissions, hence its `*` resources.
VPC_ACCESS_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
# API Gateway's managed policy for writing logs; the role is account-wide (one per region).
APIGW_LOGS_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
# X-Ray has no resource-level permissions: these two actions need Resource "*" (AWS X-Ray
# developer guide, "Identity-based policy examples"; the AWSXRayDaemonWriteAccess policy).
XRAY_ACTIONS = ("xray:PutTelemetryRecords", "xray:PutTraceSegments")

# Request headers a browser may send; keep in step with the function's CORSConfig.
CORS_ALLOW_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "If-Match")
CORS_MAX_AGE_SECONDS = 600


@dataclass(frozen=True)
class Route:
    """One route of functions/items; `public` routes have no authorizer."""

    method: str
    path: str
    public: bool = False


ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", public=True),
    Route("POST", "/items"),
    Route("GET", "/items"),
    Route("GET", "/items/{id}"),
    Route("PUT", "/items/{id}"),
    Route("PATCH", "/items/{id}"),
    Route("DELETE", "/items/{id}"),
    Route("POST", "/items/{id}/upload-url"),
)


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


def code_assets(root: Path) -> dict[str, pulumi.Asset]:
    """The function's modules for its zip, relative to `root`, without tests."""
    assets: dict[str, pulumi.Asset] = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if path.is_file() and not CODE_EXCLUDED_DIRS.intersection(relative.parts[:-1]):
            assets[relative.as_posix()] = pulumi.FileAsset(str(path))
    return assets


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


@dataclass(frozen=True)
class ItemsApiArgs:
    """Everything the API is built from; the config part comes from `hubspoke:api`."""

    config: ApiConfig
    spoke: Vpc
    provider: aws.Provider
    environment: str
    account_id: str
    log_retention_days: int
    is_prod: bool
    code_path: Path = FUNCTION_CODE


class ItemsApi(pulumi.ComponentResource):
    """The items API in a spoke: stateful parts protected in prod, every child on the spoke's
    provider, nothing reachable from the internet except the API Gateway stage."""

    api_url: pulumi.Output[str]
    user_pool_id: pulumi.Output[str]
    user_pool_client_id: pulumi.Output[str]
    table_name: pulumi.Output[str]
    bucket_name: pulumi.Output[str]

    def __init__(self, name: str, args: ItemsApiArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("hubspoke:app:ItemsApi", name, None, opts)
        self.args = args
        self._name = name
        self._child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        # Stateful resources: in prod Pulumi refuses to delete them and leaves them in AWS if the
        # stack drops them; dev stays disposable.
        self._stateful = pulumi.ResourceOptions(
            parent=self,
            provider=args.provider,
            protect=args.is_prod,
            retain_on_delete=args.is_prod,
        )
        physical = f"{PROJECT}-{args.environment}-{name}"

        self.key = self._key()
        self.table = self._table()
        self.bucket = self._bucket()
        self.cursor_secret = self._cursor_secret()
        self.security_group = self._security_group()
        self.role = self._role()
        self.function_log_group = aws.cloudwatch.LogGroup(
            f"{name}-function",
            # The name Lambda writes to, created first so it has retention (Lambda would create
            # it on first invocation with none).
            name=f"/aws/lambda/{physical}",
            retention_in_days=args.log_retention_days,
            tags=self._tags("-function"),
            opts=self._child,
        )
        self.function = self._function(physical)
        self.user_pool, self.user_pool_client = self._cognito(physical)
        self.rest_api = aws.apigateway.RestApi(
            f"{name}-api",
            name=physical,
            description="hubspoke items API",
            endpoint_configuration={"types": "REGIONAL"},
            tags=self._tags("-api"),
            opts=self._child,
        )
        self.authorizer = aws.apigateway.Authorizer(
            f"{name}-cognito",
            name="cognito",
            rest_api=self.rest_api.id,
            type="COGNITO_USER_POOLS",
            provider_arns=[self.user_pool.arn],
            identity_source="method.request.header.Authorization",
            opts=self._child,
        )
        # Preflight method and integration responses, which a deployment must also wait for.
        self.preflight_responses: list[pulumi.Resource] = []
        self.methods, self.integrations = self._routes()
        self.gateway_responses = self._gateway_responses()
        aws.lambda_.Permission(
            f"{name}-apigw-invoke",
            action="lambda:InvokeFunction",
            function=self.function.name,
            principal="apigateway.amazonaws.com",
            # This API only (any stage, method and path of it), never another API in the account.
            source_arn=self.rest_api.execution_arn.apply(lambda arn: f"{arn}/*/*"),
            source_account=args.account_id,
            opts=self._child,
        )
        self.stage = self._stage()
        self.alarm_topic_arn = self._alarm_topic()
        self.alarms = self._alarms()

        self.api_url = self.stage.invoke_url
        self.user_pool_id = self.user_pool.id
        self.user_pool_client_id = self.user_pool_client.id
        self.table_name = self.table.name
        self.bucket_name = self.bucket.id
        self.register_outputs(
            {
                "api_url": self.api_url,
                "user_pool_id": self.user_pool_id,
                "user_pool_client_id": self.user_pool_client_id,
                "table_name": self.table_name,
                "bucket_name": self.bucket_name,
            }
        )

    # -----------------------------------------------------------------------------------------
    # Data: key, table, bucket, cursor secret

    def _tags(self, suffix: str = "") -> dict[str, str]:
        return dict(resource_tags(COMPONENT, self._name + suffix, self.args.environment))

    def _key(self) -> aws.kms.Key:
        """One customer key for the table, the function's environment and the alarm topic."""
        args = self.args
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    # Without it the key is unmanageable; IAM policies then decide who uses it.
                    "Sid": "AccountAdministers",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{args.account_id}:root"},
                    "Action": "kms:*",
                    "Resource": "*",  # in a key policy, "*" means this key
                },
                {
                    # Alarms publish to the KMS-encrypted topic (Amazon SNS developer guide,
                    # "Encryption at rest": CloudWatch needs these two actions on the key).
                    "Sid": "CloudWatchAlarmsPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": args.account_id}},
                },
            ],
        }
        key = aws.kms.Key(
            f"{self._name}-key",
            description=f"{PROJECT} {args.environment} items API data",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(policy),
            tags=self._tags("-key"),
            opts=self._stateful,  # deleting the key makes the table unreadable
        )
        aws.kms.Alias(
            f"{self._name}-key",
            name=f"alias/{PROJECT}-{args.environment}-{self._name}",
            target_key_id=key.key_id,
            opts=self._child,
        )
        return key

    def _table(self) -> aws.dynamodb.Table:
        return aws.dynamodb.Table(
            f"{self._name}-table",
            billing_mode="PAY_PER_REQUEST",  # on demand: nothing to pay while idle
            hash_key=TABLE_HASH_KEY,
            range_key=TABLE_RANGE_KEY,
            attributes=[
                {"name": attr, "type": "S"}
                for attr in (TABLE_HASH_KEY, TABLE_RANGE_KEY, GSI_HASH_KEY, GSI_RANGE_KEY)
            ],
            global_secondary_indexes=[
                {
                    "name": GSI_NAME,
                    "key_schemas": [
                        {"attribute_name": GSI_HASH_KEY, "key_type": "HASH"},
                        {"attribute_name": GSI_RANGE_KEY, "key_type": "RANGE"},
                    ],
                    "projection_type": "ALL",
                }
            ],
            # The function's role needs no KMS permission for this: DynamoDB uses the key through
            # grants it creates with the table (DynamoDB developer guide, "How DynamoDB uses KMS").
            server_side_encryption={"enabled": True, "kms_key_arn": self.key.arn},
            point_in_time_recovery={"enabled": True},
            deletion_protection_enabled=self.args.is_prod,
            tags=self._tags("-table"),
            opts=self._stateful,
        )

    def _bucket(self) -> aws.s3.Bucket:
        """Private, TLS-only, encrypted upload bucket; browsers POST to it with presigned forms."""
        name, args = self._name, self.args
        bucket = aws.s3.Bucket(
            f"{name}-uploads",
            force_destroy=not args.is_prod,  # dev: `pulumi destroy` empties it; prod: never
            tags=self._tags("-uploads"),
            opts=self._stateful,
        )
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-uploads",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=self._child,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-uploads",
            bucket=bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},  # ACLs off
            opts=self._child,
        )
        # SSE-S3, not SSE-KMS: a presigned POST acts as the function's role, so SSE-KMS would
        # need kms:GenerateDataKey for that role and bill a KMS request per upload, for the same
        # AES-256 at rest; who may read the objects is decided by IAM and the policy below.
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-uploads",
            bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            opts=self._child,
        )
        aws.s3.BucketPolicy(
            f"{name}-uploads",
            bucket=bucket.id,
            policy=bucket.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "DenyInsecureTransport",
                                "Effect": "Deny",
                                "Principal": "*",
                                "Action": "s3:*",
                                "Resource": [arn, f"{arn}/*"],
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        ],
                    }
                )
            ),
            # S3 rejects a policy change while the public access block is being changed.
            opts=pulumi.ResourceOptions.merge(
                self._child, pulumi.ResourceOptions(depends_on=[public_access])
            ),
        )
        aws.s3.BucketCorsConfiguration(
            f"{name}-uploads",
            bucket=bucket.id,
            cors_rules=[
                {
                    "allowed_methods": ["POST"],
                    "allowed_origins": list(args.config.cors_origins),
                    "allowed_headers": ["Content-Type"],
                    "expose_headers": ["ETag", "Location"],
                    "max_age_seconds": CORS_MAX_AGE_SECONDS,
                }
            ],
            opts=self._child,
        )
        rules: list[dict] = [
            {
                "id": "abort-incomplete-multipart-uploads",
                "status": "Enabled",
                "filter": {},  # the whole bucket
                "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
            }
        ]
        if args.is_prod:
            versioning = aws.s3.BucketVersioning(
                f"{name}-uploads",
                bucket=bucket.id,
                versioning_configuration={"status": "Enabled"},
                opts=self._child,
            )
            # Versions overwritten or deleted are kept for recovery, not forever.
            rules.append(
                {
                    "id": "expire-noncurrent-versions",
                    "status": "Enabled",
                    "filter": {},
                    "noncurrent_version_expiration": {"noncurrent_days": 30},
                }
            )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-uploads",
            bucket=bucket.id,
            rules=rules,
            opts=pulumi.ResourceOptions.merge(
                self._child,
                pulumi.ResourceOptions(depends_on=[versioning] if args.is_prod else []),
            ),
        )
        return bucket

    def _cursor_secret(self) -> aws.ssm.Parameter:
        """The HMAC key that signs pagination cursors, generated once and kept in SSM.

        Secrets Manager's GetRandomPassword (a call, no secret resource) draws a new value on every
        run; `ignore_changes` makes the engine keep the value stored on the first `up`, so later
        runs show no diff and cursors stay valid. The function gets it through its environment
        (encrypted with the component's key), so it needs no SSM call and no interface endpoint
        at run time. Rotate: put a new value in the parameter, then `pulumi refresh` and
        `pulumi up`.
        """
        fresh = aws.secretsmanager.get_random_password_output(
            password_length=64,
            exclude_punctuation=True,  # safe in an environment variable, still ~380 bits
            opts=pulumi.InvokeOutputOptions(parent=self, provider=self.args.provider),
        ).random_password
        return aws.ssm.Parameter(
            f"{self._name}-cursor-secret",
            name=f"/{PROJECT}/{self.args.environment}/{self._name}/cursor-secret",
            type="SecureString",
            key_id=self.key.arn,
            value=pulumi.Output.secret(fresh),
            description="HMAC key for the items API pagination cursors",
            tags=self._tags("-cursor-secret"),
            opts=pulumi.ResourceOptions.merge(
                self._child, pulumi.ResourceOptions(ignore_changes=["value"])
            ),
        )

    # -----------------------------------------------------------------------------------------
    # Compute: security group, role, function

    def _security_group(self) -> aws.ec2.SecurityGroup:
        """No ingress (API Gateway invokes Lambda through its API, not the ENI); egress only to
        DynamoDB and S3 on 443, through the spoke's gateway endpoints."""
        name, spoke = self._name, self.args.spoke
        group = aws.ec2.SecurityGroup(
            f"{name}-function",
            vpc_id=spoke.vpc_id,
            description="items function: HTTPS to DynamoDB and S3 gateway endpoints only",
            # The provider removes the allow-all egress rule AWS adds to a new group.
            tags=self._tags("-function"),
            opts=self._child,
        )
        for service in ("dynamodb", "s3"):
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-function-{service}",
                security_group_id=group.id,
                description=f"HTTPS to {service} through the gateway endpoint",
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                prefix_list_id=spoke.gateway_endpoints[service].prefix_list_id,
                tags=self._tags(f"-function-{service}"),
                opts=self._child,
            )
        # CloudWatch Logs and X-Ray need no rule (and no NAT or interface endpoint): the Lambda
        # service ships the function's stdout, and the X-Ray daemon Lambda starts posts the
        # segments, outside this ENI (aws/aws-xray-daemon#26: a VPC function without internet
        # access still delivers traces). Not verifiable offline; see docs/api.md.
        return group

    def _role(self) -> aws.iam.Role:
        name = self._name
        role = aws.iam.Role(
            f"{name}-function",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            tags=self._tags("-function"),
            opts=self._child,
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-function-vpc-access",
            role=role.name,
            policy_arn=VPC_ACCESS_POLICY_ARN,
            opts=self._child,
        )
        self.role_policy = aws.iam.RolePolicy(
            f"{name}-function",
            role=role.id,
            policy=pulumi.Output.all(self.table.arn, self.bucket.arn).apply(
                lambda arns: json.dumps(function_policy(arns[0], arns[1]))
            ),
            opts=self._child,
        )
        return role

    def _function(self, physical: str) -> aws.lambda_.Function:
        args, cfg = self.args, self.args.config
        # Resolved at deploy time from AWS's public parameter, not pinned (design pitfall 7).
        layer_arn = aws.ssm.get_parameter_output(
            name=f"/aws/service/powertools/python/arm64/{cfg.runtime}/latest",
            opts=pulumi.InvokeOutputOptions(parent=self, provider=args.provider),
        ).value
        return aws.lambda_.Function(
            f"{self._name}-function",
            name=physical,
            description="hubspoke items API",
            runtime=cfg.runtime,
            architectures=["arm64"],
            handler=HANDLER,
            code=pulumi.AssetArchive(code_assets(args.code_path)),
            layers=[layer_arn],
            role=self.role.arn,
            memory_size=cfg.memory_mb,
            timeout=cfg.timeout_seconds,
            reserved_concurrent_executions=(
                cfg.reserved_concurrency if cfg.reserved_concurrency is not None else -1
            ),
            vpc_config={
                "subnet_ids": args.spoke.private_subnet_ids,
                "security_group_ids": [self.security_group.id],
            },
            tracing_config={"mode": "Active"},
            kms_key_arn=self.key.arn,
            environment={
                "variables": {
                    "TABLE_NAME": self.table.name,
                    "BUCKET_NAME": self.bucket.id,
                    "CORS_ORIGINS": ",".join(cfg.cors_origins),
                    "CURSOR_SECRET": self.cursor_secret.value,
                    "UPLOAD_MAX_BYTES": str(cfg.upload_max_bytes),
                    "UPLOAD_CONTENT_TYPES": ",".join(cfg.upload_content_types),
                    "POWERTOOLS_SERVICE_NAME": self._name,
                    "POWERTOOLS_LOG_LEVEL": "INFO" if args.is_prod else "DEBUG",
                }
            },
            tags=self._tags("-function"),
            opts=pulumi.ResourceOptions.merge(
                self._child,
                # Log group first (retention); the role's permissions before the first cold start.
                pulumi.ResourceOptions(depends_on=[self.function_log_group, self.role_policy]),
            ),
        )

    # -----------------------------------------------------------------------------------------
    # Identity: Cognito

    def _cognito(self, physical: str) -> tuple[aws.cognito.UserPool, aws.cognito.UserPoolClient]:
        pool = aws.cognito.UserPool(
            f"{self._name}-users",
            name=physical,
            username_attributes=["email"],  # sign in with the email address
            auto_verified_attributes=["email"],
            password_policy={
                "minimum_length": 12,
                "require_lowercase": True,
                "require_uppercase": True,
                "require_numbers": True,
                "require_symbols": True,
                "temporary_password_validity_days": 3,
            },
            account_recovery_setting={
                "recovery_mechanisms": [{"name": "verified_email", "priority": 1}]
            },
            deletion_protection="ACTIVE" if self.args.is_prod else "INACTIVE",
            tags=self._tags("-users"),
            opts=self._stateful,
        )
        client = aws.cognito.UserPoolClient(
            f"{self._name}-web",
            name=f"{physical}-web",
            user_pool_id=pool.id,
            generate_secret=False,  # a browser app cannot keep a secret
            explicit_auth_flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            prevent_user_existence_errors="ENABLED",
            enable_token_revocation=True,
            access_token_validity=60,
            id_token_validity=60,
            refresh_token_validity=30,
            token_validity_units={
                "access_token": "minutes",
                "id_token": "minutes",
                "refresh_token": "days",
            },
            opts=self._child,
        )
        return pool, client

    # -----------------------------------------------------------------------------------------
    # REST API: resources, methods, CORS, gateway responses

    def _routes(self) -> tuple[list[aws.apigateway.Method], list[aws.apigateway.Integration]]:
        """A resource per path, a proxy method per route, and an OPTIONS preflight per resource."""
        name, api = self._name, self.rest_api
        resources: dict[str, aws.apigateway.Resource] = {}
        for path in route_paths():
            parent_path, _, part = path.rpartition("/")
            resources[path] = aws.apigateway.Resource(
                f"{name}-{slug(path)}",
                rest_api=api.id,
                parent_id=resources[parent_path].id if parent_path else api.root_resource_id,
                path_part=part,
                opts=self._child,
            )
        methods: list[aws.apigateway.Method] = []
        integrations: list[aws.apigateway.Integration] = []
        for route in ROUTES:
            logical = f"{name}-{route.method.lower()}-{slug(route.path)}"
            method = aws.apigateway.Method(
                logical,
                rest_api=api.id,
                resource_id=resources[route.path].id,
                http_method=route.method,
                authorization="NONE" if route.public else "COGNITO_USER_POOLS",
                authorizer_id=None if route.public else self.authorizer.id,
                request_parameters=_path_parameters(route.path),
                opts=self._child,
            )
            methods.append(method)
            integrations.append(self._proxy_integration(logical, resources[route.path], method))
        for path in route_paths():
            if not any(r.path == path for r in ROUTES):
                continue  # intermediate resource without routes: nothing to preflight
            allowed = sorted({r.method for r in ROUTES if r.path == path} | {"OPTIONS"})
            method, integration = self._preflight(path, resources[path], allowed)
            methods.append(method)
            integrations.append(integration)
        return methods, integrations

    def _proxy_integration(
        self, logical: str, resource: aws.apigateway.Resource, method: aws.apigateway.Method
    ) -> aws.apigateway.Integration:
        return aws.apigateway.Integration(
            logical,
            rest_api=self.rest_api.id,
            resource_id=resource.id,
            http_method=method.http_method,
            type="AWS_PROXY",
            integration_http_method="POST",  # Lambda is always invoked with POST
            uri=self.function.invoke_arn,
            opts=self._child,
        )

    def _preflight(
        self, path: str, resource: aws.apigateway.Resource, allowed: Sequence[str]
    ) -> tuple[aws.apigateway.Method, aws.apigateway.Integration]:
        """OPTIONS without authorization (browsers send no token on a preflight).

        One origin: a MOCK integration answers with that origin, no Lambda invocation. Several: a
        MOCK can only return one static Access-Control-Allow-Origin, so the preflight goes to the
        function, whose Powertools resolver answers it for the origin that asked (if allowed).
        """
        logical = f"{self._name}-options-{slug(path)}"
        origins = self.args.config.cors_origins
        method = aws.apigateway.Method(
            logical,
            rest_api=self.rest_api.id,
            resource_id=resource.id,
            http_method="OPTIONS",
            authorization="NONE",
            request_parameters=_path_parameters(path),
            opts=self._child,
        )
        if len(origins) > 1:
            return method, self._proxy_integration(logical, resource, method)
        integration = aws.apigateway.Integration(
            logical,
            rest_api=self.rest_api.id,
            resource_id=resource.id,
            http_method=method.http_method,
            type="MOCK",
            request_templates={"application/json": '{"statusCode": 200}'},
            opts=self._child,
        )
        headers = preflight_headers(origins[0], allowed)
        method_response = aws.apigateway.MethodResponse(
            logical,
            rest_api=self.rest_api.id,
            resource_id=resource.id,
            http_method=method.http_method,
            status_code="200",
            response_parameters={f"method.response.header.{h}": True for h in headers},
            opts=self._child,
        )
        integration_response = aws.apigateway.IntegrationResponse(
            logical,
            rest_api=self.rest_api.id,
            resource_id=resource.id,
            http_method=method.http_method,
            status_code=method_response.status_code,
            response_parameters={
                f"method.response.header.{h}": f"'{v}'" for h, v in headers.items()
            },
            opts=pulumi.ResourceOptions.merge(
                self._child, pulumi.ResourceOptions(depends_on=[integration])
            ),
        )
        self.preflight_responses += [method_response, integration_response]
        return method, integration

    def _gateway_responses(self) -> list[aws.apigateway.Response]:
        """Errors API Gateway makes itself (401 from the authorizer, 403, 429, 5XX) never reach the
        function: only these responses can give them CORS headers the browser needs to read them."""
        origins = self.args.config.cors_origins
        # Several origins: echo the caller's Origin; these bodies are API Gateway's own error
        # messages (no user data), and no credentials mode is allowed.
        origin = f"'{origins[0]}'" if len(origins) == 1 else "method.request.header.Origin"
        parameters = {
            "gatewayresponse.header.Access-Control-Allow-Origin": origin,
            "gatewayresponse.header.Access-Control-Allow-Headers": (
                f"'{','.join(CORS_ALLOW_HEADERS)}'"
            ),
            "gatewayresponse.header.Vary": "'Origin'",
        }
        return [
            aws.apigateway.Response(
                f"{self._name}-{kind.lower().replace('_', '-')}",
                rest_api_id=self.rest_api.id,
                response_type=kind,
                response_parameters=parameters,
                opts=self._child,
            )
            for kind in ("DEFAULT_4XX", "DEFAULT_5XX")
        ]

    # -----------------------------------------------------------------------------------------
    # Deployment, stage, logs

    def _stage(self) -> aws.apigateway.Stage:
        name, args, cfg = self._name, self.args, self.args.config
        # API Gateway writes access logs with one account-wide role per region (the
        # `aws.apigateway.Account` singleton). This stack sets it for the spoke account and
        # region; another stack in the same account and region must not manage it too.
        cloudwatch_role = aws.iam.Role(
            f"{name}-apigw-cloudwatch",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "apigateway.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {"StringEquals": {"aws:SourceAccount": args.account_id}},
                        }
                    ],
                }
            ),
            tags=self._tags("-apigw-cloudwatch"),
            opts=self._child,
        )
        logs_policy = aws.iam.RolePolicyAttachment(
            f"{name}-apigw-cloudwatch",
            role=cloudwatch_role.name,
            policy_arn=APIGW_LOGS_POLICY_ARN,
            opts=self._child,
        )
        account = aws.apigateway.Account(
            f"{name}-apigw-account",
            cloudwatch_role_arn=cloudwatch_role.arn,
            opts=pulumi.ResourceOptions.merge(
                self._child, pulumi.ResourceOptions(depends_on=[logs_policy])
            ),
        )
        deployment = aws.apigateway.Deployment(
            f"{name}-deployment",
            rest_api=self.rest_api.id,
            description=f"{PROJECT} {args.environment} items API",
            # A new deployment whenever the API definition changes; otherwise the stage keeps
            # serving the old snapshot of methods and integrations.
            triggers={"redeployment": self._definition_hash()},
            opts=pulumi.ResourceOptions.merge(
                self._child,
                pulumi.ResourceOptions(
                    depends_on=[
                        *self.methods,
                        *self.integrations,
                        *self.preflight_responses,
                        *self.gateway_responses,
                    ]
                ),
            ),
        )
        self.access_log_group = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            name=log_group_name(args.environment, "api", name, "access"),
            retention_in_days=args.log_retention_days,
            tags=self._tags("-access-logs"),
            opts=self._child,
        )
        stage = aws.apigateway.Stage(
            f"{name}-stage",
            rest_api=self.rest_api.id,
            deployment=deployment.id,
            stage_name=args.environment,
            xray_tracing_enabled=True,
            access_log_settings={
                "destination_arn": self.access_log_group.arn,
                "format": access_log_format(),
            },
            tags=self._tags("-stage"),
            opts=pulumi.ResourceOptions.merge(
                self._child, pulumi.ResourceOptions(depends_on=[account])
            ),
        )
        self.method_settings = aws.apigateway.MethodSettings(
            f"{name}-stage",
            rest_api=self.rest_api.id,
            stage_name=stage.stage_name,
            method_path="*/*",
            settings={
                "throttling_rate_limit": cfg.throttle_rate_limit,
                "throttling_burst_limit": cfg.throttle_burst_limit,
                "metrics_enabled": True,
                # Execution logs would go to a log group API Gateway creates without retention;
                # the JSON access logs above are the record.
                "logging_level": "OFF",
                "data_trace_enabled": False,
            },
            opts=self._child,
        )
        return stage

    def _definition_hash(self) -> pulumi.Output[str]:
        """A hash of what a deployment snapshots: routes, auth, CORS and the children's ids (a
        replaced method or integration has a new id)."""
        cfg = self.args.config
        definition = {
            "routes": [[r.method, r.path, r.public] for r in ROUTES],
            "origins": list(cfg.cors_origins),
            "allowHeaders": list(CORS_ALLOW_HEADERS),
        }
        children = (
            *self.methods,
            *self.integrations,
            *self.preflight_responses,
            *self.gateway_responses,
        )
        ids = [c.id for c in children]
        return pulumi.Output.all(self.authorizer.id, *ids).apply(
            lambda resolved: hashlib.sha256(
                json.dumps([definition, resolved], sort_keys=True).encode()
            ).hexdigest()
        )

    # -----------------------------------------------------------------------------------------
    # Alarms

    def _alarm_topic(self) -> pulumi.Input[str]:
        cfg = self.args.config
        if cfg.alarm_topic_arn:
            return cfg.alarm_topic_arn
        topic = aws.sns.Topic(
            f"{self._name}-alarms",
            kms_master_key_id=self.key.arn,
            tags=self._tags("-alarms"),
            opts=self._child,
        )
        for i, email in enumerate(cfg.alarm_emails):
            # Each address gets a confirmation mail; nothing is delivered until it is confirmed.
            aws.sns.TopicSubscription(
                f"{self._name}-alarms-{i}",
                topic=topic.arn,
                protocol="email",
                endpoint=email,
                opts=self._child,
            )
        return topic.arn

    def _alarms(self) -> list[aws.cloudwatch.MetricAlarm]:
        physical_function = self.function.name
        specs = [
            ("function-errors", "AWS/Lambda", "Errors", {"FunctionName": physical_function},
             "the items function failed (an unhandled error or a timeout)"),
            ("function-throttles", "AWS/Lambda", "Throttles", {"FunctionName": physical_function},
             "the items function hit its reserved concurrency"),
            ("api-5xx", "AWS/ApiGateway", "5XXError",
             {"ApiName": self.rest_api.name, "Stage": self.stage.stage_name},
             "the items API answered 5XX"),
        ]  # fmt: skip
        return [
            aws.cloudwatch.MetricAlarm(
                f"{self._name}-{role}",
                alarm_description=f"{PROJECT} {self.args.environment}: {what}",
                namespace=namespace,
                metric_name=metric,
                dimensions=dimensions,
                statistic="Sum",
                period=300,
                evaluation_periods=1,
                threshold=1,
                comparison_operator="GreaterThanOrEqualToThreshold",
                treat_missing_data="notBreaching",  # no traffic is not a failure
                alarm_actions=[self.alarm_topic_arn],
                ok_actions=[self.alarm_topic_arn],
                tags=self._tags(f"-{role}"),
                opts=self._child,
            )
            for role, namespace, metric, dimensions, what in specs
        ]


def function_policy(table_arn: str, bucket_arn: str) -> dict:
    """The function role's inline policy: that table, its index, that bucket's upload prefix."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ItemsTable",
                "Effect": "Allow",
                "Action": list(TABLE_ACTIONS),
                "Resource": table_arn,
            },
            {
                "Sid": "ItemsIndex",
                "Effect": "Allow",
                "Action": list(INDEX_ACTIONS),
                "Resource": f"{table_arn}/index/{GSI_NAME}",
            },
            {
                # The presigned POST is signed with this role's credentials; its policy narrows
                # each upload to `uploads/<caller's sub>/` and a size and content type.
                "Sid": "PresignedUploads",
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/{UPLOAD_PREFIX}*",
            },
            {
                "Sid": "Tracing",
                "Effect": "Allow",
                "Action": list(XRAY_ACTIONS),
                "Resource": "*",
            },
        ],
    }


def preflight_headers(origin: str, allowed_methods: Sequence[str]) -> Mapping[str, str]:
    """The CORS headers a preflight for `origin` is answered with."""
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ",".join(allowed_methods),
        "Access-Control-Allow-Headers": ",".join(CORS_ALLOW_HEADERS),
        "Access-Control-Max-Age": str(CORS_MAX_AGE_SECONDS),
        "Vary": "Origin",
    }


def _path_parameters(path: str) -> dict[str, bool] | None:
    params = {
        f"method.request.path.{part[1:-1]}": True
        for part in path.split("/")
        if part.startswith("{") and part.endswith("}")
    }
    return params or None
