"""What a ``$batch`` call looks like: checked against Graph's documented batching examples
(``concept-json-batching*``), ``dependsOn`` under exactly that key, item URLs relative to the
version root with their query string, the same request in a batch as alone, sync == async;
and what cannot be batched, refused when queued."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx
import pytest
from batch_support import (
    BATCH_URL,
    END,
    START,
    SVC,
    BatchServer,
    in_batch,
    outcome,
    plausible,
    room,
    serve,
)
from examples import example
from harness import Harness

from graphlink import errors
from graphlink.models import Attachment, Event, Group, User

FIRST = "concept-json-batching__01__first-json-batch-request"
LATEST = "concept-json-batching-2025__01__json-batching-example-request"
ENTRY_KEYS = {"id", "method", "url", "headers", "body", "dependsOn"}


def split_url(url: str) -> tuple[str, list[tuple[str, str]]]:
    """An item URL as (path with a leading slash, decoded query pairs)."""
    parts = urlsplit(url)
    return "/" + unquote(parts.path).lstrip("/"), parse_qsl(parts.query, keep_blank_values=True)


def documented(name: str) -> tuple[dict[str, Any], Any]:
    """An example's request body, and a handler answering its documented response."""
    data = example(name)
    assert data["method"] == "POST"
    assert data["url"] == BATCH_URL

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(data["response_status"], json=data["response_body"])

    return data, handler


def assert_entry_like(sent: dict[str, Any], documented_entry: dict[str, Any]) -> None:
    """One sent item has the documented item's shape and meaning."""
    assert set(sent) <= ENTRY_KEYS, sent
    assert set(sent) == set(documented_entry), (sent, documented_entry)
    assert sent["id"] == documented_entry["id"]
    assert isinstance(sent["id"], str)
    assert sent["method"] == documented_entry["method"]
    assert not sent["url"].lower().startswith(("/v1.0", "v1.0", "http")), sent["url"]
    assert split_url(sent["url"]) == split_url(documented_entry["url"])
    if "headers" in documented_entry:
        assert sent["headers"] == documented_entry["headers"]
    if "body" in documented_entry:
        assert sent["body"] == documented_entry["body"]


# ------------------------------------------------------------------ the documented examples


def test_the_2025_example_is_sent_as_documented_and_each_answer_typed(harness) -> None:
    data, handler = documented(LATEST)
    h = harness(handler)

    def fill(batch):
        return [
            batch.request("GET", "/me/memberOf"),
            batch.request("GET", "/me/planner/tasks"),
            batch.request("DELETE", "/groups/0e226165-c685-41ce-8bfc-df8360ab325d"),
            batch.request(
                "POST",
                "/users/161ab652-cdbc-490d-82a4-0ada1f0db247/getPasswordSingleSignOnCredentials",
                json={},
            ),
            batch.request(
                "GET",
                "/users",
                params={
                    "$select": "id,displayName,userPrincipalName",
                    "$filter": "city eq null",
                    "$count": "true",
                },
                headers={"ConsistencyLevel": "eventual"},
            ),
        ]

    handles = in_batch(h, fill)

    (request,) = h.requests
    assert request.method == "POST"
    assert str(request.url) == BATCH_URL
    assert request.headers["content-type"].startswith("application/json")
    sent = json.loads(request.content)
    assert list(sent) == ["requests"]
    expected = data["request_body"]["requests"]
    assert len(sent["requests"]) == len(expected)
    for mine, theirs in zip(sent["requests"], expected, strict=True):
        assert_entry_like(mine, theirs)

    members, tasks, delete, sso, users = (outcome(x) for x in handles)
    assert members["value"][0]["displayName"] == "User Administrator"
    assert isinstance(tasks, errors.PermissionDeniedError)
    assert tasks.code == ""
    assert isinstance(delete, errors.PermissionDeniedError)
    assert delete.code == "Authorization_RequestDenied"
    assert isinstance(sso, errors.GraphAPIError)
    assert sso.status_code == 405
    assert sso.code == "Request_BadRequest"
    assert users["@odata.count"] == 36


