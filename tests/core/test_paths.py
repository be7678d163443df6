"""Path segments, OData literals and header values built from user input."""

from __future__ import annotations

import httpx
import pytest

from graphlink import errors, odata_string, segment
from graphlink._core.request import RequestSpec, limit_key


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("alex@contoso.com", "alex%40contoso.com"),
        ("AAMkAGI2T/+abc==", "AAMkAGI2T%2F%2Babc%3D%3D"),
        ("../me", "..%2Fme"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("a b?c#d%e", "a%20b%3Fc%23d%25e"),
        ("O'Brien", "O%27Brien"),
    ],
)
def test_segment_encoding(value, encoded) -> None:
    assert segment(value) == encoded


@pytest.mark.parametrize("bad", ["", "a\r\nb", "a\nb", "a\x00b"])
def test_segment_refuses_bad_values(bad) -> None:
    with pytest.raises(errors.ValidationError):
        segment(bad)


def test_segment_refuses_non_strings() -> None:
    with pytest.raises(errors.ValidationError):
        segment(42)  # type: ignore[arg-type]


def test_odata_string_escaping() -> None:
    assert odata_string("O'Brien") == "'O''Brien'"
    assert odata_string("''") == "''''''"
    with pytest.raises(errors.ValidationError):
        odata_string("a\nb")


def test_encoded_segments_reach_the_wire_unchanged(harness) -> None:
    h = harness(lambda r: httpx.Response(200, json={}))
    h.request("GET", f"/users/{segment('../me')}/events/{segment('AAMk/+=')}")
    assert h.requests[0].url.raw_path == b"/v1.0/users/..%2Fme/events/AAMk%2F%2B%3D"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"headers": {"Prefer": "x\r\nAuthorization: Bearer evil"}},
        {"headers": {"X-Bad\n": "v"}},
        {"params": {"$filter": "a\r\nb"}},
        {"headers": {"Bad Name": "v"}},
        {"headers": {"Prefer": 'outlook.timezone="Café"'}},
        {"headers": {"authorization": "Bearer other"}},
        {"headers": {"Client-Request-Id": "mine"}},
    ],
)
def test_crlf_anywhere_is_refused_before_sending(harness, kwargs) -> None:
    h = harness(lambda r: httpx.Response(200, json={}))
    with pytest.raises(errors.ValidationError):
        h.request("GET", "/users", **kwargs)
    assert h.requests == []


def test_caller_headers_merge_case_insensitively(harness) -> None:
    h = harness(lambda r: httpx.Response(200, json={}))
    h.request("GET", "/users", headers={"accept": "text/plain", "prefer": "x"})
    sent = h.requests[0].headers
    assert sent.get_list("accept") == ["text/plain"]
    assert sent.get_list("authorization") == ["Bearer secret-token-value"]
    assert sent["Prefer"] == "x"


def test_non_ascii_query_values_are_fine(harness) -> None:
    h = harness(lambda r: httpx.Response(200, json={"value": []}))
    h.collect(h.client.paginate("/users", params={"$filter": "startswith(displayName,'Seán')"}))
    assert h.requests[0].url.params["$filter"] == "startswith(displayName,'Seán')"


def test_crlf_in_path_is_refused(harness) -> None:
    h = harness(lambda r: httpx.Response(200, json={}))
    with pytest.raises(errors.ValidationError):
        h.request("GET", "/users/a\r\nb")
    with pytest.raises(errors.ValidationError):
        h.request("GET", "users")  # not rooted
    assert h.requests == []


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("/users/Alex%40contoso.com/events", "mailbox:alex@contoso.com"),
        ("/users/abc/calendar/calendarView?x=1", "mailbox:abc"),
        ("/users/abc/sendMail", "mailbox:abc"),
        ("/me/events", "mailbox:me"),
        ("/users/abc", "tenant"),
        ("/groups/g/members", "tenant"),
        ("https://graph.microsoft.com/v1.0/users/x/events?$skip=10", "mailbox:x"),
    ],
)
def test_limit_keys(url, key) -> None:
    assert limit_key(url) == key
    assert RequestSpec(method="get", url=url).key == key
