"""A local-only helper: users and their tokens in the emulated user pool (what a Cognito hosted
UI or SDK does on AWS), for `python -m offline token` and the tests."""

from __future__ import annotations

from offline.emulator import EmulatorMocks
from offline.gateway.deployed import UserPool


def sign_in(
    emulator: EmulatorMocks, pool: UserPool, user: str, group: str | None = None
) -> dict[str, str]:
    """Create `user` (if new) with a permanent password, add it to `group` (one of the pool's
    groups) and sign it in, in the emulated pool; returns its tokens. The password is derived
    from the user name: this is a local test helper, not a login."""
    idp = emulator.context_for_account(pool.account_id, pool.region).client("cognito-idp")
    described = idp.describe_user_pool(UserPoolId=pool.pool_id)["UserPool"]
    username = (
        user
        if "@" in user or "email" not in described.get("UsernameAttributes", [])
        else f"{user}@example.com"
    )
    password = f"Offline-{user}-Passw0rd!"
    client_id = sorted(pool.client_ids)[0]
    email = username if "@" in username else f"{user}@example.com"
    try:
        # As an administrator: AdminCreateUser works whether or not the pool lets users sign
        # themselves up (an admin-only pool refuses SignUp), and sends no mail when suppressed.
        idp.admin_create_user(
            UserPoolId=pool.pool_id,
            Username=username,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
        )
        idp.admin_set_user_password(
            UserPoolId=pool.pool_id, Username=username, Password=password, Permanent=True
        )
    except idp.exceptions.UsernameExistsException:
        pass
    if group is not None:
        known = [g["GroupName"] for g in idp.list_groups(UserPoolId=pool.pool_id)["Groups"]]
        if group not in known:
            listed = ", ".join(known) or "none"
            raise LookupError(f"no group {group!r} in user pool {pool.pool_id} (groups: {listed})")
        idp.admin_add_user_to_group(UserPoolId=pool.pool_id, Username=username, GroupName=group)
    result = idp.admin_initiate_auth(
        UserPoolId=pool.pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )["AuthenticationResult"]
    return {
        "username": username,
        "idToken": result["IdToken"],
        "accessToken": result["AccessToken"],
        "refreshToken": result["RefreshToken"],
    }
