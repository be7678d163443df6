"""The PlaceOS driver's JSON shapes of graphlink's models (pure).

``to_placeos(model)`` gives what the driver's callers exchange: snake_case keys, times as
Unix seconds (timestamps outside events as RFC 3339 UTC strings), display names kept.
``model.to_placeos()`` on every model calls it; the core models know nothing of PlaceOS.
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, time
from enum import Enum
from functools import singledispatch
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from graphlink.models import (
    Attachment,
    Attendee,
    Calendar,
    EmailAddress,
    Event,
    FreeBusyStatus,
    GraphModel,
    Group,
    Member,
    Recurrence,
    RecurrencePattern,
    RecurrenceRange,
    RecurrenceRangeType,
    ResponseStatus,
    ResponseType,
    Room,
    ScheduleInformation,
    ScheduleItem,
    Subscription,
    User,
)

__all__ = ["event_status", "placeos_value", "rfc3339", "to_placeos"]

# Graph attendee/owner response -> the driver's ``response_status``.
_RESPONSE = {
    ResponseType.NONE: "needsAction",
    ResponseType.NOT_RESPONDED: "needsAction",
    ResponseType.ORGANIZER: "accepted",
    ResponseType.ACCEPTED: "accepted",
    ResponseType.TENTATIVELY_ACCEPTED: "tentative",
    ResponseType.DECLINED: "declined",
}
# The owner's response -> the driver's event ``status``.
_STATUS = {
    ResponseType.ACCEPTED: "confirmed",
    ResponseType.ORGANIZER: "confirmed",
    ResponseType.TENTATIVELY_ACCEPTED: "tentative",
    ResponseType.DECLINED: "cancelled",
}


def placeos_value(value: Any) -> Any:
    """A model value in the driver's JSON style (Unix seconds, plain strings, Base64)."""
    if isinstance(value, GraphModel):
        return to_placeos(value)
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [placeos_value(v) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def rfc3339(value: datetime | None) -> str | None:
    """A timestamp as the driver writes it outside events: UTC, whole seconds, ``Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _response(status: ResponseStatus | None) -> str:
    if status is None or status.response is None:
        return "needsAction"
    return _RESPONSE.get(status.response, status.response.value)


def event_status(event: Event) -> str | None:
    """The driver's event status: ``cancelled``, ``confirmed``, ``tentative`` or None."""
    if event.is_cancelled:
        return "cancelled"
    if event.response_status is None or event.response_status.response is None:
        return None
    return _STATUS.get(event.response_status.response)


@singledispatch
def to_placeos(model: GraphModel, *args: Any, **options: Any) -> dict[str, Any]:
    """A model as the driver's JSON: by default its set fields, snake_case, Unix seconds."""
    out: dict[str, Any] = {}
    for a in attrs.fields(type(model)):
        value = getattr(model, a.name)
        if a.name != "extra" and value is not None and value != ():
            out[a.name] = placeos_value(value)
    return out


@to_placeos.register
def _email(model: EmailAddress, **options: Any) -> dict[str, Any]:
    """``{name, email}``; the name defaults to the address."""
    return {"name": model.name or model.address, "email": model.address}


@to_placeos.register
def _attendee(model: Attendee, **options: Any) -> dict[str, Any]:
    """``{name, email, response_status, resource}`` as the driver returns attendees."""
    return {
        "name": model.name or model.email,
        "email": model.email,
        "response_status": _response(model.status),
        "resource": model.resource,
    }


@to_placeos.register
def _recurrence(model: Recurrence, **options: Any) -> dict[str, Any]:
    """``{pattern, interval, days_of_week, range_start, range_end, occurrences}``."""
    pattern = model.pattern or RecurrencePattern()
    rng = model.range or RecurrenceRange()
    kind = pattern.type.value if pattern.type is not None else None
    names = {"absoluteMonthly": "month_day", "relativeMonthly": "monthly"}
    out: dict[str, Any] = {
        "pattern": names.get(kind, kind.lower()) if kind else None,
        "interval": pattern.interval,
        "days_of_week": [d.value for d in pattern.days_of_week],
        "range_start": placeos_value(rng.start_date),
    }
    if rng.type != RecurrenceRangeType.NO_END and rng.end_date is not None:
        out["range_end"] = placeos_value(rng.end_date)
    if rng.type == RecurrenceRangeType.NUMBERED:
        out["occurrences"] = rng.number_of_occurrences
    return out


@to_placeos.register
def _attachment(model: Attachment, **options: Any) -> dict[str, Any]:
    """``{id, name, content_type, content_bytes, size}`` (content as Base64)."""
    return {
        "id": model.id,
        "name": model.name,
        "content_type": model.content_type,
        "content_bytes": placeos_value(model.content),
        "size": model.size if model.size is not None else len(model.content or b""),
    }


@to_placeos.register
def _user(model: User, **options: Any) -> dict[str, Any]:
    """``{id, name, email, username, department?, title?}`` as the driver returns users."""
    out: dict[str, Any] = {
        "id": model.id,
        "name": model.display_name,
        "email": model.email,
        "username": model.user_principal_name or model.email,
    }
    if model.department:
        out["department"] = model.department
    if model.job_title:
        out["title"] = model.job_title
    return out


@to_placeos.register
def _group(model: Group, **options: Any) -> dict[str, Any]:
    """``{id, name, description?}`` as the driver returns groups."""
    out: dict[str, Any] = {"id": model.id, "name": model.display_name}
    if model.description:
        out["description"] = model.description
    return out


@to_placeos.register
def _member(model: Member, **options: Any) -> dict[str, Any]:
    """``{id, name, email, username}`` as the driver returns group members."""
    return {
        "id": model.id,
        "name": model.display_name,
        "email": model.email,
        "username": model.user_principal_name or model.email,
    }


@to_placeos.register
def _event(model: Event, **options: Any) -> dict[str, Any]:
    """The event as the driver's ``list_events`` returns it (Unix seconds, names kept)."""
    location = model.location.display_name if model.location is not None else None
    if not location and model.locations:
        location = model.locations[0].display_name
    zone = model.start.tzinfo if model.start is not None else None
    return {
        "event_start": placeos_value(model.start),
        "event_end": placeos_value(model.end),
        "id": model.id,
        "host": model.host,
        "title": model.subject,
        "body": model.body.content if model.body is not None else None,
        "attendees": [to_placeos(a) for a in model.attendees],
        "location": location,
        "private": model.private,
        "all_day": bool(model.all_day),
        "timezone": zone.key if isinstance(zone, ZoneInfo) else model.timezone,
        "recurring": model.recurring,
        "created": rfc3339(model.created),
        "updated": rfc3339(model.updated),
        "attachments": [to_placeos(a) for a in model.attachments],
        "status": event_status(model),
        "creator": model.host,
        "ical_uid": model.ical_uid,
        "online_meeting_provider": placeos_value(model.online_meeting_provider),
        "online_meeting_phones": (
            model.online_meeting.all_phones if model.online_meeting is not None else []
        ),
        "online_meeting_url": model.join_url,
    }


@to_placeos.register
def _calendar(model: Calendar, mailbox: str | None = None, **options: Any) -> dict[str, Any]:
    """``{id, ref, summary, primary, can_edit}``: ``id`` is the mailbox (the owner's
    address unless given), ``ref`` the Graph calendar id."""
    owner = model.owner.address if model.owner is not None else None
    return {
        "id": mailbox or owner or model.id,
        "ref": model.id,
        "summary": model.name,
        "primary": bool(model.is_default_calendar),
        "can_edit": bool(model.can_edit),
    }


@to_placeos.register
def _schedule_item(model: ScheduleItem, **options: Any) -> dict[str, Any]:
    """``{status: busy|free, starts_at, ends_at, timezone}`` as the driver reports it."""
    zone = model.start.tzinfo if model.start is not None else None
    return {
        "status": "free" if model.status == FreeBusyStatus.FREE else "busy",
        "starts_at": placeos_value(model.start),
        "ends_at": placeos_value(model.end),
        "timezone": zone.key if isinstance(zone, ZoneInfo) else model.timezone,
    }


@to_placeos.register
def _schedule(model: ScheduleInformation, **options: Any) -> dict[str, Any]:
    """``{calendar, availability: [...]}`` as the driver's availability result."""
    return {
        "calendar": model.schedule_id,
        "availability": [to_placeos(item) for item in model.schedule_items],
    }


@to_placeos.register
def _room(model: Room, **options: Any) -> dict[str, Any]:
    """``{id, name, email, capacity, building, floor, ...}`` (set values only)."""
    out = {
        "id": model.id,
        "name": model.display_name,
        "email": model.email_address,
        "capacity": model.capacity,
        "building": model.building,
        "floor": model.floor_label or model.floor_number,
        "label": model.label,
        "tags": list(model.tags),
    }
    return {k: v for k, v in out.items() if v is not None}


@to_placeos.register
def _subscription(model: Subscription, **options: Any) -> dict[str, Any]:
    """``{id, expires_at, resource_id, resource_uri, notification_url, client_secret}``."""
    return {
        "id": model.id,
        "expires_at": rfc3339(model.expiration),
        "resource_id": model.resource,
        "resource_uri": model.resource,
        "notification_url": model.notification_url,
        "client_secret": model.client_state,
    }
