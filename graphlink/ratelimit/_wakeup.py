"""How [`MemoryStore`][graphlink.ratelimit.MemoryStore] wakes a caller waiting for a slot.

One ``Waiter`` per waiting caller (thread or asyncio task). The store keeps it in a
first-come, first-served queue per slot key; when a slot is given back the store reserves
it for the head waiter and fires it: a ``threading.Event`` for a thread, a future resolved
with ``loop.call_soon_threadsafe`` for a task (the release may come from any thread or event
loop). The maths stay in ``graphlink.ratelimit._maths``; this is only the signalling.

A ``Place`` is the handle of a timed wait (a token bucket's): nothing wakes it, and
cancelling it takes the caller's place out of the queue that later estimates count.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

    from graphlink.ratelimit._store import MemoryStore

__all__ = ["CURRENT", "GRACE", "Place", "Waiter"]

GRACE = 0.25
"""Seconds a waiter may take to come back before the store stops holding a slot for it (it polls
every ``SlotRule.max_poll`` at most, and is woken at once otherwise).
"""

CURRENT: ContextVar[Waiter | None] = ContextVar("graphlink_ratelimit_waiter", default=None)
"""The waiter of the calling thread or task: how the store recognises, when a caller asks again, the
one it reserved a slot for (a context variable: per thread, per task).
"""


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Waiter:
    """A caller waiting for a slot of ``store``: a [`Wakeup`][graphlink.ratelimit.Wakeup].

    Every attribute is guarded by the store's lock. ``key``/``count``: the slots waited
    for; ``seq``: its place in the queue (kept across polls); ``granted``: a slot is
    reserved for it; ``expires``: when the store gives up on it (``None``: stamp at the
    next look, on the caller's clock).
    """

    __slots__ = (
        "_event",
        "_future",
        "_loop",
        "active",
        "count",
        "expires",
        "granted",
        "key",
        "seq",
        "store",
    )

    def __init__(self, store: MemoryStore, seq: int) -> None:
        self.store = store
        self.seq = seq
        self.key = ""
        self.count = 1
        self.active = False
        self.granted = False
        self.expires: float | None = None
        self._event: threading.Event | None = None
        self._future: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def notify(self) -> None:
        """Wake whoever waits on this (store lock held; any thread)."""
        if self._event is not None:
            self._event.set()
        future, loop = self._future, self._loop
        if future is not None and loop is not None:
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(_resolve, future)

    def _ready(self) -> bool:
        return self.granted or not self.active

    def wait(self, timeout: float) -> bool:
        """Block until a slot is reserved for this caller, or ``timeout`` seconds."""
        with self.store._lock:
            if self._ready():
                return True
            event = self._event = threading.Event()
        try:
            return event.wait(max(timeout, 0.0))
        finally:
            with self.store._lock:
                if self._event is event:
                    self._event = None

    async def async_wait(self, timeout: float) -> bool:
        """Await a reserved slot (set from any thread or loop), or ``timeout`` seconds."""
        import asyncio  # here, not at the top: blocking callers never load asyncio

        loop = asyncio.get_running_loop()
        with self.store._lock:
            if self._ready():
                return True
            future = self._future = loop.create_future()
            self._loop = loop
        try:
            async with asyncio.timeout(max(timeout, 0.0)):
                await future
            return True
        except TimeoutError:
            return False
        finally:
            with self.store._lock:
                if self._future is future:
                    self._future = self._loop = None

    def cancel(self) -> None:
        """Stop waiting; a slot reserved for this caller goes to the next one."""
        if CURRENT.get() is self:
            CURRENT.set(None)
        self.store._forget(self)

    def __repr__(self) -> str:
        state = "granted" if self.granted else "queued" if self.active else "done"
        return f"<Waiter {self.seq} {self.key!r} {state}>"


class Place:
    """A caller's place in the queue of a timed wait: a [`Wakeup`][graphlink.ratelimit.Wakeup].

    The store counts every caller told to wait for a token, so the next one is told to wait
    behind them. ``forget`` takes this caller's place out (once, from any thread): a caller
    that gives up must not hold up the callers after it. Nothing wakes a place; its waits
    just last their ``timeout``.
    """

    __slots__ = ("_forget", "_lock")

    def __init__(self, forget: Callable[[], None]) -> None:
        self._forget: Callable[[], None] | None = forget
        self._lock = threading.Lock()

    def wait(self, timeout: float) -> bool:
        """Sleep ``timeout`` seconds (nothing wakes a timed wait); ``False``."""
        time.sleep(max(timeout, 0.0))
        return False

    async def async_wait(self, timeout: float) -> bool:
        """Await ``timeout`` seconds (nothing wakes a timed wait); ``False``."""
        import asyncio  # here, not at the top: blocking callers never load asyncio

        await asyncio.sleep(max(timeout, 0.0))
        return False

    def cancel(self) -> None:
        """Give the place back (idempotent)."""
        with self._lock:
            forget, self._forget = self._forget, None
        if forget is not None:
            forget()

    def __repr__(self) -> str:
        return f"<Place {'held' if self._forget is not None else 'given back'}>"
