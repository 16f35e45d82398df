"""The bootstrap program under Pulumi mocks, with its real stack files: what each account gets."""

import json
from pathlib import Path

import pytest
import yaml

from offline import runner

BOOTSTRAP = Path(__file__).resolve().parent.parent
HOME, WORKLOADS = "111122223333", "444455556666"
REPO = "example-org/hubspoke"


def stack_config(name: str) -> dict:
    return yaml.safe_load((BOOTSTRAP / f"Pulumi.{name}.yaml").read_text())["config"]


def run(name: str, preview: bool = False, **overrides) -> runner.RunResult:
    config = {**stack_config(name), **{f"hubspoke-bootstrap:{k}": v for k, v in overrides.items()}}
    return runner.run(name, preview=preview, config=config, program=BOOTSTRAP)


@pytest.fixture(scope="module")
def home() -> runner.RunResult:
    return run("network")


@pytest.fixture(scope="module")
def member() -> runner.RunResult:
    return run("workloads")


def policy(reg, key="policy") -> dict:
    return json.loads(reg.inputs[key])


def statement(doc: dict, sid: str) -> dict:
    [found] = [s for s in doc["Statement"] if s.get("Sid") == sid]
    return found


def test_every_bootstrap_stack_file_runs_in_update_and_preview():
    names = sorted(p.name.split(".")[1] for p in BOOTSTRAP.glob("Pulumi.*.yaml"))
    assert names == ["analytics", "network", "workloads"]
    for name in names:
        assert run(name).resources
        assert run(name, preview=True).resources


def test_every_resource_uses_the_account_provider_pinned_to_its_account(home, member):
    for result, account in ((home, HOME), (member, WORKLOADS)):
        [provider] = result.of_type("pulumi:providers:aws")
        assert json.loads(provider.outputs["allowedAccountIds"]) == [account]
        for reg in result.resources:
            if reg.custom and reg.type.startswith("aws:"):
                assert reg.provider.startswith(provider.urn), reg.urn
                assert result.account_of(reg) == account


def test_home_account_gets_oidc_state_and_both_roles_other_accounts_only_the_deploy_role(
    home, member
):
    assert sorted(r.inputs["name"] for r in home.of_type("aws:iam/role:Role")) == [
        "hubspoke-deploy-dev",
        "hubspoke-deploy-prod",
        "hubspoke-preview",
    ]
    assert len(home.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")) == 1
    assert len(home.of_type("aws:s3/bucket:Bucket")) == 1
    assert [r.inputs["name"] for r in member.of_type("aws:iam/role:Role")] == [
        "hubspoke-deploy-prod"
    ]
    assert member.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    assert member.of_type("aws:s3/bucket:Bucket") == []


def test_oidc_provider_is_githubs_issuer_for_the_sts_audience(home):
    [oidc] = home.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert oidc.inputs["url"] == "https://token.actions.githubusercontent.com"
    assert oidc.inputs["clientIdLists"] == ["sts.amazonaws.com"]


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_each_environments_deploy_role_trusts_only_that_environments_ci_job(home, env):
    role = home.named("aws:iam/role:Role", f"ci-deploy-{env}")
    oidc = statement(policy(role, "assumeRolePolicy"), "CiOidc")
    [provider] = home.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert oidc["Principal"] == {"Federated": provider.outputs["arn"]}
    assert oidc["Condition"]["StringEquals"] == {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": [f"repo:{REPO}:environment:{env}"],
    }
    # Long enough for a prod up; CI asks for the same (up.yml role-duration-seconds).
    assert role.inputs["maxSessionDuration"] == 4 * 3600


def test_pull_requests_reach_only_the_preview_role(home):
    role = home.named("aws:iam/role:Role", "ci-preview")
    oidc = statement(policy(role, "assumeRolePolicy"), "CiOidc")
    assert oidc["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == [
        f"repo:{REPO}:pull_request"
    ]


def test_member_deploy_role_trusts_the_home_roles_and_a_preview_only_with_its_source_identity(
    member,
):
    role = member.named("aws:iam/role:Role", "ci-deploy-prod")
    assert role.inputs["maxSessionDuration"] == 3600  # only reached by chaining: 1 h at most
    trust = policy(role, "assumeRolePolicy")
    assert [s["Sid"] for s in trust["Statement"]] == ["ChainedUpdate", "ChainedPreview"]
    update, preview = trust["Statement"]
    assert update["Principal"] == {"AWS": f"arn:aws:iam::{HOME}:root"}
    assert update["Condition"]["ArnEquals"] == {
        "aws:PrincipalArn": f"arn:aws:iam::{HOME}:role/hubspoke-deploy-prod"
    }
    assert preview["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{HOME}:role/hubspoke-preview"},
        "StringEquals": {"sts:SourceIdentity": "hubspoke-preview"},
    }


