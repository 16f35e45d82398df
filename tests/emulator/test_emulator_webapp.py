"""The dev stack's WebApp deployed into the emulator: the distribution, its origin access control,
the bucket policy and the app's objects exist in moto, and the distribution answers a viewer as
CloudFront would (offline/emulator/cloudfront.py `serve`)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from components.web_content import WEB_ROOT, site_files
from components.webapp import site_bucket_policy
from offline.deploy import deploy
from offline.emulator import EmulatorMocks
from offline.emulator.cloudfront import serve
from offline.runner import RunResult


@pytest.fixture(scope="module")
def deployed() -> Iterator[tuple[EmulatorMocks, RunResult]]:
    with EmulatorMocks() as emulator:
        yield emulator, deploy("dev", emulator)


def _site(emulator: EmulatorMocks, result: RunResult):
    bucket = result.named("aws:s3/bucket:Bucket", "web-site")
    ctx = emulator.context_for_account(result.account_of(bucket), result.region_of(bucket))
    return bucket, ctx


def test_the_distribution_its_access_control_policy_and_objects_exist_in_moto(deployed):
    emulator, result = deployed
    bucket, ctx = _site(emulator, result)
    cloudfront = ctx.client("cloudfront", "us-east-1")
    dist = cloudfront.get_distribution(Id=result.outputs["web_distribution_id"])["Distribution"]
    assert result.outputs["web_url"] == f"https://{dist['DomainName']}/"
    config = dist["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    [origin] = config["Origins"]["Items"]
    assert origin["DomainName"] == f"{bucket.id}.s3.{ctx.region}.amazonaws.com"
    oac_id = result.named("aws:cloudfront/originAccessControl:OriginAccessControl", "web-oac").id
    oac = cloudfront.get_origin_access_control(Id=oac_id)["OriginAccessControl"]
    assert oac["OriginAccessControlConfig"]["OriginAccessControlOriginType"] == "s3"
    s3 = ctx.client("s3")
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket.id)["Policy"])
    assert policy == site_bucket_policy(f"arn:aws:s3:::{bucket.id}", dist["ARN"])
    block = s3.get_public_access_block(Bucket=bucket.id)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket.id)["Contents"])
    assert keys == sorted([key for key, _ in site_files(WEB_ROOT)] + ["config.json"])


def test_the_distribution_serves_the_app_with_its_headers_and_the_spa_fallback(deployed):
    emulator, result = deployed
    domain = result.outputs["web_url"].split("/")[2]
    index = (WEB_ROOT / "index.html").read_bytes()
    for path in ("/", "/index.html", "/items/some-id"):
        page = serve(emulator, domain, path)
        assert (page.status, page.body) == (200, index), path
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert page.headers["Cache-Control"] == "no-cache"
        assert page.headers["X-Frame-Options"] == "DENY"
        assert "connect-src 'self' https://" in page.headers["Content-Security-Policy"]
    script = serve(emulator, domain, "/js/app.js")
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert script.body == (WEB_ROOT / "js" / "app.js").read_bytes()
    config = json.loads(serve(emulator, domain, "/config.json").body)
    assert config["apiUrl"] == result.outputs["api_url"]
    assert config["userPoolId"] == result.outputs["user_pool_id"]
    assert config["clientId"] == result.outputs["user_pool_client_id"]
    redirect = serve(emulator, domain, "/", scheme="http")
    assert (redirect.status, redirect.headers["Location"]) == (301, f"https://{domain}/")


def test_a_bucket_policy_for_another_distribution_leaves_the_site_403(deployed):
    """CloudFront's read is authorized by the bucket policy (the IAM engine, with CloudFront's
    service principal and `AWS:SourceArn`): a policy naming another distribution denies it."""
    emulator, result = deployed
    bucket, ctx = _site(emulator, result)
    s3 = ctx.client("s3")
    kept = s3.get_bucket_policy(Bucket=bucket.id)["Policy"]
    other = f"arn:aws:cloudfront::{ctx.account_id}:distribution/EOTHERDISTRIBUTION"
    s3.put_bucket_policy(
        Bucket=bucket.id, Policy=json.dumps(site_bucket_policy(f"arn:aws:s3:::{bucket.id}", other))
    )
    try:
        page = serve(emulator, result.outputs["web_url"].split("/")[2], "/")
        assert page.status == 403 and b"AccessDenied" in page.body
    finally:
        s3.put_bucket_policy(Bucket=bucket.id, Policy=kept)
