"""Hostile input, property-based: what callers pass never changes a request's shape.

Ids and addresses full of ``/ ? # % ..``, quotes, Unicode and CR/LF go through the public
API (users, groups, events, mail, raw ``request``); each built request is captured at an
``httpx.MockTransport`` and checked: the same host and fixed path prefix, the same number
of path segments, each value back after percent-decoding, the same headers as for a plain
value. OData literals come back from the ``$filter`` they were written into (and FakeGraph's
own parser finds them); template values stay text in HTML; oversized ids are a
``ValidationError`` before anything is sent. ``tests/core/test_hostile.py`` holds the
example-based cases; this is the property layer over them.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from harness import mock_client
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from graphlink import errors
from graphlink._core.paths import odata_string
from graphlink.testing import FakeGraph

HOST = "graph.microsoft.com"
SVC = "svc@contoso.com"
START = datetime(2030, 1, 7, 9, tzinfo=UTC)
EVENT = {
    "id": "e1",
    "subject": "s",
    "start": {"dateTime": "2030-01-07T09:00:00.0000000", "timeZone": "UTC"},
    "end": {"dateTime": "2030-01-07T10:00:00.0000000", "timeZone": "UTC"},
}
USER = {"id": "u1", "displayName": "U", "mail": "u@contoso.com"}
BREAKS = ("\r", "\n", "\x00")

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# Pieces that break naive URL and header building, and text around them.
FRAGMENTS = st.sampled_from(
    ["/", "?", "#", "%", "%2F", "%2e%2e", "..", ".", "'", "''", '"', "\\", "&", "=", "+", ";",
     ":", "//", "://", "@", " ", "\t", "\r", "\n", "\r\n", "\x00", "é", "日本", "🙂", "\u202e",
     "$filter", "<script>", "Host: evil", "%0d%0a"]
)  # fmt: skip
HOSTILE = st.lists(st.one_of(FRAGMENTS, st.text(max_size=6)), min_size=1, max_size=8).map("".join)
# An id as directory and calendar ids come: no "@" (that makes it an address).
IDS = HOSTILE.map(lambda s: s.replace("@", ""))
# Local parts RFC 5322 allows unquoted (atext and dots), plus Unicode (SMTPUTF8).
LOCAL = st.text(
    alphabet=st.sampled_from([*"abcXYZ019!#$%&'*+-/=?^_`{|}~.", "é", "ü", "日"]),
    min_size=1,
    max_size=20,
)
ADDRESSES = st.builds(lambda local: f"{local}@contoso.com", LOCAL)
MODES = pytest.mark.parametrize("mode", ["sync", "async"])


# ------------------------------------------------------------------ capturing requests


class Captured:
    """A sync or async client on a MockTransport; every request it builds is kept."""

    def __init__(self, mode: str, answer: Callable[[httpx.Request], httpx.Response]) -> None:
        self.mode = mode
        self.requests: list[httpx.Request] = []

        def record(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return answer(request)

        self.client: Any = mock_client(mode, record, service_account=SVC)

    def run(self, call: Callable[[Any], Any]) -> Any:
        """``call(client)``, awaited on the async client; paginators are listed."""

        def listed(value: Any) -> Any:
            return value.to_list() if hasattr(value, "to_list") else value

        if self.mode == "sync":
            return listed(call(self.client))

        async def go() -> Any:
            value = listed(call(self.client))
            return await value if asyncio.iscoroutine(value) else value

        return asyncio.run(go())


def answer(request: httpx.Request) -> httpx.Response:
    """200 with a body each endpoint used here can parse."""
    path = request.url.path
    if path.endswith("/sendMail"):
        return httpx.Response(202)
    if "/events" in path:
        return httpx.Response(201 if request.method == "POST" else 200, json=EVENT)
    if path.lower().endswith("members") or request.url.params.get("$filter"):
        return httpx.Response(200, json={"value": [USER]})
    return httpx.Response(200, json=USER)


def segments(request: httpx.Request) -> list[str]:
    """The raw path's segments, still percent-encoded (``['', 'v1.0', 'users', ...]``)."""
    return request.url.raw_path.decode("ascii").split("?", 1)[0].split("/")


