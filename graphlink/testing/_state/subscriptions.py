"""What FakeGraph remembers to tell clients what changed: subscriptions and delta syncs.

Changes to events are found by comparing fingerprints (a hash of each event's JSON and
times) with those taken at the last look, so every way an event changes (a route, a
``$batch`` item, a builder such as ``fake.add_event``) is seen without each one reporting
it. ``record_changes`` runs after every request that may write (the engine calls it) and
before ``fake.deliver()``; each change found becomes a pending notification.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import attrs
import httpx

from graphlink.testing._state.common import GraphFault, parse_graph_datetime
from graphlink.testing._state.mailboxes import Mailbox
from graphlink.testing._state.series import EventLike, Occurrence, SeriesState

__all__ = [
    "Delivery",
    "DeltaSync",
    "Pending",
    "SubscriptionState",
    "event_resource",
    "fingerprint",
]

#: Event resources FakeGraph notifies about: a mailbox's default calendar or one calendar.
_EVENTS = re.compile(
    r"/?(?:users/(?P<user>[^/]+)|me)(?:/calendar|/calendars/(?P<cal>[^/]+))?/events",
    re.IGNORECASE,
)
#: How many delta syncs FakeGraph keeps; older links answer 410, as expired ones do.
_MAX_SYNCS = 1000


def event_resource(resource: str) -> tuple[str, str | None] | None:
    """``(mailbox ref, calendar id or None)`` of an event resource, else None."""
    m = _EVENTS.fullmatch(resource.split("?", 1)[0].strip())
    if m is None:
        return None
    return m["user"] or "me", m["cal"]


def fingerprint(rec: EventLike) -> str:
    """A hash of an event: any change to it changes the hash.

    A stored event counts all it holds (a series master's changed occurrences too); an
    occurrence only what it shows, so changing one occurrence leaves the others alone.
    """
    data = rec.data
    if isinstance(rec, Occurrence):
        data = {k: v for k, v in data.items() if not k.startswith("_")}
    text = json.dumps(
        [data, rec.start.isoformat(), rec.end.isoformat()], sort_keys=True, default=str
    )
    return hashlib.sha1(text.encode()).hexdigest()


@attrs.frozen
class Delivery:
    """One POST FakeGraph made to a notification URL, and how the receiver answered.

    Attributes:
        kind: ``"validation"``, ``"notification"`` or ``"lifecycle"``.
        url: Where it went (with ``?validationToken=...`` for a handshake).
        body: The JSON posted (``{"value": [...]}``), or None for a handshake.
        status: The receiver's status, or None when it could not be reached in time.
        error: Why it failed (a status or body Graph would refuse, or the connection error).
    """

    kind: str
    url: str
    body: dict[str, Any] | None = attrs.field(repr=False)
    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether Graph would count it delivered (validated, for a handshake)."""
        return self.error is None


@attrs.define
class Pending:
    """A change notification waiting for ``fake.deliver()``."""

    subscription_id: str
    url: str
    item: dict[str, Any]


@attrs.define
class DeltaSync:
    """Where a calendarView delta round ended: the window and what the client has seen."""

    owner_id: str
    calendar_id: str | None
    start: datetime
    end: datetime
    #: Event (or occurrence) id -> fingerprint, as of the end of the round.
    seen: dict[str, str]


class SubscriptionState(SeriesState):
    """Subscriptions by id (as Graph returns them), their pending notifications, and the
    calendarView delta syncs by token."""

    def __init__(self, *, tenant_domain: str) -> None:
        super().__init__(tenant_domain=tenant_domain)
        self.subscriptions: dict[str, dict[str, Any]] = {}
        #: Notifications found but not delivered yet, oldest first.
        self.pending: list[Pending] = []
        #: Subscriptions told ``reauthorizationRequired``: their notifications wait.
        self.paused: set[str] = set()
        #: Per subscription: the fingerprints of its events at the last look.
        self.baselines: dict[str, dict[str, str]] = {}
        #: What FakeGraph POSTs to notification URLs with (None: a client of its own).
        self.webhook_client: httpx.Client | None = None
        #: Seconds a receiver has to answer (None: Graph's 10 s handshake, 3 s otherwise).
        self.webhook_timeout: float | None = None
        #: Every POST made to a notification URL, oldest first.
        self.webhook_log: list[Delivery] = []
        #: Handshakes FakeGraph made before taking its lock for the ``POST /subscriptions``
        #: being answered (URL -> result); the route uses them instead of POSTing again.
        self.handshakes: dict[str, Delivery] = {}
        #: Delta tokens -> syncs, and the rows of the rounds being paged.
        self.delta_syncs: dict[str, DeltaSync] = {}
        self.delta_rounds: dict[str, tuple[list[dict[str, Any]], str]] = {}

    # ------------------------------------------------------------------ subscriptions

    def subscription(self, sid: str) -> dict[str, Any]:
        """A live subscription, or Graph's 404 ``ResourceNotFound`` (an expired one is gone)."""
        sub = self.subscriptions.get(sid)
        if sub is not None and _expired(sub):
            self.remove_subscription(sid)
            sub = None
        if sub is None:
            raise GraphFault(
                404, "ResourceNotFound", f"The object was not found: subscription '{sid}'."
            )
        return sub

    def live_subscriptions(self) -> list[dict[str, Any]]:
        """Every subscription that has not expired (expired ones are dropped)."""
        for sid in [s for s, sub in self.subscriptions.items() if _expired(sub)]:
            self.remove_subscription(sid)
        return list(self.subscriptions.values())

    def remove_subscription(self, sid: str) -> None:
        """Forget a subscription and whatever was waiting for it."""
        self.subscriptions.pop(sid, None)
        self.baselines.pop(sid, None)
        self.paused.discard(sid)
        self.pending = [p for p in self.pending if p.subscription_id != sid]

    def watched(self, sub: dict[str, Any]) -> tuple[Mailbox, str | None] | None:
        """The mailbox and calendar an event subscription watches (None: not events, or
        the mailbox is gone)."""
        where = event_resource(str(sub.get("resource") or ""))
        if where is None:
            return None
        try:
            box = self.mailbox(where[0])
            if where[1] is not None:
                self.calendar(box, where[1])
        except GraphFault:
            return None
        return box, where[1]

    def _look(self, box: Mailbox, calendar_id: str | None) -> dict[str, str]:
        cid = calendar_id or box.default_calendar
        return {r.id: fingerprint(r) for r in box.events.values() if r.calendar_id == cid}

    def set_baseline(self, sid: str) -> None:
        """Take the first look for a new subscription: only later changes notify."""
        where = self.watched(self.subscriptions[sid])
        self.baselines[sid] = self._look(*where) if where is not None else {}

    def record_changes(self) -> None:
        """Compare every event subscription's events with the last look; queue what changed."""
        for sub in self.live_subscriptions():
            sid = str(sub["id"])
            where = self.watched(sub)
            if where is None:
                continue
            box, _ = where
            now = self._look(*where)
            before = self.baselines.get(sid, {})
            changes = [(eid, "created") for eid in now if eid not in before]
            changes += [
                (eid, "updated") for eid in now if eid in before and now[eid] != before[eid]
            ]
            changes += [(eid, "deleted") for eid in before if eid not in now]
            self.baselines[sid] = now
            wanted = {c.strip() for c in str(sub.get("changeType") or "").split(",")}
            for eid, change in changes:
                if change in wanted:
                    item = self._notification(sub, box, eid, change)
                    self.pending.append(Pending(sid, str(sub["notificationUrl"]), item))

    def _notification(
        self, sub: dict[str, Any], box: Mailbox, eid: str, change: str
    ) -> dict[str, Any]:
        """A change notification as Graph sends one for an Outlook event (no resource data)."""
        path = f"Users/{box.owner_id}/Events/{eid}"
        data: dict[str, Any] = {"@odata.type": "#Microsoft.Graph.Event", "@odata.id": path}
        rec = box.events.get(eid)
        if rec is not None:
            data["@odata.etag"] = rec.data.get("@odata.etag")
        data["id"] = eid
        item: dict[str, Any] = {
            "subscriptionId": sub["id"],
            "subscriptionExpirationDateTime": sub["expirationDateTime"],
            "changeType": change,
            "resource": path,
            "resourceData": data,
            "tenantId": self.tenant_id,
        }
        if sub.get("clientState") is not None:
            item["clientState"] = sub["clientState"]
        return item

    def lifecycle_item(self, sub: dict[str, Any], event: str) -> dict[str, Any]:
        """A lifecycle notification, as in Graph's ``webhooks-lifecycle`` examples."""
        item: dict[str, Any] = {
            "subscriptionId": sub["id"],
            "subscriptionExpirationDateTime": sub["expirationDateTime"],
            "tenantId": self.tenant_id,
            "lifecycleEvent": event,
        }
        if sub.get("clientState") is not None:
            item["clientState"] = sub["clientState"]
        return item

    def take_pending(self) -> list[tuple[str, list[Pending]]]:
        """The deliverable notifications, grouped by URL in order (paused ones stay)."""
        ready = [p for p in self.pending if p.subscription_id not in self.paused]
        self.pending = [p for p in self.pending if p.subscription_id in self.paused]
        groups: dict[str, list[Pending]] = {}
        for p in ready:
            groups.setdefault(p.url, []).append(p)
        return list(groups.items())

    def put_back(self, items: Iterable[Pending]) -> None:
        """Notifications a receiver refused: Graph tries them again later (first in line)."""
        kept = [p for p in items if p.subscription_id in self.subscriptions]
        self.pending = kept + self.pending

    # ------------------------------------------------------------------ calendarView delta

    def remember_sync(self, sync: DeltaSync) -> str:
        """Store the end of a delta round; its token goes into the ``@odata.deltaLink``."""
        token = self.new_id("delta")
        if len(self.delta_syncs) >= _MAX_SYNCS:
            self.delta_syncs.pop(next(iter(self.delta_syncs)))
        self.delta_syncs[token] = sync
        return token

    def sync(self, token: str) -> DeltaSync:
        """The sync a delta token names, or ``sync_gone``."""
        found = self.delta_syncs.get(token)
        if found is None:
            raise self.sync_gone()
        return found

    def sync_gone(self) -> GraphFault:
        """The 410 Graph answers for an unknown or expired delta (or skip) token: the status
        and the need to resync are documented; the code ``syncStateNotFound`` is one of
        the two the docs name; the message is a guess."""
        return GraphFault(
            410,
            "syncStateNotFound",
            "The sync state for this delta token was not found or has expired: "
            "start a full synchronization again.",
        )

    def start_round(self, rows: list[dict[str, Any]], token: str) -> str:
        """Keep a delta round's rows for its pages; the id goes into its skip tokens."""
        round_id = self.new_id("round")
        if len(self.delta_rounds) >= _MAX_SYNCS:
            self.delta_rounds.pop(next(iter(self.delta_rounds)))
        self.delta_rounds[round_id] = (rows, token)
        return round_id


def _expired(sub: dict[str, Any]) -> bool:
    try:
        return parse_graph_datetime(sub["expirationDateTime"]) <= datetime.now(UTC)
    except (GraphFault, KeyError):
        return False
