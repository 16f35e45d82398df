"""The bootstrap's IAM documents and config, without Pulumi: grammar (moto's IAM validator),
AWS size limits, and the trust rules for GitLab."""

import json
from fnmatch import fnmatchcase

import boto3
import pytest
from baseline import config, policies
from moto import mock_aws

from offline.iam import evaluate

HOME = "111122223333"
BUCKET = "arn:aws:s3:::hubspoke-state-1"
KEY = f"arn:aws:kms:eu-west-1:{HOME}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OIDC = f"arn:aws:iam::{HOME}:oidc-provider/token.actions.githubusercontent.com"


def cfg(**overrides):
    raw = {
        "accountId": HOME,
        "homeAccountId": HOME,
        "regions": ["eu-west-1", "eu-central-1"],
        "environments": ["dev", "prod"],
        "ci": {"provider": "github", "repository": "example-org/hubspoke"},
        "chainInto": {"prod": [HOME, "444455556666"]},
        **overrides,
    }
    return config.parse(raw, "eu-west-1")


def compact(doc: dict) -> int:
    return len(json.dumps(doc, separators=(",", ":")))


@pytest.fixture
def iam(monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        yield boto3.client("iam", region_name="us-east-1")


def test_documents_pass_iams_policy_grammar(iam):
    c = cfg()
    iam.create_policy(
        PolicyName="deploy",
        PolicyDocument=json.dumps(policies.deploy_permissions(c, "prod")),
    )
    iam.create_policy(
        PolicyName="guards",
        PolicyDocument=json.dumps(policies.deploy_guards(c, "prod", BUCKET, KEY)),
    )
    iam.create_policy(
        PolicyName="boundary", PolicyDocument=json.dumps(policies.workload_boundary(BUCKET, KEY))
    )
    iam.create_policy(
        PolicyName="preview",
        PolicyDocument=json.dumps(policies.preview_permissions(c, BUCKET, KEY)),
    )
    iam.create_policy(
        PolicyName="state",
        PolicyDocument=json.dumps(policies.deploy_state_permissions(BUCKET, KEY)),
    )
    iam.create_role(
        RoleName="hubspoke-deploy-prod",
        AssumeRolePolicyDocument=json.dumps(policies.deploy_trust(c, "prod", OIDC)),
    )
    iam.create_role(
        RoleName="hubspoke-preview",
        AssumeRolePolicyDocument=json.dumps(policies.preview_trust(c, OIDC)),
    )


def test_iam_grammar_check_is_real(iam):
    bad = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException):
        iam.create_policy(PolicyName="bad", PolicyDocument=json.dumps(bad))


def test_documents_fit_aws_size_limits():
    c = cfg()
    # Managed policy: 6,144 characters; role trust policy: 2,048 by default (IAM quotas).
    assert compact(policies.deploy_permissions(c, "prod")) < 6144
    assert compact(policies.workload_boundary(BUCKET, KEY)) < 6144
    assert compact(policies.deploy_trust(c, "prod", OIDC)) < 2048
    assert compact(policies.preview_trust(c, OIDC)) < 2048
    # Inline role policies share 10,240 characters per role.
    assert compact(policies.preview_permissions(c, BUCKET, KEY)) < 10240
    deploy_inline = (
        policies.deploy_guards(c, "prod", BUCKET, KEY),
        policies.deploy_state_permissions(BUCKET, KEY),
    )
    assert sum(compact(d) for d in deploy_inline) < 10240


def test_gitlab_deploys_from_the_default_branch_and_previews_any_branch():
    c = cfg(ci={"provider": "gitlab", "repository": "group/sub/hubspoke", "defaultBranch": "trunk"})
    deploy = policies.deploy_trust(c, "prod", "arn:oidc")["Statement"][0]["Condition"]
    assert deploy["StringEquals"]["gitlab.com:sub"] == [
        "project_path:group/sub/hubspoke:ref_type:branch:ref:trunk"
    ]
    preview = policies.preview_trust(c, "arn:oidc")["Statement"][0]["Condition"]
    assert preview == {
        "StringEquals": {"gitlab.com:aud": "sts.amazonaws.com"},
        "StringLike": {"gitlab.com:sub": ["project_path:group/sub/hubspoke:ref_type:branch:ref:*"]},
    }


