"""Typed Microsoft Graph models: frozen attrs classes with one cattrs converter.

Every model has ``Model.from_graph(data)`` (Graph JSON in), ``model.to_graph()`` (Graph
JSON out, for create/update bodies) and ``model.to_placeos()`` (the PlaceOS driver's JSON).
``structure``/``structure_many`` parse pages fast; ``to_zoneinfo``/``windows_name`` map
Windows and IANA time zone names.
"""

from __future__ import annotations

from graphlink.models._base import (
    GraphModel,
    converter,
    format_utc,
    format_wall_clock,
    parse_date_time_zone,
    parse_utc,
    structure,
    structure_many,
    unstructure,
)
from graphlink.models._calendar import (
    Calendar,
    Event,
    FreeBusyError,
    Schedule,
    ScheduleInformation,
    ScheduleItem,
    TimeZoneInfo,
    WorkingHours,
)
from graphlink.models._common import (
    Attachment,
    Attendee,
    EmailAddress,
    GeoCoordinates,
    ItemBody,
    Location,
    OnlineMeeting,
    Phone,
    PhysicalAddress,
    Recurrence,
    RecurrencePattern,
    RecurrenceRange,
    ResponseStatus,
)
from graphlink.models._directory import Device, DirectoryObject, Group, Member, User
from graphlink.models._enums import (
    AttendeeType,
    BodyType,
    BookingType,
    DayOfWeek,
    EventType,
    FreeBusyStatus,
    Importance,
    LocationType,
    OnlineMeetingProvider,
    OpenEnum,
    RecurrencePatternType,
    RecurrenceRangeType,
    ResponseType,
    Sensitivity,
    WeekIndex,
)
from graphlink.models._errors import ModelValidationError, UnknownTimeZoneError
from graphlink.models._mail import InternetMessageHeader, Message
from graphlink.models._places import Place, Room, RoomList
from graphlink.models._subscription import Subscription
from graphlink.models._timezones import timezone_fallback, to_zoneinfo, windows_name, zone_name

__all__ = [
    "Attachment",
    "Attendee",
    "AttendeeType",
    "BodyType",
    "BookingType",
    "Calendar",
    "DayOfWeek",
    "Device",
    "DirectoryObject",
    "EmailAddress",
    "Event",
    "EventType",
    "FreeBusyError",
    "FreeBusyStatus",
    "GeoCoordinates",
    "GraphModel",
    "Group",
    "Importance",
    "InternetMessageHeader",
    "ItemBody",
    "Location",
    "LocationType",
    "Member",
    "Message",
    "ModelValidationError",
    "OnlineMeeting",
    "OnlineMeetingProvider",
    "OpenEnum",
    "Phone",
    "PhysicalAddress",
    "Place",
    "Recurrence",
    "RecurrencePattern",
    "RecurrencePatternType",
    "RecurrenceRange",
    "RecurrenceRangeType",
    "ResponseStatus",
    "ResponseType",
    "Room",
    "RoomList",
    "Schedule",
    "ScheduleInformation",
    "ScheduleItem",
    "Sensitivity",
    "Subscription",
    "TimeZoneInfo",
    "UnknownTimeZoneError",
    "User",
    "WeekIndex",
    "WorkingHours",
    "converter",
    "format_utc",
    "format_wall_clock",
    "parse_date_time_zone",
    "parse_utc",
    "structure",
    "structure_many",
    "timezone_fallback",
    "to_zoneinfo",
    "unstructure",
    "windows_name",
    "zone_name",
]
