"""ItemsApi: the one component of the items API; its parts are plain functions in this package."""

from __future__ import annotations

import pulumi

from components.api.alarms import alarm_topic, metric_alarms
from components.api.args import ItemsApiArgs
from components.api.cognito import user_groups, user_pool
from components.api.function import (
    cursor_secret,
    function_log_group,
    function_role,
    function_security_group,
    items_function,
)
from components.api.gateway import (
    authorizer,
    gateway_responses,
    invoke_permission,
    rest_api,
    route_methods,
)
from components.api.scope import Scope
from components.api.stage import (
    access_log_group,
    deployment,
    execution_log_group,
    logging_account,
    method_settings,
    stage,
)
from components.api.table import customer_key, items_table
from components.api.uploads import upload_bucket
from components.api.waf import web_acl


class ItemsApi(pulumi.ComponentResource):
    """The items API in a spoke: stateful parts protected in prod, every child on the spoke's
    provider, nothing reachable from the internet except the API Gateway stage."""

    api_url: pulumi.Output[str]
    user_pool_id: pulumi.Output[str]
    user_pool_client_id: pulumi.Output[str]
    table_name: pulumi.Output[str]
    bucket_name: pulumi.Output[str]
    api_id: pulumi.Output[str]
    upload_bucket_domain: pulumi.Output[str]

    def __init__(self, name: str, args: ItemsApiArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("hubspoke:app:ItemsApi", name, None, opts)
        self.args = args
        scope = Scope.of(self, name, args)

        # Data: key, table, bucket
        self.key = customer_key(scope)
        self.table = items_table(scope, self.key)
        self.bucket = upload_bucket(scope)

        # Compute: cursor secret, security group, role, log group, function
        self.cursor_secret = cursor_secret(scope, self.key)
        self.security_group = function_security_group(scope)
        self.role, self.role_permissions = function_role(scope, self.table, self.bucket, self.key)
        self.function_log_group = function_log_group(scope)
        self.function = items_function(
            scope,
            key=self.key,
            table=self.table,
            bucket=self.bucket,
            secret=self.cursor_secret,
            security_group=self.security_group,
            role=self.role,
            role_permissions=self.role_permissions,
            log_group=self.function_log_group,
        )

        # Identity and REST API: user pool, API, authorizer, routes, CORS, invoke permission
        self.user_pool, self.user_pool_client = user_pool(scope)
        self.user_groups = user_groups(scope, self.user_pool)
        self.rest_api = rest_api(scope)
        self.authorizer = authorizer(scope, self.rest_api, self.user_pool)
        routes = route_methods(scope, self.rest_api, self.authorizer, self.function)
        self.methods, self.integrations = routes.methods, routes.integrations
        self.preflight_responses = routes.preflight_responses
        self.gateway_responses = gateway_responses(scope, self.rest_api)
        invoke_permission(scope, self.rest_api, self.function)

        # Deployment, stage, logs
        account = logging_account(scope)
        api_deployment = deployment(
            scope,
            self.rest_api,
            self.authorizer,
            [
                *self.methods,
                *self.integrations,
                *self.preflight_responses,
                *routes.validation,
                *self.gateway_responses,
            ],
        )
        self.access_log_group = access_log_group(scope)
        self.stage = stage(scope, self.rest_api, api_deployment, self.access_log_group, account)
        self.execution_log_group = execution_log_group(scope, self.rest_api)
        self.method_settings = method_settings(
            scope, self.rest_api, self.stage, self.execution_log_group
        )

        # Edge protection: the web ACL on the stage (prod by default)
        self.web_acl = None
        if args.config.waf is not None:
            self.web_acl = web_acl(scope, self.stage, args.config.waf)

        # Alarms
        self.alarm_topic_arn = alarm_topic(scope, self.key)
        self.alarms = metric_alarms(
            scope, self.alarm_topic_arn, self.function, self.rest_api, self.stage
        )

        self.api_url = self.stage.invoke_url
        self.user_pool_id = self.user_pool.id
        self.user_pool_client_id = self.user_pool_client.id
        self.table_name = self.table.name
        self.bucket_name = self.bucket.id
        self.api_id = self.rest_api.id
        self.upload_bucket_domain = self.bucket.bucket_regional_domain_name
        self.register_outputs(
            {
                "api_url": self.api_url,
                "user_pool_id": self.user_pool_id,
                "user_pool_client_id": self.user_pool_client_id,
                "table_name": self.table_name,
                "bucket_name": self.bucket_name,
                "api_id": self.api_id,
                "upload_bucket_domain": self.upload_bucket_domain,
            }
        )
