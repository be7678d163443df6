"""The fault matrix's parts: the faults, the operations, and what graphlink documents for
each pair (``expected``), worked out from the rules, never from what the code does.

The rules (``graphlink.retry.RetryPolicy``, docs/client.md "Retries", ``AsyncBatch``,
``events.create``/``delete``, ``mail.send``):

* 429, and 503 with ``Retry-After``: Graph did not process it; retried for every method,
  waiting as ``Retry-After`` says. Inside a ``$batch`` the item is sent again.
* A connection that failed before sending: retried for every method.
* 500, 502, 504, a bare 503, a read timeout, a broken connection after sending and a 2xx
  that cannot be read: the request may have been processed. Retried only when idempotent
  (GET, PUT, DELETE, an event create with its ``transactionId``, a ``$batch`` whose items
  all are); otherwise a typed error with ``maybe_processed`` set, whose message says so.
  Inside a ``$batch`` an item's 5xx is that item's error (only throttled items go again),
  with ``maybe_processed`` set for a write.
* A DELETE retried after an attempt that may have deleted reports success, not 404.
* 401: a new token and one retry. 403, 404 and the like: raised at once.

Where a fault lands in a ``$batch``: a status (other than 401) is the item's own answer, as
Graph throttles and fails items one by one; a 401, a broken connection and an unreadable
body hit the ``$batch`` call that carries the item.
"""

from __future__ import annotations

import asyncio
import email.utils
import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import httpx
from harness import SVC, FakeRun

from graphlink import RetryPolicy, errors
from graphlink.testing import FakeGraph, FaultKind

ADA = "ada@contoso.com"
START = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
END = START + timedelta(hours=1)
NEW = "Matrix"  # the subject every write under test uses
SEED = "Seed"  # the subject of the event GET, update and delete work on

# ============================================================================== faults


@dataclass(frozen=True)
class Fault:
    """One row: how to arm it, and what it means for the rules."""

    name: str
    status: int = 503
    kind: FaultKind = "status"
    acted: bool = False
    #: Seconds, or a callable making the header value (an HTTP date made when armed).
    retry_after: float | Callable[[], str] | None = None
    #: The wait graphlink should take from ``Retry-After`` (a range), when there is one.
    wait: tuple[float, float] | None = None
    #: The connection is refused before the request leaves (not a FakeGraph fault).
    refused: bool = False
    #: The token graphlink holds has expired at the server (not a FakeGraph fault).
    expired_token: bool = False

    @property
    def on_call(self) -> bool:
        """Whether it hits the HTTP call (the ``$batch`` itself) rather than a batch item."""
        return self.refused or self.expired_token or self.kind != "status"


def _http_date(seconds: float) -> Callable[[], str]:
    return lambda: email.utils.format_datetime(
        datetime.now(UTC) + timedelta(seconds=seconds), usegmt=True
    )


FAULTS: tuple[Fault, ...] = (
    Fault("429-seconds", 429, retry_after=1, wait=(1.0, 1.0)),
    Fault("429-fraction", 429, retry_after=0.01, wait=(0.01, 0.01)),
    # Sent with one-second precision, 2 s ahead: a wait of 1 to 2 s.
    Fault("429-http-date", 429, retry_after=_http_date(2), wait=(0.5, 2.5)),
    Fault("503-retry-after", 503, retry_after=0.01, wait=(0.01, 0.01)),
    Fault("503-bare", 503),
    Fault("500-after-acting", 500, acted=True),
    Fault("502-after-acting", 502, acted=True),
    Fault("504-after-acting", 504, acted=True),
    Fault("refused-before-sending", refused=True),
    Fault("reset-before-read", kind="reset"),
    Fault("reset-after-acting", kind="reset", acted=True),
    Fault("timeout-after-acting", kind="timeout", acted=True),
    Fault("malformed-json", 200, kind="malformed_json", acted=True),
    Fault("truncated-body", kind="truncated", acted=True),
    Fault("204-with-body", kind="204_with_body", acted=True),
    Fault("401-expired-token", 401, expired_token=True),
    Fault("403", 403),
    Fault("404", 404),
)

# ============================================================================== operations


@dataclass
class Env:
    """One cell's world: the fake, the client on it, the event the reads and writes use."""

    fake: FakeGraph
    run: FakeRun
    event_id: str

    def batch(self, queue: Callable[[Any], Any]) -> Any:
        """Queue one request in ``client.batch()``, send it, return the handle's result."""
        client = self.run.client
        if self.run.mode == "sync":
            with client.batch() as batch:
                handle = queue(batch)
            return handle.result()

        async def send() -> Any:
            async with client.batch() as batch:
                handle = queue(batch)
            return handle

        return asyncio.run(send()).result()


