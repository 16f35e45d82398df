"""Names and tags, in one place, so every resource is named and tagged the same way."""

from __future__ import annotations

from collections.abc import Mapping

from components.model import PROJECT, StackConfig


def default_tags(cfg: StackConfig) -> dict[str, str]:
    """Tags every provider applies to every taggable resource (through `default_tags`)."""
    return {
        "project": PROJECT,
        "environment": cfg.environment,
        "stack": cfg.stack,
        "managed-by": "pulumi",
        **cfg.extra_tags,
    }


def resource_tags(component: str, name: str, environment: str) -> Mapping[str, str]:
    """The per-resource tags: a console-readable Name and the component that owns it."""
    return {"Name": f"{PROJECT}-{environment}-{name}", "component": component}


def log_group_name(environment: str, *parts: str) -> str:
    """CloudWatch log group names are unique per account and region: include the environment."""
    return "/".join(["", PROJECT, environment, *parts])
