"""The pure maths every store shares (the Redis Lua scripts mirror these lines).

Times are seconds on the store's clock: the transport's monotonic clock for
[`MemoryStore`][graphlink.ratelimit.MemoryStore], the Redis server's ``TIME`` for
[`RedisStore`][graphlink.ratelimit.RedisStore]. Only durations ever leave a store.
"""

from __future__ import annotations

__all__ = ["EPSILON", "gcra", "queued_wait", "slot_wait"]

EPSILON = 1e-3
"""Slack, in seconds, for float rounding and early wake-ups: a wait this short admits, and a waiter
whose deadline is this close counts as awake.
"""


def gcra(
    tat: float | None, now: float, interval: float, burst: float, cost: float
) -> tuple[float, float]:
    """One step of the generic cell rate algorithm (a token bucket without a refill timer).

    ``tat`` is the stored theoretical arrival time (``None`` when the key is new),
    ``interval`` the seconds per token, ``burst`` the bucket size in tokens. Returns the
    new ``tat`` to store if the request conforms, and the wait before it would: the request
    conforms when the wait is at most ``EPSILON``.
    """
    base = now if tat is None or tat < now else tat
    new_tat = base + cost * interval
    capacity = max(burst, cost)  # a request dearer than the bucket goes when it is full
    return new_tat, new_tat - capacity * interval - now


def queued_wait(wait: float, queued: int, interval: float, cost: float) -> float:
    """The estimated wait behind ``queued`` callers already sleeping on the same bucket.

    Each of them takes one token first, so waiters wake one interval apart instead of all
    at once (and the estimate is the driver's ``wait_time * queue_size``).
    """
    return wait + queued * cost * interval


def slot_wait(queued: int, limit: int, poll: float, max_poll: float) -> float:
    """How long to wait for a concurrency slot whose release time is unknown.

    A poll interval that grows with the number of callers already waiting for the same
    slots, capped at ``max_poll``, so a crowd does not poll in lock-step.
    """
    return min(max_poll, poll * (1.0 + queued / limit))
