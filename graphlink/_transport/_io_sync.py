"""Blocking I/O primitives used by the generated sync modules (the async twin: ``_io_async``)."""

from __future__ import annotations

import contextvars
import os
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import AbstractContextManager, closing, nullcontext
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import httpx

if TYPE_CHECKING:
    from graphlink.ratelimit import Wakeup

__all__ = ["Clock", "HttpClient", "Lock", "SingleFlight", "body_chunks", "gather", "read_body"]

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

    def bound(self, seconds: float | None) -> AbstractContextManager[Any]:
        """No bound: a blocking call cannot be cut from outside (the async twin's can). The
        transport caps each HTTP timeout to the time left and checks it between reads."""
        return nullcontext()


def body_chunks(response: httpx.Response) -> AbstractContextManager[Iterator[bytes]]:
    """A streamed response's body, decompressed, chunk by chunk (``with``: leaving early
    closes the iterator)."""
    # httpx types it an iterator; it is a generator, which ``closing`` closes.
    return closing(cast(Generator[bytes, None, None], response.iter_bytes()))


def read_body(response: httpx.Response) -> bytes:
    """A streamed response's whole body, decompressed, in one read."""
    return response.read()


def gather(calls: Iterable[T]) -> list[T]:
    """Run ``calls`` one after the other (the async twin runs them concurrently): each is
    made, and so run, as the iterable is read."""
    return list(calls)


class SingleFlight(Generic[T]):
    """One run of a call at a time, its outcome shared by every thread that asks meanwhile.

    ``join`` starts the call, or joins the run in progress, and waits for its outcome
    (value or exception) at most ``timeout`` seconds (``None``: no limit), raising the
    builtin ``TimeoutError`` past it. The call runs in a thread of its own, so that the
    thread that started it can stop waiting too; a caller that stops waiting leaves the
    run going for the others. The first ``join`` after a run ended starts a new one: an
    outcome is shared by those who waited for it, never kept for later callers.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._run: _Run[T] | None = None
        self._pid = os.getpid()

    def join(self, start: Callable[[], T], timeout: float | None) -> T:
        """Wait for the run in progress, or for a new run of ``start()``."""
        if self._pid != os.getpid():
            # A forked child: the run's thread (and whoever held the lock) stayed behind.
            self._lock, self._run, self._pid = threading.Lock(), None, os.getpid()
        with self._lock:
            run = self._run
            if run is None or run.done.is_set():
                run = self._run = _Run(start)
                context = contextvars.copy_context()  # the caller's, as a direct call sees
                threading.Thread(
                    target=context.run, args=(run.run,), name="graphlink-single-flight", daemon=True
                ).start()
        if not run.done.wait(timeout):
            raise TimeoutError(f"no outcome within {timeout} s")
        return run.outcome()


class _Run(Generic[T]):
    """One run of a ``SingleFlight`` call: its outcome, once ``done`` is set."""

    def __init__(self, start: Callable[[], T]) -> None:
        self._start = start
        self.done = threading.Event()
        self._value: T | None = None
        self._error: BaseException | None = None

    def run(self) -> None:
        try:
            self._value = self._start()
        except BaseException as exc:  # handed to the waiters, in their threads
            self._error = exc
        finally:
            self.done.set()

    def outcome(self) -> T:
        if self._error is not None:
            raise self._error
        return cast(T, self._value)
