"""A real browser calling the API across origins: headless Chromium (Debian's `chromium`) loads
tests/emulator/browser_page.html from the API's CORS origin and from another loopback origin; the
page calls the dev stack's API, served by the local gateway with the items function's deployed
code, with `fetch` and writes what it could read into the DOM, which the test reads back with
`--dump-dom`. The gateway records every request it gets, so the test also sees the preflights
the browser sent: the browser really did CORS.

Origins (scheme, host and port): the page server listens on 127.0.0.1:<p> and is reached as
`http://localhost:<p>` (the origin the stack is deployed with in `api.corsOrigins`) and as
`http://127.0.0.1:<p>` (another origin); the API is on 127.0.0.1:<g>, a third origin.

The page signs in by itself through the gateway's local `POST /_offline/token` route (CORS for the
configured origins, as a Cognito SDK call would be). From the other origin that sign-in is blocked,
so the test hands that page a valid token in the URL fragment: the API itself must refuse it.
"""

from __future__ import annotations

import html
import http.client
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from offline.deploy import start_gateway
from offline.emulator import EmulatorMocks
from offline.gateway import LocalGateway
from offline.runner import run, stack_config

pytestmark = pytest.mark.browser

PAGE = Path(__file__).with_name("browser_page.html")
BROWSER_TIMEOUT_S = 90
# Virtual time does not advance while a fetch is pending, so this budget only bounds the idle
# time after the page settles; BROWSER_TIMEOUT_S bounds the wall clock.
VIRTUAL_TIME_BUDGET_MS = 5000
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # runs as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps calling Google services, refused on a loopback-only machine.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@dataclass(frozen=True)
class Seen:
    """A request the gateway received (header names in lower case)."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes

    @property
    def origin(self) -> str | None:
        return self.headers.get("origin")


@dataclass(frozen=True)
class BrowserRun:
    allowed: str  # the page origin the API is configured for
    other: str  # another loopback origin
    token: str
    key: str  # the Idempotency-Key the page sends
    results: Mapping[str, Mapping[str, Any]]  # origin -> page result name -> outcome
    seen: list[Seen]
    other_token: str  # the valid token the other origin's page was handed

    def requests_from(self, origin: str) -> list[Seen]:
        return [s for s in self.seen if s.origin == origin]


@contextmanager
def page_server() -> Iterator[int]:
    """Serves browser_page.html at /page on 127.0.0.1, on an ephemeral port."""
    body = PAGE.read_bytes()

    class _Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path.split("?")[0] == "/page"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def record_requests(gateway: LocalGateway) -> list[Seen]:
    """Every request the gateway handles from now on (the HTTP server calls `gateway.handle`)."""
    seen: list[Seen] = []
    handle = gateway.handle

    def recording(verb: str, raw_path: str, headers: Mapping[str, str], body: bytes = b""):
        seen.append(Seen(verb, raw_path, {k.lower(): v for k, v in headers.items()}, body))
        return handle(verb, raw_path, headers, body)

    gateway.handle = recording  # type: ignore[method-assign]
    return seen


def offline_token(gateway: LocalGateway, user: str) -> str:
    """An id token from the gateway's local sign-in route (what `python -m offline token` asks)."""
    host, port = gateway.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=20)
    try:
        conn.request("POST", "/_offline/token", body=json.dumps({"user": user}))
        response = conn.getresponse()
        assert response.status == 200, response.read()
        return json.loads(response.read())["idToken"]
    finally:
        conn.close()


