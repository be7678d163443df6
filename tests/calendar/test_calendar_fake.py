"""Calendar scenarios against FakeGraph (in-process), each on both clients: a whole
2,500-event view, safe create retries, decline/delete as organizer and as attendee,
all-day events, time zones across DST changes, cancelled meetings, iCalUId, series."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from calendar_support import SVC

from graphlink.models import EventType
from graphlink.testing import FakeGraph

ADA = "ada@contoso.com"
BOB = "bob@contoso.com"
ROOM = "room1@contoso.com"
JAN = datetime(2030, 1, 7, 9, tzinfo=UTC)


def office() -> FakeGraph:
    fake = FakeGraph()
    fake.add_user(SVC, "Service Account")
    fake.add_user(ADA, "Ada Lovelace")
    fake.add_user(BOB, "Bob Builder")
    fake.add_room("Room 1", ROOM, capacity=8)
    return fake


def stored(fake: FakeGraph, mailbox: str, subject: str) -> list[dict]:
    return [e for e in fake.events(mailbox) if e["subject"].endswith(subject)]


def response_of(event: dict, address: str) -> str:
    (attendee,) = [
        a for a in event["attendees"] if a["emailAddress"]["address"].lower() == address.lower()
    ]
    return attendee["status"]["response"]


def utc_of(value: dict) -> datetime:
    assert value["timeZone"] == "UTC"
    return datetime.fromisoformat(value["dateTime"][:19]).replace(tzinfo=UTC)


# ------------------------------------------------------------------ a whole view


@pytest.fixture(scope="module")
def big() -> FakeGraph:
    """2,500 events in January 2030 (single ones and a weekly series' occurrences)."""
    fake = FakeGraph(mailbox_concurrency=None)
    fake.add_user(SVC, "Service Account")
    fake.add_user("big@contoso.com", "Busy Room")
    start = datetime(2030, 1, 1, tzinfo=UTC)
    for i in range(2496):
        at = start + timedelta(minutes=17 * i)
        fake.add_event("big@contoso.com", f"E{i}", at, at + timedelta(minutes=15))
    fake.add_event(
        "big@contoso.com",
        "Weekly",
        "2029-12-03T08:00:00",
        "2029-12-03T08:30:00",
        recurrence={
            "pattern": {"type": "weekly", "daysOfWeek": ["monday"]},
            "range": {"type": "numbered", "numberOfOccurrences": 9},
        },
    )
    return fake


def test_a_2500_event_view_is_returned_whole(big: FakeGraph, on_fake) -> None:
    run = on_fake(big)
    big.clear_requests()
    events = run.collect(
        run.client.events.list(
            "big@contoso.com", datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 2, 1, tzinfo=UTC)
        )
    )
    assert len(events) == 2500
    assert len({e.id for e in events}) == 2500
    assert sum(e.type == EventType.OCCURRENCE for e in events) == 4
    views = [r for r in big.requests if r.path.endswith("/calendarView")]
    assert len(views) == 3  # 1,000 a page, every page followed
    assert all(r.status == 200 for r in views)
    assert all(r.path.startswith("/users/big@contoso.com/") for r in views)
    assert [e.start for e in events] == sorted(e.start for e in events)


def test_a_2500_event_view_in_pages(big: FakeGraph, on_fake) -> None:
    run = on_fake(big)
    pages = run.pages(
        run.client.events.list(
            "big@contoso.com",
            datetime(2030, 1, 1, tzinfo=UTC),
            datetime(2030, 2, 1, tzinfo=UTC),
            time_zone="Australia/Sydney",
        )
    )
    assert [len(p.items) for p in pages] == [1000, 1000, 500]
    assert pages[-1].next_link is None
    first = pages[0].items[0]
    assert first.start.utcoffset() == timedelta(hours=11)  # Sydney summer


# ------------------------------------------------------------------ safe create retries


