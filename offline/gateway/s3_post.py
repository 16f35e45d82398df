"""The S3 endpoint a browser posts a presigned POST to, checking the form as S3 does before it
stores the object in the emulated bucket (moto's S3 does not enforce POST policies).

Checked, in S3's order and with S3's error codes (XML bodies): the form's fields (file last),
the SigV4 signature of the policy with the signing credentials, the policy's expiration, every
condition (exact match, `eq`, `starts-with`, `content-length-range`) and that every form field is
covered by one; then the bucket's CORS rules for the browser's origin, as S3 applies them.
Source: Amazon S3 API reference, "Browser-based uploads using POST (AWS Signature Version 4)"
and "Creating a POST policy".
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.parser
import email.policy
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any
from xml.sax.saxutils import escape

from offline.emulator import EmulatorMocks
from offline.gateway.response import Response

MAX_LOCAL_UPLOAD_BYTES = 64 * 1024 * 1024  # the sandbox's own cap (S3's is 5 GB)
_SIGNED_FIELDS = ("policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature")
_UNCHECKED = {"policy", "x-amz-signature", "file"}  # not covered by conditions (S3 docs)


class PostRefused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _xml_error(error: PostRefused, headers: dict[str, str]) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{error.code}</Code><Message>{escape(error.message)}</Message></Error>"
    )
    return Response(error.status, {"Content-Type": "application/xml", **headers}, body.encode())


def parse_form(content_type: str, body: bytes) -> list[tuple[str, bytes, str | None, str | None]]:
    """The multipart form's parts in order: (name, value, filename, the part's content type)."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise PostRefused(
            412,
            "PreconditionFailed",
            "Bucket POST must be of the enclosure-type multipart/form-data",
        )
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise PostRefused(
            400,
            "MalformedPOSTRequest",
            "The body of your POST request is not well-formed multipart/form-data.",
        )
    parts = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            raise PostRefused(400, "MalformedPOSTRequest", "A form part has no name.")
        value = part.get_payload(decode=True) or b""
        parts.append((str(name), value, part.get_filename(), part.get_content_type()))
    return parts


def _signing_key(secret: str, date: str, region: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _condition_failed(condition: Any) -> PostRefused:
    return PostRefused(
        403,
        "AccessDenied",
        f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}",
    )


