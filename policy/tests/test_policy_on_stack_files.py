"""The real stack files, run under mocks, violate none of the mandatory policies; and the rules
read types and properties that really exist in the pulumi-aws SDK."""

import json
import re
from pathlib import Path

import pulumi_aws
import pytest

from offline import runner
from offline.mocks import Registration
from policy import validators as v

SDK = Path(pulumi_aws.__file__).parent
STACKS = sorted(p.name.split(".")[1] for p in runner.ROOT.glob("Pulumi.*.yaml"))


PACK_CONFIG = json.loads((Path(v.__file__).parent / "config.json").read_text())
PUBLIC_ROUTES = PACK_CONFIG["api-methods-have-authorizers"]["publicRoutes"]


def as_resource(reg: Registration) -> v.Resource:
    """A registration as the engine would hand it to a stack policy (outputs, id). The mocks
    record a resource's dependencies, not which property each came from: the properties the stack
    rules follow get them all (the engine gives the exact ones)."""
    deps = tuple(reg.dependencies)
    return v.Resource(
        reg.type, reg.name, reg.urn, reg.outputs, reg.id or None, {"bucket": deps, "vpcId": deps}
    )


def violations(result: runner.RunResult, drop: str = "") -> list[str]:
    regs = [r for r in result.resources if r.type != drop]
    resources = [as_resource(r) for r in regs]
    # With the allow-list of the pack config CI uses (policy/config.json).
    return v.all_violations(resources, {r.urn: r.inputs for r in regs}, PUBLIC_ROUTES)


@pytest.fixture(scope="module", params=STACKS)
def stack_run(request, run_stack_file) -> runner.RunResult:
    return run_stack_file(request.param)


def test_stack_files_exist():
    assert {"dev", "prod"} <= set(STACKS)


def test_stack_file_violates_no_mandatory_policy(stack_run):
    assert violations(stack_run) == []


def test_the_stack_check_would_see_a_missing_flow_log(stack_run):
    # Proves the check above inspects the real registrations: drop the flow logs, and every VPC
    # of the stack is reported.
    vpcs = stack_run.of_type(v.VPC)
    found = violations(stack_run, drop=v.FLOW_LOG)
    assert len(vpcs) >= 3
    assert sorted(found) == sorted(
        f"vpcs-have-flow-logs: {vpc.urn}: VPC {vpc.name} has no FlowLog" for vpc in vpcs
    )


def _sdk_file(type_: str) -> Path:
    _, module_path, _ = type_.split(":")
    module, resource = module_path.split("/")
    return SDK / module / (re.sub(r"(?<!^)([A-Z])", r"_\1", resource).lower() + ".py")


@pytest.mark.parametrize(("type_", "prop"), v.INSPECTED, ids=lambda x: str(x))
def test_every_inspected_property_exists_in_the_pulumi_aws_sdk(type_, prop):
    source = _sdk_file(type_).read_text()
    assert f"'{type_}'" in source
    snake = re.sub(r"(?<!^)([A-Z])", r"_\1", prop).lower()
    assert f'name="{prop}"' in source or (snake == prop and f"def {prop}(self)" in source)
