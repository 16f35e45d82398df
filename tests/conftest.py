"""Shared fixtures: each real stack file run once under mocks, in update and in preview mode."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from stack_variants import peering_mode

from offline.runner import RunResult, run, stack_config

STACKS = ("dev", "prod")


@pytest.fixture(scope="session")
def dev() -> RunResult:
    return run("dev")


@pytest.fixture(scope="session")
def prod() -> RunResult:
    return run("prod")


@pytest.fixture(scope="session")
def prod_peering() -> RunResult:
    """prod's accounts and regions in peering mode (the cross-account, cross-region peerings)."""
    return run("prod", config=peering_mode(stack_config("prod")))


@pytest.fixture(scope="session", params=["dev", "prod-peering"])
def peering_stack(request, dev, prod_peering) -> RunResult:
    """Each stack in peering mode: dev as written, prod without its transit gateway."""
    return dev if request.param == "dev" else prod_peering


@pytest.fixture(scope="session", params=STACKS)
def stack(request) -> RunResult:
    """Each real stack file, run in update mode."""
    return run(request.param)


@pytest.fixture(scope="session", params=STACKS)
def stack_preview(request) -> RunResult:
    """Each real stack file, run in preview mode (computed outputs unknown)."""
    return run(request.param, preview=True)


@pytest.fixture
def config_of():
    """A deep copy of a stack file's config, to change one thing and run it."""

    def load(stack: str = "dev") -> dict[str, Any]:
        return copy.deepcopy(stack_config(stack))

    return load
