"""Blocking I/O primitives used by the generated sync modules (the async twin: ``_io_async``)."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from graphlink.ratelimit import Wakeup

__all__ = ["HttpClient", "Lock", "sleep", "wait_wakeup"]

Lock = threading.Lock
HttpClient = httpx.Client


def sleep(seconds: float) -> None:
    """Sleep, blocking the thread."""
    if seconds > 0:
        time.sleep(seconds)


def wait_wakeup(wakeup: Wakeup, timeout: float) -> None:
    """Block until a rate-limit wake-up (fired from any thread), at most ``timeout``."""
    wakeup.wait(timeout)
