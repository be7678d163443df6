"""Value objects shared by events, messages and schedules."""

# gfield() is an attrs field specifier, not a shared default value.
# ruff: noqa: RUF009

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import attrs

from graphlink.models._base import GraphModel
from graphlink.models._enums import (
    AttendeeType,
    BodyType,
    DayOfWeek,
    LocationType,
    RecurrencePatternType,
    RecurrenceRangeType,
    ResponseType,
    WeekIndex,
)
from graphlink.models._fields import gfield, odata_kind

__all__ = [
    "Attachment",
    "Attendee",
    "EmailAddress",
    "GeoCoordinates",
    "ItemBody",
    "Location",
    "OnlineMeeting",
    "Phone",
    "PhysicalAddress",
    "Recurrence",
    "RecurrencePattern",
    "RecurrenceRange",
    "ResponseStatus",
]


@attrs.frozen(kw_only=True)
class EmailAddress(GraphModel):
    """Graph ``emailAddress``: a display name (kept, unlike the driver) and an address."""

    name: str | None = gfield()
    address: str | None = gfield()


@attrs.frozen(kw_only=True)
class ItemBody(GraphModel):
    """Graph ``itemBody``: ``content`` and ``content_type`` (text or HTML)."""

    content: str | None = gfield()
    content_type: BodyType | None = gfield()


@attrs.frozen(kw_only=True)
class ResponseStatus(GraphModel):
    """Graph ``responseStatus``: a response and when it was given (UTC)."""

    response: ResponseType | None = gfield()
    time: datetime | None = gfield(lenient=True)


@attrs.frozen(kw_only=True)
class Attendee(GraphModel):
    """An event attendee: name, email, type (required/optional/resource), response status."""

    name: str | None = gfield(path=("emailAddress", "name"))
    email: str | None = gfield(path=("emailAddress", "address"))
    type: AttendeeType | None = gfield(default=AttendeeType.REQUIRED)
    status: ResponseStatus | None = gfield()
    proposed_new_time: Any = gfield()

    @property
    def response(self) -> ResponseType | None:
        """The attendee's response (``status.response``), if known."""
        return None if self.status is None else self.status.response

    @property
    def resource(self) -> bool:
        """True for a resource attendee (a room or equipment)."""
        return self.type == AttendeeType.RESOURCE


@attrs.frozen(kw_only=True)
class PhysicalAddress(GraphModel):
    """Graph ``physicalAddress``."""

    street: str | None = gfield()
    city: str | None = gfield()
    state: str | None = gfield()
    country_or_region: str | None = gfield()
    postal_code: str | None = gfield()


@attrs.frozen(kw_only=True)
class GeoCoordinates(GraphModel):
    """Graph ``outlookGeoCoordinates`` / ``geoCoordinates``."""

    latitude: float | None = gfield()
    longitude: float | None = gfield()
    altitude: float | None = gfield()
    accuracy: float | None = gfield()
    altitude_accuracy: float | None = gfield()


@attrs.frozen(kw_only=True)
class Location(GraphModel):
    """Graph ``location`` of an event."""

    display_name: str | None = gfield()
    location_type: LocationType | None = gfield()
    unique_id: str | None = gfield()
    unique_id_type: str | None = gfield()
    location_email_address: str | None = gfield()
    location_uri: str | None = gfield()
    address: PhysicalAddress | None = gfield()
    coordinates: GeoCoordinates | None = gfield()


@attrs.frozen(kw_only=True)
class Phone(GraphModel):
    """Graph ``phone``: a number and its type (``"home"``, ``"business"``, ...)."""

    number: str | None = gfield()
    type: str | None = gfield()


@attrs.frozen(kw_only=True)
class OnlineMeeting(GraphModel):
    """An event's online meeting: join URL, conference id, phones (Graph
    ``onlineMeetingInfo``), plus SIP and PIN details for meetings made elsewhere.

    The provider is the [`Event`][graphlink.models.Event]'s ``online_meeting_provider``.
    ``sip`` and ``pin`` are not Graph properties: they are carried for callers (the
    driver's ``online_meeting_sip``/``_pin``) and never sent to Graph.
    """

    join_url: str | None = gfield()
    conference_id: str | None = gfield()
    toll_number: str | None = gfield()
    toll_free_numbers: tuple[str, ...] = gfield(factory=tuple)
    phones: tuple[Phone, ...] = gfield(factory=tuple)
    quick_dial: str | None = gfield()
    sip: str | None = gfield(None)
    pin: str | None = gfield(None)

    @property
    def all_phones(self) -> list[str]:
        """Every dial-in number: quick dial, toll-free, toll, then ``phones`` (no repeats)."""
        out: list[str] = []
        for number in (
            self.quick_dial,
            *self.toll_free_numbers,
            self.toll_number,
            *(p.number for p in self.phones),
        ):
            if number and number not in out:
                out.append(number)
        return out


@attrs.frozen(kw_only=True)
class RecurrencePattern(GraphModel):
    """Graph ``recurrencePattern``: daily, weekly, absolute/relative monthly and yearly."""

    type: RecurrencePatternType | None = gfield()
    interval: int | None = gfield(default=1)
    days_of_week: tuple[DayOfWeek, ...] = gfield(factory=tuple)
    day_of_month: int | None = gfield()
    month: int | None = gfield()
    first_day_of_week: DayOfWeek | None = gfield()
    index: WeekIndex | None = gfield()


@attrs.frozen(kw_only=True)
class RecurrenceRange(GraphModel):
    """Graph ``recurrenceRange``: ``endDate``, ``noEnd`` or ``numbered``."""

    type: RecurrenceRangeType | None = gfield()
    start_date: date | None = gfield()
    end_date: date | None = gfield()
    number_of_occurrences: int | None = gfield()
    recurrence_time_zone: str | None = gfield()


@attrs.frozen(kw_only=True)
class Recurrence(GraphModel):
    """Graph ``patternedRecurrence``: a pattern and a range."""

    pattern: RecurrencePattern | None = gfield()
    range: RecurrenceRange | None = gfield()


@attrs.frozen
class Attachment(GraphModel):
    """A Graph attachment (``fileAttachment``, ``itemAttachment`` or ``referenceAttachment``,
    told apart by ``odata_type``).

    ``Attachment(name, content, content_type=None)`` builds a file attachment;
    ``content_id`` and ``is_inline=True`` make it an inline (resource) attachment.
    """

    name: str | None = gfield(default=None, kw_only=False)
    content: bytes | None = gfield("contentBytes", default=None, kw_only=False)
    content_type: str | None = gfield(default=None, kw_only=False)
    content_id: str | None = gfield()
    is_inline: bool | None = gfield()
    odata_type: str | None = gfield("@odata.type", default="#microsoft.graph.fileAttachment")
    id: str | None = gfield(read_only=True)
    size: int | None = gfield(read_only=True)
    last_modified: datetime | None = gfield("lastModifiedDateTime", read_only=True, lenient=True)
    content_location: str | None = gfield()

    @property
    def kind(self) -> str:
        """``"file"``, ``"item"``, ``"reference"`` or the bare ``@odata.type`` name."""
        return odata_kind(self.odata_type, "file").removesuffix("Attachment") or "file"
