"""Change-notification subscriptions: create, list, get, renew, delete, reauthorize.

- ``POST /subscriptions`` checks the body, the expiry (in the future and within Graph's
  maximum for the resource, the table graphlink's client uses) and, for event resources,
  the mailbox; then performs the validation handshake against ``notificationUrl`` (and
  ``lifecycleNotificationUrl``) as Graph does, and answers 201. A failed handshake is
  Graph's ``400 ValidationError``.
- ``PATCH /subscriptions/{id}`` renews (and reauthorizes), ``POST .../reauthorize`` answers
  204, ``DELETE`` 204. An expired subscription is gone (404), as in Graph.

FakeGraph deviates in one way on purpose: it accepts ``http`` notification URLs (loopback
receivers in tests); Graph requires ``https``. Codes and messages of the 400s for a bad
expiry or change type are guesses shaped like reported ones.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from graphlink.resources._subscriptions import CHANGE_TYPES, max_lifetime
from graphlink.testing._odata import QueryError
from graphlink.testing._routes._collections import EntityType, collection
from graphlink.testing._routes._table import route
from graphlink.testing._state import GraphFault, parse_graph_datetime
from graphlink.testing._state.subscriptions import event_resource
from graphlink.testing._webhooks import validate_endpoint
from graphlink.testing._wire import Call, Reply, empty_reply, json_reply

if TYPE_CHECKING:
    from graphlink.testing._engine import Engine


_SUB_REQUIRED = ("changeType", "notificationUrl", "resource", "expirationDateTime")


def _bad(message: str) -> GraphFault:
    return GraphFault(400, "InvalidRequest", message)


def _check_expiry(value: Any, resource: str, *, past_ok: bool = False) -> None:
    expires = parse_graph_datetime(value)
    now = datetime.now(UTC)
    if expires <= now and not past_ok:
        raise _bad("Subscription expiration can only be in the future.")
    lifetime = max_lifetime(resource)
    if lifetime is not None and expires - now > lifetime:
        minutes = int(lifetime.total_seconds() // 60)
        raise _bad(f"Subscription expiration can only be {minutes} minutes in the future.")


def _check_url(value: Any, name: str) -> str:
    url = str(value)
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("https", "http") or not parts.netloc:
        raise _bad(f"The {name} must be an https URL.")
    return url


@route("GET", r"/subscriptions")
def _list_subscriptions(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    return collection(
        call,
        e.state.live_subscriptions(),
        kind="places",
        context="subscriptions",
        entity=EntityType("subscription"),
    )


def handshake_urls(e: Engine, call: Call) -> list[str]:
    """The URLs a ``POST /subscriptions`` will validate, when it gets that far (no fault
    armed for it, its token good, its body sound); else none. FakeGraph calls it, holding
    its lock, to make the handshakes before answering, without the lock: a receiver may
    call FakeGraph back meanwhile."""
    if call.method.upper() != "POST" or call.path.rstrip("/").lower() != "/subscriptions":
        return []
    if not call.version or any(f.matches(call.method, call.path, inner=False) for f in e.faults):
        return []
    try:
        e._check_auth(call)
        _, url, lifecycle = _checked(e, call)
    except (GraphFault, QueryError):
        return []  # the route answers the error itself, without a handshake
    return [url] if lifecycle in (None, url) else [url, lifecycle]


def _checked(e: Engine, call: Call) -> tuple[Mapping[str, Any], str, str | None]:
    """The body of a ``POST /subscriptions``, its notification and lifecycle URLs: checked
    as Graph does before its handshake."""
    body = call.body if isinstance(call.body, Mapping) else {}
    missing = [k for k in _SUB_REQUIRED if not body.get(k)]
    if missing:
        raise GraphFault(400, "InvalidRequest", f"Required field(s) missing: {', '.join(missing)}.")
    resource = str(body["resource"])
    _check_expiry(body["expirationDateTime"], resource)
    kinds = [k.strip() for k in str(body["changeType"]).split(",")]
    if any(k not in CHANGE_TYPES for k in kinds):
        raise _bad(f"Invalid changeType '{body['changeType']}'.")
    state = body.get("clientState")
    if state is not None and (not isinstance(state, str) or len(state) > 128):
        raise _bad("clientState must be a string of at most 128 characters.")
    where = event_resource(resource)
    if where is not None:
        box = e.state.mailbox(where[0])  # Graph refuses a mailbox it cannot find
        if where[1] is not None:
            e.state.calendar(box, where[1])
    url = _check_url(body["notificationUrl"], "notificationUrl")
    lifecycle = body.get("lifecycleNotificationUrl")
    if lifecycle is not None:
        lifecycle = _check_url(lifecycle, "lifecycleNotificationUrl")
    return body, url, lifecycle


@route("POST", r"/subscriptions")
def _create_subscription(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    body, url, lifecycle = _checked(e, call)
    resource, state = str(body["resource"]), body.get("clientState")
    validate_endpoint(e.state, url)
    if lifecycle is not None and lifecycle != url:
        validate_endpoint(e.state, lifecycle)
    sid = str(uuid.uuid4())
    sub = {
        "id": sid,
        "resource": resource,
        "applicationId": "24d3b144-21ae-4080-943f-7067b395b913",
        "changeType": body["changeType"],
        "clientState": state,
        "notificationUrl": url,
        "lifecycleNotificationUrl": lifecycle,
        "expirationDateTime": body["expirationDateTime"],
        "creatorId": e.state.new_id("app", "creator"),
        "includeResourceData": bool(body.get("includeResourceData", False)),
        "latestSupportedTlsVersion": body.get("latestSupportedTlsVersion", "v1_2"),
        "encryptionCertificate": body.get("encryptionCertificate"),
        "encryptionCertificateId": body.get("encryptionCertificateId"),
        "notificationUrlAppId": None,
    }
    e.state.record_changes()  # earlier changes notify the subscriptions that saw them
    e.state.subscriptions[sid] = sub
    e.state.set_baseline(sid)
    return json_reply(
        201, {"@odata.context": f"{call.root}/$metadata#subscriptions/$entity", **sub}
    )


@route("GET", r"/subscriptions/(?P<sub>[^/]+)")
def _get_subscription(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    return json_reply(200, e.state.subscription(m["sub"]))


@route("PATCH", r"/subscriptions/(?P<sub>[^/]+)")
def _renew_subscription(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    sub = e.state.subscription(m["sub"])
    body = call.body if isinstance(call.body, Mapping) else {}
    if "expirationDateTime" in body:
        # A renewal into the past is taken (the subscription then expires at once): what
        # Graph answers is not documented, and Microsoft's own PATCH example is in 2016.
        _check_expiry(body["expirationDateTime"], str(sub.get("resource", "")), past_ok=True)
        sub["expirationDateTime"] = body["expirationDateTime"]
    e.state.paused.discard(m["sub"])  # renewing also reauthorizes
    return json_reply(200, sub)


@route("DELETE", r"/subscriptions/(?P<sub>[^/]+)")
def _delete_subscription(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    e.state.subscription(m["sub"])
    e.state.remove_subscription(m["sub"])
    return empty_reply(204)


@route("POST", r"/subscriptions/(?P<sub>[^/]+)/reauthorize")
def _reauthorize(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    e.state.subscription(m["sub"])
    e.state.paused.discard(m["sub"])
    return empty_reply(204)
