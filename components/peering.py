"""Peering: the hub VPC <-> one spoke VPC, with routes both ways and DNS across the peering.

AWS rules this follows (pulumi-aws VpcPeeringConnection / VpcPeeringConnectionAccepter /
PeeringConnectionOptions docs, and `../shared/design.md` pitfalls 1-2):
- `auto_accept` only works when both VPCs are in the same account and region. Otherwise the hub
  requests (with `peer_owner_id`, and `peer_region` across regions) and the spoke's own provider
  accepts with a `VpcPeeringConnectionAccepter`.
- Peering options can be set only on an active peering, and each account only for its own side: one
  `PeeringConnectionOptions` per side, on that side's provider, after the accept. One `pulumi up`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.naming import resource_tags
from components.vpc import VpcRef

COMPONENT = "peering"


@dataclass(frozen=True)
class PeeringArgs:
    """The two VPCs (plan, ids, owning account and provider of each)."""

    hub: VpcRef
    spoke: VpcRef
    environment: str

    @property
    def auto_accepts(self) -> bool:
        """Only a same-account, same-region peering can be accepted by its requester."""
        hub, spoke = self.hub, self.spoke
        return hub.account_id == spoke.account_id and hub.region == spoke.region


class Peering(pulumi.ComponentResource):
    """A VPC peering from the hub to one spoke, accepted, routed and DNS-enabled on both sides."""

    peering_connection_id: pulumi.Output[str]

    def __init__(self, name: str, args: PeeringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("hubspoke:network:Peering", name, None, opts)
        hub, spoke = args.hub, args.spoke
        hub_side = pulumi.ResourceOptions(parent=self, provider=hub.provider)
        spoke_side = pulumi.ResourceOptions(parent=self, provider=spoke.provider)
        tags = dict(resource_tags(COMPONENT, name, args.environment))

        if args.auto_accepts:
            self.connection = aws.ec2.VpcPeeringConnection(
                name,
                vpc_id=hub.vpc_id,
                peer_vpc_id=spoke.vpc_id,
                auto_accept=True,
                tags=tags,
                opts=hub_side,
            )
            self.accepter = None
            active: pulumi.Resource = self.connection
            # Same account: one provider may set both sides, in one resource.
            self.options = [
                aws.ec2.PeeringConnectionOptions(
                    f"{name}-dns",
                    vpc_peering_connection_id=self.connection.id,
                    requester={"allow_remote_vpc_dns_resolution": True},
                    accepter={"allow_remote_vpc_dns_resolution": True},
                    opts=hub_side,
                )
            ]
        else:
            self.connection = aws.ec2.VpcPeeringConnection(
                name,
                vpc_id=hub.vpc_id,
                peer_vpc_id=spoke.vpc_id,
                peer_owner_id=spoke.account_id,
                peer_region=spoke.region if spoke.region != hub.region else None,
                tags=tags,
                opts=hub_side,
            )
            self.accepter = aws.ec2.VpcPeeringConnectionAccepter(
                f"{name}-accepter",
                vpc_peering_connection_id=self.connection.id,
                auto_accept=True,
                tags=tags,
                opts=spoke_side,
            )
            active = self.accepter
            after_accept = pulumi.ResourceOptions(depends_on=[self.accepter])
            self.options = [
                aws.ec2.PeeringConnectionOptions(
                    f"{name}-requester-dns",
                    vpc_peering_connection_id=self.accepter.id,
                    requester={"allow_remote_vpc_dns_resolution": True},
                    opts=pulumi.ResourceOptions.merge(hub_side, after_accept),
                ),
                aws.ec2.PeeringConnectionOptions(
                    f"{name}-accepter-dns",
                    vpc_peering_connection_id=self.accepter.id,
                    accepter={"allow_remote_vpc_dns_resolution": True},
                    opts=pulumi.ResourceOptions.merge(spoke_side, after_accept),
                ),
            ]

        # Routes wait for the peering to be active so none is created as a blackhole.
        routed = pulumi.ResourceOptions(depends_on=[active])
        self.hub_routes = [
            aws.ec2.Route(
                f"{name}-hub-{i}",
                route_table_id=route_table_id,
                destination_cidr_block=str(spoke.plan.cidr),
                vpc_peering_connection_id=self.connection.id,
                opts=pulumi.ResourceOptions.merge(hub_side, routed),
            )
            for i, route_table_id in enumerate(hub.route_table_ids)
        ]
        self.spoke_routes = [
            aws.ec2.Route(
                f"{name}-spoke-{i}",
                route_table_id=route_table_id,
                destination_cidr_block=str(hub.plan.cidr),
                vpc_peering_connection_id=self.connection.id,
                opts=pulumi.ResourceOptions.merge(spoke_side, routed),
            )
            for i, route_table_id in enumerate(spoke.route_table_ids)
        ]

        self.peering_connection_id = self.connection.id
        self.register_outputs({"peering_connection_id": self.peering_connection_id})
