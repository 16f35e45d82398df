"""The settings every bucket of the program shares: no public access, no ACLs, encrypted at rest.

Three buckets take them (the upload bucket, the web app's files, the query logs' S3 destination),
so they are written once. Each is SSE-S3 (AES-256), not SSE-KMS: the reasons differ per bucket and
are given where the bucket is made. The bucket policies differ too and stay with their buckets.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class PrivateBucket:
    """What `keep_private` made: a bucket policy waits for `public_access` (with the block in
    place S3 refuses a policy that would make the bucket public, so a mistake fails the policy
    rather than exposing the bucket for a moment)."""

    public_access: aws.s3.BucketPublicAccessBlock
    encryption: aws.s3.BucketServerSideEncryptionConfiguration


def keep_private(name: str, bucket: aws.s3.Bucket, opts: pulumi.ResourceOptions) -> PrivateBucket:
    """All four public access blocks, object ownership enforced (ACLs off) and SSE-S3 for
    `bucket`, each under the logical name `name`, with `opts` (the parent and the provider)."""
    public_access = aws.s3.BucketPublicAccessBlock(
        name,
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=opts,
    )
    aws.s3.BucketOwnershipControls(
        name, bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}, opts=opts
    )
    encryption = aws.s3.BucketServerSideEncryptionConfiguration(
        name,
        bucket=bucket.id,
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
        opts=opts,
    )
    return PrivateBucket(public_access, encryption)
