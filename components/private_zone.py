"""PrivateZone: the cloud domain, owned by the hub's account, visible from every VPC of the stack.

Private hosted zones across accounts (pitfall 6 of `../shared/design.md`): the zone owner creates
the association authorization, the VPC owner makes the association. This was the second part of
`HybridDns("dns")`; each child keeps its name and, through an alias to that parent, its URN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.naming import former_parent, resource_tags
from components.vpc import VpcRef

# The tag HybridDns gave its resources, kept so that the split changes no input.
COMPONENT = "hybrid-dns"


@dataclass(frozen=True)
class PrivateZoneArgs:
    """The zone's name, the hub that owns it, and every other VPC it is associated with."""

    zone_name: str
    hub: VpcRef
    spokes: Sequence[VpcRef]
    environment: str
    protect: bool  # prod: keep the zone from being deleted or replaced


class PrivateZone(pulumi.ComponentResource):
    """A private hosted zone associated with the hub inline and with each spoke separately."""

    zone_id: pulumi.Output[str]
    zone_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: PrivateZoneArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hubspoke:dns:PrivateZone", name, None, opts)
        moved = [former_parent("hubspoke:dns:HybridDns", name)]
        hub_side = pulumi.ResourceOptions(parent=self, provider=args.hub.provider, aliases=moved)

        # Created with the hub VPC inline (a private zone needs one VPC from the start), ignoring
        # later changes to that list; every other VPC is a separate `ZoneAssociation` with a stable
        # name, so adding a spoke adds one association and touches no other (pulumi-aws
        # `route53.Zone` docs: inline VPCs and `ZoneAssociation`s fight unless `vpcs` is ignored).
        self.zone = aws.route53.Zone(
            f"{name}-zone",
            name=args.zone_name,
            comment=f"hubspoke {args.environment}: private zone of the cloud domain",
            vpcs=[{"vpc_id": args.hub.vpc_id, "vpc_region": args.hub.region}],
            tags=dict(resource_tags(COMPONENT, f"{name}-zone", args.environment)),
            opts=pulumi.ResourceOptions.merge(
                hub_side, pulumi.ResourceOptions(ignore_changes=["vpcs"], protect=args.protect)
            ),
        )
        self.associations: dict[str, aws.route53.ZoneAssociation] = {}
        self.authorizations: dict[str, aws.route53.VpcAssociationAuthorization] = {}
        for spoke in args.spokes:
            spoke_name = spoke.plan.name
            depends: list[pulumi.Resource] = []
            if spoke.account_id != args.hub.account_id:
                auth = aws.route53.VpcAssociationAuthorization(
                    f"{name}-zone-{spoke_name}",
                    zone_id=self.zone.zone_id,
                    vpc_id=spoke.vpc_id,
                    vpc_region=spoke.region,
                    opts=hub_side,
                )
                self.authorizations[spoke_name] = auth
                depends.append(auth)
            self.associations[spoke_name] = aws.route53.ZoneAssociation(
                f"{name}-zone-{spoke_name}",
                zone_id=self.zone.zone_id,
                vpc_id=spoke.vpc_id,
                vpc_region=spoke.region,
                opts=pulumi.ResourceOptions(
                    parent=self, provider=spoke.provider, depends_on=depends, aliases=moved
                ),
            )

        self.zone_id = self.zone.zone_id
        self.zone_name = self.zone.name
        self.register_outputs({"zone_id": self.zone_id, "zone_name": self.zone_name})
