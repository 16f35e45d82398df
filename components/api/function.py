"""The items function and what it runs with: its code, cursor secret, security group, role,
log group, and the Powertools layer looked up at deploy time."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.api.contract import DEFAULT_PERMISSIONS_ENV, GROUP_PERMISSIONS_ENV, HANDLER
from components.api.policies import VPC_ACCESS_POLICY_ARN, function_policy
from components.api.scope import Scope
from components.iam import role_settings, service_trust_policy
from components.model import PROJECT
from components.naming import holds_fixed_name

# The zip holds the function's modules only (functions/items/README.md: "zip its *.py files");
# tests never run in Lambda.
CODE_EXCLUDED_DIRS = frozenset({"tests", "__pycache__", ".pytest_cache"})


def code_assets(root: Path) -> dict[str, pulumi.Asset]:
    """The function's modules for its zip, relative to `root`, without tests."""
    assets: dict[str, pulumi.Asset] = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if path.is_file() and not CODE_EXCLUDED_DIRS.intersection(relative.parts[:-1]):
            assets[relative.as_posix()] = pulumi.FileAsset(str(path))
    return assets


def cursor_secret(scope: Scope, key: aws.kms.Key) -> aws.ssm.Parameter:
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
        opts=scope.invoke(),
    ).random_password
    return aws.ssm.Parameter(
        f"{scope.name}-cursor-secret",
        name=f"/{PROJECT}/{scope.args.environment}/{scope.name}/cursor-secret",
        type="SecureString",
        key_id=key.arn,
        value=pulumi.Output.secret(fresh),
        description="HMAC key for the items API pagination cursors",
        tags=scope.tags("-cursor-secret"),
        opts=holds_fixed_name(
            pulumi.ResourceOptions.merge(
                scope.child, pulumi.ResourceOptions(ignore_changes=["value"])
            )
        ),
    )


def function_security_group(scope: Scope) -> aws.ec2.SecurityGroup:
    """No ingress (API Gateway invokes Lambda through its API, not the ENI); egress only to
    DynamoDB and S3 on 443, through the spoke's gateway endpoints."""
    name, spoke = scope.name, scope.args.spoke
    group = aws.ec2.SecurityGroup(
        f"{name}-function",
        vpc_id=spoke.vpc_id,
        description="items function: HTTPS to DynamoDB and S3 gateway endpoints only",
        # The provider removes the allow-all egress rule AWS adds to a new group.
        tags=scope.tags("-function"),
        opts=scope.child,
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
            tags=scope.tags(f"-function-{service}"),
            opts=scope.child,
        )
    # CloudWatch Logs and X-Ray need no rule (and no NAT or interface endpoint): the Lambda
    # service ships the function's stdout, and the X-Ray daemon Lambda starts posts the
    # segments, outside this ENI (aws/aws-xray-daemon#26: a VPC function without internet
    # access still delivers traces). Not verifiable offline; see docs/api.md.
    return group


def function_role(
    scope: Scope, table: aws.dynamodb.Table, bucket: aws.s3.Bucket, key: aws.kms.Key
) -> tuple[aws.iam.Role, list[pulumi.Resource]]:
    """The function's role: VPC access, and an inline policy scoped to that table, that bucket
    and the table's key (through DynamoDB only).

    Returns the role and what grants its permissions (the VPC access attachment and the inline
    policy): the function must be created after both, see `items_function`.
    """
    name = scope.name
    function_role = aws.iam.Role(
        f"{name}-function",
        assume_role_policy=json.dumps(service_trust_policy("lambda.amazonaws.com")),
        tags=scope.tags("-function"),
        **role_settings(scope.args.account_id, scope.args.environment),
        opts=scope.child,
    )
    vpc_access = aws.iam.RolePolicyAttachment(
        f"{name}-function-vpc-access",
        role=function_role.name,
        policy_arn=VPC_ACCESS_POLICY_ARN,
        opts=scope.child,
    )
    policy = aws.iam.RolePolicy(
        f"{name}-function",
        role=function_role.id,
        policy=pulumi.Output.all(table.arn, bucket.arn, key.arn).apply(
            lambda arns: json.dumps(function_policy(*arns))
        ),
        opts=scope.child,
    )
    return function_role, [vpc_access, policy]


def function_log_group(scope: Scope) -> aws.cloudwatch.LogGroup:
    return aws.cloudwatch.LogGroup(
        f"{scope.name}-function",
        # The name Lambda writes to, created first so it has retention (Lambda would create
        # it on first invocation with none).
        name=f"/aws/lambda/{scope.physical}",
        retention_in_days=scope.args.log_retention_days,
        kms_key_id=scope.args.log_key_arn,
        tags=scope.tags("-function"),
        opts=holds_fixed_name(scope.child),
    )


def items_function(
    scope: Scope,
    *,
    key: aws.kms.Key,
    table: aws.dynamodb.Table,
    bucket: aws.s3.Bucket,
    secret: aws.ssm.Parameter,
    security_group: aws.ec2.SecurityGroup,
    role: aws.iam.Role,
    role_permissions: Sequence[pulumi.Resource],
    log_group: aws.cloudwatch.LogGroup,
) -> aws.lambda_.Function:
    args, cfg = scope.args, scope.args.config
    # Resolved at deploy time from AWS's public parameter, not pinned (design pitfall 7).
    layer_arn = aws.ssm.get_parameter_output(
        name=f"/aws/service/powertools/python/arm64/{cfg.runtime}/latest",
        opts=scope.invoke(),
    ).value
    return aws.lambda_.Function(
        f"{scope.name}-function",
        name=scope.physical,
        description="hubspoke items API",
        runtime=cfg.runtime,
        architectures=["arm64"],
        handler=HANDLER,
        code=pulumi.AssetArchive(code_assets(args.code_path)),
        layers=[layer_arn],
        role=role.arn,
        memory_size=cfg.memory_mb,
        timeout=cfg.timeout_seconds,
        reserved_concurrent_executions=(
            cfg.reserved_concurrency if cfg.reserved_concurrency is not None else -1
        ),
        vpc_config={
            "subnet_ids": args.spoke.private_subnet_ids,
            "security_group_ids": [security_group.id],
        },
        tracing_config={"mode": "Active"},
        kms_key_arn=key.arn,
        environment={
            "variables": {
                "TABLE_NAME": table.name,
                "BUCKET_NAME": bucket.id,
                "CORS_ORIGINS": pulumi.Output.all(*scope.cors_origins).apply(",".join),
                "CURSOR_SECRET": secret.value,
                "UPLOAD_MAX_BYTES": str(cfg.upload_max_bytes),
                "UPLOAD_CONTENT_TYPES": ",".join(cfg.upload_content_types),
                GROUP_PERMISSIONS_ENV: json.dumps(
                    {group: list(p) for group, p in sorted(cfg.groups.items())},
                    separators=(",", ":"),
                ),
                DEFAULT_PERMISSIONS_ENV: ",".join(cfg.default_permissions),
                "POWERTOOLS_SERVICE_NAME": scope.name,
                "POWERTOOLS_LOG_LEVEL": "INFO" if args.is_prod else "DEBUG",
            }
        },
        tags=scope.tags("-function"),
        # Log group first (retention); the role's permissions before CreateFunction, which
        # refuses a VPC function whose role cannot yet create ENIs ("The provided execution role
        # does not have permissions to call CreateNetworkInterface on EC2"); `role.arn` alone
        # orders it after the role, not after the VPC access attachment.
        opts=holds_fixed_name(scope.after(log_group, *role_permissions)),
    )
