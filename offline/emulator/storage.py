"""S3 buckets (pulumi-aws v7 `aws.s3.Bucket`) and their separate configuration resources."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pulumi

from offline.emulator.registry import (
    Created,
    Ctx,
    EmulatorRejected,
    Inputs,
    as_json,
    number,
    resource,
    salted,
)


def _bucket_name(name: str, inputs: Inputs) -> str:
    if inputs.get("bucket"):
        return inputs["bucket"]
    prefix = (inputs.get("bucketPrefix") or f"{name}-").lower()
    digest = hashlib.sha256(salted(name).encode()).hexdigest()
    return f"{prefix}{digest[: 63 - len(prefix)]}"[:63]


@resource("aws:s3/bucket:Bucket")
def bucket(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    s3 = ctx.client("s3")
    bucket_name = _bucket_name(name, inputs)
    kwargs: dict[str, Any] = {"Bucket": bucket_name}
    if ctx.region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": ctx.region}
    if inputs.get("objectLockEnabled"):
        kwargs["ObjectLockEnabledForBucket"] = True
    s3.create_bucket(**kwargs)
    if ctx.tags(inputs):
        s3.put_bucket_tagging(Bucket=bucket_name, Tagging={"TagSet": ctx.tag_list(inputs)})
    return bucket_name, {
        "bucket": bucket_name,
        "arn": f"arn:aws:s3:::{bucket_name}",
        "bucketDomainName": f"{bucket_name}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket_name}.s3.{ctx.region}.amazonaws.com",
        "region": ctx.region,
    }


def _own_bucket(ctx: Ctx, inputs: Inputs) -> str:
    """Configuration resources act on a bucket of the caller's account and region."""
    name = inputs["bucket"]
    location = ctx.client("s3").get_bucket_location(Bucket=name)["LocationConstraint"]
    if (location or "us-east-1") != ctx.region:
        raise EmulatorRejected(f"bucket {name} is in {location or 'us-east-1'}, not {ctx.region}")
    return name


@resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
def public_access_block(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    bucket_name = _own_bucket(ctx, inputs)
    ctx.client("s3").put_public_access_block(
        Bucket=bucket_name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": bool(inputs.get("blockPublicAcls", False)),
            "IgnorePublicAcls": bool(inputs.get("ignorePublicAcls", False)),
            "BlockPublicPolicy": bool(inputs.get("blockPublicPolicy", False)),
            "RestrictPublicBuckets": bool(inputs.get("restrictPublicBuckets", False)),
        },
    )
    return bucket_name, {}


