"""Every retry rule, on both clients, with a fake clock (nothing really sleeps)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from harness import graph_error, sequence

from graphlink import errors
from graphlink._core.retry import Outcome, OutcomeKind, decide, maybe_processed, parse_retry_after
from graphlink.ratelimit import TokenBucket
from graphlink.retry import RetryPolicy

ALL_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]
IDEMPOTENT = {"GET", "PUT", "DELETE"}


def ok() -> httpx.Response:
    return httpx.Response(200, json={"ok": True})


def retry_after_forms() -> list[tuple[str, str | None, float | None]]:
    """(label, header value, expected wait); None = backoff (0.5 s * jitter 0.75)."""
    return [
        ("seconds", "3", 3.0),
        ("fractional", "2.128", 2.128),
        ("absent", None, None),
    ]


# --- the pure decision -------------------------------------------------------------------


# A bare 503 (no Retry-After) may come from a gateway after Graph acted: it is retried for
# idempotent methods only (see the test after this one).
UNPROCESSED = [
    (status, method, label, header, wait)
    for status in (429, 503)
    for method in ALL_METHODS
    for label, header, wait in retry_after_forms()
    if not (status == 503 and header is None and method not in IDEMPOTENT)
]


@pytest.mark.parametrize(("status", "method", "label", "header", "wait"), UNPROCESSED)
def test_unprocessed_statuses_retry_every_method(
    harness, status, method, label, header, wait
) -> None:
    headers = {"Retry-After": header} if header else {}
    h = harness(sequence(graph_error(status, "TooManyRequests", **headers), ok()))
    assert h.request(method, "/users/a/events") == {"ok": True}
    assert len(h.requests) == 2
    assert h.clock.sleeps == [pytest.approx(wait if wait is not None else 0.375)]


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_a_bare_503_is_not_retried_for_a_call_that_must_not_run_twice(harness, method) -> None:
    h = harness(sequence(graph_error(503, "serviceNotAvailable"), ok()))
    with pytest.raises(errors.ServerError) as caught:
        h.request(method, "/users/a/sendMail", json={})
    assert len(h.requests) == 1
    assert caught.value.maybe_processed
    assert "may have processed" in str(caught.value)


def test_a_maybe_processed_failure_names_the_effect(harness) -> None:
    from graphlink._core.request import RequestSpec

    h = harness(sequence(graph_error(504, "gatewayTimeout"), ok()))
    spec = RequestSpec(
        method="POST", url="/users/a/sendMail", json={}, effect="the mail may have been sent"
    )
    with pytest.raises(errors.ServerError, match="the mail may have been sent") as caught:
        h.run(h.client._transport.send(spec))
    assert caught.value.maybe_processed
    assert len(h.requests) == 1


def test_a_read_is_never_marked_maybe_processed(harness) -> None:
    h = harness(sequence(*[graph_error(504, "gatewayTimeout")] * 4))
    with pytest.raises(errors.ServerError) as caught:
        h.request("GET", "/users/a")
    assert not caught.value.maybe_processed
    assert len(h.requests) == 4


def test_a_retried_write_that_may_have_acted_says_so(harness) -> None:
    # The first DELETE may have been processed (504); the retry finds nothing (404).
    h = harness(sequence(graph_error(504, "gatewayTimeout"), graph_error(404, "ErrorItemNotFound")))
    with pytest.raises(errors.NotFoundError) as caught:
        h.request("DELETE", "/users/a/events/e1")
    assert caught.value.maybe_processed
    assert len(h.requests) == 2


def test_a_write_that_never_acted_is_not_marked(harness) -> None:
    # A 429 is Graph's word that nothing ran: the 404 after it is the real answer.
    h = harness(
        sequence(
            graph_error(429, "TooManyRequests", **{"Retry-After": "1"}),
            graph_error(404, "ErrorItemNotFound"),
        )
    )
    with pytest.raises(errors.NotFoundError) as caught:
        h.request("DELETE", "/users/a/events/e1")
    assert not caught.value.maybe_processed


def test_retry_after_as_http_date(harness) -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    h = harness(
        sequence(
            graph_error(429, "TooManyRequests", **{"Retry-After": format_datetime(when)}), ok()
        )
    )
    h.request("POST", "/users/a/sendMail", json={})
    assert len(h.clock.sleeps) == 1
    assert 25 <= h.clock.sleeps[0] <= 30


@pytest.mark.parametrize("status", [500, 502, 504])
@pytest.mark.parametrize("method", ALL_METHODS)
def test_maybe_processed_statuses_retry_only_idempotent(harness, status, method) -> None:
    h = harness(sequence(graph_error(status, "generalException"), ok()))
    if method in IDEMPOTENT:
        assert h.request(method, "/users/a") == {"ok": True}
        assert len(h.requests) == 2
    else:
        with pytest.raises(errors.ServerError) as info:
            h.request(method, "/users/a", json={})
        assert info.value.status_code == status
        assert info.value.attempts == 1
        assert len(h.requests) == 1
        assert h.clock.sleeps == []


def test_post_marked_idempotent_is_retried_on_500(harness) -> None:
    h = harness(sequence(graph_error(500, "generalException"), ok()))
    assert h.request("POST", "/users/a/events", json={}, idempotent=True) == {"ok": True}
    assert len(h.requests) == 2


@pytest.mark.parametrize("status", [400, 403, 404, 405, 409, 412, 422])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_other_statuses_are_not_retried(harness, status, method) -> None:
    h = harness(sequence(graph_error(status, "Nope")))
    with pytest.raises(errors.GraphAPIError) as info:
        h.request(method, "/users/a")
    assert info.value.status_code == status
    assert len(h.requests) == 1


@pytest.mark.parametrize("method", ALL_METHODS)
def test_connect_failure_before_sending_is_retried_for_every_method(harness, method) -> None:
    h = harness(sequence(httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), ok()))
    assert h.request(method, "/users/a", json={}) == {"ok": True}
    assert len(h.requests) == 3


@pytest.mark.parametrize("method", ALL_METHODS)
@pytest.mark.parametrize(
    "failure", [httpx.ReadTimeout("read"), httpx.RemoteProtocolError("reset")], ids=str
)
def test_failure_after_sending_is_retried_only_for_idempotent(harness, method, failure) -> None:
    h = harness(sequence(failure, ok()))
    if method in IDEMPOTENT:
        assert h.request(method, "/users/a") == {"ok": True}
    else:
        expected = errors.TimeoutError if isinstance(failure, httpx.TimeoutException) else None
        with pytest.raises(errors.TransportError) as info:
            h.request(method, "/users/a", json={})
        if expected:
            assert isinstance(info.value, expected)
        # Wrapped, never raw httpx; the cause is a copy without the request (and its token).
        cause = info.value.__cause__
        assert type(cause) is type(failure)
        assert str(cause) == str(failure)
        assert getattr(cause, "_request", None) is None
        assert len(h.requests) == 1


def test_gives_up_after_max_retries_with_attempt_count(harness) -> None:
    h = harness(lambda request: graph_error(503, "serviceNotAvailable"))
    with pytest.raises(errors.ServerError) as info:
        h.request("GET", "/users/a")
    assert info.value.attempts == 4
    assert len(h.requests) == 4
    assert h.clock.sleeps == pytest.approx([0.375, 0.75, 1.5])  # doubling, jitter at 0.75


def test_backoff_is_capped(harness) -> None:
    policy = RetryPolicy(max_retries=8, backoff_base=1, backoff_max=5, jitter=False)
    h = harness(lambda request: graph_error(503, "x"), retry=policy)
    with pytest.raises(errors.ServerError):
        h.request("GET", "/users/a")
    assert h.clock.sleeps == [1, 2, 4, 5, 5, 5, 5, 5]


def test_retry_after_above_maximum_raises_rate_limit_error_without_sleeping(harness) -> None:
    h = harness(sequence(graph_error(429, "TooManyRequests", **{"Retry-After": "600"})))
    with pytest.raises(errors.RateLimitError) as info:
        h.request("GET", "/users/a")
    assert info.value.retry_after == 600
    assert h.clock.sleeps == []


def test_a_refused_wait_says_why_graphlink_did_not_wait(harness) -> None:
    h = harness(
        sequence(
            graph_error(
                429, "TooManyRequests", "Please retry again later.", **{"Retry-After": "500"}
            )
        )
    )
    with pytest.raises(errors.RateLimitError) as info:
        h.request("GET", "/users/a")
    assert str(info.value).startswith(
        "429 TooManyRequests: Please retry again later. (Graph asked to retry after 500 s; "
        "graphlink did not wait because that exceeds RetryPolicy.max_retry_after = 120 s)"
    )
    assert info.value.message == "Please retry again later."  # Graph's own words, untouched
    assert info.value.request_id == "req-1"
    assert h.clock.sleeps == []


def test_a_refused_fractional_wait_keeps_its_digits(harness) -> None:
    h = harness(
        sequence(graph_error(503, "serviceNotAvailable", **{"Retry-After": "2.128"})),
        retry=RetryPolicy(max_retry_after=1.5),
    )
    with pytest.raises(errors.RateLimitError) as info:
        h.request("GET", "/users/a")
    assert "after 2.128 s;" in str(info.value)
    assert "max_retry_after = 1.5 s)" in str(info.value)


def test_503_with_too_long_retry_after_is_a_rate_limit_error(harness) -> None:
    h = harness(sequence(graph_error(503, "serviceNotAvailable", **{"Retry-After": "121"})))
    with pytest.raises(errors.RateLimitError) as info:
        h.request("GET", "/users/a")
    assert info.value.status_code == 503
    assert info.value.retry_after == 121


def test_deadline_stops_retrying(harness) -> None:
    h = harness(
        lambda request: graph_error(429, "TooManyRequests", **{"Retry-After": "4"}),
        retry=RetryPolicy(deadline=10),
    )
    with pytest.raises(errors.RateLimitError):
        h.request("GET", "/users/a")
    assert h.clock.sleeps == [4, 4]  # a third wait would end past 10 s


def test_rate_limiter_waits_go_through_the_clock(harness) -> None:
    h = harness(lambda request: ok(), rate_limit=TokenBucket(1, per=2.0, burst=1))
    for _ in range(3):
        h.request("GET", "/users/a")
    assert h.clock.sleeps == [pytest.approx(2.0), pytest.approx(2.0)]


def test_a_limiter_wait_past_the_deadline_is_refused_at_once(harness) -> None:
    h = harness(
        lambda request: ok(),
        rate_limit=TokenBucket(1, per=60.0, burst=1),
        retry=RetryPolicy(deadline=10),
    )
    h.request("GET", "/users/a")
    with pytest.raises(errors.RateLimitExceeded) as info:
        h.request("GET", "/users/a")
    assert info.value.wait == pytest.approx(60.0)
    assert h.clock.sleeps == []
    assert len(h.requests) == 1
    assert (h.client.queue_size, h.client.in_flight_size) == (0, 0)


def test_one_client_request_id_per_call_reused_on_every_attempt(harness) -> None:
    h = harness(sequence(graph_error(503, "x"), graph_error(503, "x"), ok(), ok()))
    h.request("GET", "/users/a")
    ids = {r.headers["client-request-id"] for r in h.requests[:3]}
    assert len(ids) == 1
    assert h.requests[1].headers["Retry-Attempt"] == "1"
    h.request("GET", "/users/a")
    assert h.requests[3].headers["client-request-id"] not in ids


def test_401_refreshes_the_token_once_and_retries_once(harness) -> None:
    tokens = iter(["first", "second", "third"])
    h = harness(
        lambda request: graph_error(401, "InvalidAuthenticationToken"),
        token=lambda: next(tokens),
    )
    with pytest.raises(errors.AuthenticationError) as info:
        h.request("POST", "/users/a/sendMail", json={})
    assert [r.headers["Authorization"] for r in h.requests] == ["Bearer first", "Bearer second"]
    assert info.value.attempts == 2
    assert h.client.connected is False


def test_a_token_failure_ends_the_call_before_sending(harness) -> None:
    answers = iter(["good"])

    def provider() -> str:
        return next(answers)  # StopIteration the second time: the provider failed

    h = harness(sequence(ok(), graph_error(401, "InvalidAuthenticationToken")), token=provider)
    assert h.request("GET", "/users/a") == {"ok": True}
    assert h.client.connected is True
    with pytest.raises(errors.AuthError) as info:
        h.request("GET", "/users/a")  # 401, then the refresh fails
    assert info.value.attempts == 1
    assert len(h.requests) == 2
    assert h.client.connected is False
    assert (h.client.queue_size, h.client.in_flight_size) == (0, 0)


def test_401_with_a_static_token_is_not_retried(harness) -> None:
    h = harness(sequence(graph_error(401, "InvalidAuthenticationToken")))
    with pytest.raises(errors.AuthenticationError):
        h.request("GET", "/users/a")
    assert len(h.requests) == 1


def test_401_then_success_with_the_new_token(harness) -> None:
    tokens = iter(["old", "new"])
    h = harness(
        sequence(graph_error(401, "InvalidAuthenticationToken"), ok()), token=lambda: next(tokens)
    )
    assert h.request("GET", "/users/a") == {"ok": True}
    assert h.client.connected is True


def test_malformed_json_on_success_is_a_transport_error(harness) -> None:
    h = harness(lambda request: httpx.Response(200, content=b"{not json"))
    with pytest.raises(errors.TransportError):
        h.request("POST", "/users/a/events", json={})
    assert len(h.requests) == 1


@pytest.mark.parametrize("status", [202, 204])
@pytest.mark.parametrize(
    ("body", "expected"), [(b"", None), (b"  ", None), (b'{"ignored": true}', {"ignored": True})]
)
def test_empty_success_with_or_without_body(harness, status, body, expected) -> None:
    h = harness(lambda request: httpx.Response(status, content=body))
    assert h.request("POST", "/users/a/sendMail", json={}) == expected


def test_too_long_retry_after_does_not_stall_other_calls(harness) -> None:
    h = harness(
        sequence(graph_error(429, "TooManyRequests", **{"Retry-After": "3600"}), ok()),
    )
    with pytest.raises(errors.RateLimitError):
        h.request("GET", "/users/a/events")
    assert h.request("GET", "/users/a/events") == {"ok": True}
    assert h.clock.sleeps == []


def test_undecodable_body_is_wrapped(harness) -> None:
    h = harness(
        lambda request: httpx.Response(
            200, content=b"not gzip", headers={"Content-Encoding": "gzip"}
        )
    )
    with pytest.raises(errors.InvalidResponseError):
        h.request("POST", "/users/a/events", json={})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"path": "/users/a\tb"},
        {"path": "/users/a", "json": {"when": object()}},
    ],
    ids=["tab-in-path", "unencodable-json"],
)
def test_requests_that_cannot_be_built_are_validation_errors(harness, kwargs) -> None:
    h = harness(lambda request: ok())
    kwargs = dict(kwargs)
    path = kwargs.pop("path")
    with pytest.raises(errors.ValidationError) as info:
        h.request("POST", path, **kwargs)
    assert info.value.attempts == 0
    assert h.requests == []


# --- pure functions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2.128", 2.128), ("0", 0.0), ("-3", 0.0), ("", None), (None, None), ("soon", None)],
)
def test_parse_retry_after(value, expected) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now) == 0.0


def test_decide_is_pure_and_counts_retries() -> None:
    policy = RetryPolicy(max_retries=1)
    outcome = Outcome(OutcomeKind.NOT_SENT)
    kwargs = {"idempotent": False, "token_refreshed": False, "can_refresh": True, "rand": 0.0}
    assert decide(policy, outcome, retries_done=0, elapsed=0, **kwargs).retry
    assert not decide(policy, outcome, retries_done=1, elapsed=0, **kwargs).retry


def test_policy_validates_arguments() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_retries=-1)
    with pytest.raises(ValueError):
        RetryPolicy(backoff_base=-1)


@pytest.mark.parametrize("idempotent", [True, False])
def test_an_unread_answer_is_never_retried_and_may_have_acted(idempotent) -> None:
    outcome = Outcome(OutcomeKind.UNREAD)
    kwargs = {"token_refreshed": False, "can_refresh": True, "rand": 0.0}
    decision = decide(
        RetryPolicy(), outcome, idempotent=idempotent, retries_done=0, elapsed=0, **kwargs
    )
    assert not decision.retry
    assert maybe_processed(outcome)
