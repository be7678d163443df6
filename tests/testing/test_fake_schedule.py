"""FakeGraph's getSchedule (limits, per-address errors, series, time zones) and rooms paging."""

from __future__ import annotations

from typing import Any

import pytest
from fake_helpers import call

from graphlink.testing import FakeGraph

URL = "/users/org@contoso.com/calendar/getSchedule"


@pytest.fixture
def fake() -> FakeGraph:
    fake = FakeGraph()
    fake.add_user("org@contoso.com", "Organizer")
    fake.add_user("ada@contoso.com", "Ada")
    fake.add_user("nobox@contoso.com", "No Mailbox", mailbox=False)
    return fake


def _ask(
    fake: FakeGraph,
    schedules: list[str],
    start: str = "2024-04-01T00:00:00",
    end: str = "2024-04-08T00:00:00",
    interval: Any = 60,
    **kw: Any,
) -> Any:
    body = {
        "schedules": schedules,
        "startTime": {"dateTime": start, "timeZone": "UTC"},
        "endTime": {"dateTime": end, "timeZone": "UTC"},
        "availabilityViewInterval": interval,
    }
    return call(fake, "POST", URL, json=body, **kw)


def test_more_than_20_schedules_is_refused(fake: FakeGraph) -> None:
    assert _ask(fake, ["ada@contoso.com"] * 20).status_code == 200
    refused = _ask(fake, ["ada@contoso.com"] * 21)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "ErrorMailboxDataArrayTooBig"
    assert "allowed size = 20; the actual size = 21" in refused.json()["error"]["message"]


def test_a_window_of_42_days_or_more_is_refused(fake: FakeGraph) -> None:
    ok = _ask(fake, ["ada@contoso.com"], "2024-04-01T00:00:00", "2024-05-12T23:59:00")
    assert ok.status_code == 200
    refused = _ask(fake, ["ada@contoso.com"], "2024-04-01T00:00:00", "2024-05-13T00:00:00")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "ErrorTimeIntervalTooBig"
    assert "allowed limit = 42 days; the actual limit = 42 days" in refused.text
    backwards = _ask(fake, ["ada@contoso.com"], "2024-04-02T00:00:00", "2024-04-01T00:00:00")
    assert backwards.json()["error"]["code"] == "ErrorInvalidTimeInterval"


@pytest.mark.parametrize("interval", [4, 1441, 60 * 24 * 8])
def test_an_interval_outside_5_to_1440_or_the_window_is_refused(
    fake: FakeGraph, interval: int
) -> None:
    refused = _ask(fake, ["ada@contoso.com"], interval=interval)
    assert refused.json()["error"]["code"] == "ErrorInvalidMergedFreeBusyInterval"


def test_unknown_addresses_get_an_error_item(fake: FakeGraph) -> None:
    value = _ask(fake, ["ghost@contoso.com", "nobox@contoso.com", "ada@contoso.com"]).json()
    ghost, nobox, ada = value["value"]
    assert ghost == {
        "scheduleId": "ghost@contoso.com",
        "error": {
            "message": "Unable to resolve e-mail address ghost@contoso.com to an Active "
            "Directory object.",
            "responseCode": "5009",
        },
    }
    assert nobox["error"]["responseCode"] == "5016"
    assert "scheduleItems" not in nobox
    assert ada["scheduleItems"] == []
    assert ada["availabilityView"] == "0" * 7 * 24


