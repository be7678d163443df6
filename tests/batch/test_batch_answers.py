"""Answers: matched by id (any order, any letter case), each handle its own typed result or
typed error, one failure never hiding the others; nothing is sent before the block ends
or after an exception in it; ``batch.send()`` sends early."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from batch_support import END, START, error_body, in_batch, outcome, plausible, room, serve
from harness import graph_error

from graphlink import errors
from graphlink._core import parse
from graphlink._core.request import Operation, RequestSpec
from graphlink.models import Event, User
from graphlink.resources import _batch
from graphlink.resources._handles import Handle

FAILURES = {
    "/users/missing": (404, "Request_ResourceNotFound", errors.NotFoundError),
    "/users/secret": (403, "Authorization_RequestDenied", errors.PermissionDeniedError),
    "/users/bad": (400, "Request_BadRequest", errors.BadRequestError),
    "/users/clash": (409, "ErrorIrresolvableConflict", errors.ConflictError),
    "/users/expired": (401, "InvalidAuthenticationToken", errors.AuthenticationError),
    "/users/broken": (500, "generalException", errors.ServerError),
}


def mixed(entry: dict[str, Any], attempt: int) -> tuple[int, Any, dict[str, str]]:
    failure = FAILURES.get(entry["url"])
    if failure is not None:
        body = error_body(failure[1])
        body["error"]["innerError"]["request-id"] = "r-" + entry["id"]
        return failure[0], body, {}
    return plausible(entry, attempt)


def test_each_handle_gets_its_own_typed_result_or_error(harness) -> None:
    h = serve(harness, mixed)

    def fill(batch):
        good = [
            batch.events.create("Stand-up", START, END, calendar_id=room(1)),
            batch.users.get("u-42"),
            batch.request("GET", "/organization"),
        ]
        bad = {url: batch.request("GET", url) for url in FAILURES}
        return good, bad

    (created, user, raw), bad = in_batch(h, fill)

    (call,) = h.server.calls
    assert len(call) == 3 + len(FAILURES)
    assert isinstance(created.result(), Event)
    assert created.result().id == "E" + created.id
    assert isinstance(user.result(), User)
    assert user.result().id == "U" + user.id
    assert raw.result() == {"id": raw.id, "echo": "/organization"}
    for url, handle in bad.items():
        status, code, cls = FAILURES[url]
        error = outcome(handle)
        assert type(error) is cls, (url, error)
        assert error.status_code == status
        assert error.code == code
        assert handle.done()
    assert {outcome(h).request_id for h in bad.values()} == {f"r-{h.id}" for h in bad.values()}


def test_a_typed_event_error_does_not_hide_the_events_beside_it(harness) -> None:
    def answer(entry, attempt):
        if entry["url"].endswith("/events/gone"):
            return 404, error_body("ErrorItemNotFound"), {}
        return plausible(entry, attempt)

    h = serve(harness, answer)

    def fill(batch):
        return (
            batch.events.get(room(1), "E1"),
            batch.events.get(room(2), "gone"),
            batch.events.get(room(3), "E3"),
        )

    first, gone, third = in_batch(h, fill)

    assert first.result().id == "E1"
    assert third.result().id == "E3"
    with pytest.raises(errors.NotFoundError) as failed:
        gone.result()
    assert failed.value.code == "ErrorItemNotFound"


def test_an_unreadable_item_fails_alone(harness) -> None:
    def answer(entry, attempt):
        if entry["url"].endswith("/events/odd"):
            return 200, ["not", "an", "event"], {}
        return plausible(entry, attempt)

    h = serve(harness, answer)
    odd, fine = in_batch(h, lambda b: (b.events.get(room(1), "odd"), b.events.get(room(1), "fine")))
    with pytest.raises(errors.InvalidResponseError):
        odd.result()
    assert fine.result().id == "fine"


def test_result_before_sending_raises_batch_error(harness) -> None:
    h = serve(harness)
    seen: list[str] = []

    def fill(batch):
        handle = batch.users.get("u-1")
        assert not handle.done()
        with pytest.raises(errors.BatchError) as early:
            handle.result()
        seen.append(str(early.value))
        assert "pending" in repr(handle)
        return handle

    handle = in_batch(h, fill)

    assert "not been sent" in seen[0]
    assert handle.done()
    assert handle.result().id == "U" + handle.id


def test_after_an_exception_in_the_block_nothing_is_sent(harness) -> None:
    h = serve(harness)
    handles: list[Any] = []

    def fill(batch):
        handles.append(batch.users.get("u-1"))
        handles.append(batch.events.create("x", START, END, calendar_id=room(1)))
        raise KeyError("the caller's own bug")

    with pytest.raises(KeyError):
        in_batch(h, fill)

    assert h.requests == []
    for handle in handles:
        assert not handle.done()
        with pytest.raises(errors.BatchError):
            handle.result()


def test_a_refused_batch_call_fails_each_of_its_items(harness) -> None:
    h = harness(lambda request: graph_error(400, "BadRequest", "Invalid batch payload"))
    a, b = in_batch(h, lambda batch: (batch.users.get("u-1"), batch.request("GET", "/org")))
    assert len(h.requests) == 1
    for handle in (a, b):
        with pytest.raises(errors.BadRequestError):
            handle.result()
    assert str(h.requests[0].url).endswith("/v1.0/$batch")


def test_send_early_then_more_in_the_same_block(harness, mode) -> None:
    h = serve(harness)

    def queue_first(batch):
        return batch.users.get("u-1")

    def queue_second(batch):
        return batch.users.get("u-2")

    if mode == "sync":
        with h.client.batch() as batch:
            first = queue_first(batch)
            batch.send()
            assert first.result().id == "U" + first.id
            assert len(h.requests) == 1
            second = queue_second(batch)
    else:

        async def go():
            async with h.client.batch() as batch:
                first = queue_first(batch)
                await batch.send()
                assert first.result().id == "U" + first.id
                assert len(h.requests) == 1
                return first, queue_second(batch)

        first, second = asyncio.run(go())

    assert [len(call) for call in h.server.calls] == [1, 1]  # the first never sent twice
    assert second.result().id == "U" + second.id
    assert first.id != second.id


def test_an_empty_batch_sends_nothing(harness) -> None:
    h = serve(harness)
    in_batch(h, lambda batch: None)
    assert h.requests == []


# ------------------------------------------------------------------ read_answers (pure)


def item(item_id: str) -> _batch.Item:
    spec = RequestSpec(method="GET", url=f"/users/{item_id}")
    return _batch.Item(item_id, Operation(spec=spec, parse=parse.raw))


def test_answers_are_matched_by_id_case_insensitively_in_any_order() -> None:
    items = [item("Alpha"), item("b2"), item("C")]
    body = {
        "responses": [
            {"id": "c", "status": 404, "body": error_body("itemNotFound")},
            {"id": "ALPHA", "status": 200, "body": {"id": "alpha"}},
            {"id": "B2", "status": 204},
        ]
    }
    answers = _batch.read_answers(body, items)
    assert answers["Alpha"].status == 200
    assert answers["Alpha"].body == {"id": "alpha"}
    assert answers["b2"].status == 204
    assert answers["C"].status == 404


def test_an_item_left_out_of_the_answer_is_settled_alone() -> None:
    """The answers Graph gave stand; only the missing item is an error (it may have run)."""
    found = _batch.read_answers({"responses": [{"id": "1", "status": 200}]}, [item("1"), item("2")])
    assert list(found) == ["1"]
    create = RequestSpec(method="POST", url="/users/a/events", json={})
    created = _batch.Item("2", Operation(spec=create, parse=parse.raw))
    again, settled = _batch.judge_call(
        [item("1"), created], found, {"1": 1, "2": 1}, max_retries=3, max_retry_after=120
    )
    assert again == {}
    assert settled["1"].error is None
    missing = settled["2"].error
    assert isinstance(missing, errors.InvalidResponseError)
    assert missing.maybe_processed
    with pytest.raises(errors.InvalidResponseError):
        _batch.read_answers({"value": []}, [item("1")])


def test_a_handle_repr_says_its_state() -> None:
    handle: Handle[int] = Handle("7")
    assert repr(handle) == "<Handle 7 pending>"
    handle._resolve(1)
    assert repr(handle) == "<Handle 7 done>"
