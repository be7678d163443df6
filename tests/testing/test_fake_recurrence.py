"""FakeGraph's recurrence rules: the dates each Graph pattern and range produce."""

from __future__ import annotations

from datetime import date
from itertools import islice
from typing import Any

import pytest

from graphlink.testing._state import GraphFault
from graphlink.testing._state.recurrence import normalize_recurrence, occurrence_dates

START = date(2024, 1, 1)  # a Monday


def _dates(pattern: dict[str, Any], range_: dict[str, Any], n: int = 6) -> list[str]:
    series = normalize_recurrence({"pattern": pattern, "range": range_}, START, "UTC")
    return [d.isoformat() for d in islice(occurrence_dates(series), n)]


NO_END = {"type": "noEnd", "startDate": "2024-01-01"}


def test_daily_every_other_day() -> None:
    got = _dates({"type": "daily", "interval": 2}, NO_END, 3)
    assert got == ["2024-01-01", "2024-01-03", "2024-01-05"]


def test_weekly_days_interval_and_first_day_of_week() -> None:
    # Tuesdays and Thursdays every second week, starting on a Wednesday: the first week's
    # Tuesday is before the start, its Thursday is the first occurrence.
    got = _dates(
        {"type": "weekly", "interval": 2, "daysOfWeek": ["Thursday", "tuesday"]},
        {"type": "noEnd", "startDate": "2024-01-03"},
        4,
    )
    assert got == ["2024-01-04", "2024-01-16", "2024-01-18", "2024-01-30"]
    # Weeks starting on Monday put Sunday 7 at the end of the first week, not the second.
    sunday_weeks = _dates({"type": "weekly", "interval": 2, "daysOfWeek": ["sunday"]}, NO_END, 2)
    monday_weeks = _dates(
        {"type": "weekly", "interval": 2, "daysOfWeek": ["sunday"], "firstDayOfWeek": "monday"},
        NO_END,
        2,
    )
    assert sunday_weeks == ["2024-01-14", "2024-01-28"]
    assert monday_weeks == ["2024-01-07", "2024-01-21"]


def test_absolute_monthly_on_the_31st_falls_on_short_months_last_day() -> None:
    got = _dates(
        {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
        {"type": "numbered", "startDate": "2024-01-01", "numberOfOccurrences": 4},
    )
    assert got == ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]


def test_relative_monthly_and_yearly() -> None:
    last_friday = _dates(
        {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["friday"], "index": "last"},
        NO_END,
        3,
    )
    assert last_friday == ["2024-01-26", "2024-02-23", "2024-03-29"]
    first_weekend_day = _dates(
        {
            "type": "relativeMonthly",
            "interval": 3,
            "daysOfWeek": ["saturday", "sunday"],
            "index": "first",
        },
        NO_END,
        2,
    )
    assert first_weekend_day == ["2024-01-06", "2024-04-06"]
    yearly = _dates(
        {"type": "absoluteYearly", "interval": 1, "month": 2, "dayOfMonth": 29}, NO_END, 2
    )
    assert yearly == ["2024-02-29", "2025-02-28"]
    thanksgiving = _dates(
        {
            "type": "relativeYearly",
            "interval": 1,
            "month": 11,
            "daysOfWeek": ["thursday"],
            "index": "fourth",
        },
        NO_END,
        2,
    )
    assert thanksgiving == ["2024-11-28", "2025-11-27"]


def test_ranges_end_date_is_inclusive_and_numbered_counts() -> None:
    daily = {"type": "daily", "interval": 1}
    assert _dates(daily, {"type": "endDate", "startDate": "2024-01-01", "endDate": "2024-01-03"})[
        -1
    ] == ("2024-01-03")
    numbered = {"type": "numbered", "startDate": "2024-01-01", "numberOfOccurrences": 2}
    assert _dates(daily, numbered) == ["2024-01-01", "2024-01-02"]


def test_normalized_as_graph_echoes_it() -> None:
    series = normalize_recurrence(
        {
            "pattern": {"type": "WEEKLY", "daysOfWeek": ["Monday"]},
            "range": {"type": "noend"},
        },
        START,
        "Pacific Standard Time",
    )
    assert series == {
        "pattern": {
            "type": "weekly",
            "interval": 1,
            "month": 0,
            "dayOfMonth": 0,
            "daysOfWeek": ["monday"],
            "firstDayOfWeek": "sunday",
            "index": "first",
        },
        "range": {
            "type": "noEnd",
            "startDate": "2024-01-01",
            "endDate": "0001-01-01",
            "recurrenceTimeZone": "Pacific Standard Time",
            "numberOfOccurrences": 0,
        },
    }


@pytest.mark.parametrize(
    "recurrence",
    [
        {"pattern": {"type": "hourly"}, "range": {"type": "noEnd"}},
        {"pattern": {"type": "weekly"}, "range": {"type": "noEnd"}},
        {"pattern": {"type": "daily", "interval": 0}, "range": {"type": "noEnd"}},
        {"pattern": {"type": "absoluteMonthly", "dayOfMonth": 32}, "range": {"type": "noEnd"}},
        {"pattern": {"type": "daily"}, "range": {"type": "endDate"}},
        {"pattern": {"type": "daily"}, "range": {"type": "numbered"}},
        {"pattern": {"type": "daily"}, "range": {"type": "sometimes"}},
        {"pattern": {"type": "daily"}},
        "weekly",
    ],
)
def test_bad_recurrences_are_400s(recurrence: Any) -> None:
    with pytest.raises(GraphFault) as caught:
        normalize_recurrence(recurrence, START, "UTC")
    assert caught.value.status == 400
    assert caught.value.code == "ErrorPropertyValidationFailure"
