"""AsyncSubscriptionKeeper: keeps a set of subscriptions alive.

This is the async source (``_keeper_sync.py`` is generated from it: edit here). The
decisions are in ``_keeper.py``; this module does what they say through
``client.subscriptions``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from graphlink._transport._io_async import Lock
from graphlink.errors import GraphError, NotFoundError
from graphlink.notifications._handle import Answer, LifecycleEvent
from graphlink.notifications._keeper import (
    KeeperReport,
    Kept,
    Outcome,
    adoptable,
    differs,
    dump_state,
    is_due,
    lifecycle_action,
    lifetime_for,
    load_state,
    report_of,
)
from graphlink.resources._subscriptions import CHANGE_TYPES, check_change_types

if TYPE_CHECKING:
    from graphlink import AsyncGraphClient

__all__ = ["AsyncSubscriptionKeeper"]

log = logging.getLogger("graphlink.notifications")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AsyncSubscriptionKeeper:
    """Keeps subscriptions to a set of resources alive: creates, renews, reauthorizes.

    Call [`ensure`][graphlink.notifications.AsyncSubscriptionKeeper.ensure] at start-up
    and then regularly (at the latest at
    [`next_due`][graphlink.notifications.AsyncSubscriptionKeeper.next_due]): it creates
    the missing subscriptions and renews those expiring within ``renew_before``. Hand it
    the lifecycle events your endpoint receives
    ([`handle_lifecycle`][graphlink.notifications.AsyncSubscriptionKeeper.handle_lifecycle]):
    it reauthorizes on ``reauthorizationRequired`` and recreates on
    ``subscriptionRemoved``; a subscription gone at renewal (404) is recreated too.

    Its [`state`][graphlink.notifications.AsyncSubscriptionKeeper.state] is a plain dict
    (ids, expiries, URLs; never the ``client_state``): store it (JSON, a database row) and
    pass it back as ``state=`` after a restart, so the same subscriptions are kept instead
    of new ones made. Before creating a subscription it has no state for (or whose create
    may have happened although it failed), it lists the live ones and adopts one made
    with the same resource, URLs and change types, rather than making a duplicate. A kept
    subscription made with another notification URL, lifecycle URL or change types is
    made again (the new one first, then the old one deleted).

    Expiries are computed from ``clock()`` when a call is made (``clock() + lifetime``),
    and renewals are due when ``clock()`` is within ``renew_before`` of the expiry Graph
    answered: a clock ahead of Graph's makes it renew early; one behind by more than
    ``renew_before`` lets subscriptions lapse (they are then recreated at the next
    ``ensure``). A ``lifetime`` over Graph's maximum is refused when it is set.

    Args:
        client: The client whose ``subscriptions`` it uses.
        notification_url: Where Graph sends change notifications.
        resources: The resources to keep subscribed (more with ``add``). Resources in a
            restored ``state`` are kept too.
        client_state: The secret for new subscriptions (check it with
            [`handle`][graphlink.notifications.handle]).
        lifecycle_notification_url: Where Graph sends lifecycle events; by default the
            ``notification_url`` (``handle`` tells them apart).
        change_types: What to be told about.
        lifetime: How long each subscription lives; by default Graph's maximum for the
            resource (7 days for events, 29 for users and groups), less a minute. A
            longer one than Graph's maximum is a ``ValidationError``.
        renew_before: Renew a subscription when it expires within this much.
        state: A state saved from ``state()``.
        clock: The current time (an aware datetime); tests pass a fake one.
    """

    def __init__(
        self,
        client: AsyncGraphClient,
        notification_url: str,
        resources: Iterable[str] = (),
        *,
        client_state: str | None = None,
        lifecycle_notification_url: str | None = None,
        change_types: Iterable[str] = CHANGE_TYPES,
        lifetime: timedelta | None = None,
        renew_before: timedelta = timedelta(hours=1),
        state: Mapping[str, Any] | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._subscriptions = client.subscriptions
        self._url = notification_url
        self._client_state = client_state
        self._lifecycle_url = lifecycle_notification_url or notification_url
        self._change_types = check_change_types(change_types)
        self._lifetime = lifetime
        self._renew_before = renew_before
        self._clock = clock
        self._kept: dict[str, Kept] = load_state(state)
        self._wanted: dict[str, timedelta] = {}
        #: Resources that may have a live subscription the keeper does not know: list
        #: before creating one (no stored state, or a create that may have happened).
        self._unsure: set[str] = set()
        for resource in [*self._kept, *resources]:
            self.add(resource)
        self._lock = Lock()

    # ------------------------------------------------------------------ the set

    def add(self, resource: str) -> None:
        """Keep ``resource`` subscribed too (from the next ``ensure``)."""
        self._wanted[resource] = lifetime_for(resource, self._lifetime, self._renew_before)
        if resource not in self._kept:
            self._unsure.add(resource)

    @property
    def resources(self) -> list[str]:
        """The resources kept subscribed."""
        return list(self._wanted)

    def subscription_id(self, resource: str) -> str | None:
        """The id of the subscription kept for ``resource`` (None before it is created)."""
        kept = self._kept.get(resource)
        return kept.id if kept is not None else None

    def state(self) -> dict[str, Any]:
        """The keeper's state, as plain JSON-able data to store (no secrets)."""
        return dump_state(self._kept)

    def next_due(self) -> datetime | None:
        """When ``ensure`` must run next at the latest (None: nothing kept yet, run it now)."""
        if not self._kept or set(self._wanted) - set(self._kept):
            return None
        return min(k.expires for k in self._kept.values()) - self._renew_before

    # ------------------------------------------------------------------ I/O

    async def ensure(self) -> KeeperReport:
        """Create the missing subscriptions and renew those that are due.

        Every resource is tried, whatever fails: the failures are in the report's
        ``failed`` (and logged) and are tried again next time.
        """
        async with self._lock:
            outcomes = await self._adopt()
            for resource in list(self._wanted):
                kept = self._kept.get(resource)
                if kept is None:
                    outcomes.append(await self._create(resource, "create"))
                elif differs(kept, self._url, self._change_types, self._lifecycle_url):
                    outcomes.append(await self._recreate(kept))
                elif is_due(kept, self._clock(), self._renew_before):
                    outcomes.append(await self._renew(kept))
            return report_of(outcomes)

    async def handle_lifecycle(self, events: Answer | Iterable[LifecycleEvent]) -> KeeperReport:
        """Act on lifecycle events (an [`Answer`][graphlink.notifications.Answer] or its
        ``lifecycle``): reauthorize, recreate, or report ``missed`` resources to resync.

        Events for subscriptions this keeper does not keep are counted in ``ignored``.
        """
        items = events.lifecycle if isinstance(events, Answer) else tuple(events)
        async with self._lock:
            by_id = {k.id: k for k in self._kept.values()}
            outcomes: list[Outcome] = []
            ignored = 0
            for event in items:
                kept = by_id.get(event.subscription_id)
                action = lifecycle_action(event.lifecycle_event)
                if kept is None or action is None:
                    ignored += 1
                    continue
                if action == "reauthorize":
                    outcomes.append(await self._reauthorize(kept))
                elif action == "recreate":
                    self._kept.pop(kept.resource, None)  # Graph removed it
                    outcomes.append(await self._create(kept.resource, "recreate"))
                else:
                    outcomes.append(Outcome(kept.resource, "resync", kept.id))
                by_id = {k.id: k for k in self._kept.values()}
            return report_of(outcomes, ignored)

    async def recreate(self, resource: str | None = None) -> KeeperReport:
        """Replace a subscription (every one when ``resource`` is None) with a new one,
        e.g. after changing ``client_state``."""
        async with self._lock:
            chosen = [resource] if resource is not None else list(self._kept)
            outcomes = [await self._recreate(self._kept[r]) for r in chosen if r in self._kept]
            return report_of(outcomes)

    async def remove(self, resource: str) -> None:
        """Stop keeping ``resource``: its subscription is deleted."""
        async with self._lock:
            self._wanted.pop(resource, None)
            kept = self._kept.pop(resource, None)
            if kept is not None:
                await self._delete(kept.id)

    async def delete_all(self) -> None:
        """Delete every kept subscription (shutting down for good); the set stays, so a
        later ``ensure`` subscribes again."""
        async with self._lock:
            for kept in list(self._kept.values()):
                await self._delete(kept.id)
            self._kept.clear()

    async def _adopt(self) -> list[Outcome]:
        """Keep the live subscriptions made for resources the keeper is unsure about."""
        unsure = [r for r in self._wanted if r in self._unsure and r not in self._kept]
        if not unsure:
            return []
        try:
            live = await self._subscriptions.list().to_list()
        except GraphError as error:
            log.warning("could not list subscriptions to look for ones to adopt: %s", error)
            return []
        outcomes = []
        for resource in unsure:
            self._unsure.discard(resource)
            for sub in live:
                args = (self._url, self._change_types, self._lifecycle_url, self._client_state)
                if sub.id and adoptable(sub, resource, *args):
                    when = sub.expiration or self._clock()  # unknown: renew it now
                    self._kept[resource] = self._kept_as(resource, sub.id, when)
                    outcomes.append(Outcome(resource, "adopt", sub.id))
                    break
        return outcomes

    def _kept_as(self, resource: str, subscription_id: str, expires: datetime) -> Kept:
        return Kept(
            resource,
            subscription_id,
            expires,
            self._url,
            self._change_types,
            self._lifecycle_url,
        )

    async def _create(self, resource: str, action: str) -> Outcome:
        expires = self._clock() + self._wanted[resource]
        try:
            sub = await self._subscriptions.create(
                resource,
                self._url,
                expires,
                client_state=self._client_state,
                change_types=self._change_types.split(","),
                lifecycle_notification_url=self._lifecycle_url,
            )
        except GraphError as error:
            if error.maybe_processed:
                self._unsure.add(resource)  # it may exist: list before creating again
            return self._failed(resource, action, error)
        sid = str(sub.id)  # the parser refuses a subscription without an id
        self._kept[resource] = self._kept_as(resource, sid, sub.expiration or expires)
        return Outcome(resource, action, sid)

    async def _renew(self, kept: Kept) -> Outcome:
        expires = self._clock() + self._wanted[kept.resource]
        try:
            sub = await self._subscriptions.renew(kept.id, expires)
        except NotFoundError:
            self._kept.pop(kept.resource, None)  # expired or removed: make a new one
            return await self._create(kept.resource, "recreate")
        except GraphError as error:
            return self._failed(kept.resource, "renew", error)
        self._kept[kept.resource] = attrs.evolve(kept, expires=sub.expiration or expires)
        return Outcome(kept.resource, "renew", kept.id)

    async def _reauthorize(self, kept: Kept) -> Outcome:
        if is_due(kept, self._clock(), self._renew_before):
            return await self._renew(kept)  # a renewal reauthorizes as well
        try:
            await self._subscriptions.reauthorize(kept.id)
        except NotFoundError:
            self._kept.pop(kept.resource, None)
            return await self._create(kept.resource, "recreate")
        except GraphError as error:
            return self._failed(kept.resource, "reauthorize", error)
        return Outcome(kept.resource, "reauthorize", kept.id)

    async def _recreate(self, kept: Kept) -> Outcome:
        # The new one first: if Graph refuses it, the old one still notifies.
        outcome = await self._create(kept.resource, "recreate")
        if outcome.error is None:
            await self._delete(kept.id)
        return outcome

    async def _delete(self, subscription_id: str) -> None:
        try:
            await self._subscriptions.delete(subscription_id)
        except NotFoundError:
            pass  # already gone: what deleting wanted
        except GraphError as error:
            log.warning("could not delete subscription %s: %s", subscription_id, error)

    def _failed(self, resource: str, action: str, error: GraphError) -> Outcome:
        log.warning("could not %s the subscription to %s: %s", action, resource, error)
        return Outcome(resource, action, None, error)
