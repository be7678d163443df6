"""Resource namespaces: the classes behind ``client.users``, ``client.groups``, ...

Every facade exists twice with the same methods: ``Users`` on
[`GraphClient`][graphlink.GraphClient] and ``AsyncUsers`` on
[`AsyncGraphClient`][graphlink.AsyncGraphClient]. You reach them through a client
(``client.users``) rather than building them; they are exported for type annotations and
the API reference, with the result types their methods return.
"""

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
