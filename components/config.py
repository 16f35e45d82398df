"""Stack configuration: the one place that reads `pulumi.Config`.

Everything is parsed into frozen dataclasses and validated before any resource is registered. Every
problem is collected (not only the first) and reported in one `ConfigError` whose lines name the key
path and the value, e.g. `hubspoke:spokes[1].cidr 10.0.128.0/17 overlaps hubspoke:hub.cidr
10.0.0.0/16`. `parse()` is pure, so the rules are tested without the Pulumi runtime.

The model (constants, `ConfigError`, dataclasses) is `components/model.py`, re-exported here so
`config.VpcConfig` reads naturally; the rules of each section (`hubspoke:accounts`, `hub`,
`spokes`, `onPrem`, `dns`, `api`, `web`) are in `components/validation/`; this module holds
`parse()`, which runs them in order, and `load()`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from components.layout import transit_layout_problem
from components.model import (
    DEFAULT_UPLOAD_CONTENT_TYPES,
    ENVIRONMENTS,
    LAMBDA_PYTHON_RUNTIMES,
    LOG_RETENTION_DAYS,
    MAX_AZ_COUNT,
    NAT_STRATEGIES,
    NOT_PUBLIC,
    PROJECT,
    PROJECT_TAG_KEYS,
    REGION_AZ_COUNTS,
    TOP_LEVEL_KEYS,
    VPC_MAX_PREFIX,
    VPC_MIN_PREFIX,
    VPC_RANGES,
    VPN_GATEWAY_AMAZON_ASN,
    Account,
    ApiConfig,
    ApiEmailConfig,
    ConfigError,
    DnsConfig,
    NatStrategy,
    OnPremConfig,
    StackConfig,
    TransitGatewayConfig,
    VpcConfig,
    VpnConfig,
    WebConfig,
)
from components.validation import (
    MISSING,
    NS,
    Problems,
    check_alarm_topic_region,
    check_email_identity_region,
    check_endpoint_ips,
    check_firewall_regions,
    check_overlaps,
    check_peering_quota,
    check_planned_quotas,
    check_regional_asns,
    check_route_quotas,
    check_segment_cidrs,
    check_segments,
    check_stack_file_keys,
    parse_accounts,
    parse_api,
    parse_dns,
    parse_on_prem,
    parse_quotas,
    parse_region,
    parse_spokes,
    parse_transit_gateway,
    parse_vpc,
    parse_web,
    split_namespaces,
    stack_ranges,
    unknown_key,
)

__all__ = [
    "DEFAULT_UPLOAD_CONTENT_TYPES",
    "ENVIRONMENTS",
    "LAMBDA_PYTHON_RUNTIMES",
    "LOG_RETENTION_DAYS",
    "MAX_AZ_COUNT",
    "NAT_STRATEGIES",
    "NOT_PUBLIC",
    "PROJECT",
    "REGION_AZ_COUNTS",
    "TOP_LEVEL_KEYS",
    "VPC_MAX_PREFIX",
    "VPC_MIN_PREFIX",
    "VPC_RANGES",
    "VPN_GATEWAY_AMAZON_ASN",
    "Account",
    "ApiConfig",
    "ApiEmailConfig",
    "ConfigError",
    "DnsConfig",
    "NatStrategy",
    "OnPremConfig",
    "StackConfig",
    "VpcConfig",
    "VpnConfig",
    "WebConfig",
    "load",
    "parse",
    "parse_stack_file",
]


def parse(raw: Mapping[str, Any], *, stack: str, region: str | None) -> StackConfig:
    """Validate the `hubspoke:*` config (keys without namespace) and the stack's `aws:region`."""
    problems = Problems()
    region = MISSING if region is None else region
    cfg = _parse(raw, stack=stack, region=region, problems=problems)
    if problems.items:
        raise ConfigError(problems.items)
    return cfg


