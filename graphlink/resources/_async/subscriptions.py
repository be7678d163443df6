"""``client.subscriptions``: change-notification subscriptions.

This is the async source (``resources/_sync/subscriptions.py`` is generated from it: edit
here). Each method builds its call with ``resources/_subscriptions.py`` and hands it to the
transport. Receiving the notifications is [`graphlink.notifications`][graphlink.notifications].
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from graphlink._transport._async import AsyncPaginator, AsyncTransport
from graphlink.errors import NotFoundError
from graphlink.models import Subscription
from graphlink.resources import _subscriptions as ops

__all__ = ["AsyncSubscriptions"]

#: A time argument: an aware datetime, or Unix seconds.
Time = datetime | int


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AsyncSubscriptions:
    """Change-notification subscriptions (``client.subscriptions``; Graph's ``/subscriptions``).

    Graph tells ``notification_url`` when a subscribed resource changes; answer it with
    [`graphlink.notifications.handle`][graphlink.notifications.handle], and keep
    subscriptions alive with
    [`SubscriptionKeeper`][graphlink.notifications.SubscriptionKeeper].
    """

    def __init__(self, transport: AsyncTransport, now: Callable[[], datetime] = _utc_now) -> None:
        self._transport = transport
        self._now = now

    async def create(
        self,
        resource: str,
        notification_url: str,
        expires: Time,
        *,
        client_state: str | None = None,
        change_types: Iterable[str] = ops.CHANGE_TYPES,
        lifecycle_notification_url: str | None = None,
    ) -> Subscription:
        """Subscribe ``notification_url`` to changes of ``resource``.

        Graph first POSTs ``notification_url?validationToken=...`` and creates the
        subscription only when the endpoint echoes the token (``handle`` does), within
        10 seconds; else this raises
        [`BadRequestError`][graphlink.errors.BadRequestError].

        Args:
            resource: What to watch, e.g. ``/users/room@contoso.com/events``.
            notification_url: Where Graph POSTs notifications (https, reachable by Graph).
            expires: When the subscription ends: an aware datetime or Unix seconds, within
                Graph's maximum for the resource (see
                [`max_expiry`][graphlink.resources.AsyncSubscriptions.max_expiry]), else a
                [`ValidationError`][graphlink.errors.ValidationError] naming it.
            client_state: A secret (at most 128 characters) Graph sends back with every
                notification, so the receiver can tell Graph's from forgeries.
            change_types: Any of ``"created"``, ``"updated"``, ``"deleted"``.
            lifecycle_notification_url: Where Graph sends lifecycle events
                (``reauthorizationRequired``, ``subscriptionRemoved``, ``missed``); it can
                only be set here, at creation.
        """
        return await self._transport.call(
            ops.subscription_create(
                resource,
                notification_url,
                expires,
                now=self._now(),
                client_state=client_state,
                change_types=change_types,
                lifecycle_notification_url=lifecycle_notification_url,
            )
        )

    async def get(self, subscription_id: str) -> Subscription:
        """One subscription by id ([`NotFoundError`][graphlink.errors.NotFoundError] when
        it expired or was removed)."""
        return await self._transport.call(ops.subscription_get(subscription_id))

    async def renew(self, subscription_id: str, expires: Time) -> Subscription:
        """Move the subscription's expiry to ``expires`` (which also reauthorizes it).

        [`NotFoundError`][graphlink.errors.NotFoundError] when Graph no longer has it:
        create a new one.
        """
        return await self._transport.call(
            ops.subscription_renew(subscription_id, expires, now=self._now())
        )

    async def reauthorize(self, subscription_id: str) -> None:
        """Answer a ``reauthorizationRequired`` lifecycle event: notifications resume, the
        expiry stays."""
        await self._transport.call(ops.subscription_reauthorize(subscription_id))

    async def delete(self, subscription_id: str) -> None:
        """Stop a subscription.

        [`NotFoundError`][graphlink.errors.NotFoundError] when Graph does not have it
        (unless an earlier attempt of this call deleted it, and its answer was lost).
        """
        try:
            await self._transport.call(ops.subscription_delete(subscription_id))
        except NotFoundError as error:
            if not error.maybe_processed:
                raise

    def list(self) -> AsyncPaginator[Subscription]:
        """The app's subscriptions, every page."""
        return self._transport.paginate(ops.subscription_list())

    def max_expiry(self, resource: str, *, now: datetime | None = None) -> datetime:
        """The latest ``expires`` Graph accepts for a subscription to ``resource`` (no I/O).

        Outlook events, messages and contacts: 10,080 minutes (7 days); directory users and
        groups: 41,760 minutes (29 days); a minute is kept in hand for the request's
        journey. Another resource is a [`ValidationError`][graphlink.errors.ValidationError]:
        graphlink does not know its maximum.
        """
        return ops.max_expiry(resource, now if now is not None else self._now())
