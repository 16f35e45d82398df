"""DnsFirewall: Route 53 Resolver DNS Firewall on every VPC, hub and spokes.

Rule groups are regional (design.md pitfall 14): the hub account owns one rule group in each region
with a VPC, holding, in this order of rule priority:
- ALLOW for `allowedDomains` (first: an allowed name is never blocked by a later list);
- BLOCK for `blockedDomains`, then one BLOCK per AWS managed list (`managedLists`), answered
  with `blockResponse`.
The group is shared through RAM (components/sharing.py, as the resolver rules are) with the other
accounts that have a VPC in that region; every VPC associates it with its own account's provider,
after the share is usable, at `priority` (unique per VPC, 100-9900) and with `mutationProtection`
(on in prod: nobody in the spoke account can disassociate it or change its priority).

Each VPC also gets a `ResolverFirewallConfig` that decides fail-open on purpose (pitfall 14):
closed unless the stack file says `failOpen: true`, which is AWS's default: "By default, fail open
is disabled, which means the failure mode is closed. This approach favors security over
availability" (Route 53 Resolver API, FirewallConfig.FirewallFailOpen). Closed means that if DNS
Firewall cannot answer, queries are blocked: the VPC loses DNS rather than the filter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.model import FirewallConfig
from components.naming import holds_fixed_name, resource_tags
from components.sharing import HubShare, share_with_vpc_owners, waits_for
from components.vpc import VpcRef

COMPONENT = "dns-firewall"
# Rule priorities inside the group (unique per group): allow first, then the custom block list,
# then the managed lists in config order.
ALLOW_PRIORITY, BLOCK_PRIORITY, MANAGED_PRIORITY = 100, 200, 300
OVERRIDE_TTL = 60
# `ManagedOwnerName` of AWS's managed domain lists (ListFirewallDomainLists).
AWS_MANAGED_OWNER = "Route 53 Resolver DNS Firewall"


@dataclass(frozen=True)
class DnsFirewallArgs:
    firewall: FirewallConfig
    hub: VpcRef
    vpcs: Sequence[VpcRef]  # every VPC, the hub first
    hub_providers: Mapping[str, aws.Provider]  # the hub account's provider per region in use
    share_outside_organization: bool
    environment: str


def _aws_name(*parts: str) -> str:
    return "-".join(parts).replace(".", "-")[:64]


class DnsFirewall(pulumi.ComponentResource):
    """Per region a rule group (hub account), its share, and every VPC's association and config."""

    rule_group_ids: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: DnsFirewallArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hubspoke:dns:DnsFirewall", name, None, opts)
        self._prefix, self.args = name, args
        self.rule_groups: dict[str, aws.route53.ResolverFirewallRuleGroup] = {}
        self.shares: dict[str, HubShare] = {}
        self.associations: dict[str, aws.route53.ResolverFirewallRuleGroupAssociation] = {}
        self.configs: dict[str, aws.route53.ResolverFirewallConfig] = {}
        regions = list(dict.fromkeys(v.region for v in args.vpcs))
        for region in regions:
            self._region(region, [v for v in args.vpcs if v.region == region])
        self.rule_group_ids = {r: g.id for r, g in self.rule_groups.items()}
        self.register_outputs({"rule_group_ids": self.rule_group_ids})

    def _tags(self, suffix: str) -> dict[str, str]:
        return dict(resource_tags(COMPONENT, f"{self._prefix}-{suffix}", self.args.environment))

    def _region(self, region: str, vpcs: Sequence[VpcRef]) -> None:
        args, fw = self.args, self.args.firewall
        prefix = f"{self._prefix}-{region}"
        hub_side = pulumi.ResourceOptions(parent=self, provider=args.hub_providers[region])
        group = aws.route53.ResolverFirewallRuleGroup(
            prefix,
            name=_aws_name("hubspoke", args.environment, "dns-firewall", region),
            tags=self._tags(region),
            # Rule group names are unique per account and region.
            opts=holds_fixed_name(hub_side),
        )
        self.rule_groups[region] = group
        if fw.allowed_domains:
            allowed = self._domain_list(f"{prefix}-allowed", fw.allowed_domains, region, hub_side)
            self._rule(f"{prefix}-allow", group, allowed.id, ALLOW_PRIORITY, "ALLOW", hub_side)
        if fw.blocked_domains:
            blocked = self._domain_list(f"{prefix}-blocked", fw.blocked_domains, region, hub_side)
            self._rule(f"{prefix}-block", group, blocked.id, BLOCK_PRIORITY, "BLOCK", hub_side)
        for i, managed in enumerate(fw.managed_lists):
            self._rule(
                f"{prefix}-{managed}", group, self._managed_list_id(region, managed, hub_side),
                MANAGED_PRIORITY + 100 * i, "BLOCK", hub_side,
            )  # fmt: skip

        share = share_with_vpc_owners(
            f"{prefix}-share",
            vpcs=vpcs,
            hub_account_id=args.hub.account_id,
            aws_name=_aws_name("hubspoke", args.environment, "dns-firewall", region),
            resources={"rules": group.arn},
            external=args.share_outside_organization,
            tags=self._tags(f"{region}-share"),
            opts=hub_side,
        )
        if share is not None:
            self.shares[region] = share
        for vpc in vpcs:
            waits = waits_for(share, vpc.account_key, "rules")
            own = pulumi.ResourceOptions(parent=self, provider=vpc.provider, depends_on=waits)
            self.associations[vpc.plan.name] = aws.route53.ResolverFirewallRuleGroupAssociation(
                f"{self._prefix}-{vpc.plan.name}",
                name=_aws_name("hubspoke", args.environment, "dns-firewall", vpc.plan.name),
                firewall_rule_group_id=group.id,
                vpc_id=vpc.vpc_id,
                priority=fw.priority,
                mutation_protection="ENABLED" if fw.mutation_protection else "DISABLED",
                tags=self._tags(vpc.plan.name),
                # One association per group and VPC, and the priority is unique in the VPC.
                opts=holds_fixed_name(own),
            )
            self.configs[vpc.plan.name] = aws.route53.ResolverFirewallConfig(
                f"{self._prefix}-{vpc.plan.name}",
                resource_id=vpc.vpc_id,
                firewall_fail_open="ENABLED" if fw.fail_open else "DISABLED",
                # One config per VPC.
                opts=holds_fixed_name(pulumi.ResourceOptions(parent=self, provider=vpc.provider)),
            )

    def _managed_list_id(
        self, region: str, managed: str, opts: pulumi.ResourceOptions
    ) -> pulumi.Output[str]:
        """The stack file's id of AWS managed list `managed` in `region`, read back from AWS
        (GetFirewallDomainList, in the hub account) and checked to be that list. pulumi-aws has no
        lookup by name, so the id comes from the stack file; this makes a placeholder or a
        mistyped id fail the preview (AWS: not found; or another list's name) instead of
        deploying a rule that blocks the wrong list."""
        list_id = self.args.firewall.managed_list_ids[region][managed]
        found = aws.route53.get_resolver_firewall_domain_list_output(
            firewall_domain_list_id=list_id,
            opts=pulumi.InvokeOutputOptions(parent=self, provider=opts.provider),
        )
        key = f"hubspoke:dns.firewall.managedListIds.{region}.{managed}"

        def checked(listed: Any) -> str:
            if (listed["name"], listed["managed_owner_name"]) != (managed, AWS_MANAGED_OWNER):
                raise pulumi.RunError(
                    f"{key} {list_id} is the domain list {listed['name']!r} (owner "
                    f"{listed['managed_owner_name']!r}) in {region}, not the AWS managed list "
                    f"{managed}: take its id from `aws route53resolver "
                    f"list-firewall-domain-lists --region {region}` in the hub account"
                )
            return str(listed["id"])

        return pulumi.Output.all(
            id=found.id, name=found.name, managed_owner_name=found.managed_owner_name
        ).apply(checked)

    def _domain_list(
        self, name: str, domains: Sequence[str], region: str, opts: pulumi.ResourceOptions
    ) -> aws.route53.ResolverFirewallDomainList:
        return aws.route53.ResolverFirewallDomainList(
            name,
            name=_aws_name("hubspoke", self.args.environment, name),
            domains=list(domains),
            tags=self._tags(name.removeprefix(f"{self._prefix}-")),
            opts=opts,
        )

    def _rule(
        self,
        name: str,
        group: aws.route53.ResolverFirewallRuleGroup,
        list_id: pulumi.Input[str],
        priority: int,
        action: str,
        opts: pulumi.ResourceOptions,
    ) -> None:
        fw = self.args.firewall
        block: dict[str, object] = {}
        if action == "BLOCK":
            block = {"block_response": fw.block_response}
            if fw.block_response == "OVERRIDE":
                block |= {
                    "block_override_domain": fw.override_domain,
                    "block_override_dns_type": "CNAME",
                    "block_override_ttl": OVERRIDE_TTL,
                }
        aws.route53.ResolverFirewallRule(
            name,
            name=_aws_name(name.removeprefix(f"{self._prefix}-")),
            action=action,
            firewall_domain_list_id=list_id,
            firewall_rule_group_id=group.id,
            priority=priority,
            opts=opts,
            **block,
        )
