"""Cases an outside review found: empty HTML, MIME header injection, Sent Items, keys."""

from __future__ import annotations

import os

import httpx
import pytest
from mail_support import body_of

from graphlink import errors
from graphlink.models import Attachment
from graphlink.resources._mail import mail_plan, upload_chunks

SVC = "svc@contoso.com"


def test_an_empty_html_body_leaves_the_text(harness) -> None:
    h = harness(lambda r: httpx.Response(202), service_account=SVC)
    h.run(h.client.mail.send("ada@contoso.com", "Hi", message_plaintext="hi", message_html=""))
    assert body_of(h.requests[0])["message"]["body"] == {"contentType": "text", "content": "hi"}


@pytest.mark.parametrize(
    "attachment",
    [
        Attachment("a.png", b"x", "image/png", content_id="x\r\nBcc: evil@example.com"),
        Attachment("a.png", b"x", "image/png\r\nX-Evil: 1", content_id="qr"),
        Attachment("my photo.png", b"x", "image/png"),  # the name becomes the cid: refused
    ],
    ids=["crlf-content-id", "crlf-content-type", "space-in-default-content-id"],
)
def test_attachment_headers_are_checked_before_sending(harness, attachment) -> None:
    h = harness(lambda r: httpx.Response(202), service_account=SVC)
    with pytest.raises(errors.ValidationError):
        h.run(h.client.mail.send("ada@contoso.com", "Hi", resource_attachments=[attachment]))
    assert h.requests == []


def test_save_to_sent_items_false_is_refused_for_the_draft_route() -> None:
    big = Attachment("big.bin", os.urandom(3 * 1024 * 1024))
    with pytest.raises(errors.ValidationError, match=r"attachment of 3 MB or more.*Sent Items"):
        mail_plan(
            "ada@contoso.com",
            "Big",
            attachments=[big],
            save_to_sent_items=False,
            default_sender=SVC,
        )


def test_upload_chunks_count_against_the_senders_mailbox() -> None:
    chunks = upload_chunks(
        "Svc@Contoso.com",
        "https://outlook.office.com/api/v2.0/AttachmentSessions('x')?authtoken=t",
        Attachment("big.bin", b"x" * 10),
    )
    assert [c.spec.key for c in chunks] == ["mailbox:svc@contoso.com"]
