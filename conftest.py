"""Run the test suite on every core by default (pytest-xdist), one test file per worker.

`python -m pytest` (the README's and CI's command) starts `-n auto` workers with `--dist loadfile`:
each file's tests run in one worker, in order, so a module-scoped fixture (one emulator deployment,
one program run) is computed once, as without xdist; session-scoped fixtures are computed once per
worker that uses them. Set here rather than in pytest.ini's addopts so that `-n 0` (one process)
and `-p no:xdist` (xdist not loaded) both still work, and an explicit `-n N`/`--dist` wins.
"""

from __future__ import annotations

import os

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Before xdist reads its options (its own hook is tryfirst too, and runs after this one)."""
    if not config.pluginmanager.hasplugin("xdist") or "PYTEST_XDIST_WORKER" in os.environ:
        return
    if config.option.numprocesses is None:  # no -n on the command line
        config.option.numprocesses = "auto"
        if config.option.dist == "no":
            config.option.dist = "loadfile"
