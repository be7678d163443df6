"""Splitting into calls: at most 20 items each, dependent items always in one call (even
across the 20 boundary), at most 4 items of one mailbox per call, bodies kept under
Graph's 4 MB; a chain no call can carry is refused when queued."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from batch_support import END, START, in_batch, room, serve

from graphlink import errors
from graphlink._core.request import limit_key
from graphlink.ratelimit import PerMailbox
from graphlink.resources import _batch


def test_45_independent_items_go_in_calls_of_20_20_and_5(harness) -> None:
    h = serve(harness)
    handles = in_batch(h, lambda b: [b.request("GET", f"/users/u{n}") for n in range(45)])

    assert [len(call) for call in h.server.calls] == [20, 20, 5]
    sent = [e["id"] for e in h.server.items()]
    assert sorted(sent) == sorted(x.id for x in handles)  # each item once
    assert len(set(sent)) == 45
    assert all(handle.done() and handle.result()["id"] for handle in handles)


def test_45_items_on_45_mailboxes_also_fill_calls_of_20(harness) -> None:
    h = serve(harness)
    handles = in_batch(
        h,
        lambda b: [b.events.create(f"m{n}", START, END, calendar_id=room(n)) for n in range(45)],
    )
    assert [len(call) for call in h.server.calls] == [20, 20, 5]
    assert [x.result().subject for x in handles] == [f"m{n}" for n in range(45)]


@pytest.mark.parametrize("before", [17, 18, 19])
def test_a_chain_across_the_20_boundary_stays_in_one_call(harness, before) -> None:
    h = serve(harness)

    def fill(batch):
        lead = [batch.request("GET", f"/users/lead{n}") for n in range(before)]
        a = batch.request("GET", "/users/a")
        b = batch.request("GET", "/users/b", depends_on=a)
        c = batch.request("GET", "/users/c", depends_on=b)
        tail = [batch.request("GET", f"/users/tail{n}") for n in range(10)]
        return lead, (a, b, c), tail

    lead, chain, tail = in_batch(h, fill)

    assert all(len(call) <= 20 for call in h.server.calls)
    assert sum(len(call) for call in h.server.calls) == before + 3 + 10
    ids = [x.id for x in chain]
    (home,) = [call for call in h.server.calls if any(e["id"] in ids for e in call)]
    in_call = [e["id"] for e in home]
    assert set(ids) <= set(in_call)
    assert [i for i in in_call if i in ids] == ids  # a dependency before its dependent
    for call in h.server.calls:  # every dependsOn names an item of the same call
        here = {e["id"] for e in call}
        assert all(set(e.get("dependsOn", [])) <= here for e in call)
    assert all(x.done() for x in lead + list(chain) + tail)


def test_a_chain_longer_than_a_call_is_refused_when_queued(harness) -> None:
    h = serve(harness)

    def fill(batch):
        chain = [batch.request("GET", "/users/c0")]
        for n in range(1, 20):
            chain.append(batch.request("GET", f"/users/c{n}", depends_on=chain[-1]))
        with pytest.raises(errors.ValidationError) as refused:
            batch.request("GET", "/users/c20", depends_on=chain[-1])
        assert h.requests == []  # before any request
        return chain, str(refused.value)

    chain, message = in_batch(h, fill)

    assert "20" in message
    assert [len(call) for call in h.server.calls] == [20]  # the 20 queued still go
    assert all(x.done() for x in chain)


def test_two_chains_joined_later_are_refused_when_too_long_together(harness) -> None:
    h = serve(harness)

    def fill(batch):
        first = [batch.request("GET", "/users/a0")]
        second = [batch.request("GET", "/users/b0")]
        for n in range(1, 10):
            first.append(batch.request("GET", f"/users/a{n}", depends_on=first[-1]))
            second.append(batch.request("GET", f"/users/b{n}", depends_on=second[-1]))
        with pytest.raises(errors.ValidationError):  # 10 + 10 + 1: one too many
            batch.request("GET", "/users/join", depends_on=[first[-1], second[-1]])
        batch.request("GET", "/users/alone")  # not joined: fine

    in_batch(h, fill)
    assert [len(call) for call in h.server.calls] == [20, 1]


def test_ten_creates_on_one_room_go_at_most_4_per_call(harness) -> None:
    h = serve(harness)

    def fill(batch):
        busy = [batch.events.create(f"r{n}", START, END, calendar_id=room(1)) for n in range(10)]
        other = [batch.request("GET", f"/users/u{n}") for n in range(10)]
        return busy, other

    busy, other = in_batch(h, fill)

    per_call = [
        Counter(limit_key(e["url"]) for e in call if e["url"].split("?")[0].endswith("/events"))
        for call in h.server.calls
    ]
    assert all(count["mailbox:" + room(1)] <= 4 for count in per_call), per_call
    assert sum(count["mailbox:" + room(1)] for count in per_call) == 10
    assert len(h.server.calls) == 3
    assert all(len(call) <= 20 for call in h.server.calls)
    assert [x.result().subject for x in busy] == [f"r{n}" for n in range(10)]
    assert all(x.done() for x in other)


def test_a_chain_of_4_on_one_mailbox_fits_one_call(harness) -> None:
    h = serve(harness)

    def fill(batch):
        chain = [batch.events.create("c0", START, END, calendar_id=room(1))]
        for n in range(1, 4):
            chain.append(
                batch.events.create(f"c{n}", START, END, calendar_id=room(1), depends_on=chain[-1])
            )
        return chain

    chain = in_batch(h, fill)
    assert [len(call) for call in h.server.calls] == [4]
    assert [x.result().subject for x in chain] == ["c0", "c1", "c2", "c3"]


def test_the_per_mailbox_cap_follows_the_configured_concurrency(harness) -> None:
    h = serve(harness, rate_limit=PerMailbox(concurrency=2))
    in_batch(
        h, lambda b: [b.events.create(f"r{n}", START, END, calendar_id=room(1)) for n in range(6)]
    )
    assert [len(call) for call in h.server.calls] == [2, 2, 2]


def test_bodies_near_the_size_limit_split_into_more_calls(harness) -> None:
    h = serve(harness)
    blob = "x" * 1_000_000

    handles = in_batch(
        h,
        lambda b: [b.request("POST", f"/users/u{n}/notes", json={"text": blob}) for n in range(7)],
    )

    assert len(h.server.calls) >= 3  # 7 MB of bodies: never one call
    for request in h.requests:
        assert len(request.content) < 4_000_000
    assert sum(len(call) for call in h.server.calls) == 7
    assert all(x.done() for x in handles)


def test_one_body_too_large_for_any_call_is_refused_when_queued(harness) -> None:
    h = serve(harness)

    def fill(batch):
        with pytest.raises(errors.ValidationError):
            batch.request("POST", "/users/u1/notes", json={"text": "x" * 3_600_000})
        assert h.requests == []

    in_batch(h, fill)
    assert h.requests == []


def test_one_body_too_large_says_so_not_split_the_chain(harness) -> None:
    h = serve(harness)

    def fill(batch):
        with pytest.raises(errors.ValidationError) as refused:
            batch.request("POST", "/users/u1/notes", json={"text": "x" * 3_600_000})
        return str(refused.value)

    message = in_batch(h, fill)
    assert "depend" not in message
    assert "chain" not in message


def test_pack_is_dense_and_keeps_queue_order() -> None:
    from graphlink._core import parse
    from graphlink._core.request import Operation, RequestSpec

    def item(n: int, url: str, *deps: int) -> _batch.Item:
        spec = RequestSpec(method="GET", url=url)
        return _batch.Item(str(n), Operation(spec=spec, parse=parse.raw), tuple(map(str, deps)))

    items = [item(n, f"/users/u{n}") for n in range(19)]
    items += [item(19, "/users/a"), item(20, "/users/b", 19), item(21, "/users/c")]
    calls = _batch.pack(items)
    assert [len(c) for c in calls] == [20, 2]
    assert [i.id for i in calls[1]] == ["19", "20"]
    assert [i.id for i in calls[0]][-1] == "21"  # first fit: the independent one fills call 1
    body = _batch.batch_spec(calls[1]).json
    assert json.loads(json.dumps(body))["requests"][1]["dependsOn"] == ["19"]
