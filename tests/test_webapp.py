"""The WebApp under mocks, dev and prod: a private bucket only its distribution reads, the CSP
naming exactly the endpoints the app calls, the SPA fallback, the app's files and a config.json
equal to the stack's outputs, and the distribution's origin in the API's and the upload bucket's
CORS; `hubspoke:web` validation."""

from __future__ import annotations

import copy
import json
from typing import Any

import botocore.session
import pytest
from botocore.config import Config

from components.config import ConfigError, parse
from components.model import WebConfig
from components.web_content import WEB_ROOT, site_files
from components.webapp import CACHING_OPTIMIZED
from offline.emulator.mocks import unsecret
from offline.runner import RunResult, run, stack_config

T_WEB = "hubspoke:app:WebApp"
T_BUCKET = "aws:s3/bucket:Bucket"
T_OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
T_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
T_DIST = "aws:cloudfront/distribution:Distribution"
T_OAC = "aws:cloudfront/originAccessControl:OriginAccessControl"
T_HEADERS = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
T_FUNCTION = "aws:lambda/function:Function"
T_CORS = "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration"
STACKS = ("dev", "prod")


@pytest.fixture(scope="module")
def runs(run_stack_file) -> dict[str, RunResult]:
    return {stack: run_stack_file(stack) for stack in STACKS}


@pytest.fixture(scope="module", params=STACKS)
def stack(request, runs) -> RunResult:
    return runs[request.param]


def _csp(result: RunResult) -> dict[str, list[str]]:
    [policy] = result.of_type(T_HEADERS)
    text = policy.inputs["securityHeadersConfig"]["contentSecurityPolicy"]["contentSecurityPolicy"]
    directives = [d.split() for d in text.split(";")]
    return {d[0]: d[1:] for d in directives}


def _origin(result: RunResult) -> str:
    return result.outputs["web_url"].rstrip("/")


def test_every_web_resource_is_a_child_of_the_web_app_on_the_apis_provider(stack):
    [web] = stack.of_type(T_WEB)
    function = stack.named(T_FUNCTION, "items-function")
    children = stack.children_of(web)
    assert sorted({c.type for c in children}) == sorted(
        {
            T_BUCKET, T_OBJECT, T_POLICY, T_DIST, T_OAC, T_HEADERS,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        }
    )  # fmt: skip
    assert {c.provider_urn for c in children} == {function.provider_urn}


