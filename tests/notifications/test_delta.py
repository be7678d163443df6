"""``events.delta`` (calendarView/delta) on both clients: request shapes against Microsoft's
examples, resuming from a link, a full resync when Graph refuses one, and FakeGraph."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import unquote

import httpx
import pytest
from examples import example
from harness import graph_error, sequence
from notify_support import HOUR, ROOM, START, SVC

from graphlink import errors

END = START + timedelta(days=7)
STEPS = [f"concept-delta-query-events__0{i}__get-calendarview-delta-{i}" for i in (1, 2, 3)]


def _page(name: str) -> httpx.Response:
    return httpx.Response(200, json=example(name)["response_body"])


def _path(request: httpx.Request) -> str:
    return unquote(request.url.path).removeprefix("/v1.0")


def test_a_full_round_follows_every_page_of_the_documented_example(harness) -> None:
    pages = [_page(name) for name in STEPS]
    h = harness(sequence(*pages), service_account=SVC)
    delta = h.run(h.client.events.delta(SVC, START, END))
    documented = [e for name in STEPS for e in example(name)["response_body"]["value"]]
    assert [e.subject for e in delta.changed] == [e["subject"] for e in documented]
    assert [e.id for e in delta.changed] == [e["id"] for e in documented]
    assert delta.removed == []
    assert delta.resynced is False
    assert delta.delta_link == example(STEPS[2])["response_body"]["@odata.deltaLink"]
    first, *rest = h.requests
    assert _path(first) == f"/users/{SVC}/calendarView/delta"
    assert dict(first.url.params) == {
        "startDateTime": "2030-01-07T09:00:00Z",
        "endDateTime": "2030-01-14T09:00:00Z",
    }
    # Later pages are the nextLinks verbatim, the Prefer header sent again on each.
    assert [str(r.url) for r in rest] == [
        example(name)["response_body"]["@odata.nextLink"] for name in STEPS[:2]
    ]
    assert all(r.headers["Prefer"] == "odata.maxpagesize=1000" for r in h.requests)
    documented_request = example(STEPS[0])
    assert "odata.maxpagesize" in documented_request["request_headers"]["Prefer"]
    assert {k.lower() for k in first.url.params} == {"startdatetime", "enddatetime"}


def test_the_documented_single_page_example_parses(harness) -> None:
    ex = example("event-delta__01__event-delta")
    body = {k: v for k, v in ex["response_body"].items() if k != "@odata.nextLink"}
    body["@odata.deltaLink"] = (
        "https://graph.microsoft.com/v1.0/me/calendarView/delta?$deltatoken=x"
    )
    h = harness(lambda r: httpx.Response(200, json=body), service_account=SVC)
    delta = h.run(h.client.events.delta(SVC, START, END))
    [event] = delta.changed
    assert event.ical_uid == "iCalUId-value"
    assert event.reminder_minutes_before_start == 99


def test_another_calendar_and_a_time_zone(harness) -> None:
    link = "https://graph.microsoft.com/v1.0/users/x/calendarView/delta?$deltatoken=1"
    h = harness(lambda r: httpx.Response(200, json={"value": [], "@odata.deltaLink": link}))
    h.run(h.client.events.delta("AAMkCal=", START, END, user_id=SVC, time_zone="Europe/Paris"))
    [request] = h.requests
    assert _path(request) == f"/users/{SVC}/calendars/AAMkCal=/calendarView/delta"
    assert request.headers["Prefer"] == 'odata.maxpagesize=1000, outlook.timezone="Europe/Paris"'


def test_a_round_resumes_from_the_stored_link(harness) -> None:
    link = "https://graph.microsoft.com/v1.0/me/calendarView/delta?$deltatoken=R0usmcMDNGg0J1E"
    removed = {
        "@odata.type": "#microsoft.graph.event",
        "id": "AAMkADVxSAAA=",
        "@removed": {"reason": "deleted"},
    }
    changed = {"id": "AAMkADj1HuAAA=", "subject": "Rest!"}
    body = {"value": [changed, removed], "@odata.deltaLink": link + "2"}
    h = harness(lambda r: httpx.Response(200, json=body), service_account=SVC)
    delta = h.run(h.client.events.delta(SVC, START, END, delta_link=link))
    assert [e.subject for e in delta.changed] == ["Rest!"]
    assert [(r.id, r.reason) for r in delta.removed] == [("AAMkADVxSAAA=", "deleted")]
    assert delta.delta_link == link + "2"
    assert delta.resynced is False
    [request] = h.requests
    assert str(request.url) == link  # verbatim: the window is inside the token
    assert request.headers["Prefer"] == "odata.maxpagesize=1000"


@pytest.mark.parametrize(
    "refusal",
    [
        (
            "410 syncStateNotFound",
            lambda: graph_error(410, "syncStateNotFound", Location="https://x"),
        ),
        ("400 resyncRequired", lambda: graph_error(400, "resyncRequired")),
        ("410 another code", lambda: graph_error(410, "SomethingElse")),
    ],
    ids=lambda case: case[0],
)
def test_a_refused_link_starts_a_full_resync(harness, refusal) -> None:
    fresh = _page(STEPS[2])
    h = harness(sequence(refusal[1](), fresh), service_account=SVC)
    old = "https://graph.microsoft.com/v1.0/me/calendarView/delta?$deltatoken=old"
    delta = h.run(h.client.events.delta(SVC, START, END, delta_link=old))
    assert delta.resynced is True
    assert [e.subject for e in delta.changed] == ["Rest!"]
    assert str(h.requests[0].url) == old
    assert "startDateTime" in h.requests[1].url.params  # the window, given again


def test_a_refused_full_sync_is_raised(harness) -> None:
    h = harness(lambda r: graph_error(410, "syncStateNotFound"), service_account=SVC)
    with pytest.raises(errors.DeltaResyncRequired):
        h.run(h.client.events.delta(SVC, START, END))
    assert len(h.requests) == 1


def test_bad_input_is_refused_before_sending(harness) -> None:
    h = harness(lambda r: httpx.Response(200, json={"value": []}), service_account=SVC)
    for call in (
        lambda: h.client.events.delta(SVC, datetime(2030, 1, 1), END),
        lambda: h.client.events.delta(SVC, END, START),
        lambda: h.client.events.delta(SVC, START, END, time_zone="Mars/Olympus"),
        lambda: h.client.events.delta(SVC, START, END, delta_link=7),
        lambda: h.client.events.delta("", START, END),
    ):
        with pytest.raises(errors.ValidationError):
            h.run(call())
    with pytest.raises(errors.UnsafeLinkError):
        h.run(h.client.events.delta(SVC, START, END, delta_link="https://evil.example/delta"))
    assert h.requests == []


# ------------------------------------------------------------------ FakeGraph


def test_fake_graph_tracks_created_changed_and_removed(fake, on_fake) -> None:
    r = on_fake(fake)
    booked = [
        r.run(r.client.events.create(f"M{i}", START + i * HOUR, START + (i + 1) * HOUR))
        for i in range(3)
    ]
    first = r.run(r.client.events.delta(SVC, START, END))
    assert [e.subject for e in first.changed] == ["M0", "M1", "M2"]
    assert r.run(r.client.events.delta(SVC, START, END, delta_link=first.delta_link)).changed == []
    r.run(r.client.events.update(SVC, booked[0].id, title="Moved"))
    r.run(r.client.events.delete(SVC, booked[1].id))
    r.run(r.client.events.create("Late", END + HOUR, END + 2 * HOUR))  # outside the window
    r.run(r.client.events.create("M3", START + 5 * HOUR, START + 6 * HOUR))
    second = r.run(r.client.events.delta(SVC, START, END, delta_link=first.delta_link))
    assert [e.subject for e in second.changed] == ["Moved", "M3"]
    assert [(x.id, x.reason) for x in second.removed] == [(booked[1].id, "deleted")]
    assert second.delta_link != first.delta_link
    assert second.resynced is False


def test_fake_graph_expired_links_make_a_resync(fake, on_fake) -> None:
    r = on_fake(fake)
    r.run(r.client.events.create("Room booking", START, START + HOUR, attendees=[ROOM]))
    first = r.run(r.client.events.delta(ROOM, START, END))
    fake.expire_delta_links()
    again = r.run(r.client.events.delta(ROOM, START, END, delta_link=first.delta_link))
    assert again.resynced is True
    assert [e.subject for e in again.changed] == ["Room booking"]
    statuses = [q.status for q in fake.requests if q.path.endswith("/calendarView/delta")]
    assert statuses == [200, 410, 200]


def test_fake_graph_pages_a_round(fake, on_fake) -> None:
    r = on_fake(fake)
    for i in range(5):
        fake.add_event(SVC, f"E{i}", START + i * HOUR, START + (i + 1) * HOUR)
    paginator = r.client.paginate(
        f"/users/{SVC}/calendarView/delta",
        params={"startDateTime": "2030-01-07T00:00:00Z", "endDateTime": "2030-01-08T00:00:00Z"},
        headers={"Prefer": "odata.maxpagesize=2"},
    )
    pages = r.pages(paginator)
    assert [len(p.items) for p in pages] == [2, 2, 1]
    assert all(p.next_link and "$skiptoken=" in p.next_link for p in pages[:2])
    assert pages[-1].delta_link
    assert "$deltatoken=" in pages[-1].delta_link
    with pytest.raises(errors.DeltaResyncRequired):  # the round is over: its pages are gone
        r.run(r.client.request("GET", pages[0].next_link.split("/v1.0", 1)[1]))


def test_fake_graph_needs_the_window_on_the_first_round(fake, on_fake) -> None:
    r = on_fake(fake)
    with pytest.raises(errors.BadRequestError, match="StartDateTime"):
        r.collect(r.client.paginate(f"/users/{SVC}/calendarView/delta"))
    with pytest.raises(errors.DeltaResyncRequired):
        r.collect(r.client.paginate(f"/users/{SVC}/calendarView/delta?$deltatoken=nope"))


def test_fake_graph_a_link_to_a_mailbox_that_went(fake, on_fake) -> None:
    r = on_fake(fake)
    first = r.run(r.client.events.delta(ROOM, START, END))
    fake.remove_user(ROOM)
    with pytest.raises(errors.NotFoundError):  # 410, then the full resync finds no mailbox
        r.run(r.client.events.delta(ROOM, START, END, delta_link=first.delta_link))
