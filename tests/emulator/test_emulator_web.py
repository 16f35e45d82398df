"""The web app (web/) in headless Chromium against the sandbox: the stack deployed into the
emulator, its API, Cognito and S3 endpoints served by the local gateway and the app by the local
web server (what `python -m offline deploy --serve` runs). Each scenario is one run of
web_flows.mjs (playwright-core driving Debian's /usr/bin/chromium); one deployment serves all.
Screenshots of the main screens are written to docs/ when HUBSPOKE_SCREENSHOTS=1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsers import chromium_or_skip
from moto.s3.models import s3_backends

from offline.deploy import cors_origins, deploy, start_gateway
from offline.emulator import EmulatorMocks
from offline.gateway import LocalGateway, Throttle
from offline.gateway.throttle import StageThrottle
from offline.webapp import LocalWebApp, web_config

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
FLOWS = Path(__file__).with_name("web_flows.mjs")
SHOTS = ROOT / "docs" if os.environ.get("HUBSPOKE_SCREENSHOTS") == "1" else None


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def needs_tools() -> None:
    """Chromium as the other browser tests need it (skipped locally, failing in CI without it);
    node and playwright-core are installed with the project (.ci/run: `npm ci`)."""
    chromium_or_skip()
    if shutil.which("node") is None or not (ROOT / "node_modules" / "playwright-core").exists():
        pytest.fail("needs node and playwright-core: run `npm ci` (.ci/run does)", pytrace=False)


class Sandbox:
    def __init__(
        self, gateway: LocalGateway, web: LocalWebApp, other: LocalWebApp, admin_only: LocalWebApp
    ):
        self.gateway, self.web, self.other, self.admin_only = gateway, web, other, admin_only

    def run(self, scenario: str, *, web_url: str | None = None) -> dict[str, Any]:
        args = ["node", str(FLOWS), scenario, web_url or self.web.url, self.gateway.url, CHROMIUM]
        args += [str(SHOTS)] if SHOTS else []
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
        return _result(done.stdout, done.stderr)

    def start(self, scenario: str) -> subprocess.Popen[str]:
        args = ["node", str(FLOWS), scenario, self.web.url, self.gateway.url, CHROMIUM]
        args += [str(SHOTS)] if SHOTS else []
        return subprocess.Popen(
            args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )


def _result(stdout: str, stderr: str = "") -> dict[str, Any]:
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    assert lines, f"no result from web_flows.mjs: {stdout[-2000:]} {stderr[-2000:]}"
    result = json.loads(lines[-1])
    assert result["ok"], result
    return result["found"]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    needs_tools()
    with (
        LocalWebApp() as web,
        LocalWebApp() as other,
        LocalWebApp() as admin_only,
        EmulatorMocks() as emulator,
    ):
        web.serve(0)
        other.serve(0)  # the same app from an origin the API does not allow
        admin_only.serve(0)  # the app told its pool is admin-only (as prod's is)
        result = deploy("dev", emulator, web_origins=[web.url])
        gateway = start_gateway(result, emulator, cors=[*cors_origins("dev"), web.url], port=0)
        config = web_config(result, gateway)
        web.configure(config, connect_src=gateway.url)
        other.configure(config, connect_src=gateway.url)
        admin_only.configure({**config, "selfSignUp": False}, connect_src=gateway.url)
        try:
            yield Sandbox(gateway, web, other, admin_only)
        finally:
            gateway.stop()


def test_sign_up_confirm_crud_with_a_conflict_and_uploads(sandbox):
    found = sandbox.run("signup-crud-conflict-upload")
    assert found["wrongCode"] == "Invalid verification code provided, please try again."
    assert found["who"] == "Signed in as sam@example.com"
    assert sorted(found["listed"]) == ["first item", "second item"]
    assert found["conflict"].startswith("changed elsewhere (todo), version 2")
    assert "version 2, not 1" in found["conflictError"]
    assert found["saved"] == "my change, again"
    assert "10485760 bytes" in found["limits"] and "image/png" in found["limits"]
    assert found["uploaded"] == "Uploaded pic.png."
    assert "the limit is 10485760" in found["tooBig"]
    assert found["afterDelete"] == ["second item"]
    # The upload is in the emulated bucket, under the user's prefix, with its type.
    keys = [
        (key, obj)
        for (partition, account) in set(s3_backends.bucket_accounts.values())
        for bucket in s3_backends[account][partition].buckets.values()
        if bucket.name.startswith("items-uploads")
        for key, obj in bucket.keys.items()
    ]
    assert len(keys) == 1, keys
    key, obj = keys[0]
    assert key.startswith("uploads/") and obj.metadata["Content-Type"] == "image/png"


def test_an_admin_only_pool_hides_sign_up_and_says_who_creates_accounts(sandbox):
    assert sandbox.web.config["selfSignUp"] is True  # dev's pool: the flow above signs up
    found = sandbox.run("admin-only", web_url=sandbox.admin_only.url)
    assert found == {
        "signUpVisible": False,
        "note": "Accounts are created by an administrator.",
        "signInVisible": True,
    }


def test_a_reader_sees_write_controls_disabled(sandbox):
    found = sandbox.run("reader")
    assert found["newItemDisabled"] is True
    assert found["title"] == "Your role does not have the write permission."
    assert found["listError"] == ""


def test_an_expired_token_is_refreshed_once_and_a_429_is_backed_off_with_a_message(sandbox):
    flow = sandbox.start("signin")
    assert flow.stdout.readline().strip() == "READY", "the app did not sign in"
    sandbox.gateway.advance_clock(3700)  # the id token (1 h) has expired
    flow.stdin.write("go\n")
    flow.stdin.flush()
    assert flow.stdout.readline().strip() == "READY"
    sandbox.gateway.throttle = StageThrottle({"*/*": Throttle(rate=0.5, burst=1)})
    flow.stdin.write("go\n")
    flow.stdin.flush()
    out, _ = flow.communicate(timeout=120)
    found = _result(out)
    # The API refused the expired token, the app refreshed it once (concurrent 401s share one
    # refresh) and the retry succeeded, without a sign-in.
    seen = found["afterExpiry"]["seen"]
    assert seen[0] == 401 and seen[-1] == 200, seen
    assert seen.count("cognito:refresh") == 1 and "cognito:other" not in seen, seen
    assert found["afterExpiry"]["error"] == ""
    assert found["stillSignedIn"] is True
    assert found["busyMessages"], found
    assert "retrying in" in found["busyMessages"][0]


def test_the_same_app_from_an_origin_the_api_does_not_allow_cannot_read_the_api(sandbox):
    found = sandbox.run("other-origin", web_url=sandbox.other.url)
    assert found["error"] == "Failed to fetch"
    assert found["items"] == 0
