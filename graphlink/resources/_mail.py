"""Mail as data: recipients, bodies, attachments, and the calls that send them (pure).

A message that fits Graph's 4 MB request limit goes in one ``sendMail``. A larger one goes
the long way Graph documents: a draft, its attachments (those of 3 MB or more through an
upload session, in chunks), then ``send``. Each step is a separate ``Operation``; the
facade runs them in order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from graphlink._core import parse
from graphlink._core.addresses import recipient
from graphlink._core.paths import has_breaks, path, segment
from graphlink._core.request import Listing, Operation, RequestSpec
from graphlink.errors import GraphAPIError, GraphError, ValidationError
from graphlink.models import Attachment
from graphlink.resources._directory import check_flag

__all__ = [
    "CHUNK",
    "REQUEST_LIMIT",
    "UPLOAD_AT",
    "MailPlan",
    "attachment_add",
    "check_content_id",
    "draft_create",
    "draft_send",
    "mail_plan",
    "send_mail",
    "upload_chunks",
    "upload_session",
]

#: Graph refuses a request body over about 4 MB (decimal, to be safe).
REQUEST_LIMIT = 4_000_000
#: Attachments of 3 MB or more must go through an upload session (Graph's rule).
UPLOAD_AT = 3 * 1024 * 1024
#: Upload chunk size: at most 4 MiB, and a multiple of 320 KiB (12 x 320 KiB = 3.75 MiB).
CHUNK = 12 * 320 * 1024

_SENT = "the mail may have been sent: check the sender's Sent Items before sending it again"
_DRAFT = "a draft may have been left in the sender's Drafts (the mail was not sent)"


# ---------------------------------------------------------------- argument checks


def recipients(value: object, what: str) -> list[dict[str, Any]]:
    """Graph recipients from one address or a list (``"addr"``, ``"Name <addr>"``, pairs)."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) or _is_pair(value) else value
    if not isinstance(items, Iterable):
        raise ValidationError(f"{what} must be an address or a list of addresses, not {value!r}")
    out = []
    for item in items:
        name, address = recipient(item, what)
        email: dict[str, Any] = {"address": address}
        if name:
            email["name"] = name
        out.append({"emailAddress": email})
    return out


def _is_pair(value: object) -> bool:
    """A ``(name, address)`` pair, rather than a tuple of addresses.

    Two strings whose first holds an ``@`` could be either, and reading them wrong adds or
    loses a recipient (a display name taken from a form becomes an address): refused.
    """
    if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], str)):
        return False
    name = value[0]
    if isinstance(name, str) and "@" in name:
        raise ValidationError(
            f"ambiguous recipient {value!r}: a (name, address) pair whose name holds '@', or "
            "two addresses? Give several addresses as a list, and a display name without '@'"
        )
    return name is None or isinstance(name, str)


def _attachment(value: object, *, inline: bool) -> Attachment:
    what = "a resource attachment" if inline else "an attachment"
    if not isinstance(value, Attachment):
        raise ValidationError(f"{what} must be a graphlink.models.Attachment, not {value!r}")
    if not isinstance(value.name, str) or not value.name.strip():
        raise ValidationError(f"{what} needs a name")
    if has_breaks(value.name):
        raise ValidationError(f"{what}'s name must not contain CR, LF or NUL")
    if not isinstance(value.content, bytes):
        raise ValidationError(f"{what} ({value.name!r}) needs its content as bytes")
    if value.content_type is not None and (
        not isinstance(value.content_type, str) or has_breaks(value.content_type)
    ):
        raise ValidationError(f"{what}'s content_type must be a single-line string")
    if value.content_id is not None:
        check_content_id(value.content_id)
    if inline:
        # Inline: shown where the HTML says cid:<content_id> (the name when none is given).
        content_id = value.content_id or check_content_id(value.name, from_name=True)
        return attrs.evolve(value, is_inline=True, content_id=content_id)
    return value


def check_content_id(value: object, *, from_name: bool = False) -> str:
    """A Content-ID an HTML body can refer to as ``cid:<id>``: printable, no whitespace,
    no ``<`` or ``>`` (it becomes a MIME header)."""
    if (
        not isinstance(value, str)
        or not value
        or not value.isprintable()
        or any(c.isspace() or c in "<>" for c in value)
    ):
        hint = " (an inline attachment's name is its Content-ID unless you give one)"
        raise ValidationError(
            "content_id must be a non-empty string without whitespace, control characters, "
            f"'<' or '>', not {value!r}{hint if from_name else ''}"
        )
    return value


def _attachments(values: object, *, inline: bool) -> list[Attachment]:
    if values is None:
        return []
    if isinstance(values, Attachment):
        values = [values]
    if not isinstance(values, Iterable):
        raise ValidationError(f"attachments must be a list of Attachments, not {values!r}")
    return [_attachment(v, inline=inline) for v in values]


