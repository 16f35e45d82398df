"""StateBackend: where the hubspoke stacks keep their state and encrypt their secrets.

An S3 bucket (versioned, KMS-encrypted, TLS only, public access blocked, owner-enforced) for
`pulumi login s3://...`, and a KMS key for `--secrets-provider awskms://alias/hubspoke-state`.
Both are protected and retained: losing them loses every stack's state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .config import BootstrapConfig
from .policies import state_bucket_policy, state_key_policy

KEY_ALIAS = "alias/hubspoke-state"
NONCURRENT_STATE_DAYS = 90  # old state versions kept for recovery, then expired


@dataclass(frozen=True)
class StateBackendArgs:
    cfg: BootstrapConfig
    provider: aws.Provider


class StateBackend(pulumi.ComponentResource):
    bucket: aws.s3.Bucket
    key: aws.kms.Key
    backend_url: pulumi.Output[str]
    secrets_provider: str

    def __init__(
        self, name: str, args: StateBackendArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("hubspoke-bootstrap:state:StateBackend", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        keep = pulumi.ResourceOptions.merge(
            child, pulumi.ResourceOptions(protect=True, retain_on_delete=True)
        )

        self.key = aws.kms.Key(
            f"{name}-key",
            description="Encrypts hubspoke stack secrets and state objects",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(state_key_policy(args.cfg)),
            opts=keep,
        )
        aws.kms.Alias(f"{name}-key", name=KEY_ALIAS, target_key_id=self.key.key_id, opts=child)

        self.bucket = aws.s3.Bucket(
            f"{name}-bucket",
            bucket=args.cfg.state_bucket_name,  # None: a generated, unique name
            opts=keep,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-bucket",
            bucket=self.bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},  # no ACLs at all
            opts=child,
        )
        aws.s3.BucketPublicAccessBlock(
            f"{name}-bucket",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketVersioning(
            f"{name}-bucket",
            bucket=self.bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-bucket",
            bucket=self.bucket.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": self.key.arn,
                    },
                    "bucket_key_enabled": True,  # fewer KMS calls, lower cost
                }
            ],
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-bucket",
            bucket=self.bucket.id,
            rules=[
                {
                    "id": "expire-old-state-versions",
                    "status": "Enabled",
                    "filter": {},
                    "noncurrent_version_expiration": {"noncurrent_days": NONCURRENT_STATE_DAYS},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
                }
            ],
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-bucket",
            bucket=self.bucket.id,
            policy=self.bucket.arn.apply(lambda arn: json.dumps(state_bucket_policy(arn))),
            opts=child,
        )

        region = args.cfg.region
        self.backend_url = self.bucket.bucket.apply(lambda b: f"s3://{b}?region={region}")
        self.secrets_provider = f"awskms://{KEY_ALIAS}?region={region}"
        self.register_outputs(
            {"backend_url": self.backend_url, "secrets_provider": self.secrets_provider}
        )
