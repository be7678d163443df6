"""The exception hierarchy of graphlink.

Every error graphlink raises derives from [`GraphError`][graphlink.errors.GraphError].
Errors Graph itself answered are [`GraphAPIError`][graphlink.errors.GraphAPIError]
subclasses chosen by HTTP status; network failures are
[`TransportError`][graphlink.errors.TransportError] (never a raw httpx exception); bad input
is a [`ValidationError`][graphlink.errors.ValidationError], raised before any request is
sent.
"""

from __future__ import annotations

import builtins
from typing import Any

__all__ = [
    "AuthError",
    "AuthenticationError",
    "BadRequestError",
    "BatchError",
    "ConflictError",
    "DeltaResyncRequired",
    "GraphAPIError",
    "GraphError",
    "InvalidResponseError",
    "ModelValidationError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimitExceeded",
    "RateLimitStoreError",
    "ServerError",
    "TemplateNotFound",
    "TimeoutError",
    "TransportError",
    "UnknownTimeZoneError",
    "UnsafeLinkError",
    "ValidationError",
]


class GraphError(Exception):
    """Root of every error graphlink raises."""

    attempts: int = 0
    """How many HTTP attempts were made before this error was raised (0 when none was)."""
    maybe_processed: bool = False
    """True when the call may have taken effect at Graph although it failed: an attempt was
    sent and no clear answer came back (a timeout, a 5xx). Check before repeating the call:
    a mail may have been sent, an event booked (the message says what may have happened)."""


class ValidationError(GraphError, ValueError):
    """Input graphlink refuses before sending anything (bad id, CR/LF in a header, ...)."""


class ModelValidationError(ValidationError):
    """Graph JSON (or a model) could not be converted; ``errors`` says which field failed.

    Each entry of ``errors`` names the model and the field path, e.g.
    ``"Event.attendees[2].status.response: expected a string"``.
    """

    def __init__(self, model: str, errors: list[str]) -> None:
        self.model = model
        """The name of the model (class) being converted."""
        self.errors = errors
        """One message per failed field, each with its path."""
        super().__init__(f"cannot convert {model}: " + "; ".join(errors))


class UnknownTimeZoneError(ValidationError, LookupError):
    """A time zone name is neither a known Windows zone nor an IANA zone.

    Raised for ``tzone://Microsoft/Custom`` and any other unknown name, unless the caller
    asked for a fallback.
    """

    def __init__(self, name: object, hint: str = "") -> None:
        self.name = name
        """The name that could not be resolved."""
        message = f"unknown time zone {name!r}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class AuthError(GraphError):
    """Acquiring an access token failed (wrong secret, unknown tenant, token endpoint down)."""


class TransportError(GraphError):
    """The request could not be completed at the network level."""


class InvalidResponseError(TransportError):
    """Graph's answer could not be read: a body that is not JSON, or not the expected shape."""


class TimeoutError(TransportError, builtins.TimeoutError):  # noqa: A001 - the contract's name
    """The request timed out (connect, read, write or pool)."""


class UnsafeLinkError(GraphError):
    """Graph returned a paging link to another host; graphlink refuses to send the token there."""


class RateLimitExceeded(GraphError):
    """The local rate limiter refused to queue this call (its wait would be too long)."""

    def __init__(self, message: str, *, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait
        """The wait, in seconds, the limiter estimated for this call; ``None`` when it has
        no estimate (waiting for a concurrency slot, whose end is unknown)."""


class RateLimitStoreError(GraphError):
    """The rate-limit store (Redis) failed or is unreachable, and the store fails closed.

    Build the store with ``fail_open=True`` to send requests unlimited instead.
    """


class TemplateNotFound(GraphError, KeyError):
    """An email template ``(event, who)`` is not configured."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "template not found"


class BatchError(GraphError):
    """A ``$batch`` request as a whole failed, or a batch was used wrongly."""


class GraphAPIError(GraphError):
    """Graph answered with an error status.

    Attributes mirror Graph's error body ``{"error": {"code", "message", "innerError":
    {"request-id", "client-request-id", "date"}}}``.

    Attributes:
        status_code: The HTTP status.
        code: Graph's error code (``"ErrorItemNotFound"``; empty when Graph sent none).
        message: Graph's error message, as sent.
        request_id: Graph's ``request-id``: quote it to Microsoft support.
        client_request_id: The ``client-request-id`` graphlink sent (one per call).
        retry_after: Seconds Graph asked to wait (``Retry-After``), if it said.
        body: The error body: parsed JSON, or the text when it was not JSON.
        attempts: How many HTTP attempts the call made.
        detail: What graphlink adds to Graph's message (e.g. why it did not retry).
    """

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        *,
        request_id: str | None = None,
        client_request_id: str | None = None,
        retry_after: float | None = None,
        body: Any = None,
        attempts: int = 1,
        detail: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.message = message
        self.request_id = request_id
        self.client_request_id = client_request_id
        self.retry_after = retry_after
        self.body = body
        self.attempts = attempts
        self.detail = detail
        super().__init__(status_code, code, message)

    def __str__(self) -> str:
        text = f"{self.status_code} {self.code or 'error'}: {self.message}"
        if self.detail:
            text += f" ({self.detail})"
        if self.request_id:
            text += f" (request-id {self.request_id})"
        if self.attempts > 1:
            text += f" after {self.attempts} attempts"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, code={self.code!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )


class BadRequestError(GraphAPIError):
    """400: Graph refused the request as malformed."""


class AuthenticationError(GraphAPIError):
    """401: the access token was missing, expired or invalid (after one refresh)."""


class PermissionDeniedError(GraphAPIError):
    """403: the app lacks the permission (or an access policy blocks the mailbox)."""


class NotFoundError(GraphAPIError):
    """404: the user, group, calendar or event does not exist."""


class ConflictError(GraphAPIError):
    """409: the change conflicts with the resource's state."""


class DeltaResyncRequired(GraphAPIError):
    """410 (or ``syncStateNotFound``/``resyncRequired``): the delta link expired.

    Start a full resync by calling the delta method again without a link.
    """


class RateLimitError(GraphAPIError):
    """429: Graph throttled the call and graphlink stopped retrying.

    ``retry_after`` says how long Graph asked to wait, in seconds. Also raised for a 503
    whose ``Retry-After`` exceeds [`RetryPolicy.max_retry_after`][graphlink.retry.RetryPolicy]:
    then ``detail`` says graphlink chose not to wait that long.
    """


class ServerError(GraphAPIError):
    """5xx: Graph failed (after the retries the policy allows)."""


_BY_STATUS: dict[int, type[GraphAPIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    410: DeltaResyncRequired,
    429: RateLimitError,
}


def error_for_status(status_code: int, code: str = "") -> type[GraphAPIError]:
    """The [`GraphAPIError`][graphlink.errors.GraphAPIError] subclass for a status and code.

    Graph's ``syncStateNotFound``/``resyncRequired`` codes mean an expired delta link
    whatever the status.
    """
    if code in ("syncStateNotFound", "resyncRequired"):
        return DeltaResyncRequired
    if status_code in _BY_STATUS:
        return _BY_STATUS[status_code]
    if status_code >= 500:
        return ServerError
    return GraphAPIError
