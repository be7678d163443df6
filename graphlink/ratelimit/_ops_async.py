"""What a policy does with its stores: take rules all or nothing, give back, cool down.

This is the async source (``_ops_sync.py`` is generated from it: edit here, then regenerate).
``Policy`` calls one twin or the other, so the two halves cannot drift apart.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from graphlink.ratelimit._base import Decision
from graphlink.ratelimit._io_async import shield
from graphlink.ratelimit._rules import Permit, Rule, join_permits, split_permit
from graphlink.ratelimit._store import MemoryStore, Store

__all__ = ["acquire", "cooldown", "release"]


async def acquire(groups: Sequence[tuple[Store, Sequence[Rule]]], now: float) -> Decision:
    """Take every group's rules from its store, all or nothing.

    Each store takes its group atomically; what earlier stores granted is rolled back when
    a later one says wait, fails, or the caller is cancelled meanwhile.
    """
    taken: list[Permit] = []
    decision = Decision.admit()
    try:
        for store, rules in groups:
            decision = await store.aacquire(rules, now)
            if not decision.admitted:
                break
            taken += split_permit(decision.permit)
    except BaseException:  # a store failed, or the caller was cancelled, half-way
        await _roll_back(taken)
        raise
    if decision.admitted:
        return Decision.admit(join_permits(taken))
    try:
        await _roll_back(taken)
    except BaseException:  # cancelled meanwhile: nobody will wait on the wake-up
        if decision.wakeup is not None:
            decision.wakeup.cancel()
        raise
    return decision


async def _roll_back(taken: Sequence[Permit]) -> None:
    # Nothing taken, nothing to shield: no task, and no point where a cancellation could
    # land between the store's decision and the caller (who must see its wake-up).
    if taken:
        await shield(_give_back, taken)


async def _give_back(taken: Sequence[Permit]) -> None:
    for part in taken:
        await part.store.arollback(part)


async def release(permit: object) -> None:
    """Give back the slots a policy's ``permit`` holds, in each of its stores.

    Shielded: a caller cancelled while one store gives back still gives back the others.
    """
    parts = split_permit(permit)
    if _in_memory(part.store for part in parts):
        await _release(parts)  # no I/O: nothing can cancel it half-way
    else:
        await shield(_release, parts)


async def _release(parts: Sequence[Permit]) -> None:
    failure: BaseException | None = None
    for part in parts:
        try:
            await part.store.arelease(part)
        except Exception as exc:  # one store failing must not keep the others' slots
            failure = failure or exc
    if failure is not None:
        raise failure


async def cooldown(stores: Sequence[Store], key: str, until: float, now: float | None) -> None:
    """Hold ``key`` in every one of ``stores`` until ``until`` (``now``: the same clock).

    Shielded, as a release is: a cancelled caller still sets every store's cooldown.
    """
    now = time.monotonic() if now is None else now
    if _in_memory(stores):
        await _cooldown(stores, key, until, now)
    else:
        await shield(_cooldown, stores, key, until, now)


async def _cooldown(stores: Sequence[Store], key: str, until: float, now: float) -> None:
    for store in stores:
        await store.aset_cooldown(key, until, now)


def _in_memory(stores: Iterable[Store]) -> bool:
    return all(isinstance(store, MemoryStore) for store in stores)
