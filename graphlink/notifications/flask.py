"""Flask: a notification endpoint in a few lines (``graphlink[flask]``).

```python
import queue

from flask import Flask

from graphlink.notifications.flask import endpoint

SECRET = "a-long-random-client-state"  # the subscriptions' clientState
answers = queue.Queue()  # a worker handles them: Graph wants its 202 within 3 seconds

app = Flask(__name__)
view = endpoint(client_state=SECRET, on_answer=answers.put)  # called before the 202
app.add_url_rule("/graph", view_func=view, methods=["POST"])
```

Or write the view yourself with [`read`][graphlink.notifications.flask.read] and
[`response`][graphlink.notifications.flask.response].
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Request, Response
from flask import request as current_request

from graphlink.notifications._handle import (
    MAX_BODY_BYTES,
    Answer,
    client_states,
    handle,
    oversized,
    too_large,
)

__all__ = ["endpoint", "read", "response"]


def read(
    request: Request | None = None,
    *,
    client_state: str | Iterable[str] | None,
    max_body_bytes: int | None = MAX_BODY_BYTES,
) -> Answer:
    """[`handle`][graphlink.notifications.handle] a Flask request (the current one by
    default). A body over ``max_body_bytes`` (by its ``Content-Length``, or as it is read)
    is answered 413 without reading the rest."""
    req = request if request is not None else current_request
    if max_body_bytes is None:
        body = req.get_data(cache=True)
    elif too_large(req.content_length, max_body_bytes):
        return oversized(max_body_bytes)
    else:
        body = req.stream.read(max_body_bytes + 1)  # a chunked body: stop past the limit
    return handle(
        req.method,
        req.args,
        req.headers,
        body,
        client_state=client_state,
        max_body_bytes=max_body_bytes,
    )


def response(answer: Answer) -> Response:
    """The Flask response for an [`Answer`][graphlink.notifications.Answer]."""
    return Response(answer.body, status=answer.status, headers=dict(answer.headers))


def endpoint(
    *,
    client_state: str | Iterable[str] | None,
    on_answer: Callable[[Answer], Any] | None = None,
    max_body_bytes: int | None = MAX_BODY_BYTES,
) -> Callable[[], Response]:
    """A view answering Graph: the handshake, notifications (202), bad requests (400).

    Register it with ``app.add_url_rule(path, view_func=..., methods=["POST"])`` (its name
    is ``graph_notifications``: pass ``endpoint=`` to register two). ``on_answer`` gets
    each [`Answer`][graphlink.notifications.Answer] that carries notifications or
    lifecycle events, before Graph gets its 202: keep it short (Graph wants the answer
    within 3 s). If it raises, Flask answers 500 and Graph sends them again. A body over
    ``max_body_bytes`` is answered 413.

    Raises:
        TypeError: ``client_state`` is not a str, an iterable of str, or None (checked
            here, once: a generator would be used up by the first request).
    """
    secrets = client_states(client_state)

    def graph_notifications() -> Response:
        answer = read(client_state=secrets, max_body_bytes=max_body_bytes)
        if on_answer is not None and (answer.notifications or answer.lifecycle):
            on_answer(answer)
        return response(answer)

    return graph_notifications
