"""Plain ``requests`` against FakeGraph, following the Graph docs' REST examples.

A second client no one here wrote: the requests are those of the Graph reference pages
(list users, follow ``@odata.nextLink``, create an event, calendarView, sendMail,
getSchedule, ``$batch``, ``$count``), and throttling is absorbed by urllib3's ``Retry``,
as a ``requests`` user would configure it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from graphlink.testing import FakeGraph

ADELE = "adelev@contoso.com"
ALEX = "alexw@contoso.com"
PACIFIC = 'outlook.timezone="Pacific Standard Time"'


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A session sending a bearer token, retrying 429s after their Retry-After."""
    session = requests.Session()
    session.headers["Authorization"] = "Bearer interop-token"
    retry = Retry(
        total=3,
        status_forcelist=[429, 503],
        allowed_methods=None,  # every method: a 429 means the request was not run
        respect_retry_after_header=True,
    )
    session.mount("http://", HTTPAdapter(max_retries=retry))
    with session:
        yield session


def _ok(response: requests.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def test_list_users_following_next_link(base_url: str, http: requests.Session) -> None:
    url: str | None = f"{base_url}/users?$top=5&$select=displayName,mail"
    names: list[str] = []
    pages = 0
    while url:
        page = _ok(http.get(url))
        names += [u["displayName"] for u in page["value"]]
        url = page.get("@odata.nextLink")
        pages += 1
    assert len(names) == len(set(names)) > 30
    assert pages == -(-len(names) // 5)


def test_count_users(base_url: str, http: requests.Session) -> None:
    # GET /users/$count with ConsistencyLevel: eventual answers a bare number (text/plain).
    answer = http.get(f"{base_url}/users/$count", headers={"ConsistencyLevel": "eventual"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("text/plain")
    total = int(answer.text)
    page = _ok(
        http.get(
            f"{base_url}/users?$count=true&$top=1",
            headers={"ConsistencyLevel": "eventual"},
        )
    )
    assert page["@odata.count"] == total > 30


def test_create_event_then_calendar_view(
    base_url: str, http: requests.Session, fake: FakeGraph
) -> None:
    # The docs' "create an event" example: times and Prefer in Pacific time, a transactionId.
    event = {
        "subject": "Let's go for lunch",
        "body": {"contentType": "HTML", "content": "Does noon work for you?"},
        "start": {"dateTime": "2030-04-15T12:00:00", "timeZone": "Pacific Standard Time"},
        "end": {"dateTime": "2030-04-15T14:00:00", "timeZone": "Pacific Standard Time"},
        "location": {"displayName": "Harry's Bar"},
        "attendees": [
            {"emailAddress": {"address": ALEX, "name": "Alex Wilber"}, "type": "required"}
        ],
        "allowNewTimeProposals": True,
        "transactionId": "7E163156-7762-4BEB-A1C6-729EA81755A7",
    }
    url = f"{base_url}/users/{ADELE}/events"
    created = _ok(http.post(url, json=event, headers={"Prefer": PACIFIC}), 201)
    assert created["start"] == {
        "dateTime": "2030-04-15T12:00:00.0000000",
        "timeZone": "Pacific Standard Time",
    }
    again = _ok(http.post(url, json=event, headers={"Prefer": PACIFIC}), 201)
    assert again["id"] == created["id"]
    assert [e["subject"] for e in fake.events(ADELE)].count("Let's go for lunch") == 1

    view = _ok(
        http.get(
            f"{base_url}/users/{ADELE}/calendarView",
            params={
                "startDateTime": "2030-04-15T00:00:00-08:00",
                "endDateTime": "2030-04-16T00:00:00-08:00",
                "$select": "subject,start,end",
            },
        )
    )
    assert [(e["subject"], e["start"]["dateTime"]) for e in view["value"]] == [
        ("Let's go for lunch", "2030-04-15T19:00:00.0000000")  # UTC (PDT + 7 h), no Prefer
    ]


def test_events_page_size_by_prefer(base_url: str, http: requests.Session) -> None:
    # Outlook resources page by Prefer: odata.maxpagesize (the docs' recommended way).
    page = _ok(
        http.get(
            f"{base_url}/users/{ADELE}/events",
            headers={"Prefer": "odata.maxpagesize=2"},
        )
    )
    assert len(page["value"]) == 2
    assert "@odata.nextLink" in page


def test_send_mail(base_url: str, http: requests.Session, fake: FakeGraph) -> None:
    # The docs' sendMail example, saveToSentItems as the string it shows.
    mail = {
        "message": {
            "subject": "Meet for lunch?",
            "body": {"contentType": "Text", "content": "The new cafeteria is open."},
            "toRecipients": [{"emailAddress": {"address": ALEX}}],
        },
        "saveToSentItems": "false",
    }
    answer = http.post(f"{base_url}/users/{ADELE}/sendMail", json=mail)
    assert answer.status_code == 202, answer.text
    assert answer.content == b""
    assert [m.subject for m in fake.sent_mail] == ["Meet for lunch?"]


def test_get_schedule(base_url: str, http: requests.Session) -> None:
    # The docs' example: PascalCase "Schedules", Pacific times and Prefer.
    created = {
        "subject": "Busy",
        "start": {"dateTime": "2030-03-15T10:00:00", "timeZone": "Pacific Standard Time"},
        "end": {"dateTime": "2030-03-15T11:00:00", "timeZone": "Pacific Standard Time"},
    }
    _ok(http.post(f"{base_url}/users/{ADELE}/events", json=created), 201)
    body = {
        "Schedules": [ADELE, ALEX],
        "StartTime": {"dateTime": "2030-03-15T09:00:00", "timeZone": "Pacific Standard Time"},
        "EndTime": {"dateTime": "2030-03-15T13:00:00", "timeZone": "Pacific Standard Time"},
        "availabilityViewInterval": "60",
    }
    answer = _ok(
        http.post(
            f"{base_url}/users/{ADELE}/calendar/getSchedule",
            json=body,
            headers={"Prefer": PACIFIC},
        )
    )
    views = {s["scheduleId"]: s["availabilityView"] for s in answer["value"]}
    assert views == {ADELE: "0200", ALEX: "0000"}


def test_batch(base_url: str, http: requests.Session) -> None:
    # The docs' shape: relative urls, dependsOn, a body with its Content-Type.
    batch = {
        "requests": [
            {"id": "1", "method": "GET", "url": f"/users/{ADELE}?$select=displayName"},
            {
                "id": "2",
                "method": "POST",
                "url": f"/users/{ADELE}/events",
                "dependsOn": ["1"],
                "headers": {"Content-Type": "application/json"},
                "body": {
                    "subject": "Batched",
                    "start": {"dateTime": "2030-01-08T10:00:00", "timeZone": "UTC"},
                    "end": {"dateTime": "2030-01-08T11:00:00", "timeZone": "UTC"},
                },
            },
            {"id": "3", "method": "GET", "url": "/users/nobody@contoso.com"},
        ]
    }
    answer = _ok(http.post(f"{base_url}/$batch", json=batch))
    items = {r["id"]: r for r in answer["responses"]}
    assert {rid: r["status"] for rid, r in items.items()} == {"1": 200, "2": 201, "3": 404}
    assert items["1"]["body"]["displayName"] == "Adele Vance"
    assert items["2"]["body"]["subject"] == "Batched"
    assert items["3"]["body"]["error"]["code"] == "Request_ResourceNotFound"


def test_retry_after_429(base_url: str, http: requests.Session, fake: FakeGraph) -> None:
    fake.fail_next(429, retry_after=1, path="/users/" + ALEX)
    user = _ok(http.get(f"{base_url}/users/{ALEX}"))
    assert user["displayName"] == "Alex Wilber"
    assert [r.status for r in fake.requests if r.path == "/users/" + ALEX] == [429, 200]


def test_error_body(base_url: str, http: requests.Session) -> None:
    answer = http.get(f"{base_url}/users/nobody@contoso.com")
    assert answer.status_code == 404
    error = answer.json()["error"]
    assert error["code"] == "Request_ResourceNotFound"
    assert error["innerError"]["request-id"] == answer.headers["request-id"]


def test_large_attachment_upload_session(
    base_url: str, http: requests.Session, fake: FakeGraph
) -> None:
    # The docs' "attach large files" flow: a draft, createUploadSession, then PUT the byte
    # ranges to the upload URL with no Authorization header (the URL carries its own).
    draft = _ok(http.post(f"{base_url}/users/{ADELE}/messages", json={"subject": "Big"}), 201)
    data = bytes(range(256)) * 1024  # 256 KiB, sent in two ranges
    session = _ok(
        http.post(
            f"{base_url}/users/{ADELE}/messages/{draft['id']}/attachments/createUploadSession",
            json={"AttachmentItem": {"attachmentType": "file", "name": "big.bin", "size": 262144}},
        ),
        201,
    )
    half = len(data) // 2
    answers = [
        requests.put(
            session["uploadUrl"],
            data=data[first : last + 1],
            headers={"Content-Range": f"bytes {first}-{last}/{len(data)}"},
            timeout=10,
        )
        for first, last in [(0, half - 1), (half, len(data) - 1)]
    ]
    assert [a.status_code for a in answers] == [200, 201]
    assert "/attachments('" in answers[1].headers["Location"]
    listed = _ok(http.get(f"{base_url}/users/{ADELE}/messages/{draft['id']}/attachments"))
    assert [(a["name"], a["size"]) for a in listed["value"]] == [("big.bin", len(data))]
