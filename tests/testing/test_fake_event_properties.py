"""FakeGraph refuses event properties that ``microsoft.graph.event`` does not have.

Graph answers ``400 RequestBodyRead`` for a create or update body naming one (see
``graphlink.testing._state.calendar.check_event_body`` for the sources).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from examples import example, example_names
from fake_helpers import call, organizer_and_attendee

from graphlink.testing import FakeGraph
from graphlink.testing._state.calendar import (
    EVENT_NAVIGATION_PROPERTIES,
    EVENT_PROPERTIES,
    check_event_body,
)

ORG = "/users/org@contoso.com"
WHEN = {
    "start": {"dateTime": "2024-03-15T10:00:00", "timeZone": "UTC"},
    "end": {"dateTime": "2024-03-15T11:00:00", "timeZone": "UTC"},
}


def _refused(r: httpx.Response, name: str) -> None:
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "RequestBodyRead"
    assert error["message"] == (
        f"The property '{name}' does not exist on type 'Microsoft.OutlookServices.Event'. "
        "Make sure to only use property names that are defined by the type or mark the type "
        "as open type."
    )
    assert set(error["innerError"]) >= {"date", "request-id", "client-request-id"}


def _create(fake: FakeGraph, **extra: Any) -> httpx.Response:
    return call(fake, "POST", f"{ORG}/events", json={"subject": "Plan", **WHEN, **extra})


def test_create_refuses_an_unknown_property_and_stores_nothing() -> None:
    fake = organizer_and_attendee()
    _refused(_create(fake, timezone="Europe/Paris"), "timezone")
    _refused(_create(fake, graphResponseHeaders={}), "graphResponseHeaders")
    assert fake.events("org@contoso.com") == []


def test_update_refuses_an_unknown_property_and_changes_nothing() -> None:
    fake = organizer_and_attendee()
    event = _create(fake, attendees=[{"emailAddress": {"address": "att@contoso.com"}}]).json()
    url = f"{ORG}/events/{event['id']}"
    _refused(call(fake, "PATCH", url, json={"subject": "Moved", "timezone": None}), "timezone")
    after = call(fake, "GET", url).json()
    assert after["subject"] == "Plan"
    assert "timezone" not in after
    assert after["lastModifiedDateTime"] == event["lastModifiedDateTime"]
    copy = call(fake, "GET", "/users/att@contoso.com/events").json()["value"][0]
    assert copy["subject"] == "Plan"


def test_update_of_an_occurrence_refuses_an_unknown_property() -> None:
    fake = organizer_and_attendee()
    recurrence = {
        "pattern": {"type": "daily", "interval": 1},
        "range": {"type": "numbered", "startDate": "2024-03-15", "numberOfOccurrences": 3},
    }
    master = _create(fake, recurrence=recurrence).json()
    instances = call(
        fake,
        "GET",
        f"{ORG}/events/{master['id']}/instances",
        params={"startDateTime": "2024-03-15T00:00:00Z", "endDateTime": "2024-03-20T00:00:00Z"},
    ).json()["value"]
    assert len(instances) == 3
    r = call(fake, "PATCH", f"{ORG}/events/{instances[1]['id']}", json={"notes": "x"})
    _refused(r, "notes")


def test_the_first_stray_property_is_named_as_sent() -> None:
    fake = organizer_and_attendee()
    _refused(_create(fake, fooBar=1, timezone="UTC"), "fooBar")


def test_known_properties_annotations_and_other_casing_are_accepted() -> None:
    fake = organizer_and_attendee()
    r = _create(
        fake,
        **{
            "@odata.type": "#microsoft.graph.event",
            "categories@odata.type": "#Collection(String)",
            "Importance": "high",
            "isReminderOn": False,
            "singleValueExtendedProperties": [],
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["importance"] == "high"
    assert body["isReminderOn"] is False
    assert "Importance" not in body
    assert "@odata.type" not in body
    assert "categories@odata.type" not in body
    patched = call(fake, "PATCH", f"{ORG}/events/{body['id']}", json={"Subject": "Renamed"})
    assert patched.status_code == 200
    assert patched.json()["subject"] == "Renamed"
    assert "Subject" not in patched.json()


def test_an_annotation_on_an_unknown_property_is_refused() -> None:
    fake = organizer_and_attendee()
    _refused(_create(fake, **{"timezone@odata.type": "#String"}), "timezone")


def test_batch_create_with_an_unknown_property_is_refused_inside_the_batch() -> None:
    fake = organizer_and_attendee()
    body = {"subject": "Plan", **WHEN, "timezone": "UTC"}
    requests = [
        {
            "id": "1",
            "method": "POST",
            "url": f"{ORG}/events",
            "headers": {"Content-Type": "application/json"},
            "body": body,
        }
    ]
    r = call(fake, "POST", "/$batch", json={"requests": requests})
    assert r.status_code == 200
    inner = r.json()["responses"][0]
    assert inner["status"] == 400
    assert inner["body"]["error"]["code"] == "RequestBodyRead"
    assert fake.events("org@contoso.com") == []


def test_what_fakegraph_renders_for_an_event_is_all_known_properties() -> None:
    """A GET-then-PATCH of FakeGraph's own event JSON is never refused as unknown."""
    fake = organizer_and_attendee()
    event = _create(
        fake,
        attendees=[{"emailAddress": {"address": "att@contoso.com"}}],
        isOnlineMeeting=True,
        location={"displayName": "Room 1"},
    ).json()
    names = {k for k in event if "@" not in k}
    assert names <= EVENT_PROPERTIES
    assert check_event_body(event) == {k: event[k] for k in names}


def test_the_property_list_has_graph_spelling_and_no_overlap() -> None:
    assert not EVENT_PROPERTIES & EVENT_NAVIGATION_PROPERTIES
    every = EVENT_PROPERTIES | EVENT_NAVIGATION_PROPERTIES
    assert len({n.lower() for n in every}) == len(every)
    assert all(n[:1].islower() and n.isalnum() for n in every)
    assert {"subject", "start", "end", "transactionId", "hideAttendees", "id"} <= every
    assert "timezone" not in {n.lower() for n in every}


def _documented_event_writes() -> list[str]:
    """The examples that create (POST .../events) or update (PATCH .../events/{id}) an event."""
    names = []
    for name in example_names():
        ex = example(name)
        segments = str(ex.get("url") or "").split("?")[0].rstrip("/").split("/")
        creates = ex.get("method") == "POST" and segments[-1] == "events"
        updates = ex.get("method") == "PATCH" and segments[-2:-1] == ["events"]
        if creates or updates:
            names.append(name)
    return names


def test_every_documented_event_create_and_update_body_is_accepted() -> None:
    names = _documented_event_writes()
    if not names:
        pytest.skip("Graph docs examples not found")
    assert len(names) >= 6
    for name in names:
        body = example(name)["request_body"]
        assert isinstance(body, dict), name
        assert check_event_body(body).keys() == body.keys(), name
