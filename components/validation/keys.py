"""Keys nobody reads are typos: the stack file's own keys, config namespaces, and the keys of every
object. Each unknown key is one problem naming it and the nearest known key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.model import (
    AWS_CONFIG_KEYS,
    PROJECT,
    PULUMI_CONFIG_KEYS,
    STACK_FILE_KEYS,
    TOP_LEVEL_KEYS,
)
from components.validation.fields import MISSING, Problems, nearest, unknown_key


def check_stack_file_keys(settings: Mapping[str, Any], file: str, problems: Problems) -> set[str]:
    """The top level of `Pulumi.<stack>.yaml` (Pulumi's stack settings file reference). Returns
    the known keys the unknown ones were taken for (a misspelt `config:` is one problem, not also
    every key it held reported missing)."""
    return {
        unknown_key(f"{file}: {key}", str(key), STACK_FILE_KEYS, problems)
        for key in settings
        if key not in STACK_FILE_KEYS
    }


def split_namespaces(
    entries: Mapping[str, Any], problems: Problems
) -> tuple[dict[str, Any], Any, set[str]]:
    """The `hubspoke:` keys without namespace, `aws:region` (MISSING when absent), and the full
    keys that misspelt ones were taken for, of a stack's config map. Every other key must be a
    pulumi-aws provider setting or a Pulumi engine key. A key without namespace is the
    project's, as Pulumi reads it."""
    raw: dict[str, Any] = {}
    misspelt: set[str] = set()
    known = {"aws": AWS_CONFIG_KEYS, "pulumi": PULUMI_CONFIG_KEYS}
    for full_key, value in entries.items():
        namespace, _, key = str(full_key).rpartition(":")
        if namespace == "" and key not in TOP_LEVEL_KEYS:
            near = unknown_key(key, key, TOP_LEVEL_KEYS, problems, shown=f"{PROJECT}:")
            misspelt.add(f"{PROJECT}:{near}")
        elif namespace in ("", PROJECT):
            raw[key] = value
        elif namespace in known:
            if key not in known[namespace]:
                near = unknown_key(
                    str(full_key), key, known[namespace], problems, shown=f"{namespace}:"
                )
                misspelt.add(f"{namespace}:{near}")
        else:
            near = nearest(namespace, (PROJECT, *known))
            hint = f"; did you mean {near}:{key}?" if near else ""
            problems.items.append(
                f"{full_key} is not in a known config namespace{hint} "
                f"(known: {', '.join(sorted((PROJECT, *known)))})"
            )
            misspelt.add(f"{near}:{key}")
    return raw, entries.get("aws:region", MISSING), misspelt
