"""Reading Graph's answers: JSON bodies, error bodies, pages and paging links (pure)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs

from graphlink.errors import GraphAPIError, UnsafeLinkError, error_for_status

__all__ = ["PageData", "api_error", "decode_json", "origin", "parse_page", "safe_link"]


def decode_json(content: bytes) -> Any:
    """The JSON of a body, or ``None`` when it is empty (a 202/204 may carry nothing)."""
    if not content or not content.strip():
        return None
    return json.loads(content)


def _get_ci(data: Mapping[str, Any], *names: str) -> Any:
    """The first of ``names`` in ``data``, compared case-insensitively."""
    lowered = {str(k).lower(): v for k, v in data.items()}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def api_error(
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    *,
    retry_after: float | None = None,
    attempts: int = 1,
    cls: type[GraphAPIError] | None = None,
) -> GraphAPIError:
    """Build the typed error for a failed response from Graph's error body.

    Accepts ``innerError``/``innererror`` and ``request-id``/``requestId`` spellings; falls
    back to the response headers for ids, and to the raw text when the body is not JSON.
    """
    body: Any
    try:
        body = decode_json(content)
    except ValueError:
        body = content.decode("utf-8", "replace")
    code, message = "", ""
    request_id = headers.get("request-id")
    client_request_id = headers.get("client-request-id")
    error = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(error, Mapping):
        code = str(error.get("code") or "")
        message = str(error.get("message") or "")
        inner = _get_ci(error, "innerError")
        if isinstance(inner, Mapping):
            request_id = _get_ci(inner, "request-id", "requestId") or request_id
            client_request_id = _get_ci(inner, "client-request-id") or client_request_id
    elif isinstance(body, str):
        message = body[:500]
    if not message:
        message = f"HTTP {status}"
    cls = cls or error_for_status(status, code)
    return cls(
        status,
        code,
        message,
        request_id=request_id,
        client_request_id=client_request_id,
        retry_after=retry_after,
        body=body,
        attempts=attempts,
    )


@attrs.frozen
class PageData:
    """The parts of one collection page."""

    items: list[Any]
    next_link: str | None
    delta_link: str | None
    count: int | None


def parse_page(body: Any) -> PageData:
    """Split a collection response into its items and links."""
    if not isinstance(body, Mapping):
        return PageData([], None, None, None)
    items = body.get("value")
    if not isinstance(items, list):
        items = []
    count = body.get("@odata.count")
    return PageData(
        items,
        body.get("@odata.nextLink"),
        body.get("@odata.deltaLink"),
        count if isinstance(count, int) else None,
    )


def origin(url: str) -> tuple[str, str]:
    """``(scheme, host[:port])`` of a URL, lower case."""
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def safe_link(link: str, base_url: str) -> str:
    """Return ``link`` if it points at the configured Graph host, else refuse it.

    The bearer token goes with every page request, so a link to any other scheme or host
    (a compromised or misconfigured response) is never followed.
    """
    if origin(link) != origin(base_url):
        scheme, host = origin(link)
        raise UnsafeLinkError(
            f"refusing to follow a paging link to {scheme}://{host}: "
            f"only {base_url.split('/v1.0')[0]} is trusted with the token"
        )
    return link
