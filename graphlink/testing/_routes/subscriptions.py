"""Change-notification subscriptions: create, list, get, renew, delete, reauthorize."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from graphlink.testing._routes._collections import collection
from graphlink.testing._routes._table import route
from graphlink.testing._state import GraphFault, parse_graph_datetime
from graphlink.testing._wire import Call, Reply, empty_reply, json_reply

if TYPE_CHECKING:
    from graphlink.testing._engine import Engine


_SUB_REQUIRED = ("changeType", "notificationUrl", "resource", "expirationDateTime")


@route("GET", r"/subscriptions")
def _list_subscriptions(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    return collection(
        call, list(e.state.subscriptions.values()), kind="places", context="subscriptions"
    )


@route("POST", r"/subscriptions")
def _create_subscription(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    body = call.body if isinstance(call.body, Mapping) else {}
    missing = [k for k in _SUB_REQUIRED if not body.get(k)]
    if missing:
        raise GraphFault(400, "InvalidRequest", f"Required field(s) missing: {', '.join(missing)}.")
    expires = parse_graph_datetime(body["expirationDateTime"])
    if expires <= datetime.now(UTC):
        raise GraphFault(
            400, "InvalidRequest", "Subscription expiration can only be in the future."
        )
    sid = str(uuid.uuid4())
    sub = {
        "@odata.context": f"{call.root}/$metadata#subscriptions/$entity",
        "id": sid,
        "resource": body["resource"],
        "applicationId": "24d3b144-21ae-4080-943f-7067b395b913",
        "changeType": body["changeType"],
        "clientState": body.get("clientState"),
        "notificationUrl": body["notificationUrl"],
        "lifecycleNotificationUrl": body.get("lifecycleNotificationUrl"),
        "expirationDateTime": body["expirationDateTime"],
        "creatorId": e.state.new_id("app", "creator"),
        "includeResourceData": bool(body.get("includeResourceData", False)),
        "latestSupportedTlsVersion": body.get("latestSupportedTlsVersion", "v1_2"),
        "encryptionCertificate": body.get("encryptionCertificate"),
        "encryptionCertificateId": body.get("encryptionCertificateId"),
        "notificationUrlAppId": None,
    }
    e.state.subscriptions[sid] = {k: v for k, v in sub.items() if k != "@odata.context"}
    return json_reply(201, sub)


@route("GET", r"/subscriptions/(?P<sub>[^/]+)")
def _get_subscription(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    return json_reply(200, e.state.subscription(m["sub"]))


@route("PATCH", r"/subscriptions/(?P<sub>[^/]+)")
def _renew_subscription(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    sub = e.state.subscription(m["sub"])
    body = call.body if isinstance(call.body, Mapping) else {}
    if "expirationDateTime" in body:
        parse_graph_datetime(body["expirationDateTime"])
        sub["expirationDateTime"] = body["expirationDateTime"]
    return json_reply(200, sub)


@route("DELETE", r"/subscriptions/(?P<sub>[^/]+)")
def _delete_subscription(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    e.state.subscription(m["sub"])
    del e.state.subscriptions[m["sub"]]
    return empty_reply(204)


@route("POST", r"/subscriptions/(?P<sub>[^/]+)/reauthorize")
def _reauthorize(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    e.state.subscription(m["sub"])
    return empty_reply(204)
