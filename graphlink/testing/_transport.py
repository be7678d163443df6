"""The two ways into FakeGraph: httpx transports (in-process) and a loopback HTTP server."""

from __future__ import annotations

import io
import logging
import re
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import httpx

from graphlink.testing._wire import (
    STRAY_BODY,
    TruncatedStream,
    internal_error_reply,
    to_response,
)

if TYPE_CHECKING:
    from graphlink.testing._fake import FakeGraph

__all__ = [
    "MAX_BODY",
    "AsyncFakeTransport",
    "BodyTooLarge",
    "FakeTransport",
    "read_chunked",
    "serve",
]

_log = logging.getLogger("graphlink.testing")


class FakeTransport(httpx.BaseTransport):
    """A sync httpx transport answering from a FakeGraph (latency and limits applied)."""

    def __init__(self, fake: FakeGraph) -> None:
        self.fake = fake

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request; faults raise the httpx errors a socket would give."""
        request.read()
        return self.fake._handle_blocking(request)


class AsyncFakeTransport(httpx.AsyncBaseTransport):
    """An async httpx transport: requests wait out the latency while counted in flight."""

    def __init__(self, fake: FakeGraph) -> None:
        self.fake = fake

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request; faults raise the httpx errors a socket would give."""
        return await self.fake._handle_async(request)


#: The largest request body the served fake reads (Content-Length or chunked): well above
#: the 4 MB Graph accepts (routes answer that with Graph's 413), small enough that a bad
#: length cannot make it allocate without bound (a buffered read sizes its buffer first).
MAX_BODY = 64 * 1024 * 1024


class BodyTooLarge(ValueError):
    """A request body longer than ``MAX_BODY``."""


