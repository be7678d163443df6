"""Event calls as data: list, get, create, update, respond, cancel, delete (pure).

Mailboxes resolve as the driver's (see ``_calendar.target``); times are aware datetimes or
Unix seconds. Creates carry a Graph ``transactionId`` (the same on every attempt), which is
what makes them safe to retry: Graph books a retried create once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, time, timedelta
from html import escape
from typing import Any

import attrs

from graphlink._core import parse
from graphlink._core.addresses import recipient
from graphlink._core.paths import odata_string
from graphlink._core.request import Listing, Operation, RequestSpec
from graphlink.errors import ValidationError
from graphlink.models import (
    Attendee,
    BodyType,
    Event,
    FreeBusyStatus,
    Importance,
    ItemBody,
    Location,
    OnlineMeetingProvider,
    OpenEnum,
    Recurrence,
    RecurrenceRange,
    RecurrenceRangeType,
    Sensitivity,
    to_zoneinfo,
)
from graphlink.models._fields import graph_key
from graphlink.resources._calendar import (
    PAGE,
    Target,
    check_window,
    moment,
    prefer_zone,
    target,
    utc_text,
    zone_name_or_none,
)
from graphlink.resources._directory import check_flag, check_reference

__all__ = [
    "CREATE_ARGUMENTS",
    "event_cancel",
    "event_create",
    "event_delete",
    "event_delta",
    "event_get",
    "event_instances",
    "event_is_organised",
    "event_list",
    "event_respond",
    "event_update",
]

#: Providers Graph creates a meeting for (``isOnlineMeeting``); any other name is a meeting
#: made elsewhere, whose details the caller passes.
_GRAPH_PROVIDERS = frozenset(
    {
        OnlineMeetingProvider.TEAMS_FOR_BUSINESS,
        OnlineMeetingProvider.SKYPE_FOR_BUSINESS,
        OnlineMeetingProvider.SKYPE_FOR_CONSUMER,
    }
)

#: ``events.update`` takes ``events.create``'s names, and these event properties.
_UPDATABLE = frozenset(
    {
        "subject",
        "body",
        "start",
        "end",
        "all_day",
        "locations",
        "categories",
        "sensitivity",
        "show_as",
        "importance",
        "response_requested",
        "allow_new_time_proposals",
        "hide_attendees",
        "is_reminder_on",
        "reminder_minutes_before_start",
        "is_online_meeting",
        "online_meeting_provider",
    }
)
#: ``create``'s argument names that ``update`` takes too, and the event property each sets.
_CREATE_NAMES = {
    "title": "subject",
    "description": "body",
    "event_start": "start",
    "event_end": "end",
    "attendees": "attendees",
    "location": "location",
    "recurrence": "recurrence",
}
#: Every argument ``events.create`` takes (the batch and the driver reuse the list).
CREATE_ARGUMENTS = (
    "title",
    "event_start",
    "event_end",
    "description",
    "attendees",
    "location",
    "timezone",
    "user_id",
    "calendar_id",
    "online_meeting_provider",
    "online_meeting_id",
    "online_meeting_url",
    "online_meeting_sip",
    "online_meeting_phones",
    "online_meeting_pin",
    "recurrence",
    "transaction_id",
)


# ---------------------------------------------------------------- argument checks


def _optional_text(value: object, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{what} must be a string or None, not {value!r}")
    return value


def _attendee(value: object) -> Attendee:
    if isinstance(value, Attendee):
        if not value.email:
            raise ValidationError("an attendee needs an email address")
        recipient((value.name, value.email), "an attendee")  # the address, and CR/LF in names
        return value
    name, address = recipient(value, "an attendee")
    return Attendee(name=name, email=address)


def _attendees(values: object) -> tuple[Attendee, ...]:
    if isinstance(values, str | Attendee):
        values = [values]
    if not isinstance(values, Iterable):
        raise ValidationError(f"attendees must be a list of addresses or Attendees, not {values!r}")
    return tuple(_attendee(v) for v in values)


def _location(value: object) -> Location | None:
    if value is None or isinstance(value, Location):
        return value
    if isinstance(value, str):
        return Location(display_name=value) if value.strip() else None
    raise ValidationError(f"location must be a string or a Location, not {value!r}")


def _recurrence(value: object, first_day: datetime) -> Recurrence | None:
    """A ``Recurrence`` (or its Graph JSON); the range starts on the event's first day
    unless it says otherwise, and has no end unless it gives one."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        value = Recurrence.from_graph(value)  # ModelValidationError is a ValidationError
    if not isinstance(value, Recurrence):
        raise ValidationError(f"recurrence must be a Recurrence or its Graph JSON, not {value!r}")
    if value.pattern is None or value.pattern.type is None:
        raise ValidationError("recurrence needs a pattern with a type (daily, weekly, ...)")
    span = value.range or RecurrenceRange(type=RecurrenceRangeType.NO_END)
    if span.start_date is None:
        span = attrs.evolve(span, start_date=first_day.date())
    return attrs.evolve(value, range=span)


