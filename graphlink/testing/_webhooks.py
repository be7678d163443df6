"""FakeGraph calling out: the validation handshake, change notifications, lifecycle events.

Graph POSTs to the app's notification URL; so does FakeGraph, over real HTTP (loopback)
with httpx, or through ``fake.webhook_client`` (an ``httpx.Client`` on an in-process app,
e.g. Starlette's ``TestClient`` or ``httpx.WSGITransport``). The handshake happens while
FakeGraph answers ``POST /subscriptions``, as with Graph, but before FakeGraph takes its
lock (a receiver may call FakeGraph back; other requests go on meanwhile); notifications
wait until ``fake.deliver()`` (Graph sends them within seconds on its own: a test says
when).
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import httpx

from graphlink.notifications._handle import LIFECYCLE_EVENTS
from graphlink.testing._state import GraphFault, State
from graphlink.testing._state.subscriptions import Delivery
from graphlink.testing._wire import Call, split_version

if TYPE_CHECKING:
    from graphlink.testing._engine import Engine

__all__ = ["LIFECYCLE_EVENTS", "Delivery", "WebhookMixin", "calls_out", "validate_endpoint"]

#: Graph's time limits: the handshake must be answered within 10 s, a notification in 3 s.
_HANDSHAKE_SECONDS = 10.0
_NOTIFY_SECONDS = 3.0
_JSON = {"Content-Type": "application/json; charset=utf-8"}


_own: list[httpx.Client] = []
_own_lock = threading.Lock()


def _own_client() -> httpx.Client:
    """FakeGraph's own client, made once: making one costs far more than a loopback POST."""
    with _own_lock:
        if not _own:
            # No keep-alive: a kept connection holds a thread of the receiver's server
            # (a threading one) until it closes, and this client is never closed.
            limits = httpx.Limits(max_keepalive_connections=0)
            _own.append(httpx.Client(trust_env=False, limits=limits))
        return _own[0]


def _post(
    state: State, url: str, default_timeout: float, **kw: Any
) -> tuple[httpx.Response | None, str | None]:
    timeout = state.webhook_timeout if state.webhook_timeout is not None else default_timeout
    try:
        if state.webhook_client is not None:
            return state.webhook_client.post(url, **kw), None  # its own timeouts
        return _own_client().post(url, timeout=timeout, **kw), None
    except httpx.TimeoutException:
        return None, f"no answer within {timeout:g} s"
    except Exception as exc:  # a user's webhook_client (an app) may raise anything
        return None, f"{type(exc).__name__}: {exc}"


def calls_out(request: httpx.Request) -> bool:
    """Whether answering ``request`` may POST to a receiver (a handshake): a
    ``POST /subscriptions``, or a ``$batch`` that may hold one."""
    if request.method.upper() != "POST":
        return False
    path = split_version(unquote(request.url.path))[1].rstrip("/").lower()
    return path == "/subscriptions" or (path == "/$batch" and b"subscriptions" in request.content)


