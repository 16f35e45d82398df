"""Cognito tokens as API Gateway's COGNITO_USER_POOLS authorizer checks them.

RS256 signature through the pool's JWKS, issuer, expiry, `token_use` (`id` with `aud` = an app
client of the pool; `access` with `client_id` and one of the method's scopes when the method has
scopes); then the claims as a REST API passes them to the function (every value a string).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from offline.gateway.deployed import UserPool


class Unauthorized(Exception):
    """The token is missing or invalid: API Gateway answers 401."""


class Forbidden(Exception):
    """The token is valid but not for this method (scopes): API Gateway answers 403."""


def token_from_header(value: str) -> str:
    """The token in the identity source header: the raw JWT, or `Bearer <JWT>`.

    The REST API Cognito authorizer takes both. Amazon Cognito's guide tells apps to send the
    tokens "as bearer tokens to an Authorization header" ("Accessing resources with API Gateway
    after sign-in"), AWS's own API Gateway workshop tests a COGNITO_USER_POOLS authorizer with
    "Bearer" + one space + the token, and the HTTP API JWT authorizer documents "only the token,
    or the token prefixed with Bearer" (amazon-cognito-identity-js#165 reports the same for REST).
    The scheme name is matched case-insensitively (RFC 6750 / RFC 9110 auth-scheme).
    """
    scheme, _, rest = value.partition(" ")
    return rest.strip() if rest and scheme.lower() == "bearer" else value.strip()


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _int(segment: str) -> int:
    return int.from_bytes(_b64(segment), "big")


def _segments(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    """Header, claims and signature; any malformed part is Unauthorized, never another error."""
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = json.loads(_b64(header_b64))
        claims = json.loads(_b64(payload_b64))
        signature = _b64(signature_b64)
    except (ValueError, binascii.Error, UnicodeDecodeError) as e:
        raise Unauthorized(f"not a JWT: {e}") from e
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise Unauthorized("not a JWT: header and payload must be JSON objects")
    return header, claims, signature


def verify_cognito_token(
    token: str, pools: Sequence[UserPool], scopes: Sequence[str] = (), now: float | None = None
) -> dict[str, Any]:
    """The claims of `token` if API Gateway's Cognito authorizer would accept it; else raises
    Unauthorized (bad token) or Forbidden (a good token without a required scope)."""
    header, claims, signature = _segments(token)
    if header.get("alg") != "RS256":
        raise Unauthorized(f"alg {header.get('alg')!r} is not RS256")
    pool = next((p for p in pools if p.issuer == claims.get("iss")), None)
    if pool is None:
        raise Unauthorized(f"issuer {claims.get('iss')!r} is not the authorizer's user pool")
    key = next((k for k in pool.jwks.get("keys", []) if k.get("kid") == header.get("kid")), None)
    if key is None:
        raise Unauthorized(f"kid {header.get('kid')!r} is not in the pool's JWKS")
    public = rsa.RSAPublicNumbers(_int(key["e"]), _int(key["n"])).public_key()
    signed = token.rsplit(".", 1)[0].encode()
    try:
        public.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as e:
        raise Unauthorized("the signature does not verify with the pool's key") from e
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp <= (time.time() if now is None else now):
        raise Unauthorized("the token has expired (or has no exp)")
    use = claims.get("token_use")
    if scopes:
        if use != "access" or claims.get("client_id") not in pool.client_ids:
            raise Unauthorized("this method needs an access token of an app client of the pool")
        if not set(str(claims.get("scope", "")).split()) & set(scopes):
            raise Forbidden(f"the token has none of the scopes {list(scopes)}")
    elif use != "id" or claims.get("aud") not in pool.client_ids:
        raise Unauthorized("this method needs an id token whose aud is an app client of the pool")
    return claims


_TIME_CLAIMS = ("exp", "iat", "auth_time")


def claims_as_api_gateway_sends_them(claims: Mapping[str, Any]) -> dict[str, str]:
    """REST APIs pass every claim as a string: times as dates, lists as `[a b]`."""
    out = {}
    for key, value in claims.items():
        if key in _TIME_CLAIMS and isinstance(value, int | float):
            moment = time.gmtime(value)
            out[key] = time.strftime("%a %b %d %H:%M:%S UTC %Y", moment)
        elif isinstance(value, list):
            out[key] = "[" + " ".join(str(v) for v in value) + "]"
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out
