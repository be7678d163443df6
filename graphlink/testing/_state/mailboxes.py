"""Exchange mailboxes: whose they are, their calendars, events and draft messages."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from graphlink.testing._state.common import GraphFault, exchange_id, not_found_item
from graphlink.testing._state.directory import DirectoryState

__all__ = ["EventRecord", "Mailbox", "MailboxState"]


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
    """An Exchange mailbox: its owner, calendars, events and draft messages."""

    owner_id: str
    address: str
    name: str
    is_room: bool = False
    calendars: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    default_calendar: str = ""
    events: dict[str, EventRecord] = attrs.field(factory=dict)
    #: Occurrence id -> (series master id, occurrence key): every occurrence id handed out.
    occurrences: dict[str, tuple[str, str]] = attrs.field(factory=dict)
    messages: dict[str, dict[str, Any]] = attrs.field(factory=dict)


class MailboxState(DirectoryState):
    """The directory plus a mailbox per user or room that has one, keyed by user id."""

    def __init__(self, *, tenant_domain: str) -> None:
        super().__init__(tenant_domain=tenant_domain)
        self.mailboxes: dict[str, Mailbox] = {}

    def add_mailbox(self, user: Mapping[str, Any], *, is_room: bool = False) -> None:
        """Give a user a mailbox with a default calendar (unless it has one already)."""
        uid = str(user["id"])
        if uid in self.mailboxes:
            return
        address = str(user.get("mail") or user.get("userPrincipalName") or uid)
        box = Mailbox(
            owner_id=uid,
            address=address,
            name=str(user.get("displayName") or address),
            is_room=is_room,
        )
        self.mailboxes[uid] = box
        self.add_calendar(box, "Calendar", default=True)

    def remove_directory_object(self, object_id: str) -> None:
        """Delete a user or group as the directory does; a user's mailbox goes with it."""
        super().remove_directory_object(object_id)
        self.mailboxes.pop(object_id, None)

    def owner_name(self, box: Mailbox) -> str:
        """The owner's display name now: the user's, renamed since or not (a snapshot keeps
        the user, not ``box.name``, so this is what a loaded copy answers too)."""
        user = self.users.get(box.owner_id)
        return str((user or {}).get("displayName") or box.name)

    def add_calendar(self, box: Mailbox, name: str, *, default: bool = False) -> dict[str, Any]:
        """Create a calendar in a mailbox (the first one, or ``default``, is the default)."""
        n = len(box.calendars)
        cid = exchange_id("calendar", box.owner_id, name, str(n))
        while cid in box.calendars:  # a loaded file's calendar may have the id n makes
            n += 1
            cid = exchange_id("calendar", box.owner_id, name, str(n))
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
            "owner": {"name": self.owner_name(box), "address": box.address},
        }
        box.calendars[cid] = cal
        if cal["isDefaultCalendar"]:
            box.default_calendar = cid
        return cal

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

    def message(self, box: Mailbox, message_id: str) -> dict[str, Any]:
        """A draft message of a mailbox, or 404 ``ErrorItemNotFound``."""
        msg = box.messages.get(message_id)
        if msg is None:
            raise not_found_item()
        return msg
