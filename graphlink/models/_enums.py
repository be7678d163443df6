"""Graph enumerations: parsed case-insensitively, unknown values kept (never an error)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

__all__ = [
    "AttendeeType",
    "BodyType",
    "BookingType",
    "DayOfWeek",
    "EventType",
    "FreeBusyStatus",
    "Importance",
    "LocationType",
    "OnlineMeetingProvider",
    "OpenEnum",
    "RecurrencePatternType",
    "RecurrenceRangeType",
    "ResponseType",
    "Sensitivity",
    "WeekIndex",
]

_FOLDED: dict[type, dict[str, Any]] = {}


class OpenEnum(StrEnum):
    """A string enum that matches case-insensitively and keeps values it does not know.

    ``Sensitivity("Private") is Sensitivity.PRIVATE``; ``Sensitivity("secret")`` is an
    unknown member whose value is ``"secret"`` (``.known`` is false), so a new Graph value
    survives a read-modify-write.
    """

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, str):
            return None
        folded = _FOLDED.get(cls)
        if folded is None:
            folded = _FOLDED[cls] = {m.value.casefold(): m for m in cls}
        member = folded.get(value.casefold())
        if member is not None:
            return member  # type: ignore[no-any-return]
        pseudo = str.__new__(cls, value)
        pseudo._name_ = value
        pseudo._value_ = value
        if len(folded) < 256:
            folded[value.casefold()] = pseudo
        return pseudo

    @property
    def known(self) -> bool:
        """True for a value graphlink knows, false for one kept as Graph sent it."""
        return self._name_ in type(self).__members__

    @classmethod
    def parse(cls, value: str) -> Self:
        """The member for ``value`` (case-insensitive; unknown values are kept)."""
        return cls(value)


class BodyType(OpenEnum):
    """``itemBody.contentType``."""

    TEXT = "text"
    HTML = "html"


class AttendeeType(OpenEnum):
    """``attendee.type``."""

    REQUIRED = "required"
    OPTIONAL = "optional"
    RESOURCE = "resource"


class ResponseType(OpenEnum):
    """``responseStatus.response``."""

    NONE = "none"
    ORGANIZER = "organizer"
    TENTATIVELY_ACCEPTED = "tentativelyAccepted"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    NOT_RESPONDED = "notResponded"


class Sensitivity(OpenEnum):
    """``event.sensitivity``."""

    NORMAL = "normal"
    PERSONAL = "personal"
    PRIVATE = "private"
    CONFIDENTIAL = "confidential"


class FreeBusyStatus(OpenEnum):
    """``event.showAs`` and ``scheduleItem.status``."""

    FREE = "free"
    TENTATIVE = "tentative"
    BUSY = "busy"
    OOF = "oof"
    WORKING_ELSEWHERE = "workingElsewhere"
    UNKNOWN = "unknown"


class Importance(OpenEnum):
    """``importance`` of an event or message."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class EventType(OpenEnum):
    """``event.type``."""

    SINGLE_INSTANCE = "singleInstance"
    OCCURRENCE = "occurrence"
    EXCEPTION = "exception"
    SERIES_MASTER = "seriesMaster"


class OnlineMeetingProvider(OpenEnum):
    """``event.onlineMeetingProvider``."""

    UNKNOWN = "unknown"
    TEAMS_FOR_BUSINESS = "teamsForBusiness"
    SKYPE_FOR_BUSINESS = "skypeForBusiness"
    SKYPE_FOR_CONSUMER = "skypeForConsumer"


class RecurrencePatternType(OpenEnum):
    """``recurrencePattern.type``."""

    DAILY = "daily"
    WEEKLY = "weekly"
    ABSOLUTE_MONTHLY = "absoluteMonthly"
    RELATIVE_MONTHLY = "relativeMonthly"
    ABSOLUTE_YEARLY = "absoluteYearly"
    RELATIVE_YEARLY = "relativeYearly"


class RecurrenceRangeType(OpenEnum):
    """``recurrenceRange.type``."""

    END_DATE = "endDate"
    NO_END = "noEnd"
    NUMBERED = "numbered"


class DayOfWeek(OpenEnum):
    """A day of the week, as Graph spells it."""

    SUNDAY = "sunday"
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"


class WeekIndex(OpenEnum):
    """``recurrencePattern.index``: which week of the month."""

    FIRST = "first"
    SECOND = "second"
    THIRD = "third"
    FOURTH = "fourth"
    LAST = "last"


class LocationType(OpenEnum):
    """``location.locationType``."""

    DEFAULT = "default"
    CONFERENCE_ROOM = "conferenceRoom"
    HOME_ADDRESS = "homeAddress"
    BUSINESS_ADDRESS = "businessAddress"
    GEO_COORDINATES = "geoCoordinates"
    STREET_ADDRESS = "streetAddress"
    HOTEL = "hotel"
    RESTAURANT = "restaurant"
    LOCAL_BUSINESS = "localBusiness"
    POSTAL_ADDRESS = "postalAddress"


class BookingType(OpenEnum):
    """``room.bookingType``."""

    UNKNOWN = "unknown"
    STANDARD = "standard"
    RESERVED = "reserved"
