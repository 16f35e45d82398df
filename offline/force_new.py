"""Which inputs of a pulumi-aws resource force its replacement, and the SDK's input names.

The list per type is data (`offline/data/force_new.json`), read from terraform-provider-aws's
schema (`ForceNew` / `RequiresReplace`) by `tools/extract_force_new.py`; pulumi-aws replaces a
resource when one of those inputs changes. The SDK helpers here name the inputs the pulumi_aws
Python SDK accepts, so the data can be checked against the SDK the program runs on.
"""

from __future__ import annotations

import functools
import importlib
import json
import typing
from pathlib import Path
from typing import Any

import pulumi._types as pulumi_types

from components.visibility import REPLACES, VISIBLE_TYPE

DATA = Path(__file__).resolve().parent / "data" / "force_new.json"
# The program's own dynamic resources: their provider's `diff` says what replaces them.
PROGRAM_TYPES: dict[str, list[str]] = {VISIBLE_TYPE: list(REPLACES)}


@functools.cache
def data() -> dict[str, Any]:
    return json.loads(DATA.read_text())


def replace_paths(type_: str) -> list[str]:
    """The input paths (dotted into nested blocks) whose change replaces a resource of `type_`."""
    if type_ in PROGRAM_TYPES:
        return PROGRAM_TYPES[type_]
    entry = data()["resources"].get(type_)
    if entry is None:
        raise KeyError(f"no force-new data for {type_}: add it to tools/extract_force_new.py")
    return entry["forceNew"]


def known_types() -> set[str]:
    return set(data()["resources"]) | set(PROGRAM_TYPES)


def sdk_resource_class(type_: str) -> type:
    """The pulumi_aws class of a type token such as `aws:ec2/vpc:Vpc`."""
    _, module, name = type_.split(":")
    package = module.split("/")[0]
    package = {"lambda": "lambda_"}.get(package, package)
    return getattr(importlib.import_module(f"pulumi_aws.{package}"), name)


def sdk_args_class(type_: str) -> type:
    """The resource's own args class (`XInitArgs` where a nested type took the name `XArgs`)."""
    cls = sdk_resource_class(type_)
    module = importlib.import_module(cls.__module__)
    for name in (f"{cls.__name__}InitArgs", f"{cls.__name__}Args"):
        args = getattr(module, name, None)
        if args is not None and args.__module__ == cls.__module__:
            return args
    raise LookupError(f"no args class for {type_} in {cls.__module__}")


def _input_classes(annotation: Any) -> list[type]:
    """Input-type classes inside a (nested) typing annotation."""
    if isinstance(annotation, type) and pulumi_types.is_input_type(annotation):
        return [annotation]
    found: list[type] = []
    for arg in typing.get_args(annotation):
        found += _input_classes(arg)
    return found


def sdk_input_names(type_: str, prefix: str = "") -> set[str]:
    """Input names of `type_` at a nested path (`""` for the top level, `"a.b"` for block b in
    block a). Empty when the path does not lead to a nested input type."""
    classes = [sdk_args_class(type_)]
    for part in [p for p in prefix.split(".") if p]:
        nested: list[type] = []
        for cls in classes:
            types = pulumi_types.input_type_types(cls)
            if part in types:
                nested += _input_classes(types[part])
        classes = nested
    names: set[str] = set()
    for cls in classes:
        names |= set(pulumi_types.input_type_py_to_pulumi_names(cls).values())
    return names


def sdk_has_path(type_: str, path: str) -> bool:
    prefix, _, leaf = path.rpartition(".")
    return leaf in sdk_input_names(type_, prefix)
