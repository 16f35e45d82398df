"""The offline diff: what `pulumi preview --diff` would do to a stack deployed from one stack file
when the program runs with another, without AWS, the CLI or state.

Both files run through the real program under mocks in preview mode (what `pulumi preview`
compares); resources pair by URN (or by an alias naming the old URN), and their inputs compare:

- create / delete: a URN only in the new run / only in the base run;
- replace: an input listed in `offline/data/force_new.json` for the type changed (the provider's
  ForceNew / RequiresReplace), or `replace_on_changes` names it, or the resource moves to a
  provider of another account or region; `replaceReasons` name the inputs (Pulumi's camelCase);
- update: other inputs changed; a provider's `defaultTags` change updates `tagsAll` of every
  taggable resource it manages;
- same: nothing changed.

Unknowns: in preview, inputs built from other resources' outputs are unknown in both runs. An
unknown whose source resources (the input's property dependencies) are created or replaced in this
diff is a change (the new value will differ, as `pulumi preview` shows `output<T>`); one whose
sources stay is taken as unchanged (the engine would resolve it to the value in state). Not
modelled: server-side defaults, values the provider computes on update, and the provider's own diff
customizations (CustomizeDiff), listed as `conditional` in the data and shown as updates.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from components.model import ConfigError
from offline.force_new import replace_paths, sdk_resource_class
from offline.mocks import PROVIDER_TYPE, Registration
from offline.runner import ROOT, RunResult, check_stack, run, stack_config, stack_name

OPS = ("create", "update", "replace", "delete", "same")
# What makes a provider another account or region: a resource moved there is replaced.
PROVIDER_IDENTITY = ("region", "allowedAccountIds", "assumeRoles")
UNKNOWN_TEXT = "output<unknown>"
UNKNOWN_KEY = "__offline_unknown__"


@dataclass
class Step:
    """What the engine would do to one resource."""

    urn: str
    type: str
    name: str
    op: str
    diffs: list[str] = field(default_factory=list)
    replace_reasons: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    old: Registration | None = None
    new: Registration | None = None
    depth: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "op": self.op,
            "diffs": self.diffs,
            "replaceReasons": self.replace_reasons,
        }


def check_both(base: str, stack: str, base_root: Path | None = None) -> None:
    """Both stack files validated before either runs, every problem of both in one ConfigError,
    each led by its side (`--base` / `--stack`) and file. With `base_root`, the base file is
    checked by that checkout's rules: it was deployed with that program, not this one."""
    problems: list[str] = []
    for flag, ref, root in (("--base", base, base_root), ("--stack", stack, None)):
        try:
            if root is not None and root.resolve() != ROOT:
                found = _check_elsewhere(root, ref)
            else:
                check_stack(ref)
                found = []
        except ConfigError as err:
            found = err.problems
        except FileNotFoundError as err:
            problems.append(f"{flag}: {err}")
            continue
        file = Path(ref).name if ref.endswith((".yaml", ".yml")) else f"Pulumi.{ref}.yaml"
        problems += [f"{flag} {p}" if p.startswith(file) else f"{flag} {file}: {p}" for p in found]
    if problems:
        raise ConfigError(problems)


# Run in a base checkout: its own check of its stack file; problems as JSON, status 2. A checkout
# older than `check_stack` is left to its program, which checks the file as it runs.
_CHECK_ELSEWHERE = """
import json, sys
from components.config import ConfigError
try:
    from offline.runner import check_stack
except ImportError:
    sys.exit(0)
try:
    check_stack(sys.argv[1])
except ConfigError as err:
    print(json.dumps(err.problems))
    sys.exit(2)
"""


