"""A real notification receiver on loopback, and the times the tests book at."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from graphlink.notifications import Answer, handle

SVC = "svc@contoso.com"
ROOM = "aurora@contoso.com"
SECRET = "s3cret-client-state"
START = datetime(2030, 1, 7, 9, tzinfo=UTC)
HOUR = timedelta(hours=1)
EVENTS = f"/users/{ROOM}/events"


class Receiver:
    """``ThreadingHTTPServer`` on 127.0.0.1 whose every POST goes through ``handle``.

    ``answers`` holds every ``Answer`` in order. ``break_echo`` makes it answer the
    handshake with a wrong body; ``status`` overrides the status of notifications.
    """

    def __init__(self, client_state: Any = SECRET) -> None:
        self.client_state = client_state
        self.answers: list[Answer] = []
        self.break_echo = False
        self.status: int | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size)
                answer = handle(
                    "POST",
                    urlsplit(self.path).query,
                    self.headers,
                    body,
                    client_state=receiver.client_state,
                )
                receiver.answers.append(answer)
                status, text = answer.status, answer.body
                if answer.is_validation and receiver.break_echo:
                    text = "not the token"
                elif not answer.is_validation and receiver.status is not None:
                    status = receiver.status
                data = text.encode()
                self.send_response(status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        """The notification URL."""
        return f"http://127.0.0.1:{self._server.server_port}/graph/notifications"

    @property
    def notifications(self) -> list[Any]:
        """Every change notification received, in order."""
        return [n for a in self.answers for n in a.notifications]

    @property
    def lifecycle(self) -> list[Any]:
        """Every lifecycle event received, in order."""
        return [e for a in self.answers for e in a.lifecycle]

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
