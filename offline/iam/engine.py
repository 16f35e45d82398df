"""AWS's policy evaluation logic, offline, through `@cloud-copilot/iam-simulate` (npm).

moto does not evaluate IAM, and a home-made evaluator would encode our own reading of AWS's rules.
iam-simulate is a maintained implementation of AWS's documented evaluation logic: identity,
resource, permission-boundary, session, SCP and RCP policies, every condition operator, same- and
cross-account requests, and the special trust behaviour of IAM role trust and KMS key policies
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html). It also
validates the policies, the action name and the resource ARN's type for the action, so a typo in a
policy is an error here, not a silent deny.

It runs in one long-lived Node process (`simulate.mjs`, installed by `npm ci` at the repository
root); requests are JSON lines. `evaluate()` takes the package's `Simulation` shape:

    {"request": {"principal": ARN, "action": "dynamodb:GetItem",
                 "resource": {"resource": ARN, "accountId": "111111111111"},
                 "contextVariables": {"kms:ViaService": "dynamodb.eu-west-1.amazonaws.com"}},
     "identityPolicies": [{"name": ..., "policy": {...}}],
     "resourcePolicy": {...},                       # optional
     "permissionBoundaryPolicies": [{"name": ..., "policy": {...}}]}   # optional
"""

from __future__ import annotations

import atexit
import json
import shutil
import subprocess
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("simulate.mjs")
PACKAGE = ROOT / "node_modules" / "@cloud-copilot" / "iam-simulate"


class EngineError(RuntimeError):
    """The engine is missing, or refused the request itself (invalid policy, action or ARN)."""


@dataclass(frozen=True)
class Statement:
    """One policy statement that decided a request: its policy type (`identity`, `resource`,
    `boundary`), the policy's name (None for a resource policy) and the statement's 1-based
    index."""

    type: str
    policy: str | None
    index: int
    sid: str | None = None


@dataclass(frozen=True)
class Decision:
    """The engine's answer: `Allowed`, `ImplicitlyDenied` or `ExplicitlyDenied`; for a request on
    one resource also the result per policy type (`None` where that type was not evaluated) and
    the statements that allowed or denied it (for error messages and least-privilege checks)."""

    result: str
    identity: str | None = None
    resource: str | None = None
    boundary: str | None = None
    allow: tuple[Statement, ...] = ()
    deny: tuple[Statement, ...] = ()
    ignored_context_keys: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.result == "Allowed"


class _Engine:
    """One Node process answering JSON lines; thread-safe (the SDK registers from threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._next_id = 0

    def _start(self) -> subprocess.Popen[str]:
        node = shutil.which("node")
        if node is None or not PACKAGE.is_dir():
            raise EngineError(
                "the IAM engine needs Node.js and `npm ci` at the repository root "
                f"(looked for {PACKAGE})"
            )
        process = subprocess.Popen(
            [node, str(SCRIPT)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        atexit.register(process.kill)
        return process

    def run(self, simulations: Iterable[Mapping[str, Any]]) -> list[Decision]:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._process = self._start()
            process = self._process
            assert process.stdin is not None and process.stdout is not None
            ids = []
            for simulation in simulations:
                self._next_id += 1
                ids.append(self._next_id)
                process.stdin.write(json.dumps({"id": self._next_id, "simulation": simulation}))
                process.stdin.write("\n")
            process.stdin.flush()
            decisions = []
            for expected in ids:
                line = process.stdout.readline()
                if not line:
                    self._process = None
                    raise EngineError("the IAM engine exited while answering")
                answer = json.loads(line)
                if answer["id"] != expected:
                    raise EngineError(f"the IAM engine answered {answer['id']}, not {expected}")
                if answer["result"] == "Error":
                    raise EngineError(f"the IAM engine refused the request: {answer['errors']}")
                decisions.append(_decision(answer))
            return decisions


def _decision(answer: Mapping[str, Any]) -> Decision:
    return Decision(
        answer["result"],
        identity=answer.get("identity"),
        resource=answer.get("resource"),
        boundary=answer.get("boundary"),
        allow=tuple(Statement(**s) for s in answer.get("allow") or ()),
        deny=tuple(Statement(**s) for s in answer.get("deny") or ()),
        ignored_context_keys=tuple(answer.get("ignoredContextKeys") or ()),
    )


_ENGINE = _Engine()


def evaluate_many(simulations: Iterable[Mapping[str, Any]]) -> list[Decision]:
    """Evaluates every simulation in order, in one round trip to the engine."""
    return _ENGINE.run(simulations)


def evaluate(simulation: Mapping[str, Any]) -> Decision:
    """Evaluates one authorization request as AWS would."""
    return _ENGINE.run([simulation])[0]
