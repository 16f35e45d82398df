"""AWS RAM shares (design.md pitfall 5).

moto creates and lists resource shares but has no AssociateResourceShare or
AcceptResourceShareInvitation calls. The emulator layer does what AWS checks for those: the share
is the caller's, the resource exists and belongs to the caller, the principal is an account the
emulator knows (or an organization / OU moto validates), external principals only when the share
allows them, and an accepter only in a principal account. Associations are recorded on moto's
share object (so `get_resource_shares` shows them) and in `EmulatorMocks.extra["ram"]`.

A share is eventually consistent (terraform-provider-aws#11902): the emulator records when a
resource became shared with an account (the later of its resource association, the principal
association and the acceptance) on its virtual clock, and the resource is visible to that account
only `EmulatorMocks.share_delay_seconds` later. Only a wait advances the clock: the mapping of
`SharedResourceVisible` runs the program's own poll loop (components/visibility.py) with the
emulator's clock and this visibility as its check, so an association that does not wait is
refused, and one that waits longer than its bound fails with the program's error.
"""

from __future__ import annotations

import re
from typing import Any

from components.visibility import VISIBLE_TYPE, ShareNotVisible, wait_until_visible
from offline.emulator.registry import Created, Ctx, EmulatorRejected, Inputs, resource

SHARE = "aws:ram/resourceShare:ResourceShare"
_NOT_IN_MOTO = ("firewall-rule-group/", "resolver-query-log-config/")


def _records(ctx: Ctx) -> dict[str, Any]:
    return ctx.emulator.extra.setdefault(
        "ram", {"resources": set(), "principals": set(), "accepted": set(), "since": {}}
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
    _note_shared(ctx)
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
    _note_shared(ctx)
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
    _note_shared(ctx)
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


def _reaches(ctx: Ctx, resource_arn: str, account_id: str) -> bool:
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


def _note_shared(ctx: Ctx) -> None:
    """Stamp, on the virtual clock, each (resource, account) the share has just reached."""
    records = _records(ctx)
    principals = {account for _, account in records["principals"]}
    for _, arn in records["resources"]:
        for account in principals:
            if (arn, account) not in records["since"] and _reaches(ctx, arn, account):
                records["since"][(arn, account)] = ctx.emulator.clock


def visible(ctx: Ctx, resource_arn: str, account_id: str) -> bool:
    """Shared with `account_id` and propagated there (`share_delay_seconds` since)."""
    since = _records(ctx)["since"].get((resource_arn, account_id))
    if since is None or not _reaches(ctx, resource_arn, account_id):
        return False
    return ctx.emulator.clock - since >= ctx.emulator.share_delay_seconds


def shared_with(ctx: Ctx, resource_arn: str, account_id: str) -> bool:
    """Whether `account_id` can use `resource_arn` now: shared with it through RAM and visible
    there. Shared but not yet visible is refused here, naming the delay (AWS answers not found)."""
    if not _reaches(ctx, resource_arn, account_id):
        return False
    if not visible(ctx, resource_arn, account_id):
        since = _records(ctx)["since"][(resource_arn, account_id)]
        raise EmulatorRejected(
            f"ResourceNotFound: {resource_arn} is shared with account {account_id} but not "
            f"visible there yet: RAM propagates a share in {ctx.emulator.share_delay_seconds:g} s "
            f"(emulated), {ctx.emulator.clock - since:g} s have passed; an association must wait "
            "for the share (components/visibility.py)"
        )
    return True


@resource(VISIBLE_TYPE)
def shared_resource_visible(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    """The program's wait, with the emulator's clock and visibility in place of time and the
    service's read in the receiving account (moto keeps each account's resources apart, so
    another account's shared resource is never found there)."""
    arn, account, region = inputs["resourceArn"], inputs["accountId"], inputs["region"]
    try:
        wait_until_visible(
            lambda: visible(ctx, arn, account),
            resource_arn=arn,
            account_id=account,
            region=region,
            timeout_seconds=float(inputs["timeoutSeconds"]),
            sleep=ctx.emulator.sleep,
            clock=lambda: ctx.emulator.clock,
        )
    except ShareNotVisible as e:
        raise EmulatorRejected(str(e)) from e
    return f"{account}/{arn}", {}
