"""The offline diff: stack files changed one way at a time, against the real stack file, and the
force-new data it decides replacements with."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from offline.diff import Step, diff, run_both
from offline.force_new import data, known_types, sdk_has_path
from offline.mocks import PROVIDER_TYPE, managed_domain_list_id
from offline.runner import ROOT, RunResult, run, stack_config


@pytest.fixture(scope="module")
def dev_base(run_stack_file) -> RunResult:
    return run_stack_file("dev", preview=True)


@pytest.fixture(scope="module")
def prod_base(run_stack_file) -> RunResult:
    return run_stack_file("prod", preview=True)


def changed(stack: str, change) -> RunResult:
    config = copy.deepcopy(stack_config(stack))
    change(config)
    return run(stack, preview=True, config=config)


def by_op(steps: list[Step]) -> dict[str, list[Step]]:
    found: dict[str, list[Step]] = {}
    for step in steps:
        found.setdefault(step.op, []).append(step)
    return found


def step(steps: list[Step], type_: str, name: str) -> Step:
    (match,) = [s for s in steps if s.type == type_ and s.name == name]
    return match


# The data.


def test_every_type_both_stack_files_register_has_force_new_data(stack):
    registered = {r.type for r in stack.resources if r.custom and r.type != PROVIDER_TYPE}
    assert registered <= known_types(), sorted(registered - known_types())


def test_every_force_new_path_is_an_input_of_the_pulumi_aws_sdk():
    wrong = [
        (type_, path)
        for type_, entry in data()["resources"].items()
        for path in entry["forceNew"] + entry.get("conditional", [])
        if not sdk_has_path(type_, path)
    ]
    assert not wrong


def test_the_data_says_where_it_was_read_from():
    source = data()["source"]
    assert source["provider"].startswith("hashicorp/terraform-provider-aws v6.")
    assert "tools/extract_force_new.py" in source["extractedBy"]
    entry = data()["resources"]["aws:route53/resolverEndpoint:ResolverEndpoint"]
    assert entry["terraform"] == "aws_route53_resolver_endpoint"
    assert set(entry["forceNew"]) == {"direction", "securityGroupIds"}


# The diff.


def test_the_same_stack_file_twice_is_all_same(dev_base):
    steps = diff(dev_base, run("dev", preview=True))
    assert {s.op for s in steps} == {"same"}
    assert len(steps) == len(dev_base.resources)


def test_a_spoke_cidr_replaces_its_vpc_and_what_stands_in_it(dev_base):
    steps = diff(
        dev_base, changed("dev", lambda c: c["hubspoke:spokes"][1].update(cidr="10.13.0.0/20"))
    )
    vpc = step(steps, "aws:ec2/vpc:Vpc", "data")
    assert (vpc.op, vpc.replace_reasons) == ("replace", ["cidrBlock"])
    subnet = step(steps, "aws:ec2/subnet:Subnet", "data-private-0")
    # Its own CIDR moves, and the VPC it is in is a new one (an unknown id from a replacement).
    assert subnet.replace_reasons == ["cidrBlock", "vpcId"]
    assert subnet.delete_before_replace
    route = step(steps, "aws:ec2/route:Route", "hub-data-hub-0")
    assert route.replace_reasons == ["destinationCidrBlock"]
    assert step(steps, "aws:ec2/vpc:Vpc", "hub").op == "same"
    assert step(steps, "aws:ec2/vpc:Vpc", "app").op == "same"
    assert set(by_op(steps)) == {"replace", "same"}


def test_a_hub_cidr_replaces_the_resolver_endpoints_delete_first(prod_base):
    steps = diff(prod_base, changed("prod", lambda c: c["hubspoke:hub"].update(cidr="10.9.0.0/16")))
    group = step(steps, "aws:ec2/securityGroup:SecurityGroup", "dns-inbound")
    assert group.replace_reasons == ["vpcId"]
    endpoint = step(steps, "aws:route53/resolverEndpoint:ResolverEndpoint", "dns-inbound")
    assert "securityGroupIds" in endpoint.replace_reasons
    assert endpoint.delete_before_replace


def test_fewer_hub_azs_delete_the_last_subnet_and_keep_the_endpoints(prod_base):
    def two_azs(config):
        hub = config["hubspoke:hub"]
        hub.update(azCount=2, azIds=hub["azIds"][:2])  # the pinned ids of AZ 0 and 1 stay

    steps = diff(prod_base, changed("prod", two_azs))
    # prod's endpoints take dns.endpointIps = 2 IPs, in the first two AZs: unchanged.
    endpoint = step(steps, "aws:route53/resolverEndpoint:ResolverEndpoint", "dns-inbound")
    assert endpoint.op == "same"
    assert step(steps, "aws:ec2/subnet:Subnet", "hub-private-2").op == "delete"
    assert "replace" not in by_op(steps)


def test_more_endpoint_ips_update_the_endpoints_in_place(prod_base):
    steps = diff(prod_base, changed("prod", lambda c: c["hubspoke:dns"].update(endpointIps=3)))
    endpoint = step(steps, "aws:route53/resolverEndpoint:ResolverEndpoint", "dns-inbound")
    assert (endpoint.op, endpoint.diffs) == ("update", ["ipAddresses"])  # IPs are not ForceNew
    assert "replace" not in by_op(steps)


def test_a_tag_only_change_updates_tags_all_and_replaces_nothing(dev_base):
    steps = diff(dev_base, changed("dev", lambda c: c.update({"hubspoke:tags": {"cost": "42"}})))
    ops = by_op(steps)
    assert set(ops) == {"update", "same"}
    provider = step(steps, PROVIDER_TYPE, "sandbox")
    assert provider.diffs == ["defaultTags"]
    vpc = step(steps, "aws:ec2/vpc:Vpc", "hub")
    assert (vpc.op, vpc.diffs) == ("update", ["tagsAll"])
    # A type without tags is untouched.
    assert step(steps, "aws:ec2/route:Route", "hub-app-hub-0").op == "same"


def test_adding_a_spoke_only_creates(dev_base):
    spoke = {"name": "extra", "account": "sandbox", "cidr": "10.13.0.0/20"}
    steps = diff(dev_base, changed("dev", lambda c: c["hubspoke:spokes"].append(spoke)))
    ops = by_op(steps)
    assert set(ops) == {"create", "same"}
    assert ("aws:ec2/vpc:Vpc", "extra") in {(s.type, s.name) for s in ops["create"]}


def test_a_spoke_moved_to_another_region_is_replaced_for_its_provider(prod_base):
    def move(c):
        c["hubspoke:spokes"][1].update(region="eu-west-2")
        # DNS Firewall's managed lists have one id per region (docs/dns-firewall.md).
        ids = c["hubspoke:dns"]["firewall"]["managedListIds"]
        ids["eu-west-2"] = {n: managed_domain_list_id("eu-west-2", n) for n in ids["eu-central-1"]}

    steps = diff(prod_base, changed("prod", move))
    vpc = step(steps, "aws:ec2/vpc:Vpc", "data")
    assert vpc.op == "replace"
    assert "provider" in vpc.replace_reasons


def test_the_command_line_prints_json_with_the_documented_keys(capsys, tmp_path):
    """`main(argv)`, which `python -m offline` runs, in-process (the real subprocess is the bad
    stack files' test below: it exits before any program runs)."""
    from offline.__main__ import main

    new = tmp_path / "Pulumi.dev.yaml"
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    config["config"]["hubspoke:spokes"][1]["cidr"] = "10.13.0.0/20"
    new.write_text(yaml.safe_dump(config))
    assert main(["diff", "--base", "dev", "--stack", str(new), "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)
    assert all(set(s) == {"urn", "type", "name", "op", "diffs", "replaceReasons"} for s in steps)
    assert {s["op"] for s in steps} <= {"create", "update", "replace", "delete", "same"}
    vpc = next(s for s in steps if s["urn"].endswith("aws:ec2/vpc:Vpc::data"))
    assert (vpc["op"], vpc["replaceReasons"]) == ("replace", ["cidrBlock"])


def test_the_human_output_marks_delete_first_replacements(capsys, tmp_path):
    from offline.__main__ import main

    new = tmp_path / "Pulumi.prod.yaml"
    config = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    config["config"]["hubspoke:hub"]["cidr"] = "10.9.0.0/16"
    new.write_text(yaml.safe_dump(config))
    assert main(["diff", "--base", "prod", "--stack", str(new)]) == 0
    out = capsys.readouterr().out
    endpoint = next(
        line for line in out.splitlines() if "resolverEndpoint" in line and "dns-inbound" in line
    )
    assert endpoint.lstrip().startswith("-+") and endpoint.endswith("replace (delete first)")
    vpc = next(
        line
        for line in out.splitlines()
        if line.rstrip().endswith("replace") and "aws:ec2/vpc:Vpc" in line
    )
    assert vpc.lstrip().startswith("+-")
    assert "[replace because: cidrBlock]" in out
    assert Path(new).exists()


def test_a_base_checkout_runs_its_own_program_so_code_changes_show(tmp_path, prod_base):
    """The base branch's code said another description for the inbound resolver security group:
    the group is replaced for it, and the endpoint on pinned IPs goes first (delete_before_replace),
    without a line of config changed."""
    base = tmp_path / "base"
    for part in ("components", "offline", "functions", "web"):
        shutil.copytree(ROOT / part, base / part, ignore=shutil.ignore_patterns("__pycache__"))
    for file in ("__main__.py", "Pulumi.yaml", "Pulumi.prod.yaml"):
        shutil.copy(ROOT / file, base / file)
    dns = base / "components" / "resolver.py"
    text = dns.read_text()
    assert "inbound endpoint: DNS from on-prem" in text
    dns.write_text(text.replace("inbound endpoint: DNS from on-prem", "inbound: DNS from on-prem"))

    old, new = run_both(str(base / "Pulumi.prod.yaml"), "prod", base_root=base)
    steps = diff(old, new)
    group = step(steps, "aws:ec2/securityGroup:SecurityGroup", "dns-inbound")
    assert (group.op, group.replace_reasons) == ("replace", ["description"])
    endpoint = step(steps, "aws:route53/resolverEndpoint:ResolverEndpoint", "dns-inbound")
    assert endpoint.op == "replace" and endpoint.delete_before_replace
    assert endpoint.replace_reasons == ["securityGroupIds"]
    assert step(steps, "aws:route53/resolverEndpoint:ResolverEndpoint", "dns-outbound").op == "same"
    assert len(old.resources) == len(prod_base.resources)


# Bad input: both files checked before either runs, every problem, status 2, no traceback.


def _broken_files(tmp_path: Path) -> tuple[Path, Path]:
    base = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    base["config"]["hubspoke:logRetentionDays"] = 13
    new = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    new["config"]["hubspoke:hub"]["azCont"] = new["config"]["hubspoke:hub"].pop("azCount")
    new["config"]["hubspoke:spokes"][0]["cidr"] = "10.11.0.0/33"
    (tmp_path / "old.yaml").write_text(yaml.safe_dump(base))
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(new))
    return tmp_path / "old.yaml", tmp_path / "Pulumi.dev.yaml"


def test_bad_stack_files_on_both_sides_exit_2_listing_every_problem_of_each(tmp_path):
    """`python -m offline diff` itself, in a subprocess as a user runs it."""
    base, new = _broken_files(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "offline", "diff", "--base", str(base), "--stack", str(new)],
        capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert "3 problems in the stack config:" in done.stderr
    assert "--base old.yaml: hubspoke:logRetentionDays 13 is not a CloudWatch Logs" in done.stderr
    assert (
        "--stack Pulumi.dev.yaml: hubspoke:hub.azCont is not a known key; did you mean azCount?"
        in done.stderr
    )
    assert "--stack Pulumi.dev.yaml: hubspoke:spokes[0].cidr 10.11.0.0/33 is not" in done.stderr


def test_a_base_checkout_checks_the_base_file_by_its_own_rules(tmp_path):
    """The base branch still allowed a retention of 13 days: the base file is fine by its rules,
    and only the new side's problems are reported (and a YAML error in the base is found there)."""
    from components.model import ConfigError
    from offline.diff import check_both

    base_file, new = _broken_files(tmp_path)
    checkout = tmp_path / "checkout"
    for part in ("components", "offline", "functions", "web"):
        shutil.copytree(ROOT / part, checkout / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "Pulumi.yaml", checkout / "Pulumi.yaml")
    model = checkout / "components" / "model.py"
    text = model.read_text()
    assert "    1, 3, 5, 7, 14, 30," in text  # the retention values CloudWatch Logs takes
    model.write_text(text.replace("    1, 3, 5, 7, 14, 30,", "    1, 3, 5, 7, 13, 14, 30,", 1))

    with pytest.raises(ConfigError) as raised:
        check_both(str(base_file), str(new), base_root=checkout)
    assert [p.split(":")[0] for p in raised.value.problems] == ["--stack Pulumi.dev.yaml"] * 2

    base_file.write_text("config:\n  hubspoke:hub: [\n")
    with pytest.raises(ConfigError) as raised:
        check_both(str(base_file), str(new), base_root=checkout)
    assert raised.value.problems[0].startswith("--base old.yaml:3:1 is not valid YAML")
