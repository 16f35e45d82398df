"""The stage's throttling: a token bucket per method, rate and burst from the stage's method
settings, a method's own setting before the stage's `*/*`."""

from __future__ import annotations

from offline.gateway import Throttle
from offline.gateway.throttle import StageThrottle, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_the_burst_then_refills_at_the_rate():
    clock = Clock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now += 0.5  # one token at 2 per second
    assert [bucket.take(), bucket.take()] == [True, False]
    clock.now += 60  # refills to the burst, not beyond
    assert sum(bucket.take() for _ in range(10)) == 3


def test_each_method_has_its_own_bucket_and_a_method_setting_beats_the_stage():
    clock = Clock()
    throttle = StageThrottle(
        {"*/*": Throttle(rate=1, burst=2), "items/POST": Throttle(rate=1, burst=1)}, clock
    )
    assert [throttle.allow("/items", "GET") for _ in range(3)] == [True, True, False]
    assert [throttle.allow("/items/{id}", "GET") for _ in range(3)] == [True, True, False]
    assert [throttle.allow("/items", "POST") for _ in range(2)] == [True, False]


def test_a_stage_without_throttling_settings_is_not_throttled():
    throttle = StageThrottle({}, Clock())
    assert all(throttle.allow("/items", "GET") for _ in range(1000))
