"""``depends_on``: Graph's ``dependsOn``; a failed dependency is Graph's 424, typed, on the
dependent; only handles of requests queued in this batch (and not yet sent) are taken."""

from __future__ import annotations

import asyncio

import pytest
from batch_support import END, START, error_body, in_batch, office, outcome, plausible, room, serve

from graphlink import errors
from graphlink.resources._handles import Handle


def test_a_failed_dependency_is_a_typed_424_on_its_dependents(harness) -> None:
    def answer(entry, attempt):
        if entry["url"].endswith("/events/gone"):
            return 404, error_body("ErrorItemNotFound"), {}
        return plausible(entry, attempt)

    h = serve(harness, answer)

    def fill(batch):
        gone = batch.events.get(room(1), "gone")
        update = batch.events.update(room(1), "gone", title="x", depends_on=gone)
        after = batch.events.delete(room(1), "gone", depends_on=[update])
        free = batch.events.get(room(2), "E2")
        return gone, update, after, free

    gone, update, after, free = in_batch(h, fill)

    assert isinstance(outcome(gone), errors.NotFoundError)
    for dependent in (update, after):
        error = outcome(dependent)
        assert isinstance(error, errors.GraphAPIError), error
        assert error.status_code == 424
    assert free.result().id == "E2"
    assert len(h.server.calls) == 1  # a 424 from a real failure is not retried


def test_fakegraph_answers_424_to_the_dependents_of_a_failed_request(on_fake) -> None:
    fake = office(rooms=2)
    run = on_fake(fake)

    def fill(batch):
        missing = batch.events.get(room(0), "AAMkNoSuchEvent")
        dependent = batch.events.create(
            "after", START, END, calendar_id=room(0), depends_on=missing
        )
        other = batch.events.create("other", START, END, calendar_id=room(1))
        return missing, dependent, other

    missing, dependent, other = in_batch(run, fill)

    assert isinstance(outcome(missing), errors.NotFoundError)
    error = outcome(dependent)
    assert isinstance(error, errors.GraphAPIError)
    assert error.status_code == 424
    assert other.result().subject == "other"
    assert fake.events(room(0)) == []  # the dependent never ran
    assert [e["subject"] for e in fake.events(room(1))] == ["other"]


def test_fakegraph_runs_a_chain_in_order(on_fake) -> None:
    fake = office(rooms=1)
    run = on_fake(fake)

    def fill(batch):
        first = batch.events.create("one", START, END, calendar_id=room(0))
        second = batch.events.create("two", START, END, calendar_id=room(0), depends_on=first)
        return first, second

    first, second = in_batch(run, fill)
    assert (first.result().subject, second.result().subject) == ("one", "two")
    (call,) = [r for r in fake.requests if r.path == "/$batch"]
    assert call.json()["requests"][1]["dependsOn"] == [first.id]


def other_batch_handle(h, count: int):
    """A handle (the last of ``count``) queued in another batch, never sent (queueing is
    pure: no event loop needed on the async client)."""
    other = h.client.batch()
    handles = [other.request("GET", f"/users/o{n}") for n in range(count)]
    return handles[-1]


def test_depends_on_a_handle_of_another_batch_is_refused(harness, mode) -> None:
    h = serve(harness)
    foreign = other_batch_handle(h, 3)  # id "3": not an id queued here

    def fill(batch):
        batch.request("GET", "/users/mine")
        with pytest.raises(errors.ValidationError):
            batch.request("GET", "/users/x", depends_on=foreign)

    in_batch(h, fill)
    assert [e["url"] for e in h.server.items()] == ["/users/mine"]


def test_depends_on_a_handle_of_another_batch_with_a_clashing_id_is_refused(harness, mode) -> None:
    h = serve(harness)
    foreign = other_batch_handle(h, 1)  # id "1", as the first request queued below

    def fill(batch):
        batch.request("GET", "/users/mine")
        with pytest.raises(errors.ValidationError):
            batch.request("GET", "/users/x", depends_on=foreign)

    in_batch(h, fill)


def test_depends_on_what_is_not_a_queued_handle_is_refused(harness, mode) -> None:
    h = serve(harness)

    def fill(batch):
        mine = batch.request("GET", "/users/mine")
        for wrong in ("1", mine.id, [mine, "2"], Handle("99"), [Handle("99")]):
            with pytest.raises(errors.ValidationError):
                batch.request("GET", "/users/x", depends_on=wrong)
        return mine

    mine = in_batch(h, fill)
    assert [e["url"] for e in h.server.items()] == ["/users/mine"]
    assert mine.done()


def test_depends_on_a_handle_already_sent_is_refused(harness, mode) -> None:
    h = serve(harness)

    if mode == "sync":
        with h.client.batch() as batch:
            sent = batch.request("GET", "/users/first")
            batch.send()
            with pytest.raises(errors.ValidationError):
                batch.request("GET", "/users/x", depends_on=sent)
    else:

        async def go():
            async with h.client.batch() as batch:
                sent = batch.request("GET", "/users/first")
                await batch.send()
                with pytest.raises(errors.ValidationError):
                    batch.request("GET", "/users/x", depends_on=sent)

        asyncio.run(go())

    assert [e["url"] for e in h.server.items()] == ["/users/first"]


def test_a_namespace_method_with_an_unknown_argument_is_a_validation_error(harness) -> None:
    h = serve(harness)

    def fill(batch):
        with pytest.raises(errors.ValidationError):
            batch.events.create("x", START, END, calendar_id=room(1), colour="red")
        with pytest.raises(errors.ValidationError):
            batch.events.create("x", END, START, calendar_id=room(1))  # ends before it starts

    in_batch(h, fill)
    assert h.requests == []
