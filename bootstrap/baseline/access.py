"""CiAccess: the roles hubspoke runs as, and (home account) the CI's OIDC provider.

- `hubspoke-deploy` in every account: assumed by each provider of the stacks (their `roleArn`);
  in the home account also by CI through OIDC, for `pulumi up` from a deploy environment.
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
    DEPLOY_ROLE,
    PREVIEW_ROLE,
    deploy_permissions,
    deploy_state_permissions,
    deploy_trust,
    preview_permissions,
    preview_trust,
)

MAX_SESSION_SECONDS = 3600


@dataclass(frozen=True)
class CiAccessArgs:
    cfg: BootstrapConfig
    provider: aws.Provider
    state_bucket_arn: pulumi.Output[str] | None = None  # home account only
    state_key_arn: pulumi.Output[str] | None = None


class CiAccess(pulumi.ComponentResource):
    oidc_provider: aws.iam.OpenIdConnectProvider | None
    deploy_role: aws.iam.Role
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

        # The boundary is the same document as the grant: whatever is attached to the role
        # later, it cannot exceed this (and the role cannot change either, see the Deny).
        if args.state_bucket_arn is not None and args.state_key_arn is not None:
            permissions = pulumi.Output.all(args.state_bucket_arn, args.state_key_arn).apply(
                lambda a: json.dumps(deploy_permissions(cfg, a[0], a[1]))
            )
        else:
            permissions = pulumi.Output.from_input(json.dumps(deploy_permissions(cfg)))
        boundary = aws.iam.Policy(
            f"{name}-deploy",
            name=DEPLOY_ROLE,
            description="What hubspoke's deploy role may do; also its permissions boundary",
            policy=permissions,
            opts=child,
        )
        oidc_arn = self.oidc_provider.arn if self.oidc_provider else None
        trust = (
            oidc_arn.apply(lambda arn: json.dumps(deploy_trust(cfg, arn)))
            if oidc_arn is not None
            else json.dumps(deploy_trust(cfg, None))
        )
        self.deploy_role = aws.iam.Role(
            f"{name}-deploy",
            name=DEPLOY_ROLE,
            assume_role_policy=trust,
            permissions_boundary=boundary.arn,
            max_session_duration=MAX_SESSION_SECONDS,
            opts=child,
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-deploy", role=self.deploy_role.name, policy_arn=boundary.arn, opts=child
        )

        if cfg.is_home:
            assert self.oidc_provider is not None
            assert args.state_bucket_arn is not None and args.state_key_arn is not None
            state = pulumi.Output.all(args.state_bucket_arn, args.state_key_arn)
            aws.iam.RolePolicy(
                f"{name}-deploy-state",
                role=self.deploy_role.id,
                policy=state.apply(lambda a: json.dumps(deploy_state_permissions(a[0], a[1]))),
                opts=child,
            )
            self.preview_role = aws.iam.Role(
                f"{name}-preview",
                name=PREVIEW_ROLE,
                assume_role_policy=self.oidc_provider.arn.apply(
                    lambda arn: json.dumps(preview_trust(cfg, arn))
                ),
                max_session_duration=MAX_SESSION_SECONDS,
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
                "deploy_role_arn": self.deploy_role.arn,
                "preview_role_arn": self.preview_role.arn if self.preview_role else None,
            }
        )
