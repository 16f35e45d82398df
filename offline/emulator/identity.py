"""Cognito user pools, app clients and groups."""

from __future__ import annotations

from typing import Any

from offline.emulator.registry import Created, Ctx, EmulatorRejected, Inputs, number, resource


def _password_policy(policy: Inputs) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, api in (
        ("minimumLength", "MinimumLength"),
        ("temporaryPasswordValidityDays", "TemporaryPasswordValidityDays"),
        ("passwordHistorySize", "PasswordHistorySize"),
    ):
        if policy.get(key) is not None:
            out[api] = number(policy[key])
    for key, api in (
        ("requireLowercase", "RequireLowercase"),
        ("requireUppercase", "RequireUppercase"),
        ("requireNumbers", "RequireNumbers"),
        ("requireSymbols", "RequireSymbols"),
    ):
        if policy.get(key) is not None:
            out[api] = bool(policy[key])
    return out


@resource("aws:cognito/userPool:UserPool")
def user_pool(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    kwargs: dict[str, Any] = {"PoolName": inputs.get("name") or name}
    if inputs.get("passwordPolicy"):
        kwargs["Policies"] = {"PasswordPolicy": _password_policy(inputs["passwordPolicy"])}
    for key, api in (
        ("autoVerifiedAttributes", "AutoVerifiedAttributes"),
        ("usernameAttributes", "UsernameAttributes"),
        ("aliasAttributes", "AliasAttributes"),
    ):
        if inputs.get(key):
            kwargs[api] = list(inputs[key])
    if inputs.get("mfaConfiguration"):
        kwargs["MfaConfiguration"] = inputs["mfaConfiguration"]
    if inputs.get("deletionProtection"):
        kwargs["DeletionProtection"] = inputs["deletionProtection"]
    recovery = inputs.get("accountRecoverySetting")
    if recovery:
        kwargs["AccountRecoverySetting"] = {
            "RecoveryMechanisms": [
                {"Name": m["name"], "Priority": number(m["priority"])}
                for m in recovery.get("recoveryMechanisms") or []
            ]
        }
    admin = inputs.get("adminCreateUserConfig")
    if admin and admin.get("allowAdminCreateUserOnly") is not None:
        kwargs["AdminCreateUserConfig"] = {
            "AllowAdminCreateUserOnly": bool(admin["allowAdminCreateUserOnly"])
        }
    email = inputs.get("emailConfiguration")
    if email:
        if email.get("emailSendingAccount") == "DEVELOPER" and not email.get("sourceArn"):
            # CreateUserPool: DEVELOPER sends through an SES identity, which SourceArn names.
            raise EmulatorRejected(
                "InvalidParameterException: EmailSendingAccount DEVELOPER needs a SourceArn"
            )
        kwargs["EmailConfiguration"] = {
            api: email[key]
            for key, api in (
                ("emailSendingAccount", "EmailSendingAccount"),
                ("sourceArn", "SourceArn"),
                ("fromEmailAddress", "From"),
                ("replyToEmailAddress", "ReplyToEmailAddress"),
            )
            if email.get(key)
        }
    if inputs.get("userPoolAddOns"):
        mode = inputs["userPoolAddOns"].get("advancedSecurityMode")
        if mode:
            kwargs["UserPoolAddOns"] = {"AdvancedSecurityMode": mode}
    if ctx.tags(inputs):
        kwargs["UserPoolTags"] = ctx.tags(inputs)
    pool = ctx.client("cognito-idp").create_user_pool(**kwargs)["UserPool"]
    pool_id = pool["Id"]
    return pool_id, {
        "arn": pool["Arn"],
        "name": pool["Name"],
        "endpoint": f"cognito-idp.{ctx.region}.amazonaws.com/{pool_id}",
        "creationDate": pool["CreationDate"].isoformat(),
        "lastModifiedDate": pool["LastModifiedDate"].isoformat(),
        "estimatedNumberOfUsers": 0,
    }


@resource("aws:cognito/userPoolClient:UserPoolClient")
def user_pool_client(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    kwargs: dict[str, Any] = {
        "UserPoolId": inputs["userPoolId"],
        "ClientName": inputs.get("name") or name,
        "GenerateSecret": bool(inputs.get("generateSecret", False)),
    }
    for key, api in (
        ("explicitAuthFlows", "ExplicitAuthFlows"),
        ("allowedOauthFlows", "AllowedOAuthFlows"),
        ("allowedOauthScopes", "AllowedOAuthScopes"),
        ("callbackUrls", "CallbackURLs"),
        ("logoutUrls", "LogoutURLs"),
        ("supportedIdentityProviders", "SupportedIdentityProviders"),
        ("readAttributes", "ReadAttributes"),
        ("writeAttributes", "WriteAttributes"),
    ):
        if inputs.get(key):
            kwargs[api] = list(inputs[key])
    for key, api in (
        ("accessTokenValidity", "AccessTokenValidity"),
        ("idTokenValidity", "IdTokenValidity"),
        ("refreshTokenValidity", "RefreshTokenValidity"),
        ("authSessionValidity", "AuthSessionValidity"),
    ):
        if inputs.get(key) is not None:
            kwargs[api] = number(inputs[key])
    units = inputs.get("tokenValidityUnits")
    if units:
        kwargs["TokenValidityUnits"] = {
            api: units[key]
            for key, api in (
                ("accessToken", "AccessToken"),
                ("idToken", "IdToken"),
                ("refreshToken", "RefreshToken"),
            )
            if units.get(key)
        }
    if inputs.get("preventUserExistenceErrors"):
        kwargs["PreventUserExistenceErrors"] = inputs["preventUserExistenceErrors"]
    if inputs.get("enableTokenRevocation") is not None:
        kwargs["EnableTokenRevocation"] = bool(inputs["enableTokenRevocation"])
    if inputs.get("allowedOauthFlowsUserPoolClient") is not None:
        kwargs["AllowedOAuthFlowsUserPoolClient"] = bool(inputs["allowedOauthFlowsUserPoolClient"])
    client = ctx.client("cognito-idp").create_user_pool_client(**kwargs)["UserPoolClient"]
    return client["ClientId"], {"clientSecret": client.get("ClientSecret", "")}


@resource("aws:cognito/userGroup:UserGroup")
def user_group(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    kwargs: dict[str, Any] = {
        "UserPoolId": inputs["userPoolId"],
        "GroupName": inputs.get("name") or name,
    }
    if inputs.get("description"):
        kwargs["Description"] = inputs["description"]
    if inputs.get("precedence") is not None:
        kwargs["Precedence"] = number(inputs["precedence"])
    if inputs.get("roleArn"):
        kwargs["RoleArn"] = inputs["roleArn"]
    group = ctx.client("cognito-idp").create_group(**kwargs)["Group"]
    # The provider's id is `<user pool id>/<group name>` (its import format).
    return f"{group['UserPoolId']}/{group['GroupName']}", {}
