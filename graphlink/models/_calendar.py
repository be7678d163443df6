"""Events, calendars and free/busy schedules."""

# gfield() is an attrs field specifier, not a shared default value.
# ruff: noqa: RUF009

from __future__ import annotations

from datetime import datetime, time

import attrs

from graphlink.models._base import GraphModel
from graphlink.models._common import (
    Attachment,
    Attendee,
    EmailAddress,
    ItemBody,
    Location,
    OnlineMeeting,
    Recurrence,
    ResponseStatus,
)
from graphlink.models._enums import (
    DayOfWeek,
    EventType,
    FreeBusyStatus,
    Importance,
    OnlineMeetingProvider,
    Sensitivity,
)
from graphlink.models._fields import gfield

__all__ = [
    "Calendar",
    "Event",
    "FreeBusyError",
    "Schedule",
    "ScheduleInformation",
    "ScheduleItem",
    "TimeZoneInfo",
    "WorkingHours",
]


@attrs.frozen(kw_only=True)
class Event(GraphModel):
    """A calendar event.

    ``start`` and ``end`` are aware datetimes, to the second (and microsecond), in the zone
    Graph gave (UTC unless ``Prefer: outlook.timezone`` was sent). ``timezone`` and
    ``end_timezone`` keep the zone names exactly as Graph or the caller wrote them (Windows
    or IANA), and ``to_graph()`` writes them back.
    """

    id: str | None = gfield(read_only=True)
    etag: str | None = gfield("@odata.etag", read_only=True)
    subject: str | None = gfield()
    body: ItemBody | None = gfield()
    body_preview: str | None = gfield(read_only=True)
    start: datetime | None = gfield(dtz=("timezone",))
    end: datetime | None = gfield(dtz=("end_timezone", "timezone"))
    timezone: str | None = gfield(path=("start", "timeZone"))
    end_timezone: str | None = gfield(path=("end", "timeZone"))
    original_start_timezone: str | None = gfield("originalStartTimeZone", read_only=True)
    original_end_timezone: str | None = gfield("originalEndTimeZone", read_only=True)
    all_day: bool | None = gfield("isAllDay")
    organizer: EmailAddress | None = gfield(recipient=True)
    attendees: tuple[Attendee, ...] = gfield(factory=tuple)
    location: Location | None = gfield()
    locations: tuple[Location, ...] = gfield(factory=tuple)
    is_cancelled: bool | None = gfield(read_only=True)
    is_organizer: bool | None = gfield(read_only=True)
    is_draft: bool | None = gfield(read_only=True)
    ical_uid: str | None = gfield("iCalUId", read_only=True)
    series_master_id: str | None = gfield(read_only=True)
    type: EventType | None = gfield(read_only=True)
    recurrence: Recurrence | None = gfield()
    created: datetime | None = gfield("createdDateTime", read_only=True, lenient=True)
    updated: datetime | None = gfield("lastModifiedDateTime", read_only=True, lenient=True)
    change_key: str | None = gfield(read_only=True)
    categories: tuple[str, ...] = gfield(factory=tuple)
    sensitivity: Sensitivity | None = gfield()
    show_as: FreeBusyStatus | None = gfield()
    importance: Importance | None = gfield()
    response_status: ResponseStatus | None = gfield(read_only=True)
    response_requested: bool | None = gfield()
    allow_new_time_proposals: bool | None = gfield()
    hide_attendees: bool | None = gfield()
    is_reminder_on: bool | None = gfield()
    reminder_minutes_before_start: int | None = gfield()
    is_online_meeting: bool | None = gfield()
    online_meeting_provider: OnlineMeetingProvider | None = gfield()
    online_meeting: OnlineMeeting | None = gfield(read_only=True)
    online_meeting_url: str | None = gfield(read_only=True)
    has_attachments: bool | None = gfield(read_only=True)
    attachments: tuple[Attachment, ...] = gfield(factory=tuple)
    web_link: str | None = gfield(read_only=True)
    transaction_id: str | None = gfield()

    @property
    def host(self) -> str | None:
        """The organizer's email address."""
        return None if self.organizer is None else self.organizer.address

    @property
    def private(self) -> bool:
        """True when the sensitivity is private or confidential."""
        return self.sensitivity in (Sensitivity.PRIVATE, Sensitivity.CONFIDENTIAL)

    @property
    def recurring(self) -> bool:
        """True for a series master, or an occurrence or exception of a series."""
        return self.recurrence is not None or self.series_master_id is not None

    @property
    def join_url(self) -> str | None:
        """The online meeting's join URL (``onlineMeeting.joinUrl``, else the legacy URL)."""
        if self.online_meeting is not None and self.online_meeting.join_url:
            return self.online_meeting.join_url
        return self.online_meeting_url


@attrs.frozen(kw_only=True)
class Calendar(GraphModel):
    """A calendar of a mailbox."""

    id: str | None = gfield(read_only=True)
    name: str | None = gfield()
    color: str | None = gfield()
    hex_color: str | None = gfield(read_only=True)
    change_key: str | None = gfield(read_only=True)
    can_edit: bool | None = gfield(read_only=True)
    can_share: bool | None = gfield(read_only=True)
    can_view_private_items: bool | None = gfield(read_only=True)
    is_default_calendar: bool | None = gfield(read_only=True)
    is_removable: bool | None = gfield(read_only=True)
    is_tallying_responses: bool | None = gfield(read_only=True)
    owner: EmailAddress | None = gfield(read_only=True)
    allowed_online_meeting_providers: tuple[OnlineMeetingProvider, ...] = gfield(
        factory=tuple, read_only=True
    )
    default_online_meeting_provider: OnlineMeetingProvider | None = gfield()


@attrs.frozen(kw_only=True)
class ScheduleItem(GraphModel):
    """One busy block of a free/busy schedule."""

    status: FreeBusyStatus | None = gfield()
    start: datetime | None = gfield(dtz=("timezone",))
    end: datetime | None = gfield(dtz=("end_timezone", "timezone"))
    timezone: str | None = gfield(path=("start", "timeZone"))
    end_timezone: str | None = gfield(path=("end", "timeZone"))
    is_private: bool | None = gfield()
    subject: str | None = gfield()
    location: str | None = gfield()


@attrs.frozen(kw_only=True)
class TimeZoneInfo(GraphModel):
    """Graph ``timeZoneBase`` / ``customTimeZone`` (the custom rules stay in ``extra``)."""

    name: str | None = gfield()
    odata_type: str | None = gfield("@odata.type")


@attrs.frozen(kw_only=True)
class WorkingHours(GraphModel):
    """Graph ``workingHours`` of a schedule."""

    days_of_week: tuple[DayOfWeek, ...] = gfield(factory=tuple)
    start_time: time | None = gfield()
    end_time: time | None = gfield()
    time_zone: TimeZoneInfo | None = gfield()


@attrs.frozen(kw_only=True)
class FreeBusyError(GraphModel):
    """The error Graph reports for a schedule it could not read (e.g. an unknown mailbox)."""

    message: str | None = gfield()
    response_code: str | None = gfield()


@attrs.frozen(kw_only=True)
class ScheduleInformation(GraphModel):
    """One mailbox's free/busy answer from ``getSchedule``."""

    schedule_id: str | None = gfield()
    availability_view: str | None = gfield()
    schedule_items: tuple[ScheduleItem, ...] = gfield(factory=tuple)
    working_hours: WorkingHours | None = gfield()
    error: FreeBusyError | None = gfield()


Schedule = ScheduleInformation
"""Short name of [`ScheduleInformation`][graphlink.models.ScheduleInformation]."""
