"""Calendar events: creating, changing, answering and cancelling meetings across mailboxes.

An organiser's event is copied into every attendee's mailbox FakeGraph holds (rooms
accept at once); the organiser's changes and cancellations reach those copies, and the
attendees' answers reach the organiser's copy.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, Protocol

from graphlink.testing._state.common import (
    GraphFault,
    exchange_id,
    parse_graph_datetime,
    utc_stamp,
    zone,
)
from graphlink.testing._state.mailboxes import EventRecord, Mailbox, MailboxState
from graphlink.testing._state.recurrence import normalize_recurrence, series_zone_name

__all__ = [
    "EVENT_NAVIGATION_PROPERTIES",
    "EVENT_PROPERTIES",
    "MAX_ATTENDEES",
    "CalendarState",
    "check_can_cancel",
    "check_can_respond",
    "check_event_body",
    "event_overlaps",
    "new_ical_uid",
    "occurrence_ical_uid",
]

_NEVER = "0001-01-01T00:00:00Z"
MAX_ATTENDEES = 500

#: The v1.0 ``microsoft.graph.event`` type's structural properties, with those it inherits
#: from ``outlookItem`` (``categories``, ``changeKey``, ``createdDateTime``,
#: ``lastModifiedDateTime``) and ``entity`` (``id``). Source: Graph's v1.0 CSDL,
#: ``schemas/v1.0-Prod.csdl`` in microsoftgraph/msgraph-metadata (commit f54f11b, August
#: 2026), ``<EntityType Name="event" BaseType="graph.outlookItem">``; the same names as the
#: Properties table of the "event resource type" page (``api-reference/v1.0/resources/
#: event.md`` in microsoftgraph/microsoft-graph-docs-contrib), which also lists
#: ``hideAttendees``, ``isDraft`` and ``transactionId`` but, in the copy read, not yet
#: ``cancelledOccurrences``.
EVENT_PROPERTIES = frozenset(
    {
        "allowNewTimeProposals",
        "attendees",
        "body",
        "bodyPreview",
        "cancelledOccurrences",
        "categories",
        "changeKey",
        "createdDateTime",
        "end",
        "hasAttachments",
        "hideAttendees",
        "iCalUId",
        "id",
        "importance",
        "isAllDay",
        "isCancelled",
        "isDraft",
        "isOnlineMeeting",
        "isOrganizer",
        "isReminderOn",
        "lastModifiedDateTime",
        "location",
        "locations",
        "onlineMeeting",
        "onlineMeetingProvider",
        "onlineMeetingUrl",
        "organizer",
        "originalEndTimeZone",
        "originalStart",
        "originalStartTimeZone",
        "recurrence",
        "reminderMinutesBeforeStart",
        "responseRequested",
        "responseStatus",
        "sensitivity",
        "seriesMasterId",
        "showAs",
        "start",
        "subject",
        "transactionId",
        "type",
        "webLink",
    }
)
#: The event's navigation properties (same CSDL; the docs page's Relationships table lists
#: all but ``exceptionOccurrences``). They exist on the type, so a body naming one is not
#: refused as an unknown property (Graph documents creating extensions and extended
#: properties in the create/update body).
EVENT_NAVIGATION_PROPERTIES = frozenset(
    {
        "attachments",
        "calendar",
        "exceptionOccurrences",
        "extensions",
        "instances",
        "multiValueExtendedProperties",
        "singleValueExtendedProperties",
    }
)
_EVENT_NAMES = {name.lower(): name for name in EVENT_PROPERTIES | EVENT_NAVIGATION_PROPERTIES}


def check_event_body(body: Mapping[str, Any]) -> dict[str, Any]:
    """An event create/update body with Graph's spelling, or Graph's 400 for a stray property.

    A top-level name that is not one of ``EVENT_PROPERTIES`` or
    ``EVENT_NAVIGATION_PROPERTIES`` is refused with ``400 RequestBodyRead`` "The property
    'x' does not exist on type 'Microsoft.OutlookServices.Event'. Make sure to only use
    property names that are defined by the type or mark the type as open type.", naming the
    first such property as it was sent. Annotations (``@odata.type``, ``attendees@odata.type``)
    are accepted and left out of what is stored.

    Verified (reports from live tenants): the status, the code and the message, for both
    create and update -- ``PATCH /v1.0/users/{id}/events/{id}`` with ``graphResponseHeaders``
    answered ``400 Bad Request`` ``RequestBodyRead`` with exactly this message
    (microsoftgraph/msgraph-sdk-java#391, 2020); ``POST /users/{id}/events`` with ``event``
    answered the same message (microsoftgraph/msgraph-sdk-javascript#212, 2019; also
    msgraph-sdk-java#766, 2021, ``400`` for ``POST /v1.0/me/events``, from a hybrid mailbox).
    The type named is Exchange's ``Microsoft.OutlookServices.Event``, not
    ``microsoft.graph.event``: no report found shows the latter, and a CLI's troubleshooting
    note shows ``$select`` of an unknown name naming the Outlook type too.

    Guessed:

    - Names are compared case-insensitively and stored in Graph's spelling (``Subject``
      is ``subject``), as FakeGraph's getSchedule reads them: Microsoft's own examples send
      ``"Comment"`` (event cancel) and ``"Schedules"`` (getSchedule), while a 2015 report saw
      ``sendMail`` need the metadata's exact case. Nothing shows an event body either way.
    - Only the first stray property is reported (Graph's reader stops at the first).
    - Graph's CSDL marks ``event`` an open type (for schema extensions); FakeGraph models no
      schema extensions, so their ``{prefix}_{name}`` properties are refused too.
    - Nested objects (``attendees[].emailAddress``...) are not checked; Graph refuses
      their unknown names the same way (``Microsoft.OutlookServices.EmailAddress``).
    """
    clean: dict[str, Any] = {}
    for key, value in body.items():
        name = str(key)
        prop, at, _annotation = name.partition("@")
        if at and (not prop or prop.lower() in _EVENT_NAMES):
            continue
        known = _EVENT_NAMES.get(prop.lower())
        if known is None:
            raise GraphFault(
                400,
                "RequestBodyRead",
                f"The property '{prop}' does not exist on type "
                "'Microsoft.OutlookServices.Event'. Make sure to only use property names that "
                "are defined by the type or mark the type as open type.",
            )
        clean[known] = value
    return clean


def _online_meeting(data: dict[str, Any]) -> None:
    """Fill the read-only ``onlineMeeting`` once an event is an online meeting."""
    if not data.get("isOnlineMeeting") or data.get("onlineMeeting"):
        return
    if data.get("onlineMeetingProvider") in (None, "unknown"):
        data["onlineMeetingProvider"] = "teamsForBusiness"
    digest = hashlib.sha1(str(data["id"]).encode()).hexdigest()
    data["onlineMeeting"] = {
        "joinUrl": f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{digest[:24]}",
        "conferenceId": str(int(digest[:8], 16)),
        "tollNumber": "+1 425-555-0100",
    }


_ICAL_PREFIX = "040000008200E00074C5B7101A82E008"


def new_ical_uid(event_id: str) -> str:
    """A new meeting's ``iCalUId``, laid out as Exchange's global object id.

    The class id, an instance date (``00000000`` for a series or a single event), a
    timestamp, reserved zeros, a length and a unique part.
    """
    digest = hashlib.sha1(event_id.encode()).hexdigest().upper()
    return _ICAL_PREFIX + "00000000" + digest[:16] + "0" * 16 + "10000000" + digest[8:40]


def occurrence_ical_uid(series_uid: str, day: date) -> str:
    """An occurrence's ``iCalUId``: the series' with the occurrence's date in it.

    Graph's ``iCalUId`` is the same in every attendee's calendar but differs for each
    occurrence (``resources/event.md``); Exchange writes the instance date (year, month,
    day) into the global object id, which FakeGraph copies.
    """
    stamp = f"{day.year:04X}{day.month:02X}{day.day:02X}"
    return series_uid[:32] + stamp + series_uid[40:]


def _series(value: Any, start: datetime, tz_name: str) -> dict[str, Any]:
    """A request's ``recurrence`` as Graph stores it; an unknown series zone is a 400."""
    recurrence = normalize_recurrence(value, start.astimezone(zone(tz_name)).date(), tz_name)
    zone(series_zone_name(recurrence))
    return recurrence


class Timed(Protocol):
    """Anything with a start and an end: a stored event or a computed occurrence."""

    start: datetime
    end: datetime


def event_overlaps(rec: Timed, start: datetime, end: datetime) -> bool:
    """calendarView's rule: the event overlaps ``[start, end)``."""
    if rec.start == rec.end:
        return start <= rec.start < end
    return rec.start < end and rec.end > start


class CalendarState(MailboxState):
    """Mailboxes plus the event operations: ``create_event``, ``update_event``, ``respond``..."""

    def _new_event_id(self, box: Mailbox) -> str:
        """A new event id for ``box``: the next serial's, past any the mailbox holds (a
        loaded file without ``@fakegraph.serial`` may hold ids the serials would make)."""
        while True:
            eid = exchange_id("event", box.owner_id, str(self.next_serial()))
            if eid not in box.events and eid not in box.occurrences:
                return eid

    def create_event(
        self, box: Mailbox, calendar_id: str | None, payload: Mapping[str, Any]
    ) -> EventRecord:
        """Create an event as Graph does, with copies in attendees' mailboxes.

        A ``transactionId`` already used in this mailbox (in any of its calendars) returns
        the first event instead of creating a second one; the route answers it ``201`` as
        for a new event. Graph documents the de-duplication (``resources/event.md``:
        "avoid redundant POST operations in case of client retries") but not the status of
        the repeated create: ``201`` with the first event is a guess, matching a
        third-party report that the retry "returned the same event ID".

        An event with a ``recurrence`` is a series master (``type: seriesMaster``); its
        occurrences are computed when a view asks (``SeriesState``).
        """
        cal = self.calendar(box, calendar_id)
        txn = payload.get("transactionId")
        if txn:
            for rec in box.events.values():
                if rec.data.get("transactionId") == txn:
                    return rec
        if "start" not in payload or "end" not in payload:
            raise GraphFault(
                400,
                "ErrorPropertyValidationFailure",
                "At least one property failed validation: start and end are required.",
            )
        start = parse_graph_datetime(payload["start"])
        end = parse_graph_datetime(payload["end"])
        if end < start:
            raise GraphFault(
                400, "ErrorInvalidRequest", "The end time of the event is before its start time."
            )
        attendees = [dict(a) for a in payload.get("attendees") or ()]
        if len(attendees) > MAX_ATTENDEES:
            raise GraphFault(
                400, "ErrorInvalidRequest", f"An event can have at most {MAX_ATTENDEES} attendees."
            )
        recurrence = None
        if payload.get("recurrence"):
            tz_name = str((payload["start"] or {}).get("timeZone") or "UTC")
            recurrence = _series(payload["recurrence"], start, tz_name)
        now = datetime.now(UTC)
        eid = self._new_event_id(box)
        ical = new_ical_uid(eid)
        data: dict[str, Any] = {
            "@odata.etag": f'W/"{eid[-16:]}"',
            "id": eid,
            "createdDateTime": utc_stamp(now),
            "lastModifiedDateTime": utc_stamp(now),
            "changeKey": eid[-16:],
            "categories": [],
            "transactionId": txn,
            "originalStartTimeZone": (payload["start"] or {}).get("timeZone", "UTC"),
            "originalEndTimeZone": (payload["end"] or {}).get("timeZone", "UTC"),
            "iCalUId": ical,
            "reminderMinutesBeforeStart": 15,
            "isReminderOn": True,
            "hasAttachments": False,
            "subject": "",
            "bodyPreview": "",
            "importance": "normal",
            "sensitivity": "normal",
            "isAllDay": False,
            "isCancelled": False,
            "isOrganizer": True,
            "responseRequested": True,
            "seriesMasterId": None,
            "showAs": "busy",
            "type": "singleInstance",
            "webLink": f"https://outlook.office365.com/owa/?itemid={eid}&exvsurl=1&path=/calendar/item",
            "onlineMeetingUrl": None,
            "isOnlineMeeting": False,
            "onlineMeetingProvider": "unknown",
            "allowNewTimeProposals": True,
            "isDraft": False,
            "hideAttendees": False,
            "recurrence": None,
            "onlineMeeting": None,
            "responseStatus": {"response": "organizer", "time": _NEVER},
            "body": {"contentType": "html", "content": ""},
            "location": {
                "displayName": "",
                "locationType": "default",
                "uniqueIdType": "unknown",
                "address": {},
                "coordinates": {},
            },
            "locations": [],
            "attendees": [],
            "organizer": {"emailAddress": {"name": self.owner_name(box), "address": box.address}},
        }
        for key, value in payload.items():
            if key not in ("start", "end", "organizer", "id", "attendees", "recurrence"):
                data[key] = value
        if recurrence is not None:
            data["recurrence"] = recurrence
            data["type"] = "seriesMaster"
        self._sync_locations(data, payload)
        body = data.get("body") or {}
        data["bodyPreview"] = str(body.get("content") or "")[:255]
        _online_meeting(data)
        rooms = []
        for att in attendees:
            address = str((att.get("emailAddress") or {}).get("address") or "")
            other = self.mailbox_for_address(address)
            is_room = bool(other is not None and other.is_room)
            response = "accepted" if is_room else "none"
            att = {"type": att.get("type", "required"), **att}
            att["status"] = {"response": response, "time": utc_stamp(now) if is_room else _NEVER}
            data["attendees"].append(att)
            if other is not None and other is not box:
                rooms.append((other, is_room))
        rec = EventRecord(id=eid, calendar_id=str(cal["id"]), data=data, start=start, end=end)
        box.events[eid] = rec
        for other, is_room in rooms:
            self._invite(other, rec, box, accepted=is_room)
        return rec

    def _sync_locations(self, data: dict[str, Any], payload: Mapping[str, Any]) -> None:
        if "location" in payload and "locations" not in payload:
            loc = dict(payload.get("location") or {})
            data["location"] = loc
            data["locations"] = [loc] if loc.get("displayName") else []
        elif "locations" in payload and "location" not in payload:
            locs = list(payload.get("locations") or [])
            names = "; ".join(str(loc.get("displayName", "")) for loc in locs)
            data["location"] = {"displayName": names, "locationType": "default"}

    def _invite(
        self, box: Mailbox, original: EventRecord, organizer: Mailbox, *, accepted: bool
    ) -> None:
        """Put an attendee's copy of a meeting into their default calendar."""
        eid = self._new_event_id(box)
        data = copy.deepcopy(original.data)
        data.update(
            {
                "id": eid,
                "@odata.etag": f'W/"{eid[-16:]}"',
                "changeKey": eid[-16:],
                "isOrganizer": False,
                "transactionId": None,
                "responseStatus": {
                    "response": "accepted" if accepted else "notResponded",
                    "time": data["createdDateTime"] if accepted else _NEVER,
                },
                "webLink": data["webLink"].replace(original.id, eid),
            }
        )
        box.events[eid] = EventRecord(
            id=eid,
            calendar_id=box.default_calendar,
            data=data,
            start=original.start,
            end=original.end,
        )

    def copies(self, ical_uid: str) -> Iterable[tuple[Mailbox, EventRecord]]:
        """Every mailbox's copy of one meeting."""
        for box in self.mailboxes.values():
            for rec in box.events.values():
                if rec.data.get("iCalUId") == ical_uid:
                    yield box, rec

    def update_event(self, box: Mailbox, rec: EventRecord, changes: Mapping[str, Any]) -> None:
        """PATCH an event; the organizer's changes reach the attendees' copies."""
        targets = (
            list(self.copies(str(rec.data["iCalUId"]))) if rec.data.get("isOrganizer") else []
        ) or [(box, rec)]
        start = parse_graph_datetime(changes["start"]) if "start" in changes else rec.start
        end = parse_graph_datetime(changes["end"]) if "end" in changes else rec.end
        if end < start:
            raise GraphFault(
                400, "ErrorInvalidRequest", "The end time of the event is before its start time."
            )
        if changes.get("recurrence"):
            tz_name = str(
                (changes.get("start") or {}).get("timeZone")
                or rec.data.get("originalStartTimeZone")
                or "UTC"
            )
            changes = {
                **changes,
                "recurrence": _series(changes["recurrence"], start, tz_name),
                "type": "seriesMaster",
            }
        elif "recurrence" in changes and rec.data.get("type") == "seriesMaster":
            changes = {**changes, "type": "singleInstance"}
        stamp = utc_stamp(datetime.now(UTC))
        for _other, target in targets:
            for key, value in changes.items():
                if key in ("start", "end", "id", "organizer", "iCalUId", "seriesMasterId"):
                    continue
                if key == "attendees" and target is not rec:
                    continue
                target.data[key] = value
            self._sync_locations(target.data, changes)
            if "start" in changes:
                target.data["originalStartTimeZone"] = changes["start"].get("timeZone", "UTC")
            if "end" in changes:
                target.data["originalEndTimeZone"] = changes["end"].get("timeZone", "UTC")
            if "body" in changes:
                target.data["bodyPreview"] = str((changes["body"] or {}).get("content", ""))[:255]
            _online_meeting(target.data)
            target.start, target.end = start, end
            target.data["lastModifiedDateTime"] = stamp
            target.data["changeKey"] = hashlib.sha1((target.id + stamp).encode()).hexdigest()[:16]
            target.data["@odata.etag"] = f'W/"{target.data["changeKey"]}"'

    def delete_event(self, box: Mailbox, rec: EventRecord) -> None:
        """Delete; when the organizer deletes a meeting, attendees' copies are cancelled.

        Graph: "deleting the event on the organizer's calendar sends a cancellation message
        to the meeting attendees" (``event-delete.md``). The attendees' copies stay in their
        calendars with ``isCancelled: true`` and a "Canceled: " subject, as Outlook shows a
        received cancellation until the attendee removes it. An attendee's DELETE removes
        only their own copy (no answer is sent).
        """
        del box.events[rec.id]
        if rec.data.get("isOrganizer"):
            self._cancel_copies(rec)

    def _cancel_copies(self, rec: EventRecord) -> None:
        for _other, twin in self.copies(str(rec.data["iCalUId"])):
            twin.data["isCancelled"] = True
            twin.data["subject"] = "Canceled: " + str(rec.data.get("subject") or "")

    def respond(self, box: Mailbox, rec: EventRecord, response: str) -> None:
        """accept / tentativelyAccept / decline as an attendee; the organizer sees it.

        A decline removes the event from the attendee's calendar (Graph "moves the event to
        the Deleted Items folder", ``event-decline.md``). The organizer answering their own
        meeting is refused: see ``check_can_respond``.
        """
        check_can_respond(rec.data)
        stamp = utc_stamp(datetime.now(UTC))
        rec.data["responseStatus"] = {"response": response, "time": stamp}
        for _other, twin in self.copies(str(rec.data["iCalUId"])):
            if not twin.data.get("isOrganizer"):
                continue
            for att in twin.data.get("attendees") or []:
                addr = str((att.get("emailAddress") or {}).get("address") or "").lower()
                if addr == box.address.lower():
                    att["status"] = {"response": response, "time": stamp}
        if response == "declined":
            del box.events[rec.id]

    def cancel(self, box: Mailbox, rec: EventRecord) -> None:
        """The organizer cancels a meeting: it leaves their calendar, attendees see it cancelled.

        A non-organizer is refused: see ``check_can_cancel``.
        """
        check_can_cancel(rec.data)
        del box.events[rec.id]
        self._cancel_copies(rec)


def check_can_respond(data: Mapping[str, Any]) -> None:
    """Refuse an answer (accept/tentativelyAccept/decline) Graph would refuse.

    - The organizer answering their own meeting: ``400 ErrorInvalidRequest`` "Your request
      can't be completed. You can't respond to this meeting because you're the meeting
      organizer." Not in Microsoft's docs: the code and message are what third parties
      report from live tenants (a CLI's live-verified notes, an assistant's test fixtures;
      public bot-framework calendar samples show the same message). EWS has dedicated
      codes (``ErrorCalendarIsOrganizerForAccept``/``...ForDecline``), which FakeGraph used
      to answer, but nothing shows Graph passing them through.
    - Answering a cancelled meeting: ``400 ErrorInvalidRequest`` — a guess (EWS has
      ``ErrorCalendarIsCancelledForAccept`` and the like; nothing observed through Graph).
    """
    if data.get("isOrganizer"):
        raise GraphFault(
            400,
            "ErrorInvalidRequest",
            "Your request can't be completed. You can't respond to this meeting because "
            "you're the meeting organizer.",
        )
    if data.get("isCancelled"):
        raise GraphFault(
            400,
            "ErrorInvalidRequest",
            "Your request can't be completed. The meeting has been canceled.",
        )


def check_can_cancel(data: Mapping[str, Any]) -> None:
    """Refuse ``cancel`` by a non-organizer as Graph does.

    Status and message are documented (``event-cancel.md``: "An attendee calling this
    action gets an error (HTTP 400 Bad Request)... Your request can't be completed. You need
    to be an organizer to cancel a meeting."). The code is not documented:
    ``ErrorInvalidRequest`` is what third parties report from live tenants (EWS's own code
    for this is ``ErrorCalendarIsNotOrganizer``, which FakeGraph used to answer).
    """
    if not data.get("isOrganizer"):
        raise GraphFault(
            400,
            "ErrorInvalidRequest",
            "Your request can't be completed. You need to be an organizer to cancel a meeting.",
        )
