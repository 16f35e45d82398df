"""Shared fixtures: each real stack file run once under mocks, in update and in preview mode."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from offline.runner import RunResult, run, stack_config

STACKS = ("dev", "prod")


@pytest.fixture(scope="session")
def dev() -> RunResult:
    return run("dev")


@pytest.fixture(scope="session")
def prod() -> RunResult:
    return run("prod")


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
