"""WebApp: the web app (web/) served by CloudFront from a private S3 bucket.

Reads in the order AWS builds it: bucket (public access blocked, ACLs off, encrypted) -> origin
access control -> response headers policy -> distribution -> bucket policy (that distribution
only) -> the app's files and its config.json.

The order of the whole stack, and why there is no cycle: the CSP names the API's origin (the
REST API's id), and the API's CORS names the distribution's origin. At the resource level that is
a chain, RestApi -> response headers policy -> distribution -> the resources that carry CORS (the
function's CORS_ORIGINS, the gateway responses, the preflights, the upload bucket's CORS rules,
the deployment). `__main__.py` follows it with a deferred output: it gives ItemsApi the web
origin as a `pulumi.deferred_output()` (ItemsApi registers its REST API and upload bucket without
waiting for it, and the CORS-bearing resources wait), builds the WebApp from ItemsApi's outputs,
then resolves the origin with the distribution's. Each component keeps one constructor and
registers its outputs once; neither knows the other's insides. docs/web.md has the picture.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.api.policies import tls_only_bucket_policy
from components.buckets import keep_private
from components.model import PROJECT, ApiConfig, WebConfig
from components.naming import resource_tags
from components.web_content import (
    CONFIG_FILE,
    FRAME_OPTION,
    HSTS_MAX_AGE_SECONDS,
    INDEX,
    REFERRER_POLICY,
    WEB_ROOT,
    app_config,
    cache_control,
    cognito_endpoint,
    content_security_policy,
    content_type,
    site_files,
)

COMPONENT = "web"
ORIGIN_ID = "site"
# The managed cache policy "CachingOptimized" (CloudFront developer guide, "Use managed cache
# policies"): cache key without query strings, headers or cookies; gzip and brotli; TTLs 1 s to a
# year, default a day, so the objects' own Cache-Control (no-cache for index.html and
# config.json) decides.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
# SPA fallback: a path of the app's router is no object. With origin access control and no
# s3:ListBucket, S3 answers a missing key with 403, not 404 (Amazon S3 API reference,
# GetObject: "If you don't have the s3:ListBucket permission, Amazon S3 returns an HTTP status
# code 403"), so both become index.html with 200. Custom error responses, not a CloudFront
# function: no code, no per-request charge, and the response headers policy still applies.
SPA_FALLBACK_CODES = (403, 404)


@dataclass(frozen=True)
class WebAppArgs:
    """The config part comes from `hubspoke:web`; the rest is the API's outputs."""

    config: WebConfig
    api: ApiConfig  # the limits and groups config.json shows
    region: str  # the API's region (its endpoint, Cognito's)
    provider: aws.Provider  # the API's account and region: the bucket sits next to the API
    environment: str
    is_prod: bool
    api_id: pulumi.Input[str]  # the REST API: the CSP names its origin
    api_url: pulumi.Input[str]  # the stage's invoke URL, for config.json
    user_pool_id: pulumi.Input[str]
    user_pool_client_id: pulumi.Input[str]
    # The upload bucket's regional domain: the presigned POST goes there (the function signs
    # with a regional, virtual-hosted client).
    upload_bucket_domain: pulumi.Input[str]
    root: Path = WEB_ROOT


def api_origin(api_id: str, region: str) -> str:
    """A REST API's default endpoint (API Gateway developer guide, "Invoking a REST API")."""
    return f"https://{api_id}.execute-api.{region}.amazonaws.com"


def site_bucket_policy(bucket_arn: str, distribution_arn: str) -> dict:
    """TLS only, and objects readable by CloudFront on behalf of this distribution only
    (CloudFront developer guide, "Restrict access to an Amazon S3 origin": the service principal
    with `AWS:SourceArn` of the distribution)."""
    policy = tls_only_bucket_policy(bucket_arn)
    policy["Statement"].append(
        {
            "Sid": "CloudFrontReadsForThisDistribution",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"{bucket_arn}/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
        }
    )
    return policy


