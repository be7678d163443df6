"""The limiter's upkeep, piece by piece: queue places, leases, the breaker, fast clients.

The faults these pieces answer (issue 14 #1, #3, #5, #12) are shown end to end in
``tests/reliability/test_limiter_faults.py``; here each piece is checked on its own,
without sockets where it can be.
"""

from __future__ import annotations

import contextvars
import queue
import threading
import time
from typing import Any

import pytest

from graphlink.ratelimit import (
    MemoryStore,
    RateLimitStoreError,
    RedisStore,
    TokenBucket,
)
from graphlink.ratelimit._leases import TICK, Leases
from graphlink.ratelimit._rules import Permit

from ._driver import wait_until


def fresh(fn: Any, *args: Any) -> Any:
    return contextvars.Context().run(fn, *args)


# -- queue places (MemoryStore) -----------------------------------------------------------


def test_a_place_counts_until_its_wait_ends_or_it_is_given_back() -> None:
    tb = TokenBucket(10, burst=1)
    store = tb.store
    assert isinstance(store, MemoryStore)
    key = f"{tb.name}:*:rate"
    assert tb.try_acquire("k", 0.0).admitted
    a, b, c = (fresh(tb.try_acquire, "k", 0.0) for _ in range(3))
    assert [a.wait, b.wait, c.wait] == pytest.approx([0.1, 0.2, 0.3])
    assert store.queued(key, 0.0) == 3
    b.wakeup.cancel()
    b.wakeup.cancel()  # twice is harmless
    assert store.queued(key, 0.0) == 2
    assert fresh(tb.try_acquire, "k", 0.0).wait == pytest.approx(0.3)  # behind a and c
    assert store.queued(key, 0.15) == 2  # a's wait is over; the newcomer is queued
    assert store.queued(key, 10.0) == 0


def test_a_place_in_several_queues_goes_from_all() -> None:
    from graphlink.ratelimit import AllOf

    both = AllOf(TokenBucket(10, burst=1, name="a"), TokenBucket(10, burst=1, name="b"))
    both.policies[1].store = both.store  # one store: both buckets in one acquisition
    both._plans.clear()
    assert both.try_acquire("k", 0.0).admitted
    d = fresh(both.try_acquire, "k", 0.0)
    store = both.store
    assert isinstance(store, MemoryStore)
    assert (store.queued("a:*:rate", 0.0), store.queued("b:*:rate", 0.0)) == (1, 1)
    d.wakeup.cancel()
    assert (store.queued("a:*:rate", 0.0), store.queued("b:*:rate", 0.0)) == (0, 0)


def test_the_sweep_forgets_queues_whose_waits_are_over() -> None:
    store = MemoryStore()
    tb = TokenBucket(1, by_key=True, burst=1, store=store)
    tb.try_acquire("mailbox:0", 0.0)
    assert not fresh(tb.try_acquire, "mailbox:0", 0.0).admitted  # a place, never given back
    assert store._places
    for i in range(store._SWEEP_EVERY):
        tb.try_acquire(f"mailbox:{i + 1}", 10.0 + i)
    assert not store._places


# -- leases (the bookkeeping; no Redis) -----------------------------------------------------


def _permit(token: str, *slots: tuple[str, int]) -> Permit:
    return Permit(object(), token, list(slots), [])  # type: ignore[arg-type]


class Runner:
    """A stand-in for the runner thread: alive until told otherwise."""

    def __init__(self) -> None:
        self.alive = True

    def is_alive(self) -> bool:
        return self.alive


def test_a_lease_is_renewed_once_a_third_of_it_has_passed() -> None:
    leases, runners = Leases(), []

    def start() -> Runner:
        runners.append(Runner())
        return runners[-1]

    p = _permit("t1", ("k", 1))
    leases.hold(p, [15.0], 100.0, start)
    leases.hold(_permit("t2", ("k", 1)), [15.0], 100.0, start)
    assert len(runners) == 1  # one runner for the store
    assert leases.due(104.0) == ([], [])  # a request of 4 s: nothing to renew
    renew, _ = leases.due(105.0)  # type: ignore[misc]
    assert [h.permit.token for h in renew] == ["t1", "t2"]
    assert leases.due(106.0) == ([], [])  # renewed at 105: next at 110
    assert leases.drop(p) == 15.0
    renew, _ = leases.due(110.0)  # type: ignore[misc]
    assert [h.permit.token for h in renew] == ["t2"]
    leases.drop(renew[0].permit)
    assert leases.due(111.0) is None  # nothing left: the runner stops
    leases.hold(p, [15.0], 112.0, start)
    assert len(runners) == 2  # and the next hold starts another


