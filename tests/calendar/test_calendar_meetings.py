"""Online meetings on created events: the client's ``conference_type`` (or a per-call
provider) makes Graph create one; a meeting made elsewhere is written into the body."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import escape

import pytest
from calendar_support import SVC, answer, body_of, event_json

from graphlink.models import OnlineMeetingProvider
from graphlink.testing import FakeGraph

START = datetime(2030, 1, 7, 9, tzinfo=UTC)
END = START + timedelta(hours=1)

ZOOM = {
    "online_meeting_provider": "zoom",
    "online_meeting_url": 'https://zoom.us/j/123456789?pwd=a&b="x"<script>',
    "online_meeting_id": "123 456 789",
    "online_meeting_pin": "<42>",
    "online_meeting_sip": "123456789@zoomcrc.com",
    "online_meeting_phones": ["+1 555 0100", "+61 2 5550 & 0100"],
}


def test_conference_type_makes_every_created_event_an_online_meeting(harness) -> None:
    h = harness(answer(201, event_json()), service_account=SVC, conference_type="teamsForBusiness")
    h.run(h.client.events.create("Teams", START, END))
    h.run(h.client.events.create("Teams all day", START))
    for request in h.requests:
        body = body_of(request)
        assert body["isOnlineMeeting"] is True
        assert body["onlineMeetingProvider"] == "teamsForBusiness"


def test_no_conference_type_no_online_meeting(harness) -> None:
    h = harness(answer(201, event_json()), service_account=SVC)
    h.run(h.client.events.create("In person", START, END))
    body = body_of(h.requests[0])
    assert "isOnlineMeeting" not in body
    assert "onlineMeetingProvider" not in body


@pytest.mark.parametrize("conference_type", [None, "teamsForBusiness"])
def test_a_per_call_provider_wins(harness, conference_type) -> None:
    h = harness(answer(201, event_json()), service_account=SVC, conference_type=conference_type)
    h.run(h.client.events.create("Skype", START, END, online_meeting_provider="skypeForBusiness"))
    body = body_of(h.requests[0])
    assert body["isOnlineMeeting"] is True
    assert body["onlineMeetingProvider"] == "skypeForBusiness"


@pytest.mark.parametrize("conference_type", [None, "teamsForBusiness"])
def test_another_providers_meeting_is_written_into_the_body_escaped(
    harness, conference_type
) -> None:
    h = harness(answer(201, event_json()), service_account=SVC, conference_type=conference_type)
    h.run(
        h.client.events.create("Zoom call", START, END, description="<p>Agenda: budget</p>", **ZOOM)
    )
    body = body_of(h.requests[0])
    assert "isOnlineMeeting" not in body  # Graph is not asked to make a Teams meeting
    assert "onlineMeetingProvider" not in body
    assert body["body"]["contentType"].lower() == "html"
    html = body["body"]["content"]
    assert html.startswith("<p>Agenda: budget</p>")  # the description is kept, as HTML
    assert "zoom" in html
    for key in (
        "online_meeting_url",
        "online_meeting_id",
        "online_meeting_pin",
        "online_meeting_sip",
    ):
        assert escape(ZOOM[key]) in html, key
    for phone in ZOOM["online_meeting_phones"]:
        assert escape(phone) in html
    assert "<script>" not in html
    assert "<42>" not in html
    assert 'href="https://zoom.us/j/123456789?pwd=a&amp;b=&quot;x&quot;&lt;script&gt;"' in html


def test_meeting_details_without_a_provider_are_kept(harness) -> None:
    h = harness(answer(201, event_json()), service_account=SVC)
    h.run(
        h.client.events.create(
            "Link only", START, END, online_meeting_url="https://meet.example.com/abc"
        )
    )
    html = body_of(h.requests[0])["body"]["content"]
    assert 'href="https://meet.example.com/abc"' in html


def test_fake_teams_meeting_comes_back_with_a_join_url(on_fake) -> None:
    fake = FakeGraph()
    fake.add_user(SVC, "Service")
    fake.add_user("ada@contoso.com", "Ada")
    run = on_fake(fake, conference_type="teamsForBusiness")
    event = run.run(run.client.events.create("Teams", START, END, attendees=["ada@contoso.com"]))
    assert event.is_online_meeting is True
    assert event.online_meeting_provider == OnlineMeetingProvider.TEAMS_FOR_BUSINESS
    assert event.join_url is not None
    assert event.join_url.startswith("https://teams.microsoft.com/")
    (theirs,) = run.collect(run.client.events.list("ada@contoso.com", START, END))
    assert theirs.join_url == event.join_url


def test_fake_zoom_meeting_is_in_the_stored_body(on_fake) -> None:
    fake = FakeGraph()
    fake.add_user(SVC, "Service")
    run = on_fake(fake, conference_type="teamsForBusiness")
    event = run.run(run.client.events.create("Zoom", START, END, **ZOOM))
    assert event.is_online_meeting is False
    got = run.run(run.client.events.get(SVC, event.id))
    assert got.body is not None
    assert escape(ZOOM["online_meeting_url"]) in (got.body.content or "")
    assert "<script>" not in (got.body.content or "")