_BASELINE: dict[str, dict[str, str]] = {}


def baseline(mode: str, method: str, call: Callable[[Any], Any]) -> dict[str, str]:
    """The headers a plain value gets (client-request-id left out: one per call)."""
    key = f"{mode} {method}"
    if key not in _BASELINE:
        captured = Captured(mode, answer)
        captured.run(call)
        _BASELINE[key] = fixed_headers(captured.requests[0])
    return _BASELINE[key]


def fixed_headers(request: httpx.Request) -> dict[str, str]:
    headers = {k.lower(): v for k, v in request.headers.items()}
    headers.pop("client-request-id", None)
    headers.pop("content-length", None)  # the body's size, checked with the body
    return headers


def refused_or_kept(
    mode: str, value: str, call: Callable[[Any], Any], must_refuse: bool
) -> Captured | None:
    """Run ``call``; a refusal must be a ``ValidationError`` with nothing sent (and happens
    exactly when ``must_refuse``). The client, when it sent something."""
    captured = Captured(mode, answer)
    try:
        captured.run(call)
    except errors.ValidationError:
        assert captured.requests == [], "a refused call sent a request"
        assert must_refuse, f"refused a value that can be sent: {value!r}"
        return None
    assert not must_refuse, f"sent a value that must be refused: {value!r}"
    return captured


def must_refuse_id(value: str) -> bool:
    return any(ch in value for ch in BREAKS) or not value.strip()


def check_shape(request: httpx.Request, expected: list[str | None]) -> list[str]:
    """Host, segment count and literal segments as expected (``None``: a value); returns
    the decoded values."""
    assert request.url.host == HOST
    assert request.url.scheme == "https"
    parts = segments(request)
    assert len(parts) == len(expected), parts
    values = []
    for part, want in zip(parts, expected, strict=True):
        if want is None:
            assert not set(part) & set("/?#"), part
            values.append(unquote(part))
        else:
            assert part == want
    return values


# ------------------------------------------------------------------ ids in paths


@MODES
@SETTINGS
@given(user_id=IDS)
@example(user_id="../me")
@example(user_id="a/../../beta/me?x=1#y")
@example(user_id="%2e%2e")
def test_users_get_keeps_the_path(mode: str, user_id: str) -> None:
    captured = refused_or_kept(
        mode, user_id, lambda c: c.users.get(user_id), must_refuse_id(user_id)
    )
    if captured is None:
        return
    (request,) = captured.requests
    assert check_shape(request, ["", "v1.0", "users", None]) == [user_id.strip()]
    assert list(request.url.params) == ["$select"]
    assert fixed_headers(request) == baseline(mode, "GET", lambda c: c.users.get("plain"))


@MODES
@SETTINGS
@given(group_id=IDS, transitive=st.booleans())
def test_group_members_keep_the_path(mode: str, group_id: str, transitive: bool) -> None:
    captured = refused_or_kept(
        mode,
        group_id,
        lambda c: c.groups.members(group_id, transitive=transitive),
        must_refuse_id(group_id),
    )
    if captured is None:
        return
    (request,) = captured.requests
    relation = "transitiveMembers" if transitive else "members"
    assert check_shape(request, ["", "v1.0", "groups", None, relation]) == [group_id.strip()]
    headers = baseline(mode, "members", lambda c: c.groups.members("plain"))
    assert fixed_headers(request) == headers


@MODES
@SETTINGS
@given(user_id=IDS, event_id=IDS)
def test_events_get_keeps_the_path(mode: str, user_id: str, event_id: str) -> None:
    captured = refused_or_kept(
        mode,
        user_id + event_id,
        lambda c: c.events.get("a-calendar-id", event_id, user_id=user_id),
        must_refuse_id(user_id) or must_refuse_id(event_id),
    )
    if captured is None:
        return
    (request,) = captured.requests
    values = check_shape(request, ["", "v1.0", "users", None, "events", None])
    assert values == [user_id.strip(), event_id.strip()]
    headers = baseline(mode, "GET event", lambda c: c.events.get("cal", "ev", user_id="u"))
    assert fixed_headers(request) == headers


