"""Recurrence: the dates a Graph ``patternedRecurrence`` produces, as Outlook expands them.

Pure functions, no state. ``normalize_recurrence`` checks a request's ``recurrence`` and
returns it as Graph echoes it (every field present, enums in Graph's spelling);
``occurrence_dates`` yields the local dates (in the series' time zone) its occurrences fall
on, in order. The wall-clock time of each occurrence is the series master's start time in
that zone, so a weekly 09:00 meeting stays at 09:00 local across daylight-saving changes.

Outlook's rules, as its docs describe them (``resources/patternedrecurrence.md``,
``recurrencepattern.md``, ``recurrencerange.md``):

- ``daily``: every ``interval`` days from ``range.startDate``.
- ``weekly``: on ``daysOfWeek``, every ``interval`` weeks; weeks start on
  ``firstDayOfWeek`` (default ``sunday``).
- ``absoluteMonthly`` / ``absoluteYearly``: on ``dayOfMonth`` (of ``month``), every
  ``interval`` months / years. A day the month lacks (the 31st in April) falls on the
  month's last day: a guess, the docs say nothing.
- ``relativeMonthly`` / ``relativeYearly``: the ``index`` (first...fourth, last) day of the
  month that is one of ``daysOfWeek`` (``[saturday, sunday]`` + ``first``: the first weekend
  day).
- ``range``: ``endDate`` (inclusive), ``noEnd`` or ``numbered`` (``numberOfOccurrences``),
  counted from ``startDate``; the first occurrence is on ``startDate`` or later.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Any

from graphlink.testing._state.common import GraphFault

__all__ = ["DAYS", "normalize_recurrence", "occurrence_dates", "series_zone_name"]

#: Graph's day names, in ``date.weekday()`` order.
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PATTERNS = (
    "daily",
    "weekly",
    "absoluteMonthly",
    "relativeMonthly",
    "absoluteYearly",
    "relativeYearly",
)
_RANGES = ("endDate", "noEnd", "numbered")
_INDEXES = {"first": 0, "second": 1, "third": 2, "fourth": 3, "last": -1}
_NO_DATE = "0001-01-01"


def _invalid(message: str) -> GraphFault:
    """A recurrence Graph would refuse.

    The code is a guess: Graph documents no error for a bad ``recurrence``; Exchange's
    generic property-validation code is the likeliest.
    """
    return GraphFault(
        400,
        "ErrorPropertyValidationFailure",
        f"At least one property failed validation. recurrence: {message}",
    )


def _enum(value: Any, allowed: tuple[str, ...], what: str) -> str:
    """An enum value in Graph's spelling (Graph reads enums case-insensitively)."""
    low = str(value or "").lower()
    for name in allowed:
        if name.lower() == low:
            return name
    raise _invalid(f"'{value}' is not a valid {what}.")


def _date(value: Any, what: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise _invalid(f"{what} '{value}' is not a date.") from exc


def _int(value: Any, what: str, low: int, high: int) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError) as exc:
        raise _invalid(f"{what} '{value}' is not a number.") from exc
    if not low <= n <= high:
        raise _invalid(f"{what} must be between {low} and {high}.")
    return n


