"""Inputs that once made ``handle`` raise or misbehave, and FakeGraph's and the keeper's
edge cases (review of issue 17): each test here failed before its fix."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from notify_support import EVENTS, HOUR, ROOM, SECRET, START, SVC, Receiver

from graphlink import errors
from graphlink.notifications import SubscriptionKeeper, handle
from graphlink.notifications._handle import LIFECYCLE_EVENTS
from graphlink.notifications._keeper import lifetime_for
from graphlink.testing import FakeGraph, _webhooks


def _item(**over: Any) -> dict[str, Any]:
    return {"subscriptionId": "sub-1", "changeType": "created", "clientState": SECRET, **over}


# ------------------------------------------------------------------ handle


@pytest.mark.parametrize("body", ["[" * 100_000, '{"value":' + "[" * 100_000])
def test_deep_nesting_is_400_not_recursion_error(body: str) -> None:
    assert handle("POST", {}, {}, body, client_state=SECRET).status == 400


def test_a_lone_surrogate_client_state_is_dropped_not_raised() -> None:
    body = '{"value":[{"subscriptionId":"a","changeType":"created","clientState":"\\ud800"}]}'
    answer = handle("POST", {}, {}, body, client_state=SECRET)
    assert (answer.status, answer.dropped) == (202, 1)


@pytest.mark.parametrize(
    ("query", "token"),
    [
        ({"validationToken": b"\xff"}, "\ufffd"),  # bytes values: UTF-8, bad bytes replaced
        ({"validationToken": [b"ab"]}, "ab"),
        ([("validationToken", "x")], "x"),  # pairs
        ("validationToken=é".encode(), "é"),  # raw query bytes are UTF-8, not latin-1
        (5, None),  # not a query: no parameters
        ({"validationToken": None}, None),  # None is absent, not "None"
    ],
)
def test_odd_queries_are_read_not_raised(query: Any, token: str | None) -> None:
    answer = handle("POST", query, {}, b"", client_state=SECRET)
    assert answer.validation_token == token
    assert answer.status == (200 if token is not None else 400)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (memoryview(json.dumps({"value": [_item()]}).encode()), 202),
        (bytearray(json.dumps({"value": [_item()]}).encode()), 202),
        ({"value": []}, 400),
    ],
)
def test_odd_body_types_are_read_or_400(body: Any, status: int) -> None:
    assert handle("POST", {}, {}, body, client_state=SECRET).status == status


@pytest.mark.parametrize("client_state", [SECRET.encode(), [SECRET, b"x"], [], 123])
def test_a_misconfigured_client_state_is_500_not_silence(client_state: Any) -> None:
    body = json.dumps({"value": [_item()]})
    assert handle("POST", {}, {}, body, client_state=client_state).status == 500


def test_a_body_over_max_body_bytes_is_413() -> None:
    body = json.dumps({"value": [_item()]})
    assert handle("POST", {}, {}, body, client_state=SECRET, max_body_bytes=10).status == 413
    assert handle("POST", {}, {}, body, client_state=SECRET, max_body_bytes=None).status == 202


def test_a_sender_chosen_subscription_id_is_logged_quoted_and_cut(caplog) -> None:
    sid = "x\nforged log line " + "y" * 500
    body = json.dumps({"value": [_item(subscriptionId=sid, clientState="wrong")]})
    with caplog.at_level(logging.WARNING, "graphlink.notifications"):
        handle("POST", {}, {}, body, client_state=SECRET)
    (message,) = [r.getMessage() for r in caplog.records]
    assert "\n" not in message
    assert "y" * 100 not in message


def test_one_list_of_lifecycle_events() -> None:
    assert _webhooks.LIFECYCLE_EVENTS is LIFECYCLE_EVENTS


# ------------------------------------------------------------------ FakeGraph


def _fake() -> FakeGraph:
    fake = FakeGraph()
    fake.add_user(SVC, "Service")
    fake.add_room("Aurora", ROOM, capacity=8)
    return fake


def test_in_process_async_handshake_reaches_a_receiver_on_the_same_loop() -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode().split("\r\n")
        size = next(
            (int(h.split(":")[1]) for h in head if h.lower().startswith("content-length")), 0
        )
        body = await reader.readexactly(size) if size else b""
        query = urlsplit(head[0].split()[1]).query
        answer = handle("POST", query, {}, body, client_state=SECRET)
        data = answer.body.encode()
        writer.write(
            f"HTTP/1.1 {answer.status} OK\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
            + data
        )
        await writer.drain()
        writer.close()
        got.append(answer)

    got: list[Any] = []

    async def main() -> None:
        fake = _fake()
        fake.webhook_timeout = 2
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
        async with fake.async_client(service_account=SVC) as client:
            expires = datetime.now(UTC) + HOUR
            await client.subscriptions.create(EVENTS, url, expires, client_state=SECRET)
            await client.events.create("m", START, START + HOUR, user_id=ROOM)
            (delivery,) = await fake.adeliver()
            assert delivery.ok
        server.close()

    asyncio.run(main())
    assert [a.status for a in got] == [200, 202]


def test_the_handshake_runs_without_fakegraphs_lock() -> None:
    """A receiver that calls FakeGraph back while validating is answered in time."""
    fake = _fake()
    fake.webhook_timeout = 2

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            fake.requests  # noqa: B018 - takes FakeGraph's lock, as any call back does
            answer = handle("POST", urlsplit(self.path).query, {}, b"", client_state=SECRET)
            self.send_response(answer.status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(answer.body.encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        with fake.client(service_account=SVC) as client:
            sub = client.subscriptions.create(EVENTS, url, datetime.now(UTC) + HOUR)
        assert sub.id
    finally:
        server.shutdown()
        server.server_close()


def test_deliver_keeps_notifications_when_the_webhook_client_raises() -> None:
    fake = _fake()
    with Receiver() as receiver, fake.client(service_account=SVC) as client:
        expires = datetime.now(UTC) + HOUR
        client.subscriptions.create(EVENTS, receiver.url, expires, client_state=SECRET)
        client.events.create("m", START, START + HOUR, user_id=ROOM)

        def broken(request: httpx.Request) -> httpx.Response:
            raise RuntimeError("db down")

        fake.webhook_client = httpx.Client(transport=httpx.MockTransport(broken))
        (delivery,) = fake.deliver()
        assert not delivery.ok
        assert "RuntimeError" in (delivery.error or "")
        assert len(fake.pending_notifications) == 1  # kept for the next try
        fake.webhook_client = None
        assert [d.ok for d in fake.deliver()] == [True]
        assert len(receiver.notifications) == 1


def test_fakegraphs_own_client_leaves_no_connection_open() -> None:
    """Keep-alive would hold a thread of the receiver's server after each POST."""
    open_connections: list[int] = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keeps connections alive unless told to close

        def handle(self) -> None:
            open_connections[0] += 1
            try:
                super().handle()
            finally:
                open_connections[0] -= 1

        def do_POST(self) -> None:
            answer = handle("POST", urlsplit(self.path).query, {}, b"", client_state=None)
            data = answer.body.encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        fake = _fake()
        with fake.client(service_account=SVC) as client:
            url = f"http://127.0.0.1:{server.server_port}/hook"
            client.subscriptions.create(EVENTS, url, datetime.now(UTC) + HOUR)
        deadline = time.monotonic() + 5
        while open_connections[0] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert open_connections[0] == 0
    finally:
        server.shutdown()
        server.server_close()


