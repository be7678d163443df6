"""FakeGraph's data, one module per area; ``State`` is all of them together.

No HTTP here. Methods raise ``GraphFault`` for what Graph would refuse; the routes
(``graphlink.testing._routes``) turn that into Graph's error body. Every mutation is made
with FakeGraph's lock held.

Each area is a class deriving from ``StateBase`` that owns its data (``DirectoryState``:
users and groups; ``MailboxState``: mailboxes and calendars; ``CalendarState``: events;
``SeriesState``: recurring series and their occurrences; ``MailState``: sent mail and
uploads; ``PlacesState``; ``SubscriptionState``: subscriptions and delta syncs, which watch
the events). A new area
adds a module with such a class and ``State`` inherits it.
"""

from __future__ import annotations

from typing import Any

from graphlink.testing._state.calendar import check_event_body, event_overlaps
from graphlink.testing._state.common import (
    GraphFault,
    camelize,
    format_graph_datetime,
    not_found_directory,
    not_found_item,
    parse_graph_datetime,
    week_monday,
    zone,
)
from graphlink.testing._state.directory import USER_DEFAULT_FIELDS
from graphlink.testing._state.mail import MailState, SentAttachment, SentMail, file_attachment
from graphlink.testing._state.mailboxes import EventRecord, Mailbox
from graphlink.testing._state.places import PlacesState
from graphlink.testing._state.series import EventLike, Occurrence
from graphlink.testing._state.subscriptions import DeltaSync, SubscriptionState, fingerprint

__all__ = [
    "USER_DEFAULT_FIELDS",
    "DeltaSync",
    "EventLike",
    "EventRecord",
    "GraphFault",
    "Mailbox",
    "Occurrence",
    "SentAttachment",
    "SentMail",
    "State",
    "camelize",
    "check_event_body",
    "event_overlaps",
    "file_attachment",
    "fingerprint",
    "format_graph_datetime",
    "not_found_directory",
    "not_found_item",
    "parse_graph_datetime",
    "week_monday",
    "zone",
]


class State(SubscriptionState, MailState, PlacesState):
    """Everything FakeGraph knows. Not thread-safe on its own: FakeGraph locks around it."""

    def __init__(self, *, tenant_domain: str = "contoso.com") -> None:
        super().__init__(tenant_domain=tenant_domain)

    def add_room_user(self, email: str, display_name: str) -> dict[str, Any]:
        """The directory user and mailbox behind a room (its place is ``add_room``'s)."""
        user: dict[str, Any] = {
            "id": self.new_id("user", email),
            "displayName": display_name,
            "mail": email,
            "userPrincipalName": email,
            "accountEnabled": False,
            "businessPhones": [],
            "userType": "Member",
        }
        self.put_user(user)
        self.add_mailbox(user, is_room=True)
        return user
