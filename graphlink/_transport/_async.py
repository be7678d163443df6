"""The transport: the one place graphlink does HTTP.

This is the async source (``_sync.py`` is generated from it: edit here, then regenerate).
Decisions (what an attempt means, whether to retry, how long to wait, paging links, rate
limits) live in pure code under ``graphlink/_core`` and ``graphlink/ratelimit``; this
module only sequences them around I/O.
"""

from __future__ import annotations

import functools
import logging
import random
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

import attrs
import httpx

from graphlink._core.attempt import DeadlinePassed, Success, TooLarge, give_up, judge, mark_effect
from graphlink._core.paging import Page
from graphlink._core.redact import detached
from graphlink._core.request import Listing, Operation, RequestSpec, is_link
from graphlink._core.responses import parse_page, safe_link, upload_link
from graphlink._core.retry import cooldown, decide, maybe_processed
from graphlink._transport._io_async import Clock, HttpClient, body_chunks, read_body
from graphlink._transport._tokens_async import AsyncTokenManager
from graphlink._version import __version__
from graphlink.auth import AccessToken
from graphlink.errors import (
    AuthError,
    GraphError,
    InvalidResponseError,
    RateLimitExceeded,
    ValidationError,
)
from graphlink.ratelimit import Decision, RatePolicy, Wakeup
from graphlink.retry import RetryPolicy

__all__ = ["AsyncPaginator", "AsyncTokenManager", "AsyncTransport"]

T = TypeVar("T")

logger = logging.getLogger("graphlink")

_USER_AGENT = f"graphlink/{__version__}"


@attrs.frozen
class _Attempt:
    """One HTTP attempt: Graph's response and its body, or the error instead of one (a
    detached httpx error, or the transport's own cut: ``DeadlinePassed``, ``TooLarge``)."""

    answer: httpx.Response | Exception
    token: AccessToken | None
    path: str
    content: bytes = b""


