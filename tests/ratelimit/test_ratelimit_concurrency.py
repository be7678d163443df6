"""Policies shared by threads and asyncio tasks: exact counts, no leaks, cancellation."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from graphlink.errors import RateLimitExceeded
from graphlink.ratelimit import AllOf, MaxInFlight, MemoryStore, PerMailbox, PlaceOSLimiter

from ._driver import Counters, Gauge, acall, await_until, call

MBX = "mailbox:alex@contoso.com"


def test_threads_never_exceed_the_mailbox_concurrency() -> None:
    pm = PerMailbox()
    counters = Counters()
    gauge = Gauge()

    def work() -> None:
        with gauge:
            time.sleep(0.002)

    with ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda _: call(pm, MBX, counters, work), range(200)))
    assert 1 < gauge.peak <= 4
    assert counters.queue_size == 0
    assert counters.in_flight == 0
    assert pm.store.running(f"{pm.name}:{MBX}:run") == 0  # type: ignore[attr-defined]


async def test_tasks_never_exceed_the_mailbox_concurrency() -> None:
    pm = PerMailbox()
    counters = Counters()

    async def work() -> None:
        await asyncio.sleep(0.002)

    await asyncio.gather(*(acall(pm, MBX, counters, work) for _ in range(200)))
    assert counters.peak == 4
    assert counters.queue_size == 0
    assert counters.in_flight == 0


async def test_threads_and_tasks_share_one_policy() -> None:
    mif = MaxInFlight(3)
    counters = Counters()

    def sync_work() -> None:
        time.sleep(0.002)

    async def async_work() -> None:
        await asyncio.sleep(0.002)

    def threads() -> None:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: call(mif, "k", counters, sync_work), range(60)))

    await asyncio.gather(
        asyncio.to_thread(threads), *(acall(mif, "k", counters, async_work) for _ in range(60))
    )
    assert counters.peak <= 3
    assert counters.in_flight == 0


async def test_queue_size_and_in_flight_are_live_and_exact() -> None:
    mif = MaxInFlight(2)
    counters = Counters()
    gate = asyncio.Event()

    async def work() -> None:
        await gate.wait()

    tasks = [asyncio.create_task(acall(mif, "k", counters, work)) for _ in range(5)]
    await await_until(lambda: (counters.in_flight, counters.queue_size) == (2, 3))
    gate.set()
    await asyncio.gather(*tasks)
    assert (counters.in_flight, counters.queue_size) == (0, 0)


async def test_cancelling_a_waiting_task_leaks_nothing() -> None:
    store = MemoryStore()
    both = AllOf(MaxInFlight(1, store=store), PerMailbox(store=store))
    counters = Counters()
    gate = asyncio.Event()

    async def work() -> None:
        await gate.wait()

    holder = asyncio.create_task(acall(both, MBX, counters, work))
    waiters = [asyncio.create_task(acall(both, MBX, counters, work)) for _ in range(10)]
    await await_until(lambda: (counters.in_flight, counters.queue_size) == (1, 10))
    for task in waiters:
        task.cancel()
    await asyncio.gather(*waiters, return_exceptions=True)
    assert (counters.in_flight, counters.queue_size) == (1, 0)
    gate.set()
    await holder
    assert store.running("mif:1:*:run") == 0
    assert all(v == 0 for v in store._running.values())
    # and the slot is free for the next caller at once
    d = await both.atry_acquire(MBX, time.monotonic())
    assert d.admitted


async def test_cancelling_a_running_task_releases_its_slot() -> None:
    mif = MaxInFlight(1)
    counters = Counters()
    task = asyncio.create_task(acall(mif, "k", counters, lambda: asyncio.sleep(10)))
    await await_until(lambda: counters.in_flight == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert counters.in_flight == 0
    assert (await mif.atry_acquire("k", time.monotonic())).admitted


async def test_cooldown_holds_every_task_until_retry_after() -> None:
    pm = PerMailbox()
    counters = Counters()
    start = time.monotonic()
    await pm.acooldown(MBX, until=start + 0.2, now=start)
    sent: list[float] = []

    async def work() -> None:
        sent.append(time.monotonic())

    await asyncio.gather(*(acall(pm, MBX, counters, work) for _ in range(8)))
    assert min(sent) >= start + 0.2 - 0.002


def test_cooldown_holds_every_thread() -> None:
    pm = PerMailbox()
    counters = Counters()
    start = time.monotonic()
    pm.cooldown(MBX, until=start + 0.2)
    sent: list[float] = []
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda _: call(pm, MBX, counters, lambda: sent.append(time.monotonic())), range(8)
            )
        )
    assert min(sent) >= start + 0.2 - 0.002


async def test_placeos_refuses_beyond_90_seconds_of_queue() -> None:
    pl = PlaceOSLimiter(rate_limit=100, max_wait=0.5)  # 0.5 s of queue = about 50 callers
    counters = Counters()

    async def work() -> None:
        return None

    results = await asyncio.gather(
        *(acall(pl, "tenant", counters, work) for _ in range(100)), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, RateLimitExceeded)]
    assert 30 <= len(refused) <= 50
    assert all(r.wait is not None and r.wait > 0.5 for r in refused)
    assert counters.queue_size == 0
    assert counters.in_flight == 0