def _handshake(state: State, url: str) -> Delivery:
    """Graph's validation handshake against ``url``: how it went (neither logged nor
    raised: ``validate_endpoint`` does that)."""
    token = (
        "Validation: Testing client application reachability for subscription Request-Id: "
        f"{uuid.uuid4()}"
    )
    response, error = _post(
        state,
        url,
        _HANDSHAKE_SECONDS,
        params={"validationToken": token},
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    shown = str(httpx.URL(url, params={"validationToken": token}))
    if response is not None:
        kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if response.status_code != 200:
            error = f"answered {response.status_code}, not 200"
        elif kind != "text/plain":
            error = f"answered Content-Type {kind or 'none'!r}, not text/plain"
        elif response.text != token:
            error = "answered a body that is not the validation token"
    status = None if response is None else response.status_code
    return Delivery("validation", shown, None, status, error)


def validate_endpoint(state: State, url: str) -> Delivery:
    """Graph's validation handshake against ``url``; Graph's 400 when it fails.

    FakeGraph POSTs ``url?validationToken=<token>`` (``text/plain``, no body), with a token
    of spaces and punctuation as Graph's are, and requires 200, ``text/plain`` and the
    decoded token as the body within ``webhook_timeout`` (Graph: 10 s). The error code
    ``ValidationError`` and its messages are what reports from live tenants show. A
    handshake FakeGraph made before taking its lock (``state.handshakes``) is used
    rather than made again.
    """
    delivery = state.handshakes.pop(url, None) or _handshake(state, url)
    state.webhook_log.append(delivery)
    if delivery.error is not None:
        message = "Subscription validation request failed. " + (
            "Notification endpoint must respond with 200 OK to validation request."
            if delivery.status is None
            else "Response must exactly match validationToken query parameter."
        )
        raise GraphFault(400, "ValidationError", f"{message} ({delivery.error})")
    return delivery


def _send(state: State, kind: str, url: str, items: list[dict[str, Any]]) -> Delivery:
    body = {"value": items}
    response, error = _post(state, url, _NOTIFY_SECONDS, json=body, headers=_JSON)
    if response is not None and not 200 <= response.status_code < 300:
        error = f"answered {response.status_code}"
    return Delivery(kind, url, body, None if response is None else response.status_code, error)


class WebhookMixin:
    """FakeGraph's side of change notifications (a base of
    [`FakeGraph`][graphlink.testing.FakeGraph])."""

    _lock: AbstractContextManager[Any]
    _state: State
    _engine: Engine

    @property
    def subscriptions(self) -> list[dict[str, Any]]:
        """The change-notification subscriptions created through ``POST /subscriptions``."""
        with self._lock:
            return [dict(s) for s in self._state.subscriptions.values()]

    def _handshakes_for(self, call: Call) -> dict[str, Delivery]:
        """The handshakes a ``POST /subscriptions`` needs, made now, without the lock."""
        from graphlink.testing._routes.subscriptions import handshake_urls

        with self._lock:
            urls = handshake_urls(self._engine, call)
        return {url: _handshake(self._state, url) for url in urls}

    @property
    def webhook_client(self) -> httpx.Client | None:
        """The ``httpx.Client`` FakeGraph POSTs to notification URLs with (handshakes,
        notifications, lifecycle events). None (the default): a client of its own, over
        the network (loopback). Set it to reach an in-process app: Starlette's
        ``TestClient(app)``, or ``httpx.Client(transport=httpx.WSGITransport(app=app))``
        for Flask and Django."""
        return self._state.webhook_client

    @webhook_client.setter
    def webhook_client(self, client: httpx.Client | None) -> None:
        with self._lock:
            self._state.webhook_client = client

    @property
    def webhook_timeout(self) -> float | None:
        """Seconds a receiver has to answer; None (the default): Graph's own limits, 10 s
        for the validation handshake and 3 s for a notification. A ``webhook_client``
        keeps its own timeouts."""
        return self._state.webhook_timeout

    @webhook_timeout.setter
    def webhook_timeout(self, seconds: float | None) -> None:
        with self._lock:
            self._state.webhook_timeout = seconds

    @property
    def deliveries(self) -> list[Delivery]:
        """Every POST made to a notification URL so far (handshakes too), oldest first."""
        with self._lock:
            return list(self._state.webhook_log)

    @property
    def pending_notifications(self) -> list[dict[str, Any]]:
        """The change notifications waiting for
        [`deliver`][graphlink.testing.FakeGraph.deliver], oldest first."""
        with self._lock:
            self._state.record_changes()
            return [dict(p.item) for p in self._state.pending]

    def deliver(self) -> list[Delivery]:
        """POST every pending change notification to its subscription's URL, now.

        FakeGraph notices every change to the events a subscription watches (created,
        updated, deleted), whoever made it, and keeps the notifications until this call:
        Graph sends them on its own within seconds, a test says when. Notifications for
        one URL go in one POST (``{"value": [...]}``), in the order of the changes. One the
        receiver does not answer 2xx within ``webhook_timeout`` (Graph: 3 s) stays pending
        (Graph retries); so do those of a subscription waiting for reauthorization.

        Returns:
            One [`Delivery`][graphlink.testing.Delivery] per POST, in order.
        """
        with self._lock:
            # The tenant these notifications belong to: a ``reset`` during the POSTs
            # swaps ``_state``, and the new tenant must not inherit them.
            state = self._state
            state.record_changes()
            batches = state.take_pending()
        out = []
        try:
            while batches:
                url, items = batches[0]
                delivery = _send(state, "notification", url, [p.item for p in items])
                out.append(delivery)
                with self._lock:
                    state.webhook_log.append(delivery)
                    if not delivery.ok:
                        state.put_back(items)
                batches.pop(0)
        finally:
            # Interrupted (Ctrl-C in a test run): what was not sent stays pending.
            with self._lock:
                state.put_back([p for _, items in batches for p in items])
        return out

    async def adeliver(self) -> list[Delivery]:
        """[`deliver`][graphlink.testing.FakeGraph.deliver] from async code: the POSTs run
        in a worker thread, so a receiver served on the same event loop can answer."""
        return await asyncio.to_thread(self.deliver)

    def send_lifecycle(self, subscription_id: str, event: str) -> Delivery:
        """Send a lifecycle event to the subscription's ``lifecycleNotificationUrl``, now.

        - ``"reauthorizationRequired"``: its notifications wait until the app reauthorizes
          or renews it (``POST /subscriptions/{id}/reauthorize`` or ``PATCH``).
        - ``"subscriptionRemoved"``: the subscription is gone (404 from then on).
        - ``"missed"``: its pending notifications are dropped, as lost ones are (the app
          should resync with a delta query).

        Raises:
            ValueError: an unknown event, or a subscription that does not exist or has no
                lifecycle URL (Graph sends lifecycle events only there).
        """
        if event not in LIFECYCLE_EVENTS:
            raise ValueError(f"unknown lifecycle event {event!r}; Graph's: {LIFECYCLE_EVENTS}")
        with self._lock:
            sub = self._state.subscriptions.get(subscription_id)
            if sub is None:
                raise ValueError(f"no subscription {subscription_id!r}")
            url = sub.get("lifecycleNotificationUrl")
            if not url:
                raise ValueError(
                    f"subscription {subscription_id!r} has no lifecycleNotificationUrl: "
                    "Graph sends lifecycle events only there"
                )
            item = self._state.lifecycle_item(sub, event)
            self._state.record_changes()  # what happened before the event is not lost
            if event == "subscriptionRemoved":
                self._state.remove_subscription(subscription_id)
            elif event == "reauthorizationRequired":
                self._state.paused.add(subscription_id)
            else:
                self._state.pending = [
                    p for p in self._state.pending if p.subscription_id != subscription_id
                ]
            state = self._state  # the tenant the event belongs to, reset or not
        delivery = _send(state, "lifecycle", str(url), [item])
        with self._lock:
            state.webhook_log.append(delivery)
        return delivery

    async def asend_lifecycle(self, subscription_id: str, event: str) -> Delivery:
        """[`send_lifecycle`][graphlink.testing.FakeGraph.send_lifecycle] from async code
        (the POST runs in a worker thread, as with ``adeliver``)."""
        return await asyncio.to_thread(self.send_lifecycle, subscription_id, event)

    def expire_delta_links(self) -> None:
        """Forget every calendarView delta sync: old delta links then answer 410
        (``syncStateNotFound``), as Graph does when its sync state expired."""
        with self._lock:
            self._state.delta_syncs.clear()
            self._state.delta_rounds.clear()