def test_a_failed_release_is_retried_until_its_lease_would_have_ended() -> None:
    leases = Leases()
    p = _permit("t1", ("k", 1))
    leases.hold(p, [15.0], 100.0, Runner)
    lease = leases.drop(p)
    leases.unreleased(p, 101.0 + lease, Runner)
    assert leases.counts() == (0, 1)
    assert leases.due(102.0) == ([], [p])
    assert leases.due(115.0) == ([], [p])
    assert leases.due(116.0) is None  # the lease has ended on its own: nothing to retry
    leases.unreleased(p, 130.0, Runner)
    leases.released(p)
    assert leases.due(120.0) is None


def test_a_dead_runner_is_replaced() -> None:
    leases, runners = Leases(), []

    def start() -> Runner:
        runners.append(Runner())
        return runners[-1]

    leases.hold(_permit("t1", ("k", 1)), [15.0], 0.0, start)
    runners[0].alive = False  # its event loop closed under it
    leases.hold(_permit("t2", ("k", 1)), [15.0], 0.0, start)
    assert len(runners) == 2


def test_the_runner_sleeps_a_third_of_the_shortest_lease_at_most_a_tick() -> None:
    leases = Leases()
    assert leases.interval() == TICK
    leases.hold(_permit("t1", ("k", 1)), [0.3], 0.0, Runner)
    assert leases.interval() == pytest.approx(0.1)
    leases.hold(_permit("t2", ("k", 1)), [60.0], 0.0, Runner)
    assert leases.interval() == pytest.approx(0.1)


# -- the breaker and the clients from_url makes -----------------------------------------------


class Exploding:
    """A sync redis-py client stand-in whose scripts raise ``error``."""

    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.calls = 0

    def execute_command(self, *args: Any) -> None:
        raise AssertionError("not used")

    def register_script(self, lua: str) -> Any:
        def run(keys: list[str], args: list[str]) -> Any:
            self.calls += 1
            raise self.error

        return run


def test_an_outage_opens_the_breaker_a_full_pool_does_not() -> None:
    import redis.exceptions

    down = Exploding(redis.exceptions.ConnectionError("Connection refused"))
    tb = TokenBucket(10, store=RedisStore(down))
    with pytest.raises(RateLimitStoreError, match="failed while acquiring"):
        tb.try_acquire("k", 0.0)
    with pytest.raises(RateLimitStoreError, match="not tried again"):
        tb.try_acquire("k", 0.0)
    assert down.calls == 1
    busy = Exploding(redis.exceptions.MaxConnectionsError("Too many connections"))
    tb = TokenBucket(10, store=RedisStore(busy))
    for _ in range(3):  # this process ran out of connections: Redis itself is fine
        with pytest.raises(RateLimitStoreError, match="failed while acquiring"):
            tb.try_acquire("k", 0.0)
    assert busy.calls == 3


def test_without_a_breaker_every_call_tries_redis() -> None:
    import redis.exceptions

    down = Exploding(redis.exceptions.TimeoutError("Timeout reading from socket"))
    tb = TokenBucket(10, store=RedisStore(down, breaker=0, fail_open=True))
    for _ in range(3):
        assert tb.try_acquire("k", 0.0).admitted
    assert down.calls == 3


def test_from_url_makes_clients_that_fail_fast_and_wait_for_a_connection() -> None:
    import redis
    import redis.asyncio

    store = RedisStore.from_url(
        "redis://127.0.0.1:1/0", max_connections=7, socket_timeout=0.5, fail_open=True
    )
    assert store.fail_open
    for client, blocking in (
        (store._sync, redis.BlockingConnectionPool),
        (store._async, redis.asyncio.BlockingConnectionPool),
    ):
        pool = client.connection_pool
        assert isinstance(pool, blocking)
        assert pool.max_connections == 7
        assert pool.timeout == 1.0
        kwargs = pool.connection_kwargs
        assert (kwargs["socket_timeout"], kwargs["socket_connect_timeout"]) == (0.5, 1.0)
        assert kwargs["retry"].get_retries() == 0
    store.close()


def test_bad_connection_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="max_connections"):
        RedisStore.from_url("redis://127.0.0.1:1/0", max_connections=0)
    with pytest.raises(ValueError, match="socket_timeout"):
        RedisStore.from_url("redis://127.0.0.1:1/0", socket_timeout=0)
    with pytest.raises(ValueError, match="breaker"):
        RedisStore(Exploding(OSError()), breaker=-1)


def test_a_place_is_given_back_once_from_any_thread() -> None:
    from graphlink.ratelimit._wakeup import Place

    calls = []
    place = Place(lambda: calls.append(1))
    threads = [threading.Thread(target=place.cancel) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1]
    assert not place.wait(0)


