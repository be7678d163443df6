"""The transport: the one place graphlink does HTTP.

This is the async source (``_sync.py`` is generated from it: edit here, then regenerate).
Decisions (retry, errors, paging links,
rate limits) live in pure code; this module only sequences them around I/O.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import httpx

from graphlink import errors
from graphlink._core.paging import Page
from graphlink._core.redact import detached
from graphlink._core.request import Operation, RequestSpec, check_limit
from graphlink._core.responses import api_error, decode_json, parse_page, safe_link
from graphlink._transport._io_async import HttpClient, Lock, sleep, wait_wakeup
from graphlink._version import __version__
from graphlink.auth import AccessToken, Credential
from graphlink.errors import (
    AuthError,
    GraphError,
    InvalidResponseError,
    RateLimitError,
    RateLimitExceeded,
    TransportError,
    ValidationError,
)
from graphlink.ratelimit import RatePolicy, Wakeup
from graphlink.retry import Outcome, OutcomeKind, RetryPolicy, parse_retry_after

__all__ = ["AsyncPaginator", "AsyncTokenManager", "AsyncTransport"]

T = TypeVar("T")

logger = logging.getLogger("graphlink")

_USER_AGENT = f"graphlink/{__version__}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AsyncTokenManager:
    """Caches the token, refreshes it ahead of expiry, one refresh at a time."""

    def __init__(self, credential: Credential, *, now: Callable[[], datetime] = _utcnow) -> None:
        self.credential = credential
        self._token: AccessToken | None = None
        self._lock = Lock()
        self._now = now
        #: How many tokens were fetched (tests and diagnostics).
        self.fetches = 0

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
            fresh = await self.credential.afetch()
            self.fetches += 1
            self._token = fresh
            return fresh


class AsyncTransport:
    """Sends :class:`RequestSpec` s through limiter, auth, retries and error mapping."""

    def __init__(
        self,
        *,
        http: HttpClient,
        owns_http: bool,
        base_url: str,
        tokens: AsyncTokenManager,
        retry: RetryPolicy,
        limiter: RatePolicy,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
        sleeper: Callable[[float], Any] = sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.retry = retry
        self.limiter = limiter
        self._owns_http = owns_http
        self._timeout = httpx.Timeout(timeout)
        self._clock = clock
        self._sleep = sleeper
        self._rand = rand
        #: Calls waiting for the rate limiter.
        self.queue_size = 0
        #: Calls admitted by the limiter and not finished.
        self.in_flight_size = 0
        #: True after a successful token + request; false after an auth/transport failure.
        self.connected = False

    async def access_token(self) -> AccessToken:
        """The current token (fetched or refreshed when due); a failure clears ``connected``."""
        try:
            return await self.tokens.token()
        except AuthError:
            self.connected = False
            raise

    async def close(self) -> None:
        """Close the HTTP clients the transport (and its credential) created."""
        if self._owns_http:
            await self.http.aclose()
        self.tokens.credential.close()

    async def call(self, operation: Operation[T]) -> T:
        """Send an operation and parse its answer."""
        return operation.parse(await self.send(operation.spec))

    async def _admit(self, key: str, start: float) -> object:
        """Wait until the limiter admits a request for ``key``; count the wait.

        A decision with a ``wakeup`` is waited on (``wait`` as the timeout) rather than slept
        through, so a slot freed in this process lets the next caller go at once; the
        wakeup is cancelled if this call gives up (deadline, refusal, cancellation).
        """
        self.queue_size += 1
        wakeup: Wakeup | None = None
        try:
            while True:
                decision = await self.limiter.atry_acquire(key, self._clock())
                if decision.admitted:
                    wakeup = None  # the store took this caller off its queue
                    break
                wakeup = decision.wakeup
                deadline = self.retry.deadline
                past_deadline = (
                    deadline is not None and self._clock() - start + decision.wait > deadline
                )
                if decision.refused or past_deadline:
                    raise RateLimitExceeded(
                        f"the rate limiter would make this call wait {decision.wait:.1f} s",
                        wait=decision.wait,
                    )
                if wakeup is not None and self._sleep is sleep:
                    await wait_wakeup(wakeup, decision.wait)
                else:  # no handle, or a test's fake clock: sleep the poll interval
                    await self._sleep(decision.wait)
        finally:
            self.queue_size -= 1
            if wakeup is not None:
                wakeup.cancel()
        self.in_flight_size += 1
        return decision.permit

    def _build(
        self, spec: RequestSpec, token: str, client_request_id: str, attempt: int
    ) -> httpx.Request:
        absolute = "://" in spec.url  # a paging link, sent verbatim to the Graph host only
        url = safe_link(spec.url, self.base_url) if absolute else self.base_url + spec.url
        headers = httpx.Headers({"User-Agent": _USER_AGENT, "Accept": "application/json"})
        headers.update(spec.headers)  # case-insensitive: a caller's Accept replaces ours
        headers["Authorization"] = f"Bearer {token}"
        headers["client-request-id"] = client_request_id
        if attempt > 1:
            headers["Retry-Attempt"] = str(attempt - 1)
        return self.http.build_request(
            spec.method,
            url,
            params=list(spec.params) if spec.params else None,
            headers=headers,
            json=spec.json,
            content=spec.content,
            timeout=self._timeout,
        )

    async def send(self, spec: RequestSpec) -> Any:
        """Send one logical call (retrying as the policy says); its JSON body or ``None``."""
        start = self._clock()
        client_request_id = str(uuid.uuid4())
        attempts = retries = 0
        refused: AccessToken | None = None
        while True:
            attempts += 1
            permit = await self._admit(spec.key, start)
            try:
                try:
                    token = await self.tokens.token(refused=refused)
                except AuthError as exc:
                    self.connected = False
                    exc.attempts = attempts - 1
                    raise
                try:
                    request = self._build(spec, token.token, client_request_id, attempts)
                except (httpx.InvalidURL, TypeError, ValueError) as exc:
                    # Nothing was sent: bad input (a URL httpx refuses, a body JSON cannot
                    # encode). Report it as such, without the request object (it holds
                    # the token).
                    invalid = ValidationError(f"cannot build the request: {exc}")
                    invalid.attempts = attempts - 1
                    raise invalid from None
                response: httpx.Response | None = None
                cause: Exception | None = None
                try:
                    response = await self.http.send(request)
                except httpx.HTTPError as exc:
                    cause = detached(exc)
            finally:
                self.in_flight_size -= 1
                await self.limiter.arelease(permit, self._clock())

            elapsed = self._clock() - start
            if response is not None:
                status = response.status_code
                logger.debug(
                    "%s %s -> %d (attempt %d, %.1f ms)",
                    spec.method,
                    request.url.path,
                    status,
                    attempts,
                    elapsed * 1000,
                )
                if 200 <= status < 300:
                    try:
                        body = decode_json(response.content)
                    except ValueError as exc:
                        cause = exc  # Graph answered: `connected` stays as it is
                    else:
                        self.connected = True
                        return body
            else:
                logger.debug(
                    "%s %s -> %s (attempt %d, %.1f ms)",
                    spec.method,
                    request.url.path,
                    type(cause).__name__,
                    attempts,
                    elapsed * 1000,
                )

            outcome, error = self._classify(spec, response, cause, attempts)
            if (
                outcome.status in (429, 503)
                and outcome.retry_after is not None
                and outcome.retry_after <= self.retry.max_retry_after
            ):
                # Everyone sending to this key waits, not just this call. (A longer wait
                # is refused with RateLimitError, and must not stall the other calls.)
                now = self._clock()
                await self.limiter.acooldown(spec.key, now + outcome.retry_after, now)
            decision = self.retry.decide(
                outcome,
                idempotent=spec.idempotent,
                retries_done=retries,
                token_refreshed=refused is not None,
                can_refresh=self.tokens.credential.refreshable,
                elapsed=elapsed,
                rand=self._rand(),
            )
            if decision.too_long and response is not None:
                raise api_error(
                    response.status_code,
                    response.headers,
                    response.content,
                    retry_after=outcome.retry_after,
                    attempts=attempts,
                    cls=RateLimitError,
                )
            if not decision.retry:
                if cause is not None:
                    raise error from cause
                raise error
            if decision.refresh_token:
                refused = token
            else:
                retries += 1
            await self._sleep(decision.delay)

    def _classify(
        self,
        spec: RequestSpec,
        response: httpx.Response | None,
        cause: Exception | None,
        attempts: int,
    ) -> tuple[Outcome, GraphError]:
        """The retry outcome of a failed attempt and the error to raise if it is final."""
        error: GraphError
        if response is not None and cause is None:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if response.status_code == 401:
                self.connected = False
            error = api_error(
                response.status_code,
                response.headers,
                response.content,
                retry_after=retry_after,
                attempts=attempts,
            )
            return Outcome.response(response.status_code, retry_after), error
        if not isinstance(cause, ValueError):
            self.connected = False
        if isinstance(cause, httpx.TimeoutException):
            error = errors.TimeoutError(
                f"{spec.method} {spec.url.split('?')[0]} timed out: {cause!r}"
            )
            sent = not isinstance(cause, httpx.ConnectTimeout | httpx.PoolTimeout)
        elif isinstance(cause, httpx.ConnectError):
            error = TransportError(f"could not connect to Graph: {cause}")
            sent = False
        elif isinstance(cause, ValueError | httpx.DecodingError):
            error = InvalidResponseError("Graph answered with a body that is not valid JSON")
            sent = True
        else:
            error = TransportError(f"{spec.method} {spec.url.split('?')[0]} failed: {cause!r}")
            sent = True
        error.attempts = attempts
        kind = OutcomeKind.MAYBE_SENT if sent else OutcomeKind.NOT_SENT
        return Outcome(kind), error


class AsyncPaginator(Generic[T]):
    """Every item of every page of a Graph collection, fetched lazily.

    Iterate it (``async for``) for items, call :meth:`pages` for pages, or :meth:`to_list`.
    ``@odata.nextLink`` is followed verbatim with the first request's headers
    (``ConsistencyLevel``, ``Prefer``); a link to another host is refused. With ``limit``,
    iteration stops after that many items. After the last page, :attr:`delta_link` holds
    the delta link of a delta query.
    """

    def __init__(
        self,
        transport: AsyncTransport,
        first: RequestSpec | Callable[[], Awaitable[RequestSpec]],
        parse_item: Callable[[Any], T],
        *,
        limit: int | None = None,
    ) -> None:
        check_limit(limit)
        self._transport = transport
        # The first request, or how to work it out (e.g. resolving an email to an id) when
        # iteration starts: a paginator does no I/O until it is iterated.
        self._first = first
        self._parse_item = parse_item
        self._limit = limit
        #: The delta link, once the last page of a delta query was read.
        self.delta_link: str | None = None
        #: ``@odata.count`` of the first page, when it was asked for.
        self.count: int | None = None

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Each page in turn, parsed."""
        remaining = self._limit
        if remaining == 0:
            return
        first = self._first
        spec = first if isinstance(first, RequestSpec) else await first()
        while True:
            data = parse_page(await self._transport.send(spec))
            raw = data.items if remaining is None else data.items[:remaining]
            items = [self._parse_item(item) for item in raw]
            if data.count is not None and self.count is None:
                self.count = data.count
            if data.delta_link is not None:
                self.delta_link = data.delta_link
            yield Page(items, data.next_link, data.delta_link, data.count)
            if remaining is not None:
                remaining -= len(items)
                if remaining <= 0:
                    return
            if data.next_link is None:
                return
            spec = spec.follow(safe_link(data.next_link, self._transport.base_url))

    async def to_list(self) -> list[T]:
        """Every item, in a list."""
        return [item async for item in self]
