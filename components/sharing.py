"""HubShare: the hub account shares resources of one region with the accounts that use them.

Used for the resolver's forwarding rules, the DNS Firewall rule groups and the query log configs
(design.md pitfall 5). A share associates nothing by itself: each receiving account still
associates the shared resource with its VPC, with its own provider, after `waits_for(account)`:
its account is a principal of the share and, outside an organization, has accepted the
invitation. Inside an organization the share needs RAM sharing with AWS Organizations enabled
once in the management account (`aws ram enable-sharing-with-aws-organization`); then accounts
receive it without an invitation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

if TYPE_CHECKING:
    from components.vpc import VpcRef


class HubShare:
    """A RAM share (hub account, hub provider for its region), its resources and principals.

    Logical names: `<name>` for the share, `<name>-<resource key>` for each resource association,
    `<name>-<account key>` for each principal association and accepter.
    """

    def __init__(
        self,
        name: str,
        *,
        aws_name: str,
        resources: Mapping[str, pulumi.Input[str]],
        accounts: Mapping[str, tuple[str, aws.Provider]],
        external: bool,
        tags: Mapping[str, str],
        opts: pulumi.ResourceOptions,
    ) -> None:
        """`resources` is key -> ARN; `accounts` is account key -> (account id, its provider in
        this region); `opts` carries the parent and the hub's provider."""
        self.share = aws.ram.ResourceShare(
            name,
            name=aws_name,
            allow_external_principals=external,
            tags=dict(tags),
            opts=opts,
        )
        self.resources: dict[str, aws.ram.ResourceAssociation] = {
            key: aws.ram.ResourceAssociation(
                f"{name}-{key}", resource_share_arn=self.share.arn, resource_arn=arn, opts=opts
            )
            for key, arn in resources.items()
        }
        self.principals: dict[str, aws.ram.PrincipalAssociation] = {}
        self.accepters: dict[str, aws.ram.ResourceShareAccepter] = {}
        for key, (account_id, provider) in accounts.items():
            principal = aws.ram.PrincipalAssociation(
                f"{name}-{key}",
                resource_share_arn=self.share.arn,
                principal=account_id,
                opts=opts,
            )
            self.principals[key] = principal
            if external:
                # Outside an organization the receiving account gets an invitation to accept.
                # Taking the ARN from the principal association orders it after the invitation.
                self.accepters[key] = aws.ram.ResourceShareAccepter(
                    f"{name}-{key}",
                    share_arn=principal.resource_share_arn,
                    opts=pulumi.ResourceOptions(parent=opts.parent, provider=provider),
                )

    def waits_for(self, account_key: str, resource_key: str | None = None) -> list[pulumi.Resource]:
        """What an association in `account_key` waits for: the account can see the resource (it
        is a principal, has accepted outside an organization, and the resource is in the share)."""
        if account_key not in self.principals:
            return []
        waits: list[pulumi.Resource] = [self.principals[account_key]]
        if account_key in self.accepters:
            waits.append(self.accepters[account_key])
        if resource_key is not None:
            waits.append(self.resources[resource_key])
        return waits


def share_with_vpc_owners(
    name: str,
    *,
    vpcs: Iterable[VpcRef],
    hub_account_id: str,
    aws_name: str,
    resources: Mapping[str, pulumi.Input[str]],
    external: bool,
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions,
) -> HubShare | None:
    """The share of a region's hub resources with every other account that owns one of `vpcs`;
    None when the hub's account owns them all (nothing to share)."""
    others = {
        v.account_key: (v.account_id, v.provider) for v in vpcs if v.account_id != hub_account_id
    }
    if not others:
        return None
    return HubShare(
        name, aws_name=aws_name, resources=resources, accounts=others, external=external,
        tags=tags, opts=opts,
    )  # fmt: skip


def waits_for(share: HubShare | None, account_key: str, resource_key: str) -> list[pulumi.Resource]:
    """What an association in `account_key` waits for; nothing without a share (same account)."""
    return share.waits_for(account_key, resource_key) if share is not None else []
