"""What one HTTP attempt means for its call (pure: it reads, it never sends).

The transport sends; ``judge`` reads what came back (a response, or the detached httpx
error that replaced it) into a ``Success`` or a ``Failure``: the retry outcome, the error
to raise if no retry follows, and what the attempt says about the connection. The
transport applies that; nothing here changes state.
"""

from __future__ import annotations

from typing import Any

import attrs
import httpx

from graphlink import errors
from graphlink._core.request import READ_METHODS, RequestSpec
from graphlink._core.responses import api_error, decode_json
from graphlink._core.retry import (
    Outcome,
    OutcomeKind,
    RetryDecision,
    maybe_processed,
    parse_retry_after,
    too_long,
)
from graphlink.errors import GraphAPIError, GraphError, InvalidResponseError, TransportError
from graphlink.retry import RetryPolicy

__all__ = ["DeadlinePassed", "Failure", "Success", "TooLarge", "give_up", "judge"]


class DeadlinePassed(Exception):
    """The call's deadline ended an attempt (the transport's cut, not an httpx timeout).

    ``sent`` says whether the request may have gone out: false when the deadline passed
    before it was sent.
    """

    def __init__(self, deadline: float | None, *, sent: bool) -> None:
        when = "before Graph's answer was read" if sent else "before it was sent"
        of = "" if deadline is None else f" of {deadline:g} s"
        super().__init__(f"the call's deadline{of} passed {when}")
        self.sent = sent


class TooLarge(Exception):
    """A 2xx answer's body passed ``max_response_bytes`` and was not read."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"Graph's answer is larger than max_response_bytes = {limit} bytes (counted "
            "decompressed), so it was not read"
        )


@attrs.frozen
class Success:
    """Graph answered 2xx with a readable body (``None`` when empty)."""

    body: Any


@attrs.frozen
class Failure:
    """An attempt that did not succeed.

    Attributes:
        outcome: What happened, for the retry decision.
        error: The error that ends the call if it is not retried.
        cause: What ``error`` is raised from: a detached httpx error, or the JSON error of
            an unreadable body; None for an error status.
        connected: The transport's new ``connected`` value; None leaves it as it is.
    """

    outcome: Outcome
    error: GraphError
    cause: Exception | None = None
    connected: bool | None = None


def judge(
    spec: RequestSpec,
    answer: httpx.Response | Exception,
    attempts: int,
    content: bytes | None = None,
) -> Success | Failure:
    """Read attempt number ``attempts``: its response, or the error that replaced it.

    ``content`` is the body as the transport streamed it (None: ``answer.content``). The
    error is a detached httpx error, or ``DeadlinePassed`` / ``TooLarge`` from the transport.
    """
    if isinstance(answer, Exception):
        return _failed(spec, answer, attempts)
    response = answer
    status = response.status_code
    if content is None:
        content = response.content
    if 200 <= status < 300:
        try:
            return Success(decode_json(content))
        except ValueError as exc:
            # Graph answered, so the connection is fine: `connected` stays as it is.
            unreadable = _not_json()
            unreadable.attempts = attempts
            return Failure(Outcome(OutcomeKind.MAYBE_SENT), unreadable, exc)
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    return Failure(
        Outcome.response(status, retry_after),
        api_error(status, response.headers, content, retry_after=retry_after, attempts=attempts),
        connected=False if status == 401 else None,
    )


def _not_json() -> InvalidResponseError:
    return InvalidResponseError("Graph answered with a body that is not valid JSON")


def _failed(spec: RequestSpec, cause: Exception, attempts: int) -> Failure:
    """An error instead of an answer: the request was not sent, or may have been."""
    what = f"{spec.method} {spec.url.split('?')[0]}"
    error: GraphError
    if isinstance(cause, DeadlinePassed | TooLarge):
        return _cut(what, cause, attempts)
    if isinstance(cause, httpx.TimeoutException):
        error = errors.TimeoutError(f"{what} timed out: {cause!r}")
        sent = not isinstance(cause, httpx.ConnectTimeout | httpx.PoolTimeout)
    elif isinstance(cause, httpx.ConnectError):
        error = TransportError(f"could not connect to Graph: {cause}")
        sent = False
    elif isinstance(cause, httpx.DecodingError):
        error = _not_json()
        sent = True
    else:
        error = TransportError(f"{what} failed: {cause!r}")
        sent = True
    error.attempts = attempts
    kind = OutcomeKind.MAYBE_SENT if sent else OutcomeKind.NOT_SENT
    return Failure(Outcome(kind), error, cause, connected=False)


def _cut(what: str, cause: DeadlinePassed | TooLarge, attempts: int) -> Failure:
    """An attempt the transport ended itself (a deadline, a body too large)."""
    if isinstance(cause, TooLarge):
        # Graph answered: `connected` stays as it is.
        unread = InvalidResponseError(f"{what}: {cause}")
        unread.attempts = attempts
        return Failure(Outcome(OutcomeKind.UNREAD), unread, cause)
    timeout = errors.TimeoutError(
        f"{what} {'timed out' if cause.sent else 'was not sent'}: {cause}"
    )
    timeout.attempts = attempts
    if cause.sent:  # as after an httpx read timeout, the connection is in doubt
        return Failure(Outcome(OutcomeKind.MAYBE_SENT), timeout, cause, connected=False)
    return Failure(Outcome(OutcomeKind.NOT_SENT), timeout, cause)


def give_up(
    spec: RequestSpec,
    failure: Failure,
    decision: RetryDecision,
    policy: RetryPolicy,
    *,
    acted_before: bool = False,
) -> GraphError:
    """The error that ends the call after ``decision`` said not to retry ``failure``.

    ``maybe_processed`` is set when this attempt, or an earlier one (``acted_before``), may
    have been processed: the call may have taken effect although it failed. A request that
    must not run twice, or that names its effect (``spec.effect``), says so in the message.
    """
    if decision.too_long and isinstance(failure.error, GraphAPIError):
        error: GraphError = too_long(failure.error, policy.max_retry_after)
    else:
        error = failure.error
    return mark_effect(spec, error, this_one=maybe_processed(failure.outcome), before=acted_before)


def mark_effect(
    spec: RequestSpec, error: GraphError, *, this_one: bool, before: bool = False
) -> GraphError:
    """Set ``error.maybe_processed`` for a call that ends with ``error``, and say so.

    ``this_one``: the last attempt may have been processed; ``before``: an earlier one may
    have been. A read changes nothing: only a write "may have taken effect". A request that
    must not run twice, or that names its effect (``spec.effect``), says so in the message.
    The one rule for single calls, ``$batch`` items and 2xx answers graphlink cannot read.
    """
    error.maybe_processed = spec.method not in READ_METHODS and (this_one or before)
    if error.maybe_processed and (spec.effect or not spec.idempotent):
        effect = spec.effect or "Graph may have processed the request"
        _add_detail(error, f"not retried: {effect}" if this_one else effect)
    return error


def _add_detail(error: GraphError, text: str) -> None:
    """Append graphlink's own words to an error's message."""
    if isinstance(error, GraphAPIError):
        error.detail = f"{error.detail}; {text}" if error.detail else text
    else:
        error.args = (f"{error.args[0]} ({text})" if error.args else text, *error.args[1:])