@pytest.mark.parametrize(
    "fault",
    [
        {"fault": "timeout"},
        {"fault": "reset"},
        {"fault": "status", "status": 504},
        {"fault": "status", "status": 503},
    ],
    ids=["timeout", "reset", "504", "503"],
)
def test_a_create_retried_after_the_server_acted_books_once(on_fake, fault) -> None:
    fake = office()
    run = on_fake(fake)
    fake.fail_next(acted=True, method="POST", path="*/events", **fault)
    event = run.run(
        run.client.events.create(
            "Booked once",
            JAN,
            JAN + timedelta(hours=1),
            attendees=[ADA, ROOM],
            location="Room 1",
        )
    )
    mine = fake.events(SVC)
    assert len(mine) == 1
    assert event.id == mine[0]["id"]
    assert event.subject == "Booked once"
    assert len(fake.events(ADA)) == 1  # invited once
    assert len(fake.events(ROOM)) == 1  # booked once
    posts = [r for r in fake.requests if r.method == "POST"]
    assert len(posts) == 2
    assert posts[0].status != 201  # the client never saw the first answer
    assert posts[1].status == 201
    txns = {r.json()["transactionId"] for r in posts}
    assert len(txns) == 1
    assert event.transaction_id in txns


def test_a_create_retried_after_a_5xx_before_acting_books_once(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    fake.fail_next(503, method="POST", path="*/events", times=2)
    event = run.run(run.client.events.create("Try again", JAN, JAN + timedelta(hours=1)))
    assert [e["id"] for e in fake.events(SVC)] == [event.id]
    posts = [r for r in fake.requests if r.method == "POST"]
    assert [r.status for r in posts] == [503, 503, 201]
    assert len({r.json()["transactionId"] for r in posts}) == 1


def test_the_same_transaction_id_twice_is_one_event(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    first = run.run(
        run.client.events.create("Once", JAN, JAN + timedelta(hours=1), transaction_id="t-1")
    )
    again = run.run(
        run.client.events.create("Once", JAN, JAN + timedelta(hours=1), transaction_id="t-1")
    )
    assert first.id == again.id
    assert len(fake.events(SVC)) == 1
    other = run.run(run.client.events.create("Once", JAN, JAN + timedelta(hours=1)))
    assert other.id != first.id
    assert len(fake.events(SVC)) == 2


# ------------------------------------------------------------------ decline, cancel, delete


def meeting(run, subject: str = "Planning", organizer: str = SVC) -> str:
    event = run.run(
        run.client.events.create(
            subject, JAN, JAN + timedelta(hours=1), attendees=[ADA, BOB], user_id=organizer
        )
    )
    return event.id


def test_decline_as_attendee_leaves_the_calendar_and_the_organizer_sees_it(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    meeting(run)
    (copy,) = stored(fake, ADA, "Planning")
    run.run(run.client.events.decline(ADA, copy["id"], comment="Away that day"))
    assert stored(fake, ADA, "Planning") == []
    (organizers,) = stored(fake, SVC, "Planning")
    assert response_of(organizers, ADA) == "declined"
    assert response_of(organizers, BOB) == "none"
    assert len(stored(fake, BOB, "Planning")) == 1
    decline = [r for r in fake.requests if r.path.endswith("/decline")]
    assert [r.json() for r in decline] == [{"sendResponse": False, "comment": "Away that day"}]
    assert decline[0].path.startswith(f"/users/{ADA}/events/")
    assert not any(r.path.endswith("/cancel") for r in fake.requests)


def test_decline_as_attendee_with_notify_sends_the_response(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    meeting(run)
    (copy,) = stored(fake, ADA, "Planning")
    run.run(run.client.events.decline(ADA, copy["id"], notify=True))
    (decline,) = [r for r in fake.requests if r.path.endswith("/decline")]
    assert decline.json() == {"sendResponse": True}


def test_decline_as_organizer_cancels_with_the_comment(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    event_id = meeting(run)
    run.run(run.client.events.decline(SVC, event_id, comment="Room unavailable"))
    assert stored(fake, SVC, "Planning") == []
    for attendee in (ADA, BOB):
        (copy,) = stored(fake, attendee, "Planning")
        assert copy["isCancelled"] is True
    steps = [(r.method, r.path.rsplit("/", 1)[-1], r.status) for r in fake.requests[-3:]]
    assert steps == [("POST", "decline", 400), ("GET", event_id, 200), ("POST", "cancel", 202)]
    assert fake.requests[-1].json() == {"comment": "Room unavailable"}


def test_accept_as_attendee(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    meeting(run)
    (copy,) = stored(fake, BOB, "Planning")
    run.run(run.client.events.accept(BOB, copy["id"], notify=True, comment="See you"))
    (organizers,) = stored(fake, SVC, "Planning")
    assert response_of(organizers, BOB) == "accepted"
    (bobs,) = stored(fake, BOB, "Planning")
    assert bobs["responseStatus"]["response"] == "accepted"


def test_cancel_as_organizer(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    event_id = meeting(run)
    run.run(run.client.events.cancel(SVC, event_id, comment="Sorry"))
    assert stored(fake, SVC, "Planning") == []
    assert [e["isCancelled"] for e in stored(fake, ADA, "Planning")] == [True]


def test_delete_with_notify_as_organizer_cancels(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    event_id = meeting(run)
    run.run(run.client.events.delete(SVC, event_id, notify=True, comment="Moved online"))
    assert stored(fake, SVC, "Planning") == []
    assert [e["isCancelled"] for e in stored(fake, ADA, "Planning")] == [True]
    (cancel,) = [r for r in fake.requests if r.path.endswith("/cancel")]
    assert cancel.json() == {"comment": "Moved online"}
    assert not any(r.method == "DELETE" for r in fake.requests)


def test_delete_with_notify_as_attendee_deletes(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    meeting(run)
    (copy,) = stored(fake, ADA, "Planning")
    run.run(run.client.events.delete(ADA, copy["id"], notify=True, comment="bye"))
    assert stored(fake, ADA, "Planning") == []
    (organizers,) = stored(fake, SVC, "Planning")
    assert organizers["isCancelled"] is False
    assert len(stored(fake, BOB, "Planning")) == 1
    assert [r.method for r in fake.requests if ADA in r.path] == ["GET", "DELETE"]
    assert not any(r.path.endswith("/cancel") for r in fake.requests)


@pytest.mark.parametrize("who", ["organizer", "attendee"])
def test_delete_without_notify_deletes(on_fake, who) -> None:
    fake = office()
    run = on_fake(fake)
    event_id = meeting(run)
    mailbox = SVC if who == "organizer" else ADA
    if who == "attendee":
        (copy,) = stored(fake, ADA, "Planning")
        event_id = copy["id"]
    fake.clear_requests()
    run.run(run.client.events.delete(mailbox, event_id))
    assert stored(fake, mailbox, "Planning") == []
    assert [(r.method, r.status) for r in fake.requests] == [("DELETE", 204)]


def test_delete_retried_after_the_server_acted_succeeds(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    event_id = meeting(run)
    fake.fail_next(fault="timeout", acted=True, method="DELETE")
    run.run(run.client.events.delete(SVC, event_id))
    assert stored(fake, SVC, "Planning") == []
    assert [r.status for r in fake.requests if r.method == "DELETE"] == [None, 404]


# ------------------------------------------------------------------ cancelled, iCalUId


def test_cancelled_meetings_are_dropped_unless_asked(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    event_id = meeting(run, "Cancelled one")
    meeting(run, "Kept one")
    run.run(run.client.events.cancel(SVC, event_id))
    window = (JAN - timedelta(hours=1), JAN + timedelta(hours=2))
    default = run.collect(run.client.events.list(ADA, *window))
    assert [e.subject for e in default] == ["Kept one"]
    every = run.collect(run.client.events.list(ADA, *window, include_cancelled=True))
    assert sorted((e.subject, bool(e.is_cancelled)) for e in every) == [
        ("Canceled: Cancelled one", True),
        ("Kept one", False),
    ]
    cancelled = next(e for e in every if e.is_cancelled)
    assert cancelled.to_placeos()["status"] == "cancelled"  # the driver's status


def test_ical_uid_finds_one_meeting_in_every_calendar(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    for i in range(5):
        run.run(
            run.client.events.create(
                f"M{i}",
                JAN + timedelta(hours=i),
                JAN + timedelta(hours=i, minutes=30),
                attendees=[ADA],
            )
        )
    window = (JAN - timedelta(days=1), JAN + timedelta(days=1))
    every = run.collect(run.client.events.list(SVC, *window))
    target = every[2]
    found = run.collect(run.client.events.list(SVC, *window, ical_uid=target.ical_uid))
    assert [e.id for e in found] == [target.id]
    theirs = run.collect(run.client.events.list(ADA, *window, ical_uid=target.ical_uid))
    assert [e.subject for e in theirs] == ["M2"]  # iCalUId is the same in every calendar
    assert run.collect(run.client.events.list(SVC, *window, ical_uid="0400-nothing")) == []


# ------------------------------------------------------------------ all-day events

SYDNEY = ZoneInfo("Australia/Sydney")


@pytest.mark.parametrize(
    ("day", "hours"),
    [(date(2026, 4, 5), 25), (date(2026, 10, 4), 23), (date(2026, 6, 15), 24)],
    ids=["dst-ends-25h", "dst-starts-23h", "plain-24h"],
)
@pytest.mark.parametrize("given", ["zoneinfo", "unix+windows-name", "utc+iana-name"])
def test_all_day_is_local_midnight_to_the_next(on_fake, day, hours, given) -> None:
    fake = office()
    run = on_fake(fake)
    local_noon = datetime(day.year, day.month, day.day, 12, tzinfo=SYDNEY)
    if given == "zoneinfo":
        args: dict = {"event_start": local_noon}
        zone_name = "Australia/Sydney"
    elif given == "unix+windows-name":
        args = {"event_start": int(local_noon.timestamp()), "timezone": "AUS Eastern Standard Time"}
        zone_name = "AUS Eastern Standard Time"
    else:
        args = {"event_start": local_noon.astimezone(UTC), "timezone": "Australia/Sydney"}
        zone_name = "Australia/Sydney"
    event = run.run(run.client.events.create("Conference day", **args))
    (post,) = [r for r in fake.requests if r.method == "POST"]
    body = post.json()
    assert body["isAllDay"] is True
    assert body["start"] == {
        "dateTime": f"{day.isoformat()}T00:00:00.0000000",
        "timeZone": zone_name,
    }
    following = day + timedelta(days=1)
    assert body["end"] == {
        "dateTime": f"{following.isoformat()}T00:00:00.0000000",
        "timeZone": zone_name,
    }
    (kept,) = fake.events(SVC)
    assert utc_of(kept["end"]) - utc_of(kept["start"]) == timedelta(hours=hours)
    assert kept["isAllDay"] is True
    assert event.all_day is True
    window = (local_noon - timedelta(days=1), local_noon + timedelta(days=1))
    (listed,) = run.collect(run.client.events.list(SVC, *window, time_zone=zone_name))
    assert listed.all_day is True
    assert listed.start.replace(tzinfo=None) == datetime(day.year, day.month, day.day)
    assert listed.end.replace(tzinfo=None) == datetime(
        following.year, following.month, following.day
    )
    # (same-zone subtraction is wall-clock in Python: compare in UTC)
    assert listed.end.astimezone(UTC) - listed.start.astimezone(UTC) == timedelta(hours=hours)


def test_all_day_in_utc_for_unix_seconds_without_a_zone(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    run.run(run.client.events.create("UTC day", int(JAN.timestamp())))
    body = next(r for r in fake.requests if r.method == "POST").json()
    assert body["start"] == {"dateTime": "2030-01-07T00:00:00.0000000", "timeZone": "UTC"}
    assert body["end"] == {"dateTime": "2030-01-08T00:00:00.0000000", "timeZone": "UTC"}


# ------------------------------------------------------------------ time zones across DST

DST_CHANGES = [
    # (IANA, Windows, the day the clocks change, offset before, offset after)
    ("Australia/Sydney", "AUS Eastern Standard Time", date(2026, 4, 5), 11, 10),
    ("Australia/Sydney", "AUS Eastern Standard Time", date(2026, 10, 4), 10, 11),
    ("Europe/London", "GMT Standard Time", date(2026, 3, 29), 0, 1),
    ("Europe/London", "GMT Standard Time", date(2026, 10, 25), 1, 0),
    ("America/Los_Angeles", "Pacific Standard Time", date(2026, 3, 8), -8, -7),
    ("America/Los_Angeles", "Pacific Standard Time", date(2026, 11, 1), -7, -8),
]


@pytest.mark.parametrize(
    ("iana", "windows", "change", "before", "after"),
    DST_CHANGES,
    ids=[f"{c[0].split('/')[1]}-{c[2]:%b}" for c in DST_CHANGES],
)
@pytest.mark.parametrize("named", ["iana", "windows"])
def test_nine_oclock_stays_nine_oclock_across_a_dst_change(
    on_fake, iana, windows, change, before, after, named
) -> None:
    fake = office()
    run = on_fake(fake)
    name = iana if named == "iana" else windows
    zone = ZoneInfo(iana)
    days = [change - timedelta(days=1), change + timedelta(days=1)]
    for i, day in enumerate(days):
        nine = datetime(day.year, day.month, day.day, 9, tzinfo=zone)
        # One booked from Unix seconds, one from a UTC datetime: the zone comes from `timezone`.
        start = int(nine.timestamp()) if i == 0 else nine.astimezone(UTC)
        end = (
            int(nine.timestamp()) + 3600 if i == 0 else (nine + timedelta(hours=1)).astimezone(UTC)
        )
        created = run.run(run.client.events.create(f"Stand-up {day}", start, end, timezone=name))
        assert created.start == nine
        assert created.timezone == name
    posts = [r.json() for r in fake.requests if r.method == "POST"]
    assert [p["start"]["dateTime"][11:19] for p in posts] == ["09:00:00", "09:00:00"]
    assert {p["start"]["timeZone"] for p in posts} == {name}
    window = (
        datetime(days[0].year, days[0].month, days[0].day, tzinfo=zone),
        datetime(days[1].year, days[1].month, days[1].day, 23, tzinfo=zone),
    )
    listed = run.collect(run.client.events.list(SVC, *window, time_zone=name))
    assert len(listed) == 2
    for event, day, hours in zip(listed, days, (before, after), strict=True):
        assert event.start.replace(tzinfo=None) == datetime(day.year, day.month, day.day, 9)
        assert event.end.replace(tzinfo=None) == datetime(day.year, day.month, day.day, 10)
        assert event.start.utcoffset() == timedelta(hours=hours)
        assert event.timezone == name
    view = [r for r in fake.requests if r.path.endswith("/calendarView")][-1]
    assert view.headers["prefer"] == f'outlook.timezone="{name}"'
    # Without a zone: UTC, an hour apart in UTC across the change.
    utc = run.collect(run.client.events.list(SVC, *window))
    assert [e.start.utcoffset() for e in utc] == [timedelta(0), timedelta(0)]
    assert utc[0].start.hour - utc[1].start.hour == after - before


# ------------------------------------------------------------------ recurring series


def test_a_weekly_series_is_expanded_in_list_and_instances(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    pacific = ZoneInfo("America/Los_Angeles")
    first = datetime(2026, 2, 23, 9, tzinfo=pacific)  # Mondays across the 8 March change
    master = run.run(
        run.client.events.create(
            "Weekly sync",
            first,
            first + timedelta(minutes=30),
            attendees=[ADA],
            recurrence={
                "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
                "range": {"type": "numbered", "numberOfOccurrences": 5},
            },
        )
    )
    assert master.type == EventType.SERIES_MASTER
    window = (first - timedelta(days=1), first + timedelta(days=60))
    listed = run.collect(run.client.events.list(SVC, *window, time_zone="Pacific Standard Time"))
    assert len(listed) == 5
    assert all(e.type == EventType.OCCURRENCE for e in listed)
    assert {e.series_master_id for e in listed} == {master.id}
    assert [e.start.date() for e in listed] == [first.date() + timedelta(weeks=i) for i in range(5)]
    assert {(e.start.hour, e.start.minute) for e in listed} == {(9, 0)}
    assert len({e.ical_uid for e in listed}) == 5  # each occurrence has its own
    instances = run.collect(
        run.client.events.instances(SVC, master.id, *window, time_zone="America/Los_Angeles")
    )
    assert [e.id for e in instances] == [e.id for e in listed]
    (request,) = [r for r in fake.requests if r.path.endswith("/instances")]
    assert request.path == f"/users/{SVC}/events/{master.id}/instances"
    # The attendee sees the series too.
    assert len(run.collect(run.client.events.list(ADA, *window))) == 5
    # A window that cuts the series.
    part = run.collect(
        run.client.events.instances(
            SVC, master.id, first + timedelta(days=6), first + timedelta(days=13)
        )
    )
    assert len(part) == 1


def test_a_daily_series_with_an_end_date(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    london = ZoneInfo("Europe/London")
    first = datetime(2026, 3, 27, 8, 30, tzinfo=london)
    run.run(
        run.client.events.create(
            "Daily",
            first,
            first + timedelta(minutes=15),
            recurrence={
                "pattern": {"type": "daily", "interval": 1},
                "range": {"type": "endDate", "endDate": "2026-03-31"},
            },
        )
    )
    body = next(r for r in fake.requests if r.method == "POST").json()
    assert body["recurrence"]["range"]["startDate"] == "2026-03-27"
    listed = run.collect(
        run.client.events.list(
            SVC, first - timedelta(days=1), first + timedelta(days=10), time_zone="Europe/London"
        )
    )
    assert [e.start.day for e in listed] == [27, 28, 29, 30, 31]
    assert {(e.start.hour, e.start.minute) for e in listed} == {(8, 30)}


# ------------------------------------------------------------------ other calls


def test_create_in_a_room_calendar_and_read_it_back(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    event = run.run(
        run.client.events.create(
            "Room booking",
            JAN,
            JAN + timedelta(hours=1),
            calendar_id=ROOM,
            description="<p>Quarterly review</p>",
            attendees=["Ada Lovelace <ada@contoso.com>"],
            location="Room 1",
        )
    )
    assert fake.requests[0].path == f"/users/{ROOM}/calendar/events"
    got = run.run(run.client.events.get(ROOM, event.id, time_zone="Australia/Sydney"))
    assert got.subject == "Room booking"
    assert got.body is not None
    assert "<p>Quarterly review</p>" in (got.body.content or "")
    assert got.location is not None
    assert got.location.display_name == "Room 1"
    assert [(a.name, a.email) for a in got.attendees] == [("Ada Lovelace", ADA)]
    assert got.start.utcoffset() == timedelta(hours=11)
    assert got.organizer is not None
    assert got.organizer.address == ROOM
    assert len(stored(fake, ADA, "Room booking")) == 1


def test_update_attendees_only_and_clear_them(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    event_id = meeting(run)
    updated = run.run(
        run.client.events.update(SVC, event_id, attendees=[ADA, "Room 1 <room1@contoso.com>"])
    )
    assert [a.email for a in updated.attendees] == [ADA, ROOM]
    (patch,) = [r for r in fake.requests if r.method == "PATCH"]
    assert set(patch.json()) == {"attendees"}
    (kept,) = stored(fake, SVC, "Planning")
    assert kept["subject"] == "Planning"  # untouched
    cleared = run.run(run.client.events.update(SVC, event_id, attendees=[]))
    assert cleared.attendees == ()


def test_update_title_and_times(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    event_id = meeting(run)
    later = JAN + timedelta(hours=3)
    updated = run.run(
        run.client.events.update(
            SVC, event_id, title="Moved", event_start=later, event_end=later + timedelta(hours=1)
        )
    )
    assert updated.subject == "Moved"
    assert updated.start == later
    (kept,) = stored(fake, SVC, "Moved")
    assert utc_of(kept["start"]) == later
    (theirs,) = stored(fake, ADA, "Moved")  # the organizer's change reached the attendee
    assert utc_of(theirs["start"]) == later


def test_calendars_list_every_calendar(on_fake) -> None:
    fake = office()
    for i in range(12):
        fake.add_calendar(SVC, f"Project {i}")
    run = on_fake(fake)
    calendars = run.collect(run.client.calendars.list())
    assert len(calendars) == 13
    assert "Project 11" in {c.name for c in calendars}
    secondary = next(c for c in calendars if c.name == "Project 3")
    run.run(
        run.client.events.create(
            "In project 3", JAN, JAN + timedelta(hours=1), calendar_id=secondary.id
        )
    )
    listed = run.collect(
        run.client.events.list(secondary.id, JAN - timedelta(hours=1), JAN + timedelta(hours=2))
    )
    assert [e.subject for e in listed] == ["In project 3"]
    default = run.collect(
        run.client.events.list(SVC, JAN - timedelta(hours=1), JAN + timedelta(hours=2))
    )
    assert default == []


def test_rooms_every_page(on_fake) -> None:
    fake = FakeGraph()
    for i in range(130):
        fake.add_room(
            f"Room {i:03}",
            f"room{i:03}@contoso.com",
            capacity=4 + i % 10,
            room_list="north@contoso.com" if i % 2 else "south@contoso.com",
        )
    run = on_fake(fake)
    rooms = run.collect(run.client.rooms.list())
    assert len(rooms) == 130
    assert len({r.email for r in rooms}) == 130
    assert len([r for r in fake.requests if r.path.lower() == "/places/microsoft.graph.room"]) >= 2
    lists = run.collect(run.client.rooms.lists())
    assert sorted(r.email_address for r in lists) == ["north@contoso.com", "south@contoso.com"]
    north = run.collect(run.client.rooms.in_list("north@contoso.com"))
    assert len(north) == 65
    assert all(int(r.email[4:7]) % 2 == 1 for r in north)


def test_fake_refuses_properties_an_event_does_not_have(on_fake) -> None:
    from graphlink import errors

    fake = office()
    run = on_fake(fake)
    event_id = meeting(run)
    with pytest.raises(errors.BadRequestError):
        run.run(
            run.client.request("PATCH", f"/users/{SVC}/events/{event_id}", json={"timezone": None})
        )
