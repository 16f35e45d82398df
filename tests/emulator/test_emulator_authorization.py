"""Authorization in the emulator (offline/emulator/authorization.py): Pulumi.dev.yaml deployed
once, its API served by the local gateway with the items function's deployed code, and every call
the function makes with its role's credentials evaluated by the IAM engine.

- each action the role's inline policy grants is needed: with that one action removed from the
  role in moto, the call path that uses it is refused at run time (generated from the policy);
- least privilege both ways: what the function calls during a full journey equals what it is
  granted (every grant used, nothing used that is not granted);
- the table's customer key: without the kms:Decrypt grant every table call is AccessDenied;
- the bucket's TLS-only policy, an explicit deny and a permissions boundary, through the real path.
"""

from __future__ import annotations

import copy
import http.client
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.exceptions
import pytest
import requests

from components.api.policies import function_policy
from offline.deploy import cors_origins, deploy, start_gateway
from offline.emulator import EmulatorMocks
from offline.emulator.authorization import Call
from offline.gateway import LocalGateway, sign_in

ORIGIN = cors_origins("dev")[0]


@dataclass
class Deployed:
    gateway: LocalGateway
    emulator: EmulatorMocks
    role_name: str
    role_arn: str
    account: str
    region: str
    policy_name: str
    policy: dict[str, Any]
    boundary: str | None  # the role's permissions boundary as deployed

    def iam(self) -> Any:
        return self.emulator.context_for_account(self.account, self.region).client("iam")

    def put_policy(self, document: dict[str, Any]) -> None:
        self.iam().put_role_policy(
            RoleName=self.role_name,
            PolicyName=self.policy_name,
            PolicyDocument=json.dumps(document),
        )

    def role_session(self) -> boto3.Session:
        sts = self.emulator.context_for_account(self.account, self.region).client("sts")
        creds = sts.assume_role(RoleArn=self.role_arn, RoleSessionName="test")["Credentials"]
        return boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=self.region,
        )


@pytest.fixture(scope="module")
def deployed() -> Iterator[Deployed]:
    with EmulatorMocks() as emulator:
        result = deploy("dev", emulator)
        gateway = start_gateway(result, emulator, cors=cors_origins("dev"), port=0)
        function_arn = next(
            m.function_arn for r in gateway.api.routes for m in r.methods.values() if m.function_arn
        )
        account, region = function_arn.split(":")[4], function_arn.split(":")[3]
        ctx = emulator.context_for_account(account, region)
        role_arn = ctx.client("lambda").get_function(FunctionName=function_arn)["Configuration"][
            "Role"
        ]
        role_name = role_arn.rsplit("/", 1)[-1]
        iam = ctx.client("iam")
        (policy_name,) = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
        policy = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
        boundary = iam.get_role(RoleName=role_name)["Role"].get("PermissionsBoundary", {})
        try:
            yield Deployed(
                gateway,
                emulator,
                role_name,
                role_arn,
                account,
                region,
                policy_name,
                policy,
                boundary.get("PermissionsBoundaryArn"),
            )
        finally:
            gateway.stop()


@pytest.fixture
def app(deployed: Deployed) -> Iterator[Deployed]:
    """The deployment with its role's policies restored after each test, and calls cleared."""
    deployed.emulator.authorizer.calls.clear()
    yield deployed
    deployed.put_policy(deployed.policy)
    iam = deployed.iam()
    for name in iam.list_role_policies(RoleName=deployed.role_name)["PolicyNames"]:
        if name != deployed.policy_name:
            iam.delete_role_policy(RoleName=deployed.role_name, PolicyName=name)
    if deployed.boundary:
        iam.put_role_permissions_boundary(
            RoleName=deployed.role_name, PermissionsBoundary=deployed.boundary
        )
    elif "PermissionsBoundary" in iam.get_role(RoleName=deployed.role_name)["Role"]:
        iam.delete_role_permissions_boundary(RoleName=deployed.role_name)


