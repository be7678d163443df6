"""Never sent twice, against FakeGraph: sendMail (and a draft's ``send``) is retried only
when Graph provably did not act; after a 5xx or a timeout once the request was sent, the
error is typed, has ``maybe_processed`` set and says the mail may have been sent."""

from __future__ import annotations

import os

import pytest
from mail_support import ADA, SVC, office

from graphlink import errors
from graphlink.models import Attachment
from graphlink.resources._mail import UPLOAD_AT, has_attachment, stored_before
from graphlink.testing import FakeGraph

SENDMAIL = f"/users/{SVC}/sendMail"
MAY_HAVE_BEEN_SENT = "may have been sent"


def sendmails(fake: FakeGraph) -> list:
    return [r for r in fake.requests if r.path == SENDMAIL]


def small(run) -> None:
    run.send(ADA, "Once", message_plaintext="exactly once")


# ------------------------------------------------------------------ sendMail


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_5xx_after_sending_is_not_retried_and_says_so(on_fake, status: int) -> None:
    fake = office()
    run = on_fake(fake)
    fake.fail_next(status, acted=True, path="sendMail")
    with pytest.raises(errors.ServerError) as caught:
        small(run)
    error = caught.value
    assert error.status_code == status
    assert error.maybe_processed is True
    assert MAY_HAVE_BEEN_SENT in str(error)
    assert len(fake.sent_mail) == 1  # it WAS sent: the server acted
    assert len(sendmails(fake)) == 1  # and never again
    assert run.clock.sleeps == []


