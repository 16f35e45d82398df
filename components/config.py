"""Stack configuration: the one place that reads `pulumi.Config`.

Everything is parsed into frozen dataclasses and validated before any resource is registered. Every
problem is collected (not only the first) and reported in one `ConfigError` whose lines name the key
path and the value, e.g. `hubspoke:spokes[1].cidr 10.0.128.0/17 overlaps hubspoke:hub.cidr
10.0.0.0/16`. `parse()` is pure, so the rules are tested without the Pulumi runtime.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from components.layout import layout_problem

PROJECT = "hubspoke"

NatStrategy = Literal["none", "single", "perAz"]
NAT_STRATEGIES: tuple[str, ...] = ("none", "single", "perAz")
ENVIRONMENTS: tuple[str, ...] = ("dev", "staging", "prod")

# Availability zones every account gets in each region (some accounts see more). `azCount` is
# checked against this before anything is registered; `Vpc` checks it again against the account's
# real `get_availability_zones` answer at deploy time. Source: AWS "Regions and Zones".
REGION_AZ_COUNTS: Mapping[str, int] = {
    "us-east-1": 6, "us-east-2": 3, "us-west-1": 2, "us-west-2": 4,
    "af-south-1": 3, "ap-east-1": 3, "ap-south-1": 3, "ap-south-2": 3,
    "ap-southeast-1": 3, "ap-southeast-2": 3, "ap-southeast-3": 3, "ap-southeast-4": 3,
    "ap-southeast-5": 3, "ap-southeast-7": 3, "ap-northeast-1": 3, "ap-northeast-2": 4,
    "ap-northeast-3": 3, "ca-central-1": 3, "ca-west-1": 3, "eu-central-1": 3,
    "eu-central-2": 3, "eu-west-1": 3, "eu-west-2": 3, "eu-west-3": 3, "eu-north-1": 3,
    "eu-south-1": 3, "eu-south-2": 3, "il-central-1": 3, "me-central-1": 3, "me-south-1": 3,
    "mx-central-1": 3, "sa-east-1": 3,
}  # fmt: skip

# The retention values CloudWatch Logs accepts (PutRetentionPolicy).
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
)  # fmt: skip

LAMBDA_PYTHON_RUNTIMES: tuple[str, ...] = ("python3.12", "python3.13")
# What a browser may upload through the presigned POST unless `api.uploadContentTypes` says else.
DEFAULT_UPLOAD_CONTENT_TYPES: tuple[str, ...] = ("image/jpeg", "image/png", "application/pdf")

# AWS allows VPC CIDRs from /16 to /28; the subnet layout (see components/layout.py) needs /24 or
# larger, which is checked separately so the message can say why.
VPC_MIN_PREFIX, VPC_MAX_PREFIX = 16, 28
MAX_AZ_COUNT = 8
# RFC 1918 and RFC 6598 (shared address space): the ranges a VPC should use.
VPC_RANGES = tuple(
    ipaddress.IPv4Network(c)
    for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)
# Addresses that can never be a VPN peer on the internet. Documentation ranges (RFC 5737) are
# allowed so that examples can use them.
NOT_PUBLIC = (
    *VPC_RANGES,
    *(
        ipaddress.IPv4Network(c)
        for c in ("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/3")
    ),
)

# The ASN of the AWS side of the site-to-site VPN: the virtual private gateway's default, set
# explicitly in components/hybrid_dns.py so that this check and the gateway agree.
VPN_GATEWAY_AMAZON_ASN = 64512

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ROLE_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")
_SPOKE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,22}[a-z0-9]$")
_ACCOUNT_KEY = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_SNS_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$")
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")


class ConfigError(ValueError):
    """All problems found in a stack's config, one per line, raised before anything is built."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        count = len(self.problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the stack config:\n{lines}"
        )


# ---------------------------------------------------------------------------------------------
# The validated model


@dataclass(frozen=True)
class Account:
    """An AWS account the stack deploys into; `role_arn` None means the ambient credentials."""

    key: str
    id: str
    role_arn: str | None


@dataclass(frozen=True)
class VpcConfig:
    """What every VPC (hub or spoke) needs: where, how big, how many AZs, which NAT strategy."""

    name: str
    account: str
    region: str
    cidr: ipaddress.IPv4Network
    az_count: int
    nat_gateways: NatStrategy
    config_path: str


