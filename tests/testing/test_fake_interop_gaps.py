"""Gaps in FakeGraph found by driving it with msgraph-sdk (the interop suite, ``interop/``),
each reproduced here with raw httpx, against the in-process transport or ``fake.serve()``."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fake_helpers import AUTH, call

from graphlink.testing import FakeGraph
from graphlink.testing._transport import MAX_BODY, BodyTooLarge, read_chunked

ROOM = "alpha@contoso.com"
LIST = "floor1@contoso.com"


@pytest.fixture
def fake() -> FakeGraph:
    fake = FakeGraph()
    fake.add_room("Alpha", ROOM, capacity=6, room_list=LIST)
    return fake


@pytest.mark.parametrize("prefix", ["microsoft.graph", "graph"])
def test_one_place_read_through_its_type_cast(fake: FakeGraph, prefix: str) -> None:
    # msgraph-sdk's places.by_place_id(x).graph_room.get() asks /places/{id}/graph.room.
    room = call(fake, "GET", f"/places/{ROOM}/{prefix}.room")
    assert room.status_code == 200, room.text
    body = room.json()
    assert (body["emailAddress"], body["capacity"]) == (ROOM, 6)
    assert body["@odata.context"].endswith("$metadata#places/microsoft.graph.room/$entity")
    room_list = call(fake, "GET", f"/places/{LIST}/{prefix}.roomList")
    assert room_list.status_code == 200, room_list.text
    assert room_list.json()["@odata.type"] == "#microsoft.graph.roomList"
    selected = call(fake, "GET", f"/places/{ROOM}/{prefix}.room?$select=capacity")
    assert selected.json()["capacity"] == 6
    assert "building" not in selected.json()


def test_a_cast_to_the_wrong_place_type_is_not_found(fake: FakeGraph) -> None:
    answer = call(fake, "GET", f"/places/{LIST}/microsoft.graph.room")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "ErrorItemNotFound"
    assert call(fake, "GET", "/places/nowhere@contoso.com/microsoft.graph.room").status_code == 404


# --------------------------------------------------------------------------- $expand

EVENTUAL = {"ConsistencyLevel": "eventual"}


@pytest.fixture
def org() -> FakeGraph:
    """patti <- bianca <- alex <- ic (each the manager of the next); a group of 25 users."""
    fake = FakeGraph()
    fake.add_user("patti@contoso.com", "Patti Fernandez", mailbox=False)
    fake.add_user("bianca@contoso.com", "Bianca Pisani", manager="patti@contoso.com")
    fake.add_user("alex@contoso.com", "Alex Wilber", manager="bianca@contoso.com")
    fake.add_user("ic@contoso.com", "Individual Contributor", manager="alex@contoso.com")
    many = [fake.add_user(f"u{i}@contoso.com", f"User {i}", mailbox=False) for i in range(25)]
    fake.add_group("Everyone", members=[u["id"] for u in many])
    return fake


def test_expand_manager_with_nested_select(org: FakeGraph) -> None:
    user = call(org, "GET", "/users/ic@contoso.com?$expand=manager($select=displayName)")
    assert user.status_code == 200, user.text
    body = user.json()
    assert body["displayName"] == "Individual Contributor"
    assert body["manager"]["displayName"] == "Alex Wilber"
    assert set(body["manager"]) == {"@odata.type", "displayName"}
    assert body["manager"]["@odata.type"] == "#microsoft.graph.user"
    # Without a nested $select the manager comes with its usual properties.
    plain = call(org, "GET", "/users/ic@contoso.com?$select=id&$expand=manager").json()
    assert plain["manager"]["mail"] == "alex@contoso.com"
    # No manager: the property is left out.
    top = call(org, "GET", "/users/patti@contoso.com?$expand=manager").json()
    assert "manager" not in top


def test_expand_names_are_case_insensitive_and_answered_as_graph_spells_them(
    org: FakeGraph,
) -> None:
    # Graph resolves names in the URL case-insensitively and answers in its own spelling;
    # a client parses that spelling (Kiota matches keys exactly), not the one it sent.
    user = call(org, "GET", "/users/ic@contoso.com?$expand=MANAGER($SELECT=displayName)")
    assert user.status_code == 200, user.text
    assert user.json()["manager"] == {
        "@odata.type": "#microsoft.graph.user",
        "displayName": "Alex Wilber",
    }
    reports = call(org, "GET", "/users/bianca@contoso.com?$expand=directreports").json()
    assert [r["displayName"] for r in reports["directReports"]] == ["Alex Wilber"]
    assert "directreports" not in reports


def test_expand_star_says_fakegraph_does_not_expand_it(org: FakeGraph) -> None:
    answer = call(org, "GET", "/users/ic@contoso.com?$expand=*")
    assert answer.status_code == 400
    # Not "Could not find a property named '*'": that would claim Graph has no such thing.
    assert answer.json()["error"]["message"] == (
        "FakeGraph does not expand '*' on type 'microsoft.graph.user'."
    )


def test_expand_manager_levels_max_is_the_documented_chain(org: FakeGraph) -> None:
    # user-list-manager.md, "Get manager chain up to the root level".
    url = "/users/ic@contoso.com?$expand=manager($levels=max;$select=id,displayName)"
    answer = call(org, "GET", url + "&$select=id,displayName&$count=true", headers=EVENTUAL)
    assert answer.status_code == 200, answer.text
    chain, node = [], answer.json()
    while "manager" in node:
        node = node["manager"]
        chain.append(node["displayName"])
        assert set(node) <= {"@odata.type", "id", "displayName", "manager"}
    assert chain == ["Alex Wilber", "Bianca Pisani", "Patti Fernandez"]
    # $levels needs ConsistencyLevel and $count=true, as advanced queries do.
    refused = call(org, "GET", url)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "Request_UnsupportedQuery"


def test_expand_collections_embed_at_most_20(org: FakeGraph) -> None:
    group = call(org, "GET", "/groups?$expand=members($select=id,displayName)").json()
    members = group["value"][0]["members"]
    assert len(members) == 20
    assert set(members[0]) == {"@odata.type", "id", "displayName"}
    reports = call(org, "GET", "/users/alex@contoso.com?$expand=directReports").json()
    assert [r["displayName"] for r in reports["directReports"]] == ["Individual Contributor"]
    listed = call(org, "GET", "/users?$expand=manager($select=displayName)&$top=999").json()
    managers = {u["displayName"]: u.get("manager", {}).get("displayName") for u in listed["value"]}
    assert managers["Bianca Pisani"] == "Patti Fernandez"
    member_of = call(org, "GET", "/users/u0@contoso.com?$expand=memberOf").json()
    assert [g["displayName"] for g in member_of["memberOf"]] == ["Everyone"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "/users/ic@contoso.com?$expand=nonsense",
            "Could not find a property named 'nonsense' on type 'microsoft.graph.user'.",
        ),
        (
            "/groups?$expand=manager",
            "Could not find a property named 'manager' on type 'microsoft.graph.group'.",
        ),
        (
            "/users/ic@contoso.com/manager?$expand=manager",
            "Could not find a property named 'manager' on type 'microsoft.graph.directoryObject'.",
        ),
        (
            "/users/ic@contoso.com?$expand=manager,directReports",
            "The result of parsing $expand contained at least 2 items, but the maximum "
            "allowed is 1.",
        ),
        (
            "/users/ic@contoso.com/calendar/events?$expand=nonsense",
            "Could not find a property named 'nonsense' on type 'microsoft.graph.event'.",
        ),
    ],
)
def test_expand_refused_as_graph_refuses(org: FakeGraph, url: str, message: str) -> None:
    answer = call(org, "GET", url)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["message"] == message


def test_expand_event_attachments(org: FakeGraph) -> None:
    # event.md: attachments is a navigation property, read with $expand=attachments.
    event = org.add_event("ic@contoso.com", "Review", "2026-03-02T09:00:00", "2026-03-02T10:00:00")
    attachment = {
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": "notes.txt",
        "contentBytes": "aGVsbG8=",
    }
    base = f"/users/ic@contoso.com/events/{event['id']}"
    assert call(org, "POST", base + "/attachments", json=attachment).status_code == 201
    one = call(org, "GET", base + "?$select=subject&$expand=attachments($select=name)").json()
    assert one["subject"] == "Review"
    assert [a["name"] for a in one["attachments"]] == ["notes.txt"]
    assert "contentBytes" not in one["attachments"][0]
    listed = call(org, "GET", "/users/ic@contoso.com/calendar/events?$expand=attachments").json()
    assert listed["value"][0]["attachments"][0]["contentBytes"] == "aGVsbG8="


def test_expand_graph_has_but_fakegraph_does_not_embed_says_so(org: FakeGraph) -> None:
    answer = call(org, "GET", "/users/ic@contoso.com/calendar/events?$expand=instances")
    assert answer.status_code == 400
    assert "FakeGraph does not expand 'instances'" in answer.json()["error"]["message"]
    nested = call(org, "GET", "/groups?$expand=members($filter=id eq 'x')")
    assert nested.status_code == 400
    unbalanced = call(org, "GET", "/users/ic@contoso.com?$expand=manager($select=id")
    assert unbalanced.status_code == 400


# --------------------------------------------------------------- links on canonical paths

ADELE = "adele@contoso.com"
WINDOW = {"startDateTime": "2026-03-01T00:00:00Z", "endDateTime": "2026-03-05T00:00:00Z"}


def _calendar_fake() -> FakeGraph:
    fake = FakeGraph()
    fake.add_user(ADELE, "Adele Vance")
    for day in (1, 2, 3):
        fake.add_event(
            ADELE, f"Event {day}", f"2026-03-0{day}T09:00:00", f"2026-03-0{day}T10:00:00"
        )
    return fake


@pytest.mark.parametrize("spelling", ["delta()", "graph.delta()", "microsoft.graph.delta"])
def test_calendar_view_delta_links_name_delta_as_graph_writes_it(spelling: str) -> None:
    # msgraph-sdk asks /calendarView/delta(); Graph's links say /calendarView/delta?...
    fake = _calendar_fake()
    prefer = {"Prefer": "odata.maxpagesize=2"}
    url = f"/users/{ADELE}/calendarView/{spelling}"
    first = call(fake, "GET", url, params=WINDOW, headers=prefer)
    assert first.status_code == 200, first.text
    next_link = first.json()["@odata.nextLink"]
    assert f"/v1.0/users/{ADELE}/calendarView/delta?$skiptoken=" in next_link
    assert first.headers["Preference-Applied"] == "odata.maxpagesize=2"
    last = call(fake, "GET", next_link, headers=prefer)
    assert f"/users/{ADELE}/calendarView/delta?$deltatoken=" in last.json()["@odata.deltaLink"]
    assert [e["subject"] for e in last.json()["value"]] == ["Event 3"]


def test_calendar_view_delta_reports_both_preferences_applied() -> None:
    fake = _calendar_fake()
    prefer = {"Prefer": 'odata.maxpagesize=5, outlook.timezone="Pacific Standard Time"'}
    answer = call(fake, "GET", f"/users/{ADELE}/calendarView/delta", params=WINDOW, headers=prefer)
    applied = {p.strip() for p in answer.headers["Preference-Applied"].split(",")}
    assert applied == {'outlook.timezone="Pacific Standard Time"', "odata.maxpagesize=5"}


def test_collection_next_links_use_the_canonical_cast(fake: FakeGraph) -> None:
    for name in ("Beta", "Gamma"):
        fake.add_room(name, room_list=LIST)
    page = call(fake, "GET", "/places/graph.room?$top=1").json()
    assert "/v1.0/places/microsoft.graph.room?" in page["@odata.nextLink"]


# ----------------------------------------------------------------------- $batch items


def test_batch_item_with_a_repeated_query_option_is_refused(fake: FakeGraph) -> None:
    requests = [
        {"id": "1", "method": "GET", "url": "/places/microsoft.graph.room?$top=1&$top=2"},
        {"id": "2", "method": "GET", "url": "/places/microsoft.graph.room?$top=1&$TOP=2"},
        {"id": "3", "method": "GET", "url": "/places/microsoft.graph.room?$top=1"},
    ]
    answer = call(fake, "POST", "/$batch", json={"requests": requests})
    items = {r["id"]: r for r in answer.json()["responses"]}
    assert (items["1"]["status"], items["2"]["status"], items["3"]["status"]) == (400, 400, 200)
    assert "was specified more than once" in items["1"]["body"]["error"]["message"]


# ------------------------------------------------------------------ the served emulator


def test_served_fake_answers_500_when_it_fails_itself(
    fake: FakeGraph, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = fake._engine.respond

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in a route")

    with fake.serve() as root, httpx.Client(base_url=root, headers=AUTH) as client:
        monkeypatch.setattr(fake._engine, "respond", broken)
        failed = client.get("/places/microsoft.graph.room", headers={"client-request-id": "c-1"})
        assert failed.status_code == 500
        error = failed.json()["error"]
        assert error["code"] == "InternalServerError"
        assert error["innerError"]["request-id"] == failed.headers["request-id"]
        assert error["innerError"]["client-request-id"] == "c-1"
        monkeypatch.setattr(fake._engine, "respond", real)
        # The connection is still good for the next request.
        assert client.get("/places/microsoft.graph.room").status_code == 200
    assert any("a bug in a route" in (r.exc_text or "") for r in caplog.records)


def test_served_fake_reads_chunked_request_bodies(fake: FakeGraph) -> None:
    def parts() -> Iterator[bytes]:  # a generator: httpx sends it chunked
        yield b'{"subject": '
        yield b'"sent in chunks"}'

    headers = {**AUTH, "Content-Type": "application/json"}
    with fake.serve() as root, httpx.Client(base_url=root, headers=headers) as client:
        created = client.post(f"/users/{fake_user(fake)}/messages", content=parts())
        assert created.request.headers["Transfer-Encoding"] == "chunked"
        assert created.status_code == 201, created.text
        assert created.json()["subject"] == "sent in chunks"
        # The connection stays in step: the next request on it is answered.
        assert client.get("/places/microsoft.graph.room").status_code == 200


def fake_user(fake: FakeGraph) -> str:
    return str(fake.add_user("chunky@contoso.com", "Chunky")["mail"])


@pytest.mark.parametrize(
    ("wire", "body"),
    [
        (b"5\r\nhello\r\n0\r\n\r\n", b"hello"),
        (b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n", b"hello world"),
        (b"A\r\n0123456789\r\n0\r\n\r\n", b"0123456789"),
    ],
)
def test_read_chunked(wire: bytes, body: bytes) -> None:
    assert read_chunked(io.BytesIO(wire + b"NEXT")) == body


@pytest.mark.parametrize(
    "wire", [b"", b"zz\r\nhello\r\n0\r\n\r\n", b"5\r\nhel", b"5\r\nhelloXX\r\n0\r\n\r\n"]
)
def test_read_chunked_refuses_malformed(wire: bytes) -> None:
    with pytest.raises(ValueError):
        read_chunked(io.BytesIO(wire))


def test_read_chunked_stops_before_a_chunk_passing_the_limit() -> None:
    wire = b"4\r\nabcd\r\n5\r\nefghi\r\n0\r\n\r\n"
    assert read_chunked(io.BytesIO(wire), limit=9) == b"abcdefghi"
    with pytest.raises(BodyTooLarge):
        read_chunked(io.BytesIO(wire), limit=8)


def _raw_exchange(root: str, head: str) -> bytes:
    """Send ``head`` (a request without its body) to the served fake; its first answer line."""
    host, port = root.split("//", 1)[1].split("/", 1)[0].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(head.encode())
        return sock.makefile("rb").readline()


@pytest.mark.parametrize(
    "framing",
    [
        f"Content-Length: {10**15}\r\n",
        # A chunk announced at 256 TB: never allocated, never waited for.
        "Transfer-Encoding: chunked\r\n",
    ],
)
def test_served_fake_refuses_bodies_over_its_limit(fake: FakeGraph, framing: str) -> None:
    head = f"POST /v1.0/users/x/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n{framing}\r\n" + (
        "ffffffffffff\r\n" if "chunked" in framing else ""
    )
    assert MAX_BODY < 10**15
    with fake.serve() as root:
        assert _raw_exchange(root, head).split()[1:2] == [b"413"]


@pytest.mark.parametrize(
    ("armed", "sent"),
    [
        ("/places/microsoft.graph.room", "/places/graph.room"),
        ("*/microsoft.graph.room", "/places/graph.room"),
        ("*/calendarView/delta", "/users/x/calendarView/delta()"),
        ("*/sendMail", "/users/x/microsoft.graph.sendMail"),
        # Armed in an alias spelling (as Graph's docs and msgraph-sdk write it), too.
        ("/places/graph.room", "/places/microsoft.graph.room"),
        ("/users/delta()", "/users/delta"),
        ("*/graph.sendMail", "/users/x/microsoft.graph.sendMail"),
    ],
)
def test_fault_paths_match_any_spelling_the_routes_accept(
    fake: FakeGraph, armed: str, sent: str
) -> None:
    fake.fail_next(503, path=armed)
    answer = call(fake, "GET" if "sendMail" not in sent else "POST", sent)
    assert answer.status_code == 503
    assert fake.requests[-1].path == sent  # recorded as sent
