"""Soak: many calls at once over many mailboxes, with 429s and 503s injected.

Every call must end in a result or a typed ``graphlink.errors`` error; afterwards nothing
is left waiting or in flight (client counters, tasks, threads, unclosed responses), the
server never saw more than Graph's 4 requests in flight per mailbox, and FakeGraph's side
effects match the successful calls exactly (no mail or event lost or made twice).

The faults are injected by a wrapper transport in front of FakeGraph's in-process one
(or of a real connection pool to ``FakeGraph.serve()``), with a seeded RNG: an injected
answer never reaches FakeGraph, so nothing acted on it. CI runs a reduced size; ``--soak``
(or ``GRAPHLINK_SOAK=1``) runs the full one. The figures are printed (see them with
``-s``) and recorded as the test's ``record_property``.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from graphlink import AsyncGraphClient, GraphClient, errors
from graphlink.ratelimit import PerMailbox
from graphlink.retry import RetryPolicy
from graphlink.testing import FakeGraph

pytestmark = pytest.mark.soak

SEED = 20_250_114
GRAPH_LIMIT = 4  # Graph's concurrent requests per mailbox
# Path segments after /users/{ref}/ that are Outlook (per-mailbox) resources.
MAILBOX_RESOURCES = {"events", "calendar", "calendars", "calendarview", "sendmail", "messages"}
START = datetime(2030, 1, 7, 9, tzinfo=UTC)


@dataclass(frozen=True)
class Size:
    calls: int
    concurrency: int
    mailboxes: int


# (CI size, --soak size); the sync client's concurrency is its threads.
CI_ASYNC, FULL_ASYNC = Size(2_000, 50, 20), Size(20_000, 200, 100)
CI_SYNC, FULL_SYNC = Size(2_000, 32, 20), Size(20_000, 32, 100)
CI_SOCKETS, FULL_SOCKETS = Size(300, 30, 10), Size(5_000, 100, 50)


# ------------------------------------------------------------------ the server side


@dataclass
class ServerView:
    """What the wrapper saw at the server: in flight per mailbox, faults, open bodies."""

    seed: int
    p429: float = 0.10
    p503: float = 0.03
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: Counter[str] = field(default_factory=Counter)
    peak: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    bodies_open: int = 0
    canonical: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def mailbox(self, request: httpx.Request) -> str | None:
        """The mailbox a request targets, by the server's own reading of the path."""
        parts = [unquote(p) for p in request.url.raw_path.decode().split("?")[0].split("/")]
        # ['', 'v1.0', 'users', ref, resource, ...]
        if len(parts) > 4 and parts[2] == "users" and parts[4].lower() in MAILBOX_RESOURCES:
            ref = parts[3].lower()
            return self.canonical.get(ref, ref)
        return None

    def enter(self, key: str | None) -> httpx.Response | None:
        """Count the request in; draw whether it gets an injected 429 or 503."""
        with self.lock:
            self.requests += 1
            if key is not None:
                self.in_flight[key] += 1
                self.peak[key] = max(self.peak[key], self.in_flight[key])
            draw = self.rng.random()
            if draw < self.p429:
                self.injected["429"] += 1
                after = self.rng.choice(["0", "0.01"])
                return _error(429, "TooManyRequests", {"Retry-After": after})
            if draw < self.p429 + self.p503:
                # Half with Retry-After (retried for every method), half bare (retried
                # only when idempotent: a sendMail then fails with a typed ServerError).
                self.injected["503"] += 1
                headers = {"Retry-After": "0.01"} if self.rng.random() < 0.5 else {}
                return _error(503, "ServiceUnavailable", headers)
            return None

    def leave(self, key: str | None) -> None:
        with self.lock:
            if key is not None:
                self.in_flight[key] -= 1

    def opened(self) -> None:
        with self.lock:
            self.bodies_open += 1

    def closed(self) -> None:
        with self.lock:
            self.bodies_open -= 1


