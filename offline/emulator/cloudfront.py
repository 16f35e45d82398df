"""CloudFront: origin access controls, response headers policies, distributions, and a model of
how a distribution answers a viewer.

moto stores distributions and origin access controls, but keeps no origin's
`OriginAccessControlId`, checks no cache or response headers policy id, and has no response
headers policies at all. The emulator layer adds what CloudFront refuses:

- an origin access control of another origin type than the ones CloudFront knows, or signing
  other than SigV4 (CreateOriginAccessControl, OriginAccessControlConfig);
- an origin naming an origin access control that does not exist, an `s3` one on an origin that
  is no S3 bucket endpoint, or both an access control and a legacy origin access identity
  (CloudFront developer guide, "Restrict access to an Amazon S3 origin": IllegalOriginAccess
  Configuration);
- a cache behavior naming a cache policy or response headers policy that does not exist
  (NoSuchCachePolicy, NoSuchResponseHeadersPolicy), or a cache policy and legacy forwarded
  values together; a custom error response with a page path but no response code (or the
  reverse) or a path not starting with `/`; a default root object starting with `/`;
- a response headers policy whose name is taken in the account, whose Content-Security-Policy
  is longer than CloudFront's quota (1783 characters, "Quotas on response headers policies"),
  or whose frame option or referrer policy is not one CloudFront sends.

`serve()` answers a viewer's GET as the distribution would: HTTP redirected to HTTPS, the default
root object, the origin read signed by the origin access control and authorized by the bucket
policy through the IAM engine (offline/iam, with CloudFront's service principal and
`AWS:SourceArn` of the distribution), the custom error responses, and the response headers
policy's headers. A bucket policy that names another distribution gets the 403 CloudFront would.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import botocore.exceptions

from offline.emulator.registry import Created, Ctx, EmulatorRejected, Inputs, number, resource
from offline.emulator.storage import object_store

if TYPE_CHECKING:
    from offline.emulator.mocks import EmulatorMocks

T_DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
# Managed cache policies (CloudFront developer guide, "Use managed cache policies").
MANAGED_CACHE_POLICIES = {
    "658327ea-f89d-4fab-a63d-7e88639e58f6": "CachingOptimized",
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": "CachingDisabled",
}
OAC_ORIGIN_TYPES = ("s3", "mediastore", "mediapackagev2", "lambda")
OAC_SIGNING_BEHAVIORS = ("always", "never", "no-override")
FRAME_OPTIONS = ("DENY", "SAMEORIGIN")
REFERRER_POLICIES = (
    "no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
    "same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url",
)  # fmt: skip
CSP_MAX_LENGTH = 1783
VIEWER_PROTOCOL_POLICIES = ("allow-all", "https-only", "redirect-to-https")
# An S3 bucket's REST endpoint, global or regional (Amazon S3 user guide, "Virtual hosting").
_S3_DOMAIN = re.compile(r"^(?P<bucket>[a-z0-9.-]{3,63})\.s3(\.[a-z0-9-]+)?\.amazonaws\.com$")


def _headers_policies(ctx: Ctx) -> dict[str, dict[str, Any]]:
    """Response headers policies by id, with the account that owns each."""
    return ctx.emulator.extra.setdefault("cloudfront_response_headers_policies", {})


def _cloudfront(ctx: Ctx) -> Any:
    return ctx.client("cloudfront", "us-east-1")  # a global service, one endpoint


@resource("aws:cloudfront/originAccessControl:OriginAccessControl")
def origin_access_control(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    origin_type = inputs["originAccessControlOriginType"]
    if origin_type not in OAC_ORIGIN_TYPES:
        raise EmulatorRejected(
            f"InvalidArgument: origin type {origin_type} (allowed: {', '.join(OAC_ORIGIN_TYPES)})"
        )
    if inputs["signingProtocol"] != "sigv4":
        raise EmulatorRejected(f"InvalidArgument: signing protocol {inputs['signingProtocol']}")
    if inputs["signingBehavior"] not in OAC_SIGNING_BEHAVIORS:
        raise EmulatorRejected(f"InvalidArgument: signing behavior {inputs['signingBehavior']}")
    control = _cloudfront(ctx).create_origin_access_control(
        OriginAccessControlConfig={
            "Name": inputs["name"],
            "Description": inputs.get("description") or "",
            "SigningProtocol": inputs["signingProtocol"],
            "SigningBehavior": inputs["signingBehavior"],
            "OriginAccessControlOriginType": origin_type,
        }
    )
    return control["OriginAccessControl"]["Id"], {"etag": control["ETag"]}


def _check_security_headers(config: Inputs) -> None:
    csp = (config.get("contentSecurityPolicy") or {}).get("contentSecurityPolicy")
    if csp is not None and len(csp) > CSP_MAX_LENGTH:
        raise EmulatorRejected(
            f"TooLongCSPInResponseHeadersPolicy: {len(csp)} characters, the quota is "
            f"{CSP_MAX_LENGTH}"
        )
    frame = (config.get("frameOptions") or {}).get("frameOption")
    if frame is not None and frame not in FRAME_OPTIONS:
        raise EmulatorRejected(f"InvalidArgument: frame option {frame}")
    referrer = (config.get("referrerPolicy") or {}).get("referrerPolicy")
    if referrer is not None and referrer not in REFERRER_POLICIES:
        raise EmulatorRejected(f"InvalidArgument: referrer policy {referrer}")


@resource("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
def response_headers_policy(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    policies = _headers_policies(ctx)
    policy_name = inputs["name"]
    if any(p["account"] == ctx.account_id and p["name"] == policy_name for p in policies.values()):
        raise EmulatorRejected(f"ResponseHeadersPolicyAlreadyExists: {policy_name}")
    _check_security_headers(inputs.get("securityHeadersConfig") or {})
    digest = hashlib.sha256(f"{ctx.account_id}/{policy_name}".encode()).hexdigest()
    policy_id = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    policies[policy_id] = {"account": ctx.account_id, "name": policy_name, "inputs": dict(inputs)}
    return policy_id, {"etag": digest[:14].upper()}


def _check_origin(ctx: Ctx, origin: Inputs) -> dict[str, Any]:
    """One origin as CreateDistribution takes it, after CloudFront's checks."""
    domain = origin["domainName"]
    s3 = _S3_DOMAIN.match(domain)
    entry: dict[str, Any] = {"Id": origin["originId"], "DomainName": domain}
    identity = (origin.get("s3OriginConfig") or {}).get("originAccessIdentity") or ""
    control_id = origin.get("originAccessControlId")
    if control_id:
        try:
            control = _cloudfront(ctx).get_origin_access_control(Id=control_id)
        except botocore.exceptions.ClientError:
            raise EmulatorRejected(
                f"NoSuchOriginAccessControl: origin {origin['originId']} names {control_id}"
            ) from None
        kind = control["OriginAccessControl"]["OriginAccessControlConfig"][
            "OriginAccessControlOriginType"
        ]
        if kind == "s3" and not s3:
            raise EmulatorRejected(
                f"IllegalOriginAccessConfiguration: origin {origin['originId']} ({domain}) is no "
                f"S3 bucket endpoint, and its origin access control {control_id} is of type s3"
            )
        if identity:
            raise EmulatorRejected(
                f"IllegalOriginAccessConfiguration: origin {origin['originId']} has both an "
                "origin access control and an origin access identity"
            )
        entry["OriginAccessControlId"] = control_id
    if s3:
        entry["S3OriginConfig"] = {"OriginAccessIdentity": identity}
    elif origin.get("customOriginConfig"):
        custom = origin["customOriginConfig"]
        entry["CustomOriginConfig"] = {
            "HTTPPort": number(custom["httpPort"]),
            "HTTPSPort": number(custom["httpsPort"]),
            "OriginProtocolPolicy": custom["originProtocolPolicy"],
        }
    else:
        raise EmulatorRejected(f"InvalidArgument: origin {origin['originId']} ({domain})")
    return entry


