"""``$batch`` as data: items, how they are packed into calls, and how answers are read (pure).

Graph's JSON batching carries up to 20 requests in one HTTP call, answers them in any
order, and gives each its own status (its own 429 too). Items that depend on each other
(``dependsOn``) always travel in the same call; an Outlook mailbox never gets more items in
one call than it may run at once (Exchange: 4), so a batch does not throttle itself.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import attrs

from graphlink._core.attempt import mark_effect
from graphlink._core.request import READ_METHODS, Operation, RequestSpec, is_link
from graphlink._core.responses import api_error
from graphlink._core.retry import Outcome, maybe_processed, parse_retry_after, too_long
from graphlink.errors import (
    BatchError,
    GraphError,
    InvalidResponseError,
    RateLimitError,
    ValidationError,
)
from graphlink.ratelimit import AllOf, PerMailbox

__all__ = [
    "MAILBOX_SLOTS",
    "MAX_BYTES",
    "MAX_ITEMS",
    "Answer",
    "Item",
    "Settled",
    "batch_spec",
    "call_failed",
    "check_batchable",
    "entry",
    "group",
    "interrupted",
    "judge_call",
    "mailbox_slots",
    "pack",
    "read_answers",
    "settle",
    "throttle_error",
    "unanswered",
    "unlink_settled",
]

#: Graph's limit of requests per ``$batch`` call.
MAX_ITEMS = 20
#: Keep a call's body under Graph's 4 MB request limit.
MAX_BYTES = 3_500_000
#: Outlook items of one mailbox per call: Exchange runs at most 4 at once per mailbox.
MAILBOX_SLOTS = 4


@attrs.frozen
class Item:
    """One queued request: its id in the batch, what it is, and what it waits for."""

    id: str
    operation: Operation[Any]
    depends_on: tuple[str, ...] = ()

    @property
    def spec(self) -> RequestSpec:
        """The request."""
        return self.operation.spec


@attrs.frozen
class Answer:
    """Graph's answer to one item: its status, headers and (decoded) body."""

    status: int
    headers: Mapping[str, str]
    body: Any


def check_batchable(spec: RequestSpec) -> None:
    """Refuse, when it is queued, a request a ``$batch`` cannot carry."""
    if spec.anonymous or is_link(spec.url) or spec.content is not None:
        raise ValidationError(
            "this request cannot go in a $batch (an upload, or an absolute URL): send it on its own"
        )
    if spec.url.lstrip("/").startswith("$batch"):
        raise ValidationError("a $batch cannot carry another $batch")


def entry(item: Item) -> dict[str, Any]:
    """The item as one of ``requests``: URL relative to the version root, JSON body with
    its ``Content-Type`` (Graph requires one with a body)."""
    spec = item.spec
    url = spec.url + ("?" + urlencode(spec.params) if spec.params else "")
    out: dict[str, Any] = {"id": item.id, "method": spec.method, "url": url}
    headers = dict(spec.headers)
    if spec.json is not None:
        headers.setdefault("Content-Type", "application/json")
        out["body"] = spec.json
    if headers:
        out["headers"] = headers
    if item.depends_on:
        out["dependsOn"] = list(item.depends_on)
    return out


def _size(item: Item) -> int:
    return len(json.dumps(entry(item), ensure_ascii=False).encode())


def group(items: Sequence[Item]) -> list[list[Item]]:
    """Items joined by ``dependsOn`` (either way), each group in queue order.

    A group travels in one call: Graph resolves ``dependsOn`` within a call only.
    """
    parent = {item.id: item.id for item in items}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for item in items:
        for other in item.depends_on:
            if other in parent:
                parent[root(item.id)] = root(other)
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(root(item.id), []).append(item)
    return list(groups.values())


