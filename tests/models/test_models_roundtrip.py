"""Round trips, time zones, enums and errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphlink.errors import ValidationError
from graphlink.models import (
    Attendee,
    AttendeeType,
    EmailAddress,
    Event,
    ItemBody,
    ModelValidationError,
    Recurrence,
    RecurrencePattern,
    RecurrencePatternType,
    RecurrenceRange,
    RecurrenceRangeType,
    ResponseType,
    Sensitivity,
    UnknownTimeZoneError,
    to_zoneinfo,
    windows_name,
)

# Every test here runs on both structure paths: they must give the same results.
pytestmark = pytest.mark.usefixtures("structure_path")

ZONES = ["AUS Eastern Standard Time", "Pacific Standard Time", "UTC", "Europe/London"]
text = st.text(min_size=1, max_size=20)


@st.composite
def events(draw: st.DrawFn) -> Event:
    zone = draw(st.sampled_from(ZONES))
    start = draw(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)))
    start = start.replace(tzinfo=to_zoneinfo(zone))
    people = draw(
        st.lists(
            st.builds(
                Attendee,
                name=text,
                email=st.emails(),
                type=st.sampled_from(list(AttendeeType)),
            ),
            max_size=5,
        )
    )
    return Event(
        subject=draw(text),
        body=ItemBody(content=draw(text), content_type=None),
        start=start,
        end=start + timedelta(minutes=draw(st.integers(0, 600)), seconds=draw(st.integers(0, 59))),
        timezone=zone,
        end_timezone=zone,
        attendees=tuple(people),
        organizer=EmailAddress(name=draw(text), address=draw(st.emails())),
        sensitivity=draw(st.sampled_from(list(Sensitivity))),
        all_day=draw(st.booleans()),
    )


@given(events())
def test_event_round_trip(event: Event) -> None:
    again = Event.from_graph(event.to_graph())
    assert again == event
    assert again.start is not None
    assert event.start is not None
    assert again.start.second == event.start.second


def test_every_recurrence_kind_round_trips() -> None:
    for kind in RecurrencePatternType:
        for rng in RecurrenceRangeType:
            rec = Recurrence(
                pattern=RecurrencePattern(type=kind, interval=2),
                range=RecurrenceRange(type=rng, number_of_occurrences=3),
            )
            assert Recurrence.from_graph(rec.to_graph()) == rec


def test_time_zones() -> None:
    assert to_zoneinfo("AUS Eastern Standard Time") == ZoneInfo("Australia/Sydney")
    assert to_zoneinfo("aus eastern standard time") == ZoneInfo("Australia/Sydney")
    assert to_zoneinfo("Australia/Sydney") == ZoneInfo("Australia/Sydney")
    assert to_zoneinfo("Yukon Standard Time") == ZoneInfo("America/Whitehorse")
    assert windows_name("Australia/Sydney") == "AUS Eastern Standard Time"
    assert windows_name(ZoneInfo("America/Los_Angeles")) == "Pacific Standard Time"
    with pytest.raises(UnknownTimeZoneError, match="custom"):
        to_zoneinfo("tzone://Microsoft/Custom")
    with pytest.raises(ValidationError):
        to_zoneinfo("Mars Standard Time")
    assert to_zoneinfo("tzone://Microsoft/Custom", fallback="UTC").key == "Etc/UTC"


def test_event_times_keep_seconds_and_zone() -> None:
    event = Event.from_graph(
        {
            "start": {
                "dateTime": "2024-05-02T09:00:07.1234567",
                "timeZone": "AUS Eastern Standard Time",
            }
        }
    )
    assert event.start == datetime(2024, 5, 2, 9, 0, 7, 123456, tzinfo=ZoneInfo("Australia/Sydney"))
    assert event.to_graph()["start"] == {
        "dateTime": "2024-05-02T09:00:07.1234560",
        "timeZone": "AUS Eastern Standard Time",
    }
    utc = Event(start=datetime(2024, 1, 1, 12, tzinfo=UTC))
    assert utc.to_graph()["start"]["timeZone"] == "UTC"


def test_unknown_zone_is_an_error_unless_fallback() -> None:
    data = {"start": {"dateTime": "2024-05-02T09:00:00", "timeZone": "Nowhere Time"}}
    with pytest.raises(ModelValidationError, match=r"Event\.start: unknown time zone"):
        Event.from_graph(data)
    assert Event.from_graph(data, tz_fallback="UTC").start == datetime(2024, 5, 2, 9, tzinfo=UTC)


def test_enums_case_insensitive_and_open() -> None:
    assert ResponseType("TentativelyAccepted") is ResponseType.TENTATIVELY_ACCEPTED
    odd = Event.from_graph({"sensitivity": "Secret"})
    assert odd.sensitivity is not None
    assert not odd.sensitivity.known
    assert odd.to_graph()["sensitivity"] == "Secret"
    assert Event.from_graph({"body": {"contentType": "HTML", "content": ""}}).body == ItemBody(
        content="",
        content_type="html",  # type: ignore[arg-type]
    )


def test_errors_are_typed_with_paths() -> None:
    with pytest.raises(ModelValidationError) as info:
        Event.from_graph({"subject": 1, "attendees": [{}, {"status": {"response": 3}}]})
    assert isinstance(info.value, ValidationError)
    assert "Event.subject" in str(info.value)
    assert "Event.attendees[1].status.response" in str(info.value)
    with pytest.raises(ModelValidationError):
        Event.from_graph([])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="naive"):
        Event(start=datetime(2024, 1, 1)).to_graph()


def test_read_only_left_out_and_extra_kept() -> None:
    event = Event.from_graph({"id": "1", "iCalUId": "u", "subject": "s", "newThing": {"a": 1}})
    assert event.to_graph() == {"subject": "s", "newThing": {"a": 1}}
    full = event.to_graph(include_read_only=True)
    assert full["id"] == "1"
    assert full["iCalUId"] == "u"
