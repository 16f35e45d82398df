"""Names and tags, in one place, so every resource is named and tagged the same way."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

from components.model import PROJECT, StackConfig


def default_tags(cfg: StackConfig) -> dict[str, str]:
    """Tags every provider applies to every taggable resource (through `default_tags`)."""
    return {
        **cfg.extra_tags,  # config validation refuses keys of the project's own (below)
        "project": PROJECT,
        "environment": cfg.environment,
        "stack": cfg.stack,
        "managed-by": "pulumi",
    }


def resource_tags(component: str, name: str, environment: str) -> Mapping[str, str]:
    """The per-resource tags: a console-readable Name and the component that owns it."""
    return {"Name": f"{PROJECT}-{environment}-{name}", "component": component}


def holds_fixed_name(opts: pulumi.ResourceOptions) -> pulumi.ResourceOptions:
    """Options for a resource with a fixed name or address (a log group name, a subnet's CIDR, an
    endpoint's pinned IPs): its replacement cannot be created while the old one still holds the
    name, so the old one goes first (design pitfall 9). tests/test_fixed_names.py finds them."""
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(delete_before_replace=True))


def log_group_name(environment: str, *parts: str) -> str:
    """CloudWatch log group names are unique per account and region: include the environment."""
    return "/".join(["", PROJECT, environment, *parts])


def former_parent(type_: str, name: str) -> pulumi.Alias:
    """An alias for a resource that was the child of the top-level component `type_` `name`
    (as the engine wrote its URN), so a refactor moves it in the state instead of replacing it."""
    stack, project = pulumi.get_stack(), pulumi.get_project()
    return pulumi.Alias(parent=f"urn:pulumi:{stack}::{project}::{type_}::{name}")