# -- the API, over HTTP ---------------------------------------------------------------------------


def call(app: Deployed, verb: str, path: str, headers: dict[str, str], body: Any = None):
    host, port = app.gateway.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=20)
    conn.request(
        verb,
        f"/{app.gateway.api.stage}{path}",
        body=None if body is None else json.dumps(body),
        headers=headers,
    )
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), json.loads(data) if data else None


def user(app: Deployed, name: str) -> dict[str, str]:
    method = next(m for r in app.gateway.api.routes for m in r.methods.values() if m.pools)
    token = sign_in(app.emulator, method.pools[0], name)["idToken"]
    return {"Authorization": token, "Origin": ORIGIN, "Content-Type": "application/json"}


def upload(url: str, fields: dict[str, str]) -> requests.Response:
    return requests.post(
        url,
        data=fields,
        files={"file": ("a.png", b"\x89PNG data", fields["Content-Type"])},
        timeout=20,
    )


def journey(app: Deployed) -> dict[str, int]:
    """Every route the function serves, once, in order: step -> HTTP status (the upload's too).
    Each step stops the journey if it fails (later steps need its result)."""
    me = user(app, "journey")
    out: dict[str, int] = {}
    status, _, item = call(
        app, "POST", "/items", {**me, "Idempotency-Key": str(uuid.uuid4())}, {"name": "n"}
    )
    out["create"] = status
    if status != 201:
        return out
    status, headers, _ = call(app, "GET", f"/items/{item['id']}", me)
    out["read"] = status
    if status != 200:
        return out
    status, headers, _ = call(
        app, "PATCH", f"/items/{item['id']}", {**me, "If-Match": headers["ETag"]}, {"name": "m"}
    )
    out["update"] = status
    out["list"] = call(app, "GET", "/items", me)[0]
    out["list-by-status"] = call(app, "GET", "/items?status=todo", me)[0]
    status, _, signed = call(
        app, "POST", f"/items/{item['id']}/upload-url", me, {"contentType": "image/png"}
    )
    out["upload-url"] = status
    if status == 201:
        out["upload"] = upload(signed["url"], signed["fields"]).status_code
    status, headers, _ = call(app, "GET", f"/items/{item['id']}", me)
    if status == 200:
        out["delete"] = call(
            app, "DELETE", f"/items/{item['id']}", {**me, "If-Match": headers["ETag"]}
        )[0]
    return out


SUCCESS = {
    "create": 201,
    "read": 200,
    "update": 200,
    "list": 200,
    "list-by-status": 200,
    "upload-url": 201,
    "upload": 204,
    "delete": 204,
}


# -- what the role grants -------------------------------------------------------------------------


def grants(policy: dict[str, Any]) -> list[tuple[str, str]]:
    """(statement Sid, action) for every action an Allow statement of the policy grants."""
    out = []
    for statement in policy["Statement"]:
        actions = statement["Action"]
        for action in [actions] if isinstance(actions, str) else actions:
            out.append((statement["Sid"], action))
    return out


def without(policy: dict[str, Any], sid: str, action: str) -> dict[str, Any]:
    """The policy with one action removed from one statement (the statement too, if emptied)."""
    changed = copy.deepcopy(policy)
    for statement in changed["Statement"]:
        if statement["Sid"] == sid:
            actions = [statement["Action"]] if isinstance(statement["Action"], str) else []
            actions = actions or statement["Action"]
            statement["Action"] = [a for a in actions if a != action]
    changed["Statement"] = [s for s in changed["Statement"] if s["Action"]]
    return changed


