"""The stack config's model: constants, `ConfigError` and the frozen dataclasses components take.

It imports no rules: `components/validation/` builds these dataclasses, and `components/config.py`
(`parse()`, `load()`) runs the rules. Components import their dataclasses from here or through
`components.config`, which re-exports every name.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

# What a browser may upload unless `api.uploadContentTypes` says else: the function's contract.
from functions.items.contract import DEFAULT_UPLOAD_CONTENT_TYPES, PERMISSIONS

PROJECT = "hubspoke"
# Tag keys the project sets itself: the provider's default tags (components/naming.py
# `default_tags`) and the per-resource ones (`resource_tags`, the subnets' tier). `hubspoke:tags`
# may not use them: a user's `environment` or `Name` would relabel what the project tags.
PROJECT_TAG_KEYS = ("project", "environment", "stack", "managed-by", "Name", "component", "tier")

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

# The AZ id prefix of each region: an AZ id (`euw1-az1`) names the same physical zone in every
# account, where AZ names (`eu-west-1a`) are mapped per account in the older regions (AWS "Regions
# and Availability Zones", "AZ IDs"). Its "AWS Availability Zones" page: "An AZ ID consists of the
# first three letters of the Region code, followed by the number at the end of the Region code,
# followed by -az, followed by a number"; its tables show ap-southeast and ap-northeast as `apse`,
# `apne`. Kept as data so a stack file is checked before anything runs.
REGION_AZ_ID_PREFIXES: Mapping[str, str] = {
    "us-east-1": "use1", "us-east-2": "use2", "us-west-1": "usw1", "us-west-2": "usw2",
    "af-south-1": "afs1", "ap-east-1": "ape1", "ap-south-1": "aps1", "ap-south-2": "aps2",
    "ap-southeast-1": "apse1", "ap-southeast-2": "apse2", "ap-southeast-3": "apse3",
    "ap-southeast-4": "apse4", "ap-southeast-5": "apse5", "ap-southeast-7": "apse7",
    "ap-northeast-1": "apne1", "ap-northeast-2": "apne2", "ap-northeast-3": "apne3",
    "ca-central-1": "cac1", "ca-west-1": "caw1", "eu-central-1": "euc1", "eu-central-2": "euc2",
    "eu-west-1": "euw1", "eu-west-2": "euw2", "eu-west-3": "euw3", "eu-north-1": "eun1",
    "eu-south-1": "eus1", "eu-south-2": "eus2", "il-central-1": "ilc1", "me-central-1": "mec1",
    "me-south-1": "mes1", "mx-central-1": "mxc1", "sa-east-1": "sae1",
}  # fmt: skip

# The retention values CloudWatch Logs accepts (PutRetentionPolicy).
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
)  # fmt: skip

LAMBDA_PYTHON_RUNTIMES: tuple[str, ...] = ("python3.12", "python3.13")

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
# explicitly in components/on_prem.py so that this check and the gateway agree.
VPN_GATEWAY_AMAZON_ASN = 64512

# Transit gateway mode: the hub's segment, the on-prem side's, and the private ASN ranges AWS
# accepts for `amazonSideAsn` (pulumi-aws `ec2transitgateway.TransitGateway` docs: 64512 to 65534
# for 16-bit ASNs, 4200000000 to 4294967294 for 32-bit ASNs).
SHARED_SEGMENT = "shared"
ON_PREM_SEGMENT = "onPrem"
TGW_ASN_RANGES: tuple[tuple[int, int], ...] = ((64512, 65534), (4200000000, 4294967294))
# Active VPC peering connections per VPC: 50 by default, 125 at most (Amazon VPC quotas).
DEFAULT_PEERINGS_PER_VPC, MAX_PEERINGS_PER_VPC = 50, 125
TGW_QUOTAS_PAGE = "https://docs.aws.amazon.com/vpc/latest/tgw/transit-gateway-quotas.html"
# Transit gateway quotas, "Transit gateway attachments": "Attachments per transit gateway 5,000",
# not adjustable (VPCs, the VPN and peerings alike), so not a `hubspoke:quotas` key.
ATTACHMENTS_PER_TRANSIT_GATEWAY = 5000
# A virtual private gateway propagates at most 100 routes into a route table: "You can have up to
# 100 propagated routes per route table. This limit cannot be increased." (AWS Direct Connect User
# Guide, "Troubleshoot routing issues"; the same VGW propagation serves a Site-to-Site VPN).
PROPAGATED_ROUTES_PER_ROUTE_TABLE = 100
PROPAGATION_PAGE = "https://docs.aws.amazon.com/directconnect/latest/UserGuide/ts-routing.html"
# The gateway endpoints every VPC gets (components/vpc.py), each a route in every private route
# table to the service's AWS-managed prefix list.
GATEWAY_ENDPOINT_SERVICES: tuple[str, ...] = ("s3", "dynamodb")


@dataclass(frozen=True)
class QuotaSpec:
    """One AWS default quota the program can reach: its `hubspoke:quotas` key, AWS's default,
    the most a declared (raised) value may be, and the page that states it."""

    key: str
    default: int
    maximum: int
    scope: str  # what it counts per: "account and region", "VPC", "endpoint"
    page: str
    # The least a declared value may be: AWS's default, unless AWS raised the default and an
    # account can still hold the old applied value.
    minimum: int | None = None

    @property
    def lowest(self) -> int:
        return self.default if self.minimum is None else self.minimum


# The quotas a stack plans against and the emulator enforces (offline/emulator/quotas.py). A
# declared value must be at least AWS's default (a quota cannot be lowered), or the old default
# where AWS raised it (`minimum`). Where the quota page
# states no maximum, the bound is 1000: it catches a typo, not an AWS limit.
QUOTAS: Mapping[str, QuotaSpec] = {
    q.key: q
    for q in (
        # Amazon VPC quotas (https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html):
        # "VPCs per Region 5", the default VPC included; "Active VPC peering connections per VPC
        # 50 ... increased up to a maximum of 125"; "Gateway VPC endpoints per Region 20 ... The
        # maximum is 255 gateway endpoints per VPC".
        QuotaSpec("vpcsPerRegion", 5, 1000, "account and region",
                  "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html"),
        QuotaSpec("peeringsPerVpc", DEFAULT_PEERINGS_PER_VPC, MAX_PEERINGS_PER_VPC, "VPC",
                  "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html"),
        QuotaSpec("gatewayEndpointsPerRegion", 20, 1000, "account and region",
                  "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html"),
        # AWS PrivateLink quotas: "Interface and Gateway Load Balancer endpoints per VPC 50".
        QuotaSpec("interfaceEndpointsPerVpc", 50, 1000, "VPC",
                  "https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-limits-endpoints.html"),
        # Amazon EC2 quotas, Elastic IP addresses: "5 Elastic IP addresses per Region".
        QuotaSpec("eipsPerRegion", 5, 1000, "account and region",
                  "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/elastic-ip-addresses-eip.html"),
        # Route 53 quotas, "Quotas on Route 53 VPC Resolver": endpoints per AWS Region 4 (IP
        # addresses per endpoint 6: hubspoke:dns.endpointIps is bounded by it, ENDPOINT_IPS_MAX).
        QuotaSpec("resolverEndpointsPerRegion", 4, 1000, "account and region",
                  "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html"),
        # Amazon VPC quotas, "Route tables": "Routes per route table (non-propagated routes)
        # 500 ... You can increase this quota up to a maximum of 1,000" (the page as fetched
        # 2026-09-26). The default was 50 until June 2025 (the archived awsdocs/amazon-vpc-user-
        # guide still says 50; stackpioneers.com, 2025-06-24, reports AWS's raise to 500). An
        # account whose applied value in Service Quotas is still the old 50 declares it (the
        # minimum), so that the plan is checked against what CreateRoute will enforce there.
        # Propagated routes (the VGW's, peering mode) have their own quota.
        QuotaSpec("routesPerRouteTable", 500, 1000, "route table",
                  "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html",
                  minimum=50),
        # Transit gateway quotas, "Routing": "Transit gateway route tables per transit gateway
        # 20" and "Total combined routes (dynamic and static) across all route tables for a
        # single transit gateway 10,000", both adjustable, no maximum stated (bounds: typos).
        QuotaSpec("routeTablesPerTransitGateway", 20, 1000, "transit gateway", TGW_QUOTAS_PAGE),
        QuotaSpec("routesPerTransitGateway", 10_000, 100_000, "transit gateway", TGW_QUOTAS_PAGE),
    )
}  # fmt: skip


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


# A resolver endpoint takes 2 IPs at least (RSLVR-00400) and 6 by default ("IP addresses per
# Resolver endpoint", Route 53 quotas; the emulator enforces it).
ENDPOINT_IPS_MIN, ENDPOINT_IPS_MAX = 2, 6

# Network ACL rules from config: numbers below this are the defaults' (components/network_acls.py).
NACL_CUSTOM_RULE_MIN, NACL_RULE_MAX = 200, 32766
NACL_PROTOCOLS: tuple[str, ...] = ("tcp", "udp", "icmp", "all")


@dataclass(frozen=True)
class NaclRule:
    """One stateless ACL entry: first match by rule number wins, in one direction."""

    rule: int
    egress: bool
    action: Literal["allow", "deny"]
    protocol: str  # tcp | udp | icmp | all
    cidr: ipaddress.IPv4Network
    from_port: int = 0
    to_port: int = 0


@dataclass(frozen=True)
class NetworkAclsConfig:
    """`networkAcls` of a VPC: extra rules per subnet tier, added to the defaults."""

    private: tuple[NaclRule, ...] = ()
    public: tuple[NaclRule, ...] = ()


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
    network_acls: NetworkAclsConfig | None = None  # None: the VPC's default ACL (allow all)
    segment: str | None = None  # transit gateway mode: the spoke's segment (the hub is `shared`)
    # `azIds`: the AZ ids its subnets go in, one per AZ in AZ order; () lets the Vpc choose at
    # deploy time (components/vpc.py `default_zone_ids`).
    az_ids: tuple[str, ...] = ()


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
    # IPs (one per AZ) of each resolver endpoint: inbound, outbound and relays. Each costs $0.125
    # an hour; AWS's minimum is 2 (RSLVR-00400), its per-endpoint maximum 6.
    endpoint_ips: int = 2
    firewall: FirewallConfig | None = None
    query_logging: QueryLoggingConfig | None = None


# AWS managed DNS Firewall domain lists (Route 53 developer guide, "Managed domain lists").
FIREWALL_MANAGED_LISTS: tuple[str, ...] = (
    "AWSManagedDomainsAggregateThreatList", "AWSManagedDomainsAmazonGuardDutyThreatList",
    "AWSManagedDomainsBotnetCommandandControl", "AWSManagedDomainsMalwareDomainList",
)  # fmt: skip
FIREWALL_BLOCK_RESPONSES = ("NXDOMAIN", "NODATA", "OVERRIDE")
# A rule group association's priority per VPC: 100..9900 (AssociateFirewallRuleGroup Priority,
# "values between 100 and 9900 are allowed").
FIREWALL_PRIORITY_MIN, FIREWALL_PRIORITY_MAX, FIREWALL_PRIORITY_DEFAULT = 100, 9900, 101
QUERY_LOG_DESTINATIONS = ("cloudwatch", "s3")


@dataclass(frozen=True)
class FirewallConfig:
    """`hubspoke:dns.firewall`: one rule group per region in use, associated with every VPC.

    `managed_list_ids` is region -> list name -> `rslvr-fdl-...` id: AWS managed lists have one
    id per region and neither pulumi-aws nor Terraform looks them up by name, so the stack file
    carries them (`aws route53resolver list-firewall-domain-lists --region <r>`).
    """

    managed_lists: tuple[str, ...] = ()
    managed_list_ids: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    blocked_domains: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    block_response: str = "NXDOMAIN"
    override_domain: str | None = None
    priority: int = FIREWALL_PRIORITY_DEFAULT
    mutation_protection: bool = False
    # Closed unless the stack file says open: AWS's default ("By default, fail open is disabled,
    # which means the failure mode is closed. This approach favors security over availability.").
    fail_open: bool = False


@dataclass(frozen=True)
class QueryLoggingConfig:
    """`hubspoke:dns.queryLogging`: a query log config per region in use, on every VPC."""

    destination: str = "cloudwatch"
    retention_days: int = 30


# AWS managed rule groups (vendor AWS) without a subscription fee beyond WCUs ("AWS Managed
# Rules rule groups list", AWS WAF developer guide); Bot Control, ATP and ACFP cost extra per
# request and are left out.
WAF_MANAGED_RULE_GROUPS: tuple[str, ...] = (
    "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAdminProtectionRuleSet", "AWSManagedRulesSQLiRuleSet",
    "AWSManagedRulesLinuxRuleSet", "AWSManagedRulesUnixRuleSet", "AWSManagedRulesWindowsRuleSet",
    "AWSManagedRulesPHPRuleSet", "AWSManagedRulesWordPressRuleSet",
    "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesAnonymousIpList",
)  # fmt: skip
WAF_DEFAULT_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")
# RateBasedStatement.Limit bounds (botocore's wafv2 model: RateLimit min 10, max 2,000,000,000).
WAF_RATE_LIMIT_MIN, WAF_RATE_LIMIT_MAX = 10, 2_000_000_000


@dataclass(frozen=True)
class WafConfig:
    """The prod API's web ACL: a per-IP rate limit (requests per 5 minutes) and managed rules."""

    rate_limit_per_5min: int = 1000
    managed_rule_groups: tuple[str, ...] = WAF_DEFAULT_RULE_GROUPS


