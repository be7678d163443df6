"""Cases an outside review of the driver found: typed attendee flags, null as "not given",
a mail without a body."""

from __future__ import annotations

import pytest
from placeos_support import ADA, ROOM, START, SVC, unix

from graphlink.errors import ValidationError
from graphlink.placeos import PlaceOSDriver
from graphlink.testing import FakeGraph


@pytest.mark.parametrize(
    ("attendee", "message"),
    [
        ({"email": ROOM, "resource": "true"}, "resource must be true, false or null"),
        ({"email": ADA, "optional": 1}, "optional must be true, false or null"),
        ({"email": ADA, "rsvp": True}, "unknown keys"),
    ],
)
def test_attendee_objects_are_checked_before_any_request(
    attendee: dict[str, object], message: str, fake: FakeGraph, driver: PlaceOSDriver
) -> None:
    fake.clear_requests()
    args = {"title": "t", "event_start": unix(START), "attendees": [attendee]}
    with pytest.raises(ValidationError, match=message):
        driver.execute("create_event", args)
    assert fake.requests == []


def test_a_room_given_as_a_resource_is_booked_as_one(
    fake: FakeGraph, driver: PlaceOSDriver
) -> None:
    args = {
        "title": "t",
        "event_start": unix(START),
        "event_end": unix(START) + 3600,
        "attendees": [{"email": ROOM, "resource": True}, ADA],
    }
    event = driver.execute("create_event", args)
    kinds = {a["email"]: a["resource"] for a in event["attendees"]}
    assert kinds == {ROOM: True, ADA: False}


def test_null_means_not_given(fake: FakeGraph, driver: PlaceOSDriver) -> None:
    args = {
        "title": "t",
        "event_start": unix(START),
        "event_end": unix(START) + 3600,
        "attendees": None,
        "description": None,
    }
    event = driver.execute("create_event", args)
    assert event["title"] == "t"
    events = driver.execute(
        "list_events",
        {
            "calendar_id": SVC,
            "period_start": unix(START),
            "period_end": unix(START) + 7200,
            "include_cancelled": None,
        },
    )
    assert "t" in [e["title"] for e in events]


def test_a_required_argument_cannot_be_null(fake: FakeGraph, driver: PlaceOSDriver) -> None:
    with pytest.raises(ValidationError, match="user_id"):
        driver.execute("get_user", {"user_id": None})


def test_a_mail_needs_a_body(fake: FakeGraph, driver: PlaceOSDriver) -> None:
    fake.clear_requests()
    with pytest.raises(ValidationError, match="message_plaintext or message_html"):
        driver.execute("send_mail", {"to": ADA, "subject": "s"})
    assert fake.requests == []
