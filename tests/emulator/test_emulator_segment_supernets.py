"""Segment supernets deployed into moto: Pulumi.prod.yaml with a second spoke in `apps` and
`apps` summarised by its `cidr`. From the route tables moto holds, every VPC table that reaches
`apps` has exactly one route into the supernet (the supernet itself, to its transit gateway), the
others none, and the segments are as isolated as without it (one deployment for the module).
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Iterator

import pytest
from transit_state import VPC, Gateways

from offline.emulator import EmulatorMocks
from offline.runner import run, stack_config

SUPERNET = ipaddress.IPv4Network("10.4.0.0/15")
APPS = {"app": "10.4.0.0/16", "app2": "10.5.0.0/16"}


def summarised_prod() -> dict:
    """prod with app on 10.4.0.0/16, app2 (workloads, eu-west-1) on 10.5.0.0/16, both in `apps`,
    and `apps` summarised by 10.4.0.0/15."""
    raw = copy.deepcopy(stack_config("prod"))
    spokes = raw["hubspoke:spokes"]
    app = next(s for s in spokes if s["name"] == "app")
    app["cidr"] = APPS["app"]
    app2 = {k: v for k, v in app.items() if k != "networkAcls"}
    spokes.append(app2 | {"name": "app2", "cidr": APPS["app2"]})
    raw["hubspoke:transitGateway"]["segments"]["apps"]["cidr"] = str(SUPERNET)
    return raw


@pytest.fixture(scope="module")
def deployed() -> Iterator[Gateways]:
    with EmulatorMocks() as emu:
        result = run("prod", config=summarised_prod(), mocks=emu)
        yield Gateways(emu, result).load()


def into_supernet(deployed: Gateways, vpc_name: str) -> list[list[tuple[str, str]]]:
    """Per route table of the VPC (from moto): its routes whose destination lies in the supernet,
    as (destination, target kind)."""
    vpc_id = deployed.vpc_id(vpc_name)
    _, gateway = deployed.attachment_of(vpc_id)
    found = []
    for table in deployed.vpc_route_tables(vpc_id):
        inside = []
        for route in table["Routes"]:
            cidr = route.get("DestinationCidrBlock")
            local = route.get("Origin") == "CreateRouteTable"
            if cidr and not local and ipaddress.IPv4Network(cidr).subnet_of(SUPERNET):
                kind = "gateway" if route.get("TransitGatewayId") == gateway else "other"
                inside.append((cidr, kind))
        found.append(inside)
    return found


def test_every_table_that_reaches_the_segment_has_one_route_to_its_supernet(deployed):
    for name in ("hub", "app", "app2"):
        tables = into_supernet(deployed, name)
        assert tables, name
        assert all(t == [(str(SUPERNET), "gateway")] for t in tables), (name, tables)


def test_tables_of_segments_that_do_not_reach_it_have_no_route_into_it(deployed):
    for name in ("data", "shared"):
        assert all(t == [] for t in into_supernet(deployed, name)), name


def test_the_summarised_segments_spokes_reach_each_other_and_the_hub(deployed):
    hub = deployed.vpc_id("hub")
    app, app2 = deployed.vpc_id("app"), deployed.vpc_id("app2")
    assert deployed.delivers(app, APPS["app2"]) and deployed.delivers(app2, APPS["app"])
    for spoke, cidr in ((app, APPS["app"]), (app2, APPS["app2"])):
        assert deployed.delivers(spoke, deployed.vpc_cidr[hub])
        assert deployed.delivers(hub, cidr)


def test_segments_that_do_not_reach_apps_still_have_no_path_to_its_spokes(deployed):
    for name in ("data", "shared"):
        source = deployed.vpc_id(name)
        for cidr in (*APPS.values(), str(SUPERNET)):
            assert not deployed.delivers(source, cidr), (name, cidr)
        for spoke in ("app", "app2"):
            destination = deployed.vpc_cidr[deployed.vpc_id(name)]
            assert not deployed.delivers(deployed.vpc_id(spoke), destination), (spoke, name)


def test_the_deployment_holds_the_second_spoke_in_the_workloads_account(deployed):
    app2 = deployed.result.named(VPC, "app2")
    assert deployed.result.account_of(app2) == "444455556666"
    assert deployed.vpc_cidr[app2.id] == APPS["app2"]