def _sender(from_: object, default: str | None) -> str:
    """``from_`` (the first, if a list), else the client's ``mailer_from``/``service_account``.

    A ``(name, address)`` pair is read as for recipients; any other list or tuple is the
    driver's ``from`` array.
    """
    if isinstance(from_, list | tuple) and not _is_pair(from_):
        from_ = from_[0] if from_ else None
    if from_ is None:
        if default is None:
            raise ValidationError(
                "no sender: pass from_=, or build the client with mailer_from= or service_account="
            )
        from_ = default
    return recipient(from_, "from_")[1]


def _file(attachment: Attachment) -> dict[str, Any]:
    return attachment.to_graph()


# ---------------------------------------------------------------- the plan


@attrs.frozen
class MailPlan:
    """A checked message and how it will travel.

    Attributes:
        sender: The mailbox that sends (``/users/{sender}/sendMail``).
        message: Graph's message JSON, without the attachments listed below.
        attachments: Attachments small enough to travel in a request body.
        large: Attachments that need an upload session (3 MB or more).
        save_to_sent_items: Keep a copy in the sender's Sent Items.
        direct: True when everything fits in one ``sendMail`` request.
    """

    sender: str
    message: dict[str, Any]
    attachments: tuple[Attachment, ...]
    large: tuple[Attachment, ...]
    save_to_sent_items: bool
    direct: bool


def mail_plan(
    to: object,
    subject: object,
    *,
    message_plaintext: object = None,
    message_html: object = None,
    resource_attachments: object = (),
    attachments: object = (),
    cc: object = (),
    bcc: object = (),
    from_: object = None,
    reply_to: object = None,
    save_to_sent_items: object = True,
    default_sender: str | None = None,
) -> MailPlan:
    """Check a message (a ``ValidationError`` naming the field before any request) and plan
    its sending: one ``sendMail`` when it fits 4 MB, else the draft route."""
    if not isinstance(subject, str):
        raise ValidationError(f"subject must be a string, not {subject!r}")
    if has_breaks(subject):
        raise ValidationError("subject must not contain CR, LF or NUL (a header injection)")
    for name, body in (("message_plaintext", message_plaintext), ("message_html", message_html)):
        if body is not None and not isinstance(body, str):
            raise ValidationError(f"{name} must be a string, not {body!r}")
    save = check_flag(save_to_sent_items, "save_to_sent_items")
    sender = _sender(from_, default_sender)
    message: dict[str, Any] = {"subject": subject}
    if message_html:  # the driver's rule: a (non-empty) HTML body wins over the text
        message["body"] = {"contentType": "html", "content": message_html}
    else:
        message["body"] = {"contentType": "text", "content": message_plaintext or ""}
    for key, value, what in (
        ("toRecipients", to, "to"),
        ("ccRecipients", cc, "cc"),
        ("bccRecipients", bcc, "bcc"),
        ("replyTo", reply_to, "reply_to"),
    ):
        found = recipients(value, what)
        if found:
            message[key] = found
    if not any(k in message for k in ("toRecipients", "ccRecipients", "bccRecipients")):
        raise ValidationError("a mail needs at least one recipient (to, cc or bcc)")
    files = _attachments(resource_attachments, inline=True)
    files += _attachments(attachments, inline=False)
    large = tuple(a for a in files if _needs_upload(a))
    small = tuple(a for a in files if not _needs_upload(a))
    whole = {**message, "attachments": [_file(a) for a in small]}
    direct = not large and _size({"message": whole}) <= REQUEST_LIMIT
    if not direct and not save:
        raise ValidationError(
            "save_to_sent_items=False cannot be honoured for a message over 4 MB or with "
            "an attachment of 3 MB or more: Graph's draft route, which such a message "
            "takes, always keeps a copy in Sent Items"
        )
    return MailPlan(sender, message, small, large, save, direct)


def _needs_upload(attachment: Attachment) -> bool:
    """3 MB or more (Graph's rule), or too big to POST on its own once Base64-encoded."""
    raw = len(attachment.content or b"")
    return raw >= UPLOAD_AT or _size(_file(attachment)) > REQUEST_LIMIT


def _size(body: Mapping[str, Any]) -> int:
    return len(json.dumps(body, ensure_ascii=False).encode())


# ---------------------------------------------------------------- the calls


def send_mail(plan: MailPlan) -> Operation[None]:
    """``POST /users/{sender}/sendMail``: retried only when Graph provably did not act."""
    message = {**plan.message}
    if plan.attachments:
        message["attachments"] = [_file(a) for a in plan.attachments]
    spec = RequestSpec(
        method="POST",
        url=path("users", segment(plan.sender), "sendMail"),
        json={"message": message, "saveToSentItems": plan.save_to_sent_items},
        effect=_SENT,
    )
    return Operation(spec=spec, parse=parse.nothing)


