"""Replay baseline for bench_program.py: the program's own registrations, and nothing else.

`hubspoke:benchReplay` names a JSON file that bench_program.py writes from one run of the
program under mocks (`replay_records`): every registration's class and name, and its inputs as
the engine received them, as keyword arguments (plain values: every output of another resource
already resolved). This program registers exactly those resources with the same pulumi_aws
classes, so the SDK builds the same typed outputs for each, and the same inputs, but flat: no
component tree, no provider, parent or dependsOn options, no Output passed from one resource to
the next, no config parsing or network plan. What the program costs above this is what the
program itself adds to the registrations it makes.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pulumi


def revived(value: Any) -> Any:
    """An asset or archive from its recorded form (offline/mocks.py `_comparable`)."""
    if isinstance(value, dict) and "assetArchive" in value:
        return pulumi.AssetArchive({k: revived(v) for k, v in value["assetArchive"].items()})
    if isinstance(value, dict) and len(value) == 1:
        ((kind, content),) = value.items()
        return getattr(pulumi, kind)(content)  # FileAsset, FileArchive, StringAsset
    raise ValueError(f"not an asset: {value!r}")


class Generic(pulumi.CustomResource):
    """A resource whose class is not pulumi_aws's (the program's dynamic waits)."""

    def __init__(self, type_: str, name: str, props: dict[str, Any]):
        super().__init__(type_, name, props, None)


records = json.loads(Path(pulumi.Config("hubspoke").require("benchReplay")).read_text())
for kind, module, cls, name, arguments, assets in records:
    for key in assets:  # only the arguments the recorder marked, to spend nothing on the others
        arguments[key] = revived(arguments[key])
    if kind == "component":
        pulumi.ComponentResource(cls, name)
    elif kind == "generic":
        Generic(cls, name, arguments)
    else:
        getattr(importlib.import_module(module), cls)(name, **arguments)
