"""Wake-ups: a slot given back in this process wakes its next waiter at once, in order."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from graphlink import AsyncGraphClient, GraphClient
from graphlink.ratelimit import Decision, MaxInFlight, MemoryStore, PerMailbox, TokenBucket, Wakeup
from graphlink.ratelimit._wakeup import GRACE

from ._driver import Counters, Gauge, acall, await_until, call, wait_until

MBX = "mailbox:alex@contoso.com"
KEY = "mif:1:*:run"


def fresh(fn: Any, *args: Any) -> Any:
    """Call ``fn`` as a caller of its own (a new thread/task context)."""
    return contextvars.Context().run(fn, *args)


def test_slot_waits_carry_a_wakeup_and_timed_waits_a_place() -> None:
    mif = MaxInFlight(1)
    assert mif.try_acquire("k", 0.0).wakeup is None  # admitted
    d = fresh(mif.try_acquire, "k", 0.0)
    assert not d.admitted
    assert isinstance(d.wakeup, Wakeup)
    assert 0 < d.wait <= 0.05  # still a bounded poll
    assert d.estimate is None  # when the slot frees up is unknown
    tb = TokenBucket(1, burst=1)
    tb.try_acquire("k", 0.0)
    timed = tb.try_acquire("k", 0.0)
    assert isinstance(timed.wakeup, Wakeup)  # its place in the queue, to give back
    assert timed.timed
    assert timed.estimate == pytest.approx(1.0)  # a known wait all the same
    assert not timed.wakeup.wait(0)  # nothing wakes a timed wait
    free = TokenBucket(1000)
    free.cooldown("k", 5.0, 0.0)
    cooling = free.try_acquire("k", 0.0)
    assert cooling.wakeup is None  # a cooldown: no queue, no handle
    assert cooling.estimate == pytest.approx(5.0)
    assert Decision.later(0.1).wakeup is None
    assert Decision.later(0.1).estimate == 0.1


def test_a_thread_is_woken_when_another_thread_releases() -> None:
    mif = MaxInFlight(1)
    held = mif.try_acquire("k", time.monotonic())
    woke: list[float] = []

    def waiter() -> None:
        d = mif.try_acquire("k", time.monotonic())
        assert d.wakeup is not None
        assert d.wakeup.wait(5.0)  # far longer than the test: only a wake-up ends it
        woke.append(time.monotonic())
        assert mif.try_acquire("k", time.monotonic()).admitted

    thread = threading.Thread(target=waiter)
    thread.start()
    wait_until(lambda: mif.store.waiting(KEY) == 1)  # type: ignore[attr-defined]
    released = time.monotonic()
    mif.release(held.permit, released)
    thread.join(5)
    assert woke  # wait(5.0) returned True: a wake-up, not the timeout, ended it


@pytest.mark.parametrize("releaser", ["same loop", "thread", "other loop"])
async def test_a_task_is_woken_from_any_thread_or_loop(releaser: str) -> None:
    mif = MaxInFlight(1)
    held = mif.try_acquire("k", time.monotonic())

    async def waiter() -> float:
        d = await mif.atry_acquire("k", time.monotonic())
        assert d.wakeup is not None
        assert await d.wakeup.async_wait(5.0)
        assert (await mif.atry_acquire("k", time.monotonic())).admitted
        return time.monotonic()

    task = asyncio.create_task(waiter())
    await await_until(lambda: mif.store.waiting(KEY) == 1)  # type: ignore[attr-defined]
    released = time.monotonic()
    if releaser == "same loop":
        await mif.arelease(held.permit, released)
    elif releaser == "thread":
        await asyncio.to_thread(mif.release, held.permit, released)
    else:

        async def release() -> None:
            await mif.arelease(held.permit, released)

        await asyncio.to_thread(asyncio.run, release())
    await asyncio.wait_for(task, 5)  # async_wait(5.0) returned True: woken, not timed out


def test_waiters_go_first_come_first_served_and_newcomers_wait() -> None:
    mif = MaxInFlight(1)
    held = mif.try_acquire("k", 0.0)
    waiters = [contextvars.Context() for _ in range(3)]
    handles = [ctx.run(mif.try_acquire, "k", 0.0).wakeup for ctx in waiters]
    assert mif.store.waiting(KEY) == 3  # type: ignore[attr-defined]
    mif.release(held.permit, 0.0)
    # the slot is reserved for the first waiter: a newcomer (or a later waiter) waits
    newcomer = fresh(mif.try_acquire, "k", 0.001)
    assert not newcomer.admitted
    newcomer.wakeup.cancel()  # it gives up
    assert not waiters[2].run(mif.try_acquire, "k", 0.001).admitted
    order = []
    for _ in range(3):
        ready = [i for i, h in enumerate(handles) if h is not None and h.wait(0)]
        assert len(ready) == 1  # one slot, one woken waiter
        (i,) = ready
        d = waiters[i].run(mif.try_acquire, "k", 0.002)
        assert d.admitted
        order.append(i)
        handles[i] = None
        mif.release(d.permit, 0.003)
    assert order == [0, 1, 2]
    assert mif.store.waiting(KEY) == 0  # type: ignore[attr-defined]
    assert fresh(mif.try_acquire, "k", 0.004).admitted  # one newcomer: no one queued


def test_cancelling_a_woken_waiter_passes_its_slot_on() -> None:
    mif = MaxInFlight(1)
    held = mif.try_acquire("k", 0.0)
    first, second = contextvars.Context(), contextvars.Context()
    a = first.run(mif.try_acquire, "k", 0.0).wakeup
    b = second.run(mif.try_acquire, "k", 0.0).wakeup
    assert a is not None
    assert b is not None
    mif.release(held.permit, 0.0)
    assert a.wait(0)
    assert not b.wait(0)
    a.cancel()
    a.cancel()  # twice is harmless
    assert b.wait(0)
    assert second.run(mif.try_acquire, "k", 0.001).admitted
    assert mif.store.waiting(KEY) == 0  # type: ignore[attr-defined]


def test_a_waiter_that_vanishes_loses_its_slot_after_the_grace() -> None:
    mif = MaxInFlight(1)
    held = mif.try_acquire("k", 0.0)
    fresh(mif.try_acquire, "k", 0.0)  # waits, then never asks again nor cancels
    mif.release(held.permit, 0.01)
    assert not fresh(mif.try_acquire, "k", 0.02).admitted  # reserved for the vanished one
    assert fresh(mif.try_acquire, "k", 0.02 + GRACE + 0.01).admitted
    assert mif.store.waiting(KEY) == 0  # type: ignore[attr-defined]


def test_a_caller_that_ignores_wakeups_still_gets_through() -> None:
    pm = PerMailbox(concurrency=2)
    counters = Counters()

    def work() -> None:
        time.sleep(0.002)

    with ThreadPoolExecutor(8) as pool:
        jobs = [pool.submit(call, pm, MBX, counters, work, wake=bool(i % 2)) for i in range(40)]
        for job in jobs:
            job.result()
    assert counters.peak <= 2
    assert (counters.queue_size, counters.in_flight) == (0, 0)
    assert pm.store.waiting(f"{pm.name}:{MBX}:run") == 0  # type: ignore[attr-defined]


def test_threads_take_turns() -> None:
    mif = MaxInFlight(1, store=MemoryStore())
    counters = Counters()

    def work() -> None:
        time.sleep(0.01)

    with ThreadPoolExecutor(10) as pool:
        list(pool.map(lambda _: call(mif, "k", counters, work), range(30)))
    assert counters.peak == 1
    assert (counters.queue_size, counters.in_flight) == (0, 0)


async def test_tasks_take_turns() -> None:
    mif = MaxInFlight(1)
    counters = Counters()

    async def work() -> None:
        await asyncio.sleep(0.01)

    await asyncio.gather(*(acall(mif, "k", counters, work) for _ in range(30)))
    assert counters.peak == 1
    assert (counters.queue_size, counters.in_flight) == (0, 0)


async def test_cancelled_waiting_tasks_leave_nothing_registered() -> None:
    mif = MaxInFlight(1)
    counters = Counters()
    gate = asyncio.Event()

    async def work() -> None:
        await gate.wait()

    holder = asyncio.create_task(acall(mif, "k", counters, work))
    waiters = [asyncio.create_task(acall(mif, "k", counters, work)) for _ in range(10)]
    await await_until(lambda: mif.store.waiting(KEY) == 10)  # type: ignore[attr-defined]
    for task in waiters[::2]:
        task.cancel()
    await asyncio.gather(*waiters[::2], return_exceptions=True)
    assert mif.store.waiting(KEY) == 5  # type: ignore[attr-defined]
    gate.set()
    await holder
    await asyncio.gather(*waiters[1::2])
    assert mif.store.waiting(KEY) == 0  # type: ignore[attr-defined]
    assert (counters.queue_size, counters.in_flight) == (0, 0)


# -- through the clients' transport -------------------------------------------------------


def _store(client: Any) -> MemoryStore:
    store = client._transport.limiter.store
    assert isinstance(store, MemoryStore)
    return store


async def test_async_client_wakes_waiters_and_cancellation_leaks_nothing() -> None:
    running = peak = 0
    gate = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await gate.wait()
        await asyncio.sleep(0.005)
        running -= 1
        return httpx.Response(200, json={"value": []})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    policy = PerMailbox()
    client = AsyncGraphClient(token="t", http_client=http, rate_limit=policy)
    path = "/users/alex@contoso.com/events"
    tasks = [asyncio.create_task(client.request("GET", path)) for _ in range(40)]
    await await_until(lambda: (client.queue_size, client.in_flight_size) == (36, 4))
    for task in tasks[4::3]:  # cancel some waiters
        task.cancel()
    await asyncio.gather(*tasks[4::3], return_exceptions=True)
    assert client.queue_size == 36 - len(tasks[4::3])
    key = f"{policy.name}:mailbox:alex@contoso.com:run"
    assert _store(client).waiting(key) == client.queue_size
    gate.set()
    await asyncio.gather(*(t for t in tasks if not t.cancelled()))
    assert peak == 4
    assert (client.queue_size, client.in_flight_size) == (0, 0)
    assert _store(client).waiting(key) == 0
    assert _store(client).running(key) == 0
    await client.close()


def test_sync_client_threads_wake_each_other() -> None:
    gauge = Gauge()

    def handler(request: httpx.Request) -> httpx.Response:
        with gauge:
            time.sleep(0.01)
        return httpx.Response(200, json={"value": []})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = GraphClient(token="t", http_client=http, rate_limit=MaxInFlight(2))
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: client.request("GET", "/users"), range(40)))
    assert gauge.peak <= 2
    assert (client.queue_size, client.in_flight_size) == (0, 0)
    assert _store(client).waiting("mif:2:*:run") == 0
    client.close()
