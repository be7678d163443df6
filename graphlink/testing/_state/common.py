"""What every part of FakeGraph's state shares: ``GraphFault``, ids, Graph's date-times."""

from __future__ import annotations

import base64
import hashlib
import itertools
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from graphlink.errors import UnknownTimeZoneError

__all__ = [
    "GraphFault",
    "StateBase",
    "camelize",
    "exchange_id",
    "format_graph_datetime",
    "not_found_directory",
    "not_found_item",
    "parse_graph_datetime",
    "utc_stamp",
    "week_monday",
    "zone",
]

_UTC = ZoneInfo("UTC")
_NS = uuid.UUID("6f1c0c1e-2b4d-4a8e-9d3c-5a7b9e0f1d2c")


class GraphFault(Exception):
    """An error Graph would answer: status, error code, message and extra headers."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def not_found_directory(ref: str) -> GraphFault:
    """Graph's 404 for a directory object that does not exist."""
    return GraphFault(
        404,
        "Request_ResourceNotFound",
        f"Resource '{ref}' does not exist or one of its queried reference-property objects "
        "are not present.",
    )


def not_found_item() -> GraphFault:
    """Exchange's 404 for a mailbox item (event, message, calendar) that does not exist."""
    return GraphFault(404, "ErrorItemNotFound", "The specified object was not found in the store.")


class StateBase:
    """The tenant and the id counter; every area's state class derives from it.

    The area classes (``DirectoryState``, ``CalendarState``...) each take
    ``tenant_domain`` and pass it on with ``super().__init__``, so ``State`` can inherit
    them all and each runs once.
    """

    def __init__(self, *, tenant_domain: str) -> None:
        self.tenant_domain = tenant_domain
        self.tenant_id = str(uuid.uuid5(_NS, "tenant:" + tenant_domain))
        #: The last serial number handed out (for ids); a snapshot keeps it, so ids made
        #: after a load never repeat one the snapshot holds.
        self.serial = 0

    def next_serial(self) -> int:
        """A new serial number, for ids that are not derived from a seed."""
        self.serial += 1
        return self.serial

    def new_id(self, kind: str, seed: str | None = None) -> str:
        """A directory-style GUID, stable for the same ``seed``."""
        if seed:
            return str(uuid.uuid5(_NS, f"{kind}:{seed.lower()}"))
        return str(uuid.uuid5(_NS, f"{kind}:#{self.next_serial()}"))


def camelize(name: str) -> str:
    """``job_title`` -> ``jobTitle``; names without underscores are kept as they are."""
    if "_" not in name:
        return name
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def exchange_id(*parts: str) -> str:
    """An Exchange-looking item id (``AAMkAG...``), stable for the same parts."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return "AAMkAG" + base64.urlsafe_b64encode(digest[:30]).decode().rstrip("=") + "AAA="


# =========================================================================== date-times


def zone(name: str | None) -> ZoneInfo:
    """A ZoneInfo for an IANA or Windows time-zone name; 400 as Graph does when unknown.

    Windows names match case-insensitively (``graphlink.models.to_zoneinfo``'s CLDR table).
    """
    from graphlink.models import to_zoneinfo

    if not name or name.lower() in ("utc", "tzone://microsoft/utc", "coordinated universal time"):
        return _UTC
    try:
        return to_zoneinfo(name, fallback=None)
    except UnknownTimeZoneError as exc:
        raise GraphFault(
            400,
            "TimeZoneNotSupportedException",
            "A valid TimeZone value must be specified. The following TimeZone value is not "
            f"supported: '{name}'.",
        ) from exc


def parse_graph_datetime(value: Any, tz_name: str | None = None) -> datetime:
    """Parse a ``dateTimeTimeZone`` dict, an ISO string or a datetime into aware UTC."""
    if isinstance(value, Mapping):
        tz_name = value.get("timeZone") or tz_name
        value = value.get("dateTime")
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        # Graph writes seven fractional digits; Python reads at most six.
        if "." in text:
            head, _, frac = text.partition(".")
            digits = "".join(itertools.takewhile(str.isdigit, frac))
            text = head + "." + digits[:6].ljust(6, "0") + frac[len(digits) :]
        try:
            dt = datetime.fromisoformat(text)
        except ValueError as exc:
            raise GraphFault(
                400, "ErrorInvalidRequest", f"Cannot convert '{value}' to a date and time."
            ) from exc
    else:
        raise GraphFault(400, "ErrorInvalidRequest", "A date and time value is required.")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone(tz_name))
    return dt.astimezone(UTC)


def format_graph_datetime(dt: datetime, tz_name: str | None = None) -> dict[str, str]:
    """Render as Graph's ``dateTimeTimeZone`` (seven fractional digits, zone as asked)."""
    local = dt.astimezone(zone(tz_name))
    text = local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond:06d}0"
    return {"dateTime": text, "timeZone": tz_name or "UTC"}


def utc_stamp(dt: datetime) -> str:
    """A UTC timestamp as Exchange writes one (``2024-01-15T09:00:00.0000000Z``)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond:06d}0Z"


def week_monday(now: datetime | None = None) -> datetime:
    """Midnight UTC of the Monday of this week."""
    now = now or datetime.now(UTC)
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())
