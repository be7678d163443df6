"""Pure decisions behind FakeGraph's realism switches.

Faults, mailbox keys, rate windows, and which items of a ``$batch`` a mailbox's
concurrency limit refuses.
"""

from __future__ import annotations

import fnmatch
import re
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Literal

import attrs

__all__ = [
    "BatchItemRef",
    "BatchPlan",
    "Fault",
    "FaultKind",
    "mailbox_ref",
    "plan_batch",
    "sliding_window_wait",
]

FaultKind = Literal["status", "reset", "timeout", "malformed_json", "truncated", "204_with_body"]
"""What a fault does: answer a status, reset the connection, stall until the client times
out, send a body that is not JSON, cut the answer short, or answer 204 with a body.
[`FakeGraph.fail_next`][graphlink.testing.FakeGraph.fail_next] says what each one means."""

_MAILBOX_RE = re.compile(
    r"^/(?:users/(?P<user>[^/]+)|(?P<me>me))/"
    r"(?:calendar|calendars|calendarview|events|sendmail|messages|mailfolders|calendargroup|"
    r"calendargroups|outlook)(?:/|$)",
    re.IGNORECASE,
)


def mailbox_ref(path: str) -> str | None:
    """The user segment of an Outlook (mailbox) request path, else None.

    >>> mailbox_ref("/users/a@contoso.com/calendar/events")
    'a@contoso.com'
    >>> mailbox_ref("/users/a@contoso.com/memberOf") is None
    True
    """
    m = _MAILBOX_RE.match(path)
    if m is None:
        return None
    return m.group("user") or "me"


def sliding_window_wait(history: deque[float], now: float, rate: int, per: float) -> float | None:
    """Admit a request at ``now`` if fewer than ``rate`` arrived in the last ``per`` seconds.

    Admitting appends ``now`` to ``history`` and returns None; refusing returns the wait
    (seconds) until the oldest request leaves the window.
    """
    while history and history[0] <= now - per:
        history.popleft()
    if len(history) < rate:
        history.append(now)
        return None
    return max(history[0] + per - now, 0.001)


@attrs.frozen
class BatchItemRef:
    """What the concurrency plan needs of one ``$batch`` item."""

    id: str
    #: The mailbox it targets (``Engine.mailbox_key``), None for a non-Outlook item.
    mailbox: str | None
    depends_on: tuple[str, ...] = ()


@attrs.frozen
class BatchPlan:
    """Which items of one ``$batch`` the mailbox concurrency limit refuses.

    ``throttled`` items are answered ``429`` and never run; ``reserved`` is how many
    concurrency slots each mailbox's admitted items hold while the batch is in flight
    (the most that run at once, wave by wave).
    """

    throttled: frozenset[str] = frozenset()
    reserved: Mapping[str, int] = attrs.field(factory=dict)


def plan_batch(
    items: Sequence[BatchItemRef], in_flight: Mapping[str | None, int], limit: int | None
) -> BatchPlan:
    """Admit a batch's Outlook items against each mailbox's concurrency limit.

    Items run in waves: those without ``dependsOn`` first, then each item one wave after
    the last of its dependencies (a ``dependsOn`` chain runs one item at a time). In a
    wave, a mailbox's items are admitted in request order while the requests already in
    flight for that mailbox (``in_flight``, the batch's own not included) plus the wave's
    admitted ones stay under ``limit``; the others are throttled. Dependents of a
    throttled item are neither counted nor throttled: they get Graph's 424. A batch
    whose ``dependsOn`` is unknown or cyclic gets an empty plan (the route answers 400).

    >>> a = [BatchItemRef(str(i), "room") for i in range(6)]
    >>> sorted(plan_batch(a, {}, 4).throttled)
    ['4', '5']
    >>> chain = [BatchItemRef("1", "room"), BatchItemRef("2", "room", ("1",))]
    >>> plan_batch(chain, {"room": 3}, 4).throttled
    frozenset()
    """
    wave: dict[str, int] = {}
    pending = list(items)
    while pending:
        ready = [it for it in pending if all(d in wave for d in it.depends_on)]
        if not ready:
            return BatchPlan()
        for it in ready:
            wave[it.id] = 1 + max((wave[d] for d in it.depends_on), default=-1)
        pending = [it for it in pending if it.id not in wave]
    throttled: set[str] = set()
    skipped: set[str] = set()  # throttled items and everything depending on them
    running: dict[tuple[int, str], int] = {}
    for it in sorted(items, key=lambda it: wave[it.id]):  # stable: request order in a wave
        if any(d in skipped for d in it.depends_on):
            skipped.add(it.id)
            continue
        if it.mailbox is None:
            continue
        slot = (wave[it.id], it.mailbox)
        admitted = running.get(slot, 0)
        if limit is not None and in_flight.get(it.mailbox, 0) + admitted >= limit:
            throttled.add(it.id)
            skipped.add(it.id)
            continue
        running[slot] = admitted + 1
    reserved: dict[str, int] = {}
    for (_, mailbox), count in running.items():
        reserved[mailbox] = max(reserved.get(mailbox, 0), count)
    return BatchPlan(frozenset(throttled), reserved)


@attrs.define
class Fault:
    """One planned failure.

    Armed by [`FakeGraph.fail_next`][graphlink.testing.FakeGraph.fail_next].
    """

    kind: FaultKind
    status: int = 503
    #: Seconds, or a ``Retry-After`` value sent as it is (an HTTP date).
    retry_after: float | str | None = None
    times: int = 1
    path: str | None = None
    method: str | None = None
    code: str | None = None
    message: str | None = None
    #: The route runs first (its side effects happen), then the client gets the fault.
    acted: bool = False

    def matches(self, method: str, path: str, *, inner: bool) -> bool:
        """Does this fault apply to a request? Inside ``$batch`` only path-bound faults do.

        ``path`` is a glob when it holds ``*``, ``?`` or ``[``, otherwise a case-insensitive
        substring of the request path (relative to ``/v1.0``).
        """
        if self.times <= 0:
            return False
        if inner and self.path is None:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.path is None:
            return True
        if any(c in self.path for c in "*?["):
            return fnmatch.fnmatch(path.lower(), self.path.lower())
        return self.path.lower() in path.lower()
