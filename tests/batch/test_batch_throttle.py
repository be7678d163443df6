"""Throttling inside a batch: items answered 429 (or 503 with Retry-After) are sent again
in a later call after their own Retry-After, alone with what depends on them; what
succeeded is never sent again; creates keep their transactionId; retries are bounded by
the RetryPolicy; the limiter counts each item against its own mailbox."""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import unquote

import pytest
from batch_support import (
    END,
    START,
    error_body,
    in_batch,
    office,
    outcome,
    plausible,
    room,
    serve,
)

from graphlink import errors
from graphlink._core import parse
from graphlink._core.request import Operation, RequestSpec
from graphlink.resources import _batch
from graphlink.retry import RetryPolicy

THROTTLED = error_body("ApplicationThrottled", "Application is over its MailboxConcurrency limit.")


def throttle(urls: dict[str, list[tuple[int, str | None]]]):
    """An answerer: the item whose URL ends with a key gets the listed (status,
    Retry-After) on its successive attempts, then a plausible success."""

    def answer(entry: dict[str, Any], attempt: int) -> tuple[int, Any, dict[str, str]]:
        path = unquote(entry["url"].split("?", 1)[0])
        for suffix, script in urls.items():
            if path.endswith(suffix) and attempt < len(script):
                status, wait = script[attempt]
                headers = {"Retry-After": wait} if wait is not None else {}
                return (
                    status,
                    THROTTLED if status == 429 else error_body("serviceNotAvailable"),
                    headers,
                )
        return plausible(entry, attempt)

    return answer


def creates(batch, rooms: range) -> list[Any]:
    return [batch.events.create(f"m{n}", START, END, calendar_id=room(n)) for n in rooms]


def test_a_throttled_item_is_sent_again_alone_after_its_retry_after(harness) -> None:
    h = serve(harness, throttle({f"/users/{room(2)}/calendar/events": [(429, "7")]}))

    handles = in_batch(h, lambda b: creates(b, range(5)))

    first, second = h.server.calls
    assert len(first) == 5
    assert [e["id"] for e in second] == [handles[2].id]  # alone
    assert h.server.times[1] - h.server.times[0] >= 7  # waited its own Retry-After
    assert sum(h.clock.sleeps) >= 7
    assert [x.result().subject for x in handles] == [f"m{n}" for n in range(5)]
    sent = Counter(e["id"] for e in h.server.items())
    assert sent[handles[2].id] == 2
    assert all(sent[x.id] == 1 for x in handles if x is not handles[2])  # never re-sent


def test_a_create_keeps_its_transaction_id_when_sent_again(harness) -> None:
    h = serve(harness, throttle({"/calendar/events": [(429, "1"), (429, "2")]}))

    (handle,) = in_batch(h, lambda b: creates(b, range(1)))

    bodies = [e["body"] for e in h.server.items()]
    assert len(bodies) == 3
    assert bodies[0]["transactionId"]
    assert bodies[0] == bodies[1] == bodies[2]  # the same request, transactionId included
    assert handle.result().subject == "m0"


def test_the_dependents_of_a_throttled_item_go_again_with_it(harness) -> None:
    h = serve(harness, throttle({f"/users/{room(1)}/calendar/events": [(429, "3")]}))

    def fill(batch):
        free = batch.events.create("free", START, END, calendar_id=room(0))
        busy = batch.events.create("busy", START, END, calendar_id=room(1))
        after = batch.events.create("after", START, END, calendar_id=room(2), depends_on=busy)
        last = batch.request("GET", "/organization/x", depends_on=after)
        other = batch.users.get("u-1")
        return free, busy, after, last, other

    free, busy, after, last, other = in_batch(h, fill)

    first, second = h.server.calls
    assert len(first) == 5
    assert [e["id"] for e in second] == [busy.id, after.id, last.id]
    assert second[1]["dependsOn"] == [busy.id]
    assert second[2]["dependsOn"] == [after.id]
    assert h.server.times[1] - h.server.times[0] >= 3
    assert busy.result().subject == "busy"
    assert after.result().subject == "after"
    assert last.result()["echo"] == "/organization/x"
    assert free.result().subject == "free"
    assert other.done()
    sent = Counter(e["id"] for e in h.server.items())
    assert sent == Counter({free.id: 1, other.id: 1, busy.id: 2, after.id: 2, last.id: 2})


