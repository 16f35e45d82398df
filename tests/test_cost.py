"""The README's idle cost table is what offline/cost.py computes from the real stack files, so its
counts follow the program; and every type it counts exists in the pulumi-aws SDK."""

from __future__ import annotations

import re
from pathlib import Path

import pulumi_aws
import pytest

from offline import cost
from offline.runner import ROOT, RunResult

SDK = Path(pulumi_aws.__file__).parent


@pytest.fixture(scope="module")
def stacks(run_stack_file) -> list[tuple[str, RunResult]]:
    return [(stack, run_stack_file(stack)) for stack in ("dev", "prod")]


def _readme_table() -> str:
    text = (ROOT / "README.md").read_text()
    return text.split("<!-- idle-cost:start -->\n")[1].split("\n<!-- idle-cost:end -->")[0]


def test_the_readme_idle_cost_table_is_the_programs(stacks):
    assert _readme_table() == cost.table(stacks), "run `python -m offline.cost` into the README"


def test_prod_pays_for_its_endpoint_ips_attachments_and_vpn_and_dev_for_keys_zone_alarms(stacks):
    (_, dev), (_, prod) = stacks
    counted = {item.name: (item.count(dev), item.count(prod)) for item in cost.ITEMS}
    assert counted["Resolver endpoint IPs (ENIs)"] == (0, 6)  # 3 endpoints of dns.endpointIps 2
    # 4 VPC attachments, the VPN's, and both sides of the eu-west-1 / eu-central-1 peering.
    assert counted["Transit gateway attachments"] == (0, 7)
    assert counted["KMS customer managed keys"] == (2, 5)
    assert cost.monthly(dev) == pytest.approx(2.0 + 0.5 + 0.3)


def test_every_counted_type_exists_in_the_pulumi_aws_sdk():
    source = Path(cost.__file__).read_text()
    types = set(re.findall(r'"(aws:[a-z0-9]+/[a-zA-Z0-9]+:[A-Za-z0-9]+)"', source))
    assert len(types) >= 15
    for type_ in sorted(types):
        _, module_path, _ = type_.split(":")
        module, resource = module_path.split("/")
        module = "lambda_" if module == "lambda" else module  # a Python keyword
        path = SDK / module / (re.sub(r"(?<!^)([A-Z])", r"_\1", resource).lower() + ".py")
        assert path.exists() and f"'{type_}'" in path.read_text(), type_
