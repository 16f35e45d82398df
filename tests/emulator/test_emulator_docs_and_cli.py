"""README.md lists exactly the mapped types; `python -m offline deploy` prints a summary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from offline.__main__ import main
from offline.emulator import INVOKES, RESOURCES

DOC = Path(__file__).resolve().parents[2] / "README.md"


def _listed(section: str) -> list[str]:
    text = DOC.read_text()
    block = re.search(rf"<!-- {section}:start -->\n(.*?)<!-- {section}:end -->", text, re.S)
    assert block, f"README.md has no <!-- {section}:start/end --> block"
    return re.findall(r"^- `([^`]+)`$", block.group(1), re.M)


def test_the_documented_resource_types_are_exactly_the_mapped_ones():
    expected = sorted(RESOURCES)
    assert _listed("mapped-types") == expected, "paste into README.md:\n" + "\n".join(
        f"- `{t}`" for t in expected
    )


def test_the_documented_invokes_are_exactly_the_answered_ones():
    expected = sorted(INVOKES)
    assert _listed("invokes") == expected, "paste into README.md:\n" + "\n".join(
        f"- `{t}`" for t in expected
    )


# `python -m offline deploy --stack prod` as a user runs it, once for the module: three accounts,
# two regions, the VPN, and resource names longer than any fixed column.


@pytest.fixture(scope="module")
def deployed(offline_cli) -> str:
    done = offline_cli("deploy", "--stack", "prod")
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _section(out: str, title: str) -> list[str]:
    """The lines under a `title` line, up to the next blank line."""
    return out.split(f"\n{title}\n", 1)[1].split("\n\n", 1)[0].splitlines()


def test_deploy_prints_resources_by_component_and_account_then_outputs(deployed):
    assert "Deployed stack prod into the in-process AWS emulator" in deployed
    assert "    hubspoke:network:Vpc hub\n" in deployed
    # prod is in transit gateway mode: one gateway, an attachment per VPC.
    assert "    hubspoke:network:TransitGateway tgw\n" in deployed
    assert "    hubspoke:network:TransitAttachment tgw-app\n" in deployed
    assert re.search(r"\+  aws:ec2:Vpc\s+hub\s+111122223333\s+eu-west-1\s+vpc-[0-9a-f]+", deployed)
    assert re.search(r'hub_vpc_id: "vpc-[0-9a-f]+"', deployed)
    assert "in 3 account(s) 111122223333, 444455556666, 777788889999" in deployed


def test_plan_and_deploy_count_the_same_aws_resources_and_say_what(deployed, offline_cli):
    plan = offline_cli("plan", "--stack", "prod").stdout
    planned = re.search(
        r"^(\d+) AWS resources \(providers and components not counted\):$", plan, re.M
    )
    created = re.search(
        r"^Resources: \+ (\d+) AWS resources created in 3 account\(s\) .* "
        r"\(providers and components not counted\)$",
        deployed,
        re.M,
    )
    assert planned and created, deployed[-500:]
    lines = [line for line in _section(deployed, "Resources:") if line.startswith("    +  ")]
    by_account = [
        int(line.split()[-1])
        for line in _section(deployed, "AWS resources by component and account:")
    ]
    assert int(planned.group(1)) == int(created.group(1)) == len(lines) == sum(by_account)


def test_the_summary_is_sorted_so_its_order_is_the_same_every_run(deployed):
    """The SDK registers from a thread pool: only a sorted report is stable from run to run."""
    providers = [line.split()[0] for line in _section(deployed, "Providers:")]
    # network, workloads, analytics-eu-central-1, and network-eu-central-1 (the transit gateway
    # peered with the hub's, DNS Firewall and query logs in the remote spoke's region).
    assert providers == sorted(providers) and len(providers) == 4
    components: list[str] = []
    rows: dict[str, list[tuple[str, str]]] = {}
    for line in _section(deployed, "Resources:"):
        if line.startswith("    +  "):
            _, type_, name, *_ = line.split()
            rows[components[-1]].append((type_, name))
        else:
            components.append(line.strip())
            rows[components[-1]] = []
    assert components == sorted(components)
    assert all(resources == sorted(resources) for resources in rows.values())
    outputs = [line.split(":")[0].strip() for line in _section(deployed, "Outputs:")
               if not line.startswith("        ")]  # fmt: skip
    assert outputs == sorted(outputs)


def _column_starts(line: str) -> list[int]:
    return [m.start() for m in re.finditer(r"(?<=  )\S", line)]


def test_the_summary_columns_stay_aligned_for_long_names(deployed):
    resources = [line for line in _section(deployed, "Resources:") if line.startswith("    +  ")]
    longest = max(len(line.split()[2]) for line in resources)
    assert longest > 26  # a name longer than the column the summary once fixed
    for title, rows in (
        ("Providers:", _section(deployed, "Providers:")),
        ("Resources:", resources),
        ("By account:", _section(deployed, "AWS resources by component and account:")),
    ):
        # Every row's columns start where the first row's do (the last column may be ragged).
        first = _column_starts(rows[0])
        assert all(_column_starts(row)[: len(first) - 1] == first[:-1] for row in rows), title


def test_outputs_the_emulator_cannot_produce_say_so_and_why(deployed):
    lines = _section(deployed, "Outputs:")
    nulls = [
        i for i, line in enumerate(lines) if "null" in line and not line.startswith("        ")
    ]
    assert nulls, "prod's VPN tunnel addresses: moto allocates none"
    for i in nulls:
        assert lines[i + 1].startswith("        not produced by the emulator: "), lines[i]
    assert "not produced by the emulator: moto keeps no tunnels for a VPN connection" in deployed
    assert "(aws:ec2:VpnConnection " in deployed


def test_deploy_command_reports_a_rejected_resource_and_exits_non_zero(capsys, monkeypatch):
    """A subnet outside its VPC: the emulator rejects it naming the subnet (as AWS's CreateSubnet
    answers InvalidSubnet.Range), and the command says so and exits 1."""
    import ipaddress

    import components.plan

    outside = ipaddress.IPv4Network("172.31.0.0/24")
    monkeypatch.setattr(components.plan, "subnet_cidr", lambda *_: outside)
    assert main(["deploy"]) == 1
    message = capsys.readouterr().err
    assert message.startswith("error: the emulator rejected ")
    assert "aws:ec2/subnet:Subnet" in message
    assert "-private-" in message  # the subnet's logical name, e.g. 'hub-private-0'
    assert "InvalidSubnet.Range" in message
    assert "172.31.0.0/24" in message
