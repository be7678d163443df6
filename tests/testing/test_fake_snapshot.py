"""FakeGraph's state as JSON: ``dump``, ``FakeGraph.load`` and ``reset``."""

from __future__ import annotations

import base64
import json
import re
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_helpers import call

from graphlink.testing import SERVICE_ACCOUNT, FakeGraph, SnapshotError

#: Reads whose answers must not change across a dump and a load.
_DEMO_READS = [
    "/users?$top=999",
    "/users/meganb@contoso.com/manager",
    "/users/meganb@contoso.com/directReports",
    "/groups",
    "/places/microsoft.graph.room",
    "/places/microsoft.graph.roomList",
    "/places/building-1@contoso.com/microsoft.graph.roomlist/rooms",
]


def _answers(fake: FakeGraph, paths: list[str]) -> list[Any]:
    answers = [call(fake, "GET", p) for p in paths]
    return [(r.status_code, r.json()) for r in answers]


def _demo_reads(fake: FakeGraph) -> list[str]:
    monday = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    monday -= timedelta(days=monday.weekday() + 1)
    window = f"startDateTime={monday:%Y-%m-%dT%H:%M:%SZ}&endDateTime={monday + timedelta(days=9):%Y-%m-%dT%H:%M:%SZ}"
    groups = call(fake, "GET", "/groups").json()["value"]
    reads = list(_DEMO_READS)
    reads += [f"/groups/{g['id']}/members" for g in groups]
    reads += [f"/groups/{g['id']}/transitiveMembers" for g in groups]
    for mailbox in (SERVICE_ACCOUNT, "meganb@contoso.com", "aurora@contoso.com"):
        reads += [
            f"/users/{mailbox}/calendars",
            f"/users/{mailbox}/events?$top=999",
            f"/users/{mailbox}/calendarView?{window}&$top=999",
        ]
    return reads


def test_the_demo_round_trips_exactly(tmp_path: Path) -> None:
    fake = FakeGraph.demo()
    path = tmp_path / "tenant.json"
    dumped = fake.dump(path)
    loaded = FakeGraph.load(path)
    assert loaded.dump() == dumped
    again = tmp_path / "again.json"
    loaded.dump(again)
    assert again.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == dumped
    assert repr(loaded) == repr(fake)
    reads = _demo_reads(fake)
    assert _answers(loaded, reads) == _answers(fake, reads)


def _busy_tenant() -> tuple[FakeGraph, str]:
    """A series with a moved and a deleted occurrence, an attachment, a draft, sent mail."""
    fake = FakeGraph()
    fake.add_user("ada@contoso.com", "Ada Lovelace")
    fake.add_user("bob@contoso.com", "Bob Babbage", manager="ada@contoso.com")
    fake.add_user("gone@contoso.com", "Gone", mailbox=False)
    fake.add_group("Team", ["ada@contoso.com", "bob@contoso.com"], mail="team@contoso.com")
    fake.add_room("Aurora", "aurora@contoso.com", capacity=4, room_list="b1@contoso.com")
    fake.add_calendar("ada@contoso.com", "Side projects")
    fake.me = "ada@contoso.com"
    start = datetime(2030, 1, 7, 9, tzinfo=UTC)
    series = fake.add_event(
        "ada@contoso.com",
        "Stand-up",
        start,
        start + timedelta(minutes=15),
        attendees=["bob@contoso.com", "aurora@contoso.com"],
        recurrence={
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "numbered", "startDate": "2030-01-07", "numberOfOccurrences": 5},
        },
    )
    base = "/users/ada@contoso.com"
    view = call(
        fake,
        "GET",
        f"{base}/calendarView?startDateTime=2030-01-07T00:00:00Z&endDateTime=2030-01-12T00:00:00Z",
    ).json()["value"]
    moved, deleted, kept = view[1]["id"], view[2]["id"], view[3]["id"]
    new_start = {"dateTime": "2030-01-08T11:00:00", "timeZone": "UTC"}
    new_end = {"dateTime": "2030-01-08T11:30:00", "timeZone": "UTC"}
    patch = call(fake, "PATCH", f"{base}/events/{moved}", json={"start": new_start, "end": new_end})
    assert patch.status_code == 200
    assert call(fake, "DELETE", f"{base}/events/{deleted}").status_code == 204
    attachment = {
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": "agenda.txt",
        "contentBytes": base64.b64encode(b"agenda").decode(),
    }
    posted = call(fake, "POST", f"{base}/events/{series['id']}/attachments", json=attachment)
    assert posted.status_code == 201
    draft = {"subject": "Draft", "toRecipients": [{"emailAddress": {"address": "bob@contoso.com"}}]}
    assert call(fake, "POST", f"{base}/messages", json=draft).status_code == 201
    mail = {"message": {**draft, "subject": "Hello"}, "saveToSentItems": False}
    assert call(fake, "POST", f"{base}/sendMail", json=mail).status_code == 202
    mime = base64.b64encode(b"From: ada@contoso.com\r\nTo: bob@contoso.com\r\nSubject: Hi\r\n\r\nx")
    sent = call(
        fake, "POST", f"{base}/sendMail", content=mime, headers={"Content-Type": "text/plain"}
    )
    assert sent.status_code == 202
    return fake, kept


