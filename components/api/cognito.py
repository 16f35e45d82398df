"""Who may call the API: a Cognito user pool (sign-in by email) and the browser app's client."""

from __future__ import annotations

from typing import Any

import pulumi_aws as aws

from components.api.scope import Scope
from components.model import ApiConfig
from components.naming import holds_fixed_name


def _email(cfg: ApiConfig) -> dict[str, Any]:
    """Sign-up and invitation mail: through the configured SES identity (`DEVELOPER`: SES's
    quotas, the identity's address), else Cognito's default sender, which allows only a small
    number of emails a day per account (Cognito quotas)."""
    if cfg.email is None:
        return {}
    settings = {
        "email_sending_account": "DEVELOPER",
        "source_arn": cfg.email.ses_identity_arn,
        "from_email_address": cfg.email.from_address,
    }
    if cfg.email.reply_to:
        settings["reply_to_email_address"] = cfg.email.reply_to
    return {"email_configuration": settings}


def _sign_up(cfg: ApiConfig) -> dict[str, Any]:
    """`selfSignUp: false`: only AdminCreateUser makes users; SignUp is refused
    (NotAuthorizedException "SignUp is not permitted for this user pool")."""
    if cfg.self_sign_up:
        return {}  # Cognito's default: users sign themselves up
    return {"admin_create_user_config": {"allow_admin_create_user_only": True}}


def user_pool(scope: Scope) -> tuple[aws.cognito.UserPool, aws.cognito.UserPoolClient]:
    physical = scope.physical
    cfg = scope.args.config
    pool = aws.cognito.UserPool(
        f"{scope.name}-users",
        name=physical,
        username_attributes=["email"],  # sign in with the email address
        auto_verified_attributes=["email"],
        password_policy={
            "minimum_length": 12,
            "require_lowercase": True,
            "require_uppercase": True,
            "require_numbers": True,
            "require_symbols": True,
            "temporary_password_validity_days": 3,
        },
        account_recovery_setting={
            "recovery_mechanisms": [{"name": "verified_email", "priority": 1}]
        },
        deletion_protection="ACTIVE" if scope.args.is_prod else "INACTIVE",
        **_email(cfg),
        **_sign_up(cfg),
        tags=scope.tags("-users"),
        opts=scope.stateful,
    )
    client = aws.cognito.UserPoolClient(
        f"{scope.name}-web",
        name=f"{physical}-web",
        user_pool_id=pool.id,
        generate_secret=False,  # a browser app cannot keep a secret
        # USER_PASSWORD_AUTH is what web/ signs in with (the password goes over TLS to Cognito's
        # endpoint, as with the hosted UI's form); SRP stays allowed for SDK clients.
        explicit_auth_flows=[
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
        prevent_user_existence_errors="ENABLED",
        enable_token_revocation=True,
        access_token_validity=60,
        id_token_validity=60,
        refresh_token_validity=30,
        token_validity_units={
            "access_token": "minutes",
            "id_token": "minutes",
            "refresh_token": "days",
        },
        opts=scope.child,
    )
    return pool, client


def user_groups(scope: Scope, pool: aws.cognito.UserPool) -> list[aws.cognito.UserGroup]:
    """One Cognito group per `api.groups` entry; the function maps a caller's `cognito:groups`
    claim to the permissions configured for them (the group itself grants no AWS role)."""
    groups = scope.args.config.groups
    return [
        aws.cognito.UserGroup(
            f"{scope.name}-group-{group}",
            name=group,
            user_pool_id=pool.id,
            description=f"items API: {', '.join(permissions) or 'no access'}",
            opts=holds_fixed_name(scope.child),  # a group name is unique in its pool
        )
        for group, permissions in sorted(groups.items())
    ]
