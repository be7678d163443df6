"""Async I/O primitives used by the async source modules (the sync twin: ``_io_sync``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Iterable
from typing import TYPE_CHECKING, TypeVar

import httpx

if TYPE_CHECKING:
    from graphlink.ratelimit import Wakeup

__all__ = ["Clock", "HttpClient", "Lock", "gather"]

T = TypeVar("T")

Lock = asyncio.Lock
HttpClient = httpx.AsyncClient


class Clock:
    """Time as the async transport sees it: the one seam for reading it and waiting.

    Tests pass a fake whose waits only move its own time forward.
    """

    def now(self) -> float:
        """Seconds on a monotonic clock."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Sleep without blocking the event loop (a zero sleep still yields to it)."""
        await asyncio.sleep(max(seconds, 0.0))

    async def wait(self, seconds: float, wakeup: Wakeup | None) -> None:
        """Wait up to ``seconds``, less if ``wakeup`` fires (from any thread or loop)."""
        if wakeup is None:
            await self.sleep(seconds)
        else:
            await wakeup.async_wait(seconds)


async def gather(calls: Iterable[Awaitable[T]]) -> list[T]:
    """Run ``calls`` concurrently (the blocking twin runs them one after the other)."""
    return list(await asyncio.gather(*calls))
