"""The items API's policy documents as pure functions (components/api/policies.py), no mocks."""

from __future__ import annotations

from components.api.policies import (
    XRAY_ACTIONS,
    function_policy,
    key_policy,
    tls_only_bucket_policy,
)
from components.iam import service_trust_policy

ACCOUNT = "222222222222"
TABLE = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/items"
BUCKET = "arn:aws:s3:::items-uploads"
KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_function_policy_grants_only_that_table_its_index_key_and_the_upload_prefix():
    statements = function_policy(TABLE, BUCKET, KEY)["Statement"]
    resources = {s["Sid"]: s["Resource"] for s in statements}
    assert resources == {
        "ItemsTable": TABLE,
        "ItemsIndex": f"{TABLE}/index/GSI1",
        "TableKeyThroughDynamoDB": KEY,
        "PresignedUploads": f"{BUCKET}/uploads/*",
        "Tracing": "*",
    }
    tracing = next(s for s in statements if s["Resource"] == "*")
    assert tracing["Action"] == list(XRAY_ACTIONS)  # the only wildcard resource: X-Ray's
    key = next(s for s in statements if s["Sid"] == "TableKeyThroughDynamoDB")
    assert key["Action"] == "kms:Decrypt"
    assert key["Condition"] == {
        "StringEquals": {"kms:ViaService": "dynamodb.eu-west-1.amazonaws.com"}
    }


def test_trust_policy_names_the_source_account_only_when_given():
    (plain,) = service_trust_policy("lambda.amazonaws.com")["Statement"]
    (scoped,) = service_trust_policy("apigateway.amazonaws.com", source_account=ACCOUNT)[
        "Statement"
    ]
    assert plain == {
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    assert scoped["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert scoped["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_key_policy_lets_the_account_administer_and_cloudwatch_only_encrypt_for_sns():
    statements = {s["Sid"]: s for s in key_policy(ACCOUNT)["Statement"]}
    assert statements["AccountAdministers"]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    cloudwatch = statements["CloudWatchAlarmsPublish"]
    assert cloudwatch["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    # The two actions the SNS guide lists for alarms on an encrypted topic, nothing more.
    assert cloudwatch["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]


def test_bucket_policy_denies_plain_http_to_the_bucket_and_its_objects():
    (deny,) = tls_only_bucket_policy(BUCKET)["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "s3:*")
    assert deny["Resource"] == [BUCKET, f"{BUCKET}/*"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