# RFC 3986 ``host [ ":" port ]`` without userinfo: a bracketed IPv6 literal or a
# reg-name/IPv4 of unreserved and percent-encoded characters.
_AUTHORITY = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%-]+)(?::[0-9]{1,5})?")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The listen backlog: socketserver's default of 5 drops the connections of a burst of
    # concurrent clients, which then wait out a SYN retransmit (about 1 s each).
    request_queue_size = 256

    def __init__(self, fake: FakeGraph, host: str, port: int) -> None:
        self.fake = fake
        self.stopping = threading.Event()
        #: Connections to abort with a reset rather than close with a FIN.
        self.aborted: set[socket.socket] = set()
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        """Close a finished connection: a FIN, or a bare RST for an aborted one."""
        if request in self.aborted:
            self.aborted.discard(request)
            # No shutdown(SHUT_WR) first: it would send the FIN a peer reads as a clean close.
            self.close_request(request)
            return
        super().shutdown_request(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    # Headers and body leave in one segment: with keep-alive, two small writes would meet
    # Nagle and delayed ACKs and cost about 40 ms a response.
    wbufsize = -1
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: FakeGraph records requests itself."""

    def _body(self) -> bytes | None:
        """The request body (RFC 9112, 6.3: chunked first, then Content-Length), or None
        after answering 400 for a body whose end cannot be found."""
        codings = [c.strip().lower() for c in self.headers.get("Transfer-Encoding", "").split(",")]
        if codings != [""]:
            # requests and httpx send a generator's body chunked; only chunked is read.
            if codings != ["chunked"]:
                self.close_connection = True
                self.send_error(400, "Bad Request (unsupported Transfer-Encoding)")
                return None
            try:
                return read_chunked(self.rfile)
            except BodyTooLarge:
                self.close_connection = True
                self.send_error(413, "Request Entity Too Large")
                return None
            except ValueError:
                self.close_connection = True
                self.send_error(400, "Bad Request (malformed chunked body)")
                return None
        length = self.headers.get("Content-Length") or "0"
        # An invalid Content-Length leaves no way to find the body's end.
        if not (length.isascii() and length.isdigit()):
            self.send_error(400, "Bad Request (invalid Content-Length)")
            return None
        if int(length) > MAX_BODY:
            self.close_connection = True  # the body is left unread
            self.send_error(413, "Request Entity Too Large")
            return None
        return self.rfile.read(int(length)) if int(length) else b""

    def _serve(self) -> None:
        body = self._body()
        if body is None:
            return
        # Links the fake writes point where the client reached it (the Host header): only
        # the client that sent a Host reads them, so any well-formed one is taken as is.
        host = self.headers.get("Host")
        authority = f"127.0.0.1:{self.server.server_address[1]}" if host is None else host
        framing = ("content-length", "transfer-encoding")  # the body is read whole by now
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in framing]
        try:
            if not (_AUTHORITY.fullmatch(authority) and self.path.startswith("/")):
                raise httpx.InvalidURL(authority)
            request = httpx.Request(
                self.command, f"http://{authority}{self.path}", headers=headers, content=body
            )
        except httpx.InvalidURL:
            # RFC 9112, 3.2: a Host that is not host[:port] is a 400 (no URL to answer for).
            self.send_error(400, "Bad Request (invalid Host or request target)")
            return
        # Each fault is played on the socket as the in-process transports raise it.
        try:
            response = self.server.fake._handle_blocking(request)
        except httpx.ReadError:
            self._reset()
            return
        except httpx.RemoteProtocolError:  # cut before the status line: close, say nothing
            self.close_connection = True
            return
        except httpx.TimeoutException:
            self.server.stopping.wait(self.server.fake.stall_seconds)
            self.close_connection = True
            return
        except Exception:
            # A fault in FakeGraph itself: answer the 500 Graph answers, keep the connection,
            # and leave the traceback in the log.
            _log.exception("FakeGraph failed answering %s %s", self.command, request.url.path)
            reply = internal_error_reply(request.headers.get("client-request-id"))
            response = to_response(reply, request)
        self.send_response_only(response.status_code, response.reason_phrase)
        for key, value in response.headers.items():
            self.send_header(key, value)
        stream = response.stream
        stray = response.extensions.get(STRAY_BODY)
        if isinstance(stream, TruncatedStream):
            content = stream.head  # then the connection closes, short of Content-Length
            self.close_connection = True
        elif stray is not None:
            # A 204 with a body: nobody reads it, so it must not wait for the next answer.
            self.send_header("Connection", "close")
            content = stray
        else:
            content = response.content
        self.end_headers()
        self.wfile.write(content)
        self.wfile.flush()

    def _reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0, no FIN), as a dropped peer would."""
        self.close_connection = True
        sock = self.connection
        with suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.server.aborted.add(sock)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815


def read_chunked(stream: io.BufferedIOBase, limit: int = MAX_BODY) -> bytes:
    """A chunked body read off ``stream`` (RFC 9112, 7.1): the chunks' data joined, chunk
    extensions and trailer fields skipped. ``ValueError`` when it is not well formed,
    ``BodyTooLarge`` (before reading the chunk) when it would pass ``limit`` bytes."""
    data = bytearray()
    while True:
        line = stream.readline(1026)
        if not line.endswith(b"\n"):
            raise ValueError("chunk size line missing or too long")
        size_text = line.split(b";", 1)[0].strip()
        if not size_text or any(c not in b"0123456789abcdefABCDEF" for c in size_text):
            raise ValueError(f"bad chunk size {size_text!r}")
        size = int(size_text, 16)
        if size == 0:
            break
        if size > limit - len(data):
            raise BodyTooLarge(f"request body over {limit} bytes")
        chunk = stream.read(size)
        if len(chunk) != size or stream.readline(3).strip(b"\r\n") != b"":
            raise ValueError("chunk shorter than its size")
        data += chunk
    while True:  # trailer fields, up to the empty line
        line = stream.readline(8192)
        if not line.endswith(b"\n"):
            raise ValueError("trailer section not terminated")
        if line in (b"\r\n", b"\n"):
            return bytes(data)


@contextmanager
def serve(fake: FakeGraph, port: int = 0, host: str = "127.0.0.1") -> Iterator[str]:
    """Run ``fake`` on ``host`` in a background thread; yield its Graph root URL.

    For an address meaning "every interface" (``0.0.0.0``, ``::``) the URL names loopback.
    """
    server = _Server(fake, host, port)
    # A short poll: shutdown() waits for it, and every test that serves pays it once.
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="FakeGraph-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://{_url_host(host)}:{server.server_address[1]}/v1.0"
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host