@dataclass(frozen=True)
class VpnConfig:
    """Optional site-to-site VPN from the hub to on-premises."""

    customer_gateway_ip: ipaddress.IPv4Address
    bgp_asn: int | None  # None: static routes to the on-prem CIDRs


@dataclass(frozen=True)
class OnPremConfig:
    """The on-premises network: its CIDRs, DNS servers and the domains they answer for."""

    cidrs: tuple[ipaddress.IPv4Network, ...]
    dns_servers: tuple[ipaddress.IPv4Address, ...]
    domains: tuple[str, ...]
    vpn: VpnConfig | None


@dataclass(frozen=True)
class DnsConfig:
    """The private hosted zone for the cloud domain and how resolver rules are shared."""

    private_zone: str | None
    share_outside_organization: bool


@dataclass(frozen=True)
class ApiConfig:
    """The items API: which spoke hosts it, who may call it from a browser, and its limits."""

    spoke: str
    cors_origins: tuple[str, ...]
    throttle_rate_limit: float
    throttle_burst_limit: int
    memory_mb: int
    timeout_seconds: int
    reserved_concurrency: int | None
    runtime: str
    upload_max_bytes: int
    alarm_topic_arn: str | None
    alarm_emails: tuple[str, ...]
    upload_content_types: tuple[str, ...] = DEFAULT_UPLOAD_CONTENT_TYPES


@dataclass(frozen=True)
class StackConfig:
    """The whole validated stack config."""

    stack: str
    environment: str
    region: str
    log_retention_days: int
    accounts: Mapping[str, Account]
    hub: VpcConfig
    spokes: tuple[VpcConfig, ...]
    on_prem: OnPremConfig | None
    dns: DnsConfig
    api: ApiConfig | None
    extra_tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    def spoke(self, name: str) -> VpcConfig:
        return next(s for s in self.spokes if s.name == name)


# ---------------------------------------------------------------------------------------------
# Parsing helpers: each records a problem and returns None instead of raising, so that every
# problem in the file is reported at once.


def _show(value: Any) -> str:
    return value if isinstance(value, str) and value else json.dumps(value)  # "" stays visible


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []
        # Every CIDR that parsed, by key path: overlaps are checked even when a sibling key is bad.
        self.cidrs: list[tuple[str, ipaddress.IPv4Network]] = []

    def add(self, path: str, value: Any, what: str) -> None:
        self.items.append(f"{path} {_show(value)} {what}")

    def missing(self, path: str) -> None:
        self.items.append(f"{path} is required")


_MISSING = object()


def _mapping(
    value: Any,
    path: str,
    problems: _Problems,
    required: Sequence[str],
    optional: Sequence[str] = (),
) -> dict[str, Any] | None:
    """Check `value` is an object with the required keys and no unknown ones (typos fail loudly)."""
    if not isinstance(value, Mapping):
        problems.add(path, value, "must be an object")
        return None
    known = set(required) | set(optional)
    for key in value:
        if key not in known:
            known_list = ", ".join(sorted(known))
            problems.add(f"{path}.{key}", value[key], f"is not a known key (known: {known_list})")
    for key in required:
        if key not in value:
            problems.missing(f"{path}.{key}")
    return dict(value)


def _str(value: Any, path: str, problems: _Problems) -> str | None:
    if value is _MISSING:
        return None
    if not isinstance(value, str) or not value:
        problems.add(path, value, "must be a non-empty string")
        return None
    return value


def _int(value: Any, path: str, problems: _Problems, lo: int, hi: int) -> int | None:
    if value is _MISSING:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(path, value, "must be a whole number")
        return None
    if not lo <= value <= hi:
        problems.add(path, value, f"is out of range (allowed: {lo}..{hi})")
        return None
    return value


def _bool(value: Any, path: str, problems: _Problems) -> bool | None:
    if value is _MISSING:
        return None
    if not isinstance(value, bool):
        problems.add(path, value, "must be true or false")
        return None
    return value


