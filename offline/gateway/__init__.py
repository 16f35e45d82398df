"""A local API Gateway for a REST API deployed into the emulator, on 127.0.0.1.

moto's API Gateway stores an API but does not run its integrations or authorizers; this package
does what API Gateway does for this kind of API, one module per job:

- `deployed.py`  the API as deployed in moto: routes, methods, authorizers' pools, gateway
                 responses, the stage's throttling
- `tokens.py`    Cognito tokens as the COGNITO_USER_POOLS authorizer checks them
- `routing.py`   stage prefix, resource and method, the REST (v1) Lambda proxy event
- `validation.py` request validators: required parameters, bodies against the JSON schema models
- `runtime.py`   the function run as Lambda runs it (its zip, environment, role credentials)
- `throttle.py`  the stage's throttling: a token bucket per method
- `server.py`    LocalGateway: the request pipeline, gateway responses, HTTP framing
- `response.py`  the answer type

Local endpoints a browser app needs beside the API, answering as the AWS services do:
- `cognito_idp.py` the user-pool API (sign-up, sign-in, refresh) forwarded to the emulated pool
- `s3_post.py`     presigned POST uploads, the policy checked as S3 checks it
- `users.py`       a local helper: users (and their group) and tokens in the emulated pool

Not enforced: quotas, usage plans, WAF, resource policies, caching, mapping templates other than
MOCK preflights and gateway response bodies.
"""

from offline.gateway.deployed import DeployedApi, Method, Route, Throttle, UserPool
from offline.gateway.response import Response
from offline.gateway.routing import proxy_event, resolve
from offline.gateway.runtime import FunctionError, FunctionRuntime, Handler, LambdaContext
from offline.gateway.server import LocalGateway
from offline.gateway.tokens import (
    Forbidden,
    Unauthorized,
    claims_as_api_gateway_sends_them,
    verify_cognito_token,
)
from offline.gateway.users import sign_in

__all__ = [
    "DeployedApi",
    "Forbidden",
    "FunctionError",
    "FunctionRuntime",
    "Handler",
    "LambdaContext",
    "LocalGateway",
    "Method",
    "Response",
    "Route",
    "Throttle",
    "Unauthorized",
    "UserPool",
    "claims_as_api_gateway_sends_them",
    "proxy_event",
    "resolve",
    "sign_in",
    "verify_cognito_token",
]