def _error(status: int, code: str, headers: dict[str, str]) -> httpx.Response:
    body = {"error": {"code": code, "message": "injected", "innerError": {"request-id": "r"}}}
    return httpx.Response(status, json=body, headers=headers)


class _Body(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that tells the server view when the client closes it."""

    def __init__(self, inner: Any, view: ServerView) -> None:
        self.inner = inner
        self.view = view
        self.done = False
        view.opened()

    def __iter__(self) -> Iterator[bytes]:
        yield from self.inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner:
            yield chunk

    def close(self) -> None:
        if not self.done:
            self.done = True
            self.view.closed()
            if isinstance(self.inner, httpx.SyncByteStream):
                self.inner.close()

    async def aclose(self) -> None:
        if not self.done:
            self.done = True
            self.view.closed()
            if isinstance(self.inner, httpx.AsyncByteStream):
                await self.inner.aclose()  # a pooled connection goes back to its pool


def _tracked(response: httpx.Response, view: ServerView) -> httpx.Response:
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=_Body(response.stream, view),
        extensions=response.extensions,
    )


class AsyncInjecting(httpx.AsyncBaseTransport):
    """FakeGraph's async transport (or ``inner``) behind random 429s/503s, counting in
    flight per mailbox."""

    def __init__(
        self, fake: FakeGraph, view: ServerView, inner: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.inner = inner if inner is not None else fake.async_transport()
        self.view = view

    async def aclose(self) -> None:
        await self.inner.aclose()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = self.view.mailbox(request)
        fault = self.view.enter(key)
        try:
            if fault is not None:
                await asyncio.sleep(0)  # still in flight while other tasks run
                return _tracked(fault, self.view)
            return _tracked(await self.inner.handle_async_request(request), self.view)
        finally:
            self.view.leave(key)


class SyncInjecting(httpx.BaseTransport):
    """The same in front of FakeGraph's blocking transport (for threads)."""

    def __init__(self, fake: FakeGraph, view: ServerView) -> None:
        self.inner = fake.transport()
        self.view = view

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        key = self.view.mailbox(request)
        fault = self.view.enter(key)
        try:
            if fault is not None:
                time.sleep(0)
                return _tracked(fault, self.view)
            return _tracked(self.inner.handle_request(request), self.view)
        finally:
            self.view.leave(key)


# ------------------------------------------------------------------ the workload


@dataclass
class Tally:
    """What the calls ended in."""

    done: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    untyped: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, op: str) -> None:
        with self.lock:
            self.done[op] += 1

    def failed(self, op: str, exc: BaseException) -> None:
        with self.lock:
            if isinstance(exc, errors.GraphError):
                self.errors[f"{op}:{type(exc).__name__}"] += 1
            else:
                self.untyped.append(f"{op}: {type(exc).__name__}: {exc}"[:300])

    @property
    def ended(self) -> int:
        return sum(self.done.values()) + sum(self.errors.values()) + len(self.untyped)


def make_fake(size: Size, latency: float = 0.001) -> tuple[FakeGraph, list[str], ServerView]:
    fake = FakeGraph(latency=latency)
    view = ServerView(seed=SEED)
    boxes = []
    for i in range(size.mailboxes):
        user = fake.add_user(f"box{i}@contoso.com", f"Box {i}")
        boxes.append(user["mail"])
        view.canonical[user["mail"].lower()] = user["id"]
        view.canonical[user["id"].lower()] = user["id"]
    return fake, boxes, view


def plan(size: Size, boxes: list[str]) -> list[tuple[str, str, str]]:
    """``(operation, mailbox, other mailbox)`` for each call, from the seed."""
    rng = random.Random(SEED + 1)
    ops = rng.choices(["read", "create", "send", "user"], weights=[55, 25, 10, 10], k=size.calls)
    return [(op, rng.choice(boxes), rng.choice(boxes)) for op in ops]


def retry_policy() -> RetryPolicy:
    # Tiny backoffs so a bare 503 costs milliseconds; a deadline so nothing can hang.
    return RetryPolicy(backoff_base=0.005, backoff_max=0.02, deadline=60)


