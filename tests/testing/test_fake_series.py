"""FakeGraph's recurring meetings: series masters, calendarView expansion, instances and
changes to single occurrences, through raw HTTP as graphlink's calendar code will send it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fake_helpers import call, organizer_and_attendee

from graphlink.testing import FakeGraph

ORG = "/users/org@contoso.com"
ATT = "/users/att@contoso.com"
MARCH_APRIL = {"startDateTime": "2024-03-20T00:00:00Z", "endDateTime": "2024-04-20T00:00:00Z"}


def _weekly(zone: str = "Australia/Sydney", **range_: Any) -> dict[str, Any]:
    """A weekly Monday 09:00-10:00 meeting from 25 March 2024 (Sydney's DST ends 7 April)."""
    return {
        "subject": "Weekly",
        "start": {"dateTime": "2024-03-25T09:00:00", "timeZone": zone},
        "end": {"dateTime": "2024-03-25T10:00:00", "timeZone": zone},
        "recurrence": {
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["Monday"]},
            "range": {"type": "noEnd", "startDate": "2024-03-25", **range_},
        },
        "attendees": [{"emailAddress": {"address": "att@contoso.com"}, "type": "required"}],
    }


@pytest.fixture
def fake() -> FakeGraph:
    return organizer_and_attendee()


def _view(fake: FakeGraph, who: str, **kw: Any) -> list[dict[str, Any]]:
    response = call(fake, "GET", f"{who}/calendarView", params={**MARCH_APRIL}, **kw)
    assert response.status_code == 200, response.text
    value: list[dict[str, Any]] = response.json()["value"]
    return value


