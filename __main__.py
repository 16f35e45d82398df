"""hubspoke: composition root. Load config -> build components -> export outputs."""

import pulumi

from components import config
from components.accounts import Accounts
from components.api import ItemsApi, ItemsApiArgs
from components.hybrid_dns import HybridDns, HybridDnsArgs, SpokeDns
from components.log_key import LogKeys
from components.network_acls import acl_rules
from components.peering import Peering, PeeringArgs
from components.vpc import Vpc, VpcArgs

cfg = config.load()  # raises ConfigError listing every problem before anything is registered
accounts = Accounts(cfg)
log_keys = LogKeys(cfg, accounts)  # one log key per account and region, on first use


def vpc_acls(vpc: config.VpcConfig) -> dict[str, list] | None:
    """The ACL rules per tier when the stack file asks for ACLs: the hub peers with every
    spoke and hosts the resolver endpoints; a spoke peers with the hub."""
    if vpc.network_acls is None:
        return None
    is_hub = vpc is cfg.hub
    peers = [s.cidr for s in cfg.spokes] if is_hub else [cfg.hub.cidr]
    on_prem = cfg.on_prem if is_hub else None
    return {
        tier: acl_rules(vpc.cidr, peers, on_prem, vpc.network_acls, tier)
        for tier in ("private", "public")
    }


def build_vpc(vpc: config.VpcConfig) -> Vpc:
    provider = accounts.provider(vpc.account, vpc.region)
    return Vpc(
        vpc.name,
        VpcArgs(
            cidr=vpc.cidr,
            az_count=vpc.az_count,
            nat_gateways=vpc.nat_gateways,
            region=vpc.region,
            account_id=accounts.account_id(vpc.account),
            environment=cfg.environment,
            log_retention_days=cfg.log_retention_days,
            provider=provider,
            log_key_arn=log_keys.arn(vpc.account, vpc.region),
            network_acls=vpc_acls(vpc),
        ),
        opts=pulumi.ResourceOptions(providers=[provider]),
    )


hub = build_vpc(cfg.hub)
spokes = {spoke.name: build_vpc(spoke) for spoke in cfg.spokes}
peerings = {
    spoke.name: Peering(
        f"hub-{spoke.name}",
        PeeringArgs(
            hub=hub,
            spoke=spokes[spoke.name],
            hub_provider=accounts.provider(cfg.hub.account, cfg.hub.region),
            spoke_provider=accounts.provider(spoke.account, spoke.region),
            hub_account_id=accounts.account_id(cfg.hub.account),
            spoke_account_id=accounts.account_id(spoke.account),
            hub_region=cfg.hub.region,
            spoke_region=spoke.region,
            environment=cfg.environment,
        ),
    )
    for spoke in cfg.spokes
}

dns = HybridDns(
    "dns",
    HybridDnsArgs(
        hub=hub,
        hub_provider=accounts.provider(cfg.hub.account, cfg.hub.region),
        hub_account_id=accounts.account_id(cfg.hub.account),
        hub_region=cfg.hub.region,
        spokes=[
            SpokeDns(
                name=spoke.name,
                vpc=spokes[spoke.name],
                account_key=spoke.account,
                account_id=accounts.account_id(spoke.account),
                region=spoke.region,
                provider=accounts.provider(spoke.account, spoke.region),
            )
            for spoke in cfg.spokes
        ],
        on_prem=cfg.on_prem,
        dns=cfg.dns,
        environment=cfg.environment,
        protect=cfg.is_prod,
    ),
)

items_api = None
if cfg.api is not None:
    api_spoke = cfg.spoke(cfg.api.spoke)
    api_provider = accounts.provider(api_spoke.account, api_spoke.region)
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
        ),
        opts=pulumi.ResourceOptions(providers=[api_provider]),
    )

pulumi.export("hub_vpc_id", hub.vpc_id)
pulumi.export("hub_cidr", hub.cidr_block)
pulumi.export("spoke_vpc_ids", {name: vpc.vpc_id for name, vpc in spokes.items()})
pulumi.export("spoke_cidrs", {name: vpc.cidr_block for name, vpc in spokes.items()})
pulumi.export("peering_ids", {name: p.peering_connection_id for name, p in peerings.items()})
if cfg.on_prem is not None:
    # On-prem conditional forwarders for the cloud domain point at the inbound endpoint IPs; the
    # on-prem DNS servers must accept queries from the outbound endpoint IPs.
    pulumi.export("dns_inbound_endpoint_ips", dns.inbound_endpoint_ips)
    pulumi.export("dns_outbound_endpoint_id", dns.outbound_endpoint_id)
    pulumi.export("dns_outbound_endpoint_ips", dns.outbound_endpoint_ips)
    pulumi.export("dns_resolver_rule_ids", dns.rule_ids)
if cfg.dns.private_zone:
    pulumi.export("dns_private_zone_id", dns.zone_id)
    pulumi.export("dns_private_zone_name", dns.zone_name)
if dns.vpn_tunnel_addresses is not None:
    pulumi.export("vpn_tunnel_addresses", dns.vpn_tunnel_addresses)
if items_api is not None:
    pulumi.export("api_url", items_api.api_url)
    pulumi.export("user_pool_id", items_api.user_pool_id)
    pulumi.export("user_pool_client_id", items_api.user_pool_client_id)
    pulumi.export("items_table_name", items_api.table_name)
    pulumi.export("uploads_bucket_name", items_api.bucket_name)