def check_post(
    bucket: str,
    fields: Mapping[str, str],
    size: int,
    secret_for: Callable[[str], str | None],
    now: dt.datetime,
) -> None:
    """Raise PostRefused unless S3 would accept this form for `bucket` with a file of `size`."""
    for name in ("key", *_SIGNED_FIELDS):
        if name not in fields:
            raise PostRefused(
                400, "InvalidArgument", f"Bucket POST must contain a field named '{name}'."
            )
    if fields["x-amz-algorithm"] != "AWS4-HMAC-SHA256":
        raise PostRefused(400, "InvalidArgument", "Only AWS4-HMAC-SHA256 is supported.")
    try:
        access_key, date, region, service, terminal = fields["x-amz-credential"].split("/")
    except ValueError:
        raise PostRefused(400, "InvalidArgument", "Malformed x-amz-credential.") from None
    if service != "s3" or terminal != "aws4_request" or not fields["x-amz-date"].startswith(date):
        raise PostRefused(400, "InvalidArgument", "Malformed x-amz-credential.")
    secret = secret_for(access_key)
    if secret is None:
        raise PostRefused(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        )
    expected = hmac.new(
        _signing_key(secret, date, region), fields["policy"].encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, fields["x-amz-signature"]):
        raise PostRefused(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    try:
        policy = json.loads(base64.b64decode(fields["policy"], validate=True))
        expiration = dt.datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
        conditions = list(policy["conditions"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise PostRefused(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from None
    if now >= expiration:
        raise PostRefused(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    values = {k.lower(): v for k, v in fields.items()} | {"bucket": bucket}
    covered = {"bucket"}
    for condition in conditions:
        if isinstance(condition, dict):
            for name, wanted in condition.items():
                covered.add(name.lower())
                if values.get(name.lower()) != wanted:
                    raise _condition_failed(condition)
        elif isinstance(condition, list) and condition and condition[0] == "content-length-range":
            low, high = int(condition[1]), int(condition[2])
            if size > high:
                raise PostRefused(
                    400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
                )
            if size < low:
                raise PostRefused(
                    400,
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed size",
                )
        elif (
            isinstance(condition, list)
            and len(condition) == 3
            and condition[0] in ("eq", "starts-with")
        ):
            name = str(condition[1]).removeprefix("$").lower()
            covered.add(name)
            value = values.get(name)
            ok = (
                value == condition[2]
                if condition[0] == "eq"
                else (value is not None and value.startswith(condition[2]))
            )
            if not ok:
                raise _condition_failed(condition)
        else:
            raise PostRefused(
                400,
                "InvalidPolicyDocument",
                f"Invalid Policy: Invalid condition {json.dumps(condition)}.",
            )
    extra = sorted(
        n for n in values if n not in covered | _UNCHECKED and not n.startswith("x-ignore-")
    )
    if extra:
        raise PostRefused(
            403,
            "AccessDenied",
            f"Invalid according to Policy: Extra input fields: {', '.join(extra)}",
        )


class S3PostEndpoint:
    """`POST /<bucket>` (and its CORS preflight) for buckets in the emulator."""

    def __init__(self, emulator: EmulatorMocks, secret_for: Callable[[str], str | None]):
        self.emulator, self.secret_for = emulator, secret_for

    def _backend(self, bucket: str) -> Any:
        """moto's S3 backend holding `bucket`. Used directly: moto evaluates a bucket policy's
        Deny without its conditions, so the TLS-only policy (`aws:SecureTransport` false) would
        refuse every write; this endpoint stands in for S3's HTTPS endpoint and has made S3's
        checks of the form itself."""
        from moto.s3.models import s3_backends

        found = s3_backends.bucket_accounts.get(bucket)  # (partition, account)
        if found is None:
            raise PostRefused(404, "NoSuchBucket", "The specified bucket does not exist")
        partition, account = found
        return s3_backends[account][partition]

    @staticmethod
    def _cors(
        backend: Any, bucket: str, origin: str, method: str, asked: list[str]
    ) -> dict[str, str] | None:
        """The CORS headers of the first rule matching origin, method and requested headers."""
        for rule in backend.get_bucket(bucket).cors or []:
            origins, methods = rule.allowed_origins or [], rule.allowed_methods or []
            allowed = [h.lower() for h in rule.allowed_headers or []]
            if (
                (origin in origins or "*" in origins)
                and method in methods
                and all("*" in allowed or h.lower() in allowed for h in asked)
            ):
                out = {
                    "Access-Control-Allow-Origin": "*" if "*" in origins else origin,
                    "Access-Control-Allow-Methods": ", ".join(methods),
                    "Vary": "Origin",
                }
                if rule.exposed_headers:
                    out["Access-Control-Expose-Headers"] = ", ".join(rule.exposed_headers)
                if rule.max_age_seconds:
                    out["Access-Control-Max-Age"] = str(rule.max_age_seconds)
                if asked:
                    out["Access-Control-Allow-Headers"] = ", ".join(asked)
                return out
        return None

    def handle(
        self,
        verb: str,
        bucket: str,
        headers: Mapping[str, str],
        body: bytes,
        now: dt.datetime | None = None,
    ) -> Response:
        origin = headers.get("origin", "")
        cors: dict[str, str] = {}
        try:
            backend = self._backend(bucket)
            if verb == "OPTIONS":
                method = headers.get("access-control-request-method", "")
                asked = [
                    h.strip()
                    for h in headers.get("access-control-request-headers", "").split(",")
                    if h.strip()
                ]
                preflight = self._cors(backend, bucket, origin, method, asked)
                if preflight is None:
                    raise PostRefused(
                        403,
                        "AccessForbidden",
                        "CORSResponse: This CORS request is not allowed. "
                        "This is usually because the evalution of Origin, request method / "
                        "Access-Control-Request-Method or Access-Control-Request-Headers are "
                        "not whitelisted by the resource's CORS spec.",
                    )
                return Response(200, preflight, b"")
            cors = (self._cors(backend, bucket, origin, "POST", []) if origin else None) or {}
            if verb != "POST":
                raise PostRefused(
                    405,
                    "MethodNotAllowed",
                    "The specified method is not allowed against this resource.",
                )
            return self._post(backend, bucket, headers, body, now or dt.datetime.now(dt.UTC), cors)
        except PostRefused as error:
            return _xml_error(error, cors)

    def _authorize(self, bucket: str, fields: Mapping[str, str]) -> None:
        """s3:PutObject by the policy's signer, evaluated by the emulator's authorization."""
        from offline.emulator.authorization import S3AccessDenied

        access_key, _, region = fields["x-amz-credential"].split("/")[:3]
        try:
            self.emulator.authorizer.check_post_upload(access_key, region, bucket, fields["key"])
        except S3AccessDenied as denied:
            raise PostRefused(403, "AccessDenied", denied.message) from denied

    def _post(
        self,
        backend: Any,
        bucket: str,
        headers: Mapping[str, str],
        body: bytes,
        now: dt.datetime,
        cors: dict[str, str],
    ) -> Response:
        parts = parse_form(headers.get("content-type", ""), body)
        names = [p[0].lower() for p in parts]
        if "file" not in names:
            raise PostRefused(
                400, "InvalidArgument", "POST requires exactly one file upload per request."
            )
        file_at = names.index("file")
        fields = {name: value.decode("utf-8", "replace") for name, value, _, _ in parts[:file_at]}
        _, data, filename, _ = parts[file_at]  # S3 ignores every field after the file
        if "key" in fields and filename:
            fields["key"] = fields["key"].replace("${filename}", filename)
        check_post(bucket, fields, len(data), self.secret_for, now)
        self._authorize(bucket, fields)
        stored = backend.put_object(bucket, fields["key"], data, request_method="POST")
        content_type = next((v for k, v in fields.items() if k.lower() == "content-type"), None)
        if content_type:
            stored.set_metadata({"Content-Type": content_type})
        etag = stored.etag
        status = fields.get("success_action_status", "204")
        out = {**cors, "ETag": etag, "Location": f"/{bucket}/{fields['key']}"}
        if status == "201":
            xml = (
                f"<PostResponse><Bucket>{escape(bucket)}</Bucket><Key>{escape(fields['key'])}</Key>"
                f"<ETag>{escape(etag)}</ETag></PostResponse>"
            )
            return Response(201, {**out, "Content-Type": "application/xml"}, xml.encode())
        return Response(200 if status == "200" else 204, out, b"")
