"""TransitGateway: the hub account's transit gateways, their segment route tables and peerings.

Transit gateway mode (`hubspoke:transitGateway`) replaces the hub's peerings. What AWS requires
here (`../shared/design.md` pitfall 13, pulumi-aws `ec2transitgateway` docs):
- default route-table association and propagation off (`disable`): every attachment is associated
  with its segment's table and propagated only where `reach` allows, so two segments that do not
  reach each other have no route between them;
- attachments from other accounts are not accepted automatically (`auto_accept_shared_attachments`
  `disable`): the owner accepts each one with a `VpcAttachmentAccepter` (components/
  transit_attachment.py), after sharing the gateway with that account through RAM;
- a spoke in another region is attached to a gateway in its own region (an attachment is regional),
  peered with the hub's; peering attachments take static routes only (they do not propagate), so
  each side gets static routes to what lies behind the other, and the peer region's side accepts.

The VPC attachments and their routes are `TransitAttachment`s; the VPN lands here through
`OnPremLink`. This component holds what the hub account owns and no VPC does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.naming import holds_fixed_name, resource_tags
from components.plan import PEERING, TransitPlan
from components.sharing import share_with_vpc_owners
from components.vpc import VpcRef

COMPONENT = "transit-gateway"


@dataclass(frozen=True)
class TransitGatewayArgs:
    """The transit plan, the VPCs it connects, and the hub account's provider per region."""

    plan: TransitPlan
    hub: VpcRef
    spokes: Sequence[VpcRef]
    providers: Mapping[str, aws.Provider]  # the hub account's provider in each gateway's region
    share_outside_organization: bool
    environment: str


def slug(value: object) -> str:
    """A CIDR as a logical-name part (no `/`)."""
    return str(value).replace("/", "-")


