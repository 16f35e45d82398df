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
    linked = {prop: deps for prop in ("bucket", "vpcId", "resourceId")}
    return v.Resource(reg.type, reg.name, reg.urn, reg.outputs, reg.id or None, linked)


def violations(
    result: runner.RunResult, drop: str = "", without: tuple[str, str] | None = None
) -> list[str]:
    """The stack's violations, less the resources of type `drop`, and with the input property
    `without[1]` removed from the resource whose URN is `without[0]`."""
    regs = [r for r in result.resources if r.type != drop]
    resources = [as_resource(r) for r in regs]
    inputs = {r.urn: dict(r.inputs) for r in regs}
    if without is not None:
        urn, prop = without
        del inputs[urn][prop]
    # With the allow-list of the pack config CI uses (policy/config.json).
    return v.all_violations(resources, inputs, PUBLIC_ROUTES)


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


def test_the_pack_reads_each_stack_files_environment_from_its_providers(stack_run):
    config = runner.stack_config(stack_run.stack)
    assert v.environments([as_resource(r) for r in stack_run.resources]) == {
        config["hubspoke:environment"]
    }


PROD_DNS_RULES = [
    (v.FIREWALL_ASSOCIATION, "prod-vpcs-have-dns-firewall", "ResolverFirewallRuleGroupAssociation"),
    (v.QUERY_LOG_ASSOCIATION, "prod-vpcs-log-dns-queries", "ResolverQueryLogConfigAssociation"),
]


@pytest.mark.parametrize(("dropped", "rule", "missing"), PROD_DNS_RULES)
def test_a_prod_vpc_without_dns_firewall_or_query_logs_is_reported_by_name(
    stack_run, dropped, rule, missing
):
    # Drop every association of the type: in prod each VPC is reported, naming it; dev has no
    # firewall nor query logs and is not prod, so nothing is reported there.
    found = violations(stack_run, drop=dropped)
    if runner.stack_config(stack_run.stack)["hubspoke:environment"] != "prod":
        assert found == [] and stack_run.of_type(dropped) == []
        return
    vpcs = stack_run.of_type(v.VPC)
    assert len(vpcs) == len(stack_run.of_type(dropped)) >= 4
    assert len(found) == len(vpcs)
    for line, vpc in zip(sorted(found), sorted(vpcs, key=lambda r: r.urn), strict=True):
        assert line.startswith(f"{rule}: {vpc.urn}: VPC {vpc.name} has no {missing}: "), line


LOG_GROUP_RULES = [
    ("kmsKeyId", "log-groups-encrypted-with-customer-keys", "kmsKeyId is None"),
    ("retentionInDays", "log-groups-have-retention", "retentionInDays is None"),
]


@pytest.mark.parametrize(("prop", "rule", "message"), LOG_GROUP_RULES)
def test_a_log_group_of_the_stack_without_its_key_or_retention_is_reported_by_urn(
    stack_run, prop, rule, message
):
    groups = stack_run.of_type(v.LOG_GROUP)
    assert groups and all(prop in g.inputs for g in groups)
    last = groups[-1]
    [line] = violations(stack_run, without=(last.urn, prop))
    assert line.startswith(f"{rule}: {last.urn}: {message}"), line


def test_an_api_method_of_the_stack_without_its_validator_is_reported_by_urn(stack_run):
    methods = [m for m in stack_run.of_type(v.APIGW_METHOD) if m.inputs["httpMethod"] != "OPTIONS"]
    assert methods and all(m.inputs.get("requestValidatorId") for m in methods)
    post = next(m for m in methods if m.inputs["httpMethod"] == "POST")
    [line] = violations(stack_run, without=(post.urn, "requestValidatorId"))
    assert line.startswith(
        f"api-methods-have-request-validators: {post.urn}: method POST has no requestValidatorId"
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
