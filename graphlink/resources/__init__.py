"""Resource namespaces: the classes behind ``client.users``, ``client.groups``, ...

Every facade exists twice with the same methods: ``Users`` on
[`GraphClient`][graphlink.GraphClient] and ``AsyncUsers`` on
[`AsyncGraphClient`][graphlink.AsyncGraphClient]. You reach them through a client
(``client.users``) rather than building them; they are exported for type annotations and
the API reference, with the result types their methods return.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphlink._lazy import lazy_names

if TYPE_CHECKING:
    from graphlink.resources._async.batch import AsyncBatch
    from graphlink.resources._async.calendar import AsyncCalendars, AsyncEvents, AsyncRooms
    from graphlink.resources._async.directory import AsyncGroups, AsyncUsers
    from graphlink.resources._async.mail import AsyncMail
    from graphlink.resources._async.subscriptions import AsyncSubscriptions
    from graphlink.resources._delta import Delta, Removed
    from graphlink.resources._handles import Handle
    from graphlink.resources._sync.batch import Batch
    from graphlink.resources._sync.calendar import Calendars, Events, Rooms
    from graphlink.resources._sync.directory import Groups, Users
    from graphlink.resources._sync.mail import Mail
    from graphlink.resources._sync.subscriptions import Subscriptions

# Imported on first use (PEP 562): each client loads only its own flavour's facades.
_LAZY = {
    "AsyncBatch": "_async.batch",
    "AsyncCalendars": "_async.calendar",
    "AsyncEvents": "_async.calendar",
    "AsyncGroups": "_async.directory",
    "AsyncMail": "_async.mail",
    "AsyncRooms": "_async.calendar",
    "AsyncSubscriptions": "_async.subscriptions",
    "AsyncUsers": "_async.directory",
    "Batch": "_sync.batch",
    "Calendars": "_sync.calendar",
    "Delta": "_delta",
    "Events": "_sync.calendar",
    "Groups": "_sync.directory",
    "Handle": "_handles",
    "Mail": "_sync.mail",
    "Removed": "_delta",
    "Rooms": "_sync.calendar",
    "Subscriptions": "_sync.subscriptions",
    "Users": "_sync.directory",
}


__getattr__, __dir__ = lazy_names(
    __name__, {name: f".{module}" for name, module in _LAZY.items()}, globals()
)


__all__ = [
    "AsyncBatch",
    "AsyncCalendars",
    "AsyncEvents",
    "AsyncGroups",
    "AsyncMail",
    "AsyncRooms",
    "AsyncSubscriptions",
    "AsyncUsers",
    "Batch",
    "Calendars",
    "Delta",
    "Events",
    "Groups",
    "Handle",
    "Mail",
    "Removed",
    "Rooms",
    "Subscriptions",
    "Users",
]