def _new_events(env: Env) -> int:
    return sum(1 for e in env.fake.events(SVC) if e["subject"] == NEW)


def _seed(env: Env) -> dict[str, Any] | None:
    return next((e for e in env.fake.events(SVC) if e["id"] == env.event_id), None)


def _renamed(env: Env) -> int:
    seed = _seed(env)
    return int(seed is not None and seed["subject"] == NEW)


def _deleted(env: Env) -> int:
    return int(_seed(env) is None)


def _untouched(env: Env) -> int:
    """A read changes nothing: 0, or how far the mailbox moved (a failure)."""
    seed = _seed(env)
    changed = len(env.fake.events(SVC)) != 1 or seed is None or seed["subject"] != SEED
    return int(changed) + len(env.fake.sent_mail)


@dataclass(frozen=True)
class Op:
    """One column: the call, the request a fault aims at, and how its effect is counted."""

    name: str
    method: str
    path: str  # a glob of the request path under /v1.0
    call: Callable[[Env], Any]
    effects: Callable[[Env], int]
    write: bool
    #: Repeated after a failure that may have been processed (documented per operation).
    idempotent: bool
    #: Graph answers it without a body (204, 202): an empty 2xx is its success.
    empty_answer: bool = False
    batch: bool = False


def _get(env: Env) -> Any:
    return env.run.run(env.run.client.events.get(SVC, env.event_id))


def _create(env: Env) -> Any:
    return env.run.run(env.run.client.events.create(NEW, START, END, calendar_id=SVC))


def _update(env: Env) -> Any:
    return env.run.run(env.run.client.events.update(SVC, env.event_id, title=NEW))


def _delete(env: Env) -> Any:
    return env.run.run(env.run.client.events.delete(SVC, env.event_id))


def _send(env: Env) -> Any:
    return env.run.run(env.run.client.mail.send(ADA, NEW, message_plaintext="exactly once"))


def _batch_create(env: Env) -> Any:
    return env.batch(lambda b: b.events.create(NEW, START, END, calendar_id=SVC))


def _batch_send(env: Env) -> Any:
    return env.batch(lambda b: b.mail.send(ADA, NEW, message_plaintext="exactly once"))


OPS: tuple[Op, ...] = (
    Op("get", "GET", "*/events/*", _get, _untouched, write=False, idempotent=True),
    Op("create", "POST", "*/events", _create, _new_events, write=True, idempotent=True),
    Op("update", "PATCH", "*/events/*", _update, _renamed, write=True, idempotent=False),
    Op(
        "delete",
        "DELETE",
        "*/events/*",
        _delete,
        _deleted,
        write=True,
        idempotent=True,
        empty_answer=True,
    ),
    Op(
        "sendMail",
        "POST",
        "*/sendMail",
        _send,
        lambda env: len(env.fake.sent_mail),
        write=True,
        idempotent=False,
        empty_answer=True,
    ),
    Op(
        "batch-create",
        "POST",
        "*/events",
        _batch_create,
        _new_events,
        write=True,
        idempotent=True,
        batch=True,
    ),
    Op(
        "batch-sendMail",
        "POST",
        "*/sendMail",
        _batch_send,
        lambda env: len(env.fake.sent_mail),
        write=True,
        idempotent=False,
        batch=True,
    ),
)

# ============================================================================== expected


@dataclass(frozen=True)
class Expected:
    """A cell's documented outcome: success, or this error; and the effects at the server."""

    error: type[errors.GraphError] | None
    maybe_processed: bool
    effects: int

    def describe(self) -> str:
        """Short, for the matrix table: ``ok/1``, ``ServerError mp/1``."""
        if self.error is None:
            return f"ok/{self.effects}"
        flag = " mp" if self.maybe_processed else ""
        return f"{self.error.__name__}{flag}/{self.effects}"


_LOST: dict[FaultKind, type[errors.GraphError]] = {
    "reset": errors.TransportError,
    "timeout": errors.TimeoutError,
    "truncated": errors.TransportError,
    "malformed_json": errors.InvalidResponseError,
}

_FINAL: dict[int, type[errors.GraphError]] = {
    403: errors.PermissionDeniedError,
    404: errors.NotFoundError,
}


