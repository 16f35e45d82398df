"""Who can create users, and who sends Cognito's mail: prod is admin-only; an SES identity, when
configured, sends instead of Cognito's default sender (a small daily quota anyone could spend
through open sign-up)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.config import ConfigError, parse
from offline.runner import RunResult, run, stack_config
from offline.webapp import self_sign_up

POOL = "aws:cognito/userPool:UserPool"
IDENTITY = "arn:aws:ses:eu-west-1:111122223333:identity/example.com"


def pool_of(result: RunResult):
    (pool,) = result.of_type(POOL)
    return pool


def test_prods_pool_lets_only_administrators_create_users(prod):
    pool = pool_of(prod)
    assert pool.inputs["adminCreateUserConfig"] == {"allowAdminCreateUserOnly": True}
    assert "emailConfiguration" not in pool.inputs  # admin-only needs no SES identity
    assert self_sign_up(prod) is False  # config.json tells the web app


def test_devs_pool_is_unchanged_open_sign_up_and_cognitos_sender(dev):
    pool = pool_of(dev)
    assert "adminCreateUserConfig" not in pool.inputs
    assert "emailConfiguration" not in pool.inputs
    assert self_sign_up(dev) is True


@pytest.fixture(scope="module")
def dev_with_ses() -> dict[str, Any]:
    config = copy.deepcopy(stack_config("dev"))
    config["hubspoke:api"]["email"] = {
        "sesIdentityArn": IDENTITY,
        "from": "no-reply@example.com",
        "replyTo": "support@example.com",
    }
    return config


@pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])
def test_a_configured_ses_identity_sends_the_pools_mail(dev_with_ses, preview):
    pool = pool_of(run("dev", config=dev_with_ses, preview=preview))
    assert pool.inputs["emailConfiguration"] == {
        "emailSendingAccount": "DEVELOPER",
        "sourceArn": IDENTITY,
        "fromEmailAddress": "no-reply@example.com",
        "replyToEmailAddress": "support@example.com",
    }


def api_problems(api: dict[str, Any], stack: str = "dev") -> list[str]:
    config = copy.deepcopy(stack_config(stack))
    config["hubspoke:api"] = {**config["hubspoke:api"], **api}
    raw = {k.removeprefix("hubspoke:"): v for k, v in config.items() if k.startswith("hubspoke:")}
    with pytest.raises(ConfigError) as error:
        parse(raw, stack=stack, region="eu-west-1")
    return error.value.problems


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        (
            {"sesIdentityArn": "arn:aws:sns:eu-west-1:111122223333:topic", "from": "a@example.com"},
            "hubspoke:api.email.sesIdentityArn arn:aws:sns:eu-west-1:111122223333:topic is not an "
            "SES identity ARN (arn:aws:ses:<region>:<account>:identity/<address or domain>)",
        ),
        (
            {"sesIdentityArn": IDENTITY, "from": "not-an-address"},
            "hubspoke:api.email.from not-an-address is not an email address",
        ),
        (
            {"sesIdentityArn": IDENTITY, "from": "a@example.com", "replyTo": "x@"},
            "hubspoke:api.email.replyTo x@ is not an email address",
        ),
        (
            {"sesIdentityArn": IDENTITY, "from": "a@example.org"},
            "hubspoke:api.email.from a@example.org is not an address of SES identity example.com",
        ),
        (
            {
                "sesIdentityArn": "arn:aws:ses:eu-west-1:111122223333:identity/ops@example.com",
                "from": "other@example.com",
            },
            "hubspoke:api.email.from other@example.com is not an address of SES identity "
            "ops@example.com",
        ),
        (
            {"sesIdentityArn": IDENTITY.replace("eu-west-1", "us-east-1"), "from": "a@example.com"},
            f"hubspoke:api.email.sesIdentityArn {IDENTITY.replace('eu-west-1', 'us-east-1')} is in "
            "us-east-1; the user pool of the API is in eu-west-1 (spoke app): use an SES identity "
            "verified in that region",
        ),
        ({"from": "a@example.com"}, "hubspoke:api.email.sesIdentityArn is required"),
    ],
)
def test_each_bad_email_setting_is_reported_with_its_key_and_value(email, expected):
    assert api_problems({"email": email}) == [expected]


def test_a_subdomain_of_a_verified_domain_may_send():
    config = copy.deepcopy(stack_config("dev"))
    config["hubspoke:api"]["email"] = {"sesIdentityArn": IDENTITY, "from": "a@mail.example.com"}
    raw = {k.removeprefix("hubspoke:"): v for k, v in config.items() if k.startswith("hubspoke:")}
    assert parse(raw, stack="dev", region="eu-west-1").api.email.from_address == (
        "a@mail.example.com"
    )


def test_prod_with_open_sign_up_needs_an_ses_identity():
    assert api_problems({"selfSignUp": True}, "prod") == [
        "hubspoke:api.selfSignUp true in prod needs hubspoke:api.email (an SES identity): with "
        "open sign-up and Cognito's default sender, anyone can spend its daily email quota"
    ]


def test_self_sign_up_must_be_a_boolean():
    assert api_problems({"selfSignUp": "no"}) == [
        "hubspoke:api.selfSignUp no must be true or false"
    ]


def test_prod_may_open_sign_up_once_an_ses_identity_sends_the_mail():
    config = copy.deepcopy(stack_config("prod"))
    config["hubspoke:api"].update(
        selfSignUp=True, email={"sesIdentityArn": IDENTITY, "from": "no-reply@example.com"}
    )
    raw = {k.removeprefix("hubspoke:"): v for k, v in config.items() if k.startswith("hubspoke:")}
    api = parse(raw, stack="prod", region="eu-west-1").api
    assert api.self_sign_up is True and api.email.ses_identity_arn == IDENTITY
