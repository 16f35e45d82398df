"""`hubspoke:accounts`: the AWS accounts the stack deploys into, and their deploy roles."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from components.model import Account
from components.validation.fields import MISSING, NS, Problems, as_mapping

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ROLE_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")
_ACCOUNT_KEY = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


def parse_accounts(raw: Any, problems: Problems) -> dict[str, Account]:
    path = f"{NS}accounts"
    if raw is MISSING:
        problems.missing(path)
        return {}
    if not isinstance(raw, Mapping) or not raw:
        problems.add(path, raw, "must be a non-empty object of account key -> {id, roleArn}")
        return {}
    accounts: dict[str, Account] = {}
    seen_ids: dict[str, str] = {}
    for key, body in raw.items():
        p = f"{path}.{key}"
        if not _ACCOUNT_KEY.match(str(key)):
            problems.add(p, key, "is not a valid account key (lowercase letters, digits and -)")
        obj = as_mapping(body, p, problems, required=["id"], optional=["roleArn"])
        if obj is None:
            continue
        if "id" not in obj:
            continue  # reported as required
        account_id = obj["id"]
        if isinstance(account_id, int) and not isinstance(account_id, bool):
            account_id = str(account_id)  # YAML reads an unquoted id as a number
        if not isinstance(account_id, str) or not _ACCOUNT_ID.match(account_id):
            # Unquoted, YAML reads an id as a number, which drops leading zeros (or reads 0-led
            # digits as octal): the hint applies to numbers only.
            number = isinstance(obj["id"], (int, float)) and not isinstance(obj["id"], bool)
            hint = " (quote it in YAML)" if number else ""
            problems.add(f"{p}.id", obj.get("id"), f"is not a 12-digit AWS account id{hint}")
            account_id = None
        elif account_id in seen_ids:
            problems.add(f"{p}.id", account_id, f"is also the id of {path}.{seen_ids[account_id]}")
        else:
            seen_ids[account_id] = key
        role_arn = obj.get("roleArn")
        if role_arn is not None:
            match = _ROLE_ARN.match(role_arn) if isinstance(role_arn, str) else None
            if not match:
                problems.add(
                    f"{p}.roleArn",
                    role_arn,
                    "is not an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)",
                )
                role_arn = None
            elif account_id and match.group(2) != account_id:
                problems.add(
                    f"{p}.roleArn", role_arn, f"is in account {match.group(2)}, not {account_id}"
                )
        if account_id:
            accounts[key] = Account(key=key, id=account_id, role_arn=role_arn)
    return accounts
