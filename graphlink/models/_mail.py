"""Mail messages."""

# gfield() is an attrs field specifier, not a shared default value.
# ruff: noqa: RUF009

from __future__ import annotations

from datetime import datetime

import attrs

from graphlink.models._base import GraphModel
from graphlink.models._common import Attachment, EmailAddress, ItemBody
from graphlink.models._enums import Importance
from graphlink.models._fields import gfield

__all__ = ["InternetMessageHeader", "Message"]


@attrs.frozen(kw_only=True)
class InternetMessageHeader(GraphModel):
    """A custom ``x-`` header of a message."""

    name: str | None = gfield()
    value: str | None = gfield()


@attrs.frozen(kw_only=True)
class Message(GraphModel):
    """A mail message (sendMail's ``message``, or one read from a mailbox).

    Recipients are [`EmailAddress`][graphlink.models.EmailAddress] values with their
    display names kept.
    """

    id: str | None = gfield(read_only=True)
    etag: str | None = gfield("@odata.etag", read_only=True)
    subject: str | None = gfield()
    body: ItemBody | None = gfield()
    body_preview: str | None = gfield(read_only=True)
    from_: EmailAddress | None = gfield("from", recipient=True)
    sender: EmailAddress | None = gfield(recipient=True)
    to_recipients: tuple[EmailAddress, ...] = gfield(factory=tuple, recipient=True)
    cc_recipients: tuple[EmailAddress, ...] = gfield(factory=tuple, recipient=True)
    bcc_recipients: tuple[EmailAddress, ...] = gfield(factory=tuple, recipient=True)
    reply_to: tuple[EmailAddress, ...] = gfield(factory=tuple, recipient=True)
    importance: Importance | None = gfield()
    internet_message_headers: tuple[InternetMessageHeader, ...] = gfield(factory=tuple)
    attachments: tuple[Attachment, ...] = gfield(factory=tuple)
    has_attachments: bool | None = gfield(read_only=True)
    categories: tuple[str, ...] = gfield(factory=tuple)
    is_read: bool | None = gfield()
    is_draft: bool | None = gfield(read_only=True)
    conversation_id: str | None = gfield(read_only=True)
    internet_message_id: str | None = gfield(read_only=True)
    web_link: str | None = gfield(read_only=True)
    change_key: str | None = gfield(read_only=True)
    created: datetime | None = gfield("createdDateTime", read_only=True, lenient=True)
    updated: datetime | None = gfield("lastModifiedDateTime", read_only=True, lenient=True)
    received: datetime | None = gfield("receivedDateTime", read_only=True, lenient=True)
    sent: datetime | None = gfield("sentDateTime", read_only=True, lenient=True)
