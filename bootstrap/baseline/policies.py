"""The IAM documents of the bootstrap, as pure functions of the config (tested without Pulumi).

Trust: CI reaches AWS only through OIDC, in the home account. Providers then chain from the home
account's roles into `hubspoke-deploy` of every account (the stack config's `roleArn`).
A preview session carries the source identity `hubspoke-preview` (set by ci/sts_session.py); AWS
keeps a source identity through every chained role, so the deploy roles can tell a preview from
an update and deny it any change.
"""

from __future__ import annotations

from typing import Any

from .config import BootstrapConfig

DEPLOY_ROLE = "hubspoke-deploy"
PREVIEW_ROLE = "hubspoke-preview"
PREVIEW_SOURCE_IDENTITY = "hubspoke-preview"
AUDIENCE = "sts.amazonaws.com"

# What the hubspoke program creates, service by service (VPC, peering, endpoints, flow logs, VPN:
# ec2; hybrid DNS: route53, route53resolver, ram; items API: lambda, apigateway, cognito-idp,
# dynamodb, s3, logs, cloudwatch, sns, xray, and wafv2 for the prod stage's web ACL; providers:
# sts, ssm public parameters, kms for encrypted resources and the log keys). A deploy role that
# builds all of that needs these services whole: IAM grammar cannot scope "create a VPC" to a VPC
# that does not exist yet. What narrows it is below: regions, IAM by tag, no touching the
# bootstrap's own roles, and the role's permissions boundary.
DEPLOY_SERVICES: tuple[str, ...] = (
    "ec2", "route53", "route53resolver", "ram", "lambda", "apigateway", "cognito-idp",
    "dynamodb", "s3", "logs", "cloudwatch", "sns", "xray", "kms", "ssm", "tag", "wafv2",
)  # fmt: skip
# Global services: they are called in us-east-1 whatever the stack's region.
GLOBAL_ACTIONS: tuple[str, ...] = ("iam:*", "sts:*", "route53:*", "organizations:Describe*")
# What a preview may do through a deploy role: what `pulumi preview` (without --refresh) looks up
# (caller identity, availability zones, prefix lists, public SSM parameters) and reads of the
# configuration of what the stack manages. Never data and never secrets: Lambda configuration
# (environment), Cognito users and app clients (secrets) and SNS subscribers are left out.
PREVIEW_ACTIONS: tuple[str, ...] = (
    "sts:GetCallerIdentity", "ec2:Describe*", "ec2:GetManagedPrefixListEntries",
    "ssm:GetParameter", "ssm:GetParameters", "iam:GetRole", "iam:GetRolePolicy",
    "iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies", "route53:GetHostedZone", "route53:ListHostedZones*",
    "route53:ListResourceRecordSets", "route53resolver:Get*", "route53resolver:List*",
    "ram:Get*", "ram:List*", "lambda:GetLayerVersion", "lambda:ListTags", "apigateway:GET",
    "dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups", "dynamodb:ListTagsOfResource",
    "s3:GetBucket*", "s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration",
    "logs:DescribeLogGroups", "logs:ListTagsForResource", "cloudwatch:DescribeAlarms",
    "cloudwatch:ListTagsForResource", "sns:GetTopicAttributes", "sns:ListTagsForResource",
    "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags",
    "tag:GetResources", "secretsmanager:GetRandomPassword", "wafv2:GetWebACL",
    "wafv2:GetWebACLForResource", "wafv2:GetLoggingConfiguration", "wafv2:ListTagsForResource",
)  # fmt: skip
# The only SSM parameters a preview reads: AWS's public ones (the Powertools layer ARN).
PUBLIC_PARAMETERS = "arn:aws:ssm:*::parameter/aws/service/*"
# Roles the program creates pass to these services only.
PASSED_TO_SERVICES: tuple[str, ...] = (
    "lambda.amazonaws.com", "vpc-flow-logs.amazonaws.com", "apigateway.amazonaws.com",
)  # fmt: skip


