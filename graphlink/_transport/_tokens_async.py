"""The token cache: one fetch at a time, refreshed ahead of expiry.

This is the async source (``_tokens_sync.py`` is generated from it: edit here, then
regenerate).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from graphlink._transport._io_async import Lock
from graphlink.auth import AccessToken, Credential, check_token

__all__ = ["AsyncTokenManager"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AsyncTokenManager:
    """Caches the token, refreshes it ahead of expiry, one refresh at a time."""

    def __init__(self, credential: Credential, *, now: Callable[[], datetime] = _utcnow) -> None:
        self.credential = credential
        self._token: AccessToken | None = None
        self._lock = Lock()
        self._now = now
        self.fetches = 0
        """How many tokens were fetched (tests and diagnostics)."""

    def _usable(self, token: AccessToken | None, refused: AccessToken | None) -> bool:
        return token is not None and token is not refused and token.fresh(self._now())

    async def token(self, *, refused: AccessToken | None = None) -> AccessToken:
        """A usable token; ``refused`` is one Graph rejected (replaced unless already done)."""
        current = self._token
        if current is not None and self._usable(current, refused):
            return current
        async with self._lock:
            current = self._token
            if current is not None and self._usable(current, refused):
                return current  # another caller refreshed while we waited
            # Any credential's token is checked, not only static ones: a bad one would fail
            # inside the HTTP layer, after the request counted as sent, quoted whole.
            fresh = await self.credential.afetch()
            self.fetches += 1
            check_token(fresh, "the credential")
            self._token = fresh
            return fresh
