"""The store protocol, and the in-memory store (one process, threads and tasks)."""

from __future__ import annotations

import bisect
import functools
import heapq
import itertools
import threading
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from graphlink.ratelimit._base import Decision
from graphlink.ratelimit._maths import EPSILON, gcra, queued_wait, slot_wait
from graphlink.ratelimit._rules import CooldownRule, Permit, RateRule, Rule, SlotRule
from graphlink.ratelimit._wakeup import CURRENT, GRACE, Place, Waiter

__all__ = ["MemoryStore", "Store"]

_tokens = itertools.count(1)


def _seq(waiter: Waiter) -> int:
    return waiter.seq


def new_token() -> str:
    """A token unique within this process (stores that share state add a process id)."""
    return str(next(_tokens))


class _Queue:
    """The places of the callers told to wait on one key, each until its wait ends.

    ``live`` maps a place to the end of its wait; ``heap`` orders the ends, so the places
    whose wait is over go in O(log n) (an entry whose place is gone is skipped then).
    """

    __slots__ = ("heap", "live")

    def __init__(self) -> None:
        self.heap: list[tuple[float, int]] = []
        self.live: dict[int, float] = {}

    def count(self, now: float) -> int:
        """Places whose wait ends after ``now`` (the ended ones go)."""
        heap, live = self.heap, self.live
        while heap and heap[0][0] <= now + EPSILON:
            end, place = heapq.heappop(heap)
            if live.get(place) == end:
                del live[place]
        return len(live)

    def add(self, place: int, end: float) -> None:
        heapq.heappush(self.heap, (end, place))
        self.live[place] = end


@runtime_checkable
class Store(Protocol):
    """Where policies keep their state; every operation is atomic.

    ``acquire`` checks all ``rules`` and, only if every one admits, takes them all: it never
    takes part of them. ``now`` is the transport's monotonic clock; a store that is shared
    across processes may use its own clock instead (only durations leave a store). A store
    that can tell when a slot is given back may attach a
    [`Wakeup`][graphlink.ratelimit.Wakeup] to a ``later`` decision (the store owns it).
    """

    def acquire(self, rules: Sequence[Rule], now: float) -> Decision:
        """Admit with a [`Permit`][graphlink.ratelimit.Permit], or say how long to wait, or refuse.

        Checks and takes every rule, or none.
        """
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
        """Async [`acquire`][graphlink.ratelimit.Store.acquire]."""
        ...

    async def arelease(self, permit: Permit) -> None:
        """Async [`release`][graphlink.ratelimit.Store.release]."""
        ...

    async def arollback(self, permit: Permit) -> None:
        """Async [`rollback`][graphlink.ratelimit.Store.rollback]."""
        ...

    async def aset_cooldown(self, key: str, until: float, now: float) -> None:
        """Async [`set_cooldown`][graphlink.ratelimit.Store.set_cooldown]."""
        ...


