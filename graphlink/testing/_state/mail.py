"""Mail: messages accepted for delivery (``SentMail``), file attachments, upload sessions."""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from graphlink.testing._state.common import GraphFault, StateBase
from graphlink.testing._state.mailboxes import Mailbox

__all__ = ["MailState", "SentAttachment", "SentMail", "file_attachment"]


@attrs.frozen
class SentAttachment:
    """A file attachment of a sent message, decoded."""

    name: str
    content: bytes
    content_type: str | None = None
    is_inline: bool = False
    content_id: str | None = None


@attrs.frozen
class SentMail:
    """A message FakeGraph accepted for delivery (``sendMail`` or a draft's ``send``)."""

    sender: str
    subject: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    bcc: tuple[str, ...]
    body_type: str
    body: str
    attachments: tuple[SentAttachment, ...]
    message: dict[str, Any]
    save_to_sent_items: bool = True
    mime: bytes | None = None


def _addresses(recipients: Any) -> tuple[str, ...]:
    out = []
    for r in recipients or ():
        if isinstance(r, Mapping):
            addr = (r.get("emailAddress") or {}).get("address")
            if addr:
                out.append(str(addr))
    return tuple(out)


def _decode_b64(value: Any, what: str) -> bytes:
    try:
        return base64.b64decode(str(value or ""), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise GraphFault(400, "ErrorInvalidRequest", f"Invalid base64 string for {what}.") from exc


def file_attachment(body: Mapping[str, Any]) -> dict[str, Any]:
    """A stored attachment (of a message or an event) as Graph returns it: id, size..."""
    att = dict(body)
    att.setdefault("@odata.type", "#microsoft.graph.fileAttachment")
    att["id"] = "AAMkAtt" + secrets.token_urlsafe(12)
    att["lastModifiedDateTime"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    att.setdefault("isInline", False)
    content = att.get("contentBytes")
    att["size"] = len(base64.b64decode(content)) if isinstance(content, str) else 0
    return att


class MailState(StateBase):
    """Sent mail, oldest first, and the attachment upload sessions in progress."""

    def __init__(self, *, tenant_domain: str) -> None:
        super().__init__(tenant_domain=tenant_domain)
        self.sent_mail: list[SentMail] = []
        #: Upload sessions by id: the item, its size, the bytes so far and the target.
        self.upload_sessions: dict[str, dict[str, Any]] = {}

    def send_mail(self, box: Mailbox, message: Mapping[str, Any], *, save: bool = True) -> SentMail:
        """Accept a message for delivery and keep it in ``sent_mail``."""
        to = _addresses(message.get("toRecipients"))
        cc = _addresses(message.get("ccRecipients"))
        bcc = _addresses(message.get("bccRecipients"))
        if not (to or cc or bcc):
            raise GraphFault(
                400,
                "ErrorInvalidRecipients",
                "At least one recipient isn't valid., A message can't be sent because it "
                "contains no recipients.",
            )
        attachments = []
        for att in message.get("attachments") or ():
            kind = str(att.get("@odata.type", "")).lower()
            if "fileattachment" in kind:
                attachments.append(
                    SentAttachment(
                        name=str(att.get("name", "")),
                        content=_decode_b64(att.get("contentBytes"), "the attachment content"),
                        content_type=att.get("contentType"),
                        is_inline=bool(att.get("isInline", False)),
                        content_id=att.get("contentId"),
                    )
                )
        body = message.get("body") or {}
        sent = SentMail(
            sender=str(
                ((message.get("from") or {}).get("emailAddress") or {}).get("address")
                or box.address
            ),
            subject=str(message.get("subject") or ""),
            to=to,
            cc=cc,
            bcc=bcc,
            body_type=str(body.get("contentType", "text")).lower(),
            body=str(body.get("content", "")),
            attachments=tuple(attachments),
            message=dict(message),
            save_to_sent_items=save,
        )
        self.sent_mail.append(sent)
        return sent

    def send_mime(self, box: Mailbox, raw: bytes) -> SentMail:
        """sendMail with a base64 MIME body (``Content-Type: text/plain``)."""
        try:
            mime = base64.b64decode(b"".join(raw.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise GraphFault(
                400,
                "ErrorMimeContentInvalidBase64String",
                "Invalid base64 string for MIME content.",
            ) from exc
        import email

        parsed = email.message_from_bytes(mime)
        sent = SentMail(
            sender=str(parsed.get("From") or box.address),
            subject=str(parsed.get("Subject") or ""),
            to=tuple(a.strip() for a in str(parsed.get("To") or "").split(",") if a.strip()),
            cc=tuple(a.strip() for a in str(parsed.get("Cc") or "").split(",") if a.strip()),
            bcc=(),
            body_type="mime",
            body=mime.decode("utf-8", "replace"),
            attachments=(),
            message={},
            mime=mime,
        )
        self.sent_mail.append(sent)
        return sent