def test_forked_workers_hold_slots_under_tokens_of_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A store made before a fork (Celery, gunicorn) serves every worker: their slots in
    # Redis must not collide, or one worker's release would free another's slot.
    from graphlink.ratelimit import _redis

    store = RedisStore(Exploding(OSError()))
    parent = store._acquire_args([], 0.0)[2]
    monkeypatch.setattr(_redis.os, "getpid", lambda: 4242)
    child = store._acquire_args([], 0.0)[2]
    assert child.startswith("4242.")
    assert child.rsplit(".", 1)[0] != parent.rsplit(".", 1)[0]


# -- the runner: it outlives any failure, stops when the store closes, and gives up at last -


def _runner_of(store: RedisStore) -> threading.Thread:
    runner = store._leases._runner
    assert isinstance(runner, threading.Thread)
    return runner


def _hold(store: RedisStore, token: str, lease: float) -> Permit:
    permit = Permit(store, token, [("k", 1)], [])
    store._leases.hold(permit, [lease], time.monotonic(), store._start_runner)
    return permit


def test_the_runner_outlives_a_failure_that_is_not_redis_s() -> None:
    # A pool closed under the runner raises queue.Full: before, the runner died of it and
    # the leases it kept went unrenewed.
    down = Exploding(queue.Full())
    store = RedisStore(down)
    _hold(store, "t1", 0.06)  # renewed every 0.02 s
    wait_until(lambda: down.calls >= 3)
    assert _runner_of(store).is_alive()
    store.close()


@pytest.mark.parametrize("aclose", [False, True])
async def test_closing_the_store_stops_the_runner(aclose: bool) -> None:
    down = Exploding(queue.Full())
    store = RedisStore(down)
    permit = _hold(store, "t1", 0.06)
    wait_until(lambda: down.calls >= 1)
    runner = _runner_of(store)
    if aclose:
        await store.aclose()
    else:
        store.close()
    runner.join(5.0)
    assert not runner.is_alive()
    calls = down.calls
    assert store._leases.counts() == (0, 0)
    _hold(store, "t2", 0.06)  # a closed store starts no runner again
    store._unreleased(permit, 10.0)
    assert store._leases._runner in (None, runner)
    assert store._leases.counts() == (0, 0)
    assert down.calls == calls


def test_a_lease_is_renewed_for_max_hold_at_most() -> None:
    # A permit whose release was never attempted (a task cancelled twice) must not hold
    # its slot for ever: renewals stop, and its lease ends on its own.
    leases = Leases(max_hold=600.0)
    leases.hold(_permit("t1", ("k", 1)), [15.0], 0.0, Runner)
    renew, _ = leases.due(595.0)  # type: ignore[misc]
    assert [h.permit.token for h in renew] == ["t1"]
    assert leases.due(600.0) is None
    assert leases.counts() == (0, 0)
    assert Leases().max_hold == 600.0  # ten minutes by default
    assert RedisStore(Exploding(OSError()), max_hold=30.0)._leases.max_hold == 30.0
    with pytest.raises(ValueError, match="max_hold"):
        RedisStore(Exploding(OSError()), max_hold=0)


# -- the Lua scripts only lengthen a key's TTL: leases differ between processes -------------


def _slot_key(redis_client: Any) -> bytes:
    (key,) = [k for k in redis_client.keys("*") if redis_client.type(k) == b"zset"]
    return key  # type: ignore[no-any-return]


@pytest.mark.redis
def test_a_shorter_lease_does_not_shorten_the_key_of_a_longer_one(redis_client: Any) -> None:
    from graphlink.ratelimit import MaxInFlight

    long = MaxInFlight(2, lease=60.0, name="shared", store=RedisStore(redis_client))
    short = MaxInFlight(2, lease=0.3, name="shared", store=RedisStore(redis_client))
    held = long.try_acquire("k", 0.0)
    assert held.admitted
    key = _slot_key(redis_client)
    d = short.try_acquire("k", 0.0)
    assert d.admitted
    short.release(d.permit, 0.0)
    assert redis_client.pttl(key) > 30_000  # before: 1_300, and the long slot went with it
    long.release(held.permit, 0.0)


@pytest.mark.redis
def test_renewing_a_shorter_lease_does_not_shorten_the_key(redis_client: Any) -> None:
    from graphlink.ratelimit import MaxInFlight
    from graphlink.ratelimit._leases import Held
    from graphlink.ratelimit._lua import RENEW

    store = RedisStore(redis_client)
    long = MaxInFlight(2, lease=60.0, name="shared", store=store)
    held = long.try_acquire("k", 0.0)
    assert isinstance(held.permit, Permit)
    key = _slot_key(redis_client)
    keys, args = store._renew_args([Held(held.permit, [0.3], 0.0, 0.0)])
    store._script(redis_client, RENEW)(keys=keys, args=args)
    assert redis_client.pttl(key) > 30_000  # before: 1_300
    long.release(held.permit, 0.0)
