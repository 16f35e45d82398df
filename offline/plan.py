"""The offline plan: what `pulumi up` would create for a stack file, as a tree, without AWS.

A reviewer without credentials runs it on a pull request: the component tree, each resource with its
key properties and the account it lands in, and the stack outputs.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pulumi

from offline.mocks import PROVIDER_TYPE, Registration
from offline.runner import COUNTED, COUNTED_NOTE, RunResult

# Inputs worth a reviewer's eye, in the order shown. Others are left out to keep one line each.
KEY_PROPERTIES = (
    "name", "cidrBlock", "availabilityZoneId", "destinationCidrBlock", "serviceName",
    "vpcEndpointType", "peerOwnerId", "peerRegion", "autoAccept", "trafficType",
    "retentionInDays", "direction", "domainName", "ruleType", "type", "bgpAsn", "ipAddress",
    "runtime", "architectures", "memorySize", "billingMode", "httpMethod", "authorization",
    "stageName", "pathPart", "responseType", "allowExternalPrincipals", "principal",
)  # fmt: skip
MAX_VALUE = 60
UNKNOWN_TEXT = "output<unknown>"  # as `offline diff` shows an unknown


def _short_type(type_: str) -> str:
    return type_.rsplit(":", 1)[-1]


def _value(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))  # the engine carries every number as a float
    elif isinstance(value, (str, int, float)):
        text = str(value)
    elif isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
        text = ",".join(map(str, value))
    else:
        return None
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 3] + "..."


def _properties(resource: Registration) -> str:
    shown = []
    for key in KEY_PROPERTIES:
        if key in resource.inputs:
            text = _value(resource.inputs[key])
            if text is not None and text != "":
                shown.append(f"{key}={text}")
    return " ".join(shown)


def _where(result: RunResult, resource: Registration, names: dict[str, str]) -> str:
    info = result.providers.get(resource.provider_urn)
    if info is None:
        return ""
    return f"[{names.get(resource.provider_urn, '?')} {info.account_id} {info.region}]"


def _output(value: Any) -> str:
    """An output as JSON, with what preview cannot know yet shown as `output<unknown>`."""
    if isinstance(value, pulumi.output.Unknown):
        return UNKNOWN_TEXT
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_output(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_output(v) for v in value) + "]"
    return json.dumps(value, sort_keys=True)


def render(result: RunResult) -> str:
    """The plan as text: one line per resource, indented under its component."""
    mode = "preview" if result.preview else "update"
    lines = [f"hubspoke {result.stack}: {mode} under mocks (no AWS call was made)", ""]
    # A provider's account and region are its inputs: known in preview as well as in an update.
    providers = sorted(result.of_type(PROVIDER_TYPE), key=lambda r: r.name)
    provider_names = {r.urn: r.name for r in providers}
    width = max((len(r.name) for r in providers), default=0)
    lines.append("Accounts (one provider each):")
    for r in providers:
        info = result.providers[r.urn]
        lines.append(f"  {r.name:<{width}}  account {info.account_id}  region {info.region}")
    lines.append("")

    by_parent: dict[str, list[Registration]] = {}
    for r in result.resources:
        if r.type != PROVIDER_TYPE:
            by_parent.setdefault(r.parent, []).append(r)

    def walk(parent_urn: str, depth: int) -> None:
        for r in sorted(by_parent.get(parent_urn, []), key=lambda x: (x.type, x.name)):
            pad = "  " * depth
            if not r.custom:
                lines.append(f"{pad}{_short_type(r.type)} {r.name}")
            else:
                flags = " (protected)" if r.protect else ""
                where = _where(result, r, provider_names)
                props = _properties(r)
                lines.append(
                    f"{pad}+ {_short_type(r.type)} {r.name} {where}{flags} {props}".rstrip()
                )
            walk(r.urn, depth + 1)

    # The stack resource itself is not recorded: whatever it parents is a root of the tree.
    for root in sorted({r.parent for r in result.resources} - {r.urn for r in result.resources}):
        walk(root, 0)

    counts = Counter(r.type for r in result.aws_resources())
    lines += ["", f"{sum(counts.values())} {COUNTED} ({COUNTED_NOTE}):"]
    lines += [f"  {n:>4}  {t}" for t, n in sorted(counts.items())]
    lines += ["", "Outputs:"]
    if result.preview:
        lines[-1] = f"Outputs ({UNKNOWN_TEXT}: known only after apply):"
    for key, value in result.outputs.items():
        lines.append(f"  {key}: {_output(value)}")
    return "\n".join(lines)
