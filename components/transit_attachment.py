"""TransitAttachment: one VPC on its region's transit gateway, in its segment, with its routes.

Made by the VPC's own account (an attachment belongs to the VPC owner), in the VPC's attachment
subnets (one per AZ, so every AZ keeps its path when another fails). From another account the
gateway must be shared with it first (RAM), and the gateway's owner accepts the attachment
(`VpcAttachmentAccepter`): the owner's gateway does not auto-accept. The owner associates it with
its segment's route table and propagates it into the tables of the segments that reach it; the VPC
sends the CIDRs it may reach, in every route table (public ones too), to the gateway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.naming import former_parent, holds_fixed_name, resource_tags
from components.plan import AttachmentPlan
from components.vpc import VpcRef

COMPONENT = "transit-gateway"


@dataclass(frozen=True)
class TransitAttachmentArgs:
    """The VPC, its attachment's plan, and the gateway (id, tables, owner) it attaches to."""

    vpc: VpcRef
    plan: AttachmentPlan
    transit_gateway_id: pulumi.Output[str]
    route_table_ids: Mapping[str, pulumi.Output[str]]
    owner_account_id: str
    owner_provider: aws.Provider  # the gateway owner's provider in the VPC's region
    after_share: Sequence[pulumi.Resource]  # another account: the share reaching it
    environment: str
    hub_name: str = "hub"
    vpc_names: Mapping[str, str] = field(default_factory=dict)  # CIDR -> the VPC it belongs to


def slug(value: object) -> str:
    """A CIDR as a logical-name part (no `/`)."""
    return str(value).replace("/", "-")


class TransitAttachment(pulumi.ComponentResource):
    """A VPC attachment (and its acceptance), association, propagations and VPC routes."""

    attachment_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: TransitAttachmentArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hubspoke:network:TransitAttachment", name, None, opts)
        vpc, plan = args.vpc, args.plan
        vpc_side = pulumi.ResourceOptions(parent=self, provider=vpc.provider)
        owner_side = pulumi.ResourceOptions(parent=self, provider=args.owner_provider)
        tags = dict(resource_tags(COMPONENT, name, args.environment))
        shared = vpc.account_id != args.owner_account_id

        # The default-table flags cannot be set on an attachment to a shared gateway (pulumi-aws
        # `VpcAttachment` docs); the owner sets them on the accepter instead. The gateway has no
        # default tables anyway (association and propagation `disable`).
        own = {} if shared else dict(
            transit_gateway_default_route_table_association=False,
            transit_gateway_default_route_table_propagation=False,
        )  # fmt: skip
        self.attachment = aws.ec2transitgateway.VpcAttachment(
            name,
            transit_gateway_id=args.transit_gateway_id,
            vpc_id=vpc.vpc_id,
            subnet_ids=list(vpc.transit_subnet_ids),
            dns_support="enable",
            tags=tags,
            **own,
            opts=pulumi.ResourceOptions.merge(
                vpc_side, pulumi.ResourceOptions(depends_on=list(args.after_share))
            ),
        )
        self.accepter = None
        ready: pulumi.Resource = self.attachment
        if shared:
            self.accepter = aws.ec2transitgateway.VpcAttachmentAccepter(
                f"{name}-accepter",
                transit_gateway_attachment_id=self.attachment.id,
                transit_gateway_default_route_table_association=False,
                transit_gateway_default_route_table_propagation=False,
                tags=tags,
                opts=owner_side,
            )
            ready = self.accepter
        after_ready = pulumi.ResourceOptions(depends_on=[ready])

        self.association = aws.ec2transitgateway.RouteTableAssociation(
            f"{name}-association",
            transit_gateway_attachment_id=self.attachment.id,
            transit_gateway_route_table_id=args.route_table_ids[plan.associate],
            # An attachment has one association (Resource.AlreadyAssociated): when its segment
            # changes, the old association goes first.
            opts=holds_fixed_name(pulumi.ResourceOptions.merge(owner_side, after_ready)),
        )
        self.propagations = [
            aws.ec2transitgateway.RouteTablePropagation(
                f"{name}-to-{table}",
                transit_gateway_attachment_id=self.attachment.id,
                transit_gateway_route_table_id=args.route_table_ids[table],
                opts=pulumi.ResourceOptions.merge(owner_side, after_ready),
            )
            for table in plan.propagate
        ]
        # A route to a gateway the VPC is not attached to yet is refused: after the acceptance.
        self.routes = [
            aws.ec2.Route(
                f"{name}-{key}-{slug(cidr)}",
                route_table_id=route_table_id,
                destination_cidr_block=str(cidr),
                transit_gateway_id=args.transit_gateway_id,
                opts=pulumi.ResourceOptions.merge(
                    vpc_side,
                    pulumi.ResourceOptions(
                        depends_on=[ready], aliases=self._peering_route(args, i, str(cidr))
                    ),
                ),
            )
            for i, (key, route_table_id) in enumerate(
                zip(vpc.plan.route_table_keys, vpc.route_table_ids, strict=True)
            )
            for cidr in plan.destinations
        ]
        self.attachment_id = self.attachment.id
        self.register_outputs({"attachment_id": self.attachment_id})

    @staticmethod
    def _peering_route(args: TransitAttachmentArgs, index: int, cidr: str) -> list[pulumi.Alias]:
        """The peering-mode route this one takes over, if any: the same route table and
        destination, so moving a stack from peering to the transit gateway changes the route's
        target in place (ReplaceRoute: `vpcPeeringConnectionId`/`transitGatewayId` do not force
        replacement) instead of deleting the peering route after creating one that AWS would
        refuse (RouteAlreadyExists). `Peering("hub-<spoke>")` named them `hub-<spoke>-hub-<i>`
        (the hub's tables) and `hub-<spoke>-spoke-<i>` (the spoke's)."""
        me, peer = args.vpc.plan.name, args.vpc_names.get(cidr)
        if peer is None or args.hub_name not in (me, peer):
            return []
        spoke, side = (peer, "hub") if me == args.hub_name else (me, "spoke")
        old = former_parent("hubspoke:network:Peering", f"hub-{spoke}")
        return [pulumi.Alias(name=f"hub-{spoke}-{side}-{index}", parent=old.parent)]
