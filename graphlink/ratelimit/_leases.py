"""The slots one [`RedisStore`][graphlink.ratelimit.RedisStore] holds: leases kept short.

A slot in Redis is a lease, so a process that dies holding it, or loses Redis while giving
it back, does not hold it forever. The lease is short (``SlotRule.lease``, 15 s by default)
and renewed while its request runs: a background runner (a thread, or a task for an
asyncio-only client) pushes back every lease held longer than a third of it, and retries
the releases that failed, until the lease would have ended anyway. A permit held longer
than ``max_hold`` (10 minutes by default) is no longer renewed: one whose release was
never attempted (a task cancelled twice over) cannot hold its slot forever. Closing the
store stops the runner. This module is the
bookkeeping (no I/O); the runner's round trips are ``keep_leases`` in ``_redis_async.py``.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable, Sequence

import attrs

from graphlink.ratelimit._rules import Permit

__all__ = ["MAX_HOLD", "TICK", "Held", "Leases"]

log = logging.getLogger("graphlink.ratelimit")

TICK = 1.0
"""The runner's longest sleep, in seconds: a failed release is retried this often."""

MAX_HOLD = 600.0
"""Seconds a permit's leases are renewed at most (``RedisStore(..., max_hold=)``)."""


@attrs.define(eq=False)
class Held:
    """A permit whose slots this process holds: ``leases`` align with ``permit.slots``."""

    permit: Permit
    leases: Sequence[float]
    renewed: float
    """When its leases last started or were pushed back (``time.monotonic()``)."""
    since: float
    """When it was taken (``time.monotonic()``): renewals stop ``max_hold`` after."""


class Leases:
    """What the runner keeps: leases held, and releases to try again (thread-safe)."""

    def __init__(self, max_hold: float = MAX_HOLD) -> None:
        self.max_hold = max_hold
        self._lock = threading.Lock()
        self._held: dict[str, Held] = {}
        self._unreleased: dict[str, tuple[Permit, float]] = {}
        self._runner: object = None
        self._stopped = False
        _EVERY.add(self)

    def _forked(self) -> None:
        # A forked child holds none of its parent's slots, nor its runner or lock state.
        self._lock = threading.Lock()
        self._held.clear()
        self._unreleased.clear()
        self._runner = None

    def hold(
        self, permit: Permit, leases: Sequence[float], now: float, start: Callable[[], object]
    ) -> None:
        """Renew ``permit``'s leases until it is given back; ``start`` a runner if none runs."""
        with self._lock:
            if not self._stopped:
                self._held[permit.token] = Held(permit, tuple(leases), now, now)
                self._run(start)

    def drop(self, permit: Permit) -> float:
        """``permit`` is being given back: stop renewing it. Returns its longest lease."""
        with self._lock:
            held = self._held.pop(permit.token, None)
        return 0.0 if held is None else max(held.leases, default=0.0)

    def unreleased(self, permit: Permit, until: float, start: Callable[[], object]) -> None:
        """Giving ``permit`` back failed: try again until ``until``, when its lease ends."""
        with self._lock:
            if not self._stopped:
                self._unreleased[permit.token] = (permit, until)
                self._run(start)

    def _run(self, start: Callable[[], object]) -> None:
        # A runner's event loop may have closed under it: then it is gone without saying.
        runner = self._runner
        if runner is None or not _alive(runner):
            self._runner = start()

    def stop(self) -> None:
        """The store is closed: renew and retry nothing more; the runner ends at its next look."""
        with self._lock:
            self._stopped = True
            self._held.clear()
            self._unreleased.clear()

    def released(self, permit: Permit) -> None:
        """A retried release went through."""
        with self._lock:
            self._unreleased.pop(permit.token, None)

    def interval(self) -> float:
        """How long the runner sleeps before its next look."""
        with self._lock:
            thirds = [min(h.leases) / 3 for h in self._held.values() if h.leases]
            return max(0.01, min([TICK, *thirds]))

    def due(self, now: float) -> tuple[list[Held], list[Permit]] | None:
        """The leases to renew now and the releases to retry; ``None``: the runner stops.

        A lease is renewed once a third of it has passed (most requests end before), and
        no longer once it has been held ``max_hold``; a release is given up once the lease
        has ended on its own.
        """
        with self._lock:
            for token, (_, until) in list(self._unreleased.items()):
                if now >= until:
                    del self._unreleased[token]
            for token, held in list(self._held.items()):
                if now - held.since >= self.max_hold:
                    del self._held[token]
                    log.warning(
                        "rate-limit slot held over %g s and never given back: "
                        "no longer renewed; it frees itself when its lease ends",
                        self.max_hold,
                    )
            if not self._held and not self._unreleased:
                self._runner = None
                return None
            renew = [h for h in self._held.values() if now - h.renewed >= min(h.leases) / 3]
            for held in renew:
                held.renewed = now
            return renew, [permit for permit, _ in self._unreleased.values()]

    def counts(self) -> tuple[int, int]:
        """Permits held, and releases waiting to be tried again (for tests and metrics)."""
        with self._lock:
            return len(self._held), len(self._unreleased)


_EVERY: weakref.WeakSet[Leases] = weakref.WeakSet()


def _after_fork() -> None:
    for leases in list(_EVERY):
        leases._forked()


os.register_at_fork(after_in_child=_after_fork)


def _alive(runner: object) -> bool:
    """A thread that has not ended, or an asyncio task that is not done."""
    is_alive = getattr(runner, "is_alive", None)
    if is_alive is not None:
        return bool(is_alive())
    done = getattr(runner, "done", None)
    return done is None or not done()
