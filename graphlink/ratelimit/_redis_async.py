"""The round trips of [`RedisStore`][graphlink.ratelimit.RedisStore]: one Lua script each.

This is the async source (``_redis_sync.py`` is generated from it: edit here, then regenerate).
The store's methods call one twin or the other; the scripts are in ``_lua.py``, their
arguments and replies in ``_redis.py``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from graphlink.errors import RateLimitStoreError
from graphlink.ratelimit._base import Decision
from graphlink.ratelimit._io_async import shield, sleep
from graphlink.ratelimit._lua import ACQUIRE, COOLDOWN, FORGET, RELEASE, RENEW
from graphlink.ratelimit._rules import Permit, Rule

if TYPE_CHECKING:
    from graphlink.ratelimit._redis import RedisStore

__all__ = ["acquire", "forget", "give_back", "keep_leases", "set_cooldown"]


async def acquire(store: RedisStore, rules: Sequence[Rule], now: float) -> Decision:
    """Check and take ``rules`` in one script.

    A caller cancelled while the script runs leaves it to finish; what it took is then
    rolled back, so cancelling leaks no slot.
    """

    async def undo(decision: Decision) -> None:
        if isinstance(decision.permit, Permit):
            await give_back(store, decision.permit, rollback=True)

    return await shield(_acquire, store, rules, now, undo=undo)


async def _acquire(store: RedisStore, rules: Sequence[Rule], now: float) -> Decision:
    keys, args, token = store._acquire_args(rules, now)
    reply = await _run(store, ACQUIRE, "acquiring", keys, args)
    return store._decision(rules, reply, token)


async def give_back(store: RedisStore, permit: Permit, rollback: bool) -> None:
    """Give back ``permit``'s slots, and its tokens too when ``rollback`` (idempotent).

    A release that fails is tried again in the background until the slot's lease would
    have ended anyway (the failure is still reported).
    """
    if permit.released:
        return
    permit.released = True
    lease = store._leases.drop(permit)
    keys, args = store._release_args(permit, rollback)
    if keys:
        # Shielded: a cancelled caller must not leave its slot held until the lease ends.
        await shield(_give_back, store, permit, lease, keys, args)


async def _give_back(
    store: RedisStore, permit: Permit, lease: float, keys: list[str], args: list[str]
) -> None:
    try:
        reply = await _run(store, RELEASE, "releasing", keys, args)
    except RateLimitStoreError:
        store._unreleased(permit, lease)
        raise
    if reply is None:  # failed open
        store._unreleased(permit, lease)


async def set_cooldown(store: RedisStore, key: str, until: float, now: float) -> None:
    """Hold ``key`` for ``until - now`` seconds of the Redis clock."""
    keys, args = store._cooldown_args(key, until, now)
    await shield(_run, store, COOLDOWN, "setting a cooldown", keys, args)


async def forget(store: RedisStore, keys: list[str], token: str) -> None:
    """Take the places of the caller that waited as ``token`` out of ``keys``' queues."""
    await _quietly(store, FORGET, "leaving a queue", keys, [token])


async def keep_leases(store: RedisStore) -> None:
    """Renew the leases this process holds, and retry failed releases, while there are any.

    The store's background runner: it stops when nothing is left to keep. Its failures
    are not raised (nobody awaits it) but they open the store's breaker like any other.
    """
    leases = store._leases
    while True:
        await sleep(leases.interval())
        due = leases.due(time.monotonic())
        if due is None:
            return
        renew, unreleased = due
        if renew:
            keys, args = store._renew_args(renew)
            await _quietly(store, RENEW, "renewing leases", keys, args)
        for permit in unreleased:
            keys, args = store._release_args(permit, rollback=False)
            if await _quietly(store, RELEASE, "releasing again", keys, args) is not None:
                leases.released(permit)


async def _run(store: RedisStore, lua: str, what: str, keys: list[str], args: list[str]) -> Any:
    """Run ``lua``: its reply, or ``None`` if Redis failed and the store fails open."""
    if not store._available(what):
        return None
    # unasync turns ``_async`` into ``_sync``: each twin runs on its own client.
    script = store._script(store._async, lua)
    try:
        return await script(keys=keys, args=args)
    except store._errors as exc:
        store._failed(exc, what)
        return None


async def _quietly(store: RedisStore, lua: str, what: str, keys: list[str], args: list[str]) -> Any:
    """Run ``lua`` for the store's own upkeep: its reply, or ``None``; never raises.

    Nobody awaits the runner: any failure (not only Redis's: a pool closed under it raises
    ``queue.Full``) would end it, and leave the leases it keeps unrenewed.
    """
    if not store._healthy():
        return None
    try:
        return await store._script(store._async, lua)(keys=keys, args=args)
    except Exception as exc:
        store._broke(exc, what)
        return None