def test_preview_may_not_write_anything_but_its_lock():
    doc = policies.preview_permissions(cfg(), BUCKET, KEY)
    writes = [
        (s["Sid"], a)
        for s in doc["Statement"]
        for a in s["Action"]
        if a.split(":")[1].startswith(("Put", "Delete", "Create", "Update", "Encrypt"))
    ]
    assert writes == [("StateLocks", "s3:PutObject"), ("StateLocks", "s3:DeleteObject")]
    assert policies.PREVIEW_ACTIONS  # the deploy role's preview deny names the same reads
    assert all(
        not a.split(":")[1].startswith(("Put", "Delete", "Create", "Update"))
        for a in policies.PREVIEW_ACTIONS
    )


def test_member_deploy_role_has_no_oidc_trust():
    member = cfg(accountId="444455556666", chainInto={})
    assert not member.is_home
    sids = [s["Sid"] for s in policies.deploy_trust(member, "prod", None)["Statement"]]
    assert sids == ["ChainedUpdate", "ChainedPreview"]


def test_config_errors_list_every_problem_with_key_and_value():
    with pytest.raises(config.BootstrapConfigError) as raised:
        config.parse(
            {
                "accountId": "1234",
                "homeAccountId": HOME,
                "regions": ["mars-1"],
                "environments": [],
                "ci": {"provider": "github", "repository": "no-slash"},
            },
            "eu-west-1",
        )
    assert raised.value.problems == [
        "hubspoke-bootstrap:accountId '1234' is not a 12-digit account id",
        "hubspoke-bootstrap:regions[0] 'mars-1' is not a region name",
        "hubspoke-bootstrap:environments [] is not a non-empty list of stack names",
        "hubspoke-bootstrap:ci.repository 'no-slash' is not owner/name",
    ]


def test_state_bucket_belongs_to_the_home_account_only():
    with pytest.raises(config.BootstrapConfigError) as raised:
        cfg(accountId="444455556666", stateBucketName="hubspoke-state", chainInto={})
    assert "only the home account 111122223333 holds the state backend" in str(raised.value)


# The AWS calls the hubspoke program's lookups make on every preview and every up (its invokes,
# see README "invokes"), and the resource each one names. getRegion and getPartition call nothing.
PROGRAM_LOOKUPS = (
    ("sts:GetCallerIdentity", "*"),  # the provider, checking allowed_account_ids
    ("ec2:DescribeAvailabilityZones", "*"),  # Vpc
    ("ec2:DescribeManagedPrefixLists", "*"),
    ("secretsmanager:GetRandomPassword", "*"),  # ItemsApi cursor secret; no resource-level
    (
        "ssm:GetParameter",  # ItemsApi: the Powertools layer ARN
        "arn:aws:ssm:eu-west-1::parameter/aws/service/powertools/python/arm64/python3.13/latest",
    ),
)


def allowed(documents, action, resource, context):
    """The offline IAM engine's decision (AWS's evaluation logic, offline/iam) for the deploy
    role: its grant (also its boundary), its guards and its state policy."""
    grant, *others = documents
    simulation = {
        "request": {
            "principal": f"arn:aws:iam::{HOME}:role/hubspoke-deploy-prod",
            "action": action,
            "resource": {"resource": resource, "accountId": HOME},
            "contextVariables": context,
        },
        "identityPolicies": [
            {"name": f"p{i}", "policy": doc} for i, doc in enumerate([grant, *others])
        ],
        "permissionBoundaryPolicies": [{"name": "boundary", "policy": grant}],
    }
    return evaluate(simulation).allowed


