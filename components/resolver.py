"""Resolver: on-prem names resolve from every VPC, and cloud names from on-prem.

Reads in the order AWS builds it (pitfalls 3-5 of `../shared/design.md`):
- inbound and outbound Route 53 Resolver endpoints in the hub's private subnets on the plan's
  pinned IPs, one per hub AZ (at least two: RSLVR-00400), each with its own security group;
- a FORWARD rule per on-prem domain to the on-prem DNS servers, associated with the hub and every
  spoke; spokes of other accounts receive the rules through a RAM share (and accept it when the
  share leaves the organization) and associate them with their own provider;
- a spoke in another region cannot use the hub's rules (rules and endpoints are regional): it gets
  its own outbound endpoint and rules that forward the on-prem domains to the hub's inbound endpoint
  over the network path to the hub, and the hub's rules take the queries on to on-prem.

Built only with `onPrem` (endpoints cost per ENI-hour even when idle). This was the first part of
`HybridDns("dns")`: the component keeps that URN through an alias, and its children their names.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.model import OnPremConfig
from components.naming import holds_fixed_name, resource_tags
from components.plan import NetworkPlan
from components.sharing import HubShare
from components.vpc import VpcRef

# The tag HybridDns gave its resources, kept so that the split changes no input.
COMPONENT = "hybrid-dns"
DNS_PORT = 53
PROTOCOLS = ("tcp", "udp")  # DNS answers larger than 512 bytes (DNSSEC, many records) need TCP


@dataclass(frozen=True)
class ResolverArgs:
    """The hub, the spokes, their pinned addresses, and what on-prem answers for."""

    hub: VpcRef
    spokes: Sequence[VpcRef]
    plan: NetworkPlan
    on_prem: OnPremConfig
    share_outside_organization: bool
    environment: str


def slug(value: object) -> str:
    """A CIDR, IP or domain as a logical-name part (no `/`), stable for a given config value."""
    return str(value).replace("/", "-")


def _aws_name(*parts: str) -> str:
    """Resolver names allow letters, digits, `-`, `_` and spaces, up to 64 characters."""
    return "-".join(parts).replace(".", "-")[:64]


class Resolver(pulumi.ComponentResource):
    """Route 53 Resolver endpoints in the hub, forwarding rules, their sharing, and relays."""

    inbound_endpoint_ips: pulumi.Output[list[str]]
    outbound_endpoint_id: pulumi.Output[str]
    outbound_endpoint_ips: pulumi.Output[list[str]]
    rule_ids: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: ResolverArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        moved = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_="hubspoke:dns:HybridDns")])
        super().__init__(
            "hubspoke:dns:Resolver", name, None, pulumi.ResourceOptions.merge(opts, moved)
        )
        self._prefix = name
        self.args = args
        self.hub_side = pulumi.ResourceOptions(parent=self, provider=args.hub.provider)

        self.rules: dict[str, aws.route53.ResolverRule] = {}
        self.rule_associations: dict[tuple[str, str], aws.route53.ResolverRuleAssociation] = {}
        self.share: aws.ram.ResourceShare | None = None
        self.share_resources: dict[str, aws.ram.ResourceAssociation] = {}
        self.share_principals: dict[str, aws.ram.PrincipalAssociation] = {}
        self.share_accepters: dict[str, aws.ram.ResourceShareAccepter] = {}
        self.relays: dict[str, aws.route53.ResolverEndpoint] = {}
        self._resolver(args.on_prem)

        self.inbound_endpoint_ips = _ips(self.inbound_endpoint)
        self.outbound_endpoint_id = self.outbound_endpoint.id
        self.outbound_endpoint_ips = _ips(self.outbound_endpoint)
        self.rule_ids = {domain: rule.id for domain, rule in self.rules.items()}
        self.register_outputs(
            {
                "inbound_endpoint_ips": self.inbound_endpoint_ips,
                "outbound_endpoint_id": self.outbound_endpoint_id,
                "outbound_endpoint_ips": self.outbound_endpoint_ips,
                "rule_ids": self.rule_ids,
            }
        )

    def _tags(self, suffix: str) -> dict[str, str]:
        return dict(resource_tags(COMPONENT, f"{self._prefix}-{suffix}", self.args.environment))

    def _resolver(self, on_prem: OnPremConfig) -> None:
        """Endpoints, rules, the share, associations and relays, in the order AWS needs them."""
        args, name = self.args, self._prefix
        inbound_ips = args.plan.inbound_ips
        remote = [s for s in args.spokes if s.region != args.hub.region]
        relay_ips = {s.plan.name: args.plan.relay_ips[s.plan.name] for s in remote}

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
            "outbound", "OUTBOUND", outbound_sg, args.hub, args.plan.outbound_ips, self.hub_side
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

        local = [s for s in args.spokes if s.region == args.hub.region]
        self._share_rules(local)
        for spoke in local:
            for domain, rule in self.rules.items():
                depends = self._after_share(spoke, domain)
                self._associate(
                    domain,
                    rule,
                    spoke.plan.name,
                    spoke.vpc_id,
                    pulumi.ResourceOptions(
                        parent=self, provider=spoke.provider, depends_on=depends
                    ),
                )
        for spoke in remote:
            self._relay(spoke, on_prem, relay_ips[spoke.plan.name], inbound_ips)

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
                        f"{self._prefix}-{role}-{protocol}-{word}-{slug(peer)}",
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
        vpc: VpcRef,
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
                {"subnet_id": vpc.private_subnet_ids[i], "ip": ip} for i, ip in enumerate(ips)
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

    def _share_rules(self, local_spokes: Sequence[VpcRef]) -> None:
        """Share the rules with every other account that has a spoke in the hub's region
        (components/sharing.py: the spokes associate them after `HubShare.waits_for`)."""
        args, name = self.args, self._prefix
        accounts = {s.account_key: s for s in local_spokes if s.account_id != args.hub.account_id}
        if not accounts:
            return
        self.hub_share = HubShare(
            f"{name}-rules",
            aws_name=_aws_name("hubspoke", args.environment, "resolver-rules"),
            resources={domain: rule.arn for domain, rule in self.rules.items()},
            accounts=accounts,
            external=args.share_outside_organization,
            tags=self._tags("rules"),
            opts=self.hub_side,
        )
        self.share = self.hub_share.share
        self.share_resources = self.hub_share.resources
        self.share_principals = self.hub_share.principals
        self.share_accepters = self.hub_share.accepters

    def _after_share(self, spoke: VpcRef, domain: str) -> list[pulumi.Resource]:
        """What a spoke's association of a rule waits for: its account can see the shared rule."""
        if spoke.account_id == self.args.hub.account_id:
            return []
        return self.hub_share.waits_for(spoke.account_key, domain)

    def _relay(
        self,
        spoke: VpcRef,
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
        name = f"{self._prefix}-{spoke.plan.name}"
        opts = pulumi.ResourceOptions(parent=self, provider=spoke.provider)
        sg = self._security_group(
            f"{spoke.plan.name}-relay", spoke.vpc_id,
            "Route 53 Resolver relay endpoint: DNS to the hub inbound endpoint",
            opts, egress_to=[f"{ip}/32" for ip in inbound_ips],
        )  # fmt: skip
        relay = self._endpoint(f"{spoke.plan.name}-relay", "OUTBOUND", sg, spoke, relay_ips, opts)
        self.relays[spoke.plan.name] = relay
        for domain in on_prem.domains:
            rule = aws.route53.ResolverRule(
                f"{name}-forward-{domain}",
                name=_aws_name("hubspoke", self.args.environment, spoke.plan.name, domain),
                domain_name=domain,
                rule_type="FORWARD",
                resolver_endpoint_id=relay.id,
                target_ips=[{"ip": ip, "port": DNS_PORT} for ip in inbound_ips],
                tags=self._tags(f"{spoke.plan.name}-forward-{domain}"),
                opts=opts,
            )
            self._associate(domain, rule, spoke.plan.name, spoke.vpc_id, opts)


def _ips(endpoint: aws.route53.ResolverEndpoint) -> pulumi.Output[list[str]]:
    return endpoint.ip_addresses.apply(
        lambda ips: sorted((ip.ip for ip in ips or [] if ip.ip), key=ipaddress.IPv4Address)
    )