def _parse(
    raw: Mapping[str, Any],
    *,
    stack: str,
    region: Any,
    problems: Problems,
    misspelt: Collection[str] = (),
) -> StackConfig | None:
    """`parse()` adding to `problems`; None when there is any. `misspelt`: full keys already
    reported under a misspelt name, not to be reported missing as well."""
    misspelt = {k.removeprefix(NS) for k in misspelt} | {
        unknown_key(f"{NS}{key}", str(key), TOP_LEVEL_KEYS, problems, shown=NS)
        for key in raw
        if key not in TOP_LEVEL_KEYS
    }
    if region is MISSING:
        region = None
        if "aws:region" not in misspelt:
            problems.missing("aws:region")
    else:
        region = parse_region(region, "aws:region", problems)
    environment = raw.get("environment", "dev")
    if environment not in ENVIRONMENTS:
        problems.add(
            f"{NS}environment",
            environment,
            f"is not an environment (allowed: {', '.join(ENVIRONMENTS)})",
        )
    retention = raw.get("logRetentionDays", 30)
    # `true == 1` in Python: a bool is refused here and must not pass on as the default below.
    retention_ok = retention in LOG_RETENTION_DAYS and not isinstance(retention, bool)
    if not retention_ok:
        problems.add(
            f"{NS}logRetentionDays",
            retention,
            "is not a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, ...)",
        )
    accounts_raw = raw.get("accounts", MISSING)
    if accounts_raw is MISSING and "accounts" in misspelt:
        accounts = {}  # reported as misspelt; its references are not checked
    else:
        accounts = parse_accounts(accounts_raw, problems)
    # References are checked against the keys written, so a bad account id is one problem, not
    # also one per VPC in that account.
    declared = set(accounts_raw) if isinstance(accounts_raw, Mapping) and accounts_raw else None
    kw = dict(default_region=region, accounts=declared)
    hub_raw = raw.get("hub", MISSING)
    hub = None
    if hub_raw is MISSING:
        if "hub" not in misspelt:
            problems.missing(f"{NS}hub")
    else:
        hub = parse_vpc(hub_raw, f"{NS}hub", problems, name="hub", **kw)
    spokes = parse_spokes(raw.get("spokes", MISSING), problems, **kw)
    on_prem = parse_on_prem(raw.get("onPrem", MISSING), problems)
    dns = parse_dns(
        raw.get("dns", MISSING),
        problems,
        on_prem,
        is_prod=environment == "prod",
        retention_days=retention if retention_ok else 30,
    )
    spokes_raw = raw.get("spokes", [])
    spoke_names = None  # unknown unless every spoke has a name: api.spoke is not checked then
    if isinstance(spokes_raw, list) and all(
        isinstance(s, Mapping) and isinstance(s.get("name"), str) for s in spokes_raw
    ):
        spoke_names = {s["name"] for s in spokes_raw}
    api = parse_api(raw.get("api", MISSING), problems, spoke_names, is_prod=environment == "prod")
    check_alarm_topic_region(api, spokes, problems)
    check_email_identity_region(api, spokes, problems)
    web = parse_web(raw.get("web", MISSING), problems, api, api_written="api" in raw)
    if on_prem is not None:
        check_endpoint_ips(dns, hub, spokes, problems)
    check_firewall_regions(dns, hub, spokes, problems)
    check_overlaps(stack_ranges(raw), problems)
    tgw_raw = raw.get("transitGateway", MISSING)
    transit_gateway = parse_transit_gateway(tgw_raw, problems, on_prem)
    check_segments(tgw_raw, raw.get("spokes", []), [*([hub] if hub else []), *spokes], problems)
    check_segment_cidrs(transit_gateway, hub, spokes, on_prem, problems)
    check_regional_asns(transit_gateway, hub, spokes, on_prem, problems)
    quotas = parse_quotas(raw.get("quotas", MISSING), problems)
    check_peering_quota(tgw_raw, len(spokes), quotas, problems)
    check_planned_quotas(accounts, hub, spokes, on_prem, quotas, problems)
    network = _network_view(
        stack, region, accounts, hub, spokes, on_prem, dns, tgw_raw, transit_gateway
    )
    if network is not None:
        check_route_quotas(network, quotas, problems)
    tags = raw.get("tags", {})
    if not isinstance(tags, Mapping) or not all(isinstance(v, str) for v in tags.values()):
        problems.add(f"{NS}tags", tags, "must be an object of string tag values")
        tags = {}
    check_user_tags(tags, problems)
    if problems.items:
        return None
    return StackConfig(
        stack=stack, environment=environment, region=region, log_retention_days=retention,
        accounts=accounts, hub=hub, spokes=spokes, on_prem=on_prem, dns=dns, api=api,
        extra_tags=dict(tags), transit_gateway=transit_gateway, quotas=quotas,
        web=web,
    )  # fmt: skip


