"""Benchmark of the items Lambda: cold init, warm overhead, DynamoDB work per route.

Every figure is printed as a ratio to a baseline measured in the same run, on the same machine:
  1. cold init: `import app` (which builds the DynamoDB client) in fresh interpreters, against the
     floor `import boto3; boto3.client("dynamodb")`. Target: at most 1.2x the floor.
  2. warm overhead: one handler call per route with DynamoDB stubbed (botocore Stubber), against
     one bare stubbed DynamoDB call through the same client.
  3. DynamoDB calls and items read per request for each route, counted with botocore event hooks
     on moto. Targets: one call per single-item route; 1.0 item read per item listed.

Run from anywhere: .venv/bin/python bench/bench_items_function.py   (about a minute on 2 cores)
Exit status 1 if a target is missed.
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import moto  # noqa: F401  (imported before `app`: it hooks every botocore client made after it)

ROOT = Path(__file__).resolve().parents[1]
FUNCTION_ROOT = ROOT / "functions" / "items"
ENV = {
    "TABLE_NAME": "items-bench",
    "BUCKET_NAME": "hubspoke-uploads-bench",
    "AWS_REGION": "eu-west-1",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "CURSOR_SECRET": "bench-cursor-secret-of-at-least-32-bytes",
    "CORS_ORIGINS": "https://app.example.com",
    "POWERTOOLS_SERVICE_NAME": "items",
}
INIT_ROUNDS = 15
WARM_REQUESTS = 400
INIT_TARGET = 1.2

# CPU time of the child is the primary figure: other load on the machine barely moves it.
_TIMED = (
    "import time; c, w = time.process_time(), time.perf_counter(); {code}; "
    "print(time.process_time() - c, time.perf_counter() - w)"
)
INIT_SNIPPETS = {
    "floor: import boto3 + dynamodb client": "import boto3; boto3.client('dynamodb')",
    "floor, GC paused during init (info)": (
        "import gc; gc.disable(); import boto3; boto3.client('dynamodb'); gc.freeze(); gc.enable()"
    ),
    "function: import app (+ dynamodb client)": "import app",
    "function + first upload (s3 client)": "import app; app.s3_client()",
}


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(ENV)
    env["PYTHONPATH"] = str(FUNCTION_ROOT)
    return env


def bench_cold_init() -> tuple[list[str], bool]:
    """Median CPU and wall time of each snippet in fresh interpreters, rounds interleaved."""
    env = _child_env()
    cpu: dict[str, list[float]] = {name: [] for name in INIT_SNIPPETS}
    wall: dict[str, list[float]] = {name: [] for name in INIT_SNIPPETS}
    for _ in range(INIT_ROUNDS):
        for name, code in INIT_SNIPPETS.items():
            result = subprocess.run(
                [sys.executable, "-c", _TIMED.format(code=code)],
                capture_output=True,
                text=True,
                env=env,
                cwd=ROOT,
                check=True,
            )
            cpu_s, wall_s = result.stdout.strip().splitlines()[-1].split()
            cpu[name].append(float(cpu_s))
            wall[name].append(float(wall_s))
    cpu_med = {name: statistics.median(values) for name, values in cpu.items()}
    wall_med = {name: statistics.median(values) for name, values in wall.items()}
    floor_name = "floor: import boto3 + dynamodb client"
    function_name = "function: import app (+ dynamodb client)"
    lines = [f"  {'':44} {'cpu ms':>8} {'x floor':>8} {'wall ms':>8} {'x floor':>8}"]
    for name in INIT_SNIPPETS:
        lines.append(
            f"  {name:44} {cpu_med[name] * 1000:8.1f} {cpu_med[name] / cpu_med[floor_name]:8.2f}"
            f" {wall_med[name] * 1000:8.1f} {wall_med[name] / wall_med[floor_name]:8.2f}"
        )
    ratio = cpu_med[function_name] / cpu_med[floor_name]
    ok = ratio <= INIT_TARGET
    floor_gc = cpu_med["floor, GC paused during init (info)"]
    lines.append(
        f"  init ratio (cpu) {ratio:.2f} (target <= {INIT_TARGET}): {'PASS' if ok else 'MISS'};"
        f" against the GC-paused floor {cpu_med[function_name] / floor_gc:.2f}"
    )
    return lines, ok


def _load_function():
    """Import the function in this process (after moto, see the imports at the top)."""
    os.environ.update(ENV)
    sys.path.insert(0, str(FUNCTION_ROOT))
    import app

    app.logger.registered_handler.setStream(io.StringIO())
    return app


def _context() -> Any:
    class Context:
        function_name = "hubspoke-items"
        memory_limit_in_mb = 256
        invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:hubspoke-items"
        aws_request_id = "bench"

    return Context()


def _event(method: str, path: str, sub: str, body: str | None = None, **headers: str) -> dict:
    resource = "/items/{id}" if path.count("/") == 2 else path
    if path.endswith("/upload-url"):
        resource = "/items/{id}/upload-url"
    all_headers = {"Content-Type": "application/json", "Origin": ENV["CORS_ORIGINS"], **headers}
    query = None
    if "?" in path:
        path, raw_query = path.split("?", 1)
        query = dict(part.split("=", 1) for part in raw_query.split("&"))
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "stage": "prod",
            "path": f"/prod{path}",
            "authorizer": {"claims": {"sub": sub, "token_use": "id"}},
        },
        "body": body,
        "isBase64Encoded": False,
    }


def _stored(item_id: str, sub: str, version: int = 1) -> dict[str, Any]:
    now = "2026-01-01T00:00:00.000Z"
    return {
        "PK": {"S": f"USER#{sub}"},
        "SK": {"S": f"ITEM#{item_id}"},
        "GSI1PK": {"S": f"USER#{sub}#STATUS#todo"},
        "GSI1SK": {"S": f"{now}#{item_id}"},
        "id": {"S": item_id},
        "name": {"S": "bench item"},
        "description": {"S": "a description of ordinary length for a benchmark item"},
        "status": {"S": "todo"},
        "tags": {"L": [{"S": "one"}, {"S": "two"}]},
        "version": {"N": str(version)},
        "createdAt": {"S": now},
        "updatedAt": {"S": now},
        "requestHash": {"S": "0" * 64},
    }


def bench_warm(app) -> list[str]:
    """Per-request time of the handler per route against one bare stubbed DynamoDB call."""
    from botocore.stub import Stubber

    client = app.dynamodb
    sub = str(uuid.uuid4())
    item_id = uuid.uuid4().hex
    key = {"PK": {"S": f"USER#{sub}"}, "SK": {"S": f"ITEM#{item_id}"}}
    page = [_stored(uuid.uuid4().hex, sub) for _ in range(20)]
    app.s3_client()  # built once, as after the first upload request
    ctx = _context()
    item_body = '{"name": "bench item", "tags": ["one", "two"]}'
    routes: list[tuple[str, str | None, dict | None, Any]] = [
        ("baseline: bare stubbed get_item", "get_item", {"Item": _stored(item_id, sub)}, None),
        ("GET /health", None, None, lambda: _event("GET", "/health", sub)),
        (
            "POST /items",
            "put_item",
            {},
            lambda: _event(
                "POST", "/items", sub, item_body, **{"Idempotency-Key": str(uuid.uuid4())}
            ),
        ),
        (
            "GET /items/{id}",
            "get_item",
            {"Item": _stored(item_id, sub)},
            lambda: _event("GET", f"/items/{item_id}", sub),
        ),
        (
            "GET /items?limit=20",
            "query",
            {"Items": page, "Count": 20, "ScannedCount": 20},
            lambda: _event("GET", "/items?limit=20", sub),
        ),
        (
            "PUT /items/{id}",
            "update_item",
            {"Attributes": _stored(item_id, sub, 2)},
            lambda: _event("PUT", f"/items/{item_id}", sub, item_body, **{"If-Match": '"1"'}),
        ),
        (
            "PATCH /items/{id}",
            "update_item",
            {"Attributes": _stored(item_id, sub, 2)},
            lambda: _event(
                "PATCH", f"/items/{item_id}", sub, '{"status": "done"}', **{"If-Match": '"1"'}
            ),
        ),
        (
            "DELETE /items/{id}",
            "delete_item",
            {},
            lambda: _event("DELETE", f"/items/{item_id}", sub, **{"If-Match": '"1"'}),
        ),
        (
            "POST /items/{id}/upload-url",
            "get_item",
            {"Item": {"SK": key["SK"]}},
            lambda: _event(
                "POST", f"/items/{item_id}/upload-url", sub, '{"contentType": "image/png"}'
            ),
        ),
    ]
    results: dict[str, float] = {}
    for name, operation, response, make_event in routes:
        with Stubber(client) as stubber:
            if operation:
                for _ in range(WARM_REQUESTS + 50):
                    stubber.add_response(operation, response)
            events = [make_event() for _ in range(WARM_REQUESTS + 50)] if make_event else []
            timings = []
            for i in range(WARM_REQUESTS + 50):
                start = time.perf_counter()
                if make_event is None:
                    client.get_item(TableName=ENV["TABLE_NAME"], Key=key, ConsistentRead=True)
                else:
                    status = app.lambda_handler(events[i], ctx)["statusCode"]
                timings.append(time.perf_counter() - start)
            if make_event is not None:
                assert status < 300, (name, status)
        results[name] = statistics.median(timings[50:])
    baseline = results["baseline: bare stubbed get_item"]
    lines = [f"  {'':34} {'median us':>10} {'x baseline':>11} {'overhead us':>12}"]
    for name, value in results.items():
        # Overhead = handler minus its one DynamoDB call; health makes none, the baseline is one.
        has_call = "baseline" not in name and "health" not in name
        overhead = f"{(value - baseline) * 1e6:12.0f}" if has_call else f"{'-':>12}"
        lines.append(f"  {name:34} {value * 1e6:10.0f} {value / baseline:11.2f} {overhead}")
    return lines


class DynamoCounter:
    """Counts DynamoDB calls and items read, from botocore's after-call event (errors included)."""

    def __init__(self, client) -> None:
        self.calls: Counter[str] = Counter()
        self.items_read = 0
        client.meta.events.register("after-call.dynamodb", self._after_call)

    def _after_call(self, http_response, parsed, model, **_: Any) -> None:
        self.calls[model.name] += 1
        if model.name == "Query":
            self.items_read += parsed.get("ScannedCount", 0)
        elif "Item" in parsed:
            self.items_read += 1

    def take(self) -> tuple[int, int, str]:
        calls, read = sum(self.calls.values()), self.items_read
        ops = ",".join(sorted(self.calls))
        self.calls.clear()
        self.items_read = 0
        return calls, read, ops


