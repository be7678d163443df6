"""``events.create_many`` against FakeGraph, on both clients: many bookings across many
rooms in ``$batch`` calls, results in input order, exactly one event per booking (also
when FakeGraph throttles items over a mailbox's concurrency), bad input refused before
anything is sent, a refused booking typed while the others succeed."""

from __future__ import annotations

from collections import Counter

import pytest
from batch_support import SVC, booking, in_batch, office, room

from graphlink import errors
from graphlink.models import Event

ROOMS = 10


def hundred(grouped: bool = False) -> list[dict]:
    """100 bookings over 10 rooms: interleaved (0, 1, ..., 9, 0, ...) or room by room."""
    return [booking(n, room(n // ROOMS if grouped else n % ROOMS)) for n in range(100)]


def stored(fake) -> list[dict]:
    return [event for n in range(ROOMS) for event in fake.events(room(n))]


def assert_booked_once(fake, results, count: int = 100) -> None:
    assert len(results) == count
    assert all(isinstance(r, Event) for r in results), [
        r for r in results if not isinstance(r, Event)
    ]
    assert [r.subject for r in results] == [f"Booking {n:03d}" for n in range(count)]  # input order
    events = stored(fake)
    assert len(events) == count
    subjects = Counter(e["subject"] for e in events)
    assert all(n == 1 for n in subjects.values())  # no duplicates
    for n in range(ROOMS):
        assert len(fake.events(room(n))) == count // ROOMS
    assert len({r.id for r in results}) == count


def batch_calls(fake) -> list:
    return [r for r in fake.requests if r.path == "/$batch"]


@pytest.mark.parametrize(
    ("concurrency", "grouped"),
    [(None, False), (4, False), (4, True)],
    ids=["free", "4", "4-grouped"],
)
def test_a_hundred_bookings_across_ten_rooms(on_fake, concurrency, grouped) -> None:
    fake = office(ROOMS, mailbox_concurrency=concurrency)
    run = on_fake(fake)

    results = run.run(run.client.events.create_many(hundred(grouped)))

    assert_booked_once(fake, results)
    calls = batch_calls(fake)
    assert len(calls) == len(fake.requests)  # nothing but $batch calls
    assert 5 <= len(calls) <= 10
    for call in calls:
        items = call.json()["requests"]
        assert len(items) <= 20
        per_room = Counter(i["url"].split("/")[2] for i in items)
        assert max(per_room.values()) <= 4
    assert fake.throttled == 0  # the batches never throttled themselves
    # Each booking landed in its own room, with the times asked for.
    first = fake.events(room(3))[0]
    assert first["subject"] == ("Booking 030" if grouped else "Booking 003")


def test_a_hundred_bookings_when_fakegraph_allows_one_per_mailbox(on_fake) -> None:
    # Calls carry 2 bookings per room (10 rooms interleaved): one of each is throttled.
    fake = office(ROOMS, mailbox_concurrency=1)
    run = on_fake(fake)

    results = run.run(run.client.events.create_many(hundred()))

    assert_booked_once(fake, results)
    assert fake.throttled > 0  # items over 1 per room were answered 429 and retried
    assert run.clock.sleeps  # after their Retry-After (fake clock)


def test_a_hundred_bookings_with_injected_item_throttling(on_fake) -> None:
    fake = office(ROOMS)
    fake.fail_next(429, retry_after=3, path=f"/users/{room(3)}/calendar/events", times=3)
    fake.fail_next(503, retry_after=1, path=f"/users/{room(7)}/calendar/events", times=2)
    run = on_fake(fake)

    results = run.run(run.client.events.create_many(hundred()))

    assert_booked_once(fake, results)
    assert fake.throttled >= 3
    assert sum(run.clock.sleeps) >= 3


def test_transaction_ids_are_kept_across_item_retries_on_fakegraph(on_fake) -> None:
    fake = office(ROOMS)
    fake.fail_next(429, retry_after=2, path=f"/users/{room(0)}/calendar/events", times=1)
    run = on_fake(fake)

    results = run.run(run.client.events.create_many([booking(0, room(0)), booking(1, room(1))]))

    assert [r.subject for r in results] == ["Booking 000", "Booking 001"]
    sent = [i for call in batch_calls(fake) for i in call.json()["requests"]]
    to_room0 = [i["body"]["transactionId"] for i in sent if room(0) in i["url"].replace("%40", "@")]
    assert len(to_room0) == 2
    assert to_room0[0] == to_room0[1]
    assert len(fake.events(room(0))) == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"colour": "red"},  # an argument create does not take
        {"event_end": booking(0, room(0))["event_start"]},  # ends when it starts
        {"calendar_id": ""},
        {"timezone": "Mars/Olympus"},
    ],
)
def test_a_bad_booking_is_refused_before_anything_is_sent(on_fake, bad) -> None:
    fake = office(ROOMS)
    run = on_fake(fake)
    bookings = hundred()
    bookings[57] = {**bookings[57], **bad}

    with pytest.raises(errors.ValidationError):
        run.run(run.client.events.create_many(bookings))

    assert fake.requests == []
    assert stored(fake) == []