class MemoryStore:
    """State in this process, guarded by a lock: safe for threads and asyncio tasks alike.

    Its operations do no I/O and take microseconds, so the async methods simply call the
    sync ones. Times are the transport's monotonic ``now``.

    A caller blocked only by concurrency slots gets a [`Wakeup`][graphlink.ratelimit.Wakeup]
    with its ``later`` decision: callers queue per slot key, first come first served, and a
    slot given back is reserved for the head of the queue and wakes it at once (newcomers
    cannot take it first). A caller is recognised when it asks again by a context variable
    (one per thread, one per asyncio task). A caller told to wait for a token gets a
    ``timed`` decision whose wake-up is its place in the queue that the next callers'
    estimates count: cancelling it (giving up) takes the caller out.
    """

    _SWEEP_EVERY = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tat: dict[str, float] = {}
        self._running: dict[str, int] = {}
        self._places: dict[str, _Queue] = {}
        self._place_ids = itertools.count(1)
        self._cooldown: dict[str, float] = {}
        self._ops = 0
        # Wake-ups, per slot key: waiters in arrival order, slots reserved for woken
        # waiters (and who holds them), and the slot limit (a release does not know it).
        self._queue: dict[str, list[Waiter]] = {}
        self._reserved: dict[str, int] = {}
        self._granted: dict[str, list[Waiter]] = {}
        self._limits: dict[str, int] = {}
        self._seq = itertools.count(1)
        self._now = 0.0

    def _queued(self, key: str, now: float) -> int:
        queue = self._places.get(key)
        return 0 if queue is None else queue.count(now)

    def _forget_place(self, keys: Sequence[str], place: int) -> None:
        """``Place.cancel``: the caller holding ``place`` on ``keys`` stopped waiting."""
        with self._lock:
            for key in keys:
                queue = self._places.get(key)
                if queue is not None:
                    queue.live.pop(place, None)
                    if not queue.live:
                        del self._places[key]

    def acquire(self, rules: Sequence[Rule], now: float) -> Decision:
        """See [`Store.acquire`][graphlink.ratelimit.Store.acquire].

        The Lua script ``_lua.ACQUIRE`` is this method, line by line. Slots reserved for
        woken waiters count as held, except for the waiter itself.
        """
        with self._lock:
            self._now = now
            self._ops += 1
            if self._ops % self._SWEEP_EVERY == 0:
                self._sweep(now)
            me = CURRENT.get()
            if me is not None and me.store is not self:
                me = None
            wait = 0.0
            refused = False
            timed = False  # a rate or cooldown wait: its end is known, no wake-up
            blocked: list[str] = []
            slot_rule: SlotRule | None = None
            new_tats: list[tuple[str, float]] = []
            for rule in rules:
                if isinstance(rule, CooldownRule):
                    left = self._cooldown.get("cooldown:" + rule.key, 0.0) - now
                    if left > EPSILON:
                        wait = max(wait, left)
                        timed = True
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
                        timed = True
                        blocked.append(rule.key + ":wait")
                    new_tats.append((rule.key, tat))
                else:
                    self._limits[rule.key] = rule.limit
                    held = self._running.get(rule.key, 0)
                    if rule.key in self._reserved:
                        held += self._reserved_for_others(rule.key, me, now)
                    if held + rule.count > rule.limit and held > 0:
                        queued = self._queued(rule.key + ":swait", now)
                        wait = max(wait, slot_wait(queued, rule.limit, rule.poll, rule.max_poll))
                        blocked.append(rule.key + ":swait")
                        if slot_rule is None:
                            slot_rule = rule
            if refused:
                if me is not None:
                    self._drop(me)
                return Decision.refuse(wait)
            if wait > 0.0:
                place = next(self._place_ids)
                for key in blocked:
                    self._places.setdefault(key, _Queue()).add(place, now + wait)
                if timed or slot_rule is None:
                    if me is not None:
                        self._drop(me)
                    if not blocked:  # a cooldown: no queue to leave
                        return Decision.later(wait)
                    forget = functools.partial(self._forget_place, tuple(blocked), place)
                    return Decision.later(wait, Place(forget), timed=True)
                return Decision.later(wait, self._enqueue(me, slot_rule, now + wait + GRACE))
            if me is not None:
                self._consume(me)
                CURRENT.set(None)
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
        """See [`Store.release`][graphlink.ratelimit.Store.release]; releasing twice is harmless."""
        with self._lock:
            self._give_back(permit)

    def rollback(self, permit: Permit) -> None:
        """See [`Store.rollback`][graphlink.ratelimit.Store.rollback]."""
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
            if key in self._queue:
                self._grant(key)

    # -- wake-ups (store lock held) -------------------------------------------------------

    def _reserved_for_others(self, key: str, me: Waiter | None, now: float) -> int:
        """Slots of ``key`` reserved for woken waiters other than ``me``.

        A reservation not claimed within ``GRACE`` of the caller's clock (its holder
        gave up without cancelling) passes to the next waiter.
        """
        for waiter in list(self._granted.get(key, ())):
            if waiter is me:
                continue
            if waiter.expires is None:
                waiter.expires = now + GRACE
            elif now > waiter.expires:
                self._drop(waiter)
        reserved = self._reserved.get(key, 0)
        if me is not None and me.granted and me.key == key:
            reserved -= me.count
        return reserved

    def _enqueue(self, me: Waiter | None, rule: SlotRule, expires: float) -> Waiter:
        """Queue the caller for ``rule``'s slots (keeping its place if it was queued)."""
        if me is not None and me.active and not me.granted and me.key == rule.key:
            me.count = rule.count
            me.expires = expires
            return me
        if me is None:
            me = Waiter(self, next(self._seq))
            CURRENT.set(me)
        elif me.active:
            self._unlink(me)  # queued for, or holding, other slots
        me.key, me.count, me.expires = rule.key, rule.count, expires
        me.active, me.granted = True, False
        queue = self._queue.setdefault(rule.key, [])
        if not queue or queue[-1].seq < me.seq:
            queue.append(me)
        else:  # a caller that came back late keeps its place
            bisect.insort(queue, me, key=_seq)
        return me

    def _grant(self, key: str) -> None:
        """Reserve free slots of ``key`` for the head of its queue, and wake them."""
        queue = self._queue.get(key)
        if not queue:
            return
        limit = self._limits.get(key, 1)
        running = self._running.get(key, 0)
        reserved = self._reserved.get(key, 0)
        while queue:
            head = queue[0]
            if head.expires is not None and head.expires < self._now:
                del queue[0]  # gone without cancelling (and without polling since)
                head.active = False
                continue
            held = running + reserved
            if held + head.count > limit and held > 0:
                break
            del queue[0]
            head.granted, head.expires = True, None
            reserved += head.count
            self._granted.setdefault(key, []).append(head)
            head.notify()
        if reserved:
            self._reserved[key] = reserved
        if not queue:
            del self._queue[key]

    def _unlink(self, waiter: Waiter, pass_on: bool = True) -> None:
        """Take ``waiter`` out of its queue, or give back the slots reserved for it."""
        key = waiter.key
        if waiter.granted:
            waiter.granted = False
            holders = self._granted[key]
            holders.remove(waiter)
            if not holders:
                del self._granted[key]
            left = self._reserved.pop(key) - waiter.count
            if left > 0:
                self._reserved[key] = left
            if pass_on:
                self._grant(key)
        else:
            queue = self._queue.get(key)
            if queue is not None and waiter in queue:
                queue.remove(waiter)
                if not queue:
                    del self._queue[key]

    def _drop(self, waiter: Waiter) -> None:
        """``waiter`` stops waiting (cancelled, refused, or waiting on a timer now)."""
        if waiter.active:
            waiter.active = False
            self._unlink(waiter)
            waiter.notify()

    def _consume(self, waiter: Waiter) -> None:
        """``waiter`` was admitted: its reservation, if any, became the slot it holds."""
        if waiter.active:
            waiter.active = False
            self._unlink(waiter, pass_on=False)

    def _forget(self, waiter: Waiter) -> None:
        """``Waiter.cancel``."""
        with self._lock:
            self._drop(waiter)

    def waiting(self, key: str) -> int:
        """Callers registered for a wake-up on slot ``key``, queued or woken (tests, metrics)."""
        with self._lock:
            return len(self._queue.get(key, ())) + len(self._granted.get(key, ()))

    # -- upkeep -----------------------------------------------------------------------------

    def set_cooldown(self, key: str, until: float, now: float) -> None:
        """See [`Store.set_cooldown`][graphlink.ratelimit.Store.set_cooldown].

        A longer cooldown already running is kept.
        """
        with self._lock:
            name = "cooldown:" + key
            self._cooldown[name] = max(until, self._cooldown.get(name, until))

    def _sweep(self, now: float) -> None:
        """Forget state equivalent to none (keeps memory flat with many mailboxes)."""
        for tat_key in [k for k, v in self._tat.items() if v <= now]:
            del self._tat[tat_key]
        for cd_key in [k for k, v in self._cooldown.items() if v <= now]:
            del self._cooldown[cd_key]
        for wait_key in list(self._places):
            if not self._queued(wait_key, now):
                del self._places[wait_key]
        for slot_key in list(self._granted):
            self._reserved_for_others(slot_key, None, now)
        for slot_key in list(self._queue):
            self._grant(slot_key)  # drops waiters that went away without cancelling
        for slot_key in list(self._limits):
            if not (
                slot_key in self._running or slot_key in self._queue or slot_key in self._granted
            ):
                del self._limits[slot_key]

    def running(self, key: str) -> int:
        """Slots of ``key`` held now (for tests and metrics)."""
        with self._lock:
            return self._running.get(key, 0)

    def queued(self, key: str, now: float) -> int:
        """Callers told to wait for rule ``key`` (a bucket or slots) still waiting at ``now``.

        These places lengthen the next callers' estimates; a caller that gives up
        (cancels its wake-up) leaves none (for tests and metrics).
        """
        with self._lock:
            return sum(self._queued(key + suffix, now) for suffix in (":wait", ":swait"))

    async def aacquire(self, rules: Sequence[Rule], now: float) -> Decision:
        """Async [`acquire`][graphlink.ratelimit.MemoryStore.acquire] (no I/O: the same call)."""
        return self.acquire(rules, now)

    async def arelease(self, permit: Permit) -> None:
        """Async [`release`][graphlink.ratelimit.MemoryStore.release]."""
        self.release(permit)

    async def arollback(self, permit: Permit) -> None:
        """Async [`rollback`][graphlink.ratelimit.MemoryStore.rollback]."""
        self.rollback(permit)

    async def aset_cooldown(self, key: str, until: float, now: float) -> None:
        """Async [`set_cooldown`][graphlink.ratelimit.MemoryStore.set_cooldown]."""
        self.set_cooldown(key, until, now)

    def __repr__(self) -> str:
        return "MemoryStore()"
