"""The built-in policies: each turns a request's key into rules its store checks atomically."""

from __future__ import annotations

from collections.abc import Sequence

from graphlink.ratelimit import _ops_sync
from graphlink.ratelimit._base import Decision
from graphlink.ratelimit._rules import LEASE, CooldownRule, RateRule, Rule, SlotRule, merge_rules
from graphlink.ratelimit._store import MemoryStore, Store

__all__ = [
    "AllOf",
    "MaxInFlight",
    "PerMailbox",
    "Policy",
    "TokenBucket",
    "default_policy",
]

Group = tuple[Store, tuple[Rule, ...]]


def _num(value: float) -> str:
    return f"{value:g}"


class Policy:
    """Base of the built-in policies (implements [`RatePolicy`][graphlink.ratelimit.RatePolicy]).

    A subclass says which rules apply to a key ([`rules`][graphlink.ratelimit.Policy.rules]);
    the base class adds the Retry-After cooldown of that key, asks the store to check and
    take them all at once, and hands back permits. ``name`` prefixes the policy's keys in
    its store: policies with the same parameters get the same default name, so processes
    that build the same policy on one [`RedisStore`][graphlink.ratelimit.RedisStore] share
    its limits.
    """

    def __init__(self, store: Store | None, name: str) -> None:
        self.store: Store = store if store is not None else MemoryStore()
        self.name = name
        self._plans: dict[tuple[tuple[str, ...], float], list[Group]] = {}

    def _plan(self, keys: tuple[str, ...], cost: float) -> list[Group]:
        """``groups``, memoised (the rules of a key never change)."""
        plan = self._plans.get((keys, cost))
        if plan is None:
            if len(self._plans) >= 4096:
                self._plans.clear()
            plan = self._plans[(keys, cost)] = self.groups(keys, cost)
        return plan

    def rules(self, key: str, cost: float) -> list[Rule]:
        """The rules a request to ``key`` costing ``cost`` must pass (cooldown aside)."""
        raise NotImplementedError

    def groups(self, keys: Sequence[str], cost: float) -> list[Group]:
        """The rules for ``keys``, grouped by store (one atomic acquisition per store)."""
        rules: list[Rule] = [CooldownRule(key) for key in keys]
        for key in keys:
            rules += self.rules(key, cost)
        return [(self.store, merge_rules(rules))]

    def stores(self) -> list[Store]:
        """The stores that keep this policy's cooldowns."""
        return [self.store]

    # -- the RatePolicy seam: each twin of _ops_async.py serves its half ---------------------
    # The async twin is imported by the async methods, on use: blocking callers never load
    # it (nor asyncio, which it needs).

    def try_acquire(self, key: str, now: float, cost: float = 1.0) -> Decision:
        """Admit the request, or say how long to wait, or refuse (never sleeps)."""
        return _ops_sync.acquire(self._plan((key,), cost), now)

    def try_acquire_many(self, keys: Sequence[str], now: float, cost: float = 1.0) -> Decision:
        """Admit one request that counts against several keys (a ``$batch``), all or nothing.

        ``cost`` is charged per key; a key given twice counts twice.
        """
        return _ops_sync.acquire(self._plan(tuple(keys), cost), now)

    def release(self, permit: object, now: float) -> None:
        """The request holding ``permit`` finished: give its slots back."""
        _ops_sync.release(permit)

    def cooldown(self, key: str, until: float, now: float | None = None) -> None:
        """Hold every request to ``key`` until monotonic time ``until`` (Graph's Retry-After).

        ``now`` is the same clock as ``until`` (``time.monotonic()`` when omitted); a shared
        store keeps only the duration ``until - now``, on its own clock.
        """
        _ops_sync.cooldown(self.stores(), key, until, now)

    async def atry_acquire(self, key: str, now: float, cost: float = 1.0) -> Decision:
        """Async [`try_acquire`][graphlink.ratelimit.Policy.try_acquire].

        Cancelling the caller leaks nothing: what it was granted half-way is given back.
        """
        from graphlink.ratelimit import _ops_async

        return await _ops_async.acquire(self._plan((key,), cost), now)

    async def atry_acquire_many(
        self, keys: Sequence[str], now: float, cost: float = 1.0
    ) -> Decision:
        """Async [`try_acquire_many`][graphlink.ratelimit.Policy.try_acquire_many]."""
        from graphlink.ratelimit import _ops_async

        return await _ops_async.acquire(self._plan(tuple(keys), cost), now)

    async def arelease(self, permit: object, now: float) -> None:
        """Async [`release`][graphlink.ratelimit.Policy.release]."""
        from graphlink.ratelimit import _ops_async

        await _ops_async.release(permit)

    async def acooldown(self, key: str, until: float, now: float | None = None) -> None:
        """Async [`cooldown`][graphlink.ratelimit.Policy.cooldown]."""
        from graphlink.ratelimit import _ops_async

        await _ops_async.cooldown(self.stores(), key, until, now)


