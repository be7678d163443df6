"""FakeGraph applies Graph's OData conventions centrally (issue 18): the ``graph.`` alias,
qualified and parenthesised operation names, action parameters in any case, system query
options once each, ``Prefer: odata.maxpagesize``, directory ``$count`` rules, and Graph's
error bodies for these cases."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fake_helpers import AUTH, call

from graphlink.testing import FakeGraph

ADELE = "adele@contoso.com"
LIST = "floor1@contoso.com"


def _fake() -> FakeGraph:
    fake = FakeGraph()
    adele = fake.add_user(ADELE, "Adele Vance")
    bob = fake.add_user("bob@contoso.com", "Bob Kelly")
    fake.add_group("Sales", members=[adele["id"], bob["id"]], id="g-sales")
    fake.add_group("Leads", members=[adele["id"]], id="g-leads")
    for name in ("Alpha", "Beta", "Gamma"):
        fake.add_room(name, room_list=LIST)
    for day in (1, 2, 3):
        fake.add_event(
            ADELE, f"Event {day}", f"2026-03-0{day}T09:00:00", f"2026-03-0{day}T10:00:00"
        )
    return fake


@pytest.fixture
def fake() -> FakeGraph:
    return _fake()


def _message(subject: str) -> dict[str, Any]:
    return {
        "subject": subject,
        "body": {"contentType": "text", "content": "hi"},
        "toRecipients": [{"emailAddress": {"address": "bob@contoso.com"}}],
    }


# --------------------------------------------------------------------- the graph. alias


@pytest.mark.parametrize("kind", ["room", "roomList"])
def test_type_casts_accept_the_graph_alias(fake: FakeGraph, kind: str) -> None:
    full = call(fake, "GET", f"/places/microsoft.graph.{kind}")
    aliased = call(fake, "GET", f"/places/graph.{kind}")
    assert aliased.status_code == 200
    assert aliased.json()["value"] == full.json()["value"] != []


def test_casts_under_a_room_list_and_on_directory_relationships(fake: FakeGraph) -> None:
    # An address that merely starts with "graph." is a key, not a cast.
    fake.add_user("graph.team@contoso.com", "Graph Team")
    assert call(fake, "GET", "/users/graph.team@contoso.com").json()["displayName"] == "Graph Team"
    rooms = call(fake, "GET", f"/places/{LIST}/graph.roomList/rooms")
    assert rooms.status_code == 200
    assert sorted(r["displayName"] for r in rooms.json()["value"]) == ["Alpha", "Beta", "Gamma"]
    groups = call(fake, "GET", f"/users/{ADELE}/memberOf/graph.group")
    assert sorted(g["displayName"] for g in groups.json()["value"]) == ["Leads", "Sales"]
    users = call(fake, "GET", "/groups/g-sales/members/graph.user")
    assert len(users.json()["value"]) == 2
    counted = call(
        fake,
        "GET",
        "/groups/g-sales/members/graph.user/$count",
        headers={"ConsistencyLevel": "eventual"},
    )
    assert counted.text == "2"


def test_bound_actions_answer_with_or_without_their_namespace(fake: FakeGraph) -> None:
    names = ["sendMail", "microsoft.graph.sendMail", "graph.sendMail", "GRAPH.SENDMAIL"]
    for name in names:
        r = call(fake, "POST", f"/users/{ADELE}/{name}", json={"message": _message(name)})
        assert r.status_code == 202, name
    assert [m.subject for m in fake.sent_mail] == names


def test_functions_answer_with_empty_parentheses_and_qualified(fake: FakeGraph) -> None:
    window = {"startDateTime": "2026-03-01T00:00:00Z", "endDateTime": "2026-03-05T00:00:00Z"}
    for url in ("/users/delta()", "/users/graph.delta()", "/users/microsoft.graph.delta"):
        r = call(fake, "GET", url)
        assert r.status_code == 200, url
        assert "@odata.deltaLink" in r.json()
    view = call(fake, "GET", f"/users/{ADELE}/calendarView/delta()", params=window)
    assert [e["subject"] for e in view.json()["value"]] == ["Event 1", "Event 2", "Event 3"]
    body = {
        "schedules": [ADELE],
        "startTime": {"dateTime": "2026-03-01T08:00:00", "timeZone": "UTC"},
        "endTime": {"dateTime": "2026-03-01T12:00:00", "timeZone": "UTC"},
    }
    schedule = call(fake, "POST", f"/users/{ADELE}/calendar/graph.getSchedule", json=body)
    assert schedule.status_code == 200
    assert schedule.json()["value"][0]["scheduleId"] == ADELE


def test_qualified_operations_count_against_the_mailbox_limits() -> None:
    # Throttling is per mailbox: a qualified spelling must not slip past it.
    fake = _fake()
    fake.mailbox_rate = (2, 60.0)
    statuses = [
        call(fake, "POST", f"/users/{ADELE}/{name}", json={"message": _message(name)}).status_code
        for name in ("graph.sendMail", "microsoft.graph.sendMail", "sendMail")
    ]
    assert statuses == [202, 202, 429]
    view = f"/users/{ADELE}/calendarView/delta()"
    assert call(fake, "GET", view).status_code == 429


# --------------------------------------------------------------------- action parameters


def test_action_parameters_match_in_any_case(fake: FakeGraph) -> None:
    # What msgraph-sdk sends: parameter names as Graph's metadata spells them.
    body = {"Message": _message("Pascal"), "SaveToSentItems": False}
    r = call(fake, "POST", f"/users/{ADELE}/sendMail", json=body)
    assert r.status_code == 202
    (sent,) = fake.sent_mail
    assert sent.subject == "Pascal"
    assert sent.save_to_sent_items is False
    # The message itself is an entity value: its property names reach the state as sent.
    assert sent.message["toRecipients"] == body["Message"]["toRecipients"]


def test_create_upload_session_parameter_in_camel_case(fake: FakeGraph) -> None:
    draft = call(fake, "POST", f"/users/{ADELE}/messages", json={"subject": "big"}).json()
    item = {"attachmentType": "file", "name": "a.bin", "size": 5_000_000}
    url = f"/users/{ADELE}/messages/{draft['id']}/attachments/createUploadSession"
    r = call(fake, "POST", url, json={"attachmentItem": item})
    assert r.status_code == 201
    assert r.json()["uploadUrl"]


def test_missing_action_parameter_is_graphs_400(fake: FakeGraph) -> None:
    r = call(fake, "POST", f"/users/{ADELE}/sendMail", json={"SaveToSentItems": False})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == (
        "One or more parameters of the operation 'SendMail' are missing from the request "
        "payload. The missing parameters are: Message."
    )
    assert fake.sent_mail == []


# --------------------------------------------------------------------- query options


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ([("$top", "1"), ("$TOP", "2")], "$top"),
        ([("$top", "1"), ("top", "2")], "$top/top"),
        ([("$filter", "displayName eq 'x'"), ("$Filter", "displayName eq 'y'")], "$filter"),
    ],
)
def test_a_system_query_option_given_twice_is_refused(
    fake: FakeGraph, params: list[tuple[str, str]], shown: str
) -> None:
    r = call(fake, "GET", "/users", params=params)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "BadRequest"
    assert error["message"] == (
        f"Query option '{shown}' was specified more than once, but it must be specified at "
        "most once."
    )
    assert set(error["innerError"]) >= {"date", "request-id", "client-request-id"}
    # Once each, in any case and with or without "$", they are one option.
    assert len(call(fake, "GET", "/users", params={"$TOP": "1"}).json()["value"]) == 1
    assert len(call(fake, "GET", "/users", params={"top": "1"}).json()["value"]) == 1


@pytest.mark.parametrize(("option", "value"), [("$top", "abc"), ("$skip", "-1"), ("$top", "-2")])
def test_a_bad_count_option_gets_odatas_message(fake: FakeGraph, option: str, value: str) -> None:
    r = call(fake, "GET", f"/users/{ADELE}/events", params={option: value})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == (
        f"Invalid value '{value}' for {option} query option found. The {option} query option "
        "requires a non-negative integer value."
    )


def test_unknown_segment_names_the_first_unknown_segment(fake: FakeGraph) -> None:
    r = call(fake, "GET", f"/users/{ADELE}/bogus/more")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "BadRequest"
    assert r.json()["error"]["message"] == "Resource not found for the segment 'bogus'."
    cast = call(fake, "GET", "/places/graph.building")
    assert cast.json()["error"]["message"] == "Resource not found for the segment 'graph.building'."


# --------------------------------------------------------------------- Prefer and $count


def test_maxpagesize_is_honoured_and_reported(fake: FakeGraph) -> None:
    prefer = {"Prefer": "odata.maxpagesize=2"}
    rooms = call(fake, "GET", "/places/graph.room", headers=prefer)
    assert len(rooms.json()["value"]) == 2
    assert "@odata.nextLink" in rooms.json()
    assert rooms.headers["Preference-Applied"] == "odata.maxpagesize=2"
    both = {"Prefer": 'odata.maxpagesize=1, outlook.timezone="Pacific Standard Time"'}
    events = call(fake, "GET", f"/users/{ADELE}/events", headers=both)
    assert len(events.json()["value"]) == 1
    applied = {p.strip() for p in events.headers["Preference-Applied"].split(",")}
    assert applied == {"odata.maxpagesize=1", 'outlook.timezone="Pacific Standard Time"'}
    assert "Preference-Applied" not in call(fake, "GET", "/places/graph.room").headers


def test_directory_count_follows_the_advanced_query_rules(fake: FakeGraph) -> None:
    eventual = {"ConsistencyLevel": "eventual"}
    # ?$count=true without ConsistencyLevel: silently ignored.
    ignored = call(fake, "GET", "/users", params={"$count": "true"})
    assert ignored.status_code == 200
    assert "@odata.count" not in ignored.json()
    counted = call(fake, "GET", "/users", params={"$count": "true"}, headers=eventual)
    total = len(ignored.json()["value"])  # two people and three rooms' mailboxes
    assert counted.json()["@odata.count"] == total == 5
    # The /$count segment without it: refused as Graph documents.
    refused = call(fake, "GET", "/users/$count")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "Request_BadRequest"
    assert refused.json()["error"]["message"] == "$count is not currently supported."
    plain = call(fake, "GET", "/users/$count", headers=eventual)
    assert plain.headers["content-type"].startswith("text/plain")
    assert plain.text == "5"


# --------------------------------------------------------------------- over a socket


def test_conventions_hold_over_serve(fake: FakeGraph) -> None:
    body = {"Message": _message("socket"), "SaveToSentItems": False}
    with fake.serve() as root, httpx.Client(base_url=root, headers=AUTH) as client:
        assert client.get("/places/graph.room").status_code == 200
        assert client.post(f"/users/{ADELE}/graph.sendMail", json=body).status_code == 202
        assert client.get("/users", params=[("$top", "1"), ("top", "1")]).status_code == 400
    assert [m.subject for m in fake.sent_mail] == ["socket"]
