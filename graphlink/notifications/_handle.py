"""Answering Graph's POSTs to a notification URL (pure: no I/O, never raises on bad input).

``handle`` reads one request as a web framework hands it over and returns the ``Answer``:
what to send back, and the change notifications and lifecycle events it carried.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import attrs

from graphlink.models import parse_utc

__all__ = [
    "LIFECYCLE_EVENTS",
    "MAX_BODY_BYTES",
    "Answer",
    "ChangeNotification",
    "LifecycleEvent",
    "client_states",
    "handle",
    "oversized",
    "too_large",
]

log = logging.getLogger("graphlink.notifications")

#: The lifecycle events Graph sends (others are kept as they come). The one list of them:
#: FakeGraph and the keeper use it too.
LIFECYCLE_EVENTS = ("reauthorizationRequired", "subscriptionRemoved", "missed")
#: The largest body ``handle`` reads by default (4 MiB): Graph's batches of notifications
#: without resource data are far smaller; a larger body is answered 413.
MAX_BODY_BYTES = 4 * 1024 * 1024
#: How much of a sender-chosen id goes into a log line.
_SHOWN = 64

_TEXT = {"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"}


@attrs.frozen
class ChangeNotification:
    """One change Graph reports: what changed, how, and under which subscription.

    Attributes:
        change_type: ``"created"``, ``"updated"`` or ``"deleted"``.
        resource: The changed item's path, e.g. ``Users/{id}/Events/{id}``.
        resource_data: ``@odata.type``, ``@odata.id``, ``@odata.etag`` and ``id`` of the item
            (not the item itself: fetch it, or run a delta round).
        subscription_id: The subscription that matched.
        subscription_expiration: When that subscription expires (None when not given).
        client_state: The secret sent back (never shown in a repr).
        tenant_id: The tenant the change happened in.
        raw: The notification as Graph sent it (it holds ``clientState``).
    """

    change_type: str
    resource: str
    resource_data: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    subscription_id: str = ""
    subscription_expiration: datetime | None = None
    client_state: str | None = attrs.field(default=None, repr=False)
    tenant_id: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, hash=False, eq=False)

    @property
    def resource_id(self) -> str | None:
        """The changed item's id (``resource_data["id"]``)."""
        value = self.resource_data.get("id")
        return value if isinstance(value, str) else None


@attrs.frozen
class LifecycleEvent:
    """A lifecycle notification about a subscription itself.

    Attributes:
        lifecycle_event: ``"reauthorizationRequired"`` (reauthorize or renew it: notifications
            pause until then), ``"subscriptionRemoved"`` (create it again) or ``"missed"``
            (some notifications were lost: resync with a delta query).
        subscription_id: The subscription concerned.
        subscription_expiration: Its expiry (None when not given).
        client_state: The secret sent back (never shown in a repr).
        tenant_id: The tenant.
        raw: The event as Graph sent it.
    """

    lifecycle_event: str
    subscription_id: str
    subscription_expiration: datetime | None = None
    client_state: str | None = attrs.field(default=None, repr=False)
    tenant_id: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, hash=False, eq=False)


@attrs.frozen
class Answer:
    """What to answer Graph, and what its request carried.

    Send ``status``, ``headers`` and ``body`` back as they are (the framework adapters in
    ``graphlink.notifications.starlette``, ``.flask`` and ``.django`` do); process
    ``notifications`` and ``lifecycle`` after answering, or quickly: Graph wants its answer
    within 3 seconds (10 for the validation handshake).

    Attributes:
        status: 200 for the validation handshake, 202 for notifications, 400 for a body
            that is not Graph's, 405 for a method other than POST, 413 for a body over
            ``max_body_bytes``, 500 when ``client_state`` is not a str or strs (the
            endpoint is misconfigured: Graph retries later).
        headers: Response headers (``Content-Type: text/plain`` for a text body).
        body: The response body: the validation token, an error's reason, or empty.
        notifications: The change notifications whose ``clientState`` matched.
        lifecycle: The lifecycle events whose ``clientState`` matched.
        dropped: How many items were dropped because their ``clientState`` did not match.
        validation_token: The token of a validation handshake (None otherwise).
    """

    status: int
    headers: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    body: str = ""
    notifications: tuple[ChangeNotification, ...] = ()
    lifecycle: tuple[LifecycleEvent, ...] = ()
    dropped: int = 0
    validation_token: str | None = attrs.field(default=None, repr=False)

    @property
    def is_validation(self) -> bool:
        """Whether this answers Graph's validation handshake."""
        return self.validation_token is not None