class AsyncTransport:
    """Sends ``RequestSpec`` s through limiter, auth, retries and error mapping.

    ``send`` is the retry loop (judge, cool down, decide, sleep); ``_attempt`` is one
    HTTP attempt (admit, token, build, send, release). ``clock`` is the only way the
    transport reads time or waits.
    """

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
        max_response_bytes: int | None,
        clock: Clock | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.retry = retry
        self.limiter = limiter
        self.clock = clock if clock is not None else Clock()
        """Reads time and waits: for retries, the rate limiter, and facades that pace calls."""
        self._owns_http = owns_http
        self._timeout = httpx.Timeout(timeout)
        self._timeout_seconds = timeout
        self._max_bytes = max_response_bytes
        self._rand = rand
        self.queue_size = 0
        """Calls waiting for the rate limiter."""
        self.in_flight_size = 0
        """Calls admitted by the limiter and not finished."""
        self.connected = False
        """True after a successful token + request; false after an auth/transport failure."""

    async def access_token(self) -> AccessToken:
        """The current token (fetched or refreshed when due); a failure clears ``connected``."""
        return await self._token(None)

    async def _token(self, refused: AccessToken | None, start: float | None = None) -> AccessToken:
        # The call's deadline bounds the wait for a token too (``start``: when the call
        # began; ``None``: now, as for ``access_token``).
        deadline = self.retry.deadline
        left = None
        if deadline is not None:
            left = deadline if start is None else deadline - (self.clock.now() - start)
        try:
            return await self.tokens.token(refused=refused, timeout=left)
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
        body = await self.send(operation.spec)
        try:
            return operation.parse(body)
        except InvalidResponseError as error:
            # Graph answered 2xx: a write was done even though its answer is unreadable.
            mark_effect(operation.spec, error, this_one=True)
            raise

    def paginate(
        self, listing: Listing[T] | Callable[[], Awaitable[Listing[T]]]
    ) -> AsyncPaginator[T]:
        """A paginator over every page of ``listing`` (no I/O until it is iterated).

        Pass a callable when the first request needs I/O to build (an email resolved to
        an id): it is called when iteration starts.
        """
        return AsyncPaginator(self, listing)

    async def send(self, spec: RequestSpec) -> Any:
        """Send one logical call (retrying as the policy says); its JSON body or ``None``."""
        start = self.clock.now()
        client_request_id = str(uuid.uuid4())  # one per call, resent on every attempt
        attempts = retries = 0
        refused: AccessToken | None = None
        acted = False  # an earlier attempt may have been processed (its answer was lost)
        while True:
            attempts += 1
            attempt = await self._attempt(spec, client_request_id, attempts, start, refused)
            elapsed = self.clock.now() - start
            verdict = judge(spec, attempt.answer, attempts, attempt.content)
            _log(spec, attempt, attempts, elapsed)
            if isinstance(verdict, Success):
                self.connected = True
                return verdict.body
            if verdict.connected is not None:
                self.connected = verdict.connected
            hold = cooldown(self.retry, verdict.outcome)
            if hold is not None:
                # Everyone sending to this key waits, not just this call.
                await self._cooldown(spec.key, hold)
            decision = decide(
                self.retry,
                verdict.outcome,
                idempotent=spec.idempotent,
                retries_done=retries,
                token_refreshed=refused is not None,
                can_refresh=self.tokens.credential.refreshable and not spec.anonymous,
                elapsed=elapsed,
                rand=self._rand(),
            )
            if not decision.retry:
                error = give_up(spec, verdict, decision, self.retry, acted_before=acted)
                raise error from verdict.cause
            acted = acted or maybe_processed(verdict.outcome)
            if decision.refresh_token:
                refused = attempt.token
            else:
                retries += 1
            await self.clock.sleep(decision.delay)

    async def _attempt(
        self,
        spec: RequestSpec,
        client_request_id: str,
        number: int,
        start: float,
        refused: AccessToken | None,
    ) -> _Attempt:
        """One HTTP attempt, inside a rate-limiter slot, within the call's deadline.

        What ends the call before anything is sent (the limiter refusing, the token
        failing, a request that cannot be built) is raised; a failure after that is
        returned, for ``send`` to judge: an httpx error detached from its request (which
        holds the token), or ``DeadlinePassed`` / ``TooLarge``.
        """
        permits = await self._admit(spec, start)
        try:
            token = None
            if not spec.anonymous:  # a pre-authenticated URL never sees the token
                try:
                    token = await self._token(refused, start)
                except GraphError as exc:  # an AuthError, or the deadline passing meanwhile
                    exc.attempts = number - 1
                    raise
            deadline = self.retry.deadline
            ends = None if deadline is None else start + deadline
            left = None if ends is None else ends - self.clock.now()
            request = self._build(spec, token, client_request_id, number, left)
            if left is not None and left <= 0:
                return _Attempt(DeadlinePassed(deadline, sent=False), token, request.url.path)
            try:
                response, content = await self._exchange(request, left, ends)
            except (DeadlinePassed, TooLarge) as cut:
                return _Attempt(cut, token, request.url.path)
            except httpx.HTTPError as exc:
                return _Attempt(self._lost(exc, left), token, request.url.path)
            return _Attempt(response, token, request.url.path, content)
        finally:
            self.in_flight_size -= 1
            await self._release(spec, permits)

    async def _exchange(
        self, request: httpx.Request, left: float | None, ends: float | None
    ) -> tuple[httpx.Response, bytes]:
        """Send ``request`` and read its body, within the deadline and the size limit.

        ``left`` is the time left before the deadline, which falls at ``ends`` on the clock.

        Raises httpx errors, ``DeadlinePassed`` when the deadline cuts the exchange, and
        ``TooLarge`` for a 2xx body over ``max_response_bytes``.
        """
        try:
            async with self.clock.bound(left):
                response = await self.http.send(request, stream=True)
                try:
                    return response, await self._read(response, ends)
                finally:
                    await response.aclose()
        except TimeoutError:  # the clock's bound (the async one; the blocking one has none)
            raise DeadlinePassed(self.retry.deadline, sent=True) from None

    async def _read(self, response: httpx.Response, ends: float | None) -> bytes:
        """The body of a streamed response, decompressed, up to ``max_response_bytes``.

        A 2xx body past the limit raises ``TooLarge``; an error's is cut there (its status
        says what happened). With a deadline, a chunk that comes after the previous one
        already came late raises ``DeadlinePassed``: a body that trickles in ends, at most
        one read (itself bounded by the capped read timeout) past the deadline.
        """
        limit = self._max_bytes
        if ends is None and _declared_within(response, limit):
            # Nothing to check between chunks: no deadline, and the size is known and fits.
            content = await read_body(response)
            if limit is not None and len(content) > limit:  # a Content-Length that lied
                if response.is_success:
                    raise TooLarge(limit)
                content = content[:limit]
            return content
        chunks: list[bytes] = []
        size = 0
        late = False
        async with body_chunks(response) as body:
            async for chunk in body:
                if late:
                    raise DeadlinePassed(self.retry.deadline, sent=True)
                size += len(chunk)
                if limit is not None and size > limit:
                    if response.is_success:
                        raise TooLarge(limit)
                    chunks.append(chunk[: len(chunk) - (size - limit)])
                    break
                chunks.append(chunk)
                late = ends is not None and self.clock.now() > ends
        return b"".join(chunks)

    def _lost(self, exc: httpx.HTTPError, left: float | None) -> Exception:
        """The error an httpx failure is judged as: detached from its request, and a
        timeout the deadline shortened reported as the deadline's."""
        if (
            left is not None
            and left < self._timeout_seconds
            and isinstance(exc, httpx.TimeoutException)
        ):
            sent = not isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
            return DeadlinePassed(self.retry.deadline, sent=sent)
        return detached(exc)

    async def _release(self, spec: RequestSpec, permits: list[object]) -> None:
        """Give ``permits`` back to the limiter.

        A failing store is logged, never raised: the call's outcome (Graph's answer, or
        the call's own error) stands, or a caller would retry a request Graph processed.
        A cancellation while giving one back (a task cancelled again) still gives back the
        rest before it goes on: a permit not given back is a slot lost to everyone.
        """
        stop: BaseException | None = None
        for permit in permits:
            try:
                await self.limiter.arelease(permit, self.clock.now())
            except Exception as exc:  # bookkeeping never replaces an outcome
                _bookkeeping_failed("release a slot of", spec.key, exc)
            except BaseException as exc:
                stop = stop or exc
        if stop is not None:
            raise stop

    async def _cooldown(self, key: str, hold: float) -> None:
        """Ask everyone sending to ``key`` to hold off ``hold`` s; a failing store is logged."""
        now = self.clock.now()
        try:
            await self.limiter.acooldown(key, now + hold, now)
        except Exception as exc:  # as in _release
            _bookkeeping_failed("record Graph's Retry-After for", key, exc)

    async def _admit(self, spec: RequestSpec, start: float) -> list[object]:
        """Wait until the limiter admits ``spec``; count the wait. Returns its permits.

        A request that carries others (a ``$batch``) counts as each of them: it takes its
        keys one at a time in sorted order, each key all at once for all its requests, and
        holds what it has. The one order for everyone means two calls never wait on each
        other's keys in a circle; a failure or cancellation gives back what was taken.
        """
        keys = sorted(Counter(spec.keys).items()) if spec.keys else [(spec.key, 1)]
        permits: list[object] = []
        self.queue_size += 1
        try:
            for key, count in keys:
                permits.append(await self._admit_key(key, count, start))
        except BaseException:
            await self._release(spec, permits)  # logs its own failures: this error wins
            raise
        finally:
            self.queue_size -= 1
        self.in_flight_size += 1
        return permits

    async def _admit_key(self, key: str, count: int, start: float) -> object:
        """Wait until the limiter admits ``count`` requests to ``key`` at once.

        A decision with a ``wakeup`` is waited on (``wait`` as the timeout) rather than slept
        through, so a slot freed in this process lets the next caller go at once; the
        wakeup is cancelled if this call gives up (deadline, refusal, cancellation).
        """
        wakeup: Wakeup | None = None
        try:
            while True:
                now = self.clock.now()
                many = getattr(self.limiter, "atry_acquire_many", None)
                if count > 1 and many is not None:
                    decision = await many([key] * count, now)
                else:  # a policy without try_acquire_many counts a call once per key
                    decision = await self.limiter.atry_acquire(key, now)
                if decision.admitted:
                    wakeup = None  # the store took this caller off its queue
                    return decision.permit
                wakeup = decision.wakeup
                deadline = self.retry.deadline
                waited = self.clock.now() - start
                past_deadline = deadline is not None and waited + decision.wait > deadline
                if decision.refused or past_deadline:
                    # A slot wait's ``wait`` is a poll interval: how long the slot stays
                    # taken is unknown, so no estimate is given (``estimate`` is None).
                    raise RateLimitExceeded(
                        _limiter_message(decision, waited, deadline),
                        wait=decision.estimate,
                    )
                await self.clock.wait(decision.wait, wakeup)
        finally:
            if wakeup is not None:
                wakeup.cancel()

    def _build(
        self,
        spec: RequestSpec,
        token: AccessToken | None,
        client_request_id: str,
        attempt: int,
        left: float | None,
    ) -> httpx.Request:
        if spec.anonymous:
            url = upload_link(spec.url, self.base_url)
        elif is_link(spec.url):  # a paging link, sent verbatim to the Graph host only
            url = safe_link(spec.url, self.base_url)
        else:
            url = self.base_url + spec.url
        params = spec.params or None
        if params and "?" not in url and not self.http.params:
            # The query in the URL at once: httpx would parse the URL a second time to add it.
            url, params = f"{url}?{_query(spec.params)}", None
        headers = _headers(spec.headers, token, client_request_id, attempt)
        try:
            return self.http.build_request(
                spec.method,
                url,
                params=params,
                headers=headers,
                json=spec.json,
                content=spec.content,
                timeout=self._timeout
                if left is None or left >= self._timeout_seconds
                # No step of the attempt may wait past the call's deadline.
                else httpx.Timeout(max(left, 0.0)),
            )
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            # Nothing was sent: bad input (a URL httpx refuses, a body JSON cannot encode).
            # Reported without the request object, which holds the token.
            invalid = ValidationError(f"cannot build the request: {exc}")
            invalid.attempts = attempt - 1
            raise invalid from None


