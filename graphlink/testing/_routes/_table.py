"""The one route table, the ``route`` decorator that fills it, and shared path pieces."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from graphlink.testing._state.common import GraphFault
from graphlink.testing._wire import Call, Reply

if TYPE_CHECKING:
    from graphlink.testing._engine import Engine

__all__ = [
    "CALENDAR",
    "ROUTES",
    "USER",
    "Handler",
    "Route",
    "calendar_ref",
    "refuse_over_4_mb",
    "route",
    "user_ref",
]

#: A route's handler: the engine (its ``state``), the call, and the path's match.
Handler = Callable[["Engine", Call, "re.Match[str]"], Reply]


@attrs.frozen
class Route:
    """One registered route: method, whole-path regex (any case) and handler."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    #: True: matched against the path under ``/v1.0`` or ``/beta``, after the bearer-token
    #: check. False: the whole URL path of a request outside them, with no token check
    #: (the token endpoint, upload URLs).
    graph: bool


#: Every route of every area, in registration order (the first match wins).
ROUTES: list[Route] = []


def route(method: str, pattern: str, *, graph: bool = True) -> Callable[[Handler], Handler]:
    """Register a handler for ``method`` on a path regex (matched whole, any case)."""

    def register(fn: Handler) -> Handler:
        ROUTES.append(Route(method, re.compile(pattern, re.IGNORECASE), fn, graph))
        return fn

    return register


#: ``/users/{user}`` or ``/me``; ``user_ref`` reads it.
USER = r"/(?:users/(?P<user>[^/]+)|me)"
#: ``USER`` with an optional calendar (default, by id, or in a calendar group); ``calendar_ref``
#: reads it.
CALENDAR = (
    USER + r"(?:/calendar|/calendars/(?P<cal>[^/]+)|/calendarGroup/calendars/(?P<cal2>[^/]+)"
    r"|/calendarGroups/[^/]+/calendars/(?P<cal3>[^/]+))?"
)


def user_ref(m: re.Match[str]) -> str:
    """The user a ``USER`` path names: the ``{user}`` segment, or ``me``."""
    return m.groupdict().get("user") or "me"


def calendar_ref(m: re.Match[str]) -> str | None:
    """The calendar id a ``CALENDAR`` path names, or None for the default calendar."""
    d = m.groupdict()
    return d.get("cal") or d.get("cal2") or d.get("cal3")


def refuse_over_4_mb(call: Call) -> None:
    """Graph refuses a request body over about 4 MB with 413 (the status is documented;
    the code and message are FakeGraph's guess)."""
    if len(call.raw) > 4 * 1024 * 1024:
        raise GraphFault(
            413,
            "RequestEntityTooLarge",
            "The request is larger than the 4 MB a request may carry; "
            "use an upload session for large attachments.",
        )
