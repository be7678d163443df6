"""Bad input to ``mail.send`` fails with a ``ValidationError`` naming the field, before
any request is sent (the transport records nothing)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from mail_support import ADA, SVC

from graphlink.errors import ValidationError
from graphlink.models import Attachment

GOOD: dict[str, Any] = {"to": ADA, "subject": "Hello", "message_plaintext": "x"}


def never(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"nothing should be sent, got {request.method} {request.url}")


CASES: list[tuple[str, dict[str, Any], str]] = [
    # (id, changes to GOOD, a pattern the message must contain: the field)
    ("to-not-an-address", {"to": "not-an-address"}, r"\bto\b"),
    ("to-no-domain", {"to": "ada@"}, r"\bto\b"),
    ("to-named-bad-address", {"to": "Ada <nope>"}, r"\bto\b"),
    ("to-pair-bad-address", {"to": ("Ada", "nope")}, r"\bto\b"),
    ("to-in-a-list", {"to": [ADA, "nope"]}, r"\bto\b"),
    ("to-not-a-string", {"to": [42]}, r"\bto\b"),
    ("cc-bad", {"cc": ["bob@contoso.com", "bob at contoso"]}, r"\bcc\b"),
    ("bcc-bad", {"bcc": "@contoso.com"}, r"\bbcc\b"),
    ("reply_to-bad", {"reply_to": "desk"}, r"\breply_to\b"),
    ("from_-bad", {"from_": "mailer"}, r"\bfrom_\b"),
    ("from_-list-bad", {"from_": ["mailer", SVC]}, r"\bfrom_\b"),
    ("no-recipients-empty", {"to": ()}, r"recipient"),
    ("no-recipients-none", {"to": None}, r"recipient"),
    ("no-recipients-all-empty", {"to": [], "cc": [], "bcc": []}, r"recipient"),
    ("subject-crlf", {"subject": "Hi\r\nBcc: eve@evil.example"}, r"\bsubject\b"),
    ("subject-lf", {"subject": "Hi\nthere"}, r"\bsubject\b"),
    ("subject-cr", {"subject": "Hi\rthere"}, r"\bsubject\b"),
    ("subject-not-a-string", {"subject": None}, r"\bsubject\b"),
    ("name-crlf-pair", {"to": ("Ada\r\nX-Injected: yes", ADA)}, r"\bto\b.*display name"),
    ("name-lf-pair-cc", {"cc": [("Bob\nX", "bob@contoso.com")]}, r"\bcc\b.*display name"),
    ("name-lf-inside", {"to": "Ada\nLovelace <ada@contoso.com>"}, r"\bto\b"),
    ("name-crlf-quoted", {"to": '"Ada\r\nBcc: eve@evil.example" <ada@contoso.com>'}, r"\bto\b"),
    ("name-crlf-reply_to", {"reply_to": ("Desk\r\n", "desk@contoso.com")}, r"\breply_to\b"),
    ("attachment-a-string", {"attachments": ["notes.txt"]}, r"attachment"),
    ("attachment-bytes", {"attachments": [b"raw bytes"]}, r"attachment"),
    ("attachment-a-dict", {"attachments": [{"name": "a.txt", "content": b"x"}]}, r"attachment"),
    ("resource-not-attachment", {"resource_attachments": ["qr.png"]}, r"resource attachment"),
    ("attachment-no-bytes", {"attachments": [Attachment("a.txt")]}, r"attachment.*bytes"),
    ("attachment-text-content", {"attachments": [Attachment("a.txt", "text")]}, r"bytes"),
    ("resource-no-bytes", {"resource_attachments": [Attachment("qr.png")]}, r"bytes"),
    ("attachment-no-name", {"attachments": [Attachment(None, b"x")]}, r"name"),
    ("attachment-name-crlf", {"attachments": [Attachment("a\r\n.txt", b"x")]}, r"name"),
    ("save-string", {"save_to_sent_items": "false"}, r"save_to_sent_items"),
    ("save-int", {"save_to_sent_items": 0}, r"save_to_sent_items"),
    ("save-none", {"save_to_sent_items": None}, r"save_to_sent_items"),
    ("html-not-a-string", {"message_html": b"<p>"}, r"message_html"),
    ("text-not-a-string", {"message_plaintext": 3}, r"message_plaintext"),
]


@pytest.mark.parametrize(("changes", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_before_any_request(harness, changes: dict, field: str) -> None:
    h = harness(never, service_account=SVC)
    kwargs = {**GOOD, **changes}
    to, subject = kwargs.pop("to"), kwargs.pop("subject")
    with pytest.raises(ValidationError) as caught:
        h.run(h.client.mail.send(to, subject, **kwargs))
    assert re.search(field, str(caught.value), re.DOTALL), str(caught.value)
    assert h.requests == []


def test_no_sender_at_all_is_refused_before_any_request(harness) -> None:
    h = harness(never)  # neither service_account nor mailer_from
    with pytest.raises(ValidationError, match="from_") as caught:
        h.run(h.client.mail.send(ADA, "Hello", message_plaintext="x"))
    assert "sender" in str(caught.value)
    assert h.requests == []


def test_an_empty_from_list_without_a_default_is_refused(harness) -> None:
    h = harness(never)
    with pytest.raises(ValidationError, match="sender"):
        h.run(h.client.mail.send(ADA, "Hello", message_plaintext="x", from_=[]))
    assert h.requests == []


@pytest.mark.parametrize(
    "to",
    ["Ada\r\n <ada@contoso.com>", "Ada\n <ada@contoso.com>", "Ada\r <ada@contoso.com>"],
    ids=["crlf", "lf", "cr"],
)
def test_a_line_break_anywhere_in_a_display_name_is_refused(harness, to: str) -> None:
    # email-validator trims a trailing CR/LF off the name: graphlink must look first.
    h = harness(never, service_account=SVC)
    with pytest.raises(ValidationError, match=r"\bto\b"):
        h.run(h.client.mail.send(to, "Hello", message_plaintext="x"))
    assert h.requests == []
