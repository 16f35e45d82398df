"""`hubspoke:quotas` and what the stack plans against them (design.md pitfall 12).

AWS refuses the resource past a quota mid-deploy (`VpcLimitExceeded` on the sixth VPC of a
region, the default VPC included), leaving a half-built stack. These rules count what the stack
plans per account and region, or per VPC, and refuse it before any resource is registered. They
see one stack: resources other stacks or people made in the same account count against the same
quotas, which the emulator models when stacks share it (offline/emulator/quotas.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from components.model import QUOTAS, Account, OnPremConfig, QuotasConfig, VpcConfig
from components.validation.fields import MISSING, NS, Problems, as_int, as_mapping

PATH = f"{NS}quotas"
# Gateway endpoints every VPC gets (components/vpc.py: S3 and DynamoDB).
GATEWAY_ENDPOINTS_PER_VPC = 2
# Resolver endpoints: the hub's inbound and outbound; one relay per spoke outside its region.
HUB_RESOLVER_ENDPOINTS = 2


def parse_quotas(raw: Any, problems: Problems) -> QuotasConfig:
    """Declared (raised) quotas: whole numbers from AWS's default (a quota cannot be lowered) up
    to the most AWS allows."""
    if raw is MISSING:
        return QuotasConfig()
    obj = as_mapping(raw, PATH, problems, [], list(QUOTAS))
    if obj is None:
        return QuotasConfig()
    declared: dict[str, int] = {}
    for key, value in obj.items():
        spec = QUOTAS.get(key)
        if spec is None:
            continue  # as_mapping reported it
        parsed = as_int(value, f"{PATH}.{key}", problems, spec.default, spec.maximum)
        if parsed is not None:
            declared[key] = parsed
    return QuotasConfig(declared=declared)


def check_planned_quotas(
    accounts: Mapping[str, Account],
    hub: VpcConfig | None,
    spokes: Sequence[VpcConfig],
    on_prem: OnPremConfig | None,
    quotas: QuotasConfig,
    problems: Problems,
) -> None:
    """What the stack plans per account and region fits the quotas (default or declared)."""
    if hub is None:
        return  # reported missing
    vpcs = [hub, *spokes]

    def where(vpc: VpcConfig) -> tuple[str, str]:
        account = accounts.get(vpc.account)
        return (account.id if account else vpc.account, vpc.region)

    planned: dict[str, Counter[tuple[str, str]]] = {
        "vpcsPerRegion": Counter(),
        "eipsPerRegion": Counter(),
        "gatewayEndpointsPerRegion": Counter(),
        "resolverEndpointsPerRegion": Counter(),
    }
    names: dict[tuple[str, str], list[str]] = {}
    for vpc in vpcs:
        at = where(vpc)
        names.setdefault(at, []).append(vpc.name)
        planned["vpcsPerRegion"][at] += 1
        nat = {"none": 0, "single": 1}.get(vpc.nat_gateways, vpc.az_count)
        planned["eipsPerRegion"][at] += nat  # one Elastic IP per NAT gateway
        planned["gatewayEndpointsPerRegion"][at] += GATEWAY_ENDPOINTS_PER_VPC
    if on_prem is not None:
        planned["resolverEndpointsPerRegion"][where(hub)] += HUB_RESOLVER_ENDPOINTS
        for spoke in spokes:
            if spoke.region != hub.region:
                planned["resolverEndpointsPerRegion"][where(spoke)] += 1
    for key, counts in planned.items():
        quota = quotas.value(key)
        for (account, region), count in sorted(counts.items()):
            # AWS creates a default VPC in every region of a new account; it counts.
            total = count + 1 if key == "vpcsPerRegion" else count
            if total <= quota:
                continue
            here = names[(account, region)]
            more = f" and {len(here) - 6} more" if len(here) > 6 else ""
            vpc_names = ", ".join(here[:6]) + more
            what = {
                "vpcsPerRegion": f"{count} VPCs ({vpc_names}) plus the default VPC",
                "eipsPerRegion": f"{count} Elastic IPs for NAT gateways (VPCs {vpc_names})",
                "gatewayEndpointsPerRegion": f"{count} gateway endpoints (S3 and DynamoDB in "
                f"VPCs {vpc_names})",
                "resolverEndpointsPerRegion": f"{count} Route 53 Resolver endpoints",
            }[key]
            declared = "declared" if key in quotas.declared else "AWS's default"
            problems.add(
                f"{PATH}.{key}",
                quota,
                f"({declared}) is exceeded in account {account} {region}: the stack plans "
                f"{what} there; raise the quota in Service Quotas and declare it here, or move "
                f"VPCs to another account or region ({QUOTAS[key].page})",
            )
