"""Django: a notification view in a few lines (``graphlink[django]``).

```python
# urls.py
import queue

from django.urls import path

from graphlink.notifications.django import endpoint

SECRET = "a-long-random-client-state"  # the subscriptions' clientState
answers = queue.Queue()  # a worker handles them: Graph wants its 202 within 3 seconds

# on_answer is called before the 202
urlpatterns = [path("graph", endpoint(client_state=SECRET, on_answer=answers.put))]
```

The view is exempt from CSRF checks (Graph cannot send a CSRF token; ``clientState`` is
what tells Graph's POSTs from others). Or write the view yourself with
[`read`][graphlink.notifications.django.read] and
[`response`][graphlink.notifications.django.response].
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from django.http import HttpRequest, HttpResponse  # type: ignore[import-untyped]
from django.views.decorators.csrf import csrf_exempt  # type: ignore[import-untyped]

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
    request: HttpRequest,
    *,
    client_state: str | Iterable[str] | None,
    max_body_bytes: int | None = MAX_BODY_BYTES,
) -> Answer:
    """[`handle`][graphlink.notifications.handle] a Django request. A body over
    ``max_body_bytes`` by its ``Content-Length`` is answered 413 unread (Django's own
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` applies as well)."""
    if max_body_bytes is not None and too_large(request.META.get("CONTENT_LENGTH"), max_body_bytes):
        return oversized(max_body_bytes)
    return handle(
        request.method or "",
        request.GET,
        request.headers,
        request.body,
        client_state=client_state,
        max_body_bytes=max_body_bytes,
    )


def response(answer: Answer) -> HttpResponse:
    """The Django response for an [`Answer`][graphlink.notifications.Answer]."""
    out = HttpResponse(answer.body, status=answer.status)
    for name, value in answer.headers.items():
        out[name] = value
    return out


def endpoint(
    *,
    client_state: str | Iterable[str] | None,
    on_answer: Callable[[Answer], Any] | None = None,
    max_body_bytes: int | None = MAX_BODY_BYTES,
) -> Callable[[HttpRequest], HttpResponse]:
    """A view answering Graph: the handshake, notifications (202), bad requests (400).

    ``on_answer`` gets each [`Answer`][graphlink.notifications.Answer] that carries
    notifications or lifecycle events, before Graph gets its 202: keep it short (Graph
    wants the answer within 3 s). If it raises, Django answers 500 and Graph sends them
    again. A body over ``max_body_bytes`` is answered 413.

    Raises:
        TypeError: ``client_state`` is not a str, an iterable of str, or None (checked
            here, once: a generator would be used up by the first request).
    """
    secrets = client_states(client_state)

    def graph_notifications(request: HttpRequest) -> HttpResponse:
        answer = read(request, client_state=secrets, max_body_bytes=max_body_bytes)
        if on_answer is not None and (answer.notifications or answer.lifecycle):
            on_answer(answer)
        return response(answer)

    # Graph cannot send a CSRF token: the view is exempt (clientState authenticates).
    return cast("Callable[[HttpRequest], HttpResponse]", csrf_exempt(graph_notifications))