def role_arn(account_id: str, name: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{name}"


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _oidc_statement(cfg: BootstrapConfig, provider_arn: str, subjects: list[str]) -> dict:
    audience = {f"{cfg.ci.issuer}:aud": AUDIENCE}
    # Without a sub condition any repository on the issuer could assume the role.
    subject = {f"{cfg.ci.issuer}:sub": subjects}
    if all("*" not in s for s in subjects):
        condition = {"StringEquals": {**audience, **subject}}
    else:
        condition = {"StringEquals": audience, "StringLike": subject}
    return {
        "Sid": "CiOidc",
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": condition,
    }


def deploy_subjects(cfg: BootstrapConfig) -> list[str]:
    """OIDC subjects that may deploy: GitHub binds them to environments (whose reviewers gate
    prod); GitLab's subject has no environment, so it is the protected default branch."""
    if cfg.ci.provider == "github":
        return [f"repo:{cfg.ci.repository}:environment:{env}" for env in cfg.environments]
    return [f"project_path:{cfg.ci.repository}:ref_type:branch:ref:{cfg.ci.default_branch}"]


def preview_subjects(cfg: BootstrapConfig) -> list[str]:
    if cfg.ci.provider == "github":
        return [f"repo:{cfg.ci.repository}:pull_request"]
    return [f"project_path:{cfg.ci.repository}:ref_type:branch:ref:*"]


def _chained_from(cfg: BootstrapConfig, name: str) -> dict[str, Any]:
    # The home account as principal plus aws:PrincipalArn, rather than the role ARN itself: IAM
    # refuses a trust policy naming a role that does not exist yet, and the home account's own
    # deploy role trusts itself (the stack config names it as the network account's roleArn).
    return {
        "Principal": {"AWS": f"arn:aws:iam::{cfg.home_account_id}:root"},
        "Condition": {"ArnEquals": {"aws:PrincipalArn": role_arn(cfg.home_account_id, name)}},
    }


def deploy_trust(cfg: BootstrapConfig, oidc_provider_arn: str | None) -> dict[str, Any]:
    update = _chained_from(cfg, DEPLOY_ROLE)
    preview = _chained_from(cfg, PREVIEW_ROLE)
    preview["Condition"]["StringEquals"] = {"sts:SourceIdentity": PREVIEW_SOURCE_IDENTITY}
    statements = [
        {"Sid": "ChainedUpdate", "Effect": "Allow", "Action": "sts:AssumeRole", **update},
        {
            "Sid": "ChainedPreview",
            "Effect": "Allow",
            # A session that carries a source identity needs SetSourceIdentity to chain on.
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
            **preview,
        },
    ]
    if oidc_provider_arn is not None:
        statements.insert(0, _oidc_statement(cfg, oidc_provider_arn, deploy_subjects(cfg)))
    return _doc(*statements)


def preview_trust(cfg: BootstrapConfig, oidc_provider_arn: str) -> dict[str, Any]:
    again = _chained_from(cfg, PREVIEW_ROLE)
    again["Condition"]["StringEquals"] = {"sts:SourceIdentity": PREVIEW_SOURCE_IDENTITY}
    return _doc(
        _oidc_statement(cfg, oidc_provider_arn, preview_subjects(cfg)),
        {
            # ci/sts_session.py re-assumes this role to stamp the source identity on the session.
            "Sid": "MarkAsPreview",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
            **again,
        },
    )


def deploy_permissions(
    cfg: BootstrapConfig, state_bucket_arn: str | None = None, state_key_arn: str | None = None
) -> dict[str, Any]:
    """The deploy role's policy, also its permissions boundary: whatever else gets attached to
    the role later, it can never do more than this. In the home account it may use the state
    bucket and key, never reconfigure or delete them."""
    account = cfg.account_id
    bootstrap_roles = [role_arn(account, DEPLOY_ROLE), role_arn(account, PREVIEW_ROLE)]
    state: list[dict[str, Any]] = []
    if state_bucket_arn and state_key_arn:
        state = [
            {
                "Sid": "StateBucketIsNotOurs",
                "Effect": "Deny",
                "NotAction": [
                    "s3:GetObject",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:ListBucket",
                    "s3:GetBucketLocation",
                ],
                "Resource": [state_bucket_arn, f"{state_bucket_arn}/*"],
            },
            {
                "Sid": "StateKeyIsNotOurs",
                "Effect": "Deny",
                "NotAction": [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:GenerateDataKey",
                    "kms:DescribeKey",
                ],
                "Resource": state_key_arn,
            },
        ]
    return _doc(
        {
            "Sid": "BuildTheNetworkAndTheApi",
            "Effect": "Allow",
            "Action": [f"{service}:*" for service in DEPLOY_SERVICES],
            "Resource": "*",
        },
        {
            # The items API draws its cursor secret with this lookup on every preview and up
            # (components/api/function.py); it reads no secret and has no resource-level
            # permissions (Secrets Manager authorization reference), hence "*".
            "Sid": "RandomValues",
            "Effect": "Allow",
            "Action": "secretsmanager:GetRandomPassword",
            "Resource": "*",
        },
        {
            "Sid": "StackIdentity",
            "Effect": "Allow",
            "Action": [
                "sts:GetCallerIdentity",
                "iam:Get*",
                "iam:List*",
                "organizations:DescribeOrganization",  # RAM shares within the organization
            ],
            "Resource": "*",
        },
        {
            # Roles and policies the program creates carry the provider's default tag
            # project=hubspoke; the deploy role can only create those and change only those.
            "Sid": "OwnRolesOnly",
            "Effect": "Allow",
            "Action": [
                "iam:CreateRole",
                "iam:TagRole",
                "iam:CreatePolicy",
                "iam:TagPolicy",
            ],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestTag/project": "hubspoke"}},
        },
        {
            "Sid": "ChangeOwnRolesOnly",
            "Effect": "Allow",
            "Action": [
                "iam:TagRole",
                "iam:TagPolicy",
                "iam:DeleteRole",
                "iam:UpdateRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:PutRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:AttachRolePolicy",
                "iam:DetachRolePolicy",
                "iam:UntagRole",
                "iam:DeletePolicy",
                "iam:CreatePolicyVersion",
                "iam:DeletePolicyVersion",
            ],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/project": "hubspoke"}},
        },
        {
            "Sid": "PassOwnRolesToTheirServices",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "aws:ResourceTag/project": "hubspoke",
                    "iam:PassedToService": list(PASSED_TO_SERVICES),
                }
            },
        },
        {
            "Sid": "ServiceLinkedRoles",
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "iam:AWSServiceName": [
                        "route53resolver.amazonaws.com",
                        "ram.amazonaws.com",
                    ]
                }
            },
        },
        {
            "Sid": "ChainIntoOtherAccounts",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
            "Resource": f"arn:aws:iam::*:role/{DEPLOY_ROLE}",
        },
        {
            "Sid": "OnlyTheStackRegions",
            "Effect": "Deny",
            "NotAction": list(GLOBAL_ACTIONS),
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": list(cfg.regions)}},
        },
        {
            "Sid": "NeverTheBootstrapItself",
            "Effect": "Deny",
            "Action": "iam:*",
            "Resource": [*bootstrap_roles, f"arn:aws:iam::{account}:policy/{DEPLOY_ROLE}"],
        },
        {
            "Sid": "PreviewsOnlyRead",
            "Effect": "Deny",
            "NotAction": list(PREVIEW_ACTIONS),
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceIdentity": PREVIEW_SOURCE_IDENTITY}},
        },
        {
            "Sid": "PreviewsOnlyPublicParameters",
            "Effect": "Deny",
            "Action": ["ssm:GetParameter", "ssm:GetParameters"],
            "NotResource": PUBLIC_PARAMETERS,
            "Condition": {"StringEquals": {"aws:SourceIdentity": PREVIEW_SOURCE_IDENTITY}},
        },
        *state,
    )


