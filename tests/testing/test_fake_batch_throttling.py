"""Per-mailbox throttling of ``$batch`` items: each item is admitted on its own.

Outlook items beyond their mailbox's ``mailbox_concurrency`` (requests in flight counted)
get an item-level 429 with ``Retry-After`` and never run; dependents get 424; faults and
``mailbox_rate`` apply per item; latency is paid once per ``$batch``.
"""

from __future__ import annotations

import asyncio
import doctest
import time
from typing import Any

import httpx
import pytest
from fake_helpers import AUTH, ROOT, call

from graphlink.testing import FakeGraph, _limits

ROOMS = [f"room{i}@contoso.com" for i in range(5)]
JSON = {"Content-Type": "application/json"}
THROTTLED = {
    "error": {
        "code": "ApplicationThrottled",
        "message": "Application is over its MailboxConcurrency limit.",
    }
}


def _fake(**kw: Any) -> FakeGraph:
    fake = FakeGraph(**kw)
    for i, mail in enumerate(ROOMS):
        fake.add_room(f"Room {i}", mail)
    return fake


def _create(rid: str, mailbox: str, **extra: Any) -> dict[str, Any]:
    body = {
        "subject": f"booking {rid}",
        "start": {"dateTime": "2030-01-07T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2030-01-07T10:00:00", "timeZone": "UTC"},
    }
    return {
        "id": rid,
        "method": "POST",
        "url": f"/users/{mailbox}/events",
        "body": body,
        "headers": JSON,
        **extra,
    }


