"""IAM documents shared by components."""

from __future__ import annotations


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
