"""Judging one attempt and the cooldown rule: pure functions, no transport, no clock."""

from __future__ import annotations

import httpx
import pytest
from harness import graph_error

from graphlink import errors
from graphlink._core.attempt import DeadlinePassed, Failure, Success, TooLarge, give_up, judge
from graphlink._core.request import RequestSpec
from graphlink._core.retry import Outcome, OutcomeKind, RetryDecision, cooldown
from graphlink.retry import RetryPolicy

SPEC = RequestSpec(method="GET", url="/users/a?$select=id")


def test_a_2xx_is_a_success_with_its_body() -> None:
    assert judge(SPEC, httpx.Response(200, json={"id": "a"}), 1) == Success({"id": "a"})
    assert judge(SPEC, httpx.Response(204), 1) == Success(None)


def test_an_unreadable_2xx_leaves_connected_alone() -> None:
    verdict = judge(SPEC, httpx.Response(200, content=b"{nope"), 2)
    assert isinstance(verdict, Failure)
    assert isinstance(verdict.error, errors.InvalidResponseError)
    assert verdict.error.attempts == 2
    assert verdict.outcome == Outcome(OutcomeKind.MAYBE_SENT)
    assert isinstance(verdict.cause, ValueError)
    assert verdict.connected is None


@pytest.mark.parametrize(("status", "connected"), [(401, False), (403, None), (503, None)])
def test_error_statuses(status: int, connected: bool | None) -> None:
    verdict = judge(SPEC, graph_error(status, "x", **{"Retry-After": "2"}), 1)
    assert isinstance(verdict, Failure)
    assert verdict.outcome == Outcome.response(status, 2.0)
    assert isinstance(verdict.error, errors.GraphAPIError)
    assert verdict.error.status_code == status
    assert verdict.cause is None
    assert verdict.connected is connected


@pytest.mark.parametrize(
    ("cause", "kind", "error"),
    [
        (httpx.ConnectError("refused"), OutcomeKind.NOT_SENT, errors.TransportError),
        (httpx.ConnectTimeout("slow"), OutcomeKind.NOT_SENT, errors.TimeoutError),
        (httpx.PoolTimeout("busy"), OutcomeKind.NOT_SENT, errors.TimeoutError),
        (httpx.ReadTimeout("read"), OutcomeKind.MAYBE_SENT, errors.TimeoutError),
        (httpx.RemoteProtocolError("reset"), OutcomeKind.MAYBE_SENT, errors.TransportError),
        (httpx.DecodingError("gzip"), OutcomeKind.MAYBE_SENT, errors.InvalidResponseError),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_network_failures_clear_connected(cause, kind, error) -> None:
    verdict = judge(SPEC, cause, 3)
    assert isinstance(verdict, Failure)
    assert verdict.outcome == Outcome(kind)
    assert type(verdict.error) is error
    assert verdict.error.attempts == 3
    assert verdict.cause is cause
    assert verdict.connected is False
    assert "$select" not in str(verdict.error)  # the query string stays out of messages


def test_cooldown_only_for_a_wait_graphlink_honours() -> None:
    policy = RetryPolicy(max_retry_after=120)
    assert cooldown(policy, Outcome.response(429, 3.0)) == 3.0
    assert cooldown(policy, Outcome.response(503, 120.0)) == 120.0
    assert cooldown(policy, Outcome.response(429, 121.0)) is None
    assert cooldown(policy, Outcome.response(429)) is None
    assert cooldown(policy, Outcome.response(500, 3.0)) is None


def test_give_up_explains_a_refused_wait_only() -> None:
    policy = RetryPolicy()
    verdict = judge(SPEC, graph_error(503, "busy", **{"Retry-After": "600"}), 1)
    assert isinstance(verdict, Failure)
    plain = give_up(SPEC, verdict, RetryDecision(False), policy)
    assert plain is verdict.error
    refused = give_up(SPEC, verdict, RetryDecision(False, 600.0, too_long=True), policy)
    assert isinstance(refused, errors.RateLimitError)
    assert refused.status_code == 503
    assert refused.retry_after == 600
    assert refused.detail is not None
    assert "600 s" in refused.detail
    assert "max_retry_after = 120 s" in refused.detail


POST = RequestSpec(method="POST", url="/users/a/sendMail", effect="the mail may have been sent")


def test_a_deadline_before_sending_is_a_timeout_that_sent_nothing() -> None:
    verdict = judge(POST, DeadlinePassed(5, sent=False), 2)
    assert isinstance(verdict, Failure)
    assert verdict.outcome == Outcome(OutcomeKind.NOT_SENT)
    assert type(verdict.error) is errors.TimeoutError
    assert str(verdict.error) == (
        "POST /users/a/sendMail was not sent: the call's deadline of 5 s passed before it was sent"
    )
    assert verdict.connected is None  # nothing was tried on the network
    error = give_up(POST, verdict, RetryDecision(False), RetryPolicy())
    assert error.maybe_processed is False


def test_a_deadline_while_waiting_for_the_answer_may_have_acted() -> None:
    verdict = judge(POST, DeadlinePassed(1.5, sent=True), 1)
    assert isinstance(verdict, Failure)
    assert verdict.outcome == Outcome(OutcomeKind.MAYBE_SENT)
    assert type(verdict.error) is errors.TimeoutError
    assert verdict.connected is False  # as after an httpx read timeout
    error = give_up(POST, verdict, RetryDecision(False), RetryPolicy())
    assert error.maybe_processed is True
    assert str(error) == (
        "POST /users/a/sendMail timed out: the call's deadline of 1.5 s passed before "
        "Graph's answer was read (not retried: the mail may have been sent)"
    )


def test_an_answer_too_large_is_unread_and_not_a_network_failure() -> None:
    verdict = judge(POST, TooLarge(1024), 1)
    assert isinstance(verdict, Failure)
    assert verdict.outcome == Outcome(OutcomeKind.UNREAD)
    assert type(verdict.error) is errors.InvalidResponseError
    assert verdict.connected is None
    error = give_up(POST, verdict, RetryDecision(False), RetryPolicy())
    assert error.maybe_processed is True
    assert "max_response_bytes = 1024 bytes" in str(error)
    assert str(error).endswith("(not retried: the mail may have been sent)")


def test_judge_reads_the_streamed_body_when_given() -> None:
    response = httpx.Response(200, content=b"ignored")
    assert judge(SPEC, response, 1, b'{"id": "a"}') == Success({"id": "a"})
    verdict = judge(SPEC, httpx.Response(404), 1, b'{"error": {"code": "gone"}}')
    assert isinstance(verdict, Failure)
    assert isinstance(verdict.error, errors.NotFoundError)
    assert verdict.error.code == "gone"
