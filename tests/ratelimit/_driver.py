"""The transport's loop around a policy, as the seam describes it (for tests and bench)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from graphlink.errors import RateLimitExceeded
from graphlink.ratelimit import RatePolicy

T = TypeVar("T")


class Counters:
    """The transport's queue_size / in_flight_size, plus the peak in flight."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.queue_size = 0
        self.in_flight = 0
        self.peak = 0

    def add(self, queued: int, flying: int) -> None:
        with self.lock:
            self.queue_size += queued
            self.in_flight += flying
            self.peak = max(self.peak, self.in_flight)


def call(policy: RatePolicy, key: str, counters: Counters, work: Callable[[], T]) -> T:
    """Blocking: acquire, run ``work``, release."""
    counters.add(1, 0)
    try:
        while True:
            d = policy.try_acquire(key, time.monotonic())
            if d.admitted:
                break
            if d.refused:
                raise RateLimitExceeded("refused", wait=d.wait)
            time.sleep(d.wait)
    finally:
        counters.add(-1, 0)
    counters.add(0, 1)
    try:
        return work()
    finally:
        policy.release(d.permit, time.monotonic())
        counters.add(0, -1)


async def acall(
    policy: RatePolicy, key: str, counters: Counters, work: Callable[[], Awaitable[T]]
) -> T:
    """Async: acquire, await ``work``, release."""
    counters.add(1, 0)
    try:
        while True:
            d = await policy.atry_acquire(key, time.monotonic())
            if d.admitted:
                break
            if d.refused:
                raise RateLimitExceeded("refused", wait=d.wait)
            await asyncio.sleep(d.wait)
    finally:
        counters.add(-1, 0)
    counters.add(0, 1)
    try:
        return await work()
    finally:
        await policy.arelease(d.permit, time.monotonic())
        counters.add(0, -1)