def arn_matches(pattern: str, arn: str) -> bool:
    """IAM's ARN matching: `*` any run of characters, `?` one (case-sensitive)."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, arn) is not None


# The grants, from the policy the program writes (placeholder ARNs: only Sids and actions are
# used to name the cases); test_the_cases_are_the_deployed_grants checks them against moto.
CASES = grants(
    function_policy(
        "arn:aws:dynamodb:eu-west-1:111111111111:table/t",
        "arn:aws:s3:::b",
        "arn:aws:kms:eu-west-1:111111111111:key/k",
    )
)


def test_the_cases_are_the_deployed_grants(deployed):
    assert sorted(grants(deployed.policy)) == sorted(CASES)


def test_the_journey_succeeds_with_the_deployed_policy(app):
    assert journey(app) == SUCCESS
    calls = app.emulator.authorizer.calls
    assert all(c.decision.allowed for c in calls)
    if app.boundary:  # the bootstrap's workload boundary allows every call too
        assert all(c.decision.boundary == "Allowed" for c in calls)


@pytest.mark.parametrize(("sid", "action"), CASES, ids=[f"{s}-{a}" for s, a in CASES])
def test_each_granted_action_is_needed_at_run_time(app, sid, action):
    app.put_policy(without(app.policy, sid, action))
    outcome = journey(app)
    denied = [c for c in app.emulator.authorizer.calls if not c.decision.allowed]
    assert {c.action for c in denied} == {action}, denied
    if action.startswith("xray:"):
        # The daemon's upload is refused; the invocation itself still succeeds (as on Lambda).
        assert outcome == SUCCESS
    else:
        assert outcome != SUCCESS
        failed = next(step for step, status in outcome.items() if status != SUCCESS[step])
        assert outcome[failed] in (403, 500), outcome


def test_least_privilege_every_grant_used_and_nothing_else(app):
    journey(app)
    calls: list[Call] = app.emulator.authorizer.calls
    assert calls and all(c.decision.allowed for c in calls)
    statements = app.policy["Statement"]
    # Nothing used that is not granted: every call allowed by a statement of the inline policy
    # whose actions and resources name it (not by the AWS managed policy alone).
    for c in calls:
        by_inline = [
            s for s in c.decision.allow if s.type == "identity" and s.policy == app.policy_name
        ]
        assert by_inline, c
        statement = statements[by_inline[0].index - 1]
        actions = (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
        resources = statement["Resource"]
        resources = [resources] if isinstance(resources, str) else resources
        assert c.action in actions and any(arn_matches(r, c.resource) for r in resources), c
    # Every grant used: each (action, resource) of each statement by at least one call.
    for statement in statements:
        actions = (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
        resources = statement["Resource"]
        for action in actions:
            for resource in [resources] if isinstance(resources, str) else resources:
                assert any(
                    c.action == action and arn_matches(resource, c.resource) for c in calls
                ), (statement["Sid"], action, resource)


def test_table_calls_need_the_table_key_through_dynamodb(app):
    """The known defect: the customer key on the table and no KMS grant for the role. AWS refuses
    every table call; so does the emulator, with DynamoDB's error for a key it may not use."""
    old = without(app.policy, "TableKeyThroughDynamoDB", "kms:Decrypt")
    app.put_policy(old)
    assert journey(app) == {"create": 500}
    dynamodb = app.role_session().client("dynamodb")
    table = app.emulator.authorizer.calls[0].resource
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        dynamodb.get_item(TableName=table, Key={"PK": {"S": "x"}, "SK": {"S": "y"}})
    error = refused.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"].startswith("KMS key access denied error")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    decrypt = [c for c in app.emulator.authorizer.calls if c.action == "kms:Decrypt"][-1]
    assert dict(decrypt.context)["kms:ViaService"] == f"dynamodb.{app.region}.amazonaws.com"
    assert decrypt.via == "dynamodb" and not decrypt.decision.allowed


def test_a_direct_decrypt_is_refused_despite_the_grant(app):
    """The grant holds only through DynamoDB: the role cannot decrypt with the key itself."""
    key = next(c.resource for c in _baseline_calls(app) if c.action == "kms:Decrypt")
    kms = app.role_session().client("kms")
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        kms.decrypt(KeyId=key, CiphertextBlob=b"x" * 32)
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "because no identity-based policy allows the kms:Decrypt action" in str(refused.value)


