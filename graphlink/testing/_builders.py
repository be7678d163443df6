"""What FakeGraph's builders (``add_user``, ``add_event``...) share: refs, names, event JSON."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from graphlink.testing._state import (
    EventRecord,
    State,
    camelize,
    format_graph_datetime,
    parse_graph_datetime,
)

__all__ = ["attendee", "camel", "event_json", "ref", "when"]


def ref(value: Any) -> Any:
    """An id or address as given, or the ``id`` (else ``mail``, ``emailAddress``) of an object."""
    if isinstance(value, Mapping):
        return value.get("id") or value.get("mail") or value.get("emailAddress")
    return value


def camel(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Builder keyword arguments (``job_title=``) as Graph property names (``jobTitle``)."""
    return {camelize(k): v for k, v in fields.items()}


def event_json(rec: EventRecord) -> dict[str, Any]:
    """A stored event as the builders return it: Graph JSON, times in UTC, no bookkeeping."""
    data = {k: v for k, v in rec.data.items() if not k.startswith("_")}
    data["start"] = format_graph_datetime(rec.start)
    data["end"] = format_graph_datetime(rec.end)
    if data.get("transactionId") is None:
        data.pop("transactionId", None)  # Graph returns it only when an app set it
    return data


def when(value: datetime | str, time_zone: str | None) -> dict[str, str]:
    """A builder's time as Graph's ``dateTimeTimeZone`` (a ZoneInfo datetime keeps its zone)."""
    dt = parse_graph_datetime(value, time_zone or "UTC")
    if time_zone is None and isinstance(value, datetime) and isinstance(value.tzinfo, ZoneInfo):
        time_zone = value.tzinfo.key
    return format_graph_datetime(dt, time_zone or "UTC")


def attendee(state: State, value: str | Mapping[str, Any]) -> dict[str, Any]:
    """An attendee from an address (a room's is a ``resource``) or an attendee object."""
    if isinstance(value, Mapping):
        return dict(value)
    user = state.find_user(value)
    is_room = False
    name = value
    if user is not None:
        name = str(user.get("displayName") or value)
        box = state.mailboxes.get(str(user["id"]))
        is_room = bool(box and box.is_room)
        value = str(user.get("mail") or value)
    return {
        "type": "resource" if is_room else "required",
        "emailAddress": {"address": value, "name": name},
    }
