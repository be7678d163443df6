"""Messages over Graph's 4 MB request limit, end to end: a draft, its small attachments
POSTed, its large ones uploaded in chunks through an upload session (no bearer token
there, exact ``Content-Range``), then ``send``. Bytes received equal bytes sent."""

from __future__ import annotations

import base64
import os
import re

import httpx
import pytest
from examples import example
from mail_support import ADA, BOB, SVC, MiB, body_of, graph_path, office

from graphlink.errors import UnsafeLinkError
from graphlink.models import Attachment
from graphlink.resources._mail import UPLOAD_AT
from graphlink.testing import FakeGraph

RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


def upload_puts(fake: FakeGraph) -> list:
    return [r for r in fake.requests if r.method == "PUT"]


def assert_chunks_cover(puts: list, content: bytes) -> None:
    """Each PUT is at most 4 MiB with an exact Content-Range; together every byte once."""
    assert puts
    expected_first = 0
    received = b""
    for put in puts:
        match = RANGE.fullmatch(put.headers["content-range"])
        assert match, put.headers["content-range"]
        first, last, total = (int(x) for x in match.groups())
        assert total == len(content)
        assert first == expected_first  # no gap, no overlap
        assert last - first + 1 == len(put.body) <= 4 * MiB
        assert put.headers["content-type"] == "application/octet-stream"
        received += put.body
        expected_first = last + 1
    assert expected_first == len(content)
    assert received == content