def _zone_of(start: datetime, timezone: str | None) -> str:
    """The event's zone: ``timezone`` if given, else the start's own zone.

    A fixed offset of whole hours is Graph's ``Etc/GMT-10`` (POSIX signs: inverted); any
    other zone without a name is refused rather than guessed.
    """
    if timezone is not None:
        return timezone
    key = getattr(start.tzinfo, "key", None)
    if isinstance(key, str):
        return key
    offset = start.utcoffset()
    if offset is not None and offset.total_seconds() % 3600 == 0:
        hours = int(offset.total_seconds() // 3600)
        return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"
    raise ValidationError(
        f"event_start's zone {start.tzinfo!r} has no name Graph knows: pass timezone= "
        "(an IANA or Windows name), or a datetime in a ZoneInfo zone"
    )


def _times(
    event_start: object, event_end: object, timezone: str | None
) -> tuple[datetime, datetime, str, bool]:
    """``(start, end, zone, all_day)``: no end means all day in the event's zone, from the
    start's local midnight to the next (never the driver's zero-length day)."""
    start = moment(event_start, "event_start")
    zone = _zone_of(start, timezone)
    if event_end is None:
        local = start.astimezone(to_zoneinfo(zone))
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        # Aware arithmetic is wall-clock arithmetic: the next local midnight, 23 or 25
        # hours later on a DST-change day.
        return midnight, midnight + timedelta(days=1), zone, True
    start, end = check_window(event_start, event_end, "event")
    return start, end, zone, False


def _meeting_details(provider: str | None, details: Mapping[str, object]) -> str:
    """An HTML block with a meeting made elsewhere (Graph cannot store its details)."""
    labels = {
        "online_meeting_url": "Join",
        "online_meeting_id": "Meeting ID",
        "online_meeting_pin": "PIN",
        "online_meeting_sip": "SIP",
        "online_meeting_phones": "Phone",
    }
    rows = []
    for name, label in labels.items():
        value = details.get(name)
        values = [value] if isinstance(value, str) or not isinstance(value, Iterable) else value
        for item in values:
            if item is None:
                continue
            if not isinstance(item, str):
                raise ValidationError(f"{name} must be a string, not {item!r}")
            text = escape(item)
            if name == "online_meeting_url" and not item.lower().startswith(
                ("https://", "http://")
            ):
                raise ValidationError(f"online_meeting_url must be an http(s) URL, not {item!r}")
            shown = f'<a href="{text}">{text}</a>' if name == "online_meeting_url" else text
            rows.append(f"<p>{label}: {shown}</p>")
    if not rows:
        return ""
    title = escape(provider or "Online meeting")
    return f'<div class="graphlink-online-meeting"><p>{title}</p>{"".join(rows)}</div>'


# ---------------------------------------------------------------- reads


def _listing(spec: RequestSpec, keep: Callable[[Event], bool] | None = None) -> Listing[Event]:
    read = parse.models(Event)
    if keep is None:
        return Listing(spec=spec, parse_items=read)
    return Listing(spec=spec, parse_items=lambda items: [e for e in read(items) if keep(e)])


def event_list(
    calendar_id: object,
    period_start: object,
    period_end: object,
    *,
    time_zone: object = None,
    user_id: object = None,
    include_cancelled: object = False,
    ical_uid: object = None,
    account: str | None = None,
) -> Listing[Event]:
    """``GET /users/{m}/calendar/calendarView``: events in a window, series expanded.

    Cancelled events are dropped client-side unless ``include_cancelled`` (Graph cannot
    filter on it); ``ical_uid`` is filtered by Graph and again here (Graph's iCalUId filter
    is unreliable, as the driver found).
    """
    where = target(calendar_id, user_id, account)
    first, last = check_window(period_start, period_end)
    zone = zone_name_or_none(time_zone)
    cancelled = check_flag(include_cancelled, "include_cancelled")
    uid = _optional_text(ical_uid, "ical_uid") or None  # blank: no filter, as in the driver
    params: list[tuple[str, str]] = [
        ("startDateTime", utc_text(first)),
        ("endDateTime", utc_text(last)),
        ("$top", str(PAGE)),
    ]
    if uid is not None:
        params.append(("$filter", f"iCalUId eq {odata_string(uid)}"))
    spec = RequestSpec(
        method="GET",
        url=where.calendar_path + "/calendarView",
        params=params,
        headers=prefer_zone(zone),
    )

    def keep(event: Event) -> bool:
        return (cancelled or not event.is_cancelled) and (uid is None or event.ical_uid == uid)

    return _listing(spec, None if cancelled and uid is None else keep)


def event_instances(
    calendar_id: object,
    event_id: object,
    start: object,
    end: object,
    *,
    time_zone: object = None,
    user_id: object = None,
    account: str | None = None,
) -> Listing[Event]:
    """``GET /users/{m}/events/{id}/instances``: a series' occurrences in a window."""
    where = target(calendar_id, user_id, account)
    first, last = check_window(start, end, "window")
    params = [
        ("startDateTime", utc_text(first)),
        ("endDateTime", utc_text(last)),
        ("$top", str(PAGE)),
    ]
    spec = RequestSpec(
        method="GET",
        url=where.event(check_reference(event_id, "event_id"), "instances"),
        params=params,
        headers=prefer_zone(zone_name_or_none(time_zone)),
    )
    return _listing(spec)


def event_delta(
    calendar_id: object,
    start: object,
    end: object,
    *,
    time_zone: object = None,
    user_id: object = None,
    account: str | None = None,
) -> Listing[Any]:
    """``GET /users/{m}/calendarView/delta``: the first round of a calendarView delta query.

    The window goes in this first request only (Graph encodes it into the links). A
    calendar id other than the default is ``/users/{m}/calendars/{id}/calendarView/delta``
    (the delta-query guide's form; v1.0's ``event-delta`` page shows the default one
    only). Items come back raw: some are ``@removed`` entries.
    """
    where = target(calendar_id, user_id, account)
    first, last = check_window(start, end, "window")
    zone = zone_name_or_none(time_zone)
    base = where.user if where.calendar is None else where.calendar_path
    prefer = f"odata.maxpagesize={PAGE}"
    if zone is not None:
        prefer += f', outlook.timezone="{zone}"'
    spec = RequestSpec(
        method="GET",
        url=base + "/calendarView/delta",
        params=[("startDateTime", utc_text(first)), ("endDateTime", utc_text(last))],
        headers={"Prefer": prefer},
    )
    return Listing(spec=spec, parse_items=parse.raw_items)


def event_get(
    calendar_id: object,
    event_id: object,
    *,
    time_zone: object = None,
    user_id: object = None,
    account: str | None = None,
) -> Operation[Event]:
    """``GET /users/{m}/events/{id}``."""
    where = target(calendar_id, user_id, account)
    spec = RequestSpec(
        method="GET",
        url=where.event(check_reference(event_id, "event_id")),
        headers=prefer_zone(zone_name_or_none(time_zone)),
    )
    return Operation(spec=spec, parse=parse.model(Event))


def event_is_organised(
    calendar_id: object, event_id: object, *, user_id: object = None, account: str | None = None
) -> Operation[bool]:
    """Whether the mailbox organises the event (``$select=isOrganizer``)."""
    where = target(calendar_id, user_id, account)
    spec = RequestSpec(
        method="GET",
        url=where.event(check_reference(event_id, "event_id")),
        params={"$select": "isOrganizer"},
    )

    def read(body: Any) -> bool:
        if not isinstance(body, Mapping) or not isinstance(body.get("isOrganizer"), bool):
            raise parse.invalid("event", "it does not say whether the mailbox organises it")
        return bool(body["isOrganizer"])

    return Operation(spec=spec, parse=read)


# ---------------------------------------------------------------- writes


def event_create(
    title: object,
    event_start: object,
    event_end: object = None,
    *,
    description: object = None,
    attendees: object = (),
    location: object = None,
    timezone: object = None,
    user_id: object = None,
    calendar_id: object = None,
    online_meeting_provider: object = None,
    online_meeting_id: object = None,
    online_meeting_url: object = None,
    online_meeting_sip: object = None,
    online_meeting_phones: object = None,
    online_meeting_pin: object = None,
    recurrence: object = None,
    transaction_id: object = None,
    account: str | None = None,
    conference_type: str | None = None,
) -> Operation[Event]:
    """``POST /users/{m}/calendar/events`` (or a calendar's): book an event.

    The request carries a ``transactionId`` (generated unless given) and is retried like
    an idempotent call: Graph returns the first event for a repeated transactionId.
    """
    where: Target = target(calendar_id, user_id, account)
    subject = _optional_text(title, "title")
    zone = zone_name_or_none(timezone, "timezone")
    start, end, zone, all_day = _times(event_start, event_end, zone)
    html = _optional_text(description, "description") or ""
    # Per call, else the client's conference_type (the driver's rule).
    chosen = _optional_text(online_meeting_provider, "online_meeting_provider") or conference_type
    provider = OnlineMeetingProvider(chosen) if chosen else None
    details = {
        "online_meeting_url": online_meeting_url,
        "online_meeting_id": online_meeting_id,
        "online_meeting_pin": online_meeting_pin,
        "online_meeting_sip": online_meeting_sip,
        "online_meeting_phones": online_meeting_phones,
    }
    block = _meeting_details(provider, details)
    if provider is not None and provider not in _GRAPH_PROVIDERS and not block:
        raise ValidationError(
            f"online_meeting_provider {provider!s} is not one Graph creates meetings for "
            "(teamsForBusiness, skypeForBusiness, skypeForConsumer): pass the meeting's "
            "online_meeting_url (and id, pin, phones) made with that provider"
        )
    graph_meeting = provider in _GRAPH_PROVIDERS and not block
    txn = _optional_text(transaction_id, "transaction_id") or str(uuid.uuid4())
    if not txn.strip():
        raise ValidationError("transaction_id must not be blank")
    place = _location(location)
    event = Event(
        subject=subject,
        body=ItemBody(content=html + block, content_type=BodyType.HTML),
        start=start,
        end=end,
        timezone=zone,
        all_day=True if all_day else None,
        attendees=_attendees(attendees),
        location=place,
        is_online_meeting=True if graph_meeting else None,
        online_meeting_provider=provider if graph_meeting else None,
        recurrence=_recurrence(recurrence, start.astimezone(to_zoneinfo(zone))),
        transaction_id=txn,
    )
    spec = RequestSpec(
        method="POST",
        url=where.calendar_path + "/events",
        json=event.to_graph(),
        headers=prefer_zone(zone),
        idempotent=True,  # the transactionId makes a repeated create book once
        effect=(
            f"the event may have been booked: to try again without booking twice, pass "
            f"transaction_id={txn!r}"
        ),
    )
    return Operation(spec=spec, parse=parse.model(Event))


def event_update(
    calendar_id: object,
    event_id: object,
    *,
    user_id: object = None,
    account: str | None = None,
    **changes: Any,
) -> Operation[Event]:
    """``PATCH /users/{m}/events/{id}`` with only the properties named in ``changes``.

    ``changes`` uses ``events.create``'s names (``title``, ``description``,
    ``event_start``, ``event_end``, ``attendees``, ``location``, ``recurrence``,
    ``timezone``) or the event's own (``subject``, ``sensitivity``, ``show_as``,
    ``categories``, ...). ``attendees=[]`` removes every attendee; ``None`` clears a
    property.
    """
    where = target(calendar_id, user_id, account)
    if not changes:
        raise ValidationError("events.update needs at least one change")
    zone = zone_name_or_none(changes.pop("timezone", None), "timezone")
    fields: dict[str, Any] = {}
    for name, value in changes.items():
        field = _CREATE_NAMES.get(name, name if name in _UPDATABLE else None)
        if field is None:
            allowed = ", ".join(sorted({*_CREATE_NAMES, *_UPDATABLE, "timezone"}))
            raise ValidationError(f"events.update cannot change {name!r}; it takes {allowed}")
        fields[field] = _change(field, value)
    times = [fields[k] for k in ("start", "end") if fields.get(k) is not None]
    if fields.get("all_day") and times:
        local_zone = to_zoneinfo(_zone_of(times[0], zone))
        if any(t.astimezone(local_zone).time() != time(0) for t in times):
            raise ValidationError("an all-day event starts and ends at midnight in its zone")
    if zone is not None and not times:
        raise ValidationError("timezone is changed with event_start or event_end")
    if times:
        fields["timezone"] = _zone_of(times[0], zone)
        if "recurrence" in fields and fields["recurrence"] is not None:
            local = times[0].astimezone(to_zoneinfo(fields["timezone"]))
            fields["recurrence"] = _recurrence(fields["recurrence"], local)
    elif fields.get("recurrence") is not None:
        recurrence = fields["recurrence"]
        if isinstance(recurrence, Mapping):
            recurrence = Recurrence.from_graph(recurrence)
        if recurrence.range is None or recurrence.range.start_date is None:
            raise ValidationError("a recurrence changed without event_start needs range.start_date")
        fields["recurrence"] = recurrence
    try:
        event = Event(**fields)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"events.update: {exc}") from None
    body = event.to_graph()
    for a in attrs.fields(Event):
        key = graph_key(a)
        cleared = a.name in fields and fields[a.name] in (None, ())
        if cleared and key is not None and key not in body:
            body[key] = [] if fields[a.name] == () else None  # cleared on purpose
    spec = RequestSpec(
        method="PATCH",
        url=where.event(check_reference(event_id, "event_id")),
        json=body,
        headers=prefer_zone(fields.get("timezone")),
    )
    return Operation(spec=spec, parse=parse.model(Event))


