"""When a browser test runs: Chromium present, it runs; absent, it is skipped with the reason on a
developer's machine and fails loudly in CI (`CI` set), where .ci/run installs Chromium and a skip
would hide that the browser tests never ran."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping

import pytest

INSTALL = "apt-get install -y chromium (.ci/run installs it)"


def in_ci(env: Mapping[str, str] = os.environ) -> bool:
    """`CI` set, as CI services set it (`CI=true`); empty, `0` or `false` is not CI."""
    return env.get("CI", "").strip().lower() not in ("", "0", "false")


def chromium_or_skip(env: Mapping[str, str] = os.environ) -> str:
    """The path of `chromium` on `env`'s PATH; without one, skip the test (fail it in CI)."""
    path = shutil.which("chromium", path=env.get("PATH", ""))
    if path is not None:
        return path
    if in_ci(env):
        pytest.fail(f"CI is set and chromium is not on PATH: the browser tests must run; {INSTALL}")
    pytest.skip(f"chromium is not on PATH (the browser tests need it): {INSTALL}")
