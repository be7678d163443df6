"""Bad input fails before any request; a 2xx that is not the promised object is Graph's fault."""

from __future__ import annotations

import httpx
import pytest

from graphlink import errors


@pytest.mark.parametrize("bad", [123, 1.5, b"ada", ["ada"], True])
def test_non_text_queries_are_refused_before_sending(harness, bad) -> None:
    h = harness(lambda r: httpx.Response(200, json={"value": []}))
    for call in (
        lambda: h.client.users.list(bad),
        lambda: h.client.users.list(filter=bad),
        lambda: h.client.groups.list(bad),
        lambda: h.client.groups.list(filter=bad),
    ):
        with pytest.raises(errors.ValidationError):
            call()
    assert h.requests == []


@pytest.mark.parametrize("bad", [123, None, ("ada@contoso.com",)])
def test_non_text_references_are_refused_before_sending(harness, bad) -> None:
    h = harness(lambda r: httpx.Response(200, json={"id": "1"}))
    for call in (
        lambda: h.run(h.client.users.get(bad)),
        lambda: h.run(h.client.users.manager(bad)),
        lambda: h.client.users.groups(bad),
        lambda: h.run(h.client.groups.get(bad)),
        lambda: h.client.groups.members(bad),
    ):
        with pytest.raises(errors.ValidationError):
            call()
    assert h.requests == []


@pytest.mark.parametrize(("argument", "value"), [("transitive", "no"), ("select", 5)])
def test_other_bad_arguments_are_refused_before_sending(harness, argument, value) -> None:
    h = harness(lambda r: httpx.Response(200, json={"value": []}))
    with pytest.raises(errors.ValidationError, match=argument):
        h.client.groups.members("g1", **{argument: value})
    with pytest.raises(errors.ValidationError, match=argument):
        h.client.users.groups("u1", **{argument: value})
    assert h.requests == []


@pytest.mark.parametrize(
    "answer",
    [
        {"status_code": 204},
        {"status_code": 204, "content": b"   "},
        {"status_code": 200, "json": {"displayName": "No Id"}},
        {"status_code": 200, "json": ["not", "an", "object"]},
        {"status_code": 200, "json": {"id": "1", "displayName": 42}},
    ],
    ids=["204-empty", "204-blank", "no-id", "a-list", "wrong-type"],
)
def test_a_2xx_without_the_object_is_an_invalid_response(harness, answer) -> None:
    h = harness(lambda r: httpx.Response(**answer))
    with pytest.raises(errors.InvalidResponseError):
        h.run(h.client.users.get("u1"))
    with pytest.raises(errors.InvalidResponseError):
        h.run(h.client.users.manager("u1"))
    with pytest.raises(errors.InvalidResponseError):
        h.run(h.client.groups.get("g1"))


def test_an_email_lookup_answered_without_a_collection_is_an_invalid_response(harness) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/users"):
            return httpx.Response(200, json={"unexpected": True})
        return httpx.Response(404, json={"error": {"code": "Request_ResourceNotFound"}})

    h = harness(handler)
    with pytest.raises(errors.InvalidResponseError):
        h.run(h.client.users.get("ada@contoso.com"))


def test_a_page_item_that_is_not_an_object_is_an_invalid_response(harness) -> None:
    h = harness(lambda r: httpx.Response(200, json={"value": [{"id": "1"}, "oops"]}))
    with pytest.raises(errors.InvalidResponseError):
        h.collect(h.client.users.list())


def test_an_email_lookup_answered_without_an_id_goes_no_further(harness) -> None:
    """An item without an id must not become a request to /users/None/..."""

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path in ("/v1.0/users", "/v1.0/groups"):
            return httpx.Response(200, json={"value": [{"displayName": "No Id"}]})
        if path.startswith("/v1.0/users/ada%40contoso.com") or path.startswith(
            "/v1.0/users/ada@contoso.com"
        ):
            return httpx.Response(404, json={"error": {"code": "Request_ResourceNotFound"}})
        return httpx.Response(200, json={"id": "x", "value": []})

    h = harness(handler)
    for call in (
        lambda: h.run(h.client.users.get("ada@contoso.com")),
        lambda: h.run(h.client.users.manager("ada@contoso.com")),
        lambda: h.collect(h.client.users.groups("ada@contoso.com")),
        lambda: h.run(h.client.groups.get("team@contoso.com")),
        lambda: h.collect(h.client.groups.members("team@contoso.com")),
    ):
        with pytest.raises(errors.InvalidResponseError):
            call()
    assert not any("None" in str(r.url) for r in h.requests)


def test_select_given_as_a_generator_is_sent(harness) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1.0/groups":  # the email lookup
            return httpx.Response(200, json={"value": [{"id": "g1"}]})
        return httpx.Response(200, json={"value": []})

    h = harness(handler)
    h.collect(h.client.users.groups("u1", select=(f for f in ["extensionField"])))
    h.collect(h.client.groups.members("team@contoso.com", select=iter(["jobTitle2"])))
    selects = [r.url.params.get("$select", "") for r in h.requests]
    assert "extensionField" in selects[0].split(",")
    assert "jobTitle2" in selects[-1].split(",")
    assert "/groups/g1/members" in h.requests[-1].url.path