def _declared_within(response: httpx.Response, limit: int | None) -> bool:
    """Whether the body is known to fit ``limit``: an unencoded body whose Content-Length is
    within it (a compressed one may grow past any limit as it is decompressed)."""
    if limit is None:
        return True
    if response.headers.get("Content-Encoding", "identity").strip().lower() != "identity":
        return False
    length = response.headers.get("Content-Length", "")
    return length.isdigit() and int(length) <= limit


_DEFAULT_HEADERS = (("User-Agent", _USER_AGENT), ("Accept", "application/json"))


def _headers(
    extra: Mapping[str, str], token: AccessToken | None, client_request_id: str, attempt: int
) -> httpx.Headers:
    """An attempt's headers, made in one step: ours, a caller's of the same name (in any
    case) replacing ours, the caller's (checked when the spec was made), then auth and ids.
    (``httpx.Headers`` masks the token in its repr, as in a traceback's locals.)"""
    given = {name.lower() for name in extra}
    items = [item for item in _DEFAULT_HEADERS if item[0].lower() not in given]
    items.extend(extra.items())
    if token is not None:
        items.append(("Authorization", f"Bearer {token.token}"))
    items.append(("client-request-id", client_request_id))
    if attempt > 1:
        items.append(("Retry-Attempt", str(attempt - 1)))
    return httpx.Headers(items)


