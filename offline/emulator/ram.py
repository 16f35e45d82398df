"""AWS RAM shares (design.md pitfall 5).

moto creates and lists resource shares but has no AssociateResourceShare or
AcceptResourceShareInvitation calls. The emulator layer does what AWS checks for those: the share
is the caller's, the resource exists and belongs to the caller, the principal is an account the
emulator knows (or an organization / OU moto validates), external principals only when the share
allows them, and an accepter only in a principal account. Associations are recorded on moto's
share object (so `get_resource_shares` shows them) and in `EmulatorMocks.extra["ram"]`.
"""

from __future__ import annotations

import re
from typing import Any

from offline.emulator.registry import Created, Ctx, EmulatorRejected, Inputs, resource

SHARE = "aws:ram/resourceShare:ResourceShare"
_NOT_IN_MOTO = ("firewall-rule-group/", "resolver-query-log-config/")


def _records(ctx: Ctx) -> dict[str, Any]:
    return ctx.emulator.extra.setdefault(
        "ram", {"resources": set(), "principals": set(), "accepted": set()}
    )


def _moto_share(account_id: str, region: str, share_arn: str) -> Any:
    from moto.ram.models import ram_backends

    for share in ram_backends[account_id][region].resource_shares:
        if share.arn == share_arn:
            return share
    return None


def _own_share(ctx: Ctx, share_arn: str) -> Any:
    share = _moto_share(ctx.account_id, ctx.region, share_arn)
    if share is None:
        raise EmulatorRejected(
            f"UnknownResourceException: resource share {share_arn} is not a share of account "
            f"{ctx.account_id} in {ctx.region}"
        )
    return share


def _known_accounts(ctx: Ctx) -> set[str]:
    return {c.account_id for c in ctx.emulator.created} | {
        p.account_id for p in ctx.emulator.providers.values()
    }


@resource(SHARE)
def resource_share(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    out = ctx.client("ram").create_resource_share(
        name=inputs.get("name") or name,
        allowExternalPrincipals=bool(inputs.get("allowExternalPrincipals", False)),
        tags=[{"key": k, "value": v} for k, v in ctx.tags(inputs).items()],
    )["resourceShare"]
    return out["resourceShareArn"], {"arn": out["resourceShareArn"]}


@resource("aws:ram/resourceAssociation:ResourceAssociation")
def resource_association(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    share_arn, resource_arn = inputs["resourceShareArn"], inputs["resourceArn"]
    share = _own_share(ctx, share_arn)
    parts = resource_arn.split(":")
    if len(parts) < 6 or parts[4] != ctx.account_id:
        raise EmulatorRejected(
            f"MalformedArnException/OperationNotPermitted: {resource_arn} is not a resource of "
            f"account {ctx.account_id}; a share can only hold the owner's resources"
        )
    _require_resource_exists(ctx, resource_arn)
    if resource_arn.split(":", 5)[5].startswith(_NOT_IN_MOTO):
        # Shareable in AWS RAM ("Shareable AWS resources": route53resolver:FirewallRuleGroup,
        # route53resolver:ResolverQueryLogConfig), missing from moto's list of shareable types.
        pass
    else:
        share.add_resources([resource_arn])  # moto's checks: ARN shape, shareable type
    _records(ctx)["resources"].add((share_arn, resource_arn))
    return f"{share_arn},{resource_arn}", {}


def _require_resource_exists(ctx: Ctx, arn: str) -> None:
    kind = arn.split(":", 5)[5]
    if kind.startswith("resolver-rule/"):
        ctx.client("route53resolver").get_resolver_rule(ResolverRuleId=kind.split("/", 1)[1])
    elif kind.startswith("subnet/"):
        ctx.client("ec2").describe_subnets(SubnetIds=[kind.split("/", 1)[1]])
    elif not any(c.outputs.get("arn") == arn for c in ctx.emulator.created):
        raise EmulatorRejected(f"UnknownResourceException: {arn} does not exist")


@resource("aws:ram/principalAssociation:PrincipalAssociation")
def principal_association(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    share_arn, principal = inputs["resourceShareArn"], inputs["principal"]
    share = _own_share(ctx, share_arn)
    if re.fullmatch(r"\d{12}", principal):
        if principal == ctx.account_id:
            raise EmulatorRejected(
                f"InvalidParameterException: cannot share with the owner {principal}"
            )
        if principal not in _known_accounts(ctx):
            raise EmulatorRejected(
                f"UnknownResourceException: principal {principal} is not an account of this "
                f"deployment (known: {sorted(_known_accounts(ctx))})"
            )
    share.add_principals([principal])  # moto's checks: principal syntax, organization / OU
    _records(ctx)["principals"].add((share_arn, principal))
    return f"{share_arn},{principal}", {}


@resource("aws:ram/resourceShareAccepter:ResourceShareAccepter")
def resource_share_accepter(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    share_arn = inputs["shareArn"]
    owner_account, region = share_arn.split(":")[4], share_arn.split(":")[3]
    share = _moto_share(owner_account, region, share_arn)
    if share is None or (share_arn, ctx.account_id) not in _records(ctx)["principals"]:
        raise EmulatorRejected(
            f"ResourceShareInvitationArnNotFoundException: no invitation to share {share_arn} for "
            f"account {ctx.account_id} (the owner must associate this account as a principal)"
        )
    _records(ctx)["accepted"].add((share_arn, ctx.account_id))
    share_id = share_arn.rsplit("/", 1)[-1]
    invitation = f"arn:aws:ram:{region}:{owner_account}:resource-share-invitation/{share_id}"
    return share_arn, {
        "invitationArn": invitation,
        "status": "ACCEPTED",
        "receiverAccountId": ctx.account_id,
        "senderAccountId": owner_account,
        "shareId": share_id,
        "shareName": share.name,
        "resources": sorted(r for s, r in _records(ctx)["resources"] if s == share_arn),
    }


def shared_with(ctx: Ctx, resource_arn: str, account_id: str) -> bool:
    """Whether `resource_arn` is in a share that names `account_id` as a principal. Inside an
    organization AWS needs no acceptance; outside it, the share must allow external principals
    and the invitation must be accepted."""
    records = _records(ctx)
    owner, region = resource_arn.split(":")[4], resource_arn.split(":")[3]
    for share_arn, arn in records["resources"]:
        if arn != resource_arn or (share_arn, account_id) not in records["principals"]:
            continue
        share = _moto_share(owner, region, share_arn)
        if share is None:
            continue
        if not share.allow_external_principals or (share_arn, account_id) in records["accepted"]:
            return True
    return False