def draft_create(plan: MailPlan) -> Operation[str]:
    """``POST /users/{sender}/messages``: the draft (recipients, subject, body); its id."""
    spec = RequestSpec(
        method="POST",
        url=path("users", segment(plan.sender), "messages"),
        json=plan.message,
        effect=_DRAFT,
    )

    def read(body: Any) -> str:
        if not isinstance(body, Mapping) or not isinstance(body.get("id"), str):
            raise parse.invalid("draft", "it has no id")
        return str(body["id"])

    return Operation(spec=spec, parse=read)


def attachment_add(sender: str, message_id: str, attachment: Attachment) -> Operation[None]:
    """``POST /users/{sender}/messages/{id}/attachments``: one attachment under 3 MB."""
    spec = RequestSpec(
        method="POST",
        url=path("users", segment(sender), "messages", segment(message_id), "attachments"),
        json=_file(attachment),
        effect=f"the attachment {attachment.name!r} may have been added to the draft",
    )
    return Operation(spec=spec, parse=parse.nothing)


def upload_session(sender: str, message_id: str, attachment: Attachment) -> Operation[str]:
    """``POST .../attachments/createUploadSession``: where to upload a large attachment."""
    item: dict[str, Any] = {
        "attachmentType": "file",
        "name": attachment.name,
        "size": len(attachment.content or b""),
    }
    if attachment.content_type:
        item["contentType"] = attachment.content_type
    if attachment.is_inline:
        item["isInline"] = True
        item["contentId"] = attachment.content_id
    url = path(
        "users",
        segment(sender),
        "messages",
        segment(message_id),
        "attachments",
        "createUploadSession",
    )
    # A second session for the same file is harmless (an unused session expires).
    spec = RequestSpec(method="POST", url=url, json={"AttachmentItem": item}, idempotent=True)

    def read(body: Any) -> str:
        if not isinstance(body, Mapping) or not isinstance(body.get("uploadUrl"), str):
            raise parse.invalid("upload session", "it has no uploadUrl")
        return str(body["uploadUrl"])

    return Operation(spec=spec, parse=read)


def upload_chunks(sender: str, upload_url: str, attachment: Attachment) -> list[Operation[None]]:
    """The ``PUT``s of an attachment's bytes to its upload URL, each with its exact
    ``Content-Range``; the URL is pre-authenticated, so no token is sent there. They count
    against the sender's mailbox (Outlook's upload budget is per mailbox)."""
    content = attachment.content or b""
    total = len(content)
    calls = []
    for first in range(0, total, CHUNK):
        chunk = content[first : first + CHUNK]
        last = first + len(chunk) - 1
        spec = RequestSpec(
            method="PUT",
            url=upload_url,
            content=chunk,
            headers={
                "Content-Type": "application/octet-stream",
                "Content-Range": f"bytes {first}-{last}/{total}",
            },
            anonymous=True,
            key="mailbox:" + sender.lower(),
        )
        calls.append(Operation(spec=spec, parse=parse.nothing))
    return calls


def stored_before(error: GraphError, *, last: bool) -> bool:
    """Whether a chunk's error only says an earlier attempt of it was stored.

    A chunk whose answer was lost (a read timeout after the server took it) is sent again;
    the upload URL then refuses it: 416 for a middle chunk (it expects the next range), 404
    for the last one (the session closed when the attachment was complete). Only after an
    attempt that may have been processed (``maybe_processed``). Graph documents no status
    request for Outlook upload URLs, so a wrong guess shows at once: the next chunk is
    refused, and after the last chunk the draft's attachments are checked.
    """
    return (
        error.maybe_processed
        and isinstance(error, GraphAPIError)
        and error.status_code == (404 if last else 416)
    )


def attachments_of(sender: str, message_id: str) -> Listing[Any]:
    """``GET /users/{sender}/messages/{id}/attachments``: names and sizes, as Graph sends them."""
    spec = RequestSpec(
        method="GET",
        url=path("users", segment(sender), "messages", segment(message_id), "attachments"),
        params=(("$select", "name,size"),),
    )
    return Listing(spec=spec, parse_items=parse.raw_items)


def has_attachment(found: Iterable[Any], added: Sequence[Attachment]) -> bool:
    """Whether ``found`` (a draft's attachments) holds the last of ``added`` (everything
    added to the draft so far, in order): as many of its name and size as were added, so
    an earlier namesake does not stand in for it."""
    last = added[-1]

    def key(name: object, size: object) -> tuple[object, object]:
        return name, size

    wanted = key(last.name, len(last.content or b""))
    need = sum(1 for a in added if key(a.name, len(a.content or b"")) == wanted)
    have = sum(
        1 for a in found if isinstance(a, Mapping) and key(a.get("name"), a.get("size")) == wanted
    )
    return have >= need


def draft_send(sender: str, message_id: str) -> Operation[None]:
    """``POST /users/{sender}/messages/{id}/send``: like ``sendMail``, never sent twice."""
    spec = RequestSpec(
        method="POST",
        url=path("users", segment(sender), "messages", segment(message_id), "send"),
        effect=_SENT,
    )
    return Operation(spec=spec, parse=parse.nothing)