def test_series_attachments_drafts_sent_mail_and_me_round_trip() -> None:
    fake, kept = _busy_tenant()
    dumped = fake.dump()
    loaded = FakeGraph.load(dumped)
    assert loaded.dump() == dumped
    assert loaded.me == fake.me
    assert loaded.sent_mail == fake.sent_mail
    base = "/users/ada@contoso.com"
    reads = [
        f"{base}/calendarView?startDateTime=2030-01-07T00:00:00Z&endDateTime=2030-01-12T00:00:00Z",
        f"{base}/calendars",
        f"{base}/events",
        f"{base}/events/{kept}",  # an occurrence id handed out before the dump
        "/users/bob@contoso.com/calendarView?startDateTime=2030-01-07T00:00:00Z"
        "&endDateTime=2030-01-12T00:00:00Z",
        "/me",
        "/users/bob@contoso.com/manager",
        "/places/b1@contoso.com/microsoft.graph.roomlist/rooms",
    ]
    assert _answers(loaded, reads) == _answers(fake, reads)
    assert call(loaded, "GET", f"{base}/events/{kept}").status_code == 200
    series = next(e for e in fake.events("ada@contoso.com") if e["type"] == "seriesMaster")
    attachments = f"{base}/events/{series['id']}/attachments"
    assert call(loaded, "GET", attachments).json() == call(fake, "GET", attachments).json()


def test_events_made_after_a_load_get_new_ids_and_rooms_still_accept() -> None:
    fake, _ = _busy_tenant()
    loaded = FakeGraph.load(fake.dump())
    before = {e["id"] for e in loaded.events("ada@contoso.com")}
    start = datetime(2030, 2, 1, 9, tzinfo=UTC)
    made = loaded.add_event(
        "ada@contoso.com",
        "New",
        start,
        start + timedelta(hours=1),
        attendees=["aurora@contoso.com"],
    )
    assert made["id"] not in before
    assert len(loaded.events("ada@contoso.com")) == len(before) + 1
    [booking] = [e for e in loaded.events("aurora@contoso.com") if e["subject"] == "New"]
    assert booking["responseStatus"]["response"] == "accepted"


def test_a_file_without_the_serial_keeps_its_events_when_more_are_made() -> None:
    # Dumped events copied into a hand-written file (no "@fakegraph.serial"): the ids
    # made afterwards must not land on theirs and silently replace them.
    fake = FakeGraph()
    fake.add_user("ada@contoso.com", "Ada")
    start = datetime(2030, 1, 7, 10, tzinfo=UTC)
    fake.add_event("ada@contoso.com", "Kept", start, start + timedelta(hours=1))
    doc = fake.dump()
    del doc["@fakegraph.serial"]
    loaded = FakeGraph.load(doc)
    loaded.add_event("ada@contoso.com", "New", start, start + timedelta(hours=1))
    created = call(
        loaded,
        "POST",
        "/users/ada@contoso.com/events",
        json={
            "subject": "Posted",
            "start": {"dateTime": "2030-01-08T10:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2030-01-08T11:00:00", "timeZone": "UTC"},
        },
    )
    assert created.status_code == 201
    subjects = sorted(e["subject"] for e in loaded.events("ada@contoso.com"))
    assert subjects == ["Kept", "New", "Posted"]


