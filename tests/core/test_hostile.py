"""Hostile input from Graph and from callers: nested JSON, looping links, framing headers,
fragments, odd tokens; each refused with a typed error, nothing sent that should not be."""

from __future__ import annotations

import asyncio
import tracemalloc

import httpx
import pytest
from harness import Harness

from graphlink import AsyncGraphClient, GraphClient, errors
from graphlink.ratelimit import Decision
from graphlink.retry import RetryPolicy

BASE = "https://graph.microsoft.com/v1.0"
DEEP = b"[" * 100_000


class Runaway(Exception):
    """Raised by a test handler that was asked far more often than it should have been."""


def capped(handler, cap: int = 50):
    """``handler``, failing the test (not hanging it) after ``cap`` requests."""
    count = 0

    def wrapped(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        if count > cap:
            raise Runaway(f"{cap} requests: the paginator did not stop")
        return handler(request)

    return wrapped


def ok(body: object = None) -> httpx.Response:
    return httpx.Response(200, json=body if body is not None else {"id": "1"})


# --- #10: deeply nested JSON -----------------------------------------------------------


def test_deeply_nested_json_in_a_200_body_is_an_invalid_response(harness) -> None:
    h = harness(lambda request: httpx.Response(200, content=DEEP))
    with pytest.raises(errors.InvalidResponseError) as info:
        h.request("POST", "/users/a/events", json={})
    assert not isinstance(info.value.__cause__, RecursionError)
    assert info.value.maybe_processed is True  # as for any unreadable 2xx body
    assert len(h.requests) == 1  # a POST Graph answered is not sent again


def test_deeply_nested_json_in_a_paged_body_is_an_invalid_response(harness) -> None:
    h = harness(lambda request: httpx.Response(200, content=b'{"value": ' + DEEP))
    with pytest.raises(errors.InvalidResponseError):
        h.collect(h.client.paginate("/users"))


@pytest.mark.parametrize(
    ("status", "cls"), [(400, errors.BadRequestError), (404, errors.NotFoundError)]
)
def test_deeply_nested_json_in_an_error_body_keeps_the_typed_error(harness, status, cls) -> None:
    h = harness(lambda request: httpx.Response(status, content=DEEP))
    with pytest.raises(cls) as info:
        h.request("GET", "/users/a")
    assert info.value.status_code == status
    assert info.value.body == DEEP.decode()  # the raw text, as for any body that is not JSON
    assert info.value.message == DEEP.decode()[:500]


def test_deeply_nested_json_in_a_5xx_body_is_still_retried(harness) -> None:
    answers = iter([httpx.Response(503, content=DEEP), ok()])
    h = harness(lambda request: next(answers))
    assert h.request("GET", "/users/a") == {"id": "1"}
    assert len(h.requests) == 2


# --- #11: a self-referencing nextLink ---------------------------------------------------


def test_a_self_referencing_next_link_is_refused(harness) -> None:
    link = f"{BASE}/users?$skiptoken=loop"
    h = harness(
        capped(lambda request: httpx.Response(200, json={"value": [1], "@odata.nextLink": link}))
    )
    with pytest.raises(errors.InvalidResponseError, match="already followed") as info:
        h.collect(h.client.paginate("/users"))
    assert "skiptoken" not in str(info.value)  # links may carry tokens: not quoted whole
    assert len(h.requests) == 2  # the first page, then the link once


def test_a_next_link_cycle_is_refused(harness) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("$skiptoken", "0")
        following = {"0": "a", "a": "b", "b": "c", "c": "a"}[token]
        return httpx.Response(
            200, json={"value": [token], "@odata.nextLink": f"{BASE}/users?$skiptoken={following}"}
        )

    h = harness(capped(handler))
    with pytest.raises(errors.InvalidResponseError, match="already followed"):
        h.collect(h.client.paginate("/users"))
    # Found with O(1) memory (Brent): within a few laps of the loop, not on the first repeat.
    assert 4 <= len(h.requests) <= 2 + 3 * 3


def test_a_link_equal_to_the_first_request_is_refused(harness) -> None:
    h = harness(
        capped(
            lambda request: httpx.Response(
                200, json={"value": [1], "@odata.nextLink": f"{BASE}/users?$top=2"}
            )
        )
    )
    with pytest.raises(errors.InvalidResponseError, match="already followed"):
        h.collect(h.client.paginate("/users", params={"$top": 2}))
    assert len(h.requests) == 2  # the first page, then its link once (it comes back)


class Count:
    """Stands in for the harness's list of requests: counts them, keeps none."""

    def __init__(self) -> None:
        self.n = 0

    def append(self, _: object) -> None:
        self.n += 1


def test_many_distinct_pages_still_page_with_bounded_memory(mode) -> None:
    pages = 600
    long_tail = "x" * 4000  # real skiptokens are long

    def handler(request: httpx.Request) -> httpx.Response:
        index = int(request.url.params.get("$skiptoken", "0").split("-")[0])
        body: dict = {"value": []}
        if index + 1 < pages:
            body["@odata.nextLink"] = f"{BASE}/users?$skiptoken={index + 1}-{long_tail}"
        return httpx.Response(200, json=body)

    h = Harness(mode, handler)
    h.requests = Count()  # type: ignore[assignment]
    paginator = h.client.paginate("/users")
    # Memory in use half-way and at the last page: by half-way, the bounded caches on the
    # way (urllib's of 128 URLs) are full; growth after that is what the paginator keeps.
    held: list[int] = []

    def look(index: int) -> None:
        if index in (pages // 2, pages - 1):
            held.append(tracemalloc.get_traced_memory()[0])

    async def drain() -> None:
        index = 0
        async for _ in paginator.pages():
            look(index)
            index += 1

    tracemalloc.start()
    try:
        if mode == "sync":
            for index, _ in enumerate(paginator.pages()):
                look(index)
        else:
            asyncio.run(drain())
    finally:
        tracemalloc.stop()
    assert h.requests.n == pages  # type: ignore[attr-defined]
    growth = held[1] - held[0]
    assert growth < (pages // 2) * len(long_tail) // 4  # the links followed are not all held


# --- #13: framing headers -----------------------------------------------------------------

FRAMING = [
    "Transfer-Encoding",
    "transfer-encoding",
    "Content-Length",
    "HOST",
    "Connection",
    "Keep-Alive",
    "Upgrade",
    "TE",
    "Trailer",
    "Proxy-Connection",
    "expect",
]


@pytest.mark.parametrize("name", FRAMING)
def test_framing_headers_from_callers_are_refused_before_sending(harness, name) -> None:
    h = harness(lambda request: ok())
    value = {"transfer-encoding": "chunked", "content-length": "5", "expect": "100-continue"}
    with pytest.raises(errors.ValidationError, match=name):
        h.request(
            "POST", "/users/a/events", json={"a": 1}, headers={name: value.get(name.lower(), "x")}
        )
    with pytest.raises(errors.ValidationError):
        h.collect(h.client.paginate("/users", headers={name: "x"}))
    assert h.requests == []


def test_ordinary_headers_still_pass(harness) -> None:
    h = harness(lambda request: ok())
    h.request("GET", "/users/a", headers={"ConsistencyLevel": "eventual", "Prefer": "x"})
    assert h.requests[0].headers["ConsistencyLevel"] == "eventual"


# --- #16: '#' in paths, limiter messages --------------------------------------------------


@pytest.mark.parametrize("path", ["/users/a#b", "/users/a/events#", "/me/messages?$top=1#x"])
def test_a_fragment_in_a_raw_path_is_refused(harness, path) -> None:
    h = harness(lambda request: ok())
    with pytest.raises(errors.ValidationError, match="#"):
        h.request("GET", path)
    with pytest.raises(errors.ValidationError, match="#"):
        h.collect(h.client.paginate(path))
    assert h.requests == []


def test_an_encoded_hash_in_a_path_is_fine(harness) -> None:
    h = harness(lambda request: ok())
    h.request("GET", "/users/a%23b")
    assert h.requests[0].url.raw_path == b"/v1.0/users/a%23b"


def test_a_next_link_with_a_fragment_is_refused(harness) -> None:
    link = f"{BASE}/users?$skiptoken=2#frag"
    h = harness(
        capped(lambda request: httpx.Response(200, json={"value": [1], "@odata.nextLink": link}))
    )
    with pytest.raises((errors.InvalidResponseError, errors.UnsafeLinkError)):
        h.collect(h.client.paginate("/users"))
    assert len(h.requests) == 1


class NoWakeup:
    """A wake-up handle that never fires (the harness's clock does not wait on it)."""

    cancelled = False

    def wait(self, timeout: float) -> bool:
        return False

    async def async_wait(self, timeout: float) -> bool:
        return False

    def cancel(self) -> None:
        self.cancelled = True


class SlotBusy:
    """A policy whose slot never frees: it answers with its poll interval, forever.

    With ``wakeup``, as an in-process store does; without, as Redis does."""

    def __init__(self, poll: float = 0.01, wakeup: bool = False) -> None:
        self.poll = poll
        self.wakeup = NoWakeup() if wakeup else None

    def try_acquire(self, key: str, now: float, cost: float = 1.0) -> Decision:
        return Decision.later(self.poll, self.wakeup)

    async def atry_acquire(self, key: str, now: float, cost: float = 1.0) -> Decision:
        return self.try_acquire(key, now, cost)

    def release(self, permit: object, now: float) -> None:
        pass

    async def arelease(self, permit: object, now: float) -> None:
        pass

    def cooldown(self, key: str, until: float, now: float) -> None:
        pass

    async def acooldown(self, key: str, until: float, now: float) -> None:
        pass


@pytest.mark.parametrize("wakeup", [False, True], ids=["polling", "wakeup"])
def test_a_poll_interval_past_the_deadline_is_not_reported_as_the_wait(harness, wakeup) -> None:
    policy = SlotBusy(wakeup=wakeup)
    h = harness(lambda request: ok(), rate_limit=policy, retry=RetryPolicy(deadline=1))
    with pytest.raises(errors.RateLimitExceeded) as info:
        h.request("GET", "/users/a")
    message = str(info.value)
    assert "0.0 s" not in message
    assert "deadline of 1 s" in message
    if wakeup:  # a slot's end is unknown: no made-up estimate
        assert "unknown" in message
        assert info.value.wait is None
        assert policy.wakeup is not None
        assert policy.wakeup.cancelled
    else:
        assert "10 ms more" in message
    assert h.requests == []
    assert (h.client.queue_size, h.client.in_flight_size) == (0, 0)


def test_a_refusal_names_the_estimate(harness) -> None:
    class Refuse(SlotBusy):
        def try_acquire(self, key: str, now: float, cost: float = 1.0) -> Decision:
            return Decision.refuse(95.0)

    h = harness(lambda request: ok(), rate_limit=Refuse())
    with pytest.raises(errors.RateLimitExceeded) as info:
        h.request("GET", "/users/a")
    assert "refused" in str(info.value)
    assert "95.0 s" in str(info.value)
    assert info.value.wait == 95.0


def test_a_known_wait_past_the_deadline_gives_the_estimate(harness) -> None:
    from graphlink.ratelimit import TokenBucket

    h = harness(
        lambda request: ok(),
        rate_limit=TokenBucket(1, per=60.0, burst=1),
        retry=RetryPolicy(deadline=10),
    )
    h.request("GET", "/users/a")
    with pytest.raises(errors.RateLimitExceeded) as info:
        h.request("GET", "/users/a")
    assert "60.0 s" in str(info.value)
    assert "deadline" in str(info.value)


# --- #4: tokens from providers ----------------------------------------------------------

TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.payload.signature"


@pytest.mark.parametrize(
    "bad",
    [TOKEN + "\n", TOKEN + "\r\n", "\n" + TOKEN, TOKEN + "\x00", "tok\u00e9n-" + TOKEN, "  "],
)
def test_a_provider_token_is_checked_like_a_static_one(harness, bad) -> None:
    h = harness(lambda request: ok(), token=lambda: bad)
    with pytest.raises(errors.AuthError) as info:
        h.request("POST", "/users/a/sendMail", json={})
    assert h.requests == []
    error = info.value
    assert error.maybe_processed is False
    assert error.attempts == 0
    text = str(error) + repr(error) + repr(error.args)
    for part in TOKEN.split("."):
        assert part not in text
    assert "payload" not in text
    assert h.client.connected is False


def test_an_async_provider_token_is_checked_too() -> None:
    async def provider() -> str:
        return TOKEN + "\n"

    sent: list[httpx.Request] = []

    async def run() -> None:
        http = httpx.AsyncClient(
            transport=httpx.MockTransport(lambda r: sent.append(r) or ok())  # type: ignore[func-returns-value]
        )
        async with AsyncGraphClient(token=provider, http_client=http) as client:
            with pytest.raises(errors.AuthError) as info:
                await client.request("GET", "/users/a")
            assert "signature" not in str(info.value)

    asyncio.run(run())
    assert sent == []


def test_a_provider_access_token_is_checked_too() -> None:
    from graphlink.auth import AccessToken

    sent: list[httpx.Request] = []
    http = httpx.Client(transport=httpx.MockTransport(lambda r: sent.append(r) or ok()))  # type: ignore[func-returns-value]
    with (
        GraphClient(token=lambda: AccessToken(TOKEN + "\n"), http_client=http) as client,
        pytest.raises(errors.AuthError) as info,
    ):
        client.request("GET", "/users/a")
    assert "signature" not in str(info.value)
    assert sent == []


def test_a_custom_credentials_token_is_checked_too(harness) -> None:
    from graphlink.auth import AccessToken, Credential

    class FromFile(Credential):
        def fetch(self) -> AccessToken:
            return AccessToken(TOKEN + "\n")

    h = harness(lambda request: ok(), token=FromFile())
    with pytest.raises(errors.AuthError) as info:
        h.request("GET", "/users/a")
    assert "signature" not in str(info.value)
    assert "CR or LF" in str(info.value)
    assert h.requests == []


@pytest.mark.parametrize("bad", [TOKEN + "\n", "tok\u00e9n", " " + TOKEN, "\t"])
def test_static_tokens_get_the_same_check(bad) -> None:
    with pytest.raises(errors.ValidationError) as info:
        GraphClient(token=bad)
    assert "signature" not in str(info.value)
