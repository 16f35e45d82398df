"""Every check of the local Cognito authorizer, on tokens signed here with keys generated for the
test: a token that fails one check, and only that one, must be refused."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from offline.gateway import Forbidden, Unauthorized, UserPool, verify_cognito_token
from offline.gateway.tokens import token_from_header

REGION, POOL_ID, CLIENT = "eu-west-1", "eu-west-1_Test", "client-1"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
POOL_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
    return {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid, "e": _b64(b"\x01\x00\x01"),
            "n": _b64(n)}  # fmt: skip


POOL = UserPool(
    REGION, "123456789012", POOL_ID, frozenset({CLIENT}), {"keys": [_jwk(POOL_KEY, "k1")]}
)


def sign(claims: dict[str, Any], *, key: rsa.RSAPrivateKey = POOL_KEY, kid: str = "k1",
         alg: str = "RS256") -> str:  # fmt: skip
    header = _b64(json.dumps({"alg": alg, "kid": kid}).encode())
    payload = _b64(json.dumps(claims).encode())
    signature = key.sign(f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{payload}.{_b64(signature)}"


def id_claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"sub": "u-1", "iss": ISSUER, "aud": CLIENT, "token_use": "id", "iat": now,
              "exp": now + 3600, "cognito:groups": ["readers"]}  # fmt: skip
    return {**claims, **changes}


def access_claims(**changes: Any) -> dict[str, Any]:
    claims = {**id_claims(), "token_use": "access", "client_id": CLIENT, "scope": "items/read"}
    del claims["aud"]
    return {**claims, **changes}


def test_an_id_token_signed_by_the_pool_is_accepted_with_its_claims():
    claims = verify_cognito_token(sign(id_claims()), [POOL])
    assert claims["sub"] == "u-1"
    assert claims["cognito:groups"] == ["readers"]


def test_a_forged_signature_is_refused():
    # Same kid, same claims, another key: only the signature check can tell.
    with pytest.raises(Unauthorized, match="signature"):
        verify_cognito_token(sign(id_claims(), key=OTHER_KEY), [POOL])


def test_a_signature_of_other_claims_is_refused():
    header, _, signature = sign(id_claims()).split(".")
    tampered = _b64(json.dumps(id_claims(sub="someone-else")).encode())
    with pytest.raises(Unauthorized, match="signature"):
        verify_cognito_token(f"{header}.{tampered}.{signature}", [POOL])


def test_an_unknown_kid_is_refused():
    with pytest.raises(Unauthorized, match="kid"):
        verify_cognito_token(sign(id_claims(), kid="k2"), [POOL])


def test_a_token_of_another_issuer_is_refused():
    other = f"https://cognito-idp.{REGION}.amazonaws.com/eu-west-1_Other"
    with pytest.raises(Unauthorized, match="issuer"):
        verify_cognito_token(sign(id_claims(iss=other)), [POOL])


def test_an_id_token_for_another_audience_is_refused():
    with pytest.raises(Unauthorized, match="aud"):
        verify_cognito_token(sign(id_claims(aud="client-of-another-app")), [POOL])


def test_an_expired_token_is_refused():
    claims = id_claims(exp=int(time.time()) - 1)
    with pytest.raises(Unauthorized, match="expired"):
        verify_cognito_token(sign(claims), [POOL])
    # And `now` moves the clock: valid until exp, refused at exp.
    fresh = id_claims()
    verify_cognito_token(sign(fresh), [POOL], now=fresh["exp"] - 1)
    with pytest.raises(Unauthorized, match="expired"):
        verify_cognito_token(sign(fresh), [POOL], now=fresh["exp"])


def test_a_token_without_a_numeric_exp_is_refused():
    with pytest.raises(Unauthorized, match="exp"):
        verify_cognito_token(sign(id_claims(exp="tomorrow")), [POOL])


def test_an_access_token_is_refused_where_an_id_token_is_needed():
    with pytest.raises(Unauthorized, match="id token"):
        verify_cognito_token(sign(access_claims()), [POOL])
    # Even one that carries the client as `aud`: only token_use says what the token is.
    with pytest.raises(Unauthorized, match="id token"):
        verify_cognito_token(sign(access_claims(aud=CLIENT)), [POOL])


def test_an_id_token_is_refused_where_scopes_need_an_access_token():
    with pytest.raises(Unauthorized, match="access token"):
        verify_cognito_token(sign(id_claims()), [POOL], scopes=["items/read"])


def test_an_access_token_of_another_client_is_refused():
    token = sign(access_claims(client_id="client-of-another-app"))
    with pytest.raises(Unauthorized, match="access token"):
        verify_cognito_token(token, [POOL], scopes=["items/read"])


def test_an_access_token_without_the_methods_scope_is_forbidden():
    token = sign(access_claims(scope="items/write"))
    with pytest.raises(Forbidden, match="scopes"):
        verify_cognito_token(token, [POOL], scopes=["items/read"])
    assert verify_cognito_token(sign(access_claims()), [POOL], scopes=["items/read"])


def test_a_token_not_signed_with_rs256_is_refused():
    with pytest.raises(Unauthorized, match="RS256"):
        verify_cognito_token(sign(id_claims(), alg="HS256"), [POOL])


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!!.@@@.###",
        _b64(b"[1]") + "." + _b64(b"{}") + ".c2ln",  # header not an object
        _b64(b'{"alg":"RS256"}') + "." + _b64(b"\xff\xfe") + ".c2ln",  # payload not UTF-8
        _b64(b'{"alg":"RS256"}') + "." + _b64(b"not json") + ".c2ln",
    ],
    ids=["empty", "one", "two", "four", "not-base64", "array", "not-utf8", "not-json"],
)
def test_malformed_token_segments_are_unauthorized_not_an_error(token):
    with pytest.raises(Unauthorized):
        verify_cognito_token(token, [POOL])


@pytest.mark.parametrize(
    ("header", "token"),
    [("abc.def.ghi", "abc.def.ghi"), ("Bearer abc.def.ghi", "abc.def.ghi"),
     ("bearer abc.def.ghi", "abc.def.ghi"), ("Basic abc", "Basic abc")],
)  # fmt: skip
def test_the_token_is_taken_raw_or_after_a_bearer_scheme(header, token):
    assert token_from_header(header) == token


def test_a_bearer_token_verifies_like_the_raw_one():
    token = sign(id_claims())
    assert verify_cognito_token(token_from_header(f"Bearer {token}"), [POOL])["sub"] == "u-1"
