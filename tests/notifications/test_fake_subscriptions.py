"""FakeGraph's subscriptions on both clients: the validation handshake against a real
loopback receiver, change notifications when events change, lifecycle events."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from notify_support import EVENTS, HOUR, ROOM, SECRET, START, SVC, Receiver

from graphlink import errors
from graphlink.testing import Delivery, FakeGraph


def _expires() -> datetime:
    return datetime.now(UTC) + timedelta(days=2)


def _subscribe(r, url: str, resource: str = EVENTS, **kw):
    kw.setdefault("client_state", SECRET)
    return r.run(r.client.subscriptions.create(resource, url, _expires(), **kw))


def _book(r, title: str = "Stand-up", hours: int = 0):
    start = START + hours * HOUR
    return r.run(r.client.events.create(title, start, start + HOUR, attendees=[ROOM]))


# ------------------------------------------------------------------ the handshake


def test_create_validates_the_notification_url_with_a_real_receiver(
    fake: FakeGraph, on_fake, receiver: Receiver
) -> None:
    r = on_fake(fake)
    lifecycle = receiver.url + "?lifecycle=1"
    sub = _subscribe(r, receiver.url, lifecycle_notification_url=lifecycle)
    assert sub.notification_url == receiver.url
    assert sub.lifecycle_notification_url == lifecycle
    handshakes = [a for a in receiver.answers if a.is_validation]
    assert len(handshakes) == 2  # both URLs are validated, as Graph does
    token = handshakes[0].validation_token
    assert token is not None
    assert " " in token
    assert ":" in token
    assert [d.kind for d in fake.deliveries] == ["validation", "validation"]
    assert all(d.ok and d.status == 200 for d in fake.deliveries)
    assert [s.id for s in r.collect(r.client.subscriptions.list())] == [sub.id]
    assert "s3cret" not in repr(fake.deliveries)


def test_a_receiver_that_does_not_echo_the_token_fails_the_create(
    fake: FakeGraph, on_fake, receiver: Receiver
) -> None:
    receiver.break_echo = True
    r = on_fake(fake)
    with pytest.raises(errors.BadRequestError) as caught:
        _subscribe(r, receiver.url)
    assert caught.value.code == "ValidationError"
    assert "must exactly match validationToken" in caught.value.message
    assert fake.subscriptions == []
    assert not fake.deliveries[-1].ok


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (lambda token: httpx.Response(404), "answered 404"),
        (lambda token: httpx.Response(200, json=token), "Content-Type"),
        (lambda token: httpx.Response(200, text=token + " "), "not the validation token"),
    ],
)
def test_the_handshake_needs_200_text_plain_and_the_token(
    fake: FakeGraph, on_fake, answer, why: str
) -> None:
    def receiver(request: httpx.Request) -> httpx.Response:
        return answer(request.url.params["validationToken"])

    fake.webhook_client = httpx.Client(transport=httpx.MockTransport(receiver))
    r = on_fake(fake)
    with pytest.raises(errors.BadRequestError, match="validation request failed"):
        _subscribe(r, "https://app.contoso.com/graph")
    assert why in str(fake.deliveries[-1].error)


def test_an_unreachable_receiver_fails_the_create(fake: FakeGraph, on_fake) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    r = on_fake(fake)
    with pytest.raises(errors.BadRequestError, match="must respond with 200 OK"):
        _subscribe(r, f"http://127.0.0.1:{port}/graph")


def test_a_receiver_that_never_answers_fails_after_the_timeout(fake: FakeGraph, on_fake) -> None:
    fake.webhook_timeout = 0.3  # Graph waits 10 s
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # accepts the connection, never answers
        port = silent.getsockname()[1]
        r = on_fake(fake)
        with pytest.raises(errors.BadRequestError):
            _subscribe(r, f"http://127.0.0.1:{port}/graph")
    assert fake.deliveries[-1].error == "no answer within 0.3 s"


def test_fake_graph_refuses_what_graph_refuses(fake: FakeGraph, on_fake, receiver) -> None:
    r = on_fake(fake)
    far = (datetime.now(UTC) + timedelta(days=8)).isoformat()
    body = {
        "changeType": "created",
        "notificationUrl": receiver.url,
        "resource": EVENTS,
        "expirationDateTime": _expires().isoformat(),
    }
    cases = [
        ({"expirationDateTime": far}, "10080 minutes in the future"),
        ({"expirationDateTime": "2020-01-01T00:00:00Z"}, "in the future"),
        ({"changeType": "created,moved"}, "Invalid changeType"),
        ({"clientState": "x" * 129}, "at most 128"),
        ({"notificationUrl": "ftp://x"}, "https URL"),
        ({"resource": "/users/nobody@contoso.com/events"}, "invalid"),
        ({"resource": None}, "Required field"),
    ]
    for change, message in cases:
        with pytest.raises(errors.GraphAPIError) as caught:
            r.run(r.client.request("POST", "/subscriptions", json={**body, **change}))
        assert message in caught.value.message, change
    assert fake.subscriptions == []
    assert receiver.answers == []


def test_an_expired_subscription_is_gone(fake: FakeGraph, on_fake, receiver) -> None:
    r = on_fake(fake)
    sub = _subscribe(r, receiver.url)
    fake._state.subscriptions[sub.id]["expirationDateTime"] = "2020-01-01T00:00:00Z"
    with pytest.raises(errors.NotFoundError):
        r.run(r.client.subscriptions.get(sub.id))
    assert r.collect(r.client.subscriptions.list()) == []


# ------------------------------------------------------------------ notifications


def test_booking_the_room_notifies_its_subscription(fake: FakeGraph, on_fake, receiver) -> None:
    r = on_fake(fake)
    sub = _subscribe(r, receiver.url)
    assert fake.deliver() == []  # nothing changed yet
    booked = _book(r)
    [pending] = fake.pending_notifications
    assert pending["changeType"] == "created"
    [delivery] = fake.deliver()
    assert isinstance(delivery, Delivery)
    assert delivery.ok
    assert delivery.status == 202
    [change] = receiver.notifications
    assert change.change_type == "created"
    assert change.subscription_id == sub.id
    assert change.client_state == SECRET
    assert change.tenant_id == fake.tenant_id
    room_copy = next(e for e in fake.events(ROOM) if e["iCalUId"] == booked.ical_uid)
    assert change.resource_id == room_copy["id"]
    assert change.resource.startswith("Users/")
    assert change.resource.endswith(room_copy["id"])
    assert fake.pending_notifications == []
    assert fake.deliver() == []


def test_updates_and_deletes_notify_in_order(fake: FakeGraph, on_fake, receiver) -> None:
    r = on_fake(fake)
    _subscribe(r, receiver.url, resource=f"/users/{SVC}/calendar/events")
    booked = _book(r)
    r.run(r.client.events.update(SVC, booked.id, title="Moved"))
    r.run(r.client.events.delete(SVC, booked.id))
    [delivery] = fake.deliver()  # one POST carries them all, in order
    assert [n.change_type for n in receiver.notifications] == ["created", "updated", "deleted"]
    assert {n.resource_id for n in receiver.notifications} == {booked.id}
    assert len(delivery.body["value"]) == 3


def test_only_the_subscribed_change_types_notify(fake: FakeGraph, on_fake, receiver) -> None:
    r = on_fake(fake)
    _subscribe(r, receiver.url, change_types=["deleted"], resource=f"/users/{SVC}/events")
    booked = _book(r)
    r.run(r.client.events.update(SVC, booked.id, title="Moved"))
    assert fake.pending_notifications == []
    r.run(r.client.events.delete(SVC, booked.id))
    fake.deliver()
    assert [n.change_type for n in receiver.notifications] == ["deleted"]


def test_changes_from_batches_and_builders_notify_too(fake: FakeGraph, on_fake, receiver) -> None:
    r = on_fake(fake)
    _subscribe(r, receiver.url)
    bookings = [
        {
            "title": f"B{i}",
            "event_start": START + i * HOUR,
            "event_end": START + (i + 1) * HOUR,
            "calendar_id": ROOM,
        }
        for i in range(3)
    ]
    r.run(r.client.events.create_many(bookings))
    fake.add_event(ROOM, "Added by the test", START + 5 * HOUR, START + 6 * HOUR)
    fake.deliver()
    assert [n.change_type for n in receiver.notifications] == ["created"] * 4


def test_a_refused_delivery_stays_pending_until_the_receiver_takes_it(
    fake: FakeGraph, on_fake, receiver
) -> None:
    r = on_fake(fake)
    _subscribe(r, receiver.url)
    _book(r)
    receiver.status = 500
    [failed] = fake.deliver()
    assert not failed.ok
    assert failed.status == 500
    assert failed.error == "answered 500"
    assert len(fake.pending_notifications) == 1
    receiver.status = None
    [retried] = fake.deliver()
    assert retried.ok
    assert [n.change_type for n in receiver.notifications] == ["created", "created"]


def test_a_forged_client_state_is_dropped_by_the_receiver(fake: FakeGraph, on_fake) -> None:
    with Receiver(client_state="another-secret") as other:
        r = on_fake(fake)
        _subscribe(r, other.url)
        _book(r)
        [delivery] = fake.deliver()
    assert delivery.ok  # answered 202, and dropped
    assert other.notifications == []
    assert other.answers[-1].dropped == 1


def test_a_subscription_to_users_is_accepted_and_never_notifies(
    fake: FakeGraph, on_fake, receiver
) -> None:
    r = on_fake(fake)
    _subscribe(r, receiver.url, resource="/users")
    fake.add_user("new@contoso.com", "New")
    assert fake.pending_notifications == []  # FakeGraph notifies about events only


# ------------------------------------------------------------------ lifecycle events


def test_reauthorization_required_pauses_notifications_until_reauthorized(
    fake: FakeGraph, on_fake, receiver
) -> None:
    r = on_fake(fake)
    sub = _subscribe(r, receiver.url, lifecycle_notification_url=receiver.url)
    delivery = fake.send_lifecycle(sub.id, "reauthorizationRequired")
    assert delivery.ok
    assert delivery.kind == "lifecycle"
    [event] = receiver.lifecycle
    assert (event.lifecycle_event, event.subscription_id) == ("reauthorizationRequired", sub.id)
    _book(r)
    assert fake.deliver() == []  # paused
    r.run(r.client.subscriptions.reauthorize(sub.id))
    assert len(fake.deliver()) == 1
    assert len(receiver.notifications) == 1


def test_a_renewal_also_resumes_notifications(fake: FakeGraph, on_fake, receiver) -> None:
    r = on_fake(fake)
    sub = _subscribe(r, receiver.url, lifecycle_notification_url=receiver.url)
    fake.send_lifecycle(sub.id, "reauthorizationRequired")
    _book(r)
    renewed = r.run(r.client.subscriptions.renew(sub.id, _expires() + HOUR))
    assert renewed.expiration > sub.expiration
    assert len(fake.deliver()) == 1


def test_subscription_removed_and_missed(fake: FakeGraph, on_fake, receiver) -> None:
    r = on_fake(fake)
    kept = _subscribe(r, receiver.url, lifecycle_notification_url=receiver.url)
    lost = _subscribe(r, receiver.url, lifecycle_notification_url=receiver.url)
    _book(r)
    fake.send_lifecycle(kept.id, "missed")  # its pending notification is lost
    fake.send_lifecycle(lost.id, "subscriptionRemoved")
    with pytest.raises(errors.NotFoundError):
        r.run(r.client.subscriptions.renew(lost.id, _expires()))
    assert fake.deliver() == []
    assert [e.lifecycle_event for e in receiver.lifecycle] == ["missed", "subscriptionRemoved"]
    assert [s.id for s in r.collect(r.client.subscriptions.list())] == [kept.id]


def test_send_lifecycle_refuses_what_graph_would_not_send(
    fake: FakeGraph, on_fake, receiver
) -> None:
    r = on_fake(fake)
    sub = _subscribe(r, receiver.url)
    with pytest.raises(ValueError, match="no lifecycleNotificationUrl"):
        fake.send_lifecycle(sub.id, "missed")
    with pytest.raises(ValueError, match="unknown lifecycle event"):
        fake.send_lifecycle(sub.id, "expired")
    with pytest.raises(ValueError, match="no subscription"):
        fake.send_lifecycle("nope", "missed")


def test_deleting_a_subscription_stops_its_notifications(
    fake: FakeGraph, on_fake, receiver
) -> None:
    r = on_fake(fake)
    sub = _subscribe(r, receiver.url)
    _book(r)
    r.run(r.client.subscriptions.delete(sub.id))
    assert fake.deliver() == []
    with pytest.raises(errors.NotFoundError):
        r.run(r.client.subscriptions.delete(sub.id))


def test_a_secondary_calendar_and_a_mailbox_that_goes(fake: FakeGraph, on_fake, receiver) -> None:
    r = on_fake(fake)
    cal = fake.add_calendar(SVC, "Bookings")
    _subscribe(r, receiver.url, resource=f"/users/{SVC}/calendars/{cal['id']}/events")
    r.run(r.client.events.create("Default calendar", START, START + HOUR))  # not watched
    r.run(
        r.client.events.create(
            "In Bookings", START, START + HOUR, calendar_id=cal["id"], user_id=SVC
        )
    )
    fake.deliver()
    assert [n.change_type for n in receiver.notifications] == ["created"]
    fake.remove_user(SVC)
    assert fake.pending_notifications == []  # nothing left to watch, and no error
