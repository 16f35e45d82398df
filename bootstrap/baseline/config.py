"""The bootstrap stack's config, validated before any resource: all problems in one error."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

PROJECT = "hubspoke-bootstrap"
CiProvider = Literal["github", "gitlab"]

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_GITHUB_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_GITLAB_PROJECT = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_HOST = re.compile(r"^[a-z0-9.-]+\.[a-z]{2,}$")


class BootstrapConfigError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid bootstrap config:\n  " + "\n  ".join(problems))


@dataclass(frozen=True)
class CiConfig:
    """Who may assume the roles: one repository (GitHub) or project (GitLab) and its OIDC issuer."""

    provider: CiProvider
    repository: str
    issuer: str  # host of the OIDC issuer: token.actions.githubusercontent.com, gitlab.com, ...
    default_branch: str


@dataclass(frozen=True)
class BootstrapConfig:
    account_id: str
    home_account_id: str  # the account CI logs in to; it chains into this one
    region: str
    regions: tuple[str, ...]  # where the deploy role may act (aws:RequestedRegion)
    environments: tuple[str, ...]  # the stacks (GitHub environments): one deploy role each
    ci: CiConfig
    state_bucket_name: str | None
    # Home account: environment -> the accounts whose hubspoke-deploy-<environment> role that
    # environment's providers assume (the roleArn accounts of Pulumi.<environment>.yaml).
    chain_into: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def is_home(self) -> bool:
        """The home account holds the OIDC provider, the preview role and the state backend."""
        return self.account_id == self.home_account_id


def parse(raw: Mapping[str, Any], region: str | None) -> BootstrapConfig:
    """`raw` maps keys without the project prefix to their (JSON-decoded) values."""
    problems: list[str] = []

    def need(key: str, pattern: re.Pattern[str], what: str, value: Any = None) -> str:
        value = raw.get(key) if value is None else value
        if not isinstance(value, str) or not pattern.match(value):
            problems.append(f"{PROJECT}:{key} {value!r} is not {what}")
            return ""
        return value

    account_id = need("accountId", _ACCOUNT_ID, "a 12-digit account id")
    home = need("homeAccountId", _ACCOUNT_ID, "a 12-digit account id")
    if not isinstance(region, str) or not _REGION.match(region):
        problems.append(f"aws:region {region!r} is not a region name")
    regions = raw.get("regions", [region])
    if not isinstance(regions, list) or not regions:
        problems.append(f"{PROJECT}:regions {regions!r} is not a non-empty list of regions")
        regions = []
    for i, name in enumerate(regions):
        need(f"regions[{i}]", _REGION, "a region name", name if name is not None else "")
    environments = raw.get("environments")
    if not isinstance(environments, list) or not environments:
        problems.append(
            f"{PROJECT}:environments {environments!r} is not a non-empty list of stack names"
        )
        environments = []
    for i, name in enumerate(environments):
        need(f"environments[{i}]", _NAME, "a stack name", name if name is not None else "")

    ci_raw = raw.get("ci")
    if not isinstance(ci_raw, Mapping):
        problems.append(f"{PROJECT}:ci {ci_raw!r} is not a mapping {{provider, repository}}")
        ci_raw = {}
    provider = ci_raw.get("provider", "github")
    if provider not in ("github", "gitlab"):
        problems.append(f"{PROJECT}:ci.provider {provider!r} is not one of github, gitlab")
    pattern = _GITLAB_PROJECT if provider == "gitlab" else _GITHUB_REPO
    repository = need("ci.repository", pattern, "owner/name", ci_raw.get("repository", ""))
    default_issuer = "gitlab.com" if provider == "gitlab" else "token.actions.githubusercontent.com"
    issuer = need("ci.issuer", _HOST, "a host name", ci_raw.get("issuer", default_issuer))
    branch = ci_raw.get("defaultBranch", "main")
    if not isinstance(branch, str) or not branch or any(c in branch for c in "*?\"'"):
        problems.append(f"{PROJECT}:ci.defaultBranch {branch!r} is not a branch name")

    bucket = raw.get("stateBucketName")
    if bucket is not None and not (
        isinstance(bucket, str) and re.match(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", bucket)
    ):
        problems.append(f"{PROJECT}:stateBucketName {bucket!r} is not an S3 bucket name")
    if account_id and home and account_id != home and bucket is not None:
        problems.append(
            f"{PROJECT}:stateBucketName is set for account {account_id}: only the home account "
            f"{home} holds the state backend"
        )
    chain_into = _chain_into(raw.get("chainInto", {}), environments, problems)
    if chain_into and account_id and home and account_id != home:
        problems.append(
            f"{PROJECT}:chainInto is set for account {account_id}: only the home account {home} "
            "chains into other accounts"
        )
    if problems:
        raise BootstrapConfigError(problems)
    return BootstrapConfig(
        account_id=account_id,
        home_account_id=home,
        region=str(region),
        regions=tuple(regions),
        environments=tuple(environments),
        ci=CiConfig(provider, repository, issuer, branch),
        state_bucket_name=bucket,
        chain_into=chain_into,
    )


def _chain_into(
    raw: Any, environments: list[Any], problems: list[str]
) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, Mapping):
        problems.append(f"{PROJECT}:chainInto {raw!r} is not a mapping environment -> account ids")
        return {}
    chain: dict[str, tuple[str, ...]] = {}
    for env, accounts in raw.items():
        if env not in environments:
            problems.append(
                f"{PROJECT}:chainInto.{env} names no environment of {PROJECT}:environments"
            )
            continue
        if not isinstance(accounts, list) or not all(
            isinstance(a, str) and _ACCOUNT_ID.match(a) for a in accounts
        ):
            problems.append(f"{PROJECT}:chainInto.{env} {accounts!r} is not a list of account ids")
            continue
        chain[env] = tuple(accounts)
    return chain


def load() -> BootstrapConfig:
    import pulumi

    config = pulumi.Config(PROJECT)
    strings = ("accountId", "homeAccountId", "stateBucketName")
    objects = ("regions", "environments", "ci", "chainInto")
    raw: dict[str, Any] = {k: config.get(k) for k in strings if config.get(k) is not None}
    raw.update({k: config.get_object(k) for k in objects if config.get(k) is not None})
    return parse(raw, pulumi.Config("aws").get("region"))
