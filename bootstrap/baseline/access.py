"""CiAccess: the roles hubspoke runs as, and (home account) the CI's OIDC provider.

- `hubspoke-deploy-<environment>` in every account that environment deploys to: assumed by each
  provider of that stack (its `roleArn`); in the home account also by that environment's CI job
  through OIDC. One role per environment: a dev job never holds prod's rights.
- `hubspoke-workload-boundary` in every account: the permissions boundary every role of the main
  program must carry, so a deploy role can create roles but never one stronger than this.
- `hubspoke-preview` in the home account: CI's read-only entry for pull-request previews.
See policies.py for every statement and why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .config import BootstrapConfig
from .policies import (
    AUDIENCE,
    PREVIEW_ROLE,
    WORKLOAD_BOUNDARY,
    deploy_guards,
    deploy_permissions,
    deploy_role_name,
    deploy_state_permissions,
    deploy_trust,
    preview_permissions,
    preview_trust,
    workload_boundary,
)

# Sessions. A prod `up` can outlast an hour (resolver endpoints, the VPN connection, and Lambda's
# VPC network interfaces, whose deletion can take tens of minutes, all wait in line): CI asks
# for ENTRY_SESSION_SECONDS when its job assumes a home deploy role (up.yml,
# role-duration-seconds), and the role must allow it. The state backend and the providers
# without roleArn use that session for the whole run. Providers with a roleArn chain a new
# session from it, which AWS caps at one hour whatever the role allows (IAM User Guide, "Role
# chaining"); the provider renews a chained session before it expires (docs/delivery.md), for as
# long as the entry session lasts. So: 4 h for the roles CI enters by OIDC, 1 h elsewhere.
ENTRY_SESSION_SECONDS = 4 * 3600
CHAINED_SESSION_SECONDS = 3600


@dataclass(frozen=True)
class CiAccessArgs:
    cfg: BootstrapConfig
    provider: aws.Provider
    state_bucket_arn: pulumi.Output[str] | None = None  # home account only
    state_key_arn: pulumi.Output[str] | None = None


class CiAccess(pulumi.ComponentResource):
    oidc_provider: aws.iam.OpenIdConnectProvider | None
    workload_boundary: aws.iam.Policy
    deploy_roles: dict[str, aws.iam.Role]  # by environment
    preview_role: aws.iam.Role | None

    def __init__(self, name: str, args: CiAccessArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("hubspoke-bootstrap:access:CiAccess", name, None, opts)
        cfg = args.cfg
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)

        self.oidc_provider = None
        self.preview_role = None
        if cfg.is_home:
            self.oidc_provider = aws.iam.OpenIdConnectProvider(
                f"{name}-oidc",
                url=f"https://{cfg.ci.issuer}",
                client_id_lists=[AUDIENCE],
                # No thumbprints: for GitHub and GitLab IAM validates the issuer against its own
                # trusted CAs (pulumi_aws iam.OpenIdConnectProvider, thumbprint_lists).
                opts=child,
            )

        state = None
        if args.state_bucket_arn is not None and args.state_key_arn is not None:
            state = pulumi.Output.all(args.state_bucket_arn, args.state_key_arn)
        self.workload_boundary = aws.iam.Policy(
            f"{name}-workload-boundary",
            name=WORKLOAD_BOUNDARY,
            description="The most any role hubspoke creates may do (its permissions boundary)",
            policy=(
                state.apply(lambda a: json.dumps(workload_boundary(a[0], a[1])))
                if state is not None
                else json.dumps(workload_boundary())
            ),
            opts=child,
        )
        self.deploy_roles = {
            env: self._deploy_role(name, env, cfg, state, child) for env in cfg.environments
        }

        if cfg.is_home:
            assert self.oidc_provider is not None
            assert args.state_bucket_arn is not None and args.state_key_arn is not None
            assert state is not None
            self.preview_role = aws.iam.Role(
                f"{name}-preview",
                name=PREVIEW_ROLE,
                assume_role_policy=self.oidc_provider.arn.apply(
                    lambda arn: json.dumps(preview_trust(cfg, arn))
                ),
                max_session_duration=CHAINED_SESSION_SECONDS,  # previews are short
                opts=child,
            )
            aws.iam.RolePolicy(
                f"{name}-preview",
                role=self.preview_role.id,
                policy=state.apply(lambda a: json.dumps(preview_permissions(cfg, a[0], a[1]))),
                opts=child,
            )

        self.register_outputs(
            {
                "deploy_role_arns": {env: r.arn for env, r in self.deploy_roles.items()},
                "preview_role_arn": self.preview_role.arn if self.preview_role else None,
            }
        )

    def _deploy_role(
        self,
        name: str,
        env: str,
        cfg: BootstrapConfig,
        state: pulumi.Output[list[str]] | None,
        child: pulumi.ResourceOptions,
    ) -> aws.iam.Role:
        """`env`'s deploy role, capped by its own policy as permissions boundary: whatever is
        attached to it later, it cannot exceed this (and cannot change it, see the Denies)."""
        role_name = deploy_role_name(env)
        permissions = json.dumps(deploy_permissions(cfg, env))
        guards = (
            state.apply(lambda a: json.dumps(deploy_guards(cfg, env, a[0], a[1])))
            if state is not None
            else json.dumps(deploy_guards(cfg, env))
        )
        boundary = aws.iam.Policy(
            f"{name}-deploy-{env}",
            name=role_name,
            description=f"What hubspoke's {env} deploy role may do; also its permissions boundary",
            policy=permissions,
            opts=child,
        )
        oidc = self.oidc_provider
        trust = (
            oidc.arn.apply(lambda arn: json.dumps(deploy_trust(cfg, env, arn)))
            if oidc is not None
            else json.dumps(deploy_trust(cfg, env, None))
        )
        role = aws.iam.Role(
            f"{name}-deploy-{env}",
            name=role_name,
            assume_role_policy=trust,
            permissions_boundary=boundary.arn,
            max_session_duration=(
                ENTRY_SESSION_SECONDS if oidc is not None else CHAINED_SESSION_SECONDS
            ),
            opts=child,
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-deploy-{env}", role=role.name, policy_arn=boundary.arn, opts=child
        )
        aws.iam.RolePolicy(f"{name}-deploy-{env}-guards", role=role.id, policy=guards, opts=child)
        if state is not None:
            aws.iam.RolePolicy(
                f"{name}-deploy-{env}-state",
                role=role.id,
                policy=state.apply(lambda a: json.dumps(deploy_state_permissions(a[0], a[1]))),
                opts=child,
            )
        return role
