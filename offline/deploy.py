"""The main job: deploy a stack file into the in-process emulator and print what `pulumi up` would.

    python -m offline deploy [--stack dev] [--serve --port 8787]

Runs the real `__main__.py` with the real `Pulumi.<stack>.yaml` under `EmulatorMocks`: every
resource is created in moto, in its provider's account and region, and AWS-side validation
happens as it would on `pulumi up`. Nothing leaves the machine.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from importlib.metadata import version
from typing import Any

from components.model import StackConfig
from offline.emulator import NOT_PRODUCED, EmulatorMocks
from offline.gateway import DeployedApi, Handler, LocalGateway
from offline.mocks import PROVIDER_TYPE, Registration
from offline.runner import COUNTED, COUNTED_NOTE, RunResult, check_stack, run, stack_config


def deploy(stack: str, emulator: EmulatorMocks, *, web_origins: Sequence[str] = ()) -> RunResult:
    """Deploy `stack` into a running `emulator`; its state stays readable until it stops.
    `web_origins` (the local web app's) are added to `hubspoke:api.corsOrigins`, as the WebApp
    adds its distribution's origin to the API's and the upload bucket's CORS origins."""
    config = None
    if web_origins:
        config = stack_config(stack)
        api = dict(config["hubspoke:api"])
        api["corsOrigins"] = [*api.get("corsOrigins", []), *web_origins]
        config["hubspoke:api"] = api
    raise_declared_quotas(check_stack(stack), emulator.start())
    return run(stack, config=config, mocks=emulator)


def raise_declared_quotas(cfg: StackConfig, emulator: EmulatorMocks) -> None:
    """The quotas the stack declares (`hubspoke:quotas`), raised in each account and region it
    deploys into, as the user raises them through Service Quotas before `pulumi up`."""
    vpcs = [cfg.hub, *cfg.spokes]
    regions = {v.region for v in vpcs}
    for account in cfg.accounts.values():
        for region in regions:
            for key, value in cfg.quotas.declared.items():
                emulator.raise_quota(account.id, region, key, value)


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


def _has_null(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_null(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_null(v) for v in value)
    return value is None


def not_produced(result: RunResult, key: str) -> list[str]:
    """Why output `key` holds a null: for each resource it came from, the attributes AWS computes
    that the emulator declares it does not produce (`NOT_PRODUCED`), with the reason."""
    by_urn = result.by_urn()
    found = []
    for urn in result.output_sources.get(key, []):
        source = by_urn.get(urn)
        declared = NOT_PRODUCED.get(source.type, {}) if source else {}
        missing = [a for a in declared if source.outputs.get(a) is None]
        for reason in dict.fromkeys(declared[a] for a in missing):
            found.append(f"{reason} ({_short(source.type)} {source.name})")
    return found


def _table(rows: list[tuple[str, ...]], indent: str = "    ") -> list[str]:
    """Rows as columns as wide as their widest cell (long names keep the columns aligned)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))] if rows else []
    return [
        (indent + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))).rstrip()
        for row in rows
    ]


def summary(result: RunResult, emulator: EmulatorMocks) -> str:
    """A `pulumi up`-like report: resources by component and account, then the outputs. Sorted
    throughout: the engine registers from a thread pool, so registration order varies by run."""
    by_urn = result.by_urn()
    lines = [
        f"Deployed stack {result.stack} into the in-process AWS emulator "
        f"(moto {version('moto')}): nothing left this machine.",
        "",
        "Providers:",
    ]
    rows = []
    for provider in sorted(result.of_type(PROVIDER_TYPE), key=lambda p: p.name):
        ctx = emulator.context(provider.provider or f"{provider.urn}::{provider.id}")
        roles = provider.inputs.get("assumeRoles")
        how = f"assumed {json.loads(roles)[0]['roleArn']}" if roles else "ambient credentials"
        rows.append((provider.name, f"account {ctx.account_id}", ctx.region, how))
    lines += _table(rows)

    counted = result.aws_resources()
    groups: dict[str, list[Registration]] = {}
    for r in counted:
        groups.setdefault(_component_of(r, by_urn), []).append(r)
    rows = []
    for component in sorted(groups):
        rows.append((component,))
        for r in sorted(groups[component], key=lambda r: (r.type, r.name)):
            rows.append(
                ("+", _short(r.type), r.name, result.account_of(r), result.region_of(r), r.id)
            )
    widths = [max((len(row[i]) for row in rows if len(row) > 1), default=0) for i in range(6)]
    lines += ["", "Resources:"]
    for row in rows:
        if len(row) == 1:
            lines.append(f"    {row[0]}")
        else:
            cells = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))
            lines.append(f"    {cells}".rstrip())

    per_account = Counter((_component_of(r, by_urn), result.account_of(r)) for r in counted)
    lines += ["", f"{COUNTED} by component and account:"]
    lines += _table([(c, a, f"{n:>3}") for (c, a), n in sorted(per_account.items())])

    lines += ["", "Outputs:"]
    for key, value in sorted(result.outputs.items()):
        reasons = not_produced(result, key) if _has_null(value) else []
        lines.append(f"    {key}: {_show(value)}")
        lines += [f"        not produced by the emulator: {reason}" for reason in reasons]
    accounts = sorted({result.account_of(r) for r in counted})
    lines += [
        "",
        f"Resources: + {len(counted)} {COUNTED} created in {len(accounts)} account(s) "
        f"{', '.join(accounts)} ({COUNTED_NOTE})",
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