def test_a_read_timeout_after_sending_is_not_retried_and_says_so(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    fake.fail_next(fault="timeout", acted=True, path="sendMail")
    with pytest.raises(errors.TimeoutError) as caught:
        small(run)
    assert caught.value.maybe_processed is True
    assert MAY_HAVE_BEEN_SENT in str(caught.value)
    assert len(fake.sent_mail) == 1
    assert len(sendmails(fake)) == 1


def test_a_connection_dropped_after_sending_is_not_retried(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    fake.fail_next(fault="reset", acted=True, path="sendMail")
    with pytest.raises(errors.TransportError) as caught:
        small(run)
    assert caught.value.maybe_processed is True
    assert MAY_HAVE_BEEN_SENT in str(caught.value)
    assert len(fake.sent_mail) == 1
    assert len(sendmails(fake)) == 1


def test_a_read_timeout_is_not_retried_even_when_graph_did_not_act(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    fake.fail_next(fault="timeout", path="sendMail")  # graphlink cannot know it did not
    with pytest.raises(errors.TimeoutError) as caught:
        small(run)
    assert caught.value.maybe_processed is True
    assert fake.sent_mail == []
    assert len(sendmails(fake)) == 1


def test_a_429_before_acting_is_retried_and_sent_once(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    fake.fail_next(429, retry_after=2, path="sendMail")
    small(run)
    assert len(fake.sent_mail) == 1
    assert [r.status for r in sendmails(fake)] == [429, 202]
    assert 2.0 in run.clock.sleeps  # Retry-After honoured on the fake clock


def test_a_429_without_retry_after_is_retried_too(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    fake.fail_next(429, path="sendMail")
    small(run)
    assert len(fake.sent_mail) == 1
    assert [r.status for r in sendmails(fake)] == [429, 202]


def test_a_503_with_retry_after_is_retried_and_sent_once(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    fake.fail_next(503, retry_after=3, path="sendMail")
    small(run)
    assert len(fake.sent_mail) == 1
    assert [r.status for r in sendmails(fake)] == [503, 202]
    assert 3.0 in run.clock.sleeps


def test_a_bare_503_is_not_retried(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    fake.fail_next(503, path="sendMail")
    with pytest.raises(errors.ServerError) as caught:
        small(run)
    assert caught.value.status_code == 503
    assert caught.value.maybe_processed is True
    assert MAY_HAVE_BEEN_SENT in str(caught.value)
    assert fake.sent_mail == []  # (FakeGraph did not act; graphlink could not know)
    assert len(sendmails(fake)) == 1


def test_a_reset_is_not_retried_even_when_graph_did_not_act(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    fake.fail_next(fault="reset", path="sendMail")  # dropped unread: graphlink cannot know
    with pytest.raises(errors.TransportError) as caught:
        small(run)
    assert caught.value.maybe_processed is True
    assert MAY_HAVE_BEEN_SENT in str(caught.value)
    assert fake.sent_mail == []
    assert [r.status for r in sendmails(fake)] == [None]


def test_throttling_that_never_ends_stops_without_sending(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    fake.fail_next(429, retry_after=1, times=50, path="sendMail")
    with pytest.raises(errors.RateLimitError) as caught:
        small(run)
    assert caught.value.maybe_processed is False  # Graph refused every attempt
    assert fake.sent_mail == []
    assert len(sendmails(fake)) == caught.value.attempts > 1


# ------------------------------------------------------------------ the draft route


def big_mail(run) -> bytes:
    content = os.urandom(UPLOAD_AT + 1000)
    run.send(
        ADA,
        "Large",
        message_plaintext="see attached",
        attachments=[Attachment("small.txt", b"small one"), Attachment("big.bin", content)],
    )
    return content


def draft_sends(fake: FakeGraph) -> list:
    return [r for r in fake.requests if r.method == "POST" and r.path.endswith("/send")]


def test_a_504_after_the_draft_was_sent_is_not_repeated(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    fake.fail_next(504, acted=True, method="POST", path="*/send")
    with pytest.raises(errors.ServerError) as caught:
        big_mail(run)
    assert caught.value.maybe_processed is True
    assert MAY_HAVE_BEEN_SENT in str(caught.value)
    assert len(fake.sent_mail) == 1
    assert len(draft_sends(fake)) == 1
    assert not any(r.path == SENDMAIL for r in fake.requests)


def test_a_timeout_after_the_draft_was_sent_is_not_repeated(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    fake.fail_next(fault="timeout", acted=True, method="POST", path="*/send")
    with pytest.raises(errors.TimeoutError) as caught:
        big_mail(run)
    assert caught.value.maybe_processed is True
    assert MAY_HAVE_BEEN_SENT in str(caught.value)
    assert len(fake.sent_mail) == 1
    assert len(draft_sends(fake)) == 1


def test_a_429_on_the_attachment_post_is_retried_and_attached_once(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    fake.fail_next(429, retry_after=1, method="POST", path="*/attachments")
    content = big_mail(run)
    posts = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/attachments")]
    assert [r.status for r in posts] == [429, 201]
    (mail,) = fake.sent_mail
    assert sorted(a.name for a in mail.attachments) == ["big.bin", "small.txt"]
    assert {a.name: a.content for a in mail.attachments}["big.bin"] == content
    assert len(draft_sends(fake)) == 1


def test_throttled_upload_steps_are_retried_and_the_bytes_arrive_intact(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    fake.fail_next(503, retry_after=1, path="*/createUploadSession")
    fake.fail_next(503, retry_after=1, method="PUT", path="/upload/*")
    content = big_mail(run)
    sessions = [r for r in fake.requests if r.path.endswith("/createUploadSession")]
    assert [r.status for r in sessions] == [503, 201]
    puts = [r for r in fake.requests if r.method == "PUT"]
    assert puts[0].status == 503
    assert all(r.status in (200, 201) for r in puts[1:])
    (mail,) = fake.sent_mail
    assert {a.name: a.content for a in mail.attachments}["big.bin"] == content


def test_a_504_after_creating_the_draft_says_nothing_was_sent(on_fake) -> None:
    fake = office()
    run = on_fake(fake)
    fake.fail_next(504, acted=True, method="POST", path=f"/users/{SVC}/messages")
    with pytest.raises(errors.ServerError) as caught:
        big_mail(run)
    assert caught.value.maybe_processed is True
    assert "draft" in str(caught.value)
    assert "not sent" in str(caught.value)
    assert fake.sent_mail == []
    assert len([r for r in fake.requests if r.path == f"/users/{SVC}/messages"]) == 1
    assert not draft_sends(fake)


@pytest.mark.parametrize("size", [5_000_000, UPLOAD_AT + 1000], ids=["middle-chunk", "last-chunk"])
def test_a_chunk_whose_answer_was_lost_does_not_sink_the_mail(on_fake, size: int) -> None:
    fake = office()
    run = on_fake(fake)
    fake.fail_next(fault="timeout", acted=True, method="PUT", path="/upload/*")
    content = os.urandom(size)
    run.send(ADA, "Large", message_plaintext="x", attachments=[Attachment("big.bin", content)])
    (mail,) = fake.sent_mail
    assert {a.name: a.content for a in mail.attachments}["big.bin"] == content


def _refused(status: int, *, acted_before: bool) -> errors.GraphError:
    error = errors.GraphAPIError(status, "ErrorInvalidRange", "refused")
    error.maybe_processed = acted_before
    return error


@pytest.mark.parametrize(
    ("status", "last", "acted_before", "stored"),
    [
        (416, False, True, True),  # a middle chunk taken before its answer was lost
        (404, True, True, True),  # the last one: the session closed when complete
        (416, False, False, False),  # refused outright: a real range error
        (404, True, False, False),  # the session was gone: expired, never stored
        (404, False, True, False),  # a middle chunk cannot close the session
        (416, True, True, False),
        (500, False, True, False),
    ],
)
def test_a_refused_chunk_counts_as_stored_only_after_a_lost_answer(
    status: int, last: bool, acted_before: bool, stored: bool
) -> None:
    assert stored_before(_refused(status, acted_before=acted_before), last=last) is stored


def test_the_last_chunk_counts_only_when_the_draft_shows_the_attachment() -> None:
    big = Attachment("big.bin", b"x" * 10)
    assert has_attachment([{"name": "big.bin", "size": 10}], [big])
    assert not has_attachment([{"name": "big.bin", "size": 9}], [big])
    assert not has_attachment([{"name": "other.bin", "size": 10}, "junk"], [big])
    assert not has_attachment([], [big])
    # A namesake added before does not stand in for it: two added, two needed.
    twin = Attachment("big.bin", b"y" * 10)
    assert not has_attachment([{"name": "big.bin", "size": 10}], [twin, big])
    assert has_attachment([{"name": "big.bin", "size": 10}] * 2, [twin, big])
