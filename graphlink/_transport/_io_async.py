"""Async I/O primitives used by the async source modules (the sync twin: ``_io_sync``)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from graphlink.ratelimit import Wakeup

__all__ = ["HttpClient", "Lock", "sleep", "wait_wakeup"]

Lock = asyncio.Lock
HttpClient = httpx.AsyncClient


async def sleep(seconds: float) -> None:
    """Sleep without blocking the event loop."""
    if seconds > 0:
        await asyncio.sleep(seconds)
    else:
        await asyncio.sleep(0)


async def wait_wakeup(wakeup: Wakeup, timeout: float) -> None:
    """Wait for a rate-limit wake-up (fired from any thread or loop), at most ``timeout``."""
    await wakeup.async_wait(timeout)
