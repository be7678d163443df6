"""FakeGraph's faults on the wire: a truncated answer, a 204 with a body, an HTTP-date
``Retry-After``, and what each does inside a ``$batch``."""

from __future__ import annotations

import httpx
import pytest
from fake_helpers import AUTH, call

from graphlink.testing import FakeGraph

EVENTS = "/users/org@contoso.com/events"
SENDMAIL = "/users/org@contoso.com/sendMail"
BODY = {
    "subject": "Cut short",
    "start": {"dateTime": "2030-01-07T09:00:00", "timeZone": "UTC"},
    "end": {"dateTime": "2030-01-07T10:00:00", "timeZone": "UTC"},
}
MAIL = {"message": {"subject": "Hi", "toRecipients": [{"emailAddress": {"address": "b@x.com"}}]}}


@pytest.fixture
def fake() -> FakeGraph:
    fake = FakeGraph()
    fake.add_user("org@contoso.com")
    return fake


def test_a_truncated_answer_after_acting_stops_half_way(fake: FakeGraph) -> None:
    fake.fail_next(fault="truncated", acted=True, method="POST", path="*/events")
    with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
        call(fake, "POST", EVENTS, json=BODY)
    assert len(fake.events("org@contoso.com")) == 1  # created: only its JSON was lost
    assert [r.status for r in fake.requests] == [201]  # the status line went out


def test_a_truncated_answer_without_a_body_is_cut_before_its_status_line(
    fake: FakeGraph,
) -> None:
    fake.fail_next(fault="truncated", acted=True, path="/sendMail")
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        call(fake, "POST", SENDMAIL, json=MAIL)
    assert len(fake.sent_mail) == 1
    assert [r.status for r in fake.requests] == [None]


def test_a_truncated_error_body_without_acting(fake: FakeGraph) -> None:
    fake.fail_next(503, fault="truncated", path="/sendMail")
    response = fake.handle(
        httpx.Request(
            "POST", f"https://graph.microsoft.com/v1.0{SENDMAIL}", json=MAIL, headers=AUTH
        )
    )
    assert response.status_code == 503
    with pytest.raises(httpx.RemoteProtocolError):
        response.read()
    assert fake.sent_mail == []


def test_a_204_with_a_body_reads_as_an_empty_204_both_ways(fake: FakeGraph) -> None:
    fake.fail_next(fault="204_with_body")
    in_process = call(fake, "GET", "/users")
    assert (in_process.status_code, in_process.content) == (204, b"")
    assert int(in_process.headers["Content-Length"]) > 0  # what the server claimed
    with fake.serve() as base_url, httpx.Client(headers=AUTH) as client:
        fake.fail_next(fault="204_with_body")
        served = client.get(base_url + "/users")
        assert (served.status_code, served.content) == (204, b"")
        # The stray bytes were not left on the connection for the next answer to trip on.
        assert client.get(base_url + "/users").status_code == 200


def test_retry_after_as_a_date_is_sent_as_given(fake: FakeGraph) -> None:
    date = "Wed, 21 Oct 2026 07:28:00 GMT"
    fake.fail_next(429, retry_after=date)
    assert call(fake, "GET", "/users").headers["Retry-After"] == date
    fake.fail_next(429, retry_after=0.01)
    assert call(fake, "GET", "/users").headers["Retry-After"] == "0.01"


@pytest.mark.parametrize("kind", ["reset", "timeout", "truncated"])
def test_inside_a_batch_a_lost_answer_is_the_items_504(fake: FakeGraph, kind: str) -> None:
    fake.fail_next(fault=kind, acted=True, path="*/sendMail")  # type: ignore[arg-type]
    item = {
        "id": "1",
        "method": "POST",
        "url": SENDMAIL,
        "body": MAIL,
        "headers": {"Content-Type": "application/json"},
    }
    answer = call(fake, "POST", "/$batch", json={"requests": [item]})
    assert answer.status_code == 200
    assert answer.json()["responses"][0]["status"] == 504
    assert len(fake.sent_mail) == 1