def test_deploy_role_is_capped_by_its_own_policy_as_permissions_boundary(member):
    role = member.named("aws:iam/role:Role", "ci-deploy-prod")
    boundary = member.named("aws:iam/policy:Policy", "ci-deploy-prod")
    [attachment] = member.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert role.inputs["permissionsBoundary"] == boundary.outputs["arn"]
    assert attachment.inputs["policyArn"] == boundary.outputs["arn"]
    guards = policy(member.named("aws:iam/rolePolicy:RolePolicy", "ci-deploy-prod-guards"))
    regions = statement(guards, "OnlyTheStackRegions")
    assert regions["Effect"] == "Deny"
    assert regions["Condition"] == {
        "StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}
    }
    assert statement(guards, "PreviewsOnlyRead")["Effect"] == "Deny"
    assert statement(guards, "NeverTheBootstrapRoles")["Resource"][0].endswith(
        f"{WORKLOADS}:role/hubspoke-deploy-prod"
    )
    create = statement(policy(boundary), "CreateOnlyWithBoundary")
    assert create["Condition"]["StringEquals"]["iam:PermissionsBoundary"] == (
        f"arn:aws:iam::{WORKLOADS}:policy/hubspoke-workload-boundary"
    )
    workload = member.named("aws:iam/policy:Policy", "ci-workload-boundary")
    assert workload.inputs["name"] == "hubspoke-workload-boundary"


def test_home_deploy_roles_chain_only_into_their_environments_configured_accounts(home):
    prod = policy(home.named("aws:iam/policy:Policy", "ci-deploy-prod"))
    assert statement(prod, "ChainIntoTheConfiguredAccounts")["Resource"] == [
        f"arn:aws:iam::{a}:role/hubspoke-deploy-prod"
        for a in ("111122223333", "444455556666", "777788889999")
    ]
    dev = policy(home.named("aws:iam/policy:Policy", "ci-deploy-dev"))
    assert not [s for s in dev["Statement"] if "sts:AssumeRole" in s.get("Action", [])]


def test_chain_into_matches_the_main_programs_role_arns():
    # Pulumi.<stack>.yaml's roleArn accounts = the home bootstrap stack's chainInto.
    chain = stack_config("network")["hubspoke-bootstrap:chainInto"]
    for stack in ("dev", "prod"):
        accounts = runner.stack_config(stack)["hubspoke:accounts"]
        arns = sorted(a["roleArn"] for a in accounts.values() if a.get("roleArn"))
        expected = sorted(
            f"arn:aws:iam::{a}:role/hubspoke-deploy-{stack}" for a in chain.get(stack, [])
        )
        assert arns == expected, stack


def test_state_backend_is_versioned_kms_encrypted_tls_only_private_and_protected(home):
    [bucket] = home.of_type("aws:s3/bucket:Bucket")
    [key] = home.of_type("aws:kms/key:Key")
    assert bucket.protect and bucket.retain_on_delete and key.protect and key.retain_on_delete
    assert key.inputs["enableKeyRotation"] is True
    [versioning] = home.of_type("aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    sse_type = (
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    [sse] = home.of_type(sse_type)
    rule = sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
    assert rule == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key.outputs["arn"]}
    [block] = home.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    assert all(block.inputs[f] is True for f in flags)
    for reg in (versioning, sse, block):
        assert reg.inputs["bucket"] == bucket.id
    tls = statement(policy(home.of_type("aws:s3/bucketPolicy:BucketPolicy")[0]), "TlsOnly")
    assert tls["Effect"] == "Deny" and tls["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }
    [alias] = home.of_type("aws:kms/alias:Alias")
    assert alias.inputs["name"] == "alias/hubspoke-state"


def test_outputs_tell_ci_where_the_state_is_and_which_roles_to_assume(home, member):
    assert set(home.outputs["deploy_role_arns"]) == {"dev", "prod"}
    assert home.outputs["preview_role_arn"]
    assert (
        home.outputs["backend_url"].startswith("s3://")
        and "region=eu-west-1" in (home.outputs["backend_url"])
    )
    assert home.outputs["secrets_provider"] == "awskms://alias/hubspoke-state?region=eu-west-1"
    assert set(member.outputs) == {"deploy_role_arns", "workload_boundary_arn"}


def test_home_deploy_role_may_use_but_never_reconfigure_the_state_backend(home):
    guards = home.named("aws:iam/rolePolicy:RolePolicy", "ci-deploy-prod-guards")
    [bucket] = home.of_type("aws:s3/bucket:Bucket")
    deny = statement(policy(guards), "StateBucketIsNotOurs")
    assert deny["Resource"] == [bucket.outputs["arn"], bucket.outputs["arn"] + "/*"]
    assert "s3:DeleteBucket" not in deny["NotAction"]


def test_bad_config_names_every_key_and_value_before_any_resource():
    with pytest.raises(Exception) as raised:
        run("workloads", accountId="12345", ci={"provider": "bitbucket", "repository": "x"})
    message = str(raised.value)
    assert "hubspoke-bootstrap:accountId '12345' is not a 12-digit account id" in message
    assert "hubspoke-bootstrap:ci.provider 'bitbucket' is not one of github, gitlab" in message


def test_project_file_uses_only_documented_project_config_types():
    # Pulumi project file reference, "config options": type is string, integer, boolean or array.
    project = yaml.safe_load((BOOTSTRAP / "Pulumi.yaml").read_text())
    assert project["name"] == "hubspoke-bootstrap"
    assert project["runtime"]["name"] == "python"
    for key, spec in project["config"].items():
        assert spec["type"] in ("string", "integer", "boolean", "array"), key
        assert spec["description"], key
        assert ":" not in key  # keys of the project's own namespace are written without it