class TokenBucket(Policy):
    """At most ``rate`` requests per ``per`` seconds (GCRA: a token bucket, exactly).

    ``burst`` is the bucket size: how many requests may go back to back after a quiet
    spell. ``None`` means 2: requests are evenly spaced, one that went late does not cost
    the rate (the next may catch up), and no window of ``per`` seconds sees more than
    ``rate + 2``. ``by_key=True`` keeps one bucket per key
    (mailbox or ``"tenant"``) instead of one for all requests.
    """

    def __init__(
        self,
        rate: float,
        per: float = 1.0,
        burst: float | None = None,
        *,
        by_key: bool = False,
        store: Store | None = None,
        name: str | None = None,
    ) -> None:
        if rate <= 0 or per <= 0:
            raise ValueError("TokenBucket needs rate > 0 and per > 0")
        burst = 2.0 if burst is None else burst
        if burst < 1:
            raise ValueError("TokenBucket needs burst >= 1")
        self.rate, self.per, self.burst, self.by_key = rate, per, burst, by_key
        default = f"tb:{_num(rate)}/{_num(per)}:{_num(burst)}" + (":k" if by_key else "")
        super().__init__(store, name or default)

    def rules(self, key: str, cost: float) -> list[Rule]:
        """One bucket, for every request or (``by_key``) for each key."""
        scope = key if self.by_key else "*"
        return [RateRule(f"{self.name}:{scope}:rate", self.per / self.rate, self.burst, cost)]

    def __repr__(self) -> str:
        return (
            f"TokenBucket({self.rate!r}, per={self.per!r}, burst={self.burst!r}, "
            f"by_key={self.by_key!r}, store={self.store!r})"
        )


class MaxInFlight(Policy):
    """At most ``n`` requests in flight at once (for all requests, or ``by_key``).

    ``lease`` (seconds) bounds how long a shared store keeps a slot whose holder stopped
    renewing it: a process that died holding it, or lost Redis while giving it back. A
    [`RedisStore`][graphlink.ratelimit.RedisStore] renews the slots of running requests,
    so the lease need not cover a slow request.
    """

    def __init__(
        self,
        n: int,
        *,
        by_key: bool = False,
        lease: float = LEASE,
        store: Store | None = None,
        name: str | None = None,
    ) -> None:
        if n < 1:
            raise ValueError("MaxInFlight needs n >= 1")
        self.n, self.by_key, self.lease = n, by_key, lease
        super().__init__(store, name or f"mif:{n}" + (":k" if by_key else ""))

    def rules(self, key: str, cost: float) -> list[Rule]:
        """One semaphore, for every request or (``by_key``) for each key."""
        scope = key if self.by_key else "*"
        return [SlotRule(f"{self.name}:{scope}:run", self.n, lease=self.lease)]

    def __repr__(self) -> str:
        return f"MaxInFlight({self.n!r}, by_key={self.by_key!r}, store={self.store!r})"


