"""AWS RAM shares (design.md pitfall 5).

moto creates and lists resource shares but has no AssociateResourceShare or
AcceptResourceShareInvitation calls. The emulator layer does what AWS checks for those: the share
is the caller's, the resource exists and belongs to the caller, the principal is an account the
emulator knows from the start (`EmulatorMocks.accounts`, whatever the order of registration; or
an organization / OU moto validates), external principals only when the share allows them, and
an accepter only in a principal account. Associations are recorded on moto's
share object (so `get_resource_shares` shows them) and in `EmulatorMocks.extra["ram"]`.

A share is eventually consistent. In the AWS RAM API a resource or principal association is
asynchronous: it starts `ASSOCIATING` and becomes `ASSOCIATED` later (the `status` of
ResourceShareAssociation, docs.aws.amazon.com/ram/latest/APIReference/API_ResourceShareAssociation
.html), and the reads of the receiving account are eventually consistent too ("Eventual
consistency in the Amazon EC2 API", docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency
.html: a resource not yet propagated is answered as not existing). terraform-provider-aws#11902
shows it for resolver rules: an association right after the principal association fails with
ResourceNotFoundException, and succeeds a little later.

The delay runs per resource and receiving account, on a virtual clock of that pair which only
the wait for it (`SharedResourceVisible`) moves. The mapping of that wait runs the program's own
poll loop (components/visibility.py) with the wait's reading of the clock as its time and a step
of it as its sleep: it passes time without sleeping. The share reaches the account (the later of
its resource association, the principal association and the acceptance) at some reading; the
resource is visible there `EmulatorMocks.share_delay_seconds` later. Readings travel along
dependencies only (`EmulatorMocks` merges the horizons of what a registration depends on): the
engine may run a registration at any moment after its dependencies, so a reading it does not
depend on may not have happened yet when it runs. An association that does not depend on the
wait for its own resource in its own account is therefore refused with the not-found error of
its API, whatever other waits did and in whatever order the engine ran them; a wait that runs
before the share reaches the account polls until its bound, and one whose bound is shorter than
the delay fails with the program's error.
"""

from __future__ import annotations

import re
from typing import Any

from components.visibility import VISIBLE_TYPE, ShareNotVisible, wait_until_visible
from offline.emulator.registry import HORIZON, Created, Ctx, EmulatorRejected, Inputs, resource

SHARE = "aws:ram/resourceShare:ResourceShare"
# A registration's horizon (registry.HORIZON) holds RAM's clocks as (SHARE_CLOCK, arn, account).
SHARE_CLOCK = "ram-share"
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
        # Against the accounts known from the start, not those registered so far: the
        # principal is a plain id, so the engine may run this before the account's provider.
        if principal not in ctx.emulator.accounts:
            raise EmulatorRejected(
                f"UnknownResourceException: principal {principal} is not an account of this "
                f"deployment (known: {sorted(ctx.emulator.accounts)}: the stack's "
                "hubspoke:accounts, or EmulatorMocks(accounts=...))"
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


def _reading(resource_arn: str, account_id: str) -> float | None:
    """How far the registration in flight has seen the clock of (resource, account) go: the
    latest reading a wait it depends on made (None: it comes after no such wait)."""
    return HORIZON.get({}).get((SHARE_CLOCK, resource_arn, account_id))


def _note_shared(ctx: Ctx) -> None:
    """Stamp each (resource, account) the share has just reached, on that pair's clock as the
    registration in flight has seen it."""
    records = _records(ctx)
    principals = {account for _, account in records["principals"]}
    for _, arn in records["resources"]:
        for account in principals:
            if (arn, account) not in records["since"] and _reaches(ctx, arn, account):
                records["since"][(arn, account)] = _reading(arn, account) or 0.0


def _waited(ctx: Ctx, resource_arn: str, account_id: str, reading: float | None) -> float | None:
    """Seconds since the share reached the account, at `reading` of its clock (None: not
    shared with it)."""
    since = _records(ctx)["since"].get((resource_arn, account_id))
    if since is None or not _reaches(ctx, resource_arn, account_id):
        return None
    return max((reading or 0.0) - since, 0.0)


def shared_with(ctx: Ctx, resource_arn: str, account_id: str, *, not_found: str) -> bool:
    """Whether `account_id` can use `resource_arn` in the registration in flight: shared with it
    through RAM and, on what this registration has seen of its clock, visible there. Shared but
    not yet visible is refused with `not_found`, the error of the API that reads it (AWS
    answers as if the resource did not exist), naming the delay."""
    waited = _waited(ctx, resource_arn, account_id, _reading(resource_arn, account_id))
    if waited is None:
        return False
    if waited < ctx.emulator.share_delay_seconds:
        raise EmulatorRejected(
            f"{not_found}: {resource_arn} is shared with account {account_id} but not visible "
            f"there yet: RAM propagates a share in {ctx.emulator.share_delay_seconds:g} s "
            f"(emulated), {waited:g} s have passed on its clock in this account as this "
            "registration has seen it: only the wait for this resource in this account moves "
            "that clock, and only for what depends on the wait; an association must depend on "
            "the wait for its own share (components/visibility.py)"
        )
    return True


@resource(VISIBLE_TYPE)
def shared_resource_visible(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    """The program's wait, with the pair's clock and visibility in place of time and the
    service's read in the receiving account (moto keeps each account's resources apart, so
    another account's shared resource is never found there)."""
    arn, account, region = inputs["resourceArn"], inputs["accountId"], inputs["region"]
    # The wait's own reading of the pair's clock: from what it depends on; its sleeps move it.
    now = [_reading(arn, account) or 0.0]

    def sleep(seconds: float) -> None:
        now[0] += max(seconds, 0.0)

    def check() -> bool:
        waited = _waited(ctx, arn, account, now[0])
        return waited is not None and waited >= ctx.emulator.share_delay_seconds

    try:
        wait_until_visible(
            check,
            resource_arn=arn,
            account_id=account,
            region=region,
            timeout_seconds=float(inputs["timeoutSeconds"]),
            sleep=sleep,
            clock=lambda: now[0],
        )
    except ShareNotVisible as e:
        raise EmulatorRejected(str(e)) from e
    # What depends on this wait has seen the clock this far (EmulatorMocks merges horizons).
    HORIZON.get()[(SHARE_CLOCK, arn, account)] = now[0]
    return f"{account}/{arn}", {}
