"""README.md lists exactly the mapped types; `python -m offline deploy` prints a summary."""

from __future__ import annotations

import re
from pathlib import Path

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


def test_deploy_command_prints_resources_by_component_and_account_then_outputs(capsys):
    assert main(["deploy", "--stack", "dev"]) == 0
    out = capsys.readouterr().out
    assert "Deployed stack dev into the in-process AWS emulator" in out
    assert "hubspoke:network:Vpc hub" in out
    assert "hubspoke:network:Peering hub-app" in out
    assert re.search(r"\+   aws:ec2:Vpc\s+hub\s+111122223333\s+eu-west-1\s+vpc-[0-9a-f]+", out)
    assert re.search(r'hub_vpc_id: "vpc-[0-9a-f]+"', out)
    assert "in 1 account(s) 111122223333" in out


def test_deploy_command_reports_a_rejected_resource_and_exits_non_zero(capsys, monkeypatch):
    import ipaddress

    import components.plan

    outside = ipaddress.IPv4Network("192.0.2.0/24")
    monkeypatch.setattr(components.plan, "subnet_cidr", lambda *_: outside)
    assert main(["deploy"]) == 1
    assert "InvalidSubnet.Range" in capsys.readouterr().err
