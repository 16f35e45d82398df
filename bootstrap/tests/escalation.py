"""Privilege-escalation analysis of a role with the offline IAM engine (offline/iam).

`complete_paths(role)` walks every path of `escalation_paths.yaml` and returns the ids of those
whose every step the engine allows to the role: each is a way for whoever holds the role to gain
rights beyond it. The roles are described by their policy documents, not read from AWS.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from offline.iam import evaluate_many

CATALOGUE = Path(__file__).with_name("escalation_paths.yaml")
REGION = "eu-west-1"  # a region the bootstrap allows: the attacker picks one that works
PROJECT_TAG = "hubspoke"  # the main program's default tag project=hubspoke (components/naming.py)
ENVIRONMENTS = ("dev", "prod")
ELSEWHERE = "999999999999"  # an account no bootstrap stack configures
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
ABSENT = "<absent>"  # a context key the request does not carry (e.g. a role without a boundary)


@dataclass(frozen=True)
class Role:
    """A role as IAM evaluates it: identity policies, permissions boundary, session context."""

    name: str
    account: str
    identity: Sequence[Mapping[str, Any]]
    boundary: Mapping[str, Any] | None = None
    # Managed policies of the role (their ARNs), and the account's boundary policies.
    boundary_arn: str | None = None
    own_policies: Sequence[str] = ()
    boundaries: Sequence[str] = ()
    workload_boundary: str | None = None
    environment: str | None = None
    other_environment_role: tuple[str, Mapping[str, Any]] | None = None  # (ARN, trust policy)
    session: Mapping[str, Any] = field(default_factory=dict)  # e.g. aws:SourceIdentity

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account}:role/{self.name}"


def catalogue() -> list[dict[str, Any]]:
    return yaml.safe_load(CATALOGUE.read_text())["paths"]


def _targets(role: Role) -> dict[str, list[str]]:
    """Every value a {placeholder} of the catalogue may take for this role (several: each)."""
    a, r = role.account, REGION
    env = role.environment or "prod"
    others = [e for e in ENVIRONMENTS if e != env]
    instance = f"arn:aws:ec2:{r}:{a}:instance/i-0123456789abcdef0"
    uuid = "0a1b2c3d-0000-0000-0000-000000000000"
    return {
        "account": [a],
        "environment": [env],
        "other_environment": others,
        "self_role": [role.arn],
        "self_policy": list(role.own_policies),
        "self_boundary": [role.boundary_arn or ABSENT],
        "boundary": list(role.boundaries),
        "workload_boundary": [role.workload_boundary or ABSENT],
        "admin_policy": [ADMIN_POLICY],
        "admin_role": [f"arn:aws:iam::{a}:role/admin"],
        "new_role": [f"arn:aws:iam::{a}:role/hubspoke/{env}/escalate"],  # on the path it may use
        "project_role": [f"arn:aws:iam::{a}:role/hubspoke/{env}/app-api-function"],
        "other_env_role": [role.other_environment_role[0]] if role.other_environment_role else [],
        "foreign_role_elsewhere": [
            f"arn:aws:iam::{ELSEWHERE}:role/{n}"
            for n in ("hubspoke-deploy", *(f"hubspoke-deploy-{e}" for e in ENVIRONMENTS))
        ],
        "other_user": [f"arn:aws:iam::{a}:user/admin"],
        "other_group": [f"arn:aws:iam::{a}:group/admins"],
        "new_function": [f"arn:aws:lambda:{r}:{a}:function:escalate"],
        "foreign_function": [f"arn:aws:lambda:{r}:{a}:function:other"],
        "new_instance": [instance],
        "foreign_instance": [instance],
        "foreign_launch_template": [f"arn:aws:ec2:{r}:{a}:launch-template/lt-0123456789abcdef0"],
        "dev_endpoint": ["*"],  # glue:*DevEndpoint authorize only on "*"
        "stack": [f"arn:aws:cloudformation:{r}:{a}:stack/escalate/{uuid}"],
        "pipeline": [f"arn:aws:datapipeline:{r}:{a}:pipeline/df-0123456789ABCDEFGHIJ"],
        "codebuild_project": [f"arn:aws:codebuild:{r}:{a}:project/escalate"],
        "notebook": [f"arn:aws:sagemaker:{r}:{a}:notebook-instance/escalate"],
        "task_definition": [f"arn:aws:ecs:{r}:{a}:task-definition/escalate:1"],
        "launch_configuration": [
            f"arn:aws:autoscaling:{r}:{a}:launchConfiguration:{uuid}"
            ":launchConfigurationName/escalate"
        ],
        "autoscaling_group": [
            f"arn:aws:autoscaling:{r}:{a}:autoScalingGroup:{uuid}:autoScalingGroupName/escalate"
        ],
    }


def _fill(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**values)
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


def _bindings(path: Mapping[str, Any], targets: Mapping[str, list[str]]) -> Iterable[dict]:
    """Each assignment of the placeholders the path uses (a path with an empty one: none)."""
    text = yaml.safe_dump(path["steps"])
    used = sorted(k for k in targets if "{" + k + "}" in text)
    for combination in itertools.product(*(targets[k] for k in used)):
        yield dict(zip(used, combination, strict=True))


def _tag_variants(step: Mapping[str, Any], role: Role) -> list[dict[str, Any]]:
    """The request tags an attacker may choose: none, or the project's of any environment."""
    if not step.get("attacker_tags"):
        return [{}]
    tagged = [
        {
            "aws:RequestTag/project": PROJECT_TAG,
            "aws:RequestTag/environment": env,
            "aws:TagKeys": ["project", "environment"],
        }
        for env in ENVIRONMENTS
    ]
    return tagged if step.get("require_tags") else [{}, *tagged]