class WebApp(pulumi.ComponentResource):
    """The app on CloudFront: HTTPS only, security headers on every response, the bucket
    readable by this distribution and nothing else; prod keeps the bucket if the stack drops
    it."""

    web_url: pulumi.Output[str]
    origin: pulumi.Output[str]
    distribution_id: pulumi.Output[str]
    bucket_name: pulumi.Output[str]

    def __init__(self, name: str, args: WebAppArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("hubspoke:app:WebApp", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        physical = f"{PROJECT}-{args.environment}-{name}"

        def tags(suffix: str) -> dict[str, str]:
            return dict(resource_tags(COMPONENT, f"{name}-{suffix}", args.environment))

        # Bucket: private, ACLs off, encrypted, TLS only (its policy comes after the distribution)
        self.bucket = aws.s3.Bucket(
            f"{name}-site",
            force_destroy=not args.is_prod,  # the files are rebuilt from web/ on every update
            tags=tags("site"),
            opts=pulumi.ResourceOptions.merge(
                child,
                pulumi.ResourceOptions(protect=args.is_prod, retain_on_delete=args.is_prod),
            ),
        )
        # SSE-S3: with SSE-KMS the key policy must also let CloudFront decrypt (and each cache
        # miss is a KMS request); the files are the public app, the protection is who reads them.
        public_access = keep_private(f"{name}-site", self.bucket, child).public_access

        # Origin access control: CloudFront signs its origin requests (SigV4), the legacy origin
        # access identity is not used.
        self.origin_access_control = aws.cloudfront.OriginAccessControl(
            f"{name}-oac",
            name=physical,
            description=f"{physical}: CloudFront reads the site bucket",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child,
        )

        # Response headers: the CSP allows exactly the API, Cognito and the upload bucket.
        self.connect_src = pulumi.Output.all(args.api_id, args.upload_bucket_domain).apply(
            lambda v: [
                api_origin(v[0], args.region),
                cognito_endpoint(args.region).rstrip("/"),
                f"https://{v[1]}",
            ]
        )
        self.headers_policy = aws.cloudfront.ResponseHeadersPolicy(
            f"{name}-headers",
            name=physical,
            comment=f"{physical}: CSP, HSTS, nosniff, frames, referrer",
            security_headers_config={
                "content_security_policy": {
                    "content_security_policy": self.connect_src.apply(content_security_policy),
                    "override": True,
                },
                "strict_transport_security": {
                    "access_control_max_age_sec": HSTS_MAX_AGE_SECONDS,
                    "include_subdomains": True,
                    "preload": True,
                    "override": True,
                },
                "content_type_options": {"override": True},
                "frame_options": {"frame_option": FRAME_OPTION, "override": True},
                "referrer_policy": {"referrer_policy": REFERRER_POLICY, "override": True},
            },
            opts=child,
        )

        self.distribution = aws.cloudfront.Distribution(
            f"{name}-cdn",
            enabled=True,
            comment=physical,
            default_root_object=INDEX,
            price_class=args.config.price_class,
            http_version="http2and3",
            is_ipv6_enabled=True,
            origins=[
                {
                    "origin_id": ORIGIN_ID,
                    "domain_name": self.bucket.bucket_regional_domain_name,
                    "origin_access_control_id": self.origin_access_control.id,
                }
            ],
            default_cache_behavior={
                "target_origin_id": ORIGIN_ID,
                "viewer_protocol_policy": "redirect-to-https",
                "allowed_methods": ["GET", "HEAD"],
                "cached_methods": ["GET", "HEAD"],
                "cache_policy_id": CACHING_OPTIMIZED,
                "response_headers_policy_id": self.headers_policy.id,
                "compress": True,
            },
            custom_error_responses=[
                {
                    "error_code": code,
                    "response_code": 200,
                    "response_page_path": f"/{INDEX}",
                    "error_caching_min_ttl": 0,
                }
                for code in SPA_FALLBACK_CODES
            ],
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate={"cloudfront_default_certificate": True},
            tags=tags("cdn"),
            opts=child,
        )
        self.bucket_policy = aws.s3.BucketPolicy(
            f"{name}-site",
            bucket=self.bucket.id,
            policy=pulumi.Output.all(self.bucket.arn, self.distribution.arn).apply(
                lambda v: json.dumps(site_bucket_policy(v[0], v[1]))
            ),
            # S3 rejects a policy change while the public access block is being changed.
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(depends_on=[public_access])
            ),
        )

        # The app's files and its config.json, from the stack's outputs.
        self.files = [
            aws.s3.BucketObjectv2(
                f"{name}-file-{key.replace('/', '-')}",
                bucket=self.bucket.id,
                key=key,
                source=pulumi.FileAsset(str(path)),
                content_type=content_type(key),
                cache_control=cache_control(key),
                opts=child,
            )
            for key, path in site_files(args.root)
        ]
        config = pulumi.Output.all(args.api_url, args.user_pool_id, args.user_pool_client_id).apply(
            lambda v: json.dumps(
                app_config(
                    api_url=v[0],
                    region=args.region,
                    user_pool_id=v[1],
                    client_id=v[2],
                    cognito=cognito_endpoint(args.region),
                    api=args.api,
                ),
                indent=2,
            )
        )
        self.config_file = aws.s3.BucketObjectv2(
            f"{name}-config",
            bucket=self.bucket.id,
            key=CONFIG_FILE,
            content=config,
            content_type=content_type(CONFIG_FILE),
            cache_control=cache_control(CONFIG_FILE),
            opts=child,
        )

        self.origin = self.distribution.domain_name.apply(lambda d: f"https://{d}")
        self.web_url = self.origin.apply(lambda o: f"{o}/")
        self.distribution_id = self.distribution.id
        self.bucket_name = self.bucket.id
        self.register_outputs(
            {
                "web_url": self.web_url,
                "distribution_id": self.distribution_id,
                "bucket_name": self.bucket_name,
            }
        )
