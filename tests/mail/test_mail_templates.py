"""``mail.send_template`` against FakeGraph: the client's ``email_templates``, both ways of
naming a template, ``%{key}`` substitution, HTML escaping (subject and text left as they
are), a missing template, a template without a subject, attachments passed through."""

from __future__ import annotations

import base64

import pytest
from mail_support import ADA, BOB, MAILER, SVC, office

from graphlink import AsyncGraphClient, GraphClient, qr, templates
from graphlink.errors import TemplateNotFound, ValidationError
from graphlink.models import Attachment
from graphlink.testing import FakeGraph

TEMPLATES = {
    "visitor": {
        "checkin": {
            "subject": "%{name} has arrived",
            "text": "%{name} is at reception (%{company}).",
            "html": '<p><b>%{name}</b> from %{company} is at reception.</p><img src="cid:qr">',
        },
        "plain": {"subject": "%{name} is here", "text": "Visitor: %{name} & co <%{company}>"},
        "fragment": {"subject": "Badge", "html": "<div>%{badge}</div>"},
    },
    "desk.booking": {"confirmed": {"subject": "Desk %{desk} booked for %{when}"}},
}
VISITOR = {"name": "Ada Lovelace", "company": "Analytical Engines"}
EVIL = "<script>alert('x')</script>"


def sent_subjects(fake: FakeGraph) -> list[str]:
    return [m.subject for m in fake.sent_mail]


@pytest.mark.parametrize(
    "name", [("visitor", "checkin"), "visitor.checkin"], ids=["tuple", "dotted"]
)
def test_a_template_is_found_by_tuple_or_dotted_name(on_fake, name) -> None:
    fake = office()
    run = on_fake(fake, email_templates=TEMPLATES)
    run.send_template(ADA, name, VISITOR)
    (mail,) = fake.sent_mail
    assert [r.path for r in fake.requests] == [f"/users/{SVC}/sendMail"]
    assert mail.to == (ADA,)
    assert mail.subject == "Ada Lovelace has arrived"
    # HTML wins over text, as in send().
    assert mail.body_type == "html"
    assert mail.body == (
        '<p><b>Ada Lovelace</b> from Analytical Engines is at reception.</p><img src="cid:qr">'
    )


def test_values_are_escaped_in_html_only(on_fake) -> None:
    fake = office()
    run = on_fake(fake, email_templates=TEMPLATES)
    run.send_template(ADA, "visitor.checkin", {"name": EVIL, "company": 'A&B "Ltd"'})
    (mail,) = fake.sent_mail
    assert "<script>" not in mail.body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in mail.body
    assert "A&amp;B &quot;Ltd&quot;" in mail.body
    assert mail.body.startswith("<p><b>")
    assert mail.body.endswith('<img src="cid:qr">')
    assert mail.subject == f"{EVIL} has arrived"  # the subject is not escaped


def test_the_text_body_is_not_escaped(on_fake) -> None:
    fake = office()
    run = on_fake(fake, email_templates=TEMPLATES)
    run.send_template(ADA, ("visitor", "plain"), {"name": EVIL, "company": "A&B"})
    (mail,) = fake.sent_mail
    assert mail.body_type == "text"
    assert mail.body == f"Visitor: {EVIL} & co <A&B>"
    assert mail.subject == f"{EVIL} is here"


def test_a_trusted_fragment_is_inserted_as_it_is(on_fake) -> None:
    fake = office()
    run = on_fake(fake, email_templates=TEMPLATES)
    run.send_template(ADA, "visitor.fragment", {"badge": templates.trusted('<img src="cid:qr">')})
    (mail,) = fake.sent_mail
    assert mail.body == '<div><img src="cid:qr"></div>'


def test_values_are_written_as_the_driver_writes_them(on_fake) -> None:
    fake = office()
    run = on_fake(fake, email_templates=TEMPLATES)
    run.send_template(ADA, ("desk.booking", "confirmed"), {"desk": 12, "when": None})
    run.send_template(ADA, "desk.booking.confirmed", {"desk": True})  # %{when} stays
    assert sent_subjects(fake) == ["Desk 12 booked for ", "Desk true booked for %{when}"]
    # A template with only a subject is sent with an empty text body.
    assert fake.sent_mail[0].body_type == "text"


@pytest.mark.parametrize(
    "name",
    [("visitor", "checkout"), "visitor.checkout", "host.checkin", ("nobody", "here")],
    ids=["tuple-who", "dotted-who", "dotted-event", "tuple-event"],
)
def test_a_missing_template_fails_before_any_request(on_fake, name) -> None:
    fake = office()
    run = on_fake(fake, email_templates=TEMPLATES)
    with pytest.raises(TemplateNotFound) as caught:
        run.send_template(ADA, name, VISITOR)
    assert "visitor.checkin" in str(caught.value)  # the configured ones are listed
    assert fake.requests == []
    assert fake.sent_mail == []


