"""Shared fixtures: each real stack file run once under mocks, in update and in preview mode (the
runs themselves are `run_stack_file`'s, in the root conftest, shared with every module);
`python -m offline` as a user runs it; the browser the browser tests drive."""

from __future__ import annotations

import contextlib
import copy
import io
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from browsers import chromium_or_skip
from stack_variants import prod_nat_config, prod_peering_config

from offline.__main__ import main
from offline.runner import RunResult, run, stack_config

STACKS = ("dev", "prod")


@pytest.fixture(scope="session")
def dev(run_stack_file) -> RunResult:
    """Pulumi.dev.yaml run in update mode (shared: see `run_stack_file` in the root conftest)."""
    return run_stack_file("dev")


@pytest.fixture(scope="session")
def prod(run_stack_file) -> RunResult:
    """Pulumi.prod.yaml run in update mode (shared: see `run_stack_file` in the root conftest)."""
    return run_stack_file("prod")


@pytest.fixture(scope="session")
def prod_peering() -> RunResult:
    """prod's accounts and regions in peering mode (the cross-account, cross-region peerings)."""
    return run("prod", config=prod_peering_config())


@pytest.fixture(scope="session")
def prod_nat() -> RunResult:
    """prod with NAT: a single gateway in the hub, one per AZ in app (public route tables)."""
    return run("prod", config=prod_nat_config())


@pytest.fixture(scope="session", params=["dev", "prod-peering"])
def peering_stack(request, dev, prod_peering) -> RunResult:
    """Each stack in peering mode: dev as written, prod without its transit gateway."""
    return dev if request.param == "dev" else prod_peering


@pytest.fixture(scope="session", params=STACKS)
def stack(request, run_stack_file) -> RunResult:
    """Each real stack file, run in update mode."""
    return run_stack_file(request.param)


@pytest.fixture(scope="session", params=STACKS)
def stack_preview(request, run_stack_file) -> RunResult:
    """Each real stack file, run in preview mode (computed outputs unknown)."""
    return run_stack_file(request.param, preview=True)


@pytest.fixture
def config_of():
    """A deep copy of a stack file's config, to change one thing and run it."""

    def load(stack: str = "dev") -> dict[str, Any]:
        return copy.deepcopy(stack_config(stack))

    return load


OfflineCli = Callable[..., subprocess.CompletedProcess]


@pytest.fixture(scope="session")
def offline_cli() -> OfflineCli:
    """`python -m offline ARGS` as a user runs it, but in this process: the same `main(argv)` that
    `python -m offline` calls, its stdout, stderr and exit status captured into a
    `CompletedProcess`. In-process because these tests read the commands' output, and a subprocess
    would import pulumi_aws, moto and botocore's data again (seconds of CPU per command line); the
    subprocess boundary itself keeps its own tests (`_offline` in test_offline_plan.py, the diff
    command line in test_offline_diff.py). Each distinct command line runs once per session (tests
    of one command read the same output)."""
    done: dict[tuple[str, ...], subprocess.CompletedProcess] = {}

    def run_cli(*args: str) -> subprocess.CompletedProcess:
        if args not in done:
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(list(args))
                except SystemExit as exit_:  # argparse's usage errors and --help
                    code = exit_.code if isinstance(exit_.code, int) else 1
            argv = [sys.executable, "-m", "offline", *args]
            done[args] = subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())
        return done[args]

    return run_cli


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium for the browser tests: skipped without it, unless `CI` is set."""
    return chromium_or_skip()
