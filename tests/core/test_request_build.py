"""How an attempt's request is built and read: once, and as httpx would have built it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from graphlink import errors
from graphlink._transport import _async, _sync

OK = {"ok": True}
#: Duplicate names apart, reserved and non-ASCII characters, a bool.
PARAMS = [
    ("$select", "id,displayName"),
    ("$filter", "startswith(displayName,'A & B=+c') and x eq 'é/?#'"),
    ("$select", "mail"),
    ("$count", True),
]


def _httpx_url(path: str, params: Any, client_params: Any = None) -> str:
    """The URL httpx itself builds for ``params`` (what graphlink sent before)."""
    client = httpx.Client(params=client_params)
    return str(
        client.build_request("GET", "https://graph.microsoft.com/v1.0" + path, params=params).url
    )


def test_the_query_is_the_one_httpx_would_build(harness) -> None:
    h = harness(lambda request: httpx.Response(200, json=OK))
    h.request("GET", "/users", params=PARAMS)
    assert str(h.requests[-1].url) == _httpx_url("/users", PARAMS)


def test_a_clients_own_params_merge_as_httpx_merges_them(mode) -> None:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=OK)

    given = {"$top": "5", "$select": "client"}
    if mode == "sync":
        from graphlink import GraphClient

        with GraphClient(
            token="t", http_client=httpx.Client(params=given, transport=httpx.MockTransport(record))
        ) as client:
            client.request("GET", "/users", params=PARAMS)
    else:
        import asyncio

        from graphlink import AsyncGraphClient

        async def run() -> None:
            http = httpx.AsyncClient(params=given, transport=httpx.MockTransport(record))
            async with AsyncGraphClient(token="t", http_client=http) as client:
                await client.request("GET", "/users", params=PARAMS)

        asyncio.run(run())
    assert str(sent[-1].url) == _httpx_url("/users", PARAMS, given)


@pytest.fixture
def merges(monkeypatch) -> list[object]:
    """Each time httpx sets the query of a URL it already parsed."""
    calls: list[object] = []
    original = httpx._urlparse.ParseResult.copy_with

    def spy(self: Any, **kwargs: Any) -> Any:
        if "query" in kwargs:
            calls.append(kwargs["query"])
        return original(self, **kwargs)

    monkeypatch.setattr(httpx._urlparse.ParseResult, "copy_with", spy)
    return calls


def test_a_request_with_a_query_is_parsed_once(harness, merges) -> None:
    h = harness(lambda request: httpx.Response(200, json=OK))
    h.request("GET", "/users", params={"$select": "id"})
    assert str(h.requests[-1].url).endswith("/users?%24select=id")
    assert merges == []


def test_callers_headers_replace_ours_in_any_case(harness) -> None:
    h = harness(lambda request: httpx.Response(200, json=OK))
    h.request("GET", "/users", headers={"accept": "text/plain", "Prefer": "x"})
    headers = h.requests[-1].headers
    assert headers.get_list("Accept") == ["text/plain"]
    assert headers["Prefer"] == "x"
    assert headers["User-Agent"].startswith("graphlink/")
    assert headers["Authorization"] == "Bearer secret-token-value"


@pytest.fixture
def no_chunks(monkeypatch) -> None:
    """Reading a body chunk by chunk fails: only the single read works."""

    def refuse(response: httpx.Response) -> Any:
        raise AssertionError("read chunk by chunk")

    monkeypatch.setattr(_sync, "body_chunks", refuse)
    monkeypatch.setattr(_async, "body_chunks", refuse)


def test_a_body_of_a_known_size_within_the_limit_is_read_at_once(harness, no_chunks) -> None:
    h = harness(lambda request: httpx.Response(200, json=OK))
    assert h.request("GET", "/users/a") == OK


def test_a_body_whose_content_length_lied_is_still_held_to_the_limit(harness) -> None:
    def lying(request: httpx.Request) -> httpx.Response:
        status = 200 if request.url.path.endswith("/ok") else 404
        body = b'{"error": {"code": "x", "message": "' + b"y" * 500 + b'"}}'
        return httpx.Response(
            status, headers={"Content-Length": "2"}, stream=httpx.ByteStream(body)
        )

    h = harness(lying, max_response_bytes=100)
    with pytest.raises(errors.GraphError, match="100"):
        h.request("GET", "/users/ok")
    with pytest.raises(errors.NotFoundError) as info:
        h.request("GET", "/users/gone")
    assert len(info.value.body) == 100
