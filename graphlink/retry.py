"""Retry policy: which failures are retried, how long to wait, when to stop.

Every decision here is pure: the transport passes the outcome of an attempt, the clock and
a random number in, and gets a :class:`RetryDecision` back. Sleeping is the transport's job.
"""

from __future__ import annotations

import email.utils
import enum
import math
from datetime import UTC, datetime
from typing import Any

import attrs

from graphlink.errors import ValidationError

__all__ = ["Outcome", "OutcomeKind", "RetryDecision", "RetryPolicy", "parse_retry_after"]

#: Statuses Graph did not process: safe to retry for every method.
_UNPROCESSED = frozenset({429, 503})
#: Statuses that may have been processed: retried only for idempotent requests.
_MAYBE_PROCESSED = frozenset({500, 502, 504})


class OutcomeKind(enum.Enum):
    """What happened on one attempt."""

    RESPONSE = "response"  #: Graph answered with ``status``.
    NOT_SENT = "not_sent"  #: The connection failed before the request went out.
    MAYBE_SENT = "maybe_sent"  #: A read timeout or broken connection after sending.


@attrs.frozen
class Outcome:
    """The classified result of one attempt."""

    kind: OutcomeKind
    status: int = 0
    retry_after: float | None = None

    @classmethod
    def response(cls, status: int, retry_after: float | None = None) -> Outcome:
        """Graph answered."""
        return cls(OutcomeKind.RESPONSE, status, retry_after)


@attrs.frozen
class RetryDecision:
    """Retry after ``delay`` seconds, or stop (``retry`` false).

    ``refresh_token`` asks the transport to fetch a new token before retrying;
    ``too_long`` means Graph asked for a wait above ``max_retry_after``.
    """

    retry: bool
    delay: float = 0.0
    refresh_token: bool = False
    too_long: bool = False


_STOP = RetryDecision(False)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: seconds (``2.128`` too) or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


def _non_negative(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValidationError(f"{attribute.name} must be a number >= 0, not {value!r}")


def _optional_non_negative(obj: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value is not None:
        _non_negative(obj, attribute, value)


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How graphlink retries a call.

    * 429 and 503 are retried for every method (Graph did not process them), waiting as
      ``Retry-After`` says (seconds, fractional seconds or an HTTP date), or backing off.
    * A connection failure before the request was sent is retried for every method.
    * 500, 502, 504 and read timeouts are retried only for idempotent requests (GET, PUT,
      DELETE, and POSTs the operation marks idempotent).
    * A 401 refreshes the token once and retries once. Nothing else is retried.
    * A ``Retry-After`` above ``max_retry_after`` raises
      :class:`~graphlink.errors.RateLimitError` at once instead of sleeping.

    Attributes:
        max_retries: Retries after the first attempt (the 401 refresh is not counted).
        max_retry_after: The longest ``Retry-After`` graphlink will sleep, in seconds.
        backoff_base: The first backoff, doubled on each retry.
        backoff_max: The longest backoff.
        deadline: Seconds for the whole call, waits included; no retry starts past it.
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

    def decide(
        self,
        outcome: Outcome,
        *,
        idempotent: bool,
        retries_done: int,
        token_refreshed: bool,
        can_refresh: bool,
        elapsed: float,
        rand: float,
    ) -> RetryDecision:
        """Decide what to do after a failed attempt.

        Args:
            outcome: What the attempt produced.
            idempotent: Whether the request may safely run twice.
            retries_done: Retries already made (the 401 refresh not counted).
            token_refreshed: Whether the one 401 refresh was already used.
            can_refresh: Whether the credential can produce a new token.
            elapsed: Seconds since the call started.
            rand: A number in [0, 1) for jitter.
        """
        if outcome.kind is OutcomeKind.RESPONSE and outcome.status == 401:
            if can_refresh and not token_refreshed:
                return RetryDecision(True, 0.0, refresh_token=True)
            return _STOP
        if not self._retryable(outcome, idempotent):
            return _STOP
        if outcome.retry_after is not None and outcome.retry_after > self.max_retry_after:
            return RetryDecision(False, outcome.retry_after, too_long=True)
        if retries_done >= self.max_retries:
            return _STOP
        if outcome.retry_after is not None:
            delay = outcome.retry_after
        else:
            delay = self.backoff(retries_done + 1, rand)
        if self.deadline is not None and elapsed + delay > self.deadline:
            return _STOP
        return RetryDecision(True, delay)

    @staticmethod
    def _retryable(outcome: Outcome, idempotent: bool) -> bool:
        if outcome.kind is OutcomeKind.NOT_SENT:
            return True
        if outcome.kind is OutcomeKind.MAYBE_SENT:
            return idempotent
        if outcome.status in _UNPROCESSED:
            return True
        return outcome.status in _MAYBE_PROCESSED and idempotent
