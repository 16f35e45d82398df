"""The local S3 endpoint's checks of a presigned POST, on forms botocore signs here: each
condition S3 enforces refuses a form that breaks it, with S3's error code."""

from __future__ import annotations

import datetime as dt

import botocore.session
import pytest
from botocore.config import Config

from offline.gateway.s3_post import PostRefused, check_post

KEY_ID, SECRET = "AKIDLOCALTEST", "local-test-secret"
BUCKET, KEY = "uploads-bucket", "uploads/user-1/item-1/abc"


def presigned(expires_in: int = 300, **conditions) -> dict[str, str]:
    session = botocore.session.get_session()
    s3 = session.create_client(
        "s3", region_name="eu-west-1", aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET,
        config=Config(signature_version="s3v4"),
    )  # fmt: skip
    post = s3.generate_presigned_post(
        Bucket=BUCKET,
        Key=KEY,
        Fields={"Content-Type": "image/png"},
        Conditions=[{"Content-Type": "image/png"}, ["content-length-range", 1, 100]],
        ExpiresIn=expires_in,
    )
    return dict(post["fields"])


def check(fields: dict[str, str], size: int = 10, *, now: dt.datetime | None = None) -> None:
    secrets = {KEY_ID: SECRET}
    check_post(BUCKET, fields, size, secrets.get, now or dt.datetime.now(dt.UTC))


def refused(fields: dict[str, str], size: int = 10, **kwargs) -> PostRefused:
    with pytest.raises(PostRefused) as caught:
        check(fields, size, **kwargs)
    return caught.value


def test_the_form_the_function_signs_is_accepted():
    check(presigned())


def test_a_file_over_or_under_the_length_range_is_refused():
    assert refused(presigned(), size=101).code == "EntityTooLarge"
    assert refused(presigned(), size=0).code == "EntityTooSmall"


def test_another_content_type_is_refused():
    error = refused({**presigned(), "Content-Type": "text/html"})
    assert (error.status, error.code) == (403, "AccessDenied")
    assert "Policy Condition failed" in error.message


def test_another_key_is_refused():
    error = refused({**presigned(), "key": "uploads/user-2/item-1/abc"})
    assert "Policy Condition failed" in error.message


def test_another_bucket_is_refused():
    with pytest.raises(PostRefused, match="Condition failed"):
        check_post("other-bucket", presigned(), 10, {KEY_ID: SECRET}.get, dt.datetime.now(dt.UTC))


def test_an_expired_policy_is_refused():
    # The clock is read after signing: the policy expires 300 s after it is signed, which on a
    # loaded machine can be more than a second after a clock read before `presigned()`.
    fields = presigned()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=301)
    assert "Policy expired" in refused(fields, now=later).message


def test_a_tampered_policy_or_signature_is_refused():
    fields = presigned()
    other = presigned(expires_in=3600)
    assert refused({**fields, "policy": other["policy"]}).code == "SignatureDoesNotMatch"
    assert refused({**fields, "x-amz-signature": "0" * 64}).code == "SignatureDoesNotMatch"


def test_an_unknown_access_key_is_refused():
    fields = presigned()
    fields["x-amz-credential"] = fields["x-amz-credential"].replace(KEY_ID, "AKIDUNKNOWN")
    assert refused(fields).code == "InvalidAccessKeyId"


def test_a_field_no_condition_covers_is_refused_and_x_ignore_fields_are_not():
    assert "Extra input fields: acl" in refused({**presigned(), "acl": "public-read"}).message
    check({**presigned(), "x-ignore-note": "fine"})


def test_a_form_without_its_signature_fields_is_refused():
    fields = presigned()
    del fields["policy"]
    assert refused(fields).code == "InvalidArgument"
