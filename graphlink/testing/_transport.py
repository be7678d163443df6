"""The two ways into FakeGraph: httpx transports (in-process) and a loopback HTTP server."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import httpx

from graphlink.testing._wire import STRAY_BODY, TruncatedStream

if TYPE_CHECKING:
    from graphlink.testing._fake import FakeGraph

__all__ = ["AsyncFakeTransport", "FakeTransport", "serve"]


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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The listen backlog: socketserver's default of 5 drops the connections of a burst of
    # concurrent clients, which then wait out a SYN retransmit (about 1 s each).
    request_queue_size = 256

    def __init__(self, fake: FakeGraph, port: int) -> None:
        self.fake = fake
        self.stopping = threading.Event()
        #: Connections to abort with a reset rather than close with a FIN.
        self.aborted: set[socket.socket] = set()
        super().__init__(("127.0.0.1", port), _Handler)

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

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        port = self.server.server_address[1]
        url = f"http://127.0.0.1:{port}{self.path}"
        headers = [(k, v) for k, v in self.headers.items() if k.lower() != "content-length"]
        request = httpx.Request(self.command, url, headers=headers, content=body)
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


@contextmanager
def serve(fake: FakeGraph, port: int = 0) -> Iterator[str]:
    """Run ``fake`` on 127.0.0.1 in a background thread; yield its Graph root URL."""
    server = _Server(fake, port)
    # A short poll: shutdown() waits for it, and every test that serves pays it once.
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="FakeGraph-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1.0"
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