@dataclass(frozen=True)
class SegmentConfig:
    """A routing domain of transit gateway mode and what it reaches besides itself and `shared`."""

    name: str
    reach: tuple[str, ...]  # other segments, `shared`, `onPrem`
    # The segment's supernet: every spoke of the segment inside it, no other range of the stack
    # overlapping it. Set, other VPCs route to the segment with this one prefix instead of one
    # route per spoke (docs/transit-gateway.md "Route summarisation").
    cidr: ipaddress.IPv4Network | None = None


@dataclass(frozen=True)
class TransitGatewayConfig:
    """`hubspoke:transitGateway`: present, the stack connects VPCs through transit gateways."""

    amazon_side_asn: int
    segments: tuple[SegmentConfig, ...]
    share_outside_organization: bool = False


@dataclass(frozen=True)
class QuotasConfig:
    """`hubspoke:quotas`: the raised quotas the program plans against (the same in every account
    and region of the stack); a key not declared is AWS's default (`QUOTAS`)."""

    declared: Mapping[str, int] = field(default_factory=dict)

    def value(self, key: str) -> int:
        return self.declared.get(key, QUOTAS[key].default)

    @property
    def peerings_per_vpc(self) -> int:
        return self.value("peeringsPerVpc")


@dataclass(frozen=True)
class ApiEmailConfig:
    """`api.email`: Cognito sends its mail through this SES identity (`DEVELOPER`), at SES's
    quotas, instead of its own default sender with its small daily limit."""

    ses_identity_arn: str  # arn:aws:ses:<region>:<account>:identity/<address or domain>
    from_address: str
    reply_to: str | None = None


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
    waf: WafConfig | None = None  # None: no web ACL (the default outside prod)
    # Cognito group -> its permissions (read | write | upload); a user in none of them gets
    # `default_permissions` (every permission unless `defaultGroup` says else).
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    default_permissions: tuple[str, ...] = PERMISSIONS
    # `api.selfSignUp` (default: on outside prod, off in prod): off = only an administrator
    # creates users (AdminCreateUser), so nobody can spend the pool's email quota by signing up.
    self_sign_up: bool = True
    email: ApiEmailConfig | None = None  # None: Cognito's default sender


