"""A store in Redis: one limit shared by every process and machine that uses it.

The Lua scripts are in ``_lua.py``; the round trips that run them, in ``_redis_async.py``
and its generated twin ``_redis_sync.py``; the leases of held slots, in ``_leases.py``. This
module holds the store's state and what both twins share: arguments, replies, failures.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import math
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

from graphlink.errors import RateLimitStoreError
from graphlink.ratelimit import _redis_async, _redis_sync
from graphlink.ratelimit._base import Decision
from graphlink.ratelimit._connect import ClientSettings, clients
from graphlink.ratelimit._io_async import keep, shield
from graphlink.ratelimit._leases import MAX_HOLD, Held, Leases
from graphlink.ratelimit._lua import encode
from graphlink.ratelimit._maths import EPSILON
from graphlink.ratelimit._rules import Permit, RateRule, Rule, SlotRule
from graphlink.ratelimit._store import new_token
from graphlink.ratelimit._wakeup import Place

__all__ = ["RedisStore"]

log = logging.getLogger("graphlink.ratelimit")

_ONLY_ASYNC = (
    "this RedisStore has only an asyncio redis client, so it serves "
    "AsyncGraphClient only; pass a redis.Redis as well "
    "(RedisStore(redis.Redis(...), async_client=redis.asyncio.Redis(...)))"
)


class _InThread:
    """A sync redis-py client seen as an asyncio one: its scripts run in a worker thread.

    A script, once asked for, runs even if the caller is cancelled: a cancelled
    ``to_thread`` whose thread has not started yet never runs, and that would lose a
    release or a rollback (a slot held until its lease ends).
    """

    def __init__(self, client: Any) -> None:
        self.client = client

    def register_script(self, lua: str) -> Any:
        """``lua`` registered on the sync client, as a coroutine function."""
        script = self.client.register_script(lua)

        async def run(keys: list[str], args: list[str]) -> Any:
            call = functools.partial(script, keys=keys, args=args)
            return await shield(asyncio.to_thread, call)

        return run


class RedisStore:
    """Keep rate limits in Redis, so N processes on M machines share one limit.

    ``redis_client`` is a redis-py client, sync (``redis.Redis``) or asyncio
    (``redis.asyncio.Redis``). A sync client also serves the async client (in a worker
    thread); to serve both without threads pass the other flavour as ``async_client``.
    [`from_url`][graphlink.ratelimit.RedisStore.from_url] makes both, set up to fail fast;
    clients you pass are used as they are (see the "When Redis fails" section of the rate
    limiting guide for the settings they need).

    Token buckets and cooldowns use the Redis server's clock. Concurrency slots are leases
    (``SlotRule.lease``, 15 s by default) renewed while their request runs, so a process
    that dies holding one, or loses Redis while giving it back, frees it within the lease;
    a release that failed is also tried again in the background. Renewals stop after
    ``max_hold`` seconds (10 minutes), so a permit never given back cannot hold its slot
    for ever; raise it if requests may hold a slot longer.

    When Redis fails, the store raises
    [`RateLimitStoreError`][graphlink.errors.RateLimitStoreError] (fail closed); with
    ``fail_open=True`` it logs a warning and lets the request go unlimited instead. Either
    way it then leaves Redis alone for ``breaker`` seconds (calls fail, or go unlimited, at
    once) rather than make every call wait for the failure again.
    ``prefix`` starts every key (for Redis Cluster use a hash tag, e.g.
    ``"{graphlink}:rl:"``, so one script's keys share a slot).
    """

    def __init__(
        self,
        redis_client: Any,
        *,
        async_client: Any = None,
        prefix: str = "graphlink:rl:",
        fail_open: bool = False,
        breaker: float = 2.0,
        max_hold: float = MAX_HOLD,
    ) -> None:
        import redis.exceptions  # lazily: importing graphlink never imports redis

        if breaker < 0:
            raise ValueError("RedisStore needs breaker >= 0")
        if max_hold <= 0:
            raise ValueError("RedisStore needs max_hold > 0")
        self._errors: tuple[type[BaseException], ...] = (redis.exceptions.RedisError, OSError)
        # What says Redis is unreachable or stuck (not: it answered with an error, or this
        # process ran out of pooled connections, a MaxConnectionsError).
        self._outages: tuple[type[BaseException], ...] = (
            redis.exceptions.ConnectionError,
            redis.exceptions.TimeoutError,
            OSError,
        )
        busy = getattr(redis.exceptions, "MaxConnectionsError", None)  # not in every redis-py
        self._busy: tuple[type[BaseException], ...] = () if busy is None else (busy,)
        self._sync: Any = None
        self._async: Any = None
        for client in (redis_client, async_client):
            if client is None:
                continue
            if not hasattr(client, "register_script"):
                raise TypeError(f"RedisStore needs a redis-py client, not {client!r}")
            if inspect.iscoroutinefunction(client.execute_command):
                self._async = client
            else:
                self._sync = client
        self._owned: tuple[Any, ...] = ()
        if self._async is None and self._sync is not None:
            self._async = _InThread(self._sync)
        self.prefix = prefix
        self.fail_open = fail_open
        self.breaker = breaker
        self._scripts: dict[tuple[int, str], Any] = {}
        self._pid = 0
        self._token_prefix = ""
        # Pass the caller's clock to the scripts instead of Redis TIME (tests only).
        self._local_clock = False
        self._last_warning = -math.inf
        self._broken_until = -math.inf
        self._leases = Leases(max_hold)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        max_connections: int = 50,
        pool_timeout: float = 1.0,
        socket_timeout: float = 1.0,
        connect_timeout: float = 1.0,
        prefix: str = "graphlink:rl:",
        fail_open: bool = False,
        breaker: float = 2.0,
        max_hold: float = MAX_HOLD,
        **redis_options: Any,
    ) -> RedisStore:
        """A store on ``url`` (``redis://…``, ``rediss://…``) with clients that fail fast.

        It makes a ``redis.Redis`` and a ``redis.asyncio.Redis``, each with a pool of
        ``max_connections`` connections that callers wait for (up to ``pool_timeout``
        seconds) rather than fail when all are busy, ``socket_timeout`` and
        ``connect_timeout`` seconds for Redis to answer, and no retries: a dead Redis costs
        a call at most about ``pool_timeout + connect_timeout + socket_timeout``, then
        nothing for ``breaker`` seconds. ``redis_options`` go to both pools (redis-py's
        connection keywords, e.g. ``ssl_ca_certs=``). Close the clients with
        [`close`][graphlink.ratelimit.RedisStore.close] /
        [`aclose`][graphlink.ratelimit.RedisStore.aclose].
        """
        settings = ClientSettings(max_connections, pool_timeout, socket_timeout, connect_timeout)
        sync, async_ = clients(url, settings, redis_options)
        store = cls(
            sync,
            async_client=async_,
            prefix=prefix,
            fail_open=fail_open,
            breaker=breaker,
            max_hold=max_hold,
        )
        store._owned = (sync, async_)
        return store

    def close(self) -> None:
        """Close the sync client [`from_url`][graphlink.ratelimit.RedisStore.from_url] made.

        The asyncio client's connections need an event loop: use
        [`aclose`][graphlink.ratelimit.RedisStore.aclose] from async code. Clients passed
        in are left to their owner. Either way the store stops renewing leases: use it no
        more after closing it.
        """
        self._leases.stop()
        if self._owned:
            self._owned[0].close()
            self._owned[0].connection_pool.disconnect()

    async def aclose(self) -> None:
        """Close both clients [`from_url`][graphlink.ratelimit.RedisStore.from_url] made."""
        self._leases.stop()
        if self._owned:
            self.close()
            await self._owned[1].aclose()
            await self._owned[1].connection_pool.disconnect()

    # -- the Store protocol: each twin of _redis_async.py serves its half ------------------

    def acquire(self, rules: Sequence[Rule], now: float) -> Decision:
        """See [`Store.acquire`][graphlink.ratelimit.Store.acquire]; one script, one round trip."""
        return _redis_sync.acquire(self, rules, now)

    def release(self, permit: Permit) -> None:
        """See [`Store.release`][graphlink.ratelimit.Store.release]; releasing twice is harmless."""
        _redis_sync.give_back(self, permit, rollback=False)

    def rollback(self, permit: Permit) -> None:
        """See [`Store.rollback`][graphlink.ratelimit.Store.rollback]."""
        _redis_sync.give_back(self, permit, rollback=True)

    def set_cooldown(self, key: str, until: float, now: float) -> None:
        """See [`Store.set_cooldown`][graphlink.ratelimit.Store.set_cooldown].

        Stored as Redis time + ``until - now``.
        """
        _redis_sync.set_cooldown(self, key, until, now)

    async def aacquire(self, rules: Sequence[Rule], now: float) -> Decision:
        """Async [`acquire`][graphlink.ratelimit.RedisStore.acquire].

        If the calling task is cancelled while the script runs, the script still finishes
        and anything it took is given back, so cancellation leaks no slot.
        """
        return await _redis_async.acquire(self, rules, now)

    async def arelease(self, permit: Permit) -> None:
        """Async [`release`][graphlink.ratelimit.RedisStore.release]."""
        await _redis_async.give_back(self, permit, rollback=False)

    async def arollback(self, permit: Permit) -> None:
        """Async [`rollback`][graphlink.ratelimit.RedisStore.rollback]."""
        await _redis_async.give_back(self, permit, rollback=True)

    async def aset_cooldown(self, key: str, until: float, now: float) -> None:
        """Async [`set_cooldown`][graphlink.ratelimit.RedisStore.set_cooldown]."""
        await _redis_async.set_cooldown(self, key, until, now)

    def ping(self) -> None:
        """Check that Redis answers, with the sync client.

        Raises [`RateLimitStoreError`][graphlink.errors.RateLimitStoreError] if it does not.
        """
        if self._sync is None:
            raise RateLimitStoreError(_ONLY_ASYNC)
        try:
            self._sync.ping()
        except self._errors as exc:
            raise RateLimitStoreError(f"rate-limit store: Redis unreachable: {exc!r}") from exc

    # -- failures and the breaker ------------------------------------------------------------

    def _healthy(self) -> bool:
        """Whether Redis may be tried now (no failure within the last ``breaker`` seconds)."""
        return time.monotonic() >= self._broken_until

    def _available(self, what: str) -> bool:
        """Whether to try Redis for a caller; while the breaker is open, fail at once.

        ``False``: skip Redis (failing open). Fails closed by raising.
        """
        if self._healthy():
            return True
        if self.fail_open:
            return False
        raise RateLimitStoreError(
            f"rate-limit store: Redis failed less than {self.breaker:g} s ago, not tried "
            f"again yet, while {what} (the store fails closed; "
            "RedisStore(..., fail_open=True) sends unlimited)"
        )

    def _broke(self, exc: BaseException, what: str) -> None:
        """Redis failed: if it is unreachable or stuck, leave it alone for ``breaker`` s."""
        if isinstance(exc, self._outages) and not isinstance(exc, self._busy):
            self._broken_until = time.monotonic() + self.breaker
        log.debug("Redis rate-limit store failed while %s: %r", what, exc)

    def _failed(self, exc: BaseException, what: str) -> None:
        self._broke(exc, what)
        if not self.fail_open:
            raise RateLimitStoreError(
                f"rate-limit store: Redis failed while {what}: {exc!r} "
                "(the store fails closed; RedisStore(..., fail_open=True) sends unlimited)"
            ) from exc
        now = time.monotonic()
        if now - self._last_warning > 60.0:
            self._last_warning = now
            log.warning("Redis rate-limit store failed while %s (failing open): %r", what, exc)

    # -- leases and places: the store's own upkeep --------------------------------------------

    def _start_runner(self) -> object:
        """Start what keeps the leases: a thread on the sync client, else a task."""
        if self._sync is not None:
            thread = threading.Thread(
                target=_redis_sync.keep_leases, args=(self,), name="graphlink-leases", daemon=True
            )
            thread.start()
            return thread
        task = asyncio.get_running_loop().create_task(_redis_async.keep_leases(self))
        keep(task)
        return task

    def _unreleased(self, permit: Permit, lease: float) -> None:
        """Giving ``permit`` back failed: try again in the background while its lease runs."""
        if permit.slots and lease > 0:
            self._leases.unreleased(permit, time.monotonic() + lease, self._start_runner)

    def _forget_place(self, keys: list[str], token: str) -> None:
        """``Place.cancel``: take a caller that gave up out of the queues it waited in.

        From async code the round trip runs in the background; from a thread, at once.
        """
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            keep(loop.create_task(_redis_async.forget(self, keys, token)))
        elif self._sync is not None:
            _redis_sync.forget(self, keys, token)

    # -- what the round trips share: scripts, arguments, replies -------------------------------

    def _script(self, client: Any, lua: str) -> Any:
        """``lua`` registered on ``client`` (``None``: that flavour of client was not given)."""
        if client is None:
            raise RateLimitStoreError(_ONLY_ASYNC)
        script = self._scripts.get((id(client), lua))
        if script is None:
            script = self._scripts[(id(client), lua)] = client.register_script(lua)
        return script

    def _acquire_args(self, rules: Sequence[Rule], now: float) -> tuple[list[str], list[Any], str]:
        keys, args = encode(rules, self.prefix)
        pid = os.getpid()
        if pid != self._pid:  # new, or forked (workers forked from one parent share a store)
            self._pid, self._token_prefix = pid, f"{pid}.{os.urandom(4).hex()}."
        token = self._token_prefix + new_token()
        clock = repr(now) if self._local_clock else ""
        return keys, [clock, repr(EPSILON), token, *args], token

    def _decision(self, rules: Sequence[Rule], reply: Any, token: str) -> Decision:
        if reply is None:  # failed open
            return Decision.admit(None)
        status, wait = int(reply[0]), float(reply[1])
        if status == 1:
            slot_rules = [r for r in rules if isinstance(r, SlotRule)]
            slots = [(self.prefix + r.key, r.count) for r in slot_rules]
            rates = [
                (self.prefix + r.key, r.cost * r.interval) for r in rules if isinstance(r, RateRule)
            ]
            permit = Permit(self, token, slots, rates)
            if slots and not self._local_clock:  # leases on the caller's clock: tests only
                leases = [r.lease for r in slot_rules]
                self._leases.hold(permit, leases, time.monotonic(), self._start_runner)
            return Decision.admit(permit)
        if status < 0:
            return Decision.refuse(wait)
        if len(reply) > 2 and int(reply[2]):  # a timed wait holding places in queues
            places = [
                self.prefix + r.key + (":wait" if isinstance(r, RateRule) else ":swait")
                for r in rules
                if isinstance(r, RateRule | SlotRule)
            ]
            forget = functools.partial(self._forget_place, places, token)
            return Decision.later(wait, Place(forget), timed=True)
        return Decision.later(wait)

    def _release_args(self, permit: Permit, rollback: bool) -> tuple[list[str], list[str]]:
        keys = [key for key, _ in permit.slots]
        args = [permit.token, str(len(keys)), *(str(count) for _, count in permit.slots)]
        if rollback:
            keys += [key for key, _ in permit.rates]
            args += [repr(seconds) for _, seconds in permit.rates]
        return keys, args

    def _renew_args(self, held: Sequence[Held]) -> tuple[list[str], list[str]]:
        keys: list[str] = []
        args: list[str] = [""]  # Redis TIME: leases live on the server's clock
        for item in held:
            for (key, count), lease in zip(item.permit.slots, item.leases, strict=True):
                keys.append(key)
                args += [repr(lease), item.permit.token, str(count)]
        return keys, args

    def _cooldown_args(self, key: str, until: float, now: float) -> tuple[list[str], list[str]]:
        # The caller's clock is local: only the duration crosses to Redis's clock.
        clock = repr(now) if self._local_clock else ""
        return [self.prefix + "cooldown:" + key], [repr(until - now), clock]

    def __repr__(self) -> str:
        client = self._sync if self._sync is not None else self._async
        return f"RedisStore({client!r}, prefix={self.prefix!r}, fail_open={self.fail_open!r})"