def _create(fake: FakeGraph, body: dict[str, Any]) -> dict[str, Any]:
    response = call(fake, "POST", f"{ORG}/events", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_a_series_is_a_master_in_events_and_occurrences_in_calendar_view(fake: FakeGraph) -> None:
    master = _create(fake, _weekly())
    assert master["type"] == "seriesMaster"
    assert master["recurrence"]["range"]["recurrenceTimeZone"] == "Australia/Sydney"
    listed = call(fake, "GET", f"{ORG}/events").json()["value"]
    assert [(e["id"], e["type"]) for e in listed] == [(master["id"], "seriesMaster")]

    view = _view(fake, ORG)
    assert [e["type"] for e in view] == ["occurrence"] * 4
    assert {e["seriesMasterId"] for e in view} == {master["id"]}
    assert len({e["id"] for e in view}) == 4
    assert master["id"] not in {e["id"] for e in view}
    # iCalUId: different for each occurrence, the same in every attendee's calendar.
    assert len({e["iCalUId"] for e in view}) == 4
    assert master["iCalUId"] not in {e["iCalUId"] for e in view}
    theirs = _view(fake, ATT)
    assert [e["iCalUId"] for e in theirs] == [e["iCalUId"] for e in view]
    assert {e["id"] for e in theirs}.isdisjoint(e["id"] for e in view)
    assert all(e["recurrence"] is None and e["originalStart"].endswith("Z") for e in view)


@pytest.mark.parametrize("zone", ["Australia/Sydney", "AUS Eastern Standard Time"])
def test_occurrences_keep_the_series_wall_clock_across_dst(fake: FakeGraph, zone: str) -> None:
    _create(fake, _weekly(zone))
    utc = [e["start"]["dateTime"] for e in _view(fake, ORG)]
    # 09:00 AEDT (+11) is 22:00 UTC the day before; after 7 April, 09:00 AEST (+10) is 23:00.
    assert utc == [
        "2024-03-24T22:00:00.0000000",
        "2024-03-31T22:00:00.0000000",
        "2024-04-07T23:00:00.0000000",
        "2024-04-14T23:00:00.0000000",
    ]
    local = _view(fake, ORG, headers={"Prefer": 'outlook.timezone="Australia/Sydney"'})
    assert {e["start"]["dateTime"][11:] for e in local} == {"09:00:00.0000000"}
    assert {e["end"]["dateTime"][11:] for e in local} == {"10:00:00.0000000"}


def test_ranges_bound_the_occurrences(fake: FakeGraph) -> None:
    _create(fake, _weekly(type="numbered", numberOfOccurrences=2))
    assert len(_view(fake, ORG)) == 2
    fake.add_user("other@contoso.com")
    body = _weekly(type="endDate", endDate="2024-04-08")
    call(fake, "POST", "/users/other@contoso.com/events", json=body)
    assert len(_view(fake, "/users/other@contoso.com")) == 3  # endDate is inclusive


def test_instances_lists_a_series_occurrences_in_the_window(fake: FakeGraph) -> None:
    master = _create(fake, _weekly())
    url = f"{ORG}/events/{master['id']}/instances"
    window = {"startDateTime": "2024-04-01T00:00:00+11:00", "endDateTime": "2024-04-09T00:00:00"}
    response = call(fake, "GET", url, params=window)
    assert response.status_code == 200
    assert [e["start"]["dateTime"] for e in response.json()["value"]] == [
        "2024-03-31T22:00:00.0000000",
        "2024-04-07T23:00:00.0000000",
    ]
    assert "/instances" in response.json()["@odata.context"]
    assert call(fake, "GET", url).status_code == 400  # the window is required
    single = fake.add_event("org@contoso.com", "One-off", "2024-04-02T10:00", "2024-04-02T11:00")
    refused = call(fake, "GET", f"{ORG}/events/{single['id']}/instances", params=window)
    assert refused.status_code == 400


def test_an_occurrence_is_fetched_patched_and_deleted_by_its_id(fake: FakeGraph) -> None:
    master = _create(fake, _weekly())
    second = _view(fake, ORG)[1]
    got = call(fake, "GET", f"{ORG}/events/{second['id']}").json()
    assert (got["id"], got["type"], got["seriesMasterId"]) == (
        second["id"],
        "occurrence",
        master["id"],
    )

    moved = call(
        fake,
        "PATCH",
        f"{ORG}/events/{second['id']}",
        json={
            "subject": "Weekly (moved)",
            "start": {"dateTime": "2024-04-02T14:00:00", "timeZone": "Australia/Sydney"},
            "end": {"dateTime": "2024-04-02T15:00:00", "timeZone": "Australia/Sydney"},
        },
    ).json()
    assert moved["type"] == "exception"
    assert moved["start"]["dateTime"] == "2024-04-02T03:00:00.0000000"
    theirs = [e for e in _view(fake, ATT) if e["subject"] == "Weekly (moved)"]
    assert [e["start"]["dateTime"] for e in theirs] == ["2024-04-02T03:00:00.0000000"]

    assert call(fake, "DELETE", f"{ORG}/events/{second['id']}").status_code == 204
    assert second["id"] not in {e["id"] for e in _view(fake, ORG)}
    assert len(_view(fake, ORG)) == 3
    assert call(fake, "GET", f"{ORG}/events/{second['id']}").status_code == 404
    # The attendee's copy of that occurrence is cancelled, and still listed.
    cancelled = [e for e in _view(fake, ATT) if e["isCancelled"]]
    assert [(e["type"], e["subject"]) for e in cancelled] == [("exception", "Canceled: Weekly")]
    assert fake.events("org@contoso.com")[0]["type"] == "seriesMaster"  # the master stays


def test_an_attendee_declines_one_occurrence(fake: FakeGraph) -> None:
    _create(fake, _weekly())
    first = _view(fake, ATT)[0]
    declined = call(fake, "POST", f"{ATT}/events/{first['id']}/decline", json={"comment": "no"})
    assert declined.status_code == 202
    assert first["id"] not in {e["id"] for e in _view(fake, ATT)}
    organizers = _view(fake, ORG)[0]
    assert organizers["attendees"][0]["status"]["response"] == "declined"
    assert _view(fake, ORG)[1]["attendees"][0]["status"]["response"] == "none"
    # Only the organizer cancels; the organizer cannot answer.
    second = _view(fake, ATT)[0]
    refused = call(fake, "POST", f"{ATT}/events/{second['id']}/cancel", json={})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "ErrorInvalidRequest"
    own = _view(fake, ORG)[1]
    answer = call(fake, "POST", f"{ORG}/events/{own['id']}/accept", json={})
    assert answer.json()["error"]["code"] == "ErrorInvalidRequest"


def test_an_attendee_edits_or_deletes_only_their_own_occurrence(fake: FakeGraph) -> None:
    _create(fake, _weekly())
    first, second = _view(fake, ATT)[:2]
    edited = call(fake, "PATCH", f"{ATT}/events/{second['id']}", json={"subject": "Mine"})
    assert (edited.json()["type"], edited.json()["subject"]) == ("exception", "Mine")
    assert call(fake, "DELETE", f"{ATT}/events/{first['id']}").status_code == 204
    assert call(fake, "GET", f"{ATT}/events/{first['id']}").status_code == 404
    assert [e["subject"] for e in _view(fake, ATT)] == ["Mine", "Weekly", "Weekly"]
    organizers = _view(fake, ORG)
    assert [(e["subject"], e["isCancelled"]) for e in organizers] == [("Weekly", False)] * 4


def test_the_organizer_cancels_one_occurrence_or_the_series(fake: FakeGraph) -> None:
    master = _create(fake, _weekly())
    third = _view(fake, ORG)[2]
    assert call(fake, "POST", f"{ORG}/events/{third['id']}/cancel", json={}).status_code == 202
    assert len(_view(fake, ORG)) == 3
    assert [e["isCancelled"] for e in _view(fake, ATT)] == [False, False, True, False]
    assert call(fake, "POST", f"{ORG}/events/{master['id']}/cancel", json={}).status_code == 202
    assert _view(fake, ORG) == []
    assert all(e["isCancelled"] for e in _view(fake, ATT))  # returned until removed


def test_a_series_answer_and_a_series_patch_reach_every_occurrence(fake: FakeGraph) -> None:
    master = _create(fake, _weekly())
    their_master = next(e for e in call(fake, "GET", f"{ATT}/events").json()["value"])
    assert their_master["type"] == "seriesMaster"
    call(fake, "POST", f"{ATT}/events/{their_master['id']}/accept", json={})
    statuses = {e["attendees"][0]["status"]["response"] for e in _view(fake, ORG)}
    assert statuses == {"accepted"}
    call(fake, "PATCH", f"{ORG}/events/{master['id']}", json={"subject": "Renamed"})
    assert {e["subject"] for e in _view(fake, ATT)} == {"Renamed"}
    stop = {
        "recurrence": {
            **master["recurrence"],
            "range": {"type": "numbered", "numberOfOccurrences": 1},
        }
    }
    call(fake, "PATCH", f"{ORG}/events/{master['id']}", json=stop)
    assert len(_view(fake, ORG)) == len(_view(fake, ATT)) == 1


def test_add_event_builds_a_series_in_an_aware_datetimes_zone() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    fake = FakeGraph()
    fake.add_user("org@contoso.com")
    sydney = ZoneInfo("Australia/Sydney")
    master = fake.add_event(
        "org@contoso.com",
        "Daily",
        datetime(2024, 4, 5, 9, tzinfo=sydney),
        datetime(2024, 4, 5, 9, 30, tzinfo=sydney),
        recurrence={
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "numbered", "startDate": "2024-04-05", "numberOfOccurrences": 3},
        },
    )
    assert master["originalStartTimeZone"] == "Australia/Sydney"
    local = _view(fake, ORG, headers={"Prefer": 'outlook.timezone="Australia/Sydney"'})
    assert [e["start"]["dateTime"] for e in local] == [
        "2024-04-05T09:00:00.0000000",
        "2024-04-06T09:00:00.0000000",
        "2024-04-07T09:00:00.0000000",
    ]
    assert [e["type"] for e in fake.events("org@contoso.com")] == ["seriesMaster"]


