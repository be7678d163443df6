"""A store in Redis: one limit shared by every process and machine that uses it.

Each operation is one Lua script, so it is atomic and costs one round trip. The scripts
use the Redis server's ``TIME``, so the hosts' clocks never need to agree; they mirror
:func:`~graphlink.ratelimit._maths.gcra` and ``MemoryStore.acquire`` line by line.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from graphlink.ratelimit._base import Decision
from graphlink.ratelimit._errors import RateLimitStoreError
from graphlink.ratelimit._maths import EPSILON
from graphlink.ratelimit._rules import CooldownRule, Permit, RateRule, Rule, SlotRule
from graphlink.ratelimit._store import new_token

__all__ = ["RedisStore"]

log = logging.getLogger("graphlink.ratelimit")
T = TypeVar("T")

# Numbers go through string.format('%.17g'): Redis would otherwise print Lua numbers with
# 14 significant digits, a tenth of a millisecond at Unix-time magnitudes.
_PRELUDE = """
local function num(x) return string.format('%.17g', x) end
local function clock(arg)
  if arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
"""

# KEYS: per rule, cooldown: 1 key; rate: tat key, waiters key; slot: running key, waiters key.
# ARGV: now ('' = server TIME), eps, token, then per rule its kind and parameters.
_ACQUIRE = (
    _PRELUDE
    + """
