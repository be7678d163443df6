"""Async I/O primitives used by the async source modules (the sync twin: ``_io_sync``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from contextlib import AbstractAsyncContextManager, aclosing, nullcontext
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import httpx

if TYPE_CHECKING:
    from graphlink.ratelimit import Wakeup

__all__ = ["Clock", "HttpClient", "Lock", "SingleFlight", "body_chunks", "gather", "read_body"]

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

    def bound(self, seconds: float | None) -> AbstractAsyncContextManager[Any]:
        """A block cut after ``seconds`` (``async with``), raising the builtin
        ``TimeoutError``; None: no bound. (The blocking twin cannot cut a block.)"""
        return nullcontext() if seconds is None else asyncio.timeout(seconds)


def body_chunks(response: httpx.Response) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
    """A streamed response's body, decompressed, chunk by chunk (``async with``: leaving
    early closes the iterator)."""
    # httpx types it an iterator; it is a generator, which ``aclosing`` closes.
    return aclosing(cast(AsyncGenerator[bytes, None], response.aiter_bytes()))


async def read_body(response: httpx.Response) -> bytes:
    """A streamed response's whole body, decompressed, in one read."""
    return await response.aread()


async def gather(calls: Iterable[Awaitable[T]]) -> list[T]:
    """Run ``calls`` concurrently (the blocking twin runs them one after the other)."""
    return list(await asyncio.gather(*calls))


class SingleFlight(Generic[T]):
    """One run of a call at a time, its outcome shared by everyone who asks meanwhile.

    ``join`` starts the call, or joins the run in progress, and waits for its outcome
    (value or exception) at most ``timeout`` seconds (``None``: no limit), raising the
    builtin ``TimeoutError`` past it. A caller that stops waiting (timeout, cancellation)
    leaves the run going for the others. The first ``join`` after a run ended starts a new
    one: an outcome is shared by those who waited for it, never kept for later callers.
    """

    def __init__(self) -> None:
        self._task: asyncio.Task[T] | None = None

    async def join(self, start: Callable[[], Coroutine[Any, Any, T]], timeout: float | None) -> T:
        """Wait for the run in progress, or for a new run of ``start()``."""
        task = self._task
        # A run on another event loop (a client used from a new loop) cannot be awaited here.
        if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
            task = self._task = asyncio.create_task(start())
            task.add_done_callback(_retrieved)
        # shield: a waiter that gives up does not cancel the run the others wait for.
        return await asyncio.wait_for(asyncio.shield(task), timeout)


def _retrieved(task: asyncio.Task[Any]) -> None:
    """Mark a run's exception as seen: when every waiter gave up, no one else reads it."""
    if not task.cancelled():
        task.exception()
