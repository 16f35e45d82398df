"""ItemsApi's request validation under mocks: a validator on every method, a body model where the
route takes a body, and the validator's refusals in the project's error shape with CORS."""

from __future__ import annotations

import json

import pytest

from components.api.request_models import BODY_MODELS
from functions.items.contract import ROUTES
from offline.runner import RunResult

T_METHOD = "aws:apigateway/method:Method"
T_VALIDATOR = "aws:apigateway/requestValidator:RequestValidator"
T_MODEL = "aws:apigateway/model:Model"


@pytest.fixture(scope="module", params=["dev", "prod"])
def stack(request, run_stack_file) -> RunResult:
    return run_stack_file(request.param)


@pytest.fixture(scope="module")
def dev_preview(run_stack_file) -> RunResult:
    return run_stack_file("dev", preview=True)


def _routes(result: RunResult):
    for method in result.of_type(T_METHOD):
        verb = method.inputs["httpMethod"]
        if verb == "OPTIONS":
            continue
        route = next(
            r
            for r in ROUTES
            if r.method == verb and method.name == f"items-{verb.lower()}-" + _slug(r.path)
        )
        yield method, route


def _slug(path: str) -> str:
    return path.strip("/").replace("{", "").replace("}", "").replace("/", "-")


def test_every_route_has_a_validator_and_a_body_model_where_it_takes_a_body(stack):
    validators = {v.id: v for v in stack.of_type(T_VALIDATOR)}
    models = {m.inputs["name"]: m for m in stack.of_type(T_MODEL)}
    seen = set()
    for method, route in _routes(stack):
        validator = validators[method.inputs["requestValidatorId"]]
        assert validator.inputs["validateRequestParameters"] is True
        model = BODY_MODELS.get((route.method, route.path))
        assert validator.inputs["validateRequestBody"] is (model is not None), route
        if model:
            assert method.inputs["requestModels"] == {"application/json": model}
            schema = json.loads(models[model].inputs["schema"])
            assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
            assert schema["additionalProperties"] is False
        seen.add((route.method, route.path))
    assert seen == {(r.method, r.path) for r in ROUTES}


def test_create_requires_the_idempotency_key_and_writes_leave_if_match_to_the_function(stack):
    params = {(r.method, r.path): m.inputs.get("requestParameters") for m, r in _routes(stack)}
    assert params[("POST", "/items")]["method.request.header.Idempotency-Key"] is True
    for verb in ("PUT", "PATCH", "DELETE"):
        # A missing If-Match is the function's 428, not the validator's 400.
        assert params[(verb, "/items/{id}")]["method.request.header.If-Match"] is False
    assert params[("GET", "/items/{id}")] == {"method.request.path.id": True}


def test_the_upload_model_allows_exactly_the_configured_content_types(stack):
    import jsonschema

    [model] = [m for m in stack.of_type(T_MODEL) if m.inputs["name"] == "UploadRequest"]
    schema = json.loads(model.inputs["schema"])
    validator = jsonschema.Draft4Validator(schema)
    assert validator.is_valid({"contentType": "image/png"})
    assert validator.is_valid({"contentType": "Application/PDF"})
    assert not validator.is_valid({"contentType": "image/png;x"})
    assert not validator.is_valid({"contentType": "text/html"})


def test_validator_refusals_have_cors_and_the_project_error_shape(stack):
    responses = {
        r.inputs["responseType"]: r for r in stack.of_type("aws:apigateway/response:Response")
    }
    for kind, code, field in (
        ("BAD_REQUEST_BODY", "invalid_body", "body"),
        ("BAD_REQUEST_PARAMETERS", "missing_parameter", "parameters"),
    ):
        response = responses[kind]
        assert (
            "gatewayresponse.header.Access-Control-Allow-Origin"
            in (response.inputs["responseParameters"])
        )
        template = response.inputs["responseTemplates"]["application/json"]
        rendered = template.replace("$context.error.messageString", '"Invalid request body"')
        assert json.loads(rendered) == {
            "error": {"code": code, "message": "Invalid request body", "field": field}
        }


def test_preview_registers_the_validation_with_unknown_ids(dev_preview):
    assert len(dev_preview.of_type(T_VALIDATOR)) == 2
    assert len(dev_preview.of_type(T_MODEL)) == len(set(BODY_MODELS.values()))
