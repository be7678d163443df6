"""The transport's limits (issue 14 #1, #9, #14), on both clients.

* A rate-limit store failing after Graph answered never replaces the answer (#1).
* ``RetryPolicy.deadline`` bounds every attempt and its body: each HTTP timeout is capped
  to the time left, a body trickling in is cut, no attempt starts past it (#9).
* ``max_response_bytes`` bounds what an answer may weigh once decompressed (#14).

Most tests run on ``tests/harness.py``'s fake clock; the trickling-server tests use real
time on loopback, with small durations and generous bounds.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from harness import FakeClock, Harness

from graphlink import AsyncGraphClient, GraphClient, errors
from graphlink._core.request import RequestSpec
from graphlink.ratelimit import Decision, RateLimitStoreError
from graphlink.retry import RetryPolicy

MIB = 1024 * 1024
TOKEN = "secret-token-value"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def harness(mode: str) -> Callable[..., Harness]:
    def make(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> Harness:
        return Harness(mode, handler, **kwargs)

    return make


def ok(body: object = None) -> httpx.Response:
    return httpx.Response(200, json=body if body is not None else {"id": "1"})


class Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body delivered in pieces, as a network would (for either client).

    ``each`` runs before each piece is handed over (a test moves its fake clock there).
    """

    def __init__(self, pieces: list[bytes], each: Callable[[], None] = lambda: None) -> None:
        self.pieces = pieces
        self.each = each
        self.given = 0

    def __iter__(self) -> Iterator[bytes]:
        for piece in self.pieces:
            self.each()
            self.given += 1
            yield piece

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self:
            yield piece


# --- #1: a failing store never replaces the call's outcome -----------------------------


class StoreGoneOnRelease:
    """Admits every call; its store fails when a slot is given back (Redis killed mid-call).

    ``refuse`` names keys it refuses (to end an admission that already holds a slot);
    ``cooldown_fails`` makes recording a Retry-After fail too.
    """

    def __init__(self, refuse: tuple[str, ...] = (), cooldown_fails: bool = False) -> None:
        self.refuse = refuse
        self.cooldown_fails = cooldown_fails
        self.releases = 0

    def try_acquire(self, key: str, now: float, cost: float = 1.0) -> Decision:
        return Decision.refuse(30.0) if key in self.refuse else Decision.admit(key)

    async def atry_acquire(self, key: str, now: float, cost: float = 1.0) -> Decision:
        return self.try_acquire(key, now, cost)

    def release(self, permit: object, now: float) -> None:
        self.releases += 1
        raise RateLimitStoreError("rate-limit store: Redis unreachable while releasing")

    async def arelease(self, permit: object, now: float) -> None:
        self.release(permit, now)

    def cooldown(self, key: str, until: float, now: float | None = None) -> None:
        if self.cooldown_fails:
            raise RateLimitStoreError("rate-limit store: Redis unreachable")

    async def acooldown(self, key: str, until: float, now: float | None = None) -> None:
        self.cooldown(key, until, now)


def test_a_failed_release_after_a_successful_post_returns_graphs_answer(harness, caplog) -> None:
    policy = StoreGoneOnRelease()
    h = harness(lambda request: ok({"id": "sent"}), rate_limit=policy)
    with caplog.at_level(logging.WARNING, logger="graphlink"):
        assert h.request("POST", "/users/a/sendMail", json={}) == {"id": "sent"}
    assert len(h.requests) == 1
    assert policy.releases == 1
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "release" in warnings[0].getMessage()
    assert "mailbox:a" in warnings[0].getMessage()
    assert TOKEN not in caplog.text
    assert (h.client.queue_size, h.client.in_flight_size) == (0, 0)


def test_a_failed_release_after_a_failed_post_raises_the_posts_own_error(harness) -> None:
    h = harness(
        lambda request: httpx.Response(500, json={"error": {"code": "x"}}),
        rate_limit=StoreGoneOnRelease(),
    )
    with pytest.raises(errors.ServerError) as info:
        h.request("POST", "/users/a/sendMail", json={})
    assert info.value.maybe_processed is True  # the caller learns what it needs to
    assert len(h.requests) == 1


