"""hubspoke: composition root. Load config -> build components -> export outputs."""

import pulumi

from components import config
from components.accounts import Accounts
from components.api import ItemsApi, ItemsApiArgs
from components.dns_firewall import DnsFirewall, DnsFirewallArgs
from components.log_key import LogKeys
from components.model import ON_PREM_SEGMENT
from components.network_acls import acl_rules
from components.on_prem import OnPremLink, OnPremLinkArgs, OnPremTransit
from components.peering import Peering, PeeringArgs
from components.plan import VPN, VpcPlan, plan_network
from components.private_zone import PrivateZone, PrivateZoneArgs
from components.query_logs import QueryLogs, QueryLogsArgs
from components.resolver import Resolver, ResolverArgs
from components.transit_attachment import TransitAttachment, TransitAttachmentArgs
from components.transit_gateway import TransitGateway, TransitGatewayArgs
from components.vpc import Vpc, VpcArgs
from components.webapp import WebApp, WebAppArgs

try:
    cfg = config.load()
except config.ConfigError as err:
    # Every problem, before anything is registered. Pulumi's Python language host logs a RunError
    # as one error message without a traceback (pulumi-language-python-exec: `except
    # pulumi.RunError as e: pulumi.log.error(str(e))`; any other exception is logged with
    # traceback.format_exc()), and the run fails with nothing registered.
    raise pulumi.RunError(str(err)) from None
plan = plan_network(cfg)  # every address, from the config alone
accounts = Accounts(cfg)
log_keys = LogKeys(cfg, accounts)  # one log key per account and region, on first use


def vpc_acls(vpc: config.VpcConfig) -> dict[str, list] | None:
    """The ACL rules per tier when the stack file asks for ACLs: the hub talks to every spoke
    and hosts the resolver endpoints; a spoke talks to the hub."""
    if vpc.network_acls is None:
        return None
    is_hub = vpc is cfg.hub
    peers = [s.cidr for s in cfg.spokes] if is_hub else [cfg.hub.cidr]
    on_prem = cfg.on_prem if is_hub else None
    far: list = []
    if plan.transit is not None:
        # Transit gateway mode: what the VPC routes to its gateway, VPCs (or a segment's
        # supernet) as peers, in config order as with peering, and on-prem apart. The attachment
        # subnets keep the default ACL: the gateway's ENIs forward for every segment.
        reached = plan.transit.attachments[vpc.name].destinations
        on_prem_cidrs = set(cfg.on_prem.cidrs if cfg.on_prem else ())
        peers = [c for c in reached if c not in on_prem_cidrs]
        far = [c for c in reached if c in on_prem_cidrs]
    return {
        tier: acl_rules(vpc.cidr, peers, on_prem, vpc.network_acls, tier, far)
        for tier in ("private", "public")
    }


def build_vpc(vpc: config.VpcConfig, vpc_plan: VpcPlan) -> Vpc:
    provider = accounts.provider(vpc.account, vpc.region)
    return Vpc(
        vpc.name,
        VpcArgs(
            plan=vpc_plan,
            region=vpc.region,
            account_key=vpc.account,
            account_id=accounts.account_id(vpc.account),
            role_arn=cfg.accounts[vpc.account].role_arn,
            environment=cfg.environment,
            log_retention_days=cfg.log_retention_days,
            provider=provider,
            log_key_arn=log_keys.arn(vpc.account, vpc.region),
            network_acls=vpc_acls(vpc),
        ),
        opts=pulumi.ResourceOptions(providers=[provider]),
    )


hub = build_vpc(cfg.hub, plan.hub)
spokes = {spoke.name: build_vpc(spoke, plan.spokes[spoke.name]) for spoke in cfg.spokes}
spoke_refs = [spokes[spoke.name].ref for spoke in cfg.spokes]

# Connectivity: peering from the hub to each spoke, or (`hubspoke:transitGateway`) segmented
# transit gateways that also carry the VPN to on-prem.
peerings: dict[str, Peering] = {}
transit_gateway = None
if plan.transit is None:
    peerings = {
        spoke.name: Peering(
            f"hub-{spoke.name}",
            PeeringArgs(hub=hub.ref, spoke=spokes[spoke.name].ref, environment=cfg.environment),
        )
        for spoke in cfg.spokes
    }
