"""ItemsApi: the items REST API in one spoke — DynamoDB, a VPC-attached Lambda, API Gateway with
Cognito and CORS, an S3 bucket for presigned uploads, and alarms.

Reads in the order AWS builds it: key -> table -> bucket -> network -> role -> function -> user pool
-> REST API -> stage -> alarms. Every child uses the spoke account's provider. The function reaches
DynamoDB and S3 through the spoke's gateway endpoints only: no NAT, no interface endpoints, so an
idle stack costs (almost) nothing.

One component (`component.py`, type `hubspoke:app:ItemsApi`); its parts are plain functions that
register children under it, one module each:
- `args.py`      ItemsApiArgs, the component's interface
- `scope.py`     Scope: parent, provider, names, tags and options every child shares
- `contract.py`  what the function and the browser must agree on (key schema, routes, CORS)
- `policies.py`  the policy documents, as pure functions
- `table.py`     customer key and DynamoDB table
- `uploads.py`   upload bucket and its settings
- `function.py`  code, cursor secret, security group, role, log group, Lambda
- `cognito.py`   user pool and app client
- `gateway.py`   REST API, authorizer, routes, preflights, gateway responses, invoke permission
- `stage.py`     logging account, deployment, stage, access logs, method settings
- `alarms.py`    alarm topic and alarms
"""

from components.api.args import ItemsApiArgs
from components.api.component import ItemsApi
from components.api.contract import (
    CORS_ALLOW_HEADERS,
    CORS_MAX_AGE_SECONDS,
    FUNCTION_CODE,
    GSI_HASH_KEY,
    GSI_NAME,
    GSI_RANGE_KEY,
    HANDLER,
    ROUTES,
    TABLE_HASH_KEY,
    TABLE_RANGE_KEY,
    UPLOAD_PREFIX,
    Route,
)
from components.api.function import CODE_EXCLUDED_DIRS, code_assets
from components.api.gateway import preflight_headers, route_paths, slug
from components.api.policies import (
    APIGW_LOGS_POLICY_ARN,
    INDEX_ACTIONS,
    TABLE_ACTIONS,
    VPC_ACCESS_POLICY_ARN,
    XRAY_ACTIONS,
    function_policy,
)
from components.api.scope import COMPONENT
from components.api.stage import access_log_format

__all__ = [
    "APIGW_LOGS_POLICY_ARN",
    "CODE_EXCLUDED_DIRS",
    "COMPONENT",
    "CORS_ALLOW_HEADERS",
    "CORS_MAX_AGE_SECONDS",
    "FUNCTION_CODE",
    "GSI_HASH_KEY",
    "GSI_NAME",
    "GSI_RANGE_KEY",
    "HANDLER",
    "INDEX_ACTIONS",
    "ROUTES",
    "TABLE_ACTIONS",
    "TABLE_HASH_KEY",
    "TABLE_RANGE_KEY",
    "UPLOAD_PREFIX",
    "VPC_ACCESS_POLICY_ARN",
    "XRAY_ACTIONS",
    "ItemsApi",
    "ItemsApiArgs",
    "Route",
    "access_log_format",
    "code_assets",
    "function_policy",
    "preflight_headers",
    "route_paths",
    "slug",
]
