"""Receiving change notifications: answer Graph, read what changed, keep subscriptions alive.

- [`handle`][graphlink.notifications.handle]`(method, query, headers, body, *, client_state)`
  answers any request Graph sends to a notification URL, framework-neutral and without
  I/O: the validation handshake, change notifications, lifecycle events. It returns an
  [`Answer`][graphlink.notifications.Answer]: what to send back, and the parsed
  [`ChangeNotification`][graphlink.notifications.ChangeNotification]s and
  [`LifecycleEvent`][graphlink.notifications.LifecycleEvent]s.
- Adapters for web frameworks, each a few lines over ``handle`` (optional extras):
  ``graphlink.notifications.starlette`` (Starlette and FastAPI),
  ``graphlink.notifications.flask`` and ``graphlink.notifications.django``.
- [`SubscriptionKeeper`][graphlink.notifications.SubscriptionKeeper] (and
  [`AsyncSubscriptionKeeper`][graphlink.notifications.AsyncSubscriptionKeeper]) keeps
  subscriptions alive: creates, renews before expiry, reauthorizes and recreates on
  lifecycle events, with a state you store.
- [`max_lifetime`][graphlink.notifications.max_lifetime]: Graph's longest subscription
  to a resource (``client.subscriptions.max_expiry`` gives the latest expiry).

Creating subscriptions is ``client.subscriptions``
([`Subscriptions`][graphlink.resources.Subscriptions]).
"""

from graphlink.notifications._handle import Answer, ChangeNotification, LifecycleEvent, handle
from graphlink.notifications._keeper import KeeperReport
from graphlink.notifications._keeper_async import AsyncSubscriptionKeeper
from graphlink.notifications._keeper_sync import SubscriptionKeeper
from graphlink.resources._subscriptions import max_lifetime

__all__ = [
    "Answer",
    "AsyncSubscriptionKeeper",
    "ChangeNotification",
    "KeeperReport",
    "LifecycleEvent",
    "SubscriptionKeeper",
    "handle",
    "max_lifetime",
]