@functools.lru_cache(maxsize=256)
def _query(params: tuple[tuple[str, str], ...]) -> str:
    """``params`` encoded as httpx encodes them (the same few ``$select`` s recur: cached)."""
    return str(httpx.QueryParams(list(params)))


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value >= 1.0 else f"{value * 1000:.0f} ms"


def _limiter_message(decision: Decision, waited: float, deadline: float | None) -> str:
    """Why the limiter ends a call: refused, or its deadline would pass while waiting."""
    if decision.refused:
        return (
            f"the rate limiter refused this call: its estimated wait of "
            f"{_seconds(decision.wait)} (queue included) is longer than the limiter accepts"
        )
    limit = "its deadline" if deadline is None else f"its deadline of {deadline:g} s"
    if decision.estimate is None:
        return (
            f"the rate limiter has no free slot for this call ({_seconds(waited)} into it); "
            f"when one frees up is unknown, and waiting on would pass {limit}"
        )
    if waited < 0.001:
        return f"the rate limiter would make this call wait {_seconds(decision.wait)}, past {limit}"
    return (
        f"the rate limiter asks this call ({_seconds(waited)} into it) to wait "
        f"{_seconds(decision.wait)} more, past {limit}"
    )


def _bookkeeping_failed(what: str, key: str, exc: Exception) -> None:
    """Log a rate-limiter failure the call goes on after (graphlink's own message only: an
    unknown error's text could hold anything)."""
    reason = f"{type(exc).__name__}: {exc}" if isinstance(exc, GraphError) else type(exc).__name__
    logger.warning("the rate limiter failed to %s %s (%s); the call goes on", what, key, reason)


