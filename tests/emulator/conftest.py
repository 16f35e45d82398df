"""Fixtures for the emulator tests: a stack deployed into moto, and small standalone programs.

Sharing: moto's state is one per process and only one `EmulatorMocks` may run at a time, so a
deployment that several tests read is a module-scoped fixture of their module (`--dist loadfile`
keeps a module in one worker), entered and exited there; a test that changes AWS state, or needs
its own program, takes the function-scoped `emulator` / `run_program` below."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from emulator_programs import ACCOUNTS, PROVIDERS

from offline.emulator import EmulatorMocks
from offline.runner import RunResult, run


@pytest.fixture
def emulator() -> Iterator[EmulatorMocks]:
    """An emulator in which the standalone programs' accounts exist."""
    with EmulatorMocks(accounts=set(ACCOUNTS)) as emu:
        yield emu


ProgramRunner = Callable[[str], RunResult]


@pytest.fixture
def run_program(emulator: EmulatorMocks, tmp_path: Path) -> ProgramRunner:
    """Run a small Pulumi program under the emulator, in eu-west-1, after the PROVIDERS preamble
    (providers `hub`, `spoke`, `other` in three accounts, and `on(provider)` for options)."""

    def _run(source: str, *, preview: bool = False) -> RunResult:
        program = tmp_path / "program.py"
        program.write_text(PROVIDERS + textwrap.dedent(source))
        return run(
            "test",
            config={"aws:region": "eu-west-1"},
            program=program,
            mocks=emulator,
            preview=preview,
        )

    return _run
