"""Errors raised by :mod:`graphlink.models` (defined with the others in :mod:`graphlink.errors`)."""

from graphlink.errors import ModelValidationError, UnknownTimeZoneError

__all__ = ["ModelValidationError", "UnknownTimeZoneError"]