def test_a_missing_grant_gets_dynamodbs_access_denied_message(app):
    table = next(c.resource for c in _baseline_calls(app) if c.action == "dynamodb:GetItem")
    app.put_policy(without(app.policy, "ItemsTable", "dynamodb:GetItem"))
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        app.role_session().client("dynamodb").get_item(
            TableName=table.rsplit("/", 1)[-1], Key={"PK": {"S": "x"}, "SK": {"S": "y"}}
        )
    session = f"arn:aws:sts::{app.account}:assumed-role/{app.role_name}/test"
    assert refused.value.response["Error"] == {
        "Code": "AccessDeniedException",
        "Message": f"User: {session} is not authorized to perform: dynamodb:GetItem on resource: "
        f"{table} because no identity-based policy allows the dynamodb:GetItem action",
    }


def test_the_bucket_refuses_an_upload_over_plain_http(app):
    """The role's presigned POST sent to S3 itself (moto's endpoint, intercepted in-process)
    over http and https: the TLS-only bucket policy refuses the first (the local gateway's S3
    stand-in plays S3's HTTPS endpoint, so the journey cannot show this)."""
    upload_arn = next(c.resource for c in _baseline_calls(app) if c.action == "s3:PutObject")
    bucket, key = upload_arn.removeprefix("arn:aws:s3:::").split("/", 1)
    s3 = app.role_session().client("s3", region_name=app.region)
    signed = s3.generate_presigned_post(
        bucket,
        key,
        Fields={"Content-Type": "image/png"},
        Conditions=[{"Content-Type": "image/png"}],
    )
    assert signed["url"].startswith("https://")
    refused = upload(signed["url"].replace("https://", "http://", 1), signed["fields"])
    assert refused.status_code == 403
    assert "<Code>AccessDenied</Code>" in refused.text
    assert "with an explicit deny in a resource-based policy" in refused.text
    assert upload(signed["url"], signed["fields"]).status_code == 204


def test_an_explicit_deny_beats_the_grant(app):
    app.iam().put_role_policy(
        RoleName=app.role_name,
        PolicyName="no-deletes",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"}],
            }
        ),
    )
    outcome = journey(app)
    assert outcome == {**SUCCESS, "delete": 500}
    (denied,) = [c for c in app.emulator.authorizer.calls if not c.decision.allowed]
    assert (denied.action, denied.decision.result) == ("dynamodb:DeleteItem", "ExplicitlyDenied")


def test_a_permissions_boundary_caps_the_grant(app):
    """A boundary that allows reads only: the role's write grants no longer take effect."""
    iam = app.iam()
    arn = iam.create_policy(
        PolicyName=f"read-only-{uuid.uuid4().hex[:8]}",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["dynamodb:GetItem", "dynamodb:Query"],
                        "Resource": "*",
                    },
                    {"Effect": "Allow", "Action": ["kms:Decrypt", "xray:*"], "Resource": "*"},
                ],
            }
        ),
    )["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName=app.role_name, PermissionsBoundary=arn)
    me = user(app, "bounded")
    assert call(app, "GET", "/items", me)[0] == 200
    status, _, _ = call(
        app, "POST", "/items", {**me, "Idempotency-Key": str(uuid.uuid4())}, {"name": "n"}
    )
    assert status == 500
    (denied,) = [c for c in app.emulator.authorizer.calls if not c.decision.allowed]
    assert denied.action == "dynamodb:PutItem"
    assert (denied.decision.identity, denied.decision.boundary) == ("Allowed", "ImplicitlyDenied")


def _baseline_calls(app: Deployed) -> list[Call]:
    """The calls of one journey under the deployed policy (calls are cleared afterwards)."""
    saved = app.emulator.authorizer.calls
    app.put_policy(app.policy)
    app.emulator.authorizer.calls = []
    journey(app)
    calls = app.emulator.authorizer.calls
    app.emulator.authorizer.calls = saved
    return calls
