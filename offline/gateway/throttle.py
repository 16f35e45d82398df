"""Stage throttling as API Gateway applies it: a token bucket per method, refilled at the stage's
`throttlingRateLimit` per second up to `throttlingBurstLimit` tokens; a request that finds the
bucket empty is answered 429 (gateway response THROTTLED) before any authorizer or integration
runs. A method's own setting (`items/{id}/GET`) overrides the stage's `*/*`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from offline.gateway.deployed import Throttle


class TokenBucket:
    """`burst` tokens at most, `rate` added per second; `take` spends one if there is one."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self._clock = rate, burst, clock
        self._tokens = float(burst)
        self._at = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False


class StageThrottle:
    """The buckets of one stage, one per method, made on first use."""

    def __init__(
        self, settings: Mapping[str, Throttle], clock: Callable[[], float] = time.monotonic
    ):
        self.settings, self._clock = settings, clock
        self._buckets: dict[str, TokenBucket | None] = {}
        self._lock = threading.Lock()

    def allow(self, resource_path: str, verb: str) -> bool:
        key = f"{resource_path.lstrip('/')}/{verb}"
        with self._lock:
            if key not in self._buckets:
                setting = self.settings.get(key) or self.settings.get("*/*")
                self._buckets[key] = (
                    None
                    if setting is None
                    else TokenBucket(setting.rate, setting.burst, self._clock)
                )
            bucket = self._buckets[key]
        return bucket is None or bucket.take()
