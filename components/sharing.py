"""HubShare: the hub account shares resources of one region with the accounts that use them.

Used for the resolver's forwarding rules, the DNS Firewall rule groups, the query log configs and
the transit gateways (design.md pitfall 5). A share associates nothing by itself: each receiving
account still associates the shared resource with its VPC, with its own provider, after
`waits_for(account, resource)`: its account is a principal of the share and, outside an
organization, has accepted the invitation, and the resource is visible there (a share is eventually
consistent: components/visibility.py waits for it, bounded). Inside an organization the share needs
RAM sharing with AWS Organizations enabled once in the management account
(`aws ram enable-sharing-with-aws-organization`); then accounts receive it without an invitation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from components.visibility import SharedResourceVisible

if TYPE_CHECKING:
    from components.vpc import VpcRef


class HubShare:
    """A RAM share (hub account, hub provider for its region), its resources and principals.

    Logical names: `<name>` for the share, `<name>-<resource key>` for each resource association,
    `<name>-<account key>` for each principal association and accepter,
    `<name>-<account key>-<resource key>-visible` for each wait until a resource is visible.
    """

    def __init__(
        self,
        name: str,
        *,
        aws_name: str,
        resources: Mapping[str, pulumi.Input[str]],
        accounts: Mapping[str, VpcRef],
        external: bool,
        tags: Mapping[str, str],
        opts: pulumi.ResourceOptions,
        former_names: Mapping[str, str] | None = None,
    ) -> None:
        """`resources` is key -> ARN; `accounts` is account key -> a VPC of that account in this
        region (its id, provider and role); `opts` carries the parent and the hub's provider;
        `former_names` is resource key -> the logical name its association had before (an alias,
        so a running stack keeps it)."""
        self._name, self._opts = name, opts
        self._resource_arns = dict(resources)
        self._accounts = dict(accounts)
        self._visible: dict[tuple[str, str], SharedResourceVisible] = {}
        self.share = aws.ram.ResourceShare(
            name,
            name=aws_name,
            allow_external_principals=external,
            tags=dict(tags),
            opts=opts,
        )
        former = dict(former_names or {})
        self.resources: dict[str, aws.ram.ResourceAssociation] = {
            key: aws.ram.ResourceAssociation(
                f"{name}-{key}",
                resource_share_arn=self.share.arn,
                resource_arn=arn,
                opts=opts
                if key not in former
                else pulumi.ResourceOptions.merge(
                    opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(name=former[key])])
                ),
            )
            for key, arn in resources.items()
        }
        self.principals: dict[str, aws.ram.PrincipalAssociation] = {}
        self.accepters: dict[str, aws.ram.ResourceShareAccepter] = {}
        for key, vpc in accounts.items():
            principal = aws.ram.PrincipalAssociation(
                f"{name}-{key}",
                resource_share_arn=self.share.arn,
                principal=vpc.account_id,
                opts=opts,
            )
            self.principals[key] = principal
            if external:
                # Outside an organization the receiving account gets an invitation to accept.
                # Taking the ARN from the principal association orders it after the invitation.
                self.accepters[key] = aws.ram.ResourceShareAccepter(
                    f"{name}-{key}",
                    share_arn=principal.resource_share_arn,
                    opts=pulumi.ResourceOptions(parent=opts.parent, provider=vpc.provider),
                )

    def waits_for(self, account_key: str, resource_key: str) -> list[pulumi.Resource]:
        """What an association in `account_key` waits for: the account can see the resource (it
        is a principal, has accepted outside an organization, the resource is in the share, and
        the share has reached the account)."""
        if account_key not in self.principals:
            return []
        waits: list[pulumi.Resource] = [self.principals[account_key]]
        if account_key in self.accepters:
            waits.append(self.accepters[account_key])
        waits.append(self.resources[resource_key])
        waits.append(self._visible_in(account_key, resource_key, list(waits)))
        return waits

    def _visible_in(
        self, account_key: str, resource_key: str, after: list[pulumi.Resource]
    ) -> SharedResourceVisible:
        """One wait per account and resource, however many VPCs of the account associate it."""
        key = (account_key, resource_key)
        if key not in self._visible:
            vpc = self._accounts[account_key]
            self._visible[key] = SharedResourceVisible(
                f"{self._name}-{account_key}-{resource_key}-visible",
                resource_arn=self._resource_arns[resource_key],
                account_id=vpc.account_id,
                region=vpc.region,
                role_arn=vpc.role_arn,
                opts=pulumi.ResourceOptions(parent=self._opts.parent, depends_on=after),
            )
        return self._visible[key]


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
    former_names: Mapping[str, str] | None = None,
) -> HubShare | None:
    """The share of a region's hub resources with every other account that owns one of `vpcs`;
    None when the hub's account owns them all (nothing to share)."""
    others = {v.account_key: v for v in vpcs if v.account_id != hub_account_id}
    if not others:
        return None
    return HubShare(
        name, aws_name=aws_name, resources=resources, accounts=others, external=external,
        tags=tags, opts=opts, former_names=former_names,
    )  # fmt: skip


def waits_for(share: HubShare | None, account_key: str, resource_key: str) -> list[pulumi.Resource]:
    """What an association in `account_key` waits for; nothing without a share (same account)."""
    return share.waits_for(account_key, resource_key) if share is not None else []