def test_a_booking_graph_refuses_is_typed_and_the_others_succeed(on_fake) -> None:
    fake = office(ROOMS)
    run = on_fake(fake)
    bookings = hundred()[:30]
    bookings[11] = booking(11, "nobody@contoso.com")

    results = run.run(run.client.events.create_many(bookings))

    assert len(results) == 30
    refused = results[11]
    assert isinstance(refused, errors.GraphAPIError)
    assert not isinstance(refused, Event)
    assert isinstance(refused, errors.NotFoundError), refused
    others = [r for n, r in enumerate(results) if n != 11]
    assert all(isinstance(r, Event) for r in others)
    assert [r.subject for r in others] == [f"Booking {n:03d}" for n in range(30) if n != 11]
    assert len(stored(fake)) == 29


def test_create_many_of_nothing_sends_nothing(on_fake) -> None:
    fake = office(1)
    run = on_fake(fake)
    assert run.run(run.client.events.create_many([])) == []
    assert fake.requests == []


def test_create_many_takes_any_iterable_of_mappings(on_fake) -> None:
    fake = office(2)
    run = on_fake(fake)
    results = run.run(run.client.events.create_many(booking(n, room(n % 2)) for n in range(4)))
    assert [r.subject for r in results] == [f"Booking {n:03d}" for n in range(4)]


def test_a_batch_on_fakegraph_mixes_namespaces(on_fake) -> None:
    fake = office(2)
    run = on_fake(fake)

    def fill(batch):
        return (
            batch.events.create(**booking(0, room(0))),
            batch.users.get("ada@contoso.com"),
            batch.users.get("nobody@contoso.com"),
            batch.events.list(
                room(1), booking(0, room(1))["event_start"], booking(9, room(1))["event_end"]
            ),
            batch.mail.send(["bob@contoso.com"], "Hi", message_plaintext="hello"),
        )

    created, ada, nobody, listed, mail = in_batch(run, fill)

    assert created.result().subject == "Booking 000"
    assert ada.result().mail == "ada@contoso.com"
    with pytest.raises(errors.NotFoundError):
        nobody.result()
    assert listed.result() == []
    assert mail.result() is None
    (sent,) = fake.sent_mail
    assert (sent.subject, sent.to) == ("Hi", ("bob@contoso.com",))
    assert sent.sender.lower() == SVC


def test_bodies_near_the_limit_reach_fakegraph_in_several_calls(on_fake) -> None:
    fake = office(1)
    run = on_fake(fake)
    about = "x" * 1_000_000

    def fill(batch):
        return [
            batch.request("PATCH", "/users/ada@contoso.com", json={"aboutMe": about})
            for _ in range(7)
        ]

    handles = in_batch(run, fill)

    assert all(x.result() is None for x in handles)
    calls = batch_calls(fake)
    assert len(calls) >= 3
    assert all(len(call.json()["requests"]) <= 3 for call in calls)


def test_fakegraph_refuses_a_batch_body_over_4_mb(on_fake) -> None:
    fake = office(1)
    run = on_fake(fake)
    requests = [
        {
            "id": str(n),
            "method": "PATCH",
            "url": "/users/ada@contoso.com",
            "headers": {"Content-Type": "application/json"},
            "body": {"aboutMe": "x" * 1_000_000},
        }
        for n in range(5)
    ]
    with pytest.raises(errors.GraphAPIError) as refused:
        run.run(run.client.request("POST", "/$batch", json={"requests": requests}))
    assert refused.value.status_code == 413