local now = clock(ARGV[1])
local eps = tonumber(ARGV[2])
local token = ARGV[3]
local wait, refused = 0, false
local blocked, tats, slots = {}, {}, {}
local a, k = 4, 1
while a <= #ARGV do
  local kind = ARGV[a]
  if kind == 'c' then
    local left = tonumber(redis.call('GET', KEYS[k]) or '0') - now
    if left > eps and left > wait then wait = left end
    a, k = a + 1, k + 1
  elseif kind == 'r' then
    local interval, burst = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
    local cost, max_wait = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
    -- gcra()
    local tat = tonumber(redis.call('GET', KEYS[k]) or '-1')
    local base = now
    if tat > now then base = tat end
    local new_tat = base + cost * interval
    local capacity = burst
    if cost > capacity then capacity = cost end
    local rate_wait = new_tat - capacity * interval - now
    if rate_wait > eps then
      redis.call('ZREMRANGEBYSCORE', KEYS[k + 1], '-inf', num(now + eps))
      local est = rate_wait + redis.call('ZCARD', KEYS[k + 1]) * cost * interval  -- queued_wait()
      if max_wait >= 0 and est > max_wait then refused = true end
      if est > wait then wait = est end
      blocked[#blocked + 1] = KEYS[k + 1]
    end
    tats[#tats + 1] = {KEYS[k], new_tat}
    a, k = a + 5, k + 2
  else
    local limit, count = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
    local lease, poll = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
    local max_poll = tonumber(ARGV[a + 5])
    redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', num(now))  -- leases of dead processes
    local running = redis.call('ZCARD', KEYS[k])
    if running + count > limit and running > 0 then
      redis.call('ZREMRANGEBYSCORE', KEYS[k + 1], '-inf', num(now + eps))
      local w = poll * (1 + redis.call('ZCARD', KEYS[k + 1]) / limit)  -- slot_wait()
      if w > max_poll then w = max_poll end
      if w > wait then wait = w end
      blocked[#blocked + 1] = KEYS[k + 1]
    end
    slots[#slots + 1] = {KEYS[k], count, lease}
    a, k = a + 6, k + 2
  end
end
if refused then return {-1, num(wait)} end
if wait > 0 then
  for _, key in ipairs(blocked) do
    redis.call('ZADD', key, num(now + wait), token)
    redis.call('PEXPIRE', key, math.ceil(wait * 1000) + 1000)
  end
  return {0, num(wait)}
end
for _, t in ipairs(tats) do
  redis.call('SET', t[1], num(t[2]), 'PX', math.ceil((t[2] - now) * 1000) + 1000)
end
for _, s in ipairs(slots) do
  for i = 1, s[2] do redis.call('ZADD', s[1], num(now + s[3]), token .. ':' .. i) end
  redis.call('PEXPIRE', s[1], math.ceil(s[3] * 1000) + 1000)
end
return {1, '0'}
"""
)

# KEYS: slot keys, then rate keys. ARGV: token, then per slot key its count, then (when
# rolling back) per rate key the seconds to give back.
_RELEASE = """
local token = ARGV[1]
local nslots = tonumber(ARGV[2])
for i = 1, nslots do
  for j = 1, tonumber(ARGV[2 + i]) do redis.call('ZREM', KEYS[i], token .. ':' .. j) end
end
for i = nslots + 1, #KEYS do
  local tat = redis.call('GET', KEYS[i])
  if tat then
    local back = tonumber(ARGV[2 + i])
    redis.call('SET', KEYS[i], string.format('%.17g', tonumber(tat) - back), 'KEEPTTL')
  end
end
return 1
"""

# KEYS[1]: the cooldown key. ARGV: seconds, now ('' = server TIME).
_COOLDOWN = (
    _PRELUDE
    + """
local now = clock(ARGV[2])
local seconds = tonumber(ARGV[1])
if seconds <= 0 then return 0 end
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + seconds > current then
  redis.call('SET', KEYS[1], num(now + seconds), 'PX', math.ceil(seconds * 1000))
end
return 1
"""
)


def _encode(rules: Sequence[Rule], prefix: str) -> tuple[list[str], list[str]]:
    keys: list[str] = []
    args: list[str] = []
    for rule in rules:
        if isinstance(rule, CooldownRule):
            keys.append(prefix + "cooldown:" + rule.key)
            args.append("c")
        elif isinstance(rule, RateRule):
            keys += [prefix + rule.key, prefix + rule.key + ":wait"]
            max_wait = -1.0 if rule.max_wait is None else rule.max_wait
            args += ["r", *map(repr, (rule.interval, rule.burst, rule.cost, max_wait))]
        else:
            keys += [prefix + rule.key, prefix + rule.key + ":swait"]
            args += ["s", *map(repr, (rule.limit, rule.count, rule.lease))]
            args += [repr(rule.poll), repr(rule.max_poll)]
    return keys, args


class RedisStore:
    """Keep rate limits in Redis, so N processes on M machines share one limit.

    ``redis_client`` is a redis-py client, sync (``redis.Redis``) or asyncio
    (``redis.asyncio.Redis``). A sync client also serves the async client (in a worker
    thread); to serve both without threads pass the other flavour as ``async_client``.
    Token buckets and cooldowns use the Redis server's clock; concurrency slots are leases
    that expire (``SlotRule.lease``), so a crashed process does not hold them forever.

    When Redis fails, the store raises :class:`RateLimitStoreError` (fail closed); with
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
        self.prefix = prefix
        self.fail_open = fail_open
        self._scripts: dict[int, tuple[Any, Any, Any]] = {}
        self._token_prefix = f"{os.getpid()}.{os.urandom(4).hex()}."
        #: Pass the caller's clock to the scripts instead of Redis TIME (tests only).
        self._local_clock = False
        self._last_warning = -math.inf

    def _script_set(self, client: Any) -> tuple[Any, Any, Any]:
        scripts = self._scripts.get(id(client))
        if scripts is None:
            scripts = (
                client.register_script(_ACQUIRE),
                client.register_script(_RELEASE),
                client.register_script(_COOLDOWN),
            )
            self._scripts[id(client)] = scripts
        return scripts

    def _sync_client(self) -> Any:
        if self._sync is None:
            raise RateLimitStoreError(
                "this RedisStore has only an asyncio redis client, so it serves "
                "AsyncGraphClient only; pass a redis.Redis as well "
                "(RedisStore(redis.Redis(...), async_client=redis.asyncio.Redis(...)))"
            )
        return self._sync

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

    def _call(self, what: str, fn: Callable[[], T], fallback: T) -> T:
        try:
            return fn()
        except self._errors as exc:
            self._failed(exc, what)
            return fallback

    async def _acall(self, what: str, fn: Callable[[], Awaitable[T]], fallback: T) -> T:
        try:
            return await fn()
        except self._errors as exc:
            self._failed(exc, what)
            return fallback

    # -- acquire ------------------------------------------------------------------------

    def _acquire_args(self, rules: Sequence[Rule], now: float) -> tuple[list[str], list[Any], str]:
        keys, args = _encode(rules, self.prefix)
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

    def acquire(self, rules: Sequence[Rule], now: float) -> Decision:
        """See :meth:`Store.acquire`; one script, one round trip."""
        client = self._sync_client()
        keys, args, token = self._acquire_args(rules, now)
        script = self._script_set(client)[0]
        reply = self._call("acquiring", lambda: script(keys=keys, args=args), None)
        return self._decision(rules, reply, token)

    async def aacquire(self, rules: Sequence[Rule], now: float) -> Decision:
        """Async :meth:`acquire`.

        If the calling task is cancelled while the script runs, the script still finishes
        and anything it took is given back, so cancellation leaks no slot.
        """
        if self._async is None:
            task = asyncio.ensure_future(asyncio.to_thread(self.acquire, rules, now))
        else:
            keys, args, token = self._acquire_args(rules, now)
            script = self._script_set(self._async)[0]

            async def run() -> Decision:
                reply = await self._acall("acquiring", lambda: script(keys=keys, args=args), None)
                return self._decision(rules, reply, token)

            task = asyncio.ensure_future(run())
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            task.add_done_callback(self._release_orphan)
            raise

    def _release_orphan(self, task: asyncio.Future[Decision]) -> None:
        if task.cancelled() or task.exception() is not None:
            return
        decision = task.result()
        if isinstance(decision.permit, Permit):
            background = asyncio.ensure_future(self.arelease(decision.permit))
            _BACKGROUND.add(background)
            background.add_done_callback(_BACKGROUND.discard)

    # -- release, rollback ----------------------------------------------------------------

    def _release_args(self, permit: Permit, rollback: bool) -> tuple[list[str], list[str]]:
        keys = [key for key, _ in permit.slots]
        args = [permit.token, str(len(keys)), *(str(count) for _, count in permit.slots)]
        if rollback:
            keys += [key for key, _ in permit.rates]
            args += [repr(seconds) for _, seconds in permit.rates]
        return keys, args

    def _give_back(self, permit: Permit, rollback: bool) -> None:
        if permit.released:
            return
        permit.released = True
        keys, args = self._release_args(permit, rollback)
        if keys:
            script = self._script_set(self._sync_client())[1]
            self._call("releasing", lambda: script(keys=keys, args=args), None)

    async def _agive_back(self, permit: Permit, rollback: bool) -> None:
        if permit.released:
            return
        if self._async is None:
            await asyncio.to_thread(self._give_back, permit, rollback)
            return
        permit.released = True
        keys, args = self._release_args(permit, rollback)
        if keys:
            script = self._script_set(self._async)[1]
            # Shielded: a cancelled caller must not leave its slot held until the lease ends.
            await asyncio.shield(
                self._acall("releasing", lambda: script(keys=keys, args=args), None)
            )

    def release(self, permit: Permit) -> None:
        """See :meth:`Store.release`."""
        self._give_back(permit, rollback=False)

    def rollback(self, permit: Permit) -> None:
        """See :meth:`Store.rollback`."""
        self._give_back(permit, rollback=True)

    async def arelease(self, permit: Permit) -> None:
        """Async :meth:`release`."""
        await self._agive_back(permit, rollback=False)

    async def arollback(self, permit: Permit) -> None:
        """Async :meth:`rollback`."""
        await self._agive_back(permit, rollback=True)

    # -- cooldown -------------------------------------------------------------------------

    def _cooldown_args(self, key: str, until: float, now: float) -> tuple[list[str], list[str]]:
        # The caller's clock is local: only the duration crosses to Redis's clock.
        clock = repr(now) if self._local_clock else ""
        return [self.prefix + "cooldown:" + key], [repr(until - now), clock]

    def set_cooldown(self, key: str, until: float, now: float) -> None:
        """See :meth:`Store.set_cooldown`; stored as Redis time + ``until - now``."""
        keys, args = self._cooldown_args(key, until, now)
        script = self._script_set(self._sync_client())[2]
        self._call("setting a cooldown", lambda: script(keys=keys, args=args), None)

    async def aset_cooldown(self, key: str, until: float, now: float) -> None:
        """Async :meth:`set_cooldown`."""
        if self._async is None:
            await asyncio.to_thread(self.set_cooldown, key, until, now)
            return
        keys, args = self._cooldown_args(key, until, now)
        script = self._script_set(self._async)[2]
        await self._acall("setting a cooldown", lambda: script(keys=keys, args=args), None)

    def ping(self) -> None:
        """Check that Redis answers (raises :class:`RateLimitStoreError` if not)."""
        try:
            self._sync_client().ping()
        except self._errors as exc:
            raise RateLimitStoreError(f"rate-limit store: Redis unreachable: {exc!r}") from exc

    def __repr__(self) -> str:
        client = self._sync if self._sync is not None else self._async
        return f"RedisStore({client!r}, prefix={self.prefix!r}, fail_open={self.fail_open!r})"


_BACKGROUND: set[asyncio.Future[None]] = set()
