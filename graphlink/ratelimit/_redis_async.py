"""The round trips of [`RedisStore`][graphlink.ratelimit.RedisStore]: one Lua script each.

This is the async source (``_redis_sync.py`` is generated from it: edit here, then regenerate).
The store's methods call one twin or the other; the scripts are in ``_lua.py``, their
arguments and replies in ``_redis.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from graphlink.ratelimit._base import Decision
from graphlink.ratelimit._io_async import shield
from graphlink.ratelimit._lua import ACQUIRE, COOLDOWN, RELEASE
from graphlink.ratelimit._rules import Permit, Rule

if TYPE_CHECKING:
    from graphlink.ratelimit._redis import RedisStore

__all__ = ["acquire", "give_back", "set_cooldown"]


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
    """Give back ``permit``'s slots, and its tokens too when ``rollback`` (idempotent)."""
    if permit.released:
        return
    permit.released = True
    keys, args = store._release_args(permit, rollback)
    if keys:
        # Shielded: a cancelled caller must not leave its slot held until the lease ends.
        await shield(_run, store, RELEASE, "releasing", keys, args)


async def set_cooldown(store: RedisStore, key: str, until: float, now: float) -> None:
    """Hold ``key`` for ``until - now`` seconds of the Redis clock."""
    keys, args = store._cooldown_args(key, until, now)
    await _run(store, COOLDOWN, "setting a cooldown", keys, args)


async def _run(store: RedisStore, lua: str, what: str, keys: list[str], args: list[str]) -> Any:
    # unasync turns ``_async`` into ``_sync``: each twin runs on its own client.
    script = store._script(store._async, lua)
    try:
        return await script(keys=keys, args=args)
    except store._errors as exc:
        store._failed(exc, what)
        return None
