"""FakeGraph's calendarView and events: paging, filters, time zones, cancelled meetings,
transactionId de-duplication and the organizer/attendee rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fake_helpers import call, organizer_and_attendee

from graphlink.testing import FakeGraph
from graphlink.testing._state import series

BIG = "/users/big@contoso.com"
JANUARY = {"startDateTime": "2030-01-01T00:00:00Z", "endDateTime": "2030-02-01T00:00:00Z"}


@pytest.fixture(scope="module")
def big() -> FakeGraph:
    """One mailbox with 2,500 events in January 2030: 2,496 single ones, 4 occurrences."""
    fake = FakeGraph(mailbox_concurrency=None)
    fake.add_user("big@contoso.com")
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


def test_a_2500_event_view_pages_completely_with_top_1000(big: FakeGraph) -> None:
    sizes = []
    url: str | None = f"{BIG}/calendarView"
    params: dict[str, str] | None = {**JANUARY, "$top": "1000"}
    seen: list[dict[str, Any]] = []
    while url:
        page = call(big, "GET", url, params=params).json()
        sizes.append(len(page["value"]))
        seen.extend(page["value"])
        url, params = page.get("@odata.nextLink"), None
    assert sizes == [1000, 1000, 500]
    assert len({e["id"] for e in seen}) == 2500
    assert sum(e["type"] == "occurrence" for e in seen) == 4  # the weekly's January Mondays
    starts = [e["start"]["dateTime"] for e in seen]
    assert starts == sorted(starts)


def test_paging_a_long_view_computes_it_once(
    big: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten-a-page paging must not cost the whole view on every page (no O(n^2))."""
    checks = 0
    real = series.event_overlaps

    def counted(*args: Any) -> bool:
        nonlocal checks
        checks += 1
        return real(*args)

    monkeypatch.setattr(series, "event_overlaps", counted)
    big._state.generation += 1  # start from a cold cache
    with big.client() as client:
        items = list(client.paginate(f"{BIG}/calendarView", params=JANUARY))
    assert len(items) == 2500
    assert checks < 2 * 2500  # one view computed, not 250


def test_page_size_defaults_prefer_and_skip_links(big: FakeGraph) -> None:
    first = call(big, "GET", f"{BIG}/calendarView", params=JANUARY).json()
    assert len(first["value"]) == 10
    assert "$skip=10" in first["@odata.nextLink"]
    assert "startDateTime=" in first["@odata.nextLink"]
    preferred = call(
        big,
        "GET",
        f"{BIG}/calendarView",
        params=JANUARY,
        headers={"Prefer": "odata.maxpagesize=250"},
    ).json()
    assert len(preferred["value"]) == 250
    capped = call(big, "GET", f"{BIG}/calendarView", params={**JANUARY, "$top": "5000"})
    assert len(capped.json()["value"]) == 1000


def test_filter_by_ical_uid_finds_a_single_event_or_an_occurrence(big: FakeGraph) -> None:
    page = call(big, "GET", f"{BIG}/calendarView", params={**JANUARY, "$top": "1000"}).json()
    single = next(e for e in page["value"] if e["type"] == "singleInstance")
    occurrence = next(e for e in page["value"] if e["type"] == "occurrence")
    for wanted in (single, occurrence):
        flt = f"iCalUId eq '{wanted['iCalUId']}'"
        found = call(big, "GET", f"{BIG}/calendarView", params={**JANUARY, "$filter": flt})
        assert [e["id"] for e in found.json()["value"]] == [wanted["id"]]
    master = next(e for e in big.events("big@contoso.com") if e["type"] == "seriesMaster")
    flt = f"iCalUId eq '{master['iCalUId']}'"
    events = call(big, "GET", f"{BIG}/events", params={"$filter": flt}).json()["value"]
    assert [e["id"] for e in events] == [master["id"]]


@pytest.mark.parametrize("zone", ["Pacific Standard Time", "America/Los_Angeles"])
def test_outlook_timezone_renders_start_and_end(big: FakeGraph, zone: str) -> None:
    response = call(
        big,
        "GET",
        f"{BIG}/calendarView",
        params={**JANUARY, "$top": "1"},
        headers={"Prefer": f'outlook.timezone="{zone}"'},
    )
    assert response.headers["Preference-Applied"] == f'outlook.timezone="{zone}"'
    first = response.json()["value"][0]
    assert first["start"] == {"dateTime": "2029-12-31T16:00:00.0000000", "timeZone": zone}


