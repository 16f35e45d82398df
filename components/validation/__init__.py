"""The rules of the stack config, one module per section; `components/config.py` runs them.

- `fields.py`    field parsers that record problems instead of raising (`Problems`, `as_cidr`, ...)
- `keys.py`      the stack file's own keys and the config namespaces (`hubspok:dns` is a typo)
- `accounts.py`  `hubspoke:accounts`
- `network.py`   `hubspoke:hub`, `hubspoke:spokes`, and overlaps between all ranges
- `dns.py`       `hubspoke:onPrem` (with its VPN) and `hubspoke:dns`
- `api.py`       `hubspoke:api`
- `web.py`       `hubspoke:web`
- `transit_gateway.py` `hubspoke:transitGateway` (segments, each spoke's `segment`), peering quota
- `quotas.py`    `hubspoke:quotas`, and what the stack plans against them: per account and
                 region, per VPC route table (from the network plan), per transit gateway

They build the dataclasses of `components/model.py` and import nothing from
`components/config.py`, which runs them. Each rule takes what it checks as arguments.
"""

from components.validation.accounts import parse_accounts
from components.validation.api import (
    check_alarm_topic_region,
    check_email_identity_region,
    parse_api,
)
from components.validation.dns import (
    check_endpoint_ips,
    check_firewall_regions,
    parse_dns,
    parse_on_prem,
)
from components.validation.fields import MISSING, NS, Problems, unknown_key
from components.validation.keys import check_stack_file_keys, split_namespaces
from components.validation.network import (
    check_overlaps,
    parse_region,
    parse_spokes,
    parse_vpc,
    stack_ranges,
)
from components.validation.quotas import check_planned_quotas, check_route_quotas, parse_quotas
from components.validation.transit_gateway import (
    check_peering_quota,
    check_regional_asns,
    check_segment_cidrs,
    check_segments,
    parse_transit_gateway,
)
from components.validation.web import parse_web

__all__ = [
    "MISSING",
    "NS",
    "Problems",
    "check_alarm_topic_region",
    "check_email_identity_region",
    "check_endpoint_ips",
    "check_firewall_regions",
    "check_overlaps",
    "check_peering_quota",
    "check_planned_quotas",
    "check_regional_asns",
    "check_route_quotas",
    "check_segment_cidrs",
    "check_segments",
    "check_stack_file_keys",
    "parse_accounts",
    "parse_api",
    "parse_dns",
    "parse_on_prem",
    "parse_quotas",
    "parse_region",
    "parse_spokes",
    "parse_transit_gateway",
    "parse_vpc",
    "parse_web",
    "split_namespaces",
    "stack_ranges",
    "unknown_key",
]
