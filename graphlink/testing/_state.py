"""FakeGraph's data: the directory, mailboxes, calendars, events, rooms, mail, subscriptions.

No HTTP here. Methods raise :class:`GraphFault` for what Graph would refuse; the HTTP layer
(:mod:`graphlink.testing._api`) turns that into Graph's error body. Every mutation is made
with FakeGraph's lock held.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import itertools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

__all__ = [
    "USER_DEFAULT_FIELDS",
    "EventRecord",
    "GraphFault",
    "Mailbox",
    "SentAttachment",
    "SentMail",
    "State",
    "camelize",
    "format_graph_datetime",
    "parse_graph_datetime",
    "zone",
]

#: What ``GET /users`` returns without ``$select`` (Graph's default property set).
USER_DEFAULT_FIELDS = (
    "businessPhones",
    "displayName",
    "givenName",
    "id",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
)

_NS = uuid.UUID("6f1c0c1e-2b4d-4a8e-9d3c-5a7b9e0f1d2c")
_NEVER = "0001-01-01T00:00:00Z"
MAX_ATTENDEES = 500


class GraphFault(Exception):
    """An error Graph would answer: status, error code, message and extra headers."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def not_found_directory(ref: str) -> GraphFault:
    """Graph's 404 for a directory object that does not exist."""
    return GraphFault(
        404,
        "Request_ResourceNotFound",
        f"Resource '{ref}' does not exist or one of its queried reference-property objects "
        "are not present.",
    )


def not_found_item() -> GraphFault:
    """Exchange's 404 for a mailbox item (event, message, calendar) that does not exist."""
    return GraphFault(404, "ErrorItemNotFound", "The specified object was not found in the store.")


def camelize(name: str) -> str:
    """``job_title`` -> ``jobTitle``; names without underscores are kept as they are."""
    if "_" not in name:
        return name
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def zone(name: str | None) -> ZoneInfo:
    """A ZoneInfo for an IANA or Windows time-zone name; 400 as Graph does when unknown."""
    from tzlocal.windows_tz import win_tz

    if not name or name.lower() in ("utc", "tzone://microsoft/utc", "coordinated universal time"):
        return ZoneInfo("UTC")
    iana = win_tz.get(name, name)
    try:
        return ZoneInfo(iana)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise GraphFault(
            400,
            "TimeZoneNotSupportedException",
            "A valid TimeZone value must be specified. The following TimeZone value is not "
            f"supported: '{name}'.",
        ) from exc


def parse_graph_datetime(value: Any, tz_name: str | None = None) -> datetime:
    """Parse a ``dateTimeTimeZone`` dict, an ISO string or a datetime into aware UTC."""
    if isinstance(value, Mapping):
        tz_name = value.get("timeZone") or tz_name
        value = value.get("dateTime")
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        # Graph writes seven fractional digits; Python reads at most six.
        if "." in text:
            head, _, frac = text.partition(".")
            digits = "".join(itertools.takewhile(str.isdigit, frac))
            text = head + "." + digits[:6].ljust(6, "0") + frac[len(digits) :]
        try:
            dt = datetime.fromisoformat(text)
        except ValueError as exc:
            raise GraphFault(
                400, "ErrorInvalidRequest", f"Cannot convert '{value}' to a date and time."
            ) from exc
    else:
        raise GraphFault(400, "ErrorInvalidRequest", "A date and time value is required.")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone(tz_name))
    return dt.astimezone(UTC)


def format_graph_datetime(dt: datetime, tz_name: str | None = None) -> dict[str, str]:
    """Render as Graph's ``dateTimeTimeZone`` (seven fractional digits, zone as asked)."""
    local = dt.astimezone(zone(tz_name))
    text = local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond:06d}0"
    return {"dateTime": text, "timeZone": tz_name or "UTC"}


def _utc_stamp(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond:06d}0Z"