Query = Mapping[str, Any] | Iterable[tuple[str, Any]] | str | bytes | None


def _decoded(value: object) -> str | None:
    """A query value as text: bytes as UTF-8 (bad bytes replaced), the first of a list."""
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        value = value[0] if value else ""
    if value is None:
        return None
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def _query_value(query: object, name: str) -> str | None:
    """A query parameter, decoded (any key case); the first value of a repeated one.

    ``query`` is a mapping, pairs, or the raw query string; anything else has no
    parameters (the caller's bug must not become an exception in the web server).
    """
    pairs: Iterable[Any]
    if isinstance(query, bytes | bytearray):
        query = bytes(query).decode("utf-8", "replace")
    if isinstance(query, str):
        pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True)
    elif isinstance(query, Mapping):
        pairs = query.items()
    elif isinstance(query, Iterable):
        pairs = query
    else:
        return None
    for pair in pairs:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            continue
        key, value = pair
        if isinstance(key, str) and key.lower() == name.lower():
            return _decoded(value)
    return None


def _reply(status: int, reason: str, headers: Mapping[str, str] | None = None) -> Answer:
    return Answer(status, {**_TEXT, **(headers or {})}, reason)


def client_states(client_state: object) -> tuple[str, ...] | None:
    """``client_state`` as ``handle`` takes it, checked once: None, or a tuple of strs.

    Adapters call it when the endpoint is made, so a bytes secret or a generator (used up
    by the first request) fails at start-up rather than dropping every notification.

    Raises:
        TypeError: not None, a str, nor an iterable of strs.
    """
    if client_state is None:
        return None
    if isinstance(client_state, str):
        return (client_state,)
    if isinstance(client_state, bytes | bytearray) or not isinstance(client_state, Iterable):
        raise TypeError("client_state must be a str, an iterable of str, or None")
    values = tuple(client_state)
    if not values or not all(isinstance(v, str) for v in values):
        raise TypeError("client_state must be a str, an iterable of str, or None")
    return values


def _encoded(text: str) -> bytes:
    # A JSON string may hold a lone surrogate (\ud800): encode it rather than raise.
    return text.encode("utf-8", "surrogatepass")


def _matches(given: object, secrets: tuple[bytes, ...] | None) -> bool:
    if secrets is None:
        return True
    if not isinstance(given, str):
        return False
    sent = _encoded(given)
    # Compare with every secret, always: the time taken tells nothing about which matched.
    return sum(hmac.compare_digest(sent, s) for s in secrets) > 0


def _shown(value: str) -> str:
    """A sender-chosen value fit for a log line: quoted, cut short."""
    return repr(value[:_SHOWN] + ("..." if len(value) > _SHOWN else ""))


def oversized(max_body_bytes: int) -> Answer:
    """The answer to a body over ``max_body_bytes``: 413, with the reason as text."""
    log.warning("refused a request to the notification URL: over %d bytes", max_body_bytes)
    return _reply(413, f"the body is over {max_body_bytes} bytes")


def too_large(length: object, max_body_bytes: int | None) -> bool:
    """Whether a ``Content-Length`` (a header's text or a number) is over the limit."""
    if max_body_bytes is None or length is None:
        return False
    try:
        return int(str(length)) > max_body_bytes
    except ValueError:
        return False


def _text(item: Mapping[str, Any], key: str) -> str | None:
    value = item.get(key)
    return value if isinstance(value, str) else None


def _when(value: object) -> datetime | None:
    try:
        return parse_utc(value)
    except (TypeError, ValueError):
        return None


def _items(body: object) -> list[Mapping[str, Any]] | str:
    """The body's ``value`` list, or the reason it is not Graph's."""
    if isinstance(body, memoryview | bytearray):
        body = bytes(body)
    if body is not None and not isinstance(body, bytes | str):
        return "the body is not bytes or text"
    if not body:
        return "the body is empty: expected Graph's notifications"
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nesting deeper than the parser's stack (``[[[[...``).
        return "the body is not JSON"
    if not isinstance(data, Mapping) or not isinstance(data.get("value"), list):
        return 'the body is not {"value": [...]}'
    items: list[Mapping[str, Any]] = data["value"]
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("subscriptionId"), str):
            return "a notification is not an object with a subscriptionId"
        kind = item.get("lifecycleEvent", item.get("changeType"))
        if not isinstance(kind, str):
            return "a notification has neither a changeType nor a lifecycleEvent"
    return items


