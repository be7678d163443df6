"""Mail routes: ``sendMail`` (JSON or MIME), drafts, their attachments and ``send``."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graphlink.testing._conventions import missing_parameters
from graphlink.testing._routes._collections import ATTACHMENT, collection
from graphlink.testing._routes._table import USER, refuse_over_4_mb, route, user_ref
from graphlink.testing._state import Mailbox, file_attachment
from graphlink.testing._wire import Call, Reply, empty_reply, json_reply

if TYPE_CHECKING:
    from graphlink.testing._engine import Engine


@route("POST", USER + r"/sendMail")
def _send_mail(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(user_ref(m))
    refuse_over_4_mb(call)
    content_type = (call.header("Content-Type") or "").lower()
    if content_type.startswith("text/plain"):
        e.state.send_mime(box, call.raw)
        return empty_reply(202)
    body = call.body if isinstance(call.body, Mapping) else {}
    message = body.get("message")
    if not isinstance(message, Mapping):
        raise missing_parameters("SendMail", ["Message"])
    save = body.get("saveToSentItems", True)
    e.state.send_mail(box, message, save=save is not False and save != "false")
    return empty_reply(202)


@route("POST", USER + r"/messages")
def _create_draft(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box = e.state.mailbox(user_ref(m))
    mid = "AAMkMsg" + secrets.token_urlsafe(16)
    msg = {"id": mid, "isDraft": True, "hasAttachments": False, **(call.body or {})}
    msg["id"] = mid
    msg.setdefault("attachments", [])
    box.messages[mid] = msg
    return json_reply(
        201,
        {
            "@odata.context": f"{call.root}/$metadata#users('{box.owner_id}')/messages/$entity",
            **{k: v for k, v in msg.items() if k != "attachments"},
        },
    )


def _message(e: Engine, m: re.Match[str]) -> tuple[Mailbox, dict[str, Any]]:
    box = e.state.mailbox(user_ref(m))
    return box, e.state.message(box, m["msg"])


@route("POST", USER + r"/messages/(?P<msg>[^/]+)/attachments")
def _add_message_attachment(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    refuse_over_4_mb(call)
    _box, msg = _message(e, m)
    att = file_attachment(call.body or {})
    msg["attachments"].append(att)
    msg["hasAttachments"] = True
    return json_reply(201, att)


@route("GET", USER + r"/messages/(?P<msg>[^/]+)/attachments")
def _list_message_attachments(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    _box, msg = _message(e, m)
    return collection(
        call, msg["attachments"], kind="outlook", context="attachments", entity=ATTACHMENT
    )


@route("POST", USER + r"/messages/(?P<msg>[^/]+)/send")
def _send_draft(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    box, msg = _message(e, m)
    e.state.send_mail(box, msg)
    del box.messages[msg["id"]]
    return empty_reply(202)
