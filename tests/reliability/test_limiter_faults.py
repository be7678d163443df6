"""The rate limiter under faults (issue 14 #1, #3, #5, #6, #9, #12).

* #1: a slot whose release Redis lost frees itself soon: leases are short (15 s), renewed
  while the request runs, and a failed release is tried again in the background.
* #3: a store from ``RedisStore.from_url`` serves hundreds of concurrent async callers:
  they wait for a pooled connection instead of failing past redis-py's pool size.
* #5: a caller that gives up (cancelled, past its deadline) leaves no place in the rate
  limit's queue, in memory and in Redis.
* #6: cancelling a caller while a sync-only ``RedisStore`` gives its slot back (in a worker
  thread) loses no release, and no other store's release either.
* #9, #12: a dead Redis costs a call about its socket timeouts (no redis-py retries), and
  then nothing for a few seconds (the breaker), failing open or closed.

Redis tests run a throw-away redis-server (``tests/ratelimit/conftest.py``); a dead Redis
is a closed port (refused), a port that never answers (blackholed), or one that hangs up
at once (counted). Real time is used only where a socket must time out, with generous
bounds.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from harness import Harness
from ratelimit import conftest as redis_fixtures
from ratelimit._driver import await_until, wait_until

from graphlink import AsyncGraphClient, GraphClient, errors
from graphlink.ratelimit import (
    AllOf,
    MaxInFlight,
    MemoryStore,
    PerMailbox,
    PlaceOSLimiter,
    RateLimitStoreError,
    RedisStore,
    SlotRule,
    TokenBucket,
)
from graphlink.retry import RetryPolicy

redis_url = redis_fixtures.redis_url  # the same throw-away redis-server fixture
redis_client = redis_fixtures.redis_client
aredis_client = redis_fixtures.aredis_client


@pytest.fixture
def url(redis_url: str, redis_client: Any) -> str:
    """The throw-away redis-server's URL, its database flushed."""
    return redis_url


MBX = "mailbox:alex@contoso.com"


def fresh(fn: Callable[..., Any], *args: Any) -> Any:
    """Call ``fn`` as a caller of its own (a new thread or task context)."""
    return contextvars.Context().run(fn, *args)


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"value": []})


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# -- dead Redis servers ---------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def blackhole() -> Iterator[str]:
    """A Redis URL whose port accepts connections (the kernel does) and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    try:
        yield f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    finally:
        sock.close()


class HangUp:
    """A port that accepts each connection and closes it at once, counting them."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(128)
        self.url = f"redis://127.0.0.1:{self._sock.getsockname()[1]}/0"
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()


@pytest.fixture
def hang_up() -> Iterator[HangUp]:
    server = HangUp()
    try:
        yield server
    finally:
        server.close()


class Proxy:
    """A TCP proxy in front of redis-server that a test can ``cut`` and ``restore``.

    Cut, it resets every connection and its port refuses new ones: Redis is gone for
    the clients behind it (and only for them).
    """

    def __init__(self, upstream: str) -> None:
        self._upstream = int(upstream.rsplit(":", 1)[1].split("/")[0])
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._server: socket.socket | None = None
        self.port = _closed_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.restore()

    def restore(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(64)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def cut(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown(socket.SHUT_RDWR)
            server.close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self._upstream))
            with self._lock:
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(a, b), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    for sock in (source, sink):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def proxy(url: str) -> Iterator[Proxy]:
    server = Proxy(url)
    try:
        yield server
    finally:
        server.cut()


# -- #5: a caller that gives up leaves no place in the queue -----------------------------


def test_callers_who_gave_up_leave_no_place_in_the_queue() -> None:
    pl = PlaceOSLimiter(5)  # 5 a second, a burst of 10
    told = [fresh(pl.try_acquire, "tenant", 0.0) for _ in range(300)]
    for d in told:
        if d.admitted:
            pl.release(d.permit, 0.0)
    waiting = [d for d in told if not d.admitted]
    assert waiting[-1].wait > 55  # 290 callers queued one interval apart
    for d in waiting:  # every one of them gives up, as the transport does
        if d.wakeup is not None:
            d.wakeup.cancel()
    # 3 s of quiet later, 12 patient callers: the refilled burst admits 10, the next two
    # wait for the bucket only (before: for 275 phantoms, 55 s)
    patient = [fresh(pl.try_acquire, "tenant", 3.0) for _ in range(12)]
    assert sum(d.admitted for d in patient) == 10
    assert max(d.wait for d in patient) < 1.0
    assert isinstance(pl.store, MemoryStore)
    assert pl.store.queued(f"{pl.name}:*:rate", 3.0) == 2  # the two patient ones only