def _network_view(
    stack: str,
    region: str | None,
    accounts: Mapping[str, Account],
    hub: VpcConfig | None,
    spokes: tuple[VpcConfig, ...],
    on_prem: OnPremConfig | None,
    dns: DnsConfig,
    tgw_raw: Any,
    transit_gateway: TransitGatewayConfig | None,
) -> StackConfig | None:
    """The network sections as a config the network plan can be computed from, or None while a
    problem already reported leaves the plan undefined (the routes are counted once it is fixed):
    no hub, an unreadable `transitGateway`, a spoke without a known segment, or a VPC too small
    for its attachment subnets. The other sections do not change a route."""
    if hub is None or region is None or (tgw_raw is not MISSING and transit_gateway is None):
        return None
    if transit_gateway is not None:
        names = {s.name for s in transit_gateway.segments}
        if any(s.segment not in names for s in spokes) or any(
            transit_layout_problem(v.cidr, v.az_count) for v in (hub, *spokes)
        ):
            return None
    return StackConfig(
        stack=stack, environment="dev", region=region, log_retention_days=30, accounts=accounts,
        hub=hub, spokes=spokes, on_prem=on_prem, dns=dns, api=None,
        transit_gateway=transit_gateway,
    )  # fmt: skip


def check_user_tags(tags: Mapping[str, str], problems: Problems) -> None:
    """`hubspoke:tags` adds tags; it cannot replace the project's own, nor use AWS's prefix."""
    for key in tags:
        if key in PROJECT_TAG_KEYS:
            problems.add(
                f"{NS}tags.{key}",
                tags[key],
                f"uses a tag key the project sets itself ({', '.join(PROJECT_TAG_KEYS)}): "
                "choose another key",
            )
        elif key.lower().startswith("aws:"):
            # AWS reserves the prefix: "You can't edit or delete tag keys with this prefix"
            # (Tagging AWS resources, tag naming limits and requirements).
            problems.add(f"{NS}tags.{key}", tags[key], "uses the reserved prefix aws:")


def parse_stack_file(settings: Any, *, stack: str, file: str) -> StackConfig:
    """Validate a whole stack file as read (`config:` with `hubspoke:hub: {...}`, `aws:region`,
    ...): its own keys, the config namespaces, then `parse()`, all problems in one ConfigError.
    For tools that read the file (`python -m offline`); the program reads the same through
    `load()`."""
    problems = Problems()
    cfg = None
    if not isinstance(settings, Mapping):
        problems.items.append(f"{file} must be a YAML mapping with a config: key")
    else:
        misspelt_file_keys = check_stack_file_keys(settings, file, problems)
        config_map = settings.get("config", {})
        if "config" not in settings and "config" in misspelt_file_keys:
            pass  # its keys are not read: reporting each as missing would repeat the typo
        elif not isinstance(config_map, Mapping):
            problems.add(f"{file}: config", config_map, "must be a mapping of config keys")
        else:
            raw, region, misspelt = split_namespaces(config_map, problems)
            cfg = _parse(raw, stack=stack, region=region, problems=problems, misspelt=misspelt)
    if problems.items or cfg is None:
        raise ConfigError(problems.items)
    return cfg


def load() -> StackConfig:
    """Read this stack's config from the Pulumi runtime and validate it (raises ConfigError)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    # The runtime keeps every `namespace:key` it was given; read them all so that unknown keys and
    # misspelt namespaces are reported instead of silently ignored.
    keys = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    entries: dict[str, Any] = {}
    for full_key in sorted(keys):
        text = runtime_config.get_config(full_key)
        try:
            entries[full_key] = json.loads(text)
        except (TypeError, json.JSONDecodeError):
            entries[full_key] = text  # a plain string such as `environment: dev`
    problems = Problems()
    raw, _, misspelt = split_namespaces(entries, problems)
    region = pulumi.Config("aws").get("region")
    region = MISSING if region is None else region
    cfg = _parse(raw, stack=pulumi.get_stack(), region=region, problems=problems, misspelt=misspelt)
    if problems.items or cfg is None:
        raise ConfigError(problems.items)
    return cfg
