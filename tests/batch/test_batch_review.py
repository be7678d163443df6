"""Cases an outside review of batching found: contention, interruptions, failed
dependencies, each request's own Retry-After, the deadline."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from batch_support import END, START, SVC, error_body, in_batch, outcome, plausible, room, serve

from graphlink import errors
from graphlink.retry import RetryPolicy
from graphlink.testing import FakeGraph


def test_batches_and_single_requests_share_mailboxes_without_stalling() -> None:
    """Real clock, real concurrency: create_many beside single creates on the same rooms."""
    fake = FakeGraph(latency=0.002, mailbox_concurrency=4)
    fake.add_user(mail=SVC, display_name="Svc")
    for n in range(10):
        fake.add_room(f"Room {n}", room(n))

    async def main() -> tuple[list[Any], list[Any]]:
        async with fake.async_client(service_account=SVC) as client:
            bookings = [
                {
                    "title": f"B{i}",
                    "event_start": START + timedelta(hours=i),
                    "event_end": START + timedelta(hours=i, minutes=30),
                    "calendar_id": room(i % 10),
                }
                for i in range(200)
            ]
            singles = [
                client.events.create(
                    f"S{i}",
                    START + timedelta(days=30, hours=i),
                    START + timedelta(days=30, hours=i, minutes=30),
                    calendar_id=room(i % 10),
                )
                for i in range(60)
            ]
            many = client.events.create_many(bookings)
            done = await asyncio.wait_for(
                asyncio.gather(many, *singles, return_exceptions=True), timeout=60
            )
            return done[0], done[1:]

    batched, single = asyncio.run(main())
    assert not [r for r in batched if isinstance(r, Exception)]
    assert not [r for r in single if isinstance(r, Exception)]
    assert sum(len(fake.events(room(n))) for n in range(10)) == 260


class Boom(RuntimeError):
    pass


def test_an_interrupted_send_settles_every_handle(harness) -> None:
    calls = {"n": 0}

    def answer(entry: dict[str, Any], attempt: int) -> Any:
        return plausible(entry, attempt)

    h = serve(harness, answer)
    real = h.client._transport.send

    def failing_send(spec: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise Boom("the store went away")
        return real(spec)

    async def afailing_send(spec: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise Boom("the store went away")
        return await real(spec)

    h.client._transport.send = failing_send if h.mode == "sync" else afailing_send
    handles: list[Any] = []
    with pytest.raises(Boom):
        in_batch(h, lambda b: handles.extend(b.request("GET", f"/x/{i}") for i in range(45)))
    assert all(handle.done() for handle in handles)
    failed = [outcome(h_) for h_ in handles if isinstance(outcome(h_), errors.BatchError)]
    assert failed, "the requests of the interrupted calls carry the interruption"
    assert "may have run" in str(failed[0])


def test_a_dependent_of_a_failed_request_never_runs(harness) -> None:
    def answer(entry: dict[str, Any], attempt: int) -> Any:
        if entry["url"].startswith("/throttled"):
            return (
                (429, error_body("TooManyRequests"), {"Retry-After": "1"})
                if attempt == 0
                else plausible(entry, attempt)
            )
        if entry["url"].startswith("/broken"):
            return 400, error_body("BadRequest"), {}
        return plausible(entry, attempt)

    h = serve(harness, answer)

    def fill(batch: Any) -> Any:
        a = batch.request("GET", "/throttled")
        c = batch.request("GET", "/broken")
        return batch.request("GET", "/dependent", depends_on=[a, c])

    dependent = in_batch(h, fill)
    error = outcome(dependent)
    assert isinstance(error, errors.GraphAPIError)
    assert error.status_code == 424
    assert sum(e["url"] == "/dependent" for e in h.server.items()) == 1  # never sent again


def test_each_request_goes_again_after_its_own_retry_after(harness) -> None:
    waits = {room(0): "2", room(1): "30"}

    def answer(entry: dict[str, Any], attempt: int) -> Any:
        for mailbox, wait in waits.items():
            if f"/users/{mailbox}/" in unquote(entry["url"]) and attempt == 0:
                return 429, error_body("TooManyRequests"), {"Retry-After": wait}
        return plausible(entry, attempt)

    h = serve(harness, answer)
    in_batch(
        h,
        lambda b: [b.events.create("x", START, END, calendar_id=room(n)) for n in range(3)],
    )
    sent_at: dict[str, list[float]] = {}
    for time, call in zip(h.server.times, h.server.calls, strict=True):
        for entry in call:
            sent_at.setdefault(unquote(entry["url"]).split("/")[2], []).append(time)
    start = h.server.times[0]
    assert sent_at[room(0)][1] - start == pytest.approx(2)
    assert sent_at[room(1)][1] - start == pytest.approx(30)
    assert len(sent_at[room(2)]) == 1


def test_the_deadline_bounds_the_retries_of_a_batch(harness) -> None:
    def answer(entry: dict[str, Any], attempt: int) -> Any:
        return 429, error_body("TooManyRequests"), {"Retry-After": "20"}

    h = serve(harness, answer, retry=RetryPolicy(deadline=30))
    handle = in_batch(h, lambda b: b.request("GET", "/x"))
    error = outcome(handle)
    assert isinstance(error, errors.RateLimitError)
    assert h.clock.now - h.server.times[0] <= 30
