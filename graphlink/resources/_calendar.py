"""Calendar calls as data: mailboxes, times, calendars, free/busy and rooms (pure).

The driver's mailbox rule: a ``calendar_id`` containing ``@`` *is* the mailbox (a room or
a user; its default calendar); any other ``calendar_id`` is a calendar of the ``user_id``
mailbox; ``user_id`` defaults to the client's ``service_account``. Every request is
addressed ``/users/{mailbox}/...``, so the transport limits it by that mailbox.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from graphlink._core import parse
from graphlink._core.paths import path, segment
from graphlink._core.request import Listing, Operation, RequestSpec
from graphlink.errors import ValidationError
from graphlink.models import (
    Calendar,
    FreeBusyError,
    Room,
    RoomList,
    ScheduleInformation,
    format_wall_clock,
    to_zoneinfo,
)
from graphlink.resources._directory import check_reference

__all__ = [
    "PAGE",
    "SCHEDULES_PER_CALL",
    "Target",
    "calendar_list",
    "check_interval",
    "check_schedules",
    "check_window",
    "merge_schedules",
    "moment",
    "prefer_zone",
    "room_list",
    "room_lists",
    "rooms_in_list",
    "schedule_calls",
    "target",
    "utc_text",
    "zone_name_or_none",
]

#: Outlook's largest page (events, calendarView, calendars): fewer round trips.
PAGE = 1000
#: getSchedule reads at most 20 mailboxes per call.
SCHEDULES_PER_CALL = 20
#: getSchedule's window must be under 42 days: each call asks for at most this much.
_SCHEDULE_WINDOW = timedelta(days=41)
#: Places pages: Graph's default is 100; ask for its largest.
_PLACES_PAGE = 100


# ---------------------------------------------------------------- times and zones


def moment(value: object, what: str) -> datetime:
    """A time argument: an aware ``datetime``, or Unix seconds (the driver's ``Int64``).

    A naive datetime is refused: graphlink never guesses a zone.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationError(
                f"{what} is a naive datetime; give it a zone (e.g. tzinfo=ZoneInfo(...))"
            )
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValidationError(f"{what} is out of range: {value!r}") from None
    raise ValidationError(f"{what} must be an aware datetime or Unix seconds, not {value!r}")


def check_window(start: object, end: object, what: str = "period") -> tuple[datetime, datetime]:
    """A ``(start, end)`` pair of times, end after start."""
    first, last = moment(start, f"{what}_start"), moment(end, f"{what}_end")
    if last <= first:
        raise ValidationError(f"{what}_end must be after {what}_start")
    return first, last


def zone_name_or_none(value: object, what: str = "time_zone") -> str | None:
    """A zone name (IANA or Windows) Graph and graphlink both know, or None."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{what} must be an IANA or Windows zone name, not {value!r}")
    to_zoneinfo(value.strip())  # raises UnknownTimeZoneError (a ValidationError)
    return value.strip()


def prefer_zone(zone: str | None) -> dict[str, str]:
    """``Prefer: outlook.timezone``: Graph answers start and end in this zone."""
    return {} if zone is None else {"Prefer": f'outlook.timezone="{zone}"'}


def utc_text(value: datetime) -> str:
    """A query-string time (calendarView bounds): ISO 8601 in UTC, ``Z``-suffixed."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------- mailboxes


@attrs.frozen
class Target:
    """Where a calendar call goes: a mailbox, and a calendar of it (None: the default)."""

    mailbox: str
    calendar: str | None = None

    @property
    def user(self) -> str:
        """``/users/{mailbox}``, the mailbox percent-encoded as one segment."""
        return path("users", segment(self.mailbox))

    @property
    def calendar_path(self) -> str:
        """``/users/{m}/calendar`` or ``/users/{m}/calendars/{id}``."""
        if self.calendar is None:
            return self.user + "/calendar"
        return self.user + "/calendars/" + segment(self.calendar)

    def event(self, event_id: str, *rest: str) -> str:
        """``/users/{m}/events/{id}[/rest]``: an event is addressed by its mailbox alone."""
        return path("users", segment(self.mailbox), "events", segment(event_id), *rest)


def target(calendar_id: object, user_id: object, account: str | None) -> Target:
    """Resolve the driver's ``calendar_id``/``user_id`` pair into a mailbox and calendar.

    Args:
        calendar_id: A mailbox address (contains ``@``), a calendar id, or None.
        user_id: The mailbox of a calendar id; None for the client's ``service_account``.
        account: The client's ``service_account``.
    """
    user = None if user_id is None else check_reference(user_id, "user_id")
    if calendar_id is not None:
        calendar = check_reference(calendar_id, "calendar_id")
        if "@" in calendar:
            return Target(calendar)
    else:
        calendar = None
    mailbox = user or account
    if mailbox is None:
        raise ValidationError(
            "no mailbox: pass user_id (or a calendar_id that is an email address), "
            "or build the client with service_account="
        )
    return Target(mailbox, calendar)


# ---------------------------------------------------------------- calendars


def calendar_list(user_id: object = None, *, account: str | None = None) -> Listing[Calendar]:
    """``GET /users/{m}/calendars``: every calendar of a mailbox, every page."""
    where = target(None, user_id, account)
    spec = RequestSpec(method="GET", url=where.user + "/calendars", params={"$top": PAGE})
    return Listing(spec=spec, parse_items=parse.models(Calendar))


def check_interval(interval: object) -> int:
    """getSchedule's ``availabilityViewInterval``: whole minutes, 5 to 1440."""
    if isinstance(interval, bool) or not isinstance(interval, int) or not 5 <= interval <= 1440:
        raise ValidationError(f"interval must be whole minutes from 5 to 1440, not {interval!r}")
    return interval


def _windows(start: datetime, end: datetime, interval: int) -> list[tuple[datetime, datetime]]:
    """Consecutive windows under 42 days, each a whole number of intervals long, so that
    their availability views join into the view of the whole window.

    The whole window is rounded up to a whole number of intervals: Graph refuses a window
    shorter than its interval, and the last character of a view covers a whole interval.
    """
    unit = timedelta(minutes=interval)
    end = start + unit * -(-(end - start) // unit)  # ceiling division
    step = unit * (_SCHEDULE_WINDOW // unit)
    out = []
    while start < end:
        out.append((start, min(start + step, end)))
        start += step
    return out


def check_schedules(schedules: object) -> list[str]:
    """The mailboxes of a getSchedule, as they will be sent (and their results named)."""
    if isinstance(schedules, str):
        schedules = [schedules]
    if not isinstance(schedules, Iterable):
        raise ValidationError(f"schedules must be mailbox addresses, not {schedules!r}")
    names = [check_reference(s, "a schedule") for s in schedules]
    if not names:
        raise ValidationError("schedules must name at least one mailbox")
    return names


def _distinct(names: list[str]) -> list[str]:
    """Each mailbox once (Graph answers a repeated one twice), in the order asked."""
    first: dict[str, str] = {}
    for name in names:
        first.setdefault(name.casefold(), name)
    return list(first.values())


def schedule_calls(
    schedules: object,
    start: object,
    end: object,
    *,
    interval: object = 30,
    user_id: object = None,
    account: str | None = None,
) -> list[Operation[list[ScheduleInformation]]]:
    """``POST /users/{m}/calendar/getSchedule`` calls covering every mailbox and the window.

    Graph reads at most 20 mailboxes and under 42 days per call: the mailboxes are split by
    20, the window into consecutive spans, and ``merge_schedules`` joins the answers.
    """
    names = _distinct(check_schedules(schedules))
    first, last = check_window(start, end, "window")
    minutes = check_interval(interval)
    where = target(None, user_id, account)
    calls = []
    for a, b in _windows(first, last, minutes):
        for i in range(0, len(names), SCHEDULES_PER_CALL):
            body = {
                "schedules": names[i : i + SCHEDULES_PER_CALL],
                "startTime": {"dateTime": format_wall_clock(a.astimezone(UTC)), "timeZone": "UTC"},
                "endTime": {"dateTime": format_wall_clock(b.astimezone(UTC)), "timeZone": "UTC"},
                "availabilityViewInterval": minutes,
            }
            spec = RequestSpec(
                method="POST",
                url=where.user + "/calendar/getSchedule",
                json=body,
                headers=prefer_zone("UTC"),
                idempotent=True,  # a read, though a POST
            )
            calls.append(Operation(spec=spec, parse=_schedules))
    return calls


def _schedules(body: Any) -> list[ScheduleInformation]:
    items = body.get("value") if isinstance(body, Mapping) else None
    if not isinstance(items, list):
        raise parse.invalid("getSchedule answer", "it has no value list")
    return parse.models(ScheduleInformation)(items)


def merge_schedules(
    names: Sequence[str], answers: Sequence[list[ScheduleInformation]]
) -> list[ScheduleInformation]:
    """One result per asked mailbox, in the order asked: items and views joined across
    the windows (``answers`` in call order: window by window).

    A mailbox whose view is missing from any window (Graph reported an error for it, or
    left it out) gets no view at all rather than one that would start at the wrong time,
    and the error; a mailbox missing from every answer gets an error saying so.
    """
    per_window = Counter(n.casefold() for n in dict.fromkeys(names))
    windows = len(answers) // max(1, -(-len(per_window) // SCHEDULES_PER_CALL))
    merged: dict[str, ScheduleInformation] = {}
    seen: Counter[str] = Counter()
    broken: set[str] = set()
    for answer in answers:
        for info in answer:
            key = (info.schedule_id or "").casefold()
            seen[key] += 1
            if info.availability_view is None:
                broken.add(key)
            before = merged.get(key)
            if before is None:
                merged[key] = info
                continue
            merged[key] = attrs.evolve(
                before,
                availability_view=(before.availability_view or "") + (info.availability_view or ""),
                schedule_items=before.schedule_items + info.schedule_items,
                error=before.error or info.error,
            )
    out = []
    for name in names:
        key = name.casefold()
        found = merged.get(key)
        if found is None:
            missing = FreeBusyError(message="Graph returned no schedule for this mailbox")
            out.append(ScheduleInformation(schedule_id=name, error=missing))
        elif key in broken or seen[key] < windows:
            gap = FreeBusyError(message="Graph returned no availability for part of the window")
            out.append(attrs.evolve(found, availability_view=None, error=found.error or gap))
        else:
            out.append(found)
    return out


# ---------------------------------------------------------------- rooms


def room_list() -> Listing[Room]:
    """``GET /places/microsoft.graph.room``: every room of the tenant."""
    spec = RequestSpec(
        method="GET", url="/places/microsoft.graph.room", params={"$top": _PLACES_PAGE}
    )
    return Listing(spec=spec, parse_items=parse.models(Room))


def room_lists() -> Listing[RoomList]:
    """``GET /places/microsoft.graph.roomlist``: every room list (building) of the tenant."""
    spec = RequestSpec(
        method="GET", url="/places/microsoft.graph.roomlist", params={"$top": _PLACES_PAGE}
    )
    return Listing(spec=spec, parse_items=parse.models(RoomList))


def rooms_in_list(room_list_email: object) -> Listing[Room]:
    """``GET /places/{room list email}/microsoft.graph.roomlist/rooms``."""
    email = check_reference(room_list_email, "room_list_email")
    url = path("places", segment(email), "microsoft.graph.roomlist", "rooms")
    spec = RequestSpec(method="GET", url=url, params={"$top": _PLACES_PAGE})
    return Listing(spec=spec, parse_items=parse.models(Room))
