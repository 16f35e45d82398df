"""The mapping table: Pulumi resource type -> a function that creates it in moto.

A mapping is one decorated function per type, in the module of its AWS service:

    @resource("aws:ec2/vpc:Vpc")
    def vpc(ctx: Ctx, name: str, inputs: Inputs) -> Created:
        out = ctx.client("ec2").create_vpc(CidrBlock=inputs["cidrBlock"])["Vpc"]
        return out["VpcId"], {"arn": ..., "ownerId": out["OwnerId"]}

`inputs` are the resource's real inputs, camelCase as the engine hands them over; the returned
dict holds the attributes AWS computes, under the pulumi-aws output names (camelCase). The caller
merges them over the inputs, the way the engine reports a resource's state.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from offline.emulator.mocks import AccountSession, EmulatorMocks

Inputs = Mapping[str, Any]
Created = tuple[str, dict[str, Any]]
Mapping_ = Callable[["Ctx", str, Inputs], Created]
Invoke = Callable[["Ctx", Inputs], dict[str, Any]]

RESOURCES: dict[str, Mapping_] = {}
INVOKES: dict[str, Invoke] = {}


class EmulatorRejected(Exception):
    """AWS (as emulated) refused a resource; the message names the resource and the reason."""


# Attributes AWS computes that the emulator leaves empty, by type: {attribute: why}. Declared by
# the mapping with `not_produced`; `python -m offline deploy` names the reason instead of a null.
NOT_PRODUCED: dict[str, dict[str, str]] = {}


def not_produced(type_: str, reason: str, *attributes: str) -> None:
    """Declare that the emulator does not produce `attributes` of `type_`, and why."""
    NOT_PRODUCED.setdefault(type_, {}).update(dict.fromkeys(attributes, reason))


def resource(type_: str) -> Callable[[Mapping_], Mapping_]:
    """Register the function that creates resources of `type_` in the emulator."""

    def register(fn: Mapping_) -> Mapping_:
        if type_ in RESOURCES:
            raise ValueError(f"two emulator mappings for {type_}")
        RESOURCES[type_] = fn
        return fn

    return register


def invoke(token: str) -> Callable[[Invoke], Invoke]:
    """Register the function that answers the data source (invoke) `token` from the emulator."""

    def register(fn: Invoke) -> Invoke:
        INVOKES[token] = fn
        return fn

    return register


@dataclass
class Ctx:
    """Where a resource is created: its provider's account and region, as boto3 clients."""

    emulator: EmulatorMocks
    account_id: str
    region: str
    session: AccountSession
    default_tags: dict[str, str] = field(default_factory=dict)
    urn_name: str = ""

    def client(self, service: str, region: str | None = None) -> Any:
        return self.emulator.client(self, service, region or self.region)

    def tags(self, inputs: Inputs) -> dict[str, str]:
        """The tags AWS receives: the provider's default tags, overridden by the resource's."""
        return {**self.default_tags, **(inputs.get("tags") or {})}

    def tag_list(self, inputs: Inputs) -> list[dict[str, str]]:
        return [{"Key": k, "Value": v} for k, v in self.tags(inputs).items()]

    def tag_specs(self, resource_type: str, inputs: Inputs) -> list[dict[str, Any]]:
        tags = self.tag_list(inputs)
        return [{"ResourceType": resource_type, "Tags": tags}] if tags else []

    def arn(self, service: str, resource_part: str, *, region: str | None = None) -> str:
        region = self.region if region is None else region
        return f"arn:aws:{service}:{region}:{self.account_id}:{resource_part}"

    def at(self, account_id: str, region: str | None = None) -> Ctx:
        """The same emulator seen from another account (cross-account checks)."""
        return self.emulator.context_for_account(account_id, region or self.region)


# The stack of the registration in flight (set by EmulatorMocks.new_resource): auto-names differ
# between stacks, as Pulumi's random suffixes do, so two stacks deployed into one emulator do not
# collide on a logical name they share (S3 bucket names are global).
NAME_SALT: ContextVar[str] = ContextVar("NAME_SALT", default="")


# The registration in flight's horizon (set by EmulatorMocks.new_resource): for each virtual clock
# the emulator keeps (RAM's, one per shared resource and receiving account), the latest reading
# this registration comes after through its dependencies. A mapping may add readings it makes.
HORIZON: ContextVar[dict[Any, float]] = ContextVar("HORIZON")


def physical_name(name: str, max_len: int = 64, sep: str = "-") -> str:
    """What Pulumi auto-naming gives a resource without an explicit name: `<logical>-<7 hex>`."""
    suffix = hashlib.sha256(salted(name).encode()).hexdigest()[:7]
    return f"{name[: max_len - 8]}{sep}{suffix}"


def salted(name: str) -> str:
    """`name` with the stack in flight, the seed of a deterministic auto-name."""
    salt = NAME_SALT.get()
    return f"{salt}/{name}" if salt else name


def as_json(value: Any) -> str:
    """Policy documents arrive as JSON strings; some programs pass dicts."""
    return value if isinstance(value, str) else json.dumps(value)


def number(value: Any) -> int | None:
    """Numbers arrive as floats from the engine."""
    return None if value is None else int(value)


def tags_all(ctx: Ctx, inputs: Inputs) -> dict[str, Any]:
    return {"tagsAll": ctx.tags(inputs)}
