"""Blocking I/O primitives used by the generated sync modules (the async twin: ``_io_async``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

import httpx

if TYPE_CHECKING:
    from graphlink.ratelimit import Wakeup

__all__ = ["Clock", "HttpClient", "Lock", "gather"]

T = TypeVar("T")

Lock = threading.Lock
HttpClient = httpx.Client


class Clock:
    """Time as the blocking transport sees it: the one seam for reading it and waiting.

    Tests pass a fake whose waits only move its own time forward.
    """

    def now(self) -> float:
        """Seconds on a monotonic clock."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Sleep, blocking the thread."""
        if seconds > 0:
            time.sleep(seconds)

    def wait(self, seconds: float, wakeup: Wakeup | None) -> None:
        """Wait up to ``seconds``, less if ``wakeup`` fires (from any thread)."""
        if wakeup is None:
            self.sleep(seconds)
        else:
            wakeup.wait(seconds)


def gather(calls: Iterable[T]) -> list[T]:
    """Run ``calls`` one after the other (the async twin runs them concurrently): each is
    made, and so run, as the iterable is read."""
    return list(calls)