def _check_behavior(ctx: Ctx, behavior: Inputs, origin_ids: list[str]) -> dict[str, Any]:
    if behavior["targetOriginId"] not in origin_ids:
        raise EmulatorRejected(f"NoSuchOrigin: {behavior['targetOriginId']}")
    if behavior["viewerProtocolPolicy"] not in VIEWER_PROTOCOL_POLICIES:
        raise EmulatorRejected(
            f"InvalidArgument: viewer protocol {behavior['viewerProtocolPolicy']}"
        )
    cache_policy = behavior.get("cachePolicyId")
    if cache_policy and cache_policy not in MANAGED_CACHE_POLICIES:
        raise EmulatorRejected(f"NoSuchCachePolicy: {cache_policy}")
    if cache_policy and behavior.get("forwardedValues"):
        raise EmulatorRejected(
            "InvalidArgument: a cache behavior takes a cache policy or forwarded values, not both"
        )
    if not cache_policy and not behavior.get("forwardedValues"):
        raise EmulatorRejected("InvalidArgument: a cache behavior needs a cache policy")
    headers_policy = behavior.get("responseHeadersPolicyId")
    if headers_policy:
        policy = _headers_policies(ctx).get(headers_policy)
        if policy is None or policy["account"] != ctx.account_id:
            raise EmulatorRejected(f"NoSuchResponseHeadersPolicy: {headers_policy}")
    return {
        "TargetOriginId": behavior["targetOriginId"],
        "ViewerProtocolPolicy": behavior["viewerProtocolPolicy"],
        "CachePolicyId": cache_policy or "",
        "ResponseHeadersPolicyId": headers_policy or "",
        "Compress": bool(behavior.get("compress")),
    }


