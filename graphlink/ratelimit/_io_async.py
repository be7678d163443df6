"""Async primitives of the rate-limit async sources (the sync twin: ``_io_sync``)."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, TypeVarTuple

__all__ = ["keep", "shield", "sleep"]

log = logging.getLogger("graphlink.ratelimit")
T = TypeVar("T")
Ts = TypeVarTuple("Ts")

# Work a cancelled caller left running: referenced until done, or the loop may drop it.
_BACKGROUND: set[asyncio.Future[Any]] = set()


async def shield(
    fn: Callable[[*Ts], Awaitable[T]],
    *args: *Ts,
    undo: Callable[[T], Awaitable[object]] | None = None,
) -> T:
    """Await ``fn(*args)`` to its end even if the caller is cancelled meanwhile.

    The caller sees its cancellation at once; the call goes on in the background and, if
    it succeeds, ``undo`` gets its result (to give back what the cancelled caller took).
    """
    task = asyncio.ensure_future(fn(*args))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        keep(task)
        if undo is not None:
            task.add_done_callback(functools.partial(_undo, undo))
        raise


async def sleep(seconds: float) -> None:
    """Sleep without blocking the event loop."""
    await asyncio.sleep(seconds)


def _undo(undo: Callable[[T], Awaitable[object]], task: asyncio.Future[T]) -> None:
    if not task.cancelled() and task.exception() is None:
        keep(asyncio.ensure_future(undo(task.result())))


def keep(future: asyncio.Future[Any]) -> None:
    """Hold a reference to background work until it is done; log its failure, if any."""
    _BACKGROUND.add(future)
    future.add_done_callback(_forget)


def _forget(future: asyncio.Future[Any]) -> None:
    _BACKGROUND.discard(future)
    if not future.cancelled() and future.exception() is not None:
        # Nobody awaits it any more: say so rather than lose it (a lease still frees slots).
        log.warning("rate limit: work left by a cancelled caller failed: %r", future.exception())
