"""The fault matrix (issue 14): every fault x every operation x both clients, on FakeGraph.

Each cell arms one fault against one operation's request and checks the outcome graphlink
documents (``faults.expected``: success after retry, or the typed error and whether it says
the request may have been processed) and FakeGraph's side effects, exactly: no duplicate
event, no duplicate mail, no lost write. Waits run on the harness's fake clock, so the
whole matrix takes seconds. It found two defects, both fixed: a ``$batch`` item answered
500/502/504 or a bare 503, and a 2xx without the promised object, did not say a write
may have taken effect.
"""

from __future__ import annotations

import pytest

from graphlink.models import Event
from reliability.faults import FAULTS, OPS, SEED, Fault, Op, arm, expected, play


def _cells() -> list[object]:
    cells: list[object] = []
    for fault in FAULTS:
        for op in OPS:
            for mode in ("sync", "async"):
                cells.append(pytest.param(fault, op, mode, id=f"{fault.name}-{op.name}-{mode}"))
    return cells


# ------------------------------------------------------------------ the matrix


@pytest.mark.parametrize(("fault", "op", "mode"), _cells())
def test_fault_matrix(fault: Fault, op: Op, mode: str) -> None:
    env = arm(fault, op, mode)
    outcome = play(env, op)
    want = expected(fault, op)
    assert outcome.as_expected() == want, outcome.message
    if outcome.maybe_processed:
        assert "may have" in outcome.message  # the error says so, not only its flag
    if fault.wait is not None:  # Retry-After honoured, in each of its forms
        low, high = fault.wait
        assert any(low - 1e-9 <= s <= high + 1e-9 for s in env.run.clock.sleeps), (
            env.run.clock.sleeps
        )
    if want.error is None and op.name == "get":
        assert isinstance(outcome.result, Event)
        assert outcome.result.subject == SEED
    if want.error is None and op.name in ("create", "batch-create"):
        assert isinstance(outcome.result, Event)
        (event,) = [e for e in env.fake.events("svc@contoso.com") if e["id"] == outcome.result.id]
        assert event["transactionId"] == outcome.result.transaction_id


# ------------------------------------------------------------------ what the cells rest on


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    "fault",
    [f for f in FAULTS if f.acted and f.kind != "204_with_body"],
    ids=lambda f: f.name,
)
def test_a_create_retried_after_graph_acted_books_once(fault: Fault, mode: str) -> None:
    """The retry reached FakeGraph with the same transactionId, which booked nothing new."""
    op = next(o for o in OPS if o.name == "create")
    env = arm(fault, op, mode)
    event = play(env, op).result
    posts = [r for r in env.fake.requests if r.method == "POST" and r.path.endswith("/events")]
    assert len(posts) == 2
    assert {p.json()["transactionId"] for p in posts} == {event.transaction_id}
    assert len([e for e in env.fake.events("svc@contoso.com") if e["subject"] == "Matrix"]) == 1


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    "fault",
    [f for f in FAULTS if f.acted and f.kind != "204_with_body"],
    ids=lambda f: f.name,
)
def test_a_delete_retried_after_graph_acted_reports_success_not_404(
    fault: Fault, mode: str
) -> None:
    op = next(o for o in OPS if o.name == "delete")
    env = arm(fault, op, mode)
    assert play(env, op).error is None
    deletes = [r.status for r in env.fake.requests if r.method == "DELETE"]
    assert len(deletes) == 2
    assert deletes[-1] == 404  # the retry found it gone: graphlink reported success


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_expired_token_is_refreshed_once(mode: str) -> None:
    fault = next(f for f in FAULTS if f.expired_token)
    op = next(o for o in OPS if o.name == "sendMail")
    env = arm(fault, op, mode)
    assert play(env, op).error is None
    assert [r.status for r in env.fake.requests] == [401, 202]  # a new token, one retry