def _open_trust(role: Role) -> dict[str, Any]:
    """A role elsewhere that trusts the attacker's account: only the identity side decides."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{role.account}:root"},
                "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
            }
        ],
    }


def _simulation(role: Role, step: Mapping[str, Any], resource: str, context: dict) -> dict:
    account = resource.split(":")[4] or role.account if resource != "*" else role.account
    simulation: dict[str, Any] = {
        "request": {
            "principal": role.arn,
            "action": step["action"],
            "resource": {"resource": resource, "accountId": account},
            "contextVariables": {
                "aws:RequestedRegion": REGION,
                "aws:PrincipalArn": role.arn,
                "aws:PrincipalAccount": role.account,
                **role.session,
                **context,
            },
        },
        "identityPolicies": [
            {"name": f"p{i}", "policy": doc} for i, doc in enumerate(role.identity)
        ],
    }
    if role.boundary is not None:
        simulation["permissionBoundaryPolicies"] = [{"name": "boundary", "policy": role.boundary}]
    trust = step.get("trust")
    if trust == "open":
        simulation["resourcePolicy"] = _open_trust(role)
    elif trust == "other_env" and role.other_environment_role is not None:
        simulation["resourcePolicy"] = role.other_environment_role[1]
    return simulation


def complete_paths(role: Role, paths: Sequence[Mapping[str, Any]] | None = None) -> list[str]:
    """Ids of the catalogue's paths the role can walk to the end."""
    paths = catalogue() if paths is None else paths
    targets = _targets(role)
    # Every request of every step under every binding, evaluated in one round trip.
    plan: list[tuple[str, int, int, int]] = []  # (path id, binding, step, variant)
    simulations = []
    for path in paths:
        for b, values in enumerate(_bindings(path, targets)):
            if any(v == "" for v in values.values()):
                continue  # a placeholder this role has no value for (e.g. no own policy)
            for s, step in enumerate(path["steps"]):
                resource = _fill(step["resource"], values)
                context = _fill(dict(step.get("context", {})), values)
                context = {k: v for k, v in context.items() if v != ABSENT}
                for v, tags in enumerate(_tag_variants(step, role)):
                    plan.append((path["id"], b, s, v))
                    simulations.append(_simulation(role, step, resource, {**context, **tags}))
    decisions = evaluate_many(simulations)
    allowed_steps: dict[tuple[str, int], set[int]] = {}
    bindings: dict[str, set[int]] = {}
    for (path_id, b, s, _), decision in zip(plan, decisions, strict=True):
        bindings.setdefault(path_id, set()).add(b)
        if decision.allowed:
            allowed_steps.setdefault((path_id, b), set()).add(s)
    complete = []
    for path in paths:
        steps = set(range(len(path["steps"])))
        if any(
            allowed_steps.get((path["id"], b), set()) >= steps for b in bindings.get(path["id"], ())
        ):
            complete.append(path["id"])
    return complete
