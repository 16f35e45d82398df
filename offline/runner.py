"""Run the real `__main__.py` for a real `Pulumi.<stack>.yaml`, in-process, under mocks.

This is what `pulumi up` (or `pulumi preview`) would run, minus the engine and AWS: the same config
file, the same program, and a record of every resource it registers with its options and provider.
"""

from __future__ import annotations

import inspect
import json
import runpy
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import settings

from components.config import parse_stack_file
from components.model import PROJECT, ConfigError, StackConfig
from offline.mocks import PROVIDER_TYPE, FakeAws, RecordingMonitor, Registration

ROOT = Path(__file__).resolve().parent.parent
# What the resource counts of `plan` and `deploy` count (`RunResult.aws_resources`), as they say it.
COUNTED = "AWS resources"
COUNTED_NOTE = "providers and components not counted"


@dataclass
class RunResult:
    """What one run registered and exported."""

    stack: str
    preview: bool
    resources: list[Registration]
    # Stack outputs; in preview a value known only after apply is `UNKNOWN`, per key of a map.
    outputs: dict[str, Any]
    providers: Mapping[str, Any]  # ProviderInfo by provider URN
    # The URNs of the resources each output's value came from.
    output_sources: dict[str, list[str]] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.resources if r.type == type_]

    def by_urn(self) -> dict[str, Registration]:
        return {r.urn: r for r in self.resources}

    def named(self, type_: str, name: str) -> Registration:
        matches = [r for r in self.of_type(type_) if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources of type {type_} named {name}")
        return matches[0]

    def account_of(self, resource: Registration) -> str:
        """The account id of the provider a resource was registered with (known in preview too:
        it is the provider's input, not its id)."""
        if resource.provider_urn not in self.providers and "accountId" in resource.inputs:
            return resource.inputs["accountId"]  # a dynamic resource names where it acts
        return self.providers[resource.provider_urn].account_id

    def region_of(self, resource: Registration) -> str:
        if resource.provider_urn not in self.providers and "region" in resource.inputs:
            return resource.inputs["region"]
        return self.providers[resource.provider_urn].region

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.resources:
            counts[r.type] = counts.get(r.type, 0) + 1
        return dict(sorted(counts.items()))

    def aws_resources(self) -> list[Registration]:
        """What `plan` and `deploy` count: the resources AWS holds (custom resources), not the
        providers (the engine's, one per account and region) nor the components (grouping only)."""
        return [r for r in self.resources if r.custom and r.type != PROVIDER_TYPE]

    def children_of(self, parent: Registration) -> list[Registration]:
        return [r for r in self.resources if r.parent == parent.urn]


class _StackFileLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys; Pulumi's YAML reader refuses them, and so do we."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Mark] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key} (first at line {seen[key].line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def stack_path(stack: str, root: Path = ROOT) -> Path:
    """`Pulumi.<stack>.yaml`, or a stack file's own path (raises FileNotFoundError)."""
    path = Path(stack) if stack.endswith((".yaml", ".yml")) else root / f"Pulumi.{stack}.yaml"
    if not path.exists():
        stacks = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))
        raise FileNotFoundError(f"no stack file {path.name} (stacks: {', '.join(stacks)})")
    return path


def read_stack_file(stack: str, root: Path = ROOT) -> Any:
    """The stack file as YAML; malformed YAML is a ConfigError naming file, line and column."""
    path = stack_path(stack, root)
    return parse_yaml(path.read_text(), path.name)


def parse_yaml(text: str, file: str) -> Any:
    """YAML text as Pulumi reads a stack file; an error is a ConfigError at file:line:column."""
    try:
        return yaml.load(text, Loader=_StackFileLoader)  # a SafeLoader
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else file
        raise ConfigError([f"{where} is not valid YAML: {err.problem or err}"]) from None
    except yaml.YAMLError as err:  # e.g. a reader error on a control character
        raise ConfigError([f"{file} is not valid YAML: {err}"]) from None