class TransitGateway(pulumi.ComponentResource):
    """One transit gateway per region of the stack, segment route tables, RAM shares, peerings."""

    gateway_ids: dict[str, pulumi.Output[str]]
    route_table_ids: dict[str, dict[str, pulumi.Output[str]]]

    def __init__(
        self, name: str, args: TransitGatewayArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hubspoke:network:TransitGateway", name, None, opts)
        plan = args.plan
        self._args, self._name = args, name
        self.gateways: dict[str, aws.ec2transitgateway.TransitGateway] = {}
        self.route_tables: dict[str, dict[str, aws.ec2transitgateway.RouteTable]] = {}
        self.shares: dict[str, aws.ram.ResourceShare] = {}
        self.share_waits: dict[tuple[str, str], list[pulumi.Resource]] = {}
        self.peerings: dict[str, aws.ec2transitgateway.PeeringAttachment] = {}
        self.peering_accepters: dict[str, aws.ec2transitgateway.PeeringAttachmentAccepter] = {}

        for region, gateway_plan in plan.gateways.items():
            prefix = self.prefix(region)
            on = pulumi.ResourceOptions(parent=self, provider=args.providers[region])
            gateway = aws.ec2transitgateway.TransitGateway(
                prefix,
                description=f"hubspoke {args.environment} {region}: segmented hub and spoke",
                amazon_side_asn=gateway_plan.asn,
                default_route_table_association="disable",
                default_route_table_propagation="disable",
                auto_accept_shared_attachments="disable",
                dns_support="enable",
                vpn_ecmp_support="enable",
                tags=self._tags(prefix, args.environment),
                opts=on,
            )
            self.gateways[region] = gateway
            self.route_tables[region] = {
                table: aws.ec2transitgateway.RouteTable(
                    f"{prefix}-{table}",
                    transit_gateway_id=gateway.id,
                    tags=self._tags(f"{prefix}-{table}", args.environment),
                    opts=on,
                )
                for table in gateway_plan.tables
            }
            self._share(prefix, region, gateway, on)

        self._peer(name)
        self.gateway_ids = {region: gw.id for region, gw in self.gateways.items()}
        self.route_table_ids = {
            region: {table: rt.id for table, rt in tables.items()}
            for region, tables in self.route_tables.items()
        }
        self.register_outputs(
            {"gateway_ids": self.gateway_ids, "route_table_ids": self.route_table_ids}
        )

    @staticmethod
    def _tags(name: str, environment: str) -> dict[str, str]:
        return dict(resource_tags(COMPONENT, name, environment))

    def prefix(self, region: str) -> str:
        """The logical-name prefix of the gateway in `region`: `tgw`, or `tgw-<region>`."""
        return self._name if region == self._args.plan.hub_region else f"{self._name}-{region}"

    def _share(
        self,
        prefix: str,
        region: str,
        gateway: aws.ec2transitgateway.TransitGateway,
        on: pulumi.ResourceOptions,
    ) -> None:
        """Share the gateway with every other account that has a VPC in its region: another
        account can only attach to a gateway shared with it (RAM). Outside an organization the
        receiving account accepts the invitation first."""
        args = self._args
        share = share_with_vpc_owners(
            f"{prefix}-share",
            vpcs=[v for v in (args.hub, *args.spokes) if v.region == region],
            hub_account_id=args.hub.account_id,
            aws_name=f"hubspoke-{args.environment}-transit-gateway-{region}",
            resources={"gateway": gateway.arn},
            external=args.share_outside_organization,
            tags=self._tags(f"{prefix}-share", args.environment),
            opts=on,
            # Before HubShare served the gateway too, its association was named as the share.
            former_names={"gateway": f"{prefix}-share"},
        )
        if share is None:
            return
        self.shares[region] = share.share
        for key in share.principals:
            self.share_waits[(region, key)] = share.waits_for(key, "gateway")

    def waits_for(self, region: str, account_key: str) -> list[pulumi.Resource]:
        """What an attachment from `account_key` in `region` waits for: the share reaching it."""
        return list(self.share_waits.get((region, account_key), []))

    def _peer(self, name: str) -> None:
        """Peer the hub's gateway with each other region's, and route statically across."""
        args, plan = self._args, self._args.plan
        hub_region = plan.hub_region
        hub_on = pulumi.ResourceOptions(parent=self, provider=args.providers[hub_region])
        for region in plan.gateways:
            if region == hub_region:
                continue
            prefix = f"{name}-{PEERING}-{region}"
            peer_on = pulumi.ResourceOptions(parent=self, provider=args.providers[region])
            peering = aws.ec2transitgateway.PeeringAttachment(
                prefix,
                transit_gateway_id=self.gateways[hub_region].id,
                peer_transit_gateway_id=self.gateways[region].id,
                peer_region=region,
                peer_account_id=args.hub.account_id,
                tags=self._tags(prefix, args.environment),
                opts=hub_on,
            )
            # A peering is accepted in the peer's region, even within one account.
            accepter = aws.ec2transitgateway.PeeringAttachmentAccepter(
                f"{prefix}-accepter",
                transit_gateway_attachment_id=peering.id,
                tags=self._tags(f"{prefix}-accepter", args.environment),
                opts=peer_on,
            )
            self.peerings[region], self.peering_accepters[region] = peering, accepter
            accepted = pulumi.ResourceOptions(depends_on=[accepter])
            for side, on, table in (
                (hub_region, hub_on, f"{PEERING}-{region}"),
                (region, peer_on, PEERING),
            ):
                aws.ec2transitgateway.RouteTableAssociation(
                    f"{prefix}-{side}",
                    transit_gateway_attachment_id=peering.id,
                    transit_gateway_route_table_id=self.route_tables[side][table].id,
                    # An attachment has one association: a new one waits for the old one's end.
                    opts=holds_fixed_name(pulumi.ResourceOptions.merge(on, accepted)),
                )
        for region, gateway_plan in plan.gateways.items():
            on = pulumi.ResourceOptions(parent=self, provider=args.providers[region])
            for table, routes in gateway_plan.static_routes.items():
                for cidr, target in routes:
                    if target == PEERING:
                        via = region  # a remote gateway's one peering
                    elif target.startswith(f"{PEERING}:"):
                        via = target.split(":", 1)[1]
                    else:
                        continue  # the VPN's routes are OnPremLink's
                    aws.ec2transitgateway.Route(
                        f"{self.prefix(region)}-{table}-{slug(cidr)}",
                        destination_cidr_block=str(cidr),
                        transit_gateway_attachment_id=self.peerings[via].id,
                        transit_gateway_route_table_id=self.route_tables[region][table].id,
                        # One static route per table and prefix: a replaced route (another
                        # attachment forces new) must not meet the old one.
                        opts=holds_fixed_name(
                            pulumi.ResourceOptions.merge(
                                on,
                                pulumi.ResourceOptions(depends_on=[self.peering_accepters[via]]),
                            )
                        ),
                    )