def deploy_role():
    c = cfg()
    return (
        policies.deploy_permissions(c, "prod"),
        policies.deploy_guards(c, "prod", BUCKET, KEY),
        policies.deploy_state_permissions(BUCKET, KEY),
    )


@pytest.mark.parametrize("action,resource", PROGRAM_LOOKUPS)
def test_the_deploy_role_may_make_every_lookup_of_the_program_in_an_update_and_a_preview(
    action, resource
):
    # A lookup runs on every preview and every up: one the deploy role may not make fails both.
    doc = deploy_role()
    update = {"aws:RequestedRegion": "eu-west-1"}
    preview = {**update, "aws:SourceIdentity": policies.PREVIEW_SOURCE_IDENTITY}
    if resource.startswith("arn:aws:ssm:") and "::" in resource:
        # The engine refuses AWS's account-less ARN of a public parameter (no.resource.types):
        # it is asked with this account's ARN, and the preview deny's NotResource matched here.
        assert fnmatchcase(resource, policies.PUBLIC_PARAMETERS)
        resource = resource.replace("::", f":{HOME}:")
        assert allowed(doc, action, resource, update)
        return
    assert allowed(doc, action, resource, update)
    assert allowed(doc, action, resource, preview)


# What the web ACL and the encrypted log groups need from the deploy role in an update (WAF
# creates the log group's resource policy for its delivery with the caller's permissions: AWS
# WAF developer guide, "Permissions required to publish logs to CloudWatch Logs").
WAF_AND_LOG_KEY_CALLS = (
    ("wafv2:CreateWebACL", "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/x/1"),
    ("wafv2:AssociateWebACL", "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/x/1"),
    ("wafv2:PutLoggingConfiguration", "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/x/1"),
    ("logs:CreateLogDelivery", "*"),
    ("logs:PutResourcePolicy", "*"),
    ("logs:DescribeResourcePolicies", "*"),
    ("kms:CreateKey", "*"),
    ("apigateway:POST", "arn:aws:apigateway:eu-west-1::/restapis/a1/requestvalidators"),
)


@pytest.mark.parametrize("action,resource", WAF_AND_LOG_KEY_CALLS)
def test_the_deploy_role_may_build_the_web_acl_and_encrypted_logs_but_a_preview_may_not(
    action, resource
):
    doc = deploy_role()
    update = {"aws:RequestedRegion": "eu-west-1"}
    preview = {**update, "aws:SourceIdentity": policies.PREVIEW_SOURCE_IDENTITY}
    assert allowed(doc, action, resource, update)
    assert not allowed(doc, action, resource, preview)


def test_the_engine_sees_the_denies():
    doc = deploy_role()
    preview = {"aws:RequestedRegion": "eu-west-1", "aws:SourceIdentity": "hubspoke-preview"}
    assert allowed(doc, "ec2:CreateVpc", "*", {"aws:RequestedRegion": "eu-west-1"})
    assert not allowed(doc, "ec2:CreateVpc", "*", preview)
    assert not allowed(doc, "ec2:DescribeVpcs", "*", {"aws:RequestedRegion": "us-west-2"})
    assert not allowed(
        doc, "secretsmanager:GetSecretValue", "*", {"aws:RequestedRegion": "eu-west-1"}
    )


def test_the_main_programs_roles_are_what_the_deploy_roles_may_create():
    from components.api.policies import APIGW_LOGS_POLICY_ARN, VPC_ACCESS_POLICY_ARN
    from components.iam import WORKLOAD_BOUNDARY, role_settings

    assert WORKLOAD_BOUNDARY == policies.WORKLOAD_BOUNDARY
    assert set(policies.PROGRAM_MANAGED_POLICIES) == {VPC_ACCESS_POLICY_ARN, APIGW_LOGS_POLICY_ARN}
    assert role_settings(HOME, "prod") == {
        "path": policies.role_path("prod"),
        "permissions_boundary": policies.workload_boundary_arn(HOME),
    }
