"""Roles from Cognito groups, through the real handler on moto: a route refuses a caller whose
groups lack its permission with 403 and the API's error shape naming the permission.

The harness configures editors (read, write, upload), viewers and readers (read), uploaders
(upload), and read for a user in no group (items_harness.TEST_ENV)."""

from __future__ import annotations

import pytest
from items_harness import USER_A, claims_for, invoke, rest_event
from roles import parse_groups, permissions_of

import functions.items.contract as contract

ITEM = "item-1"
BODIES = {
    ("POST", "/items"): {"name": "n"},
    ("PUT", "/items/{id}"): {"name": "n"},
    ("PATCH", "/items/{id}"): {"name": "n"},
    ("POST", "/items/{id}/upload-url"): {"contentType": "image/png", "contentLength": 10},
}
HEADERS = {"If-Match": '"1"', "Idempotency-Key": "roles-test-key-1"}


def call(route: contract.Route, groups: object) -> object:
    claims = claims_for(USER_A)
    if groups is None:
        del claims["cognito:groups"]
    else:
        claims["cognito:groups"] = groups
    body = BODIES.get((route.method, route.path))
    path = route.path.replace("{id}", ITEM)
    return invoke(rest_event(route.method, path, body=body, headers=HEADERS, claims=claims))


@pytest.mark.parametrize(
    ("claim", "groups"),
    [
        ("readers", ("readers",)),
        ("readers,uploaders", ("readers", "uploaders")),
        ("[readers uploaders]", ("readers", "uploaders")),
        ('["readers","uploaders"]', ("readers", "uploaders")),
        (["readers", "uploaders"], ("readers", "uploaders")),
        (" readers , readers ", ("readers",)),
        ("", ()),
        ("[]", ()),
        (None, ()),
    ],
)
def test_cognito_groups_are_parsed_in_every_shape_seen(claim, groups):
    assert parse_groups(claim) == groups


def test_permissions_are_the_union_of_the_known_groups_and_the_default_for_no_group():
    config = {"readers": ("read",), "uploaders": ("upload",)}
    assert permissions_of(("readers", "uploaders"), config, ("write",)) == {"read", "upload"}
    assert permissions_of((), config, ("write",)) == {"write"}
    # A group the configuration does not name grants nothing (and is not "no group").
    assert permissions_of(("strangers",), config, ("write",)) == frozenset()


AUTHORIZED = [r for r in contract.ROUTES if not r.public]


@pytest.mark.parametrize("route", AUTHORIZED, ids=lambda r: f"{r.method} {r.path}")
def test_a_reader_may_read_and_is_refused_the_rest_naming_the_permission(aws, route):
    response = call(route, "readers")
    if route.permission == contract.READ:
        assert response.status != 403, response.body
        return
    assert response.status == 403, response.body
    assert response.error["code"] == "forbidden"
    assert response.error["field"] == "permission"
    assert f"the {route.permission} permission" in response.error["message"]
    assert response.body["permission"] == route.permission
    assert response.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("route", AUTHORIZED, ids=lambda r: f"{r.method} {r.path}")
def test_an_editor_is_refused_nothing(aws, route):
    assert call(route, "editors").status != 403


def test_several_groups_as_api_gateway_sends_them_add_up(aws):
    upload = next(r for r in AUTHORIZED if r.permission == contract.UPLOAD)
    write = next(r for r in AUTHORIZED if r.permission == contract.WRITE)
    for claim in ("readers,uploaders", "[readers uploaders]"):
        assert call(upload, claim).status != 403
        assert call(write, claim).status == 403


def test_a_user_in_no_group_gets_the_default_permissions(aws):
    read = next(r for r in AUTHORIZED if r.permission == contract.READ)
    write = next(r for r in AUTHORIZED if r.permission == contract.WRITE)
    assert call(read, None).status == 200
    response = call(write, None)
    assert response.status == 403
    assert "a user in no group" in response.error["message"]


def test_a_user_only_in_an_unconfigured_group_may_do_nothing(aws):
    read = next(r for r in AUTHORIZED if r.permission == contract.READ)
    assert call(read, "strangers").status == 403


def test_the_public_health_route_needs_no_permission(aws):
    health = next(r for r in contract.ROUTES if r.public)
    assert invoke(rest_event(health.method, health.path, sub=None)).status == 200
