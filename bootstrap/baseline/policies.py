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

PREVIEW_ROLE = "hubspoke-preview"
PREVIEW_SOURCE_IDENTITY = "hubspoke-preview"
AUDIENCE = "sts.amazonaws.com"
# The main program's default tag project=hubspoke (components/naming.py) marks what it owns.
PROJECT_TAG = "hubspoke"
# The boundary of every role the main program creates (components/iam.py names the same policy).
WORKLOAD_BOUNDARY = "hubspoke-workload-boundary"
# The AWS managed policies the main program attaches (components/api/policies.py); a deploy role
# may attach these and no other (iam:PolicyARN). The program creates no managed policy of its own.
PROGRAM_MANAGED_POLICIES: tuple[str, ...] = (
    "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
    "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
)  # fmt: skip


def deploy_role_name(environment: str) -> str:
    """One deploy role per environment: a dev job never holds prod's rights."""
    return f"hubspoke-deploy-{environment}"


def role_path(environment: str) -> str:
    """The IAM path of the roles the main program creates in `environment` (components/iam.py).
    A role's path cannot change, so a deploy role scoped to it can never reach another role."""
    return f"/hubspoke/{environment}/"


# What the hubspoke program creates, service by service (VPC, peering, endpoints, flow logs, VPN:
# ec2; hybrid DNS: route53, route53resolver, ram; items API: lambda, apigateway, cognito-idp,
# dynamodb, s3, logs, cloudwatch, sns, xray, and wafv2 for the prod stage's web ACL; providers:
# sts, ssm public parameters, kms for encrypted resources and the log keys). A deploy role that
# builds all of that needs these services whole: IAM grammar cannot scope "create a VPC" to a VPC
# that does not exist yet. What narrows it is below: regions, IAM by tag, no touching the
# bootstrap's own roles, and the role's permissions boundary.
DEPLOY_SERVICES: tuple[str, ...] = (
    "ec2", "route53", "route53resolver", "ram", "lambda", "apigateway", "cognito-idp",
    "dynamodb", "s3", "logs", "cloudwatch", "sns", "xray", "kms", "tag", "wafv2",
)  # fmt: skip
# Function changes a deploy role may make only to its environment's own functions.
FUNCTION_CHANGES: tuple[str, ...] = (
    "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:InvokeFunction",
    "lambda:AddPermission", "lambda:RemovePermission", "lambda:DeleteFunction",
    "lambda:PublishVersion", "lambda:CreateAlias", "lambda:UpdateAlias",
    "lambda:PutFunctionConcurrency", "lambda:TagResource", "lambda:UntagResource",
    "lambda:CreateFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig",
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

# What the main program's roles do (their inline policies and the AWS managed ones).
WORKLOAD_ACTIONS: tuple[str, ...] = (
    # VPC flow logs, API Gateway logging, the function's logs
    "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
    "logs:DescribeLogGroups", "logs:DescribeLogStreams", "logs:GetLogEvents",
    "logs:FilterLogEvents",
    # the function in a VPC (AWSLambdaVPCAccessExecutionRole)
    "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
    # the function's table, uploads, key and traces
    "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
    "dynamodb:UpdateItem", "s3:PutObject", "kms:Decrypt", "kms:GenerateDataKey*",
    "xray:PutTelemetryRecords", "xray:PutTraceSegments",
)  # fmt: skip
# The items API's SSM parameter and the public Powertools one; not ssm:* (SendCommand and
# StartSession run code on instances).
PARAMETER_ACTIONS: tuple[str, ...] = (
    "ssm:PutParameter", "ssm:GetParameter", "ssm:GetParameters",
    "ssm:DeleteParameter", "ssm:DescribeParameters", "ssm:AddTagsToResource",
    "ssm:RemoveTagsFromResource", "ssm:ListTagsForResource",
)  # fmt: skip
# The program runs no instance: none of these, which start one, change what one runs or give
# it a role.
INSTANCE_ACTIONS: tuple[str, ...] = (
    "ec2:RunInstances", "ec2:ModifyInstanceAttribute",
    "ec2:AssociateIamInstanceProfile", "ec2:ReplaceIamInstanceProfileAssociation",
    "ec2:CreateLaunchTemplate", "ec2:CreateLaunchTemplateVersion",
    "ec2:ModifyLaunchTemplate", "ec2:RequestSpotInstances", "ec2:RequestSpotFleet",
    "ec2:CreateFleet",
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


def deploy_subject(cfg: BootstrapConfig, environment: str) -> str:
    """The one OIDC subject that may assume `environment`'s deploy role. GitHub binds it to the
    environment, whose protection rules gate the job (for prod: required reviewers and deployment
    branches = the default branch only, docs/delivery.md); IAM can match no other claim of
    GitHub's token (aud and sub only). GitLab's subject names no environment: the protected
    default branch."""
    if cfg.ci.provider == "github":
        return f"repo:{cfg.ci.repository}:environment:{environment}"
    return f"project_path:{cfg.ci.repository}:ref_type:branch:ref:{cfg.ci.default_branch}"


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


def deploy_trust(
    cfg: BootstrapConfig, environment: str, oidc_provider_arn: str | None
) -> dict[str, Any]:
    """Who may assume `environment`'s deploy role: that environment's CI job (home account), the
    home account's deploy role of the same environment (providers chaining in), and the preview
    role with its source identity."""
    update = _chained_from(cfg, deploy_role_name(environment))
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
        subject = [deploy_subject(cfg, environment)]
        statements.insert(0, _oidc_statement(cfg, oidc_provider_arn, subject))
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


def workload_boundary_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:policy/{WORKLOAD_BOUNDARY}"


def workload_boundary(
    state_bucket_arn: str | None = None, state_key_arn: str | None = None
) -> dict[str, Any]:
    """The most any role of the main program may do, whatever a deploy role puts in its own
    policies: what the function, flow-log and API Gateway logging roles need (their inline
    policies and the two AWS managed policies), never IAM, STS or code, never the state."""
    never = []
    if state_bucket_arn and state_key_arn:
        never = [
            {
                "Sid": "NeverTheState",
                "Effect": "Deny",
                "Action": ["s3:*", "kms:*"],
                "Resource": [state_bucket_arn, f"{state_bucket_arn}/*", state_key_arn],
            }
        ]
    return _doc(
        {
            "Sid": "WhatTheProgramsRolesDo",
            "Effect": "Allow",
            "Action": list(WORKLOAD_ACTIONS),
            "Resource": "*",
        },
        *never,
    )


def _bootstrap_policies(account: str, environments: tuple[str, ...]) -> list[str]:
    return [
        workload_boundary_arn(account),
        *(f"arn:aws:iam::{account}:policy/{deploy_role_name(e)}" for e in environments),
    ]


def deploy_permissions(
    cfg: BootstrapConfig,
    environment: str,
) -> dict[str, Any]:
    """`environment`'s deploy role's grant, also its permissions boundary: whatever else gets
    attached to the role later, it can never do more than this. `deploy_guards` holds the denies
    (the state backend, the bootstrap itself, instances, other functions, regions, previews).

    IAM follows the delegation example of the IAM User Guide, "Permissions boundaries for IAM
    entities" (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html):
    every role it creates or changes carries the workload boundary, which it can neither remove
    nor edit. On top: only roles on the environment's path and tagged as its own, only the AWS
    managed policies the program attaches, and chaining only into the configured accounts.
    """
    account = cfg.account_id
    boundary = workload_boundary_arn(account)
    roles = f"arn:aws:iam::{account}:role{role_path(environment)}*"
    ours = {"aws:ResourceTag/project": PROJECT_TAG, "aws:ResourceTag/environment": environment}
    accounts = cfg.chain_into.get(environment, ())
    chain = [role_arn(a, deploy_role_name(environment)) for a in accounts]
    chaining = (
        [
            {
                "Sid": "ChainIntoTheConfiguredAccounts",
                "Effect": "Allow",
                "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                "Resource": chain,
            }
        ]
        if chain
        else []
    )
    return _doc(
        {
            "Sid": "BuildTheNetworkAndTheApi",
            "Effect": "Allow",
            "Action": [f"{service}:*" for service in DEPLOY_SERVICES],
            "Resource": "*",
        },
        {
            # The items API's cursor secret (an SSM SecureString) and the Powertools layer's
            # public parameter; not ssm:* (SendCommand and StartSession run code on instances).
            "Sid": "Parameters",
            "Effect": "Allow",
            "Action": list(PARAMETER_ACTIONS),
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
            # AWS example "CreateOrChangeOnlyWithBoundary", for roles: created only with the
            # workload boundary and the environment's tags, on the environment's path.
            "Sid": "CreateOnlyWithBoundary",
            "Effect": "Allow",
            "Action": "iam:CreateRole",
            "Resource": roles,
            "Condition": {
                "StringEquals": {
                    "iam:PermissionsBoundary": boundary,
                    "aws:RequestTag/project": PROJECT_TAG,
                    "aws:RequestTag/environment": environment,
                }
            },
        },
        {
            # Policies change only on roles that carry the boundary (iam:PermissionsBoundary is
            # the role's current boundary; for PutRolePermissionsBoundary the one requested, so
            # a role the program made before boundaries existed can be given it).
            "Sid": "ChangeOnlyWithBoundary",
            "Effect": "Allow",
            "Action": [
                "iam:PutRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:PutRolePermissionsBoundary",
            ],
            "Resource": roles,
            "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary, **ours}},
        },
        {
            "Sid": "AttachOnlyTheProgramsManagedPolicies",
            "Effect": "Allow",
            "Action": ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            "Resource": roles,
            "Condition": {
                "StringEquals": {"iam:PermissionsBoundary": boundary, **ours},
                "ArnEquals": {"iam:PolicyARN": list(PROGRAM_MANAGED_POLICIES)},
            },
        },
        {
            "Sid": "ManageOwnRoles",
            "Effect": "Allow",
            "Action": [
                "iam:UpdateRole",
                "iam:UpdateRoleDescription",
                "iam:UpdateAssumeRolePolicy",
                "iam:DeleteRole",
            ],
            "Resource": roles,
            "Condition": {"StringEquals": ours},
        },
        {
            # Tags of its own roles, except the two that say whose they are.
            "Sid": "TagOwnRoles",
            "Effect": "Allow",
            "Action": ["iam:TagRole", "iam:UntagRole"],
            "Resource": roles,
            "Condition": {
                "StringEquals": ours,
                "ForAllValues:StringNotEquals": {"aws:TagKeys": ["project", "environment"]},
            },
        },
        {
            # Tags on a role being created (in case IAM authorizes CreateRole's tags as TagRole
            # too): only a role on the path that has no project tag yet, and only the
            # environment's own. Every role on the path is created tagged (CreateOnlyWithBoundary).
            "Sid": "TagNewRoles",
            "Effect": "Allow",
            "Action": "iam:TagRole",
            "Resource": roles,
            "Condition": {
                "StringEquals": {
                    "aws:RequestTag/project": PROJECT_TAG,
                    "aws:RequestTag/environment": environment,
                },
                "Null": {"aws:ResourceTag/project": "true"},
            },
        },
        {
            "Sid": "PassOwnRolesToTheirServices",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": roles,
            "Condition": {
                "StringEquals": {**ours, "iam:PassedToService": list(PASSED_TO_SERVICES)}
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
        *chaining,
    )


def deploy_guards(
    cfg: BootstrapConfig,
    environment: str,
    state_bucket_arn: str | None = None,
    state_key_arn: str | None = None,
) -> dict[str, Any]:
    """The deploy role's explicit denies, in an inline policy of their own (the grant and
    boundary above would exceed a managed policy's 6,144 characters with them). A deny applies
    from any policy of the role; the role cannot remove this one (it may change only roles on
    its environment's path, and the bootstrap's roles are not)."""
    account = cfg.account_id
    bootstrap_roles = [
        *(role_arn(account, deploy_role_name(e)) for e in cfg.environments),
        role_arn(account, PREVIEW_ROLE),
    ]
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
            # AWS example "NoBoundaryUserDelete", for roles.
            "Sid": "NoBoundaryRemoval",
            "Effect": "Deny",
            "Action": "iam:DeleteRolePermissionsBoundary",
            "Resource": "*",
        },
        {
            # AWS example "NoBoundaryPolicyEdit": the boundaries and the deploy policies stay
            # as the bootstrap wrote them.
            "Sid": "NoBoundaryPolicyEdit",
            "Effect": "Deny",
            "Action": [
                "iam:CreatePolicyVersion",
                "iam:DeletePolicy",
                "iam:DeletePolicyVersion",
                "iam:SetDefaultPolicyVersion",
                "iam:TagPolicy",
                "iam:UntagPolicy",
            ],
            "Resource": _bootstrap_policies(account, cfg.environments),
        },
        {
            "Sid": "NeverTheBootstrapRoles",
            "Effect": "Deny",
            "Action": "iam:*",
            "Resource": bootstrap_roles,
        },
        {
            # The program runs no instance: nothing that starts one, changes what one runs or
            # gives one a role (Rhino Security Labs and principalmapper's ec2 and autoscaling
            # escalation paths).
            "Sid": "NoInstances",
            "Effect": "Deny",
            "Action": list(INSTANCE_ACTIONS),
            "Resource": "*",
        },
        {
            # Functions that are not the environment's own: no new code, configuration,
            # invocation or permission (Rhino Security Labs method 17).
            "Sid": "OnlyOwnFunctions",
            "Effect": "Deny",
            "Action": list(FUNCTION_CHANGES),
            "Resource": "arn:aws:lambda:*:*:function:*",
            "Condition": {"StringNotEquals": {"aws:ResourceTag/project": PROJECT_TAG}},
        },
        {
            "Sid": "OnlyThisEnvironmentsFunctions",
            "Effect": "Deny",
            "Action": list(FUNCTION_CHANGES),
            "Resource": "arn:aws:lambda:*:*:function:*",
            "Condition": {"StringNotEquals": {"aws:ResourceTag/environment": environment}},
        },
        {
            "Sid": "OnlyTheStackRegions",
            "Effect": "Deny",
            "NotAction": list(GLOBAL_ACTIONS),
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": list(cfg.regions)}},
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
    chain into the configured deploy roles (where the source identity confines it to reads)."""
    chain = sorted(
        {
            role_arn(a, deploy_role_name(env))
            for env, accounts in cfg.chain_into.items()
            for a in accounts
        }
    )
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
            "Resource": [*chain, role_arn(cfg.home_account_id, PREVIEW_ROLE)],
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
