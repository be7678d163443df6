"""Requests and operations as data: what to send, and how to read the answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar
from urllib.parse import unquote

import attrs

from graphlink._core.paths import check_header, check_text
from graphlink.errors import ValidationError

__all__ = [
    "FRAMING_HEADERS",
    "IDEMPOTENT_METHODS",
    "METHODS",
    "READ_METHODS",
    "RESERVED_HEADERS",
    "Listing",
    "Operation",
    "RequestSpec",
    "check_limit",
    "is_link",
    "limit_key",
]

T = TypeVar("T")

#: Methods that only read: a failed one never "may have taken effect".
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IDEMPOTENT_METHODS = READ_METHODS | {"PUT", "DELETE"}
METHODS = IDEMPOTENT_METHODS | {"POST", "PATCH"}
"""The HTTP methods Graph serves; anything else is a typo, refused before sending."""

# Outlook resources: Graph limits these per app and mailbox.
_MAILBOX_RESOURCES = frozenset(
    {
        "events",
        "calendar",
        "calendars",
        "calendarview",
        "calendargroups",
        "messages",
        "mailfolders",
        "sendmail",
        "findmeetingtimes",
        "mailboxsettings",
        "photo",
        "photos",
    }
)

Params = Mapping[str, str | int | bool] | Sequence[tuple[str, str]]


def is_link(url: str) -> bool:
    """Whether ``url`` is an absolute link (a paging or upload URL), not a Graph path.

    A path starts with ``/``; what follows may hold ``://`` (a URL in a ``$filter``).
    """
    return not url.startswith("/")


def limit_key(url: str) -> str:
    """The rate-limit key of a request: its mailbox for Outlook calls, else ``"tenant"``.

    ``/users/{id}/events/...`` -> ``"mailbox:{id}"`` (unquoted, lower case); ``/me/...``
    -> ``"mailbox:me"``.
    """
    path = url.split("?", 1)[0]
    if is_link(path) and "://" in path:
        path = "/" + path.split("://", 1)[1].split("/", 1)[-1]
        # Drop the version segment of an absolute link: /v1.0/users/... -> /users/...
        parts = path.strip("/").split("/")[1:]
    else:
        parts = path.strip("/").split("/")
    if parts and parts[0] == "me" and len(parts) > 1 and parts[1].lower() in _MAILBOX_RESOURCES:
        return "mailbox:me"
    if len(parts) > 2 and parts[0] == "users" and parts[2].lower() in _MAILBOX_RESOURCES:
        return "mailbox:" + unquote(parts[1]).lower()
    return "tenant"


def check_limit(limit: object) -> None:
    """Refuse a ``limit`` that is not ``None`` or a non-negative int."""
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
        raise ValidationError(f"limit must be None or an int >= 0, not {limit!r}")


def _method(value: object) -> str:
    method = value.upper() if isinstance(value, str) else value
    if method not in METHODS:
        raise ValidationError(f"unknown HTTP method {value!r}; expected one of {sorted(METHODS)}")
    return str(method)


def _params(value: Params | None) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    items = value.items() if isinstance(value, Mapping) else value
    out: list[tuple[str, str]] = []
    for key, item in items:
        text = ("true" if item else "false") if isinstance(item, bool) else str(item)
        check_text(key, "a query parameter name")
        check_text(text, f"the value of query parameter {key!r}")
        out.append((key, text))
    return tuple(out)


FRAMING_HEADERS = frozenset(
    {
        "content-length",
        "transfer-encoding",
        "host",
        "connection",
        "keep-alive",
        "upgrade",
        "te",
        "trailer",
        "proxy-connection",
        "expect",
    }
)
"""Headers that decide how a request is framed on the connection (hop-by-hop, length,
host): the HTTP layer writes them; one from a caller could desynchronise the connection."""

RESERVED_HEADERS = frozenset({"authorization", "client-request-id"}) | FRAMING_HEADERS
"""Headers the transport owns: a caller may not replace them (in any letter case)."""


def _headers(value: Mapping[str, str] | None) -> Mapping[str, str]:
    out: dict[str, str] = {}
    for name, item in (value or {}).items():
        if not isinstance(name, str) or not isinstance(item, str):
            raise ValidationError(f"header {name!r} must be a string with a string value")
        check_header(name, item)
        if name.lower() in FRAMING_HEADERS:
            raise ValidationError(
                f"the {name} header frames the request on the connection: the HTTP layer "
                "sets it, and it cannot be given"
            )
        if name.lower() in RESERVED_HEADERS:
            raise ValidationError(f"the {name} header is set by graphlink and cannot be given")
        out[name] = item
    return out


@attrs.frozen(kw_only=True)
class RequestSpec:
    """One HTTP request to Graph, before auth and transport.

    Attributes:
        method: The HTTP method.
        url: A path relative to the Graph root (``/users/x``) or, for paging links only,
            an absolute URL on the Graph host (sent verbatim).
        params: Query parameters, in order.
        headers: Extra headers (``ConsistencyLevel``, ``Prefer``, ...), checked for CR/LF.
        json: A JSON body.
        content: A raw body (upload sessions).
        idempotent: Whether the request may run twice; defaults by method.
        key: The rate-limit key (see ``limit_key``).
        effect: What it means when this request (not idempotent) may have been processed,
            for the error's message (e.g. "the mail may have been sent").
        anonymous: Sent without the bearer token, to a pre-authenticated absolute URL
            (an upload session's), which must be on one of Microsoft's upload hosts.
        keys: For a request that carries others (a ``$batch``): the rate-limit key of each
            request it carries; the limiter admits it against all of them at once.
    """

    method: str = attrs.field(converter=_method)
    url: str = attrs.field()
    params: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_params)
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=_headers)
    json: Any = None
    content: bytes | None = None
    idempotent: bool = attrs.field()
    key: str = attrs.field()
    effect: str | None = None
    anonymous: bool = False
    keys: tuple[str, ...] = ()

    @idempotent.default
    def _idempotent_default(self) -> bool:
        return self.method in IDEMPOTENT_METHODS

    @key.default
    def _key_default(self) -> str:
        return limit_key(self.url)

    @url.validator
    def _check_url(self, _: object, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise ValidationError("a request needs a path")
        check_text(value, "a request path")
        if "#" in value:
            # httpx would send only what comes before it, silently: another resource.
            raise ValidationError(
                "a request path must not contain '#' (everything after it would be dropped); "
                "encode values with graphlink.segment, which writes it as %23"
            )
        if is_link(value):
            if "://" not in value:
                raise ValidationError(f"a Graph path must start with '/': {value!r}")
            return
        if {".", ".."} & set(value.split("?", 1)[0].split("/")):
            # httpx resolves them: '/users/../../beta/x' would leave the Graph root.
            raise ValidationError(
                f"a request path must not contain '.' or '..' segments: {value!r}"
            )

    def follow(self, link: str) -> RequestSpec:
        """The request for a paging link: the link verbatim, the same headers, no params."""
        return attrs.evolve(self, url=link, params=(), json=None, content=None)


@attrs.frozen(kw_only=True)
class Operation(Generic[T]):
    """One call: a request plus how to read its JSON answer (``None`` for an empty body).

    Builders in ``graphlink/resources/_<area>.py`` return these; a facade method hands
    one to ``transport.call`` (or, later, to a ``$batch``).
    """

    spec: RequestSpec
    parse: Callable[[Any], T]


@attrs.frozen(kw_only=True)
class Listing(Generic[T]):
    """A collection call: the first page's request, how to read a page's items, a limit.

    Builders return these for collections; a facade hands one to ``transport.paginate``,
    which follows every ``@odata.nextLink`` and stops after ``limit`` items (None: all).
    ``parse_items`` reads a whole page's ``value`` list at once (models parse a page
    faster than item by item).
    """

    spec: RequestSpec
    parse_items: Callable[[list[Any]], list[T]]
    limit: int | None = attrs.field(default=None)

    @limit.validator
    def _check_limit(self, _: object, value: int | None) -> None:
        check_limit(value)