def normalize_recurrence(value: Any, first: date, time_zone: str) -> dict[str, Any]:
    """Check a request's ``recurrence`` and return it as Graph echoes it.

    Args:
        value: The ``recurrence`` object of a create or update request.
        first: The series' start date (its local date in the series zone), used when
            ``range.startDate`` is missing.
        time_zone: The series' zone (the event's ``start.timeZone``), used when
            ``range.recurrenceTimeZone`` is missing.
    """
    if not isinstance(value, Mapping):
        raise _invalid("must be an object with a pattern and a range.")
    pattern = value.get("pattern")
    rng = value.get("range")
    if not isinstance(pattern, Mapping) or not isinstance(rng, Mapping):
        raise _invalid("pattern and range are required.")
    kind = _enum(pattern.get("type"), _PATTERNS, "pattern type")
    interval = _int(pattern.get("interval", 1), "interval", 1, 999)
    days = [_enum(d, DAYS, "day of week") for d in pattern.get("daysOfWeek") or ()]
    if kind in ("weekly", "relativeMonthly", "relativeYearly") and not days:
        raise _invalid(f"a {kind} pattern needs daysOfWeek.")
    day_of_month = int(pattern.get("dayOfMonth") or 0)
    if kind in ("absoluteMonthly", "absoluteYearly"):
        day_of_month = _int(day_of_month, "dayOfMonth", 1, 31)
    month = int(pattern.get("month") or 0)
    if kind in ("absoluteYearly", "relativeYearly"):
        month = _int(month, "month", 1, 12)
    first_day = _enum(pattern.get("firstDayOfWeek") or "sunday", DAYS, "first day of week")
    index = _enum(pattern.get("index") or "first", tuple(_INDEXES), "week index")
    range_kind = _enum(rng.get("type"), _RANGES, "range type")
    start = _date(rng["startDate"], "startDate") if rng.get("startDate") else first
    end = _NO_DATE
    if range_kind == "endDate":
        if not rng.get("endDate"):
            raise _invalid("an endDate range needs an endDate.")
        end_date = _date(rng["endDate"], "endDate")
        if end_date < start:
            raise _invalid("endDate is before startDate.")
        end = end_date.isoformat()
    count = 0
    if range_kind == "numbered":
        count = _int(rng.get("numberOfOccurrences"), "numberOfOccurrences", 1, 999)
    return {
        "pattern": {
            "type": kind,
            "interval": interval,
            "month": month,
            "dayOfMonth": day_of_month,
            "daysOfWeek": days,
            "firstDayOfWeek": first_day,
            "index": index,
        },
        "range": {
            "type": range_kind,
            "startDate": start.isoformat(),
            "endDate": end,
            "recurrenceTimeZone": str(rng.get("recurrenceTimeZone") or time_zone),
            "numberOfOccurrences": count,
        },
    }


def series_zone_name(recurrence: Mapping[str, Any]) -> str:
    """The zone whose wall clock a normalized series follows."""
    return str(recurrence["range"]["recurrenceTimeZone"])


def occurrence_dates(recurrence: Mapping[str, Any]) -> Iterator[date]:
    """The local dates of a normalized series' occurrences, in order (endless for ``noEnd``)."""
    rng = recurrence["range"]
    start = date.fromisoformat(rng["startDate"])
    last = date.fromisoformat(rng["endDate"]) if rng["type"] == "endDate" else date.max
    left = int(rng["numberOfOccurrences"]) if rng["type"] == "numbered" else -1
    for day in _pattern_dates(recurrence["pattern"], start):
        if day > last or left == 0:
            return
        left -= 1
        yield day


def _pattern_dates(p: Mapping[str, Any], start: date) -> Iterator[date]:
    """The pattern's dates on or after ``start``, endlessly."""
    kind, interval = p["type"], int(p["interval"])
    wanted = sorted(DAYS.index(d) for d in p["daysOfWeek"])
    if kind == "daily":
        day = start
        while True:
            yield day
            day += timedelta(days=interval)
    elif kind == "weekly":
        first = DAYS.index(p["firstDayOfWeek"])
        week = start - timedelta(days=(start.weekday() - first) % 7)
        offsets = sorted((d - first) % 7 for d in wanted)
        while True:
            for offset in offsets:
                day = week + timedelta(days=offset)
                if day >= start:
                    yield day
            week += timedelta(weeks=interval)
    else:
        yearly = kind.endswith("Yearly")
        year = start.year
        month = int(p["month"]) if yearly else start.month
        step = 12 * interval if yearly else interval
        while True:
            if kind.startswith("absolute"):
                day = date(year, month, min(int(p["dayOfMonth"]), _days_in(year, month)))
            else:
                day = _relative_day(year, month, wanted, _INDEXES[p["index"]])
            if day >= start:
                yield day
            year, month = divmod(year * 12 + month - 1 + step, 12)
            month += 1


def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _relative_day(year: int, month: int, weekdays: list[int], index: int) -> date:
    """The ``index``-th day of the month (``-1``: the last) whose weekday is in ``weekdays``."""
    days = [
        date(year, month, d)
        for d in range(1, _days_in(year, month) + 1)
        if date(year, month, d).weekday() in weekdays
    ]
    return days[index] if index < len(days) else days[-1]