def _mailboxes(items: Iterable[Item]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        if item.spec.key.startswith("mailbox:"):
            counts[item.spec.key] = counts.get(item.spec.key, 0) + 1
    return counts


def pack(
    items: Sequence[Item],
    *,
    max_items: int = MAX_ITEMS,
    max_bytes: int = MAX_BYTES,
    mailbox_slots: int = MAILBOX_SLOTS,
) -> list[list[Item]]:
    """The calls to send ``items`` in: at most ``max_items`` and ``max_bytes`` each, no more
    than ``mailbox_slots`` items of one mailbox each, dependent items together.

    Groups are placed first-fit in queue order, so independent items fill calls densely
    and the order of dependent items is kept.

    Raises:
        ValidationError: a group of dependent items that no single call can hold.
    """
    calls: list[_Call] = []
    for chain in group(items):
        size = sum(_size(i) for i in chain)
        boxes = _mailboxes(chain)
        if len(chain) == 1 and size > max_bytes:
            raise ValidationError(
                f"a request of about {size // 1_000_000} MB is too large for a $batch (about "
                f"{max_bytes // 1_000_000} MB per call): send it on its own"
            )
        if (
            len(chain) > max_items
            or size > max_bytes
            or any(n > mailbox_slots for n in boxes.values())
        ):
            raise ValidationError(
                f"{len(chain)} requests depend on each other, more than one $batch call can "
                f"carry ({max_items} requests, {mailbox_slots} per mailbox, about "
                f"{max_bytes // 1_000_000} MB): split the chain"
            )
        for call in calls:
            if (
                len(call.items) + len(chain) <= max_items
                and call.size + size <= max_bytes
                and all(call.boxes.get(k, 0) + n <= mailbox_slots for k, n in boxes.items())
            ):
                call.add(chain, size, boxes)
                break
        else:
            calls.append(_Call(list(chain), size, boxes))
    order = {item.id: n for n, item in enumerate(items)}
    return [sorted(call.items, key=lambda i: order[i.id]) for call in calls]


@attrs.define
class _Call:
    """A call being filled: its items, body size and items per mailbox."""

    items: list[Item]
    size: int
    boxes: dict[str, int]

    def add(self, chain: list[Item], size: int, boxes: Mapping[str, int]) -> None:
        self.items.extend(chain)
        self.size += size
        for key, n in boxes.items():
            self.boxes[key] = self.boxes.get(key, 0) + n


def mailbox_slots(limiter: object) -> int:
    """How many items of one mailbox a call may carry: Exchange's 4, or fewer when the
    client's limiter allows a mailbox fewer concurrent requests."""
    if isinstance(limiter, PerMailbox):
        return max(1, min(MAILBOX_SLOTS, int(limiter.concurrency)))
    if isinstance(limiter, AllOf):
        return min((mailbox_slots(p) for p in limiter.policies), default=MAILBOX_SLOTS)
    return MAILBOX_SLOTS


def unlink_settled(items: Sequence[Item]) -> list[Item]:
    """``items`` to send again, without ``dependsOn`` on requests that are done (settled in
    an earlier call): a call may only name requests it carries."""
    ids = {item.id for item in items}
    return [
        item
        if all(d in ids for d in item.depends_on)
        else attrs.evolve(item, depends_on=tuple(d for d in item.depends_on if d in ids))
        for item in items
    ]


def batch_spec(items: Sequence[Item]) -> RequestSpec:
    """``POST /$batch`` carrying ``items``; admitted by the limiter as each item's request.

    Repeating the call is safe when every item is (creates carry their transactionId);
    otherwise it follows the rules of a request that must not run twice.
    """
    return RequestSpec(
        method="POST",
        url="/$batch",
        json={"requests": [entry(item) for item in items]},
        idempotent=all(item.spec.idempotent for item in items),
        keys=tuple(item.spec.key for item in items),
    )


def read_answers(body: Any, items: Sequence[Item]) -> dict[str, Answer]:
    """Graph's ``responses``, matched to the items by id (case-insensitively), any order.

    An item Graph left unanswered is missing from the result (the caller settles it on its
    own; the others' answers stand).

    Raises:
        InvalidResponseError: not a batch answer at all (``maybe_processed``: Graph answered
            2xx, so its requests ran).
    """
    responses = body.get("responses") if isinstance(body, Mapping) else None
    if not isinstance(responses, list):
        raise _unreadable("Graph's $batch answer has no responses list")
    by_id: dict[str, Answer] = {}
    for response in responses:
        if not isinstance(response, Mapping) or not isinstance(response.get("status"), int):
            raise _unreadable("a $batch response has no status")
        headers = response.get("headers") or {}
        by_id[str(response.get("id", "")).casefold()] = Answer(
            int(response["status"]),
            {str(k): str(v) for k, v in headers.items()} if isinstance(headers, Mapping) else {},
            response.get("body"),
        )
    return {item.id: by_id[item.id.casefold()] for item in items if item.id.casefold() in by_id}


def _unreadable(problem: str) -> InvalidResponseError:
    """A 2xx to ``$batch`` graphlink cannot read: Graph ran its requests, writes may have
    taken effect."""
    error = InvalidResponseError(
        f"{problem}; Graph answered 2xx, so its requests ran and may have taken effect"
    )
    error.maybe_processed = True
    return error


def call_failed(item: Item, error: GraphError) -> GraphError:
    """Each request's own copy of a whole call's failure: a read never "may have run"."""
    mine = copy.copy(error)
    mine.maybe_processed = error.maybe_processed and item.spec.method not in READ_METHODS
    return mine


def interrupted(item: Item, stop: BaseException) -> GraphError:
    """The error of a request whose batch stopped sending before it was settled."""
    error = BatchError(
        f"the batch stopped before request {item.id} was settled ({type(stop).__name__}: "
        f"{stop}); it may have run: check before sending it again"
    )
    error.maybe_processed = item.spec.method not in READ_METHODS
    return error


def unanswered(item: Item, attempts: int) -> GraphError:
    """The error of a request Graph's answer left out: it may have run."""
    error = InvalidResponseError(f"Graph's $batch answer left request {item.id} out")
    error.attempts = attempts
    error.maybe_processed = item.spec.method not in READ_METHODS
    return error


@attrs.frozen
class Settled:
    """What one item's answer means: a result, an error, or a retry after ``wait``."""

    result: Any = None
    error: GraphError | None = None
    retry_after: float | None = None


def settle(item: Item, answer: Answer, attempts: int) -> Settled:
    """Read one item's answer: parse a 2xx, type an error, or ask for a retry (429, and 503
    with ``Retry-After``: Graph did not run the item)."""
    if 200 <= answer.status < 300:
        try:
            return Settled(result=item.operation.parse(answer.body))
        except GraphError as invalid:  # Graph ran it: a write was done
            return Settled(error=mark_effect(item.spec, invalid, this_one=True))
    wait = parse_retry_after(_header(answer.headers, "Retry-After"))
    if answer.status == 429 or (answer.status == 503 and wait is not None):
        return Settled(retry_after=wait if wait is not None else 1.0)
    content = b"" if answer.body is None else json.dumps(answer.body).encode()
    error = api_error(answer.status, answer.headers, content, retry_after=wait, attempts=attempts)
    acted = maybe_processed(Outcome.response(answer.status, wait))  # a 500/502/504, a bare 503
    return Settled(error=mark_effect(item.spec, error, this_one=acted))


def throttle_error(answer: Answer, attempts: int, max_retry_after: float | None) -> GraphError:
    """The error of a request still throttled after its retries, or asked to wait longer
    than ``max_retry_after`` (the message then says graphlink chose not to wait)."""
    content = b"" if answer.body is None else json.dumps(answer.body).encode()
    wait = parse_retry_after(_header(answer.headers, "Retry-After"))
    error = api_error(
        answer.status,
        answer.headers,
        content,
        retry_after=wait,
        attempts=attempts,
        cls=RateLimitError,
    )
    return error if max_retry_after is None else too_long(error, max_retry_after)


def judge_call(
    call: Sequence[Item],
    answers: Mapping[str, Answer],
    attempts: Mapping[str, int],
    *,
    max_retries: int,
    max_retry_after: float,
    time_left: float | None = None,
) -> tuple[dict[str, float], dict[str, Settled]]:
    """What a call's answers mean: ``(to send again: id -> wait, settled: id -> Settled)``.

    A throttled request within its retries (and within ``time_left``, the call's deadline)
    is sent again after its ``Retry-After``; so is one answered 424 only because something
    it depends on was throttled, when nothing it depends on failed. Everything else is
    settled now: a request left out of the answer with an error saying it may have run.
    """
    again: dict[str, float] = {}
    settled: dict[str, Settled] = {}
    for item in call:
        answer = answers.get(item.id)
        if answer is None:
            settled[item.id] = Settled(error=unanswered(item, attempts[item.id]))
            continue
        verdict = settle(item, answer, attempts[item.id])
        wait = verdict.retry_after
        if wait is None:
            settled[item.id] = verdict
        elif attempts[item.id] > max_retries or (time_left is not None and wait > time_left):
            settled[item.id] = Settled(error=throttle_error(answer, attempts[item.id], None))
        elif wait > max_retry_after:
            error = throttle_error(answer, attempts[item.id], max_retry_after)
            settled[item.id] = Settled(error=error)
        else:
            again[item.id] = wait
    for item in call:  # in queue order: what an item depends on comes first
        blocked = item.id in settled and answers.get(item.id, _NONE).status == 424
        waiting = [d for d in item.depends_on if d in again]
        failed = [d for d in item.depends_on if d in settled and settled[d].error is not None]
        if blocked and waiting and not failed:
            del settled[item.id]
            again[item.id] = 0.0
    return again, settled


_NONE = Answer(0, {}, None)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None
