"""Route 53 Resolver DNS Firewall and query logging (design.md pitfall 14).

moto 5.2 has no DNS Firewall API, and its query log configs cannot be associated from another
account; this module keeps both in `EmulatorMocks.extra["dns_firewall"]` with the checks AWS makes:
- a rule is in a rule group of the caller's, with a domain list of the caller's or one of the
  region's AWS managed lists (offline/mocks.py's catalog, also behind the lookup), priorities
  unique in the group, BLOCK with a response and OVERRIDE with its domain;
- a rule group association (and a query log config association) is made in the VPC's own
  account and region, of a group (config) in that region that is the caller's or shared with the
  caller's account through RAM (a resource and a principal association, accepted where needed);
  rule group priorities 100-9900 and unique per VPC, one association per group and VPC;
- one firewall config per VPC, FirewallFailOpen ENABLED or DISABLED;
- a CloudWatch Logs resource policy name unique per account and region, its document JSON.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from offline.emulator.registry import (
    Created,
    Ctx,
    EmulatorRejected,
    Inputs,
    invoke,
    number,
    resource,
)
from offline.mocks import DOMAIN_LIST_LOOKUP, managed_domain_list

GROUP = "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup"
DOMAIN_LIST = "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList"
QUERY_LOG_CONFIG = "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig"


def _state(ctx: Ctx) -> dict[str, Any]:
    return ctx.emulator.extra.setdefault(
        "dns_firewall",
        {
            "rules": {},
            "associations": {},
            "configs": {},
            "log_associations": set(),
            "policies": set(),
        },
    )


def _id(prefix: str, *parts: str) -> str:
    return f"{prefix}-{uuid.uuid5(uuid.NAMESPACE_URL, '/'.join(parts)).hex[:17]}"


def _find(ctx: Ctx, type_: str, id_: str) -> Any:
    for created in ctx.emulator.created:
        if created.type == type_ and created.id == id_:
            return created
    return None


def _require_vpc(ctx: Ctx, vpc_id: str) -> None:
    try:
        ctx.client("ec2").describe_vpcs(VpcIds=[vpc_id])
    except Exception as exc:  # moto's InvalidVpcID.NotFound
        raise EmulatorRejected(
            f"ResourceNotFoundException: VPC {vpc_id} is not in account {ctx.account_id} "
            f"{ctx.region} ({exc})"
        ) from None


def _usable(ctx: Ctx, created: Any, what: str, name: str) -> None:
    """The caller may use `created` (another account's) only if it is shared with it by RAM."""
    if created.region != ctx.region:
        raise EmulatorRejected(
            f"{name}: {what} {created.id} is in {created.region}, not {ctx.region}"
        )
    if created.account_id == ctx.account_id:
        return
    from offline.emulator.ram import shared_with

    if not shared_with(
        ctx, created.outputs["arn"], ctx.account_id, not_found="ResourceNotFoundException"
    ):
        raise EmulatorRejected(
            f"{name}: AccessDeniedException: {what} {created.outputs['arn']} (account "
            f"{created.account_id}) is not shared with account {ctx.account_id} through RAM "
            "(resource and principal associations, accepted where needed)"
        )


@invoke(DOMAIN_LIST_LOOKUP)
def domain_list_lookup(ctx: Ctx, args: Inputs) -> dict[str, Any]:
    """AWS's managed lists (the offline catalog of offline/mocks.py) in the caller's region."""
    return managed_domain_list(ctx.region, args["firewallDomainListId"])


@resource(GROUP)
def rule_group(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    group_id = _id("rslvr-frg", ctx.account_id, ctx.region, name)
    arn = ctx.arn("route53resolver", f"firewall-rule-group/{group_id}")
    return group_id, {"arn": arn, "ownerId": ctx.account_id, "shareStatus": "NOT_SHARED"}


@resource(DOMAIN_LIST)
def domain_list(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    domains = list(inputs.get("domains") or [])
    if len(set(domains)) != len(domains):
        raise EmulatorRejected(f"{name}: ValidationException: domains repeat: {domains}")
    list_id = _id("rslvr-fdl", ctx.account_id, ctx.region, name)
    return list_id, {"arn": ctx.arn("route53resolver", f"firewall-domain-list/{list_id}")}


@resource("aws:route53/resolverFirewallRule:ResolverFirewallRule")
def firewall_rule(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    group = _find(ctx, GROUP, inputs["firewallRuleGroupId"])
    if group is None or (group.account_id, group.region) != (ctx.account_id, ctx.region):
        raise EmulatorRejected(
            f"{name}: ResourceNotFoundException: rule group {inputs['firewallRuleGroupId']} is not "
            f"a group of account {ctx.account_id} in {ctx.region}"
        )
    list_id = inputs["firewallDomainListId"]
    listed = _find(ctx, DOMAIN_LIST, list_id)
    if listed is not None and (listed.account_id, listed.region) != (ctx.account_id, ctx.region):
        raise EmulatorRejected(f"{name}: ResourceNotFoundException: domain list {list_id}")
    if listed is None:
        try:  # not created here: it must be one of the region's AWS managed lists
            managed_domain_list(ctx.region, list_id)
        except LookupError as exc:
            raise EmulatorRejected(f"{name}: {exc}") from None
    action = inputs["action"]
    if action not in ("ALLOW", "BLOCK", "ALERT"):
        raise EmulatorRejected(f"{name}: ValidationException: action {action}")
    if action == "BLOCK":
        response = inputs.get("blockResponse")
        if response not in ("NXDOMAIN", "NODATA", "OVERRIDE"):
            raise EmulatorRejected(f"{name}: ValidationException: BLOCK needs blockResponse")
        if response == "OVERRIDE" and not inputs.get("blockOverrideDomain"):
            raise EmulatorRejected(
                f"{name}: ValidationException: OVERRIDE needs blockOverrideDomain"
            )
    rules = _state(ctx)["rules"].setdefault(group.id, {})
    priority = number(inputs["priority"])
    if priority in rules.values():
        raise EmulatorRejected(
            f"{name}: ConflictException: priority {priority} is taken in rule group {group.id}"
        )
    rules[f"{group.id}:{list_id}"] = priority
    return f"{group.id}:{list_id}", {}


@resource("aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation")
def rule_group_association(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    group_id, vpc_id = inputs["firewallRuleGroupId"], inputs["vpcId"]
    group = _find(ctx, GROUP, group_id)
    if group is None:
        raise EmulatorRejected(f"{name}: ResourceNotFoundException: rule group {group_id}")
    _usable(ctx, group, "firewall rule group", name)
    _require_vpc(ctx, vpc_id)
    priority = number(inputs["priority"])
    if not 100 <= priority <= 9900:
        raise EmulatorRejected(f"{name}: ValidationException: priority {priority} not in 100..9900")
    taken = _state(ctx)["associations"].setdefault(vpc_id, {})
    if group_id in taken:
        raise EmulatorRejected(f"{name}: ConflictException: {group_id} is already on {vpc_id}")
    if priority in taken.values():
        raise EmulatorRejected(
            f"{name}: ConflictException: priority {priority} is taken on VPC {vpc_id}"
        )
    if inputs.get("mutationProtection", "DISABLED") not in ("ENABLED", "DISABLED"):
        raise EmulatorRejected(f"{name}: ValidationException: mutationProtection")
    taken[group_id] = priority
    association_id = _id("rslvr-frgassoc", group_id, vpc_id)
    return association_id, {
        "arn": ctx.arn("route53resolver", f"firewall-rule-group-association/{association_id}")
    }


@resource("aws:route53/resolverFirewallConfig:ResolverFirewallConfig")
def firewall_config(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    vpc_id = inputs["resourceId"]
    _require_vpc(ctx, vpc_id)
    if inputs.get("firewallFailOpen", "DISABLED") not in ("ENABLED", "DISABLED"):
        raise EmulatorRejected(f"{name}: ValidationException: firewallFailOpen")
    configs = _state(ctx)["configs"]
    if vpc_id in configs:
        raise EmulatorRejected(f"{name}: ConflictException: VPC {vpc_id} has a firewall config")
    configs[vpc_id] = inputs.get("firewallFailOpen", "DISABLED")
    return _id("rslvr-fc", vpc_id), {"ownerId": ctx.account_id}


@resource(QUERY_LOG_CONFIG)
def query_log_config(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    destination = inputs["destinationArn"]
    parts = destination.split(":")
    if parts[2] == "logs" and (parts[3], parts[4]) != (ctx.region, ctx.account_id):
        raise EmulatorRejected(
            f"{name}: InvalidParameterException: log group {destination} is not in account "
            f"{ctx.account_id} {ctx.region}"
        )
    if not any(c.outputs.get("arn") == destination for c in ctx.emulator.created):
        raise EmulatorRejected(f"{name}: ResourceNotFoundException: destination {destination}")
    out = ctx.client("route53resolver").create_resolver_query_log_config(
        Name=inputs.get("name") or name,
        DestinationArn=destination,
        CreatorRequestId=name,
    )["ResolverQueryLogConfig"]
    return out["Id"], {"arn": out["Arn"], "ownerId": ctx.account_id}


@resource("aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation")
def query_log_config_association(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    config_id, vpc_id = inputs["resolverQueryLogConfigId"], inputs["resourceId"]
    config = _find(ctx, QUERY_LOG_CONFIG, config_id)
    if config is None:
        raise EmulatorRejected(f"{name}: ResourceNotFoundException: query log config {config_id}")
    # Another account's config is usable only once shared: "You can optionally use AWS RAM to
    # share a query logging configuration with other AWS accounts. The other accounts can then
    # associate VPCs with the configuration" (Route 53 Resolver API, CreateResolverQueryLogConfig).
    _usable(ctx, config, "query log config", name)
    _require_vpc(ctx, vpc_id)
    done = _state(ctx)["log_associations"]
    if (config_id, vpc_id) in done:
        raise EmulatorRejected(
            f"{name}: InvalidRequestException: {vpc_id} already logs to {config_id}"
        )
    done.add((config_id, vpc_id))
    return _id("rslvr-qlcassoc", config_id, vpc_id), {}


@resource("aws:cloudwatch/logResourcePolicy:LogResourcePolicy")
def log_resource_policy(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    policy_name = inputs["policyName"]
    policies = _state(ctx)["policies"]
    if (ctx.account_id, ctx.region, policy_name) in policies:
        raise EmulatorRejected(f"{name}: a resource policy {policy_name} exists")
    document = inputs["policyDocument"]
    json.loads(document if isinstance(document, str) else json.dumps(document))
    ctx.client("logs").put_resource_policy(
        policyName=policy_name,
        policyDocument=document if isinstance(document, str) else json.dumps(document),
    )
    policies.add((ctx.account_id, ctx.region, policy_name))
    return policy_name, {}