def _check_elsewhere(root: Path, stack_file: str) -> list[str]:
    """The problems the base checkout's own rules find in its stack file (raises
    FileNotFoundError for a missing file, RuntimeError when the checkout cannot run)."""
    path = Path(stack_file).resolve()
    if not path.exists():
        raise FileNotFoundError(f"no stack file {path}")
    done = subprocess.run(
        [sys.executable, "-c", _CHECK_ELSEWHERE, str(path)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode == 2:
        return json.loads(done.stdout.strip().splitlines()[-1])
    if done.returncode != 0:
        raise RuntimeError(f"the base checkout {root} could not check {path}:\n{done.stderr}")
    return []


def run_both(base: str, stack: str, base_root: Path | None = None) -> tuple[RunResult, RunResult]:
    """Both stack files through the program in preview mode, under the new file's stack name (the
    diff is what happens to that stack; the stack name is part of every URN). With `base_root` (a
    checkout of the base branch), the base side runs that checkout's program, so code changes
    show as well as config changes."""
    name = stack_name(stack)
    if base_root is not None and base_root.resolve() != ROOT:
        old = _run_elsewhere(base_root, name, Path(base).resolve())
    else:
        old = run(name, preview=True, config=stack_config(base))
    new = run(name, preview=True, config=stack_config(stack))
    return old, new


def _encode(value: Any) -> Any:
    if _is_unknown(value):
        return {UNKNOWN_KEY: True}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if value == {UNKNOWN_KEY: True}:
            return pulumi.output.Unknown()
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dump(name: str, stack_file: str) -> str:
    """A preview run's registrations as JSON (what `_run_elsewhere` reads from another checkout)."""
    result = run(name, preview=True, config=stack_config(stack_file))
    records = []
    for r in result.resources:
        record = dataclasses.asdict(r) | {"inputs": _encode(r.inputs), "outputs": {}}
        records.append(record)
    return json.dumps({"stack": result.stack, "resources": records}, default=str)


def _run_elsewhere(root: Path, name: str, stack_file: Path) -> RunResult:
    """Run the program of another checkout (its own components and offline packages)."""
    code = "import sys; from offline.diff import dump; print(dump(sys.argv[1], sys.argv[2]))"
    done = subprocess.run(
        [sys.executable, "-c", code, name, str(stack_file)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the base checkout {root} could not run {stack_file}:\n{done.stderr}")
    raw = json.loads(done.stdout.strip().splitlines()[-1])
    fields = {f.name for f in dataclasses.fields(Registration)}
    resources = [
        Registration(
            **({k: v for k, v in r.items() if k in fields} | {"inputs": _decode(r["inputs"])})
        )
        for r in raw["resources"]
    ]
    return RunResult(
        stack=raw["stack"], preview=True, resources=resources, outputs={}, providers={}
    )


def _is_unknown(value: Any) -> bool:
    return isinstance(value, pulumi.output.Unknown)


def _has_unknown(value: Any) -> bool:
    if _is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return False


def _masked(value: Any) -> Any:
    """The value with unknowns as one marker, so two unknowns in the same place compare equal."""
    if _is_unknown(value):
        return UNKNOWN_TEXT
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def _at(value: Any, parts: list[str]) -> Any:
    """The values at a dotted path, through lists of nested blocks."""
    if not parts:
        return value
    if isinstance(value, list):
        return [_at(v, parts) for v in value]
    if isinstance(value, dict):
        return _at(value.get(parts[0]), parts[1:])
    return None


class Differ:
    """Pairs two runs' resources and decides each one's step, in the new run's order (a resource
    is registered after everything its inputs come from)."""

    def __init__(self, old: RunResult, new: RunResult):
        self.old, self.new = old, new
        self.old_by_urn = old.by_urn()
        self.changed: set[str] = set()  # created or replaced: their outputs will differ
        self.retagged: set[str] = set()  # providers whose default tags change
        self.replaced_providers: set[str] = set()

    def _pair(self, resource: Registration) -> Registration | None:
        for urn in [resource.urn, *resource.alias_urns]:
            if urn in self.old_by_urn:
                return self.old_by_urn[urn]
        return None

    def _value_changed(self, old: Any, new: Any, sources: list[str]) -> bool:
        if _has_unknown(new) and self.changed.intersection(sources):
            return True
        return _masked(old) != _masked(new)

    def steps(self) -> list[Step]:
        steps: list[Step] = []
        paired: set[str] = set()
        for resource in self.new.resources:
            old = self._pair(resource)
            if old is None:
                step = Step(resource.urn, resource.type, resource.name, "create", new=resource)
            else:
                paired.add(old.urn)
                step = self._compare(old, resource)
            if step.op in ("create", "replace"):
                self.changed.add(resource.urn)
            steps.append(step)
        for resource in reversed(self.old.resources):
            if resource.urn not in paired:
                steps.append(
                    Step(resource.urn, resource.type, resource.name, "delete", old=resource)
                )
        return steps

    def _compare(self, old: Registration, new: Registration) -> Step:
        step = Step(new.urn, new.type, new.name, "same", old=old, new=new)
        step.delete_before_replace = new.delete_before_replace
        if not new.custom:  # a component has no inputs of its own
            return step
        ignored = set(new.ignore_changes)
        keys = sorted((set(old.inputs) | set(new.inputs)) - ignored)
        step.diffs = [
            key
            for key in keys
            if self._value_changed(
                old.inputs.get(key), new.inputs.get(key), new.property_dependencies.get(key, [])
            )
        ]
        reasons: list[str] = []
        if new.type == PROVIDER_TYPE:
            reasons = [key for key in step.diffs if key in PROVIDER_IDENTITY]
            if reasons:
                self.replaced_providers.add(new.urn)
            elif "defaultTags" in step.diffs:
                self.retagged.add(new.urn)
        else:
            reasons = self._replace_reasons(old, new, step.diffs, ignored)
            if self._provider_moved(old, new):
                reasons.append("provider")
            if new.provider_urn in self.retagged and _taggable(new.type):
                step.diffs.append("tagsAll")
        step.replace_reasons = reasons
        step.op = "replace" if reasons else "update" if step.diffs else "same"
        return step

    def _replace_reasons(
        self, old: Registration, new: Registration, diffs: list[str], ignored: set[str]
    ) -> list[str]:
        reasons = []
        for path in replace_paths(new.type) + new.replace_on_changes:
            top, *rest = path.split(".")
            if top not in diffs or top in ignored:
                continue
            sources = new.property_dependencies.get(top, [])
            if self._value_changed(
                _at(old.inputs.get(top), rest), _at(new.inputs.get(top), rest), sources
            ):
                reasons.append(path)
        return sorted(set(reasons))

    def _provider_moved(self, old: Registration, new: Registration) -> bool:
        """A resource handed to another provider, or whose provider now targets another account
        or region, is replaced (the engine replaces on a provider change)."""
        if old.provider_urn != new.provider_urn:
            return True
        return new.provider_urn in self.replaced_providers


@functools.cache
def _taggable(type_: str) -> bool:
    """The type has `tagsAll`, which the provider's default tags feed."""
    try:
        return hasattr(sdk_resource_class(type_), "tags_all")
    except (AttributeError, ImportError, ValueError):
        return False


def diff(old: RunResult, new: RunResult) -> list[Step]:
    steps = Differ(old, new).steps()
    _set_depths(steps)
    return steps


def _set_depths(steps: list[Step]) -> None:
    parents = {s.urn: (s.new or s.old).parent for s in steps}
    for step in steps:
        depth, parent = 0, parents.get(step.urn)
        while parent in parents:
            depth, parent = depth + 1, parents[parent]
        step.depth = depth


SYMBOLS = {"create": "+ ", "update": "~ ", "delete": "- ", "same": "  "}


def _symbol(step: Step) -> str:
    if step.op == "replace":
        return "-+" if step.delete_before_replace else "+-"
    return SYMBOLS[step.op]


def _show(value: Any, *, old: bool = False) -> str:
    if value is None:
        return "(none)"
    if old and _is_unknown(value):
        return "(the value in state)"
    if isinstance(value, str) and value[:1] in "{[":
        with contextlib.suppress(ValueError):  # provider inputs arrive as JSON text
            value = json.loads(value)
    text = json.dumps(_masked(value), sort_keys=True, default=str)
    return text.replace(f'"{UNKNOWN_TEXT}"', UNKNOWN_TEXT)


def render(steps: list[Step], base: str, stack: str) -> str:
    """The diff as `pulumi preview --diff` lays it out: one line per resource, then the changed
    inputs of each resource that changes."""
    lines = [
        f"Offline diff of {stack} against {base} (preview under mocks; no AWS call was made)",
        "",
        f"     {'Type':<58} {'Name':<34} Plan",
    ]
    for step in steps:
        plan = {"same": "", "replace": "replace"}.get(step.op, step.op)
        if step.op == "replace" and step.delete_before_replace:
            plan = "replace (delete first)"
        pad = "  " * step.depth
        lines.append(f" {_symbol(step)}  {pad + step.type:<58} {step.name:<34} {plan}".rstrip())
    details = [s for s in steps if s.op != "same"]
    if details:
        lines += ["", "Changes:"]
    for step in details:
        lines.append(f"  {_symbol(step)}{step.type}: ({_plan_word(step)})  [urn={step.urn}]")
        if step.replace_reasons:
            lines.append(f"      [replace because: {', '.join(step.replace_reasons)}]")
        if step.op in ("update", "replace"):
            for key in step.diffs:
                old = step.old.inputs.get(key) if step.old else None
                new = step.new.inputs.get(key) if step.new else None
                if key == "tagsAll" and key not in (step.new.inputs if step.new else {}):
                    lines.append("      ~ tagsAll: (the provider's default tags change)")
                    continue
                lines.append(f"      ~ {key}: {_show(old, old=True)} => {_show(new)}")
    counts = {op: sum(1 for s in steps if s.op == op) for op in OPS}
    lines += ["", "Resources:"]
    words = {"create": "to create", "update": "to update", "replace": "to replace"}
    words |= {"delete": "to delete", "same": "unchanged"}
    for op in OPS:
        if counts[op]:
            symbol = "+-" if op == "replace" else SYMBOLS[op].strip() or " "
            lines.append(f"    {symbol:>2} {counts[op]} {words[op]}")
    return "\n".join(lines)


def _plan_word(step: Step) -> str:
    if step.op == "replace":
        return "delete-before-replace" if step.delete_before_replace else "replace"
    return step.op


def to_json(steps: list[Step]) -> str:
    return json.dumps([s.to_json() for s in steps], indent=2)
