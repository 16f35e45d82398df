"""Run the test suite on every core by default (pytest-xdist), one test file per worker; and
run each stack file as written once per worker (`run_stack_file`).

`python -m pytest` (the README's and CI's command) starts `-n auto` workers with `--dist loadfile`:
each file's tests run in one worker, in order, so a module-scoped fixture (one emulator deployment,
one program run) is computed once, as without xdist; session-scoped fixtures are computed once per
worker that uses them. Set here rather than in pytest.ini's addopts so that `-n 0` (one process)
and `-p no:xdist` (xdist not loaded) both still work, and an explicit `-n N`/`--dist` wins.

Hypothesis runs without its 200 ms per-example deadline (profile `hubspoke`): the property tests
check correctness, and a deadline only fails an example that a loaded machine (other test
processes on the same cores) happened to run slowly. Examples stay random and as many as before.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from hypothesis import settings

from offline.runner import RunResult, run

settings.register_profile("hubspoke", deadline=None)
settings.load_profile("hubspoke")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Before xdist reads its options (its own hook is tryfirst too, and runs after this one)."""
    if not config.pluginmanager.hasplugin("xdist") or "PYTEST_XDIST_WORKER" in os.environ:
        return
    if config.option.numprocesses is None:  # no -n on the command line
        config.option.numprocesses = "auto"
        if config.option.dist == "no":
            config.option.dist = "loadfile"


StackFileRun = Callable[..., RunResult]


@pytest.fixture(scope="session")
def run_stack_file() -> StackFileRun:
    """`run(stack, preview=...)` of a real stack file as written (no config change, plain mocks),
    once per worker process for each (stack, preview); every later call returns the same
    `RunResult`. Safe to share because a run as written always registers the same resources and
    tests only read a `RunResult`; a test that changes the config, the program or the mocks calls
    `offline.runner.run` itself (that run is its own). Here, not in tests/conftest.py, so that
    policy/tests and bootstrap/tests share it too."""
    done: dict[tuple[str, bool], RunResult] = {}

    def run_once(stack: str, *, preview: bool = False) -> RunResult:
        if (stack, preview) not in done:
            done[stack, preview] = run(stack, preview=preview)
        return done[stack, preview]

    return run_once