@MODES
@SETTINGS
@given(user_id=IDS, calendar_id=IDS, title=HOSTILE)
def test_events_create_keeps_the_path_and_the_title(
    mode: str, user_id: str, calendar_id: str, title: str
) -> None:
    def create(c: Any) -> Any:
        return c.events.create(
            title, START, START + timedelta(hours=1), user_id=user_id, calendar_id=calendar_id
        )

    refuse = must_refuse_id(user_id) or must_refuse_id(calendar_id)
    captured = refused_or_kept(mode, user_id + calendar_id, create, refuse)
    if captured is None:
        return
    (request,) = captured.requests
    values = check_shape(request, ["", "v1.0", "users", None, "calendars", None, "events"])
    assert values == [user_id.strip(), calendar_id.strip()]
    assert json.loads(request.content)["subject"] == title  # the title is data, unchanged
    headers = baseline(
        mode, "POST event", lambda c: c.events.create("t", START, user_id="u", calendar_id="c")
    )
    assert fixed_headers(request) == headers


# ------------------------------------------------------------------ addresses


@MODES
@SETTINGS
@given(name=st.one_of(st.none(), HOSTILE), address=st.one_of(ADDRESSES, HOSTILE))
def test_mail_to_hostile_recipients_is_refused_or_encoded(
    mode: str, name: str | None, address: str
) -> None:
    """A recipient is refused (``ValidationError``, nothing sent) or travels as JSON data:
    the same request line and headers as any mail, the name and address back unchanged."""
    captured = Captured(mode, answer)
    try:
        captured.run(lambda c: c.mail.send((name, address), "Hello", message_plaintext="Hi"))
    except errors.ValidationError:
        assert captured.requests == []
        return
    assert not any(ch in (name or "") + address for ch in BREAKS)
    (request,) = captured.requests
    assert check_shape(request, ["", "v1.0", "users", None, "sendMail"]) == [SVC]
    body = json.loads(request.content)
    (sent,) = body["message"]["toRecipients"]
    assert sent["emailAddress"]["address"] == address.strip()
    assert sent["emailAddress"].get("name") == ((name or "").strip() or None)
    headers = baseline(
        mode, "sendMail", lambda c: c.mail.send("a@contoso.com", "Hello", message_plaintext="Hi")
    )
    assert fixed_headers(request) == headers


@MODES
def test_a_display_name_that_is_an_address_adds_no_recipient(mode: str) -> None:
    """A display name from a form that is a valid address never becomes a recipient (a
    2-tuple whose name holds '@' was read as two addresses)."""
    captured = Captured(mode, answer)
    pair = ("attacker@evil.example", "host@contoso.com")
    try:
        captured.run(lambda c: c.mail.send(pair, "Your visitor", message_plaintext="Hi"))
    except errors.ValidationError:
        return
    (request,) = captured.requests
    sent = json.loads(request.content)["message"]["toRecipients"]
    assert [r["emailAddress"]["address"] for r in sent] == ["host@contoso.com"]


@MODES
@SETTINGS
@given(sender=st.one_of(ADDRESSES, HOSTILE))
def test_mail_from_a_hostile_sender_keeps_the_path(mode: str, sender: str) -> None:
    captured = Captured(mode, answer)
    try:
        captured.run(lambda c: c.mail.send(SVC, "Hello", message_plaintext="Hi", from_=sender))
    except errors.ValidationError:
        assert captured.requests == []
        return
    (request,) = captured.requests
    assert check_shape(request, ["", "v1.0", "users", None, "sendMail"]) == [sender.strip()]


