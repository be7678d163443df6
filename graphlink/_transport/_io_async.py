"""Async I/O primitives used by the async source modules (the sync twin: ``_io_sync``)."""

from __future__ import annotations

import asyncio

import httpx

__all__ = ["HttpClient", "Lock", "sleep"]

Lock = asyncio.Lock
HttpClient = httpx.AsyncClient


async def sleep(seconds: float) -> None:
    """Sleep without blocking the event loop."""
    if seconds > 0:
        await asyncio.sleep(seconds)
    else:
        await asyncio.sleep(0)