# CloudFront price classes (CreateDistribution, DistributionConfig.PriceClass): the edge locations
# a distribution uses; 100 (North America, Europe, Israel) is the cheapest.
WEB_PRICE_CLASSES = ("PriceClass_100", "PriceClass_200", "PriceClass_All")


@dataclass(frozen=True)
class WebConfig:
    """`hubspoke:web`: the web app (web/) on CloudFront in front of a private bucket."""

    price_class: str = "PriceClass_100"


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
    transit_gateway: TransitGatewayConfig | None = None
    quotas: QuotasConfig = field(default_factory=QuotasConfig)
    web: WebConfig | None = None  # None: no web app (no API, or `hubspoke:web.enabled: false`)

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    def spoke(self, name: str) -> VpcConfig:
        return next(s for s in self.spokes if s.name == name)


# The keys of the `hubspoke:` namespace.
TOP_LEVEL_KEYS = (
    "environment", "logRetentionDays", "accounts", "hub", "spokes", "onPrem", "dns", "api", "tags",
    "transitGateway", "quotas", "web",
)  # fmt: skip

# The top-level keys of a stack settings file (Pulumi's "stack settings file reference").
STACK_FILE_KEYS = ("config", "encryptedkey", "encryptionsalt", "environment", "secretsprovider")

# The `aws:` settings the pulumi-aws provider reads (pulumi_aws/config/vars.py; a test keeps this
# list equal to the installed provider's).
AWS_CONFIG_KEYS = (
    "accessKey", "allowedAccountIds", "assumeRoleWithWebIdentity", "assumeRoles", "customCaBundle",
    "defaultTags", "ec2MetadataServiceEndpoint", "ec2MetadataServiceEndpointMode", "endpoints",
    "forbiddenAccountIds", "httpProxy", "httpsProxy", "ignoreTags", "insecure", "maxRetries",
    "noProxy", "profile", "region", "retryMode", "s3UsEast1RegionalEndpoint", "s3UsePathStyle",
    "secretKey", "sharedConfigFiles", "sharedCredentialsFiles", "skipCredentialsValidation",
    "skipMetadataApiCheck", "skipRegionValidation", "skipRequestingAccountId", "stsRegion",
    "tagPolicyCompliance", "token", "tokenBucketRateLimiterCapacity", "useDualstackEndpoint",
    "useFipsEndpoint", "userAgents",
)  # fmt: skip

# `pulumi:` keys the engine reads from stack config.
PULUMI_CONFIG_KEYS = ("disable-default-providers", "tags")
