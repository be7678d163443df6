"""Pure decisions behind FakeGraph's realism switches: faults, mailbox keys, rate windows."""

from __future__ import annotations

import fnmatch
import re
from collections import deque
from typing import Literal

import attrs

__all__ = ["Fault", "FaultKind", "mailbox_ref", "sliding_window_wait"]

#: What a fault does: answer a status, reset the connection, stall until the client times
#: out, send a body that is not JSON, or answer 204 with a body.
FaultKind = Literal["status", "reset", "timeout", "malformed_json", "204_with_body"]

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


@attrs.define
class Fault:
    """One planned failure.

    Armed by [`FakeGraph.fail_next`][graphlink.testing.FakeGraph.fail_next].
    """

    kind: FaultKind
    status: int = 503
    retry_after: float | None = None
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
