"""OnPremLink: the site-to-site VPN from AWS to the on-prem device.

Peering mode lands the VPN on a virtual private gateway attached to the hub, which propagates the
on-prem routes into every hub route table (so the hub, and its outbound resolver endpoint, reach
on-prem). Transit gateway mode lands it on the hub's transit gateway instead (a VPN there is an
attachment too): associated with the `onPrem` route table, and its routes reach the tables of the
segments that reach `onPrem`, propagated with BGP or as static routes without it (a VPN on a
transit gateway takes no `VpnConnectionRoute`: its static routes live in the gateway's tables).

This was the last part of `HybridDns("dns")`; each child keeps its name and, through an
alias to that parent, its URN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.model import VPN_GATEWAY_AMAZON_ASN, OnPremConfig, VpnConfig
from components.naming import former_parent, holds_fixed_name, resource_tags
from components.plan import AttachmentPlan
from components.vpc import VpcRef

# The tag HybridDns gave its resources, kept so that the split changes no input.
COMPONENT = "hybrid-dns"


@dataclass(frozen=True)
class OnPremTransit:
    """Transit gateway mode: the hub's gateway, its tables, and where the VPN's routes go."""

    transit_gateway_id: pulumi.Output[str]
    route_table_ids: Mapping[str, pulumi.Output[str]]
    plan: AttachmentPlan  # associated with `onPrem`; propagated (BGP) into these tables
    static_routes: Sequence[tuple[str, str]]  # without BGP: (table, on-prem CIDR)


@dataclass(frozen=True)
class OnPremLinkArgs:
    """The on-prem network and its VPN device, and the hub VPC (or transit gateway) it lands on."""

    on_prem: OnPremConfig
    vpn: VpnConfig
    hub: VpcRef
    environment: str
    protect: bool  # prod: a replaced connection gets new tunnel addresses and keys
    transit: OnPremTransit | None = None


def slug(value: object) -> str:
    """A CIDR as a logical-name part (no `/`)."""
    return str(value).replace("/", "-")


class OnPremLink(pulumi.ComponentResource):
    """Customer gateway, VPN connection (BGP or static routes) and the AWS side it lands on."""

    connection: aws.ec2.VpnConnection
    tunnel_addresses: pulumi.Output[list[str]]

    def __init__(
        self, name: str, args: OnPremLinkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hubspoke:network:OnPremLink", name, None, opts)
        moved = [former_parent("hubspoke:dns:HybridDns", name)]
        hub_side = pulumi.ResourceOptions(parent=self, provider=args.hub.provider, aliases=moved)
        kept = pulumi.ResourceOptions.merge(hub_side, pulumi.ResourceOptions(protect=args.protect))
        vpn = self._vpn = args.vpn

        def tags(role: str) -> dict[str, str]:
            return dict(resource_tags(COMPONENT, f"{name}-{role}", args.environment))

        self.customer_gateway = aws.ec2.CustomerGateway(
            f"{name}-cgw",
            type="ipsec.1",
            ip_address=str(vpn.customer_gateway_ip),
            bgp_asn=str(vpn.bgp_asn) if vpn.bgp_asn is not None else None,
            tags=tags("cgw"),
            # CreateCustomerGateway answers an existing gateway of the same IP and ASN: created
            # first, the "new" one would be the old one, then deleted with it.
            opts=holds_fixed_name(kept),
        )
        if args.transit is not None:
            self._on_transit_gateway(name, args.transit, tags, hub_side, kept)
        else:
            self._on_vpn_gateway(name, args, tags, hub_side, kept)

        self.tunnel_addresses = pulumi.Output.all(
            self.connection.tunnel1_address, self.connection.tunnel2_address
        )
        self.register_outputs({"tunnel_addresses": self.tunnel_addresses})

    def _on_vpn_gateway(self, name, args: OnPremLinkArgs, tags, hub_side, kept) -> None:
        """Peering mode: a VGW attached to the hub propagates on-prem routes into its tables."""
        self.vpn_gateway = aws.ec2.VpnGateway(
            f"{name}-vgw",
            vpc_id=args.hub.vpc_id,  # attaches the gateway to the hub
            amazon_side_asn=str(VPN_GATEWAY_AMAZON_ASN),
            tags=tags("vgw"),
            opts=kept,
        )
        # With BGP the on-prem routes arrive dynamically; without it they are static routes on
        # the connection.
        static = args.vpn.bgp_asn is None
        self.connection = aws.ec2.VpnConnection(
            f"{name}-vpn",
            type="ipsec.1",
            customer_gateway_id=self.customer_gateway.id,
            vpn_gateway_id=self.vpn_gateway.id,
            static_routes_only=static,
            tags=tags("vpn"),
            opts=kept,
        )
        if static:
            for cidr in args.on_prem.cidrs:
                aws.ec2.VpnConnectionRoute(
                    f"{name}-vpn-{slug(cidr)}",
                    vpn_connection_id=self.connection.id,
                    destination_cidr_block=str(cidr),
                    opts=hub_side,
                )
        # Either way the gateway propagates the on-prem routes into every hub route table.
        for i, route_table_id in enumerate(args.hub.route_table_ids):
            aws.ec2.VpnGatewayRoutePropagation(
                f"{name}-vgw-{i}",
                vpn_gateway_id=self.vpn_gateway.id,
                route_table_id=route_table_id,
                opts=hub_side,
            )

    def _on_transit_gateway(self, name, transit: OnPremTransit, tags, hub_side, kept) -> None:
        """Transit gateway mode: the VPN is an attachment of the hub's gateway. Same logical name
        as peering mode's connection: moving modes changes its target gateway in place
        (ModifyVpnConnection; `vpnGatewayId`/`transitGatewayId` do not force replacement,
        offline/data/force_new.json), keeping its tunnel addresses and keys."""
        static = self._vpn.bgp_asn is None
        self.connection = aws.ec2.VpnConnection(
            f"{name}-vpn",
            type="ipsec.1",
            customer_gateway_id=self.customer_gateway.id,
            transit_gateway_id=transit.transit_gateway_id,
            static_routes_only=static,
            tags=tags("vpn"),
            opts=kept,
        )
        attachment_id = self.connection.transit_gateway_attachment_id
        tables = transit.route_table_ids
        aws.ec2transitgateway.RouteTableAssociation(
            f"{name}-tgw-vpn-association",
            transit_gateway_attachment_id=attachment_id,
            transit_gateway_route_table_id=tables[transit.plan.associate],
            opts=holds_fixed_name(hub_side),  # one association per attachment
        )
        for table in transit.plan.propagate:
            aws.ec2transitgateway.RouteTablePropagation(
                f"{name}-tgw-vpn-to-{table}",
                transit_gateway_attachment_id=attachment_id,
                transit_gateway_route_table_id=tables[table],
                opts=hub_side,
            )
        for table, cidr in transit.static_routes:
            aws.ec2transitgateway.Route(
                f"{name}-tgw-{table}-{slug(cidr)}",
                destination_cidr_block=cidr,
                transit_gateway_attachment_id=attachment_id,
                transit_gateway_route_table_id=tables[table],
                opts=holds_fixed_name(hub_side),  # one static route per table and prefix
            )
