"""Keeping secrets out of what errors carry (pure)."""

from __future__ import annotations

import httpx

__all__ = ["detached"]


def detached(exc: httpx.HTTPError) -> Exception:
    """The same kind of httpx error without its request.

    httpx errors keep the request they failed on, whose headers hold the bearer token (and,
    at the token endpoint, whose body holds the client secret). graphlink chains its own
    errors to this copy, so the cause's type and text stay and the secrets do not.
    """
    try:
        return type(exc)(str(exc))
    except TypeError:  # an error type with another signature: keep only the text
        return httpx.TransportError(str(exc))
