"""``RecordedRequest``: what ``fake.requests`` lists."""

from __future__ import annotations

import json
from typing import Any

import attrs

__all__ = ["RecordedRequest"]


@attrs.frozen
class RecordedRequest:
    """A request FakeGraph received, as it arrived (``Authorization`` left out).

    ``path`` is relative to the Graph version root (``/users/x/calendar/events``) for Graph
    calls, and the whole URL path for the token endpoint and upload URLs.
    """

    method: str
    url: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    #: The JSON body, the form (secrets redacted) for the token endpoint, else the bytes.
    body: Any
    #: The status answered, or None when the connection was reset, left to time out, or
    #: closed before the status line.
    status: int | None

    def json(self) -> Any:
        """The body parsed as JSON (it already is when the request sent JSON)."""
        if isinstance(self.body, bytes | str):
            return json.loads(self.body)
        return self.body
