"""The policy documents of the items API, as pure functions of ARNs and account ids.

Each returns the document as a dict; the caller serialises it with `json.dumps`.
"""

from __future__ import annotations

from components.api.contract import GSI_NAME, UPLOAD_PREFIX
from components.iam import account_administers_key

# Exactly what the function calls, nothing more (no Scan, no batch or transact calls).
TABLE_ACTIONS = (
    "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
    "dynamodb:UpdateItem",
)  # fmt: skip
INDEX_ACTIONS = ("dynamodb:Query",)  # only Query and Scan apply to an index

# Lambda's managed policy for VPC access: the ENI actions (and log writes). AWS documents these
# actions without resource-level permissions, hence its `*` resources.
VPC_ACCESS_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
# API Gateway's managed policy for writing logs; the role is account-wide (one per region).
APIGW_LOGS_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
# X-Ray has no resource-level permissions: these two actions need Resource "*" (AWS X-Ray
# developer guide, "Identity-based policy examples"; the AWSXRayDaemonWriteAccess policy).
XRAY_ACTIONS = ("xray:PutTelemetryRecords", "xray:PutTraceSegments")


def key_policy(account_id: str) -> dict:
    """The customer key's policy: the account administers it, CloudWatch alarms may use it."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            account_administers_key(account_id),
            {
                # Alarms publish to the KMS-encrypted topic (Amazon SNS developer guide,
                # "Encryption at rest": CloudWatch needs these two actions on the key). The
                # guide's statement has no condition; one CloudWatch does not satisfy fails
                # silently (the alarm fires, no message is delivered), so none is added.
                "Sid": "CloudWatchAlarmsPublish",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
            },
        ],
    }


def tls_only_bucket_policy(bucket_arn: str) -> dict:
    """The upload bucket's policy: no request over plain HTTP, for the bucket and its objects."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def function_policy(table_arn: str, bucket_arn: str, key_arn: str) -> dict:
    """The function role's inline policy: that table, its index, that bucket's upload prefix, and
    the table's key only through DynamoDB."""
    region = table_arn.split(":")[3]
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
                # The table is encrypted with the customer key: DynamoDB decrypts the table key
                # with the caller's permissions on every item call, reads and writes (KMS
                # developer guide, "How Amazon DynamoDB uses AWS KMS"; a PutItem without it is
                # refused, aws/aws-cdk#10010). Without this statement every table call is
                # AccessDenied. Only through DynamoDB in this region, never a direct Decrypt.
                "Sid": "TableKeyThroughDynamoDB",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": key_arn,
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"dynamodb.{region}.amazonaws.com"}
                },
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
