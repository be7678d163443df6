"""What a policy asks of a store: rules, checked and taken atomically, and permits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from graphlink.ratelimit._store import Store

__all__ = [
    "LEASE",
    "CooldownRule",
    "Permit",
    "RateRule",
    "Rule",
    "SlotRule",
    "join_permits",
    "merge_rules",
    "split_permit",
]


LEASE = 15.0
"""Seconds a shared store keeps a slot whose holder stopped renewing it (the default)."""


@attrs.frozen
class CooldownRule:
    """Wait while Graph's Retry-After for ``key`` (a transport key) is running."""

    key: str


@attrs.frozen
class RateRule:
    """A GCRA token bucket stored under ``key``: one token every ``interval`` seconds.

    ``cost`` tokens are taken; ``max_wait`` (seconds, or ``None``) refuses a request whose
    estimated wait, queue included, is longer.
    """

    key: str
    interval: float
    burst: float
    cost: float = 1.0
    max_wait: float | None = None


@attrs.frozen
class SlotRule:
    """At most ``limit`` permits hold a slot of ``key`` at once (a semaphore).

    ``lease`` bounds how long a slot outlives a process that died holding it, or whose
    release Redis lost (shared stores only: they renew it while the request runs);
    ``poll`` and ``max_poll`` shape the wait for a slot, whose end is unknown.
    """

    key: str
    limit: int
    count: int = 1
    lease: float = LEASE
    poll: float = 0.005
    max_poll: float = 0.05


Rule = CooldownRule | RateRule | SlotRule
"""One rule of a [`Policy`][graphlink.ratelimit.Policy]: a cooldown, a rate or a slot limit."""


def merge_rules(rules: Iterable[Rule]) -> tuple[Rule, ...]:
    """Fold rules on the same key into one (costs and slot counts add up), keeping order."""
    out: dict[tuple[type, str], Rule] = {}
    for rule in rules:
        ident = (type(rule), rule.key)
        seen = out.get(ident)
        if seen is None:
            out[ident] = rule
        elif isinstance(seen, RateRule) and isinstance(rule, RateRule):
            out[ident] = attrs.evolve(seen, cost=seen.cost + rule.cost)
        elif isinstance(seen, SlotRule) and isinstance(rule, SlotRule):
            out[ident] = attrs.evolve(seen, count=seen.count + rule.count)
    return tuple(out.values())


@attrs.define(eq=False)
class Permit:
    """What one store handed out for an admitted request: given back by ``release``."""

    store: Store
    token: str
    slots: Sequence[tuple[str, int]]
    """``(slot key, count)`` held until release."""
    rates: Sequence[tuple[str, float]]
    """``(rate key, seconds)`` to give back if the acquisition is rolled back."""
    released: bool = False


def split_permit(permit: object) -> tuple[Permit, ...]:
    """The store permits inside a policy's permit: one, a tuple of them, or none."""
    if isinstance(permit, Permit):
        return (permit,)
    if isinstance(permit, tuple):
        return tuple(part for part in permit if isinstance(part, Permit))
    return ()


def join_permits(parts: Sequence[Permit]) -> object:
    """A policy's permit for what its stores granted: the one permit, else a tuple."""
    return parts[0] if len(parts) == 1 else tuple(parts)
