"""Variants of the real stack files that several test modules share."""

from __future__ import annotations

import copy
from typing import Any

from offline.runner import stack_config


def peering_mode(raw: dict[str, Any]) -> dict[str, Any]:
    """A stack file's config in peering mode: without `transitGateway` and the spokes' segments
    (prod's accounts and regions are the peering tests' cross-account, cross-region cases)."""
    raw = copy.deepcopy(raw)
    raw.pop("hubspoke:transitGateway", None)
    for spoke in raw.get("hubspoke:spokes", []):
        spoke.pop("segment", None)
    return raw


def prod_peering_config() -> dict[str, Any]:
    """Pulumi.prod.yaml's config in peering mode, with the spoke `shared` in the hub's account
    (the stack file keeps it in workloads, so that dev and prod fit the VPC quota of the account
    they share): the peering tests' same-account, same-region case."""
    raw = peering_mode(stack_config("prod"))
    for spoke in raw["hubspoke:spokes"]:
        if spoke["name"] == "shared":
            spoke["account"] = "network"
    return raw


def prod_nat_config() -> dict[str, Any]:
    """Pulumi.prod.yaml's config with NAT: a single gateway in the hub, one per AZ in app (public
    route tables with the internet gateway's default route, NAT default routes)."""
    raw = copy.deepcopy(stack_config("prod"))
    raw["hubspoke:hub"]["natGateways"] = "single"
    raw["hubspoke:spokes"][0]["natGateways"] = "perAz"
    return raw
