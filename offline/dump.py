"""A registration dump: every resource a stack registers, with its inputs, provider and options.

A refactor that must change nothing on a real stack proves it with two dumps, one before and one
after, of both stack files in update and preview mode:

    python -m offline.dump --out /tmp/before          # dev and prod, update and preview
    ... refactor ...
    python -m offline.dump --out /tmp/after
    python -m offline.dump --compare /tmp/before /tmp/after

`--compare` passes when the dumps are byte-identical, or when every custom resource of the old dump
is registered again (under its URN, or under a new URN that carries an alias to the old one, as the
engine resolves aliases, inherited from parents included) with the same type, inputs, provider,
options and dependencies. Components hold no state, so components may come and go; a custom
resource may not. Exit 0 when the stacks are unchanged, 1 with one line per difference otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pulumi.output import Unknown

from offline.mocks import Registration
from offline.runner import RunResult, run

UNKNOWN = "<unknown>"
RUNS = (("dev", False), ("dev", True), ("prod", False), ("prod", True))


def _urn_parts(urn: str) -> tuple[str, str, str, str]:
    """(stack, project, qualified type, name) of `urn:pulumi:<stack>::<project>::<qt>::<name>`."""
    head, project, qualified, name = urn.split("::", 3)
    return head.removeprefix("urn:pulumi:"), project, qualified, name


STACK_TYPE = "pulumi:pulumi:Stack"


def make_urn(stack: str, project: str, type_: str, name: str, parent: str | None) -> str:
    """The URN the engine gives a resource of `type_` and `name` under `parent` (an engine URN;
    None or the stack: top level). The engine prefixes the parent's whole qualified type, except
    the stack's (Pulumi's mock monitor does otherwise, so dumps rebuild the engine's URNs)."""
    if parent:
        parent_type = _urn_parts(parent)[2]
        if parent_type != STACK_TYPE:
            type_ = f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


class _Tree:
    """The engine URN of each registration, and the old URNs its aliases stand for."""

    def __init__(self, resources: Sequence[Registration]):
        self.by_mock_urn = {r.urn: r for r in resources}
        self._urns: dict[str, str] = {}
        self._aliases: dict[str, set[str]] = {}

    def urn(self, mock_urn: str) -> str:
        """The engine URN of the registration the mock monitor named `mock_urn`."""
        if mock_urn not in self._urns:
            r = self.by_mock_urn.get(mock_urn)
            if r is None:  # the stack itself, or a reference to something not registered
                self._urns[mock_urn] = mock_urn
            else:
                stack, project, _, _ = _urn_parts(mock_urn)
                parent = self.urn(r.parent) if r.parent else None
                self._urns[mock_urn] = make_urn(stack, project, r.type, r.name, parent)
        return self._urns[mock_urn]

    def aliases(self, mock_urn: str) -> set[str]:
        """Every old engine URN that the engine matches this resource against: its own aliases,
        and the URNs it had under each alias of its parent (children inherit parents' aliases)."""
        if mock_urn in self._aliases:
            return self._aliases[mock_urn]
        r = self.by_mock_urn[mock_urn]
        stack, project, _, _ = _urn_parts(mock_urn)
        parent = self.urn(r.parent) if r.parent else None
        inherited = self.aliases(r.parent) if r.parent in self.by_mock_urn else set()
        parents = {parent} | inherited
        found: set[str] = set()
        for alias in r.aliases:
            if "urn" in alias:
                found.add(alias["urn"])
                continue
            name, type_ = alias["name"] or r.name, alias["type"] or r.type
            old_stack, old_project = alias["stack"] or stack, alias["project"] or project
            if alias["noParent"]:
                found.add(make_urn(old_stack, old_project, type_, name, None))
            elif alias["parentUrn"]:
                found.add(make_urn(old_stack, old_project, type_, name, alias["parentUrn"]))
            else:
                found |= {make_urn(old_stack, old_project, type_, name, p) for p in parents}
        found |= {make_urn(stack, project, r.type, r.name, p) for p in inherited}
        self._aliases[mock_urn] = found
        return found