def _exchange_id(*parts: str) -> str:
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return "AAMkAG" + base64.urlsafe_b64encode(digest[:30]).decode().rstrip("=") + "AAA="


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


@attrs.define
class EventRecord:
    """One event in one mailbox: the Graph JSON plus what FakeGraph needs to index it."""

    id: str
    calendar_id: str
    data: dict[str, Any]
    start: datetime
    end: datetime


@attrs.define
class Mailbox:
    """An Exchange mailbox: its owner, calendars and events."""

    owner_id: str
    address: str
    name: str
    is_room: bool = False
    calendars: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    default_calendar: str = ""
    events: dict[str, EventRecord] = attrs.field(factory=dict)
    messages: dict[str, dict[str, Any]] = attrs.field(factory=dict)


@attrs.frozen
class SentAttachment:
    """A file attachment of a sent message, decoded."""

    name: str
    content: bytes
    content_type: str | None = None
    is_inline: bool = False
    content_id: str | None = None


@attrs.frozen
class SentMail:
    """A message FakeGraph accepted for delivery (``sendMail`` or a draft's ``send``)."""

    sender: str
    subject: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    bcc: tuple[str, ...]
    body_type: str
    body: str
    attachments: tuple[SentAttachment, ...]
    message: dict[str, Any]
    save_to_sent_items: bool = True
    mime: bytes | None = None


def _addresses(recipients: Any) -> tuple[str, ...]:
    out = []
    for r in recipients or ():
        if isinstance(r, Mapping):
            addr = (r.get("emailAddress") or {}).get("address")
            if addr:
                out.append(str(addr))
    return tuple(out)


