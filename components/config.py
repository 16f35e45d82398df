"""Stack configuration: the one place that reads `pulumi.Config`.

Everything is parsed into frozen dataclasses and validated before any resource is registered. Every
problem is collected (not only the first) and reported in one `ConfigError` whose lines name the key
path and the value, e.g. `hubspoke:spokes[1].cidr 10.0.128.0/17 overlaps hubspoke:hub.cidr
10.0.0.0/16`. `parse()` is pure, so the rules are tested without the Pulumi runtime.

The model (constants, `ConfigError`, dataclasses) is `components/model.py`, re-exported here so
`config.VpcConfig` reads naturally; the rules of each section (`hubspoke:accounts`, `hub`,
`spokes`, `onPrem`, `dns`, `api`) are in `components/validation/`; this module holds `parse()`,
which runs them in order, and `load()`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from components.model import (
    DEFAULT_UPLOAD_CONTENT_TYPES,
    ENVIRONMENTS,
    LAMBDA_PYTHON_RUNTIMES,
    LOG_RETENTION_DAYS,
    MAX_AZ_COUNT,
    NAT_STRATEGIES,
    NOT_PUBLIC,
    PROJECT,
    REGION_AZ_COUNTS,
    TOP_LEVEL_KEYS,
    VPC_MAX_PREFIX,
    VPC_MIN_PREFIX,
    VPC_RANGES,
    VPN_GATEWAY_AMAZON_ASN,
    Account,
    ApiConfig,
    ConfigError,
    DnsConfig,
    NatStrategy,
    OnPremConfig,
    StackConfig,
    VpcConfig,
    VpnConfig,
)
from components.validation import (
    MISSING,
    NS,
    Problems,
    check_alarm_topic_region,
    check_overlaps,
    parse_accounts,
    parse_api,
    parse_dns,
    parse_on_prem,
    parse_region,
    parse_spokes,
    parse_vpc,
    stack_ranges,
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
    "ConfigError",
    "DnsConfig",
    "NatStrategy",
    "OnPremConfig",
    "StackConfig",
    "VpcConfig",
    "VpnConfig",
    "load",
    "parse",
]


def parse(raw: Mapping[str, Any], *, stack: str, region: str | None) -> StackConfig:
    """Validate the `hubspoke:*` config (keys without namespace) and the stack's `aws:region`."""
    problems = Problems()
    for key in raw:
        if key not in TOP_LEVEL_KEYS:
            problems.add(
                f"{NS}{key}", raw[key], f"is not a known key (known: {', '.join(TOP_LEVEL_KEYS)})"
            )
    if region is None:
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
    if retention not in LOG_RETENTION_DAYS or isinstance(retention, bool):
        problems.add(
            f"{NS}logRetentionDays",
            retention,
            "is not a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, ...)",
        )
    accounts = parse_accounts(raw.get("accounts", MISSING), problems)
    accounts_ok = isinstance(raw.get("accounts"), Mapping)
    kw = dict(default_region=region, accounts=accounts, accounts_ok=accounts_ok)
    hub_raw = raw.get("hub", MISSING)
    hub = None
    if hub_raw is MISSING:
        problems.missing(f"{NS}hub")
    else:
        hub = parse_vpc(hub_raw, f"{NS}hub", problems, name="hub", **kw)
    spokes = parse_spokes(raw.get("spokes", MISSING), problems, **kw)
    on_prem = parse_on_prem(raw.get("onPrem", MISSING), problems)
    dns = parse_dns(raw.get("dns", MISSING), problems, on_prem)
    spokes_raw = raw.get("spokes")
    spoke_names = {
        s["name"]
        for s in (spokes_raw if isinstance(spokes_raw, list) else [])
        if isinstance(s, Mapping) and isinstance(s.get("name"), str)
    }
    api = parse_api(
        raw.get("api", MISSING),
        problems,
        spoke_names,
        isinstance(raw.get("spokes"), list),
        is_prod=environment == "prod",
    )
    check_alarm_topic_region(api, spokes, problems)
    check_overlaps(stack_ranges(raw), problems)
    tags = raw.get("tags", {})
    if not isinstance(tags, Mapping) or not all(isinstance(v, str) for v in tags.values()):
        problems.add(f"{NS}tags", tags, "must be an object of string tag values")
        tags = {}
    if problems.items:
        raise ConfigError(problems.items)
    return StackConfig(
        stack=stack, environment=environment, region=region, log_retention_days=retention,
        accounts=accounts, hub=hub, spokes=spokes, on_prem=on_prem, dns=dns, api=api,
        extra_tags=dict(tags),
    )  # fmt: skip


def load() -> StackConfig:
    """Read this stack's config from the Pulumi runtime and validate it (raises ConfigError)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    # The runtime keeps every `namespace:key` it was given; read them all so unknown keys in our
    # namespace are reported instead of silently ignored.
    keys = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    cfg = pulumi.Config(PROJECT)
    raw: dict[str, Any] = {}
    for full_key in sorted(keys):
        namespace, _, key = full_key.partition(":")
        if namespace != PROJECT:
            continue
        text = cfg.get(key)
        try:
            raw[key] = json.loads(text)
        except (TypeError, json.JSONDecodeError):
            raw[key] = text  # a plain string such as `environment: dev`
    return parse(raw, stack=pulumi.get_stack(), region=pulumi.Config("aws").get("region"))
