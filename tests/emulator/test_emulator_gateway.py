"""The local gateway over HTTP on 127.0.0.1: Cognito tokens from the emulated pool, CORS, proxy
events, and a small items handler whose DynamoDB calls land in the function's account."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import textwrap
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from emulator_programs import PROVIDERS

from offline.__main__ import main
from offline.emulator import EmulatorMocks
from offline.gateway import (
    DeployedApi,
    LocalGateway,
    Unauthorized,
    sign_in,
    verify_cognito_token,
)
from offline.runner import run

ORIGIN = "http://localhost:5173"
PROGRAM = PROVIDERS + textwrap.dedent(
    """
    def trust(service):
        return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})

    table = aws.dynamodb.Table("items", billing_mode="PAY_PER_REQUEST", hash_key="PK",
        range_key="SK", attributes=[{"name": "PK", "type": "S"}, {"name": "SK", "type": "S"}],
        opts=on(spoke))
    role = aws.iam.Role("fn", assume_role_policy=trust("lambda.amazonaws.com"), opts=on(spoke))
    # The emulator authorizes the handler's calls with this role: it may use that table only.
    aws.iam.RolePolicy("fn", role=role.id, policy=table.arn.apply(lambda arn: json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": arn,
        "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]}]})), opts=on(spoke))
    fn = aws.lambda_.Function("items", role=role.arn, runtime="python3.12",
        handler="app.handler", code=pulumi.AssetArchive({"app.py": pulumi.StringAsset("")}),
        environment={"variables": {"TABLE_NAME": table.name}}, opts=on(spoke))
    pool = aws.cognito.UserPool("users", name="users", username_attributes=["email"],
                                auto_verified_attributes=["email"], opts=on(spoke))
    client = aws.cognito.UserPoolClient("web", user_pool_id=pool.id,
        explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        opts=on(spoke))
    api = aws.apigateway.RestApi("items", opts=on(spoke))
    auth = aws.apigateway.Authorizer("cognito", rest_api=api.id, type="COGNITO_USER_POOLS",
        provider_arns=[pool.arn], opts=on(spoke))
    items = aws.apigateway.Resource("items", rest_api=api.id, parent_id=api.root_resource_id,
                                    path_part="items", opts=on(spoke))
    item = aws.apigateway.Resource("item", rest_api=api.id, parent_id=items.id,
                                   path_part="{id}", opts=on(spoke))
    integrations = []
    for res, verb in ((items, "GET"), (items, "POST"), (item, "GET")):
        m = aws.apigateway.Method(f"{res._name}-{verb}", rest_api=api.id, resource_id=res.id,
            http_method=verb, authorization="COGNITO_USER_POOLS", authorizer_id=auth.id,
            opts=on(spoke))
        integrations.append(aws.apigateway.Integration(f"{res._name}-{verb}", rest_api=api.id,
            resource_id=res.id, http_method=m.http_method, type="AWS_PROXY",
            integration_http_method="POST", uri=fn.invoke_arn, opts=on(spoke)))
    for res in (items, item):
        m = aws.apigateway.Method(f"{res._name}-OPTIONS", rest_api=api.id, resource_id=res.id,
            http_method="OPTIONS", authorization="NONE", opts=on(spoke))
        integrations.append(aws.apigateway.Integration(f"{res._name}-OPTIONS", rest_api=api.id,
            resource_id=res.id, http_method=m.http_method, type="MOCK", opts=on(spoke)))
    fixed = aws.apigateway.Resource("fixed", rest_api=api.id, parent_id=api.root_resource_id,
                                    path_part="fixed", opts=on(spoke))
    fixed_options = aws.apigateway.Method("fixed-OPTIONS", rest_api=api.id,
        resource_id=fixed.id, http_method="OPTIONS", authorization="NONE", opts=on(spoke))
    fixed_mock = aws.apigateway.Integration("fixed-OPTIONS", rest_api=api.id,
        resource_id=fixed.id, http_method="OPTIONS", type="MOCK",
        request_templates={"application/json": '{"statusCode": 200}'},
        opts=on(spoke, depends_on=[fixed_options]))
    fixed_200 = aws.apigateway.MethodResponse("fixed-OPTIONS-200", rest_api=api.id,
        resource_id=fixed.id, http_method="OPTIONS", status_code="200",
        response_parameters={"method.response.header.Access-Control-Allow-Origin": True},
        opts=on(spoke, depends_on=[fixed_options]))
    integrations.append(aws.apigateway.IntegrationResponse("fixed-OPTIONS-200",
        rest_api=api.id, resource_id=fixed.id, http_method="OPTIONS", status_code="200",
        response_parameters={
            "method.response.header.Access-Control-Allow-Origin": "'https://fixed.example'"},
        opts=on(spoke, depends_on=[fixed_mock, fixed_200])))
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        aws.apigateway.Response(kind, rest_api_id=api.id, response_type=kind,
            response_parameters={
                "gatewayresponse.header.Access-Control-Allow-Origin": "'http://localhost:5173'",
                "gatewayresponse.header.Access-Control-Allow-Headers": "'Authorization'"},
            opts=on(spoke))
    deployment = aws.apigateway.Deployment("items", rest_api=api.id,
                                           opts=on(spoke, depends_on=integrations))
    aws.apigateway.Stage("v1", rest_api=api.id, deployment=deployment.id, stage_name="v1",
                         opts=on(spoke))
    pulumi.export("api_id", api.id)
    """
)


def items_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A small stand-in for functions/items: the caller's items in the table from TABLE_NAME."""
    import os

    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    sub = event["requestContext"]["authorizer"]["claims"]["sub"]
    cors = {"Access-Control-Allow-Origin": ORIGIN}
    if event["resource"] == "/items" and event["httpMethod"] == "POST":
        body = json.loads(event["body"])
        if body.get("id") == "boom":
            raise RuntimeError("an unhandled error in the function")
        table.put_item(Item={"PK": f"USER#{sub}", "SK": f"ITEM#{body['id']}", **body})
        return {"statusCode": 201, "headers": cors, "body": json.dumps(body)}
    if event["resource"] == "/items":
        found = table.query(
            KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": f"USER#{sub}"}
        )["Items"]
        body = {
            "items": [{"id": i["id"], "title": i["title"]} for i in found],
            "account": boto3.client("sts").get_caller_identity()["Account"],
            "event": {
                "claims": event["requestContext"]["authorizer"]["claims"],
                "resourcePath": event["requestContext"]["resourcePath"],
                "requestId": event["requestContext"]["requestId"],
                "multiValueHeaders": event["multiValueHeaders"],
                "query": event["multiValueQueryStringParameters"],
            },
        }
        return {"statusCode": 200, "headers": cors, "body": json.dumps(body)}
    key = {"PK": f"USER#{sub}", "SK": f"ITEM#{event['pathParameters']['id']}"}
    item = table.get_item(Key=key).get("Item")
    if item is None:
        return {"statusCode": 404, "headers": cors, "body": json.dumps({"message": "no item"})}
    return {"statusCode": 200, "headers": cors, "body": json.dumps({"title": item["title"]})}


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[LocalGateway, EmulatorMocks]]:
    program = tmp_path_factory.mktemp("gateway") / "program.py"
    program.write_text(PROGRAM)
    with EmulatorMocks() as emulator:
        result = run("test", config={"aws:region": "eu-west-1"}, program=program, mocks=emulator)
        ctx = emulator.context_for_account("444455556666", "eu-west-1")
        api = DeployedApi.read(ctx, result.outputs["api_id"], "v1")
        gateway = LocalGateway(emulator, api, default_handler=items_handler, cors_origins=[ORIGIN])
        gateway.serve(0)
        try:
            yield gateway, emulator
        finally:
            gateway.stop()


def request(
    gateway: LocalGateway, verb: str, path: str, headers: dict[str, str] | None = None, body=None
) -> tuple[int, dict[str, str], Any]:
    host, port = gateway.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    payload = json.dumps(body) if body is not None else None
    conn.request(verb, path, body=payload, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), json.loads(data) if data else None


def token(served, user: str) -> str:
    gateway, emulator = served
    method = next(m for r in gateway.api.routes for m in r.methods.values() if m.pools)
    return sign_in(emulator, method.pools[0], user)["idToken"]


def auth(served, user: str) -> dict[str, str]:
    return {"Authorization": token(served, user), "Origin": ORIGIN}


def test_crud_over_http_with_tokens_from_the_emulated_pool(served):
    gateway, _ = served
    alice = auth(served, "alice")
    status, _, body = request(gateway, "POST", "/v1/items", alice, {"id": "1", "title": "a"})
    assert (status, body) == (201, {"id": "1", "title": "a"})
    status, _, body = request(gateway, "GET", "/v1/items/1", alice)
    assert (status, body) == (200, {"title": "a"})
    status, _, body = request(gateway, "GET", "/v1/items", alice)
    assert body["items"] == [{"id": "1", "title": "a"}]
    # The handler ran with the function role's credentials: its calls land in the spoke account.
    assert body["account"] == "444455556666"


def test_one_users_items_are_invisible_to_another(served):
    gateway, _ = served
    request(gateway, "POST", "/v1/items", auth(served, "carol"), {"id": "c1", "title": "mine"})
    status, _, body = request(gateway, "GET", "/v1/items/c1", auth(served, "dave"))
    assert status == 404
    status, _, body = request(gateway, "GET", "/v1/items", auth(served, "dave"))
    assert body["items"] == []


def test_the_proxy_event_carries_claims_as_strings_and_the_request_context(served):
    gateway, _ = served
    headers = {**auth(served, "erin"), "X-Multi": "1"}
    _, _, body = request(gateway, "GET", "/v1/items?tag=a&tag=b", headers)
    event = body["event"]
    assert all(isinstance(v, str) for v in event["claims"].values())
    assert event["claims"]["token_use"] == "id"
    assert event["claims"]["email"] == "erin@example.com"
    assert event["claims"]["exp"].endswith(" UTC " + event["claims"]["exp"][-4:])
    assert event["resourcePath"] == "/items"
    assert event["requestId"]
    assert event["query"] == {"tag": ["a", "b"]}
    assert event["multiValueHeaders"]["X-Multi"] == ["1"]


@pytest.mark.parametrize(
    "authorization",
    [None, "not-a-jwt", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"],
    ids=["missing", "garbage", "hs256"],
)
def test_a_request_without_a_valid_token_gets_401_with_cors_headers(served, authorization):
    gateway, _ = served
    headers = {"Origin": ORIGIN} | ({"Authorization": authorization} if authorization else {})
    status, response_headers, body = request(gateway, "GET", "/v1/items", headers)
    assert status == 401
    assert body == {"message": "Unauthorized"}
    assert response_headers["Access-Control-Allow-Origin"] == ORIGIN


def test_a_token_of_another_user_pool_is_rejected(served):
    gateway, emulator = served
    idp = emulator.context_for_account("444455556666", "eu-west-1").client("cognito-idp")
    other = idp.create_user_pool(PoolName="other")["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=other, ClientName="c")["UserPoolClient"]
    idp.admin_create_user(UserPoolId=other, Username="mallory", TemporaryPassword="Tmp-Passw0rd!")
    idp.admin_set_user_password(
        UserPoolId=other, Username="mallory", Password="Passw0rd!Passw0rd", Permanent=True
    )
    foreign = idp.admin_initiate_auth(
        UserPoolId=other,
        ClientId=client["ClientId"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "mallory", "PASSWORD": "Passw0rd!Passw0rd"},
    )["AuthenticationResult"]["IdToken"]
    # Same moto signing key for every pool: only the issuer check tells them apart.
    status, _, _ = request(gateway, "GET", "/v1/items", {"Authorization": foreign})
    assert status == 401


def test_expired_and_access_tokens_are_rejected_by_the_authorizer(served):
    gateway, emulator = served
    method = next(m for r in gateway.api.routes for m in r.methods.values() if m.pools)
    tokens = sign_in(emulator, method.pools[0], "frank")
    claims = verify_cognito_token(tokens["idToken"], method.pools)
    with pytest.raises(Unauthorized, match="expired"):
        verify_cognito_token(tokens["idToken"], method.pools, now=claims["exp"] + 1)
    with pytest.raises(Unauthorized, match="id token"):
        verify_cognito_token(tokens["accessToken"], method.pools)


def test_preflight_from_an_allowed_origin_gets_cors_headers(served):
    gateway, _ = served
    headers = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    status, response_headers, _ = request(gateway, "OPTIONS", "/v1/items", headers)
    assert status == 200
    assert response_headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response_headers["Access-Control-Allow-Methods"]
    assert "Authorization" in response_headers["Access-Control-Allow-Headers"]


def test_preflight_from_another_origin_gets_no_cors_headers(served):
    gateway, _ = served
    headers = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    status, response_headers, _ = request(gateway, "OPTIONS", "/v1/items/1", headers)
    assert status == 200
    assert "Access-Control-Allow-Origin" not in response_headers


def test_a_function_error_is_a_502_with_the_5xx_gateway_response_headers(served):
    gateway, _ = served
    status, headers, body = request(
        gateway, "POST", "/v1/items", auth(served, "gina"), {"id": "boom"}
    )
    assert status == 502
    assert body == {"message": "Internal server error"}
    assert headers["Access-Control-Allow-Origin"] == ORIGIN


def test_an_unknown_route_is_403_missing_authentication_token(served):
    gateway, _ = served
    status, headers, body = request(gateway, "GET", "/v1/nope", {"Origin": ORIGIN})
    assert (status, body) == (403, {"message": "Missing Authentication Token"})
    assert headers["Access-Control-Allow-Origin"] == ORIGIN


def test_token_command_prints_an_id_token_the_gateway_accepts(served, capsys):
    gateway, _ = served
    port = gateway.url.rsplit(":", 1)[1]
    assert main(["token", "--user", "henry", "--port", port]) == 0
    id_token = capsys.readouterr().out.strip().splitlines()[-1]
    status, _, _ = request(gateway, "GET", "/v1/items", {"Authorization": id_token})
    assert status == 200


def test_a_handler_module_that_does_not_exist_is_refused_before_serving(served):
    gateway, emulator = served
    with pytest.raises(LookupError, match=r"no module functions\.nope\.app"):
        LocalGateway(emulator, gateway.api, default_handler="functions.nope.app:lambda_handler")


def test_a_mock_preflight_with_integration_response_headers_answers_with_them(served):
    gateway, _ = served
    headers = {"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
    status, response_headers, _ = request(gateway, "OPTIONS", "/v1/fixed", headers)
    assert status == 200
    # API Gateway sends the static mapping whatever the origin: the browser then refuses it.
    assert response_headers["Access-Control-Allow-Origin"] == "https://fixed.example"


# -- answering as API Gateway does, whatever arrives ----------------------------------------------


def raw(gateway: LocalGateway, data: bytes) -> tuple[int, dict[str, str], bytes, bool]:
    """Send bytes as they are; returns status, headers, body and whether the server closed."""
    host, port = gateway.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body, headers.get("Connection") == "close"


def test_a_bearer_token_is_accepted_as_the_raw_token_is(served):
    gateway, _ = served
    bearer = {"Authorization": f"Bearer {token(served, 'ivan')}"}
    status, _, _ = request(gateway, "GET", "/v1/items", bearer)
    assert status == 200


@pytest.mark.parametrize(
    "authorization",
    ["Bearer", "Bearer ", "a.b.c", "!!.!!.!!", "e30.e30.e30", "eyJhbGciOiJSUzI1NiJ9..", "x" * 9000],
    ids=["bare-scheme", "empty-bearer", "short", "not-b64", "empty-objects", "no-payload", "long"],
)
def test_malformed_token_segments_are_401s_with_cors_not_faults(served, authorization):
    gateway, _ = served
    headers = {"Origin": ORIGIN, "Authorization": authorization}
    status, response_headers, body = request(gateway, "GET", "/v1/items", headers)
    assert (status, body) == (401, {"message": "Unauthorized"})
    assert response_headers["Access-Control-Allow-Origin"] == ORIGIN


def test_a_repeated_header_reaches_the_function_in_multi_value_headers(served):
    gateway, _ = served
    bearer = token(served, "judy")
    data = (
        f"GET /v1/items HTTP/1.1\r\nHost: x\r\nAuthorization: {bearer}\r\n"
        "X-Multi: one\r\nX-Multi: two\r\nConnection: close\r\n\r\n"
    ).encode()
    status, _, body, _ = raw(gateway, data)
    assert status == 200
    assert json.loads(body)["event"]["multiValueHeaders"]["X-Multi"] == ["one", "two"]


def test_head_gets_the_headers_of_the_answer_without_a_body(served):
    gateway, _ = served
    status, headers, body, _ = raw(gateway, b"HEAD /v1/items HTTP/1.1\r\nHost: x\r\n\r\n")
    # No HEAD method on /items: API Gateway's 403, its length announced, no body sent.
    assert status == 403
    assert int(headers["Content-Length"]) > 0
    assert body == b""


@pytest.mark.parametrize(
    "framing",
    [
        b"Content-Length: abc\r\n",
        b"Content-Length: -1\r\n",
        b"Content-Length: 5\r\nContent-Length: 6\r\n",
        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"Content-Length: 500\r\n",  # the body ends first
    ],
    ids=["not-a-number", "negative", "two-lengths", "length-and-chunked", "bad-chunk", "short"],
)
def test_a_body_that_cannot_be_delimited_is_a_400_and_the_connection_closes(served, framing):
    gateway, _ = served
    data = b"POST /v1/items HTTP/1.1\r\nHost: x\r\n" + framing
    data += b"" if framing.endswith(b"zz\r\n") else b"\r\nhello"
    status, headers, body, closed = raw(gateway, data)
    assert status == 400
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"message": "Bad Request"}
    assert closed


def test_a_chunked_body_reaches_the_function_whole(served):
    gateway, _ = served
    bearer = token(served, "kim")
    payload = json.dumps({"id": "chunked", "title": "in two chunks"}).encode()
    first, second = payload[:10], payload[10:]
    data = (
        f"POST /v1/items HTTP/1.1\r\nHost: x\r\nAuthorization: {bearer}\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ).encode()
    data += b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(first), first, len(second), second)
    status, _, body, _ = raw(gateway, data)
    assert (status, json.loads(body)["title"]) == (201, "in two chunks")


def test_a_request_line_that_cannot_be_parsed_gets_a_json_400(served):
    gateway, _ = served
    status, headers, body, closed = raw(gateway, b"THIS IS NOT HTTP\r\n\r\n")
    assert status == 400
    assert headers["Content-Type"] == "application/json"
    assert "message" in json.loads(body)
    assert closed


def test_a_payload_over_api_gateways_10_mb_quota_is_413(served):
    gateway, _ = served
    headers = {"Authorization": token(served, "leo"), "Origin": ORIGIN}
    big = "x" * (10 * 1024 * 1024 + 1)
    host, port = gateway.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("POST", "/v1/items", body=big, headers=headers)
    response = conn.getresponse()
    assert response.status == 413
    assert json.loads(response.read()) == {"message": "Request Too Long"}
    assert response.getheader("Access-Control-Allow-Origin") == ORIGIN
    conn.close()


def test_the_gateway_logs_a_line_for_each_answer_it_makes_itself(served, caplog):
    gateway, _ = served
    caplog.set_level(logging.INFO, logger="offline.gateway")
    request(gateway, "GET", "/v1/items", {"Origin": ORIGIN})
    request(gateway, "OPTIONS", "/v1/items", {"Origin": ORIGIN})
    request(gateway, "GET", "/v1/nope", {})
    lines = [r.getMessage() for r in caplog.records if r.name == "offline.gateway"]
    assert any(line.startswith("GET /v1/items -> 401 (authorizer") for line in lines), lines
    assert any(line.startswith("OPTIONS /v1/items -> 200 (preflight)") for line in lines), lines
    assert any(line.startswith("GET /v1/nope -> 403 (gateway: no route)") for line in lines), lines


def test_token_command_puts_the_user_in_a_group(served, capsys):
    gateway, emulator = served
    pool = next(m for r in gateway.api.routes for m in r.methods.values() if m.pools).pools[0]
    idp = emulator.context_for_account(pool.account_id, pool.region).client("cognito-idp")
    idp.create_group(UserPoolId=pool.pool_id, GroupName="testers")
    port = gateway.url.rsplit(":", 1)[1]
    assert main(["token", "--user", "mona", "--group", "testers", "--port", port]) == 0
    out = capsys.readouterr()
    assert "in group testers" in out.err
    claims = verify_cognito_token(out.out.strip().splitlines()[-1], [pool])
    assert claims["cognito:groups"] == ["testers"]
    assert main(["token", "--user", "mona", "--group", "nobody", "--port", port]) == 1
    assert "no group 'nobody'" in capsys.readouterr().err
