"""hubspoke's CrossGuard policy pack: what the project promises, enforced on every preview and up.

`pulumi preview --policy-pack policy` runs this file (from this directory, so `validators` is
imported as a top-level module). It only wraps the pure rules of `validators.py`, which the tests
exercise; building `PolicyPack` starts the analyzer server, so no test imports this file.

Pack config (`--policy-pack-config policy-config.json`):
  {"api-methods-have-authorizers": {"publicRoutes": ["GET /health"]}}
lists the API routes that may be called without the Cognito authorizer. The list is empty by
default; each allowed route is still reported by the advisory policy `public-api-routes`.
"""

from collections.abc import Callable, Mapping
from typing import Any

import validators
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

PUBLIC_ROUTES_SCHEMA = PolicyConfigSchema(
    properties={
        "publicRoutes": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[A-Z]+ /.*$"},
            "default": [],
            "description": 'Routes ("GET /health") allowed without an authorizer.',
        }
    }
)


def _known(props: Mapping[str, Any], key: str) -> Any:
    try:
        return props.get(key)
    except UnknownValueError:
        return None


def _resource(r: PolicyResource) -> validators.Resource:
    return validators.Resource(
        type=r.resource_type,
        name=r.name,
        urn=r.urn,
        props=r.props,
        id=_known(r.props, "id"),
        property_dependencies={
            prop: tuple(dep.urn for dep in deps) for prop, deps in r.property_dependencies.items()
        },
    )


def resource_policy(name: str, check: validators.ResourceCheck) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for message in check(args.resource_type, args.props):
            report(message, None)

    return ResourceValidationPolicy(
        name=name,
        description=(check.__doc__ or name).split("\n")[0],
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
    )


def stack_policy(
    name: str,
    check: Callable[..., list[tuple[str, str]]],
    level: EnforcementLevel = EnforcementLevel.MANDATORY,
    with_routes: bool = False,
) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        resources = [_resource(r) for r in args.resources]
        extra = [args.get_config().get("publicRoutes") or []] if with_routes else []
        for urn, message in check(resources, *extra):
            report(message, urn)

    return StackValidationPolicy(
        name=name,
        description=(check.__doc__ or name).split("\n")[0],
        validate=validate,
        enforcement_level=level,
        config_schema=PUBLIC_ROUTES_SCHEMA if with_routes else None,
    )


ROUTE_AWARE = {"api-methods-have-authorizers"}

PolicyPack(
    name="hubspoke",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        *(resource_policy(n, c) for n, c in validators.RESOURCE_CHECKS.items()),
        *(
            stack_policy(n, c, with_routes=n in ROUTE_AWARE)
            for n, c in validators.STACK_CHECKS.items()
        ),
        stack_policy(
            "public-api-routes",
            validators.public_api_routes,
            EnforcementLevel.ADVISORY,
            with_routes=True,
        ),
    ],
)