else:
    transit_gateway = TransitGateway(
        "tgw",
        TransitGatewayArgs(
            plan=plan.transit,
            hub=hub.ref,
            spokes=spoke_refs,
            providers={r: accounts.provider(cfg.hub.account, r) for r in plan.transit.gateways},
            share_outside_organization=cfg.transit_gateway.share_outside_organization,
            environment=cfg.environment,
        ),
    )
    vpc_names = {str(v.plan.cidr): v.plan.name for v in (hub.ref, *spoke_refs)}  # built once
    for vpc in (hub.ref, *spoke_refs):
        region = plan.transit.attachments[vpc.plan.name].region
        TransitAttachment(
            f"tgw-{vpc.plan.name}",
            TransitAttachmentArgs(
                vpc=vpc,
                plan=plan.transit.attachments[vpc.plan.name],
                transit_gateway_id=transit_gateway.gateway_ids[region],
                route_table_ids=transit_gateway.route_table_ids[region],
                owner_account_id=hub.ref.account_id,
                owner_provider=accounts.provider(cfg.hub.account, region),
                after_share=transit_gateway.waits_for(region, vpc.account_key),
                environment=cfg.environment,
                hub_name=hub.ref.plan.name,
                vpc_names=vpc_names,
            ),
        )

resolver = None
if cfg.on_prem is not None:
    resolver = Resolver(
        "dns",
        ResolverArgs(
            hub=hub.ref,
            spokes=spoke_refs,
            plan=plan,
            on_prem=cfg.on_prem,
            share_outside_organization=cfg.dns.share_outside_organization,
            environment=cfg.environment,
        ),
    )
zone = None
if cfg.dns.private_zone:
    zone = PrivateZone(
        "dns",
        PrivateZoneArgs(
            zone_name=cfg.dns.private_zone,
            hub=hub.ref,
            spokes=spoke_refs,
            environment=cfg.environment,
            protect=cfg.is_prod,
        ),
    )
# DNS Firewall and query logging on every VPC: per region in use, owned by the hub account.
all_vpcs = [hub.ref, *spoke_refs]
hub_providers = {v.region: accounts.provider(cfg.hub.account, v.region) for v in all_vpcs}
firewall = None
if cfg.dns.firewall is not None:
    firewall = DnsFirewall(
        "dns-firewall",
        DnsFirewallArgs(
            firewall=cfg.dns.firewall,
            hub=hub.ref,
            vpcs=all_vpcs,
            hub_providers=hub_providers,
            share_outside_organization=cfg.dns.share_outside_organization,
            environment=cfg.environment,
        ),
    )
query_logs = None
if cfg.dns.query_logging is not None:
    query_logs = QueryLogs(
        "dns-queries",
        QueryLogsArgs(
            logging=cfg.dns.query_logging,
            hub=hub.ref,
            vpcs=all_vpcs,
            hub_providers=hub_providers,
            log_key_arns={r: log_keys.arn(cfg.hub.account, r) for r in hub_providers},
            share_outside_organization=cfg.dns.share_outside_organization,
            environment=cfg.environment,
            protect=cfg.is_prod,
        ),
    )
on_prem_link = None
if cfg.on_prem is not None and cfg.on_prem.vpn is not None:
    on_prem_transit = None
    if transit_gateway is not None:
        hub_gateway = plan.transit.gateways[cfg.hub.region]
        on_prem_transit = OnPremTransit(
            transit_gateway_id=transit_gateway.gateway_ids[cfg.hub.region],
            route_table_ids=transit_gateway.route_table_ids[cfg.hub.region],
            plan=plan.transit.attachments[ON_PREM_SEGMENT],
            static_routes=[
                (table, str(cidr))
                for table, routes in hub_gateway.static_routes.items()
                for cidr, target in routes
                if target == VPN
            ],
        )
    on_prem_link = OnPremLink(
        "dns",
        OnPremLinkArgs(
            on_prem=cfg.on_prem,
            vpn=cfg.on_prem.vpn,
            hub=hub.ref,
            environment=cfg.environment,
            protect=cfg.is_prod,
            transit=on_prem_transit,
        ),
    )

