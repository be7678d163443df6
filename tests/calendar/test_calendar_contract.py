"""Mailbox resolution, times in and out, and bad input refused before any request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import httpx
import pytest
from calendar_support import SVC, assert_mailbox_keyed, body_of, event_json, graph_path

from graphlink import errors
from graphlink._core.request import limit_key
from graphlink.models import Attendee

START = datetime(2030, 1, 7, 9, tzinfo=UTC)
END = START + timedelta(hours=1)


def ok(request: httpx.Request) -> httpx.Response:
    """Any calendar call answered plausibly."""
    path = request.url.path
    if request.method == "GET" and path.endswith("/events/E1"):
        return httpx.Response(200, json={**event_json(), "isOrganizer": False})
    if request.method == "GET":
        return httpx.Response(200, json={"value": []})
    if request.method == "DELETE":
        return httpx.Response(204)
    if path.endswith("/getSchedule"):
        return httpx.Response(200, json={"value": []})
    if path.endswith(("/accept", "/decline", "/cancel")):
        return httpx.Response(202)
    return httpx.Response(201 if request.method == "POST" else 200, json=event_json())


def every_event_call(client, calendar_id, **who):
    """One of each event call on ``calendar_id`` (collected lazily by the caller)."""
    return [
        ("list", lambda: client.events.list(calendar_id, START, END, **who)),
        ("get", lambda: client.events.get(calendar_id, "E1", **who)),
        ("update", lambda: client.events.update(calendar_id, "E1", title="x", **who)),
        ("accept", lambda: client.events.accept(calendar_id, "E1", **who)),
        ("decline", lambda: client.events.decline(calendar_id, "E1", **who)),
        ("cancel", lambda: client.events.cancel(calendar_id, "E1", **who)),
        ("delete", lambda: client.events.delete(calendar_id, "E1", **who)),
        ("delete-notify", lambda: client.events.delete(calendar_id, "E1", notify=True, **who)),
        ("instances", lambda: client.events.instances(calendar_id, "E1", START, END, **who)),
        ("create", lambda: client.events.create("t", START, END, calendar_id=calendar_id, **who)),
    ]


def drive(h, value):
    """Run a call (a paginator is collected)."""
    if hasattr(value, "to_list"):
        return h.collect(value)
    return h.run(value)


# ------------------------------------------------------------------ mailboxes


def test_a_calendar_id_with_at_is_the_mailbox_and_its_default_calendar(harness) -> None:
    h = harness(ok, service_account=SVC)
    room = "Room.1@contoso.com"
    for _name, call in every_event_call(h.client, room, user_id="someone.else@contoso.com"):
        drive(h, call())
    paths = [graph_path(r) for r in h.requests]
    assert all(p.startswith(f"/users/{room}/") for p in paths), paths
    assert f"/users/{room}/calendar/calendarView" in paths
    assert f"/users/{room}/calendar/events" in paths
    assert f"/users/{room}/events/E1/instances" in paths
    assert_mailbox_keyed(h.requests, room)


def test_another_calendar_id_is_a_calendar_of_user_id(harness) -> None:
    h = harness(ok, service_account=SVC)
    cal = "AAMkAGI2TGuLAAA="
    user = "ada@contoso.com"
    for _name, call in every_event_call(h.client, cal, user_id=user):
        drive(h, call())
    paths = [graph_path(r) for r in h.requests]
    assert f"/users/{user}/calendars/{cal}/calendarView" in paths
    assert f"/users/{user}/calendars/{cal}/events" in paths
    assert f"/users/{user}/events/E1" in paths  # events are addressed by mailbox alone
    assert_mailbox_keyed(h.requests, user)
    assert all(
        b"AAMkAGI2TGuLAAA%3D" in r.url.raw_path
        for r in h.requests
        if "/calendars/" in graph_path(r)
    )


def test_user_id_defaults_to_the_service_account(harness) -> None:
    h = harness(ok, service_account=SVC)
    for _name, call in every_event_call(h.client, "AAMkAGI2TGuLAAA="):
        drive(h, call())
    drive(h, h.client.calendars.list())
    h.run(h.client.calendars.get_schedule(["room@contoso.com"], START, END))
    h.run(h.client.events.create("no calendar_id", START, END))
    assert graph_path(h.requests[-1]) == f"/users/{SVC}/calendar/events"
    assert_mailbox_keyed(h.requests, SVC)


def test_user_id_alone_books_into_its_default_calendar(harness) -> None:
    h = harness(ok, service_account=SVC)
    h.run(h.client.events.create("x", START, END, user_id="ada@contoso.com"))
    assert graph_path(h.requests[0]) == "/users/ada@contoso.com/calendar/events"
    h.run(
        h.client.calendars.get_schedule("room@contoso.com", START, END, user_id="ada@contoso.com")
    )
    assert graph_path(h.requests[1]) == "/users/ada@contoso.com/calendar/getSchedule"


def test_no_mailbox_at_all_is_refused_before_any_request(harness) -> None:
    h = harness(ok)  # no service_account
    for name, call in every_event_call(h.client, "AAMkAGI2TGuLAAA="):
        with pytest.raises(errors.ValidationError, match="mailbox"):
            drive(h, call())
        assert h.requests == [], name
    for call in (
        lambda: h.client.calendars.list(),
        lambda: h.client.calendars.get_schedule(["room@contoso.com"], START, END),
        lambda: h.client.events.create("x", START, END),
    ):
        with pytest.raises(errors.ValidationError):
            drive(h, call())
    assert h.requests == []


def test_limit_key_of_calendar_paths() -> None:
    assert (
        limit_key("/users/Room1%40contoso.com/calendar/calendarView") == "mailbox:room1@contoso.com"
    )
    assert (
        limit_key("https://graph.microsoft.com/v1.0/users/a%40b.com/events/E1?x=1")
        == "mailbox:a@b.com"
    )
    assert limit_key("/users/u1/calendars/C1/events") == "mailbox:u1"
    assert limit_key("/places/microsoft.graph.room") == "tenant"


def test_next_links_keep_the_mailbox_key(harness) -> None:
    pages = iter(
        [
            {
                "value": [event_json("E1")],
                "@odata.nextLink": "https://graph.microsoft.com/v1.0/users('x')/calendar/calendarView?$skip=1",
            },
            {"value": [event_json("E2")]},
        ]
    )
    h = harness(lambda r: httpx.Response(200, json=next(pages)), service_account=SVC)
    events = h.collect(h.client.events.list("room@contoso.com", START, END))
    assert [e.id for e in events] == ["E1", "E2"]
    # Graph's own nextLink form for the second page: its key is the link's, recorded here.
    assert limit_key(str(h.requests[0].url)) == "mailbox:room@contoso.com"


# ------------------------------------------------------------------ times in


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2030, 1, 7, 9, tzinfo=UTC), datetime(2030, 1, 7, 10, tzinfo=UTC)),
        (1_894_006_800, 1_894_010_400),  # the same hour as Unix seconds
        (
            datetime(2030, 1, 7, 20, tzinfo=ZoneInfo("Australia/Sydney")),
            datetime(2030, 1, 7, 21, tzinfo=ZoneInfo("Australia/Sydney")),
        ),
        (
            datetime(2030, 1, 7, 10, tzinfo=timezone(timedelta(hours=1))),
            datetime(2030, 1, 7, 11, tzinfo=timezone(timedelta(hours=1))),
        ),
    ],
    ids=["utc", "unix-seconds", "zoneinfo", "fixed-offset"],
)
def test_aware_datetimes_and_unix_seconds_are_the_same_instant(harness, start, end) -> None:
    h = harness(ok, service_account=SVC)
    h.collect(h.client.events.list(SVC, start, end))
    assert h.requests[0].url.params["startDateTime"] == "2030-01-07T09:00:00Z"
    assert h.requests[0].url.params["endDateTime"] == "2030-01-07T10:00:00Z"
    h.run(h.client.events.create("t", start, end))
    body = body_of(h.requests[1])
    sent = datetime.fromisoformat(body["start"]["dateTime"][:19])
    from graphlink.models import to_zoneinfo

    assert sent.replace(tzinfo=to_zoneinfo(body["start"]["timeZone"])) == START


def test_unix_seconds_create_is_in_utc(harness) -> None:
    h = harness(ok, service_account=SVC)
    h.run(h.client.events.create("t", 1_894_006_800, 1_894_010_430))
    body = body_of(h.requests[0])
    assert body["start"] == {"dateTime": "2030-01-07T09:00:00.0000000", "timeZone": "UTC"}
    assert body["end"] == {"dateTime": "2030-01-07T10:00:30.0000000", "timeZone": "UTC"}


BAD_TIMES = [
    pytest.param(datetime(2030, 1, 7, 9), id="naive"),
    pytest.param(True, id="bool"),
    pytest.param(1_894_006_800.0, id="float"),
    pytest.param("2030-01-07T09:00:00Z", id="string"),
    pytest.param(None, id="none"),
]


@pytest.mark.parametrize("bad", BAD_TIMES)
def test_bad_times_are_refused_before_any_request(harness, bad) -> None:
    h = harness(ok, service_account=SVC)
    calls = [
        lambda: h.client.events.list(SVC, bad, END),
        lambda: h.client.events.list(SVC, START, bad),
        lambda: h.client.events.instances(SVC, "E1", bad, END),
        lambda: h.run(h.client.events.create("t", bad, END)),
        lambda: h.run(h.client.calendars.get_schedule(["a@contoso.com"], START, bad)),
    ]
    if bad is not None:  # None is meaningful there: all day, or "clear"
        calls.append(lambda: h.run(h.client.events.create("t", START, bad)))
        calls.append(lambda: h.run(h.client.events.update(SVC, "E1", event_start=bad)))
    for call in calls:
        with pytest.raises(errors.ValidationError):
            call()
    assert h.requests == []


@pytest.mark.parametrize("bad", BAD_TIMES[:3])
def test_bad_times_raise_as_the_call_is_made(harness, bad) -> None:
    h = harness(ok, service_account=SVC)
    with pytest.raises(errors.ValidationError):
        h.client.events.list(SVC, bad, END)
    with pytest.raises(errors.ValidationError):
        h.run(h.client.events.create("t", START, bad))
    with pytest.raises(errors.ValidationError):
        h.run(h.client.calendars.get_schedule(["a@contoso.com"], bad, END))
    assert h.requests == []


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(seconds=-1)], ids=["equal", "before"])
def test_period_end_not_after_start_is_refused(harness, offset) -> None:
    h = harness(ok, service_account=SVC)
    with pytest.raises(errors.ValidationError):
        h.client.events.list(SVC, START, START + offset)
    with pytest.raises(errors.ValidationError):
        h.client.events.instances(SVC, "E1", START, START + offset)
    with pytest.raises(errors.ValidationError):
        h.run(h.client.events.create("t", START, START + offset))
    with pytest.raises(errors.ValidationError):
        h.run(h.client.calendars.get_schedule(["a@contoso.com"], START, START + offset))
    assert h.requests == []


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "attendee",
    [
        "not-an-email",
        "Ada Lovelace",
        "ada@",
        ("Ada", "nope"),
        Attendee(name="Ada", email="nope"),
        Attendee(name="Ada"),
        42,
        "Evil\r\nBcc: x@y.com <ada@contoso.com>",
        ("Evil\r\nBcc: x@y.com", "ada@contoso.com"),
        ("Evil\nName", "ada@contoso.com"),
    ],
    ids=[
        "word",
        "name-only",
        "no-domain",
        "pair-bad-address",
        "attendee-bad-address",
        "attendee-no-address",
        "int",
        "crlf-in-name-string",
        "crlf-in-name-pair",
        "lf-in-name-pair",
    ],
)
def test_bad_attendees_are_refused_before_any_request(harness, attendee) -> None:
    h = harness(ok, service_account=SVC)
    with pytest.raises(errors.ValidationError):
        h.run(h.client.events.create("t", START, END, attendees=[attendee]))
    with pytest.raises(errors.ValidationError):
        h.run(h.client.events.update(SVC, "E1", attendees=[attendee]))
    assert h.requests == []


def test_crlf_in_an_attendee_objects_name_is_refused(harness) -> None:
    h = harness(ok, service_account=SVC)
    bad = Attendee(name="Evil\r\nBcc: x@y.com", email="ada@contoso.com")
    with pytest.raises(errors.ValidationError):
        h.run(h.client.events.create("t", START, END, attendees=[bad]))
    assert h.requests == []


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Not A Windows Standard Time", "", 5])
def test_unknown_time_zones_are_refused_before_any_request(harness, zone) -> None:
    h = harness(ok, service_account=SVC)
    with pytest.raises(errors.ValidationError):
        h.client.events.list(SVC, START, END, time_zone=zone)
    with pytest.raises(errors.ValidationError):
        h.client.events.instances(SVC, "E1", START, END, time_zone=zone)
    with pytest.raises(errors.ValidationError):
        h.run(h.client.events.get(SVC, "E1", time_zone=zone))
    with pytest.raises(errors.ValidationError):
        h.run(h.client.events.create("t", START, END, timezone=zone))
    with pytest.raises(errors.ValidationError):
        h.run(h.client.events.create("t", START, timezone=zone))  # all day
    with pytest.raises(errors.ValidationError):
        h.run(h.client.events.update(SVC, "E1", event_start=START, timezone=zone))
    assert h.requests == []


def test_update_refuses_unknown_fields_and_empty_updates(harness) -> None:
    h = harness(ok, service_account=SVC)
    with pytest.raises(errors.ValidationError, match="subjekt"):
        h.run(h.client.events.update(SVC, "E1", subjekt="typo"))
    with pytest.raises(errors.ValidationError, match="id"):
        h.run(h.client.events.update(SVC, "E1", id="other"))
    with pytest.raises(errors.ValidationError, match="ical_uid"):
        h.run(h.client.events.update(SVC, "E1", ical_uid="x"))
    with pytest.raises(errors.ValidationError):
        h.run(h.client.events.update(SVC, "E1"))
    with pytest.raises(errors.ValidationError, match="timezone"):
        h.run(h.client.events.update(SVC, "E1", timezone="UTC"))  # a zone with no time
    assert h.requests == []


@pytest.mark.parametrize("notify", ["false", "no", 1, 0, None])
def test_non_bool_notify_is_refused_for_answers(harness, notify) -> None:
    h = harness(ok, service_account=SVC)
    with pytest.raises(errors.ValidationError, match="notify"):
        h.run(h.client.events.accept(SVC, "E1", notify=notify))
    with pytest.raises(errors.ValidationError, match="notify"):
        h.run(h.client.events.decline(SVC, "E1", notify=notify))
    assert h.requests == []


@pytest.mark.parametrize("notify", ["false", "no", 1, 0, None])
def test_non_bool_notify_is_refused_for_delete(harness, notify) -> None:
    h = harness(ok, service_account=SVC)
    with pytest.raises(errors.ValidationError, match="notify"):
        h.run(h.client.events.delete(SVC, "E1", notify=notify))
    assert h.requests == []


@pytest.mark.parametrize("flag", ["yes", 1, None])
def test_non_bool_include_cancelled_is_refused(harness, flag) -> None:
    h = harness(ok, service_account=SVC)
    with pytest.raises(errors.ValidationError, match="include_cancelled"):
        h.client.events.list(SVC, START, END, include_cancelled=flag)
    assert h.requests == []


@pytest.mark.parametrize("interval", [0, 4, 1441, -30, 30.0, True, "30", None])
def test_interval_outside_5_to_1440_is_refused(harness, interval) -> None:
    h = harness(ok, service_account=SVC)
    with pytest.raises(errors.ValidationError, match="interval"):
        h.run(h.client.calendars.get_schedule(["a@contoso.com"], START, END, interval=interval))
    assert h.requests == []


@pytest.mark.parametrize("interval", [5, 1440])
def test_interval_bounds_are_accepted(harness, interval) -> None:
    h = harness(ok, service_account=SVC)
    h.run(
        h.client.calendars.get_schedule(
            ["a@contoso.com"], START, START + timedelta(days=1), interval=interval
        )
    )
    assert body_of(h.requests[0])["availabilityViewInterval"] == interval


@pytest.mark.parametrize("schedules", [[], (), iter([])], ids=["list", "tuple", "iterator"])
def test_empty_schedules_are_refused(harness, schedules) -> None:
    h = harness(ok, service_account=SVC)
    with pytest.raises(errors.ValidationError, match="schedule"):
        h.run(h.client.calendars.get_schedule(schedules, START, END))
    assert h.requests == []


@pytest.mark.parametrize(
    "schedules", [[""], ["  "], [None], [5]], ids=["empty", "blank", "none", "int"]
)
def test_bad_schedule_names_are_refused(harness, schedules) -> None:
    h = harness(ok, service_account=SVC)
    with pytest.raises(errors.ValidationError):
        h.run(h.client.calendars.get_schedule(schedules, START, END))
    assert h.requests == []


def test_non_iterable_schedules_are_a_validation_error(harness) -> None:
    """Regression: once a TypeError from ``list(schedules)`` in the facade."""
    h = harness(ok, service_account=SVC)
    with pytest.raises(errors.ValidationError):
        h.run(h.client.calendars.get_schedule(5, START, END))
    assert h.requests == []


@pytest.mark.parametrize("provider", ["zoom", "webex", "unknown"])
def test_a_provider_graph_cannot_create_needs_meeting_details(harness, provider) -> None:
    h = harness(ok, service_account=SVC)
    with pytest.raises(errors.ValidationError, match="online_meeting"):
        h.run(h.client.events.create("t", START, END, online_meeting_provider=provider))
    h2 = harness(ok, service_account=SVC, conference_type="zoom")
    with pytest.raises(errors.ValidationError, match="online_meeting"):
        h2.run(h2.client.events.create("t", START, END))
    assert h.requests == []
    assert h2.requests == []


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("title", 5),
        ("description", b"<p>bytes</p>"),
        ("location", 5),
        ("transaction_id", 5),
        ("transaction_id", "   "),
        ("attendees", 5),
        ("online_meeting_url", 5),
        ("recurrence", "weekly"),
        ("recurrence", {"pattern": {}}),
        ("calendar_id", ""),
        ("user_id", 5),
    ],
)
def test_other_bad_create_arguments_are_refused(harness, argument, value) -> None:
    h = harness(ok, service_account=SVC)
    kwargs = {argument: value}
    if argument.startswith("online_meeting"):
        kwargs["online_meeting_provider"] = "zoom"
    with pytest.raises(errors.ValidationError):
        h.run(
            h.client.events.create(
                **{"title": "t", "event_start": START, "event_end": END, **kwargs}
            )
        )
    assert h.requests == []


@pytest.mark.parametrize("event_id", ["", "  ", None, 5])
def test_bad_event_ids_are_refused(harness, event_id) -> None:
    h = harness(ok, service_account=SVC)
    for call in (
        lambda: h.run(h.client.events.get(SVC, event_id)),
        lambda: h.run(h.client.events.update(SVC, event_id, title="x")),
        lambda: h.run(h.client.events.accept(SVC, event_id)),
        lambda: h.run(h.client.events.decline(SVC, event_id)),
        lambda: h.run(h.client.events.cancel(SVC, event_id)),
        lambda: h.run(h.client.events.delete(SVC, event_id)),
        lambda: h.client.events.instances(SVC, event_id, START, END),
    ):
        with pytest.raises(errors.ValidationError):
            call()
    assert h.requests == []


@pytest.mark.parametrize("email", ["", None, 5])
def test_bad_room_list_is_refused(harness, email) -> None:
    h = harness(ok)
    with pytest.raises(errors.ValidationError):
        h.client.rooms.in_list(email)
    assert h.requests == []