def test_a_hand_written_draft_takes_attachments() -> None:
    user = {"mail": "ada@contoso.com", "messages": [{"id": "m1", "subject": "Draft"}]}
    loaded = FakeGraph.load({"format": 1, "users": [user]})
    base = "/users/ada@contoso.com/messages/m1/attachments"
    assert call(loaded, "GET", base).json()["value"] == []
    att = {"@odata.type": "#microsoft.graph.fileAttachment", "name": "a.txt"}
    added = call(loaded, "POST", base, json={**att, "contentBytes": "aGk="})
    assert added.status_code == 201
    assert [a["name"] for a in call(loaded, "GET", base).json()["value"]] == ["a.txt"]


def test_a_calendar_made_after_a_load_keeps_the_files_calendars() -> None:
    fake = FakeGraph()
    fake.add_user("ada@contoso.com", "Ada")
    fake.add_calendar("ada@contoso.com", "Work")  # the second calendar
    doc = fake.dump()
    [ada] = doc["users"]
    ada["calendars"] = [c for c in ada["calendars"] if c["name"] == "Work"]  # edited by hand
    loaded = FakeGraph.load(doc)
    loaded.add_calendar("ada@contoso.com", "Work")
    calendars = call(loaded, "GET", "/users/ada@contoso.com/calendars").json()["value"]
    assert len({c["id"] for c in calendars}) == 2


def test_a_renamed_user_organises_under_the_new_name_loaded_or_not() -> None:
    # The mailbox's name is not in a snapshot: what a copy answers must come from the user.
    fake = FakeGraph()
    fake.add_user("ada@contoso.com", "Ada")
    fake.update_user("ada@contoso.com", display_name="Ada Lovelace")
    loaded = FakeGraph.load(fake.dump())
    start = datetime(2030, 1, 7, 10, tzinfo=UTC)
    for tenant in (fake, loaded):
        made = tenant.add_event("ada@contoso.com", "Talk", start, start + timedelta(hours=1))
        assert made["organizer"]["emailAddress"]["name"] == "Ada Lovelace"
        side = tenant.add_calendar("ada@contoso.com", "Side")
        assert side["owner"]["name"] == "Ada Lovelace"


def test_groups_of_the_same_name_stay_two() -> None:
    # Graph does not make group names unique; a file may hold two of one name.
    doc = {
        "format": 1,
        "users": [{"mail": "ada@contoso.com"}, {"mail": "bob@contoso.com"}],
        "groups": [
            {"displayName": "Team", "members": ["ada@contoso.com"]},
            {"displayName": "Team", "members": ["bob@contoso.com"]},
        ],
    }
    loaded = FakeGraph.load(doc)
    groups = loaded.dump()["groups"]
    assert len({g["id"] for g in groups}) == 2
    assert [len(g["members"]) for g in groups] == [1, 1]
    fake = FakeGraph()
    assert fake.add_group("Ops")["id"] != fake.add_group("Ops")["id"]