def load_page(browser: str, url: str) -> dict[str, Any]:
    """Load `url` in a fresh headless Chromium and return the JSON the page wrote into the DOM
    once its fetches settled."""
    with tempfile.TemporaryDirectory(prefix="hubspoke-chromium-", ignore_cleanup_errors=True) as t:
        tmp = Path(t)
        stdout, stderr = tmp / "dom.html", tmp / "chromium.log"
        with stdout.open("wb") as out, stderr.open("wb") as err:
            proc = subprocess.Popen(
                [
                    browser,
                    *CHROMIUM_FLAGS,
                    f"--user-data-dir={tmp / 'profile'}",
                    f"--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}",
                    "--dump-dom",
                    url,
                ],
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: the finally below ends all of it
            )
            try:
                proc.wait(timeout=BROWSER_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                pytest.fail(f"Chromium did not finish {url.split('?')[0]} in {BROWSER_TIMEOUT_S} s")
            finally:
                with suppress(ProcessLookupError):  # the group is empty once Chromium has exited
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        dom, log = stdout.read_text(), stderr.read_text(errors="replace")
    found = re.search(r'<pre id="results">(.*?)</pre>', dom, re.DOTALL)
    text = html.unescape(found.group(1)) if found else ""
    if not text.startswith("{"):
        pytest.fail(
            f"the page did not report (exit {proc.returncode}); results: {text[:200]!r}; "
            f"Chromium's log ends with:\n{log[-2000:]}"
        )
    return json.loads(text)


@pytest.fixture(scope="module")
def browser_run(chromium: str) -> Iterator[BrowserRun]:
    browser = chromium  # the fixture skips (fails in CI) before anything is deployed without it
    with page_server() as port, EmulatorMocks() as emulator:
        allowed, other = f"http://localhost:{port}", f"http://127.0.0.1:{port}"
        config = stack_config("dev")
        config["hubspoke:api"] = {**config["hubspoke:api"], "corsOrigins": [allowed]}
        # One origin, so the gateway's own errors name it: the web app would add its
        # distribution's origin, and with several origins they echo the caller's (docs/api.md).
        config["hubspoke:web"] = False
        result = run("dev", config=config, mocks=emulator.start())
        gateway = start_gateway(result, emulator, cors=[allowed], port=0)
        try:
            seen = record_requests(gateway)
            key = str(uuid.uuid4())
            query = urlencode(
                {
                    "api": f"{gateway.url}/{gateway.api.stage}",
                    "signin": f"{gateway.url}/_offline/token",
                    "user": "browser",
                    "key": key,
                }
            )
            results = {}
            page = load_page(browser, f"{allowed}/page?{query}")
            assert page.get("origin") == allowed, page
            results[allowed] = {r["name"]: r for r in page["results"]}
            token = results[allowed]["signin"]["body"]["idToken"]
            # The other origin cannot sign in (CORS); it gets a valid token the test obtained.
            other_token = offline_token(gateway, "browser")
            page = load_page(browser, f"{other}/page?{query}#token={quote(other_token)}")
            assert page.get("origin") == other, page
            results[other] = {r["name"]: r for r in page["results"]}
            yield BrowserRun(allowed, other, token, key, results, seen, other_token)
        finally:
            gateway.stop()


def test_the_configured_origin_posts_json_with_a_token_after_a_preflight(browser_run):
    create = browser_run.results[browser_run.allowed]["create"]
    assert create["status"] == 201, create
    assert create["body"]["name"] == "from the browser"
    assert create["contentType"].startswith("application/json")

    sent = browser_run.requests_from(browser_run.allowed)
    preflight = next(
        i
        for i, s in enumerate(sent)
        if s.method == "OPTIONS" and s.headers.get("access-control-request-method") == "POST"
    )
    asked = sent[preflight].headers["access-control-request-headers"].split(",")
    assert set(asked) == {"authorization", "content-type", "idempotency-key"}
    assert sent[preflight].path.split("?")[0] == "/dev/items"
    post = next(i for i, s in enumerate(sent) if s.method == "POST")
    assert preflight < post, "the browser sends the POST only after the preflight allowed it"
    assert sent[post].headers["authorization"] == browser_run.token
    assert sent[post].headers["idempotency-key"] == browser_run.key
    assert sent[post].headers["content-type"] == "application/json"
    assert json.loads(sent[post].body) == {"name": "from the browser"}


def test_the_configured_origin_lists_its_items_with_a_get_and_its_token(browser_run):
    listed = browser_run.results[browser_run.allowed]["list"]
    assert listed["status"] == 200, listed
    assert [item["name"] for item in listed["body"]["items"]] == ["from the browser"]
    gets = [s for s in browser_run.requests_from(browser_run.allowed) if s.method == "GET"]
    assert any(s.headers.get("authorization") == browser_run.token for s in gets)


def test_a_401_body_is_readable_by_the_configured_origin(browser_run):
    anonymous = browser_run.results[browser_run.allowed]["anonymous"]
    assert anonymous["status"] == 401, anonymous
    assert anonymous["body"] == {"message": "Unauthorized"}


def test_another_origin_gets_type_errors_and_never_sends_the_token(browser_run):
    results = browser_run.results[browser_run.other]
    assert {name: r.get("error") for name, r in results.items()} == {
        "signin": "TypeError",
        "create": "TypeError",
        "list": "TypeError",
        "anonymous": "TypeError",
    }
    sent = browser_run.requests_from(browser_run.other)
    # The preflights went out and were answered for the configured origin only, so the browser
    # stopped there: no POST and no request carrying the token.
    asked = {s.headers.get("access-control-request-method") for s in sent if s.method == "OPTIONS"}
    assert asked == {"POST", "GET"}
    assert [s for s in sent if s.method == "POST" or "authorization" in s.headers] == []
    assert all(browser_run.other_token not in s.headers.values() for s in sent)
    # A request without custom headers needs no preflight: it is sent, and CORS only keeps its
    # answer (the 401) from the page.
    assert [(s.method, s.path) for s in sent if s.method == "GET"] == [("GET", "/dev/items")]


def test_the_page_signs_in_by_itself_from_the_configured_origin(browser_run):
    signin = browser_run.results[browser_run.allowed]["signin"]
    assert signin["status"] == 200, signin
    assert signin["body"]["username"] == "browser@example.com"
    # The token it got is the one the gateway's authorizer then accepted on the POST.
    sent = browser_run.requests_from(browser_run.allowed)
    (post,) = [s for s in sent if s.method == "POST"]
    assert post.headers["authorization"] == browser_run.token == signin["body"]["idToken"]
