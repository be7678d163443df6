"""What ``mail.send`` puts on the wire, checked against Microsoft's documented sendMail
and attachment examples: the message's shape, recipients (names kept), the body type, the
``saveToSentItems`` flag, file and inline attachments, and the sender's path."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from examples import example
from mail_support import ADA, BOB, MAILER, SVC, accepted, body_of, graph_path, lower_values

from graphlink import errors
from graphlink.models import Attachment


def sent(h) -> tuple[httpx.Request, dict]:
    """The one request the client sent, and its JSON body."""
    (request,) = h.requests
    return request, body_of(request)


def send(h, *args, **kwargs):
    return h.run(h.client.mail.send(*args, **kwargs))


# ------------------------------------------------------------------ documented examples


def test_a_text_mail_with_a_file_attachment_is_the_documented_sendmail(harness) -> None:
    documented = example("user-sendmail__03__user-sendmail-with-attachment")
    message = documented["request_body"]["message"]
    (file,) = message["attachments"]
    h = harness(accepted, service_account=SVC)
    result = send(
        h,
        message["toRecipients"][0]["emailAddress"]["address"],
        message["subject"],
        message_plaintext=message["body"]["content"],
        attachments=[
            Attachment(file["name"], base64.b64decode(file["contentBytes"]), file["contentType"])
        ],
    )
    assert result is None  # 202 Accepted, no body
    request, body = sent(h)
    assert request.method == documented["method"] == "POST"
    assert graph_path(request) == f"/users/{SVC}/sendMail"
    assert documented["url"].endswith("/sendMail")
    assert request.headers["Content-Type"] == "application/json"
    # The documented message exactly (the docs write "Text"; Graph reads it loosely).
    assert lower_values(body["message"], "contentType") == lower_values(message, "contentType")
    assert body["saveToSentItems"] is True


def test_an_html_mail_is_the_documented_sendmail(harness) -> None:
    documented = example("user-sendmail__02__user-sendmail-with-headers")
    message = documented["request_body"]["message"]
    address = message["toRecipients"][0]["emailAddress"]["address"]
    h = harness(accepted, service_account=SVC)
    send(h, address, message["subject"], message_html=message["body"]["content"])
    _, body = sent(h)
    expected = {k: v for k, v in message.items() if k != "internetMessageHeaders"}
    assert body["message"] == {
        **expected,
        "body": {"contentType": "html", "content": "The group represents Nevada."},
    }
    # The address exactly as given (the docs' mixed case), not a normalised form.
    assert body["message"]["toRecipients"][0]["emailAddress"]["address"] == address


def test_a_file_attachment_has_the_documented_attachment_shape(harness) -> None:
    documented = example("event-post-attachments__01__create-file-attachment-from-event-v1")
    stored = documented["response_body"]
    content = base64.b64decode(stored["contentBytes"])
    h = harness(accepted, service_account=SVC)
    send(
        h,
        ADA,
        "Menu",
        attachments=[Attachment(stored["name"], content, stored["contentType"])],
    )
    _, body = sent(h)
    (attachment,) = body["message"]["attachments"]
    assert attachment == {
        "@odata.type": documented["request_body"]["@odata.type"],
        "name": "menu.txt",
        "contentType": "text/plain",
        "contentBytes": stored["contentBytes"],
    }
    assert "isInline" not in attachment
    assert "contentId" not in attachment


# ------------------------------------------------------------------ bodies


def test_html_wins_when_both_bodies_are_given(harness) -> None:
    h = harness(accepted, service_account=SVC)
    send(h, ADA, "Both", message_plaintext="plain words", message_html="<p>rich words</p>")
    _, body = sent(h)
    assert body["message"]["body"] == {"contentType": "html", "content": "<p>rich words</p>"}
    assert "plain words" not in json.dumps(body)


def test_a_text_body_is_sent_as_text(harness) -> None:
    h = harness(accepted, service_account=SVC)
    send(h, ADA, "Plain", message_plaintext="<b>not markup</b>")
    _, body = sent(h)
    assert body["message"]["body"] == {"contentType": "text", "content": "<b>not markup</b>"}


def test_the_whole_message_shape(harness) -> None:
    h = harness(accepted, service_account=SVC)
    send(
        h,
        ["Ada Lovelace <ada@contoso.com>", BOB],
        "Visitor for you",
        message_html="<p>Hi</p>",
        cc=("Carol", "carol@contoso.com"),
        bcc="audit@contoso.com",
        reply_to="Front Desk <desk@contoso.com>",
    )
    request, body = sent(h)
    assert graph_path(request) == f"/users/{SVC}/sendMail"
    assert body == {
        "message": {
            "subject": "Visitor for you",
            "body": {"contentType": "html", "content": "<p>Hi</p>"},
            "toRecipients": [
                {"emailAddress": {"address": ADA, "name": "Ada Lovelace"}},
                {"emailAddress": {"address": BOB}},
            ],
            "ccRecipients": [{"emailAddress": {"address": "carol@contoso.com", "name": "Carol"}}],
            "bccRecipients": [{"emailAddress": {"address": "audit@contoso.com"}}],
            "replyTo": [{"emailAddress": {"address": "desk@contoso.com", "name": "Front Desk"}}],
        },
        "saveToSentItems": True,
    }


@pytest.mark.parametrize("flag", [True, False])
def test_save_to_sent_items_is_a_json_boolean(harness, flag: bool) -> None:
    h = harness(accepted, service_account=SVC)
    send(h, ADA, "Flag", message_plaintext="x", save_to_sent_items=flag)
    request, body = sent(h)
    assert body["saveToSentItems"] is flag
    # Not the docs' string "false" (a known doc bug): a real JSON literal on the wire.
    assert f'"saveToSentItems":{str(flag).lower()}' in request.content.decode().replace(" ", "")


def test_inline_resource_attachments_carry_is_inline_and_content_id(harness) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
    h = harness(accepted, service_account=SVC)
    send(
        h,
        ADA,
        "QR",
        message_html='<img src="cid:qr"><img src="cid:logo.png">',
        resource_attachments=[
            Attachment("qr.png", png, "image/png", content_id="qr"),
            Attachment("logo.png", b"logo", "image/png"),  # content_id defaults to the name
        ],
        attachments=[Attachment("notes.txt", b"Hello World!", "text/plain")],
    )
    _, body = sent(h)
    by_name = {a["name"]: a for a in body["message"]["attachments"]}
    assert set(by_name) == {"qr.png", "logo.png", "notes.txt"}
    for attachment in by_name.values():
        assert attachment["@odata.type"] == "#microsoft.graph.fileAttachment"
    assert by_name["qr.png"]["isInline"] is True
    assert by_name["qr.png"]["contentId"] == "qr"
    assert base64.b64decode(by_name["qr.png"]["contentBytes"], validate=True) == png
    assert by_name["logo.png"]["isInline"] is True
    assert by_name["logo.png"]["contentId"] == "logo.png"
    assert by_name["notes.txt"].get("isInline", False) is False
    assert by_name["notes.txt"]["contentBytes"] == "SGVsbG8gV29ybGQh"


# ------------------------------------------------------------------ the sender


@pytest.mark.parametrize(
    ("client_kwargs", "from_", "sender"),
    [
        ({"service_account": SVC}, None, SVC),
        ({"service_account": SVC, "mailer_from": MAILER}, None, MAILER),
        ({"mailer_from": MAILER}, None, MAILER),
        ({"service_account": SVC, "mailer_from": MAILER}, BOB, BOB),
        ({"service_account": SVC}, [BOB, ADA], BOB),
        ({"service_account": SVC}, "Bob Builder <bob@contoso.com>", BOB),
        ({"service_account": SVC}, ("Bob Builder", BOB), BOB),
        ({"service_account": SVC}, [], SVC),
    ],
    ids=[
        "service_account",
        "mailer_from-wins",
        "mailer_from-only",
        "from_",
        "from_-list-first",
        "from_-named",
        "from_-pair",
        "from_-empty-list",
    ],
)
def test_the_sender_is_from_then_mailer_from_then_service_account(
    harness, client_kwargs: dict, from_: object, sender: str
) -> None:
    h = harness(accepted, **client_kwargs)
    send(h, ADA, "Who sends", message_plaintext="x", from_=from_)
    request, _ = sent(h)
    assert request.method == "POST"
    assert graph_path(request) == f"/users/{sender}/sendMail"


# ------------------------------------------------------------------ recipients


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        (ADA, [(None, ADA)]),
        ("Ada Lovelace <ada@contoso.com>", [("Ada Lovelace", ADA)]),
        ('"Lovelace, Ada" <ada@contoso.com>', [("Lovelace, Ada", ADA)]),
        ("<ada@contoso.com>", [(None, ADA)]),
        (("Ada Lovelace", ADA), [("Ada Lovelace", ADA)]),
        ((None, ADA), [(None, ADA)]),
        (
            [ADA, "Bob Builder <bob@contoso.com>", ("Carol", "carol@contoso.com")],
            [(None, ADA), ("Bob Builder", BOB), ("Carol", "carol@contoso.com")],
        ),
        ([("Ada Lovelace", ADA), ("Bob", BOB)], [("Ada Lovelace", ADA), ("Bob", BOB)]),
        (("Ada@Contoso.com",), [(None, "Ada@Contoso.com")]),
    ],
    ids=[
        "addr",
        "name-addr",
        "quoted-name",
        "angle-only",
        "pair",
        "pair-no-name",
        "mixed-list",
        "list-of-pairs",
        "one-tuple-case-kept",
    ],
)
def test_recipients_in_every_accepted_form(harness, to: object, expected: list) -> None:
    h = harness(accepted, service_account=SVC)
    send(h, to, "Recipients", message_plaintext="x", cc=to, bcc=to, reply_to=to)
    _, body = sent(h)
    message = body["message"]
    for key in ("toRecipients", "ccRecipients", "bccRecipients", "replyTo"):
        got = [(r["emailAddress"].get("name"), r["emailAddress"]["address"]) for r in message[key]]
        assert got == expected, key
        for r in message[key]:
            assert set(r) == {"emailAddress"}
            assert set(r["emailAddress"]) <= {"name", "address"}


def test_only_cc_or_bcc_is_enough(harness) -> None:
    h = harness(accepted, service_account=SVC)
    send(h, (), "Blind", message_plaintext="x", bcc=ADA)
    _, body = sent(h)
    assert body["message"]["bccRecipients"] == [{"emailAddress": {"address": ADA}}]
    assert "toRecipients" not in body["message"]


@pytest.mark.parametrize(
    "name",
    ["José García", "山田 太郎", "Dr. Ada Lovelace"],
    ids=["accents", "cjk", "dotted"],
)
def test_a_real_persons_name_is_kept_in_the_name_addr_form(harness, name: str) -> None:
    h = harness(accepted, service_account=SVC)
    send(h, f"{name} <ada@contoso.com>", "Names", message_plaintext="x")
    _, body = sent(h)
    assert body["message"]["toRecipients"] == [{"emailAddress": {"address": ADA, "name": name}}]


@pytest.mark.parametrize("field", ["to", "from_"])
def test_two_addresses_in_a_tuple_are_refused_as_ambiguous(harness, field: str) -> None:
    # (name, address) or two addresses? A display name from a form that is an address
    # would become a recipient (or the sender): refused before sending, lists are plain.
    h = harness(accepted, service_account=SVC)
    to, extra = ((ADA, BOB), {}) if field == "to" else (ADA, {"from_": (MAILER, SVC)})
    with pytest.raises(errors.ValidationError, match="ambiguous"):
        send(h, to, "Which", message_plaintext="x", **extra)
    assert h.requests == []


def test_a_tuple_of_senders_sends_from_the_first(harness) -> None:
    h = harness(accepted, service_account=SVC)
    send(h, ADA, "Who sends", message_plaintext="x", from_=(MAILER, SVC, ADA))
    request, _ = sent(h)
    assert graph_path(request) == f"/users/{MAILER}/sendMail"
