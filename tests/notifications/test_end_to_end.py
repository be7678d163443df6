"""Reacting to bookings, end to end, over real sockets on both clients.

FakeGraph is served on loopback; the receiver is a Flask app (graphlink's adapter) served
by werkzeug on loopback. A keeper subscribes the room (FakeGraph validates the receiver),
a booking is notified, the app catches up with a delta round from a link it stored before
"restarting" (a new client and a new paginator from the stored string), and the keeper
renews the subscription and answers a lifecycle event.
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from notify_support import EVENTS, HOUR, ROOM, SECRET, START, SVC

from graphlink import AsyncGraphClient, GraphClient
from graphlink.notifications import Answer, AsyncSubscriptionKeeper, SubscriptionKeeper
from graphlink.testing import FakeGraph

flask = pytest.importorskip("flask")
from werkzeug.serving import make_server  # noqa: E402

from graphlink.notifications.flask import endpoint  # noqa: E402

END = START + timedelta(days=1)


class FlaskReceiver:
    """The app's notification endpoint: a Flask app on a real loopback socket."""

    def __init__(self) -> None:
        self.inbox: queue.Queue[Answer] = queue.Queue()
        app = flask.Flask("receiver")
        view = endpoint(client_state=SECRET, on_answer=self.inbox.put)
        app.add_url_rule("/graph/notifications", view_func=view, methods=["POST"])
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/graph/notifications"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def next(self) -> Answer:
        return self.inbox.get(timeout=5)


@pytest.fixture
def app_receiver() -> Iterator[FlaskReceiver]:
    receiver = FlaskReceiver()
    receiver.thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.thread.join(timeout=5)


class Process:
    """One run of the app: a client (sync or async) on the served FakeGraph, and a keeper."""

    def __init__(
        self, mode: str, base_url: str, receiver: FlaskReceiver, clock: Any, state: Any
    ) -> None:
        self.mode = mode
        # One event loop for the process's life: its client's connections belong to it.
        self.loop = asyncio.Runner() if mode == "async" else None
        kind = GraphClient if mode == "sync" else AsyncGraphClient
        self.client: Any = kind(token="app-token", base_url=base_url, service_account=SVC)
        keeper = SubscriptionKeeper if mode == "sync" else AsyncSubscriptionKeeper
        self.keeper: Any = keeper(
            self.client,
            receiver.url,
            [EVENTS],
            client_state=SECRET,
            lifetime=2 * HOUR,
            state=state,
            clock=clock,
        )

    def run(self, value: Any) -> Any:
        return value if self.loop is None else self.loop.run(value)

    def close(self) -> None:
        self.run(self.client.close())
        if self.loop is not None:
            self.loop.close()


def test_reacting_to_bookings(mode: str, app_receiver: FlaskReceiver, tmp_path: Path) -> None:
    fake = FakeGraph()
    fake.add_user(SVC, "Service Account")
    fake.add_room("Aurora", ROOM, capacity=8)
    now = [datetime.now(UTC)]
    stored = tmp_path / "app-state.json"

    with fake.serve() as base_url:
        # ---- first run: subscribe the room, take a first delta round, store both.
        first = Process(mode, base_url, app_receiver, lambda: now[0], None)
        report = first.run(first.keeper.ensure())
        assert report.created == (EVENTS,)
        [handshake] = fake.deliveries
        assert handshake.kind == "validation"
        assert handshake.ok
        full = first.run(first.client.events.delta(ROOM, START, END))
        assert full.changed == []
        assert full.delta_link.startswith(base_url)
        stored.write_text(json.dumps({"keeper": first.keeper.state(), "delta": full.delta_link}))

        # ---- someone books the room: Graph (FakeGraph) notifies the app.
        booked = first.run(
            first.client.events.create(
                "Design review", START + HOUR, START + 2 * HOUR, attendees=[ROOM], location="Aurora"
            )
        )
        [delivery] = fake.deliver()
        assert delivery.ok
        assert delivery.status == 202
        answer = app_receiver.next()
        [change] = answer.notifications
        assert change.change_type == "created"
        assert change.client_state == SECRET
        first.close()

        # ---- the app restarts: a new client, the keeper and the delta link from storage.
        saved = json.loads(stored.read_text())
        second = Process(mode, base_url, app_receiver, lambda: now[0], saved["keeper"])
        assert second.run(second.keeper.ensure()).created == ()  # the same subscription kept
        caught_up = second.run(
            second.client.events.delta(ROOM, START, END, delta_link=saved["delta"])
        )
        assert caught_up.resynced is False
        [event] = caught_up.changed
        assert event.id == change.resource_id
        assert event.subject == "Design review"
        assert event.ical_uid == booked.ical_uid
        quiet = second.run(
            second.client.events.delta(ROOM, START, END, delta_link=caught_up.delta_link)
        )
        assert quiet.changed == []
        assert quiet.removed == []

        # ---- time passes: the keeper renews before the subscription expires.
        sid = second.keeper.subscription_id(EVENTS)
        now[0] += timedelta(minutes=65)
        assert second.run(second.keeper.ensure()).renewed == (EVENTS,)
        [sub] = fake.subscriptions
        assert sub["id"] == sid
        assert datetime.fromisoformat(sub["expirationDateTime"].replace("Z", "+00:00")) == (
            now[0] + 2 * HOUR
        )

        # ---- Graph asks for reauthorization; the keeper answers it, notifications resume.
        fake.send_lifecycle(sid, "reauthorizationRequired")
        lifecycle = app_receiver.next()
        assert second.run(second.keeper.handle_lifecycle(lifecycle)).reauthorized == (EVENTS,)
        second.run(second.client.events.delete(SVC, booked.id))
        fake.deliver()
        assert [n.change_type for n in app_receiver.next().notifications] == ["updated"]
        second.close()
