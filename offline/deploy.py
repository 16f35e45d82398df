"""The main job: deploy a stack file into the in-process emulator and print what `pulumi up` would.

    python -m offline deploy [--stack dev] [--serve --port 8787]

Runs the real `__main__.py` with the real `Pulumi.<stack>.yaml` under `EmulatorMocks`: every
resource is created in moto, in its provider's account and region, and AWS-side validation
happens as it would on `pulumi up`. Nothing leaves the machine.
"""

from __future__ import annotations

import json
from collections import Counter
from importlib.metadata import version
from typing import Any

from offline.emulator import EmulatorMocks
from offline.gateway import DeployedApi, Handler, LocalGateway
from offline.mocks import PROVIDER_TYPE, Registration
from offline.runner import RunResult, check_stack, run


def deploy(stack: str, emulator: EmulatorMocks) -> RunResult:
    """Deploy `stack` into a running `emulator`; its state stays readable until it stops."""
    return run(stack, mocks=emulator.start())


def _component_of(resource: Registration, by_urn: dict[str, Registration]) -> str:
    """The nearest component ancestor, as `type name`, or "(stack)"."""
    parent = by_urn.get(resource.parent)
    while parent is not None:
        if not parent.custom and parent.type != PROVIDER_TYPE:
            return f"{parent.type} {parent.name}"
        parent = by_urn.get(parent.parent)
    return "(stack)"


def _short(type_: str) -> str:
    """`aws:ec2/vpc:Vpc` -> `aws:ec2:Vpc`, the way `pulumi up` prints types."""
    package, module, name = type_.split(":")
    return f"{package}:{module.split('/')[0]}:{name}"


def _show(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else f'"{value}"'


def summary(result: RunResult, emulator: EmulatorMocks) -> str:
    """A `pulumi up`-like report: resources by component and account, then the outputs."""
    by_urn = result.by_urn()
    lines = [
        f"Deployed stack {result.stack} into the in-process AWS emulator "
        f"(moto {version('moto')}): nothing left this machine.",
        "",
        "Providers:",
    ]
    for provider in result.of_type(PROVIDER_TYPE):
        ctx = emulator.context(provider.provider or f"{provider.urn}::{provider.id}")
        roles = provider.inputs.get("assumeRoles")
        how = f"assumed {json.loads(roles)[0]['roleArn']}" if roles else "ambient credentials"
        lines.append(f"    {provider.name:<24} account {ctx.account_id}  {ctx.region:<14} {how}")

    groups: dict[str, list[Registration]] = {}
    for r in result.resources:
        if r.custom and r.type != PROVIDER_TYPE:
            groups.setdefault(_component_of(r, by_urn), []).append(r)
    lines += ["", "Resources:"]
    width = max((len(_short(r.type)) for rs in groups.values() for r in rs), default=20)
    for component, resources in groups.items():
        lines.append(f"    {component}")
        for r in sorted(resources, key=lambda r: (r.type, r.name)):
            lines.append(
                f"    +   {_short(r.type):<{width}}  {r.name:<26} {result.account_of(r)}  "
                f"{result.region_of(r):<14} {r.id}"
            )

    per_account = Counter(
        (component, result.account_of(r)) for component, rs in groups.items() for r in rs
    )
    lines += ["", "By component and account:"]
    for (component, account), count in sorted(per_account.items()):
        lines.append(f"    {component:<40} {account}  {count:>3}")

    lines += ["", "Outputs:"]
    for key, value in sorted(result.outputs.items()):
        lines.append(f"    {key}: {_show(value)}")
    created = sum(len(rs) for rs in groups.values())
    accounts = sorted({result.account_of(r) for rs in groups.values() for r in rs})
    lines += [
        "",
        f"Resources: + {created} created in {len(accounts)} account(s) {', '.join(accounts)}",
    ]
    return "\n".join(lines)


REST_API = "aws:apigateway/restApi:RestApi"
STAGE = "aws:apigateway/stage:Stage"


def cors_origins(stack: str) -> list[str]:
    """The stack file's `hubspoke:api.corsOrigins` (the origins the API answers preflights for)."""
    api = check_stack(stack).api
    return list(api.cors_origins) if api else []


def start_gateway(
    result: RunResult,
    emulator: EmulatorMocks,
    *,
    handler: Handler | str | None = None,
    cors: list[str],
    port: int = 0,
) -> LocalGateway:
    """Serve the (one) REST API stage the run deployed, on 127.0.0.1:`port`. Without `handler`,
    each Lambda integration runs its function's code as deployed (the zip in moto)."""
    apis = result.of_type(REST_API)
    if len(apis) != 1:
        raise LookupError(f"the stack registers {len(apis)} REST APIs; --serve needs exactly one")
    api = apis[0]
    stages = [s for s in result.of_type(STAGE) if s.inputs.get("restApi") == api.id]
    if not stages:
        raise LookupError(f"REST API {api.name} has no stage to serve")
    ctx = emulator.context(api.provider)
    deployed = DeployedApi.read(ctx, api.id, stages[0].inputs["stageName"])
    gateway = LocalGateway(emulator, deployed, default_handler=handler, cors_origins=cors)
    gateway.serve(port)
    return gateway