def test_a_throttled_link_in_the_middle_of_a_chain_is_retried_without_its_done_dependency(
    harness,
) -> None:
    h = serve(harness, throttle({f"/users/{room(1)}/calendar/events": [(429, "2")]}))

    def fill(batch):
        a = batch.events.create("a", START, END, calendar_id=room(0))
        b = batch.events.create("b", START, END, calendar_id=room(1), depends_on=a)
        c = batch.events.create("c", START, END, calendar_id=room(2), depends_on=b)
        return a, b, c

    a, b, c = in_batch(h, fill)

    assert a.result().subject == "a"
    assert b.result().subject == "b"  # now BadRequestError: the retry call was refused
    assert c.result().subject == "c"
    second = h.server.calls[1]
    assert [e["id"] for e in second] == [b.id, c.id]
    assert "dependsOn" not in second[0]  # a already ran
    assert second[1]["dependsOn"] == [b.id]


def test_fakegraph_a_throttled_link_in_the_middle_of_a_chain_books_once(on_fake) -> None:
    fake = office(rooms=3)
    fake.fail_next(429, retry_after=2, path=f"/users/{room(1)}/calendar/events")
    run = on_fake(fake)

    def fill(batch):
        a = batch.events.create("a", START, END, calendar_id=room(0))
        b = batch.events.create("b", START, END, calendar_id=room(1), depends_on=a)
        c = batch.events.create("c", START, END, calendar_id=room(2), depends_on=b)
        return a, b, c

    handles = in_batch(run, fill)

    assert [outcome(x).subject for x in handles] == ["a", "b", "c"]
    assert [len(fake.events(room(n))) for n in range(3)] == [1, 1, 1]


def test_a_503_with_retry_after_is_retried_and_one_without_is_not(harness) -> None:
    h = serve(
        harness,
        throttle({"/users/u-retry": [(503, "4")], "/users/u-fail": [(503, None)]}),
    )

    retried, failed, fine = in_batch(
        h, lambda b: (b.users.get("u-retry"), b.users.get("u-fail"), b.users.get("u-ok"))
    )

    assert retried.result().id == "U" + retried.id
    with pytest.raises(errors.ServerError) as bare:
        failed.result()
    assert bare.value.status_code == 503
    assert fine.done()
    sent = Counter(e["id"] for e in h.server.items())
    assert sent == Counter({retried.id: 2, failed.id: 1, fine.id: 1})
    assert h.server.times[1] - h.server.times[0] >= 4


def test_a_429_without_retry_after_is_retried_after_a_pause(harness) -> None:
    h = serve(harness, throttle({"/users/u-1": [(429, None)]}))
    (handle,) = in_batch(h, lambda b: [b.users.get("u-1")])
    assert handle.result().id == "U" + handle.id
    assert len(h.server.calls) == 2
    assert h.server.times[1] > h.server.times[0]


def test_an_item_still_throttled_after_max_retries_is_a_rate_limit_error(harness) -> None:
    h = serve(
        harness,
        throttle({f"/users/{room(0)}/calendar/events": [(429, "1")] * 10}),
        retry=RetryPolicy(max_retries=2),
    )

    stuck, fine = in_batch(h, lambda b: creates(b, range(2)))

    with pytest.raises(errors.RateLimitError) as failed:
        stuck.result()
    assert failed.value.status_code == 429
    assert failed.value.code == "ApplicationThrottled"
    assert fine.result().subject == "m1"
    sent = Counter(e["id"] for e in h.server.items())
    assert sent[stuck.id] == 3  # the first attempt and 2 retries
    assert sent[fine.id] == 1


def test_a_retry_after_above_max_retry_after_is_not_waited_for(harness) -> None:
    h = serve(
        harness,
        throttle({f"/users/{room(0)}/calendar/events": [(429, "500")]}),
        retry=RetryPolicy(max_retry_after=60),
    )

    stuck, fine = in_batch(h, lambda b: creates(b, range(2)))

    with pytest.raises(errors.RateLimitError) as failed:
        stuck.result()
    assert "did not wait" in str(failed.value)
    assert failed.value.retry_after == 500
    assert fine.result().subject == "m1"
    assert len(h.server.calls) == 1
    assert sum(h.clock.sleeps) < 60


def test_throttled_items_of_several_mailboxes_each_wait_their_own(harness) -> None:
    h = serve(
        harness,
        throttle(
            {
                f"/users/{room(0)}/calendar/events": [(429, "2")],
                f"/users/{room(1)}/calendar/events": [(429, "9")],
            }
        ),
    )
    handles = in_batch(h, lambda b: creates(b, range(3)))
    assert [x.result().subject for x in handles] == ["m0", "m1", "m2"]
    assert h.server.times[-1] - h.server.times[0] >= 9
    sent = Counter(e["id"] for e in h.server.items())
    assert sent == Counter({handles[0].id: 2, handles[1].id: 2, handles[2].id: 1})