def _change(field: str, value: Any) -> Any:
    """A value of ``events.update`` as the event property it sets."""
    if value is None:
        if field in ("start", "end"):
            raise ValidationError(f"event_{field} cannot be cleared: an event needs it")
        if field == "subject":
            return ""
        if field == "body":
            return ItemBody(content="", content_type=BodyType.HTML)
        return None
    if field == "subject":
        return _optional_text(value, "title")
    if field == "body":
        if isinstance(value, ItemBody):
            return value
        return ItemBody(content=_optional_text(value, "description"), content_type=BodyType.HTML)
    if field in ("start", "end"):
        return moment(value, "event_" + field)
    if field == "attendees":
        return _attendees(value)
    if field == "location":
        return _location(value)
    if field == "recurrence" and not isinstance(value, Recurrence | Mapping):
        raise ValidationError(f"recurrence must be a Recurrence or its Graph JSON, not {value!r}")
    if field in _ENUMS:
        return _known(_ENUMS[field], value, field)
    if field in _FLAGS:
        return check_flag(value, field)
    if field == "reminder_minutes_before_start":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError(f"{field} must be a whole number of minutes, not {value!r}")
        return value
    if field == "categories":
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise ValidationError(f"categories must be a list of names, not {value!r}")
        names = tuple(value)
        if not all(isinstance(n, str) for n in names):
            raise ValidationError(f"categories must be a list of names, not {value!r}")
        return names
    if field == "locations":
        if isinstance(value, str | Location) or not isinstance(value, Iterable):
            raise ValidationError(f"locations must be a list of places, not {value!r}")
        return tuple(p for p in (_location(v) for v in value) if p is not None)
    return value


