"""IAM documents and role settings shared by components."""

from __future__ import annotations

from components.model import PROJECT

# The bootstrap creates this policy in every account (bootstrap/baseline/policies.py); the deploy
# roles may create and change only roles that carry it as permissions boundary, and only on the
# environment's path.
WORKLOAD_BOUNDARY = f"{PROJECT}-workload-boundary"


def role_settings(account_id: str, environment: str) -> dict[str, str]:
    """`path` and `permissions_boundary` of every role the program creates."""
    return {
        "path": f"/{PROJECT}/{environment}/",
        "permissions_boundary": f"arn:aws:iam::{account_id}:policy/{WORKLOAD_BOUNDARY}",
    }


def service_trust_policy(service: str, source_account: str | None = None) -> dict:
    """A role's trust policy for one AWS service, optionally only on behalf of one account.

    `aws:SourceAccount` is the confused-deputy guard: the service may assume the role only for
    resources of that account.
    """
    statement: dict = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if source_account is not None:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def account_administers_key(account_id: str) -> dict:
    """The key-policy statement that lets the account's IAM administer and use the key: without
    it the key is unmanageable, and with it IAM policies decide who in the account uses the key
    (AWS KMS developer guide, "Default key policy")."""
    return {
        "Sid": "AccountAdministers",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": "kms:*",
        "Resource": "*",  # in a key policy, "*" means this key
    }