def test_a_bad_recurrence_or_zone_is_refused(fake: FakeGraph) -> None:
    bad = _weekly()
    bad["recurrence"]["pattern"]["daysOfWeek"] = []
    assert call(fake, "POST", f"{ORG}/events", json=bad).status_code == 400
    unknown = _weekly("Mars/Olympus_Mons")
    response = call(fake, "POST", f"{ORG}/events", json=unknown)
    assert response.json()["error"]["code"] == "TimeZoneNotSupportedException"
    assert fake.events("org@contoso.com") == []


def test_documented_recurring_create_and_instances_shapes(
    graph_example: Callable[[str], dict[str, Any]],
) -> None:
    create = graph_example("user-post-events__03__create-event-recurring")
    listing = graph_example("event-list-instances__01__get-instances")
    fake = FakeGraph(tenant_domain="contoso.onmicrosoft.com")
    fake.me = fake.add_user("AlexW@contoso.onmicrosoft.com", "Alex Wilber")
    fake.add_user("AdeleV@contoso.onmicrosoft.com", "Adele Vance")
    response = call(
        fake, "POST", "/me/events", json=create["request_body"], headers=create["request_headers"]
    )
    assert response.status_code == create["response_status"]
    master = response.json()
    documented = create["response_body"]
    assert set(master) == set(documented)
    assert master["recurrence"] == documented["recurrence"]  # Graph's echo, field for field

    # The same series moved into the documented instances window (April 2019, Mondays).
    body = {**create["request_body"], "recurrence": dict(create["request_body"]["recurrence"])}
    body["start"] = {"dateTime": "2019-04-08T13:30:00", "timeZone": "Pacific Standard Time"}
    body["end"] = {"dateTime": "2019-04-08T14:00:00", "timeZone": "Pacific Standard Time"}
    body["recurrence"]["range"] = {"type": "noEnd", "startDate": "2019-04-08"}
    series_id = call(fake, "POST", "/me/events", json=body).json()["id"]
    url = listing["url"].replace("AAMkAGUzYRgWAAA=", series_id)
    page = call(fake, "GET", url).json()
    expected = listing["response_body"]["value"]
    assert [e["start"]["dateTime"] for e in page["value"]] == [
        "2019-04-08T20:30:00.0000000",
        "2019-04-15T20:30:00.0000000",
        "2019-04-22T20:30:00.0000000",
        "2019-04-29T20:30:00.0000000",
    ]  # the documented occurrences' times (one of them moved there to an exception)
    assert {frozenset(e) for e in page["value"]} == {frozenset(expected[1])}
    assert {e["seriesMasterId"] for e in page["value"]} == {series_id}
