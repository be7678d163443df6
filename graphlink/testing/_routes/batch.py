"""JSON batching: ``POST /$batch``."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from graphlink.testing._routes._table import route
from graphlink.testing._state import GraphFault
from graphlink.testing._wire import JSON_TYPE, Call, ConnectionFault, Reply, error_body, json_reply

if TYPE_CHECKING:
    from graphlink.testing._engine import Engine

MAX_BATCH = 20


@route("POST", r"/\$batch")
def _batch(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    """JSON batching: at most 20 requests, ``dependsOn``, per-item status, any order."""
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
    results: dict[str, dict[str, Any]] = {}
    for r in _dependency_order(requests):
        rid = str(r["id"])
        deps = [str(d) for d in r.get("dependsOn") or ()]
        failed = [d for d in deps if results.get(d, {}).get("status", 500) >= 400]
        if failed:
            results[rid] = _error_item(rid, 424, "FailedDependency", "Dependent request failed.")
            continue
        results[rid] = _batch_item(e, call, r)
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


def _batch_item(e: Engine, outer: Call, r: Mapping[str, Any]) -> dict[str, Any]:
    """Answer one batch item through the engine, as a ``responses`` entry."""
    url = str(r.get("url", ""))
    split = urlsplit(url if "://" in url else "/" + url.lstrip("/"))
    path = unquote(split.path)
    prefix = "/" + outer.version
    if path.lower().startswith(prefix.lower() + "/"):
        path = path[len(prefix) :]
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
    inner = Call(
        method=str(r.get("method", "GET")).upper(),
        path=path,
        query=dict(parse_qsl(split.query, keep_blank_values=True)),
        headers=headers,
        body=body,
        raw=raw,
        origin=outer.origin,
        version=outer.version,
    )
    reply = e.respond(inner, inner=True)
    if isinstance(reply, ConnectionFault):
        return _error_item(str(r["id"]), 504, "GatewayTimeout", "The inner request timed out.")
    item: dict[str, Any] = {"id": str(r["id"]), "status": reply.status}
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
