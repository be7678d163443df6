"""Email addresses from callers: checked for syntax (no DNS), display names kept (pure).

email-validator does the parsing, ``"Name <addr>"`` forms included; graphlink adds only
the shapes it accepts (a string, or a ``(name, address)`` pair) and its error type.
"""

from __future__ import annotations

import re

from graphlink._core.paths import has_breaks
from graphlink.errors import ValidationError

__all__ = ["check_address", "recipient"]

# "Name <addr>": everything before the last "<" is the name (any script, quoted or not).
_NAME_ADDR = re.compile(r"^(?P<name>.*)<(?P<addr>[^<>]*)>\s*$", re.S)


def check_address(value: object, what: str) -> str:
    """A bare email address, syntax-checked; returned as given (surrounding space removed)."""
    name, address = recipient(value, what)
    if name:
        raise ValidationError(f"{what} must be a bare email address, not {value!r}")
    return address


def recipient(value: object, what: str) -> tuple[str | None, str]:
    """``(display name or None, address)`` from ``"addr"``, ``"Name <addr>"`` or a pair.

    The display name is anything before the last ``<`` (quotes around it removed), in any
    script: ``"José García <jose@contoso.com>"``. The address alone is checked by
    email-validator.

    Raises:
        ValidationError: not an address (the message names ``what`` and says why), or a
            display name with CR, LF or NUL (it would reach a mail header).
    """
    if isinstance(value, tuple) and len(value) == 2:
        name, text = value
        if name is not None and not isinstance(name, str):
            raise ValidationError(f"{what}: the display name must be a string, not {name!r}")
        if not isinstance(text, str):
            raise ValidationError(f"{what}: the address must be a string, not {text!r}")
    elif isinstance(value, str):
        name, text = _split(value)
        _refuse_breaks(name or "", f"{what}: the display name", value)
        _refuse_breaks(value, what, value)  # also where splitting trimmed them away
    else:
        raise ValidationError(
            f"{what} must be an address, 'Name <address>' or a (name, address) pair, not {value!r}"
        )
    _refuse_breaks(name or "", f"{what}: the display name", value)
    _refuse_breaks(text, what, value)
    if name is not None:
        name = name.strip() or None
    return name, _check(text.strip(), what)


def _refuse_breaks(text: str, what: str, value: object) -> None:
    if has_breaks(text):
        raise ValidationError(f"{what} must not contain CR, LF or NUL: {value!r}")


def _split(text: str) -> tuple[str | None, str]:
    """``"Name <addr>"`` into its name and address; a bare address has no name."""
    match = _NAME_ADDR.match(text)
    if match is None:
        return None, text
    name = match["name"].strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1].replace('\\"', '"')
    return name, match["addr"]


def _check(text: str, what: str) -> str:
    # Imported on first use: email-validator costs ~20 ms at import.
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(
            text,
            check_deliverability=False,  # syntax only: no DNS from a library call
            globally_deliverable=False,  # tenants use internal domains too
            test_environment=True,
        )
    except EmailNotValidError as exc:
        raise ValidationError(f"{what} is not an email address ({text!r}): {exc}") from None
    # The address as the caller wrote it, not email-validator's normalised form (which
    # changes the domain's case): graphlink sends what it was given.
    return str(result.original)
