"""ci/sts_session.py: the credentials hand-off of the CI jobs, on moto's STS."""

import boto3
import pytest
from moto import mock_aws

from ci import sts_session

ROLE = "arn:aws:iam::111122223333:role/hubspoke-preview"


@pytest.fixture
def sts(monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        yield boto3.client("sts", region_name="eu-west-1")


def test_assume_returns_the_three_session_variables(sts):
    variables = sts_session.assume(ROLE, "preview-1", "hubspoke-preview", sts=sts)
    assert set(variables) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
    assert variables["AWS_ACCESS_KEY_ID"].startswith("ASIA")  # temporary, not a user's AKIA key


def test_web_identity_exchanges_the_oidc_token(sts):
    variables = sts_session.web_identity(ROLE, "header.payload.signature", "gitlab-1", sts=sts)
    assert variables["AWS_SESSION_TOKEN"]


def test_shell_exports_are_quoted():
    text = sts_session.shell_exports({"AWS_SESSION_TOKEN": "a b'c"})
    assert text == "export AWS_SESSION_TOKEN='a b'\"'\"'c'\n"


def test_github_env_appends_variables_and_masks_the_secrets(tmp_path):
    env = tmp_path / "github_env"
    env.write_text("EARLIER=1\n")
    variables = {"AWS_ACCESS_KEY_ID": "ASIA1", "AWS_SECRET_ACCESS_KEY": "s3cr3t"}
    masks = sts_session.github_env({**variables, "AWS_SESSION_TOKEN": "tok"}, str(env))
    assert env.read_text() == (
        "EARLIER=1\nAWS_ACCESS_KEY_ID=ASIA1\nAWS_SECRET_ACCESS_KEY=s3cr3t\nAWS_SESSION_TOKEN=tok\n"
    )
    assert masks == "::add-mask::s3cr3t\n::add-mask::tok\n"
