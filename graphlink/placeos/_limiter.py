"""The PlaceOS driver's rate limiter, as a graphlink policy."""

from __future__ import annotations

from graphlink.ratelimit import Policy, RateRule, Rule, SlotRule, Store

__all__ = ["PlaceOSLimiter"]


def _num(value: float) -> str:
    return f"{value:g}"


class PlaceOSLimiter(Policy):
    """The PlaceOS driver's limiter, exactly: one bucket and one semaphore for all requests.

    ``rate_limit`` requests per second with a burst of ``burst`` (the driver's ~10), at most
    ``max_in_flight`` requests in flight, and an immediate refusal
    ([`RateLimitExceeded`][graphlink.errors.RateLimitExceeded]) when the estimated wait, the callers
    already queued included, would pass ``max_wait`` seconds (the driver's 90 s rule).
    """

    def __init__(
        self,
        rate_limit: float = 5,
        *,
        burst: float = 10,
        max_in_flight: int = 10,
        max_wait: float = 90.0,
        lease: float = 15.0,
        store: Store | None = None,
        name: str | None = None,
    ) -> None:
        if rate_limit <= 0 or burst < 1 or max_in_flight < 1:
            raise ValueError("PlaceOSLimiter needs rate_limit > 0, burst >= 1, max_in_flight >= 1")
        self.rate_limit, self.burst = rate_limit, burst
        self.max_in_flight, self.max_wait, self.lease = max_in_flight, max_wait, lease
        default = f"placeos:{_num(rate_limit)}:{_num(burst)}:{max_in_flight}"
        super().__init__(store, name or default)

    def rules(self, key: str, cost: float) -> list[Rule]:
        """The driver's bucket (with its 90 s rule) and its 10-slot semaphore."""
        return [
            RateRule(f"{self.name}:*:rate", 1.0 / self.rate_limit, self.burst, cost, self.max_wait),
            SlotRule(f"{self.name}:*:run", self.max_in_flight, lease=self.lease),
        ]

    def __repr__(self) -> str:
        return f"PlaceOSLimiter(rate_limit={self.rate_limit!r}, store={self.store!r})"
