"""No bootstrap role can escalate: every known privilege-escalation path (escalation_paths.yaml:
Rhino Security Labs' methods, principalmapper's edges, the AWS delegation example) is walked by
the offline IAM engine against the roles the bootstrap program registers, with the policies it
registers. Red on any complete path."""

from __future__ import annotations

import json

import pytest
from escalation import Role, catalogue, complete_paths
from test_bootstrap_program import run

from offline import runner

HOME, WORKLOADS = "111122223333", "444455556666"
PREVIEW = {"aws:SourceIdentity": "hubspoke-preview"}


def roles_of(result: runner.RunResult, account: str) -> list[Role]:
    """Each role of a bootstrap run as IAM would evaluate it, and each deploy role once more as
    a preview session (the source identity the preview chains in with)."""
    policies = {p.outputs["arn"]: p for p in result.of_type("aws:iam/policy:Policy")}
    real = {arn: f"arn:aws:iam::{account}:policy/{p.inputs['name']}" for arn, p in policies.items()}
    boundary_arns = sorted(real.values())
    workload = f"arn:aws:iam::{account}:policy/hubspoke-workload-boundary"
    registered = result.of_type("aws:iam/role:Role")
    found = []
    for role in registered:
        keys = {role.inputs["name"], role.outputs.get("id"), role.outputs["arn"].split(":")[-1]}
        attached = [
            a.inputs["policyArn"]
            for a in result.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            if a.inputs["role"] in keys
        ]
        inline = [
            json.loads(p.inputs["policy"])
            for p in result.of_type("aws:iam/rolePolicy:RolePolicy")
            if p.inputs["role"] in keys
        ]
        boundary = role.inputs.get("permissionsBoundary")
        name = role.inputs["name"]
        environment = name.removeprefix("hubspoke-deploy-") if "deploy-" in name else None
        other = [
            r
            for r in registered
            if r is not role and r.inputs["name"].startswith("hubspoke-deploy-")
        ]
        base = Role(
            name=name,
            account=account,
            identity=[json.loads(policies[a].inputs["policy"]) for a in attached] + inline,
            boundary=json.loads(policies[boundary].inputs["policy"]) if boundary else None,
            boundary_arn=real[boundary] if boundary else None,
            own_policies=[real[a] for a in attached],
            boundaries=boundary_arns,
            workload_boundary=workload,
            environment=environment,
            other_environment_role=(
                (
                    f"arn:aws:iam::{account}:role/{other[0].inputs['name']}",
                    json.loads(other[0].inputs["assumeRolePolicy"]),
                )
                if environment and other
                else None
            ),
        )
        found.append(base)
        if environment:
            found.append(Role(**{**base.__dict__, "session": PREVIEW}))
    return found


@pytest.fixture(scope="module")
def bootstrap_roles() -> list[Role]:
    return roles_of(run("network"), HOME) + roles_of(run("workloads"), WORKLOADS)


def test_the_analysis_covers_every_bootstrap_role(bootstrap_roles):
    names = sorted({(r.account, r.name) for r in bootstrap_roles})
    assert names == [
        (HOME, "hubspoke-deploy-dev"),
        (HOME, "hubspoke-deploy-prod"),
        (HOME, "hubspoke-preview"),
        (WORKLOADS, "hubspoke-deploy-prod"),
    ]
    assert len(catalogue()) >= 50


def test_no_bootstrap_role_completes_a_known_escalation_path(bootstrap_roles):
    complete = {
        f"{r.account}/{r.name}{' (preview)' if r.session else ''}": complete_paths(r)
        for r in bootstrap_roles
    }
    assert complete == {k: [] for k in complete}


def test_the_analysis_finds_a_path_where_one_exists(bootstrap_roles):
    # A deploy role allowed everything: every path is open but one, closed by the other
    # environment's trust policy alone (it admits only its own environment's home role).
    [prod] = [r for r in bootstrap_roles if r.name == "hubspoke-deploy-prod" and not r.session][:1]
    admin = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    wide = Role(**{**prod.__dict__, "identity": [admin], "boundary": None, "boundary_arn": None})
    found = complete_paths(wide)
    assert sorted({p["id"] for p in catalogue()} - set(found)) == ["dev-chains-into-prod"]