def test_callers_refused_by_their_deadline_leave_no_place(harness_mode: Harness) -> None:
    # Each call would wait a minute for the bucket: past its deadline, it is refused at
    # once; it must not leave its place behind for the next call's estimate.
    h = harness_mode
    h.request("GET", "/users")
    waits = []
    for _ in range(5):
        with pytest.raises(errors.RateLimitExceeded) as info:
            h.request("GET", "/users")
        waits.append(info.value.wait)
    assert waits == pytest.approx([60.0] * 5)
    assert h.clock.sleeps == []
    assert len(h.requests) == 1


@pytest.fixture
def harness_mode(mode: str) -> Harness:
    return Harness(
        mode,
        ok,
        rate_limit=TokenBucket(1, per=60.0, burst=1),
        retry=RetryPolicy(deadline=10),
    )


async def test_cancelled_async_callers_leave_no_phantoms_through_the_client() -> None:
    """The issue's run, shortened: 300 callers give up after 0.05 to 0.5 s."""
    policy = PlaceOSLimiter(5)
    http = httpx.AsyncClient(transport=httpx.MockTransport(ok))
    client = AsyncGraphClient(token="t", http_client=http, rate_limit=policy)
    rng = random.Random(14)

    async def impatient() -> None:
        await asyncio.wait_for(client.request("GET", "/users"), rng.uniform(0.05, 0.5))

    results = await asyncio.gather(*(impatient() for _ in range(300)), return_exceptions=True)
    assert sum(isinstance(r, TimeoutError) for r in results) > 250
    assert (client.queue_size, client.in_flight_size) == (0, 0)
    # 12 patient callers wait for the bucket only (before: about a minute, for phantoms)
    now = time.monotonic()
    patient = [fresh(policy.try_acquire, "tenant", now) for _ in range(12)]
    assert max(d.wait for d in patient) < 3.0
    assert isinstance(policy.store, MemoryStore)
    await client.close()


@pytest.mark.redis
def test_redis_keeps_no_place_of_a_caller_who_gave_up(redis_client: Any) -> None:
    tb = TokenBucket(5, burst=1, store=RedisStore(redis_client))
    assert tb.try_acquire("k", 0.0).admitted
    waiting = [tb.try_acquire("k", 0.0) for _ in range(50)]
    assert waiting[-1].wait > 9.9
    for d in waiting:
        if d.wakeup is not None:
            d.wakeup.cancel()  # from a thread: the places go at once
    assert redis_client.zcard(f"graphlink:rl:{tb.name}:*:rate:wait") == 0
    assert tb.try_acquire("k", 0.0).wait < 0.21


@pytest.mark.redis
async def test_redis_keeps_no_place_of_a_task_that_gave_up(aredis_client: Any) -> None:
    tb = TokenBucket(5, burst=1, store=RedisStore(aredis_client))
    assert (await tb.atry_acquire("k", 0.0)).admitted
    waiting = [await tb.atry_acquire("k", 0.0) for _ in range(50)]
    for d in waiting:
        if d.wakeup is not None:
            d.wakeup.cancel()  # from a task: the places go in the background
    places = f"graphlink:rl:{tb.name}:*:rate:wait"

    async def gone() -> bool:
        return int(await aredis_client.zcard(places)) == 0

    await await_until(gone)
    assert (await tb.atry_acquire("k", 0.0)).wait < 0.21


# -- #6: cancelled while giving back, through worker threads -------------------------------


