"""The store protocol, and the in-memory store (one process, threads and tasks)."""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from graphlink.ratelimit._base import Decision
from graphlink.ratelimit._maths import EPSILON, gcra, queued_wait, slot_wait
from graphlink.ratelimit._rules import CooldownRule, Permit, RateRule, Rule, SlotRule

__all__ = ["MemoryStore", "Store"]

_tokens = itertools.count(1)


def new_token() -> str:
    """A token unique within this process (stores that share state add a process id)."""
    return str(next(_tokens))


@runtime_checkable
class Store(Protocol):
    """Where policies keep their state; every operation is atomic.

    ``acquire`` checks all ``rules`` and, only if every one admits, takes them all: it never
    takes part of them. ``now`` is the transport's monotonic clock; a store that is shared
    across processes may use its own clock instead (only durations leave a store).
    """

    def acquire(self, rules: Sequence[Rule], now: float) -> Decision:
        """Admit (with a :class:`Permit`), or say how long to wait, or refuse."""
        ...

    def release(self, permit: Permit) -> None:
        """Give back the slots ``permit`` holds (tokens spent stay spent)."""
        ...

    def rollback(self, permit: Permit) -> None:
        """Undo an acquisition entirely: slots and tokens (another store said wait)."""
        ...

    def set_cooldown(self, key: str, until: float, now: float) -> None:
        """Hold every request to ``key`` until ``until`` (``now`` is the same clock)."""
        ...

    async def aacquire(self, rules: Sequence[Rule], now: float) -> Decision:
        """Async :meth:`acquire`."""
        ...

    async def arelease(self, permit: Permit) -> None:
        """Async :meth:`release`."""
        ...

    async def arollback(self, permit: Permit) -> None:
        """Async :meth:`rollback`."""
        ...

    async def aset_cooldown(self, key: str, until: float, now: float) -> None:
        """Async :meth:`set_cooldown`."""
        ...


class MemoryStore:
    """State in this process, guarded by a lock: safe for threads and asyncio tasks alike.

    Its operations do no I/O and take microseconds, so the async methods simply call the
    sync ones. Times are the transport's monotonic ``now``.
    """

    _SWEEP_EVERY = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tat: dict[str, float] = {}
        self._running: dict[str, int] = {}
        self._waiting: dict[str, list[float]] = {}
        self._cooldown: dict[str, float] = {}
        self._ops = 0

    def _queued(self, key: str, now: float) -> int:
        heap = self._waiting.get(key)
        if not heap:
            return 0
        while heap and heap[0] <= now + EPSILON:
            heapq.heappop(heap)
        return len(heap)

    def acquire(self, rules: Sequence[Rule], now: float) -> Decision:
        """See :meth:`Store.acquire` (the Lua script in ``_redis.py`` is this, line by line)."""
        with self._lock:
            self._ops += 1
            if self._ops % self._SWEEP_EVERY == 0:
                self._sweep(now)
            wait = 0.0
            refused = False
            blocked: list[str] = []
            new_tats: list[tuple[str, float]] = []
            for rule in rules:
                if isinstance(rule, CooldownRule):
                    left = self._cooldown.get("cooldown:" + rule.key, 0.0) - now
                    if left > EPSILON:
                        wait = max(wait, left)
                elif isinstance(rule, RateRule):
                    tat, rate_wait = gcra(
                        self._tat.get(rule.key), now, rule.interval, rule.burst, rule.cost
                    )
                    if rate_wait > EPSILON:
                        queued = self._queued(rule.key + ":wait", now)
                        est = queued_wait(rate_wait, queued, rule.interval, rule.cost)
                        if rule.max_wait is not None and est > rule.max_wait:
                            refused = True
                        wait = max(wait, est)
                        blocked.append(rule.key + ":wait")
                    new_tats.append((rule.key, tat))
                else:
                    running = self._running.get(rule.key, 0)
                    if running + rule.count > rule.limit and running > 0:
                        queued = self._queued(rule.key + ":swait", now)
                        wait = max(wait, slot_wait(queued, rule.limit, rule.poll, rule.max_poll))
                        blocked.append(rule.key + ":swait")
            if refused:
                return Decision.refuse(wait)
            if wait > 0.0:
                for key in blocked:
                    heapq.heappush(self._waiting.setdefault(key, []), now + wait)
                return Decision.later(wait)
            rates: list[tuple[str, float]] = []
            for (key, tat), rule in zip(
                new_tats, (r for r in rules if isinstance(r, RateRule)), strict=True
            ):
                self._tat[key] = tat
                rates.append((key, rule.cost * rule.interval))
            slots = [(r.key, r.count) for r in rules if isinstance(r, SlotRule)]
            for key, count in slots:
                self._running[key] = self._running.get(key, 0) + count
            return Decision.admit(Permit(self, new_token(), slots, rates))

    def release(self, permit: Permit) -> None:
        """See :meth:`Store.release`; releasing twice is harmless."""
        with self._lock:
            self._give_back(permit)

    def rollback(self, permit: Permit) -> None:
        """See :meth:`Store.rollback`."""
        with self._lock:
            if permit.released:
                return
            self._give_back(permit)
            for key, seconds in permit.rates:
                if key in self._tat:
                    self._tat[key] -= seconds

    def _give_back(self, permit: Permit) -> None:
        if permit.released:
            return
        permit.released = True
        for key, count in permit.slots:
            left = self._running.get(key, 0) - count
            if left > 0:
                self._running[key] = left
            else:
                self._running.pop(key, None)

    def set_cooldown(self, key: str, until: float, now: float) -> None:
        """See :meth:`Store.set_cooldown`; a longer cooldown already running is kept."""
        with self._lock:
            name = "cooldown:" + key
            self._cooldown[name] = max(until, self._cooldown.get(name, until))

    def _sweep(self, now: float) -> None:
        """Forget state equivalent to none (keeps memory flat with many mailboxes)."""
        for tat_key in [k for k, v in self._tat.items() if v <= now]:
            del self._tat[tat_key]
        for cd_key in [k for k, v in self._cooldown.items() if v <= now]:
            del self._cooldown[cd_key]
        for wait_key in list(self._waiting):
            if not self._queued(wait_key, now):
                del self._waiting[wait_key]

    def running(self, key: str) -> int:
        """Slots of ``key`` held now (for tests and metrics)."""
        with self._lock:
            return self._running.get(key, 0)

    async def aacquire(self, rules: Sequence[Rule], now: float) -> Decision:
        """Async :meth:`acquire` (no I/O: the same call)."""
        return self.acquire(rules, now)

    async def arelease(self, permit: Permit) -> None:
        """Async :meth:`release`."""
        self.release(permit)

    async def arollback(self, permit: Permit) -> None:
        """Async :meth:`rollback`."""
        self.rollback(permit)

    async def aset_cooldown(self, key: str, until: float, now: float) -> None:
        """Async :meth:`set_cooldown`."""
        self.set_cooldown(key, until, now)

    def __repr__(self) -> str:
        return "MemoryStore()"
