"""The token cache: one fetch at a time, shared, refreshed ahead of expiry.

This is the async source; ``_tokens_sync.py`` is generated from it (edit here, regenerate).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from graphlink._transport._io_async import SingleFlight
from graphlink.auth import AccessToken, Credential, check_token
from graphlink.errors import AuthError, GraphError
from graphlink.errors import TimeoutError as GraphTimeoutError

__all__ = ["AsyncTokenManager"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AsyncTokenManager:
    """Caches the token, refreshes it ahead of expiry, one fetch at a time.

    Callers that need a token while one is being fetched wait for that fetch and share its
    outcome, a token or a failure; each waits at most the time its call has left. The
    fetch goes on when they stop waiting, and its token is kept for the next callers.
    """

    def __init__(self, credential: Credential, *, now: Callable[[], datetime] = _utcnow) -> None:
        self.credential = credential
        self._token: AccessToken | None = None
        self._lifetime: timedelta | None = None  # the cached token's, when it was fetched
        self._flight: SingleFlight[AccessToken] = SingleFlight()
        self._now = now
        self.fetches = 0
        """How many token fetches were started (tests and diagnostics)."""

    def _usable(self, token: AccessToken | None, refused: AccessToken | None) -> bool:
        return (
            token is not None
            and token is not refused
            and token.fresh(self._now(), lifetime=self._lifetime)
        )

    async def token(
        self, *, refused: AccessToken | None = None, timeout: float | None = None
    ) -> AccessToken:
        """A usable token; ``refused`` is one Graph rejected (replaced unless already done).

        ``timeout`` bounds the wait for a fetch in seconds (the time left before the call's
        deadline; ``None``: no bound). Raises ``AuthError`` when the fetch fails, and
        graphlink's ``TimeoutError`` when the wait runs out, naming no token or secret.
        """
        current = self._token
        if current is not None and self._usable(current, refused):
            return current
        # A fetch in flight always brings a token newer than ``refused``: join it.
        try:
            return await self._flight.join(partial(self._fetch, current, refused), timeout)
        except AuthError as exc:
            # Each waiter raises its own copy: one exception object raised in many tasks or
            # threads would gather all their tracebacks.
            failure: GraphError = _copy(exc)
        except TimeoutError:
            # Not an auth failure (the client stays connected): the call ran out of time
            # before sending anything.
            failure = GraphTimeoutError(
                "the call's deadline passed while it waited for an access token; nothing was "
                "sent (the token fetch goes on: the next call uses its token once it arrives)"
            )
        # Raised after the except clause: the shared original is not its __context__.
        raise failure from failure.__cause__

    async def _fetch(self, seen: AccessToken | None, refused: AccessToken | None) -> AccessToken:
        """Fetch a token, check it and cache it: the one run every waiter shares.

        ``seen`` is the token its starter found unusable: when another run replaced it
        meanwhile (a thread can find the cache stale, then the run that refreshed it over),
        that token is used instead of fetching again.
        """
        latest = self._token
        if latest is not seen and latest is not None and self._usable(latest, refused):
            return latest
        self.fetches += 1
        # Whatever the credential, its token gets the one check: a bad one would fail inside
        # the HTTP layer, after the request counted as sent, quoted whole. (Passed straight
        # in: a refused token must not be a local of the frames its error carries.)
        fresh = check_token(await self._fetched(), self.credential.source)
        self._token = fresh
        self._lifetime = None if fresh.expires is None else fresh.expires - self._now()
        return fresh

    async def _fetched(self) -> object:
        """What the credential gives; its own error (not an ``AuthError``) becomes one that
        tells only its kind."""
        try:
            return await self.credential.afetch()
        except AuthError:
            raise
        except Exception as exc:
            failure = f"{self.credential.source} failed: {type(exc).__name__}"
        raise AuthError(failure)


def _copy(exc: AuthError) -> AuthError:
    """A new error like ``exc``, with its (secret-free) cause and no traceback."""
    try:
        copy = type(exc)(*exc.args)
    except Exception:  # a subclass with another signature
        copy = AuthError(str(exc))
    copy.__cause__ = exc.__cause__
    return copy