def test_a_failed_give_back_while_admitting_keeps_the_limiters_answer(harness, caplog) -> None:
    # A $batch takes its keys one at a time: "mailbox:a" is held when "mailbox:b" is
    # refused, and giving "mailbox:a" back fails.
    policy = StoreGoneOnRelease(refuse=("mailbox:b",))
    h = harness(lambda request: ok(), rate_limit=policy)
    spec = RequestSpec(method="POST", url="/$batch", json={}, keys=("mailbox:a", "mailbox:b"))
    with (
        caplog.at_level(logging.WARNING, logger="graphlink"),
        pytest.raises(errors.RateLimitExceeded),
    ):
        h.run(h.client._transport.send(spec))
    assert policy.releases == 1
    assert "release" in caplog.text
    assert h.requests == []
    assert (h.client.queue_size, h.client.in_flight_size) == (0, 0)


def test_a_failed_cooldown_does_not_end_the_call(harness) -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "1"}), ok()])
    h = harness(lambda request: next(answers), rate_limit=StoreGoneOnRelease(cooldown_fails=True))
    assert h.request("POST", "/users/a/sendMail", json={}) == {"id": "1"}
    assert len(h.requests) == 2


class CancelledOnFirstRelease(StoreGoneOnRelease):
    """Gives slots back, but the first give-back is interrupted (the task cancelled again)."""

    def __init__(self) -> None:
        super().__init__()
        self.given_back: list[object] = []

    def release(self, permit: object, now: float) -> None:
        self.releases += 1
        if self.releases == 1:
            raise KeyboardInterrupt  # a BaseException, as a second cancellation is
        self.given_back.append(permit)


def test_an_interrupted_give_back_still_gives_back_the_other_slots(harness) -> None:
    policy = CancelledOnFirstRelease()
    h = harness(lambda request: ok(), rate_limit=policy)
    spec = RequestSpec(method="POST", url="/$batch", json={}, keys=("mailbox:a", "mailbox:b"))
    with pytest.raises(KeyboardInterrupt):
        h.run(h.client._transport.send(spec))
    assert policy.releases == 2  # the interruption did not stop the loop
    assert policy.given_back == ["mailbox:b"]


# --- #9: the deadline bounds every attempt and its body ---------------------------------