def _batch(fake: FakeGraph, requests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    response = call(fake, "POST", "/$batch", json={"requests": requests})
    assert response.status_code == 200
    return {item["id"]: item for item in response.json()["responses"]}


def _subjects(fake: FakeGraph, mailbox: str) -> set[str]:
    return {e["subject"] for e in fake.events(mailbox)}


def test_items_over_the_mailbox_limit_get_429_and_are_not_created() -> None:
    fake = _fake(mailbox_concurrency=4)
    items = _batch(fake, [_create(str(i), ROOMS[0]) for i in range(6)])
    assert {i: item["status"] for i, item in items.items()} == {
        "0": 201,
        "1": 201,
        "2": 201,
        "3": 201,
        "4": 429,
        "5": 429,
    }
    for rid in ("4", "5"):
        assert items[rid]["headers"]["Retry-After"] == "1"
        assert items[rid]["body"] == THROTTLED
    assert _subjects(fake, ROOMS[0]) == {f"booking {i}" for i in range(4)}
    assert fake.throttled == 2
    assert fake.peak_in_flight[next(iter(fake.peak_in_flight))] == 4


def test_items_across_mailboxes_and_non_outlook_items_are_not_throttled() -> None:
    fake = _fake(mailbox_concurrency=4)
    fake.add_user("ada@contoso.com", "Ada")
    requests = [_create(f"{m}-{i}", room) for m, room in enumerate(ROOMS[:4]) for i in range(4)]
    requests += [
        {"id": f"u{i}", "method": "GET", "url": "/users/ada@contoso.com"} for i in range(4)
    ]
    items = _batch(fake, requests)
    assert len(items) == 20
    assert {item["status"] for item in items.values()} == {200, 201}
    for room in ROOMS[:4]:
        assert len(fake.events(room)) == 4
    assert fake.throttled == 0


def test_a_dependent_of_a_throttled_item_gets_424_and_does_not_run() -> None:
    fake = _fake(mailbox_concurrency=4)
    requests = [_create(str(i), ROOMS[0]) for i in range(5)]
    requests.append(_create("after", ROOMS[1], dependsOn=["4"]))
    items = _batch(fake, requests)
    assert items["4"]["status"] == 429
    assert items["after"]["status"] == 424
    assert items["after"]["body"]["error"]["code"] == "FailedDependency"
    assert fake.events(ROOMS[1]) == []
    assert len(fake.events(ROOMS[0])) == 4


def test_a_depends_on_chain_runs_one_at_a_time_and_is_not_throttled() -> None:
    fake = _fake(mailbox_concurrency=4)
    requests = [_create("0", ROOMS[0])]
    requests += [_create(str(i), ROOMS[0], dependsOn=[str(i - 1)]) for i in range(1, 8)]
    items = _batch(fake, requests)
    assert {item["status"] for item in items.values()} == {201}
    assert len(fake.events(ROOMS[0])) == 8


def test_no_limit_no_item_throttling() -> None:
    fake = _fake(mailbox_concurrency=None)
    items = _batch(fake, [_create(str(i), ROOMS[0]) for i in range(10)])
    assert {item["status"] for item in items.values()} == {201}


def test_a_fail_next_429_on_an_item_has_retry_after_and_no_side_effect() -> None:
    fake = _fake()
    fake.fail_next(429, retry_after=1, path=f"/users/{ROOMS[1]}/events")
    items = _batch(fake, [_create("a", ROOMS[0]), _create("b", ROOMS[1])])
    assert items["a"]["status"] == 201
    assert items["b"]["status"] == 429
    assert items["b"]["headers"]["Retry-After"] == "1"
    assert items["b"]["body"]["error"]["code"] == "TooManyRequests"
    assert fake.events(ROOMS[1]) == []
    assert fake.throttled == 1
    again = _batch(fake, [_create("b", ROOMS[1])])  # a fault hits once
    assert again["b"]["status"] == 201


def test_mailbox_rate_applies_to_each_item() -> None:
    fake = _fake(mailbox_rate=(3, 60.0))
    items = _batch(fake, [_create(str(i), ROOMS[0]) for i in range(4)])
    assert sorted(item["status"] for item in items.values()) == [201, 201, 201, 429]
    refused = next(item for item in items.values() if item["status"] == 429)
    assert refused["body"]["error"]["code"] == "ApplicationThrottled"
    assert float(refused["headers"]["Retry-After"]) > 0
    assert len(fake.events(ROOMS[0])) == 3
    assert call(fake, "GET", f"/users/{ROOMS[0]}/calendars").status_code == 429
    assert fake.throttled == 2  # the item and the whole request


async def test_requests_in_flight_count_against_the_batch_and_the_batch_holds_slots() -> None:
    fake = _fake(latency=0.2)
    async with httpx.AsyncClient(
        transport=fake.async_transport(), base_url=ROOT, headers=AUTH
    ) as client:
        # Two slow single requests to room 0 in flight: only 2 of the batch's 4 fit.
        singles = [
            asyncio.ensure_future(client.get(f"/users/{ROOMS[0]}/calendars")) for _ in range(2)
        ]
        await asyncio.sleep(0.05)
        batch = [_create(str(i), ROOMS[0]) for i in range(4)]
        response = await client.post("/$batch", json={"requests": batch})
        assert [r.status_code for r in await asyncio.gather(*singles)] == [200, 200]
        statuses = sorted(item["status"] for item in response.json()["responses"])
        assert statuses == [201, 201, 429, 429]
        # A batch in flight holds its items' slots: a single request meanwhile is refused.
        pending = asyncio.ensure_future(client.post("/$batch", json={"requests": batch}))
        await asyncio.sleep(0.05)
        refused = await client.get(f"/users/{ROOMS[0]}/calendars")
        assert refused.status_code == 429
        held = (await pending).json()["responses"]
        assert {item["status"] for item in held} == {201}
    assert len(fake.events(ROOMS[0])) == 6
    assert max(fake.peak_in_flight.values()) == 4
    assert fake.throttled == 3
    # Every slot was given back.
    assert {item["status"] for item in _batch(fake, batch).values()} == {201}


def test_latency_is_paid_once_per_batch() -> None:
    fake = _fake(latency=0.1)
    requests = [_create(f"{m}-{i}", room) for m, room in enumerate(ROOMS) for i in range(4)]
    started = time.perf_counter()
    items = _batch(fake, requests)
    elapsed = time.perf_counter() - started
    assert {item["status"] for item in items.values()} == {201}
    assert 0.1 <= elapsed < 0.5  # one latency, not twenty


def test_over_a_socket_and_through_handle() -> None:
    fake = _fake()
    batch = {"requests": [_create(str(i), ROOMS[0]) for i in range(6)]}
    with fake.serve() as root, httpx.Client(base_url=root, headers=AUTH) as client:
        served = client.post("/$batch", json=batch).json()["responses"]
    assert sorted(item["status"] for item in served) == [201] * 4 + [429] * 2
    request = httpx.Request("POST", f"{ROOT}/$batch", json=batch, headers=AUTH)
    direct = fake.handle(request).json()["responses"]
    assert sorted(item["status"] for item in direct) == [201] * 4 + [429] * 2
    assert len(fake.events(ROOMS[0])) == 8
    assert fake.throttled == 4


@pytest.mark.parametrize("module", [_limits])
def test_doctests(module: Any) -> None:
    assert doctest.testmod(module).failed == 0
