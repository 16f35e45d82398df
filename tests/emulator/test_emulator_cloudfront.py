"""What CloudFront refuses and moto lets through, refused by the emulator layer
(offline/emulator/cloudfront.py), each naming the resource and AWS's error."""

from __future__ import annotations

import pytest

from offline.emulator import EmulatorRejected

SITE = """
bucket = aws.s3.Bucket("site", opts=on(hub))
oac = aws.cloudfront.OriginAccessControl("site", name="site", signing_behavior="always",
    signing_protocol="sigv4", origin_access_control_origin_type={origin_type!r}, opts=on(hub))
headers = aws.cloudfront.ResponseHeadersPolicy("site", name="site",
    security_headers_config={{
        "content_security_policy": {{"content_security_policy": {csp!r}, "override": True}},
        "frame_options": {{"frame_option": "DENY", "override": True}},
    }}, opts=on(hub))
aws.cloudfront.Distribution("site", enabled=True, default_root_object="index.html",
    origins=[{{"origin_id": "site", "domain_name": {domain},
               "origin_access_control_id": oac.id}}],
    default_cache_behavior={{"target_origin_id": "site",
        "viewer_protocol_policy": "redirect-to-https",
        "allowed_methods": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"],
        "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        "response_headers_policy_id": {headers_policy}}},
    custom_error_responses=[{{"error_code": 404, "response_code": 200,
                              "response_page_path": {page!r}}}],
    restrictions={{"geo_restriction": {{"restriction_type": "none"}}}},
    viewer_certificate={{"cloudfront_default_certificate": True}}, opts=on(hub))
"""
GOOD = {
    "origin_type": "s3",
    "csp": "default-src 'self'",
    "domain": "bucket.bucket_regional_domain_name",
    "headers_policy": "headers.id",
    "page": "/index.html",
}


def _program(**changes: str) -> str:
    return SITE.format(**{**GOOD, **changes})


def test_the_site_deploys_when_nothing_is_wrong(run_program, emulator):
    result = run_program(_program())
    [dist] = result.of_type("aws:cloudfront/distribution:Distribution")
    assert dist.outputs["domainName"].endswith(".cloudfront.net")
    assert dist.outputs["arn"] == f"arn:aws:cloudfront::111122223333:distribution/{dist.id}"


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        (
            {"domain": '"api.example.com"'},
            "IllegalOriginAccessConfiguration: origin site (api.example.com) is no S3 bucket",
        ),
        ({"origin_type": "website"}, "InvalidArgument: origin type website"),
        (
            {"headers_policy": '"00000000-0000-0000-0000-000000000000"'},
            "NoSuchResponseHeadersPolicy",
        ),
        ({"csp": "default-src " + "'self' " * 300}, "TooLongCSPInResponseHeadersPolicy"),
        ({"page": "index.html"}, "response page path index.html must start with /"),
    ],
    ids=["s3-access-control-on-another-origin", "origin-type", "headers-policy", "csp", "page"],
)
def test_what_cloudfront_refuses_is_refused(run_program, changes, refusal):
    with pytest.raises(EmulatorRejected) as rejected:
        run_program(_program(**changes))
    assert refusal in str(rejected.value)
