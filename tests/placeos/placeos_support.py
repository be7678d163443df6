"""Every seed command as a case: its JSON arguments and what its answer must be.

``CASES`` drives each route (sync and async methods, ``execute``, the command line) over
the same small FakeGraph tenant, so one table covers every command on every route.
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from graphlink.placeos._cli import DEMO_TEMPLATES
from graphlink.testing import SERVICE_ACCOUNT, FakeGraph

SVC = SERVICE_ACCOUNT
ADA = "ada@contoso.com"
GRACE = "grace@contoso.com"
ROOM = "room1@contoso.com"
START = datetime(2026, 3, 2, 9, tzinfo=UTC)
HOUR = timedelta(hours=1)

#: The seed document's commands and their parameters (``reply_to`` is the newest driver's).
SEED: dict[str, list[str]] = {
    "queue_size": [],
    "in_flight_size": [],
    "generate_svg_qrcode": ["text"],
    "generate_png_qrcode": ["text", "size"],
    "send_mail": [
        "to",
        "subject",
        "message_plaintext",
        "message_html",
        "resource_attachments",
        "attachments",
        "cc",
        "bcc",
        "from",
        "reply_to",
    ],
    "access_token": ["user_id"],
    "get_groups": ["user_id"],
    "get_members": ["group_id"],
    "list_users": ["query", "limit"],
    "get_user": ["user_id"],
    "list_calendars": ["user_id"],
    "get_user_manager": ["user_id"],
    "list_groups": ["query"],
    "get_group": ["group_id"],
    "list_events": [
        "calendar_id",
        "period_start",
        "period_end",
        "time_zone",
        "user_id",
        "include_cancelled",
    ],
    "delete_event": ["calendar_id", "event_id", "user_id", "notify", "comment"],
    "decline_event": ["calendar_id", "event_id", "user_id", "notify", "comment"],
    "create_event": [
        "title",
        "event_start",
        "event_end",
        "description",
        "attendees",
        "location",
        "timezone",
        "user_id",
        "calendar_id",
        "online_meeting_id",
        "online_meeting_provider",
        "online_meeting_url",
        "online_meeting_sip",
        "online_meeting_phones",
        "online_meeting_pin",
    ],
    "send_template": [
        "to",
        "template",
        "args",
        "resource_attachments",
        "attachments",
        "cc",
        "bcc",
        "from",
        "reply_to",
    ],
    "build_template": ["string", "args"],
}

#: The keys of an event in the seed's ``list_events`` example.
EVENT_KEYS = {
    "event_start",
    "event_end",
    "id",
    "host",
    "title",
    "body",
    "attendees",
    "location",
    "private",
    "all_day",
    "timezone",
    "recurring",
    "created",
    "updated",
    "attachments",
    "status",
    "creator",
    "ical_uid",
    "online_meeting_provider",
    "online_meeting_phones",
    "online_meeting_url",
}


def unix(when: datetime) -> int:
    return int(when.timestamp())


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def png_size(encoded: str) -> tuple[int, int]:
    """Width and height of a Base64 PNG (from its IHDR chunk)."""
    data = base64.b64decode(encoded, validate=True)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def build_fake() -> FakeGraph:
    """A small tenant: two people (one the other's manager), nested groups, a room, and
    two meetings: one the service account organises, one it is invited to."""
    fake = FakeGraph()
    grace = fake.add_user(GRACE, "Grace Hopper", job_title="Rear Admiral", department="Navy")
    ada = fake.add_user(ADA, "Ada Lovelace", manager=grace, job_title="Analyst", department="R&D")
    svc = fake.add_user(SVC, "graphlink service account")
    team = fake.add_group("Analysts", [ada, grace], mail="analysts@contoso.com", description="Sums")
    fake.add_group("Everyone", [team, svc], mail="everyone@contoso.com")
    fake.add_room("Room 1 (8)", ROOM, capacity=8)
    fake.add_event(SVC, "Planning", START, START + HOUR, attendees=[ADA, ROOM], location="Room 1")
    fake.add_event(ADA, "Review", START + 2 * HOUR, START + 3 * HOUR, attendees=[SVC])
    return fake


def client_options() -> dict[str, Any]:
    """The client the tests' drivers use: as the command line's ``--demo`` makes it."""
    return {"service_account": SVC, "email_templates": DEMO_TEMPLATES}


def event_id(fake: FakeGraph, mailbox: str, subject: str) -> str:
    return next(e["id"] for e in fake.events(mailbox) if e["subject"] == subject)


Check = Callable[[Any, FakeGraph], None]


@dataclass(frozen=True)
class Case:
    """One command: its JSON arguments (built on the fake) and the check of its answer."""

    command: str
    args: Callable[[FakeGraph], dict[str, Any]]
    check: Check

    def __str__(self) -> str:
        return self.command


def python_kwargs(args: dict[str, Any]) -> dict[str, Any]:
    """JSON arguments as the method's keywords (``from`` is ``from_``)."""
    return {("from_" if k == "from" else k): v for k, v in args.items()}


def _equals(expected: Any) -> Check:
    def check(result: Any, fake: FakeGraph) -> None:
        assert result == expected

    return check


def _svg(result: Any, fake: FakeGraph) -> None:
    assert result.startswith("<?xml")
    assert "<svg" in result
    assert result.rstrip().endswith("</svg>")


def _png(result: Any, fake: FakeGraph) -> None:
    assert png_size(result) == (100, 100)  # the seed: "Test" at size 100


def _mail(result: Any, fake: FakeGraph) -> None:
    assert result is True
    sent = fake.sent_mail[-1]
    assert (sent.sender, sent.subject, sent.to, sent.cc) == (SVC, "Hello", (ADA,), (GRACE,))
    assert sent.body_type.lower() == "html"
    inline, plain = sorted(sent.attachments, key=lambda a: a.name)[::-1]
    assert (inline.name, inline.content, inline.content_id) == ("qr.png", b"PNG!", "qr")
    assert inline.is_inline
    assert (plain.name, plain.content, plain.content_type) == ("notes.txt", b"hi", "text/plain")


def _template(result: Any, fake: FakeGraph) -> None:
    assert result is True
    sent = fake.sent_mail[-1]
    assert (sent.subject, sent.to) == ("Ada has arrived", (ADA,))
    assert "for your meeting at 9am" in sent.body


def _token(result: Any, fake: FakeGraph) -> None:
    assert result == {"token": "fake-token", "expires": None}  # a static token: unknown expiry


def _groups(result: Any, fake: FakeGraph) -> None:
    assert sorted(g["name"] for g in result) == ["Analysts", "Everyone"]  # nested included
    assert all(set(g) <= {"id", "name", "description"} and g["id"] for g in result)


def _members(result: Any, fake: FakeGraph) -> None:
    assert sorted(m["email"] for m in result) == [ADA, GRACE]
    assert all(set(m) == {"id", "name", "email", "username"} for m in result)


def _users(result: Any, fake: FakeGraph) -> None:
    assert [u["email"] for u in result] == [ADA]
    assert result[0]["name"] == "Ada Lovelace"
    assert result[0]["title"] == "Analyst"


def _user(result: Any, fake: FakeGraph) -> None:
    assert {k: result[k] for k in ("name", "email", "username")} == {
        "name": "Ada Lovelace",
        "email": ADA,
        "username": ADA,
    }


def _calendars(result: Any, fake: FakeGraph) -> None:
    assert len(result) == 1
    assert set(result[0]) == {"id", "ref", "summary", "primary", "can_edit"}
    assert result[0]["id"] == ADA
    assert result[0]["primary"] is True
    assert result[0]["ref"]


def _manager(result: Any, fake: FakeGraph) -> None:
    assert (result["name"], result["email"]) == ("Grace Hopper", GRACE)


def _group_list(result: Any, fake: FakeGraph) -> None:
    assert [g["name"] for g in result] == ["Analysts"]


def _group(result: Any, fake: FakeGraph) -> None:
    assert result == {"id": result["id"], "name": "Analysts", "description": "Sums"}


def _events(result: Any, fake: FakeGraph) -> None:
    planning = next(e for e in result if e["title"] == "Planning")
    assert set(planning) == EVENT_KEYS
    assert (planning["event_start"], planning["event_end"]) == (unix(START), unix(START + HOUR))
    assert planning["host"] == SVC
    assert planning["all_day"] is False
    attendees = {a["email"]: a for a in planning["attendees"]}
    assert attendees[ADA]["name"] == "Ada Lovelace"  # display names kept
    assert attendees[ROOM]["resource"] is True


def _deleted(result: Any, fake: FakeGraph) -> None:
    assert result is True
    assert [e["subject"] for e in fake.events(SVC)] == ["Review"]


def _declined(result: Any, fake: FakeGraph) -> None:
    assert result is True
    review = next(e for e in fake.events(ADA) if e["subject"] == "Review")
    responses = {a["emailAddress"]["address"]: a["status"]["response"] for a in review["attendees"]}
    assert responses[SVC] == "declined"


def _created(result: Any, fake: FakeGraph) -> None:
    assert set(result) == EVENT_KEYS
    assert result["title"] == "Offsite"
    assert result["all_day"] is True
    assert result["event_end"] - result["event_start"] == 24 * 3600  # a day long
    attendees = {a["email"]: a for a in result["attendees"]}
    assert attendees[ROOM] == {
        "name": "Room 1",
        "email": ROOM,
        "response_status": attendees[ROOM]["response_status"],
        "resource": True,
    }
    assert ADA in attendees
    assert not attendees[ADA]["resource"]
    assert [e["subject"] for e in fake.events(SVC)][-1] == "Offsite"


CASES = [
    Case("queue_size", lambda f: {}, _equals(0)),
    Case("in_flight_size", lambda f: {}, _equals(0)),
    Case("generate_svg_qrcode", lambda f: {"text": "Test"}, _svg),
    Case("generate_png_qrcode", lambda f: {"text": "Test", "size": 100}, _png),
    Case(
        "send_mail",
        lambda f: {
            "to": [ADA],
            "subject": "Hello",
            "message_html": '<p>Your code: <img src="cid:qr"></p>',
            "resource_attachments": [
                {"file_name": "qr.png", "content": b64(b"PNG!"), "content_id": "qr"}
            ],
            "attachments": [
                {"name": "notes.txt", "content_bytes": b64(b"hi"), "content_type": "text/plain"}
            ],
            "cc": GRACE,
            "from": SVC,
        },
        _mail,
    ),
    Case(
        "send_template",
        lambda f: {
            "to": ADA,
            "template": ["visitor", "checkin"],
            "args": {"name": "Ada", "time": "9am"},
        },
        _template,
    ),
    Case(
        "build_template",
        lambda f: {"string": "%{name} at %{n}", "args": {"name": "Ada", "n": 3}},
        _equals("Ada at 3"),
    ),
    Case("access_token", lambda f: {}, _token),
    Case("get_groups", lambda f: {"user_id": ADA}, _groups),
    Case("get_members", lambda f: {"group_id": "analysts@contoso.com"}, _members),
    Case("list_users", lambda f: {"query": "ada", "limit": 5}, _users),
    Case("get_user", lambda f: {"user_id": ADA}, _user),
    Case("list_calendars", lambda f: {"user_id": ADA}, _calendars),
    Case("get_user_manager", lambda f: {"user_id": ADA}, _manager),
    Case("list_groups", lambda f: {"query": "Ana"}, _group_list),
    Case("get_group", lambda f: {"group_id": "analysts@contoso.com"}, _group),
    Case(
        "list_events",
        lambda f: {
            "calendar_id": SVC,
            "period_start": unix(START - 24 * HOUR),
            "period_end": unix(START + 24 * HOUR),
            "time_zone": "UTC",
        },
        _events,
    ),
    Case(
        "delete_event",
        lambda f: {"calendar_id": SVC, "event_id": event_id(f, SVC, "Planning")},
        _deleted,
    ),
    Case(
        "decline_event",
        lambda f: {
            "calendar_id": SVC,
            "event_id": event_id(f, SVC, "Review"),
            "notify": True,
            "comment": "Away",
        },
        _declined,
    ),
    Case(
        "create_event",
        lambda f: {
            "title": "Offsite",
            "event_start": unix(START + 24 * HOUR),
            "attendees": [ADA, {"email": ROOM, "name": "Room 1", "resource": True}],
            "calendar_id": SVC,
            "timezone": "Europe/London",
        },
        _created,
    ),
]


def cli_argv(case: Case, fake: FakeGraph) -> list[str]:
    """The command line of a case: strings as they are, other values as JSON."""
    argv = [case.command]
    for key, value in case.args(fake).items():
        argv += [f"--{key}", value if isinstance(value, str) else json.dumps(value)]
    return [*argv, "--demo"]
