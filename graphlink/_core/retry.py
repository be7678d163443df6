"""Retry decisions (pure): what an attempt's outcome calls for, and how long to wait.

The transport classifies each failed attempt into an ``Outcome``
(``graphlink._core.attempt``), asks ``decide`` and sleeps as the ``RetryDecision`` says.
The rules themselves are documented on [`RetryPolicy`][graphlink.retry.RetryPolicy].
"""

from __future__ import annotations

import email.utils
import enum
import math
from datetime import UTC, datetime

import attrs

from graphlink.errors import GraphAPIError, RateLimitError
from graphlink.retry import RetryPolicy

__all__ = [
    "Outcome",
    "OutcomeKind",
    "RetryDecision",
    "cooldown",
    "decide",
    "maybe_processed",
    "parse_retry_after",
    "too_long",
]

# Statuses Graph did not process: safe to retry for every method.
_UNPROCESSED = frozenset({429, 503})
# Statuses that may have been processed: retried only for idempotent requests.
_MAYBE_PROCESSED = frozenset({500, 502, 504})


class OutcomeKind(enum.Enum):
    """What happened on one attempt."""

    RESPONSE = "response"
    """Graph answered with ``status``."""
    NOT_SENT = "not_sent"
    """The connection failed before the request went out."""
    MAYBE_SENT = "maybe_sent"
    """A read timeout or broken connection after sending."""
    UNREAD = "unread"
    """Graph answered 2xx, but the answer was not read (larger than the client accepts):
    the request was processed, and asking again would bring the same answer."""


@attrs.frozen
class Outcome:
    """The classified result of one failed attempt."""

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


def decide(
    policy: RetryPolicy,
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
        policy: The rules.
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
    if not _retryable(outcome, idempotent) or not _transient(outcome):
        return _STOP
    if outcome.retry_after is not None and outcome.retry_after > policy.max_retry_after:
        return RetryDecision(False, outcome.retry_after, too_long=True)
    if retries_done >= policy.max_retries:
        return _STOP
    if outcome.retry_after is not None:
        delay = outcome.retry_after
    else:
        delay = policy.backoff(retries_done + 1, rand)
    if policy.deadline is not None and elapsed + delay > policy.deadline:
        return _STOP
    return RetryDecision(True, delay)


def _retryable(outcome: Outcome, idempotent: bool) -> bool:
    return idempotent or not maybe_processed(outcome)


def maybe_processed(outcome: Outcome) -> bool:
    """Whether Graph may have acted on a failed attempt (so repeating it may act twice).

    Not for a connection that failed before sending, a 429, or a 503 with
    ``Retry-After`` (Graph's throttling answers); yes for 500, 502, 504, a bare 503 (a
    gateway's, perhaps after Graph acted), a timeout or broken connection after sending,
    and a 2xx answer too large to read. Other statuses are Graph's final word on a request
    it refused.
    """
    if outcome.kind is OutcomeKind.NOT_SENT:
        return False
    if outcome.kind is not OutcomeKind.RESPONSE:  # sent, and its answer lost or unread
        return True
    if outcome.status == 429 or (outcome.status == 503 and outcome.retry_after is not None):
        return False
    return outcome.status in _MAYBE_PROCESSED or outcome.status == 503


def _transient(outcome: Outcome) -> bool:
    """Whether another attempt could succeed: not a 400, 403, 404, ... from Graph, nor an
    answer too large to read."""
    if outcome.kind is OutcomeKind.RESPONSE:
        return outcome.status in _UNPROCESSED | _MAYBE_PROCESSED
    return outcome.kind is not OutcomeKind.UNREAD


def cooldown(policy: RetryPolicy, outcome: Outcome) -> float | None:
    """Seconds every caller of the request's rate-limit key should hold off, or None.

    Only a throttling ``Retry-After`` graphlink honours: a longer one is refused with
    [`RateLimitError`][graphlink.errors.RateLimitError] and must not stall other calls.
    """
    if (
        outcome.status in _UNPROCESSED
        and outcome.retry_after is not None
        and outcome.retry_after <= policy.max_retry_after
    ):
        return outcome.retry_after
    return None


def _seconds(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def too_long(error: GraphAPIError, max_retry_after: float) -> RateLimitError:
    """The error for a ``Retry-After`` above ``max_retry_after``: why graphlink did not wait."""
    wait = error.retry_after if error.retry_after is not None else math.inf
    return RateLimitError(
        error.status_code,
        error.code,
        error.message,
        request_id=error.request_id,
        client_request_id=error.client_request_id,
        retry_after=error.retry_after,
        body=error.body,
        attempts=error.attempts,
        detail=(
            f"Graph asked to retry after {_seconds(wait)} s; graphlink did not wait because "
            f"that exceeds RetryPolicy.max_retry_after = {_seconds(max_retry_after)} s"
        ),
    )
