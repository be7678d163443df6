"""Rate-limit policies: decide whether a request may go now, or how long it must wait."""

from graphlink.ratelimit._base import Decision, RatePolicy, Unlimited

__all__ = ["Decision", "RatePolicy", "Unlimited"]
