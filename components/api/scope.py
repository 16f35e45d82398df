"""Scope: what every child of one ItemsApi shares, so that the parts are plain functions."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.api.args import ItemsApiArgs
from components.model import PROJECT
from components.naming import resource_tags

COMPONENT = "api"


@dataclass(frozen=True)
class Scope:
    """The component as parent, the spoke account's provider, the logical-name prefix and the
    args; `child` and `stateful` are the options every child is registered with."""

    parent: pulumi.ComponentResource
    name: str
    args: ItemsApiArgs
    child: pulumi.ResourceOptions
    # Stateful resources: in prod Pulumi refuses to delete them and leaves them in AWS if the
    # stack drops them; dev stays disposable.
    stateful: pulumi.ResourceOptions

    @classmethod
    def of(cls, parent: pulumi.ComponentResource, name: str, args: ItemsApiArgs) -> Scope:
        return cls(
            parent=parent,
            name=name,
            args=args,
            child=pulumi.ResourceOptions(parent=parent, provider=args.provider),
            stateful=pulumi.ResourceOptions(
                parent=parent,
                provider=args.provider,
                protect=args.is_prod,
                retain_on_delete=args.is_prod,
            ),
        )

    @property
    def physical(self) -> str:
        """The AWS-side name of the function, user pool and REST API."""
        return f"{PROJECT}-{self.args.environment}-{self.name}"

    @property
    def cors_origins(self) -> list[pulumi.Input[str]]:
        """Every origin the API and the upload bucket allow: the configured ones, then the web
        app's. Their number is known before any value (one origin or several decides how a
        preflight is answered); their values may be outputs."""
        return [*self.args.config.cors_origins, *self.args.web_origins]

    @property
    def single_origin(self) -> str | None:
        """The one allowed origin, when there is exactly one (then it is a configured string)."""
        origins = self.args.config.cors_origins
        return origins[0] if len(origins) == 1 and not self.args.web_origins else None

    def tags(self, suffix: str = "") -> dict[str, str]:
        return dict(resource_tags(COMPONENT, self.name + suffix, self.args.environment))

    def after(self, *resources: pulumi.Resource) -> pulumi.ResourceOptions:
        """The child options, plus an explicit dependency on `resources`."""
        return pulumi.ResourceOptions.merge(
            self.child, pulumi.ResourceOptions(depends_on=list(resources))
        )

    def invoke(self) -> pulumi.InvokeOutputOptions:
        """Options for a lookup (an invoke): the spoke account's provider, under the component."""
        return pulumi.InvokeOutputOptions(parent=self.parent, provider=self.args.provider)
