"""``graphlink.notifications.handle``: the handshake, notifications, lifecycle events, and
bad input answered, never raised."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
from examples import example, example_names
from hypothesis import given
from hypothesis import strategies as st
from notify_support import SECRET

from graphlink.notifications import Answer, ChangeNotification, LifecycleEvent, handle

TOKEN = "Validation: Testing client application reachability for subscription Request-Id: 1+2"


def _body(*items: dict) -> bytes:
    return json.dumps({"value": list(items)}).encode()


def _change(**over: object) -> dict:
    item = {
        "subscriptionId": "sub-1",
        "subscriptionExpirationDateTime": "2030-01-07T09:00:00.0000000Z",
        "clientState": SECRET,
        "changeType": "created",
        "resource": "Users/u1/Events/e1",
        "tenantId": "tenant-1",
        "resourceData": {"@odata.type": "#Microsoft.Graph.Event", "id": "e1"},
    }
    item.update(over)
    return item


# ------------------------------------------------------------------ the handshake


@pytest.mark.parametrize(
    "query",
    [
        {"validationToken": TOKEN},  # what frameworks hand over: decoded
        "validationToken=Validation%3A+Testing+client+application+reachability+for+"
        "subscription+Request-Id%3A+1%2B2",  # the raw query string
        b"?validationToken=Validation%3A%20Testing%20client%20application%20reachability%20"
        b"for%20subscription%20Request-Id%3A%201%2B2",
        {"validationtoken": [TOKEN]},  # any key case; parse_qs-style lists
    ],
)
def test_the_handshake_echoes_the_decoded_token_as_text(query: object) -> None:
    answer = handle("POST", query, {}, b"", client_state=SECRET)
    assert answer.status == 200
    assert answer.body == TOKEN
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert answer.is_validation
    assert answer.validation_token == TOKEN
    assert answer.notifications == ()
    assert answer.lifecycle == ()


def test_the_handshake_needs_no_client_state_and_ignores_the_body() -> None:
    answer = handle("post", {"validationToken": "abc"}, None, b"garbage", client_state=None)
    assert (answer.status, answer.body) == (200, "abc")


def test_only_post_is_answered() -> None:
    answer = handle("GET", {"validationToken": "abc"}, {}, b"", client_state=SECRET)
    assert answer.status == 405
    assert answer.headers["Allow"] == "POST"
    assert "abc" not in answer.body  # a GET never reflects the token


# ------------------------------------------------------------------ notifications


def test_a_change_notification_is_parsed_and_answered_202() -> None:
    answer = handle("POST", {}, {}, _body(_change()), client_state=SECRET)
    assert answer.status == 202
    assert answer.body == ""
    [change] = answer.notifications
    assert change.change_type == "created"
    assert change.resource == "Users/u1/Events/e1"
    assert change.resource_id == "e1"
    assert change.resource_data["@odata.type"] == "#Microsoft.Graph.Event"
    assert change.subscription_id == "sub-1"
    assert change.subscription_expiration == datetime(2030, 1, 7, 9, tzinfo=UTC)
    assert change.client_state == SECRET
    assert change.tenant_id == "tenant-1"
    assert change.raw["changeType"] == "created"


def test_the_client_state_never_shows_in_a_repr() -> None:
    both = _body(_change(), {**_change(), "lifecycleEvent": "missed"})
    answer = handle("POST", {}, {}, both, client_state=SECRET)
    assert SECRET not in repr(answer)
    assert SECRET not in repr(answer.notifications[0])
    assert SECRET not in repr(answer.lifecycle[0])


def test_a_wrong_client_state_is_dropped_and_logged_without_the_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = _body(_change(clientState="forged"), _change(subscriptionId="sub-2"), _change())
    with caplog.at_level(logging.WARNING, logger="graphlink.notifications"):
        answer = handle("POST", {}, {}, body, client_state=SECRET)
    assert answer.status == 202  # answered: Graph (or a forger) gets no retry loop
    assert [n.subscription_id for n in answer.notifications] == ["sub-2", "sub-1"]
    assert answer.dropped == 1
    assert "sub-1" in caplog.text
    assert "clientState does not match" in caplog.text
    assert SECRET not in caplog.text
    assert "forged" not in caplog.text


def test_a_missing_client_state_is_dropped_when_one_is_expected() -> None:
    item = _change()
    del item["clientState"]
    answer = handle("POST", {}, {}, _body(item), client_state=SECRET)
    assert answer.notifications == ()
    assert answer.dropped == 1


def test_several_client_states_are_accepted_while_rotating() -> None:
    body = _body(_change(clientState="old-secret"), _change(clientState="new-secret"))
    answer = handle("POST", {}, {}, body, client_state=["new-secret", "old-secret"])
    assert len(answer.notifications) == 2
    assert answer.dropped == 0


def test_no_client_state_accepts_every_notification() -> None:
    answer = handle("POST", {}, {}, _body(_change(clientState="anything")), client_state=None)
    assert len(answer.notifications) == 1


def test_lifecycle_events_are_separated_from_changes() -> None:
    lifecycle = {
        "subscriptionId": "sub-1",
        "subscriptionExpirationDateTime": "2019-09-18T00:52:45.9696658+00:00",
        "clientState": SECRET,
        "tenantId": "t",
        "lifecycleEvent": "reauthorizationRequired",
    }
    answer = handle("POST", "", {}, _body(lifecycle, _change()), client_state=SECRET)
    assert answer.status == 202
    [event] = answer.lifecycle
    assert event.lifecycle_event == "reauthorizationRequired"
    assert event.subscription_id == "sub-1"
    assert event.subscription_expiration == datetime(2019, 9, 18, 0, 52, 45, 969665, tzinfo=UTC)
    assert len(answer.notifications) == 1


def test_an_unreadable_expiry_is_none_not_an_error() -> None:
    answer = handle(
        "POST", {}, {}, _body(_change(subscriptionExpirationDateTime="soon")), client_state=SECRET
    )
    assert answer.notifications[0].subscription_expiration is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (None, "empty"),
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", '{"value"'),
        (b'{"value": {}}', '{"value"'),
        (b'{"value": [1]}', "subscriptionId"),
        (b'{"value": [{"changeType": "created"}]}', "subscriptionId"),
        (b'{"value": [{"subscriptionId": "s"}]}', "neither"),
        ('{"value": [{"subscriptionId": 7, "changeType": "created"}]}', "subscriptionId"),
    ],
)
def test_a_body_that_is_not_graphs_is_a_400(body: bytes | None, reason: str) -> None:
    answer = handle("POST", {}, {}, body, client_state=SECRET)
    assert answer.status == 400
    assert reason in answer.body
    assert answer.headers["Content-Type"].startswith("text/plain")


# Text with lone surrogates, which JSON's ``\\ud800`` escapes can carry.
_ANY_TEXT = st.text(st.characters(codec=None, categories=None))


@given(
    method=st.sampled_from(["POST", "GET", "PUT", "", "post"]),
    query=st.one_of(st.none(), st.text(), st.dictionaries(st.text(), st.text())),
    body=st.one_of(
        st.none(),
        st.binary(),
        st.text(),
        st.integers(1, 100_000).map(lambda n: "[" * n),  # deeper than the parser's stack
        st.builds(
            lambda s, n: json.dumps({"value": [_change(clientState=s, subscriptionId=n)]}),
            _ANY_TEXT,
            _ANY_TEXT,
        ),
    ),
)
def test_no_input_makes_it_raise(method: str, query: object, body: object) -> None:
    answer = handle(method, query, {}, body, client_state=[SECRET, "other"])  # type: ignore[arg-type]
    assert isinstance(answer, Answer)
    assert answer.status in (200, 202, 400, 405)


# ------------------------------------------------------------------ Microsoft's examples


NOTIFICATION_EXAMPLES = [
    name for name in example_names("concept-webhooks") if "notification-example" in name
]


@pytest.mark.parametrize("name", NOTIFICATION_EXAMPLES or ["concept-webhooks__04"])
def test_the_documented_notification_payloads_are_read(name: str) -> None:
    ex = example(name)
    assert ex["kind"] == "notification_payload"
    sent = ex["request_body"]["value"]
    state = sent[0]["clientState"]
    answer = handle(
        ex["method"], {}, ex["request_headers"], json.dumps(ex["request_body"]), client_state=state
    )
    assert answer.status == 202
    got = [*answer.notifications, *answer.lifecycle]
    assert len(got) == len(sent)
    for item, parsed in zip(sent, got, strict=True):
        assert parsed.subscription_id == item["subscriptionId"]
        assert parsed.tenant_id == item["tenantId"]
        if "lifecycleEvent" in item:
            assert isinstance(parsed, LifecycleEvent)
            assert parsed.lifecycle_event == item["lifecycleEvent"]
        else:
            assert isinstance(parsed, ChangeNotification)
            assert parsed.change_type == item["changeType"]
            assert parsed.resource == item["resource"]
            assert parsed.resource_id == item["resourceData"]["id"]
    # The same payload with another secret is dropped whole.
    wrong = handle("POST", {}, {}, json.dumps(ex["request_body"]), client_state="x")
    assert wrong.status == 202
    assert wrong.dropped == len(sent)


def test_every_lifecycle_example_is_one_of_the_three_events() -> None:
    names = list(example_names("concept-webhooks-lifecycle"))
    if not names:
        example("concept-webhooks-lifecycle__02__subscriptionremoved-notification-example")
    events = set()
    for name in names:
        body = example(name)["request_body"]
        answer = handle("POST", {}, {}, json.dumps(body), client_state=None)
        events |= {e.lifecycle_event for e in answer.lifecycle}
    assert events == {"subscriptionRemoved", "reauthorizationRequired", "missed"}
