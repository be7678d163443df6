"""Graph's two timestamp shapes, parsed and written.

A ``DateTimeOffset`` (``"2017-04-15T03:00:50.7579581Z"``) and a ``dateTimeTimeZone``
(``{"dateTime": ..., "timeZone": ...}``). Parsing them is most of the cost of an event, so
the parsers are hand-tuned; both structure paths call these very functions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from graphlink.errors import ModelValidationError
from graphlink.models._timezones import cached_zone, to_zoneinfo

__all__ = [
    "format_utc",
    "format_wall_clock",
    "lenient_utc",
    "parse_date_time_zone",
    "parse_utc",
]

# Bound once: looking a classmethod up on ``datetime`` binds a new method object each time.
_fromisoformat = datetime.fromisoformat
_combine = datetime.combine


def parse_utc(value: Any) -> datetime | None:
    """A Graph ``DateTimeOffset`` (``"2017-04-15T03:00:50.7579581Z"``) as an aware datetime.

    A value without an offset is read as UTC, as Graph means it.
    """
    if value is None:
        return None
    if value.__class__ is not str:
        raise TypeError(f"expected a timestamp string, got {type(value).__name__}")
    parsed = _fromisoformat(value)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed


def format_utc(value: datetime) -> str:
    """An aware datetime as Graph writes timestamps, in UTC: ``2017-04-15T03:00:50.757958Z``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ModelValidationError("datetime", [f"naive datetime {value.isoformat()}"])
    naive = value.astimezone(UTC).replace(tzinfo=None)
    return naive.isoformat(timespec="microseconds") + "Z"


def lenient_utc(value: Any, _: Any = None) -> datetime | None:
    """``parse_utc`` for a server timestamp: ``None`` where the value cannot be read."""
    try:
        return parse_utc(value)
    except (TypeError, ValueError, OverflowError):
        return None


def parse_date_time_zone(value: Any, _: Any = None) -> datetime | None:
    """A Graph ``dateTimeTimeZone`` (``{"dateTime", "timeZone"}``) as an aware datetime.

    The wall clock is kept to the microsecond in the given zone (Windows or IANA name).
    """
    if value is None:
        return None
    if value.__class__ is not dict:
        raise TypeError(f"expected a dateTimeTimeZone object, got {type(value).__name__}")
    name = value.get("timeZone")
    zone = cached_zone(name) if name.__class__ is str else None
    if zone is None:
        if name is None:
            raise ValueError("dateTimeTimeZone without a timeZone")
        zone = to_zoneinfo(name)
    raw = value.get("dateTime")
    if raw.__class__ is not str:
        raise TypeError("dateTimeTimeZone.dateTime must be a string")
    parsed = _fromisoformat(raw)
    if parsed.tzinfo is not None:
        return parsed.astimezone(zone)
    # combine() is ~6x cheaper than replace(tzinfo=...), whose keyword parsing dominates
    return _combine(parsed, parsed.time(), zone)


def format_wall_clock(value: datetime) -> str:
    """The ``dateTime`` part of a Graph ``dateTimeTimeZone``: ``2017-04-15T12:00:00.0000000``."""
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "0"
