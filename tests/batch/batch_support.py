"""Helpers shared by the batching tests (every scenario runs on both clients).

``in_batch(runner, fill)`` queues with ``with client.batch()`` (sync) or
``async with client.batch()`` (async); ``BatchServer`` plays Graph's ``$batch`` endpoint over
httpx.MockTransport, answering item by item (out of order), recording every call and the
fake clock's time at each.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from harness import SVC, FakeClock

from graphlink.testing import FakeGraph

BATCH_URL = "https://graph.microsoft.com/v1.0/$batch"
START = datetime(2030, 1, 7, 9, tzinfo=UTC)
END = START + timedelta(hours=1)

#: ``answer(entry, attempt) -> (status, body, headers)``: Graph's answer to one item, given
#: the item as sent and how many times this id was sent before (0 the first time).
Answerer = Callable[[dict[str, Any], int], tuple[int, Any, dict[str, str]]]


def room(n: int) -> str:
    return f"room{n}@contoso.com"


def error_body(code: str, message: str = "boom") -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "innerError": {"request-id": "r-1"}}}


def event_json(event_id: str, subject: str = "Meeting") -> dict[str, Any]:
    return {
        "id": event_id,
        "subject": subject,
        "start": {"dateTime": "2030-01-07T09:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2030-01-07T10:00:00.0000000", "timeZone": "UTC"},
    }


def plausible(entry: dict[str, Any], attempt: int) -> tuple[int, Any, dict[str, str]]:
    """A plausible success for any item: events, users, groups, mail, raw GETs."""
    url, method = entry["url"], entry["method"]
    path = url.split("?", 1)[0]
    if method == "POST" and path.endswith("/events"):
        subject = (entry.get("body") or {}).get("subject", "Meeting")
        return 201, event_json("E" + entry["id"], subject), {}
    if method == "POST" and path.endswith("/sendMail"):
        return 202, None, {}
    if method == "DELETE":
        return 204, None, {}
    if "/calendarView" in path or path.endswith("/events"):
        return 200, {"value": [event_json("L1")]}, {}
    if "/events/" in path:
        return 200, event_json(path.rsplit("/", 1)[1]), {}
    if path in ("/users", "/groups"):  # a lookup by mail: a collection
        kind = "U" if path == "/users" else "G"
        return 200, {"value": [{"id": kind + entry["id"], "displayName": "Found"}]}, {}
    if path.startswith("/users"):
        return 200, {"id": "U" + entry["id"], "displayName": "Someone", "mail": "x@contoso.com"}, {}
    if path.startswith("/groups"):
        return 200, {"id": "G" + entry["id"], "displayName": "Team"}, {}
    return 200, {"id": entry["id"], "echo": url}, {}


class BatchServer:
    """Graph's ``POST /v1.0/$batch`` over MockTransport.

    Answers each item with ``answer``; refuses (400, the whole call) what Graph refuses: more
    than 20 items, duplicate ids, a ``dependsOn`` naming an id not in the call. Responses go
    back in reverse order. A dependent of an item that failed gets 424 without being asked.
    """

    def __init__(self, answer: Answerer = plausible) -> None:
        self.answer = answer
        self.calls: list[list[dict[str, Any]]] = []
        self.raw: list[httpx.Request] = []
        self.times: list[float] = []
        self.sent: Counter[str] = Counter()
        self.clock: FakeClock | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "POST"
        assert str(request.url) == BATCH_URL, request.url
        body = json.loads(request.content)
        entries = body["requests"]
        self.calls.append(entries)
        self.raw.append(request)
        self.times.append(self.clock() if self.clock is not None else 0.0)
        ids = [e["id"].lower() for e in entries]
        refused = len(entries) > 20 or len(set(ids)) != len(ids)
        for e in entries:
            refused = refused or any(str(d).lower() not in ids for d in e.get("dependsOn", []))
        if refused:
            return httpx.Response(400, json=error_body("BadRequest", "Invalid batch payload"))
        statuses: dict[str, int] = {}
        responses = []
        for e in entries:  # in request order: a dependency comes first
            attempt = self.sent[e["id"]]
            self.sent[e["id"]] += 1
            if any(statuses.get(str(d), 200) >= 400 for d in e.get("dependsOn", [])):
                status, out, headers = 424, error_body("FailedDependency"), {}
            else:
                status, out, headers = self.answer(e, attempt)
            statuses[e["id"]] = status
            item: dict[str, Any] = {"id": e["id"], "status": status}
            if headers:
                item["headers"] = headers
            if out is not None:
                item["body"] = out
            responses.append(item)
        return httpx.Response(200, json={"responses": responses[::-1]})

    def items(self) -> list[dict[str, Any]]:
        """Every item sent, in order, across calls."""
        return [e for call in self.calls for e in call]


def serve(harness: Callable[..., Any], answer: Answerer = plausible, **kwargs: Any) -> Any:
    """A harness (by mode) on a ``BatchServer``; the server is ``h.server``."""
    server = BatchServer(answer)
    kwargs.setdefault("service_account", SVC)
    h = harness(server, **kwargs)
    server.clock = h.clock
    h.server = server
    return h


def in_batch(runner: Any, fill: Callable[[Any], Any]) -> Any:
    """Queue with ``fill(batch)`` inside ``with client.batch()`` or ``async with``; leave
    the block (which sends) and return what ``fill`` returned."""
    if runner.mode == "sync":
        with runner.client.batch() as batch:
            return fill(batch)

    async def go() -> Any:
        async with runner.client.batch() as batch:
            return fill(batch)

    return asyncio.run(go())


def outcome(handle: Any) -> Any:
    """A handle's result, or its error (not raised)."""
    try:
        return handle.result()
    except Exception as error:  # the test inspects it
        return error


def office(rooms: int = 10, **kwargs: Any) -> FakeGraph:
    """A FakeGraph with the service account, Ada, Bob and ``rooms`` rooms."""
    fake = FakeGraph(**kwargs)
    fake.add_user(SVC, "Service Account")
    fake.add_user("ada@contoso.com", "Ada Lovelace")
    fake.add_user("bob@contoso.com", "Bob Builder")
    for n in range(rooms):
        fake.add_room(f"Room {n}", room(n), capacity=8)
    return fake


def booking(n: int, calendar_id: str, **extra: Any) -> dict[str, Any]:
    """The keyword arguments of ``events.create`` for booking number ``n``."""
    at = START + timedelta(minutes=30 * n)
    return {
        "title": f"Booking {n:03d}",
        "event_start": at,
        "event_end": at + timedelta(minutes=30),
        "calendar_id": calendar_id,
        **extra,
    }