@MODES
@SETTINGS
@given(email=ADDRESSES)
@example(email="o'brien@contoso.com")
@example(email="a'' or 1 eq 1 or ''@contoso.com")
def test_an_email_lookup_round_trips_its_odata_literal(mode: str, email: str) -> None:
    """``users.get(email)``: the path first, then ``$filter`` with the email as a literal."""

    def not_found_then_list(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("$filter"):
            return httpx.Response(200, json={"value": [USER]})
        return httpx.Response(404, json={"error": {"code": "Request_ResourceNotFound"}})

    captured = Captured(mode, not_found_then_list)
    try:
        captured.run(lambda c: c.users.get(email))
    except errors.ValidationError:
        assert captured.requests == []
        return
    first, second = captured.requests
    assert check_shape(first, ["", "v1.0", "users", None]) == [email]
    check_shape(second, ["", "v1.0", "users"])
    match = re.fullmatch(
        r"mail eq '((?:[^']|'')*)' or userPrincipalName eq '((?:[^']|'')*)'",
        second.url.params["$filter"],
    )
    assert match is not None, "the literal broke out of its quotes"
    assert [g.replace("''", "'") for g in match.groups()] == [email, email]


# ------------------------------------------------------------------ OData literals

WORDS = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1
).filter(lambda w: w.split() == [w])


@SETTINGS
@given(value=st.text().filter(lambda s: not any(ch in s for ch in BREAKS)))
@example(value="O'Brien")
@example(value="') or true or ('")
def test_odata_string_round_trips(value: str) -> None:
    literal = odata_string(value)
    assert re.fullmatch(r"'(?:[^']|'')*'", literal)
    assert literal[1:-1].replace("''", "'") == value


@MODES
@SETTINGS
@given(words=st.lists(WORDS, min_size=1, max_size=3))
def test_a_user_query_round_trips_each_word(mode: str, words: list[str]) -> None:
    captured = Captured(mode, answer)
    captured.run(lambda c: c.users.list(query=" ".join(words)))
    (request,) = captured.requests
    literals = re.findall(r"startswith\(\w+,'((?:[^']|'')*)'\)", request.url.params["$filter"])
    assert {literal.replace("''", "'") for literal in literals} == set(words)


@SETTINGS
@given(
    word=st.lists(
        st.sampled_from([*"ab'\"%/?#&+é日()", "''", ")or(", "eq"]), min_size=1, max_size=8
    ).map("".join),
)
@example(word="O'Brien")
@example(word="a')or(true")
def test_fakegraph_finds_a_user_by_a_hostile_name(word: str) -> None:
    """The client writes the literal, FakeGraph's own OData parser reads it back."""
    fake = FakeGraph()
    fake.add_user("decoy@contoso.com", "Decoy Person")
    wanted = fake.add_user("wanted@contoso.com", word + " Person")
    client = fake.client()
    found = client.users.list(query=word).to_list()
    assert [u.id for u in found] == [wanted["id"]]


# ------------------------------------------------------------------ template values in HTML


class Shape(HTMLParser):
    """The tags, attributes and text of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        self.tags.append(("/" + tag, []))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


TEMPLATES = {
    "visit": {
        "host": {
            "subject": "A visitor",
            "html": '<p title="%{name}">Hello %{name}</p>',
            "text": "Hello %{name}",
        }
    }
}


@MODES
@SETTINGS
@given(value=HOSTILE)
@example(value='<script>alert("x")</script>')
@example(value="\"><img src=x onerror=alert(1)>'")
def test_template_values_stay_text_in_html(mode: str, value: str) -> None:
    captured = Captured(mode, answer)
    captured.client = type(captured.client)(
        http_client=captured.client._transport.http,
        token="secret-token-value",
        service_account=SVC,
        email_templates=TEMPLATES,
    )
    captured.run(lambda c: c.mail.send_template("a@contoso.com", "visit.host", {"name": value}))
    (request,) = captured.requests
    content = json.loads(request.content)["message"]["body"]["content"]
    shape = Shape()
    shape.feed(content)
    shape.close()
    # Exactly the template's markup; the value is the attribute's value and the text.
    assert shape.tags == [("p", [("title", value)]), ("/p", [])]
    assert "".join(shape.text) == "Hello " + value


# ------------------------------------------------------------------ raw request paths


@MODES
@SETTINGS
@given(tail=HOSTILE, prefer=HOSTILE)
def test_a_raw_path_stays_under_the_graph_root(mode: str, tail: str, prefer: str) -> None:
    """``request(method, path)`` uses its path as given (the caller encodes values), but
    never leaves the Graph host or its ``/v1.0`` root, and caller headers stay one header.
    Dot segments and ``://`` have their own tests below."""
    assume("://" not in tail)
    assume(not re.search(r"(^|/)\.\.?(/|$|\?)", tail.split("?", 1)[0]))
    path = "/users/" + tail
    captured = Captured(mode, answer)
    try:
        captured.run(lambda c: c.request("GET", path, headers={"Prefer": prefer}))
    except errors.ValidationError:
        assert captured.requests == []
        bad_header = not prefer.isascii() or not prefer.isprintable()
        control = any(ord(ch) < 32 or ord(ch) == 127 for ch in path)  # httpx refuses them
        assert "#" in tail or control or bad_header
        return
    (request,) = captured.requests
    assert request.url.host == HOST
    assert request.url.raw_path.startswith(b"/v1.0/users/")
    assert request.headers.get_list("prefer") == [prefer.strip()] or request.headers.get_list(
        "prefer"
    ) == [prefer]
    sent = {k.lower() for k in request.headers}
    assert sent == set(baseline(mode, "raw", lambda c: c.request("GET", "/users/x"))) | {
        "prefer",
        "client-request-id",
    }


