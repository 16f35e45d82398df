"""Variants of the real stack files that several test modules share."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pytest

from components.config import ConfigError, parse
from offline.runner import stack_config


def hubspoke_keys(config: Mapping[str, Any]) -> dict[str, Any]:
    """A stack's config as `components.config.parse` takes it: the `hubspoke:` keys without their
    namespace, copied, so that a test may change them."""
    return {
        k.removeprefix("hubspoke:"): copy.deepcopy(v)
        for k, v in config.items()
        if k.startswith("hubspoke:")
    }


def config_problems(
    cfg: Mapping[str, Any], *, stack: str = "test", region: str = "eu-west-1"
) -> list[str]:
    """The problems `parse` reports for `cfg` (keys without namespace); it must report some."""
    with pytest.raises(ConfigError) as err:
        parse(cfg, stack=stack, region=region)
    return err.value.problems


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
