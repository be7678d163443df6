"""Calendar, event, free/busy and room calls against Microsoft's documented examples:
the request graphlink sends (shape) and how it reads the documented answer (parsing)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from calendar_support import (
    GRAPH,
    SVC,
    answer,
    assert_mailbox_keyed,
    body_of,
    event_json,
    graph_path,
    lower_keys,
    replay,
)
from examples import example

from graphlink.models import (
    Attendee,
    AttendeeType,
    EventType,
    FreeBusyStatus,
    OnlineMeetingProvider,
    RecurrencePatternType,
    RecurrenceRangeType,
    ResponseType,
)

PACIFIC = ZoneInfo("America/Los_Angeles")


def documented_time(value: dict[str, str]) -> datetime:
    """A documented ``dateTimeTimeZone`` as an aware datetime."""
    from graphlink.models import to_zoneinfo

    text = value["dateTime"][:19]
    return datetime.fromisoformat(text).replace(tzinfo=to_zoneinfo(value["timeZone"]))


# ------------------------------------------------------------------ calendars


def test_calendars_list_parses_the_documented_page(harness) -> None:
    h = harness(replay("user-list-calendars__01__user-get-calendars"), service_account=SVC)
    calendars = h.collect(h.client.calendars.list())
    documented = example("user-list-calendars__01__user-get-calendars")["response_body"]["value"]
    assert [c.id for c in calendars] == [c["id"] for c in documented]
    first = calendars[0]
    assert first.name == "Calendar"
    assert first.can_edit is True
    assert first.owner is not None
    assert first.owner.address == "samanthab@adatum.onmicrosoft.com"
    assert first.default_online_meeting_provider == OnlineMeetingProvider.TEAMS_FOR_BUSINESS
    assert first.allowed_online_meeting_providers == (OnlineMeetingProvider.TEAMS_FOR_BUSINESS,)
    request = h.requests[0]
    assert request.method == "GET"
    assert graph_path(request) == f"/users/{SVC}/calendars"
    assert_mailbox_keyed(h.requests, SVC)


def test_calendars_list_of_another_mailbox(harness) -> None:
    h = harness(replay("user-list-calendars__01__user-get-calendars"), service_account=SVC)
    h.collect(h.client.calendars.list("adele@contoso.com"))
    assert graph_path(h.requests[0]) == "/users/adele@contoso.com/calendars"


def test_calendars_list_follows_every_page(harness) -> None:
    documented = example("user-list-calendars__01__user-get-calendars")["response_body"]
    pages = iter(
        [
            {**documented, "@odata.nextLink": f"{GRAPH}/users/{SVC}/calendars?$skip=1"},
            {**documented, "@odata.nextLink": f"{GRAPH}/users/{SVC}/calendars?$skip=2"},
            documented,
        ]
    )
    h = harness(lambda r: httpx.Response(200, json=next(pages)), service_account=SVC)
    calendars = h.collect(h.client.calendars.list())
    assert len(calendars) == 3 * len(documented["value"])
    assert len(h.requests) == 3
    assert h.requests[1].url.params["$skip"] == "1"
    assert_mailbox_keyed(h.requests, SVC)


# ------------------------------------------------------------------ calendarView


def test_events_list_request_shape_and_documented_parse(harness) -> None:
    h = harness(replay("user-list-calendarview__01__user-get-calendarview"), service_account=SVC)
    start = datetime(2020, 1, 1, 19, tzinfo=ZoneInfo("America/Los_Angeles"))
    events = h.collect(h.client.events.list(SVC, start, start + timedelta(days=1)))
    documented = example("user-list-calendarview__01__user-get-calendarview")["response_body"]
    item = documented["value"][0]
    assert len(events) == 1
    event = events[0]
    assert event.ical_uid == item["iCalUId"]
    assert event.original_start_timezone == "Pacific Standard Time"
    assert event.response_status is not None
    assert event.response_status.response == ResponseType.ACCEPTED
    assert event.response_status.time == datetime(2016, 10, 19, 10, 37, tzinfo=UTC)
    assert event.reminder_minutes_before_start == 15
    request = h.requests[0]
    assert request.method == "GET"
    assert graph_path(request) == f"/users/{SVC}/calendar/calendarView"
    # The documented window (19:00 at UTC-8) sent in UTC.
    assert request.url.params["startDateTime"] == "2020-01-02T03:00:00Z"
    assert request.url.params["endDateTime"] == "2020-01-03T03:00:00Z"
    assert int(request.url.params["$top"]) >= 100  # large pages: fewer round trips
    assert "$filter" not in request.url.params
    assert "Prefer" not in request.headers  # UTC unless a zone is asked for


@pytest.mark.parametrize(
    "zone", ["Pacific Standard Time", "America/Los_Angeles", "AUS Eastern Standard Time"]
)
def test_events_list_time_zone_sends_prefer(harness, zone) -> None:
    h = harness(answer(200, {"value": []}), service_account=SVC)
    h.collect(h.client.events.list(SVC, 1_700_000_000, 1_700_086_400, time_zone=zone))
    request = h.requests[0]
    assert request.headers["Prefer"] == f'outlook.timezone="{zone}"'
    assert request.url.params["startDateTime"] == "2023-11-14T22:13:20Z"
    assert request.url.params["endDateTime"] == "2023-11-15T22:13:20Z"


def test_events_list_ical_uid_is_filtered_by_graph_and_again_here(harness) -> None:
    documented = example("user-list-calendarview__01__user-get-calendarview")["response_body"]
    uid = documented["value"][0]["iCalUId"]
    other = event_json("E2", iCalUId="0400000082-other")  # Graph's filter let it through
    page = {"value": [*documented["value"], other]}
    h = harness(answer(200, page), service_account=SVC)
    found = h.collect(h.client.events.list(SVC, 1_700_000_000, 1_700_086_400, ical_uid=uid))
    assert [e.ical_uid for e in found] == [uid]
    assert h.requests[0].url.params["$filter"] == f"iCalUId eq '{uid}'"
    h.collect(h.client.events.list(SVC, 1_700_000_000, 1_700_086_400, ical_uid="it's"))
    assert h.requests[1].url.params["$filter"] == "iCalUId eq 'it''s'"


def test_events_list_drops_cancelled_unless_asked(harness) -> None:
    page = {
        "value": [
            event_json("E1", isCancelled=False),
            event_json("E2", isCancelled=True, subject="Canceled: x"),
            event_json("E3"),
        ]
    }
    h = harness(answer(200, page), service_account=SVC)
    kept = h.collect(h.client.events.list(SVC, 1_700_000_000, 1_700_086_400))
    assert [e.id for e in kept] == ["E1", "E3"]
    every = h.collect(
        h.client.events.list(SVC, 1_700_000_000, 1_700_086_400, include_cancelled=True)
    )
    assert [e.id for e in every] == ["E1", "E2", "E3"]
    # Graph cannot filter on isCancelled: nothing about it is sent.
    assert all("$filter" not in r.url.params for r in h.requests)


def test_events_list_follows_every_page(harness) -> None:
    def page(i: int, last: bool = False) -> dict:
        body: dict = {"value": [event_json(f"E{i}-{j}") for j in range(3)]}
        if not last:
            body["@odata.nextLink"] = f"{GRAPH}/users/{SVC}/calendar/calendarView?$skip={i + 1}"
        return body

    pages = iter([page(0), page(1), page(2), page(3, last=True)])
    h = harness(lambda r: httpx.Response(200, json=next(pages)), service_account=SVC)
    events = h.collect(h.client.events.list(SVC, 1_700_000_000, 1_700_086_400, time_zone="UTC"))
    assert len(events) == 12
    assert len({e.id for e in events}) == 12
    assert len(h.requests) == 4
    assert_mailbox_keyed(h.requests, SVC)


def test_returned_times_are_aware_with_seconds_kept(harness) -> None:
    item = event_json(
        start={"dateTime": "2030-01-07T09:00:45.5000000", "timeZone": "Pacific Standard Time"},
        end={"dateTime": "2030-01-07T09:30:07.0000000", "timeZone": "Pacific Standard Time"},
    )
    h = harness(answer(200, {"value": [item]}), service_account=SVC)
    (event,) = h.collect(
        h.client.events.list(SVC, 1_700_000_000, 1_700_086_400, time_zone="Pacific Standard Time")
    )
    assert event.start.tzinfo is not None
    assert event.end.tzinfo is not None
    assert (event.start.hour, event.start.minute, event.start.second) == (9, 0, 45)
    assert event.start.microsecond == 500_000
    assert (event.end.minute, event.end.second) == (30, 7)
    assert event.start.utcoffset() == timedelta(hours=-8)
    assert event.timezone == "Pacific Standard Time"


# ------------------------------------------------------------------ get


def test_events_get_parses_the_documented_event(harness) -> None:
    name = "event-get__02__get-event-multiple-locations"
    h = harness(replay(name), service_account=SVC)
    event = h.run(h.client.events.get(SVC, "AAMkADAGAADDdm4NAAA="))
    documented = example(name)["response_body"]
    assert event.id == documented["id"]
    assert event.subject == "Plan summer company picnic"
    assert [loc.display_name for loc in event.locations] == [
        "Conf Room 3",
        "Fourth Coffee",
        "Home Office",
    ]
    assert event.locations[1].address is not None
    assert [(a.name, a.email, a.type) for a in event.attendees] == [
        ("Dana Swope", "DanaS@contoso.onmicrosoft.com", AttendeeType.REQUIRED),
        ("Alex Wilber", "AlexW@contoso.onmicrosoft.com", AttendeeType.REQUIRED),
    ]
    assert event.organizer is not None
    assert event.organizer.name == "Adele Vance"
    assert event.start == datetime(2017, 8, 30, 11, tzinfo=UTC)
    assert event.start.tzinfo is not None
    request = h.requests[0]
    assert request.method == "GET"
    assert graph_path(request) == f"/users/{SVC}/events/AAMkADAGAADDdm4NAAA="
    assert b"AAMkADAGAADDdm4NAAA%3D" in request.url.raw_path  # the id is one encoded segment


# ------------------------------------------------------------------ create


def test_create_matches_the_documented_request(harness) -> None:
    name = "calendar-post-events__01__create-event-from-calendar"
    documented = example(name)
    sent = documented["request_body"]
    h = harness(replay(name), service_account=SVC)
    start = datetime(2019, 3, 15, 12, tzinfo=PACIFIC)
    event = h.run(
        h.client.events.create(
            sent["subject"],
            start,
            start + timedelta(hours=2),
            description=sent["body"]["content"],
            attendees=[Attendee(name="Adele Vance", email="adelev@contoso.onmicrosoft.com")],
            location="Harry's Bar",
            timezone="Pacific Standard Time",
            calendar_id="AAMkAGViNDU7zAAAAAGtlAAA=",
            transaction_id=sent["transactionId"],
        )
    )
    request = h.requests[0]
    body = body_of(request)
    assert request.method == "POST"
    assert graph_path(request) == f"/users/{SVC}/calendars/AAMkAGViNDU7zAAAAAGtlAAA=/events"
    assert b"AAMkAGViNDU7zAAAAAGtlAAA%3D" in request.url.raw_path
    assert body["subject"] == sent["subject"]
    assert lower_keys(body["body"]) == lower_keys(sent["body"])
    assert body["location"] == sent["location"]
    assert body["attendees"] == sent["attendees"]
    assert body["transactionId"] == sent["transactionId"]
    for key in ("start", "end"):
        assert body[key]["timeZone"] == sent[key]["timeZone"]
        assert documented_time(body[key]) == documented_time(sent[key])
    assert "isOnlineMeeting" not in body  # no conference_type, no provider
    # The documented answer, parsed.
    assert event.id == documented["response_body"]["id"]
    assert event.transaction_id == sent["transactionId"]
    assert event.start == start
    assert event.timezone == "Pacific Standard Time"
    assert event.is_organizer is True


def test_create_attendee_shapes_names_and_types(harness) -> None:
    h = harness(answer(201, event_json()), service_account=SVC)
    h.run(
        h.client.events.create(
            "Shapes",
            1_900_000_000,
            1_900_003_600,
            attendees=[
                "plain@contoso.com",
                "Named Person <named@contoso.com>",
                ("Pair Name", "pair@contoso.com"),
                Attendee(name="Opt", email="opt@contoso.com", type=AttendeeType.OPTIONAL),
                Attendee(name="Room 1", email="room1@contoso.com", type=AttendeeType.RESOURCE),
            ],
        )
    )
    attendees = body_of(h.requests[0])["attendees"]
    assert attendees == [
        {"type": "required", "emailAddress": {"address": "plain@contoso.com"}},
        {
            "type": "required",
            "emailAddress": {"name": "Named Person", "address": "named@contoso.com"},
        },
        {"type": "required", "emailAddress": {"name": "Pair Name", "address": "pair@contoso.com"}},
        {"type": "optional", "emailAddress": {"name": "Opt", "address": "opt@contoso.com"}},
        {"type": "resource", "emailAddress": {"name": "Room 1", "address": "room1@contoso.com"}},
    ]


def test_create_with_online_meeting_matches_the_documented_request(harness) -> None:
    name = "calendar-post-events__02__create-event-from-calendar-with-online-meeting"
    sent = example(name)["request_body"]
    h = harness(replay(name), service_account=SVC)
    event = h.run(
        h.client.events.create(
            sent["subject"],
            datetime(2019, 3, 10, 12, tzinfo=PACIFIC),
            datetime(2019, 3, 10, 14, tzinfo=PACIFIC),
            timezone="Pacific Standard Time",
            online_meeting_provider="teamsForBusiness",
        )
    )
    body = body_of(h.requests[0])
    assert body["isOnlineMeeting"] is sent["isOnlineMeeting"] is True
    assert body["onlineMeetingProvider"] == sent["onlineMeetingProvider"]
    assert event.is_online_meeting is True
    assert event.online_meeting_provider == OnlineMeetingProvider.TEAMS_FOR_BUSINESS


def test_create_sends_prefer_in_the_events_zone_as_documented(harness) -> None:
    name = "user-post-events__04__create-event-from-user-with-online-meeting"
    documented = example(name)
    h = harness(replay(name), service_account=SVC)
    event = h.run(
        h.client.events.create(
            "Let's go for lunch",
            datetime(2017, 4, 15, 12, tzinfo=PACIFIC),
            datetime(2017, 4, 15, 14, tzinfo=PACIFIC),
            timezone="Pacific Standard Time",
            online_meeting_provider="teamsForBusiness",
        )
    )
    assert h.requests[0].headers["Prefer"] == documented["request_headers"]["Prefer"]
    assert event.start == datetime(2017, 4, 15, 11, tzinfo=PACIFIC)  # as documented back
    assert event.start.utcoffset() == timedelta(hours=-7)


def test_create_recurring_matches_the_documented_request(harness) -> None:
    name = "user-post-events__03__create-event-recurring"
    documented = example(name)
    sent = documented["request_body"]
    h = harness(replay(name), service_account=SVC)
    start = datetime(2017, 9, 4, 12, tzinfo=PACIFIC)
    event = h.run(
        h.client.events.create(
            sent["subject"],
            start,
            start + timedelta(hours=2),
            description=sent["body"]["content"],
            attendees=["Adele Vance <AdeleV@contoso.onmicrosoft.com>"],
            location="Harry's Bar",
            timezone="Pacific Standard Time",
            recurrence=sent["recurrence"],
        )
    )
    body = body_of(h.requests[0])
    assert lower_keys(body["recurrence"]["pattern"]) == lower_keys(sent["recurrence"]["pattern"])
    assert lower_keys(body["recurrence"]["range"]) == lower_keys(sent["recurrence"]["range"])
    assert body["attendees"] == sent["attendees"]
    for key in ("start", "end"):
        assert documented_time(body[key]) == documented_time(sent[key])
    assert event.type == EventType.SERIES_MASTER
    assert event.recurrence is not None
    assert event.recurrence.pattern is not None
    assert event.recurrence.pattern.type == RecurrencePatternType.WEEKLY
    assert event.recurrence.range is not None
    assert event.recurrence.range.type == RecurrenceRangeType.END_DATE
    assert event.recurrence.range.end_date == date(2017, 12, 31)


def test_create_recurrence_range_defaults_to_the_first_local_day(harness) -> None:
    h = harness(answer(201, event_json()), service_account=SVC)
    # 23:30 UTC on the 3rd is 09:30 on the 4th in Sydney: the series starts on the 4th.
    start = datetime(2030, 3, 3, 23, 30, tzinfo=UTC)
    h.run(
        h.client.events.create(
            "Weekly",
            start,
            start + timedelta(hours=1),
            timezone="Australia/Sydney",
            recurrence={"pattern": {"type": "weekly", "daysOfWeek": ["monday"]}},
        )
    )
    rng = body_of(h.requests[0])["recurrence"]["range"]
    assert rng == {"type": "noEnd", "startDate": "2030-03-04"}


def test_create_transaction_id_is_generated_and_kept_across_retries(harness) -> None:
    responses = iter(
        [
            httpx.Response(503, json={"error": {"code": "ServiceUnavailable", "message": "x"}}),
            httpx.ReadTimeout("slow"),
            httpx.Response(201, json=event_json()),
        ]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        item = next(responses)
        if isinstance(item, Exception):
            raise item
        return item

    h = harness(handler, service_account=SVC)
    event = h.run(h.client.events.create("Retry me", 1_900_000_000, 1_900_003_600))
    assert event.id == "E1"
    assert len(h.requests) == 3
    ids = {body_of(r)["transactionId"] for r in h.requests}
    assert len(ids) == 1
    (txn,) = ids
    assert isinstance(txn, str)
    assert len(txn) >= 32
    assert [r.content for r in h.requests] == [h.requests[0].content] * 3
    # A second create gets a new transactionId.
    responses = iter([httpx.Response(201, json=event_json("E2"))])
    h.run(h.client.events.create("Another", 1_900_000_000, 1_900_003_600))
    assert body_of(h.requests[-1])["transactionId"] != txn


def test_create_transaction_id_given_is_sent(harness) -> None:
    h = harness(answer(201, event_json()), service_account=SVC)
    h.run(h.client.events.create("Mine", 1_900_000_000, 1_900_003_600, transaction_id="txn-42"))
    assert body_of(h.requests[0])["transactionId"] == "txn-42"


# ------------------------------------------------------------------ update


def test_update_sends_only_the_changed_properties(harness) -> None:
    name = "event-update__01__update-event"
    sent = example(name)["request_body"]
    h = harness(replay(name, id="AAMkAGE1Mzk"), service_account=SVC)
    event = h.run(
        h.client.events.update(
            SVC,
            "AAMkAGE1Mzk",
            reminder_minutes_before_start=sent["reminderMinutesBeforeStart"],
            is_online_meeting=True,
            online_meeting_provider=OnlineMeetingProvider.TEAMS_FOR_BUSINESS,
            is_reminder_on=True,
            hide_attendees=False,
            categories=sent["categories"],
        )
    )
    request = h.requests[0]
    assert request.method == "PATCH"
    assert graph_path(request) == f"/users/{SVC}/events/AAMkAGE1Mzk"
    body = body_of(request)
    expected = {
        k: sent[k]
        for k in (
            "reminderMinutesBeforeStart",
            "isOnlineMeeting",
            "onlineMeetingProvider",
            "isReminderOn",
            "hideAttendees",
            "categories",
        )
    }
    assert body == expected
    assert event.online_meeting is not None
    assert event.join_url is not None
    assert event.join_url.startswith("https://teams.microsoft.com/")
    assert event.online_meeting.conference_id == "177513992"
    assert event.reminder_minutes_before_start == 99


@pytest.mark.parametrize(
    ("name", "value", "key"),
    [
        ("sensitivity", "private", "sensitivity"),
        ("show_as", "free", "showAs"),
        ("importance", "high", "importance"),
        ("online_meeting_provider", "teamsForBusiness", "onlineMeetingProvider"),
    ],
)
def test_update_enum_properties_given_as_strings(harness, name, value, key) -> None:
    h = harness(answer(200, event_json()), service_account=SVC)
    h.run(h.client.events.update(SVC, "E1", **{name: value}))
    assert body_of(h.requests[0]) == {key: value}


def test_update_categories_as_one_string_is_refused_or_kept_whole(harness) -> None:
    from graphlink import errors

    h = harness(answer(200, event_json()), service_account=SVC)
    try:
        h.run(h.client.events.update(SVC, "E1", categories="Red"))
    except errors.ValidationError:
        assert h.requests == []
    else:
        assert body_of(h.requests[0]) == {"categories": ["Red"]}
    with pytest.raises(errors.ValidationError):
        h.run(h.client.events.update(SVC, "E1", is_reminder_on="yes"))


def test_update_title_with_create_names(harness) -> None:
    h = harness(answer(200, event_json()), service_account=SVC)
    h.run(h.client.events.update(SVC, "E1", title="New title", location="Room 2"))
    assert body_of(h.requests[0]) == {
        "subject": "New title",
        "location": {"displayName": "Room 2"},
    }


def test_update_attendees_only(harness) -> None:
    h = harness(answer(200, event_json()), service_account=SVC)
    h.run(h.client.events.update(SVC, "E1", attendees=["Ada <ada@contoso.com>"]))
    assert body_of(h.requests[0]) == {
        "attendees": [
            {"type": "required", "emailAddress": {"name": "Ada", "address": "ada@contoso.com"}}
        ]
    }
    h.run(h.client.events.update(SVC, "E1", attendees=[]))
    assert body_of(h.requests[1]) == {"attendees": []}  # cleared on purpose


def test_update_times_send_start_and_end_only(harness) -> None:
    h = harness(answer(200, event_json()), service_account=SVC)
    sydney = ZoneInfo("Australia/Sydney")
    h.run(
        h.client.events.update(
            SVC,
            "E1",
            event_start=datetime(2030, 1, 7, 9, tzinfo=sydney),
            event_end=datetime(2030, 1, 7, 10, tzinfo=sydney),
        )
    )
    body = body_of(h.requests[0])
    assert body["start"] == {
        "dateTime": "2030-01-07T09:00:00.0000000",
        "timeZone": "Australia/Sydney",
    }
    assert body["end"] == {
        "dateTime": "2030-01-07T10:00:00.0000000",
        "timeZone": "Australia/Sydney",
    }


def test_update_times_add_no_unknown_property(harness) -> None:
    h = harness(answer(200, event_json()), service_account=SVC)
    sydney = ZoneInfo("Australia/Sydney")
    h.run(
        h.client.events.update(
            SVC,
            "E1",
            event_start=datetime(2030, 1, 7, 9, tzinfo=sydney),
            event_end=datetime(2030, 1, 7, 10, tzinfo=sydney),
        )
    )
    assert set(body_of(h.requests[0])) == {"start", "end"}


# ------------------------------------------------------------------ answers, cancel, delete


def test_accept_with_notify_matches_the_documented_request(harness) -> None:
    sent = example("event-accept__01__event-accept")["request_body"]
    h = harness(replay("event-accept__01__event-accept"), service_account=SVC)
    assert h.run(h.client.events.accept(SVC, "E1", notify=True, comment=sent["comment"])) is None
    request = h.requests[0]
    assert request.method == "POST"
    assert graph_path(request) == f"/users/{SVC}/events/E1/accept"
    assert body_of(request) == sent


def test_accept_without_notify_says_send_response_false(harness) -> None:
    h = harness(replay("event-accept__01__event-accept"), service_account=SVC)
    h.run(h.client.events.accept(SVC, "E1"))
    assert body_of(h.requests[0]) == {"sendResponse": False}  # Graph's default is true


def test_decline_matches_the_documented_request(harness) -> None:
    sent = example("event-decline__01__event-decline")["request_body"]
    h = harness(replay("event-decline__01__event-decline"), service_account=SVC)
    h.run(h.client.events.decline(SVC, "E1", notify=True, comment=sent["comment"]))
    request = h.requests[0]
    assert graph_path(request) == f"/users/{SVC}/events/E1/decline"
    assert body_of(request) == {"comment": sent["comment"], "sendResponse": True}
    h.run(h.client.events.decline(SVC, "E1"))
    assert body_of(h.requests[1]) == {"sendResponse": False}
    assert len(h.requests) == 2  # accepted: no organizer check


def test_cancel_matches_the_documented_request(harness) -> None:
    sent = example("event-cancel__01__event-cancel")["request_body"]
    h = harness(replay("event-cancel__01__event-cancel"), service_account=SVC)
    h.run(h.client.events.cancel(SVC, "E1", comment=sent["Comment"]))
    request = h.requests[0]
    assert request.method == "POST"
    assert graph_path(request) == f"/users/{SVC}/events/E1/cancel"
    assert lower_keys(body_of(request)) == lower_keys(sent)


def test_delete_matches_the_documented_request(harness) -> None:
    h = harness(replay("event-delete__01__delete-event"), service_account=SVC)
    assert h.run(h.client.events.delete(SVC, "E1")) is None
    (request,) = h.requests
    assert request.method == "DELETE"
    assert graph_path(request) == f"/users/{SVC}/events/E1"


def test_delete_with_notify_checks_the_organizer_then_cancels(harness) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"id": "E1", "isOrganizer": True})
        return httpx.Response(202)

    h = harness(handler, service_account=SVC)
    h.run(h.client.events.delete(SVC, "E1", notify=True, comment="Room closed"))
    assert [(r.method, graph_path(r)) for r in h.requests] == [
        ("GET", f"/users/{SVC}/events/E1"),
        ("POST", f"/users/{SVC}/events/E1/cancel"),
    ]
    assert h.requests[0].url.params["$select"] == "isOrganizer"
    assert body_of(h.requests[1]) == {"comment": "Room closed"}


def test_decline_by_the_organizer_becomes_a_cancel(harness) -> None:
    refused = {
        "error": {
            "code": "ErrorInvalidRequest",
            "message": "Your request can't be completed. You can't respond to this meeting "
            "because you're the meeting organizer.",
        }
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/decline"):
            return httpx.Response(400, json=refused)
        if request.method == "GET":
            return httpx.Response(200, json={"id": "E1", "isOrganizer": True})
        return httpx.Response(202)

    h = harness(handler, service_account=SVC)
    h.run(h.client.events.decline(SVC, "E1", comment="Sorry, double booked"))
    assert [(r.method, graph_path(r).rsplit("/", 1)[-1]) for r in h.requests] == [
        ("POST", "decline"),
        ("GET", "E1"),
        ("POST", "cancel"),
    ]
    assert body_of(h.requests[2]) == {"comment": "Sorry, double booked"}


# ------------------------------------------------------------------ instances


def test_instances_request_shape_and_documented_parse(harness) -> None:
    name = "event-list-instances__01__get-instances"
    h = harness(replay(name), service_account=SVC)
    start = datetime(2019, 4, 8, 9, tzinfo=UTC)
    events = h.collect(
        h.client.events.instances(SVC, "AAMkAGUzYRgWAAA=", start, start + timedelta(days=22))
    )
    documented = example(name)["response_body"]["value"]
    assert [e.id for e in events] == [e["id"] for e in documented]
    assert {e.series_master_id for e in events} == {"AAMkAGUzYRgWAAA="}
    assert events[0].type == EventType.EXCEPTION
    assert events[1].type == EventType.OCCURRENCE
    assert events[1].start == datetime(2019, 4, 8, 20, 30, tzinfo=UTC)
    request = h.requests[0]
    assert graph_path(request) == f"/users/{SVC}/events/AAMkAGUzYRgWAAA=/instances"
    assert request.url.params["startDateTime"] == "2019-04-08T09:00:00Z"
    assert request.url.params["endDateTime"] == "2019-04-30T09:00:00Z"


# ------------------------------------------------------------------ getSchedule


def test_get_schedule_body_and_documented_parse(harness) -> None:
    name = "calendar-getschedule__01__calendar-getschedule"
    documented = example(name)
    sent = documented["request_body"]
    h = harness(replay(name), service_account=SVC)
    start = documented_time(sent["startTime"])
    end = documented_time(sent["endTime"])
    result = h.run(h.client.calendars.get_schedule(sent["schedules"], start, end, interval=60))
    request = h.requests[0]
    assert request.method == "POST"
    assert graph_path(request) == f"/users/{SVC}/calendar/getSchedule"
    body = body_of(request)
    assert set(body) == set(sent)
    assert body["schedules"] == sent["schedules"]
    assert body["availabilityViewInterval"] == 60
    assert documented_time(body["startTime"]) == start
    assert documented_time(body["endTime"]) == end
    assert [r.schedule_id for r in result] == sent["schedules"]
    adele, megan = result
    assert adele.availability_view == "000220000"
    assert adele.error is None
    (lunch,) = adele.schedule_items
    assert lunch.subject == "Let's go for lunch"
    assert lunch.status == FreeBusyStatus.BUSY
    assert lunch.start == datetime(2019, 3, 15, 12, tzinfo=PACIFIC)
    assert len(megan.schedule_items) == 5
    assert megan.schedule_items[2].status == FreeBusyStatus.TENTATIVE
    assert_mailbox_keyed(h.requests, SVC)


def test_get_schedule_concept_example_parses(harness) -> None:
    name = "concept-outlook-get-free-busy-schedule__01__calendar-getschedule-concept"
    documented = example(name)
    schedules = [s["scheduleId"] for s in documented["response_body"]["value"]]
    h = harness(replay(name), service_account=SVC)
    result = h.run(h.client.calendars.get_schedule(schedules, 1_900_000_000, 1_900_030_000))
    assert [r.schedule_id for r in result] == schedules
    for got, want in zip(result, documented["response_body"]["value"], strict=True):
        assert got.availability_view == want.get("availabilityView")
        assert len(got.schedule_items) == len(want.get("scheduleItems", []))


# ------------------------------------------------------------------ rooms


def test_rooms_list_parses_the_documented_page(harness) -> None:
    h = harness(replay("place-list__01__get-all-rooms"))
    rooms = h.collect(h.client.rooms.list())
    assert [r.email for r in rooms] == ["cf100@contoso.com", "cf200@contoso.com"]
    assert rooms[0].display_name == "Conf Room 100"
    assert rooms[0].capacity == 50
    assert rooms[1].tags == ("benches", "nice view")
    assert graph_path(h.requests[0]) == "/places/microsoft.graph.room"


def test_room_lists_parse_the_documented_room_list(harness) -> None:
    documented = example("place-get__02__get-roomlist")["response_body"]
    h = harness(answer(200, {"value": [documented]}))
    (building,) = h.collect(h.client.rooms.lists())
    assert building.display_name == "Building 1"
    assert building.email_address == "bldg1@contoso.com"
    assert graph_path(h.requests[0]).lower() == "/places/microsoft.graph.roomlist"


def test_rooms_in_list_parse_the_documented_page(harness) -> None:
    h = harness(replay("place-list__03__get-rooms-in-roomlist"))
    (room,) = h.collect(h.client.rooms.in_list("bldg2@contoso.com"))
    assert room.email == "cf200@contoso.com"
    assert room.floor_number == 2
    assert (
        graph_path(h.requests[0]).lower()
        == "/places/bldg2@contoso.com/microsoft.graph.roomlist/rooms"
    )


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda c: c.rooms.list(), "/places/microsoft.graph.room"),
        (lambda c: c.rooms.lists(), "/places/microsoft.graph.roomlist"),
        (
            lambda c: c.rooms.in_list("b@contoso.com"),
            "/places/b@contoso.com/microsoft.graph.roomlist/rooms",
        ),
    ],
    ids=["rooms", "room-lists", "in-list"],
)
def test_rooms_follow_every_page(harness, call, path) -> None:
    documented = example("place-list__01__get-all-rooms")["response_body"]
    pages = iter(
        [
            {**documented, "@odata.nextLink": f"{GRAPH}{path}?$skiptoken=a"},
            {**documented, "@odata.nextLink": f"{GRAPH}{path}?$skiptoken=b"},
            documented,
        ]
    )
    h = harness(lambda r: httpx.Response(200, json=next(pages)))
    items = h.collect(call(h.client))
    assert len(items) == 6
    assert len(h.requests) == 3
    assert graph_path(h.requests[0]).lower() == path.lower()
    assert h.requests[2].url.params["$skiptoken"] == "b"


# ------------------------------------------------------------------ pages


def test_pages_are_parsed_whole_with_structure_many(harness, monkeypatch) -> None:
    from graphlink._core import parse

    calls: list[tuple[str, int]] = []
    real = parse.structure_many

    def counting(cls, items):
        calls.append((cls.__name__, len(items)))
        return real(cls, items)

    monkeypatch.setattr(parse, "structure_many", counting)
    pages = iter(
        [
            {
                "value": [event_json(f"A{i}") for i in range(4)],
                "@odata.nextLink": f"{GRAPH}/users/{SVC}/calendar/calendarView?$skip=4",
            },
            {"value": [event_json(f"B{i}") for i in range(3)]},
        ]
    )
    h = harness(lambda r: httpx.Response(200, json=next(pages)), service_account=SVC)
    events = h.collect(h.client.events.list(SVC, 1_700_000_000, 1_700_086_400))
    assert len(events) == 7
    assert calls == [("Event", 4), ("Event", 3)]  # one call per page, not per item


def test_a_page_left_empty_by_the_cancelled_filter_does_not_stop_paging(harness) -> None:
    pages = iter(
        [
            {
                "value": [event_json(f"C{i}", isCancelled=True) for i in range(3)],
                "@odata.nextLink": f"{GRAPH}/users/{SVC}/calendar/calendarView?$skip=3",
            },
            {
                "value": [],
                "@odata.nextLink": f"{GRAPH}/users/{SVC}/calendar/calendarView?$skip=6",
            },
            {"value": [event_json("Kept")]},
        ]
    )
    h = harness(lambda r: httpx.Response(200, json=next(pages)), service_account=SVC)
    events = h.collect(h.client.events.list(SVC, 1_700_000_000, 1_700_086_400))
    assert [e.id for e in events] == ["Kept"]
    assert len(h.requests) == 3


def test_calendar_ids_with_reserved_characters_stay_one_segment(harness) -> None:
    h = harness(answer(200, {"value": [], **event_json()}), service_account=SVC)
    h.collect(h.client.events.list("AAMk/a+b==", 1_700_000_000, 1_700_086_400, user_id="u1"))
    h.run(h.client.events.get(SVC, "../me"))
    assert h.requests[0].url.raw_path.startswith(
        b"/v1.0/users/u1/calendars/AAMk%2Fa%2Bb%3D%3D/calendarView?"
    )
    assert h.requests[1].url.raw_path.startswith(b"/v1.0/users/svc%40contoso.com/events/..%2Fme")
