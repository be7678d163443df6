"""Policies as pure maths: decisions for given times, no sleeping, no event loop."""

from __future__ import annotations

import subprocess
import sys

import pytest

from graphlink.ratelimit import (
    AllOf,
    Decision,
    MaxInFlight,
    MemoryStore,
    PerMailbox,
    PlaceOSLimiter,
    RatePolicy,
    TokenBucket,
    Unlimited,
    default_policy,
)
from graphlink.ratelimit._maths import EPSILON, gcra, queued_wait, slot_wait

MBX = "mailbox:alex@contoso.com"


def test_gcra_admits_a_burst_then_spaces_requests() -> None:
    tat = None
    for _ in range(3):  # burst 3
        tat, wait = gcra(tat, 0.0, 0.5, 3, 1)
        assert wait <= EPSILON
    _, wait = gcra(tat, 0.0, 0.5, 3, 1)
    assert wait == pytest.approx(0.5)
    _, wait = gcra(tat, 0.5, 0.5, 3, 1)
    assert wait <= EPSILON


def test_gcra_cost_larger_than_burst_goes_when_the_bucket_is_full() -> None:
    _, wait = gcra(None, 10.0, 1.0, 2, 5)
    assert wait <= 0
    tat, _ = gcra(None, 10.0, 1.0, 2, 5)
    _, wait = gcra(tat, 10.0, 1.0, 2, 5)
    assert wait == pytest.approx(5.0)


def test_queue_and_slot_waits() -> None:
    assert queued_wait(0.2, 3, 0.2, 1) == pytest.approx(0.8)
    assert slot_wait(0, 4, 0.01, 0.1) == pytest.approx(0.01)
    assert slot_wait(8, 4, 0.01, 0.1) == pytest.approx(0.03)
    assert slot_wait(1000, 4, 0.01, 0.1) == pytest.approx(0.1)


def test_every_policy_satisfies_the_seam() -> None:
    for policy in (
        TokenBucket(5),
        MaxInFlight(3),
        PerMailbox(),
        PlaceOSLimiter(),
        AllOf(TokenBucket(5), MaxInFlight(2)),
        Unlimited(),
    ):
        assert isinstance(policy, RatePolicy)
        assert repr(policy)


def test_token_bucket_rate_and_burst() -> None:
    tb = TokenBucket(2, burst=2)
    assert tb.try_acquire("tenant", 100.0).admitted
    assert tb.try_acquire("tenant", 100.0).admitted
    d = tb.try_acquire("tenant", 100.0)
    assert not d.admitted
    assert not d.refused
    assert d.wait == pytest.approx(0.5)
    assert d.permit is None
    assert tb.try_acquire("tenant", 100.5).admitted


def test_token_bucket_default_burst_is_two_and_counts_all_keys() -> None:
    tb = TokenBucket(10)
    assert tb.try_acquire(MBX, 0.0).admitted
    assert tb.try_acquire("tenant", 0.0).admitted
    assert tb.try_acquire("tenant", 0.0).wait == pytest.approx(0.1)
    tb_by_key = TokenBucket(10, by_key=True)
    assert tb_by_key.try_acquire(MBX, 0.0).admitted
    assert tb_by_key.try_acquire("tenant", 0.0).admitted


def test_waiters_are_staggered_one_interval_apart() -> None:
    tb = TokenBucket(10, burst=1)
    assert tb.try_acquire("k", 0.0).admitted
    waits = [tb.try_acquire("k", 0.0).wait for _ in range(4)]
    assert waits == pytest.approx([0.1, 0.2, 0.3, 0.4])
    # the first waiter wakes on time and gets its token; the next ones are still queued
    assert tb.try_acquire("k", 0.1).admitted
    assert tb.try_acquire("k", 0.1).wait == pytest.approx(0.1 + 3 * 0.1)


def test_cost_is_charged() -> None:
    tb = TokenBucket(1, burst=5)
    assert tb.try_acquire("k", 0.0, cost=5).admitted
    assert tb.try_acquire("k", 0.0, cost=2).wait == pytest.approx(2.0)