async def _one_async(client: AsyncGraphClient, op: str, box: str, other: str, n: int) -> None:
    if op == "read":
        await client.calendars.list(user_id=box).to_list()
    elif op == "create":
        start = START + timedelta(minutes=30 * (n % 500))
        await client.events.create(f"soak {n}", start, start + timedelta(minutes=30), user_id=box)
    elif op == "send":
        await client.mail.send(other, f"soak {n}", message_plaintext="hello", from_=box)
    else:
        await client.users.get(box)


def _one_sync(client: GraphClient, op: str, box: str, other: str, n: int) -> None:
    if op == "read":
        client.calendars.list(user_id=box).to_list()
    elif op == "create":
        start = START + timedelta(minutes=30 * (n % 500))
        client.events.create(f"soak {n}", start, start + timedelta(minutes=30), user_id=box)
    elif op == "send":
        client.mail.send(other, f"soak {n}", message_plaintext="hello", from_=box)
    else:
        client.users.get(box)


# ------------------------------------------------------------------ checks and figures


def figures(
    kind: str, size: Size, seconds: float, view: ServerView, tally: Tally, fake: FakeGraph
) -> dict[str, Any]:
    return {
        "kind": kind,
        "calls": size.calls,
        "concurrency": size.concurrency,
        "mailboxes": size.mailboxes,
        "seconds": round(seconds, 2),
        "calls_per_s": round(size.calls / seconds),
        "requests": view.requests,
        "injected": dict(view.injected),
        "retries": view.requests - size.calls,
        "errors": dict(tally.errors),
        "max_in_flight_per_mailbox": max(view.peak.values(), default=0),
        "fake_peak_in_flight": max(fake.peak_in_flight.values(), default=0),
        "fake_throttled": fake.throttled,
        "seed": view.seed,
    }


def report(record_property: Callable[[str, object], None], data: dict[str, Any]) -> None:
    record_property("soak", data)
    print(f"\nsoak figures: {data}")


def check(size: Size, view: ServerView, tally: Tally, fake: FakeGraph, client: Any) -> None:
    assert tally.untyped == [], "calls ended in errors that are not graphlink's"
    assert tally.ended == size.calls, "every call ends in a result or a typed error"
    assert (client.queue_size, client.in_flight_size) == (0, 0)
    assert sum(view.in_flight.values()) == 0
    assert view.bodies_open == 0, "every response body handed to the client was closed"
    busiest = max(view.peak.values())
    assert busiest <= GRAPH_LIMIT, f"{busiest} requests in flight to one mailbox"
    assert max(fake.peak_in_flight.values()) <= GRAPH_LIMIT
    assert fake.throttled == 0  # FakeGraph itself never had to say 429
    assert view.injected["429"] > 0
    assert view.injected["503"] > 0
    # Nothing lost, nothing twice: injected answers never reached FakeGraph.
    assert len(fake.sent_mail) == tally.done["send"]
    created = sum(len(fake.events(box)) for box in set(view.canonical.values()))
    assert created == tally.done["create"]


def size_for(request: pytest.FixtureRequest, ci: Size, full: Size) -> Size:
    return full if request.config.getoption("--soak") else ci


# ------------------------------------------------------------------ the soaks


async def run_async(
    size: Size,
    calls: list[tuple[str, str, str]],
    tally: Tally,
    make: Callable[[], AsyncGraphClient],
    after: Callable[[], None] = lambda: None,
) -> tuple[float, AsyncGraphClient]:
    """The calls on ``size.concurrency`` tasks; checks that no task is left; ``after``
    runs once every call has ended, then the client is closed."""
    client = make()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(len(calls)):
        queue.put_nowait(n)

    async def worker() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            op, box, other = calls[n]
            try:
                await _one_async(client, op, box, other, n)
            except Exception as exc:
                tally.failed(op, exc)
            else:
                tally.ok(op)

    before = asyncio.all_tasks()
    started = time.perf_counter()
    workers = [asyncio.create_task(worker()) for _ in range(size.concurrency)]
    await asyncio.wait_for(asyncio.gather(*workers), timeout=300)
    seconds = time.perf_counter() - started
    await asyncio.sleep(0)  # let anything finishing settle
    assert asyncio.all_tasks() == before, "tasks left running after every call ended"
    after()
    await client.close()
    return seconds, client