def handle(
    method: str,
    query: Query,
    headers: object,
    body: bytes | bytearray | memoryview | str | None,
    *,
    client_state: str | Iterable[str] | None,
    max_body_bytes: int | None = MAX_BODY_BYTES,
) -> Answer:
    """Answer one request Graph sent to a notification URL (framework-neutral, no I/O).

    - The validation handshake (a POST with ``?validationToken=...``): 200, ``text/plain``,
      the URL-decoded token as the body.
    - Notifications (a POST of ``{"value": [...]}``): 202, with the change notifications in
      ``answer.notifications`` and the lifecycle events in ``answer.lifecycle``. Items whose
      ``clientState`` is not one of ``client_state`` are dropped and logged (without the
      secret) on the ``graphlink.notifications`` logger.
    - Anything else: 400 (a body that is not Graph's), 405 (not a POST) or 413 (a body
      over ``max_body_bytes``), with the reason as text. Bad input never raises; a
      ``client_state`` that is not a str or strs is answered 500 (and logged).

    Args:
        method: The HTTP method.
        query: The query parameters, decoded (a mapping, as frameworks give them, or
            ``(name, value)`` pairs), or the raw query string (percent-encoded UTF-8).
        headers: The request headers, any mapping (the answer does not depend on them
            today; they are taken so that adapters need not change when it does).
        body: The request body (bytes, bytearray, memoryview or str).
        client_state: The ``clientState`` the subscriptions were created with; several
            while rotating the secret (each is accepted). None accepts any notification:
            only for subscriptions created without one.
        max_body_bytes: A longer body is answered 413 unread (None: no limit). Adapters
            also check ``Content-Length`` before reading the body.
    """
    del headers  # the answer depends on method, query and body only
    if not isinstance(method, str) or method.upper() != "POST":
        return _reply(405, "Graph POSTs to a notification URL", {"Allow": "POST"})
    token = _query_value(query, "validationToken")
    if token is not None:
        return Answer(200, dict(_TEXT), token, validation_token=token)
    size = len(body) if isinstance(body, bytes | bytearray | memoryview | str) else 0
    if max_body_bytes is not None and size > max_body_bytes:
        return oversized(max_body_bytes)
    try:
        allowed = client_states(client_state)
    except TypeError as exc:
        log.error("the notification endpoint is misconfigured: %s", exc)
        return _reply(500, "the notification endpoint is misconfigured")
    items = _items(body)
    if isinstance(items, str):
        log.warning("refused a request to the notification URL: %s", items)
        return _reply(400, items)
    secrets = None if allowed is None else tuple(_encoded(v) for v in allowed)
    changes: list[ChangeNotification] = []
    lifecycle: list[LifecycleEvent] = []
    dropped: dict[str, int] = {}
    for item in items:
        sid = str(item["subscriptionId"])
        if not _matches(item.get("clientState"), secrets):
            dropped[sid] = dropped.get(sid, 0) + 1
            continue
        expires = _when(item.get("subscriptionExpirationDateTime"))
        secret, tenant = _text(item, "clientState"), _text(item, "tenantId")
        event = item.get("lifecycleEvent")
        if isinstance(event, str):
            lifecycle.append(LifecycleEvent(event, sid, expires, secret, tenant, item))
            continue
        data = item.get("resourceData")
        changes.append(
            ChangeNotification(
                change_type=str(item["changeType"]),
                resource=_text(item, "resource") or "",
                resource_data=dict(data) if isinstance(data, Mapping) else {},
                subscription_id=sid,
                subscription_expiration=expires,
                client_state=secret,
                tenant_id=tenant,
                raw=item,
            )
        )
    for sid, count in dropped.items():
        log.warning(
            "dropped %d notification(s) for subscription %s: clientState does not match",
            count,
            _shown(sid),
        )
    return Answer(
        202,
        {},
        "",
        notifications=tuple(changes),
        lifecycle=tuple(lifecycle),
        dropped=sum(dropped.values()),
    )