class BusyThreads:
    """The event loop's worker threads, all busy until ``free()``: work queues up."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._pool = ThreadPoolExecutor(1)
        loop.set_default_executor(self._pool)
        self._gate = threading.Event()
        self._busy = loop.run_in_executor(None, self._gate.wait)

    async def free(self) -> None:
        self._gate.set()
        await self._busy


@pytest.mark.redis
async def test_a_release_cancelled_in_a_busy_worker_pool_loses_no_slot(redis_client: Any) -> None:
    # A sync-only RedisStore gives slots back in worker threads; a memory store holds the
    # other half of the permit. The caller is cancelled while the release waits for a thread.
    both = AllOf(MaxInFlight(1, store=RedisStore(redis_client)), MaxInFlight(1, name="local"))
    d = await both.atry_acquire("k", 0.0)
    assert d.admitted
    busy = BusyThreads(asyncio.get_running_loop())
    task = asyncio.create_task(both.arelease(d.permit, 0.0))
    for _ in range(5):
        await asyncio.sleep(0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await busy.free()
    local = both.policies[1].store
    assert isinstance(local, MemoryStore)
    await await_until(lambda: local.running("local:*:run") == 0)
    await await_until(lambda: redis_client.zcard("graphlink:rl:mif:1:*:run") == 0)
    assert (await both.atry_acquire("k", 0.0)).admitted


@pytest.mark.redis
async def test_a_cooldown_cancelled_in_a_busy_worker_pool_is_still_set(redis_client: Any) -> None:
    tb = TokenBucket(100, store=RedisStore(redis_client))
    busy = BusyThreads(asyncio.get_running_loop())
    task = asyncio.create_task(tb.acooldown("k", 10.0, 0.0))
    for _ in range(5):
        await asyncio.sleep(0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await busy.free()
    await await_until(lambda: redis_client.exists("graphlink:rl:cooldown:k") == 1)


# -- #1: leases recover soon after a lost release -----------------------------------------


def test_leases_are_short_by_default() -> None:
    assert SlotRule("k", 1).lease == 15.0
    assert MaxInFlight(1).lease == 15.0
    assert PerMailbox().lease == 15.0
    assert PlaceOSLimiter().lease == 15.0


@pytest.mark.redis
def test_a_slot_outlives_its_lease_while_its_request_runs(url: str) -> None:
    holder, other = RedisStore.from_url(url), RedisStore.from_url(url)
    mine = MaxInFlight(1, lease=0.3, store=holder)
    theirs = MaxInFlight(1, lease=0.3, store=other)
    d = mine.try_acquire("k", 0.0)
    assert d.admitted
    ends = time.monotonic() + 1.0  # a request running three leases long
    while time.monotonic() < ends:
        assert not theirs.try_acquire("k", 0.0).admitted
        time.sleep(0.05)
    mine.release(d.permit, 0.0)
    assert theirs.try_acquire("k", 0.0).admitted
    holder.close()
    other.close()


@pytest.mark.redis
async def test_an_asyncio_only_store_renews_its_leases_too(
    aredis_client: Any, redis_client: Any
) -> None:
    mine = MaxInFlight(1, lease=0.3, store=RedisStore(aredis_client))
    theirs = MaxInFlight(1, lease=0.3, store=RedisStore(redis_client))
    d = await mine.atry_acquire("k", 0.0)
    assert d.admitted
    ends = time.monotonic() + 1.0
    while time.monotonic() < ends:
        assert not theirs.try_acquire("k", 0.0).admitted
        await asyncio.sleep(0.05)
    await mine.arelease(d.permit, 0.0)
    assert theirs.try_acquire("k", 0.0).admitted


@pytest.mark.redis
def test_a_release_lost_in_an_outage_is_given_back_when_redis_returns(
    proxy: Proxy, url: str
) -> None:
    behind = RedisStore.from_url(proxy.url, breaker=0.2)
    mine = PerMailbox(concurrency=1, store=behind)
    theirs = PerMailbox(concurrency=1, store=RedisStore.from_url(url))
    d = mine.try_acquire(MBX, 0.0)
    assert d.admitted
    proxy.cut()  # Redis gone while the request runs
    with pytest.raises(RateLimitStoreError, match="releasing"):
        mine.release(d.permit, 0.0)
    assert not theirs.try_acquire(MBX, 0.0).admitted  # the slot is still held in Redis
    proxy.restore()
    # given back by the retry, within seconds (before: the lease, 120 s, ran out first)
    wait_until(lambda: theirs.try_acquire(MBX, 0.0).admitted, timeout=8.0)
    behind.close()


@pytest.mark.redis
def test_a_release_lost_for_good_frees_the_slot_with_its_lease(proxy: Proxy, url: str) -> None:
    mine = MaxInFlight(1, lease=1.0, store=RedisStore.from_url(proxy.url))
    theirs = MaxInFlight(1, lease=1.0, store=RedisStore.from_url(url))
    d = mine.try_acquire("k", 0.0)
    assert d.admitted
    proxy.cut()  # and never restored for this process
    with pytest.raises(RateLimitStoreError):
        mine.release(d.permit, 0.0)
    wait_until(lambda: theirs.try_acquire("k", 0.0).admitted)  # once the lease ends


# -- #3: hundreds of concurrent async callers -----------------------------------------------


@pytest.mark.redis
@pytest.mark.parametrize("connections", [50, 4])
async def test_hundreds_of_async_callers_wait_for_a_pooled_connection(
    url: str, connections: int
) -> None:
    store = RedisStore.from_url(url, max_connections=connections)
    policy = MaxInFlight(1000, store=store)

    async def one() -> bool:
        d = await policy.atry_acquire("k", 0.0)
        await policy.arelease(d.permit, 0.0)
        return d.admitted

    assert await asyncio.gather(*(one() for _ in range(250))) == [True] * 250
    await store.aclose()


@pytest.mark.redis
def test_many_threads_wait_for_a_pooled_connection(url: str) -> None:
    store = RedisStore.from_url(url, max_connections=2)
    policy = MaxInFlight(1000, store=store)

    def one(_: int) -> bool:
        d = policy.try_acquire("k", 0.0)
        policy.release(d.permit, 0.0)
        return d.admitted

    with ThreadPoolExecutor(32) as pool:
        assert all(pool.map(one, range(200)))
    store.close()


# -- #9, #12: a dead Redis fails fast ---------------------------------------------------------


def test_a_refused_redis_fails_at_once() -> None:
    store = RedisStore.from_url(f"redis://127.0.0.1:{_closed_port()}/0", breaker=0)
    started = time.monotonic()
    for _ in range(3):
        with pytest.raises(RateLimitStoreError, match="acquiring"):
            TokenBucket(10, store=store).try_acquire("k", 0.0)
    assert time.monotonic() - started < 3.0  # before: about 4 s a call, redis-py's retries
    store.close()


def test_a_failed_command_is_not_retried(hang_up: HangUp) -> None:
    store = RedisStore.from_url(hang_up.url, breaker=0)
    policy = TokenBucket(10, store=store)
    for calls in (1, 2, 3):
        with pytest.raises(RateLimitStoreError):
            policy.try_acquire("k", 0.0)
        assert hang_up.connections == calls  # one connection, no retry (redis-py: 11)
    store.close()


def test_after_a_failure_redis_is_left_alone_for_a_while(hang_up: HangUp) -> None:
    policy = TokenBucket(10, store=RedisStore.from_url(hang_up.url))
    with pytest.raises(RateLimitStoreError, match="failed while acquiring"):
        policy.try_acquire("k", 0.0)
    for _ in range(20):  # fail closed, at once, without a round trip
        with pytest.raises(RateLimitStoreError, match="not tried again"):
            policy.try_acquire("k", 0.0)
    assert hang_up.connections == 1


async def test_failing_open_pays_for_the_failure_once(
    hang_up: HangUp, caplog: pytest.LogCaptureFixture
) -> None:
    policy = TokenBucket(1, burst=1, store=RedisStore.from_url(hang_up.url, fail_open=True))
    for _ in range(20):
        d = await policy.atry_acquire("k", 0.0)
        assert d.admitted  # unlimited while Redis is down
        await policy.arelease(d.permit, 0.0)
        await policy.acooldown("k", 1.0, 0.0)
    assert hang_up.connections == 1
    assert "failing open" in caplog.text


def test_a_blackholed_redis_costs_a_call_its_socket_timeout(blackhole: str) -> None:
    store = RedisStore.from_url(blackhole, fail_open=True)
    policy = TokenBucket(10, store=store)
    started = time.monotonic()
    for _ in range(10):
        assert policy.try_acquire("k", 0.0).admitted
    # 1 s for the first call, nothing for the next (before: 16 s a call with redis-py's
    # retries, even with socket_timeout=1)
    assert time.monotonic() - started < 5.0
    store.close()


def test_a_blackholed_redis_does_not_hold_a_call_past_its_deadline(blackhole: str) -> None:
    store = RedisStore.from_url(blackhole)
    http = httpx.Client(transport=httpx.MockTransport(ok))
    client = GraphClient(
        token="t",
        http_client=http,
        rate_limit=PerMailbox(store=store),
        retry=RetryPolicy(deadline=3),
    )
    started = time.monotonic()
    with pytest.raises(RateLimitStoreError):
        client.request("GET", "/users/alex@contoso.com/events")
    assert time.monotonic() - started < 5.0  # before: over 12 s with deadline=3
    client.close()
    store.close()
