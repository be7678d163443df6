"""All or nothing across stores: a store that fails, or a caller cancelled, half-way."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from graphlink.errors import RateLimitStoreError
from graphlink.ratelimit import AllOf, Decision, MaxInFlight, MemoryStore, Permit, Rule

from ._driver import await_until

SLOT = "mif:1:*:run"


class FlakyStore(MemoryStore):
    """A memory store whose next ``failures`` acquisitions raise (Redis went away)."""

    def __init__(self, failures: int = 1) -> None:
        super().__init__()
        self.failures = failures

    def acquire(self, rules: Sequence[Rule], now: float) -> Decision:
        if self.failures:
            self.failures -= 1
            raise RateLimitStoreError("the store failed")
        return super().acquire(rules, now)


class _Slow(MemoryStore):
    """A memory store with a slow round trip: it waits for ``gate`` (``entered`` meanwhile)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()

    async def round_trip(self) -> None:
        self.entered.set()
        await self.gate.wait()


class GatedStore(_Slow):
    """Async acquisitions are slow."""

    async def aacquire(self, rules: Sequence[Rule], now: float) -> Decision:
        await self.round_trip()
        return self.acquire(rules, now)


class SlowRollbackStore(_Slow):
    """Async rollbacks are slow."""

    async def arollback(self, permit: Permit) -> None:
        await self.round_trip()
        self.rollback(permit)


def _policies(second: MemoryStore) -> tuple[MemoryStore, AllOf]:
    first = MemoryStore()
    return first, AllOf(MaxInFlight(1, store=first), MaxInFlight(1, store=second))


def test_a_store_failing_half_way_takes_nothing() -> None:
    first, both = _policies(FlakyStore())
    with pytest.raises(RateLimitStoreError):
        both.try_acquire("k", 0.0)
    assert first.running(SLOT) == 0  # the first store's slot was rolled back
    d = both.try_acquire("k", 0.0)
    assert d.admitted
    both.release(d.permit, 0.0)
    assert first.running(SLOT) == 0


async def test_a_store_failing_half_way_takes_nothing_async() -> None:
    first, both = _policies(FlakyStore())
    with pytest.raises(RateLimitStoreError):
        await both.atry_acquire("k", 0.0)
    assert first.running(SLOT) == 0
    d = await both.atry_acquire("k", 0.0)
    assert d.admitted
    await both.arelease(d.permit, 0.0)
    assert first.running(SLOT) == 0


async def test_a_caller_cancelled_half_way_takes_nothing() -> None:
    second = GatedStore()
    first, both = _policies(second)
    task = asyncio.create_task(both.atry_acquire("k", 0.0))
    await second.entered.wait()  # the first store admitted; the second one is on its way
    assert first.running(SLOT) == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert first.running(SLOT) == 0
    assert second.running(SLOT) == 0
    second.gate.set()
    d = await both.atry_acquire("k", 0.0)
    assert d.admitted
    await both.arelease(d.permit, 0.0)
    assert (first.running(SLOT), second.running(SLOT)) == (0, 0)


async def test_a_caller_cancelled_while_rolling_back_leaves_no_waiter() -> None:
    first, second = SlowRollbackStore(), MemoryStore()
    other = MaxInFlight(1, store=second, name="b")
    both = AllOf(MaxInFlight(1, store=first), other)
    held = other.try_acquire("k", 0.0)
    task = asyncio.create_task(both.atry_acquire("k", 0.0))
    await first.entered.wait()  # the second store said wait (with a wake-up): rolling back
    assert second.waiting("b:*:run") == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert second.waiting("b:*:run") == 0  # the wake-up nobody will wait on was cancelled
    first.gate.set()
    await await_until(lambda: first.running(SLOT) == 0)  # the rollback went on regardless
    other.release(held.permit, 0.0)
    d = await both.atry_acquire("k", 0.0)
    assert d.admitted
