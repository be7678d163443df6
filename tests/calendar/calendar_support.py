"""Helpers shared by the calendar tests (run on both clients).

The client on a FakeGraph (``on_fake``, ``FakeRun``) comes from ``tests/harness.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

import httpx
from examples import example
from harness import SVC as SVC  # the tests name it from here

from graphlink._core.request import limit_key

GRAPH = "https://graph.microsoft.com/v1.0"


def replay(name: str, **overrides: Any) -> Callable[[httpx.Request], httpx.Response]:
    """A handler answering every request with the documented response of ``name``.

    ``overrides`` are merged into an object body (e.g. an ``id`` the excerpt left out).
    """
    data = example(name)
    body = data["response_body"]
    if overrides and isinstance(body, Mapping):
        body = {**body, **overrides}

    def handler(request: httpx.Request) -> httpx.Response:
        if body is None:
            return httpx.Response(data["response_status"])
        return httpx.Response(data["response_status"], json=body)

    return handler


def answer(status: int = 200, body: Any = None) -> Callable[[httpx.Request], httpx.Response]:
    """A handler answering every request the same way."""

    def handler(request: httpx.Request) -> httpx.Response:
        if body is None:
            return httpx.Response(status)
        return httpx.Response(status, json=body)

    return handler


def event_json(event_id: str = "E1", **fields: Any) -> dict[str, Any]:
    """A minimal Graph event (UTC times)."""
    return {
        "id": event_id,
        "subject": "Meeting",
        "start": {"dateTime": "2030-01-07T09:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2030-01-07T10:00:00.0000000", "timeZone": "UTC"},
        **fields,
    }


def body_of(request: httpx.Request) -> Any:
    """The JSON body a request carried."""
    import json

    return json.loads(request.content) if request.content else None


def graph_path(request: httpx.Request) -> str:
    """The decoded path below ``/v1.0``."""
    path = unquote(request.url.path)
    return path.removeprefix("/v1.0")


def assert_mailbox_keyed(requests: list[httpx.Request], mailbox: str) -> None:
    """Every request is addressed ``/users/{mailbox}/...`` and rate-limited by that mailbox."""
    assert requests
    for request in requests:
        assert graph_path(request).startswith(f"/users/{mailbox}/"), request.url
        assert limit_key(str(request.url)) == f"mailbox:{mailbox.lower()}"


def lower_keys(value: Any) -> Any:
    """JSON with every key and string value case-folded (Graph reads both loosely)."""
    if isinstance(value, Mapping):
        return {str(k).lower(): lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [lower_keys(v) for v in value]
    if isinstance(value, str):
        return value.lower()
    return value