def test_series_are_expanded_and_items_follow_outlook_timezone(fake: FakeGraph) -> None:
    fake.add_event(
        "ada@contoso.com",
        "Stand-up",
        "2024-04-01T09:00:00",
        "2024-04-01T09:30:00",
        time_zone="Europe/London",
        recurrence={
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "noEnd", "startDate": "2024-04-01"},
        },
    )
    fake.add_event(
        "ada@contoso.com", "Tentative", "2024-04-02T12:00", "2024-04-02T13:00", showAs="tentative"
    )
    response = _ask(
        fake,
        ["ada@contoso.com"],
        "2024-04-01T00:00:00",
        "2024-04-03T00:00:00",
        headers={"Prefer": 'outlook.timezone="Europe/London"'},
    )
    assert response.headers["Preference-Applied"] == 'outlook.timezone="Europe/London"'
    ada = response.json()["value"][0]
    items = [(i["subject"], i["status"], i["start"]["dateTime"]) for i in ada["scheduleItems"]]
    assert items == [
        ("Stand-up", "busy", "2024-04-01T09:00:00.0000000"),
        ("Stand-up", "busy", "2024-04-02T09:00:00.0000000"),
        ("Tentative", "tentative", "2024-04-02T13:00:00.0000000"),
    ]
    assert {i["start"]["timeZone"] for i in ada["scheduleItems"]} == {"Europe/London"}
    view = ada["availabilityView"]
    assert len(view) == 48
    assert (view[8], view[24 + 8], view[24 + 12]) == ("2", "2", "1")  # 08:00Z is 09:00 BST
    assert view.count("0") == 45


def test_cancelled_meetings_and_declined_occurrences_are_free(fake: FakeGraph) -> None:
    master = fake.add_event(
        "org@contoso.com",
        "Weekly",
        "2024-04-01T10:00:00",
        "2024-04-01T11:00:00",
        attendees=["ada@contoso.com"],
        recurrence={
            "pattern": {"type": "weekly", "daysOfWeek": ["monday"]},
            "range": {"type": "numbered", "numberOfOccurrences": 2},
        },
    )
    window = {"startDateTime": "2024-04-01T00:00:00Z", "endDateTime": "2024-04-15T00:00:00Z"}
    first = call(fake, "GET", "/users/ada@contoso.com/calendarView", params=window).json()
    call(fake, "POST", f"/users/ada@contoso.com/events/{first['value'][0]['id']}/decline")
    ada = _ask(fake, ["ada@contoso.com"], "2024-04-01T00:00:00", "2024-04-15T00:00:00")
    assert len(ada.json()["value"][0]["scheduleItems"]) == 1
    call(fake, "POST", f"/users/org@contoso.com/events/{master['id']}/cancel")
    ada = _ask(fake, ["ada@contoso.com"], "2024-04-01T00:00:00", "2024-04-15T00:00:00")
    assert ada.json()["value"][0]["scheduleItems"] == []


def test_rooms_and_room_lists_page_and_lists_are_addressed_by_email() -> None:
    fake = FakeGraph()
    for i in range(130):
        building = "bldg1" if i % 2 else "bldg2"
        fake.add_room(
            f"Room {i:03}", f"room{i:03}@contoso.com", room_list=f"{building}@contoso.com"
        )
    first = call(fake, "GET", "/places/microsoft.graph.room").json()
    assert len(first["value"]) == 100
    rest = call(fake, "GET", first["@odata.nextLink"]).json()
    assert len(rest["value"]) == 30
    assert "@odata.nextLink" not in rest
    top = call(fake, "GET", "/places/microsoft.graph.room", params={"$top": "50"}).json()
    assert len(top["value"]) == 50
    lists = call(fake, "GET", "/places/microsoft.graph.roomlist").json()
    assert sorted(p["emailAddress"] for p in lists["value"]) == [
        "bldg1@contoso.com",
        "bldg2@contoso.com",
    ]
    assert lists["@odata.context"].endswith("#places/microsoft.graph.roomList")
    url = "/places/bldg1@contoso.com/microsoft.graph.roomlist/rooms"
    page = call(fake, "GET", url, params={"$top": "40"}).json()
    assert len(page["value"]) == 40
    assert page["@odata.context"].endswith(
        "places('bldg1%40contoso.com')/microsoft.graph.roomList/rooms"
    )
    more = call(fake, "GET", page["@odata.nextLink"]).json()
    assert len(more["value"]) == 25
    assert all(r["emailAddress"].startswith("room") for r in page["value"] + more["value"])
    missing = call(fake, "GET", "/places/nowhere@contoso.com/microsoft.graph.roomlist/rooms")
    assert missing.status_code == 404
