"""A fault means the same in-process and over ``serve()`` (issue 14 #15).

``fault="reset"`` used to be ``httpx.ConnectError`` in-process (nothing sent, so graphlink
retried a POST) but a reset after the request was read over the socket (the POST was not
retried): a test on the fake in-process drew the opposite conclusion from one over the
socket. Here the same fault runs both ways, on both clients, for a GET, an idempotent POST
(an event create with its transactionId) and one that is not (sendMail), and must end the
same: the same result or typed error, the same ``maybe_processed``, the same side effects
at the server and the same requests recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fake_helpers import AUTH
from harness import SVC, FakeClock, fake_time

from graphlink import AsyncGraphClient, GraphClient, RetryPolicy
from graphlink.errors import GraphError
from graphlink.testing import FakeGraph, FaultKind

START = datetime(2030, 1, 7, 9, tzinfo=UTC)
ADA = "ada@contoso.com"
# The client's timeout: short where a stalled socket must time out (each such cell waits
# it out once), generous elsewhere so that a loaded machine never turns an answer into one.
STALL_TIMEOUT = 0.5
TIMEOUT = 10.0

# (fault, acted, status)
FAULTS: list[tuple[FaultKind, bool, int]] = [
    ("reset", False, 503),
    ("reset", True, 503),
    ("timeout", False, 503),
    ("timeout", True, 503),
    ("truncated", False, 503),
    ("truncated", True, 503),
    ("malformed_json", True, 200),
    ("204_with_body", True, 503),
    ("status", True, 504),
]


def _get(client: Any, event_id: str) -> Any:
    return client.events.get(SVC, event_id)


def _create(client: Any, event_id: str) -> Any:
    return client.events.create("Parity", START, START + timedelta(hours=1), calendar_id=SVC)


def _send(client: Any, event_id: str) -> Any:
    return client.mail.send(ADA, "Parity", message_plaintext="once")


# name: (method, path glob, call)
OPS: dict[str, tuple[str, str, Callable[[Any, str], Any]]] = {
    "GET": ("GET", "*/events/*", _get),
    "POST-create": ("POST", "*/events", _create),
    "POST-sendMail": ("POST", "*/sendMail", _send),
}


def _office() -> tuple[FakeGraph, str]:
    fake = FakeGraph()
    fake.add_user(SVC)
    fake.add_user(ADA)
    fake.stall_seconds = 5.0
    event = fake.add_event(SVC, "Seed", START, START + timedelta(hours=1))
    return fake, str(event["id"])


def _outcome(
    mode: str, fake: FakeGraph, event_id: str, op: str, base_url: str | None, timeout: float
) -> tuple[Any, ...]:
    method, path, call = OPS[op]
    kwargs: dict[str, Any] = {
        "service_account": SVC,
        "retry": RetryPolicy(max_retries=2, backoff_base=0.01),
        "timeout": timeout,
    }
    if base_url is None:
        make = fake.client if mode == "sync" else fake.async_client
        client = make(**kwargs)
    else:
        # Plain HTTP: verify=False spares loading the CA bundle (0.2 s a client).
        if mode == "sync":
            kwargs["http_client"] = httpx.Client(verify=False)
            client = GraphClient(token="fake-token", base_url=base_url, **kwargs)
        else:
            kwargs["http_client"] = httpx.AsyncClient(verify=False)
            client = AsyncGraphClient(token="fake-token", base_url=base_url, **kwargs)
    fake_time(mode, client, FakeClock())  # backoffs on a fake clock: only timeouts are real
    given = kwargs.get("http_client")  # graphlink leaves a client it was given open
    result: str
    maybe: bool = False
    try:
        if mode == "sync":
            with client, given or contextlib.nullcontext():
                call(client, event_id)
        else:

            async def run() -> None:
                async with client, given or contextlib.nullcontext():
                    await call(client, event_id)

            asyncio.run(run())
        result = "ok"
    except GraphError as error:
        result, maybe = type(error).__name__, error.maybe_processed
    statuses = [
        r.status for r in fake.requests if r.method == method and fnmatch.fnmatch(r.path, path)
    ]
    events = sorted(e["subject"] for e in fake.events(SVC))
    return result, maybe, statuses, events, len(fake.sent_mail)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize(("kind", "acted", "status"), FAULTS, ids=lambda v: str(v))
def test_a_fault_ends_the_same_in_process_and_over_the_socket(
    kind: FaultKind, acted: bool, status: int, op: str, mode: str
) -> None:
    method, path, _ = OPS[op]
    timeout = STALL_TIMEOUT if kind == "timeout" else TIMEOUT
    outcomes = []
    for served in (False, True):
        fake, event_id = _office()
        fake.fail_next(status, fault=kind, acted=acted, method=method, path=path)
        if served:
            with fake.serve() as base_url:
                outcomes.append(_outcome(mode, fake, event_id, op, base_url, timeout))
        else:
            outcomes.append(_outcome(mode, fake, event_id, op, None, timeout))
    in_process, over_socket = outcomes
    assert in_process == over_socket


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("served", [False, True], ids=["in-process", "serve"])
def test_a_reset_sendmail_is_not_retried_either_way(mode: str, served: bool) -> None:
    """The case the two used to disagree on: the request went out, so it may have acted."""
    fake, event_id = _office()
    fake.fail_next(fault="reset", method="POST", path="*/sendMail")
    if served:
        with fake.serve() as base_url:
            outcome = _outcome(mode, fake, event_id, "POST-sendMail", base_url, TIMEOUT)
    else:
        outcome = _outcome(mode, fake, event_id, "POST-sendMail", None, TIMEOUT)
    assert outcome == ("TransportError", True, [None], ["Seed"], 0)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("acted", [False, True])
@pytest.mark.parametrize("kind", ["reset", "truncated", "204_with_body", "malformed_json"])
def test_plain_httpx_sees_the_same_either_way(kind: FaultKind, acted: bool, method: str) -> None:
    """Under graphlink: the same httpx error type (or status and body) both ways."""
    fake, _ = _office()
    url = "/users" if method == "GET" else f"/users/{SVC}/sendMail"
    mail = {"message": {"subject": "x", "toRecipients": [{"emailAddress": {"address": ADA}}]}}
    seen = []
    with fake.serve() as base_url:
        for transport in (fake.transport(), httpx.HTTPTransport(verify=False)):
            fake.fail_next(200, fault=kind, acted=acted)
            with httpx.Client(transport=transport, headers=AUTH, base_url=base_url) as client:
                try:
                    response = client.request(method, url, json=mail if method == "POST" else None)
                    seen.append((response.status_code, response.content))
                except httpx.HTTPError as error:
                    seen.append((type(error).__name__, b""))
    assert seen[0] == seen[1]