def test_a_crafted_delta_skiptoken_is_400() -> None:
    fake = _fake()
    with httpx.Client(transport=fake.transport(), headers={"Authorization": "Bearer x"}) as h:
        # base64 of {"r":1,"o":"x"}: FakeGraph's shape, a bad offset
        r = h.get(
            f"https://graph.microsoft.com/v1.0/users/{ROOM}/calendarView/delta"
            "?$skiptoken=eyJyIjoxLCJvIjoieCJ9"
        )
    assert r.status_code == 400


# ------------------------------------------------------------------ the keeper


def test_a_create_whose_answer_was_lost_is_adopted_not_duplicated() -> None:
    fake = _fake()
    with Receiver() as receiver, fake.client(service_account=SVC) as client:
        keeper = SubscriptionKeeper(client, receiver.url, [EVENTS], client_state=SECRET)
        keeper.ensure()  # the keeper creates it: no listing needed
        fake.clear_requests()
        lost = SubscriptionKeeper(client, receiver.url, [f"/users/{SVC}/events"])
        fake.fail_next(fault="reset", acted=True, path="subscriptions", method="POST")
        assert len(lost.ensure().failed) == 1  # created at Graph, the answer lost
        report = lost.ensure()
        assert report.adopted == (f"/users/{SVC}/events",)
        assert report.created == ()
    assert sorted(s["resource"] for s in fake.subscriptions) == sorted(
        [f"/users/{SVC}/events", EVENTS]
    )


