"""A harness that runs the same scenario on GraphClient and AsyncGraphClient.

Clients get an httpx MockTransport (``Harness``) or a FakeGraph (``FakeRun``), a fake
clock and a recording sleep: no test sleeps. Fixtures: ``mode`` (each test runs on both
clients), ``harness``, ``on_fake`` and ``fake_run`` (the class ``on_fake`` builds); an area
imports the ones it uses into its conftest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from graphlink import AsyncGraphClient, GraphClient
from graphlink._transport import _io_async, _io_sync
from graphlink.ratelimit import Wakeup

if TYPE_CHECKING:
    from graphlink.testing import FakeGraph

Handler = Callable[[httpx.Request], httpx.Response]

#: The service account ``FakeRun`` gives a client unless told otherwise.
SVC = "svc@contoso.com"


class FakeClock:
    """A monotonic clock that only moves when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)


class SyncClockSeam(_io_sync.Clock):
    """The blocking transport's clock, reading and moving a ``FakeClock``."""

    def __init__(self, fake: FakeClock) -> None:
        self.fake = fake

    def now(self) -> float:
        return self.fake()

    def sleep(self, seconds: float) -> None:
        self.fake.sleep(seconds)

    def wait(self, seconds: float, wakeup: Wakeup | None) -> None:
        self.fake.sleep(seconds)  # nothing else runs: a wake-up could only come later


class AsyncClockSeam(_io_async.Clock):
    """The async transport's clock, reading and moving a ``FakeClock``."""

    def __init__(self, fake: FakeClock) -> None:
        self.fake = fake

    def now(self) -> float:
        return self.fake()

    async def sleep(self, seconds: float) -> None:
        self.fake.sleep(seconds)
        await asyncio.sleep(0)  # a real sleep lets other tasks run (a shared token fetch)

    async def wait(self, seconds: float, wakeup: Wakeup | None) -> None:
        self.fake.sleep(seconds)
        await asyncio.sleep(0)


def fake_time(mode: str, client: Any, clock: FakeClock) -> None:
    """Put ``client`` (sync or async, by ``mode``) on ``clock``, with a fixed jitter."""
    client._transport.clock = SyncClockSeam(clock) if mode == "sync" else AsyncClockSeam(clock)
    client._transport._rand = lambda: 0.5


def mock_client(mode: str, handler: Handler, **kwargs: Any) -> Any:
    """A sync or async client (by ``mode``) over ``handler`` (the test token unless
    ``token=`` is given)."""
    kwargs.setdefault("token", "secret-token-value")
    if mode == "sync":
        return GraphClient(
            http_client=httpx.Client(transport=httpx.MockTransport(handler)), **kwargs
        )
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return AsyncGraphClient(http_client=http, **kwargs)


class _Runner:
    """What a test does with its client, the same whether it is sync or async."""

    mode: str

    def run(self, value: Any) -> Any:
        """Await ``value`` on the async client; return it as is on the sync one."""
        if self.mode == "sync":
            return value
        return asyncio.run(value)

    def collect(self, paginator: Any) -> list[Any]:
        return self.run(paginator.to_list())

    def pages(self, paginator: Any) -> list[Any]:
        if self.mode == "sync":
            return list(paginator.pages())

        async def gather() -> list[Any]:
            return [page async for page in paginator.pages()]

        return asyncio.run(gather())


class Harness(_Runner):
    """One client (sync or async) over a handler; ``call`` runs any client coroutine."""

    def __init__(self, mode: str, handler: Handler, **kwargs: Any) -> None:
        self.mode = mode
        self.clock = FakeClock()
        self.requests: list[httpx.Request] = []  # a test may swap in its own sink

        def record(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return handler(request)

        self.client: Any = mock_client(mode, record, **kwargs)
        fake_time(mode, self.client, self.clock)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.run(self.client.request(method, path, **kwargs))


class FakeRun(_Runner):
    """A GraphClient or AsyncGraphClient on a FakeGraph, with a fake clock (no sleeps).

    ``service_account`` defaults to ``SVC``; every keyword goes to ``FakeGraph.client`` (or
    ``async_client``). An area needing more (mail's spy transport) subclasses it and names
    the subclass in its conftest's ``fake_run`` fixture.
    """

    def __init__(self, mode: str, fake: FakeGraph, **kwargs: Any) -> None:
        self.mode = mode
        self.fake = fake
        self.clock = FakeClock()
        kwargs.setdefault("service_account", SVC)
        if mode == "sync":
            self.client: Any = fake.client(**kwargs)
        else:
            self.client = fake.async_client(**kwargs)
        fake_time(mode, self.client, self.clock)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    """Each test runs once on GraphClient and once on AsyncGraphClient."""
    return str(request.param)


@pytest.fixture
def harness(mode: str) -> Callable[..., Harness]:
    def make(handler: Handler, **kwargs: Any) -> Harness:
        return Harness(mode, handler, **kwargs)

    return make


@pytest.fixture
def fake_run() -> type[FakeRun]:
    """The class ``on_fake`` builds: an area's conftest overrides it for a subclass."""
    return FakeRun


@pytest.fixture
def on_fake(mode: str, fake_run: type[FakeRun]) -> Callable[..., FakeRun]:
    """``on_fake(fake, **client_kwargs)``: a sync or async client (by ``mode``) on ``fake``."""

    def make(fake: FakeGraph, **kwargs: Any) -> FakeRun:
        return fake_run(mode, fake, **kwargs)

    return make


def graph_error(status: int, code: str, message: str = "boom", **headers: str) -> httpx.Response:
    """A response with Graph's error body."""
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {"request-id": "req-1", "date": "2025-01-01T00:00:00"},
        }
    }
    return httpx.Response(status, json=body, headers=headers)


def sequence(*responses: httpx.Response | Exception) -> Handler:
    """A handler answering with each response in turn (raising the exceptions)."""
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return handler


class FakeTokenEndpoint:
    """Entra ID's discovery and token endpoints, as msal calls them, counting token grants."""

    def __init__(self, *, expires_in: int = 3599, fail: bool = False) -> None:
        self.grants: list[httpx.Request] = []
        self.expires_in = expires_in
        self.fail = fail

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host = f"{request.url.scheme}://{request.url.host}"
        tenant = request.url.path.strip("/").split("/")[0]
        if request.url.path.endswith("/openid-configuration"):
            return httpx.Response(
                200,
                json={
                    "token_endpoint": f"{host}/{tenant}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{host}/{tenant}/oauth2/v2.0/authorize",
                    "issuer": f"{host}/{tenant}/v2.0",
                },
            )
        if request.url.path.endswith("/oauth2/v2.0/token"):
            self.grants.append(request)
            if self.fail:
                return httpx.Response(
                    401,
                    json={
                        "error": "invalid_client",
                        "error_description": "AADSTS7000215: Invalid client secret provided.",
                    },
                )
            return httpx.Response(
                200,
                json={
                    "token_type": "Bearer",
                    "expires_in": self.expires_in,
                    "access_token": f"token-{len(self.grants)}",
                },
            )
        return httpx.Response(404, json={"error": "not_found"})

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))
