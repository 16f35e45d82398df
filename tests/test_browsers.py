"""The rule for the browser tests, on a PATH with and without a `chromium`, in and out of CI."""

from __future__ import annotations

import pytest
from browsers import chromium_or_skip, in_ci


@pytest.fixture
def path_with_chromium(tmp_path) -> str:
    browser = tmp_path / "chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    return str(tmp_path)


def test_a_chromium_on_path_is_used_in_and_out_of_ci(path_with_chromium):
    for ci in ("", "true"):
        found = chromium_or_skip({"PATH": path_with_chromium, "CI": ci})
        assert found == f"{path_with_chromium}/chromium"


def test_without_chromium_a_developer_gets_a_skip_naming_the_install(tmp_path):
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        chromium_or_skip({"PATH": str(tmp_path)})


def test_without_chromium_ci_fails(tmp_path):
    with pytest.raises(pytest.fail.Exception, match="CI is set and chromium is not on PATH"):
        chromium_or_skip({"PATH": str(tmp_path), "CI": "true"})


def test_what_counts_as_ci():
    assert [in_ci({"CI": v}) for v in ("true", "1", "yes", "")] == [True, True, True, False]
    assert not in_ci({}) and not in_ci({"CI": "false"}) and not in_ci({"CI": "0"})
