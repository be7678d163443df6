"""Retry policy: which failures are retried, how long to wait, when to stop.

[`RetryPolicy`][graphlink.retry.RetryPolicy] holds the rules; graphlink's transport applies
them to every call (the decisions are pure code, the sleeping is the transport's).
"""

from __future__ import annotations

from typing import Any

import attrs

from graphlink.errors import ValidationError

__all__ = ["RetryPolicy"]


def _non_negative(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValidationError(f"{attribute.name} must be a number >= 0, not {value!r}")


def _optional_non_negative(obj: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value is not None:
        _non_negative(obj, attribute, value)


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How graphlink retries a call.

    * 429 is retried for every method (Graph did not process it), waiting as
      ``Retry-After`` says (seconds, fractional seconds or an HTTP date), or backing off.
      So is a 503 that carries ``Retry-After`` (Graph's throttling answer); a bare 503 is
      retried only for idempotent requests.
    * A connection failure before the request was sent is retried for every method.
    * 500, 502, 504 and read timeouts are retried only for idempotent requests (GET, PUT,
      DELETE, and POSTs the operation marks idempotent, such as event creates with their
      ``transactionId``). A non-idempotent call that fails this way raises an error with
      ``maybe_processed`` set, whose message says Graph may have acted (a mail may have
      been sent): graphlink never repeats it blindly.
    * A 401 refreshes the token once and retries once. Nothing else is retried: not a
      2xx answer larger than the client's ``max_response_bytes`` (asking again would
      bring the same answer), nor an attempt the ``deadline`` cut.
    * A ``Retry-After`` above ``max_retry_after`` raises
      [`RateLimitError`][graphlink.errors.RateLimitError] at once instead of sleeping
      (its message says so).

    Attributes:
        max_retries: Retries after the first attempt (the 401 refresh is not counted).
        max_retry_after: The longest ``Retry-After`` graphlink will sleep, in seconds.
        backoff_base: The first backoff, doubled on each retry.
        backoff_max: The longest backoff.
        deadline: Seconds for the whole call: the rate limiter's wait, the token, every
            attempt with its answer's body, and the waits between. No retry or attempt
            starts past it, each HTTP timeout is shortened to the time left, and an attempt
            it cuts raises [`TimeoutError`][graphlink.errors.TimeoutError] (with
            ``maybe_processed`` for a write that was sent). The async client cuts the
            attempt when the deadline passes; the blocking one cannot interrupt a read, so
            it stops reading an answer still coming after the deadline at most one read
            timeout late (a server trickling its headers faster than the read timeout can
            hold it longer).
        jitter: Randomise backoffs (by up to half) so that clients spread out.
    """

    max_retries: int = attrs.field(default=3, validator=_non_negative)
    max_retry_after: float = attrs.field(default=120.0, validator=_non_negative)
    backoff_base: float = attrs.field(default=0.5, validator=_non_negative)
    backoff_max: float = attrs.field(default=30.0, validator=_non_negative)
    deadline: float | None = attrs.field(default=None, validator=_optional_non_negative)
    jitter: bool = True

    def backoff(self, retry_number: int, rand: float) -> float:
        """The wait before retry ``retry_number`` (1-based) when Graph gave no Retry-After."""
        delay = min(self.backoff_max, self.backoff_base * 2.0 ** (retry_number - 1))
        if self.jitter:
            delay *= 0.5 + rand / 2
        return delay