items_api = None
web_app = None
if cfg.api is not None:
    api_spoke = cfg.spoke(cfg.api.spoke)
    api_provider = accounts.provider(api_spoke.account, api_spoke.region)
    # The web app's origin is the distribution's domain, and the distribution's CSP names the
    # API: the API gets the origin as a deferred output, resolved once the WebApp exists (the
    # resources follow RestApi -> headers policy -> distribution -> CORS; components/webapp.py).
    web_origins: list[pulumi.Output[str]] = []
    if cfg.web is not None:
        web_origin, resolve_web_origin = pulumi.deferred_output()
        web_origins.append(web_origin)
    items_api = ItemsApi(
        "items",
        ItemsApiArgs(
            config=cfg.api,
            spoke=spokes[api_spoke.name],
            provider=api_provider,
            environment=cfg.environment,
            account_id=accounts.account_id(api_spoke.account),
            log_retention_days=cfg.log_retention_days,
            is_prod=cfg.is_prod,
            log_key_arn=log_keys.arn(api_spoke.account, api_spoke.region),
            web_origins=web_origins,
        ),
        opts=pulumi.ResourceOptions(providers=[api_provider]),
    )
    if cfg.web is not None:
        web_app = WebApp(
            "web",
            WebAppArgs(
                config=cfg.web,
                api=cfg.api,
                region=api_spoke.region,
                provider=api_provider,
                environment=cfg.environment,
                is_prod=cfg.is_prod,
                api_id=items_api.api_id,
                api_url=items_api.api_url,
                user_pool_id=items_api.user_pool_id,
                user_pool_client_id=items_api.user_pool_client_id,
                upload_bucket_domain=items_api.upload_bucket_domain,
            ),
            opts=pulumi.ResourceOptions(providers=[api_provider]),
        )
        resolve_web_origin(web_app.origin)

pulumi.export("hub_vpc_id", hub.vpc_id)
pulumi.export("hub_cidr", hub.cidr_block)
pulumi.export("spoke_vpc_ids", {name: vpc.vpc_id for name, vpc in spokes.items()})
pulumi.export("spoke_cidrs", {name: vpc.cidr_block for name, vpc in spokes.items()})
if transit_gateway is None:
    pulumi.export("peering_ids", {n: p.peering_connection_id for n, p in peerings.items()})
else:
    pulumi.export("transit_gateway_ids", transit_gateway.gateway_ids)
    pulumi.export("transit_gateway_route_table_ids", transit_gateway.route_table_ids)
if resolver is not None:
    # On-prem conditional forwarders for the cloud domain point at the inbound endpoint IPs; the
    # on-prem DNS servers must accept queries from the outbound endpoint IPs.
    pulumi.export("dns_inbound_endpoint_ips", resolver.inbound_endpoint_ips)
    pulumi.export("dns_outbound_endpoint_id", resolver.outbound_endpoint_id)
    pulumi.export("dns_outbound_endpoint_ips", resolver.outbound_endpoint_ips)
    pulumi.export("dns_resolver_rule_ids", resolver.rule_ids)
if zone is not None:
    pulumi.export("dns_private_zone_id", zone.zone_id)
    pulumi.export("dns_private_zone_name", zone.zone_name)
if firewall is not None:
    pulumi.export("dns_firewall_rule_group_ids", firewall.rule_group_ids)
if query_logs is not None:
    pulumi.export("dns_query_log_config_ids", query_logs.config_ids)
if on_prem_link is not None:
    pulumi.export("vpn_tunnel_addresses", on_prem_link.tunnel_addresses)
if items_api is not None:
    pulumi.export("api_url", items_api.api_url)
    pulumi.export("user_pool_id", items_api.user_pool_id)
    pulumi.export("user_pool_client_id", items_api.user_pool_client_id)
    pulumi.export("items_table_name", items_api.table_name)
    pulumi.export("uploads_bucket_name", items_api.bucket_name)
if web_app is not None:
    pulumi.export("web_url", web_app.web_url)
    pulumi.export("web_bucket_name", web_app.bucket_name)
    pulumi.export("web_distribution_id", web_app.distribution_id)