def _decode_b64(value: Any, what: str) -> bytes:
    try:
        return base64.b64decode(str(value or ""), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise GraphFault(400, "ErrorInvalidRequest", f"Invalid base64 string for {what}.") from exc


class State:
    """Everything FakeGraph knows. Not thread-safe on its own: FakeGraph locks around it."""

    def __init__(self, *, tenant_domain: str = "contoso.com") -> None:
        self.tenant_domain = tenant_domain
        self.tenant_id = str(uuid.uuid5(_NS, "tenant:" + tenant_domain))
        #: Directory objects by id: users and groups (Graph JSON, without @odata.type).
        self.users: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.members: dict[str, list[str]] = {}
        self.managers: dict[str, str] = {}
        self.mailboxes: dict[str, Mailbox] = {}
        self.places: dict[str, dict[str, Any]] = {}
        self.room_lists: dict[str, list[str]] = {}
        self.sent_mail: list[SentMail] = []
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.upload_sessions: dict[str, dict[str, Any]] = {}
        self.me: str | None = None
        # Change log for delta queries.
        self.version = 0
        self.changed: dict[str, int] = {}
        self.deleted: list[tuple[int, str, str]] = []  # (version, kind, id)
        self.member_log: list[tuple[int, str, str, bool]] = []  # (version, group, member, added)
        self._counter = itertools.count(1)

    # ------------------------------------------------------------------ ids and versions

    def new_id(self, kind: str, seed: str | None = None) -> str:
        """A directory-style GUID, stable for the same ``seed``."""
        if seed:
            return str(uuid.uuid5(_NS, f"{kind}:{seed.lower()}"))
        return str(uuid.uuid5(_NS, f"{kind}:#{next(self._counter)}"))

    def touch(self, object_id: str) -> None:
        """Record that a directory object changed (for delta queries)."""
        self.version += 1
        self.changed[object_id] = self.version

    # ------------------------------------------------------------------ directory lookups

    def find_user(self, ref: str) -> dict[str, Any] | None:
        """A user by id, userPrincipalName or mail (case-insensitive); ``me`` too."""
        if ref.lower() == "me" and self.me:
            ref = self.me
        if ref in self.users:
            return self.users[ref]
        low = ref.lower()
        for user in self.users.values():
            if low in (
                str(user.get("id", "")).lower(),
                str(user.get("userPrincipalName") or "").lower(),
                str(user.get("mail") or "").lower(),
            ):
                return user
        return None

    def user(self, ref: str) -> dict[str, Any]:
        """A user, or Graph's 404 ``Request_ResourceNotFound``."""
        found = self.find_user(ref)
        if found is None:
            if ref.lower() == "me":
                raise GraphFault(
                    400,
                    "BadRequest",
                    "/me request is only valid with delegated authentication flow.",
                )
            raise not_found_directory(ref)
        return found

    def find_group(self, ref: str) -> dict[str, Any] | None:
        """A group by id or mail (case-insensitive)."""
        if ref in self.groups:
            return self.groups[ref]
        low = ref.lower()
        for group in self.groups.values():
            if low in (str(group["id"]).lower(), str(group.get("mail") or "").lower()):
                return group
        return None

    def group(self, ref: str) -> dict[str, Any]:
        """A group, or Graph's 404 ``Request_ResourceNotFound``."""
        found = self.find_group(ref)
        if found is None:
            raise not_found_directory(ref)
        return found

    def directory_object(self, object_id: str) -> tuple[str, dict[str, Any]]:
        """``("user"|"group", data)`` for a directory id."""
        if object_id in self.users:
            return "user", self.users[object_id]
        if object_id in self.groups:
            return "group", self.groups[object_id]
        raise not_found_directory(object_id)

    def resolve_ref(self, ref: Any) -> str:
        """Turn a builder argument (id, mail, UPN or a returned dict) into a directory id."""
        if isinstance(ref, Mapping):
            ref = ref.get("id") or ref.get("mail") or ref.get("emailAddress")
        text = str(ref)
        found = self.find_user(text) or self.find_group(text)
        if found is None:
            raise KeyError(f"FakeGraph has no user or group {text!r}")
        return str(found["id"])

    # ------------------------------------------------------------------ directory writes

    def put_user(self, data: dict[str, Any], *, mailbox: bool, is_room: bool = False) -> None:
        """Insert or replace a user; gives it a mailbox with a default calendar if asked."""
        uid = str(data["id"])
        self.users[uid] = data
        self.touch(uid)
        if mailbox and uid not in self.mailboxes:
            address = str(data.get("mail") or data.get("userPrincipalName") or uid)
            box = Mailbox(
                owner_id=uid,
                address=address,
                name=str(data.get("displayName") or address),
                is_room=is_room,
            )
            self.mailboxes[uid] = box
            self.add_calendar(box, "Calendar", default=True)

    def add_calendar(self, box: Mailbox, name: str, *, default: bool = False) -> dict[str, Any]:
        """Create a calendar in a mailbox (the first one, or ``default``, is the default)."""
        cid = _exchange_id("calendar", box.owner_id, name, str(len(box.calendars)))
        cal = {
            "id": cid,
            "name": name,
            "color": "auto",
            "hexColor": "",
            "isDefaultCalendar": default or not box.calendars,
            "changeKey": base64.b64encode(cid[-12:].encode()).decode(),
            "canShare": True,
            "canViewPrivateItems": True,
            "canEdit": True,
            "allowedOnlineMeetingProviders": ["teamsForBusiness"],
            "defaultOnlineMeetingProvider": "teamsForBusiness",
            "isTallyingResponses": True,
            "isRemovable": not (default or not box.calendars),
            "owner": {"name": box.name, "address": box.address},
        }
        box.calendars[cid] = cal
        if cal["isDefaultCalendar"]:
            box.default_calendar = cid
        return cal

    def remove_directory_object(self, object_id: str) -> None:
        """Delete a user or group, with its memberships (recorded for delta)."""
        kind, _ = self.directory_object(object_id)
        if kind == "user":
            del self.users[object_id]
            self.mailboxes.pop(object_id, None)
            self.managers.pop(object_id, None)
        else:
            del self.groups[object_id]
            self.members.pop(object_id, None)
        for gid, members in self.members.items():
            if object_id in members:
                self.remove_member(gid, object_id)
        self.version += 1
        self.deleted.append((self.version, kind, object_id))
        self.changed.pop(object_id, None)

    def add_member(self, group_id: str, member_id: str) -> None:
        """Add a user or group to a group (idempotent)."""
        members = self.members.setdefault(group_id, [])
        if member_id in members:
            return
        if member_id == group_id or group_id in self.transitive_groups_of(member_id):
            raise ValueError("a group cannot contain itself")
        members.append(member_id)
        self.touch(group_id)
        self.member_log.append((self.version, group_id, member_id, True))

    def remove_member(self, group_id: str, member_id: str) -> None:
        """Remove a member from a group (no error when it was not one)."""
        members = self.members.get(group_id, [])
        if member_id in members:
            members.remove(member_id)
            self.touch(group_id)
            self.member_log.append((self.version, group_id, member_id, False))

    def groups_of(self, object_id: str) -> list[str]:
        """Direct groups of a user or group, in insertion order."""
        return [gid for gid, members in self.members.items() if object_id in members]

    def transitive_groups_of(self, object_id: str) -> list[str]:
        """All groups containing the object, through nesting (breadth first, no repeats)."""
        seen: list[str] = []
        queue = self.groups_of(object_id)
        while queue:
            gid = queue.pop(0)
            if gid in seen:
                continue
            seen.append(gid)
            queue.extend(self.groups_of(gid))
        return seen

    def transitive_members_of(self, group_id: str) -> list[str]:
        """All members of a group through nesting, nested groups included, no repeats."""
        seen: list[str] = []
        queue = list(self.members.get(group_id, []))
        while queue:
            mid = queue.pop(0)
            if mid in seen:
                continue
            seen.append(mid)
            queue.extend(self.members.get(mid, []))
        return seen

    # ------------------------------------------------------------------ mailboxes

    def mailbox(self, ref: str) -> Mailbox:
        """The mailbox of a user/room (id, UPN or mail), or Exchange's error."""
        user = self.find_user(ref)
        if user is None:
            if ref.lower() == "me":
                self.user(ref)  # raises the /me error
            raise GraphFault(404, "ErrorInvalidUser", f"The requested user '{ref}' is invalid.")
        box = self.mailboxes.get(str(user["id"]))
        if box is None:
            raise GraphFault(
                404,
                "MailboxNotEnabledForRESTAPI",
                "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
            )
        return box

    def mailbox_for_address(self, address: str) -> Mailbox | None:
        """The mailbox with this SMTP address, if FakeGraph holds it."""
        low = address.lower()
        for box in self.mailboxes.values():
            if box.address.lower() == low:
                return box
        return None

    def calendar(self, box: Mailbox, calendar_id: str | None) -> dict[str, Any]:
        """A calendar of a mailbox (the default one when ``calendar_id`` is None)."""
        cid = calendar_id or box.default_calendar
        if cid not in box.calendars:
            raise not_found_item()
        return box.calendars[cid]

    def event(self, box: Mailbox, event_id: str) -> EventRecord:
        """An event of a mailbox, or 404 ``ErrorItemNotFound``."""
        rec = box.events.get(event_id)
        if rec is None:
            raise not_found_item()
        return rec

    # ------------------------------------------------------------------ events

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
        eid = _exchange_id("event", box.owner_id, str(next(self._counter)))
        ical = "040000008200E00074C5B7101A82E008" + hashlib.sha1(eid.encode()).hexdigest().upper()
        data: dict[str, Any] = {
            "@odata.etag": f'W/"{eid[-16:]}"',
            "id": eid,
            "createdDateTime": _utc_stamp(now),
            "lastModifiedDateTime": _utc_stamp(now),
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
            att["status"] = {"response": response, "time": _utc_stamp(now) if is_room else _NEVER}
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
        eid = _exchange_id("event", box.owner_id, str(next(self._counter)))
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
        stamp = _utc_stamp(datetime.now(UTC))
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
        stamp = _utc_stamp(datetime.now(UTC))
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

    # ------------------------------------------------------------------ mail

    def send_mail(self, box: Mailbox, message: Mapping[str, Any], *, save: bool = True) -> SentMail:
        """Accept a message for delivery and keep it in ``sent_mail``."""
        to = _addresses(message.get("toRecipients"))
        cc = _addresses(message.get("ccRecipients"))
        bcc = _addresses(message.get("bccRecipients"))
        if not (to or cc or bcc):
            raise GraphFault(
                400,
                "ErrorInvalidRecipients",
                "At least one recipient isn't valid., A message can't be sent because it "
                "contains no recipients.",
            )
        attachments = []
        for att in message.get("attachments") or ():
            kind = str(att.get("@odata.type", "")).lower()
            if "fileattachment" in kind:
                attachments.append(
                    SentAttachment(
                        name=str(att.get("name", "")),
                        content=_decode_b64(att.get("contentBytes"), "the attachment content"),
                        content_type=att.get("contentType"),
                        is_inline=bool(att.get("isInline", False)),
                        content_id=att.get("contentId"),
                    )
                )
        body = message.get("body") or {}
        sent = SentMail(
            sender=str(
                ((message.get("from") or {}).get("emailAddress") or {}).get("address")
                or box.address
            ),
            subject=str(message.get("subject") or ""),
            to=to,
            cc=cc,
            bcc=bcc,
            body_type=str(body.get("contentType", "text")).lower(),
            body=str(body.get("content", "")),
            attachments=tuple(attachments),
            message=dict(message),
            save_to_sent_items=save,
        )
        self.sent_mail.append(sent)
        return sent

    def send_mime(self, box: Mailbox, raw: bytes) -> SentMail:
        """sendMail with a base64 MIME body (``Content-Type: text/plain``)."""
        try:
            mime = base64.b64decode(b"".join(raw.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise GraphFault(
                400,
                "ErrorMimeContentInvalidBase64String",
                "Invalid base64 string for MIME content.",
            ) from exc
        import email

        parsed = email.message_from_bytes(mime)
        sent = SentMail(
            sender=str(parsed.get("From") or box.address),
            subject=str(parsed.get("Subject") or ""),
            to=tuple(a.strip() for a in str(parsed.get("To") or "").split(",") if a.strip()),
            cc=tuple(a.strip() for a in str(parsed.get("Cc") or "").split(",") if a.strip()),
            bcc=(),
            body_type="mime",
            body=mime.decode("utf-8", "replace"),
            attachments=(),
            message={},
            mime=mime,
        )
        self.sent_mail.append(sent)
        return sent

    # ------------------------------------------------------------------ places

    def place(self, ref: str) -> dict[str, Any]:
        """A room or room list by id or email address."""
        low = ref.lower()
        for place in self.places.values():
            if low in (str(place["id"]).lower(), str(place.get("emailAddress", "")).lower()):
                return place
        raise GraphFault(404, "ErrorItemNotFound", f"The place '{ref}' was not found.")

    def rooms(self, room_list: str | None = None) -> Sequence[dict[str, Any]]:
        """All rooms, or the rooms of one room list (by its email or id)."""
        rooms = [p for p in self.places.values() if p["@odata.type"] == "#microsoft.graph.room"]
        if room_list is None:
            return rooms
        lst = self.place(room_list)
        wanted = set(self.room_lists.get(str(lst["id"]), []))
        return [r for r in rooms if r["id"] in wanted]


def event_overlaps(rec: EventRecord, start: datetime, end: datetime) -> bool:
    """calendarView's rule: the event overlaps ``[start, end)``."""
    if rec.start == rec.end:
        return start <= rec.start < end
    return rec.start < end and rec.end > start


def week_monday(now: datetime | None = None) -> datetime:
    """Midnight UTC of the Monday of this week."""
    now = now or datetime.now(UTC)
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())