def test_a_keeper_started_without_its_state_adopts_the_live_subscription() -> None:
    fake = _fake()
    with Receiver() as receiver, fake.client(service_account=SVC) as client:
        first = SubscriptionKeeper(client, receiver.url, [EVENTS], client_state=SECRET)
        first.ensure()
        again = SubscriptionKeeper(client, receiver.url, [EVENTS], client_state=SECRET)
        assert again.ensure().adopted == (EVENTS,)
        assert again.subscription_id(EVENTS) == first.subscription_id(EVENTS)
        # Another secret: not the keeper's subscription to adopt.
        other = SubscriptionKeeper(client, receiver.url, [EVENTS], client_state="other")
        assert other.ensure().created == (EVENTS,)
    assert len(fake.subscriptions) == 2


def test_changed_change_types_or_lifecycle_url_after_a_restore_recreate() -> None:
    fake = _fake()
    with Receiver() as receiver, Receiver() as lifecycle, fake.client(service_account=SVC) as c:
        keeper = SubscriptionKeeper(c, receiver.url, [EVENTS], client_state=SECRET)
        keeper.ensure()
        state = json.loads(json.dumps(keeper.state()))
        assert state["subscriptions"][EVENTS]["lifecycle_notification_url"] == receiver.url
        fewer = SubscriptionKeeper(
            c, receiver.url, client_state=SECRET, change_types=["created"], state=state
        )
        assert fewer.ensure().recreated == (EVENTS,)
        assert [s["changeType"] for s in fake.subscriptions] == ["created"]
        moved = SubscriptionKeeper(
            c,
            receiver.url,
            client_state=SECRET,
            change_types=["created"],
            lifecycle_notification_url=lifecycle.url,
            state=fewer.state(),
        )
        assert moved.ensure().recreated == (EVENTS,)
        assert [s["lifecycleNotificationUrl"] for s in fake.subscriptions] == [lifecycle.url]


def test_recreate_keeps_the_old_subscription_when_the_new_one_is_refused() -> None:
    fake = _fake()
    with Receiver() as receiver, fake.client(service_account=SVC) as client:
        keeper = SubscriptionKeeper(client, receiver.url, [EVENTS], client_state=SECRET)
        keeper.ensure()
        old = keeper.subscription_id(EVENTS)
        fake.fail_next(400, path="subscriptions", method="POST")
        assert len(keeper.recreate(EVENTS).failed) == 1
        assert keeper.subscription_id(EVENTS) == old
        assert [s["id"] for s in fake.subscriptions] == [old]
        assert keeper.recreate(EVENTS).recreated == (EVENTS,)
        assert [s["id"] for s in fake.subscriptions] == [keeper.subscription_id(EVENTS)] != [old]


def test_a_lifetime_over_graphs_maximum_is_refused_up_front() -> None:
    with pytest.raises(errors.ValidationError, match="maximum"):
        lifetime_for(EVENTS, timedelta(days=30), HOUR)
    assert lifetime_for("/teams/x/channels", timedelta(days=30), HOUR) == timedelta(days=30)