def expected(fault: Fault, op: Op) -> Expected:
    """What the rules (module docstring) say ``op`` ends in under ``fault``."""
    done = Expected(None, False, int(op.write))
    acted = int(op.write and fault.acted)
    if fault.refused or fault.expired_token or fault.wait is not None:
        return done  # nothing reached Graph, or Graph refused it: sent (again)
    if fault.status in _FINAL and fault.kind == "status":
        return Expected(_FINAL[fault.status], False, 0)
    if fault.kind == "204_with_body":
        if op.empty_answer:
            return done
        # An empty 2xx where an object was promised: unreadable, though Graph acted.
        return Expected(errors.InvalidResponseError, op.write, acted)
    if fault.kind == "status":  # 500, 502, 504, a bare 503
        if op.idempotent and not op.batch:
            return done
        return Expected(errors.ServerError, op.write, acted)
    if op.idempotent:  # the answer was lost: the call (a $batch too) goes again
        return done
    return Expected(_LOST[fault.kind], True, acted)


# ============================================================================== running


class _Refusing:
    """Fails the first request matching (method, path glob) as a refused connection."""

    def __init__(self, method: str, path: str) -> None:
        self.method = method
        self.path = path
        self.refused = 0

    def refuse(self, request: httpx.Request) -> bool:
        path = unquote(request.url.path).removeprefix("/v1.0")
        if self.refused or request.method != self.method:
            return False
        if not fnmatch.fnmatch(path, self.path):
            return False
        self.refused += 1
        return True


class _RefusingSync(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, gate: _Refusing) -> None:
        self.inner = inner
        self.gate = gate

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.gate.refuse(request):
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return self.inner.handle_request(request)


class _RefusingAsync(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, gate: _Refusing) -> None:
        self.inner = inner
        self.gate = gate

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.gate.refuse(request):
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return await self.inner.handle_async_request(request)


def office() -> tuple[FakeGraph, str]:
    """The service account's mailbox with one event in it, and a colleague to mail."""
    fake = FakeGraph()
    fake.add_user(SVC, "Service Account")
    fake.add_user(ADA, "Ada Lovelace")
    seed = fake.add_event(SVC, SEED, START + timedelta(days=1), END + timedelta(days=1))
    return fake, str(seed["id"])


def policy() -> RetryPolicy:
    """Retries as shipped, with short backoffs (waits run on the fake clock anyway)."""
    return RetryPolicy(backoff_base=0.01, backoff_max=0.05)


def arm(fault: Fault, op: Op, mode: str) -> Env:
    """A fresh world for one cell, with ``fault`` armed against ``op``'s request."""
    fake, event_id = office()
    kwargs: dict[str, Any] = {"token": fake.issue_token, "retry": policy()}
    call_method, call_path = ("POST", "/$batch") if op.batch else (op.method, op.path)
    if fault.refused:
        gate = _Refusing(call_method, call_path)
        kwargs["http_client"] = (
            httpx.Client(transport=_RefusingSync(fake.transport(), gate))
            if mode == "sync"
            else httpx.AsyncClient(transport=_RefusingAsync(fake.async_transport(), gate))
        )
    env = Env(fake, FakeRun(mode, fake, **kwargs), event_id)
    if fault.expired_token:
        fake.check_tokens = True
        env.run.run(env.run.client.access_token())  # graphlink now holds a token...
        fake.expire_tokens()  # ...that Graph no longer takes
    elif not fault.refused:
        method, path = (call_method, call_path) if fault.on_call else (op.method, op.path)
        ra = fault.retry_after() if callable(fault.retry_after) else fault.retry_after
        fake.fail_next(
            fault.status,
            retry_after=ra,
            path=path,
            method=method,
            fault=fault.kind,
            acted=fault.acted,
        )
    return env


@dataclass(frozen=True)
class Outcome:
    """What a cell ended in, in the terms of ``Expected``, plus the error's message."""

    error: type[errors.GraphError] | None
    maybe_processed: bool
    effects: int
    message: str = ""
    result: Any = None

    def as_expected(self) -> Expected:
        """Comparable with ``Expected`` (message and result left out)."""
        return Expected(self.error, self.maybe_processed, self.effects)


def play(env: Env, op: Op) -> Outcome:
    """Run ``op``; a ``GraphError`` is an outcome, anything else escapes (untyped: a bug)."""
    try:
        result = op.call(env)
    except errors.GraphError as error:
        return Outcome(type(error), error.maybe_processed, op.effects(env), str(error))
    return Outcome(None, False, op.effects(env), result=result)
