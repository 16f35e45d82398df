"""HybridDns: names resolve both ways between on-premises and every VPC of the stack.

Reads in the order AWS builds it (pitfalls 3-6 of `../shared/design.md`):
- inbound and outbound Route 53 Resolver endpoints in the hub's private subnets, one IP per hub AZ
  (at least two: RSLVR-00400), each with its own security group;
- a FORWARD rule per on-prem domain to the on-prem DNS servers, associated with the hub and every
  spoke; spokes of other accounts receive the rules through a RAM share (and accept it when the
  share leaves the organization) and associate them with their own provider;
- a spoke in another region cannot use the hub's rules (rules and endpoints are regional): it gets
  its own outbound endpoint and rules that forward the on-prem domains to the hub's inbound endpoint
  over the peering, and the hub's rules take the queries on to on-prem;
- the private hosted zone of the cloud domain, owned by the hub's account and associated with every
  VPC (other accounts: the zone owner authorizes, the VPC owner associates);
- the optional site-to-site VPN from the hub to on-prem, with its routes propagated into every hub
  route table.

Without `onPrem` (dev) only the private zone is built: endpoints cost per ENI-hour even when idle.
Peering is not transitive: spokes reach on-prem *names* through the Resolver, not on-prem *hosts*
through the hub.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.layout import subnet_cidr
from components.model import VPN_GATEWAY_AMAZON_ASN, DnsConfig, OnPremConfig, VpnConfig
from components.naming import holds_fixed_name, resource_tags
from components.vpc import Vpc

COMPONENT = "hybrid-dns"
DNS_PORT = 53
PROTOCOLS = ("tcp", "udp")  # DNS answers larger than 512 bytes (DNSSEC, many records) need TCP
# Endpoint IPs are pinned to a fixed host of each private subnet, so on-prem conditional
# forwarders and firewalls can be configured once: a replaced endpoint comes back on the same
# addresses. AWS reserves hosts 0-3 and the last one of every subnet; 10 and 11 fit even a /28.
INBOUND_HOST = 10
OUTBOUND_HOST = 11
# A relay endpoint in a remote-region spoke only passes queries on: two IPs are the minimum AWS
# allows (RSLVR-00400) and each costs per hour.
RELAY_IP_COUNT = 2


@dataclass(frozen=True)
class SpokeDns:
    """One spoke as HybridDns sees it: its VPC and the account, region and provider that own it."""

    name: str
    vpc: Vpc
    account_key: str
    account_id: str
    region: str
    provider: aws.Provider


@dataclass(frozen=True)
class HybridDnsArgs:
    """The hub, the spokes and the on-prem / DNS config (both from the stack config)."""

    hub: Vpc
    hub_provider: aws.Provider
    hub_account_id: str
    hub_region: str
    spokes: Sequence[SpokeDns]
    on_prem: OnPremConfig | None
    dns: DnsConfig
    environment: str
    protect: bool  # prod: keep the zone and the VPN connection from being deleted or replaced


def endpoint_ips(vpc_cidr: ipaddress.IPv4Network, az_count: int, host: int) -> list[str]:
    """The pinned endpoint IP in the private subnet of each of the first `az_count` AZs."""
    return [
        str(subnet_cidr(vpc_cidr, "private", i).network_address + host) for i in range(az_count)
    ]


def _slug(value: object) -> str:
    """A CIDR, IP or domain as a logical-name part (no `/`), stable for a given config value."""
    return str(value).replace("/", "-")


def _aws_name(*parts: str) -> str:
    """Resolver names allow letters, digits, `-`, `_` and spaces, up to 64 characters."""
    return "-".join(parts).replace(".", "-")[:64]


class HybridDns(pulumi.ComponentResource):
    """Route 53 Resolver endpoints and rules, the private zone, and the VPN to on-prem."""

    inbound_endpoint_ips: pulumi.Output[list[str]] | None
    outbound_endpoint_id: pulumi.Output[str] | None
    outbound_endpoint_ips: pulumi.Output[list[str]] | None
    rule_ids: dict[str, pulumi.Output[str]]
    zone_id: pulumi.Output[str] | None
    zone_name: pulumi.Output[str] | None
    vpn_tunnel_addresses: pulumi.Output[list[str]] | None

    def __init__(
        self, name: str, args: HybridDnsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hubspoke:dns:HybridDns", name, None, opts)
        self._prefix = name
        self.args = args
        self.hub_side = pulumi.ResourceOptions(parent=self, provider=args.hub_provider)

        self.inbound_endpoint: aws.route53.ResolverEndpoint | None = None
        self.outbound_endpoint: aws.route53.ResolverEndpoint | None = None
        self.rules: dict[str, aws.route53.ResolverRule] = {}
        self.rule_associations: dict[tuple[str, str], aws.route53.ResolverRuleAssociation] = {}
        self.share: aws.ram.ResourceShare | None = None
        self.share_resources: dict[str, aws.ram.ResourceAssociation] = {}
        self.share_principals: dict[str, aws.ram.PrincipalAssociation] = {}
        self.share_accepters: dict[str, aws.ram.ResourceShareAccepter] = {}
        self.relays: dict[str, aws.route53.ResolverEndpoint] = {}
        self.zone: aws.route53.Zone | None = None
        self.zone_associations: dict[str, aws.route53.ZoneAssociation] = {}
        self.zone_authorizations: dict[str, aws.route53.VpcAssociationAuthorization] = {}
        self.vpn_connection: aws.ec2.VpnConnection | None = None

        if args.on_prem is not None:
            self._resolver(args.on_prem)
        if args.dns.private_zone:
            self._private_zone(args.dns.private_zone)
        if args.on_prem is not None and args.on_prem.vpn is not None:
            self._vpn(args.on_prem, args.on_prem.vpn)

        self.inbound_endpoint_ips = _ips(self.inbound_endpoint)
        self.outbound_endpoint_id = self.outbound_endpoint.id if self.outbound_endpoint else None
        self.outbound_endpoint_ips = _ips(self.outbound_endpoint)
        self.rule_ids = {domain: rule.id for domain, rule in self.rules.items()}
        self.zone_id = self.zone.zone_id if self.zone else None
        self.zone_name = self.zone.name if self.zone else None
        self.vpn_tunnel_addresses = (
            pulumi.Output.all(
                self.vpn_connection.tunnel1_address, self.vpn_connection.tunnel2_address
            )
            if self.vpn_connection
            else None
        )
        self.register_outputs(
            {
                "inbound_endpoint_ips": self.inbound_endpoint_ips,
                "outbound_endpoint_id": self.outbound_endpoint_id,
                "outbound_endpoint_ips": self.outbound_endpoint_ips,
                "rule_ids": self.rule_ids,
                "zone_id": self.zone_id,
                "zone_name": self.zone_name,
                "vpn_tunnel_addresses": self.vpn_tunnel_addresses,
            }
        )

    # -----------------------------------------------------------------------------------------
    # Resolver: endpoints, forwarding rules, associations, RAM share, remote-region relays

    def _tags(self, suffix: str) -> dict[str, str]:
        return dict(resource_tags(COMPONENT, f"{self._prefix}-{suffix}", self.args.environment))

    def _resolver(self, on_prem: OnPremConfig) -> None:
        args, name = self.args, self._prefix
        hub_cidr, hub_azs = args.hub.args.cidr, args.hub.args.az_count
        inbound_ips = endpoint_ips(hub_cidr, hub_azs, INBOUND_HOST)
        remote = [s for s in args.spokes if s.region != args.hub_region]
        relay_ips = {
            s.name: endpoint_ips(s.vpc.args.cidr, RELAY_IP_COUNT, OUTBOUND_HOST) for s in remote
        }

        # Inbound: on-prem resolvers forward the cloud domain here. Only on-prem may query it (the
        # design's rule); spokes use their own VPC resolver. The one addition is the relay
        # endpoints of remote-region spokes, by their pinned /32s, which forward on-prem domains
        # here to reach the hub's rules. Responses need no egress rule: security groups are
        # stateful.
        inbound_peers = [str(c) for c in on_prem.cidrs] + [
            f"{ip}/32" for ips in relay_ips.values() for ip in ips
        ]
        inbound_sg = self._security_group(
            "inbound", args.hub.vpc_id, "Route 53 Resolver inbound endpoint: DNS from on-prem",
            self.hub_side, ingress_from=inbound_peers,
        )  # fmt: skip
        # Outbound: queries leave only towards the on-prem DNS servers; no ingress at all.
        outbound_sg = self._security_group(
            "outbound", args.hub.vpc_id, "Route 53 Resolver outbound endpoint: DNS to on-prem",
            self.hub_side, egress_to=[f"{ip}/32" for ip in on_prem.dns_servers],
        )  # fmt: skip

        self.inbound_endpoint = self._endpoint(
            "inbound", "INBOUND", inbound_sg, args.hub, inbound_ips, self.hub_side
        )
        self.outbound_endpoint = self._endpoint(
            "outbound",
            "OUTBOUND",
            outbound_sg,
            args.hub,
            endpoint_ips(hub_cidr, hub_azs, OUTBOUND_HOST),
            self.hub_side,
        )

        # One FORWARD rule per domain, to the on-prem servers (never to our own inbound endpoint:
        # RSLVR-00804). A rule covers the domain and all its subdomains.
        for domain in on_prem.domains:
            self.rules[domain] = aws.route53.ResolverRule(
                f"{name}-forward-{domain}",
                name=_aws_name("hubspoke", args.environment, domain),
                domain_name=domain,
                rule_type="FORWARD",
                resolver_endpoint_id=self.outbound_endpoint.id,
                target_ips=[{"ip": str(ip), "port": DNS_PORT} for ip in on_prem.dns_servers],
                tags=self._tags(f"forward-{domain}"),
                opts=self.hub_side,
            )
            self._associate(domain, self.rules[domain], "hub", args.hub.vpc_id, self.hub_side)

        local = [s for s in args.spokes if s.region == args.hub_region]
        self._share_rules(local)
        for spoke in local:
            after_share = self._after_share(spoke)
            for domain, rule in self.rules.items():
                depends = [*after_share]
                if spoke.account_id != args.hub_account_id:
                    depends.append(self.share_resources[domain])
                self._associate(
                    domain,
                    rule,
                    spoke.name,
                    spoke.vpc.vpc_id,
                    pulumi.ResourceOptions(
                        parent=self, provider=spoke.provider, depends_on=depends
                    ),
                )
        for spoke in remote:
            self._relay(spoke, on_prem, relay_ips[spoke.name], inbound_ips)

    def _security_group(
        self,
        role: str,
        vpc_id: pulumi.Input[str],
        description: str,
        opts: pulumi.ResourceOptions,
        *,
        ingress_from: Sequence[str] = (),
        egress_to: Sequence[str] = (),
    ) -> aws.ec2.SecurityGroup:
        """A security group with one rule resource per (protocol, peer) on port 53, nothing else.

        No inline rules: the provider removes AWS's default allow-all egress rule from a group it
        creates (pulumi-aws `ec2.SecurityGroup` docs, "NOTE on Egress rules"), so a group with only
        these rule resources allows exactly what they say.
        """
        sg = aws.ec2.SecurityGroup(
            f"{self._prefix}-{role}",
            vpc_id=vpc_id,
            description=description,
            tags=self._tags(role),
            opts=opts,
        )
        directions = (
            (aws.vpc.SecurityGroupIngressRule, "from", ingress_from),
            (aws.vpc.SecurityGroupEgressRule, "to", egress_to),
        )
        for rule, word, peers in directions:
            for peer in peers:
                for protocol in PROTOCOLS:
                    rule(
                        f"{self._prefix}-{role}-{protocol}-{word}-{_slug(peer)}",
                        security_group_id=sg.id,
                        ip_protocol=protocol,
                        from_port=DNS_PORT,
                        to_port=DNS_PORT,
                        cidr_ipv4=peer,
                        description=f"DNS over {protocol.upper()} {word} {peer}",
                        opts=opts,
                    )
        return sg

    def _endpoint(
        self,
        role: str,
        direction: str,
        sg: aws.ec2.SecurityGroup,
        vpc: Vpc,
        ips: Sequence[str],
        opts: pulumi.ResourceOptions,
    ) -> aws.route53.ResolverEndpoint:
        return aws.route53.ResolverEndpoint(
            f"{self._prefix}-{role}",
            name=_aws_name("hubspoke", self.args.environment, role),
            direction=direction,
            resolver_endpoint_type="IPV4",
            protocols=["Do53"],
            security_group_ids=[sg.id],
            ip_addresses=[
                {"subnet_id": vpc.private_subnets[i].id, "ip": ip} for i, ip in enumerate(ips)
            ],
            tags=self._tags(role),
            # Pinned IPs: a replacement (new security group, direction) asks for the addresses
            # the old endpoint still holds.
            opts=holds_fixed_name(opts),
        )

    def _associate(
        self,
        domain: str,
        rule: aws.route53.ResolverRule,
        vpc_name: str,
        vpc_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions,
    ) -> None:
        self.rule_associations[(domain, vpc_name)] = aws.route53.ResolverRuleAssociation(
            f"{self._prefix}-{domain}-{vpc_name}",
            name=_aws_name(domain, vpc_name),
            resolver_rule_id=rule.id,
            vpc_id=vpc_id,
            # One association per rule and VPC: a renamed one cannot exist beside the old one.
            opts=holds_fixed_name(opts),
        )

    def _share_rules(self, local_spokes: Sequence[SpokeDns]) -> None:
        """Share the rules with every other account that has a spoke in the hub's region.

        A share associates nothing by itself: each spoke still associates the rules, after its
        account is a principal of the share (and, outside an organization, has accepted it).
        Inside an organization the share needs RAM sharing with AWS Organizations enabled once in
        the management account (`aws ram enable-sharing-with-aws-organization`); then accounts
        receive it without an invitation.
        """
        args, name = self.args, self._prefix
        accounts = {s.account_key: s for s in local_spokes if s.account_id != args.hub_account_id}
        if not accounts:
            return
        external = args.dns.share_outside_organization
        self.share = aws.ram.ResourceShare(
            f"{name}-rules",
            name=_aws_name("hubspoke", args.environment, "resolver-rules"),
            allow_external_principals=external,
            tags=self._tags("rules"),
            opts=self.hub_side,
        )
        for domain, rule in self.rules.items():
            self.share_resources[domain] = aws.ram.ResourceAssociation(
                f"{name}-rules-{domain}",
                resource_share_arn=self.share.arn,
                resource_arn=rule.arn,
                opts=self.hub_side,
            )
        for key, spoke in accounts.items():
            principal = aws.ram.PrincipalAssociation(
                f"{name}-rules-{key}",
                resource_share_arn=self.share.arn,
                principal=spoke.account_id,
                opts=self.hub_side,
            )
            self.share_principals[key] = principal
            if external:
                # Outside an organization the receiving account gets an invitation to accept.
                # Taking the ARN from the principal association orders it after the invitation.
                self.share_accepters[key] = aws.ram.ResourceShareAccepter(
                    f"{name}-rules-{key}",
                    share_arn=principal.resource_share_arn,
                    opts=pulumi.ResourceOptions(parent=self, provider=spoke.provider),
                )

    def _after_share(self, spoke: SpokeDns) -> list[pulumi.Resource]:
        """What a spoke's rule associations wait for: its account can see the shared rules."""
        if spoke.account_id == self.args.hub_account_id:
            return []
        waits: list[pulumi.Resource] = [self.share_principals[spoke.account_key]]
        if spoke.account_key in self.share_accepters:
            waits.append(self.share_accepters[spoke.account_key])
        return waits

    def _relay(
        self,
        spoke: SpokeDns,
        on_prem: OnPremConfig,
        relay_ips: Sequence[str],
        inbound_ips: Sequence[str],
    ) -> None:
        """On-prem names for a spoke in another region than the hub.

        Resolver rules and endpoints are regional: a rule in the hub's region cannot be associated
        with a VPC elsewhere, and that VPC has no route to on-prem (peering is not transitive; the
        VPN ends in the hub). So the spoke forwards each on-prem domain, from an outbound endpoint
        of its own, to the hub's inbound endpoint over the peering; the hub VPC's rules then take
        the query on to the on-prem servers. Everything here belongs to the spoke's account and
        region, so no RAM share is needed.
        """
        name = f"{self._prefix}-{spoke.name}"
        opts = pulumi.ResourceOptions(parent=self, provider=spoke.provider)
        sg = self._security_group(
            f"{spoke.name}-relay", spoke.vpc.vpc_id,
            "Route 53 Resolver relay endpoint: DNS to the hub inbound endpoint",
            opts, egress_to=[f"{ip}/32" for ip in inbound_ips],
        )  # fmt: skip
        relay = self._endpoint(f"{spoke.name}-relay", "OUTBOUND", sg, spoke.vpc, relay_ips, opts)
        self.relays[spoke.name] = relay
        for domain in on_prem.domains:
            rule = aws.route53.ResolverRule(
                f"{name}-forward-{domain}",
                name=_aws_name("hubspoke", self.args.environment, spoke.name, domain),
                domain_name=domain,
                rule_type="FORWARD",
                resolver_endpoint_id=relay.id,
                target_ips=[{"ip": ip, "port": DNS_PORT} for ip in inbound_ips],
                tags=self._tags(f"{spoke.name}-forward-{domain}"),
                opts=opts,
            )
            self._associate(domain, rule, spoke.name, spoke.vpc.vpc_id, opts)

    # -----------------------------------------------------------------------------------------
    # Private hosted zone

    def _private_zone(self, zone_name: str) -> None:
        """The cloud domain, owned by the hub's account, visible from every VPC of the stack.

        The zone is created with the hub VPC inline (a private zone needs one VPC from the start)
        and ignores later changes to that list; every other VPC is a separate `ZoneAssociation`
        with a stable name, so adding a spoke adds one association and touches no other (pulumi-aws
        `route53.Zone` docs: inline VPCs and `ZoneAssociation`s fight unless `vpcs` is ignored).
        The VPC owner associates; when that is another account the zone owner first authorizes it.
        """
        args, name = self.args, self._prefix
        self.zone = aws.route53.Zone(
            f"{name}-zone",
            name=zone_name,
            comment=f"hubspoke {args.environment}: private zone of the cloud domain",
            vpcs=[{"vpc_id": args.hub.vpc_id, "vpc_region": args.hub_region}],
            tags=self._tags("zone"),
            opts=pulumi.ResourceOptions(
                parent=self,
                provider=args.hub_provider,
                ignore_changes=["vpcs"],
                protect=args.protect,
            ),
        )
        for spoke in args.spokes:
            depends: list[pulumi.Resource] = []
            if spoke.account_id != args.hub_account_id:
                auth = aws.route53.VpcAssociationAuthorization(
                    f"{name}-zone-{spoke.name}",
                    zone_id=self.zone.zone_id,
                    vpc_id=spoke.vpc.vpc_id,
                    vpc_region=spoke.region,
                    opts=self.hub_side,
                )
                self.zone_authorizations[spoke.name] = auth
                depends.append(auth)
            self.zone_associations[spoke.name] = aws.route53.ZoneAssociation(
                f"{name}-zone-{spoke.name}",
                zone_id=self.zone.zone_id,
                vpc_id=spoke.vpc.vpc_id,
                vpc_region=spoke.region,
                opts=pulumi.ResourceOptions(
                    parent=self, provider=spoke.provider, depends_on=depends
                ),
            )

    # -----------------------------------------------------------------------------------------
    # Site-to-site VPN

    def _vpn(self, on_prem: OnPremConfig, vpn: VpnConfig) -> None:
        """IPsec to the on-prem device, and its routes in every hub route table.

        With BGP the on-prem routes arrive dynamically; without it they are static routes on the
        connection. Either way the virtual private gateway propagates them into the hub's route
        tables, so the outbound endpoint (and anything else in the hub) reaches on-prem.
        """
        args, name = self.args, self._prefix
        # A replaced connection gets new tunnel addresses and keys the on-prem device does not know.
        kept = pulumi.ResourceOptions(parent=self, provider=args.hub_provider, protect=args.protect)
        customer_gateway = aws.ec2.CustomerGateway(
            f"{name}-cgw",
            type="ipsec.1",
            ip_address=str(vpn.customer_gateway_ip),
            bgp_asn=str(vpn.bgp_asn) if vpn.bgp_asn is not None else None,
            tags=self._tags("cgw"),
            # CreateCustomerGateway answers an existing gateway of the same IP and ASN: created
            # first, the "new" one would be the old one, then deleted with it.
            opts=holds_fixed_name(kept),
        )
        gateway = aws.ec2.VpnGateway(
            f"{name}-vgw",
            vpc_id=args.hub.vpc_id,  # attaches the gateway to the hub
            amazon_side_asn=str(VPN_GATEWAY_AMAZON_ASN),
            tags=self._tags("vgw"),
            opts=kept,
        )
        static = vpn.bgp_asn is None
        self.vpn_connection = aws.ec2.VpnConnection(
            f"{name}-vpn",
            type="ipsec.1",
            customer_gateway_id=customer_gateway.id,
            vpn_gateway_id=gateway.id,
            static_routes_only=static,
            tags=self._tags("vpn"),
            opts=kept,
        )
        if static:
            for cidr in on_prem.cidrs:
                aws.ec2.VpnConnectionRoute(
                    f"{name}-vpn-{_slug(cidr)}",
                    vpn_connection_id=self.vpn_connection.id,
                    destination_cidr_block=str(cidr),
                    opts=self.hub_side,
                )
        for i, route_table in enumerate(args.hub.route_tables):
            aws.ec2.VpnGatewayRoutePropagation(
                f"{name}-vgw-{i}",
                vpn_gateway_id=gateway.id,
                route_table_id=route_table.id,
                opts=self.hub_side,
            )


def _ips(endpoint: aws.route53.ResolverEndpoint | None) -> pulumi.Output[list[str]] | None:
    if endpoint is None:
        return None
    return endpoint.ip_addresses.apply(
        lambda ips: sorted((ip.ip for ip in ips or [] if ip.ip), key=ipaddress.IPv4Address)
    )