@resource("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
def ownership_controls(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    bucket_name = _own_bucket(ctx, inputs)
    ctx.client("s3").put_bucket_ownership_controls(
        Bucket=bucket_name,
        OwnershipControls={"Rules": [{"ObjectOwnership": inputs["rule"]["objectOwnership"]}]},
    )
    return bucket_name, {}


@resource("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
def encryption(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    bucket_name = _own_bucket(ctx, inputs)
    rules = []
    for rule in inputs["rules"]:
        default = rule.get("applyServerSideEncryptionByDefault") or {}
        entry: dict[str, Any] = {}
        if default:
            entry["ApplyServerSideEncryptionByDefault"] = {"SSEAlgorithm": default["sseAlgorithm"]}
            if default.get("kmsMasterKeyId"):
                entry["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] = default[
                    "kmsMasterKeyId"
                ]
        if rule.get("bucketKeyEnabled") is not None:
            entry["BucketKeyEnabled"] = bool(rule["bucketKeyEnabled"])
        rules.append(entry)
    ctx.client("s3").put_bucket_encryption(
        Bucket=bucket_name, ServerSideEncryptionConfiguration={"Rules": rules}
    )
    return bucket_name, {}


@resource("aws:s3/bucketPolicy:BucketPolicy")
def bucket_policy(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    bucket_name = _own_bucket(ctx, inputs)
    ctx.client("s3").put_bucket_policy(Bucket=bucket_name, Policy=as_json(inputs["policy"]))
    return bucket_name, {}


@resource("aws:s3/bucketCorsConfiguration:BucketCorsConfiguration")
def cors(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    bucket_name = _own_bucket(ctx, inputs)
    rules = []
    for rule in inputs["corsRules"]:
        entry: dict[str, Any] = {
            "AllowedMethods": list(rule["allowedMethods"]),
            "AllowedOrigins": list(rule["allowedOrigins"]),
        }
        for key, api in (
            ("allowedHeaders", "AllowedHeaders"),
            ("exposeHeaders", "ExposeHeaders"),
        ):
            if rule.get(key):
                entry[api] = list(rule[key])
        if rule.get("maxAgeSeconds") is not None:
            entry["MaxAgeSeconds"] = number(rule["maxAgeSeconds"])
        if rule.get("id"):
            entry["ID"] = rule["id"]
        rules.append(entry)
    ctx.client("s3").put_bucket_cors(Bucket=bucket_name, CORSConfiguration={"CORSRules": rules})
    return bucket_name, {}


def _lifecycle_rule(rule: Inputs) -> dict[str, Any]:
    entry: dict[str, Any] = {"ID": rule["id"], "Status": rule["status"]}
    filter_ = rule.get("filter")
    entry["Filter"] = {"Prefix": (filter_ or {}).get("prefix") or ""}
    if rule.get("expiration"):
        entry["Expiration"] = {"Days": number(rule["expiration"]["days"])}
    if rule.get("abortIncompleteMultipartUpload"):
        days = rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"]
        entry["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": number(days)}
    if rule.get("noncurrentVersionExpiration"):
        days = rule["noncurrentVersionExpiration"]["noncurrentDays"]
        entry["NoncurrentVersionExpiration"] = {"NoncurrentDays": number(days)}
    if rule.get("transitions"):
        entry["Transitions"] = [
            {"Days": number(t["days"]), "StorageClass": t["storageClass"]}
            for t in rule["transitions"]
        ]
    return entry


@resource("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
def lifecycle(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    bucket_name = _own_bucket(ctx, inputs)
    ctx.client("s3").put_bucket_lifecycle_configuration(
        Bucket=bucket_name,
        LifecycleConfiguration={"Rules": [_lifecycle_rule(r) for r in inputs["rules"]]},
    )
    return bucket_name, {}


@resource("aws:s3/bucketVersioning:BucketVersioning")
def versioning(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    bucket_name = _own_bucket(ctx, inputs)
    config = inputs["versioningConfiguration"]
    kwargs: dict[str, Any] = {"Status": config["status"]}
    if config.get("mfaDelete"):
        kwargs["MFADelete"] = config["mfaDelete"]
    ctx.client("s3").put_bucket_versioning(Bucket=bucket_name, VersioningConfiguration=kwargs)
    return bucket_name, {}


def object_store(ctx: Ctx) -> Any:
    """moto's S3 backend of the caller's account. Objects of a bucket with a policy are written
    and read here, not through moto's API: moto's object-level bucket-policy check ignores
    conditions (moto/s3/responses.py, `bucket.get_permission(action, resource)`), so the
    TLS-only Deny (`aws:SecureTransport` false) would refuse every call. Who may read the
    objects is the IAM engine's answer instead (offline/emulator/cloudfront.py)."""
    from moto.s3.models import s3_backends

    return s3_backends[ctx.account_id]["aws"]


@resource("aws:s3/bucketObjectv2:BucketObjectv2")
def bucket_object(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    """PutObject with the file (`source`, an asset) or the text (`content`), and the headers S3
    stores with it and serves back (Content-Type, Cache-Control)."""
    bucket_name = _own_bucket(ctx, inputs)
    source, content = inputs.get("source"), inputs.get("content")
    if (source is None) == (content is None):
        raise EmulatorRejected(f"object {inputs['key']}: give exactly one of source and content")
    if isinstance(source, pulumi.FileAsset):
        body = Path(source.path).read_bytes()
    elif isinstance(source, pulumi.StringAsset):
        body = source.text.encode()
    elif source is not None:
        raise EmulatorRejected(f"object {inputs['key']}: source must be a file or string asset")
    else:
        body = str(content).encode()
    stored = object_store(ctx).put_object(bucket_name, inputs["key"], body)
    # S3 stores what was sent, or binary/octet-stream without a Content-Type (PutObject).
    metadata = {"Content-Type": inputs.get("contentType") or "binary/octet-stream"}
    if inputs.get("cacheControl"):
        metadata["Cache-Control"] = inputs["cacheControl"]
    stored.set_metadata(metadata)
    return inputs["key"], {"etag": stored.etag.strip('"'), "versionId": stored.version_id or ""}
