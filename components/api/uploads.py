"""The upload bucket and its settings: public access block, ownership, encryption, TLS-only policy,
CORS for the configured origins, versioning (prod) and lifecycle rules."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.api.contract import CORS_MAX_AGE_SECONDS
from components.api.policies import tls_only_bucket_policy
from components.api.scope import Scope
from components.buckets import keep_private


def upload_bucket(scope: Scope) -> aws.s3.Bucket:
    """Private, TLS-only, encrypted upload bucket; browsers POST to it with presigned forms."""
    name, args = scope.name, scope.args
    bucket = aws.s3.Bucket(
        f"{name}-uploads",
        force_destroy=not args.is_prod,  # dev: `pulumi destroy` empties it; prod: never
        tags=scope.tags("-uploads"),
        opts=scope.stateful,
    )
    # SSE-S3, not SSE-KMS: a presigned POST acts as the function's role, so SSE-KMS would
    # need kms:GenerateDataKey for that role and bill a KMS request per upload, for the same
    # AES-256 at rest; who may read the objects is decided by IAM and the policy below.
    public_access = keep_private(f"{name}-uploads", bucket, scope.child).public_access
    aws.s3.BucketPolicy(
        f"{name}-uploads",
        bucket=bucket.id,
        policy=bucket.arn.apply(lambda arn: json.dumps(tls_only_bucket_policy(arn))),
        # S3 rejects a policy change while the public access block is being changed.
        opts=scope.after(public_access),
    )
    aws.s3.BucketCorsConfiguration(
        f"{name}-uploads",
        bucket=bucket.id,
        cors_rules=[
            {
                "allowed_methods": ["POST"],
                "allowed_origins": scope.cors_origins,
                "allowed_headers": ["Content-Type"],
                "expose_headers": ["ETag", "Location"],
                "max_age_seconds": CORS_MAX_AGE_SECONDS,
            }
        ],
        opts=scope.child,
    )
    rules: list[dict] = [
        {
            "id": "abort-incomplete-multipart-uploads",
            "status": "Enabled",
            "filter": {},  # the whole bucket
            "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
        }
    ]
    versioning: list[pulumi.Resource] = []  # prod only
    if args.is_prod:
        versioning.append(
            aws.s3.BucketVersioning(
                f"{name}-uploads",
                bucket=bucket.id,
                versioning_configuration={"status": "Enabled"},
                opts=scope.child,
            )
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
        opts=scope.after(*versioning),
    )
    return bucket
