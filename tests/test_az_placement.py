"""AZ placement: subnets by AZ id, pinned by `azIds` or chosen without regard to zone health."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from stack_variants import hubspoke_keys

from components.config import ConfigError, parse
from components.plan import plan_network
from components.vpc import default_zone_ids
from offline.mocks import FakeAws
from offline.runner import RunResult, run, stack_config

SUBNET = "aws:ec2/subnet:Subnet"


def vpc_configs(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {"hub": config["hubspoke:hub"]} | {s["name"]: s for s in config["hubspoke:spokes"]}


def zones_by_subnet(result: RunResult) -> dict[str, str]:
    return {s.name: s.inputs.get("availabilityZoneId") for s in result.of_type(SUBNET)}


@pytest.fixture(scope="module")
def prod_config() -> dict[str, Any]:
    return stack_config("prod")


@pytest.mark.parametrize("stack_name", ["dev", "prod"])
@pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])
def test_subnets_sit_in_the_configured_az_ids_else_the_regions_first_ids(
    stack_name, preview, run_stack_file
):
    config = stack_config(stack_name)
    result = run_stack_file(stack_name, preview=preview)
    pinned = 0
    for name, vpc in vpc_configs(config).items():
        subnets = [s for s in result.of_type(SUBNET) if s.name.startswith(f"{name}-")]
        assert subnets, name
        for subnet in subnets:
            assert "availabilityZone" not in subnet.inputs, subnet.name  # ids only
            index = int(subnet.name.rsplit("-", 1)[1])
            if "azIds" in vpc:
                assert subnet.inputs["availabilityZoneId"] == vpc["azIds"][index], subnet.name
                pinned += 1
            elif not preview:  # the lookup's answer: `euw1-az1`, `euw1-az2`, ... by number
                region = result.region_of(subnet)
                prefix = {"eu-west-1": "euw1", "eu-central-1": "euc1"}[region]
                assert subnet.inputs["availabilityZoneId"] == f"{prefix}-az{index + 1}"
    assert pinned > 0 if stack_name == "prod" else pinned == 0


@pytest.fixture(scope="module")
def prod_unpinned(prod_config) -> dict[str, Any]:
    """prod without any `azIds`: every VPC on the default placement."""
    config = copy.deepcopy(prod_config)
    for vpc in vpc_configs(config).values():
        vpc.pop("azIds", None)
    return config


@pytest.fixture(scope="module")
def healthy(prod_unpinned) -> RunResult:
    return run("prod", config=prod_unpinned)


def test_the_default_placement_does_not_move_when_a_zone_is_impaired(prod_unpinned, healthy):
    impaired = run(
        "prod", config=prod_unpinned, mocks=FakeAws(zone_states={"euw1-az1": "impaired"})
    )
    assert zones_by_subnet(impaired) == zones_by_subnet(healthy)
    assert zones_by_subnet(healthy)["hub-private-0"] == "euw1-az1"  # still used, not skipped


def test_vpcs_of_different_accounts_get_the_same_physical_zones_by_default(healthy):
    """The mock maps names to ids per account, as AWS does in its older regions: the hub
    (network account) and the app spoke (workloads account) agree by id, AZ by AZ."""
    zones = zones_by_subnet(healthy)
    hub = healthy.named(SUBNET, "hub-private-0")
    app = healthy.named(SUBNET, "app-private-0")
    assert healthy.account_of(hub) != healthy.account_of(app)
    for i in range(3):
        assert zones[f"hub-private-{i}"] == zones[f"app-private-{i}"] == f"euw1-az{i + 1}"
        assert zones[f"hub-transit-{i}"] == zones[f"hub-private-{i}"]


def test_the_default_takes_ids_by_number_and_says_when_the_region_has_too_few():
    assert default_zone_ids(["use1-az6", "use1-az10", "use1-az2", "use1-az1"], 3, "r") == [
        "use1-az1",
        "use1-az2",
        "use1-az6",
    ]
    with pytest.raises(ValueError, match="offers 2 availability zones in us-west-1; azCount"):
        default_zone_ids(["usw1-az1", "usw1-az3"], 3, "us-west-1")


def test_the_plan_carries_the_az_id_of_every_subnet_key(prod_config):
    plan = plan_network(parse(hubspoke_keys(prod_config), stack="prod", region="eu-west-1"))
    assert dict(plan.hub.subnet_az_ids) == {
        f"{tier}-{i}": f"euw1-az{i + 1}" for tier in ("private", "transit") for i in range(3)
    }
    assert plan.spokes["data"].subnet_az_ids == {}  # chosen at deploy time


def test_az_id_problems_are_all_reported_with_key_and_value(prod_config):
    config = hubspoke_keys(copy.deepcopy(prod_config))
    config["hub"]["azIds"] = ["euw1-az1", "euc1-az2", "euw1-az1"]
    config["spokes"][0]["azIds"] = ["eu-west-1a", 7]
    config["spokes"][1]["azIds"] = "euc1-az1"
    with pytest.raises(ConfigError) as error:
        parse(config, stack="prod", region="eu-west-1")
    problems = error.value.problems
    assert problems[:5] == [
        "hubspoke:hub.azIds[1] euc1-az2 is not an AZ id of eu-west-1 (its ids are euw1-az<n>)",
        "hubspoke:hub.azIds[2] euw1-az1 is listed twice (one subnet per tier and AZ)",
        'hubspoke:spokes[0].azIds ["eu-west-1a", 7] lists 2 AZ ids; azCount is 3 (one id per AZ)',
        "hubspoke:spokes[0].azIds[0] eu-west-1a is not an AZ id (like euw1-az1)",
        "hubspoke:spokes[0].azIds[1] 7 must be a non-empty string",
    ]
    assert any(p.startswith("hubspoke:spokes[1].azIds euc1-az1 ") for p in problems)
