"""FakeGraph's view of HTTP: ``Call`` in, ``Reply`` out, and Graph's error body.

``to_call`` turns an httpx request into a ``Call``, ``to_response`` turns a ``Reply`` into an
httpx response; everything between (the engine, the routes) sees only these two.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

import attrs
import httpx

__all__ = [
    "JSON_TYPE",
    "STRAY_BODY",
    "Call",
    "ConnectionFault",
    "Reply",
    "TruncatedStream",
    "bare_error_reply",
    "empty_reply",
    "error_body",
    "internal_error_reply",
    "json_reply",
    "parse_query",
    "prefer_applied",
    "reply_content",
    "split_version",
    "to_call",
    "to_response",
]

#: The ``Content-Type`` Graph answers JSON with.
JSON_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;"
    "charset=utf-8"
)


@attrs.frozen
class Call:
    """One request as FakeGraph sees it (also one item of a ``$batch``)."""

    method: str
    #: The path relative to the version root (``/users/x``) or, off Graph, the URL path.
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: Any
    raw: bytes
    #: ``scheme://host[:port]`` the request arrived at: links FakeGraph writes use it.
    origin: str
    #: ``v1.0`` / ``beta`` for Graph calls, ``""`` for the token endpoint and upload URLs.
    version: str
    #: The query's pairs in order, repeats kept (``query`` keeps the last of each name);
    #: empty when the call was built without them.
    query_items: tuple[tuple[str, str], ...] = ()

    @property
    def root(self) -> str:
        """The Graph root the caller used, e.g. ``https://graph.microsoft.com/v1.0``."""
        return f"{self.origin}/{self.version}"

    def param(self, name: str) -> str | None:
        """A query parameter by OData name, with or without ``$``, case-insensitive."""
        bare = name.lstrip("$").lower()
        for key, value in self.query.items():
            if key.lower().lstrip("$") == bare:
                return value
        return None

    def header(self, name: str) -> str | None:
        """A request header, case-insensitive."""
        low = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == low), None)

    def prefer(self, name: str) -> str | None:
        """A ``Prefer`` preference value (``odata.maxpagesize``, ``outlook.timezone``)."""
        for part in (self.header("Prefer") or "").split(","):
            key, _, value = part.strip().partition("=")
            if key.strip().lower() == name.lower():
                return value.strip().strip('"')
        return None


@attrs.frozen
class Reply:
    """A response before it becomes bytes: status, JSON or text body, headers."""

    status: int
    body: Any = None
    text: str | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict)
    raw: bytes | None = None
    #: Cut short on the wire: the client gets its headers and half its body, then the
    #: connection closes (no body at all: the connection closes before the status line).
    truncated: bool = False


@attrs.frozen
class ConnectionFault:
    """Not a response: the connection is reset, or stalls until the client gives up."""

    kind: str  # "reset" | "timeout"
    #: The request was served (its side effects happened) before the connection failed.
    acted: bool = False


#: ``httpx.Response.extensions`` key of the body a 204/304 carried that no HTTP/1.1
#: client reads (the loopback server writes it, then closes the connection).
STRAY_BODY = "fakegraph.stray_body"

# Statuses that never have a body on HTTP/1.1, whatever Content-Length says (RFC 9110).
_BODILESS = frozenset({204, 304})


class TruncatedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body cut short: its first bytes, then the peer closes the connection.

    Reading it raises the ``httpx.RemoteProtocolError`` httpx raises over a socket when a
    body ends before its ``Content-Length``, with the same message.
    """

    def __init__(self, head: bytes, expected: int, request: httpx.Request) -> None:
        self.head = head
        self.expected = expected
        self._request = request

    def _error(self) -> httpx.RemoteProtocolError:
        return httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body "
            f"(received {len(self.head)} bytes, expected {self.expected})",
            request=self._request,
        )

    def __iter__(self) -> Iterator[bytes]:
        if self.head:
            yield self.head
        raise self._error()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.head:
            yield self.head
        raise self._error()


def json_reply(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Reply:
    """A JSON reply."""
    return Reply(status=status, body=body, headers=dict(headers or {}))


def empty_reply(status: int, headers: Mapping[str, str] | None = None) -> Reply:
    """A reply without a body (``202``, ``204``...)."""
    return Reply(status=status, headers=dict(headers or {}))


def prefer_applied(headers: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """``headers`` with ``extra``'s, ``Preference-Applied`` values joined (RFC 7240 lists)."""
    out = dict(headers)
    for key, value in extra.items():
        if key.lower() == "preference-applied" and out.get(key):
            out[key] = f"{out[key]}, {value}"
        else:
            out[key] = value
    return out


