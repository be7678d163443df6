"""Starlette and FastAPI: a notification endpoint in a few lines (``graphlink[starlette]``).

```python
import asyncio

from starlette.applications import Starlette
from starlette.routing import Route

from graphlink.notifications.starlette import endpoint

SECRET = "a-long-random-client-state"  # the subscriptions' clientState
answers = asyncio.Queue()  # a task handles them: Graph wants its 202 within 3 seconds

view = endpoint(client_state=SECRET, on_answer=answers.put)  # awaited before the 202
app = Starlette(routes=[Route("/graph", view, methods=["POST"])])
# FastAPI: app.add_api_route("/graph", endpoint(...), methods=["POST"])
```

Or write the view yourself with [`read`][graphlink.notifications.starlette.read] and
[`response`][graphlink.notifications.starlette.response].
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from graphlink.notifications._handle import (
    MAX_BODY_BYTES,
    Answer,
    client_states,
    handle,
    oversized,
    too_large,
)

__all__ = ["endpoint", "read", "response"]


async def read(
    request: Request,
    *,
    client_state: str | Iterable[str] | None,
    max_body_bytes: int | None = MAX_BODY_BYTES,
) -> Answer:
    """[`handle`][graphlink.notifications.handle] a Starlette (or FastAPI) request.

    A body over ``max_body_bytes`` (by its ``Content-Length``, or as it streams in) is
    answered 413 without reading the rest.
    """
    if max_body_bytes is not None and too_large(
        request.headers.get("content-length"), max_body_bytes
    ):
        return oversized(max_body_bytes)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if max_body_bytes is not None and len(body) > max_body_bytes:
            return oversized(max_body_bytes)  # a chunked body: stop reading
    return handle(
        request.method,
        request.query_params,
        request.headers,
        bytes(body),
        client_state=client_state,
        max_body_bytes=max_body_bytes,
    )


def response(answer: Answer) -> Response:
    """The Starlette response for an [`Answer`][graphlink.notifications.Answer]."""
    return Response(answer.body, status_code=answer.status, headers=dict(answer.headers))


def endpoint(
    *,
    client_state: str | Iterable[str] | None,
    on_answer: Callable[[Answer], Any] | None = None,
    max_body_bytes: int | None = MAX_BODY_BYTES,
) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint answering Graph: the handshake, notifications (202), bad requests (400).

    ``on_answer`` (a function or a coroutine function) gets each
    [`Answer`][graphlink.notifications.Answer] that carries notifications or lifecycle
    events, before Graph gets its 202: keep it short (Graph wants the answer within 3 s).
    If it raises, the framework answers 500 and Graph sends the notifications again.
    A body over ``max_body_bytes`` is answered 413.

    Raises:
        TypeError: ``client_state`` is not a str, an iterable of str, or None (checked
            here, once: a generator would be used up by the first request).
    """
    secrets = client_states(client_state)

    async def graph_notifications(request: Request) -> Response:
        answer = await read(request, client_state=secrets, max_body_bytes=max_body_bytes)
        if on_answer is not None and (answer.notifications or answer.lifecycle):
            result = on_answer(answer)
            if inspect.isawaitable(result):
                await result
        return response(answer)

    return graph_notifications