#: ``events.update``'s enum properties: a value must be one Graph knows.
_ENUMS: dict[str, type[OpenEnum]] = {
    "sensitivity": Sensitivity,
    "show_as": FreeBusyStatus,
    "importance": Importance,
    "online_meeting_provider": OnlineMeetingProvider,
}
#: ``events.update``'s boolean properties.
_FLAGS = frozenset(
    {
        "all_day",
        "response_requested",
        "allow_new_time_proposals",
        "hide_attendees",
        "is_reminder_on",
        "is_online_meeting",
    }
)


def _known(kind: type[OpenEnum], value: object, what: str) -> OpenEnum:
    member = kind(value) if isinstance(value, str) else value
    if not isinstance(member, kind) or not member.known:
        allowed = ", ".join(m.value for m in kind)
        raise ValidationError(f"{what} must be one of {allowed}, not {value!r}")
    return member


def event_respond(
    calendar_id: object,
    event_id: object,
    response: str,
    *,
    notify: object = False,
    comment: object = None,
    user_id: object = None,
    account: str | None = None,
) -> Operation[None]:
    """``POST /users/{m}/events/{id}/accept`` (or ``decline``, ``tentativelyAccept``).

    ``sendResponse`` is always sent, false unless ``notify``: Graph's default is true.
    """
    where = target(calendar_id, user_id, account)
    body: dict[str, Any] = {"sendResponse": check_flag(notify, "notify")}
    text = _optional_text(comment, "comment")
    if text:
        body["comment"] = text
    spec = RequestSpec(
        method="POST", url=where.event(check_reference(event_id, "event_id"), response), json=body
    )
    return Operation(spec=spec, parse=parse.nothing)


def event_cancel(
    calendar_id: object,
    event_id: object,
    *,
    comment: object = None,
    user_id: object = None,
    account: str | None = None,
) -> Operation[None]:
    """``POST /users/{m}/events/{id}/cancel``: the organizer cancels; attendees are told."""
    where = target(calendar_id, user_id, account)
    text = _optional_text(comment, "comment")
    spec = RequestSpec(
        method="POST",
        url=where.event(check_reference(event_id, "event_id"), "cancel"),
        json={"comment": text} if text else {},
    )
    return Operation(spec=spec, parse=parse.nothing)


def event_delete(
    calendar_id: object, event_id: object, *, user_id: object = None, account: str | None = None
) -> Operation[None]:
    """``DELETE /users/{m}/events/{id}``."""
    where = target(calendar_id, user_id, account)
    spec = RequestSpec(method="DELETE", url=where.event(check_reference(event_id, "event_id")))
    return Operation(spec=spec, parse=parse.nothing)