def preview_permissions(
    cfg: BootstrapConfig, state_bucket_arn: str, state_key_arn: str
) -> dict[str, Any]:
    """Read the stack state, write its lock, decrypt its secrets; look up what a preview looks up;
    chain into the deploy roles (where the source identity confines it to reads)."""
    return _doc(
        {
            "Sid": "StateRead",
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
            "Resource": state_bucket_arn,
        },
        {
            "Sid": "StateObjects",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": f"{state_bucket_arn}/*",
        },
        {
            # The diy backend locks a stack with a file under .pulumi/locks/.
            "Sid": "StateLocks",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:DeleteObject"],
            "Resource": f"{state_bucket_arn}/.pulumi/locks/*",
        },
        {
            "Sid": "StateSecrets",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:DescribeKey"],
            "Resource": state_key_arn,
        },
        {
            "Sid": "Lookups",
            "Effect": "Allow",
            "Action": [a for a in PREVIEW_ACTIONS if not a.startswith(("s3:", "kms:", "ssm:"))],
            "Resource": "*",
        },
        {
            "Sid": "PublicParameters",
            "Effect": "Allow",
            "Action": ["ssm:GetParameter", "ssm:GetParameters"],
            "Resource": PUBLIC_PARAMETERS,
        },
        {
            "Sid": "ChainIntoDeployRolesAsPreview",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
            "Resource": [
                f"arn:aws:iam::*:role/{DEPLOY_ROLE}",
                role_arn(cfg.home_account_id, PREVIEW_ROLE),
            ],
        },
    )


def deploy_state_permissions(state_bucket_arn: str, state_key_arn: str) -> dict[str, Any]:
    """The home deploy role reads and writes the state and its secrets."""
    return _doc(
        {
            "Sid": "State",
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            "Resource": [state_bucket_arn, f"{state_bucket_arn}/*"],
        },
        {
            "Sid": "StateSecrets",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            "Resource": state_key_arn,
        },
    )


def state_bucket_policy(state_bucket_arn: str) -> dict[str, Any]:
    return _doc(
        {
            "Sid": "TlsOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [state_bucket_arn, f"{state_bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )


def state_key_policy(cfg: BootstrapConfig) -> dict[str, Any]:
    # The account's IAM policies decide who uses the key (the deploy and preview roles above);
    # without this statement nobody, not even the account, could manage the key again.
    return _doc(
        {
            "Sid": "AccountIamDecides",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{cfg.account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
