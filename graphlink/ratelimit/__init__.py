"""Rate-limit policies: decide whether a request may go now, or how long it must wait.

A policy decides and never sleeps (the transport does); a store keeps its state, in this
process ([`MemoryStore`][graphlink.ratelimit.MemoryStore], the default) or in Redis
([`RedisStore`][graphlink.ratelimit.RedisStore]) to share one limit across processes and
machines.
"""

from graphlink.errors import RateLimitStoreError
from graphlink.ratelimit._base import Decision, RatePolicy, Unlimited, Wakeup
from graphlink.ratelimit._policies import (
    AllOf,
    MaxInFlight,
    PerMailbox,
    Policy,
    TokenBucket,
    default_policy,
)
from graphlink.ratelimit._redis import RedisStore
from graphlink.ratelimit._rules import CooldownRule, Permit, RateRule, Rule, SlotRule
from graphlink.ratelimit._store import MemoryStore, Store

__all__ = [
    "AllOf",
    "CooldownRule",
    "Decision",
    "MaxInFlight",
    "MemoryStore",
    "PerMailbox",
    "Permit",
    "Policy",
    "RateLimitStoreError",
    "RatePolicy",
    "RateRule",
    "RedisStore",
    "Rule",
    "SlotRule",
    "Store",
    "TokenBucket",
    "Unlimited",
    "Wakeup",
    "default_policy",
]


def __getattr__(name: str) -> object:
    # PlaceOSLimiter lives with the PlaceOS adapter (graphlink.placeos); the name stays here
    # for code written against the first releases, loaded only when asked for.
    if name == "PlaceOSLimiter":
        from graphlink.placeos._limiter import PlaceOSLimiter

        return PlaceOSLimiter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