def bench_dynamodb_work(app) -> tuple[list[str], bool]:
    """Run every route on moto and count DynamoDB calls and items read per request."""
    import json

    from moto import mock_aws

    ctx = _context()
    sub = str(uuid.uuid4())
    ok = True
    rows: list[tuple[str, int, int, str, str]] = []

    def call(method, path, body=None, **headers):
        response = app.lambda_handler(_event(method, path, sub, body, **headers), ctx)
        return response["statusCode"], json.loads(response["body"] or "null")

    with mock_aws():
        client = app.dynamodb
        client.create_table(
            TableName=ENV["TABLE_NAME"],
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": a, "AttributeType": "S"} for a in ("PK", "SK", "GSI1PK", "GSI1SK")
            ],
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "GSI1",
                    "KeySchema": [
                        {"AttributeName": "GSI1PK", "KeyType": "HASH"},
                        {"AttributeName": "GSI1SK", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )
        counter = DynamoCounter(client)
        body = '{"name": "bench item"}'
        ids = []
        for _ in range(100):
            _, item = call("POST", "/items", body, **{"Idempotency-Key": str(uuid.uuid4())})
            ids.append(item["id"])
        counter.take()

        def measure(label, method, path, body=None, expect_calls=1, **headers):
            nonlocal ok
            status, _ = call(method, path, body, **headers)
            calls, read, ops = counter.take()
            if calls != expect_calls:
                ok = False
            rows.append((f"{label} -> {status}", calls, read, ops, str(expect_calls)))

        key = str(uuid.uuid4())
        measure("POST /items", "POST", "/items", body, **{"Idempotency-Key": key})
        measure("POST /items (retry, replay)", "POST", "/items", body, **{"Idempotency-Key": key})
        measure("GET /items/{id}", "GET", f"/items/{ids[0]}")
        measure("GET /items/{id} (missing)", "GET", f"/items/{uuid.uuid4().hex}")
        measure("PUT /items/{id}", "PUT", f"/items/{ids[0]}", body, **{"If-Match": '"1"'})
        measure(
            "PUT /items/{id} (stale, 409)", "PUT", f"/items/{ids[0]}", body, **{"If-Match": '"1"'}
        )
        measure(
            "PATCH /items/{id}",
            "PATCH",
            f"/items/{ids[1]}",
            '{"status": "done"}',
            **{"If-Match": '"1"'},
        )
        measure("DELETE /items/{id}", "DELETE", f"/items/{ids[2]}", **{"If-Match": '"1"'})
        measure(
            "POST /items/{id}/upload-url",
            "POST",
            f"/items/{ids[3]}/upload-url",
            '{"contentType": "image/png"}',
        )
        measure("GET /health", "GET", "/health", expect_calls=0)
        measure("GET /items?limit=20 (one page)", "GET", "/items?limit=20")

        list_lines = []
        for label, query in (
            ("all items", "limit=7"),
            ("status=todo (GSI1)", "status=todo&limit=7"),
        ):
            returned = pages = 0
            cursor = None
            while True:
                path = f"/items?{query}" + (f"&cursor={cursor}" if cursor else "")
                _, page = call("GET", path)
                returned += len(page["items"])
                pages += 1
                cursor = page["nextCursor"]
                if not cursor:
                    break
            calls, read, _ = counter.take()
            per_item = read / returned
            if per_item != 1.0:
                ok = False
            list_lines.append(
                f"  list {label}: {returned} items over {pages} pages, {calls} Query calls,"
                f" {read} items read -> {per_item:.2f} read per item returned (target 1.0)"
            )

    lines = [f"  {'route -> status':42} {'calls':>5} {'read':>5}  {'operations':22} target calls"]
    for label, calls, read, ops, target in rows:
        lines.append(f"  {label:42} {calls:5} {read:5}  {ops:22} {target}")
    return lines + list_lines, ok


def main() -> int:
    started = time.perf_counter()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus")
    print("\n1. Cold init, fresh interpreters, median of", INIT_ROUNDS, "rounds")
    init_lines, init_ok = bench_cold_init()
    print("\n".join(init_lines))
    app = _load_function()
    print(f"\n2. Warm handler time per request, DynamoDB stubbed, median of {WARM_REQUESTS}")
    print("\n".join(bench_warm(app)))
    print("\n3. DynamoDB work per request on moto (botocore after-call hooks)")
    work_lines, work_ok = bench_dynamodb_work(app)
    print("\n".join(work_lines))
    print(f"\ntargets: {'all met' if init_ok and work_ok else 'MISSED'}")
    print(f"bench took {time.perf_counter() - started:.0f} s")
    return 0 if init_ok and work_ok else 1


if __name__ == "__main__":
    sys.exit(main())