def test_an_unknown_zone_or_too_wide_a_window_is_a_400(big: FakeGraph) -> None:
    bad = call(
        big,
        "GET",
        f"{BIG}/calendarView",
        params=JANUARY,
        headers={"Prefer": 'outlook.timezone="Middle Earth Time"'},
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "TimeZoneNotSupportedException"
    wide = {"startDateTime": "2020-01-01T00:00:00Z", "endDateTime": "2025-01-02T00:00:00Z"}
    too_wide = call(big, "GET", f"{BIG}/calendarView", params=wide)
    assert too_wide.status_code == 400
    assert "Maximum number of days: 1825" in too_wide.json()["error"]["message"]


def _meeting(fake: FakeGraph, **extra: Any) -> dict[str, Any]:
    body = {
        "subject": "Plan",
        "start": {"dateTime": "2030-01-07T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2030-01-07T10:00:00", "timeZone": "UTC"},
        "attendees": [{"emailAddress": {"address": "att@contoso.com"}, "type": "required"}],
        **extra,
    }
    response = call(fake, "POST", "/users/org@contoso.com/events", json=body)
    assert response.status_code == 201
    created: dict[str, Any] = response.json()
    return created


@pytest.fixture
def pair() -> FakeGraph:
    return organizer_and_attendee()


def test_transaction_id_dedupes_across_calendars_paths(pair: FakeGraph) -> None:
    calendar = call(pair, "GET", "/users/org@contoso.com/calendar").json()["id"]
    body = {
        "subject": "Once",
        "start": {"dateTime": "2030-01-07T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2030-01-07T10:00:00", "timeZone": "UTC"},
        "transactionId": "7E163156-7762-4BEB-A1C6-729EA81755A7",
    }
    first = call(pair, "POST", f"/users/org@contoso.com/calendars/{calendar}/events", json=body)
    again = call(pair, "POST", f"/users/org@contoso.com/calendars/{calendar}/events", json=body)
    other_path = call(pair, "POST", "/users/org@contoso.com/events", json=body)
    assert [r.status_code for r in (first, again, other_path)] == [201, 201, 201]
    assert first.json()["id"] == again.json()["id"] == other_path.json()["id"]
    assert first.json()["transactionId"] == body["transactionId"]
    assert len(pair.events("org@contoso.com")) == 1
    without = {k: v for k, v in body.items() if k != "transactionId"}
    call(pair, "POST", "/users/org@contoso.com/events", json=without)
    call(pair, "POST", "/users/org@contoso.com/events", json=without)
    assert len(pair.events("org@contoso.com")) == 3
    assert "transactionId" not in pair.events("org@contoso.com")[-1]


def test_decline_cancel_and_delete_rules(pair: FakeGraph) -> None:
    meeting = _meeting(pair)
    theirs = pair.events("att@contoso.com")[0]
    own_decline = call(pair, "POST", f"/users/org@contoso.com/events/{meeting['id']}/decline")
    assert own_decline.status_code == 400
    assert own_decline.json()["error"] == {
        **own_decline.json()["error"],
        "code": "ErrorInvalidRequest",
        "message": "Your request can't be completed. You can't respond to this meeting "
        "because you're the meeting organizer.",
    }
    not_theirs = call(pair, "POST", f"/users/att@contoso.com/events/{theirs['id']}/cancel")
    assert not_theirs.status_code == 400
    assert not_theirs.json()["error"]["code"] == "ErrorInvalidRequest"
    assert not_theirs.json()["error"]["message"].endswith(
        "You need to be an organizer to cancel a meeting."
    )
    declined = call(pair, "POST", f"/users/att@contoso.com/events/{theirs['id']}/decline")
    assert declined.status_code == 202
    assert pair.events("att@contoso.com") == []
    organizer_copy = pair.events("org@contoso.com")[0]
    assert organizer_copy["attendees"][0]["status"]["response"] == "declined"

    second = _meeting(pair, subject="Second")
    assert call(pair, "DELETE", f"/users/org@contoso.com/events/{second['id']}").status_code == 204
    cancelled = pair.events("att@contoso.com")
    assert [(e["subject"], e["isCancelled"]) for e in cancelled] == [("Canceled: Second", True)]
    window = {"startDateTime": "2030-01-07T00:00:00Z", "endDateTime": "2030-01-08T00:00:00Z"}
    view = call(pair, "GET", "/users/att@contoso.com/calendarView", params=window).json()
    assert [e["isCancelled"] for e in view["value"]] == [True]  # still returned
