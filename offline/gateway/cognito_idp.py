"""The Cognito user-pool API as a browser calls it (`POST /` with `X-Amz-Target:
AWSCognitoIdentityProviderService.<Operation>` and a JSON body, no SigV4), forwarded to the
emulated pool, so a web app's sign-up and sign-in code is the same here as on AWS.

Only the operations Cognito serves without AWS credentials are forwarded; an `Admin*` call
without a signature gets Cognito's `MissingAuthenticationTokenException`. Two checks moto leaves
out are made here as Cognito makes them: an `InitiateAuth` flow the app client does not allow is
refused (`InvalidParameterException`), `SignUp` on an admin-only pool is refused
(`NotAuthorizedException`), and `ConfirmSignUp` needs the code "sent" at sign-up (the
sandbox has no mail: the code is logged on the gateway's log and kept in `outbox`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from offline.emulator import EmulatorMocks
from offline.gateway.deployed import UserPool
from offline.gateway.response import Response

_log = logging.getLogger("offline.gateway")
TARGET_PREFIX = "AWSCognitoIdentityProviderService."
CONTENT_TYPE = "application/x-amz-json-1.1"
# Operations a public app client calls without AWS credentials -> boto3 method name.
PUBLIC_OPERATIONS = {
    "InitiateAuth": "initiate_auth",
    "RespondToAuthChallenge": "respond_to_auth_challenge",
    "SignUp": "sign_up",
    "ConfirmSignUp": "confirm_sign_up",
    "ResendConfirmationCode": "resend_confirmation_code",
    "ForgotPassword": "forgot_password",
    "ConfirmForgotPassword": "confirm_forgot_password",
    "GetUser": "get_user",
    "ChangePassword": "change_password",
    "GlobalSignOut": "global_sign_out",
    "RevokeToken": "revoke_token",
}
# AuthFlow -> the ExplicitAuthFlows entry the app client needs for it.
_FLOW_NEEDS = {
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH",
    "REFRESH_TOKEN_AUTH": "ALLOW_REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN": "ALLOW_REFRESH_TOKEN_AUTH",
    "CUSTOM_AUTH": "ALLOW_CUSTOM_AUTH",
}
CORS = {
    # Cognito's endpoint answers browsers from any origin; the API is what checks origins.
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST",
    "Access-Control-Allow-Headers": "content-type,x-amz-target,x-amz-user-agent",
    "Access-Control-Max-Age": "600",
}


def _error(code: str, message: str, status: int = 400) -> Response:
    body = json.dumps({"__type": code, "message": message}).encode()
    headers = {"Content-Type": CONTENT_TYPE, "x-amzn-ErrorType": code, **CORS}
    return Response(status, headers, body)


def _plain(value: Any) -> Any:
    """A boto3 response as the service's JSON: dates as epoch seconds, no metadata."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.timestamp()
    return value


class CognitoEndpoint:
    """Forwards the public user-pool operations to the emulated pools of `pools`."""

    def __init__(self, emulator: EmulatorMocks, pools: Sequence[UserPool]):
        self.emulator, self.pools = emulator, tuple(pools)
        self.outbox: dict[str, str] = {}  # username -> the last confirmation code "sent"
        self._lock = threading.Lock()

    def _client(self, pool: UserPool) -> Any:
        return self.emulator.context_for_account(pool.account_id, pool.region).client("cognito-idp")

    def _pool_of(self, params: Mapping[str, Any]) -> UserPool:
        client_id = params.get("ClientId")
        for pool in self.pools:
            if client_id is None or client_id in pool.client_ids:
                return pool
        raise LookupError(client_id)

    def handle(self, verb: str, headers: Mapping[str, str], body: bytes) -> Response:
        if verb == "OPTIONS":
            return Response(200, dict(CORS), b"")
        if verb != "POST":
            return _error("UnknownOperationException", "Only POST is served.", 404)
        target = headers.get("x-amz-target", "")
        operation = target.removeprefix(TARGET_PREFIX)
        if not target.startswith(TARGET_PREFIX) or not operation:
            return _error("UnknownOperationException", f"Unknown target {target[:100]!r}.")
        if operation not in PUBLIC_OPERATIONS:
            return _error(
                "MissingAuthenticationTokenException",
                f"{operation[:64]} needs AWS credentials (SigV4); a browser cannot call it.",
            )
        try:
            params = json.loads(body or b"{}")
            if not isinstance(params, dict):
                raise ValueError("not an object")
        except ValueError:
            return _error("SerializationException", "The request body is not a JSON object.")
        try:
            pool = self._pool_of(params)
        except LookupError:
            return _error(
                "ResourceNotFoundException",
                f"User pool client {params.get('ClientId')} does not exist.",
            )
        with self._lock:
            return self._forward(pool, operation, params)

    def _forward(self, pool: UserPool, operation: str, params: dict[str, Any]) -> Response:
        idp = self._client(pool)
        try:
            if operation == "InitiateAuth":
                refused = self._flow_refused(idp, pool, params)
                if refused is not None:
                    return refused
            if operation == "SignUp" and self._admin_only(idp, pool):
                # Cognito's answer on a pool with AllowAdminCreateUserOnly (AdminCreateUser only).
                return _error(
                    "NotAuthorizedException", "SignUp is not permitted for this user pool"
                )
            if operation == "ConfirmSignUp":
                expected = self.outbox.get(str(params.get("Username", "")))
                if expected is not None and params.get("ConfirmationCode") != expected:
                    return _error(
                        "CodeMismatchException",
                        "Invalid verification code provided, please try again.",
                    )
            result = getattr(idp, PUBLIC_OPERATIONS[operation])(**params)
        except ParamValidationError as e:
            return _error("InvalidParameterException", str(e).splitlines()[-1])
        except ClientError as e:
            error = e.response.get("Error", {})
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
            return _error(
                error.get("Code", "InternalErrorException"), error.get("Message", ""), status
            )
        if operation in ("SignUp", "ResendConfirmationCode"):
            self._send_code(str(params.get("Username", "")))
        return Response(
            200, {"Content-Type": CONTENT_TYPE, **CORS}, json.dumps(_plain(result)).encode()
        )

    def _admin_only(self, idp: Any, pool: UserPool) -> bool:
        """moto's SignUp ignores the pool's AdminCreateUserConfig; Cognito refuses it."""
        found = idp.describe_user_pool(UserPoolId=pool.pool_id)["UserPool"]
        return bool(found.get("AdminCreateUserConfig", {}).get("AllowAdminCreateUserOnly"))

    def _flow_refused(self, idp: Any, pool: UserPool, params: Mapping[str, Any]) -> Response | None:
        client = idp.describe_user_pool_client(UserPoolId=pool.pool_id, ClientId=params["ClientId"])
        allowed = client["UserPoolClient"].get("ExplicitAuthFlows", [])
        flow = str(params.get("AuthFlow", ""))
        if flow not in _FLOW_NEEDS or _FLOW_NEEDS[flow] not in allowed:
            return _error(
                "InvalidParameterException", f"{flow[:40]} flow not enabled for this client"
            )
        return None

    def _send_code(self, username: str) -> None:
        code = f"{secrets.randbelow(10**6):06d}"
        self.outbox[username] = code
        _log.info(
            "cognito: confirmation code for %s is %s (the sandbox sends no mail)", username, code
        )
