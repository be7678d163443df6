"""A store in Redis: one limit shared by every process and machine that uses it.

The Lua scripts are in ``_lua.py``; the round trips that run them, in ``_redis_async.py``
and its generated twin ``_redis_sync.py``. This module holds the store's state and what
both twins share: arguments, replies, failures.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import os
import time
from collections.abc import Sequence
from typing import Any

from graphlink.errors import RateLimitStoreError
from graphlink.ratelimit import _redis_async, _redis_sync
from graphlink.ratelimit._base import Decision
from graphlink.ratelimit._lua import encode
from graphlink.ratelimit._maths import EPSILON
from graphlink.ratelimit._rules import Permit, RateRule, Rule, SlotRule
from graphlink.ratelimit._store import new_token

__all__ = ["RedisStore"]

log = logging.getLogger("graphlink.ratelimit")

_ONLY_ASYNC = (
    "this RedisStore has only an asyncio redis client, so it serves "
    "AsyncGraphClient only; pass a redis.Redis as well "
    "(RedisStore(redis.Redis(...), async_client=redis.asyncio.Redis(...)))"
)


class _InThread:
    """A sync redis-py client seen as an asyncio one: its scripts run in a worker thread."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def register_script(self, lua: str) -> Any:
        """``lua`` registered on the sync client, as a coroutine function."""
        script = self.client.register_script(lua)

        async def run(keys: list[str], args: list[str]) -> Any:
            return await asyncio.to_thread(script, keys=keys, args=args)

        return run


class RedisStore:
    """Keep rate limits in Redis, so N processes on M machines share one limit.

    ``redis_client`` is a redis-py client, sync (``redis.Redis``) or asyncio
    (``redis.asyncio.Redis``). A sync client also serves the async client (in a worker
    thread); to serve both without threads pass the other flavour as ``async_client``.
    Token buckets and cooldowns use the Redis server's clock; concurrency slots are leases
    that expire (``SlotRule.lease``), so a crashed process does not hold them forever.

    When Redis fails, the store raises
    [`RateLimitStoreError`][graphlink.errors.RateLimitStoreError] (fail closed); with
    ``fail_open=True`` it logs a warning and lets the request go unlimited instead.
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
    ) -> None:
        import redis.exceptions  # lazily: importing graphlink never imports redis

        self._errors: tuple[type[BaseException], ...] = (redis.exceptions.RedisError, OSError)
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
        if self._async is None and self._sync is not None:
            self._async = _InThread(self._sync)
        self.prefix = prefix
        self.fail_open = fail_open
        self._scripts: dict[tuple[int, str], Any] = {}
        self._token_prefix = f"{os.getpid()}.{os.urandom(4).hex()}."
        # Pass the caller's clock to the scripts instead of Redis TIME (tests only).
        self._local_clock = False
        self._last_warning = -math.inf

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

    # -- what the round trips share: scripts, arguments, replies, failures -----------------

    def _script(self, client: Any, lua: str) -> Any:
        """``lua`` registered on ``client`` (``None``: that flavour of client was not given)."""
        if client is None:
            raise RateLimitStoreError(_ONLY_ASYNC)
        script = self._scripts.get((id(client), lua))
        if script is None:
            script = self._scripts[(id(client), lua)] = client.register_script(lua)
        return script

    def _failed(self, exc: BaseException, what: str) -> None:
        if not self.fail_open:
            raise RateLimitStoreError(
                f"rate-limit store: Redis failed while {what}: {exc!r} "
                "(the store fails closed; RedisStore(..., fail_open=True) sends unlimited)"
            ) from exc
        now = time.monotonic()
        if now - self._last_warning > 60.0:
            self._last_warning = now
            log.warning("Redis rate-limit store failed while %s (failing open): %r", what, exc)

    def _acquire_args(self, rules: Sequence[Rule], now: float) -> tuple[list[str], list[Any], str]:
        keys, args = encode(rules, self.prefix)
        token = self._token_prefix + new_token()
        clock = repr(now) if self._local_clock else ""
        return keys, [clock, repr(EPSILON), token, *args], token

    def _decision(self, rules: Sequence[Rule], reply: Any, token: str) -> Decision:
        if reply is None:  # failed open
            return Decision.admit(None)
        status, wait = int(reply[0]), float(reply[1])
        if status == 1:
            slots = [(self.prefix + r.key, r.count) for r in rules if isinstance(r, SlotRule)]
            rates = [
                (self.prefix + r.key, r.cost * r.interval) for r in rules if isinstance(r, RateRule)
            ]
            return Decision.admit(Permit(self, token, slots, rates))
        return Decision.refuse(wait) if status < 0 else Decision.later(wait)

    def _release_args(self, permit: Permit, rollback: bool) -> tuple[list[str], list[str]]:
        keys = [key for key, _ in permit.slots]
        args = [permit.token, str(len(keys)), *(str(count) for _, count in permit.slots)]
        if rollback:
            keys += [key for key, _ in permit.rates]
            args += [repr(seconds) for _, seconds in permit.rates]
        return keys, args

    def _cooldown_args(self, key: str, until: float, now: float) -> tuple[list[str], list[str]]:
        # The caller's clock is local: only the duration crosses to Redis's clock.
        clock = repr(now) if self._local_clock else ""
        return [self.prefix + "cooldown:" + key], [repr(until - now), clock]

    def __repr__(self) -> str:
        client = self._sync if self._sync is not None else self._async
        return f"RedisStore({client!r}, prefix={self.prefix!r}, fail_open={self.fail_open!r})"