def test_each_attempts_timeouts_are_capped_to_the_time_left(harness) -> None:
    timeouts: list[dict[str, float]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"])
        if len(timeouts) == 1:
            return httpx.Response(503, headers={"Retry-After": "4"})
        return ok()

    h = harness(handler, retry=RetryPolicy(deadline=10), timeout=30)
    h.request("GET", "/users/a")
    assert [t["read"] for t in timeouts] == [10, 6]
    assert [t["connect"] for t in timeouts] == [10, 6]


def test_timeouts_stay_as_given_without_a_deadline_or_when_shorter(harness) -> None:
    timeouts: list[dict[str, float]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"])
        return ok()

    harness(handler, timeout=30).request("GET", "/users/a")
    harness(handler, retry=RetryPolicy(deadline=60), timeout=30).request("GET", "/users/a")
    assert [t["read"] for t in timeouts] == [30, 30]


@pytest.mark.parametrize(
    ("failure", "said"),
    [
        (httpx.ReadTimeout("timed out"), "timed out: the call's deadline of 10 s passed"),
        (httpx.ConnectTimeout("timed out"), "was not sent: the call's deadline of 10 s passed"),
    ],
    ids=["read", "connect"],
)
def test_an_httpx_timeout_the_deadline_shortened_is_the_deadlines(harness, failure, said) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure

    # (On real time the timeout spends the deadline, and no retry follows; the fake
    # clock does not move, so retries are turned off.)
    h = harness(handler, retry=RetryPolicy(deadline=10, max_retries=0), timeout=30)
    with pytest.raises(errors.TimeoutError) as info:
        h.request("GET", "/users/a")
    assert said in str(info.value)


def test_an_httpx_timeout_shorter_than_the_deadline_stays_httpxs(harness) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    h = harness(handler, retry=RetryPolicy(deadline=60, max_retries=0), timeout=30)
    with pytest.raises(errors.TimeoutError) as info:
        h.request("GET", "/users/a")
    assert "ReadTimeout" in str(info.value)
    assert "deadline" not in str(info.value)


class SlowToAdmit(StoreGoneOnRelease):
    """Admits every call, after ``seconds`` on ``clock`` (a store slow to answer)."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.clock: FakeClock | None = None

    def try_acquire(self, key: str, now: float, cost: float = 1.0) -> Decision:
        assert self.clock is not None
        self.clock.now += self.seconds
        return Decision.admit(key)

    def release(self, permit: object, now: float) -> None:
        pass


def test_no_attempt_starts_past_the_deadline(harness) -> None:
    policy = SlowToAdmit(6)
    h = harness(lambda request: ok(), rate_limit=policy, retry=RetryPolicy(deadline=5))
    h.run(h.client.access_token())  # cached: the token is no part of this call's time
    policy.clock = h.clock
    with pytest.raises(errors.TimeoutError) as info:
        h.request("POST", "/users/a/sendMail", json={})
    assert h.requests == []
    assert "was not sent" in str(info.value)
    assert "deadline of 5 s" in str(info.value)
    assert info.value.maybe_processed is False
    assert (h.client.queue_size, h.client.in_flight_size) == (0, 0)


def test_a_body_trickling_past_the_deadline_is_cut(harness) -> None:
    h: Harness
    stream = Chunks([b" "] * 100, each=lambda: setattr(h.clock, "now", h.clock.now + 1))
    h = harness(lambda request: httpx.Response(200, stream=stream), retry=RetryPolicy(deadline=10))
    with pytest.raises(errors.TimeoutError) as info:
        h.request("POST", "/users/a/messages", json={})
    # The chunk after the first one that came late ends the read.
    assert stream.given == 12
    assert info.value.maybe_processed is True
    assert "may have processed" in str(info.value)
    assert "deadline of 10 s passed before Graph's answer was read" in str(info.value)
    assert len(h.requests) == 1


def test_a_body_complete_when_its_last_chunk_comes_late_is_read(harness) -> None:
    h: Harness
    pieces = [b'{"id":', b' "1"', b"}"]
    stream = Chunks(pieces, each=lambda: setattr(h.clock, "now", h.clock.now + 4))
    h = harness(lambda request: httpx.Response(200, stream=stream), retry=RetryPolicy(deadline=10))
    assert h.request("POST", "/users/a/messages", json={}) == {"id": "1"}


class Trickle:
    """A loopback HTTP/1.1 server that answers 200 slowly: one byte every ``every`` s of
    its body (``where="body"``) or of its headers (``where="headers"``)."""

    def __init__(self, where: str = "body", every: float = 0.1, size: int = 80) -> None:
        self.where = where
        self.every = every
        self.size = size  # 8 s of trickling: far past every deadline below
        self.requests = 0
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.base_url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/v1.0"
        self.threads = [threading.Thread(target=self._accept, daemon=True)]

    def __enter__(self) -> Trickle:
        self.threads[0].start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in list(self.threads):
            thread.join(timeout=2)
        self.listener.close()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=self._answer, args=(conn,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(2)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(body) < length:
                    body += conn.recv(65536)
                self.requests += 1
                status = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                if self.where == "body":
                    conn.sendall(status + b"Content-Length: %d\r\n\r\n" % self.size)
                    self._drip(conn, b" " * self.size)
                else:
                    conn.sendall(status + b"Content-Length: 2\r\n")
                    self._drip(conn, b"X-Slow: " + b"a" * self.size + b"\r\n\r\n{}")
            except OSError:
                return  # the client hung up: what a cut looks like from here

    def _drip(self, conn: socket.socket, data: bytes) -> None:
        for index in range(len(data)):
            if self.stop.wait(self.every):
                return
            conn.sendall(data[index : index + 1])


def call_real(mode: str, base_url: str, method: str, path: str, **kwargs: Any) -> float:
    """Send one call through a real client on real time; how long it took, in seconds."""
    options: dict[str, Any] = {"token": TOKEN, "base_url": base_url, **kwargs}
    began = time.monotonic()
    try:
        if mode == "sync":
            with GraphClient(**options) as client:
                client.request(method, path, json={})
        else:

            async def run() -> None:
                async with AsyncGraphClient(**options) as client:
                    await client.request(method, path, json={})

            asyncio.run(run())
    finally:
        took = time.monotonic() - began
    return took


def test_a_trickling_body_ends_at_the_deadline_on_real_time(mode) -> None:
    # httpx's read timeout (0.4 s) is per read: a byte every 0.1 s never trips it, and
    # this body takes 8 s. The deadline of 1 s ends the call.
    with Trickle("body") as server:
        began = time.monotonic()
        with pytest.raises(errors.TimeoutError) as info:
            call_real(
                mode,
                server.base_url,
                "POST",
                "/users/a/messages",
                retry=RetryPolicy(deadline=1),
                timeout=0.4,
            )
        took = time.monotonic() - began
    assert took < 4
    assert server.requests == 1
    assert info.value.maybe_processed is True
    assert "may have processed" in str(info.value)
    assert "deadline of 1 s" in str(info.value)


def test_async_trickling_headers_end_at_the_deadline_on_real_time() -> None:
    # The async client cuts the whole exchange; the blocking one cannot cut a read of
    # the headers (see RetryPolicy.deadline).
    with Trickle("headers") as server:
        began = time.monotonic()
        with pytest.raises(errors.TimeoutError) as info:
            call_real(
                "async",
                server.base_url,
                "GET",
                "/users/a",
                retry=RetryPolicy(deadline=1),
                timeout=0.4,
            )
        took = time.monotonic() - began
    assert took < 4
    assert "deadline of 1 s" in str(info.value)
    assert info.value.maybe_processed is False  # a read


# --- #14: max_response_bytes -----------------------------------------------------------


def big_json(size: int) -> bytes:
    return b'{"value": "' + b"x" * size + b'"}'


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_2xx_answer_over_the_limit_is_refused_and_not_retried(harness, method) -> None:
    h = harness(
        lambda request: httpx.Response(200, content=big_json(3 * MIB)),
        max_response_bytes=MIB,
    )
    with pytest.raises(errors.InvalidResponseError) as info:
        h.request(method, "/users/a/messages", json={} if method == "POST" else None)
    assert "max_response_bytes = 1048576 bytes" in str(info.value)
    assert len(h.requests) == 1  # asking again would bring the same answer
    assert info.value.maybe_processed is (method == "POST")
    assert ("may have processed" in str(info.value)) is (method == "POST")


def gzip_bomb(size: int) -> bytes:
    """``size`` zero bytes, gzipped (about a thousandth of ``size``)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(MIB)
    parts = [packer.compress(block) for _ in range(size // MIB)]
    return b"".join([*parts, packer.flush()])


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip_bomb(100 * MIB)


def test_a_gzip_bomb_stops_at_the_limit_in_small_memory(harness, bomb) -> None:
    assert len(bomb) < 200_000
    pieces = [bomb[i : i + 4096] for i in range(0, len(bomb), 4096)]
    streams: list[Chunks] = []

    def handler(request: httpx.Request) -> httpx.Response:
        streams.append(Chunks(pieces))
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=streams[-1])

    h = harness(handler, max_response_bytes=MIB)
    tracemalloc.start()
    try:
        with pytest.raises(errors.InvalidResponseError) as info:
            h.request("GET", "/users/a")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "max_response_bytes" in str(info.value)
    assert peak < 40 * MIB  # 100 MiB once inflated; a 4 KiB piece inflates to about 4 MiB
    assert streams[0].given < 5  # the rest was never read
    assert len(streams) == 1


def test_an_error_answer_over_the_limit_keeps_its_status(harness) -> None:
    h = harness(
        lambda request: httpx.Response(404, content=big_json(3 * MIB)), max_response_bytes=MIB
    )
    with pytest.raises(errors.NotFoundError) as info:
        h.request("GET", "/users/a")
    assert isinstance(info.value.body, str)
    assert len(info.value.body) == MIB  # cut at the limit


def test_a_retryable_error_over_the_limit_is_still_retried(harness) -> None:
    answers = iter([httpx.Response(503, content=big_json(3 * MIB)), ok()])
    h = harness(lambda request: next(answers), max_response_bytes=MIB)
    assert h.request("GET", "/users/a") == {"id": "1"}
    assert len(h.requests) == 2


def test_no_limit_reads_any_size(harness) -> None:
    h = harness(
        lambda request: httpx.Response(200, content=big_json(3 * MIB)), max_response_bytes=None
    )
    assert len(h.request("GET", "/users/a")["value"]) == 3 * MIB


def test_an_answer_at_the_limit_is_read(harness) -> None:
    body = big_json(1000)
    h = harness(lambda request: httpx.Response(200, content=body), max_response_bytes=len(body))
    assert h.request("GET", "/users/a") == {"value": "x" * 1000}