def test_async_soak(request: pytest.FixtureRequest, record_property: Any) -> None:
    size = size_for(request, CI_ASYNC, FULL_ASYNC)
    fake, boxes, view = make_fake(size)
    calls = plan(size, boxes)
    tally = Tally()
    http = httpx.AsyncClient(transport=AsyncInjecting(fake, view))

    def make() -> AsyncGraphClient:
        return fake.async_client(http_client=http, rate_limit=PerMailbox(), retry=retry_policy())

    async def run() -> tuple[float, AsyncGraphClient]:
        try:
            return await run_async(size, calls, tally, make)
        finally:
            await http.aclose()

    threads_before = set(threading.enumerate())
    seconds, client = asyncio.run(run())
    data = figures("async", size, seconds, view, tally, fake)
    report(record_property, data)
    check(size, view, tally, fake, client)
    assert set(threading.enumerate()) <= threads_before


def test_async_soak_over_sockets(request: pytest.FixtureRequest, record_property: Any) -> None:
    """The same through a real connection pool to ``FakeGraph.serve()`` on loopback: once
    every call has ended, every pooled connection is idle (none leaked half-read) and no
    request is queued."""
    size = size_for(request, CI_SOCKETS, FULL_SOCKETS)
    fake, boxes, view = make_fake(size, latency=0.0)
    calls = plan(size, boxes)
    tally = Tally()
    pool: dict[str, Any] = {}

    def idle() -> None:
        connections = pool["pool"].connections
        pool["connections"] = len(connections)
        pool["busy"] = len([c for c in connections if not c.is_idle()])
        pool["queued"] = len(pool["pool"]._requests)

    with fake.serve() as root:
        sockets = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=size.concurrency))
        pool["pool"] = sockets._pool
        http = httpx.AsyncClient(transport=AsyncInjecting(fake, view, inner=sockets))

        def make() -> AsyncGraphClient:
            return AsyncGraphClient(
                token="fake-token",
                base_url=root,
                http_client=http,
                rate_limit=PerMailbox(),
                retry=retry_policy(),
            )

        async def run() -> tuple[float, AsyncGraphClient]:
            try:
                return await run_async(size, calls, tally, make, after=idle)
            finally:
                await http.aclose()

        seconds, client = asyncio.run(run())
    data = figures("async over sockets", size, seconds, view, tally, fake)
    data["pooled_connections"] = pool["connections"]
    report(record_property, data)
    check(size, view, tally, fake, client)
    assert pool["busy"] == 0, "connections still busy after every call ended"
    assert pool["queued"] == 0
    assert 0 < pool["connections"] <= size.concurrency


def test_sync_soak_on_threads(request: pytest.FixtureRequest, record_property: Any) -> None:
    size = size_for(request, CI_SYNC, FULL_SYNC)
    fake, boxes, view = make_fake(size)
    calls = plan(size, boxes)
    tally = Tally()
    http = httpx.Client(transport=SyncInjecting(fake, view))
    client = fake.client(http_client=http, rate_limit=PerMailbox(), retry=retry_policy())

    def one(n: int) -> None:
        op, box, other = calls[n]
        try:
            _one_sync(client, op, box, other, n)
        except Exception as exc:
            tally.failed(op, exc)
        else:
            tally.ok(op)

    threads_before = set(threading.enumerate())
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=size.concurrency) as pool:
        futures = [pool.submit(one, n) for n in range(len(calls))]
        for future in futures:
            future.result(timeout=300)
    seconds = time.perf_counter() - started
    client.close()
    http.close()
    data = figures("sync", size, seconds, view, tally, fake)
    report(record_property, data)
    check(size, view, tally, fake, client)
    assert set(threading.enumerate()) <= threads_before, "threads left running"