def test_a_9_mb_attachment_goes_through_an_upload_session(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    big = os.urandom(9_000_000)
    qr = b"\x89PNG\r\n\x1a\n" + os.urandom(200)
    notes = b"Hello World!"
    run.send(
        ["Ada Lovelace <ada@contoso.com>"],
        "Big one",
        message_html='<p>See attached</p><img src="cid:qr">',
        cc=BOB,
        bcc="audit@contoso.com",
        reply_to="Desk <desk@contoso.com>",
        resource_attachments=[Attachment("qr.png", qr, "image/png", content_id="qr")],
        attachments=[
            Attachment("notes.txt", notes, "text/plain"),
            Attachment("big.bin", big, "application/octet-stream"),
        ],
    )
    requests = fake.requests
    draft = f"/users/{SVC}/messages"
    steps = [(r.method, r.path) for r in requests]
    assert not any(path.endswith("/sendMail") for _, path in steps)
    (create,) = [r for r in requests if (r.method, r.path) == ("POST", draft)]
    message_id = next(r.path.split("/")[4] for r in requests if r.path.startswith(draft + "/"))
    base = f"{draft}/{message_id}"
    # The order: draft, small attachments, upload session, chunks, send.
    kinds = []
    for method, path in steps:
        if path == draft:
            kinds.append("draft")
        elif path == base + "/attachments":
            kinds.append("attach")
        elif path == base + "/attachments/createUploadSession":
            kinds.append("session")
        elif method == "PUT" and path.startswith("/upload/"):
            kinds.append("put")
        elif path == base + "/send":
            kinds.append("send")
        else:
            raise AssertionError((method, path))
    assert kinds == ["draft", "attach", "attach", "session", "put", "put", "put", "send"]
    assert all(r.status is not None and r.status < 300 for r in requests)
    # The draft holds every recipient, the subject and the body (attachments come later).
    draft_body = create.json()
    assert draft_body["subject"] == "Big one"
    assert draft_body["body"] == {
        "contentType": "html",
        "content": '<p>See attached</p><img src="cid:qr">',
    }
    assert draft_body["toRecipients"] == [
        {"emailAddress": {"address": ADA, "name": "Ada Lovelace"}}
    ]
    assert draft_body["ccRecipients"] == [{"emailAddress": {"address": BOB}}]
    assert draft_body["bccRecipients"] == [{"emailAddress": {"address": "audit@contoso.com"}}]
    assert draft_body["replyTo"] == [
        {"emailAddress": {"address": "desk@contoso.com", "name": "Desk"}}
    ]
    assert not draft_body.get("attachments")
    # The upload session describes the file.
    (session,) = [r for r in requests if r.path.endswith("/createUploadSession")]
    assert session.json() == {
        "AttachmentItem": {
            "attachmentType": "file",
            "name": "big.bin",
            "size": 9_000_000,
            "contentType": "application/octet-stream",
        }
    }
    puts = upload_puts(fake)
    assert_chunks_cover(puts, big)
    # No bearer token on the upload URL; the Graph calls carry it.
    uploads = [w for w in run.wire if w.method == "PUT"]
    assert len(uploads) == 3
    for wire in uploads:
        assert "authorization" not in wire.headers
        assert "authtoken=" in wire.url  # the URL carries its own authorization
    graph_calls = [w for w in run.wire if w.method != "PUT"]
    assert graph_calls
    assert all(w.headers["authorization"] == "Bearer fake-token" for w in graph_calls)
    # What FakeGraph delivered: one mail, the bytes received equal the bytes sent.
    (mail,) = fake.sent_mail
    assert mail.subject == "Big one"
    assert mail.to == (ADA,)
    assert mail.cc == (BOB,)
    assert mail.bcc == ("audit@contoso.com",)
    assert mail.body_type == "html"
    by_name = {a.name: a for a in mail.attachments}
    assert set(by_name) == {"qr.png", "notes.txt", "big.bin"}
    assert by_name["big.bin"].content == big
    assert by_name["big.bin"].is_inline is False
    assert by_name["notes.txt"].content == notes
    assert by_name["notes.txt"].is_inline is False
    assert by_name["qr.png"].content == qr
    assert by_name["qr.png"].is_inline is True
    assert by_name["qr.png"].content_id == "qr"


def test_a_large_inline_attachment_keeps_its_inline_flags(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    banner = os.urandom(UPLOAD_AT + 1)
    run.send(
        ADA,
        "Banner",
        message_html='<img src="cid:banner">',
        resource_attachments=[Attachment("banner.png", banner, "image/png", content_id="banner")],
    )
    (session,) = [r for r in fake.requests if r.path.endswith("/createUploadSession")]
    item = session.json()["AttachmentItem"]
    assert item["isInline"] is True
    assert item["contentId"] == "banner"
    assert_chunks_cover(upload_puts(fake), banner)
    (mail,) = fake.sent_mail
    (attachment,) = mail.attachments
    assert attachment.content == banner
    assert attachment.is_inline is True
    assert attachment.content_id == "banner"


def test_small_attachments_over_4_mb_in_total_take_the_draft_route(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    first, second = os.urandom(2_000_000), os.urandom(2_000_000)  # each under 3 MB
    run.send(
        ADA,
        "Two files",
        message_plaintext="Both attached",
        attachments=[Attachment("a.bin", first), Attachment("b.bin", second)],
    )
    paths = [r.path for r in fake.requests]
    assert not any(p.endswith("/sendMail") for p in paths)
    assert not any(p.endswith("/createUploadSession") for p in paths)
    assert not upload_puts(fake)
    assert paths[0] == f"/users/{SVC}/messages"
    assert sum(p.endswith("/attachments") for p in paths) == 2
    assert paths[-1].endswith("/send")
    for request in fake.requests:
        assert len(request.body if isinstance(request.body, bytes) else b"") <= 4 * MiB
    (mail,) = fake.sent_mail
    assert {a.name: a.content for a in mail.attachments} == {"a.bin": first, "b.bin": second}
    assert mail.body == "Both attached"
    assert mail.body_type == "text"


def test_a_message_under_4_mb_goes_in_one_sendmail(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    content = os.urandom(2_500_000)  # about 3.3 MB once in base64
    run.send(ADA, "One request", message_plaintext="x", attachments=[Attachment("c.bin", content)])
    assert [r.path for r in fake.requests] == [f"/users/{SVC}/sendMail"]
    (mail,) = fake.sent_mail
    assert mail.attachments[0].content == content


# ------------------------------------------------------------------ the upload URL


def draft_server(upload_url: str, seen: list[httpx.Request]):
    """A MockTransport handler for the draft route, handing out ``upload_url``."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = graph_path(request)
        if request.url.host != "graph.microsoft.com":  # the upload URL
            _, last, total = (
                int(x) for x in RANGE.fullmatch(request.headers["content-range"]).groups()
            )
            return httpx.Response(201) if last + 1 == total else httpx.Response(200, json={})
        if path.endswith("/createUploadSession"):
            return httpx.Response(201, json={"uploadUrl": upload_url, "nextExpectedRanges": ["0-"]})
        if path.endswith("/messages"):
            return httpx.Response(201, json={"id": "AAMkDraft="})
        if path.endswith("/attachments"):
            return httpx.Response(201, json={"id": "att"})
        if path.endswith("/send"):
            return httpx.Response(202)
        return httpx.Response(404, json={"error": {"code": "x", "message": path}})

    return handler


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com/upload",
        "http://outlook.office.com/api/v2.0/AttachmentSessions('x')?authtoken=t",
        "https://outlook.office.com.evil.example.com/upload?authtoken=t",
        "https://evil-outlook.office.com/upload?authtoken=t",
        "https://user:pw@outlook.office.com/upload?authtoken=t",
        "/upload/relative?authtoken=t",
    ],
    ids=["foreign-host", "plain-http", "suffix-trick", "lookalike", "userinfo", "relative"],
)
def test_an_upload_url_off_microsofts_hosts_is_refused(harness, url: str) -> None:
    seen: list[httpx.Request] = []
    h = harness(draft_server(url, seen), service_account=SVC)
    with pytest.raises(UnsafeLinkError):
        h.run(
            h.client.mail.send(
                ADA,
                "Big",
                message_plaintext="x",
                attachments=[Attachment("big.bin", os.urandom(UPLOAD_AT))],
            )
        )
    assert all(r.url.host == "graph.microsoft.com" for r in h.requests)
    assert not any(r.method == "PUT" for r in h.requests)
    assert not any(graph_path(r).endswith("/send") for r in h.requests)


def test_the_documented_upload_url_gets_the_bytes_without_the_token(harness) -> None:
    documented = example(
        "concept-outlook-large-attachments__01__walkthrough-create-uploadsession-message"
    )
    final = example("concept-outlook-large-attachments__05__example-final-upload-to-the-message")
    upload_url = documented["response_body"]["uploadUrl"]
    item = documented["request_body"]["AttachmentItem"]
    content = os.urandom(item["size"])
    seen: list[httpx.Request] = []
    h = harness(draft_server(upload_url, seen), service_account=SVC)
    h.run(
        h.client.mail.send(
            ADA, "Flower", message_plaintext="x", attachments=[Attachment(item["name"], content)]
        )
    )
    (session,) = [r for r in h.requests if graph_path(r).endswith("/createUploadSession")]
    assert body_of(session) == documented["request_body"]  # exactly the documented body
    assert (
        graph_path(session) == f"/users/{SVC}/messages/AAMkDraft=/attachments/createUploadSession"
    )
    puts = [r for r in h.requests if r.method == "PUT"]
    assert puts
    assert all(str(r.url) == upload_url for r in puts)
    for put in puts:
        assert "authorization" not in put.headers
        assert put.headers["content-type"] == final["request_headers"]["Content-Type"]
        assert RANGE.fullmatch(put.headers["content-range"])
        assert int(put.headers["content-length"]) == len(put.content) <= 4 * MiB
    assert b"".join(r.content for r in puts) == content
    assert puts[-1].headers["content-range"].endswith(f"-{len(content) - 1}/{len(content)}")
    assert graph_path(h.requests[-1]).endswith("/messages/AAMkDraft=/send")
    for request in h.requests:
        if request.url.host == "graph.microsoft.com":
            assert request.headers["authorization"] == "Bearer secret-token-value"


# ------------------------------------------------------------------ found gaps


def test_every_request_of_the_draft_route_fits_graphs_limit(harness) -> None:
    seen: list[httpx.Request] = []
    upload = "https://outlook.office.com/api/v2.0/AttachmentSessions('x')?authtoken=t"
    h = harness(draft_server(upload, seen), service_account=SVC)
    h.run(
        h.client.mail.send(
            ADA,
            "Edge",
            message_plaintext="x",
            attachments=[Attachment("edge.bin", os.urandom(UPLOAD_AT - 1))],
        )
    )
    assert any(graph_path(r).endswith("/send") for r in h.requests)
    for request in h.requests:
        assert len(request.content) <= 4 * MiB, (request.method, graph_path(request))


def test_fakegraph_refuses_an_attachment_post_over_4_mb() -> None:
    fake = office()
    with fake.client(service_account=SVC) as client:
        draft = client.request("POST", f"/users/{SVC}/messages", json={"subject": "x"})
        content = base64.b64encode(os.urandom(3_500_000)).decode()
        with pytest.raises(Exception) as caught:
            client.request(
                "POST",
                f"/users/{SVC}/messages/{draft['id']}/attachments",
                json={
                    "@odata.type": "#microsoft.graph.fileAttachment",
                    "name": "big.bin",
                    "contentBytes": content,
                },
            )
    assert getattr(caught.value, "status_code", None) == 413