# ------------------------------------------------------------------ the limiter


class Spy:
    """Records what the transport asks the limiter (the $batch's keys, cooldowns)."""

    def __init__(self, client: Any) -> None:
        self.many: list[tuple[str, ...]] = []
        self.single: list[str] = []
        self.cooldowns: list[tuple[str, float, float | None]] = []
        limiter = client._transport.limiter
        for name, log in (("try_acquire_many", self.many), ("try_acquire", self.single)):
            self._wrap(limiter, name, log, keys=True)
            self._wrap(limiter, "a" + name, log, keys=True, is_async=True)
        self._wrap(limiter, "cooldown", self.cooldowns, keys=False)
        self._wrap(limiter, "acooldown", self.cooldowns, keys=False, is_async=True)

    @staticmethod
    def _wrap(limiter, name, log, *, keys, is_async=False) -> None:
        original = getattr(limiter, name)

        def note(args):
            if keys:
                log.append(tuple(args[0]) if not isinstance(args[0], str) else args[0])
            else:
                log.append((args[0], args[1], args[2] if len(args) > 2 else None))

        if is_async:

            async def wrapper(*args, **kwargs):
                note(args)
                return await original(*args, **kwargs)

        else:

            def wrapper(*args, **kwargs):
                note(args)
                return original(*args, **kwargs)

        setattr(limiter, name, wrapper)


def test_a_batch_is_admitted_as_each_of_its_items_on_its_mailbox(harness) -> None:
    h = serve(harness)
    spy = Spy(h.client)

    def fill(batch):
        creates(batch, range(3))
        batch.events.create("again", START, END, calendar_id=room(0))
        batch.users.get("u-1")

    in_batch(h, fill)

    # One key at a time, in sorted order (no two calls wait on each other in a circle);
    # a mailbox with several requests in the call takes all their slots at once.
    assert spy.many == [(f"mailbox:{room(0)}", f"mailbox:{room(0)}")]
    assert spy.single == [f"mailbox:{room(1)}", f"mailbox:{room(2)}", "tenant"]


def test_a_throttled_item_cools_its_mailbox_down(harness) -> None:
    h = serve(harness, throttle({f"/users/{room(1)}/calendar/events": [(429, "6")]}))
    spy = Spy(h.client)

    in_batch(h, lambda b: creates(b, range(3)))

    assert [key for key, _, _ in spy.cooldowns] == [f"mailbox:{room(1)}"]
    _key, until, now = spy.cooldowns[0]
    assert until - now == pytest.approx(6)
    # The retry counts only what it carries: room 1, once.
    assert spy.single[-1] == f"mailbox:{room(1)}"
    assert spy.single.count(f"mailbox:{room(1)}") == 2


def item(n: int, url: str, method: str = "GET") -> _batch.Item:
    spec = RequestSpec(method=method, url=url, json={} if method == "POST" else None)
    return _batch.Item(str(n), Operation(spec=spec, parse=parse.raw))


def test_batch_spec_keys_are_the_items_limit_keys() -> None:
    items = [
        item(1, f"/users/{room(1)}/calendar/events", "POST"),
        item(2, f"/users/{room(1)}/events/E1"),
        item(3, "/users/ada@contoso.com"),
        item(4, "/me/messages"),
        item(5, "/users/BOB@contoso.com/calendars/AAMk=/events", "POST"),
    ]
    spec = _batch.batch_spec(items)
    assert spec.method == "POST"
    assert spec.url == "/$batch"
    assert spec.keys == (
        f"mailbox:{room(1)}",
        f"mailbox:{room(1)}",
        "tenant",
        "mailbox:me",
        "mailbox:bob@contoso.com",
    )
    assert spec.idempotent is False  # a POST without a transactionId-like guarantee


def test_judge_call_retries_throttled_items_and_their_424_dependents() -> None:
    a, b = item(1, "/users/a"), item(2, "/users/b")
    c = _batch.Item("3", b.operation, ("2",))
    answers = {
        "1": _batch.Answer(200, {}, {"id": "a"}),
        "2": _batch.Answer(429, {"retry-after": "2.5"}, THROTTLED),
        "3": _batch.Answer(424, {}, error_body("FailedDependency")),
    }
    again, settled = _batch.judge_call(
        [a, b, c], answers, {"1": 1, "2": 1, "3": 1}, max_retries=3, max_retry_after=120
    )
    assert again == {"2": 2.5, "3": 0.0}
    assert set(settled) == {"1"}
    assert settled["1"].result == {"id": "a"}
