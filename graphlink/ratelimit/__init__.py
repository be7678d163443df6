"""Rate-limit policies: decide whether a request may go now, or how long it must wait.

A policy decides and never sleeps (the transport does); a store keeps its state, in this
process ([`MemoryStore`][graphlink.ratelimit.MemoryStore], the default) or in Redis
([`RedisStore`][graphlink.ratelimit.RedisStore]) to share one limit across processes and
machines.
"""

from typing import TYPE_CHECKING

from graphlink._lazy import lazy_names

if TYPE_CHECKING:
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

# Imported on first use (PEP 562): a client loads the policies it runs, not the Redis store
# (nor asyncio, which the Redis store and the async halves need).
_LAZY = {
    "AllOf": "._policies",
    "CooldownRule": "._rules",
    "Decision": "._base",
    "MaxInFlight": "._policies",
    "MemoryStore": "._store",
    "PerMailbox": "._policies",
    "Permit": "._rules",
    "Policy": "._policies",
    "RateLimitStoreError": "graphlink.errors",
    "RatePolicy": "._base",
    "RateRule": "._rules",
    "RedisStore": "._redis",
    "Rule": "._rules",
    "SlotRule": "._rules",
    "Store": "._store",
    "TokenBucket": "._policies",
    "Unlimited": "._base",
    "Wakeup": "._base",
    "default_policy": "._policies",
    # PlaceOSLimiter lives with the PlaceOS adapter (graphlink.placeos); the name stays here
    # for code written against the first releases (it is not in ``__all__``).
    "PlaceOSLimiter": "graphlink.placeos._limiter",
}

__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())

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
