"""Blocking I/O primitives used by the generated sync modules (the async twin: ``_io_async``)."""

from __future__ import annotations

import threading
import time

import httpx

__all__ = ["HttpClient", "Lock", "sleep"]

Lock = threading.Lock
HttpClient = httpx.Client


def sleep(seconds: float) -> None:
    """Sleep, blocking the thread."""
    if seconds > 0:
        time.sleep(seconds)
