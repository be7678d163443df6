"""Helpers shared by the mail tests (each scenario runs on both clients).

``MailRun`` (what ``on_fake`` builds here) is the harness's ``FakeRun``, a GraphClient or an
AsyncGraphClient on a FakeGraph with the fake clock, behind a spy transport that keeps every
request's headers as they went on the wire: FakeGraph's own ``requests`` leave
``Authorization`` out, and the upload PUTs must be shown to carry no bearer token.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import attrs
import httpx
from harness import SVC, FakeRun

from graphlink.testing import FakeGraph

MAILER = "mailer@contoso.com"
ADA = "ada@contoso.com"
BOB = "bob@contoso.com"
GRAPH = "https://graph.microsoft.com/v1.0"
MiB = 1024 * 1024


@attrs.frozen
class Wire:
    """One request as it left the client: method, URL and headers (``Authorization`` kept)."""

    method: str
    url: str
    headers: httpx.Headers


class _SpySync(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, seen: list[Wire]) -> None:
        self.inner = inner
        self.seen = seen

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(Wire(request.method, str(request.url), httpx.Headers(request.headers)))
        return self.inner.handle_request(request)


class _SpyAsync(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, seen: list[Wire]) -> None:
        self.inner = inner
        self.seen = seen

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(Wire(request.method, str(request.url), httpx.Headers(request.headers)))
        return await self.inner.handle_async_request(request)


def office() -> FakeGraph:
    """A FakeGraph with the service account, a mailer mailbox and two colleagues."""
    fake = FakeGraph()
    fake.add_user(SVC, "Service Account")
    fake.add_user(MAILER, "Reception Mailer")
    fake.add_user(ADA, "Ada Lovelace")
    fake.add_user(BOB, "Bob Builder")
    return fake


class MailRun(FakeRun):
    """``FakeRun`` behind a spy transport: ``wire`` holds every request as it went out."""

    def __init__(self, mode: str, fake: FakeGraph, **kwargs: Any) -> None:
        self.wire: list[Wire] = []
        if mode == "sync":
            http: Any = httpx.Client(transport=_SpySync(fake.transport(), self.wire))
        else:
            http = httpx.AsyncClient(transport=_SpyAsync(fake.async_transport(), self.wire))
        super().__init__(mode, fake, http_client=http, **kwargs)

    def send(self, *args: Any, **kwargs: Any) -> Any:
        return self.run(self.client.mail.send(*args, **kwargs))

    def send_template(self, *args: Any, **kwargs: Any) -> Any:
        return self.run(self.client.mail.send_template(*args, **kwargs))


def body_of(request: httpx.Request) -> Any:
    """The JSON body a request carried."""
    return json.loads(request.content) if request.content else None


def graph_path(request: httpx.Request) -> str:
    """The decoded path below ``/v1.0``."""
    return unquote(request.url.path).removeprefix("/v1.0")


def accepted(request: httpx.Request) -> httpx.Response:
    """sendMail's answer: 202 Accepted, no body."""
    return httpx.Response(202)


Handler = Callable[[httpx.Request], httpx.Response]


def lower_values(value: Any, *keys: str) -> Any:
    """JSON with the string values of ``keys`` case-folded (Graph's docs vary their case)."""
    if isinstance(value, dict):
        return {
            k: (v.lower() if k in keys and isinstance(v, str) else lower_values(v, *keys))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [lower_values(v, *keys) for v in value]
    return value
