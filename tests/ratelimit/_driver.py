"""The transport's loop around a policy, as the seam describes it (for tests and bench).

Also how a test waits for something to happen: by polling for it until a deadline
(``wait_until``, ``await_until``), never by sleeping a fixed time, which a busy machine
can outlast.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

from graphlink.errors import RateLimitExceeded
from graphlink.ratelimit import RatePolicy, Wakeup

T = TypeVar("T")

TIMEOUT = 5.0
"""How long a test waits for a condition before it fails: far beyond any healthy run."""
POLL = 0.002


def _polls(predicate: Callable[[], object], timeout: float) -> Iterator[None]:
    """Yield until ``timeout`` seconds have passed, then fail the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        yield
    raise AssertionError(f"not true after {timeout} s: {predicate.__qualname__}")


def wait_until(predicate: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    """Block until ``predicate()`` is true; fail if it is still false after ``timeout`` s."""
    for _ in _polls(predicate, timeout):
        if predicate():
            return
        time.sleep(POLL)


async def await_until(
    predicate: Callable[[], bool | Awaitable[bool]], timeout: float = TIMEOUT
) -> None:
    """Await until ``predicate()`` (awaited if need be) is true; fail after ``timeout`` s."""
    for _ in _polls(predicate, timeout):
        result = predicate()
        if await result if inspect.isawaitable(result) else result:
            return
        await asyncio.sleep(POLL)


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


class Gauge:
    """Counts work running at once (thread-safe) and remembers the peak."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = 0
        self.peak = 0

    def __enter__(self) -> Gauge:
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.running -= 1


def call(
    policy: RatePolicy, key: str, counters: Counters, work: Callable[[], T], *, wake: bool = True
) -> T:
    """Blocking: acquire, run ``work``, release (``wake=False``: ignore wake-ups, poll)."""
    counters.add(1, 0)
    wakeup: Wakeup | None = None
    try:
        while True:
            d = policy.try_acquire(key, time.monotonic())
            if d.admitted:
                wakeup = None
                break
            wakeup = d.wakeup if wake else None
            if d.refused:
                raise RateLimitExceeded("refused", wait=d.wait)
            if wakeup is None:
                time.sleep(d.wait)
            else:
                wakeup.wait(d.wait)
    finally:
        counters.add(-1, 0)
        if wakeup is not None:
            wakeup.cancel()
    counters.add(0, 1)
    try:
        return work()
    finally:
        policy.release(d.permit, time.monotonic())
        counters.add(0, -1)


async def acall(
    policy: RatePolicy,
    key: str,
    counters: Counters,
    work: Callable[[], Awaitable[T]],
    *,
    wake: bool = True,
) -> T:
    """Async: acquire, await ``work``, release (``wake=False``: ignore wake-ups, poll)."""
    counters.add(1, 0)
    wakeup: Wakeup | None = None
    try:
        while True:
            d = await policy.atry_acquire(key, time.monotonic())
            if d.admitted:
                wakeup = None
                break
            wakeup = d.wakeup if wake else None
            if d.refused:
                raise RateLimitExceeded("refused", wait=d.wait)
            if wakeup is None:
                await asyncio.sleep(d.wait)
            else:
                await wakeup.async_wait(d.wait)
    finally:
        counters.add(-1, 0)
        if wakeup is not None:
            wakeup.cancel()
    counters.add(0, 1)
    try:
        return await work()
    finally:
        await policy.arelease(d.permit, time.monotonic())
        counters.add(0, -1)
