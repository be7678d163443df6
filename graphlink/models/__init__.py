"""Typed Microsoft Graph models: frozen attrs classes, converted by one internal cattrs converter.

Every model has ``Model.from_graph(data)`` (Graph JSON in), ``model.to_graph()`` (Graph
JSON out, for create/update bodies) and ``model.to_placeos()`` (the PlaceOS driver's JSON).
[`structure`][graphlink.models.structure] and
[`structure_many`][graphlink.models.structure_many] parse pages fast;
[`to_zoneinfo`][graphlink.models.to_zoneinfo] and
[`windows_name`][graphlink.models.windows_name] map Windows and IANA time zone names.

Each model class also gets a generated fast structure function; anything it does not
expect goes to the validating path, so the result is the same either way.
[`set_fast_models(False)`][graphlink.models.set_fast_models] (or ``GRAPHLINK_FAST_MODELS=0``
in the environment at import) parses with the validating path alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphlink._lazy import lazy_names
from graphlink.errors import ModelValidationError, UnknownTimeZoneError

if TYPE_CHECKING:
    from graphlink.models._base import GraphModel, structure, structure_many, unstructure
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
    from graphlink.models._datetimes import (
        format_utc,
        format_wall_clock,
        parse_date_time_zone,
        parse_utc,
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
    from graphlink.models._fast import fast_models_enabled, set_fast_models
    from graphlink.models._mail import InternetMessageHeader, Message
    from graphlink.models._places import Place, Room, RoomList
    from graphlink.models._subscription import Subscription
    from graphlink.models._timezones import timezone_fallback, to_zoneinfo, windows_name, zone_name

# Imported on first use (PEP 562): ``from graphlink.models import User`` loads the
# directory models and the converter, not every model module (attrs classes are slow to make).
_LAZY = {
    "Attachment": "_common",
    "Attendee": "_common",
    "AttendeeType": "_enums",
    "BodyType": "_enums",
    "BookingType": "_enums",
    "Calendar": "_calendar",
    "DayOfWeek": "_enums",
    "Device": "_directory",
    "DirectoryObject": "_directory",
    "EmailAddress": "_common",
    "Event": "_calendar",
    "EventType": "_enums",
    "FreeBusyError": "_calendar",
    "FreeBusyStatus": "_enums",
    "GeoCoordinates": "_common",
    "GraphModel": "_base",
    "Group": "_directory",
    "Importance": "_enums",
    "InternetMessageHeader": "_mail",
    "ItemBody": "_common",
    "Location": "_common",
    "LocationType": "_enums",
    "Member": "_directory",
    "Message": "_mail",
    "OnlineMeeting": "_common",
    "OnlineMeetingProvider": "_enums",
    "OpenEnum": "_enums",
    "Phone": "_common",
    "PhysicalAddress": "_common",
    "Place": "_places",
    "Recurrence": "_common",
    "RecurrencePattern": "_common",
    "RecurrencePatternType": "_enums",
    "RecurrenceRange": "_common",
    "RecurrenceRangeType": "_enums",
    "ResponseStatus": "_common",
    "ResponseType": "_enums",
    "Room": "_places",
    "RoomList": "_places",
    "Schedule": "_calendar",
    "ScheduleInformation": "_calendar",
    "ScheduleItem": "_calendar",
    "Sensitivity": "_enums",
    "Subscription": "_subscription",
    "TimeZoneInfo": "_calendar",
    "User": "_directory",
    "WeekIndex": "_enums",
    "WorkingHours": "_calendar",
    "fast_models_enabled": "_fast",
    "format_utc": "_datetimes",
    "format_wall_clock": "_datetimes",
    "parse_date_time_zone": "_datetimes",
    "parse_utc": "_datetimes",
    "set_fast_models": "_fast",
    "structure": "_base",
    "structure_many": "_base",
    "timezone_fallback": "_timezones",
    "to_zoneinfo": "_timezones",
    "unstructure": "_base",
    "windows_name": "_timezones",
    "zone_name": "_timezones",
}


__getattr__, __dir__ = lazy_names(
    __name__, {name: f".{module}" for name, module in _LAZY.items()}, globals()
)


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
    "fast_models_enabled",
    "format_utc",
    "format_wall_clock",
    "parse_date_time_zone",
    "parse_utc",
    "set_fast_models",
    "structure",
    "structure_many",
    "timezone_fallback",
    "to_zoneinfo",
    "unstructure",
    "windows_name",
    "zone_name",
]
