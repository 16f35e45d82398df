"""Roles from Cognito groups: which of read, write and upload a caller has.

On REST APIs API Gateway passes every claim as a string, and `cognito:groups` has been seen as
`"readers"`, `"a,b"`, `"[a b]"` and, from other authorizers and tests, a JSON list: all are
parsed (design.md, serverless pitfall 6). A user in none of the configured groups gets the
default permissions; a group the configuration does not name grants nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from contract import PERMISSIONS
from errors import ApiError


class ForbiddenError(ApiError):
    """The caller's groups do not grant the permission the route needs."""

    status = 403
    code = "forbidden"


def parse_groups(claim: Any) -> tuple[str, ...]:
    """The group names in a `cognito:groups` claim, in order, without duplicates."""
    if claim is None:
        return ()
    if isinstance(claim, list | tuple):
        parts = [str(p) for p in claim]
    else:
        text = str(claim).strip()
        if text.startswith("[") and text.endswith("]"):
            try:  # a JSON list as a string: ["a","b"]
                loaded = json.loads(text)
            except ValueError:
                loaded = None
            parts = [str(p) for p in loaded] if isinstance(loaded, list) else text[1:-1].split()
        else:
            parts = text.split(",")
    out: list[str] = []
    for part in (p.strip().strip(",") for p in parts):
        for name in part.split(","):
            if name.strip() and name.strip() not in out:
                out.append(name.strip())
    return tuple(out)


def permissions_of(
    groups: tuple[str, ...],
    group_permissions: Mapping[str, tuple[str, ...]],
    default: tuple[str, ...],
) -> frozenset[str]:
    """The union of the configured groups' permissions; `default` for a user in none of them."""
    known = [g for g in groups if g in group_permissions]
    if not known:
        return frozenset(default) if not groups else frozenset()
    return frozenset(p for g in known for p in group_permissions[g])


def require(permission: str, groups: tuple[str, ...], granted: frozenset[str]) -> None:
    """Raise ForbiddenError naming `permission` when `granted` lacks it."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    if permission not in granted:
        who = (
            f"the caller's groups ({', '.join(groups)}) do not grant"
            if groups
            else "a user in no group does not have"
        )
        raise ForbiddenError(
            f"This request needs the {permission} permission, which {who}.",
            field="permission",
            extra={"permission": permission},
        )