def test_a_hand_written_file_gets_the_builders_defaults(tmp_path: Path) -> None:
    path = tmp_path / "team.json"
    doc = {
        "format": 1,
        "tenant": {"domain": "fabrikam.com"},
        "users": [
            {"mail": "ada@fabrikam.com", "displayName": "Ada Lovelace", "calendars": []},
            {
                "mail": "bob@fabrikam.com",
                "displayName": "Bob Babbage",
                "manager": "ada@fabrikam.com",
                "calendars": [
                    {
                        "name": "Calendar",
                        "events": [
                            {
                                "subject": "Review",
                                "start": {"dateTime": "2030-01-07T10:00:00", "timeZone": "UTC"},
                                "end": {"dateTime": "2030-01-07T11:00:00", "timeZone": "UTC"},
                                "attendees": [
                                    {"emailAddress": {"address": "ada@fabrikam.com"}},
                                    {"emailAddress": {"address": "aurora@fabrikam.com"}},
                                ],
                            }
                        ],
                    }
                ],
            },
        ],
        "groups": [
            {"displayName": "Team", "members": ["ada@fabrikam.com", {"mail": "bob@fabrikam.com"}]}
        ],
        "places": [
            {
                "@odata.type": "#microsoft.graph.room",
                "emailAddress": "aurora@fabrikam.com",
                "displayName": "Aurora",
                "capacity": 4,
            },
            {
                "@odata.type": "#microsoft.graph.roomList",
                "emailAddress": "b1@fabrikam.com",
                "rooms": ["aurora@fabrikam.com"],
            },
        ],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    fake = FakeGraph.load(path)
    assert fake.domain == "fabrikam.com"
    ada = call(fake, "GET", "/users/ada@fabrikam.com").json()
    assert (ada["givenName"], ada["surname"]) == ("Ada", "Lovelace")
    assert call(fake, "GET", "/users/bob@fabrikam.com/manager").json()["id"] == ada["id"]
    team = call(fake, "GET", "/groups").json()["value"][0]
    members = call(fake, "GET", f"/groups/{team['id']}/members").json()["value"]
    assert [m["displayName"] for m in members] == ["Ada Lovelace", "Bob Babbage"]
    # The event was created as POST creates one: Ada and the room got their copies.
    [invite] = fake.events("ada@fabrikam.com")
    assert (invite["subject"], invite["isOrganizer"]) == ("Review", False)
    [booking] = fake.events("aurora@fabrikam.com")
    assert booking["responseStatus"]["response"] == "accepted"
    rooms = call(fake, "GET", "/places/b1@fabrikam.com/microsoft.graph.roomlist/rooms").json()
    assert [r["displayName"] for r in rooms["value"]] == ["Aurora"]
    # Dumped and loaded again, it stays as it is.
    assert FakeGraph.load(fake.dump()).dump() == fake.dump()


def _doc(**parts: Any) -> dict[str, Any]:
    return {"format": 1, **parts}


@pytest.mark.parametrize(
    ("doc", "where", "problem"),
    [
        ({"users": []}, "format", "missing"),
        ({"format": 2}, "format", "it reads 1"),
        (_doc(user=[]), "user", "unknown key"),
        (_doc(users={}), "users", "expected a list"),
        (_doc(users=[{"id": "u1"}, {"id": "u1"}]), "users[1].id", "duplicate id 'u1'"),
        (_doc(users=[{"jobTitle": "x"}]), "users[0]", "needs an id, a mail or a displayName"),
        (_doc(users=[{"mail": "a@b.c"}, {"mail": "A@b.c"}]), "users[1]", "a second user"),
        (
            _doc(places=[{"@odata.type": "#microsoft.graph.room", "emailAddress": "r@b.c"}] * 2),
            "places[1]",
            "a second room with the address 'r@b.c'",
        ),
        (
            _doc(groups=[{"id": "g1", "members": [{"id": "nobody"}]}]),
            "groups[0].members[0]",
            "no user or group 'nobody'",
        ),
        (
            _doc(
                users=[
                    {
                        "id": "u1",
                        "calendars": [
                            {"id": "c1", "events": [{"id": "e1", "start": "soon", "end": "later"}]}
                        ],
                    }
                ]
            ),
            "users[0].calendars[0].events[0].start",
            "Cannot convert 'soon'",
        ),
        (
            _doc(users=[{"id": "u1", "calendars": [{"events": [{"subjet": "typo"}]}]}]),
            "users[0].calendars[0].events[0]",
            "The property 'subjet' does not exist",
        ),
        (_doc(places=[{"id": "p1", "emailAddress": "x@y"}]), "places[0].@odata.type", "expected"),
        (_doc(me="nobody"), "me", "no user or group 'nobody'"),
        (
            _doc(sentMail=[{"sender": "a@b", "message": {"subject": "x"}}]),
            "sentMail[0]",
            "recipient",
        ),
    ],
)
def test_a_bad_snapshot_says_where_and_why(doc: Any, where: str, problem: str) -> None:
    with pytest.raises(SnapshotError) as caught:
        FakeGraph.load(doc)
    assert caught.value.where == where
    assert problem in caught.value.problem
    assert isinstance(caught.value, ValueError)


def test_a_file_that_is_not_json_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"format": 1,', encoding="utf-8")
    with pytest.raises(SnapshotError, match=r"broken\.json: not JSON"):
        FakeGraph.load(path)
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(SnapshotError, match="snapshot: expected an object"):
        FakeGraph.load(path)
    with pytest.raises(FileNotFoundError):
        FakeGraph.load(tmp_path / "missing.json")
    path.write_bytes(b'{"format": 1, "tenant": {"domain": "\xff"}}')  # Latin-1, not UTF-8
    with pytest.raises(SnapshotError, match=r"broken\.json: not UTF-8"):
        FakeGraph.load(path)


def _subscribe(fake: FakeGraph) -> None:
    def receiver(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=request.url.params["validationToken"])

    fake.webhook_client = httpx.Client(transport=httpx.MockTransport(receiver))
    expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {
        "changeType": "created",
        "notificationUrl": "https://app.example/hook",
        "resource": "/users/ada@contoso.com/events",
        "expirationDateTime": expires,
        "clientState": "s",
    }
    assert call(fake, "POST", "/subscriptions", json=body).status_code == 201


def test_reset_forgets_everything_but_the_configuration() -> None:
    fake, _ = _busy_tenant()
    fake.latency = 0.001
    fake.mailbox_concurrency = 2
    fake.mailbox_rate = (100, 60.0)
    _subscribe(fake)
    hook = fake.webhook_client
    fake.fail_next(429)
    assert call(fake, "GET", "/users").status_code == 429
    assert fake.throttled == 1
    fake.fail_next(503, times=5)
    assert all((fake.requests, fake.sent_mail, fake.subscriptions, fake.me))
    assert fake.deliveries  # the handshake
    assert fake.peak_in_flight  # the mailbox calls
    fake.check_tokens = True
    fake.reset()
    assert (fake.latency, fake.check_tokens) == (0.001, True)
    fake.check_tokens = False
    assert (fake.deliveries, fake.peak_in_flight) == ([], {})
    assert fake.dump() == FakeGraph().dump()  # no users, groups, places, sent mail, me
    assert (fake.requests, fake.sent_mail, fake.subscriptions) == ([], [], [])
    assert fake.throttled == 0
    assert (fake.mailbox_concurrency, fake.mailbox_rate) == (2, (100, 60.0))
    assert fake.webhook_client is hook
    # The armed faults went too: the next request is answered.
    assert call(fake, "GET", "/users").status_code == 200


def test_a_delivery_under_way_leaves_nothing_in_a_reset_tenant() -> None:
    # deliver() POSTs without the lock; a reset meanwhile (another thread, or here the
    # receiver itself) must not get the old tenant's failed notifications or log.
    fake, _ = _busy_tenant()
    _subscribe(fake)
    start = datetime(2030, 3, 1, 9, tzinfo=UTC)
    fake.add_event("ada@contoso.com", "Watched", start, start + timedelta(hours=1))
    assert fake.pending_notifications

    def receiver(request: httpx.Request) -> httpx.Response:
        fake.reset()
        return httpx.Response(500)

    fake.webhook_client = httpx.Client(transport=httpx.MockTransport(receiver))
    [delivery] = fake.deliver()
    assert not delivery.ok
    assert fake.pending_notifications == []
    assert fake.deliveries == []


def test_reset_to_a_snapshot_and_a_bad_one_changes_nothing() -> None:
    fake, _ = _busy_tenant()
    seed = fake.dump()
    fake.add_user("extra@contoso.com")
    fake.reset(seed)
    assert fake.dump() == seed
    with pytest.raises(SnapshotError):
        fake.reset({"format": 1, "users": [{"id": 1}]})
    assert fake.dump() == seed


def test_a_directory_delta_link_from_another_tenant_is_gone() -> None:
    # A /users/delta link counts changes in its own tenant's log: in a reset or loaded
    # tenant it would silently skip (or repeat) changes, so it is Graph's 410 instead.
    fake = FakeGraph()
    fake.add_user("a@contoso.com", "A")
    fake.add_user("b@contoso.com", "B")
    first = call(fake, "GET", "/users/delta", headers={"Prefer": "odata.maxpagesize=1"}).json()
    next_page = first["@odata.nextLink"].split("/v1.0", 1)[1]
    rest = call(fake, "GET", next_page).json()
    link = rest["@odata.deltaLink"].split("/v1.0", 1)[1]
    fake.add_user("c@contoso.com", "C")
    assert [u["displayName"] for u in call(fake, "GET", link).json()["value"]] == ["C"]
    loaded = FakeGraph.load(fake.dump())
    fake.reset()
    fake.add_user("d@contoso.com", "D")
    for tenant, url in ((loaded, link), (fake, link), (fake, next_page)):
        gone = call(tenant, "GET", url)
        assert gone.status_code == 410, gone.text
        assert gone.json()["error"]["code"] == "syncStateNotFound"
    fresh = call(fake, "GET", "/users/delta").json()  # a full round starts afresh
    assert [u["displayName"] for u in fresh["value"]] == ["D"]


def test_serve_binds_the_host_asked_and_links_follow_it() -> None:
    fake = FakeGraph()
    for n in range(3):
        fake.add_user(f"u{n}@contoso.com")
    with fake.serve(host="localhost") as base_url:
        assert base_url.startswith("http://localhost:")
        page = httpx.get(f"{base_url}/users?$top=2", headers={"Authorization": "Bearer x"})
    assert page.json()["@odata.nextLink"].startswith(base_url + "/users")


def _raw_get(port: int, host: str) -> bytes:
    """A ``GET /v1.0/users`` sent with ``Host: host`` as written; the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"GET /v1.0/users HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer x\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


@pytest.mark.parametrize("host", ["[::1", "a b", "x/y", "user@elsewhere.example", ""])
def test_a_malformed_host_header_is_a_400(host: str) -> None:
    # The Host names the links the fake writes; one that is not host[:port] must not
    # crash the handler (no answer at all) or become a link to somewhere else.
    with FakeGraph().serve() as base_url:
        port = int(base_url.rsplit(":", 1)[1].split("/")[0])
        assert _raw_get(port, host).startswith(b"HTTP/1.1 400 ")
        assert _raw_get(port, f"localhost:{port}").startswith(b"HTTP/1.1 200 ")


def test_a_malformed_content_length_is_a_400() -> None:
    with FakeGraph().serve() as base_url:
        port = int(base_url.rsplit(":", 1)[1].split("/")[0])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                f"POST /v1.0/users HTTP/1.1\r\nHost: localhost:{port}\r\n"
                "Content-Length: ten\r\n\r\n".encode()
            )
            assert sock.recv(65536).startswith(b"HTTP/1.1 400 ")


def test_the_documented_example_file_loads_as_described() -> None:
    page = Path(__file__).resolve().parents[2] / "docs" / "emulator.md"
    [example] = re.findall(r"^```json\n(.*?)^```", page.read_text(encoding="utf-8"), re.M | re.S)
    fake = FakeGraph.load(json.loads(example))
    assert call(fake, "GET", "/users/bob@contoso.com/manager").json()["id"] == "ada"
    [group] = call(fake, "GET", "/groups").json()["value"]
    members = call(fake, "GET", f"/groups/{group['id']}/members").json()["value"]
    assert [m["displayName"] for m in members] == ["Ada Lovelace", "Bob Babbage"]
    [invite] = fake.events("bob@contoso.com")
    assert invite["organizer"]["emailAddress"]["address"] == "ada@contoso.com"
    [booking] = fake.events("aurora@contoso.com")
    assert booking["responseStatus"]["response"] == "accepted"