def _check_error_responses(responses: list[Inputs]) -> list[dict[str, Any]]:
    entries = []
    for response in responses:
        path, code = response.get("responsePagePath"), response.get("responseCode")
        if bool(path) != bool(code):
            raise EmulatorRejected(
                "InvalidArgument: a custom error response takes ResponsePagePath and "
                "ResponseCode together or neither"
            )
        if path and not path.startswith("/"):
            raise EmulatorRejected(f"InvalidArgument: response page path {path} must start with /")
        entry: dict[str, Any] = {"ErrorCode": number(response["errorCode"])}
        if path:
            entry.update(ResponsePagePath=path, ResponseCode=str(number(code)))
        entries.append(entry)
    return entries


@resource(T_DISTRIBUTION)
def distribution(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    root = inputs.get("defaultRootObject") or ""
    if root.startswith("/"):
        raise EmulatorRejected(f"InvalidDefaultRootObject: {root}")
    origins = [_check_origin(ctx, o) for o in inputs["origins"]]
    behavior = _check_behavior(ctx, inputs["defaultCacheBehavior"], [o["Id"] for o in origins])
    errors = _check_error_responses(list(inputs.get("customErrorResponses") or []))
    config = {
        "CallerReference": name,
        "Comment": inputs.get("comment") or "",
        "Enabled": bool(inputs["enabled"]),
        "DefaultRootObject": root,
        "PriceClass": inputs.get("priceClass") or "PriceClass_All",
        "Origins": {"Quantity": len(origins), "Items": origins},
        "DefaultCacheBehavior": behavior,
        "CustomErrorResponses": {"Quantity": len(errors), "Items": errors},
    }
    tags = ctx.tag_list(inputs)
    out = _cloudfront(ctx).create_distribution_with_tags(
        DistributionConfigWithTags={"DistributionConfig": config, "Tags": {"Items": tags}}
    )["Distribution"]
    return out["Id"], {
        "arn": out["ARN"],
        "domainName": out["DomainName"],
        "status": "Deployed",
        "etag": out.get("ETag", ""),
        "callerReference": name,
        # CloudFront's one hosted zone for alias records (Route 53 API reference, AliasTarget).
        "hostedZoneId": "Z2FDTNDATAQYW2",
    }


@dataclass
class Response:
    """What a viewer gets from the distribution."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def _policy_headers(policy: Inputs) -> dict[str, str]:
    """The headers a response headers policy adds (its security headers)."""
    config = policy.get("securityHeadersConfig") or {}
    headers: dict[str, str] = {}
    if csp := config.get("contentSecurityPolicy"):
        headers["Content-Security-Policy"] = csp["contentSecurityPolicy"]
    if hsts := config.get("strictTransportSecurity"):
        value = f"max-age={number(hsts['accessControlMaxAgeSec'])}"
        value += "; includeSubDomains" if hsts.get("includeSubdomains") else ""
        value += "; preload" if hsts.get("preload") else ""
        headers["Strict-Transport-Security"] = value
    if config.get("contentTypeOptions"):
        headers["X-Content-Type-Options"] = "nosniff"
    if frame := config.get("frameOptions"):
        headers["X-Frame-Options"] = frame["frameOption"]
    if referrer := config.get("referrerPolicy"):
        headers["Referrer-Policy"] = referrer["referrerPolicy"]
    return headers


def _origin_get(emulator: EmulatorMocks, dist: Created, origin: Inputs, key: str) -> Response:
    """The origin request: signed by the origin access control as CloudFront's service principal
    on behalf of this distribution, authorized by the bucket policy, then S3's GetObject."""
    from offline.iam import evaluate

    bucket = _S3_DOMAIN.match(origin["domainName"]).group("bucket")  # type: ignore[union-attr]
    ctx = emulator.context_for_account(dist.account_id, dist.region)
    s3 = ctx.client("s3")
    try:
        policy = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    except botocore.exceptions.ClientError:
        policy = None
    decision = evaluate(
        {
            "request": {
                "principal": "cloudfront.amazonaws.com",
                "action": "s3:GetObject",
                "resource": {
                    "resource": f"arn:aws:s3:::{bucket}/{key}",
                    "accountId": ctx.account_id,
                },
                "contextVariables": {
                    "aws:SourceArn": dist.outputs["arn"],
                    "aws:SourceAccount": dist.account_id,
                    "aws:SecureTransport": "true",
                },
            },
            "identityPolicies": [],
            **({"resourcePolicy": json.loads(policy)} if policy else {}),
        }
    )
    if not decision.allowed:
        return Response(403, {"Content-Type": "application/xml"}, b"<Error>AccessDenied</Error>")
    stored = object_store(ctx).buckets[bucket].keys.get(key)
    if stored is None:
        # No s3:ListBucket for CloudFront: a missing key is 403, as S3 answers it.
        return Response(403, {"Content-Type": "application/xml"}, b"<Error>AccessDenied</Error>")
    headers = {k: v for k, v in stored.metadata.items() if k in ("content-type", "cache-control")}
    return Response(200, {k.title(): v for k, v in headers.items()}, stored.value)


def serve(emulator: EmulatorMocks, domain: str, path: str, *, scheme: str = "https") -> Response:
    """A viewer's GET of `scheme://domain/path`, answered as the distribution would."""
    dist = next(
        (
            c
            for c in emulator.created
            if c.type == T_DISTRIBUTION and c.outputs["domainName"] == domain
        ),
        None,
    )
    if dist is None:
        return Response(404, body=b"no such distribution")
    inputs = dist.outputs
    behavior = inputs["defaultCacheBehavior"]
    if scheme != "https":
        if behavior["viewerProtocolPolicy"] == "redirect-to-https":
            return Response(301, {"Location": f"https://{domain}{path}"})
        if behavior["viewerProtocolPolicy"] == "https-only":
            return Response(403)
    policy = _headers_policies(emulator.context_for_account(dist.account_id, dist.region)).get(
        behavior.get("responseHeadersPolicyId") or ""
    )
    origin = next(o for o in inputs["origins"] if o["originId"] == behavior["targetOriginId"])
    key = path.lstrip("/") or (inputs.get("defaultRootObject") or "")
    response = _origin_get(emulator, dist, origin, key)
    if response.status >= 400:
        for error in inputs.get("customErrorResponses") or []:
            if number(error["errorCode"]) == response.status and error.get("responsePagePath"):
                page = _origin_get(emulator, dist, origin, error["responsePagePath"].lstrip("/"))
                if page.status < 400:  # an error page that fails itself: its own error
                    page.status = number(error["responseCode"]) or 200
                response = page
                break
    if policy is not None:
        response.headers.update(_policy_headers(policy["inputs"]))
    return response