def _log(spec: RequestSpec, attempt: _Attempt, number: int, elapsed: float) -> None:
    answer = attempt.answer
    result = type(answer).__name__ if isinstance(answer, Exception) else answer.status_code
    logger.debug(
        "%s %s -> %s (attempt %d, %.1f ms)",
        spec.method,
        attempt.path,
        result,
        number,
        elapsed * 1000,
    )


class AsyncPaginator(Generic[T]):
    """Every item of every page of a Graph collection, fetched lazily.

    Iterate it (``async for``) for items, call [`pages`][graphlink.AsyncPaginator.pages]
    for pages, or [`to_list`][graphlink.AsyncPaginator.to_list]. ``@odata.nextLink`` is
    followed verbatim with the first request's headers (``ConsistencyLevel``, ``Prefer``);
    a link to another host is refused. With a ``limit``, iteration stops after that many
    items. After the last page, [`delta_link`][graphlink.AsyncPaginator.delta_link] holds
    the delta link of a delta query.
    """

    def __init__(
        self,
        transport: AsyncTransport,
        first: Listing[T] | Callable[[], Awaitable[Listing[T]]],
    ) -> None:
        self._transport = transport
        # The listing, or how to work it out (e.g. resolving an email to an id) when
        # iteration starts: a paginator does no I/O until it is iterated.
        self._first = first
        self.delta_link: str | None = None
        """The delta link, once the last page of a delta query was read."""
        self.count: int | None = None
        """``@odata.count`` of the first page, when it was asked for (``$count=true``)."""

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Each page in turn, parsed."""
        first = self._first
        listing = first if isinstance(first, Listing) else await first()
        remaining = listing.limit
        spec = listing.spec
        # A link Graph sends again means a loop (``nextLink`` pointing at its own page, or
        # at an earlier one): Brent's cycle detection finds any, holding one link.
        seen: str | None = None
        power = steps = 1
        while remaining != 0:
            data = parse_page(await self._transport.send(spec))
            raw = data.items if remaining is None else data.items[:remaining]
            items = listing.parse_items(raw)
            if data.count is not None and self.count is None:
                self.count = data.count
            if data.delta_link is not None:
                self.delta_link = data.delta_link
            yield Page(items, data.next_link, data.delta_link, data.count)
            if remaining is not None:
                remaining -= len(raw)
            if data.next_link is None or remaining == 0:
                return
            link = safe_link(data.next_link, self._transport.base_url)
            if link == seen:
                raise InvalidResponseError(
                    "Graph sent an @odata.nextLink this paginator already followed: paging "
                    "would loop forever, so it stops"
                )
            if steps == power:  # keep every 2**k-th link: a loop of any length comes back to it
                seen, power, steps = link, power * 2, 0
            steps += 1
            spec = spec.follow(link)

    async def to_list(self) -> list[T]:
        """Every item, in a list."""
        return [item async for item in self]