def test_the_first_example_answered_out_of_order_is_matched_by_id(harness) -> None:
    data, handler = documented(FIRST)
    h = harness(handler)

    def fill(batch):
        return [
            batch.request("GET", "/me/drive/root:/report.docx:/content"),
            batch.request("GET", "/me/planner/tasks"),
            batch.request("GET", "/groups/abc/events"),
            batch.request("PATCH", "/me", json={"city": "Redmond"}),
        ]

    content, tasks, events, patch = in_batch(h, fill)

    sent = json.loads(h.requests[0].content)["requests"]
    for mine, theirs in zip(sent[1:], data["request_body"]["requests"][1:], strict=True):
        assert set(mine) == set(theirs)
        assert mine["method"] == theirs["method"]
        assert mine["id"] == theirs["id"]
    assert sent[3]["headers"] == {"Content-Type": "application/json"}
    assert sent[3]["body"] == {"city": "Redmond"}
    assert sent[0]["url"] == "/me/drive/root:/report.docx:/content"
    # Answered 1, 3, 2, 4: each handle gets its own answer.
    assert tasks.result() == {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.plannerTask)",
        "value": [],
    }
    with pytest.raises(errors.AuthenticationError) as failed:
        events.result()
    assert failed.value.status_code == 401
    assert failed.value.code == "Forbidden"
    assert patch.result() is None
    assert content.done()


# ------------------------------------------------------------------ dependsOn


def test_depends_on_is_sent_as_graphs_dependsOn_list(harness) -> None:
    h = serve(harness)

    def fill(batch):
        a = batch.request("GET", "/users/a")
        b = batch.request("GET", "/users/b", depends_on=a)
        c = batch.request("GET", "/users/c", depends_on=[a, b])
        d = batch.request("GET", "/users/d", depends_on=(x for x in [c]))
        return a, b, c, d

    a, b, c, d = in_batch(h, fill)

    (call,) = h.server.calls
    by_id = {e["id"]: e for e in call}
    assert "dependsOn" not in by_id[a.id]
    assert by_id[b.id]["dependsOn"] == [a.id]
    assert by_id[c.id]["dependsOn"] == [a.id, b.id]
    assert by_id[d.id]["dependsOn"] == [c.id]
    for entry in call:
        assert set(entry) <= ENTRY_KEYS  # never depends_on / dependson / DependsOn
        assert all(isinstance(x, str) for x in entry.get("dependsOn", []))
    # In queue order: what an item depends on comes before it.
    assert [e["id"] for e in call] == [a.id, b.id, c.id, d.id]
    assert len({a.id, b.id, c.id, d.id}) == 4


# ------------------------------------------------------------------ same request as alone


def standalone(mode: str, call) -> httpx.Request:
    """The request ``call(client)`` sends on its own (answered plausibly)."""

    def handler(request: httpx.Request) -> httpx.Response:
        entry = {
            "id": "1",
            "method": request.method,
            "url": request.url.path.removeprefix("/v1.0"),
            "body": json.loads(request.content) if request.content else None,
        }
        status, body, _ = plausible(entry, 0)
        return httpx.Response(status, json=body) if body is not None else httpx.Response(status)

    h = Harness(mode, handler, service_account=SVC)
    value = call(h.client)
    if hasattr(value, "to_list"):
        h.collect(value)
    else:
        h.run(value)
    (request,) = h.requests
    return request


