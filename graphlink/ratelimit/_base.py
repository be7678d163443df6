"""The rate-limit seam: what the transport asks a policy, and the no-op policy."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import attrs

__all__ = ["Decision", "RatePolicy", "Unlimited", "Wakeup"]


@runtime_checkable
class Wakeup(Protocol):
    """A handle to wait on instead of sleeping: it fires when the awaited slot may be free.

    A store attaches one to a [`Decision.later`][graphlink.ratelimit.Decision.later] when
    the wait has no known end (a concurrency slot held by another request of *this
    process*); the store, not the policy, owns the notification. The caller's loop, as the
    transport runs it::

        wakeup = None
        try:
            while not (d := policy.try_acquire(key, now())).admitted:
                wakeup = d.wakeup
                if wakeup is None:
                    sleep(d.wait)
                else:
                    wakeup.wait(d.wait)  # async: await wakeup.async_wait(d.wait)
        finally:
            if wakeup is not None:
                wakeup.cancel()  # a no-op once admitted

    ``d.wait`` stays a bounded poll interval (a slot freed in another process wakes no one),
    so a caller that ignores the handle and just sleeps still works, only later. Waking is
    a hint, never an admission: the caller asks again, from the same thread or asyncio
    task (the store recognises the caller it handed a slot to, so slots go first come,
    first served). A caller that stops waiting (cancelled, past its deadline) calls
    [`cancel`][graphlink.ratelimit.Wakeup.cancel], which hands a slot reserved for it to the
    next waiter; one that just disappears loses its reservation after a short grace.

    A ``timed`` decision (a token bucket's wait, whose end is known) may carry one too: it
    stands for the caller's place in the bucket's queue, which later callers' estimates
    count. Nothing wakes it; [`cancel`][graphlink.ratelimit.Wakeup.cancel] gives the place
    back, so a caller that gives up leaves no phantom in the queue.
    """

    def wait(self, timeout: float) -> bool:
        """Block this thread until woken or ``timeout`` seconds; ``True`` if woken."""
        ...

    async def async_wait(self, timeout: float) -> bool:
        """Await a wake-up (from any thread or event loop) or ``timeout`` seconds."""
        ...

    def cancel(self) -> None:
        """Stop waiting: unregister, and pass on a slot reserved for this caller (idempotent)."""
        ...


@attrs.frozen
class Decision:
    """A policy's answer to "may this request go now?".

    ``admitted`` with a ``permit`` to hand back to
    [`RatePolicy.release`][graphlink.ratelimit.RatePolicy.release] when the request
    finishes; otherwise ``wait`` seconds before asking again, or ``refused`` (the wait would
    be too long: the transport raises
    [`RateLimitExceeded`][graphlink.errors.RateLimitExceeded]). A ``later`` decision may
    carry a ``wakeup`` (see [`Wakeup`][graphlink.ratelimit.Wakeup]): wait on it, with
    ``wait`` as the timeout, rather than sleeping ``wait``, and cancel it when giving up.
    ``timed`` says that ``wait`` is the expected wait even with a ``wakeup`` (see
    [`estimate`][graphlink.ratelimit.Decision.estimate]).
    """

    admitted: bool
    wait: float = 0.0
    permit: object = None
    refused: bool = False
    wakeup: Wakeup | None = None
    timed: bool = False

    @classmethod
    def admit(cls, permit: object = None) -> Decision:
        """Let the request go now."""
        return cls(True, 0.0, permit)

    @classmethod
    def later(cls, wait: float, wakeup: Wakeup | None = None, *, timed: bool = False) -> Decision:
        """Ask again after ``wait`` seconds, or when ``wakeup`` fires; nothing was taken.

        ``timed``: ``wait`` is how long the wait should last (a rate), not a poll interval
        for a slot whose release time is unknown, although a ``wakeup`` comes with it.
        """
        return cls(False, wait, None, False, wakeup, timed)

    @property
    def estimate(self) -> float | None:
        """The expected wait in seconds, or ``None`` when its end is unknown.

        A ``later`` decision with a ``wakeup`` that is not ``timed`` waits for a slot held by
        another request: its ``wait`` is only a poll interval.
        """
        return None if self.wakeup is not None and not self.timed else self.wait

    @classmethod
    def refuse(cls, wait: float) -> Decision:
        """Give up now: the estimated ``wait`` is beyond what the policy accepts."""
        return cls(False, wait, None, True)


@runtime_checkable
class RatePolicy(Protocol):
    """What the transport needs of a rate-limit policy.

    A policy decides; it never sleeps. ``key`` names what a request counts against (for
    example ``"mailbox:alex@contoso.com"`` or ``"tenant"``); ``now`` is the transport's
    monotonic clock. The ``a``-prefixed methods are the async client's (a policy whose
    store does no I/O may simply call the sync ones). A ``later`` decision may carry a
    [`Wakeup`][graphlink.ratelimit.Wakeup] to wait on instead of sleeping.

    A policy may also offer ``try_acquire_many(keys, now)`` / ``atry_acquire_many``: one
    admission counting against several keys at once (a key given twice counts twice), as
    the built-in policies do. A ``$batch`` call uses it to take the slots of a mailbox's
    requests all together; without it, a call counts once per mailbox.
    """

    def try_acquire(self, key: str, now: float, cost: float = 1.0) -> Decision:
        """Admit the request, or say how long to wait."""
        ...

    def release(self, permit: object, now: float) -> None:
        """The request holding ``permit`` finished (well or not)."""
        ...

    def cooldown(self, key: str, until: float, now: float | None = None) -> None:
        """Graph said to back off for ``key`` until monotonic time ``until``.

        ``now`` is the transport's clock reading when the answer came (the policy reads
        ``time.monotonic()`` when it is omitted): a store shared across processes keeps
        only ``until - now``, on its own clock.
        """
        ...

    async def atry_acquire(self, key: str, now: float, cost: float = 1.0) -> Decision:
        """Async [`try_acquire`][graphlink.ratelimit.RatePolicy.try_acquire]."""
        ...

    async def arelease(self, permit: object, now: float) -> None:
        """Async [`release`][graphlink.ratelimit.RatePolicy.release]."""
        ...

    async def acooldown(self, key: str, until: float, now: float | None = None) -> None:
        """Async [`cooldown`][graphlink.ratelimit.RatePolicy.cooldown]."""
        ...


class Unlimited:
    """Admit everything at once (no rate limiting, Retry-After cooldowns ignored).

    ``store`` is accepted for symmetry with the other policies and unused.
    """

    def __init__(self, store: object = None) -> None:
        self.store = store

    def try_acquire(self, key: str, now: float, cost: float = 1.0) -> Decision:
        """Always admit."""
        return Decision.admit()

    def release(self, permit: object, now: float) -> None:
        """Nothing to release."""

    def try_acquire_many(self, keys: object, now: float, cost: float = 1.0) -> Decision:
        """Always admit."""
        return Decision.admit()

    def cooldown(self, key: str, until: float, now: float | None = None) -> None:
        """Ignore cooldowns."""

    async def atry_acquire(self, key: str, now: float, cost: float = 1.0) -> Decision:
        """Always admit."""
        return Decision.admit()

    async def arelease(self, permit: object, now: float) -> None:
        """Nothing to release."""

    async def atry_acquire_many(self, keys: object, now: float, cost: float = 1.0) -> Decision:
        """Always admit."""
        return Decision.admit()

    async def acooldown(self, key: str, until: float, now: float | None = None) -> None:
        """Ignore cooldowns."""

    def __repr__(self) -> str:
        return "Unlimited()"
