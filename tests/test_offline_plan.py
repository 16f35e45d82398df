"""The offline plan a reviewer runs without credentials: what it shows and how it fails."""

from __future__ import annotations

import subprocess
import sys

import yaml

from offline.__main__ import main
from offline.runner import ROOT


def test_plan_shows_each_resource_with_its_account_and_the_outputs(capsys):
    assert main(["plan", "--stack", "prod"]) == 0
    out = capsys.readouterr().out
    assert "analytics-eu-central-1       account 777788889999  region eu-central-1" in out
    assert (
        "+ VpcPeeringConnectionAccepter hub-data-accepter "
        "[analytics-eu-central-1 777788889999 eu-central-1] autoAccept=true" in out
    )
    assert "cidrBlock=10.2.16.0/20 availabilityZone=eu-central-1b" in out
    assert "name=/hubspoke/prod/vpc/hub/flow-logs retentionInDays=365\n" in out
    assert "Outputs:\n  hub_vpc_id:" in out


def test_plan_in_preview_mode_has_unknown_outputs(capsys):
    assert main(["plan", "--stack", "dev", "--preview"]) == 0
    assert "Outputs: (unknown until applied)" in capsys.readouterr().out


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
