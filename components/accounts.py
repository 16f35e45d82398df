"""One `aws.Provider` per account (and per region an account is used in), looked up by key.

Every resource that belongs to an account is created with that account's provider, never the
default provider: `allowed_account_ids` makes the provider refuse to act if the credentials it gets
resolve to another account, so a wrong role can never create a spoke in the network account.
"""

from __future__ import annotations

import pulumi_aws as aws

from components.model import PROJECT, StackConfig
from components.naming import default_tags


class Accounts:
    """The providers of a stack, created on first use and cached by (account key, region)."""

    def __init__(self, cfg: StackConfig):
        self._cfg = cfg
        self._providers: dict[tuple[str, str], aws.Provider] = {}

    def account_id(self, key: str) -> str:
        return self._cfg.accounts[key].id

    def provider(self, key: str, region: str | None = None) -> aws.Provider:
        """The provider for account `key` in `region` (the stack's region by default)."""
        region = region or self._cfg.region
        cached = self._providers.get((key, region))
        if cached is not None:
            return cached
        account = self._cfg.accounts[key]
        assume_roles = None
        if account.role_arn:
            assume_roles = [
                aws.ProviderAssumeRoleArgs(
                    role_arn=account.role_arn,
                    # Shows in the account's CloudTrail which stack made each call.
                    session_name=f"{PROJECT}-{self._cfg.stack}",
                )
            ]
        name = key if region == self._cfg.region else f"{key}-{region}"
        provider = aws.Provider(
            name,
            region=region,
            allowed_account_ids=[account.id],
            assume_roles=assume_roles,
            default_tags=aws.ProviderDefaultTagsArgs(tags=default_tags(self._cfg)),
        )
        self._providers[(key, region)] = provider
        return provider
