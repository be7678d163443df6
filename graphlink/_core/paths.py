"""Path-segment encoding, OData literals and header checks (pure, no I/O)."""

from __future__ import annotations

import re
from urllib.parse import quote

from graphlink.errors import ValidationError

__all__ = ["check_header", "check_text", "has_breaks", "odata_string", "path", "segment"]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def has_breaks(value: str) -> bool:
    """Whether ``value`` holds CR, LF or NUL (which would end a header line or a request)."""
    # Three ``in`` tests: the check runs for every id, parameter and header of every call.
    return "\r" in value or "\n" in value or "\x00" in value


def check_text(value: str, what: str) -> None:
    """Refuse text with CR, LF or NUL (ids, query values, URLs)."""
    if has_breaks(value):
        raise ValidationError(f"{what} must not contain CR, LF or NUL characters")


def segment(value: str) -> str:
    """Percent-encode one path segment built from user input.

    Ids contain ``/``, ``+`` and ``=``; every reserved character is encoded so that the
    value stays one literal segment (``../me`` never climbs to ``/me``).
    """
    if not isinstance(value, str):
        raise ValidationError(f"a path segment must be a string, not {type(value).__name__}")
    if not value:
        raise ValidationError("an id or address must not be empty")
    check_text(value, "an id or address")
    encoded = quote(value, safe="")
    if encoded in (".", ".."):
        # Dot segments would be normalised away by URL handling; encode them.
        encoded = encoded.replace(".", "%2E")
    return encoded


def path(*parts: str, raw: str = "") -> str:
    """Join literal parts and encoded values into a path.

    Literal parts are given as they are (``"users"``, ``"calendar/events"``); values that
    come from callers must be wrapped with [`segment`][graphlink.segment] first. This
    helper only joins.
    """
    joined = "/".join(p.strip("/") for p in parts if p)
    return "/" + joined + raw


def odata_string(value: str) -> str:
    """An OData string literal: quoted, with ``'`` doubled (``O'Brien`` -> ``'O''Brien'``)."""
    if not isinstance(value, str):
        raise ValidationError(f"an OData string must be a string, not {type(value).__name__}")
    check_text(value, "an OData string")
    return "'" + value.replace("'", "''") + "'"


def check_header(name: str, value: str) -> None:
    """Refuse header names that are not RFC 7230 tokens and values that are not ASCII text.

    CR/LF/NUL could split a request; anything else would fail inside the HTTP layer after
    the request was counted as (maybe) sent.
    """
    check_text(value, f"the value of header {name!r}")
    if not _TOKEN.fullmatch(name):
        raise ValidationError(f"not a valid header name: {name!r}")
    if not value.isascii() or not value.isprintable():
        raise ValidationError(f"the value of header {name!r} must be printable ASCII")
