"""Calendar events: creating, changing, answering and cancelling meetings across mailboxes.

An organiser's event is copied into every attendee's mailbox FakeGraph holds (rooms
accept at once); the organiser's changes and cancellations reach those copies, and the
attendees' answers reach the organiser's copy.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from graphlink.testing._state.common import GraphFault, exchange_id, parse_graph_datetime, utc_stamp
from graphlink.testing._state.mailboxes import EventRecord, Mailbox, MailboxState

__all__ = ["MAX_ATTENDEES", "CalendarState", "event_overlaps"]

_NEVER = "0001-01-01T00:00:00Z"
MAX_ATTENDEES = 500


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


def event_overlaps(rec: EventRecord, start: datetime, end: datetime) -> bool:
    """calendarView's rule: the event overlaps ``[start, end)``."""
    if rec.start == rec.end:
        return start <= rec.start < end
    return rec.start < end and rec.end > start


class CalendarState(MailboxState):
    """Mailboxes plus the event operations: ``create_event``, ``update_event``, ``respond``..."""

    def create_event(
        self, box: Mailbox, calendar_id: str | None, payload: Mapping[str, Any]
    ) -> EventRecord:
        """Create an event as Graph does, with copies in attendees' mailboxes.

        A ``transactionId`` already used in this mailbox returns the first event instead of
        creating a second one.
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
        now = datetime.now(UTC)
        eid = exchange_id("event", box.owner_id, str(next(self._counter)))
        ical = "040000008200E00074C5B7101A82E008" + hashlib.sha1(eid.encode()).hexdigest().upper()
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
            "organizer": {"emailAddress": {"name": box.name, "address": box.address}},
        }
        for key, value in payload.items():
            if key not in ("start", "end", "organizer", "id", "attendees"):
                data[key] = value
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
        eid = exchange_id("event", box.owner_id, str(next(self._counter)))
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

    def update_event(
        self, box: Mailbox, rec: EventRecord, changes: Mapping[str, Any]
    ) -> EventRecord:
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
        stamp = utc_stamp(datetime.now(UTC))
        for _other, target in targets:
            for key, value in changes.items():
                if key in ("start", "end", "id", "organizer", "iCalUId"):
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
        return rec

    def delete_event(self, box: Mailbox, rec: EventRecord) -> None:
        """Delete; when the organizer deletes a meeting, attendees' copies are cancelled."""
        del box.events[rec.id]
        if rec.data.get("isOrganizer"):
            self._cancel_copies(rec)

    def _cancel_copies(self, rec: EventRecord) -> None:
        for _other, twin in self.copies(str(rec.data["iCalUId"])):
            twin.data["isCancelled"] = True
            twin.data["subject"] = "Canceled: " + str(rec.data.get("subject") or "")

    def respond(self, box: Mailbox, rec: EventRecord, response: str) -> None:
        """accept / tentativelyAccept / decline as an attendee; the organizer sees it."""
        if rec.data.get("isOrganizer"):
            action = {"accepted": "Accept", "declined": "Decline"}.get(response, "Accept")
            raise GraphFault(
                400,
                f"ErrorCalendarIsOrganizerFor{action}",
                "Your request can't be completed. You can't respond to a meeting you organized.",
            )
        if rec.data.get("isCancelled"):
            raise GraphFault(
                400,
                "ErrorInvalidRequest",
                "Your request can't be completed. The meeting has been canceled.",
            )
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
        """The organizer cancels a meeting: it leaves their calendar, attendees see it cancelled."""
        if not rec.data.get("isOrganizer"):
            raise GraphFault(
                400,
                "ErrorCalendarIsNotOrganizer",
                "Your request can't be completed. You need to be an organizer to cancel a meeting.",
            )
        del box.events[rec.id]
        self._cancel_copies(rec)
