"""RedisStore against a real redis-server (started by the ``redis_url`` fixture)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from graphlink.errors import GraphError
from graphlink.ratelimit import (
    AllOf,
    MaxInFlight,
    MemoryStore,
    PerMailbox,
    PlaceOSLimiter,
    RateLimitStoreError,
    RedisStore,
    TokenBucket,
)
from graphlink.ratelimit._lua import ACQUIRE

from ._driver import Counters, Gauge, acall, await_until, call, wait_until

pytestmark = pytest.mark.redis

MBX = "mailbox:alex@contoso.com"


async def _is_zero(count: Awaitable[int]) -> bool:
    return await count == 0


def test_memory_and_redis_stores_decide_the_same(redis_client: Any) -> None:
    """One algorithm: the Lua scripts and the Python maths agree on every decision."""
    redis_store = RedisStore(redis_client)
    redis_store._local_clock = True  # feed both stores the same times
    rng = random.Random(5)

    def build(store: Any) -> Any:
        return AllOf(
            PlaceOSLimiter(rate_limit=20, max_wait=0.5, store=store),
            PerMailbox(concurrency=3, rate=50, per=1, store=store),
        )

    mem, red = build(MemoryStore()), build(redis_store)
    held: list[tuple[Any, Any]] = []
    now = 1_000.0
    for step in range(400):
        now += rng.choice([0.0, 0.0, 0.01, 0.03, 0.1])
        key = rng.choice([MBX, "mailbox:b", "tenant"])
        if step % 97 == 0:
            mem.cooldown(key, now + 0.2, now)
            red.cooldown(key, now + 0.2, now)
        a, b = mem.try_acquire(key, now), red.try_acquire(key, now)
        assert (a.admitted, a.refused) == (b.admitted, b.refused), step
        assert a.wait == pytest.approx(b.wait, abs=1e-6), step
        if a.admitted:
            held.append((a.permit, b.permit))
        if held and rng.random() < 0.5:
            pa, pb = held.pop(rng.randrange(len(held)))
            mem.release(pa, now)
            red.release(pb, now)


def test_two_clients_share_one_bucket(redis_url: str) -> None:
    import redis

    one, two = redis.Redis.from_url(redis_url), redis.Redis.from_url(redis_url)
    one.flushdb()
    a = TokenBucket(10, burst=1, store=RedisStore(one))
    b = TokenBucket(10, burst=1, store=RedisStore(two))
    assert a.try_acquire("tenant", 0.0).admitted
    d = b.try_acquire("tenant", 0.0)
    assert not d.admitted
    assert 0.05 < d.wait <= 0.1


def test_slots_are_shared_and_released(redis_client: Any) -> None:
    mif = MaxInFlight(2, store=RedisStore(redis_client))
    other = MaxInFlight(2, store=RedisStore(redis_client))
    a, b = mif.try_acquire("k", 0.0), other.try_acquire("k", 0.0)
    assert a.admitted
    assert b.admitted
    assert not mif.try_acquire("k", 0.0).admitted
    other.release(b.permit, 0.0)
    other.release(b.permit, 0.0)  # twice is harmless
    assert mif.try_acquire("k", 0.0).admitted


def test_a_dead_process_slot_expires_with_its_lease(redis_client: Any) -> None:
    store = RedisStore(redis_client)
    mif = MaxInFlight(1, lease=0.2, store=store)
    d = mif.try_acquire("k", 0.0)
    assert d.admitted  # never released: the process "crashed"...
    store._leases.drop(d.permit)  # ...so nobody renews its lease
    assert not mif.try_acquire("k", 0.0).admitted
    wait_until(lambda: mif.try_acquire("k", 0.0).admitted)  # after 0.2 s of Redis time


def test_cooldown_uses_redis_time_and_reaches_other_processes(redis_url: str) -> None:
    import redis

    one, two = redis.Redis.from_url(redis_url), redis.Redis.from_url(redis_url)
    one.flushdb()
    a, b = PerMailbox(store=RedisStore(one)), PerMailbox(store=RedisStore(two))
    # the processes' monotonic clocks differ wildly; only the duration crosses
    a.cooldown(MBX, until=5_000.3, now=5_000.0)
    d = b.try_acquire(MBX, now=12.0)
    assert not d.admitted
    assert 0.2 < d.wait <= 0.3
    assert b.try_acquire("mailbox:other", now=12.0).admitted
    wait_until(lambda: b.try_acquire(MBX, now=12.0).admitted)  # after 0.3 s of Redis time


def test_keys_expire(redis_client: Any) -> None:
    tb = TokenBucket(100, store=RedisStore(redis_client, prefix="t:"))
    tb.try_acquire("k", 0.0)
    keys = redis_client.keys("t:*")
    assert keys
    assert all(redis_client.pttl(k) > 0 for k in keys)


def test_threads_share_a_redis_store(redis_client: Any) -> None:
    pm = PerMailbox(store=RedisStore(redis_client))
    counters = Counters()
    gauge = Gauge()

    def work() -> None:
        with gauge:
            time.sleep(0.003)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda _: call(pm, MBX, counters, work), range(60)))
    assert 1 < gauge.peak <= 4
    assert redis_client.zcard(f"graphlink:rl:{pm.name}:{MBX}:run") == 0


async def test_asyncio_client_and_cancellation(aredis_client: Any) -> None:
    store = RedisStore(aredis_client)
    pm = PerMailbox(store=store)
    counters = Counters()
    gate = asyncio.Event()

    async def work() -> None:
        await gate.wait()

    holders = [asyncio.create_task(acall(pm, MBX, counters, work)) for _ in range(4)]
    waiters = [asyncio.create_task(acall(pm, MBX, counters, work)) for _ in range(20)]
    await await_until(lambda: (counters.in_flight, counters.queue_size) == (4, 20))
    for task in waiters:
        task.cancel()
    await asyncio.gather(*waiters, return_exceptions=True)
    gate.set()
    await asyncio.gather(*holders)
    # orphaned acquisitions are given back in the background
    running = f"graphlink:rl:{pm.name}:{MBX}:run"
    await await_until(lambda: _is_zero(aredis_client.zcard(running)))
    assert (counters.in_flight, counters.queue_size) == (0, 0)


class HeldReply:
    """Hold the reply of a RedisStore's acquire script, once armed, until ``release()``.

    Wraps the store's script lookup: an armed acquisition runs its script for real (Redis
    takes the slot), then sets ``ran`` and keeps the caller waiting, as if the reply were
    still on its way. The wrapper runs on the event loop for both kinds of client (the
    sync client's script has returned from its worker thread by then), so asyncio events
    are enough.
    """

    def __init__(self, store: RedisStore, monkeypatch: pytest.MonkeyPatch) -> None:
        self._armed = False
        self.ran = asyncio.Event()
        self._reply = asyncio.Event()
        lookup = store._script

        def script(client: Any, lua: str) -> Any:
            run = lookup(client, lua)
            return self._hold(run) if lua == ACQUIRE else run

        monkeypatch.setattr(store, "_script", script)

    def arm(self) -> None:
        """Hold the next acquisition's reply."""
        self._armed = True
        self.ran.clear()
        self._reply.clear()

    def release(self) -> None:
        """Let the held reply through."""
        self._reply.set()

    def _hold(self, run: Any) -> Any:
        async def held(keys: list[str], args: list[str]) -> Any:
            reply = await run(keys=keys, args=args)
            if self._armed:
                self._armed = False
                self.ran.set()
                await self._reply.wait()
            return reply

        return held


@pytest.mark.parametrize("flavour", ["asyncio client", "sync client in a thread"])
async def test_cancelled_mid_script_gives_the_slot_back(
    flavour: str, redis_client: Any, aredis_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RedisStore(aredis_client if flavour == "asyncio client" else redis_client)
    held = HeldReply(store, monkeypatch)
    mif = MaxInFlight(1, store=store)
    running = "graphlink:rl:mif:1:*:run"
    for _ in range(5):
        held.arm()
        task = asyncio.create_task(mif.atry_acquire("k", 0.0))
        async with asyncio.timeout(5):
            await held.ran.wait()  # the script ran: Redis holds the slot, the reply is held
        assert await aredis_client.zcard(running) == 1
        task.cancel()
        (outcome,) = await asyncio.gather(task, return_exceptions=True)
        assert isinstance(outcome, asyncio.CancelledError)  # cancelled mid-script, at once
        assert await aredis_client.zcard(running) == 1  # nothing given back yet
        held.release()
        # what the cancelled script took is given back in the background
        await await_until(lambda: _is_zero(aredis_client.zcard(running)))
        d = await mif.atry_acquire("k", 0.0)
        assert d.admitted
        await mif.arelease(d.permit, 0.0)


async def test_sync_client_serves_async_callers(redis_client: Any) -> None:
    tb = TokenBucket(1000, burst=1, store=RedisStore(redis_client))
    d = await tb.atry_acquire("k", 0.0)
    assert d.admitted
    await tb.arelease(d.permit, 0.0)
    await tb.acooldown("k", 1.0, 0.0)
    assert not (await tb.atry_acquire("k", 0.0)).admitted


def test_async_only_store_refuses_sync_calls_clearly(aredis_client: Any) -> None:
    tb = TokenBucket(10, store=RedisStore(aredis_client))
    with pytest.raises(RateLimitStoreError, match="async_client"):
        tb.try_acquire("k", 0.0)


def test_unreachable_redis_fails_closed_with_a_graph_error() -> None:
    import redis

    dead = redis.Redis(host="127.0.0.1", port=1, retry=None)
    tb = TokenBucket(10, store=RedisStore(dead))
    with pytest.raises(RateLimitStoreError, match="fail_open") as info:
        tb.try_acquire("k", 0.0)
    assert isinstance(info.value, GraphError)
    with pytest.raises(RateLimitStoreError):
        tb.cooldown("k", 1.0, 0.0)
    with pytest.raises(RateLimitStoreError):
        RedisStore(dead).ping()


async def test_unreachable_redis_fails_open_when_asked(caplog: pytest.LogCaptureFixture) -> None:
    import redis.asyncio

    dead = redis.asyncio.Redis(host="127.0.0.1", port=1, retry=None)
    tb = TokenBucket(1, burst=1, store=RedisStore(dead, fail_open=True))
    for _ in range(3):
        d = await tb.atry_acquire("k", 0.0)
        assert d.admitted
        await tb.arelease(d.permit, 0.0)
    await tb.acooldown("k", 1.0, 0.0)
    assert "failing open" in caplog.text


def test_not_a_redis_client() -> None:
    with pytest.raises(TypeError):
        RedisStore(object())
