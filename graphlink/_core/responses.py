"""Reading Graph's answers: JSON bodies, error bodies, pages and paging links (pure)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs
import httpx

from graphlink.errors import (
    GraphAPIError,
    InvalidResponseError,
    UnsafeLinkError,
    error_for_status,
)

__all__ = [
    "UPLOAD_HOSTS",
    "PageData",
    "api_error",
    "decode_json",
    "parse_page",
    "safe_link",
    "upload_link",
]


def decode_json(content: bytes) -> Any:
    """The JSON of a body, or ``None`` when it is empty (a 202/204 may carry nothing).

    Raises ``ValueError`` for a body that is not JSON, and for one nested too deeply for
    the parser (``"[" * 100000``): Python's ``RecursionError`` never escapes.
    """
    if not content or not content.strip():
        return None
    try:
        return json.loads(content)
    except RecursionError:
        raise ValueError("the JSON body is nested too deeply to read") from None


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
    """Split a collection response into its items and links.

    Anything but ``{"value": [...]}`` with string links is refused: reading it as an empty
    last page would silently cut the list.
    """
    if not isinstance(body, Mapping) or not isinstance(body.get("value"), list):
        raise InvalidResponseError(
            f"Graph answered a collection request with {_shape(body)}, not {{'value': [...]}}"
        )
    links = []
    for key in ("@odata.nextLink", "@odata.deltaLink"):
        link = body.get(key)
        if link is not None and not isinstance(link, str):
            raise InvalidResponseError(f"Graph sent a {key} that is not a string")
        links.append(link)
    count = body.get("@odata.count")
    return PageData(body["value"], links[0], links[1], count if isinstance(count, int) else None)


def _shape(body: Any) -> str:
    if isinstance(body, Mapping):
        return "an object without a 'value' list"
    return "nothing" if body is None else f"a JSON {type(body).__name__}"


def safe_link(link: str, base_url: str) -> str:
    """Return ``link`` if it points at the configured Graph host, else refuse it.

    The bearer token goes with every page request, so a link to any other scheme, host or
    port, or one carrying user info, is never followed. The link is parsed the way httpx
    will send it, so what is checked is what is sent.
    """
    try:
        url = httpx.URL(link)
        base = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise UnsafeLinkError(f"refusing a paging link that is not a valid URL: {exc}") from None
    if (
        not url.is_absolute_url
        or url.userinfo
        or (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port)
    ):
        raise UnsafeLinkError(
            f"refusing to follow a paging link to {url.scheme}://{url.host}: only "
            f"{base.scheme}://{base.netloc.decode()} is trusted with the token"
        )
    if "#" in link:  # Graph never sends one; the request would silently drop what follows
        raise InvalidResponseError("Graph sent a paging link with a '#' fragment")
    return str(url)


#: Hosts Graph hands pre-authenticated upload URLs out on (Outlook's, in every cloud).
UPLOAD_HOSTS = (
    "outlook.office.com",
    "outlook.office365.com",
    "outlook.office365.us",
    "outlook.microsoftonline.us",
    "partner.outlook.cn",
    "graph.microsoft.com",
    "graph.microsoft.us",
    "dod-graph.microsoft.us",
    "microsoftgraph.chinacloudapi.cn",
)


def upload_link(link: str, base_url: str) -> str:
    """Return an upload session's URL if it is on Microsoft's upload hosts, else refuse it.

    The URL carries its own authorization (no bearer token goes there), and the file's
    bytes do: only https on ``UPLOAD_HOSTS`` (or a subdomain), or the client's own Graph
    origin (a local fake), is accepted; never user info.
    """
    try:
        url = httpx.URL(link)
        base = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise UnsafeLinkError(f"refusing an upload URL that is not a valid URL: {exc}") from None
    same_origin = (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port)
    microsoft = url.scheme == "https" and any(
        url.host == host or url.host.endswith("." + host) for host in UPLOAD_HOSTS
    )
    if not url.is_absolute_url or url.userinfo or not (same_origin or microsoft):
        raise UnsafeLinkError(
            f"refusing to upload to {url.scheme}://{url.host}: not one of Microsoft's upload hosts"
        )
    return str(url)
