"""``client.subscriptions`` on both clients: request shapes, answers, bad input refused
before anything is sent, Graph's maximum lifetimes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from examples import example, response_body
from harness import graph_error, sequence

from graphlink import errors
from graphlink.models import Subscription
from graphlink.notifications import max_lifetime

URL = "https://app.contoso.com/graph/notifications"
EVENTS = "/users/room@contoso.com/events"
SUB = {
    "id": "7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
    "resource": EVENTS,
    "changeType": "created,updated,deleted",
    "clientState": "s3cret",
    "notificationUrl": URL,
    "expirationDateTime": "2030-01-10T18:23:45.9356913Z",
}


def _path(request: httpx.Request) -> str:
    return unquote(request.url.path).removeprefix("/v1.0")


def _json(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


def soon(**delta: float) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)


def test_create_sends_graphs_body_and_reads_the_subscription(harness) -> None:
    h = harness(lambda r: httpx.Response(201, json=SUB))
    expires = soon(days=2)
    sub = h.run(
        h.client.subscriptions.create(
            EVENTS,
            URL,
            expires,
            client_state="s3cret",
            change_types=("created", "deleted"),
            lifecycle_notification_url=URL + "/lifecycle",
        )
    )
    assert isinstance(sub, Subscription)
    assert sub.id == SUB["id"]
    assert sub.change_types == ("created", "updated", "deleted")
    [request] = h.requests
    assert (request.method, _path(request)) == ("POST", "/subscriptions")
    body = _json(request)
    assert body == {
        "changeType": "created,deleted",
        "notificationUrl": URL,
        "resource": EVENTS,
        "expirationDateTime": body["expirationDateTime"],
        "clientState": "s3cret",
        "lifecycleNotificationUrl": URL + "/lifecycle",
    }
    sent = datetime.fromisoformat(body["expirationDateTime"].replace("Z", "+00:00"))
    assert body["expirationDateTime"].endswith("Z")
    assert sent == expires


def test_create_defaults_all_change_types_and_leaves_out_what_is_not_given(harness) -> None:
    h = harness(lambda r: httpx.Response(201, json=SUB))
    h.run(h.client.subscriptions.create(EVENTS, URL, int(soon(days=1).timestamp())))
    body = _json(h.requests[0])
    assert body["changeType"] == "created,updated,deleted"
    assert "clientState" not in body
    assert "lifecycleNotificationUrl" not in body


def test_a_refused_create_is_not_retried_once_it_may_have_reached_graph(harness) -> None:
    h = harness(sequence(httpx.Response(504), httpx.Response(201, json=SUB)))
    with pytest.raises(errors.ServerError) as caught:
        h.run(h.client.subscriptions.create(EVENTS, URL, soon(days=1)))
    assert len(h.requests) == 1  # a second POST would make a second subscription
    assert "subscription may have been created" in str(caught.value)


def test_a_failed_handshake_is_graphs_400(harness) -> None:
    refused = graph_error(
        400,
        "ValidationError",
        "Subscription validation request failed. Notification endpoint must respond with "
        "200 OK to validation request.",
    )
    h = harness(lambda r: refused)
    with pytest.raises(errors.BadRequestError) as caught:
        h.run(h.client.subscriptions.create(EVENTS, URL, soon(days=1)))
    assert caught.value.code == "ValidationError"


BAD_CREATES = [
    ({"expires": "tomorrow"}, "expires must be an aware datetime"),
    ({"expires": datetime(2030, 1, 1)}, "naive"),
    ({"expires": datetime(2020, 1, 1, tzinfo=UTC)}, "in the future"),
    ({"expires": "over"}, "10,080 minutes"),
    ({"resource": "/users", "expires": "over-directory"}, "41,760 minutes"),
    ({"resource": ""}, "resource must be"),
    ({"resource": "/users/x/events\r\nX: y"}, "CR, LF"),
    ({"url": "ftp://x/y"}, "https URL"),
    ({"url": "/relative"}, "https URL"),
    ({"url": None}, "https URL"),
    ({"lifecycle": "nope"}, "lifecycle_notification_url"),
    ({"client_state": "x" * 129}, "at most 128"),
    ({"client_state": ""}, "client_state"),
    ({"change_types": ("created", "moved")}, "unknown change type 'moved'"),
    ({"change_types": ()}, "at least one"),
    ({"change_types": 3}, "change_types"),
]


@pytest.mark.parametrize(("args", "message"), BAD_CREATES)
def test_bad_input_is_refused_before_sending(harness, args: dict, message: str) -> None:
    h = harness(lambda r: httpx.Response(201, json=SUB))
    resource = args.get("resource", EVENTS)
    expires: Any = args.get("expires", soon(days=1))
    if expires == "over":
        expires = soon(days=7, minutes=2)
    elif expires == "over-directory":
        expires = soon(days=29, minutes=2)
    kw: dict[str, Any] = {}
    for name in ("client_state", "change_types"):
        if name in args:
            kw[name] = args[name]
    if "lifecycle" in args:
        kw["lifecycle_notification_url"] = args["lifecycle"]
    with pytest.raises(errors.ValidationError) as caught:
        h.run(h.client.subscriptions.create(resource, args.get("url", URL), expires, **kw))
    assert message in str(caught.value)
    assert h.requests == []
    assert "x" * 129 not in str(caught.value)  # a secret never goes into a message


def test_the_longest_lifetimes_are_accepted(harness) -> None:
    h = harness(lambda r: httpx.Response(201, json=SUB))
    for resource in (EVENTS, "me/messages", "/users", "groups/g1"):
        expires = h.client.subscriptions.max_expiry(resource)
        h.run(h.client.subscriptions.create(resource, URL, expires))
    assert len(h.requests) == 4


def test_max_lifetime_per_resource() -> None:
    week, month = timedelta(minutes=10_080), timedelta(minutes=41_760)
    assert max_lifetime("/users/room@contoso.com/events") == week
    assert max_lifetime("users/x/calendars/c1/events") == week
    assert max_lifetime("me/mailFolders('Inbox')/messages") == week
    assert max_lifetime("/users/x/contacts?$filter=x") == week
    assert max_lifetime("/users") == month
    assert max_lifetime("/groups/g1") == month
    assert max_lifetime("/teams/t1/channels/c1/messages") is None  # not Outlook: 60 minutes
    assert max_lifetime("/groups/g1/events") is None
    assert max_lifetime("/drives/d1/root") is None
    assert max_lifetime("") is None


def test_max_expiry_keeps_a_minute_in_hand_and_refuses_an_unknown_resource(harness) -> None:
    h = harness(lambda r: httpx.Response(201, json=SUB))
    now = datetime(2030, 1, 1, tzinfo=timezone(timedelta(hours=10)))
    got = h.client.subscriptions.max_expiry(EVENTS, now=now)
    assert got == now + timedelta(minutes=10_080 - 1)
    with pytest.raises(errors.ValidationError, match="choose the expiry yourself"):
        h.client.subscriptions.max_expiry("/drives/d1/root")
    assert h.requests == []


def test_renew_patches_the_expiry(harness) -> None:
    h = harness(lambda r: httpx.Response(200, json=SUB))
    expires = soon(days=3)
    sub = h.run(h.client.subscriptions.renew("7f105c7d", expires))
    assert sub.expiration == datetime(2030, 1, 10, 18, 23, 45, 935691, tzinfo=UTC)
    [request] = h.requests
    assert (request.method, _path(request)) == ("PATCH", "/subscriptions/7f105c7d")
    assert list(_json(request)) == ["expirationDateTime"]
    with pytest.raises(errors.ValidationError, match="in the future"):
        h.run(h.client.subscriptions.renew("7f105c7d", soon(minutes=-1)))
    assert len(h.requests) == 1


def test_renew_of_a_lost_subscription_is_not_found(harness) -> None:
    h = harness(lambda r: graph_error(404, "ResourceNotFound"))
    with pytest.raises(errors.NotFoundError):
        h.run(h.client.subscriptions.renew("gone", soon(days=1)))


def test_reauthorize_get_and_delete(harness) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=SUB)
        return httpx.Response(204)

    h = harness(answer)
    assert h.run(h.client.subscriptions.reauthorize("a/b")) is None
    assert h.run(h.client.subscriptions.get("a/b")).client_state == "s3cret"
    assert h.run(h.client.subscriptions.delete("a/b")) is None
    assert [(r.method, r.url.raw_path.decode()) for r in h.requests] == [
        ("POST", "/v1.0/subscriptions/a%2Fb/reauthorize"),
        ("GET", "/v1.0/subscriptions/a%2Fb"),
        ("DELETE", "/v1.0/subscriptions/a%2Fb"),
    ]


def test_delete_of_a_missing_subscription_is_not_found_unless_a_retry_deleted_it(
    harness,
) -> None:
    h = harness(lambda r: graph_error(404, "ResourceNotFound"))
    with pytest.raises(errors.NotFoundError):
        h.run(h.client.subscriptions.delete("gone"))
    # The first attempt deleted it and its answer was lost; the retry finds nothing.
    h = harness(sequence(httpx.ReadTimeout("lost"), graph_error(404, "ResourceNotFound")))
    assert h.run(h.client.subscriptions.delete("gone")) is None
    assert len(h.requests) == 2


def test_list_reads_every_page(harness) -> None:
    second = "https://graph.microsoft.com/v1.0/subscriptions?$skiptoken=2"
    h = harness(
        sequence(
            httpx.Response(200, json={"value": [SUB], "@odata.nextLink": second}),
            httpx.Response(200, json={"value": [{**SUB, "id": "two"}]}),
        )
    )
    subs = h.collect(h.client.subscriptions.list())
    assert [s.id for s in subs] == [SUB["id"], "two"]


def test_ids_are_checked(harness) -> None:
    h = harness(lambda r: httpx.Response(204))
    for call in (
        lambda: h.client.subscriptions.delete(""),
        lambda: h.client.subscriptions.reauthorize(None),
        lambda: h.client.subscriptions.renew("x\n", soon(days=1)),
    ):
        with pytest.raises(errors.ValidationError):
            h.run(call())
    assert h.requests == []


def test_the_client_state_is_not_in_the_subscriptions_repr() -> None:
    sub = Subscription.from_graph(SUB)
    assert sub.client_state == "s3cret"
    assert "s3cret" not in repr(sub)
    assert SUB["id"] in repr(sub)


# ------------------------------------------------------------------ Microsoft's examples


def test_the_documented_update_example_is_what_renew_sends_and_reads(harness) -> None:
    ex = example("subscription-update__01__update-subscription")
    h = harness(lambda r: httpx.Response(ex["response_status"], json=ex["response_body"]))
    sub = h.run(h.client.subscriptions.renew("7f105c7d", soon(days=1)))
    assert sub.id == ex["response_body"]["id"]
    assert sub.lifecycle_notification_url == ex["response_body"]["lifecycleNotificationUrl"]
    request = h.requests[0]
    assert request.method == ex["method"]
    assert set(_json(request)) == set(ex["request_body"])
    assert response_body("subscription-update__01__update-subscription")["changeType"] == (
        ",".join(sub.change_types)
    )


@pytest.mark.parametrize(
    "name",
    [
        "concept-webhooks__02__subscription-renewal-example",
        "concept-webhooks__03__deleting-a-subscription",
        "subscription-delete__01__delete-subscription",
    ],
)
def test_the_documented_requests_match_what_is_sent(harness, name: str) -> None:
    ex = example(name)
    h = harness(
        lambda r: httpx.Response(200, json=SUB) if r.method == "PATCH" else httpx.Response(204)
    )
    sid = ex["url"].rsplit("/", 1)[-1]
    if ex["method"] == "PATCH":
        h.run(h.client.subscriptions.renew(sid, soon(days=1)))
        assert set(_json(h.requests[0])) == set(ex["request_body"])
    else:
        h.run(h.client.subscriptions.delete(sid))
        assert h.requests[0].content == b""
    request = h.requests[0]
    assert request.method == ex["method"]
    assert unquote(str(request.url)) == ex["url"]
