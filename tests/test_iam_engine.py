"""The offline IAM engine answers as AWS's evaluation logic documents (offline/iam/engine.py)."""

from __future__ import annotations

import pytest

from offline.iam import EngineError, evaluate, evaluate_many

ACCOUNT = "111111111111"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/fn"
KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TABLE = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/items"
KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ],
}


def policy(*statements: dict) -> list[dict]:
    return [{"name": "inline", "policy": {"Version": "2012-10-17", "Statement": list(statements)}}]


def request(action: str, resource: str, **context: str) -> dict:
    return {
        "principal": ROLE,
        "action": action,
        "resource": {"resource": resource, "accountId": ACCOUNT},
        "contextVariables": context,
    }


def test_identity_policy_allows_only_what_it_names():
    grant = policy({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE})
    allowed, other_action, other_table = evaluate_many(
        [
            {"request": request("dynamodb:GetItem", TABLE), "identityPolicies": grant},
            {"request": request("dynamodb:PutItem", TABLE), "identityPolicies": grant},
            {
                "request": request("dynamodb:GetItem", TABLE.replace("items", "other")),
                "identityPolicies": grant,
            },
        ]
    )
    assert allowed.allowed
    assert (other_action.result, other_table.result) == ("ImplicitlyDenied", "ImplicitlyDenied")


def test_kms_via_service_condition_and_key_policy():
    grant = policy(
        {
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": KEY,
            "Condition": {"StringEquals": {"kms:ViaService": "dynamodb.eu-west-1.amazonaws.com"}},
        }
    )
    via_dynamodb = request(
        "kms:Decrypt", KEY, **{"kms:ViaService": "dynamodb.eu-west-1.amazonaws.com"}
    )
    direct = request("kms:Decrypt", KEY)
    assert evaluate(
        {"request": via_dynamodb, "identityPolicies": grant, "resourcePolicy": KEY_POLICY}
    ).allowed
    assert not evaluate(
        {"request": direct, "identityPolicies": grant, "resourcePolicy": KEY_POLICY}
    ).allowed
    # A key policy that does not delegate to the account's IAM policies denies despite the grant.
    no_delegation = {
        "Version": "2012-10-17",
        "Statement": [
            {
                **KEY_POLICY["Statement"][0],
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"},
            }
        ],
    }
    assert not evaluate(
        {"request": via_dynamodb, "identityPolicies": grant, "resourcePolicy": no_delegation}
    ).allowed


def test_boundary_and_explicit_deny():
    grant = policy({"Effect": "Allow", "Action": "iam:*", "Resource": "*"})
    boundary = policy({"Effect": "Allow", "Action": "iam:GetRole", "Resource": "*"})
    deny = policy(
        {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:DeleteRole", "Resource": "*"},
    )
    role = f"arn:aws:iam::{ACCOUNT}:role/x"
    bounded = {"identityPolicies": grant, "permissionBoundaryPolicies": boundary}
    assert evaluate({"request": request("iam:GetRole", role), **bounded}).allowed
    assert (
        evaluate({"request": request("iam:CreateRole", role), **bounded}).result
        == "ImplicitlyDenied"
    )
    assert (
        evaluate({"request": request("iam:DeleteRole", role), "identityPolicies": deny}).result
        == "ExplicitlyDenied"
    )


def test_a_misspelt_action_is_an_error_not_a_deny():
    grant = policy({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE})
    with pytest.raises(EngineError, match="refused"):
        evaluate({"request": request("dynamodb:GetItems", TABLE), "identityPolicies": grant})
