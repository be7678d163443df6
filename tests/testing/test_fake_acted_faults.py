"""Faults after the server acted (``fail_next(..., acted=True)``): the request is served, its
side effects happen, and the client sees a timeout, a dropped connection or an error status."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fake_helpers import AUTH, ROOT, call

from graphlink.errors import TimeoutError as GraphTimeoutError
from graphlink.testing import FakeGraph

EVENTS = "/users/org@contoso.com/events"
BODY = {
    "subject": "Once only",
    "start": {"dateTime": "2030-01-07T09:00:00", "timeZone": "UTC"},
    "end": {"dateTime": "2030-01-07T10:00:00", "timeZone": "UTC"},
    "transactionId": "a1b2c3d4-0000-4000-8000-000000000001",
}


@pytest.fixture
def fake() -> FakeGraph:
    fake = FakeGraph()
    fake.add_user("org@contoso.com")
    return fake


def test_timeout_after_creating_then_the_retry_returns_the_same_event(fake: FakeGraph) -> None:
    fake.fail_next(fault="timeout", acted=True, method="POST", path="*/events")
    with pytest.raises(httpx.ReadTimeout):
        call(fake, "POST", EVENTS, json=BODY)
    assert len(fake.events("org@contoso.com")) == 1  # the server created it
    retry = call(fake, "POST", EVENTS, json=BODY)
    assert retry.status_code == 201
    assert retry.json()["id"] == fake.events("org@contoso.com")[0]["id"]
    assert len(fake.events("org@contoso.com")) == 1
    assert [r.status for r in fake.requests] == [None, 201]


def test_through_graphlink_the_timeout_is_a_timeout_error(fake: FakeGraph) -> None:
    fake.fail_next(fault="timeout", acted=True, method="POST")
    with fake.client() as client:
        with pytest.raises(GraphTimeoutError):
            client.request("POST", EVENTS, json=BODY)  # a POST is not retried by default
        again = client.request("POST", EVENTS, json=BODY)
    assert again["id"] == fake.events("org@contoso.com")[0]["id"]
    assert len(fake.events("org@contoso.com")) == 1


def test_a_reset_is_a_read_error_whether_or_not_the_server_acted(fake: FakeGraph) -> None:
    fake.fail_next(fault="reset", acted=True, method="POST")
    with pytest.raises(httpx.ReadError):  # the request was sent: never a ConnectError
        call(fake, "POST", EVENTS, json=BODY)
    assert len(fake.events("org@contoso.com")) == 1
    fake.fail_next(fault="reset", method="POST")  # dropped unread: the client cannot tell
    with pytest.raises(httpx.ReadError):
        call(fake, "POST", EVENTS, json={**BODY, "transactionId": "other"})
    assert len(fake.events("org@contoso.com")) == 1


def test_a_status_after_acting_replaces_the_answer(fake: FakeGraph) -> None:
    fake.add_user("bob@contoso.com")
    fake.fail_next(504, acted=True, path="/sendMail")
    message = {
        "message": {"subject": "Hi", "toRecipients": [{"emailAddress": {"address": "b@x.com"}}]}
    }
    response = call(fake, "POST", "/users/bob@contoso.com/sendMail", json=message)
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "GatewayTimeout"
    assert [m.subject for m in fake.sent_mail] == ["Hi"]  # it was sent all the same
    fake.fail_next(504, path="/sendMail")
    assert call(fake, "POST", "/users/bob@contoso.com/sendMail", json=message).status_code == 504
    assert len(fake.sent_mail) == 1  # without acted, nothing happens


def test_an_acted_fault_inside_a_batch(fake: FakeGraph) -> None:
    fake.fail_next(fault="timeout", acted=True, path="*/events")
    batch = {
        "requests": [
            {
                "id": "1",
                "method": "POST",
                "url": EVENTS,
                "body": BODY,
                "headers": {"Content-Type": "application/json"},
            }
        ]
    }
    item = call(fake, "POST", "/$batch", json=batch).json()["responses"][0]
    assert item["status"] == 504
    assert len(fake.events("org@contoso.com")) == 1


async def test_async_transport_acted_timeout(fake: FakeGraph) -> None:
    fake.fail_next(fault="timeout", acted=True, method="POST")
    async with httpx.AsyncClient(
        transport=fake.async_transport(), base_url=ROOT, headers=AUTH
    ) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(EVENTS, json=BODY)
    assert len(fake.events("org@contoso.com")) == 1


@pytest.mark.parametrize(
    ("kind", "raised"),
    [("timeout", httpx.ReadTimeout), ("reset", httpx.ReadError)],
)
def test_over_the_socket_the_server_acts_then_stalls_or_drops(
    fake: FakeGraph, kind: Any, raised: Any
) -> None:
    fake.stall_seconds = 5.0
    with fake.serve() as base_url:
        fake.fail_next(fault=kind, acted=True, method="POST")
        with httpx.Client(headers=AUTH, timeout=0.5) as client:
            with pytest.raises(raised):
                client.post(base_url + EVENTS, json=BODY)
            assert len(fake.events("org@contoso.com")) == 1
            retry = client.post(base_url + EVENTS, json=BODY)
        assert retry.status_code == 201
    assert len(fake.events("org@contoso.com")) == 1


def test_over_the_socket_a_status_after_acting(fake: FakeGraph) -> None:
    with fake.serve() as base_url:
        fake.fail_next(504, acted=True, method="POST")
        with httpx.Client(headers=AUTH) as client:
            response = client.post(base_url + EVENTS, json=BODY)
    assert response.status_code == 504
    assert len(fake.events("org@contoso.com")) == 1
