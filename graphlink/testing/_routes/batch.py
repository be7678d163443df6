"""JSON batching: ``POST /$batch``.

Items are throttled one by one, as Graph does. What is documented (graph-api-facts §2,
§4): each item has its own status and its own 429, with ``Retry-After`` in that item's
``headers``; the batch itself answers 200. What is reported from the field (a 2020 post
by an Exchange MVP, gsexdev.blogspot.com "The MailboxConcurrency limit and using Batching
in the Microsoft Graph API", and a 2022 Microsoft Q&A thread, 968767): in a batch of
unordered requests to one mailbox, "more than 4" get ``Application is over its
MailboxConcurrency limit`` each, while a ``dependsOn`` chain runs one at a time and is not
throttled. FakeGraph models that (see ``_limits.plan_batch``). Guesses, marked as such:
that requests already in flight to the mailbox count against the same 4 (the per-mailbox
limit is per app and mailbox, so it seems so); the admission order (request order, wave by
wave); the item's ``Retry-After`` and body (those of Exchange's concurrency 429 for a
normal request). Newer throttling docs say Graph hands Outlook only 4 of a batch's
unordered items at a time, which would keep a lone batch within the limit; FakeGraph
follows the field reports, the stricter reading.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from graphlink.testing._limits import BatchItemRef, BatchPlan, plan_batch
from graphlink.testing._routes._table import refuse_over_4_mb, route
from graphlink.testing._state import GraphFault
from graphlink.testing._wire import (
    JSON_TYPE,
    Call,
    ConnectionFault,
    Reply,
    error_body,
    json_reply,
    parse_query,
)

if TYPE_CHECKING:
    from graphlink.testing._engine import Engine

MAX_BATCH = 20


@route("POST", r"/\$batch")
def _batch(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    """JSON batching: at most 20 requests, ``dependsOn``, per-item status, any order.

    Outlook items over their mailbox's concurrency limit are answered Exchange's 429
    (``Retry-After`` in the item's headers) without running; their dependents get 424.
    Each item that runs passes the engine's faults and ``mailbox_rate`` on its own.
    """
    refuse_over_4_mb(call)
    body = call.body if isinstance(call.body, Mapping) else None
    requests = body.get("requests") if body else None
    if not isinstance(requests, list) or not requests:
        raise GraphFault(400, "BadRequest", "Invalid batch payload format.")
    if len(requests) > MAX_BATCH:
        raise GraphFault(
            400, "BadRequest", f"Number of batch request steps exceeds the maximum of {MAX_BATCH}."
        )
    ids = [str(r.get("id", "")) for r in requests]
    lowered = [i.lower() for i in ids]
    if any(not i for i in ids) or len(set(lowered)) != len(lowered):
        raise GraphFault(400, "BadRequest", "Batch request ids must be unique and non-empty.")
    for r in requests:
        for dep in r.get("dependsOn") or ():
            if str(dep).lower() not in lowered:
                raise GraphFault(
                    400, "BadRequest", f"Request '{r['id']}' depends on unknown id '{dep}'."
                )
    order = _dependency_order(requests)
    plan = e.batch_plan if e.batch_plan is not None else plan_items(e, call)
    results: dict[str, dict[str, Any]] = {}
    for r in order:
        rid = str(r["id"])
        deps = [str(d) for d in r.get("dependsOn") or ()]
        failed = [d for d in deps if results.get(d, {}).get("status", 500) >= 400]
        if failed:
            results[rid] = _error_item(rid, 424, "FailedDependency", "Dependent request failed.")
        elif rid in plan.throttled:
            results[rid] = _reply_item(rid, e.throttled_reply())
        else:
            results[rid] = _batch_item(e, call, r)
    e.throttled += sum(1 for item in results.values() if item["status"] == 429)
    # Graph answers in no particular order: FakeGraph interleaves from both ends.
    ordered = [results[i] for i in ids]
    shuffled = [x for pair in zip(ordered[1::2], ordered[0::2], strict=False) for x in pair]
    if len(ordered) % 2:
        shuffled.append(ordered[-1])
    return json_reply(200, {"responses": shuffled})


def _dependency_order(requests: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The requests in an order where each comes after those it ``dependsOn``."""
    done: set[str] = set()
    out: list[Mapping[str, Any]] = []
    pending = list(requests)
    while pending:
        progressed = False
        for r in list(pending):
            if all(str(d) in done for d in r.get("dependsOn") or ()):
                out.append(r)
                done.add(str(r["id"]))
                pending.remove(r)
                progressed = True
        if not progressed:
            raise GraphFault(400, "BadRequest", "Batch dependencies form a cycle.")
    return out


def plan_items(e: Engine, call: Call) -> BatchPlan:
    """The concurrency plan for a ``$batch`` call, against the requests now in flight.

    Lenient: a body the route will refuse (400) gets an empty plan.
    """
    body = call.body if isinstance(call.body, Mapping) else None
    requests = body.get("requests") if body else None
    if not isinstance(requests, list) or not 0 < len(requests) <= MAX_BATCH:
        return BatchPlan()
    refs: list[BatchItemRef] = []
    for r in requests:
        if not isinstance(r, Mapping):
            return BatchPlan()
        path = _item_path(str(r.get("url", "")), call.version)[0]
        deps = r.get("dependsOn") or ()
        if not isinstance(deps, list | tuple):
            return BatchPlan()
        refs.append(
            BatchItemRef(str(r.get("id", "")), e.mailbox_key(path), tuple(str(d) for d in deps))
        )
    return plan_batch(refs, e.in_flight, e.mailbox_concurrency)


def _item_path(url: str, version: str) -> tuple[str, str]:
    """An item's ``url`` as (path under the version root, query string)."""
    split = urlsplit(url if "://" in url else "/" + url.lstrip("/"))
    path = unquote(split.path)
    prefix = "/" + version
    if path.lower().startswith(prefix.lower() + "/"):
        path = path[len(prefix) :]
    return path, split.query


def _batch_item(e: Engine, outer: Call, r: Mapping[str, Any]) -> dict[str, Any]:
    """Answer one batch item through the engine, as a ``responses`` entry."""
    path, query = _item_path(str(r.get("url", "")), outer.version)
    headers = {str(k): str(v) for k, v in (r.get("headers") or {}).items()}
    body = r.get("body")
    raw = json.dumps(body).encode() if body is not None else b""
    if body is not None and not any(k.lower() == "content-type" for k in headers):
        return _error_item(
            str(r["id"]),
            400,
            "BadRequest",
            "Content-Type header is required when a body is present.",
        )
    params, pairs = parse_query(query)
    inner = Call(
        method=str(r.get("method", "GET")).upper(),
        path=path,
        query=params,
        query_items=pairs,
        headers=headers,
        body=body,
        raw=raw,
        origin=outer.origin,
        version=outer.version,
    )
    reply = e.respond(inner, inner=True)
    if isinstance(reply, ConnectionFault) or reply.truncated:
        # An item whose own answer was lost: Graph's gateway answers for it (a guess: 504).
        return _error_item(str(r["id"]), 504, "GatewayTimeout", "The inner request timed out.")
    return _reply_item(str(r["id"]), reply)


def _reply_item(rid: str, reply: Reply) -> dict[str, Any]:
    """A reply as a ``responses`` entry (its request ids left to the outer response)."""
    item: dict[str, Any] = {"id": rid, "status": reply.status}
    out_headers = {
        k: v
        for k, v in reply.headers.items()
        if k.lower() not in ("request-id", "client-request-id")
    }
    if reply.body is not None:
        out_headers.setdefault("Content-Type", JSON_TYPE)
        item["body"] = reply.body
    elif reply.text is not None:
        item["body"] = reply.text
    if out_headers:
        item["headers"] = out_headers
    return item


def _error_item(rid: str, status: int, code: str, message: str) -> dict[str, Any]:
    return {"id": rid, "status": status, "body": error_body(code, message)}
