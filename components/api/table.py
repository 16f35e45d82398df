"""The items table and the customer key that encrypts it (and the function's environment, the
cursor secret and the alarm topic)."""

from __future__ import annotations

import json

import pulumi_aws as aws

from components.api.contract import (
    GSI_HASH_KEY,
    GSI_NAME,
    GSI_RANGE_KEY,
    TABLE_HASH_KEY,
    TABLE_RANGE_KEY,
)
from components.api.policies import key_policy
from components.api.scope import Scope
from components.model import PROJECT


def customer_key(scope: Scope) -> aws.kms.Key:
    """One customer key for the table, the function's environment and the alarm topic."""
    args = scope.args
    key = aws.kms.Key(
        f"{scope.name}-key",
        description=f"{PROJECT} {args.environment} items API data",
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=json.dumps(key_policy(args.account_id)),
        tags=scope.tags("-key"),
        opts=scope.stateful,  # deleting the key makes the table unreadable
    )
    aws.kms.Alias(
        f"{scope.name}-key",
        name=f"alias/{PROJECT}-{args.environment}-{scope.name}",
        target_key_id=key.key_id,
        opts=scope.child,
    )
    return key


def items_table(scope: Scope, key: aws.kms.Key) -> aws.dynamodb.Table:
    return aws.dynamodb.Table(
        f"{scope.name}-table",
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
        # A customer key: every item call is also a kms:Decrypt by the caller through DynamoDB,
        # so the function's role is granted it (policies.function_policy).
        server_side_encryption={"enabled": True, "kms_key_arn": key.arn},
        point_in_time_recovery={"enabled": True},
        deletion_protection_enabled=scope.args.is_prod,
        tags=scope.tags("-table"),
        opts=scope.stateful,
    )
