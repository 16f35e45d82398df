"""The offline plan a reviewer runs without credentials: what it shows and how it fails."""

from __future__ import annotations

import re
import subprocess
import sys

import yaml

from offline.__main__ import main
from offline.runner import ROOT


def test_plan_shows_each_resource_with_its_account_and_the_outputs(offline_cli):
    done = offline_cli("plan", "--stack", "prod")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "analytics-eu-central-1  account 777788889999  region eu-central-1" in out
    # The data spoke's account attaches; the gateway's owner (network) accepts, in eu-central-1.
    assert (
        "+ VpcAttachmentAccepter tgw-data-accepter "
        "[network-eu-central-1 111122223333 eu-central-1]" in out
    )
    assert "cidrBlock=10.2.16.0/20 availabilityZoneId=euc1-az2" in out
    assert "name=/hubspoke/prod/vpc/hub/flow-logs retentionInDays=365\n" in out
    assert 'Outputs:\n  hub_vpc_id: "vpc-' in out


def _resource_lines(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if line.lstrip().startswith("+ ")]


def test_preview_shows_each_resource_in_its_account_and_region_as_plan_does(offline_cli):
    """The provider's account and region are its inputs: known before any id is."""
    preview, plan = (
        offline_cli("plan", "--stack", "prod", "--preview"),
        offline_cli("plan", "--stack", "prod"),
    )
    assert preview.returncode == 0, preview.stderr
    where = re.compile(r"^\+ \S+ \S+ (\[[\w-]+ \d{12} [a-z]{2}-[a-z]+-\d\])")
    lines = _resource_lines(preview.stdout)
    found = [where.match(line) for line in lines]
    assert lines and all(found), [line for line in lines if not where.match(line)][:3]
    assert [m.group(1) for m in found] == [
        where.match(line).group(1) for line in _resource_lines(plan.stdout)
    ]
    assert "[analytics-eu-central-1 777788889999 eu-central-1]" in preview.stdout


def test_preview_prints_the_outputs_known_before_apply_and_marks_the_others(offline_cli):
    out = offline_cli("plan", "--stack", "prod", "--preview").stdout
    assert "Outputs (output<unknown>: known only after apply):" in out
    assert '  hub_cidr: "10.0.0.0/16"\n' in out  # an input of the hub VPC
    assert (
        '  spoke_cidrs: {"app": "10.1.0.0/16", "data": "10.2.0.0/16", "shared": "10.3.0.0/20"}'
        in out
    )
    assert '  dns_private_zone_name: "aws.example.internal"\n' in out
    assert "  hub_vpc_id: output<unknown>\n" in out  # an id: only AWS knows it
    assert '  spoke_vpc_ids: {"app": output<unknown>, "data": output<unknown>' in out


def test_plan_and_preview_count_the_same_aws_resources_and_say_what_is_counted(offline_cli):
    counts = []
    for args in (("--preview",), ()):
        out = offline_cli("plan", "--stack", "prod", *args).stdout
        counted = r"^(\d+) AWS resources \(providers and components not counted\):$"
        total = re.search(counted, out, re.M)
        assert total, out[-2000:]
        per_type = re.findall(r"^ +(\d+)  (\S+)$", out[total.end() :].split("\n\n")[0], re.M)
        assert sum(int(n) for n, _ in per_type) == int(total.group(1))
        assert not [t for _, t in per_type if t.startswith("pulumi:providers")]
        assert int(total.group(1)) == len(_resource_lines(out))
        counts.append(int(total.group(1)))
    assert counts[0] == counts[1]


def test_plan_of_a_bad_stack_file_exits_2_listing_every_problem(tmp_path):
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    config["config"]["hubspoke:hub"]["natGateways"] = "lots"
    config["config"]["hubspoke:spokes"][0]["cidr"] = "10.10.0.0/16"
    (tmp_path / "Pulumi.broken.yaml").write_text(yaml.safe_dump(config))
    done = subprocess.run(
        [sys.executable, "-m", "offline", "plan", "--stack", str(tmp_path / "Pulumi.broken.yaml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "2 problems in the stack config:" in done.stderr
    assert "hubspoke:hub.natGateways lots is not a NAT strategy" in done.stderr
    assert (
        "hubspoke:spokes[0].cidr 10.10.0.0/16 overlaps hubspoke:hub.cidr 10.10.0.0/16"
        in done.stderr
    )


def test_plan_of_a_missing_stack_names_the_stacks_there_are(capsys):
    assert main(["plan", "--stack", "qa"]) == 2
    assert "no stack file Pulumi.qa.yaml (stacks: dev, prod)" in capsys.readouterr().err


def _offline(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "offline", *args],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def test_help_speaks_to_users():
    done = _offline("--help")
    assert done.returncode == 0
    assert "without AWS credentials" in done.stdout
    assert "python -m offline deploy --stack dev --serve" in done.stdout
    assert "One function per command" not in done.stdout  # the module's note to maintainers


def test_deploy_serve_on_a_taken_port_exits_2_naming_it_before_deploying():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _offline("deploy", "--stack", "dev", "--serve", "--port", str(port))
    assert done.returncode == 2, done.stderr
    assert f"cannot serve on 127.0.0.1:{port}" in done.stderr
    assert "nothing was deployed" in done.stderr
    assert done.stdout == ""  # no summary: the deploy did not run


def test_deploy_of_a_bad_stack_file_exits_2_at_its_line_and_column_before_deploying(tmp_path):
    text = (ROOT / "Pulumi.dev.yaml").read_text().replace("azCount: 2", "azCount: [2")
    (tmp_path / "Pulumi.broken.yaml").write_text(text)
    done = _offline("deploy", "--stack", str(tmp_path / "Pulumi.broken.yaml"))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""  # no summary: nothing deployed
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "azCount: [2" in t)
    assert re.search(rf"Pulumi\.broken\.yaml:{line + 1}:\d+ is not valid YAML", done.stderr), (
        done.stderr
    )