def test_max_in_flight_releases_and_polls() -> None:
    mif = MaxInFlight(2)
    a = mif.try_acquire("k", 0.0)
    b = mif.try_acquire("k", 0.0)
    assert a.admitted
    assert b.admitted
    c = mif.try_acquire("k", 0.0)
    assert not c.admitted
    assert 0 < c.wait <= 0.05
    mif.release(a.permit, 0.01)
    mif.release(a.permit, 0.01)  # twice is harmless
    assert mif.try_acquire("k", 0.02).admitted
    assert not mif.try_acquire("k", 0.02).admitted


def test_per_mailbox_limits_each_mailbox_and_passes_tenant_calls() -> None:
    pm = PerMailbox()
    permits = [pm.try_acquire(MBX, 0.0) for _ in range(4)]
    assert all(d.admitted for d in permits)
    assert not pm.try_acquire(MBX, 0.0).admitted
    assert pm.try_acquire("mailbox:other@contoso.com", 0.0).admitted
    for _ in range(50):
        assert pm.try_acquire("tenant", 0.0).admitted
    pm.release(permits[0].permit, 0.0)
    assert pm.try_acquire(MBX, 0.0).admitted


def test_per_mailbox_never_exceeds_rate_in_any_window() -> None:
    pm = PerMailbox(concurrency=1000, rate=100, per=60)  # burst 5
    sent: list[float] = []
    now = 0.0
    while now < 300:
        d = pm.try_acquire(MBX, now)
        if d.admitted:
            sent.append(now)
            pm.release(d.permit, now)
        else:
            now += d.wait
    for i, start in enumerate(sent):
        in_window = [t for t in sent[i:] if t < start + 60]
        assert len(in_window) <= 100


def test_placeos_limiter_burst_in_flight_and_90_second_rule() -> None:
    pl = PlaceOSLimiter(rate_limit=5)
    admitted = []
    for _ in range(10):
        d = pl.try_acquire("tenant", 0.0)
        assert d.admitted
        admitted.append(d)
    # burst of 10 spent, and 10 in flight: the 11th waits
    d = pl.try_acquire("tenant", 0.0)
    assert not d.admitted
    assert not d.refused
    for d in admitted:
        pl.release(d.permit, 0.0)
    # queue up callers: each is told its place; beyond 90 s of queue they are refused
    refused = None
    for i in range(1000):
        d = pl.try_acquire("tenant", 0.0)
        if d.refused:
            refused = i
            break
        assert d.wait <= 90.0
    assert refused is not None
    assert refused == pytest.approx(90 * 5, abs=2)  # the driver: 450 callers at 5 r/s
    assert d.wait > 90.0


def test_placeos_in_flight_cap_of_ten() -> None:
    pl = PlaceOSLimiter(rate_limit=1000)
    held = [pl.try_acquire("tenant", 0.0) for _ in range(10)]
    assert all(d.admitted for d in held)
    assert not pl.try_acquire("tenant", 1.0).admitted
    pl.release(held[0].permit, 1.0)
    assert pl.try_acquire("tenant", 1.0).admitted


def test_cooldown_holds_the_key_only() -> None:
    pm = PerMailbox()
    pm.cooldown(MBX, until=110.0, now=100.0)
    d = pm.try_acquire(MBX, 100.0)
    assert not d.admitted
    assert d.wait == pytest.approx(10.0)
    assert pm.try_acquire("mailbox:other@contoso.com", 100.0).admitted
    pm.cooldown(MBX, until=105.0, now=100.0)  # a shorter one does not cut it short
    assert pm.try_acquire(MBX, 106.0).wait == pytest.approx(4.0)
    assert pm.try_acquire(MBX, 110.0).admitted


def test_cooldown_during_a_cooldown_takes_nothing() -> None:
    tb = TokenBucket(1, burst=1)
    tb.cooldown("tenant", until=5.0, now=0.0)
    assert tb.try_acquire("tenant", 0.0).wait == pytest.approx(5.0)
    assert tb.try_acquire("tenant", 5.0).admitted  # the token was not spent while waiting


