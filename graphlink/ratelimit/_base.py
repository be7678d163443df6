"""The rate-limit seam: what the transport asks a policy, and the no-op policy."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import attrs

__all__ = ["Decision", "RatePolicy", "Unlimited"]


@attrs.frozen
class Decision:
    """A policy's answer to "may this request go now?".

    ``admitted`` with a ``permit`` to hand back to :meth:`RatePolicy.release` when the
    request finishes; otherwise ``wait`` seconds before asking again, or ``refused`` (the
    wait would be too long: the transport raises :class:`~graphlink.errors.RateLimitExceeded`).
    """

    admitted: bool
    wait: float = 0.0
    permit: object = None
    refused: bool = False

    @classmethod
    def admit(cls, permit: object = None) -> Decision:
        """Let the request go now."""
        return cls(True, 0.0, permit)

    @classmethod
    def later(cls, wait: float) -> Decision:
        """Ask again after ``wait`` seconds; nothing was taken."""
        return cls(False, wait)

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
    store does no I/O may simply call the sync ones).
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
        """Async :meth:`try_acquire`."""
        ...

    async def arelease(self, permit: object, now: float) -> None:
        """Async :meth:`release`."""
        ...

    async def acooldown(self, key: str, until: float, now: float | None = None) -> None:
        """Async :meth:`cooldown`."""
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