def bare_error_reply(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> Reply:
    """An error body with only ``code`` and ``message`` (no ``innerError``).

    Exchange's concurrency 429 and the upload URLs answer this way.
    """
    return json_reply(status, {"error": {"code": code, "message": message}}, headers)


def error_body(
    code: str,
    message: str,
    request_id: str | None = None,
    client_request_id: str | None = None,
) -> dict[str, Any]:
    """Graph's error body, with ``innerError`` as Graph writes it (new ids when not given)."""
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": request_id or str(uuid.uuid4()),
                "client-request-id": client_request_id or str(uuid.uuid4()),
            },
        }
    }


def internal_error_reply(client_request_id: str | None = None) -> Reply:
    """The 500 for a request FakeGraph itself failed on, with its request ids. The shape is
    Graph's error body; the code ``InternalServerError`` is the one Graph has been seen
    answering 500s with (msgraph-sdk-dotnet#745), the message FakeGraph's."""
    request_id = str(uuid.uuid4())
    ids = {"request-id": request_id, "client-request-id": client_request_id or request_id}
    body = error_body(
        "InternalServerError",
        "FakeGraph failed to answer this request.",
        ids["request-id"],
        ids["client-request-id"],
    )
    return json_reply(500, body, ids)


# =========================================================================== httpx <-> Call


def split_version(path: str) -> tuple[str, str]:
    """``("v1.0", "/users")`` for ``/v1.0/users``; ``("", path)`` off Graph's version roots."""
    for version in ("v1.0", "beta"):
        prefix = f"/{version}"
        if path.lower() == prefix or path.lower().startswith(prefix + "/"):
            return version, path[len(prefix) :] or "/"
    return "", path


def parse_query(text: str) -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """A query string as ``Call.query`` (the last of each name) and ``Call.query_items``
    (every pair, in order): for a request and for each ``$batch`` item alike."""
    pairs = tuple(parse_qsl(text, keep_blank_values=True))
    return dict(pairs), pairs


def to_call(request: httpx.Request) -> Call:
    """The ``Call`` for an httpx request: JSON and form bodies parsed, path unversioned."""
    url = request.url
    version, path = split_version(unquote(url.path))
    try:
        raw = request.content
    except httpx.RequestNotRead:
        raw = request.read()
    content_type = request.headers.get("Content-Type", "").lower()
    body: Any = None
    if raw and "json" in content_type:
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
    elif raw and "x-www-form-urlencoded" in content_type:
        body = dict(parse_qsl(raw.decode(), keep_blank_values=True))
    elif raw and not version:
        body = None
    query, pairs = parse_query(url.query.decode())
    origin = f"{url.scheme}://{url.netloc.decode()}"
    return Call(
        method=request.method.upper(),
        path=path,
        query=query,
        headers=dict(request.headers.items()),
        body=body,
        raw=raw,
        origin=origin,
        version=version,
        query_items=pairs,
    )


def reply_content(reply: Reply) -> tuple[bytes, dict[str, str]]:
    """The bytes of a reply's body and its headers (JSON gets Graph's ``Content-Type``)."""
    headers = dict(reply.headers)
    if reply.raw is not None:
        content = reply.raw
    elif reply.text is not None:
        content = reply.text.encode()
        headers.setdefault("Content-Type", "text/plain")
    elif reply.body is not None:
        content = json.dumps(reply.body).encode()
        headers.setdefault("Content-Type", JSON_TYPE)
    else:
        content = b""
    headers["Content-Length"] = str(len(content))
    return content, headers


def to_response(reply: Reply, request: httpx.Request) -> httpx.Response:
    """The httpx response for a ``Reply``, as an HTTP/1.1 client would read it off a socket.

    A truncated reply's body stops half-way (reading it raises
    ``httpx.RemoteProtocolError``); a 204 or 304 has no body even if the reply carries one
    (it is kept in ``extensions[STRAY_BODY]`` for the loopback server to write).
    """
    content, headers = reply_content(reply)
    if reply.truncated:
        stream = TruncatedStream(content[: len(content) // 2], len(content), request)
        return httpx.Response(reply.status, headers=headers, stream=stream, request=request)
    if reply.status in _BODILESS and content:
        return httpx.Response(
            reply.status,
            headers=headers,
            content=b"",
            request=request,
            extensions={STRAY_BODY: content},
        )
    return httpx.Response(reply.status, headers=headers, content=content, request=request)