def test_all_of_takes_nothing_when_a_later_policy_says_wait() -> None:
    store = MemoryStore()
    mif = MaxInFlight(5, store=store)
    tb = TokenBucket(1, burst=1, store=store)
    both = AllOf(mif, tb)
    first = both.try_acquire("k", 0.0)
    assert first.admitted
    second = both.try_acquire("k", 0.0)
    assert not second.admitted
    assert store.running("mif:5:*:run") == 1
    both.release(first.permit, 0.0)
    assert store.running("mif:5:*:run") == 0


def test_all_of_across_stores_rolls_back_the_earlier_store() -> None:
    slots, bucket = MemoryStore(), MemoryStore()
    mif = MaxInFlight(5, store=slots)
    tb = TokenBucket(1, burst=1, store=bucket)
    both = AllOf(mif, tb)
    first = both.try_acquire("k", 0.0)
    assert first.admitted
    assert isinstance(first.permit, tuple)
    for _ in range(3):
        assert not both.try_acquire("k", 0.0).admitted
    assert slots.running("mif:5:*:run") == 1
    both.release(first.permit, 0.0)
    assert slots.running("mif:5:*:run") == 0


def test_all_of_rollback_refunds_the_bucket() -> None:
    slots, bucket = MemoryStore(), MemoryStore()
    tb = TokenBucket(1, burst=1, store=bucket)
    mif = MaxInFlight(1, store=slots)
    both = AllOf(tb, MaxInFlight(1, store=slots, name="other"), mif)
    held = mif.try_acquire("k", 0.0)  # the slot is taken outside the AllOf
    assert held.admitted
    assert not both.try_acquire("k", 0.0).admitted  # bucket granted, then rolled back
    mif.release(held.permit, 0.0)
    assert both.try_acquire("k", 0.0).admitted  # the token was refunded


def test_all_of_cooldown_reaches_every_store() -> None:
    a, b = TokenBucket(100, store=MemoryStore()), MaxInFlight(4, store=MemoryStore())
    both = AllOf(a, b)
    both.cooldown("tenant", until=3.0, now=0.0)
    assert a.try_acquire("tenant", 0.0).wait == pytest.approx(3.0)
    assert b.try_acquire("tenant", 0.0).wait == pytest.approx(3.0)


def test_try_acquire_many_for_batches() -> None:
    pm = PerMailbox(concurrency=2)
    keys = ["mailbox:a", "mailbox:b", "mailbox:a", "tenant"]
    d = pm.try_acquire_many(keys, 0.0)
    assert d.admitted
    assert not pm.try_acquire("mailbox:a", 0.0).admitted  # both of a's slots are held
    assert pm.try_acquire("mailbox:b", 0.0).admitted
    assert not pm.try_acquire_many(keys, 0.0).admitted
    pm.release(d.permit, 0.0)
    assert pm.try_acquire("mailbox:a", 0.0).admitted


def test_default_policy() -> None:
    assert isinstance(default_policy(), PerMailbox)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0)
    with pytest.raises(ValueError):
        MaxInFlight(0)
    with pytest.raises(ValueError):
        PerMailbox(rate=10, burst=10)
    with pytest.raises(ValueError):
        AllOf()
    with pytest.raises(TypeError):
        AllOf(Unlimited())  # type: ignore[arg-type]


def test_unlimited() -> None:
    u = Unlimited(store=MemoryStore())
    assert u.try_acquire("k", 0.0) == Decision.admit()
    u.cooldown("k", 10.0, 0.0)
    assert u.try_acquire("k", 0.0).admitted


def test_memory_store_forgets_stale_state() -> None:
    store = MemoryStore()
    tb = TokenBucket(1000, by_key=True, store=store)
    for i in range(store._SWEEP_EVERY):
        tb.try_acquire(f"mailbox:{i}", float(i))
    assert len(store._tat) < 10


def test_importing_graphlink_ratelimit_does_not_import_redis() -> None:
    code = "import sys, graphlink.ratelimit; assert 'redis' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