def stack_config(stack: str, root: Path = ROOT) -> dict[str, Any]:
    """The `config:` map of `Pulumi.<stack>.yaml` (or of a stack file's path), as written."""
    settings = read_stack_file(stack, root)
    config = settings.get("config") if isinstance(settings, Mapping) else None
    return dict(config) if isinstance(config, Mapping) else {}


def stack_name(stack: str) -> str:
    """`dev` for `dev` and for `path/to/Pulumi.dev.yaml`; `old` for a file `old.yaml`."""
    if stack.endswith((".yaml", ".yml")):
        parts = Path(stack).name.split(".")
        return parts[1] if len(parts) > 2 and parts[0] == "Pulumi" else Path(stack).stem
    return stack


def check_stack(stack: str) -> StackConfig:
    """The stack file's config as the program will see it, validated by `components.config`
    (raises ConfigError): the offline commands call this before anything runs. The runner itself
    only hands the file to the program, as the engine does."""
    return parse_stack_file(
        read_stack_file(stack), stack=stack_name(stack), file=stack_path(stack).name
    )


def _engine_config(config: Mapping[str, Any]) -> dict[str, str]:
    """Config as the engine hands it to a program: strings, structured values as JSON."""
    engine: dict[str, str] = {}
    for key, value in config.items():
        full = key if ":" in key else f"{PROJECT}:{key}"
        engine[full] = value if isinstance(value, str) else json.dumps(value)
    return engine


UNKNOWN = pulumi.output.UNKNOWN  # an output value `pulumi preview` knows only after apply


async def _resolve(value: Any) -> tuple[Any, set[pulumi.Resource]]:
    """An exported value with its outputs awaited, and the resources it came from. Each map
    entry and list item is resolved on its own, so one unknown id in preview leaves the other
    entries known (`Output.all` would make the whole export unknown)."""
    if isinstance(value, pulumi.Output):
        sources = await value.resources()
        if not await value.is_known():
            return UNKNOWN, sources
        inner, more = await _resolve(await value.future(with_unknowns=True))
        return inner, sources | more
    if isinstance(value, pulumi.output.Unknown):
        return UNKNOWN, set()
    if isinstance(value, Mapping):
        resolved, sources = {}, set()
        for key, item in value.items():
            resolved[key], more = await _resolve(item)
            sources |= more
        return resolved, sources
    if isinstance(value, (list, tuple)):
        items = [await _resolve(item) for item in value]
        return [v for v, _ in items], set().union(*(s for _, s in items))
    if inspect.isawaitable(value):
        return await _resolve(await value)
    return value, set()


async def _urns(resources: set[pulumi.Resource]) -> list[str]:
    return [await r.urn.future() for r in resources]


def run(
    stack: str = "dev",
    *,
    preview: bool = False,
    config: Mapping[str, Any] | None = None,
    mocks: FakeAws | None = None,
    program: Path = ROOT / "__main__.py",
) -> RunResult:
    """Run the program once under mocks. `config` replaces the stack file's config when given."""
    raw = stack_config(stack) if config is None else config
    stack = stack_name(stack)
    mocks = mocks or FakeAws(preview=preview)
    mocks.preview = preview
    mocks.configure(raw)
    monitor = RecordingMonitor(mocks)

    pulumi.runtime.set_all_config(_engine_config(raw))
    settings.ROOT.set(None)  # a fresh stack resource for this run
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=preview, monitor=monitor)
    outputs: dict[str, Any] = {}
    output_sources: dict[str, list[str]] = {}

    async def collect(exported: dict[str, Any]) -> None:
        for key, value in exported.items():
            outputs[key], sources = await _resolve(value)
            output_sources[key] = sorted(set(await _urns(sources)))

    def program_body():
        runpy.run_path(str(program), run_name="__main__")
        return collect(dict(settings.get_root_resource().outputs))

    pulumi.runtime.test(program_body)()
    return RunResult(
        stack=stack,
        preview=preview,
        resources=monitor.registrations,
        outputs=outputs,
        output_sources=output_sources,
        providers={
            r.urn: mocks.providers.get(r.urn)
            for r in monitor.registrations
            if r.type == PROVIDER_TYPE
        },
    )