def test_the_site_bucket_is_private_owner_enforced_and_encrypted(stack):
    block = stack.named("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "web-site")
    keys = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    assert all(block.inputs[k] is True for k in keys)
    owners = stack.named("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "web-site")
    assert owners.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    sse = stack.named(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "web-site",
    )
    [rule] = sse.inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    bucket = stack.named(T_BUCKET, "web-site")
    for r in (block, owners, sse):
        assert r.inputs["bucket"] == bucket.id


def test_prod_protects_the_site_bucket_and_dev_lets_it_go(runs):
    prod, dev = runs["prod"].named(T_BUCKET, "web-site"), runs["dev"].named(T_BUCKET, "web-site")
    assert (prod.protect, prod.retain_on_delete, prod.inputs["forceDestroy"]) == (True, True, False)
    assert (dev.protect, dev.retain_on_delete, dev.inputs["forceDestroy"]) == (False, False, True)


def test_the_bucket_policy_lets_only_this_distribution_read_and_refuses_plain_http(stack):
    bucket = stack.named(T_BUCKET, "web-site")
    [dist] = stack.of_type(T_DIST)
    policy = json.loads(stack.named(T_POLICY, "web-site").inputs["policy"])
    arn = bucket.outputs["arn"]
    deny, allow = policy["Statement"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [arn, f"{arn}/*"]
    assert allow == {
        "Sid": "CloudFrontReadsForThisDistribution",
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": f"{arn}/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": dist.outputs["arn"]}},
    }
    assert dist.outputs["arn"].startswith("arn:aws:cloudfront::")


def test_the_distribution_reads_the_bucket_through_origin_access_control_over_https(runs):
    for stack in runs.values():
        [dist], [oac] = stack.of_type(T_DIST), stack.of_type(T_OAC)
        bucket = stack.named(T_BUCKET, "web-site")
        assert (
            oac.inputs["originAccessControlOriginType"],
            oac.inputs["signingBehavior"],
            oac.inputs["signingProtocol"],
        ) == ("s3", "always", "sigv4")
        [origin] = dist.inputs["origins"]
        assert origin["domainName"] == bucket.outputs["bucketRegionalDomainName"]
        assert origin["originAccessControlId"] == oac.id
        assert "s3OriginConfig" not in origin  # no legacy origin access identity
        behavior = dist.inputs["defaultCacheBehavior"]
        assert behavior["targetOriginId"] == origin["originId"]
        assert behavior["viewerProtocolPolicy"] == "redirect-to-https"
        assert behavior["cachePolicyId"] == CACHING_OPTIMIZED
        assert behavior["responseHeadersPolicyId"] == stack.of_type(T_HEADERS)[0].id
        assert sorted(behavior["allowedMethods"]) == ["GET", "HEAD"]
        assert dist.inputs["defaultRootObject"] == "index.html"
        assert dist.inputs["viewerCertificate"] == {"cloudfrontDefaultCertificate": True}
        assert dist.inputs["priceClass"] == WebConfig.price_class


def test_unknown_paths_fall_back_to_index_html_with_200(stack):
    [dist] = stack.of_type(T_DIST)
    fallback = {
        int(e["errorCode"]): (int(e["responseCode"]), e["responsePagePath"])
        for e in dist.inputs["customErrorResponses"]
    }
    assert fallback == {403: (200, "/index.html"), 404: (200, "/index.html")}


def test_the_csp_allows_exactly_the_api_cognito_and_the_upload_bucket(stack):
    csp = _csp(stack)
    api = stack.named("aws:apigateway/restApi:RestApi", "items-api")
    uploads = stack.named(T_BUCKET, "items-uploads")
    region = stack.region_of(api)
    assert csp["connect-src"] == [
        "'self'",
        f"https://{api.id}.execute-api.{region}.amazonaws.com",
        f"https://cognito-idp.{region}.amazonaws.com",
        f"https://{uploads.outputs['bucketRegionalDomainName']}",
    ]
    assert stack.outputs["api_url"].startswith(csp["connect-src"][1] + "/")
    assert not any("*" in source for sources in csp.values() for source in sources)
    assert csp["default-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]


def test_the_csp_upload_source_is_where_the_functions_presigned_post_goes(stack):
    """The function signs with a regional, virtual-hosted client (functions/items/app.py): the
    URL botocore gives it must be the CSP's upload source, or the browser blocks the POST."""
    uploads = stack.named(T_BUCKET, "items-uploads")
    s3 = botocore.session.get_session().create_client(
        "s3",
        region_name=stack.region_of(uploads),
        aws_access_key_id="AKIAEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"}),
    )
    url = s3.generate_presigned_post(Bucket=uploads.id, Key="uploads/x")["url"]
    assert url.rstrip("/") == _csp(stack)["connect-src"][3]


def test_the_security_headers_are_hsts_nosniff_no_frames_and_a_referrer_policy(stack):
    [policy] = stack.of_type(T_HEADERS)
    headers = policy.inputs["securityHeadersConfig"]
    hsts = headers["strictTransportSecurity"]
    assert hsts["accessControlMaxAgeSec"] >= 31_536_000
    assert hsts["includeSubdomains"] and hsts["preload"] and hsts["override"]
    assert headers["contentTypeOptions"] == {"override": True}
    assert headers["frameOptions"] == {"frameOption": "DENY", "override": True}
    assert headers["referrerPolicy"]["referrerPolicy"] == "strict-origin-when-cross-origin"
    assert headers["contentSecurityPolicy"]["override"] is True


def test_every_file_of_the_app_is_uploaded_with_its_type_and_cache_control(stack):
    bucket = stack.named(T_BUCKET, "web-site")
    objects = {o.inputs["key"]: o for o in stack.of_type(T_OBJECT)}
    assert sorted(objects) == sorted([key for key, _ in site_files(WEB_ROOT)] + ["config.json"])
    assert {o.inputs["bucket"] for o in objects.values()} == {bucket.id}
    types = {key: o.inputs["contentType"] for key, o in objects.items()}
    assert types["index.html"] == "text/html; charset=utf-8"
    assert types["styles.css"] == "text/css; charset=utf-8"
    assert types["config.json"] == "application/json"
    assert all(types[k] == "text/javascript; charset=utf-8" for k in objects if k.endswith(".js"))
    cache = {key: o.inputs["cacheControl"] for key, o in objects.items()}
    assert cache.pop("index.html") == cache.pop("config.json") == "no-cache"
    assert set(cache.values()) == {"public, max-age=300"}
    for key, path in site_files(WEB_ROOT):
        assert objects[key].inputs["source"] == {"FileAsset": str(path)}


def test_config_json_is_the_stacks_outputs(stack):
    config = json.loads(stack.named(T_OBJECT, "web-config").inputs["content"])
    region = stack.region_of(stack.named(T_FUNCTION, "items-function"))
    assert config["apiUrl"] == stack.outputs["api_url"]
    assert config["userPoolId"] == stack.outputs["user_pool_id"]
    assert config["clientId"] == stack.outputs["user_pool_client_id"]
    assert config["region"] == region
    assert config["cognitoEndpoint"] == f"https://cognito-idp.{region}.amazonaws.com/"
    api = stack_config(stack.stack)["hubspoke:api"]
    assert config["uploadMaxBytes"] == api.get("uploadMaxBytes", 10 * 1024 * 1024)
    assert config["groups"] == api.get("groups", {})


def test_the_distributions_origin_is_in_the_apis_and_the_upload_buckets_cors(stack):
    origin = _origin(stack)
    configured = stack_config(stack.stack)["hubspoke:api"]["corsOrigins"]
    function = stack.named(T_FUNCTION, "items-function")
    env = unsecret(function.inputs["environment"])["variables"]
    assert env["CORS_ORIGINS"].split(",") == [*configured, origin]
    [rule] = stack.named(T_CORS, "items-uploads").inputs["corsRules"]
    assert rule["allowedOrigins"] == [*configured, origin]
    # Several origins: the gateway's own errors echo the caller's origin, and the preflights go
    # to the function (a MOCK answers with one fixed origin).
    response = stack.named("aws:apigateway/response:Response", "items-default-4xx")
    parameters = response.inputs["responseParameters"]
    allow = parameters["gatewayresponse.header.Access-Control-Allow-Origin"]
    assert allow == "method.request.header.Origin"
    options = [
        i for i in stack.of_type("aws:apigateway/integration:Integration")
        if i.inputs["httpMethod"] == "OPTIONS"
    ]  # fmt: skip
    assert options and {i.inputs["type"] for i in options} == {"AWS_PROXY"}


def test_the_resources_follow_rest_api_then_headers_then_distribution_then_cors(stack):
    """No cycle: the CSP waits for the REST API, and what carries CORS waits for the
    distribution (the engine orders creation by these dependencies)."""
    urns = {r.name: r.urn for r in stack.resources if r.custom}
    [dist], [headers] = stack.of_type(T_DIST), stack.of_type(T_HEADERS)
    csp_from = headers.property_dependencies["securityHeadersConfig"]
    assert urns["items-api"] in csp_from
    assert headers.urn in dist.property_dependencies["defaultCacheBehavior"]
    function = stack.named(T_FUNCTION, "items-function")
    assert dist.urn in function.property_dependencies["environment"]
    assert dist.urn in stack.named(T_CORS, "items-uploads").property_dependencies["corsRules"]
    deployment = stack.named("aws:apigateway/deployment:Deployment", "items-deployment")
    assert dist.urn in deployment.property_dependencies["triggers"]


def test_web_url_is_exported_and_is_the_distributions_https_origin(stack):
    [dist] = stack.of_type(T_DIST)
    assert stack.outputs["web_url"] == f"https://{dist.outputs['domainName']}/"
    assert stack.outputs["web_distribution_id"] == dist.id


@pytest.mark.parametrize("stack_name", STACKS)
def test_preview_registers_the_web_app_with_its_outputs_unknown(stack_name):
    previewed = run(stack_name, preview=True)
    assert len(previewed.of_type(T_DIST)) == 1
    assert len(previewed.of_type(T_OBJECT)) == len(site_files(WEB_ROOT)) + 1
    assert "web_url" in previewed.outputs


def test_web_off_registers_no_cloudfront_and_keeps_the_configured_cors(config_of):
    config = config_of("dev")
    config["hubspoke:web"] = {"enabled": False}
    result = run("dev", config=config)
    assert not result.of_type(T_WEB) and not result.of_type(T_DIST)
    assert "web_url" not in result.outputs
    env = unsecret(result.named(T_FUNCTION, "items-function").inputs["environment"])["variables"]
    assert env["CORS_ORIGINS"].split(",") == config["hubspoke:api"]["corsOrigins"]


# -- hubspoke:web validation (pure) -----------------------------------------------------------

BASE: dict[str, Any] = {
    "environment": "dev",
    "accounts": {"sandbox": {"id": "111122223333"}},
    "hub": {"account": "sandbox", "cidr": "10.10.0.0/16"},
    "spokes": [{"name": "app", "account": "sandbox", "cidr": "10.11.0.0/16"}],
    "api": {"spoke": "app", "corsOrigins": ["https://app.example.com"]},
}


def _parse(**changes: Any):
    raw = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is None:
            raw.pop(key)
        else:
            raw[key] = value
    return parse(raw, stack="dev", region="eu-west-1")


def _problems(**changes: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        _parse(**changes)
    return caught.value.problems


def test_the_web_app_is_on_by_default_wherever_the_api_is():
    assert _parse().web == WebConfig(price_class="PriceClass_100")
    assert _parse(api=None).web is None
    assert _parse(web=False).web is None
    assert _parse(web={"enabled": False}).web is None
    assert _parse(web={"priceClass": "PriceClass_All"}).web == WebConfig("PriceClass_All")


def test_bad_web_settings_are_all_reported_with_key_path_value_and_nearest_key():
    found = _problems(web={"priceClas": "PriceClass_100", "enabled": "yes"})
    assert found == [
        "hubspoke:web.priceClas is not a known key; did you mean priceClass? "
        "(known: enabled, priceClass)",
        "hubspoke:web.enabled yes must be true or false",
    ]
    [bad_class] = _problems(web={"priceClass": "PriceClass_50"})
    assert bad_class == (
        "hubspoke:web.priceClass PriceClass_50 is not a CloudFront price class "
        "(allowed: PriceClass_100, PriceClass_200, PriceClass_All)"
    )


def test_a_web_app_without_an_api_is_refused_and_reported_with_other_problems():
    found = _problems(api=None, web={"enabled": True}, logRetentionDays=4)
    assert found[0].startswith("hubspoke:logRetentionDays 4 ")
    assert found[1] == (
        'hubspoke:web {"enabled": true} needs hubspoke:api (the app is the API\'s front end); '
        "remove it or set enabled: false"
    )
    assert _parse(api=None, web=False).web is None