class PerMailbox(Policy):
    """Graph's Outlook limits, per mailbox: ``concurrency`` in flight, ``rate`` per ``per`` s.

    Applies to keys ``"mailbox:…"`` (requests to ``/users/{id}/…`` and ``/me/…``); other
    requests pass (their Retry-After cooldown still applies). The bucket holds ``burst``
    requests (default ``rate / 20``) and refills so that no window of ``per`` seconds
    ever sees more than ``rate`` requests. ``lease``: as for
    [`MaxInFlight`][graphlink.ratelimit.MaxInFlight].
    """

    def __init__(
        self,
        concurrency: int = 4,
        rate: float = 10_000,
        per: float = 600,
        *,
        burst: float | None = None,
        lease: float = LEASE,
        store: Store | None = None,
        name: str | None = None,
    ) -> None:
        if concurrency < 1 or rate <= 0 or per <= 0:
            raise ValueError("PerMailbox needs concurrency >= 1, rate > 0 and per > 0")
        burst = max(1.0, rate / 20) if burst is None else burst
        if not 1 <= burst < rate:
            raise ValueError("PerMailbox needs 1 <= burst < rate")
        self.concurrency, self.rate, self.per, self.burst = concurrency, rate, per, burst
        self.lease = lease
        self.interval = per / (rate - burst)
        default = f"mbx:{concurrency}:{_num(rate)}/{_num(per)}:{_num(burst)}"
        super().__init__(store, name or default)

    def rules(self, key: str, cost: float) -> list[Rule]:
        """A bucket and a semaphore for a mailbox key; nothing for other keys."""
        if not key.startswith("mailbox:"):
            return []
        return [
            RateRule(f"{self.name}:{key}:rate", self.interval, self.burst, cost),
            SlotRule(f"{self.name}:{key}:run", self.concurrency, lease=self.lease),
        ]

    def __repr__(self) -> str:
        return (
            f"PerMailbox(concurrency={self.concurrency!r}, rate={self.rate!r}, "
            f"per={self.per!r}, store={self.store!r})"
        )


class AllOf(Policy):
    """A request goes only when every one of ``policies`` admits it (all or nothing).

    Rules on the same store are taken in one atomic step; across stores, what an earlier
    store granted is rolled back when a later one says wait. Cooldowns go to ``store`` if
    given, else to every child's store.
    """

    def __init__(self, *policies: Policy, store: Store | None = None) -> None:
        if not policies:
            raise ValueError("AllOf needs at least one policy")
        for policy in policies:
            if not isinstance(policy, Policy):
                raise TypeError(f"AllOf combines graphlink.ratelimit policies, not {policy!r}")
        self.policies = policies
        self._cooldown_store = store
        super().__init__(store if store is not None else policies[0].store, "allof")

    def rules(self, key: str, cost: float) -> list[Rule]:
        """Every child's rules (stores aside: see [`groups`][graphlink.ratelimit.AllOf.groups])."""
        return [rule for policy in self.policies for rule in policy.rules(key, cost)]

    def stores(self) -> list[Store]:
        """The stores that keep cooldowns."""
        if self._cooldown_store is not None:
            return [self._cooldown_store]
        out: list[Store] = []
        for policy in self.policies:
            out += [s for s in policy.stores() if all(s is not seen for seen in out)]
        return out

    def groups(self, keys: Sequence[str], cost: float) -> list[Group]:
        """The children's rules, one group per distinct store, cooldowns in each."""
        by_store: list[tuple[Store, list[Rule]]] = []

        def bucket(store: Store) -> list[Rule]:
            for seen, rules in by_store:
                if seen is store:
                    return rules
            by_store.append((store, []))
            return by_store[-1][1]

        for store in self.stores():
            bucket(store).extend(CooldownRule(key) for key in keys)
        for policy in self.policies:
            for store, rules in policy.groups(keys, cost):
                bucket(store).extend(r for r in rules if not isinstance(r, CooldownRule))
        return [(store, merge_rules(rules)) for store, rules in by_store]

    def __repr__(self) -> str:
        return f"AllOf({', '.join(map(repr, self.policies))})"


def default_policy() -> Policy:
    """The policy a new client uses when given none.

    [`PerMailbox`][graphlink.ratelimit.PerMailbox] (Graph's 4 in flight and 10,000 per 10
    minutes per mailbox) with the Retry-After cooldown.
    """
    return PerMailbox()
