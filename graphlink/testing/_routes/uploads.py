"""Attachment upload sessions: ``createUploadSession`` and the upload URL it hands out."""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from graphlink.testing._routes._table import USER, route, user_ref
from graphlink.testing._state import GraphFault, file_attachment
from graphlink.testing._wire import Call, Reply, bare_error_reply, empty_reply, json_reply

if TYPE_CHECKING:
    from graphlink.testing._engine import Engine


@route(
    "POST",
    USER + r"/(?P<parent>messages|events)/(?P<item>[^/]+)/attachments/createUploadSession",
)
def _create_upload_session(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(user_ref(m))
    parent = m["parent"].lower()
    target: dict[str, Any]
    if parent == "messages":
        target = e.state.message(box, m["item"])
    else:
        target = e.state.event(box, m["item"]).data
    item = (call.body or {}).get("AttachmentItem") or {}
    size = int(item.get("size") or 0)
    if item.get("attachmentType", "file") != "file" or size <= 0:
        raise GraphFault(
            400, "ErrorInvalidRequest", "AttachmentItem needs attachmentType 'file' and a size."
        )
    if size > 150 * 1024 * 1024:
        raise GraphFault(400, "ErrorAttachmentSizeLimitExceeded", "The attachment exceeds 150 MB.")
    sid = secrets.token_urlsafe(12)
    expires = (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
    e.state.upload_sessions[sid] = {
        "item": dict(item),
        "size": size,
        "data": bytearray(),
        "target": target,
        "owner": box.owner_id,
        "parent": parent,
        "parent_id": m["item"],
        "expires": expires,
    }
    return json_reply(
        201,
        {
            "@odata.context": f"{call.root}/$metadata#microsoft.graph.uploadSession",
            "uploadUrl": f"{call.origin}/upload/{sid}?authtoken={secrets.token_urlsafe(16)}",
            "expirationDateTime": expires,
            "nextExpectedRanges": ["0-"],
        },
    )


def chunk_accepted(origin: str, session: Mapping[str, Any]) -> dict[str, Any]:
    """The 200 body for a chunk that is not the last, as documented for Outlook
    (outlook-large-attachments.md, "Example: first upload to the message"): the session's
    ``expirationDateTime`` and ``nextExpectedRanges`` holding the next byte's offset alone
    (``["2097152"]``, no ``-``: msgraph-core's Python upload task appends the ``-``).

    The documented example, answered by the Outlook REST endpoint, spells the keys
    PascalCase; Graph's global service answers camelCase (msgraph-sdk-dotnet#2092: SDKs
    reading only camelCase kept working there), which FakeGraph follows. The
    ``@odata.context`` mirrors the example's shape on FakeGraph's origin.
    """
    parent = "Messages" if session["parent"] == "messages" else "Events"
    return {
        "@odata.context": f"{origin}/api/v2.0/$metadata#Users('{session['owner']}')/"
        f"{parent}('{session['parent_id']}')/AttachmentSessions/$entity",
        "expirationDateTime": session["expires"],
        "nextExpectedRanges": [str(len(session["data"]))],
    }


@route("PUT", r"/upload/(?P<sid>[^/]+)", graph=False)
def _upload_chunk(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    """One ``Content-Range`` chunk; the last one stores the attachment (201 + Location).

    The upload URL is not Graph: its errors have no ``innerError``.
    """
    session = e.state.upload_sessions.get(m["sid"])
    if session is None:
        return bare_error_reply(404, "ErrorItemNotFound", "The upload session was not found.")
    rng = call.header("Content-Range") or ""
    match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", rng.strip())
    if match is None:
        return bare_error_reply(
            400, "ErrorInvalidRequest", "A valid Content-Range header is required."
        )
    first, last, total = (int(x) for x in match.groups())
    data: bytearray = session["data"]
    if first != len(data) or last - first + 1 != len(call.raw) or total != session["size"]:
        return bare_error_reply(
            416, "ErrorInvalidRange", "The Content-Range does not match the next expected range."
        )
    if len(call.raw) > 4 * 1024 * 1024:
        return bare_error_reply(413, "RequestEntityTooLarge", "Upload chunks must be 4 MB or less.")
    data.extend(call.raw)
    if len(data) < total:
        return json_reply(200, chunk_accepted(call.origin, session))
    item = session["item"]
    att = file_attachment(
        {
            "name": item.get("name"),
            "contentType": item.get("contentType", "application/octet-stream"),
            "contentBytes": base64.b64encode(bytes(data)).decode(),
            "isInline": item.get("isInline", False),
            "contentId": item.get("contentId"),
        }
    )
    target = session["target"]
    key = "attachments" if session["parent"] == "messages" else "_attachments"
    target.setdefault(key, []).append(att)
    target["hasAttachments"] = True
    del e.state.upload_sessions[m["sid"]]
    owner, parent = session["owner"], session["parent"]
    location = f"{call.origin}/v1.0/users('{owner}')/{parent}/attachments('{att['id']}')"
    return empty_reply(201, {"Location": location})


@route("DELETE", r"/upload/(?P<sid>[^/]+)", graph=False)
def _cancel_upload(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    e.state.upload_sessions.pop(m["sid"], None)
    return empty_reply(204)
