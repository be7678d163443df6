"""Errors raised by :mod:`graphlink.models` (all are :class:`graphlink.errors.ValidationError`)."""

from __future__ import annotations

from graphlink.errors import ValidationError

__all__ = ["ModelValidationError", "UnknownTimeZoneError"]


class ModelValidationError(ValidationError):
    """Graph JSON (or a model) could not be converted; ``errors`` says which field failed.

    Each entry of :attr:`errors` names the model and the field path, e.g.
    ``"Event.attendees[2].status.response: expected a string"``.
    """

    def __init__(self, model: str, errors: list[str]) -> None:
        #: The name of the model (class) being converted.
        self.model = model
        #: One message per failed field, each with its path.
        self.errors = errors
        super().__init__(f"cannot convert {model}: " + "; ".join(errors))


class UnknownTimeZoneError(ValidationError, LookupError):
    """A time zone name is neither a known Windows zone nor an IANA zone.

    Raised for ``tzone://Microsoft/Custom`` and any other unknown name, unless the caller
    asked for a fallback.
    """

    def __init__(self, name: object, hint: str = "") -> None:
        #: The name that could not be resolved.
        self.name = name
        message = f"unknown time zone {name!r}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)