DOTS = st.tuples(st.sampled_from(["..", "../..", "a/../..", "./../.."]), IDS).map(
    lambda t: t[0] + "/beta/" + t[1].replace("#", "").replace("://", "")
)


@MODES
@SETTINGS
@given(tail=DOTS)
@example(tail="../../beta/me")
def test_a_raw_path_with_dot_segments_stays_under_the_root(mode: str, tail: str) -> None:
    """httpx resolves dot segments ('/users/../../beta/x' went out as '/beta/x'): a raw
    path with them is refused, or sent under ``/v1.0``."""
    assume(not any(ch in tail for ch in BREAKS))
    captured = Captured(mode, answer)
    try:
        captured.run(lambda c: c.request("GET", "/users/" + tail))
    except errors.ValidationError:
        return
    (request,) = captured.requests
    assert request.url.raw_path.startswith(b"/v1.0/")


@MODES
@SETTINGS
@given(url=st.sampled_from(["https://contoso.sharepoint.com/x", "http://a", "mailto://b"]))
def test_a_raw_path_with_a_url_in_its_query_is_sent(mode: str, url: str) -> None:
    """A path holding '://' (a URL in a ``$filter``) was taken for a paging link and
    refused with ``UnsafeLinkError``; it is sent under the root."""
    path = f"/users?$filter=startswith(mySite,'{url}')"
    captured = Captured(mode, answer)
    try:
        captured.run(lambda c: c.request("GET", path))
    except errors.ValidationError:
        return  # refusing it clearly is acceptable too
    (request,) = captured.requests
    assert request.url.host == HOST
    assert request.url.params["$filter"] == f"startswith(mySite,'{url}')"


# ------------------------------------------------------------------ oversized input

# Past httpx's URL limit (65,536 characters): refused before anything is sent.
HUGE = st.builds(lambda n, c: c * n, st.integers(70_000, 300_000), st.sampled_from("a%/é'"))


@MODES
@settings(max_examples=8, deadline=None)
@given(huge=HUGE, where=st.sampled_from(["user", "group", "event", "create", "sender", "raw"]))
def test_oversized_input_is_a_validation_error_before_any_request(
    mode: str, huge: str, where: str
) -> None:
    calls: dict[str, Callable[[Any], Any]] = {
        "user": lambda c: c.users.get(huge),
        "group": lambda c: c.groups.members(huge),
        "event": lambda c: c.events.get("cal", huge, user_id="u"),
        "create": lambda c: c.events.create("t", START, user_id=huge),
        "sender": lambda c: c.mail.send(SVC, "s", message_plaintext="x", from_=huge + "@c.com"),
        "raw": lambda c: c.request("GET", "/users/" + huge),
    }
    captured = Captured(mode, answer)
    with pytest.raises(errors.ValidationError):
        captured.run(calls[where])
    assert captured.requests == []