CALLS = {
    "events.create": (
        lambda ns: ns.events.create(
            "Stand-up", START, END, calendar_id=room(1), transaction_id="txn-1"
        ),
        lambda c: c.events.create(
            "Stand-up", START, END, calendar_id=room(1), transaction_id="txn-1"
        ),
    ),
    "events.list": (
        lambda ns: ns.events.list(room(2), START, END),
        lambda c: c.events.list(room(2), START, END),
    ),
    "events.get": (
        lambda ns: ns.events.get(room(3), "AAMk=="),
        lambda c: c.events.get(room(3), "AAMk=="),
    ),
    "users.get": (lambda ns: ns.users.get("u-123"), lambda c: c.users.get("u-123")),
    "groups.get": (lambda ns: ns.groups.get("g-1"), lambda c: c.groups.get("g-1")),
    "mail.send": (
        lambda ns: ns.mail.send(["ada@contoso.com"], "Hi", message_plaintext="hello"),
        lambda c: c.mail.send(["ada@contoso.com"], "Hi", message_plaintext="hello"),
    ),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_an_item_is_the_request_the_client_sends_alone(harness, mode, name) -> None:
    queue, alone = CALLS[name]
    h = serve(harness)
    handle = in_batch(h, queue)
    (entry,) = h.server.items()
    single = standalone(mode, alone)

    assert entry["method"] == single.method
    assert not entry["url"].startswith(("/v1.0", "http"))
    path, query = split_url(entry["url"])
    assert path == unquote(single.url.path).removeprefix("/v1.0")
    assert query == parse_qsl(single.url.query.decode(), keep_blank_values=True)
    body = json.loads(single.content) if single.content else None
    assert entry.get("body") == body
    if body is not None:
        assert entry["headers"]["Content-Type"] == "application/json"
    for name_, value in entry.get("headers", {}).items():
        if name_.lower() != "content-type":
            assert single.headers[name_] == value  # Prefer, ConsistencyLevel, ...
    assert handle.done()


def test_namespaces_resolve_to_typed_results(harness) -> None:
    h = serve(harness)

    def fill(batch):
        return (
            batch.events.create("Stand-up", START, END, calendar_id=room(1)),
            batch.events.list(room(2), START, END),
            batch.events.get(room(3), "E9"),
            batch.users.get("ada@contoso.com"),
            batch.groups.get("g-1"),
            batch.mail.send(["ada@contoso.com"], "Hi", message_plaintext="hello"),
            batch.request("GET", "/organization"),
        )

    created, listed, got, user, group, mail, raw = in_batch(h, fill)

    assert isinstance(created.result(), Event)
    assert created.result().subject == "Stand-up"
    assert [type(e) for e in listed.result()] == [Event]
    assert isinstance(got.result(), Event)
    assert got.result().id == "E9"
    assert isinstance(user.result(), User)
    assert isinstance(group.result(), Group)
    assert mail.result() is None
    assert raw.result() == {"id": raw.id, "echo": "/organization"}
    urls = [e["url"] for e in h.server.items()]
    assert urls[3].startswith("/users?") or urls[3].startswith("/users/ada@contoso.com")


# ------------------------------------------------------------------ sync == async


def queue_everything(batch) -> None:
    a = batch.events.create("A", START, END, calendar_id=room(1), transaction_id="t-a")
    batch.events.create("B", START, END, calendar_id=room(1), transaction_id="t-b", depends_on=a)
    batch.events.list(room(2), START, END)
    batch.users.get("ada@contoso.com", select=["id", "mail"])
    batch.groups.get("team@contoso.com")
    batch.mail.send(["bob@contoso.com"], "Hi", message_html="<p>hi</p>")
    batch.request("GET", "/users", params={"$filter": "city eq 'Paris'"}, headers={"X-A": "1"})
    for n in range(25):
        batch.request("GET", f"/users/u{n}")


def test_sync_and_async_send_the_same_requests() -> None:
    sent = {}
    for mode in ("sync", "async"):
        server = BatchServer()
        h = Harness(mode, server, service_account=SVC)
        in_batch(h, queue_everything)
        sent[mode] = [(r.method, str(r.url), json.loads(r.content)) for r in h.requests]
    assert len(sent["sync"]) == 2
    assert sent["sync"] == sent["async"]


# ------------------------------------------------------------------ cannot be batched

MiB = 1024 * 1024


def test_what_cannot_be_batched_is_refused_when_queued(harness) -> None:
    h = serve(harness)
    refusals = {
        "mail over 4 MB": lambda b: b.mail.send(
            ["ada@contoso.com"], "Big", message_plaintext="x" * (4 * MiB + 10)
        ),
        "3 MB attachment": lambda b: b.mail.send(
            ["ada@contoso.com"],
            "Att",
            message_plaintext="see attached",
            attachments=[Attachment("big.bin", b"\0" * (3 * MiB), "application/octet-stream")],
        ),
        "mail of 3.8 MB (fits alone, not in a call)": lambda b: b.mail.send(
            ["ada@contoso.com"], "Big", message_plaintext="x" * 3_800_000
        ),
        "absolute URL": lambda b: b.request("GET", "https://graph.microsoft.com/v1.0/me"),
        "another $batch": lambda b: b.request("POST", "/$batch", json={"requests": []}),
    }

    def fill(batch):
        for name, queue in refusals.items():
            with pytest.raises(errors.ValidationError):
                queue(batch)
            assert h.requests == [], name  # refused before any request
        return batch.request("GET", "/organization/still-sent")

    kept = in_batch(h, fill)

    assert [e["url"] for e in h.server.items()] == ["/organization/still-sent"]
    assert kept.result()["echo"] == "/organization/still-sent"


def test_a_mail_under_3_mb_attachments_is_batched(harness) -> None:
    h = serve(harness)
    attachment = Attachment("small.bin", b"\1" * (2 * MiB), "application/octet-stream")

    sent = in_batch(
        h,
        lambda b: b.mail.send(
            ["ada@contoso.com"], "Att", message_plaintext="see", attachments=[attachment]
        ),
    )

    (entry,) = h.server.items()
    assert unquote(entry["url"]) == f"/users/{SVC}/sendMail"
    assert entry["body"]["message"]["attachments"][0]["name"] == "small.bin"
    assert sent.result() is None