def _list(value: Any, path: str, problems: _Problems, *, min_items: int = 0) -> list[Any] | None:
    if value is _MISSING:
        return None
    if not isinstance(value, list):
        problems.add(path, value, "must be a list")
        return None
    if len(value) < min_items:
        problems.add(
            path, value, f"must have at least {min_items} item{'s' if min_items > 1 else ''}"
        )
    return value


def _cidr(value: Any, path: str, problems: _Problems) -> ipaddress.IPv4Network | None:
    text = _str(value, path, problems)
    if text is None:
        return None
    try:
        network = ipaddress.IPv4Network(text, strict=True)
    except ValueError as exc:
        problems.add(path, value, f"is not a valid IPv4 CIDR ({exc})")
        return None
    problems.cidrs.append((path, network))
    return network


def _ip(value: Any, path: str, problems: _Problems) -> ipaddress.IPv4Address | None:
    text = _str(value, path, problems)
    if text is None:
        return None
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        problems.add(path, value, "is not a valid IPv4 address")
        return None


def _domain(value: Any, path: str, problems: _Problems) -> str | None:
    text = _str(value, path, problems)
    if text is None:
        return None
    name = text.rstrip(".").lower()
    labels = name.split(".")
    if (
        len(name) > 253
        or len(labels) < 2
        or not all(_DOMAIN_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        problems.add(
            path, value, "is not a valid domain name (labels of a-z, 0-9 and -, at least two)"
        )
        return None
    return name


def _each(
    items: list[Any] | None, path: str, parse_one: Callable[[Any, str], Any]
) -> tuple[Any, ...]:
    if not items:
        return ()
    parsed = (parse_one(item, f"{path}[{i}]") for i, item in enumerate(items))
    return tuple(p for p in parsed if p is not None)


def _in_domain(name: str, domain: str) -> bool:
    return name == domain or name.endswith("." + domain)


# ---------------------------------------------------------------------------------------------
# Sections

_K = f"{PROJECT}:"


def _accounts(raw: Any, problems: _Problems) -> dict[str, Account]:
    path = f"{_K}accounts"
    if raw is _MISSING:
        problems.missing(path)
        return {}
    if not isinstance(raw, Mapping) or not raw:
        problems.add(path, raw, "must be a non-empty object of account key -> {id, roleArn}")
        return {}
    accounts: dict[str, Account] = {}
    seen_ids: dict[str, str] = {}
    for key, body in raw.items():
        p = f"{path}.{key}"
        if not _ACCOUNT_KEY.match(str(key)):
            problems.add(p, key, "is not a valid account key (lowercase letters, digits and -)")
        obj = _mapping(body, p, problems, required=["id"], optional=["roleArn"])
        if obj is None:
            continue
        account_id = obj.get("id")
        if isinstance(account_id, int) and not isinstance(account_id, bool):
            account_id = str(account_id)  # YAML reads an unquoted id as a number
        if not isinstance(account_id, str) or not _ACCOUNT_ID.match(account_id):
            problems.add(
                f"{p}.id", obj.get("id"), "is not a 12-digit AWS account id (quote it in YAML)"
            )
            account_id = None
        elif account_id in seen_ids:
            problems.add(f"{p}.id", account_id, f"is also the id of {path}.{seen_ids[account_id]}")
        else:
            seen_ids[account_id] = key
        role_arn = obj.get("roleArn")
        if role_arn is not None:
            match = _ROLE_ARN.match(role_arn) if isinstance(role_arn, str) else None
            if not match:
                problems.add(
                    f"{p}.roleArn",
                    role_arn,
                    "is not an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)",
                )
                role_arn = None
            elif account_id and match.group(2) != account_id:
                problems.add(
                    f"{p}.roleArn", role_arn, f"is in account {match.group(2)}, not {account_id}"
                )
        if account_id:
            accounts[key] = Account(key=key, id=account_id, role_arn=role_arn)
    return accounts


def _region(value: Any, path: str, problems: _Problems) -> str | None:
    region = _str(value, path, problems)
    if region is not None and region not in REGION_AZ_COUNTS:
        problems.add(path, region, "is not a known AWS region")
        return None
    return region


def _vpc(
    raw: Any,
    path: str,
    problems: _Problems,
    *,
    name: str | None,
    default_region: str | None,
    accounts: Mapping[str, Account],
    accounts_ok: bool,
) -> VpcConfig | None:
    keys = ["account", "cidr"]
    optional = ["azCount", "natGateways", "region"]
    if name is None:
        keys = ["name", *keys]
    obj = _mapping(raw, path, problems, required=keys, optional=optional)
    if obj is None:
        return None
    if name is None:
        name = _str(obj.get("name", _MISSING), f"{path}.name", problems)
        if name is not None and not _SPOKE_NAME.match(name):
            problems.add(
                f"{path}.name", name, "must be 2-24 lowercase letters, digits or - (a DNS label)"
            )
            name = None
    account = _str(obj.get("account", _MISSING), f"{path}.account", problems)
    if account is not None and accounts_ok and account not in accounts:
        known = ", ".join(sorted(accounts)) or "none"
        problems.add(f"{path}.account", account, f"is not a key of {_K}accounts (known: {known})")
        account = None
    cidr = _cidr(obj.get("cidr", _MISSING), f"{path}.cidr", problems)
    if cidr is not None and not VPC_MIN_PREFIX <= cidr.prefixlen <= VPC_MAX_PREFIX:
        problems.add(
            f"{path}.cidr",
            str(cidr),
            f"must be /{VPC_MIN_PREFIX} to /{VPC_MAX_PREFIX} (AWS VPC limits)",
        )
        cidr = None
    elif cidr is not None and not any(cidr.subnet_of(r) for r in VPC_RANGES):
        allowed = ", ".join(map(str, VPC_RANGES))
        problems.add(f"{path}.cidr", str(cidr), f"is not inside a private range ({allowed})")
        cidr = None
    region = default_region
    if "region" in obj:
        region = _region(obj["region"], f"{path}.region", problems)
    az_count = 2
    if "azCount" in obj:
        offered = REGION_AZ_COUNTS.get(region or "", MAX_AZ_COUNT)
        parsed = _int(obj["azCount"], f"{path}.azCount", problems, 2, min(offered, MAX_AZ_COUNT))
        az_count = parsed if parsed is not None else 2
    nat: str = "none"
    if "natGateways" in obj:
        nat = obj["natGateways"]
        if nat not in NAT_STRATEGIES:
            problems.add(
                f"{path}.natGateways",
                nat,
                f"is not a NAT strategy (allowed: {', '.join(NAT_STRATEGIES)})",
            )
    if cidr is not None:
        reason = layout_problem(cidr, az_count)
        if reason:
            problems.add(f"{path}.cidr", str(cidr), reason)
            cidr = None
    if None in (name, account, cidr, region) or nat not in NAT_STRATEGIES:
        return None
    return VpcConfig(
        name=name, account=account, region=region, cidr=cidr, az_count=az_count,
        nat_gateways=nat, config_path=path,
    )  # fmt: skip


def _spokes(raw: Any, problems: _Problems, **kw: Any) -> tuple[VpcConfig, ...]:
    path = f"{_K}spokes"
    items = _list(raw, path, problems) if raw is not _MISSING else []
    spokes: list[VpcConfig] = []
    first_index: dict[str, int] = {}
    for i, item in enumerate(items or []):
        spoke = _vpc(item, f"{path}[{i}]", problems, name=None, **kw)
        raw_name = item.get("name") if isinstance(item, Mapping) else None
        if isinstance(raw_name, str):
            if raw_name in first_index:
                problems.add(
                    f"{path}[{i}].name",
                    raw_name,
                    f"duplicates {path}[{first_index[raw_name]}].name",
                )
                continue
            first_index[raw_name] = i
        if spoke is not None:
            spokes.append(spoke)
    return tuple(spokes)


def _on_prem(raw: Any, problems: _Problems) -> OnPremConfig | None:
    path = f"{_K}onPrem"
    if raw is _MISSING:
        return None
    obj = _mapping(
        raw, path, problems, required=["cidrs", "dnsServers", "domains"], optional=["vpn"]
    )
    if obj is None:
        return None
    cidrs = _each(
        _list(obj.get("cidrs", _MISSING), f"{path}.cidrs", problems, min_items=1),
        f"{path}.cidrs",
        lambda v, p: _cidr(v, p, problems),
    )
    servers_raw = _list(
        obj.get("dnsServers", _MISSING), f"{path}.dnsServers", problems, min_items=1
    )
    servers = []
    for i, value in enumerate(servers_raw or []):
        p = f"{path}.dnsServers[{i}]"
        ip = _ip(value, p, problems)
        if ip is None:
            continue
        if ip in servers:
            problems.add(p, value, "is listed twice")
        elif cidrs and not any(ip in c for c in cidrs):
            problems.add(
                p, value, f"is not inside any of {path}.cidrs ({', '.join(map(str, cidrs))})"
            )
        else:
            servers.append(ip)
    domains_raw = _list(obj.get("domains", _MISSING), f"{path}.domains", problems, min_items=1)
    domains: list[str] = []
    for i, value in enumerate(domains_raw or []):
        p = f"{path}.domains[{i}]"
        name = _domain(value, p, problems)
        if name is None:
            continue
        if name in domains:
            problems.add(p, value, f"duplicates {path}.domains[{domains.index(name)}]")
        else:
            domains.append(name)
    vpn = _vpn(obj["vpn"], f"{path}.vpn", problems) if "vpn" in obj else None
    return OnPremConfig(cidrs=cidrs, dns_servers=tuple(servers), domains=tuple(domains), vpn=vpn)


def _vpn(raw: Any, path: str, problems: _Problems) -> VpnConfig | None:
    obj = _mapping(raw, path, problems, required=["customerGatewayIp"], optional=["bgpAsn"])
    if obj is None:
        return None
    ip = _ip(obj.get("customerGatewayIp", _MISSING), f"{path}.customerGatewayIp", problems)
    if ip is not None and any(ip in r for r in NOT_PUBLIC):
        problems.add(
            f"{path}.customerGatewayIp", str(ip), "must be the public IP of the on-prem VPN device"
        )
        ip = None
    # Customer gateway ASNs: 1..2147483647 (EC2 CreateCustomerGateway BgpAsn).
    asn = (
        _int(obj["bgpAsn"], f"{path}.bgpAsn", problems, 1, 2_147_483_647)
        if "bgpAsn" in obj
        else None
    )
    if asn == VPN_GATEWAY_AMAZON_ASN:
        # Both ends of the BGP session with one ASN would make it iBGP; the tunnels run eBGP.
        problems.add(
            f"{path}.bgpAsn",
            asn,
            f"is the ASN of the AWS side (the virtual private gateway's {VPN_GATEWAY_AMAZON_ASN});"
            " use the on-prem router's own ASN",
        )
        asn = None
    if ip is None:
        return None
    return VpnConfig(customer_gateway_ip=ip, bgp_asn=asn)


def _dns(raw: Any, problems: _Problems, on_prem: OnPremConfig | None) -> DnsConfig:
    path = f"{_K}dns"
    if raw is _MISSING:
        return DnsConfig(private_zone=None, share_outside_organization=False)
    obj = _mapping(
        raw, path, problems, required=[], optional=["privateZone", "shareOutsideOrganization"]
    )
    obj = obj or {}
    zone = (
        _domain(obj["privateZone"], f"{path}.privateZone", problems)
        if "privateZone" in obj
        else None
    )
    if zone and on_prem:
        for i, domain in enumerate(on_prem.domains):
            if _in_domain(zone, domain) or _in_domain(domain, zone):
                problems.add(
                    f"{path}.privateZone",
                    zone,
                    f"collides with {_K}onPrem.domains[{i}] {domain} (one would shadow the other)",
                )
    share = obj.get("shareOutsideOrganization", False)
    share = _bool(share, f"{path}.shareOutsideOrganization", problems) or False
    return DnsConfig(private_zone=zone, share_outside_organization=share)


def _origin(value: Any, path: str, problems: _Problems) -> str | None:
    text = _str(value, path, problems)
    if text is None:
        return None
    match = re.match(r"^(https?)://([a-z0-9.-]+)(:\d{1,5})?$", text)
    if not match:
        problems.add(path, text, "must be an origin: scheme://host[:port], no path or trailing /")
        return None
    scheme, host = match.group(1), match.group(2)
    if scheme == "http" and host not in ("localhost", "127.0.0.1"):
        problems.add(path, text, "must use https (http is allowed for localhost only)")
        return None
    return text


def _api(raw: Any, problems: _Problems, spoke_names: set[str], spokes_ok: bool) -> ApiConfig | None:
    path = f"{_K}api"
    if raw is _MISSING:
        return None
    obj = _mapping(
        raw, path, problems,
        required=["spoke", "corsOrigins"],
        optional=[
            "throttle", "function", "uploadMaxBytes", "uploadContentTypes", "alarmTopicArn",
            "alarmEmails",
        ],
    )  # fmt: skip
    if obj is None:
        return None
    spoke = _str(obj.get("spoke", _MISSING), f"{path}.spoke", problems)
    if spoke is not None and spokes_ok and spoke not in spoke_names:
        known = ", ".join(sorted(spoke_names)) or "none"
        problems.add(
            f"{path}.spoke", spoke, f"is not the name of a spoke in {_K}spokes (known: {known})"
        )
    origins_raw = _list(
        obj.get("corsOrigins", _MISSING), f"{path}.corsOrigins", problems, min_items=1
    )
    origins = _each(origins_raw, f"{path}.corsOrigins", lambda v, p: _origin(v, p, problems))
    throttle = (
        _mapping(
            obj.get("throttle", {}),
            f"{path}.throttle",
            problems,
            required=[],
            optional=["rateLimit", "burstLimit"],
        )
        or {}
    )
    # API Gateway's account-level default is 10,000 rps / 5,000 burst; a stage cannot exceed it.
    rate = _int(throttle.get("rateLimit", 50), f"{path}.throttle.rateLimit", problems, 1, 10_000)
    burst = _int(throttle.get("burstLimit", 100), f"{path}.throttle.burstLimit", problems, 1, 5_000)
    fn = _mapping(
        obj.get("function", {}), f"{path}.function", problems, required=[],
        optional=["memoryMb", "timeoutSeconds", "reservedConcurrency", "runtime"],
    ) or {}  # fmt: skip
    memory = _int(fn.get("memoryMb", 256), f"{path}.function.memoryMb", problems, 128, 10_240)
    # API Gateway's integration timeout is 29 s by default: a longer function only times out there.
    timeout = _int(fn.get("timeoutSeconds", 10), f"{path}.function.timeoutSeconds", problems, 1, 29)
    reserved = None
    if fn.get("reservedConcurrency") is not None:
        reserved = _int(
            fn["reservedConcurrency"], f"{path}.function.reservedConcurrency", problems, 1, 1000
        )
    runtime = fn.get("runtime", LAMBDA_PYTHON_RUNTIMES[-1])
    if runtime not in LAMBDA_PYTHON_RUNTIMES:
        problems.add(
            f"{path}.function.runtime",
            runtime,
            f"is not supported (allowed: {', '.join(LAMBDA_PYTHON_RUNTIMES)})",
        )
    # A presigned POST can carry at most 5 GB (S3 PostObject).
    max_bytes = _int(
        obj.get("uploadMaxBytes", 10 * 1024 * 1024),
        f"{path}.uploadMaxBytes",
        problems,
        1,
        5 * 1024**3,
    )
    content_types = []
    for i, value in enumerate(
        _list(
            obj.get("uploadContentTypes", list(DEFAULT_UPLOAD_CONTENT_TYPES)),
            f"{path}.uploadContentTypes",
            problems,
            min_items=1,
        )
        or []
    ):
        if isinstance(value, str) and _MEDIA_TYPE.match(value):
            content_types.append(value)
        else:
            problems.add(
                f"{path}.uploadContentTypes[{i}]",
                value,
                "is not a media type (type/subtype in lowercase, e.g. image/png)",
            )
    topic = obj.get("alarmTopicArn")
    if topic is not None and not (isinstance(topic, str) and _SNS_ARN.match(topic)):
        problems.add(f"{path}.alarmTopicArn", topic, "is not an SNS topic ARN")
    emails = []
    for i, value in enumerate(
        _list(obj.get("alarmEmails", []), f"{path}.alarmEmails", problems) or []
    ):
        if isinstance(value, str) and _EMAIL.match(value):
            emails.append(value)
        else:
            problems.add(f"{path}.alarmEmails[{i}]", value, "is not an email address")
    if topic is not None and emails:
        problems.add(
            f"{path}.alarmEmails",
            emails,
            f"cannot be used with {path}.alarmTopicArn (subscribe the addresses to that topic)",
        )
    if (
        None in (spoke, rate, burst, memory, timeout, max_bytes)
        or runtime not in LAMBDA_PYTHON_RUNTIMES
    ):
        return None
    return ApiConfig(
        spoke=spoke,
        cors_origins=origins,
        throttle_rate_limit=float(rate),
        throttle_burst_limit=burst,
        memory_mb=memory,
        timeout_seconds=timeout,
        reserved_concurrency=reserved,
        runtime=runtime,
        upload_max_bytes=max_bytes,
        alarm_topic_arn=topic,
        alarm_emails=tuple(emails),
        upload_content_types=tuple(content_types) or DEFAULT_UPLOAD_CONTENT_TYPES,
    )


def _alarm_topic_region(api: ApiConfig | None, spokes: Sequence[VpcConfig], problems: _Problems):
    """CloudWatch alarms notify only SNS topics in their own region (the API's spoke region)."""
    if api is None or api.alarm_topic_arn is None:
        return
    spoke = next((s for s in spokes if s.name == api.spoke), None)
    topic_region = api.alarm_topic_arn.split(":")[3]
    if spoke is not None and topic_region != spoke.region:
        problems.add(
            f"{_K}api.alarmTopicArn",
            api.alarm_topic_arn,
            f"is in {topic_region}; alarms of the API in {spoke.region} (spoke {spoke.name}) can "
            "only notify a topic in the same region",
        )


def _overlaps(problems: _Problems) -> None:
    """Overlapping ranges cannot peer or route: reject them before AWS does."""
    for i, (path, cidr) in enumerate(problems.cidrs):
        for other_path, other in problems.cidrs[:i]:
            if cidr.overlaps(other):
                problems.add(path, str(cidr), f"overlaps {other_path} {other}")


TOP_LEVEL_KEYS = (
    "environment", "logRetentionDays", "accounts", "hub", "spokes", "onPrem", "dns", "api", "tags",
)  # fmt: skip


def parse(raw: Mapping[str, Any], *, stack: str, region: str | None) -> StackConfig:
    """Validate the `hubspoke:*` config (keys without namespace) and the stack's `aws:region`."""
    problems = _Problems()
    for key in raw:
        if key not in TOP_LEVEL_KEYS:
            problems.add(
                f"{_K}{key}", raw[key], f"is not a known key (known: {', '.join(TOP_LEVEL_KEYS)})"
            )
    if region is None:
        problems.missing("aws:region")
    else:
        region = _region(region, "aws:region", problems)
    environment = raw.get("environment", "dev")
    if environment not in ENVIRONMENTS:
        problems.add(
            f"{_K}environment",
            environment,
            f"is not an environment (allowed: {', '.join(ENVIRONMENTS)})",
        )
    retention = raw.get("logRetentionDays", 30)
    if retention not in LOG_RETENTION_DAYS or isinstance(retention, bool):
        problems.add(
            f"{_K}logRetentionDays",
            retention,
            "is not a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, ...)",
        )
    accounts = _accounts(raw.get("accounts", _MISSING), problems)
    accounts_ok = isinstance(raw.get("accounts"), Mapping)
    kw = dict(default_region=region, accounts=accounts, accounts_ok=accounts_ok)
    hub_raw = raw.get("hub", _MISSING)
    hub = None
    if hub_raw is _MISSING:
        problems.missing(f"{_K}hub")
    else:
        hub = _vpc(hub_raw, f"{_K}hub", problems, name="hub", **kw)
    spokes = _spokes(raw.get("spokes", _MISSING), problems, **kw)
    on_prem = _on_prem(raw.get("onPrem", _MISSING), problems)
    dns = _dns(raw.get("dns", _MISSING), problems, on_prem)
    spoke_names = {
        s["name"] for s in raw.get("spokes") or [] if isinstance(s, Mapping) and "name" in s
    }
    api = _api(raw.get("api", _MISSING), problems, spoke_names, isinstance(raw.get("spokes"), list))
    _alarm_topic_region(api, spokes, problems)
    _overlaps(problems)
    tags = raw.get("tags", {})
    if not isinstance(tags, Mapping) or not all(isinstance(v, str) for v in tags.values()):
        problems.add(f"{_K}tags", tags, "must be an object of string tag values")
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
