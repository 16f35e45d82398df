"""The idle monthly cost of a stack file: what it costs with no traffic, counted from what the
program registers under mocks, priced from AWS list prices.

The README's "Idle cost" table is `table()` of the real stack files (a test keeps them equal, so the
counts cannot drift from the program). `python -m offline.cost` prints it. Prices are list prices
in USD, 730 hours a month; each names the page it was read from (read 2026-12-01). Usage (queries,
requests, GB ingested or stored) comes on top and is listed as a per-unit price with no count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from offline.runner import RunResult, run

HOURS = 730
ROUTE53 = "[Route 53 pricing](https://aws.amazon.com/route53/pricing/)"
REPOST = (
    "[re:Post, Resolver endpoint costs]"
    "(https://repost.aws/knowledge-center/route-53-resolver-endpoint-costs)"
)
VPC_PRICING = "[VPC pricing](https://aws.amazon.com/vpc/pricing/)"
TGW = "[Transit Gateway pricing](https://aws.amazon.com/transit-gateway/pricing/)"
VPN = "[Site-to-Site VPN pricing](https://aws.amazon.com/vpn/pricing/)"
KMS = "[KMS pricing](https://aws.amazon.com/kms/pricing/)"
WAF = (
    "[AWS blog, cost-effective WAF]"
    "(https://aws.amazon.com/blogs/networking-and-content-delivery/"
    "cost-effective-ways-for-securing-your-web-applications-using-aws-waf/)"
)
CLOUDWATCH = "[CloudWatch pricing](https://aws.amazon.com/cloudwatch/pricing/)"
SERVERLESS = (
    "[API Gateway](https://aws.amazon.com/api-gateway/pricing/), "
    "[Lambda](https://aws.amazon.com/lambda/pricing/), "
    "[DynamoDB](https://aws.amazon.com/dynamodb/pricing/on-demand/), "
    "[Cognito](https://aws.amazon.com/cognito/pricing/), "
    "[CloudFront](https://aws.amazon.com/cloudfront/pricing/), "
    "[S3](https://aws.amazon.com/s3/pricing/)"
)

Counter = Callable[[RunResult], int]


def of_type(*types: str) -> Counter:
    return lambda result: sum(len(result.of_type(t)) for t in types)


def _endpoint_ips(result: RunResult) -> int:
    endpoints = result.of_type("aws:route53/resolverEndpoint:ResolverEndpoint")
    return sum(len(e.inputs.get("ipAddresses") or []) for e in endpoints)


def _custom_domains(result: RunResult) -> int:
    lists = result.of_type("aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList")
    return sum(len(d.inputs.get("domains") or []) for d in lists)


def _tgw_attachments(result: RunResult) -> int:
    """VPC attachments, the VPN on the gateway (an attachment too), and a peering attachment on
    each side (both gateways' owners pay for it)."""
    vpns = result.of_type("aws:ec2/vpnConnection:VpnConnection")
    return (
        len(result.of_type("aws:ec2transitgateway/vpcAttachment:VpcAttachment"))
        + sum(1 for v in vpns if v.inputs.get("transitGatewayId"))
        + 2 * len(result.of_type("aws:ec2transitgateway/peeringAttachment:PeeringAttachment"))
    )


def _interface_endpoint_azs(result: RunResult) -> int:
    endpoints = result.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    return sum(
        len(e.inputs.get("subnetIds") or [])
        for e in endpoints
        if e.inputs.get("vpcEndpointType") == "Interface"
    )


def _waf_rules(result: RunResult) -> int:
    acls = result.of_type("aws:wafv2/webAcl:WebAcl")
    return sum(len(a.inputs.get("rules") or []) for a in acls)


@dataclass(frozen=True)
class Item:
    """One line of the table: what is counted, its price per unit and month, and where from."""

    name: str
    unit_monthly: float  # USD per unit per month at idle (0: paid per use only)
    price: str  # the list price as AWS states it
    source: str
    count: Counter


ITEMS: tuple[Item, ...] = (
    Item(
        "Resolver endpoint IPs (ENIs)", 0.125 * HOURS, "$0.125 per ENI-hour", REPOST, _endpoint_ips
    ),
    Item(
        "Resolver forwarding rules (outbound endpoint)",
        0.0,
        "no charge per rule; $0.40 per million queries through an endpoint",
        ROUTE53,
        of_type("aws:route53/resolverRule:ResolverRule"),
    ),
    Item(
        "DNS Firewall custom domain names",
        0.0009,
        "$0.0009 per domain name-month (AWS managed lists: none); $0.60 per million queries",
        ROUTE53,
        _custom_domains,
    ),
    Item(
        "DNS Firewall rule group associations",
        0.0,
        "per query only (above)",
        ROUTE53,
        of_type(
            "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation"
        ),
    ),
    Item(
        "Resolver query log configs",
        0.0,
        "no charge; the log group ingests per GB (below)",
        CLOUDWATCH,
        of_type("aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig"),
    ),
    Item(
        "KMS customer managed keys",
        1.0,
        "$1 per key-month (rotation adds $1 per rotated version, first two only)",
        KMS,
        of_type("aws:kms/key:Key"),
    ),
    Item(
        "Site-to-Site VPN connections",
        0.05 * HOURS,
        "$0.05 per connection-hour",
        VPN,
        of_type("aws:ec2/vpnConnection:VpnConnection"),
    ),
    Item(
        "Transit gateway attachments",
        0.05 * HOURS,
        "$0.05 per attachment-hour (VPC, VPN, each side of a peering); $0.02 per GB",
        TGW,
        _tgw_attachments,
    ),
    Item(
        "NAT gateways",
        0.048 * HOURS,
        "$0.048 per hour (eu-west-1) plus $0.048 per GB",
        VPC_PRICING,
        of_type("aws:ec2/natGateway:NatGateway"),
    ),
    Item(
        "Public IPv4 addresses (EIPs)",
        0.005 * HOURS,
        "$0.005 per IP-hour",
        VPC_PRICING,
        of_type("aws:ec2/eip:Eip"),
    ),
    Item(
        "Interface VPC endpoint AZs",
        0.011 * HOURS,
        "$0.011 per endpoint-AZ-hour (eu-west-1); gateway endpoints free",
        VPC_PRICING,
        _interface_endpoint_azs,
    ),
    Item(
        "WAF web ACLs",
        5.0,
        "$5 per web ACL-month",
        WAF,
        of_type("aws:wafv2/webAcl:WebAcl"),
    ),
    Item("WAF rules", 1.0, "$1 per rule-month; $0.60 per million requests", WAF, _waf_rules),
    Item(
        "Route 53 hosted zones",
        0.50,
        "$0.50 per zone-month (first 25)",
        ROUTE53,
        of_type("aws:route53/zone:Zone"),
    ),
    Item(
        "CloudWatch alarms",
        0.10,
        "$0.10 per standard alarm-month",
        CLOUDWATCH,
        of_type("aws:cloudwatch/metricAlarm:MetricAlarm"),
    ),
    Item(
        "CloudWatch log groups",
        0.0,
        "per GB ingested ($0.57 eu-west-1) and stored ($0.03 per GB-month); empty: $0",
        CLOUDWATCH,
        of_type("aws:cloudwatch/logGroup:LogGroup"),
    ),
    Item(
        "API Gateway, Lambda, DynamoDB on demand, Cognito, CloudFront, S3",
        0.0,
        "per request, GB or user only (Cognito: first 10,000 monthly users free)",
        SERVERLESS,
        of_type(
            "aws:apigateway/restApi:RestApi",
            "aws:lambda/function:Function",
            "aws:dynamodb/table:Table",
            "aws:cognito/userPool:UserPool",
            "aws:cloudfront/distribution:Distribution",
            "aws:s3/bucket:Bucket",
        ),
    ),
)


def _money(value: float) -> str:
    return f"${value:,.2f}"


def monthly(result: RunResult) -> float:
    """The stack's idle cost per month."""
    return sum(item.count(result) * item.unit_monthly for item in ITEMS)


def table(results: Sequence[tuple[str, RunResult]]) -> str:
    """The README's table: per item its price, and per stack the count and the monthly cost."""
    head = ["item", "list price", *(name for name, _ in results)]
    lines = ["| " + " | ".join(head) + " |", "|---|---|" + "---:|" * len(results)]
    for item in ITEMS:
        cells = []
        for _, result in results:
            count = item.count(result)
            cost = count * item.unit_monthly
            cells.append(f"{count}: {_money(cost)}" if count else "0")
        lines.append(f"| {item.name} | {item.price} ({item.source}) | " + " | ".join(cells) + " |")
    totals = " | ".join(f"**{_money(monthly(r))}**" for _, r in results)
    lines.append(f"| **total per month** | | {totals} |")
    return "\n".join(lines)


def stack_table(stacks: Sequence[str] = ("dev", "prod")) -> str:
    return table([(stack, run(stack)) for stack in stacks])


if __name__ == "__main__":
    print(stack_table())