def test_no_templates_configured_is_a_template_not_found(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    with pytest.raises(TemplateNotFound):
        run.send_template(ADA, "visitor.checkin", VISITOR)
    assert fake.requests == []


def test_a_value_that_breaks_the_subject_fails_before_any_request(on_fake) -> None:
    fake = office()
    run = on_fake(fake, email_templates=TEMPLATES)
    with pytest.raises(ValidationError, match="subject"):
        run.send_template(ADA, "visitor.checkin", {"name": "Eve\r\nBcc: x@evil.example"})
    assert fake.requests == []


def test_a_bad_recipient_fails_before_any_request(on_fake) -> None:
    fake = office()
    run = on_fake(fake, email_templates=TEMPLATES)
    with pytest.raises(ValidationError, match=r"\bto\b"):
        run.send_template("not an address", "visitor.checkin", VISITOR)
    assert fake.requests == []


@pytest.mark.parametrize(
    "broken",
    [
        {"visitor": {"checkin": {"text": "no subject", "html": "<p>none</p>"}}},
        {"visitor": {"checkin": {"subject": "", "text": "empty subject"}}},
        {"visitor": {"checkin": {"subject": None}}},
    ],
    ids=["missing", "empty", "null"],
)
@pytest.mark.parametrize("cls", [GraphClient, AsyncGraphClient], ids=["sync", "async"])
def test_a_template_without_a_subject_fails_when_the_client_is_built(cls, broken) -> None:
    with pytest.raises(ValidationError, match=r"email_templates\.visitor\.checkin\.subject"):
        cls(token="t", service_account=SVC, email_templates=broken)


@pytest.mark.parametrize("maker", ["client", "async_client"])
def test_fakegraph_clients_check_templates_too(maker: str) -> None:
    fake = office()
    with pytest.raises(ValidationError, match="subject"):
        getattr(fake, maker)(email_templates={"visitor": {"checkin": {"html": "<p/>"}}})
    assert fake.requests == []


def test_attachments_and_recipients_pass_through(on_fake) -> None:
    fake = office()
    run = on_fake(fake, email_templates=TEMPLATES)
    code = qr.attachment("VISITOR-0042", name="qr.png", content_id="qr")
    png = b"\x89PNG\r\n\x1a\n" + bytes(32)
    logo = Attachment("logo.png", png, "image/png", content_id="logo")
    pdf = Attachment("map.pdf", b"%PDF-1.7 map", "application/pdf")
    run.send_template(
        ("Ada Lovelace", ADA),
        ("visitor", "checkin"),
        VISITOR,
        resource_attachments=[code, logo],
        attachments=[pdf],
        cc="Bob Builder <bob@contoso.com>",
        bcc=["audit@contoso.com"],
        from_=MAILER,
        reply_to="Front Desk <desk@contoso.com>",
    )
    (request,) = fake.requests
    assert request.path == f"/users/{MAILER}/sendMail"
    message = request.json()["message"]
    assert message["toRecipients"] == [{"emailAddress": {"address": ADA, "name": "Ada Lovelace"}}]
    assert message["ccRecipients"] == [{"emailAddress": {"address": BOB, "name": "Bob Builder"}}]
    assert message["replyTo"] == [
        {"emailAddress": {"address": "desk@contoso.com", "name": "Front Desk"}}
    ]
    (mail,) = fake.sent_mail
    assert mail.bcc == ("audit@contoso.com",)
    by_name = {a.name: a for a in mail.attachments}
    assert set(by_name) == {"qr.png", "logo.png", "map.pdf"}
    assert by_name["qr.png"].is_inline is True
    assert by_name["qr.png"].content_id == "qr"
    assert by_name["qr.png"].content == code.content
    assert by_name["qr.png"].content.startswith(b"\x89PNG\r\n\x1a\n")
    assert by_name["qr.png"].content_type == "image/png"
    assert by_name["logo.png"].is_inline is True
    assert by_name["logo.png"].content_id == "logo"
    assert by_name["logo.png"].content == png
    assert by_name["map.pdf"].is_inline is False
    assert by_name["map.pdf"].content == b"%PDF-1.7 map"
    wire = {a["name"]: a for a in message["attachments"]}
    assert base64.b64decode(wire["qr.png"]["contentBytes"]) == code.content
    assert 'src="cid:qr"' in mail.body


def test_the_template_sender_defaults_like_send(on_fake) -> None:
    fake = office()
    run = on_fake(fake, email_templates=TEMPLATES, mailer_from=MAILER)
    run.send_template(ADA, "visitor.checkin", VISITOR)
    assert [r.path for r in fake.requests] == [f"/users/{MAILER}/sendMail"]