def _stable(value: Any) -> Any:
    """Inputs with preview's unknowns as one marker (their repr holds a memory address)."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    if isinstance(value, Unknown):
        return UNKNOWN
    return value


def records(result: RunResult) -> list[dict[str, Any]]:
    """The dump of one run: one record per registration, by URN (registration order varies).
    URNs are the engine's; a provider is its URN without the id (unknown in preview)."""
    tree = _Tree(result.resources)
    rows = [
        {
            "urn": tree.urn(r.urn),
            "type": r.type,
            "name": r.name,
            "custom": r.custom,
            "parent": tree.urn(r.parent) if r.parent else "",
            "provider": tree.urn(r.provider_urn) if r.provider else "",
            "protect": r.protect,
            "retainOnDelete": r.retain_on_delete,
            "deleteBeforeReplace": r.delete_before_replace,
            "replaceOnChanges": sorted(r.replace_on_changes),
            "ignoreChanges": sorted(r.ignore_changes),
            "dependencies": sorted(tree.urn(d) for d in r.dependencies),
            "inputs": _stable(r.inputs),
            "aliases": sorted(tree.aliases(r.urn)),
        }
        for r in result.resources
    ]
    return sorted(rows, key=lambda row: row["urn"])


def dump_text(result: RunResult) -> str:
    """The dump of one run as canonical JSON (sorted keys), one record per line."""
    return "\n".join(json.dumps(r, sort_keys=True, default=str) for r in records(result)) + "\n"


def compare(old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]) -> list[str]:
    """What differs between two dumps of one run, after following aliases; [] means unchanged."""
    new_by_urn = {r["urn"]: r for r in new}
    old_urns = {r["urn"] for r in old}
    renamed: dict[str, str] = {}  # old URN -> new URN
    problems: list[str] = []
    for r in new:
        if r["urn"] in old_urns:
            renamed[r["urn"]] = r["urn"]
            continue
        for alias in r["aliases"]:
            if alias in old_urns:
                if alias in renamed:
                    problems.append(f"{alias} is aliased by {renamed[alias]} and {r['urn']}")
                renamed[alias] = r["urn"]
    new_name = {old_urn: new_urn for old_urn, new_urn in renamed.items()}
    claimed = set(renamed.values())
    for r in old:
        target = renamed.get(r["urn"])
        if target is None:
            if r["custom"]:
                problems.append(f"{r['urn']} is no longer registered (it would be deleted)")
            continue
        if r["custom"]:
            problems += _field_changes(r, new_by_urn[target], new_name)
    for r in new:
        if r["urn"] not in claimed and r["custom"]:
            problems.append(f"{r['urn']} is new (it would be created)")
    return problems


def _field_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], new_name: Mapping[str, str]
) -> list[str]:
    def moved(urns: Iterable[str]) -> list[str]:
        return sorted(new_name.get(u, u) for u in urns)

    changes = []
    options = ("protect", "retainOnDelete", "deleteBeforeReplace", "replaceOnChanges")
    for key in ("type", "custom", *options, "ignoreChanges", "inputs"):
        if old[key] != new[key]:
            changes.append(f"{old['urn']}: {key} {old[key]!r} -> {new[key]!r}")
    if new_name.get(old["provider"], old["provider"]) != new["provider"]:
        changes.append(f"{old['urn']}: provider {old['provider']} -> {new['provider']}")
    if moved(old["dependencies"]) != sorted(new["dependencies"]):
        changes.append(
            f"{old['urn']}: dependencies {moved(old['dependencies'])} -> {new['dependencies']}"
        )
    return changes


def _load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def _file(stack: str, preview: bool) -> str:
    return f"{stack}-{'preview' if preview else 'update'}.jsonl"


def write_all(out: Path, runs: Iterable[tuple[str, bool]] = RUNS) -> list[Path]:
    """Dump each (stack, preview) run into `out`, one file per run."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for stack, preview in runs:
        path = out / _file(stack, preview)
        path.write_text(dump_text(run(stack, preview=preview)))
        written.append(path)
    return written


def compare_dirs(before: Path, after: Path, runs: Iterable[tuple[str, bool]] = RUNS) -> list[str]:
    """Every difference between two dump directories, prefixed by the run it is in."""
    problems = []
    for stack, preview in runs:
        name = _file(stack, preview)
        old_text, new_text = (before / name).read_text(), (after / name).read_text()
        if old_text == new_text:
            continue
        problems += [f"{name}: {p}" for p in compare(_load(before / name), _load(after / name))]
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline.dump", description=__doc__)
    parser.add_argument("--out", type=Path, help="write the four dumps into this directory")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args(argv)
    if args.out:
        for path in write_all(args.out):
            print(f"wrote {path}")
    if args.compare:
        before, after = args.compare
        identical = all(
            (before / _file(s, p)).read_bytes() == (after / _file(s, p)).read_bytes()
            for s, p in RUNS
        )
        problems = compare_dirs(before, after)
        for line in problems:
            print(line)
        if problems:
            return 1
        print("identical" if identical else "unchanged (every moved URN is aliased)")
    if not (args.out or args.compare):
        parser.error("give --out, --compare, or both")
    return 0


if __name__ == "__main__":
    sys.exit(main())
